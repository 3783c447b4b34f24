package storetest

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

var parameterTests = []test{
	{"VersionPlan", testVersionPlan},
	{"BuildParameters", testBuildParameters},
}

func testVersionPlan(t *testing.T, s store.Store) {
	ctx := t.Context()
	u := newUser(t, s)
	ws := s.(store.WorkspaceStore)

	bare := newVersion(u.ID, 0)
	_, bare = push(t, s, "planless", bare)
	if _, err := ws.GetVersionPlan(ctx, bare.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetVersionPlan of a version without one: got %v, want ErrNotFound", err)
	}
	if _, err := ws.GetVersionPlan(ctx, uuid.New()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetVersionPlan of an unknown version: got %v, want ErrNotFound", err)
	}

	v := newVersion(u.ID, 1)
	plan := store.VersionPlan{Info: []byte(`{"planned":true}`), VariablesCiphertext: []byte("sealed\x00\xff"), VariablesKeyID: "k1", Message: "hello"}
	v.Plan = &plan
	push(t, s, "planned", v)
	plan.VersionID = v.ID
	got, err := ws.GetVersionPlan(ctx, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(plan, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
		t.Errorf("plan mismatch (-want +got):\n%s", diff)
	}

	// Without variables, no ciphertext.
	v2 := newVersion(u.ID, 2)
	v2.Plan = &store.VersionPlan{Info: []byte(`{}`)}
	push(t, s, "planned", v2)
	got, err = ws.GetVersionPlan(ctx, v2.ID)
	if err != nil || got.VariablesCiphertext != nil || got.VariablesKeyID != "" || string(got.Info) != `{}` {
		t.Errorf("plan without variables: got %+v, %v", got, err)
	}

	// Key rotation: counts, listing and a guarded swap.
	ids, err := ws.VariablesKeyIDs(ctx)
	if err != nil || len(ids) != 1 || ids["k1"] != 1 {
		t.Errorf("VariablesKeyIDs: got %v, %v, want k1: 1 (a plan without variables has no key)", ids, err)
	}
	list, err := ws.ListVersionPlansByVariablesKeyID(ctx, "k1", 10)
	if err != nil || len(list) != 1 || list[0].VersionID != v.ID || string(list[0].VariablesCiphertext) != "sealed\x00\xff" {
		t.Errorf("ListVersionPlansByVariablesKeyID: got %+v, %v", list, err)
	}
	if err := ws.ReplaceVersionVariables(ctx, v.ID, "k0", []byte("x"), "k2"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("replace under the wrong old key: got %v, want ErrConflict", err)
	}
	if err := ws.ReplaceVersionVariables(ctx, uuid.New(), "k1", []byte("x"), "k2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("replace of an unknown plan: got %v, want ErrNotFound", err)
	}
	if err := ws.ReplaceVersionVariables(ctx, v.ID, "k1", []byte("resealed"), "k2"); err != nil {
		t.Fatal(err)
	}
	if got, err := ws.GetVersionPlan(ctx, v.ID); err != nil || string(got.VariablesCiphertext) != "resealed" || got.VariablesKeyID != "k2" || got.Message != "hello" {
		t.Errorf("after replace: got %+v, %v", got, err)
	}
}

func testBuildParameters(t *testing.T, s store.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	ws := s.(store.WorkspaceStore)

	w, first := f.newWorkspace("params", 0)
	first.Parameters = &store.BuildParameters{Values: []byte(`[{"name":"a","value":"1"}]`), Previous: []byte(`[]`)}
	gw, gb, err := ws.InsertWorkspace(ctx, w, first)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ws.GetBuildParameters(ctx, gb.ID)
	if err != nil || string(got.Values) != `[{"name":"a","value":"1"}]` || string(got.Previous) != `[]` {
		t.Errorf("first build's parameters: got %q %q, %v", got.Values, got.Previous, err)
	}
	finish(t, s, gb.ID, sdk.BuildSucceeded, nil, "", nil)

	// A build without parameters reads empty; an unknown build is not found.
	b := f.newBuildFor(gw.ID, sdk.TransitionStop, 1)
	b, err = ws.InsertBuild(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ws.GetBuildParameters(ctx, b.ID); err != nil || got.Values != nil || got.Previous != nil {
		t.Errorf("build without parameters: got %+v, %v, want empty", got, err)
	}
	finish(t, s, b.ID, sdk.BuildSucceeded, nil, "", nil)
	if _, err := ws.GetBuildParameters(ctx, uuid.New()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown build: got %v, want ErrNotFound", err)
	}

	b2 := f.newBuildFor(gw.ID, sdk.TransitionStart, 2)
	b2.Parameters = &store.BuildParameters{Values: []byte(`[{"name":"a","value":"2"}]`), Previous: []byte(`[{"name":"a","value":"1"}]`)}
	if b2, err = ws.InsertBuild(ctx, b2); err != nil {
		t.Fatal(err)
	}
	if got, err := ws.GetBuildParameters(ctx, b2.ID); err != nil || string(got.Previous) != `[{"name":"a","value":"1"}]` {
		t.Errorf("second start's parameters: got %+v, %v", got, err)
	}
	// A refused build (one in progress) records nothing.
	b3 := f.newBuildFor(gw.ID, sdk.TransitionStart, 3)
	b3.Parameters = &store.BuildParameters{Values: []byte(`[]`), Previous: []byte(`[]`)}
	if _, err := ws.InsertBuild(ctx, b3); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("build while one is pending: got %v, want ErrConflict", err)
	}
	if _, err := ws.GetBuildParameters(ctx, b3.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("refused build's parameters: got %v, want ErrNotFound", err)
	}
}
