package templatearchive_test

import (
	"archive/tar"
	"path"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk/templatearchive"
)

// archiveSeeds are archives for FuzzRead: valid ones, and each kind the
// reader refuses.
func archiveSeeds(t testing.TB) [][]byte {
	reg := func(name string) tar.Header { return tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644} }
	dir := func(name string) tar.Header { return tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755} }
	seeds := [][]byte{
		tarFiles(t, [2]string{"main.tf", "data \"coder_secret\" \"k\" {\n  env = \"K\"\n  help_message = \"h\"\n}\n"}),
		tarFiles(t, [2]string{"main.tf.json", `{"data":{"coder_secret":{"k":{"env":"K","help_message":"h"}}}}`}),
		tarOf(t, dir("m/"), reg("m/a.tf"), reg("main.tf")),
		tarOf(t, reg("x"), reg("x/y")),
		tarOf(t, reg("../x")),
		tarOf(t, reg("/etc/passwd")),
		tarOf(t, reg("a/./b"), reg("a//c")),
		tarOf(t, tar.Header{Typeflag: tar.TypeSymlink, Name: "l", Linkname: "/"}),
		[]byte("not a tar"),
		{},
	}
	for _, d := range []string{"local", "docker"} {
		if a, err := templatearchive.Pack(path.Join("..", "..", "examples", "templates", d)); err == nil {
			seeds = append(seeds, a)
		}
	}
	return seeds
}

// FuzzRead checks the archive reader: it never panics, and whatever it
// accepts is safe to extract: clean relative names inside the folder, no
// name both a file and a folder, within the limits.
func FuzzRead(f *testing.F) {
	for _, s := range archiveSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, archive []byte) {
		files, dirs, err := templatearchive.Read(archive)
		if err != nil {
			return
		}
		if len(files) == 0 || len(files) > templatearchive.MaxFiles {
			t.Fatalf("accepted %d files", len(files))
		}
		isFile := map[string]bool{}
		var total int
		for _, fl := range files {
			total += len(fl.Data)
			isFile[fl.Name] = true
		}
		if total > templatearchive.MaxTotalBytes {
			t.Fatalf("accepted %d bytes", total)
		}
		for _, name := range append(dirs, names(files)...) {
			if name == "" || strings.HasPrefix(name, "/") || path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../") || strings.Contains(name, `\`) {
				t.Fatalf("accepted the name %q", name)
			}
			for p := path.Dir(name); p != "."; p = path.Dir(p) {
				if isFile[p] {
					t.Fatalf("accepted %q inside the file %q", name, p)
				}
			}
		}
		for _, d := range dirs {
			if isFile[d] {
				t.Fatalf("accepted %q as a file and a folder", d)
			}
		}
	})
}

func names(files []templatearchive.File) []string {
	out := make([]string, 0, len(files))
	for _, f := range files {
		out = append(out, f.Name)
	}
	return out
}

// FuzzRequirements feeds the requirement scanner a root module file, as
// native syntax and as JSON. It must never crash (a stack overflow kills
// the process, and the fuzzer reports it), and what it finds must be
// well formed.
func FuzzRequirements(f *testing.F) {
	seeds := []string{
		"data \"coder_secret\" \"k\" {\n  env = \"K\"\n  help_message = \"h\"\n}\n",
		"data \"coder_secret\" \"f\" {\n  file = \"~/.ssh/id\"\n  help_message = <<EOT\nadd ${x} %{if a}b%{endif}\nEOT\n}\n",
		"data \"coder_secret\" \"c\" {\n  count = 0\n  env = \"C\"\n  help_message = \"h\"\n}\n",
		"x = [[[[1]]]]\ny = {a = {b = (1 + 2) * -3}}\nz = true ? !false : x[0][1]\n",
		`{"data":{"coder_secret":{"k":{"env":"K","help_message":"${upper(\"h\")}"}}}}`,
		`[[[[[]]]]]`,
		strings.Repeat("[", 600),
		strings.Repeat(`"${`, 300),
		"/* unclosed",
		"# comment\n// comment\n",
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, src string, asJSON bool) {
		name := "main.tf"
		if asJSON {
			name = "main.tf.json"
		}
		reqs, err := templatearchive.Requirements(tarFiles(t, [2]string{name, src}))
		if err != nil {
			return
		}
		for i, r := range reqs {
			if (r.EnvName == "") == (r.FilePath == "") {
				t.Fatalf("requirement %d has env %q and file %q: want exactly one", i, r.EnvName, r.FilePath)
			}
		}
	})
}
