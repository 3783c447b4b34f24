package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary serve as the harness's hello server, which
// the harness starts by re-executing itself.
func TestMain(m *testing.M) {
	if v := os.Getenv(helloEnv); v != "" {
		os.Exit(serveHello(v))
	}
	os.Exit(m.Run())
}

// unavailable skips loudly, or fails when $CI is true, like the other
// suites that need outside tools.
func unavailable(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("the benchmark harness needs %s ($CI is true)", what)
	}
	msg := fmt.Sprintf("\n"+
		"**********************************************************************\n"+
		"*** bench: SKIPPING the harness's smoke run: no %s\n"+
		"**********************************************************************", what)
	fmt.Fprintln(os.Stderr, msg)
	t.Skip(msg)
}

// The report's rows, by the start of their figure's name: the loads' (and
// the memory after them) and the builds'.
var (
	loadRows  = []string{"GET one secret over HTTP", "list of ", "agent manifest fetch", "the same on SQLite", "server RSS after"}
	buildRows = []string{
		"`coder create` until the build is done",
		"create until the agent is ready",
		"build done → `coder ssh WS -- true` works",
		"`coder restart`",
		"concurrent creates",
	}
)

// TestSmoke runs the whole harness with -smoke and checks that it measured
// and printed every figure: a number, a limit with a number, a ratio. It
// judges no timing.
func TestSmoke(t *testing.T) {
	out := smokeRun(t, "-smoke")
	if !strings.Contains(out, "Build figures on the SQLite server.") {
		t.Error("the report does not say that the build figures ran on SQLite")
	}
	checkRows(t, out, slices.Concat(loadRows, buildRows))
}

// TestSmokeBuildsOnPostgres: -only builds -builds-on postgres measures the
// build figures on a server on PostgreSQL, and says so.
func TestSmokeBuildsOnPostgres(t *testing.T) {
	out := smokeRun(t, "-smoke", "-only", "builds", "-builds-on", "postgres")
	if !strings.Contains(out, "Build figures on the PostgreSQL server.") {
		t.Errorf("the report does not say that the build figures ran on PostgreSQL:\n%s", out)
	}
	checkRows(t, out, buildRows)
}

// TestSmokeLoadsThenBuildsOnPostgres: a full run with -builds-on postgres
// measures every load, then the build figures on the PostgreSQL server the
// loads ran on, and says so.
func TestSmokeLoadsThenBuildsOnPostgres(t *testing.T) {
	out := smokeRun(t, "-smoke", "-builds-on", "postgres")
	if !strings.Contains(out, "Build figures on the PostgreSQL server.") {
		t.Errorf("the report does not say that the build figures ran on PostgreSQL:\n%s", out)
	}
	checkRows(t, out, slices.Concat(loadRows, buildRows))
}

// smokeRun runs the harness with args (skipping, or failing on CI, without
// its tools) and returns what it printed.
func smokeRun(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("terraform"); err != nil {
		unavailable(t, "terraform on PATH")
	}
	if _, err := findPgbench(); err != nil {
		unavailable(t, "pgbench (the PostgreSQL client tools)")
	}
	if os.Getenv(pgURLEnv) == "" {
		initdb, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
		if _, err := exec.LookPath("initdb"); err != nil && len(initdb) == 0 {
			unavailable(t, "PostgreSQL server binaries (initdb) and no $"+pgURLEnv)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	var out, progress bytes.Buffer
	if code := run(ctx, args, &out, &progress); code != 0 {
		t.Fatalf("harness %s exited with %d:\n%s\n%s", strings.Join(args, " "), code, progress.String(), out.String())
	}
	t.Logf("harness %s:\n%s", strings.Join(args, " "), out.String())
	return out.String()
}

// checkRows checks that the report has a row for each figure with a
// measured number, a limit with a number, a ratio and a target.
func checkRows(t *testing.T, out string, figures []string) {
	t.Helper()
	number := regexp.MustCompile(`[0-9]`)
	rows := map[string][]string{}
	for _, line := range strings.Split(out, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 7 {
			continue
		}
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows[cells[1]] = cells[2:6]
	}
	for _, f := range figures {
		var cells []string
		for name, c := range rows {
			if strings.Contains(name, f) {
				cells = c
			}
		}
		if cells == nil {
			t.Errorf("no row for %q", f)
			continue
		}
		measured, limit, ratio, target := cells[0], cells[1], cells[2], cells[3]
		if !number.MatchString(measured) {
			t.Errorf("%s: no measured number in %q", f, measured)
		}
		if limit != "same" && !number.MatchString(limit) {
			t.Errorf("%s: no limit number in %q", f, limit)
		}
		if v, err := strconv.ParseFloat(ratio, 64); err != nil || v < 0 || v != v {
			t.Errorf("%s: ratio %q is not a number", f, ratio)
		}
		if target == "" {
			t.Errorf("%s: no target", f)
		}
	}
}

// TestBuildsOnFlag: -builds-on takes sqlite or postgres, and postgres not
// with -only loads (which measures no build).
func TestBuildsOnFlag(t *testing.T) {
	for _, tt := range []struct {
		args []string
		pg   bool
		bad  string
	}{
		{args: nil},
		{args: []string{"-builds-on", "sqlite"}},
		{args: []string{"-only", "builds", "-builds-on", "postgres"}, pg: true},
		{args: []string{"-builds-on", "postgres"}, pg: true},
		{args: []string{"-only", "loads", "-builds-on", "postgres"}, bad: "no build figure is measured"},
		{args: []string{"-only", "loads", "-builds-on", "sqlite"}},
		{args: []string{"-only", "builds", "-builds-on", "mysql"}, bad: `-builds-on "mysql"`},
	} {
		var stderr bytes.Buffer
		cfg, err := parseFlags(tt.args, &stderr)
		switch {
		case tt.bad != "":
			if err == nil || !strings.Contains(err.Error(), tt.bad) {
				t.Errorf("%v: error %v, want one saying %q", tt.args, err, tt.bad)
			}
		case err != nil:
			t.Errorf("%v: %v", tt.args, err)
		case cfg.buildsOnPG != tt.pg:
			t.Errorf("%v: builds on PostgreSQL %v, want %v", tt.args, cfg.buildsOnPG, tt.pg)
		}
	}
}
