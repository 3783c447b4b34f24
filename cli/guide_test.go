package cli_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
)

func canary(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "canary-" + hex.EncodeToString(b)
}

// login sets up the first user on a new server through the CLI.
func login(t *testing.T, srv *clitest.Server, u *clitest.User) {
	t.Helper()
	r := u.MustSh(t, "", `coder login "$CODER_TEST_URL" --first-user-username alice --first-user-email alice@example.com --first-user-password "$CODER_TEST_PW"`,
		[]string{"CODER_TEST_URL=" + srv.URL, "CODER_TEST_PW=correct-horse-battery"}, nil)
	if !strings.Contains(r.Stdout, "logged in") {
		t.Fatalf("login output %q: want it to say logged in", r.Stdout)
	}
	for _, f := range []string{"url", "session"} {
		st, err := os.Stat(filepath.Join(u.ConfigDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("config file %s has mode %#o, want 0600", f, st.Mode().Perm())
		}
	}
}

// TestGuideCommands runs every command block of the guide's "Create a
// secret", "Update a secret" and "List and delete secrets" sections as
// written, against a real server process, and checks each effect through
// the API (metadata) and the server's store (values).
func TestGuideCommands(t *testing.T) {
	for _, backend := range clitest.Backends {
		t.Run(backend, func(t *testing.T) {
			srv := clitest.StartServer(t, backend)
			u := clitest.NewUser(t)
			login(t, srv, u)
			c := u.Client(t)
			ctx := context.Background()
			me, err := c.User(ctx, sdk.Me)
			if err != nil {
				t.Fatal(err)
			}
			apiKey, token, newAPIKey := canary(t), canary(t), canary(t)
			toolConfig := `{"endpoint": "https://tool.example.com", "token": "` + canary(t) + `"}` + "\n"
			work := t.TempDir()
			if err := os.WriteFile(filepath.Join(work, "tool-config.json"), []byte(toolConfig), 0o600); err != nil {
				t.Fatal(err)
			}
			env := []string{"API_KEY=" + apiKey, "TOKEN=" + token, "NEW_API_KEY=" + newAPIKey}
			var outputs []string
			sh := func(script string) clitest.Result {
				t.Helper()
				r := u.MustSh(t, work, script, env, nil)
				outputs = append(outputs, r.Stdout, r.Stderr)
				return r
			}
			secret := func(name string) sdk.Secret {
				t.Helper()
				s, err := c.Secret(ctx, sdk.Me, name)
				if err != nil {
					t.Fatalf("get %s: %v", name, err)
				}
				return s
			}
			value := func(name string) string {
				t.Helper()
				v, ok := srv.Values(t, me.ID)[name]
				if !ok {
					t.Fatalf("no stored value for %s", name)
				}
				return v.Reveal()
			}

			// Create an environment variable secret.
			sh(`echo -n "$API_KEY" | coder secret create api-key \
--description "API key for workspace tools" \
--env API_KEY`)
			if s := secret("api-key"); s.EnvName != "API_KEY" || s.FilePath != "" || s.Description != "API key for workspace tools" {
				t.Fatalf("api-key: %+v", s)
			}
			if value("api-key") != apiKey {
				t.Fatal("api-key: the stored value is not what echo -n piped in")
			}

			// Create a file secret (the file ends with a new line: stored too, with a warning).
			r := sh(`coder secret create tool-config \
--description "Tool configuration" \
--file ~/.config/tool/config.json \
< ./tool-config.json`)
			if s := secret("tool-config"); s.FilePath != "~/.config/tool/config.json" || s.EnvName != "" || s.Description != "Tool configuration" {
				t.Fatalf("tool-config: %+v", s)
			}
			if value("tool-config") != toolConfig {
				t.Fatal("tool-config: the stored value is not the file's bytes, trailing newline included")
			}
			if !strings.Contains(r.Stderr, "ends with a newline") {
				t.Fatalf("stderr %q: want a warning about the trailing newline", r.Stderr)
			}

			// Both targets.
			sh(`echo -n "$TOKEN" | coder secret create service-token \
--description "Service token for workspace tools" \
--env SERVICE_TOKEN \
--file ~/.config/service/token`)
			if s := secret("service-token"); s.EnvName != "SERVICE_TOKEN" || s.FilePath != "~/.config/service/token" {
				t.Fatalf("service-token: %+v", s)
			}
			if value("service-token") != token {
				t.Fatal("service-token: wrong stored value")
			}

			// --value (after deleting the first api-key).
			sh(`coder secret delete -y api-key`)
			sh(`coder secret create api-key \
--value "$API_KEY" \
--description "API key for workspace tools" \
--env API_KEY`)
			if value("api-key") != apiKey || secret("api-key").EnvName != "API_KEY" {
				t.Fatal("api-key from --value: wrong value or target")
			}

			// echo -n versus a trailing newline.
			sh(`coder secret delete -y api-key`)
			sh(`echo -n "$API_KEY" | coder secret create api-key --env API_KEY`)
			if value("api-key") != apiKey {
				t.Fatal("echo -n: the stored value has extra bytes")
			}
			sh(`coder secret delete -y api-key`)
			r = sh(`echo "$API_KEY" | coder secret create api-key --env API_KEY`)
			if value("api-key") != apiKey+"\n" {
				t.Fatal("echo without -n: the trailing newline was not stored")
			}
			if !strings.Contains(r.Stderr, "echo -n") {
				t.Fatalf("stderr %q: want a hint about echo -n", r.Stderr)
			}

			// Update a secret.
			before := secret("api-key")
			sh(`# Update a secret value.
echo -n "$NEW_API_KEY" | coder secret update api-key`)
			if value("api-key") != newAPIKey {
				t.Fatal("update value: the stored value is not the new one")
			}
			if s := secret("api-key"); s.EnvName != before.EnvName || s.Description != before.Description || s.FilePath != before.FilePath {
				t.Fatalf("update value changed other fields: %+v", s)
			}
			sh(`# Change the environment variable target.
coder secret update api-key --env NEW_API_KEY`)
			if s := secret("api-key"); s.EnvName != "NEW_API_KEY" || value("api-key") != newAPIKey {
				t.Fatalf("update env: %+v", s)
			}
			sh(`coder secret update api-key --file ~/.api-key`)
			if s := secret("api-key"); s.FilePath != "~/.api-key" || s.EnvName != "NEW_API_KEY" {
				t.Fatalf("update file: %+v", s)
			}
			sh(`# Clear the file injection target while keeping the secret.
coder secret update api-key --file ""`)
			if s := secret("api-key"); s.FilePath != "" || s.EnvName != "NEW_API_KEY" || value("api-key") != newAPIKey {
				t.Fatalf("clear file: %+v", s)
			}
			sh(`coder secret update service-token --env ""`)
			if s := secret("service-token"); s.EnvName != "" || s.FilePath != "~/.config/service/token" {
				t.Fatalf("clear env: %+v", s)
			}
			sh(`coder secret update service-token --description "rotated monthly"`)
			if s := secret("service-token"); s.Description != "rotated monthly" || value("service-token") != token {
				t.Fatalf("update description: %+v", s)
			}

			// List and delete secrets.
			r = sh(`# List all of your secrets.
coder secret list`)
			lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
			if len(lines) != 4 || !strings.HasPrefix(lines[0], "NAME") ||
				!strings.HasPrefix(lines[1], "api-key") || !strings.HasPrefix(lines[2], "service-token") || !strings.HasPrefix(lines[3], "tool-config") {
				t.Fatalf("list output:\n%s\nwant a header and api-key, service-token, tool-config", r.Stdout)
			}
			if !strings.Contains(lines[1], "NEW_API_KEY") || !strings.Contains(lines[3], "~/.config/tool/config.json") {
				t.Fatalf("list rows lack targets:\n%s", r.Stdout)
			}
			r = sh(`# Show a single secret by name.
coder secret list api-key`)
			if lines := strings.Split(strings.TrimSpace(r.Stdout), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], "api-key") {
				t.Fatalf("list api-key output:\n%s", r.Stdout)
			}
			r = sh(`coder secret list -o json`)
			var listed []sdk.Secret
			if err := json.Unmarshal([]byte(r.Stdout), &listed); err != nil {
				t.Fatalf("list -o json: %v\n%s", err, r.Stdout)
			}
			all, _ := c.Secrets(ctx, sdk.Me)
			if diff := cmp.Diff(all, listed, cmpopts.EquateApproxTime(0)); diff != "" {
				t.Fatalf("list -o json differs from the API (-api +cli):\n%s", diff)
			}
			r = sh(`coder secret list api-key -o json`)
			var one []sdk.Secret
			if err := json.Unmarshal([]byte(r.Stdout), &one); err != nil || len(one) != 1 || one[0].Name != "api-key" {
				t.Fatalf("list api-key -o json: %v\n%s", err, r.Stdout)
			}

			// delete asks first: no answer keeps the secret, "y" deletes it.
			res := u.Sh(t, work, `coder secret delete api-key`, env, nil)
			if res.ExitCode == 0 || !strings.Contains(res.Stderr, "not confirmed") {
				t.Fatalf("delete without an answer: exit %d, stderr %q; want a refusal", res.ExitCode, res.Stderr)
			}
			secret("api-key")
			res = u.Sh(t, work, `# Delete a secret you no longer need.
coder secret delete api-key`, env, strings.NewReader("y\n"))
			if res.ExitCode != 0 {
				t.Fatalf("delete confirmed with y: exit %d, stderr %q", res.ExitCode, res.Stderr)
			}
			if _, err := c.Secret(ctx, sdk.Me, "api-key"); !sdk.IsNotFound(err) {
				t.Fatalf("api-key after delete: got %v, want 404", err)
			}
			outputs = append(outputs, res.Stdout, res.Stderr)

			// Nothing printed a value, and the server logged none.
			for _, v := range []string{apiKey, token, newAPIKey, strings.TrimSpace(toolConfig)} {
				for _, out := range append(outputs, srv.Output.String()) {
					if strings.Contains(out, v) {
						t.Fatal("a CLI output or the server log holds a secret value")
					}
				}
			}
		})
	}
}

