package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store/pgtest"
)

// rawStore is what the server's database holds at rest: the SQLite file
// with its WAL, or a pg_dump.
func rawStore(t *testing.T, srv *clitest.Server) []byte {
	t.Helper()
	if srv.PostgresURL != "" {
		return pgtest.PGDump(t, srv.PostgresURL)
	}
	var raw []byte
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(filepath.Join(srv.DataDir, "coder.db") + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		raw = append(raw, data...)
	}
	return raw
}

// filesHolding lists the files under dir whose content holds v.
func filesHolding(t *testing.T, dir, v string) []string {
	t.Helper()
	var found []string
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || !info.Mode().IsRegular() {
			return nil
		}
		if data, err := os.ReadFile(p); err == nil && bytes.Contains(data, []byte(v)) {
			found = append(found, p)
		}
		return nil
	})
	return found
}

// TestWorkspaceFileDeliveryDisabled: a server restarted with
// --disable-user-secret-file-delivery refuses file targets, warns in
// secret list about the paths it does not write, and gives a real
// workspace the environment variable of a dual-target secret and nothing
// of a file-only one, whose value reaches no file of the workspace.
func TestWorkspaceFileDeliveryDisabled(t *testing.T) {
	for _, backend := range clitest.Backends {
		t.Run(backend, func(t *testing.T) {
			e := newWorkspaceEnv(t, backend)
			dual, fileOnly := canary(t), canary(t)
			e.sh(t, `echo -n "$V" | coder secret create dual --env DUAL_SECRET --file '~/.dual-secret'`, "V="+dual)
			e.sh(t, `echo -n "$V" | coder secret create file-only --file '~/.file-only-secret'`, "V="+fileOnly)
			e.srv.Stop(t)
			e.srv.RestartWith(t, "--disable-user-secret-file-delivery")
			if !strings.Contains(e.srv.Output.String(), "File delivery of secrets is disabled") {
				t.Fatalf("the start message does not say file delivery is off")
			}
			caps, err := e.c.UserSecretCapabilities(context.Background())
			if err != nil || caps.FilePathDeliveryEnabled {
				t.Fatalf("capabilities: %+v, %v", caps, err)
			}
			r := e.u.Sh(t, "", `echo -n v | coder secret create f --file '~/.f'`, nil, nil)
			if r.ExitCode == 0 || !strings.Contains(r.Stderr, "This deployment disables file delivery of secrets") {
				t.Fatalf("create --file: exit %d, stderr %q", r.ExitCode, r.Stderr)
			}
			r = e.u.Sh(t, "", `coder secret update dual --file '~/.elsewhere'`, nil, nil)
			if r.ExitCode == 0 || !strings.Contains(r.Stderr, "disables file delivery") {
				t.Fatalf("update --file: exit %d, stderr %q", r.ExitCode, r.Stderr)
			}
			r = e.u.MustSh(t, "", `coder secret list`, nil, nil)
			if !strings.Contains(r.Stderr, `Warning: this deployment disables file delivery: secret "dual" is not written to ~/.dual-secret (it is still delivered as $DUAL_SECRET).`) ||
				!strings.Contains(r.Stderr, `secret "file-only" is not written to ~/.file-only-secret.`) {
				t.Fatalf("secret list: stderr %q, want a warning per unwritten path", r.Stderr)
			}

			e.sh(t, `coder create dev --template local -y`)
			e.waitReady(t, "dev")
			e.wantEnv(t, "dev", "DUAL_SECRET", dual)
			for _, p := range []string{"~/.dual-secret", "~/.file-only-secret"} {
				if _, ok := e.readFile(t, "dev", p); ok {
					t.Fatalf("%s was written", p)
				}
			}
			if found := filesHolding(t, e.home("dev"), fileOnly); len(found) > 0 {
				t.Fatalf("the file-only value reached the workspace: %v", found)
			}
			detail, err := e.c.WorkspaceDetail(context.Background(), sdk.Me, "dev")
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range detail.Secrets {
				if s.FilePath != "" || s.Name == "file-only" {
					t.Fatalf("coder show: %+v is listed as delivered", s)
				}
			}
			if strings.Contains(e.srv.Output.String(), fileOnly) || strings.Contains(strings.Join(e.outputs, "\n"), fileOnly) {
				t.Fatal("the file-only value is in the server's log or a CLI output")
			}
		})
	}
}

