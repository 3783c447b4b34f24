package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
)

var update = flag.Bool("update", false, "rewrite testdata/commands.golden from the commands as they are")

// TestCommandTreeGolden pins what a user sees of every command without a
// server: its help, its completions, and what it answers to no argument,
// one and three (the arity errors, the first checks of its flags and
// arguments, "not logged in"). A change to any of them shows up as a diff
// of testdata/commands.golden; run `go test ./cli -run TestCommandTreeGolden
// -update` to accept it.
func TestCommandTreeGolden(t *testing.T) {
	home := cleanEnv(t)
	t.Chdir(home)

	var b strings.Builder
	run := func(stdin string, args ...string) {
		var out, errOut bytes.Buffer
		if args == nil {
			args = []string{} // nil would make cobra read os.Args
		}
		err := Run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
		fmt.Fprintf(&b, "$ coder %s\n", strings.Join(args, " "))
		if out.Len() > 0 {
			fmt.Fprintf(&b, "[stdout]\n%s", ensureNewline(out.String()))
		}
		if errOut.Len() > 0 {
			fmt.Fprintf(&b, "[stderr]\n%s", ensureNewline(errOut.String()))
		}
		if err != nil {
			b.WriteString("[exit: non-zero]\n")
		}
		b.WriteString("\n")
	}
	for _, c := range allCommands(NewRootCommand()) {
		path := strings.Fields(c.CommandPath())[1:]
		fmt.Fprintf(&b, "################ %s\n", c.CommandPath())
		run("", append(slices.Clone(path), "--help")...)
		run("", append(append([]string{"__complete"}, path...), "")...)
		if !c.Runnable() || c.HasSubCommands() {
			continue
		}
		for _, args := range [][]string{nil, {"x"}, {"x", "y", "z"}} {
			if skipGoldenRun(c.CommandPath(), len(args)) {
				continue
			}
			run("", append(slices.Clone(path), args...)...)
		}
	}
	run("", "__complete", "create", "x", "--template", "")
	run("", "bogus")
	run("", "secret", "crate")
	run("", "--version")
	run("")

	got := strings.ReplaceAll(b.String(), home, "$HOME")
	got = strings.ReplaceAll(got, runtime.Version()+", "+runtime.GOOS+"/"+runtime.GOARCH, "$GO, $PLATFORM")
	golden := filepath.Join(testdataDir(t), "commands.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read the golden file (create it with -update): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Fatalf("the commands changed (-golden +now); if that is meant, run with -update:\n%s", diff)
	}
}

// skipGoldenRun leaves out the runs that would start a server or reach the
// network.
func skipGoldenRun(path string, nargs int) bool {
	switch path {
	case "coder server":
		return nargs == 0
	case "coder login":
		return nargs == 1
	}
	return false
}

// cleanEnv empties every CODER_* variable and points HOME at a fresh folder,
// which it returns, so that defaults and logins do not come from the
// machine running the test.
func cleanEnv(t *testing.T) string {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "CODER_") {
			t.Setenv(k, "")
		}
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", "")
	return home
}

// allCommands lists cmd and every command under it, depth first, in the
// order help lists them.
func allCommands(cmd *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{cmd}
	for _, c := range cmd.Commands() {
		out = append(out, allCommands(c)...)
	}
	return out
}

func ensureNewline(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

func testdataDir(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller")
	}
	return filepath.Join(filepath.Dir(file), "testdata")
}

// TestCommandTreeShape checks what every command of the tree promises:
// a short help line, parents that only group (and so print their help or
// refuse unknown subcommands), leaves that run and judge their arguments,
// and names and aliases that do not collide under one parent.
func TestCommandTreeShape(t *testing.T) {
	for _, c := range allCommands(NewRootCommand()) {
		path := c.CommandPath()
		if c.Short == "" {
			t.Errorf("%s: no short help", path)
		}
		if c.RunE == nil || c.Args == nil {
			t.Errorf("%s: got RunE set %v, Args set %v; want both", path, c.RunE != nil, c.Args != nil)
		}
		if c.HasSubCommands() && c.Args(c, []string{"bogus"}) == nil {
			t.Errorf("%s: a parent accepts an unknown subcommand", path)
		}
		seen := map[string]string{}
		for _, sub := range c.Commands() {
			for _, n := range append([]string{sub.Name()}, sub.Aliases...) {
				if other, ok := seen[n]; ok {
					t.Errorf("%s: %q names both %s and %s", path, n, other, sub.Name())
				}
				seen[n] = sub.Name()
			}
		}
	}
}
