package templatearchive_test

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/templatearchive"
)

func tarOf(t testing.TB, entries ...tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range entries {
		h := h
		data := []byte("x")
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(data))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadRefusesEscapes(t *testing.T) {
	cases := []struct {
		name  string
		entry tar.Header
		want  string
	}{
		{"absolute", tar.Header{Typeflag: tar.TypeReg, Name: "/etc/passwd", Mode: 0o644}, "absolute path"},
		{"dotdot", tar.Header{Typeflag: tar.TypeReg, Name: "../evil.tf", Mode: 0o644}, "escapes"},
		{"nested dotdot", tar.Header{Typeflag: tar.TypeReg, Name: "a/../../evil.tf", Mode: 0o644}, "escapes"},
		{"symlink", tar.Header{Typeflag: tar.TypeSymlink, Name: "link", Linkname: "/etc/passwd"}, "links and devices"},
		{"hardlink", tar.Header{Typeflag: tar.TypeLink, Name: "link", Linkname: "main.tf"}, "links and devices"},
		{"device", tar.Header{Typeflag: tar.TypeChar, Name: "dev"}, "links and devices"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			archive := tarOf(t, tar.Header{Typeflag: tar.TypeReg, Name: "main.tf", Mode: 0o644}, tc.entry)
			_, _, err := templatearchive.Read(archive)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
			dir := t.TempDir()
			if err := templatearchive.Extract(archive, dir); err == nil {
				t.Fatal("Extract accepted the archive")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("Extract wrote %d entries before refusing", len(entries))
			}
		})
	}
	if _, _, err := templatearchive.Read([]byte("not a tar")); err == nil {
		t.Fatal("Read accepted garbage")
	}
}

func TestPackExtractRoundTrip(t *testing.T) {
	src := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(src, "main.tf"), []byte(`data "coder_secret" "k" {
  env          = "API_KEY"
  help_message = "Create your API key."
}
data "coder_secret" "f" {
  file         = "~/.ssh/id_ed25519"
  help_message = "Add your SSH key."
}
data "coder_secret" "maybe" {
  count        = 0
  env          = "OPTIONAL"
  help_message = "x"
}
data "coder_secret" "computed" {
  env          = var.name
  help_message = "x"
}
data "coder_workspace" "me" {}
`), 0o644))
	must(os.MkdirAll(filepath.Join(src, "modules", "m"), 0o755))
	must(os.WriteFile(filepath.Join(src, "modules", "m", "x.tf"), []byte(`data "coder_secret" "inner" {
  env = "INNER"
  help_message = "ignored: not the root module"
}`), 0o644))
	must(os.MkdirAll(filepath.Join(src, ".terraform"), 0o755))
	must(os.WriteFile(filepath.Join(src, ".terraform", "junk"), []byte("x"), 0o644))
	must(os.WriteFile(filepath.Join(src, "terraform.tfstate"), []byte("{}"), 0o644))
	archive, err := templatearchive.Pack(src)
	must(err)
	files, _, err := templatearchive.Read(archive)
	must(err)
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if diff := cmp.Diff([]string{"main.tf", "modules/m/x.tf"}, names); diff != "" {
		t.Fatalf("packed files (-want +got):\n%s", diff)
	}
	reqs, err := templatearchive.Requirements(archive)
	must(err)
	want := []sdk.SecretRequirement{
		{FilePath: "~/.ssh/id_ed25519", HelpMessage: "Add your SSH key."},
		{EnvName: "API_KEY", HelpMessage: "Create your API key."},
	}
	if diff := cmp.Diff(want, reqs); diff != "" {
		t.Fatalf("requirements (-want +got):\n%s", diff)
	}
	dst := t.TempDir()
	must(templatearchive.Extract(archive, dst))
	if b, err := os.ReadFile(filepath.Join(dst, "modules", "m", "x.tf")); err != nil || !strings.Contains(string(b), "INNER") {
		t.Fatalf("extracted file: %v", err)
	}
	// Symlinks in a folder are refused at pack time.
	must(os.Symlink("/etc/passwd", filepath.Join(src, "link")))
	if _, err := templatearchive.Pack(src); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Pack with a symlink: got %v", err)
	}
}