// TestWorkspaceBuildSecretsCLI: build secrets given with coder create
// (stdin and --secrets-file) beat a user secret on each target in a real
// workspace, carry into the next restart unless ephemeral, go with
// --secret NAME:remove, show in secret list --workspace, and are never in
// a CLI output, the server's log, the agent's command line, the state or
// the database in plaintext.
func TestWorkspaceBuildSecretsCLI(t *testing.T) {
	for _, backend := range clitest.Backends {
		t.Run(backend, func(t *testing.T) {
			e := newWorkspaceEnv(t, backend)
			user, bTok, bFile, bEph := canary(t), canary(t), canary(t), canary(t)
			e.sh(t, `echo -n "$V" | coder secret create u-tok --env TOKEN --file '~/.tok'`, "V="+user)
			dir := t.TempDir()
			file := filepath.Join(dir, "build.env")
			if err := os.WriteFile(file, []byte("b-file="+bFile+"\nEPH="+bEph+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			// A value is never taken from the command line alone.
			r := e.u.Sh(t, "", `coder create nope --template local -y --secret b-tok:env=TOKEN < /dev/null`, nil, nil)
			if r.ExitCode == 0 || !strings.Contains(r.Stderr, `build secret "b-tok" needs a value: pipe it on stdin`) {
				t.Fatalf("create --secret without a value: exit %d, stderr %q", r.ExitCode, r.Stderr)
			}
			e.sh(t, `printf %s "$V" | coder create dev --template local -y --secret b-tok:env=TOKEN --secret 'b-file:file=~/.tok' --secret EPH:ephemeral --secrets-file "$F"`,
				"V="+bTok, "F="+file)
			e.waitReady(t, "dev")
			e.wantEnv(t, "dev", "TOKEN", bTok)
			e.wantFile(t, "dev", "~/.tok", bFile, 0o600)
			e.wantEnv(t, "dev", "EPH", bEph)

			table := e.sh(t, `coder secret list --workspace dev`)
			lines := strings.Split(strings.TrimSpace(table), "\n")
			if !containsLine(table, "NAME", "SOURCE", "REPLACED BY", "EPHEMERAL") ||
				!containsLine(table, "u-tok", "user", "TOKEN", "~/.tok", "b-file,b-tok") ||
				!containsLine(table, "EPH", "build", "EPH", "true") ||
				!containsLine(table, "b-file", "build", "~/.tok", "false") || len(lines) != 5 {
				t.Fatalf("secret list --workspace dev:\n%s", table)
			}

			var rows []struct {
				Name       string   `json:"name"`
				Source     string   `json:"source"`
				ReplacedBy []string `json:"replaced_by"`
				Ephemeral  bool     `json:"ephemeral"`
			}
			if err := json.Unmarshal([]byte(e.sh(t, `coder secret list --workspace dev -o json`)), &rows); err != nil || len(rows) != 4 ||
				rows[0].Name != "u-tok" || rows[0].Source != "user" || strings.Join(rows[0].ReplacedBy, ",") != "b-file,b-tok" ||
				rows[1].Name != "EPH" || rows[1].Source != "build" || !rows[1].Ephemeral {
				t.Fatalf("secret list --workspace -o json: %+v, %v", rows, err)
			}
			if r := e.u.Sh(t, "", `coder secret list --workspace deb`, nil, nil); r.ExitCode == 0 || !strings.Contains(r.Stderr, "dev") {
				t.Fatalf("secret list --workspace of a misspelt workspace: exit %d, stderr %q", r.ExitCode, r.Stderr)
			}

			// The next start: the ephemeral one is gone, the others stay.
			e.restart(t, "dev")
			e.wantEnv(t, "dev", "TOKEN", bTok)
			e.wantUnset(t, "dev", "EPH")
			e.wantFile(t, "dev", "~/.tok", bFile, 0o600)

			// Removed, TOKEN is the user secret's again.
			e.sh(t, `coder restart dev -y --secret b-tok:remove`)
			e.waitReady(t, "dev")
			e.wantEnv(t, "dev", "TOKEN", user)
			e.wantFile(t, "dev", "~/.tok", bFile, 0o600)
			table = e.sh(t, `coder secret list --workspace dev -c name,source,replaced_by`)
			if !containsLine(table, "u-tok", "user", "b-file") || strings.Contains(table, "b-tok") {
				t.Fatalf("after the removal:\n%s", table)
			}

			ws, err := e.c.Workspace(context.Background(), sdk.Me, "dev")
			if err != nil {
				t.Fatal(err)
			}
			_, cs := e.srv.OpenStore(t)
			state, _, err := cs.GetWorkspaceState(context.Background(), ws.ID)
			if err != nil {
				t.Fatal(err)
			}
			raw := rawStore(t, e.srv)
			if !bytes.Contains(raw, []byte("b-file")) {
				t.Fatal("the search cannot fail: the build secret's name is not in the database either")
			}
			places := map[string]string{
				"server log":         e.srv.Output.String(),
				"CLI output":         strings.Join(e.outputs, "\n"),
				"agent command line": agentCmdline(t, e.home("dev")),
				"Terraform state":    string(state),
				"database":           string(raw),
			}
			for where, text := range places {
				for _, v := range []string{bTok, bFile, bEph} {
					if strings.Contains(text, v) {
						t.Fatalf("the %s holds a build secret value", where)
					}
				}
			}
		})
	}
}
