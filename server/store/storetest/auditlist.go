package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/server/store"
)

// testAuditList: ListAuditEntries filters by owner, actor, action,
// resource and time, pages with limit and offset, newest first, and
// returns what AuditEntries reads from the table.
func testAuditList(t *testing.T, s store.Store) {
	ctx := t.Context()
	a, b := newUser(t, s), newUser(t, s)
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	sec := targeted(newSecret(a.ID, "a1"), "A1", "", true)
	sec.CreatedAt = at(0)
	if _, err := s.InsertSecret(ctx, store.InsertSecretParams{Secret: sec, ActorID: a.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: a.ID, Name: "a1", Enabled: ptr(false), ActorID: a.ID, Now: func() time.Time { return at(1) }}); err != nil {
		t.Fatal(err)
	}
	other := targeted(newSecret(b.ID, "b1"), "B1", "", true)
	other.CreatedAt = at(2)
	if _, err := s.InsertSecret(ctx, store.InsertSecretParams{Secret: other, ActorID: b.ID}); err != nil {
		t.Fatal(err)
	}
	mine := func(f store.AuditFilter) []store.AuditEntry {
		t.Helper()
		got, err := s.ListAuditEntries(ctx, f)
		if err != nil {
			t.Fatalf("ListAuditEntries(%+v): %v", f, err)
		}
		// Other tests write to the same log: keep this test's users.
		var out []store.AuditEntry
		for _, e := range got {
			if e.OwnerID == a.ID || e.OwnerID == b.ID {
				out = append(out, e)
			}
		}
		return out
	}
	names := func(es []store.AuditEntry) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Action+" "+e.ResourceName)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		f    store.AuditFilter
		want []string
	}{
		{"owner a", store.AuditFilter{OwnerID: a.ID}, []string{"update a1", "create a1"}},
		{"owner b", store.AuditFilter{OwnerID: b.ID}, []string{"create b1"}},
		{"actor b", store.AuditFilter{ActorID: b.ID}, []string{"create b1"}},
		{"action create", store.AuditFilter{Action: store.AuditCreate, Since: t0}, []string{"create b1", "create a1"}},
		{"resource name", store.AuditFilter{ResourceName: "a1", ResourceType: "secret"}, []string{"update a1", "create a1"}},
		{"resource id", store.AuditFilter{ResourceID: sec.ID}, []string{"update a1", "create a1"}},
		{"since", store.AuditFilter{Since: at(1)}, []string{"create b1", "update a1"}},
		{"until", store.AuditFilter{Since: t0, Until: at(1)}, []string{"create a1"}},
		{"limit", store.AuditFilter{OwnerID: a.ID, Limit: 1}, []string{"update a1"}},
		{"offset", store.AuditFilter{OwnerID: a.ID, Limit: 1, Offset: 1}, []string{"create a1"}},
		{"past the end", store.AuditFilter{OwnerID: a.ID, Offset: 2}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := names(mine(tt.f)); !cmp.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	got := mine(store.AuditFilter{OwnerID: a.ID})
	all, err := AuditEntries(ctx, s, 0)
	if err != nil {
		t.Fatal(err)
	}
	var want []store.AuditEntry
	for _, e := range all {
		if e.OwnerID == a.ID {
			if e.Fields == nil {
				e.Fields = []string{}
			}
			want = append(want, e)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entries (-table +ListAuditEntries):\n%s", diff)
	}
	if len(got) == 2 && !cmp.Equal(got[0].Fields, []string{"enabled"}) {
		t.Errorf("the update's fields: got %q, want [enabled]", got[0].Fields)
	}
}
