package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/store/storetest"
)

// storedValues returns the owner's secrets as name → value, enabled and
// env name.
func storedValues(t *testing.T, s *servertest.Server, c *sdk.Client) map[string]string {
	t.Helper()
	ctx := context.Background()
	me, err := c.User(ctx, sdk.Me)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.Values(ctx, me.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.Name] = fmt.Sprintf("%s|%v|%s", r.Value.Reveal(), r.Enabled, r.EnvName)
	}
	return out
}

// TestSecretImport: POST /api/v2/users/{user}/secrets/batch parses the
// file with the dotenv, JSON and YAML rules and stores every secret, one
// audit entry each; a key that is not an env name is imported disabled
// with a warning.
func TestSecretImport(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		ctx := context.Background()
		for _, tt := range []struct {
			name, format, content string
			want                  map[string]string
			warnings              int
		}{
			{"dotenv rules", "dotenv", "\ufeff# comment\r\n" +
				"export A=1\r\n" +
				"B=b=c # literal\n" +
				"C=\"l1\\nl2\\t\\\"q\\\"\"\n" +
				"D='single $x \\n'\n" +
				"E=\"multi\nline\"\n" +
				"my-key=disabled\n",
				map[string]string{
					"A":      "1|true|A",
					"B":      "b=c # literal|true|B",
					"C":      "l1\nl2\t\"q\"|true|C",
					"D":      `single $x \n|true|D`,
					"E":      "multi\nline|true|E",
					"my-key": "disabled|false|",
				}, 1},
			{"json", "json", `{"J1": "x\ny", "J2": "2"}`, map[string]string{"J1": "x\ny|true|J1", "J2": "2|true|J2"}, 0},
			{"yaml", "yml", "Y1: \"1\"\nY2: |\n  block\n", map[string]string{"Y1": "1|true|Y1", "Y2": "block\n|true|Y2"}, 0},
		} {
			t.Run(tt.name, func(t *testing.T) {
				c := s.NewMember(t, "imp"+strings.ReplaceAll(tt.name, " ", ""))
				before, err := storetest.AuditEntries(ctx, s.Store, 0)
				if err != nil {
					t.Fatal(err)
				}
				res, err := c.ImportSecrets(ctx, sdk.Me, sdk.ImportSecretsRequest{Format: tt.format, Content: tt.content})
				if err != nil {
					t.Fatalf("import: %v", err)
				}
				if len(res.Secrets) != len(tt.want) || len(res.Warnings) != tt.warnings {
					t.Errorf("import answered %d secrets and warnings %q, want %d and %d", len(res.Secrets), res.Warnings, len(tt.want), tt.warnings)
				}
				got := storedValues(t, s, c)
				for name, want := range tt.want {
					if got[name] != want {
						t.Errorf("secret %q: stored %q, want %q", name, got[name], want)
					}
				}
				after, err := storetest.AuditEntries(ctx, s.Store, 0)
				if err != nil {
					t.Fatal(err)
				}
				if len(after)-len(before) != len(tt.want) {
					t.Errorf("got %d new audit entries, want %d", len(after)-len(before), len(tt.want))
				}
			})
		}
	})
}

