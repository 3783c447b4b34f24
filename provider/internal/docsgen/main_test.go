package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The repository root, from this package's directory.
const root = "../../.."

// TestDocsUpToDate fails when docs/ differs from what the generator writes,
// so that CI catches a schema or example change without regenerated docs.
func TestDocsUpToDate(t *testing.T) {
	t.Parallel()
	files, err := generate(filepath.Join(root, "examples"))
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	// Generate into a temporary directory, as `make generate` would into
	// docs/, and compare the trees.
	tmp := t.TempDir()
	if err := write(tmp, files); err != nil {
		t.Fatalf("write: %v", err)
	}
	want := readGenerated(t, tmp)
	got := readGenerated(t, filepath.Join(root, "docs"))
	var stale []string
	for name := range want {
		if diff := cmp.Diff(want[name], got[name]); diff != "" {
			stale = append(stale, name)
			t.Errorf("docs/%s is out of date (-generated +committed):\n%s", name, diff)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			stale = append(stale, name)
			t.Errorf("docs/%s: got a file the generator does not write, want none", name)
		}
	}
	if len(stale) > 0 {
		sort.Strings(stale)
		t.Logf("regenerate with `go run ./provider/internal/docsgen` (make generate); stale: %s", strings.Join(stale, ", "))
	}
}

// readGenerated reads the files the generator owns under dir.
func readGenerated(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	names := []string{"index.md"}
	for _, sub := range ownedDirs {
		m, err := filepath.Glob(filepath.Join(dir, sub, "*.md"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m {
			names = append(names, sub+"/"+filepath.Base(f))
		}
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n)))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out[n] = string(b)
	}
	return out
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	files, err := generate(filepath.Join(root, "examples"))
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	want := []string{
		"data-sources/external_auth.md", "data-sources/parameter.md", "data-sources/provisioner.md",
		"data-sources/script_order.md", "data-sources/secret.md", "data-sources/task.md",
		"data-sources/workspace.md", "data-sources/workspace_owner.md", "data-sources/workspace_preset.md",
		"data-sources/workspace_tags.md", "index.md",
		"resources/agent.md", "resources/agent_instance.md", "resources/ai_task.md", "resources/app.md",
		"resources/devcontainer.md", "resources/env.md", "resources/external_agent.md", "resources/metadata.md",
		"resources/script.md",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("files (-want +got):\n%s", diff)
	}
	agent := string(files["resources/agent.md"])
	for _, s := range []string{
		"# coder_agent (Resource)",
		"```terraform\n",
		"- `os` (String) ",
		"- `token` (String, Sensitive) ",
		"- `metadata` (Block List) ",
		`<a id="nestedblock--metadata"></a>`,
		`<a id="nestedblock--resources_monitoring--memory"></a>`,
		"### Nested Schema for `resources_monitoring.volume`",
	} {
		if !strings.Contains(agent, s) {
			t.Errorf("resources/agent.md: got no %q, want it", s)
		}
	}
	// A second run gives the same bytes.
	again, err := generate(filepath.Join(root, "examples"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(files, again); diff != "" {
		t.Errorf("second run differs (-first +second):\n%s", diff)
	}
}

func TestWriteRemovesStaleDocs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stale := filepath.Join(dir, "resources", "gone.md")
	keep := filepath.Join(dir, "guide.md")
	for _, f := range []string{stale, keep} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := write(dir, map[string][]byte{"resources/agent.md": []byte("a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale doc: got stat error %v, want it removed", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("docs/guide.md: got %v, want it kept (not the generator's)", err)
	}
}