// TestSecretCommandErrors covers the clumsy paths: a value from both or
// neither source, an update with nothing to change, bad input caught before
// the request, and commands run before logging in.
func TestSecretCommandErrors(t *testing.T) {
	srv := clitest.StartServer(t, "sqlite")
	u := clitest.NewUser(t)
	res := u.Sh(t, "", `coder secret list`, nil, nil)
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "not logged in") {
		t.Fatalf("list before login: exit %d, stderr %q", res.ExitCode, res.Stderr)
	}
	login(t, srv, u)
	v := canary(t)
	env := []string{"V=" + v}
	cases := []struct {
		name, script, want string
		stdin              string
	}{
		{"both value sources", `echo -n "$V" | coder secret create s --value "$V"`, "both", ""},
		{"no value", `coder secret create s --env S`, "no value given", ""},
		{"empty stdin", `printf '' | coder secret create s`, "no value given", ""},
		{"update nothing", `coder secret update s`, "nothing to update", ""},
		{"bad env name", `echo -n "$V" | coder secret create s --env PATH`, "reserved", ""},
		{"bad file path", `echo -n "$V" | coder secret create s --file relative`, "must start with ~/ or /", ""},
		{"bad name", `echo -n "$V" | coder secret create 'a/b'`, "must not contain", ""},
		{"unknown secret", `coder secret update missing --description d`, "not found", ""},
		{"delete unknown", `coder secret delete -y missing`, "not found", ""},
		{"bad output", `coder secret list -o yaml`, "unknown output format", ""},
		{"value too large", `head -c 30000 /dev/zero | tr '\0' x | coder secret create big`, "longer than 24576", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := u.Sh(t, "", tc.script, env, strings.NewReader(tc.stdin))
			if r.ExitCode == 0 {
				t.Fatalf("exit 0, want non-zero; stdout %q", r.Stdout)
			}
			if !strings.Contains(r.Stderr, tc.want) {
				t.Fatalf("stderr %q, want it to mention %q", r.Stderr, tc.want)
			}
			if strings.Contains(r.Stdout+r.Stderr, v) {
				t.Fatal("output holds the value")
			}
		})
	}
	list, err := u.Client(t).Secrets(context.Background(), sdk.Me)
	if err != nil || len(list) != 0 {
		t.Fatalf("after the failed commands: %d secrets, err %v; want none", len(list), err)
	}
}