// TestSecretImportRefusals: each refusal has its status and message, never
// quotes a value, and stores nothing.
func TestSecretImportRefusals(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{Limits: sdk.Limits{MaxSecrets: 4, MaxTotalValueBytes: 1000, MaxEnvValueBytes: 100}})
		ctx := context.Background()
		c := s.NewMember(t, "refused")
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "HAVE", Value: "v", EnvName: "HAVE_ENV", FilePath: "~/have"}); err != nil {
			t.Fatal(err)
		}
		cn := canary(t)
		for _, tt := range []struct {
			name, format, content string
			status                int
			want                  []string
		}{
			{"unknown format", "toml", "A=1", 400, []string{"Unknown format", "dotenv"}},
			{"no format", "", "A=1", 400, []string{"format is required"}},
			{"duplicate key", "dotenv", "A=" + cn + "\nA=" + cn + "\n", 400, []string{"line 2", `duplicate key "A" (first on line 1)`}},
			{"line without a key", "dotenv", cn + "\n", 400, []string{"line 1"}},
			{"not UTF-8", "dotenv", "A=\xff\n", 400, []string{"UTF-8"}},
			{"json not flat", "json", `{"A": {"x": "` + cn + `"}}`, 400, []string{"must be a string"}},
			{"yaml number", "yaml", "A: 1\n", 400, []string{`key "A"`}},
			{"too many keys", "dotenv", manyKeys(51), 400, []string{"51 keys", "remove 1"}},
			{"name taken, env taken", "dotenv", "OK=1\nHAVE=" + cn + "\nHAVE_ENV=" + cn + "\n", 409, []string{
				"2 of the secrets", "#1 HAVE: you already have a secret with this name",
				`#2 HAVE_ENV: its environment variable is the target of your secret "HAVE"`}},
			{"count quota", "dotenv", "Q1=1\nQ2=2\nQ3=3\nQ4=4\n", 400, []string{"bring you to 5 secrets", "limit is 4", "remove 1 keys"}},
			{"env bytes quota", "dotenv", "BIG=" + strings.Repeat("x", 150) + "\n", 400, []string{"environment variable target to 151 bytes", "remove at least 51 bytes"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				body := jsonBody(t, sdk.ImportSecretsRequest{Format: tt.format, Content: tt.content})
				if tt.name == "not UTF-8" {
					// JSON cannot carry the byte: send the bytes as they are,
					// the server refuses the body.
					body = []byte(`{"format":"dotenv","content":"A=` + "\xff" + `"}`)
				}
				code, out := rawRequest(t, c, "POST", "/api/v2/users/me/secrets/batch", body)
				if code != tt.status {
					t.Fatalf("got %d (%s), want %d", code, out, tt.status)
				}
				var res sdk.Response
				if err := json.Unmarshal(out, &res); err != nil {
					t.Fatalf("answer %s: %v", out, err)
				}
				for _, w := range tt.want {
					if !strings.Contains(res.Message, w) {
						t.Errorf("answer %q does not say %q", res.Message, w)
					}
				}
				if strings.Contains(string(out), cn) {
					t.Errorf("the answer quotes a value")
				}
				if got := storedValues(t, s, c); len(got) != 1 {
					t.Errorf("got %d secrets after a refused import, want 1", len(got))
				}
			})
		}
		if strings.Contains(s.Logs.String(), cn) {
			t.Errorf("the server's log holds a value")
		}
	})
}

func manyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "K%d=v\n", i)
	}
	return b.String()
}

// TestSecretImportRace: an import racing creates of the same names ends
// with either the whole import stored or none of it, never a mix, and each
// loser gets 409.
func TestSecretImportRace(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		ctx := context.Background()
		c := s.NewMember(t, "racer")
		var wg sync.WaitGroup
		codes := make([]int, 4)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				if i == 3 {
					_, err = c.ImportSecrets(ctx, sdk.Me, sdk.ImportSecretsRequest{Format: "dotenv", Content: "R0=a\nR1=b\nR2=c\n"})
				} else {
					n := fmt.Sprintf("R%d", i)
					_, err = c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: n, Value: "single", EnvName: n})
				}
				codes[i] = http.StatusCreated
				if err != nil {
					codes[i] = sdk.StatusCode(err)
				}
			}()
		}
		wg.Wait()
		for i, code := range codes {
			if code != http.StatusCreated && code != http.StatusConflict {
				t.Errorf("call %d: got %d, want 201 or 409", i, code)
			}
		}
		got := storedValues(t, s, c)
		fromImport := 0
		for _, v := range got {
			if !strings.HasPrefix(v, "single|") {
				fromImport++
			}
		}
		if len(got) != 3 || (fromImport != 0 && fromImport != 3) {
			t.Errorf("stored %v: want R0..R2 all from the import or all from the creates", got)
		}
		if (codes[3] == http.StatusCreated) != (fromImport == 3) {
			t.Errorf("import answered %d but %d of its secrets are stored", codes[3], fromImport)
		}
	})
}
