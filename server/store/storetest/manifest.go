package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

var manifestTests = []test{
	{"RevisionsAndAck", testManifestRevisions},
	{"SecretTemplates", testSecretTemplates},
}

// testManifestRevisions: an agent can acknowledge only a revision it was
// served; its acknowledgement carries what that revision delivered and
// replaces the previous one; the records go with the agent.
func testManifestRevisions(t *testing.T, s store.Store) {
	ctx := t.Context()
	later := base.Add(time.Minute)
	f := newFixture(t, s)
	a := agentWithBuild(t, s, f, "ws")
	wantErrIs(t, "record for an unknown agent", s.RecordManifestRevision(ctx, uuid.New(), "r0", []byte(`[]`), base), store.ErrNotFound)
	if err := s.RecordManifestRevision(ctx, a.ID, "r1", []byte(`[{"name":"a"}]`), base); err != nil {
		t.Fatal(err)
	}
	// Served again: not an error, the first record stays.
	if err := s.RecordManifestRevision(ctx, a.ID, "r1", []byte(`[{"name":"a"}]`), base); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordManifestRevision(ctx, a.ID, "r2", []byte(`[{"name":"b"}]`), base); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListAgentApplied(ctx, a.BuildID)
	if err != nil || len(got) != 0 {
		t.Fatalf("before any ack: %v, %v", got, err)
	}
	wantErrIs(t, "ack of a revision never served", s.AckManifestRevision(ctx, a.ID, "r9", nil, "/h", base), store.ErrNotFound)
	if err := s.AckManifestRevision(ctx, a.ID, "r1", []byte(`[{"path":"/x","secret":"s"}]`), "/home/u", base); err != nil {
		t.Fatal(err)
	}
	if err := s.AckManifestRevision(ctx, a.ID, "r2", nil, "/home/v", later); err != nil {
		t.Fatal(err)
	}
	got, err = s.ListAgentApplied(ctx, a.BuildID)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.AgentApplied{{AgentID: a.ID, Revision: "r2", Delivered: []byte(`[{"name":"b"}]`), Home: "/home/v", UpdatedAt: stored(later)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("applied (-want +got):\n%s", diff)
	}
	other, err := s.ListAgentApplied(ctx, uuid.New())
	if err != nil || len(other) != 0 {
		t.Fatalf("another build: %v, %v", other, err)
	}
}

// testSecretTemplates: a secret's allow-list is stored, updated and
// cleared; an update without Templates keeps it.
func testSecretTemplates(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner := newUser(t, s)
	sec := newSecret(owner.ID, "scoped")
	sec.EnvName, sec.Enabled, sec.Templates = "SCOPED", true, []string{"b", "a"}
	if got := insert(t, s, sec); !cmp.Equal(got.Templates, []string{"b", "a"}) {
		t.Fatalf("insert: templates %q", got.Templates)
	}
	check := func(what string, want []string) {
		t.Helper()
		got, err := s.GetSecret(ctx, owner.ID, "scoped")
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(got.Templates, want) {
			t.Fatalf("%s: templates %q, want %q", what, got.Templates, want)
		}
	}
	check("after insert", []string{"b", "a"})
	if _, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: owner.ID, Name: "scoped", Description: ptr("d")}); err != nil {
		t.Fatal(err)
	}
	check("after another update", []string{"b", "a"})
	if _, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: owner.ID, Name: "scoped", Templates: &[]string{"c"}}); err != nil {
		t.Fatal(err)
	}
	check("replaced", []string{"c"})
	entries, err := AuditEntries(ctx, s, 1)
	if err != nil || len(entries) != 1 || !cmp.Equal(entries[0].Fields, []string{"templates"}) {
		t.Fatalf("audit of a templates update: %+v, %v", entries, err)
	}
	if _, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: owner.ID, Name: "scoped", Templates: &[]string{}}); err != nil {
		t.Fatal(err)
	}
	check("cleared", nil)
}
