package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/provider/tfmirror"
	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/provisioner"
	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/store"
)

// agentPlatform is the only platform whose agent binary this server can
// serve: its own.
var agentPlatform = runtime.GOOS + "-" + runtime.GOARCH

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
if command -v curl >/dev/null 2>&1; then
  curl -fsSL --retry 10 --retry-connrefused --retry-delay 1 "$ACCESS_URL/bin/coder-%s" -o "$TMP_BINARY"
elif command -v wget >/dev/null 2>&1; then
  wget -q -O "$TMP_BINARY" "$ACCESS_URL/bin/coder-%s"
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
`, accessURL, sha256, agentPlatform, agentPlatform)
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

func (s *Server) setupProvisioner() error {
	o := s.opts
	if o.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find this binary: %w", err)
		}
		o.Executable = exe
	}
	if o.DataDir == "" {
		return errors.New("a data folder is required to run builds")
	}
	mirror, err := tfmirror.Setup(tfmirror.Options{Dir: filepath.Join(o.DataDir, "terraform"), Executable: o.Executable})
	if err != nil {
		return fmt.Errorf("lay out the provider mirror: %w", err)
	}
	access := ""
	if o.AccessURL != nil {
		access = o.AccessURL.String()
	}
	// The agent binary is this one; the bootstrap script checks it.
	digest, err := fileSHA256(o.Executable)
	if err != nil {
		return fmt.Errorf("checksum the agent binary: %w", err)
	}
	platform := strings.ReplaceAll(agentPlatform, "-", "_")
	p, err := provisioner.New(provisioner.Options{
		Store:         s.store,
		Secrets:       s.secrets,
		Keys:          o.Keys,
		Logger:        s.logger.With("component", "provisioner"),
		Terraform:     o.Terraform,
		Executable:    o.Executable,
		Supervise:     o.SuperviseBuilds,
		Mirror:        mirror,
		AccessURL:     o.AccessURL,
		WorkDir:       filepath.Join(o.DataDir, "builds"),
		WorkerID:      uuid.NewString(),
		Workers:       o.ProvisionerWorkers,
		BaseEnv:       o.BaseEnv,
		ExtraEnv:      o.TerraformExtraEnv,
		AgentScripts:  map[string]string{platform: agentScript(access, digest)},
		SingleProcess: o.SingleProcess,
	})
	if err != nil {
		return err
	}
	s.opts.Executable = o.Executable
	s.prov = p
	return nil
}

// serveBinary serves this binary as the agent for its own platform.
func (s *Server) serveBinary(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("file") != "coder-"+agentPlatform {
		writeError(w, http.StatusNotFound, fmt.Sprintf("This server has the agent binary for %s only: /bin/coder-%s.", agentPlatform, agentPlatform))
		return
	}
	exe := s.opts.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			s.writeInternal(w, r, err)
			return
		}
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeFile(w, r, exe)
}

// checkStateKeys makes sure every sealed workspace state opens with the
// configured keys, and re-encrypts states sealed by an older key.
func (s *Server) checkStateKeys(ctx context.Context) error {
	inUse, err := s.ws.WorkspaceStateKeyIDs(ctx)
	if err != nil {
		return fmt.Errorf("list state key ids: %w", err)
	}
	for id, n := range inUse {
		if !s.opts.Keys.Has(id) {
			return fmt.Errorf("the database holds %d workspace state(s) sealed with encryption key id %s, which is not among the configured keys (%s)", n, id, strings.Join(s.opts.Keys.IDs(), ", "))
		}
	}
	n, bad, err := secretcrypt.Reseal(ctx, s.opts.Keys, inUse,
		func(ctx context.Context, keyID string) ([]store.Workspace, error) {
			return s.ws.ListWorkspacesByStateKeyID(ctx, keyID, 50)
		},
		func(w store.Workspace) ([]byte, []byte) { return w.StateCiphertext, secretcrypt.StateAAD(w.ID) },
		func(ctx context.Context, w store.Workspace, oldKeyID string, ct []byte, newKeyID string) (bool, error) {
			err := s.ws.ReplaceWorkspaceState(ctx, w.ID, oldKeyID, ct, newKeyID)
			if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
				return false, nil
			}
			return err == nil, err
		})
	if err != nil {
		return fmt.Errorf("re-seal workspace states: %w", err)
	}
	if bad > 0 {
		s.logger.Warn("workspace states that do not open were left sealed with their old key", "count", bad)
	}
	if n > 0 {
		s.logger.Info("re-sealed workspace states with the primary key", "count", n, "key_id", s.opts.Keys.PrimaryID())
	}
	return nil
}

func (s *Server) getWorkspaceAgent(w http.ResponseWriter, r *http.Request) {
	_, ws, ok := s.lookupWorkspace(w, r)
	if !ok {
		return
	}
	a, ok := s.latestAgent(w, r, ws)
	if !ok {
		return
	}
	out := sdk.WorkspaceAgent{ID: a.ID, Name: a.Name, LifecycleState: a.LifecycleState, LastSeenAt: a.LastConnected}
	out.Connected = s.agents.get(a.ID) != nil
	if !out.Connected && s.opts.RelayURL != "" {
		// Connected to another server process?
		if _, err := s.ws.GetAgentRelay(r.Context(), a.ID); err == nil {
			out.Connected = true
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) latestAgent(w http.ResponseWriter, r *http.Request, ws store.Workspace) (store.WorkspaceAgent, bool) {
	b, err := s.ws.GetLatestBuild(r.Context(), ws.ID)
	if err != nil {
		s.writeInternal(w, r, err)
		return store.WorkspaceAgent{}, false
	}
	agents, err := s.ws.ListAgentsByBuild(r.Context(), b.ID)
	if err != nil {
		s.writeInternal(w, r, err)
		return store.WorkspaceAgent{}, false
	}
	if len(agents) == 0 {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Workspace %q has no agent in its latest build.", ws.Name))
		return store.WorkspaceAgent{}, false
	}
	return agents[0], true
}

func (s *Server) getWorkspaceAgentLogs(w http.ResponseWriter, r *http.Request) {
	_, ws, ok := s.lookupWorkspace(w, r)
	if !ok {
		return
	}
	a, ok := s.latestAgent(w, r, ws)
	if !ok {
		return
	}
	logs, err := s.ws.ListAgentLogs(r.Context(), a.ID, 0)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	out := make([]sdk.AgentLog, 0, len(logs))
	for _, l := range logs {
		out = append(out, sdk.AgentLog{CreatedAt: l.CreatedAt, Level: l.Level, Output: l.Output, Source: l.Source})
	}
	writeJSON(w, http.StatusOK, out)
}
