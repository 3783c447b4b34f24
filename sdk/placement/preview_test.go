package placement_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/placement"
)

func TestPreview(t *testing.T) {
	secrets := []placement.PreviewSecret{
		{Name: "a", FilePath: "~/x", Enabled: true},
		{Name: "b", FilePath: "/home/u/x", Enabled: true},
		{Name: "c", EnvName: "path", Enabled: true},
		{Name: "d", EnvName: "D", Enabled: false},
		{Name: "e", EnvName: "E", Enabled: true, Templates: []string{"other"}},
		{Name: "f", EnvName: "F", Enabled: true, Templates: []string{"other", "mine"}},
		{Name: "g", FilePath: "~/", Enabled: true},
	}
	tenv := []sdk.EnvVar{{Name: "PATH", Source: "coder_agent"}, {Name: "PATH", Source: "coder_env"}, {Name: "F", Source: "coder_env"}}

	p := placement.Preview(placement.Policy{}, secrets, "mine", tenv, "/home/u", "linux", "")
	want := sdk.SecretPreview{
		Template: "mine", OS: "linux", Home: "/home/u",
		Env: []sdk.PreviewEnv{
			{Name: "F", Secret: "f", Overrides: []string{"coder_env"}},
			// Case-sensitive names on Linux: "path" is not PATH.
			{Name: "path", Secret: "c", Overrides: []string{}},
		},
		Files:         []sdk.PreviewFile{{Secret: "a", Path: "~/x", Resolved: "/home/u/x"}},
		Collisions:    []sdk.PreviewCollision{{Path: "/home/u/x", Kept: "a", Skipped: "b"}},
		Unplaceable:   []sdk.PreviewUnplaceable{{Secret: "g", Path: "~/", Error: `file path "~/" names a directory; it must name a file`}},
		Disabled:      []string{"d"},
		ScopedOut:     []sdk.PreviewScopedOut{{Secret: "e", Templates: []string{"other"}}},
		PolicyBlocked: []sdk.PreviewPolicyBlocked{},
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Fatalf("linux preview (-want +got):\n%s", diff)
	}

	// With file delivery off, file targets are listed as blocked and
	// neither placed nor in collisions; a secret with both targets keeps
	// its env.
	both := append(secrets[:0:0], secrets[:3]...)
	both = append(both, placement.PreviewSecret{Name: "h", EnvName: "H", FilePath: "~/h", Enabled: true})
	p = placement.Preview(placement.Policy{FileDeliveryDisabled: true}, both, "mine", nil, "/home/u", "linux", "")
	if len(p.Files) != 0 || len(p.Collisions) != 0 || len(p.Env) != 2 || p.Env[0].Name != "H" ||
		!cmp.Equal(p.PolicyBlocked, []sdk.PreviewPolicyBlocked{{Secret: "a", FilePath: "~/x"}, {Secret: "b", FilePath: "/home/u/x"}, {Secret: "h", FilePath: "~/h"}}) {
		t.Fatalf("preview with file delivery off: %+v", p)
	}

	// Home unknown: ~/x stays unresolved and cannot collide.
	p = placement.Preview(placement.Policy{}, secrets[:2], "mine", nil, "", "linux", "")
	wantFiles := []sdk.PreviewFile{{Secret: "a", Path: "~/x"}, {Secret: "b", Path: "/home/u/x", Resolved: "/home/u/x"}}
	if diff := cmp.Diff(wantFiles, p.Files); diff != "" || len(p.Collisions) != 0 {
		t.Fatalf("unknown home: collisions %v, files (-want +got):\n%s", p.Collisions, diff)
	}

	// Windows: names fold case, so "path" overrides PATH.
	p = placement.Preview(placement.Policy{}, secrets[2:3], "mine", tenv, `C:\Users\u`, "windows", "C:")
	if diff := cmp.Diff([]sdk.PreviewEnv{{Name: "path", Secret: "c", Overrides: []string{"coder_agent", "coder_env"}}}, p.Env); diff != "" {
		t.Fatalf("windows env (-want +got):\n%s", diff)
	}
}

// TestPreviewAgreesWithPlacement: for the same secrets, the preview's
// files and collisions are those PlanFiles gives the agent, and its env
// names are the ones BuildEnvFor sets from secrets.
func TestPreviewAgreesWithPlacement(t *testing.T) {
	ws := []sdk.WorkspaceSecret{
		{Name: "k1", EnvName: "K1", Value: "v1"},
		{Name: "z", FilePath: "/h/dup", Value: "v2"},
		{Name: "m", FilePath: "~/dup", Value: "v3"},
		{Name: "n", FilePath: "~/.cfg/n", Value: "v4"},
	}
	var ps []placement.PreviewSecret
	for _, s := range ws {
		ps = append(ps, placement.PreviewSecret{Name: s.Name, EnvName: s.EnvName, FilePath: s.FilePath, Enabled: true})
	}
	p := placement.Preview(placement.Policy{}, ps, "t", nil, "/h", "linux", "")
	plan := placement.PlanFiles(ws, "/h", "linux", "")
	if len(plan.Files) != len(p.Files) || len(plan.Warnings) != len(p.Collisions) {
		t.Fatalf("plan %+v, preview %+v", plan, p)
	}
	for i, f := range plan.Files {
		if p.Files[i].Secret != f.Secret || p.Files[i].Resolved != f.Resolved {
			t.Fatalf("file %d: plan %s at %s, preview %+v", i, f.Secret, f.Resolved, p.Files[i])
		}
	}
	for i, w := range plan.Warnings {
		if p.Collisions[i] != (sdk.PreviewCollision{Path: w.Path, Kept: w.Kept, Skipped: w.Skipped}) {
			t.Fatalf("collision %d: plan %+v, preview %+v", i, w, p.Collisions[i])
		}
	}
	env := placement.BuildEnvFor("linux", nil, nil, ws)
	if len(env) != len(p.Env) || env[0] != "K1=v1" || p.Env[0].Name != "K1" {
		t.Fatalf("env %q, preview %+v", env, p.Env)
	}
}
