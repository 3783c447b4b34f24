package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

var secretTests = []test{
	{"InsertAndGet", testSecretInsertAndGet},
	{"Times", testSecretTimes},
	{"UnknownOwner", testSecretUnknownOwner},
	{"NoTargetsNeverClash", testSecretNoTargetsNeverClash},
	{"Uniqueness", testSecretUniqueness},
	{"List", testSecretList},
	{"Update", testSecretUpdate},
	{"UpdateConflicts", testSecretUpdateConflicts},
	{"UpdateNotFound", testSecretUpdateNotFound},
	{"UpdateNothing", testSecretUpdateNothing},
	{"UpdatedAtConcurrent", testSecretUpdatedAtConcurrent},
	{"UpdatedAtNeverGoesBack", testSecretUpdatedAtNeverGoesBack},
	{"Delete", testSecretDelete},
}

func testSecretInsertAndGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner, other := newUser(t, s), newUser(t, s)
	sec := newSecret(owner.ID, "github token")
	sec.Description = "for gh"
	sec.EnvName = "GITHUB_TOKEN"
	sec.FilePath = "~/.config/gh/token"
	sec.ValueSize = 40
	sec.Ciphertext = []byte{0, 1, 2, 0xff, 0xfe, 'x'}

	got := insert(t, s, sec)
	if diff := cmp.Diff(meta(sec), got); diff != "" {
		t.Errorf("InsertSecret result mismatch (-want +got):\n%s", diff)
	}
	gotMeta, err := s.GetSecret(ctx, owner.ID, sec.Name)
	if err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	if diff := cmp.Diff(meta(sec), gotMeta); diff != "" {
		t.Errorf("GetSecret mismatch (-want +got):\n%s", diff)
	}
	gotValue, err := SecretWithValue(ctx, s, owner.ID, sec.Name)
	if err != nil {
		t.Fatalf("GetSecretWithValue: %v", err)
	}
	if diff := cmp.Diff(withValue(sec), gotValue); diff != "" {
		t.Errorf("GetSecretWithValue mismatch (-want +got):\n%s", diff)
	}

	_, err = s.GetSecret(ctx, owner.ID, "nope")
	wantErrIs(t, "GetSecret unknown name", err, store.ErrNotFound)
	_, err = SecretWithValue(ctx, s, owner.ID, "nope")
	wantErrIs(t, "GetSecretWithValue unknown name", err, store.ErrNotFound)
	_, err = s.GetSecret(ctx, other.ID, sec.Name)
	wantErrIs(t, "GetSecret of another owner's secret", err, store.ErrNotFound)
	_, err = SecretWithValue(ctx, s, other.ID, sec.Name)
	wantErrIs(t, "GetSecretWithValue of another owner's secret", err, store.ErrNotFound)
}

func testSecretTimes(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner := newUser(t, s)
	sec := newSecret(owner.ID, "t")
	sec.CreatedAt = time.Date(2030, 1, 2, 3, 4, 5, 999999999, time.FixedZone("EST", -5*3600))
	insert(t, s, sec)
	got, err := s.GetSecret(ctx, owner.ID, "t")
	if err != nil {
		t.Fatalf("GetSecret: %v", err)
	}
	want := time.Date(2030, 1, 2, 8, 4, 5, 999999000, time.UTC)
	for _, tm := range []time.Time{got.CreatedAt, got.UpdatedAt} {
		if !tm.Equal(want) {
			t.Errorf("got time %v, want %v (microseconds kept, not rounded up)", tm, want)
		}
		if tm.Location() != time.UTC {
			t.Errorf("got time in %v, want UTC", tm.Location())
		}
	}
}

func testSecretUnknownOwner(t *testing.T, s store.Store) {
	_, err := s.InsertSecret(t.Context(), store.InsertSecretParams{Secret: newSecret(uuid.New(), "x")})
	wantErrIs(t, "InsertSecret for an unknown owner", err, store.ErrNotFound)
}

