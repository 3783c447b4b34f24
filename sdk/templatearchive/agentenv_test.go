package templatearchive_test

import (
	"path"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/templatearchive"
)

func TestAgentEnv(t *testing.T) {
	a, err := templatearchive.Pack(path.Join("..", "..", "examples", "templates", "local"))
	if err != nil {
		t.Fatal(err)
	}
	env, goos, err := templatearchive.AgentEnv(a)
	if err != nil {
		t.Fatal(err)
	}
	want := []sdk.EnvVar{
		{Name: "WORKSPACE_KIND", MergeStrategy: sdk.MergeReplace, Source: "coder_agent"},
		{Name: "GREETING", MergeStrategy: sdk.MergeReplace, Source: "coder_env"},
	}
	if diff := cmp.Diff(want, env); diff != "" || goos != "linux" {
		t.Fatalf("local template: os %q, env (-want +got):\n%s", goos, diff)
	}

	src := `resource "coder_agent" "b" {
  os = "windows"
  env = { "B1" = "x", B2 = var.v, (var.k) = "y" }
}
resource "coder_agent" "a" {
  env = { A = "1" }
}
resource "coder_env" "z" {
  agent_id       = coder_agent.a.id
  name           = "PATH"
  value          = "/opt/bin"
  merge_strategy = "prepend"
}
resource "coder_env" "other" {
  agent_id = coder_agent.b.id
  name     = "ONLY_B"
  value    = "x"
}
resource "coder_env" "counted" {
  count    = 1
  agent_id = coder_agent.a.id
  name     = "COUNTED"
  value    = "x"
}
resource "coder_env" "expr" {
  agent_id = coder_agent.a.id
  name     = var.name
  value    = "x"
}
`
	env, goos, err = templatearchive.AgentEnv(tarFiles(t, [2]string{"main.tf", src}))
	if err != nil {
		t.Fatal(err)
	}
	want = []sdk.EnvVar{
		{Name: "A", MergeStrategy: sdk.MergeReplace, Source: "coder_agent"},
		{Name: "PATH", MergeStrategy: sdk.MergePrepend, Source: "coder_env"},
	}
	if diff := cmp.Diff(want, env); diff != "" || goos != "linux" {
		t.Fatalf("first agent by name: os %q, env (-want +got):\n%s", goos, diff)
	}
	if _, _, err := templatearchive.AgentEnv(tarFiles(t, [2]string{"main.tf", "resource {"})); err == nil {
		t.Fatal("a file that does not parse: no error")
	}
}

// FuzzAgentEnv checks the static template env reader never panics and
// returns only named entries from a known source.
func FuzzAgentEnv(f *testing.F) {
	for _, s := range archiveSeeds(f) {
		f.Add(s)
	}
	f.Add(tarFiles(f, [2]string{"main.tf", "resource \"coder_agent\" \"a\" {\n  env = { A = \"1\" }\n}\nresource \"coder_env\" \"e\" {\n  agent_id = coder_agent.a.id\n  name = \"E\"\n}\n"}))
	f.Add(tarFiles(f, [2]string{"main.tf.json", `{"resource":{"coder_agent":{"a":{"env":{"A":"1"}}},"coder_env":{"e":{"agent_id":"${coder_agent.a.id}","name":"E"}}}}`}))
	f.Fuzz(func(t *testing.T, archive []byte) {
		env, goos, err := templatearchive.AgentEnv(archive)
		if err != nil {
			return
		}
		if goos == "" {
			t.Fatal("empty os")
		}
		for _, e := range env {
			if e.Name == "" || (e.Source != "coder_agent" && e.Source != "coder_env") || e.Value != "" {
				t.Fatalf("bad entry %+v", e)
			}
		}
	})
}
