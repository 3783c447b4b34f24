package main

// The import rules of ARCHITECTURE.md, checked on the source: which folders
// may import which of ours, that production code never imports a test kit,
// and that only the cli reads flags and environment variables.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/usersecrets/coder"

// importRules maps a folder to the folders of ours that its packages may
// import (a folder stands for itself and everything under it). A package
// follows the rule of the longest folder that holds it; "" stands for every
// package of ours.
var importRules = map[string][]string{
	".":                  {"cli"},
	"sdk":                {"sdk"},
	"agent":              {"agent", "sdk"},
	"provider":           {"provider", "sdk"},
	"provider/tfmirror":  {},
	"server":             {"server", "sdk", "provider/tfmirror", "docs"},
	"docs":               {},
	"server/store":       {"server/store", "sdk"},
	"server/secretcrypt": {},
	"server/agenttoken":  {},
	"server/agentconn":   {"server/store", "sdk"},
	"server/provisioner": {"server/provisioner", "server/store",
		"server/agenttoken", "sdk/templatearchive", "server/dirlock", "server/wake", "provider/tfmirror", "sdk"},
	"server/dirlock":       {},
	"server/wake":          {},
	"server/loginthrottle": {},
	"server/web":           {},
	"cli":                  {""}, // everything

	// Encryption at rest, the one holder of the keys.
	"server/store/cryptstore": {"server/store", "server/secretcrypt", "sdk"},
}

// testKits are the packages only tests (and other kits) may import. They
// may read the environment (where the tests' tools are) and import anything.
var testKits = []string{
	"server/store/storetest",
	"server/store/pgtest",
	"server/servertest",
	"agent/agenttest",
	"cli/clitest",
	"provider/internal/tftest",
	"provider/internal/testprovider",
	"provider/internal/docsgen",
	"bench",
}

// envReaders are the functions that read configuration from the process's
// environment; only cli may call them. (os.Environ is not among them: the
// agent and the provisioner pass the whole environment on to children.)
var envReaders = map[string]bool{"Getenv": true, "LookupEnv": true}

// flagPackages are the flag parsers; only cli may import them.
var flagPackages = map[string]bool{"flag": true, "github.com/spf13/pflag": true, "github.com/spf13/cobra": true}

func within(dir, folder string) bool {
	return folder == "" || folder == "." && dir == "." || dir == folder || strings.HasPrefix(dir, folder+"/")
}

func isKit(dir string) bool {
	for _, k := range testKits {
		if within(dir, k) {
			return true
		}
	}
	return false
}

// ruleFor returns the rule of the longest folder holding dir.
func ruleFor(dir string) (string, []string, bool) {
	best := ""
	found := false
	for folder := range importRules {
		if within(dir, folder) && (!found || len(folder) > len(best)) {
			best, found = folder, true
		}
	}
	return best, importRules[best], found
}

type goFile struct {
	dir  string // the package's folder, relative to the module root
	name string
	ast  *ast.File
}

func productionFiles(t *testing.T) []goFile {
	t.Helper()
	var files []goFile
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "bin" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		full, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		files = append(files, goFile{dir: filepath.ToSlash(filepath.Dir(p)), name: filepath.ToSlash(p), ast: full})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 50 {
		t.Fatalf("found only %d Go files: is the test running at the module root?", len(files))
	}
	return files
}

// importViolation says why a package in fromDir may not import target (a
// path of ours relative to the module root), or "" when it may.
func importViolation(fromDir, target string) string {
	kit := isKit(fromDir)
	if isKit(target) && !kit {
		return "imports the test kit " + target
	}
	if kit || target == fromDir {
		return ""
	}
	folder, allowed, ok := ruleFor(fromDir)
	if !ok {
		return "its folder has no rule in architecture_test.go (and ARCHITECTURE.md)"
	}
	for _, a := range allowed {
		if within(target, a) {
			return ""
		}
	}
	return "imports " + target + ", which folder " + path.Clean(folder) + " may not import"
}

func TestImportRules(t *testing.T) {
	var bad []string
	for _, f := range productionFiles(t) {
		kit := isKit(f.dir)
		if _, _, ok := ruleFor(f.dir); !ok && !kit {
			bad = append(bad, f.name+": its folder has no rule in architecture_test.go (and ARCHITECTURE.md)")
			continue
		}
		for _, imp := range f.ast.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if !strings.HasPrefix(p, module+"/") {
				if flagPackages[p] && !within(f.dir, "cli") && !kit {
					bad = append(bad, f.name+": imports "+p+": only cli parses flags")
				}
				continue
			}
			if why := importViolation(f.dir, strings.TrimPrefix(p, module+"/")); why != "" {
				bad = append(bad, f.name+": "+why)
			}
		}
	}
	report(t, bad)
}

// The rules themselves: the check must refuse what ARCHITECTURE.md forbids.
func TestImportRulesRefuse(t *testing.T) {
	for _, c := range []struct {
		from, target string
		ok           bool
	}{
		{"agent", "server/store", false},
		{"agent/secretfiles", "server", false},
		{"agent", "sdk/placement", true},
		{"sdk", "server/store", false},
		{"sdk/placement", "agent", false},
		{"sdk/placement", "sdk", true},
		{"server", "server/servertest", false},
		{"server/servertest", "server", true},
		{"cli", "server", true},
		{"provider", "server/store", false},
		{"server/store/cryptstore", "server/secretcrypt", true},
		{"server/store/sqlitestore", "server/secretcrypt", false},
		{"server/provisioner", "server/secretcrypt", false},
	} {
		why := importViolation(c.from, c.target)
		if (why == "") != c.ok {
			t.Errorf("%s importing %s: got %q, want allowed=%v", c.from, c.target, why, c.ok)
		}
	}
}

func TestOnlyCLIReadsEnvironment(t *testing.T) {
	var bad []string
	for _, f := range productionFiles(t) {
		if within(f.dir, "cli") || isKit(f.dir) {
			continue
		}
		bad = append(bad, envReads(f.name, f.ast)...)
	}
	report(t, bad)
}

// envReads lists the calls in file that read environment variables.
func envReads(name string, file *ast.File) []string {
	var bad []string
	osName := ""
	for _, imp := range file.Imports {
		if imp.Path.Value == `"os"` {
			osName = "os"
			if imp.Name != nil {
				osName = imp.Name.Name
			}
		}
	}
	if osName == "" {
		return nil
	}
	ast.Inspect(file, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && id.Name == osName && envReaders[sel.Sel.Name] {
			bad = append(bad, name+": uses os."+sel.Sel.Name+": only cli reads environment variables (pass the value in)")
		}
		return true
	})
	return bad
}

func TestEnvReadsFound(t *testing.T) {
	src := `package x
import sys "os"
func f() (string, func(string) (string, bool)) { return sys.Getenv("A"), sys.LookupEnv }
func g() []string { return sys.Environ() }`
	file, err := parser.ParseFile(token.NewFileSet(), "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := envReads("x.go", file); len(got) != 2 {
		t.Errorf("envReads found %d reads, want 2 (Getenv and LookupEnv, not Environ): %q", len(got), got)
	}
}

func report(t *testing.T, bad []string) {
	t.Helper()
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
}
