package cli_test

import (
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
)

// TestCLIMasksWrappedValue creates a workspace whose plan fails with an
// error in which Terraform word-wraps a quoted pass phrase: no word of the
// phrase may reach what `coder create` and `coder list` print.
func TestCLIMasksWrappedValue(t *testing.T) {
	requireTerraform(t)
	srv := clitest.StartServer(t, "sqlite")
	u := clitest.NewUser(t)
	login(t, srv, u)
	dir, err := filepath.Abs("../server/testdata/wrap")
	if err != nil {
		t.Fatal(err)
	}
	u.MustSh(t, "", `coder templates push wrap -d "$DIR" -y`, []string{"DIR=" + dir}, nil)
	var words []string
	for i := 0; i < 10; i++ {
		b := make([]byte, 5)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		words = append(words, "w"+hex.EncodeToString(b)[:9])
	}
	u.MustSh(t, "", `coder secret create pass-phrase --env PASS_PHRASE`, nil, strings.NewReader(strings.Join(words, " ")))

	create := u.Sh(t, "", `coder create dev --template wrap -y`, nil, nil)
	if create.ExitCode == 0 {
		t.Fatal("coder create: got exit 0, want the build's failure")
	}
	out := create.Stdout + create.Stderr
	if !strings.Contains(out, "to number") {
		t.Fatal("the search cannot fail: coder create printed no tonumber error")
	}
	if !strings.Contains(out, sdk.Redacted) {
		t.Errorf("coder create: got no %s, want the quoted phrase masked", sdk.Redacted)
	}
	outputs := map[string]string{"coder create": out}
	for _, cmd := range []string{"coder list", "coder list -o json"} {
		r := u.MustSh(t, "", cmd, nil, nil)
		outputs[cmd] = r.Stdout + r.Stderr
	}
	if !strings.Contains(outputs["coder list -o json"], "to number") {
		t.Fatal("the search cannot fail: coder list -o json shows no build error")
	}
	for cmd, o := range outputs {
		for i, w := range words {
			if strings.Contains(o, w) {
				t.Errorf("canary word %d of the phrase found in the output of %s", i+1, cmd)
			}
		}
	}
}
