package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/store/storetest"
)

func canary(t testing.TB) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "canary-" + hex.EncodeToString(b)
}

func ptr[T any](v T) *T { return &v }

// rawRequest sends a request with a raw body and returns status and body.
func rawRequest(t *testing.T, c *sdk.Client, method, path string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, c.URL.String()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.SessionToken != "" {
		req.Header.Set(sdk.SessionTokenHeader, c.SessionToken)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b
}

func forEachBackend(t *testing.T, fn func(t *testing.T, b servertest.Backend)) {
	for _, b := range servertest.Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b) })
	}
}

func TestSecretsCRUD(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		ctx := context.Background()
		c := s.NewMember(t, "alice")
		value := canary(t)

		created, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{
			Name: "api-key", Value: sdk.SecretValue(value), Description: "API key for workspace tools", EnvName: "API_KEY",
		})
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		if created.Name != "api-key" || created.EnvName != "API_KEY" || created.FilePath != "" || created.Description != "API key for workspace tools" {
			t.Fatalf("created %+v: want name api-key, env API_KEY, no file", created)
		}
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "b-file", Value: "x", FilePath: "~/.config/tool/config.json"}); err != nil {
			t.Fatalf("create file secret: %v", err)
		}
		if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "A-upper", Value: "y", Enabled: ptr(false)}); err != nil {
			t.Fatalf("create untargeted secret: %v", err)
		}

		list, err := c.Secrets(ctx, sdk.Me)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, x := range list {
			names = append(names, x.Name)
		}
		if diff := cmp.Diff([]string{"A-upper", "api-key", "b-file"}, names); diff != "" {
			t.Fatalf("list order (-want +got):\n%s", diff)
		}

		got, err := c.Secret(ctx, "alice", "api-key")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(created, got); diff != "" {
			t.Fatalf("get by username (-created +got):\n%s", diff)
		}

		// PATCH: absent fields are unchanged, "" clears.
		up, err := c.UpdateSecret(ctx, sdk.Me, "api-key", sdk.UpdateSecretRequest{FilePath: ptr("~/.api-key")})
		if err != nil {
			t.Fatal(err)
		}
		if up.EnvName != "API_KEY" || up.FilePath != "~/.api-key" || up.Description != created.Description {
			t.Fatalf("after adding a file target: %+v", up)
		}
		up, err = c.UpdateSecret(ctx, sdk.Me, "api-key", sdk.UpdateSecretRequest{EnvName: ptr(""), Description: ptr("")})
		if err != nil {
			t.Fatal(err)
		}
		if up.EnvName != "" || up.FilePath != "~/.api-key" || up.Description != "" {
			t.Fatalf("after clearing env and description: %+v", up)
		}
		newValue := canary(t)
		up, err = c.UpdateSecret(ctx, sdk.Me, "api-key", sdk.UpdateSecretRequest{Value: ptr(sdk.SecretValue(newValue))})
		if err != nil {
			t.Fatal(err)
		}
		if !up.UpdatedAt.After(created.UpdatedAt) && !up.UpdatedAt.Equal(created.UpdatedAt) {
			t.Fatalf("updated_at went back: %v < %v", up.UpdatedAt, created.UpdatedAt)
		}
		me, err := c.User(ctx, sdk.Me)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := s.Values(ctx, me.ID)
		if err != nil {
			t.Fatal(err)
		}
		if plain[1].Name != "api-key" || plain[1].Value.Reveal() != newValue {
			t.Fatalf("stored value after update does not match the new value (name %q)", plain[1].Name)
		}

		if err := c.DeleteSecret(ctx, sdk.Me, "api-key"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Secret(ctx, sdk.Me, "api-key"); sdk.StatusCode(err) != http.StatusNotFound {
			t.Fatalf("get after delete: got %v, want 404", err)
		}
		if err := c.DeleteSecret(ctx, sdk.Me, "api-key"); sdk.StatusCode(err) != http.StatusNotFound {
			t.Fatalf("second delete: got %v, want 404", err)
		}

		// The audit log saw every change and never a value.
		entries, err := storetest.AuditEntries(ctx, s.Store, 100)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			if e.ResourceName == "api-key" {
				actions = append(actions, e.Action)
			}
			blob, _ := json.Marshal(e)
			if bytes.Contains(blob, []byte(value)) || bytes.Contains(blob, []byte(newValue)) {
				t.Fatal("audit entry holds a secret value")
			}
		}
		if diff := cmp.Diff([]string{"delete", "update", "update", "update", "create"}, actions); diff != "" {
			t.Fatalf("audit actions for api-key, newest first (-want +got):\n%s", diff)
		}
		for _, v := range []string{value, newValue} {
			if strings.Contains(s.Logs.String(), v) {
				t.Fatal("server log holds a secret value")
			}
		}
	})
}

