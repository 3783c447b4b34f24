package tfmirror

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestDefaultVersions(t *testing.T) {
	t.Parallel()
	vs := DefaultVersions()
	if got, want := len(vs), (MaxMinor+1)*(MaxPatch+1); got != want {
		t.Errorf("count: got %d, want %d", got, want)
	}
	for _, v := range []string{"2.0.0", "2.4.2", "2.13.1", "2.17.0", "2.18.0", "2.29.9"} {
		if !slices.Contains(vs, v) {
			t.Errorf("got no %s, want it advertised", v)
		}
	}
	for _, v := range vs {
		if !validVersion(v) || !strings.HasPrefix(v, "2.") {
			t.Errorf("got version %q, want 2.Y.Z", v)
		}
	}
}

func TestSetup(t *testing.T) {
	t.Parallel()
	exe := filepath.Join(t.TempDir(), "coder")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "tf")
	m, err := Setup(Options{Dir: dir, Executable: exe, Versions: []string{"2.0.0", "2.5.1"}})
	if err != nil {
		t.Fatalf("Setup: got error %v, want none", err)
	}
	platform := runtime.GOOS + "_" + runtime.GOARCH
	for _, host := range []string{"registry.terraform.io", "registry.opentofu.org"} {
		for _, v := range []string{"2.0.0", "2.5.1"} {
			link := filepath.Join(dir, "providers", host, "coder", "coder", v, platform, "terraform-provider-coder_v"+v)
			target, err := os.Readlink(link)
			if err != nil {
				t.Errorf("%s: got error %v, want a symlink", link, err)
				continue
			}
			if target != exe {
				t.Errorf("%s: got target %q, want %q", link, target, exe)
			}
		}
	}
	if got, want := m.PluginDir, filepath.Join(dir, "providers"); got != want {
		t.Errorf("PluginDir: got %q, want %q", got, want)
	}

	cfg, err := os.ReadFile(m.ConfigFile)
	if err != nil {
		t.Fatalf("read CLI config: %v", err)
	}
	addrs := `["registry.terraform.io/coder/coder", "registry.opentofu.org/coder/coder"]`
	for _, want := range []string{
		"disable_checkpoint = true",
		"filesystem_mirror {\n    path    = \"" + m.PluginDir + "\"\n    include = " + addrs,
		"direct {\n    exclude = " + addrs,
	} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("CLI config: got\n%s\nwant it to contain %q", cfg, want)
		}
	}

	env := m.Env()
	for _, want := range []string{"TF_CLI_CONFIG_FILE=" + m.ConfigFile, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0"} {
		if !slices.Contains(env, want) {
			t.Errorf("Env: got %q, want it to contain %q", env, want)
		}
	}

	// A second Setup with other versions and another executable relinks
	// and drops what is no longer advertised.
	exe2 := filepath.Join(t.TempDir(), "coder2")
	if err := os.WriteFile(exe2, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Setup(Options{Dir: dir, Executable: exe2, Versions: []string{"2.5.1"}, NoDirect: true}); err != nil {
		t.Fatalf("second Setup: got error %v, want none", err)
	}
	typeDir := filepath.Join(dir, "providers", "registry.terraform.io", "coder", "coder")
	entries, err := os.ReadDir(typeDir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"2.5.1"}) {
		t.Errorf("versions after second Setup: got %q, want [2.5.1]", names)
	}
	target, err := os.Readlink(filepath.Join(typeDir, "2.5.1", platform, "terraform-provider-coder_v2.5.1"))
	if err != nil || target != exe2 {
		t.Errorf("link after second Setup: got %q (%v), want %q", target, err, exe2)
	}
	cfg, err = os.ReadFile(m.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(cfg), "direct") {
		t.Errorf("CLI config with NoDirect: got\n%s\nwant no direct block", cfg)
	}
}

func TestSetupErrors(t *testing.T) {
	t.Parallel()
	exe := filepath.Join(t.TempDir(), "coder")
	if err := os.WriteFile(exe, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts Options
	}{
		{"no dir", Options{Executable: exe}},
		{"no executable", Options{Dir: t.TempDir()}},
		{"missing executable", Options{Dir: t.TempDir(), Executable: exe + "-missing"}},
		{"directory as executable", Options{Dir: t.TempDir(), Executable: t.TempDir()}},
		{"bad version", Options{Dir: t.TempDir(), Executable: exe, Versions: []string{"v2.0.0"}}},
		{"leading zero", Options{Dir: t.TempDir(), Executable: exe, Versions: []string{"2.01.0"}}},
		{"no versions", Options{Dir: t.TempDir(), Executable: exe, Versions: []string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := Setup(tt.opts); err == nil {
				t.Errorf("got no error, want one")
			}
		})
	}
}

func TestHCLString(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`/var/lib/coder`, `"/var/lib/coder"`},
		{`/a "b"\c`, `"/a \"b\"\\c"`},
		{`/x/${y}/%{z}`, `"/x/$${y}/%%{z}"`},
	}
	for _, tt := range tests {
		if got := hclString(tt.in); got != tt.want {
			t.Errorf("hclString(%q): got %s, want %s", tt.in, got, tt.want)
		}
	}
}
