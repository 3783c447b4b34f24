package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

func jsonBody(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSecretsValidation tries every rule of SPEC.md section 3 with bad
// input: each gets its status and a message that names the problem, and
// the stored secrets stay exactly as they were.
func TestSecretsValidation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		ctx := context.Background()
		c := s.NewMember(t, "dave")
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "existing", Value: "v", EnvName: "EXISTING_ENV", FilePath: "~/existing"}); err != nil {
			t.Fatal(err)
		}
		before, err := c.Secrets(ctx, sdk.Me)
		if err != nil {
			t.Fatal(err)
		}

		create := func(fields map[string]any) []byte { return jsonBody(t, fields) }
		secret := func(extra map[string]any) []byte {
			m := map[string]any{"name": "fresh", "value": "v"}
			for k, v := range extra {
				m[k] = v
			}
			// Without a target, the secret is created disabled.
			_, env := m["env_name"]
			_, file := m["file_path"]
			if _, set := m["enabled"]; !set && !env && !file {
				m["enabled"] = false
			}
			return create(m)
		}
		tooLongEnv := "A" + strings.Repeat("B", 256)
		cases := []struct {
			name   string
			method string
			path   string
			body   []byte
			status int
			want   string // in the message or a validation detail
		}{
			{"name missing", "POST", "", create(map[string]any{"value": "v"}), 400, "name is required"},
			{"name empty", "POST", "", secret(map[string]any{"name": ""}), 400, "name is required"},
			{"name 65 chars", "POST", "", secret(map[string]any{"name": strings.Repeat("n", 65)}), 400, "at most 64"},
			{"name leading space", "POST", "", secret(map[string]any{"name": " lead"}), 400, "white space"},
			{"name trailing space", "POST", "", secret(map[string]any{"name": "trail "}), 400, "white space"},
			{"name control char", "POST", "", secret(map[string]any{"name": "a\tb"}), 400, "control characters"},
			{"name slash", "POST", "", secret(map[string]any{"name": "a/b"}), 400, `"/"`},
			{"name question mark", "POST", "", secret(map[string]any{"name": "a?b"}), 400, `"?"`},
			{"name hash", "POST", "", secret(map[string]any{"name": "a#b"}), 400, `"#"`},
			{"name dot", "POST", "", secret(map[string]any{"name": "."}), 400, "not allowed"},
			{"name dot dot", "POST", "", secret(map[string]any{"name": ".."}), 400, "not allowed"},
			{"name right-to-left override", "POST", "", secret(map[string]any{"name": "gpj\u202Eexe"}), 400, "invisible"},
			{"name zero-width space", "POST", "", secret(map[string]any{"name": "exist\u200Bing"}), 400, "invisible"},
			{"name NFD", "POST", "", secret(map[string]any{"name": "cafe\u0301"}), 400, "NFC"},
			{"name duplicate", "POST", "", secret(map[string]any{"name": "existing"}), 409, "name"},
			{"enabled without a target", "POST", "", create(map[string]any{"name": "fresh", "value": "v"}), 400, "needs a target"},
			{"enabled not a boolean", "POST", "", secret(map[string]any{"enabled": "yes"}), 400, "must be a boolean"},
			{"patch clears both targets of an enabled secret", "PATCH", "/existing", jsonBody(t, map[string]any{"env_name": "", "file_path": ""}), 400, "disable it"},
			{"env starts with digit", "POST", "", secret(map[string]any{"env_name": "1ABC"}), 400, "must start with a letter"},
			{"env with dash", "POST", "", secret(map[string]any{"env_name": "A-B"}), 400, "only letters, digits and underscores"},
			{"env too long", "POST", "", secret(map[string]any{"env_name": tooLongEnv}), 400, "at most 256"},
			{"env reserved PATH", "POST", "", secret(map[string]any{"env_name": "PATH"}), 400, "reserved"},
			{"env reserved lower-case home", "POST", "", secret(map[string]any{"env_name": "home"}), 400, "reserved"},
			{"env reserved CODER", "POST", "", secret(map[string]any{"env_name": "CODER"}), 400, "reserved"},
			{"env reserved CODER_ prefix", "POST", "", secret(map[string]any{"env_name": "Coder_Agent_Token"}), 400, "CODER_"},
			{"env reserved GIT_ prefix", "POST", "", secret(map[string]any{"env_name": "GIT_SSH_COMMAND"}), 400, "GIT_"},
			{"env reserved LC_ prefix", "POST", "", secret(map[string]any{"env_name": "LC_ALL"}), 400, "LC_"},
			{"env reserved LD_ prefix", "POST", "", secret(map[string]any{"env_name": "LD_PRELOAD"}), 400, "LD_"},
			{"env reserved DYLD_ prefix", "POST", "", secret(map[string]any{"env_name": "DYLD_INSERT_LIBRARIES"}), 400, "DYLD_"},
			{"env reserved SSH_AUTH_SOCK", "POST", "", secret(map[string]any{"env_name": "SSH_AUTH_SOCK"}), 400, "reserved"},
			{"env reserved XDG_RUNTIME_DIR", "POST", "", secret(map[string]any{"env_name": "XDG_RUNTIME_DIR"}), 400, "reserved"},
			{"env duplicate", "POST", "", secret(map[string]any{"env_name": "EXISTING_ENV"}), 409, "environment variable"},
			{"file relative", "POST", "", secret(map[string]any{"file_path": "relative/path"}), 400, "must start with ~/ or /"},
			{"file other user's home", "POST", "", secret(map[string]any{"file_path": "~root/x"}), 400, "must start with ~/ or /"},
			{"file too long", "POST", "", secret(map[string]any{"file_path": "/" + strings.Repeat("p", 4096)}), 400, "at most 4096"},
			{"file with NUL", "POST", "", secret(map[string]any{"file_path": "/a\x00b"}), 400, "NUL"},
			{"file duplicate", "POST", "", secret(map[string]any{"file_path": "~/existing"}), 409, "file"},
			{"file root dot", "POST", "", secret(map[string]any{"file_path": "/."}), 400, `"." element`},
			{"file home dot", "POST", "", secret(map[string]any{"file_path": "~/."}), 400, `"." element`},
			{"file parent", "POST", "", secret(map[string]any{"file_path": "/etc/.."}), 400, `".." element`},
			{"patch file parent", "PATCH", "/existing", jsonBody(t, map[string]any{"file_path": "~/x/../y"}), 400, `".." element`},
			{"value missing", "POST", "", create(map[string]any{"name": "fresh"}), 400, "value is required"},
			{"value empty", "POST", "", secret(map[string]any{"value": ""}), 400, "value is required"},
			{"value with NUL", "POST", "", secret(map[string]any{"value": "a\x00b"}), 400, "NUL"},
			{"value too large", "POST", "", secret(map[string]any{"value": strings.Repeat("x", 24*1024+1)}), 400, "at most 24576 bytes"},
			{"value not UTF-8", "POST", "", []byte("{\"name\":\"fresh\",\"value\":\"\xff\xfe\"}"), 400, "UTF-8"},
			{"body too large", "POST", "", secret(map[string]any{"value": strings.Repeat("x", 300*1024)}), 413, "too large"},
			{"body malformed", "POST", "", []byte(`{"name":`), 400, "JSON"},
			{"body with a stray bracket after it", "POST", "", []byte(`{"name":"fresh","value":"v"}]`), 400, "exactly one JSON object"},
			{"body unknown field", "POST", "", create(map[string]any{"name": "fresh", "value": "v", "env": "X"}), 400, "unknown field"},
			{"body wrong type", "POST", "", create(map[string]any{"name": 5, "value": "v"}), 400, "must be a string"},
			{"body empty", "POST", "", nil, 400, "empty"},
			{"patch empty", "PATCH", "/existing", []byte(`{}`), 400, "at least one of"},
			{"patch empty value", "PATCH", "/existing", jsonBody(t, map[string]any{"value": ""}), 400, "value is required"},
			{"patch bad env", "PATCH", "/existing", jsonBody(t, map[string]any{"env_name": "LD_LIBRARY_PATH"}), 400, "reserved"},
			{"patch bad file", "PATCH", "/existing", jsonBody(t, map[string]any{"file_path": "nope"}), 400, "must start with ~/ or /"},
			{"patch unknown secret", "PATCH", "/missing", jsonBody(t, map[string]any{"description": "d"}), 404, "not found"},
			{"patch name (not updatable)", "PATCH", "/existing", jsonBody(t, map[string]any{"name": "renamed"}), 400, "unknown field"},
			{"delete unknown secret", "DELETE", "/missing", nil, 404, "not found"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				code, out := rawRequest(t, c, tc.method, "/api/v2/users/me/secrets"+tc.path, tc.body)
				if code != tc.status {
					t.Fatalf("got status %d (%s), want %d", code, out, tc.status)
				}
				var resp sdk.Response
				if err := json.Unmarshal(out, &resp); err != nil || resp.Message == "" {
					t.Fatalf("error body %q is not {message, validations}", out)
				}
				text := resp.Message
				for _, v := range resp.Validations {
					text += " | " + v.Field + ": " + v.Detail
				}
				if !strings.Contains(text, tc.want) {
					t.Fatalf("got message %q, want it to mention %q", text, tc.want)
				}
				after, err := c.Secrets(ctx, sdk.Me)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(before, after); diff != "" {
					t.Fatalf("stored secrets changed (-before +after):\n%s", diff)
				}
			})
		}

		// Boundaries that must be accepted.
		ok := []sdk.CreateSecretRequest{
			{Name: strings.Repeat("n", 64), Value: sdk.SecretValue(strings.Repeat("x", 24*1024)), Enabled: ptr(false)},
			{Name: "ünïcödé name", Value: "v", EnvName: "A" + strings.Repeat("B", 255)},
			{Name: "path-ish", Value: "v", EnvName: "_PATH_", FilePath: "/" + strings.Repeat("p", 4095)},
		}
		for _, req := range ok {
			if _, err := c.CreateSecret(ctx, sdk.Me, req); err != nil {
				t.Errorf("create %q: %v, want success", req.Name, err)
			}
		}
	})
}

