package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

// TestSmoke runs the whole harness with -smoke and checks that it measured
// and printed every figure: a number, a limit with a number, a ratio. It
// judges no timing.
func TestSmoke(t *testing.T) {
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
	if code := run(ctx, []string{"-smoke"}, &out, &progress); code != 0 {
		t.Fatalf("harness -smoke exited with %d:\n%s\n%s", code, progress.String(), out.String())
	}
	t.Logf("harness -smoke:\n%s", out.String())

	figures := []string{
		"GET one secret over HTTP",
		"list of ",
		"agent manifest fetch",
		"the same on SQLite",
		"`coder create` until the build is done",
		"create until the agent is ready",
		"build done → `coder ssh WS -- true` works",
		"`coder restart`",
		"concurrent creates",
		"server RSS after",
	}
	number := regexp.MustCompile(`[0-9]`)
	rows := map[string][]string{}
	for _, line := range strings.Split(out.String(), "\n") {
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