func testSecretNoTargetsNeverClash(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner := newUser(t, s)
	for _, name := range []string{"a", "b", "c"} {
		insert(t, s, newSecret(owner.ID, name)) // EnvName and FilePath ""
	}
	for _, name := range []string{"a", "b", "c"} {
		got, err := s.GetSecret(ctx, owner.ID, name)
		if err != nil {
			t.Fatalf("GetSecret: %v", err)
		}
		if got.EnvName != "" || got.FilePath != "" {
			t.Errorf("got targets %q, %q, want none", got.EnvName, got.FilePath)
		}
	}
}

func testSecretUniqueness(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner, other := newUser(t, s), newUser(t, s)
	existing := newSecret(owner.ID, "existing")
	existing.EnvName, existing.FilePath, existing.Enabled = "EXISTING", "/etc/existing", true
	insert(t, s, existing)

	tests := []struct {
		name        string
		edit        func(sec *store.Secret)
		field       string // "" for success
		otherOwner  bool
		wantSecrets int
	}{
		{name: "same name", edit: func(sec *store.Secret) { sec.Name = "existing" }, field: "name"},
		{name: "same env", edit: func(sec *store.Secret) { sec.EnvName = "EXISTING" }, field: "env_name"},
		{name: "same file", edit: func(sec *store.Secret) { sec.FilePath = "/etc/existing" }, field: "file_path"},
		{name: "same name and env: name first", edit: func(sec *store.Secret) { sec.Name, sec.EnvName = "existing", "EXISTING" }, field: "name"},
		{name: "same env and file: env first", edit: func(sec *store.Secret) { sec.EnvName, sec.FilePath = "EXISTING", "/etc/existing" }, field: "env_name"},
		{name: "names differ in case", edit: func(sec *store.Secret) { sec.Name = "EXISTING" }},
		{name: "env differs in case", edit: func(sec *store.Secret) { sec.EnvName = "existing" }},
		{name: "another owner reuses everything", otherOwner: true, edit: func(sec *store.Secret) {
			sec.Name, sec.EnvName, sec.FilePath = "existing", "EXISTING", "/etc/existing"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := owner.ID
			if tt.otherOwner {
				o = other.ID
			}
			sec := newSecret(o, "new-"+uuid.NewString())
			tt.edit(&sec)
			sec.Enabled = sec.EnvName != "" || sec.FilePath != ""
			before := auditCount(t, s)
			_, err := s.InsertSecret(ctx, store.InsertSecretParams{Secret: sec})
			if tt.field == "" {
				if err != nil {
					t.Fatalf("InsertSecret: got %v, want success", err)
				}
				return
			}
			wantConflict(t, "InsertSecret", err, tt.field)
			if _, err := s.GetSecret(ctx, o, sec.Name); sec.Name != "existing" && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetSecret after a failed insert: got %v, want store.ErrNotFound", err)
			}
			if got := auditCount(t, s); got != before {
				t.Errorf("got %d audit entries after a failed insert, want %d", got, before)
			}
		})
	}
	got, err := SecretWithValue(ctx, s, owner.ID, "existing")
	if err != nil {
		t.Fatalf("GetSecretWithValue: %v", err)
	}
	if diff := cmp.Diff(withValue(existing), got); diff != "" {
		t.Errorf("existing secret changed (-want +got):\n%s", diff)
	}
}

