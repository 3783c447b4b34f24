package templatearchive_test

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk/templatearchive"
)

// tarFiles makes an archive of regular files, name → contents.
func tarFiles(t testing.TB, files ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: f[0], Mode: 0o644, Size: int64(len(f[1]))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }

// attrs makes n lines "a<i><rest>".
func attrs(n int, rest string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "  a%d%s", i, rest)
	}
	return b.String()
}

// TestRequirementsRefusesDeepNesting feeds Requirements files that nest far
// deeper than any template: before the check, each one exhausted the stack
// of the HCL or JSON parser (or of expression evaluation), which kills the
// whole process. Each must now be a clear error, and nothing may crash.
func TestRequirementsRefusesDeepNesting(t *testing.T) {
	const deep = 100_000
	secret := func(expr string) string {
		return "data \"coder_secret\" \"x\" {\n  env = " + expr + "\n  help_message = \"h\"\n}\n"
	}
	cases := []struct {
		name, file, data, want string
	}{
		{"brackets", "main.tf", "x = " + repeat("[", deep) + repeat("]", deep) + "\n", "nest deeper than"},
		{"unclosed brackets", "main.tf", "x = " + repeat("[", deep) + "\n", "nest deeper than"},
		{"braces", "main.tf", "x = " + repeat("{a=", deep) + "1" + repeat("}", deep) + "\n", "nest deeper than"},
		{"parentheses", "main.tf", secret(repeat("(", deep) + "1" + repeat(")", deep)), "nest deeper than"},
		{"blocks", "main.tf", repeat("a {\n", deep) + repeat("}\n", deep), "nest deeper than"},
		{"unary not", "main.tf", secret(repeat("!", deep) + "true"), "nest deeper than"},
		{"unary minus", "main.tf", secret(repeat("-", deep) + "1"), "nest deeper than"},
		{"ternary chain", "main.tf", secret(repeat("true ? \"a\" : ", deep/2) + "\"b\""), "nest deeper than"},
		{"binary chain", "main.tf", secret(repeat("1 + ", deep) + "1"), "nest deeper than"},
		{"index chain", "main.tf", secret("x" + repeat("[y]", deep)), "nest deeper than"},
		{"interpolations", "main.tf", secret(repeat(`"${`, deep) + "1" + repeat(`}"`, deep)), "nest deeper than"},
		{"template directives", "main.tf", "x = <<EOT\n" + repeat("%{if true}", deep/2) + repeat("%{endif}", deep/2) + "\nEOT\n", "nest deeper than"},
		{"json arrays", "main.tf.json", repeat("[", 500_000) + repeat("]", 500_000), "nest deeper than"},
		{"json objects", "main.tf.json", repeat(`{"a":`, 100_000) + "1" + repeat("}", 100_000), "nest deeper than"},
		{"json template", "main.tf.json", `{"data":{"coder_secret":{"x":{"help_message":"h","env":"${` + repeat("[", deep) + repeat("]", deep) + `}"}}}}`, "nest deeper than"},
		{"json a million deep", "main.tf.json", repeat("[", 1_000_000) + repeat("]", 1_000_000), "at most"},
		{"file too large", "main.tf", "# " + repeat("x", templatearchive.MaxConfigFileBytes) + "\n", "at most"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := templatearchive.Requirements(tarFiles(t, [2]string{tc.file, tc.data}))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.file) {
				t.Fatalf("got %v, want an error naming %s and mentioning %q", err, tc.file, tc.want)
			}
		})
	}
}

// TestRequirementsAcceptsRealNesting checks that the nesting check leaves
// real templates alone: the examples, and moderately deep expressions.
func TestRequirementsAcceptsRealNesting(t *testing.T) {
	for _, dir := range []string{"local", "docker"} {
		archive, err := templatearchive.Pack(filepath.Join("..", "..", "examples", "templates", dir))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := templatearchive.Requirements(archive); err != nil {
			t.Errorf("example %s: got %v, want nil", dir, err)
		}
	}
	const n = 50
	ok := []struct{ name, file, data string }{
		{"brackets", "main.tf", "x = " + repeat("[", n) + repeat("]", n) + "\n"},
		{"conditions", "main.tf", "x = " + repeat("true && ", n) + "true\n"},
		{"many attributes", "main.tf", "locals {\n" + attrs(10_000, " = 1 + 2 + 3 + 4 ? [x[0][1]] : -1\n") + "}\n"},
		{"many list items", "main.tf", "x = [\n" + repeat("  1 + 2 + 3,\n", 10_000) + "]\n"},
		{"json", "main.tf.json", `{"locals":{"a":` + repeat("[", n) + repeat("]", n) + `,"b":"${` + repeat("(", n) + "1" + repeat(")", n) + `}"}}`},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := templatearchive.Requirements(tarFiles(t, [2]string{tc.file, tc.data})); err != nil {
				t.Fatalf("got %v, want nil", err)
			}
		})
	}
}

// TestReadRefusesFileFolderClashes checks that an archive where a name is
// both a file and a folder is refused when it is read (at push), not when a
// build extracts it.
func TestReadRefusesFileFolderClashes(t *testing.T) {
	reg := func(name string) tar.Header { return tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644} }
	dir := func(name string) tar.Header { return tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755} }
	cases := []struct {
		name    string
		entries []tar.Header
		want    string // "" means accepted
	}{
		{"file then file inside it", []tar.Header{reg("x"), reg("x/y")}, `"x" is a file`},
		{"file inside, then the file", []tar.Header{reg("x/y"), reg("x")}, `"x" is a file`},
		{"deeper", []tar.Header{reg("a/b"), reg("a/b/c/d.tf")}, `"a/b" is a file`},
		{"folder entry and file", []tar.Header{dir("x/"), reg("x")}, "both a file and a folder"},
		{"folder entry inside a file", []tar.Header{reg("x"), dir("x/sub/")}, `"x" is a file`},
		{"similar names", []tar.Header{reg("x"), reg("x-y/z"), reg("x.tf"), reg("xy/z")}, ""},
		{"folder with files", []tar.Header{dir("m/"), reg("m/a.tf"), reg("m/b/c.tf")}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			archive := tarOf(t, tc.entries...)
			_, _, err := templatearchive.Read(archive)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				if err := templatearchive.Extract(archive, t.TempDir()); err != nil {
					t.Fatalf("extract: got %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
			d := t.TempDir()
			if err := templatearchive.Extract(archive, d); err == nil {
				t.Fatal("Extract accepted the archive")
			}
			if entries, _ := os.ReadDir(d); len(entries) != 0 {
				t.Fatalf("Extract wrote %d entries before refusing", len(entries))
			}
		})
	}
}