func TestSecretsQuotas(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		ctx := context.Background()
		c := s.NewMember(t, "erin")
		big := sdk.SecretValue(strings.Repeat("x", 24*1024))
		// 24 KiB of values with an env target is the env limit.
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "env-big", Value: big, EnvName: "BIG"}); err != nil {
			t.Fatal(err)
		}
		_, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "env-one-more", Value: "v", EnvName: "ONE_MORE"})
		if sdk.StatusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "environment variable target") {
			t.Fatalf("env limit: got %v, want 400 naming the env limit", err)
		}
		// Without an env target it fits.
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "no-env", Value: "v", FilePath: "~/no-env"}); err != nil {
			t.Fatal(err)
		}
		// Adding an env target to it now overshoots.
		if _, err := c.UpdateSecret(ctx, sdk.Me, "no-env", sdk.UpdateSecretRequest{EnvName: ptr("NO_ENV")}); sdk.StatusCode(err) != http.StatusBadRequest {
			t.Fatalf("env limit on update: got %v, want 400", err)
		}
		// Total: 200 KiB of values. 24 KiB + 1 byte + 7 x 24 KiB = 192 KiB + 1.
		for i := 0; i < 7; i++ {
			if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: fmt.Sprintf("file-%d", i), Value: big, FilePath: fmt.Sprintf("~/f%d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		_, err = c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "overflow", Value: big, Enabled: ptr(false)})
		if sdk.StatusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "total size") {
			t.Fatalf("total limit: got %v, want 400 naming the total size", err)
		}
		// Growing a value past the total is refused too, and changes nothing.
		_, err = c.UpdateSecret(ctx, sdk.Me, "no-env", sdk.UpdateSecretRequest{Value: &big})
		if sdk.StatusCode(err) != http.StatusBadRequest {
			t.Fatalf("total limit on update: got %v, want 400", err)
		}
		me, _ := c.User(ctx, sdk.Me)
		vals, err := s.Values(ctx, me.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if v.Name == "no-env" && v.Value.Reveal() != "v" {
				t.Fatal("a refused update changed the value")
			}
		}
		// Count limit, sequentially: fill up to 50 with small values.
		list, _ := c.Secrets(ctx, sdk.Me)
		for i := len(list); i < 50; i++ {
			if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: fmt.Sprintf("small-%d", i), Value: "v", Enabled: ptr(false)}); err != nil {
				t.Fatal(err)
			}
		}
		_, err = c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "fifty-first", Value: "v", Enabled: ptr(false)})
		if sdk.StatusCode(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "limit of 50 secrets") {
			t.Fatalf("count limit: got %v, want 400 naming the limit of 50", err)
		}
		// Another user is not affected.
		other := s.NewMember(t, "frank")
		if _, err := other.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "env-big", Value: big, EnvName: "BIG"}); err != nil {
			t.Fatalf("other user's create: %v", err)
		}
	})
}