func testSecretList(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner, other, empty := newUser(t, s), newUser(t, s), newUser(t, s)
	// Byte order: upper case before "_" before lower case before non-ASCII.
	names := []string{"b", "ä", "a", "_x", "Z", "B", "a b", "a.b"}
	want := []string{"B", "Z", "_x", "a", "a b", "a.b", "b", "ä"}
	secrets := map[string]store.Secret{}
	for i, name := range names {
		sec := newSecret(owner.ID, name)
		if i%2 == 0 {
			sec.EnvName = "ENV_" + string(rune('A'+i))
		}
		insert(t, s, sec)
		secrets[name] = sec
	}
	insert(t, s, newSecret(other.ID, "other"))

	list, err := s.ListSecrets(ctx, owner.ID)
	if err != nil {
		t.Fatalf("ListSecrets: %v", err)
	}
	var wantMeta, wantValues []store.Secret
	for _, name := range want {
		wantMeta = append(wantMeta, meta(secrets[name]))
		wantValues = append(wantValues, withValue(secrets[name]))
	}
	if diff := cmp.Diff(wantMeta, list); diff != "" {
		t.Errorf("ListSecrets mismatch (-want +got):\n%s", diff)
	}
	withValues, err := s.ListSecretsWithValues(ctx, owner.ID)
	if err != nil {
		t.Fatalf("ListSecretsWithValues: %v", err)
	}
	if diff := cmp.Diff(wantValues, withValues); diff != "" {
		t.Errorf("ListSecretsWithValues mismatch (-want +got):\n%s", diff)
	}

	for _, tt := range []struct {
		name string
		list func() ([]store.Secret, error)
	}{
		{"ListSecrets", func() ([]store.Secret, error) { return s.ListSecrets(ctx, empty.ID) }},
		{"ListSecretsWithValues", func() ([]store.Secret, error) { return s.ListSecretsWithValues(ctx, empty.ID) }},
		{"ListSecrets unknown user", func() ([]store.Secret, error) { return s.ListSecrets(ctx, uuid.New()) }},
	} {
		got, err := tt.list()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if len(got) != 0 {
			t.Errorf("%s of a user without secrets: got %d, want 0", tt.name, len(got))
		}
	}
}

