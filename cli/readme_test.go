package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usersecrets/coder/cli/clitest"
)

// TestReadmeQuickstart runs the README's quickstart, as a new user would
// paste it, against a server started like `make run` (on a free port
// instead of 3000): it must end with the secret printed from inside the
// workspace.
func TestReadmeQuickstart(t *testing.T) {
	requireTerraform(t)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	i := strings.Index(text, "## Quickstart")
	if i < 0 {
		t.Fatal("README has no Quickstart section")
	}
	block := text[i:]
	start := strings.Index(block, "```sh\n")
	end := strings.Index(block[start+6:], "```")
	if start < 0 || end < 0 {
		t.Fatal("the Quickstart section has no sh block")
	}
	script := block[start+6 : start+6+end]
	if !strings.Contains(script, "coder ssh my-workspace -- printenv API_KEY") {
		t.Fatalf("the quickstart does not end with printenv API_KEY:\n%s", script)
	}
	srv := clitest.StartServer(t, "sqlite")
	script = strings.ReplaceAll(script, "http://127.0.0.1:3000", srv.URL)
	u := clitest.NewUser(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	r := u.MustSh(t, root, script, nil, nil)
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if last := lines[len(lines)-1]; last != "my-api-key" {
		t.Fatalf("the quickstart's last line is %q, want the secret (my-api-key)\nstdout:\n%s\nstderr:\n%s", last, r.Stdout, r.Stderr)
	}
}