// TestSecretNamesNormalized checks that a name is looked up in NFC: the
// decomposed spelling of a stored name finds the same secret, and a client
// asked for "." or ".." refuses instead of reaching another route.
func TestSecretNamesNormalized(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		ctx := context.Background()
		c := s.NewMember(t, "erin")
		const nfc, nfd = "caf\u00e9", "cafe\u0301"
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: nfc, Value: "v", Enabled: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		// Raw requests, so that the server's own normalization is tested.
		for _, method := range []string{"GET", "PATCH"} {
			var body []byte
			if method == "PATCH" {
				body = jsonBody(t, map[string]any{"description": "d"})
			}
			code, out := rawRequest(t, c, method, "/api/v2/users/me/secrets/"+nfd, body)
			if code != http.StatusOK {
				t.Fatalf("%s by the NFD name: got status %d (%s), want 200", method, code, out)
			}
			var got sdk.Secret
			if err := json.Unmarshal(out, &got); err != nil || got.Name != nfc {
				t.Fatalf("%s by the NFD name: got %s, want the secret %q", method, out, nfc)
			}
		}
		for _, name := range []string{".", ".."} {
			if _, err := c.Secret(ctx, sdk.Me, name); err == nil || sdk.StatusCode(err) != 0 {
				t.Errorf("Secret(%q): got %v, want a client-side refusal", name, err)
			}
			if err := c.DeleteSecret(ctx, sdk.Me, name); err == nil || sdk.StatusCode(err) != 0 {
				t.Errorf("DeleteSecret(%q): got %v, want a client-side refusal", name, err)
			}
		}
		if err := c.DeleteSecret(ctx, sdk.Me, nfd); err != nil {
			t.Fatalf("delete by the NFD name: got %v, want nil", err)
		}
		if list, err := c.Secrets(ctx, sdk.Me); err != nil || len(list) != 0 {
			t.Fatalf("after delete: got %v, %v, want no secrets", list, err)
		}
	})
}
