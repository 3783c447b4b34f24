package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

var templateTests = []test{
	{"InsertAndGet", testTemplateInsertAndGet},
	{"ListSortedByName", testTemplateList},
	{"NotFound", testTemplateNotFound},
	{"ConcurrentPushes", testTemplateConcurrentPushes},
}

// newVersion returns a template version pushed by by at base + offset.
func newVersion(by uuid.UUID, offset time.Duration) store.TemplateVersion {
	id := uuid.New()
	return store.TemplateVersion{
		ID:           id,
		Archive:      []byte("tar of " + id.String() + "\x00\xff"),
		Requirements: []byte(`[{"env":"TOKEN"}]`),
		CreatedBy:    by,
		CreatedAt:    base.Add(offset),
	}
}

// push stores v as a new version of the template name.
func push(t *testing.T, s store.Store, name string, v store.TemplateVersion) (store.Template, store.TemplateVersion) {
	t.Helper()
	tmpl, got, err := s.InsertTemplateVersion(t.Context(), name, v)
	if err != nil {
		t.Fatalf("InsertTemplateVersion(%q): %v", name, err)
	}
	return tmpl, got
}

func testTemplateInsertAndGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	alice, bob := newUser(t, s), newUser(t, s)

	v1 := newVersion(alice.ID, 0)
	tmpl, got1 := push(t, s, "docker", v1)
	want1 := v1
	want1.TemplateID, want1.Number, want1.CreatedAt = tmpl.ID, 1, stored(v1.CreatedAt)
	if diff := cmp.Diff(want1, got1); diff != "" {
		t.Errorf("first version mismatch (-want +got):\n%s", diff)
	}
	wantT := store.Template{
		ID: tmpl.ID, Name: "docker", ActiveVersionID: v1.ID, CreatedBy: alice.ID,
		CreatedAt: stored(v1.CreatedAt), UpdatedAt: stored(v1.CreatedAt),
	}
	if diff := cmp.Diff(wantT, tmpl); diff != "" {
		t.Errorf("new template mismatch (-want +got):\n%s", diff)
	}
	if tmpl.ID == uuid.Nil {
		t.Errorf("got template id %v, want one set by the store", tmpl.ID)
	}

	// A second push, by someone else, is version 2 of the same template
	// and becomes the active one; the template keeps its creator.
	v2 := newVersion(bob.ID, time.Hour)
	tmpl2, got2 := push(t, s, "docker", v2)
	if got2.Number != 2 || got2.TemplateID != tmpl.ID {
		t.Errorf("second version: got number %d of template %v, want 2 of %v", got2.Number, got2.TemplateID, tmpl.ID)
	}
	wantT.ActiveVersionID, wantT.UpdatedAt = v2.ID, stored(v2.CreatedAt)
	if diff := cmp.Diff(wantT, tmpl2); diff != "" {
		t.Errorf("template after the second push mismatch (-want +got):\n%s", diff)
	}

	byName, err := s.GetTemplateByName(ctx, "docker")
	if err != nil {
		t.Fatalf("GetTemplateByName: %v", err)
	}
	if diff := cmp.Diff(wantT, byName); diff != "" {
		t.Errorf("GetTemplateByName mismatch (-want +got):\n%s", diff)
	}
	byID, err := s.GetTemplateByID(ctx, tmpl.ID)
	if err != nil {
		t.Fatalf("GetTemplateByID: %v", err)
	}
	if diff := cmp.Diff(wantT, byID); diff != "" {
		t.Errorf("GetTemplateByID mismatch (-want +got):\n%s", diff)
	}
	for _, want := range []store.TemplateVersion{got1, got2} {
		got, err := s.GetTemplateVersion(ctx, want.ID)
		if err != nil {
			t.Fatalf("GetTemplateVersion: %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetTemplateVersion(%d) mismatch (-want +got):\n%s", want.Number, diff)
		}
		if got.CreatedAt.Location() != time.UTC {
			t.Errorf("got CreatedAt in %v, want UTC", got.CreatedAt.Location())
		}
	}

	// Another name is another template, numbered from 1.
	other, v := push(t, s, "kubernetes", newVersion(alice.ID, 0))
	if other.ID == tmpl.ID || v.Number != 1 {
		t.Errorf("another name: got template %v version %d, want a new template at version 1", other.ID, v.Number)
	}
}

func testTemplateList(t *testing.T, s store.Store) {
	u := newUser(t, s)
	got, err := s.ListTemplates(t.Context())
	if err != nil {
		t.Fatalf("ListTemplates: %v", err)
	}
	if len(got) != 0 {
		t.Errorf("ListTemplates of an empty store: got %d, want none", len(got))
	}
	for _, name := range []string{"b", "a", "B", "a-b"} {
		push(t, s, name, newVersion(u.ID, 0))
	}
	push(t, s, "a", newVersion(u.ID, time.Minute))
	got, err = s.ListTemplates(t.Context())
	if err != nil {
		t.Fatalf("ListTemplates: %v", err)
	}
	var names []string
	for _, tmpl := range got {
		names = append(names, tmpl.Name)
	}
	if diff := cmp.Diff([]string{"B", "a", "a-b", "b"}, names); diff != "" {
		t.Errorf("ListTemplates names (byte order) mismatch (-want +got):\n%s", diff)
	}
}

func testTemplateNotFound(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	push(t, s, "Docker", newVersion(u.ID, 0))
	_, err := s.GetTemplateByName(ctx, "docker")
	wantErrIs(t, "GetTemplateByName in another case", err, store.ErrNotFound)
	_, err = s.GetTemplateByID(ctx, uuid.New())
	wantErrIs(t, "GetTemplateByID", err, store.ErrNotFound)
	_, err = s.GetTemplateVersion(ctx, uuid.New())
	wantErrIs(t, "GetTemplateVersion", err, store.ErrNotFound)
}

// testTemplateConcurrentPushes pushes one new name from many goroutines at
// once: one template, and every version a distinct number.
func testTemplateConcurrentPushes(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	const goroutines, each = 8, 3
	var (
		wg     sync.WaitGroup
		start  = make(chan struct{})
		mu     sync.Mutex
		tmpls  = map[uuid.UUID]bool{}
		nums   = map[int]uuid.UUID{}
		errors []error
	)
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range each {
				tmpl, v, err := s.InsertTemplateVersion(ctx, "shared", newVersion(u.ID, 0))
				mu.Lock()
				if err != nil {
					errors = append(errors, err)
				} else {
					tmpls[tmpl.ID] = true
					if prev, dup := nums[v.Number]; dup {
						errors = append(errors, fmt.Errorf("versions %v and %v both got number %d", prev, v.ID, v.Number))
					}
					nums[v.Number] = v.ID
				}
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errors {
		t.Errorf("concurrent InsertTemplateVersion: %v", err)
	}
	if len(tmpls) != 1 {
		t.Errorf("got %d templates named %q, want 1", len(tmpls), "shared")
	}
	for n := 1; n <= goroutines*each; n++ {
		if _, ok := nums[n]; !ok {
			t.Errorf("no version got number %d, want 1..%d each once", n, goroutines*each)
		}
	}
	list, err := s.ListTemplates(ctx)
	if err != nil {
		t.Fatalf("ListTemplates: %v", err)
	}
	if len(list) != 1 {
		t.Fatalf("ListTemplates: got %d templates, want 1", len(list))
	}
	if want := nums[goroutines*each]; list[0].ActiveVersionID != want {
		t.Errorf("got active version %v, want the last numbered one %v", list[0].ActiveVersionID, want)
	}
}