func testSecretUpdate(t *testing.T, s store.Store) {
	later := base.Add(time.Hour + 1234*time.Nanosecond)
	tests := []struct {
		name       string
		start      func(sec *store.Secret)
		params     store.UpdateSecretParams
		want       func(sec *store.Secret) // applied to the stored secret
		wantFields []string
	}{
		{
			name:       "description",
			params:     store.UpdateSecretParams{Description: ptr("new words")},
			want:       func(sec *store.Secret) { sec.Description = "new words" },
			wantFields: []string{"description"},
		},
		{
			name:       "clear description",
			start:      func(sec *store.Secret) { sec.Description = "old words" },
			params:     store.UpdateSecretParams{Description: ptr("")},
			want:       func(sec *store.Secret) { sec.Description = "" },
			wantFields: []string{"description"},
		},
		{
			name:       "set env",
			params:     store.UpdateSecretParams{EnvName: ptr("NEW_ENV")},
			want:       func(sec *store.Secret) { sec.EnvName = "NEW_ENV" },
			wantFields: []string{"env_name"},
		},
		{
			name:       "clear env",
			start:      func(sec *store.Secret) { sec.EnvName = "OLD_ENV" },
			params:     store.UpdateSecretParams{EnvName: ptr("")},
			want:       func(sec *store.Secret) { sec.EnvName = "" },
			wantFields: []string{"env_name"},
		},
		{
			name:       "keep own env",
			start:      func(sec *store.Secret) { sec.EnvName = "OLD_ENV" },
			params:     store.UpdateSecretParams{EnvName: ptr("OLD_ENV")},
			want:       func(sec *store.Secret) {},
			wantFields: []string{"env_name"},
		},
		{
			name:       "set file",
			params:     store.UpdateSecretParams{FilePath: ptr("~/new")},
			want:       func(sec *store.Secret) { sec.FilePath = "~/new" },
			wantFields: []string{"file_path"},
		},
		{
			name:       "clear file",
			start:      func(sec *store.Secret) { sec.FilePath = "~/old" },
			params:     store.UpdateSecretParams{FilePath: ptr("")},
			want:       func(sec *store.Secret) { sec.FilePath = "" },
			wantFields: []string{"file_path"},
		},
		{
			name:   "value",
			params: store.UpdateSecretParams{Ciphertext: []byte("new ciphertext"), KeyID: "k2", ValueSize: 99},
			want: func(sec *store.Secret) {
				sec.Ciphertext, sec.KeyID, sec.ValueSize = []byte("new ciphertext"), "k2", 99
			},
			wantFields: []string{"value"},
		},
		{
			name:  "everything",
			start: func(sec *store.Secret) { sec.Description, sec.EnvName, sec.FilePath = "d", "E", "/f" },
			params: store.UpdateSecretParams{
				Description: ptr("d2"), EnvName: ptr("E2"), FilePath: ptr(""),
				Ciphertext: []byte("c2"), KeyID: "k2", ValueSize: 2,
			},
			want: func(sec *store.Secret) {
				sec.Description, sec.EnvName, sec.FilePath = "d2", "E2", ""
				sec.Ciphertext, sec.KeyID, sec.ValueSize = []byte("c2"), "k2", 2
			},
			wantFields: []string{"value", "description", "env_name", "file_path"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			owner := newUser(t, s)
			sec := newSecret(owner.ID, "s")
			if tt.start != nil {
				tt.start(&sec)
			}
			insert(t, s, sec)
			neighbour := newSecret(owner.ID, "neighbour")
			insert(t, s, neighbour)

			p := tt.params
			p.OwnerID, p.Name, p.Now, p.ActorID = owner.ID, "s", clockAt(later), owner.ID
			got, err := s.UpdateSecret(ctx, p)
			if err != nil {
				t.Fatalf("UpdateSecret: %v", err)
			}
			want := sec
			tt.want(&want)
			want.UpdatedAt = later
			if p.Ciphertext != nil {
				// A new value gets a new value token.
				if got.ValueRev == "" || got.ValueRev == sec.ValueRev {
					t.Errorf("value token after a value update: %q (was %q), want a new one", got.ValueRev, sec.ValueRev)
				}
				want.ValueRev = got.ValueRev
			}
			if diff := cmp.Diff(meta(want), got); diff != "" {
				t.Errorf("UpdateSecret result mismatch (-want +got):\n%s", diff)
			}
			stored, err := SecretWithValue(ctx, s, owner.ID, "s")
			if err != nil {
				t.Fatalf("GetSecretWithValue: %v", err)
			}
			if diff := cmp.Diff(withValue(want), stored); diff != "" {
				t.Errorf("stored secret mismatch (-want +got):\n%s", diff)
			}
			n, err := SecretWithValue(ctx, s, owner.ID, "neighbour")
			if err != nil {
				t.Fatalf("GetSecretWithValue(neighbour): %v", err)
			}
			if diff := cmp.Diff(withValue(neighbour), n); diff != "" {
				t.Errorf("neighbour changed (-want +got):\n%s", diff)
			}

			entries, err := AuditEntries(ctx, s, 1)
			if err != nil {
				t.Fatalf("ListAuditEntries: %v", err)
			}
			wantEntry := store.AuditEntry{
				Time: stored.UpdatedAt, ActorID: owner.ID, Action: store.AuditUpdate, ResourceType: "secret",
				ResourceID: sec.ID, OwnerID: owner.ID, ResourceName: "s", Fields: tt.wantFields,
			}
			if len(entries) != 1 {
				t.Fatalf("ListAuditEntries(1): got %d entries, want 1", len(entries))
			}
			entries[0].ID = uuid.Nil
			if diff := cmp.Diff(wantEntry, entries[0]); diff != "" {
				t.Errorf("audit entry mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func testSecretUpdateConflicts(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner, other := newUser(t, s), newUser(t, s)
	a := newSecret(owner.ID, "a")
	a.EnvName, a.FilePath, a.Enabled = "A", "/a", true
	b := newSecret(owner.ID, "b")
	b.EnvName, b.FilePath, b.Enabled = "B", "/b", true
	insert(t, s, a)
	insert(t, s, b)
	o := newSecret(other.ID, "o")
	insert(t, s, o)

	tests := []struct {
		name   string
		params store.UpdateSecretParams
		field  string
	}{
		{"env taken", store.UpdateSecretParams{EnvName: ptr("B")}, "env_name"},
		{"file taken", store.UpdateSecretParams{FilePath: ptr("/b")}, "file_path"},
		{"env taken with a new value", store.UpdateSecretParams{EnvName: ptr("B"), Ciphertext: []byte("x"), KeyID: "k1", ValueSize: 1}, "env_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := auditCount(t, s)
			p := tt.params
			p.OwnerID, p.Name = owner.ID, "a"
			_, err := s.UpdateSecret(ctx, p)
			wantConflict(t, "UpdateSecret", err, tt.field)
			got, err := SecretWithValue(ctx, s, owner.ID, "a")
			if err != nil {
				t.Fatalf("GetSecretWithValue: %v", err)
			}
			if diff := cmp.Diff(withValue(a), got); diff != "" {
				t.Errorf("secret changed by a failed update (-want +got):\n%s", diff)
			}
			if got := auditCount(t, s); got != before {
				t.Errorf("got %d audit entries after a failed update, want %d", got, before)
			}
		})
	}
	// Another owner's targets do not clash.
	if _, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: other.ID, Name: "o", EnvName: ptr("A"), FilePath: ptr("/a")}); err != nil {
		t.Errorf("UpdateSecret to another owner's targets: got %v, want success", err)
	}
}

func testSecretUpdateNotFound(t *testing.T, s store.Store) {
	owner := newUser(t, s)
	insert(t, s, newSecret(owner.ID, "exists"))
	for _, tt := range []struct {
		name  string
		owner uuid.UUID
		sname string
	}{
		{"unknown name", owner.ID, "missing"},
		{"unknown owner", uuid.New(), "exists"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.UpdateSecret(t.Context(), store.UpdateSecretParams{OwnerID: tt.owner, Name: tt.sname, Description: ptr("x")})
			wantErrIs(t, "UpdateSecret", err, store.ErrNotFound)
		})
	}
}

func testSecretUpdateNothing(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner := newUser(t, s)
	sec := newSecret(owner.ID, "s")
	insert(t, s, sec)
	before := auditCount(t, s)
	got, err := s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: owner.ID, Name: "s", Now: clockAt(base.Add(time.Hour))})
	if err != nil {
		t.Fatalf("UpdateSecret with no changes: %v", err)
	}
	if diff := cmp.Diff(meta(sec), got); diff != "" {
		t.Errorf("UpdateSecret with no changes mismatch (-want +got):\n%s", diff)
	}
	if got := auditCount(t, s); got != before {
		t.Errorf("got %d audit entries after an empty update, want %d", got, before)
	}
	_, err = s.UpdateSecret(ctx, store.UpdateSecretParams{OwnerID: owner.ID, Name: "missing"})
	wantErrIs(t, "empty UpdateSecret of an unknown name", err, store.ErrNotFound)
}

func testSecretDelete(t *testing.T, s store.Store) {
	ctx := t.Context()
	owner, other := newUser(t, s), newUser(t, s)
	sec := newSecret(owner.ID, "s")
	sec.EnvName, sec.FilePath = "S", "/s"
	insert(t, s, sec)
	insert(t, s, newSecret(owner.ID, "keep"))

	wantErrIs(t, "DeleteSecret by another owner", s.DeleteSecret(ctx, other.ID, "s", other.ID), store.ErrNotFound)
	if err := s.DeleteSecret(ctx, owner.ID, "s", owner.ID); err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	_, err := s.GetSecret(ctx, owner.ID, "s")
	wantErrIs(t, "GetSecret after delete", err, store.ErrNotFound)
	wantErrIs(t, "DeleteSecret again", s.DeleteSecret(ctx, owner.ID, "s", owner.ID), store.ErrNotFound)
	if _, err := s.GetSecret(ctx, owner.ID, "keep"); err != nil {
		t.Errorf("GetSecret of the other secret: %v", err)
	}
	// The name and targets are free again.
	again := newSecret(owner.ID, "s")
	again.EnvName, again.FilePath = "S", "/s"
	insert(t, s, again)
}
