package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

// TestAuditList: GET /api/v2/audit through a real server on both
// databases: admins read all entries, members their own; filters and
// pages; entries name changed fields, never values.
func TestAuditList(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		ctx := context.Background()
		alice, bob := s.NewMember(t, "alice"), s.NewMember(t, "bob")
		v1, v2 := canary(t), canary(t)
		if _, err := alice.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "k", Value: sdk.SecretValue(v1), EnvName: "K"}); err != nil {
			t.Fatal(err)
		}
		nv := sdk.SecretValue(v2)
		if _, err := alice.UpdateSecret(ctx, sdk.Me, "k", sdk.UpdateSecretRequest{Value: &nv, Enabled: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if err := alice.DeleteSecret(ctx, sdk.Me, "k"); err != nil {
			t.Fatal(err)
		}
		if _, err := bob.ImportSecrets(ctx, sdk.Me, sdk.ImportSecretsRequest{Format: "dotenv", Content: "B1=x\nB2=y\n"}); err != nil {
			t.Fatal(err)
		}
		summary := func(es []sdk.AuditEntry) string {
			var out []string
			for _, e := range es {
				out = append(out, e.OwnerUsername+":"+e.Action+":"+e.ResourceName+":"+strings.Join(e.Fields, ","))
			}
			return strings.Join(out, " ")
		}
		get := func(c *sdk.Client, q sdk.AuditQuery) sdk.AuditResponse {
			t.Helper()
			res, err := c.Audit(ctx, q)
			if err != nil {
				t.Fatalf("audit %+v: %v", q, err)
			}
			return res
		}
		if got, want := summary(get(alice, sdk.AuditQuery{}).Entries), "alice:delete:k: alice:update:k:value,enabled alice:create:k:value,env_name"; got != want {
			t.Errorf("alice's entries: got %q, want %q", got, want)
		}
		all := get(s.Admin, sdk.AuditQuery{})
		if len(all.Entries) != 5 || all.HasMore {
			t.Errorf("admin: got %d entries (more: %v), want 5: %s", len(all.Entries), all.HasMore, summary(all.Entries))
		}
		if got := summary(get(s.Admin, sdk.AuditQuery{User: "bob", Action: "create", ResourceName: "B2"}).Entries); got != "bob:create:B2:value,env_name" {
			t.Errorf("admin, bob's create of B2: got %q", got)
		}
		page := get(s.Admin, sdk.AuditQuery{Limit: 2, Offset: 1})
		if len(page.Entries) != 2 || !page.HasMore || page.Entries[0].ID != all.Entries[1].ID {
			t.Errorf("limit 2 offset 1: got %s (more %v)", summary(page.Entries), page.HasMore)
		}
		if last := get(s.Admin, sdk.AuditQuery{Limit: 2, Offset: 4}); len(last.Entries) != 1 || last.HasMore {
			t.Errorf("last page: got %d entries (more %v), want 1", len(last.Entries), last.HasMore)
		}
		if got := get(s.Admin, sdk.AuditQuery{Since: time.Now().Add(time.Hour)}); len(got.Entries) != 0 {
			t.Errorf("since an hour from now: got %d entries", len(got.Entries))
		}
		if got := get(s.Admin, sdk.AuditQuery{Until: time.Now().Add(time.Hour), Since: time.Now().Add(-time.Hour)}); len(got.Entries) != 5 {
			t.Errorf("the last hour: got %d entries, want 5", len(got.Entries))
		}
		if all.Entries[0].ActorUsername != "bob" || all.Entries[0].ActorID != all.Entries[0].OwnerID {
			t.Errorf("newest entry: %+v, want bob's own", all.Entries[0])
		}
		// A member reads no other user's entries.
		if _, err := bob.Audit(ctx, sdk.AuditQuery{User: "alice"}); sdk.StatusCode(err) != http.StatusForbidden {
			t.Errorf("bob reading alice's entries: got %v, want 403", err)
		}
		if got := summary(get(bob, sdk.AuditQuery{User: "me"}).Entries); strings.Contains(got, "alice") {
			t.Errorf("bob's entries hold alice's: %s", got)
		}
		for _, bad := range []string{"?limit=0", "?limit=x", "?since=yesterday", "?action=read", "?nope=1", "?offset=-1"} {
			if code, out := rawRequest(t, s.Admin, "GET", "/api/v2/audit"+bad, nil); code != http.StatusBadRequest {
				t.Errorf("GET /api/v2/audit%s: got %d (%s), want 400", bad, code, out)
			}
		}
		if code, _ := rawRequest(t, s.Admin, "GET", "/api/v2/audit?user=nobody", nil); code != http.StatusNotFound {
			t.Errorf("unknown user: got %d, want 404", code)
		}
		code, out := rawRequest(t, s.Admin, "GET", "/api/v2/audit", nil)
		if code != http.StatusOK || strings.Contains(string(out), v1) || strings.Contains(string(out), v2) {
			t.Errorf("the audit answer holds a value (status %d)", code)
		}
	})
}
