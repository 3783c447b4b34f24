package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
)

// TestConventionUnknownCommands: an unknown subcommand or an extra
// argument anywhere in the tree is an error with a suggestion and a
// non-zero exit; a parent command alone prints its help and exits 0.
func TestConventionUnknownCommands(t *testing.T) {
	u := clitest.NewUser(t)
	cases := []struct {
		script, want string
	}{
		{`coder bogus`, `unknown command "bogus" for "coder"`},
		{`coder secret bogus`, `unknown command "bogus" for "coder secret"`},
		{`coder secret bogus`, "create, delete, disable, enable, import, list, preview, update"},
		{`coder secret crate`, `Did you mean "create"?`},
		{`coder secrets lst`, `Did you mean "list"?`},
		{`coder templates bogus`, `unknown command "bogus" for "coder templates"`},
		{`coder templates pussh`, `Did you mean "push"?`},
		{`coder users bogus`, `unknown command "bogus" for "coder users"`},
		{`coder tokens bogus`, `unknown command "bogus" for "coder tokens"`},
		{`coder version extra`, `unknown command "extra" for "coder version"`},
		{`coder secret list a b`, "accepts at most 1 arg(s), received 2"},
		{`coder secret delete a b`, "accepts 1 arg(s), received 2"},
	}
	for _, tc := range cases {
		t.Run(tc.script, func(t *testing.T) {
			r := u.Sh(t, "", tc.script, nil, nil)
			if r.ExitCode == 0 {
				t.Fatalf("got exit 0, want non-zero; stdout %q", r.Stdout)
			}
			if !strings.Contains(r.Stderr, tc.want) {
				t.Fatalf("got stderr %q, want it to contain %q", r.Stderr, tc.want)
			}
		})
	}
	for _, script := range []string{`coder secret`, `coder templates`, `coder users`, `coder tokens`} {
		t.Run(script, func(t *testing.T) {
			r := u.Sh(t, "", script, nil, nil)
			if r.ExitCode != 0 || !strings.Contains(r.Stdout, "Usage:") {
				t.Fatalf("got exit %d, stdout %q; want 0 and the help", r.ExitCode, r.Stdout)
			}
		})
	}
}

// TestConventionSecretAliasesAndJSON: ls, rm and remove work, and
// `-o json` is always an array, of one for a name and empty for none.
func TestConventionSecretAliasesAndJSON(t *testing.T) {
	srv := clitest.StartServer(t, "sqlite")
	u := clitest.NewUser(t)
	login(t, srv, u)
	sh := func(script string) clitest.Result {
		t.Helper()
		return u.MustSh(t, "", script, nil, nil)
	}
	r := sh(`coder secret ls -o json`)
	if got := strings.TrimSpace(r.Stdout); got != "[]" {
		t.Fatalf("ls -o json with no secrets: got %q, want []", got)
	}
	r = sh(`coder secret ls`)
	if r.Stdout != "" || strings.TrimSpace(r.Stderr) != "No secrets found." {
		t.Fatalf("ls with no secrets: got stdout %q, stderr %q; want only \"No secrets found.\" on stderr", r.Stdout, r.Stderr)
	}
	for _, name := range []string{"a", "b", "c"} {
		sh(`coder secret create ` + name + ` --value v --env ` + strings.ToUpper(name))
	}
	var one []sdk.Secret
	r = sh(`coder secret list b -o json`)
	if err := json.Unmarshal([]byte(r.Stdout), &one); err != nil || len(one) != 1 || one[0].Name != "b" {
		t.Fatalf("list b -o json: got %q (%v), want an array of b", r.Stdout, err)
	}
	if !strings.Contains(r.Stdout, one[0].CreatedAt.UTC().Format("2006-01-02T")) {
		t.Fatalf("list b -o json: got %q, want RFC 3339 times", r.Stdout)
	}
	sh(`coder secret rm -y a`)
	sh(`coder secret remove -y b`)
	r = sh(`coder secret ls`)
	if lines := strings.Split(strings.TrimSpace(r.Stdout), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "c ") {
		t.Fatalf("ls after rm a and remove b: got\n%s\nwant only c", r.Stdout)
	}
}
