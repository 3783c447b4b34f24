package provisioner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// AgentPlatform is this binary's own platform, whose agent binary the
// server always has: itself.
var AgentPlatform = runtime.GOOS + "-" + runtime.GOARCH

// AgentPlatforms are the other platforms whose agent binaries `make build`
// cross-compiles into bin/agents/ (the server's --agent-binaries-dir).
var AgentPlatforms = []string{"linux-amd64", "linux-arm64", "darwin-arm64", "windows-amd64"}

// AgentFile is the file name of a platform's agent binary, as the server
// serves it at /bin/<name>: coder-<os>-<arch>, with .exe for windows.
func AgentFile(platform string) string {
	if strings.HasPrefix(platform, "windows-") {
		return "coder-" + platform + ".exe"
	}
	return "coder-" + platform
}

// AgentBinary is one agent binary the server serves.
type AgentBinary struct {
	Platform string // "<os>-<arch>"
	File     string // AgentFile(Platform)
	Path     string // where it is on the server
	SHA256   string // its checksum, in hex
}

// FindAgentBinaries returns the agent binaries by platform: executable
// for its own platform, and for each of AgentPlatforms the file
// AgentFile(platform) in dir when there is one (dir may be "" or missing).
// Each is checksummed once, here.
func FindAgentBinaries(executable, dir string) (map[string]AgentBinary, error) {
	out := map[string]AgentBinary{}
	add := func(platform, path string) error {
		sum, err := fileSHA256(path)
		if err != nil {
			return fmt.Errorf("checksum the agent binary %s: %w", path, err)
		}
		out[platform] = AgentBinary{Platform: platform, File: AgentFile(platform), Path: path, SHA256: sum}
		return nil
	}
	if err := add(AgentPlatform, executable); err != nil {
		return nil, err
	}
	if dir == "" {
		return out, nil
	}
	for _, p := range AgentPlatforms {
		if _, ok := out[p]; ok {
			continue
		}
		path := filepath.Join(dir, AgentFile(p))
		fi, err := os.Stat(path)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if err := add(p, path); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// agentScripts renders the bootstrap script of each binary, by
// "<os>_<arch>" (what the provider reads from CODER_AGENT_SCRIPT_<os>_<arch>):
// PowerShell for windows, sh for the others.
func agentScripts(accessURL string, bins map[string]AgentBinary) map[string]string {
	out := map[string]string{}
	for p, b := range bins {
		key := strings.ReplaceAll(p, "-", "_")
		if strings.HasPrefix(p, "windows-") {
			out[key] = windowsAgentScript(accessURL, b)
		} else {
			out[key] = agentScript(accessURL, b)
		}
	}
	return out
}

// agentScript is the bootstrap script a template runs (coder_agent's
// init_script) to start the agent: it fetches this server's binary, checks
// it against the binary's SHA-256, and runs `coder agent`.
// The token comes from CODER_AGENT_TOKEN, set by the template.
//
// The binary goes, named coder-<its SHA-256>, into $CODER_AGENT_BINARY_DIR or $TMPDIR/coder-agent.<uid>
// only if that folder is not a symlink, belongs to the user and no one else
// may write to it (another local user could otherwise swap the binary
// between download and start); else into a new folder from mktemp -d. A
// binary already there under that name, a file of this user's, is run
// without a download (a restart fetches nothing), and without hashing it
// again when the stamp written at its verification (inode, size, change
// time to the nanosecond) still matches: hashing the 50 MB binary was most
// of an agent's start.
func agentScript(accessURL string, bin AgentBinary) string {
	return fmt.Sprintf(`#!/bin/sh
# Fetches the coder binary from the server, checks its SHA-256 and runs the
# workspace agent.
set -eu
ACCESS_URL=%q
BINARY_SHA256=%q
# private DIR: DIR is a folder, not a symlink, owned by this user, and
# neither its group nor others may write to it.
private() {
  [ -d "$1" ] && [ ! -L "$1" ] && [ -O "$1" ] || return 1
  case "$(ls -ld "$1" | cut -c6,9)" in *w*) return 1 ;; esac
}
BINARY_DIR="${CODER_AGENT_BINARY_DIR:-${TMPDIR:-/tmp}/coder-agent.$(id -u)}"
[ -e "$BINARY_DIR" ] || mkdir -m 0700 "$BINARY_DIR" 2>/dev/null || true
if ! private "$BINARY_DIR"; then
  echo "warning: $BINARY_DIR is not a folder only this user can write to; using a new one" >&2
  BINARY_DIR=$(mktemp -d "${TMPDIR:-/tmp}/coder-agent.XXXXXXXX")
fi
# sha256_of FILE prints FILE's SHA-256.
sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | cut -d' ' -f1
  else
    echo "error: the agent bootstrap needs sha256sum, shasum or openssl to check the agent binary" >&2
    exit 1
  fi
}
export CODER_AGENT_URL="$ACCESS_URL"
# stamp FILE prints FILE's inode, size and change time to the nanosecond
# (GNU or busybox stat), or nothing. No write, chmod, touch or rename of the
# file keeps its change time: only root can set that back.
stamp() {
  stat -c '%%i %%s %%z' "$1" 2>/dev/null || true
}
# A binary this user verified before, in this private folder, is run
# without a download: without hashing it again when it has the stamp
# written when it was verified (the same file, not changed since), after
# checking it again otherwise.
CACHED="$BINARY_DIR/coder-$BINARY_SHA256"
STAMP="$BINARY_DIR/.checked-$BINARY_SHA256"
if [ -f "$CACHED" ] && [ ! -L "$CACHED" ] && [ -O "$CACHED" ]; then
  NOW=$(stamp "$CACHED")
  if [ -n "$NOW" ] && [ -f "$STAMP" ] && [ ! -L "$STAMP" ] && [ -O "$STAMP" ] && [ "$(cat "$STAMP")" = "$NOW" ]; then
    exec "$CACHED" agent
  fi
  if [ "$(sha256_of "$CACHED")" = "$BINARY_SHA256" ]; then
    if [ -n "$NOW" ]; then printf '%%s\n' "$NOW" > "$STAMP.$$" && mv -f "$STAMP.$$" "$STAMP" || rm -f "$STAMP.$$"; fi
    exec "$CACHED" agent
  fi
fi
# Not one this user verified (changed since, or a link): fetched again.
rm -f "$CACHED" "$STAMP" 2>/dev/null || true
TMP_BINARY="$BINARY_DIR/coder.$$"
trap 'rm -f "$TMP_BINARY"' EXIT
# $CODER_TLS_CA_FILE, if the workspace sets it, is the certificate
# authority of an https server's certificate (the agent trusts it too).
CA_FILE="${CODER_TLS_CA_FILE:-}"
if command -v curl >/dev/null 2>&1; then
  curl -fsSL --retry 10 --retry-connrefused --retry-delay 1 ${CA_FILE:+--cacert "$CA_FILE"} "$ACCESS_URL/bin/%s" -o "$TMP_BINARY"
elif command -v wget >/dev/null 2>&1; then
  wget -q ${CA_FILE:+--ca-certificate="$CA_FILE"} -O "$TMP_BINARY" "$ACCESS_URL/bin/%s"
else
  echo "error: the agent bootstrap needs curl or wget" >&2
  exit 1
fi
GOT=$(sha256_of "$TMP_BINARY")
if [ "$GOT" != "$BINARY_SHA256" ]; then
  echo "error: the downloaded agent binary's SHA-256 checksum is $GOT, want $BINARY_SHA256; not running it" >&2
  exit 1
fi
chmod 0700 "$TMP_BINARY"
# Named by its checksum: an agent of another server (another binary)
# bootstrapping at the same time in this folder cannot replace what this
# one checked before it runs.
mv -f "$TMP_BINARY" "$CACHED"
trap - EXIT
NOW=$(stamp "$CACHED")
if [ -n "$NOW" ]; then printf '%%s\n' "$NOW" > "$STAMP.$$" && mv -f "$STAMP.$$" "$STAMP" || rm -f "$STAMP.$$"; fi
exec "$CACHED" agent
`, accessURL, bin.SHA256, bin.File, bin.File)
}

// psQuote quotes s for PowerShell: a single-quoted string, ' doubled.
func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// windowsAgentScript is agentScript for Windows, in PowerShell: it fetches
// the .exe into a folder of the user's own (%LOCALAPPDATA%, not shared
// with other users), checks its SHA-256 with Get-FileHash and runs
// `coder.exe agent`. A custom certificate authority must be in the
// machine's certificate store (PowerShell 5 has no per-request CA file).
func windowsAgentScript(accessURL string, bin AgentBinary) string {
	return fmt.Sprintf(`# Fetches the coder agent from the server, checks its SHA-256 and runs it.
$ErrorActionPreference = "Stop"
$ProgressPreference = "SilentlyContinue"
$AccessURL = %s
$BinarySHA256 = %s
$Base = $env:CODER_AGENT_BINARY_DIR
if (-not $Base) { $Base = Join-Path $env:LOCALAPPDATA "coder-agent" }
New-Item -ItemType Directory -Force -Path $Base | Out-Null
$Tmp = Join-Path $Base ("coder." + $PID + ".exe")
$Url = $AccessURL + "/bin/%s"
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
for ($i = 1; ; $i++) {
  try { Invoke-WebRequest -UseBasicParsing -Uri $Url -OutFile $Tmp; break }
  catch { if ($i -ge 10) { throw } ; Start-Sleep -Seconds 1 }
}
$Got = (Get-FileHash -Algorithm SHA256 -Path $Tmp).Hash.ToLowerInvariant()
if ($Got -ne $BinarySHA256) {
  Remove-Item -Force $Tmp
  Write-Error "the downloaded agent binary's SHA-256 checksum is $Got, want $BinarySHA256; not running it"
  exit 1
}
$Binary = Join-Path $Base "coder.exe"
Move-Item -Force $Tmp $Binary
$env:CODER_AGENT_URL = $AccessURL
& $Binary agent
exit $LASTEXITCODE
`, psQuote(accessURL), psQuote(bin.SHA256), bin.File)
}

// fileSHA256 is the SHA-256 of the file at path, in hex.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
