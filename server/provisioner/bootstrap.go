package provisioner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime"
)

// AgentPlatform is the only platform whose agent binary the server can
// serve (at /bin/coder-<AgentPlatform>) and the bootstrap script fetches:
// its own.
var AgentPlatform = runtime.GOOS + "-" + runtime.GOARCH

// agentScript is the bootstrap script a template runs (coder_agent's
// init_script) to start the agent: it fetches this server's binary, checks
// it against the binary's SHA-256 (sha256, in hex), and runs `coder agent`.
// The token comes from CODER_AGENT_TOKEN, set by the template.
//
// The binary goes into $CODER_AGENT_BINARY_DIR or $TMPDIR/coder-agent.<uid>
// only if that folder is not a symlink, belongs to the user and no one else
// may write to it (another local user could otherwise swap the binary
// between download and start); else into a new folder from mktemp -d.
func agentScript(accessURL, sha256 string) string {
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
TMP_BINARY="$BINARY_DIR/coder.$$"
trap 'rm -f "$TMP_BINARY"' EXIT
# $CODER_TLS_CA_FILE, if the workspace sets it, is the certificate
# authority of an https server's certificate (the agent trusts it too).
CA_FILE="${CODER_TLS_CA_FILE:-}"
if command -v curl >/dev/null 2>&1; then
  curl -fsSL --retry 10 --retry-connrefused --retry-delay 1 ${CA_FILE:+--cacert "$CA_FILE"} "$ACCESS_URL/bin/coder-%s" -o "$TMP_BINARY"
elif command -v wget >/dev/null 2>&1; then
  wget -q ${CA_FILE:+--ca-certificate="$CA_FILE"} -O "$TMP_BINARY" "$ACCESS_URL/bin/coder-%s"
else
  echo "error: the agent bootstrap needs curl or wget" >&2
  exit 1
fi
if command -v sha256sum >/dev/null 2>&1; then
  GOT=$(sha256sum "$TMP_BINARY" | cut -d' ' -f1)
elif command -v shasum >/dev/null 2>&1; then
  GOT=$(shasum -a 256 "$TMP_BINARY" | cut -d' ' -f1)
elif command -v openssl >/dev/null 2>&1; then
  GOT=$(openssl dgst -sha256 -r "$TMP_BINARY" | cut -d' ' -f1)
else
  echo "error: the agent bootstrap needs sha256sum, shasum or openssl to check the agent binary" >&2
  exit 1
fi
if [ "$GOT" != "$BINARY_SHA256" ]; then
  echo "error: the downloaded agent binary's SHA-256 checksum is $GOT, want $BINARY_SHA256; not running it" >&2
  exit 1
fi
chmod 0700 "$TMP_BINARY"
mv -f "$TMP_BINARY" "$BINARY_DIR/coder"
trap - EXIT
export CODER_AGENT_URL="$ACCESS_URL"
exec "$BINARY_DIR/coder" agent
`, accessURL, sha256, AgentPlatform, AgentPlatform)
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