func TestResponsesNeverHoldValues(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		c := s.NewMember(t, "bob")
		value := canary(t)
		body, _ := json.Marshal(map[string]string{"name": "tok", "value": value, "env_name": "TOK", "file_path": "/etc/tok"})
		var seen [][]byte
		check := func(method, path string, body []byte, want int) {
			t.Helper()
			code, out := rawRequest(t, c, method, path, body)
			if code != want {
				t.Fatalf("%s %s: got %d (%s), want %d", method, path, code, out, want)
			}
			seen = append(seen, out)
		}
		check("POST", "/api/v2/users/me/secrets", body, 201)
		check("GET", "/api/v2/users/me/secrets", nil, 200)
		check("GET", "/api/v2/users/me/secrets/tok", nil, 200)
		upd, _ := json.Marshal(map[string]string{"value": value + "2"})
		check("PATCH", "/api/v2/users/me/secrets/tok", upd, 200)
		// Errors must not echo the value either: a duplicate, and a bad update.
		check("POST", "/api/v2/users/me/secrets", body, 409)
		bad, _ := json.Marshal(map[string]string{"value": value + "\x00"})
		check("PATCH", "/api/v2/users/me/secrets/tok", bad, 400)
		check("DELETE", "/api/v2/users/me/secrets/tok", nil, 204)
		for _, out := range seen {
			if bytes.Contains(out, []byte(value)) {
				t.Fatalf("a response holds the value")
			}
			if bytes.Contains(out, []byte(`"value"`)) && !bytes.Contains(out, []byte(`"field":"value"`)) {
				t.Fatalf("a response has a value field: %s", out)
			}
		}
		if strings.Contains(s.Logs.String(), value) {
			t.Fatal("server log holds the value")
		}
	})
}

func TestSecretsAuthorization(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		ctx := context.Background()
		alice := s.NewMember(t, "alice")
		bob := s.NewMember(t, "bob")
		if _, err := bob.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "bobs", Value: "v", EnvName: "BOBS"}); err != nil {
			t.Fatal(err)
		}
		bobUser, err := bob.User(ctx, sdk.Me)
		if err != nil {
			t.Fatal(err)
		}
		for _, who := range []struct {
			name string
			c    *sdk.Client
		}{{"member", alice}, {"admin", s.Admin}} {
			for _, target := range []string{"bob", bobUser.ID.String()} {
				tries := map[string]error{}
				_, tries["list"] = who.c.Secrets(ctx, target)
				_, tries["get"] = who.c.Secret(ctx, target, "bobs")
				_, tries["create"] = who.c.CreateSecret(ctx, target, sdk.CreateSecretRequest{Name: "x", Value: "v", Enabled: ptr(false)})
				_, tries["update"] = who.c.UpdateSecret(ctx, target, "bobs", sdk.UpdateSecretRequest{Value: ptr(sdk.SecretValue("stolen"))})
				tries["delete"] = who.c.DeleteSecret(ctx, target, "bobs")
				for op, err := range tries {
					if sdk.StatusCode(err) != http.StatusForbidden {
						t.Errorf("%s %s of %s's secrets: got %v, want 403", who.name, op, target, err)
					}
				}
			}
		}
		// Nothing changed for bob.
		list, err := bob.Secrets(ctx, sdk.Me)
		if err != nil || len(list) != 1 || list[0].UpdatedAt != list[0].CreatedAt {
			t.Fatalf("bob's secrets after the attempts: %+v, %v", list, err)
		}

		// No token, or a bad one: 401 on every route.
		anon := sdk.New(s.URL)
		forged := sdk.New(s.URL)
		forged.SessionToken = "abcdefghij-abcdefghijklmnopqrstuv"
		malformed := sdk.New(s.URL)
		malformed.SessionToken = "nonsense"
		for name, c := range map[string]*sdk.Client{"none": anon, "forged": forged, "malformed": malformed} {
			_, e1 := c.Secrets(ctx, sdk.Me)
			_, e2 := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "x", Value: "v", Enabled: ptr(false)})
			_, e3 := c.Secret(ctx, sdk.Me, "x")
			_, e4 := c.UpdateSecret(ctx, sdk.Me, "x", sdk.UpdateSecretRequest{Description: ptr("d")})
			e5 := c.DeleteSecret(ctx, sdk.Me, "x")
			for i, err := range []error{e1, e2, e3, e4, e5} {
				if sdk.StatusCode(err) != http.StatusUnauthorized {
					t.Errorf("token %s, call %d: got %v, want 401", name, i, err)
				}
			}
		}

		// Logout revokes the token.
		if err := alice.Logout(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := alice.Secrets(ctx, sdk.Me); sdk.StatusCode(err) != http.StatusUnauthorized {
			t.Fatalf("after logout: got %v, want 401", err)
		}
		// Members cannot create users.
		if _, err := bob.CreateUser(ctx, sdk.CreateUserRequest{Username: "eve", Email: "eve@example.com", Password: "password1"}); sdk.StatusCode(err) != http.StatusForbidden {
			t.Fatalf("member creates user: got %v, want 403", err)
		}
	})
}

func TestSecretsConcurrentCreatesRespectLimit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		ctx := context.Background()
		c := s.NewMember(t, "carol")
		for i := 0; i < 45; i++ {
			if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "pre-" + hex.EncodeToString([]byte{byte(i)}), Value: "v", Enabled: ptr(false)}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		codes := make([]int, 64)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "race-" + hex.EncodeToString([]byte{byte(i)}), Value: "v", Enabled: ptr(false)})
				codes[i] = http.StatusCreated
				if err != nil {
					codes[i] = sdk.StatusCode(err)
				}
			}()
		}
		wg.Wait()
		created, refused := 0, 0
		for _, code := range codes {
			switch code {
			case http.StatusCreated:
				created++
			case http.StatusBadRequest:
				refused++
			default:
				t.Errorf("concurrent create: got status %d, want 201 or 400", code)
			}
		}
		list, err := c.Secrets(ctx, sdk.Me)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 50 || created != 5 || refused != 59 {
			t.Fatalf("got %d secrets (%d created, %d refused), want 50 (5, 59)", len(list), created, refused)
		}
	})
}
