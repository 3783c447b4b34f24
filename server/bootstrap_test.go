package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

// initScript reads the coder_agent's init_script from a workspace's sealed
// state: the bootstrap script exactly as a template gets it.
func initScript(t *testing.T, s *servertest.Server, workspaceID [16]byte) string {
	t.Helper()
	script := s.AgentAttribute(t, workspaceID, "init_script")
	if script == "" {
		t.Fatal("no coder_agent init_script in the state")
	}
	return script
}

func fileDigest(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestBootstrapScript runs the agent bootstrap script with sh against a
// real server. It must put the binary only in a folder no one else can
// write to, never in an existing folder of another user or one open to
// all, and must not run a binary whose checksum is not the server's.
func TestBootstrapScript(t *testing.T) {
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{Terraform: true, OpenAPI: true})
	ctx := context.Background()
	pushTemplate(t, s.Admin, "plain", "testdata/plain")
	c := s.NewMember(t, "boris")
	ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "plain"})
	if err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, c, ws.LatestBuild)
	script := initScript(t, s, ws.ID)
	want := fileDigest(t, clitest.Binary(t))

	// A server that hands out another binary: a script that leaves a mark.
	var fakeFetches atomic.Int32
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fakeFetches.Add(1)
		_, _ = w.Write([]byte("#!/bin/sh\ntouch \"$MARKER\"\n"))
	}))
	t.Cleanup(fake.Close)
	accessLine := regexp.MustCompile(`(?m)^ACCESS_URL=.*$`)
	if !accessLine.MatchString(script) {
		t.Fatal("the bootstrap script has no ACCESS_URL line")
	}
	fakeScript := accessLine.ReplaceAllString(script, "ACCESS_URL="+strconv.Quote(fake.URL))

	fixed := "coder-agent." + strconv.Itoa(os.Getuid())
	tests := []struct {
		name     string
		script   string
		prepare  func(t *testing.T, tmp string)
		wantUsed bool   // the binary lands in $TMPDIR/coder-agent.<uid>
		wantErr  string // in stderr
		root     bool   // needs root (chown to another user)
		noFetch  bool   // the script downloads nothing
	}{
		{name: "fresh", script: script, wantUsed: true, wantErr: "CODER_AGENT_TOKEN is not set"},
		{name: "own private folder reused", script: script, wantUsed: true, wantErr: "CODER_AGENT_TOKEN is not set", prepare: func(t *testing.T, tmp string) {
			mkdir(t, filepath.Join(tmp, fixed), 0o700)
		}},
		{name: "folder open to all", script: script, wantErr: "CODER_AGENT_TOKEN is not set", prepare: func(t *testing.T, tmp string) {
			mkdir(t, filepath.Join(tmp, fixed), 0o777)
		}},
		{name: "folder a symlink", script: script, wantErr: "CODER_AGENT_TOKEN is not set", prepare: func(t *testing.T, tmp string) {
			mkdir(t, filepath.Join(tmp, "elsewhere"), 0o700)
			if err := os.Symlink(filepath.Join(tmp, "elsewhere"), filepath.Join(tmp, fixed)); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "folder of another user", script: script, root: true, wantErr: "CODER_AGENT_TOKEN is not set", prepare: func(t *testing.T, tmp string) {
			dir := filepath.Join(tmp, fixed)
			mkdir(t, dir, 0o777)
			if err := os.Chown(dir, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "binary with another checksum", script: fakeScript, wantUsed: true, wantErr: "checksum"},
		// A binary verified before is checked again and run without a
		// download (the fake server is never asked)...
		{name: "verified binary reused", script: fakeScript, wantUsed: true, wantErr: "CODER_AGENT_TOKEN is not set", noFetch: true, prepare: func(t *testing.T, tmp string) {
			mkdir(t, filepath.Join(tmp, fixed), 0o700)
			copyFile(t, clitest.Binary(t), filepath.Join(tmp, fixed, "coder-"+want), 0o700)
		}},
		// ...but not one that was changed since: that one is fetched again
		// (and this server's is refused).
		{name: "changed cached binary fetched again", script: fakeScript, wantUsed: true, wantErr: "checksum", prepare: func(t *testing.T, tmp string) {
			mkdir(t, filepath.Join(tmp, fixed), 0o700)
			if err := os.WriteFile(filepath.Join(tmp, fixed, "coder-"+want), []byte("#!/bin/sh\ntouch \"$MARKER\"\n"), 0o700); err != nil {
				t.Fatal(err)
			}
		}},
		// ...nor a symlink named like it.
		{name: "cached binary a symlink", script: fakeScript, wantUsed: true, wantErr: "checksum", prepare: func(t *testing.T, tmp string) {
			mkdir(t, filepath.Join(tmp, fixed), 0o700)
			copyFile(t, clitest.Binary(t), filepath.Join(tmp, "real"), 0o700)
			if err := os.Symlink(filepath.Join(tmp, "real"), filepath.Join(tmp, fixed, "coder-"+want)); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root && os.Getuid() != 0 {
				t.Skip("SKIPPING: needs root to give a folder to another user")
			}
			tmp := t.TempDir()
			if tt.prepare != nil {
				tt.prepare(t, tmp)
			}
			file := filepath.Join(tmp, "bootstrap.sh")
			if err := os.WriteFile(file, []byte(tt.script), 0o600); err != nil {
				t.Fatal(err)
			}
			marker := filepath.Join(tmp, "marker")
			cmd := exec.Command("sh", file)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + tmp, "TMPDIR=" + tmp, "MARKER=" + marker}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			fetchesBefore := fakeFetches.Load()
			err := cmd.Run()
			if tt.noFetch && fakeFetches.Load() != fetchesBefore {
				t.Errorf("the script downloaded the binary again, want the verified one reused")
			}
			if tt.script == fakeScript && !tt.noFetch && fakeFetches.Load() == fetchesBefore {
				t.Errorf("the script downloaded nothing, want a download")
			}
			if err == nil {
				t.Fatalf("bootstrap: got exit 0, want a failure (no agent token, or a bad binary)")
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("bootstrap stderr: got %q, want %q in it", stderr.String(), tt.wantErr)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Errorf("the binary of the other server ran: got its mark, want none")
			}
			fixedBinary := filepath.Join(tmp, fixed, "coder-"+want)
			_, err = os.Lstat(fixedBinary)
			switch {
			case tt.wantUsed && tt.wantErr != "checksum" && err != nil:
				t.Errorf("binary in %s: got %v, want it there", fixed, err)
			case !tt.wantUsed && err == nil:
				t.Errorf("binary in %s: got one, want none (the folder is not private)", fixed)
			}
			// Where the binary went: one folder, private, the right binary.
			found, _ := filepath.Glob(filepath.Join(tmp, "coder-agent.*", "coder*"))
			found2, _ := filepath.Glob(filepath.Join(tmp, "elsewhere", "coder*"))
			found = append(found, found2...)
			if tt.wantErr == "checksum" {
				if len(found) != 0 {
					t.Errorf("after a checksum mismatch: got %d binaries left, want none", len(found))
				}
				return
			}
			if len(found) != 1 {
				t.Fatalf("binaries: got %d, want 1", len(found))
			}
			if got := fileDigest(t, found[0]); got != want {
				t.Errorf("binary %s: got sha256 %s, want the server's %s", found[0], got, want)
			}
			fi, err := os.Stat(filepath.Dir(found[0]))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o700 {
				t.Errorf("binary folder mode: got %v, want 0700", fi.Mode().Perm())
			}
			if strings.Contains(found[0], "elsewhere") {
				t.Errorf("binary written through the symlink, want a new folder")
			}
		})
	}
}

func mkdir(t *testing.T, dir string, mode os.FileMode) {
	t.Helper()
	if err := os.Mkdir(dir, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, mode); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
}

// TestBootstrapSkipsHashOfCheckedBinary: a binary the script verified and
// stamped is run at the next start without hashing it again (a stand-in
// sha256sum that leaves a mark is never called); the same binary rewritten
// with the same bytes (a new change time) is hashed again.
func TestBootstrapSkipsHashOfCheckedBinary(t *testing.T) {
	if _, err := exec.LookPath("stat"); err != nil {
		t.Skip("SKIPPING: no stat, the script always hashes")
	}
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{Terraform: true})
	ctx := context.Background()
	pushTemplate(t, s.Admin, "plain", "testdata/plain")
	c := s.NewMember(t, "bea")
	ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "plain"})
	if err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, c, ws.LatestBuild)
	script := initScript(t, s, ws.ID)
	want := fileDigest(t, clitest.Binary(t))

	tmp := t.TempDir()
	file := filepath.Join(tmp, "bootstrap.sh")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	// A sha256sum that marks each call and prints a wrong sum.
	fakeBin := filepath.Join(tmp, "fakebin")
	mkdir(t, fakeBin, 0o700)
	hashed := filepath.Join(tmp, "hashed")
	if err := os.WriteFile(filepath.Join(fakeBin, "sha256sum"), []byte("#!/bin/sh\ntouch \""+hashed+"\"\necho 00  \"$1\"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	run := func(path string) string {
		t.Helper()
		cmd := exec.Command("sh", file)
		cmd.Env = []string{"PATH=" + path, "HOME=" + tmp, "TMPDIR=" + tmp}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		_ = cmd.Run()
		return stderr.String()
	}
	// First start: downloaded, verified with the real sha256sum, stamped.
	if out := run(os.Getenv("PATH")); !strings.Contains(out, "CODER_AGENT_TOKEN is not set") {
		t.Fatalf("first start: got %q, want the agent to run (and stop: no token)", out)
	}
	cached := filepath.Join(tmp, "coder-agent."+strconv.Itoa(os.Getuid()), "coder-"+want)
	if got := fileDigest(t, cached); got != want {
		t.Fatalf("cached binary: sha256 %s, want %s", got, want)
	}
	// Second start: the stamp matches, nothing is hashed.
	if out := run(fakeBin + ":" + os.Getenv("PATH")); !strings.Contains(out, "CODER_AGENT_TOKEN is not set") {
		t.Fatalf("second start: got %q, want the agent to run", out)
	}
	if _, err := os.Stat(hashed); err == nil {
		t.Fatal("the second start hashed the stamped binary again, want it run at once")
	}
	// The same bytes written again: a new change time, so it is hashed
	// (here by the stand-in, whose wrong sum makes the script refuse it).
	data, err := os.ReadFile(cached)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cached, data, 0o700); err != nil {
		t.Fatal(err)
	}
	out := run(fakeBin + ":" + os.Getenv("PATH"))
	if _, err := os.Stat(hashed); err != nil {
		t.Fatalf("a rewritten binary was run without hashing it (stderr %q)", out)
	}
	if !strings.Contains(out, "checksum") {
		t.Errorf("a rewritten binary whose hash does not match: got %q, want a checksum refusal", out)
	}
}
