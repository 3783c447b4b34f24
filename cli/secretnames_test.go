package cli_test

import (
	"context"
	"strings"
	"testing"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
)

// TestSecretNameRules runs the name and path rules of issue 19 through the
// CLI: "." and "..", invisible characters and directory paths are refused
// before any request, `delete ..` cannot reach another route, and a name
// typed in its decomposed (NFD) form finds the secret stored in NFC.
func TestSecretNameRules(t *testing.T) {
	srv := clitest.StartServer(t, "sqlite")
	u := clitest.NewUser(t)
	login(t, srv, u)
	env := []string{"NFC=caf\u00e9", "NFD=cafe\u0301", "RLO=gpj\u202Eexe"}
	u.MustSh(t, "", `echo -n v | coder secret create "$NFC" --env CAFE`, env, nil)
	refused := []struct{ name, script, want string }{
		{"create dot dot", `echo -n v | coder secret create ..`, "not allowed"},
		{"create dot", `echo -n v | coder secret create .`, "not allowed"},
		{"create right-to-left override", `echo -n v | coder secret create "$RLO"`, "invisible"},
		{"create NFD", `echo -n v | coder secret create "$NFD"`, "NFC"},
		{"file home dot", `echo -n v | coder secret create f --file '~/.'`, `"." element`},
		{"file parent", `echo -n v | coder secret create f --file /etc/..`, `".." element`},
		{"delete dot dot", `coder secret delete -y ..`, "not a secret name"},
		{"show dot dot", `coder secret list ..`, "not a secret name"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			r := u.Sh(t, "", tc.script, env, nil)
			if r.ExitCode == 0 || !strings.Contains(r.Stderr, tc.want) {
				t.Fatalf("got exit %d, stderr %q; want non-zero and a message mentioning %q", r.ExitCode, r.Stderr, tc.want)
			}
		})
	}
	if r := u.MustSh(t, "", `coder secret list "$NFD" -o json`, env, nil); !strings.Contains(r.Stdout, "\"name\": \"caf\u00e9\"") {
		t.Fatalf("list by the NFD name: got %q, want the NFC secret", r.Stdout)
	}
	u.MustSh(t, "", `coder secret delete -y "$NFD"`, env, nil)
	if list, err := u.Client(t).Secrets(context.Background(), sdk.Me); err != nil || len(list) != 0 {
		t.Fatalf("after delete by the NFD name: got %v, %v; want no secrets", list, err)
	}
}