// TestUsersTokensAndOverrides covers users create (admins only), tokens
// create, CODER_URL/CODER_SESSION_TOKEN overriding the stored login, and
// logout.
func TestUsersTokensAndOverrides(t *testing.T) {
	srv := clitest.StartServer(t, "sqlite")
	admin := clitest.NewUser(t)
	login(t, srv, admin)
	admin.MustSh(t, "", `coder users create --username bob --email bob@example.com --password bob-password`, nil, nil)

	bob := clitest.NewUser(t)
	bob.MustSh(t, "", `coder login "$URL" --username bob --password bob-password`, []string{"URL=" + srv.URL}, nil)
	res := bob.Sh(t, "", `coder users create --username eve --email eve@example.com --password eve-password`, nil, nil)
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "Only admins") {
		t.Fatalf("member creates a user: exit %d, stderr %q", res.ExitCode, res.Stderr)
	}
	tok := strings.TrimSpace(bob.MustSh(t, "", `coder tokens create`, nil, nil).Stdout)
	bob.MustSh(t, "", `echo -n v | coder secret create bobs --env BOBS`, nil, nil)

	// A fresh user with no login, but bob's URL and API token in the environment.
	anon := clitest.NewUser(t)
	r := anon.MustSh(t, "", `coder secret list`, []string{"CODER_URL=" + srv.URL, "CODER_SESSION_TOKEN=" + tok}, nil)
	if !strings.Contains(r.Stdout, "bobs") {
		t.Fatalf("list with env overrides: %q, want bob's secret", r.Stdout)
	}
	// The admin's stored login is overridden by bob's token.
	r = admin.MustSh(t, "", `coder secret list`, []string{"CODER_SESSION_TOKEN=" + tok}, nil)
	if !strings.Contains(r.Stdout, "bobs") {
		t.Fatalf("admin config with bob's token: %q, want bob's secret", r.Stdout)
	}
	// The admin cannot see bob's secrets with their own login.
	r = admin.Sh(t, "", `coder secret list`, nil, nil)
	if strings.Contains(r.Stdout, "bobs") {
		t.Fatal("the admin listed bob's secrets")
	}
	bob.MustSh(t, "", `coder logout`, nil, nil)
	res = bob.Sh(t, "", `coder secret list`, nil, nil)
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "not logged in") {
		t.Fatalf("list after logout: exit %d, stderr %q", res.ExitCode, res.Stderr)
	}
	// Logging in again with the first-user flags on a set-up server logs in.
	again := clitest.NewUser(t)
	login(t, srv, again)
}

// TestServerRefusesWrongKey starts a server, stores a secret, stops it,
// swaps its key file and starts it again: it must exit non-zero and say
// why. It also checks SIGTERM stops the server cleanly.
func TestServerRefusesWrongKey(t *testing.T) {
	srv := clitest.StartServer(t, "sqlite")
	u := clitest.NewUser(t)
	login(t, srv, u)
	u.MustSh(t, "", `echo -n v | coder secret create k --env K`, nil, nil)
	srv.Stop(t)
	if code := srv.ExitCode(); code != 0 {
		t.Fatalf("server exit code after SIGTERM: %d, want 0\n%s", code, srv.Output.String())
	}
	keyFile := filepath.Join(srv.DataDir, "secrets.key")
	old, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	r := u.Sh(t, "", `coder server --http-address 127.0.0.1:0 --data-dir "$D"`, []string{"D=" + srv.DataDir}, nil)
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "not among the configured keys") {
		t.Fatalf("start with a new key: exit %d, stderr %q; want a refusal naming the key", r.ExitCode, r.Stderr)
	}
	for _, line := range strings.Split(string(old), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") && strings.Contains(r.Stderr, line) {
			t.Fatal("the refusal printed key material")
		}
	}
}
