// Package pgtest gives tests a fresh, empty PostgreSQL database.
//
// If $CODER_TEST_PG_URL names a server (the Makefile or CI started one), each
// NewDatabase creates a uniquely named database there and drops it when the
// test ends. Otherwise the first NewDatabase in a test binary starts a
// throwaway cluster (initdb into a temporary directory, 127.0.0.1 only, a
// random password, fsync off; as root it runs as the "postgres" user), shared
// by the binary's tests and stopped when the binary ends. Call RunMain from
// TestMain to stop it synchronously; without it a watchdog process still
// stops it and removes its files once the test binary exits.
//
// Without PostgreSQL the tests skip with a loud message, or fail when
// $CI is "true".
//
//	func TestMain(m *testing.M) { pgtest.RunMain(m) }
//
//	func TestSomething(t *testing.T) {
//		url := pgtest.NewDatabase(t)
//		...
//	}
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	clusterOnce sync.Once
	cluster     *Cluster
	clusterErr  error

	warnOnce sync.Once
)

// NewDatabase returns the URL of a new, empty database that is dropped when
// t ends. Errors and log lines never show the URL (it holds a password).
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin, err := adminURL()
	if err != nil {
		unavailable(t, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	suffix, err := randomHex(8)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	name := "coder_test_" + suffix
	if err := execAdmin(ctx, admin, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// WITH (FORCE) (PostgreSQL 13+) ends sessions a test left open.
		if err := execAdmin(ctx, admin, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u, err := withDatabase(admin, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

// RunMain runs the tests, stops the cluster NewDatabase may have started,
// and exits with the tests' status. Call it from TestMain.
func RunMain(m *testing.M) {
	code := m.Run()
	if err := StopShared(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// StopShared stops the cluster NewDatabase started in this process, if any.
// RunMain calls it.
func StopShared() error {
	if cluster == nil {
		return nil
	}
	return cluster.Stop()
}

// adminURL returns $CODER_TEST_PG_URL, or starts (once) the shared cluster
// and returns its URL.
func adminURL() (string, error) {
	if u := os.Getenv(EnvURL); u != "" {
		return u, nil
	}
	clusterOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cluster, clusterErr = StartCluster(ctx)
	})
	if clusterErr != nil {
		return "", clusterErr
	}
	return cluster.URL, nil
}

// unavailable skips t, loudly, because there is no PostgreSQL to test
// against; in CI it fails t instead.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv(EnvCI) == "true" {
		t.Fatalf("pgtest: PostgreSQL is required when %s=true: %v", EnvCI, err)
	}
	msg := fmt.Sprintf("\n"+
		"**********************************************************************\n"+
		"*** pgtest: SKIPPING PostgreSQL tests: %v\n"+
		"*** Install the PostgreSQL 13+ server (initdb, pg_ctl), or set\n"+
		"*** %s to an admin database URL of a running server.\n"+
		"**********************************************************************", err, EnvURL)
	// t.Skip's message shows only with -v: say it once on stderr as well.
	warnOnce.Do(func() { fmt.Fprintln(os.Stderr, msg) })
	t.Skip(msg)
}

func execAdmin(ctx context.Context, admin, sql string) error {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect to admin database: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return err
	}
	return nil
}

// withDatabase returns the connection string admin with its database
// replaced by name. It takes URLs (postgres://...) and key=value strings.
func withDatabase(admin, name string) (string, error) {
	if !strings.HasPrefix(admin, "postgres://") && !strings.HasPrefix(admin, "postgresql://") {
		return admin + " dbname=" + name, nil // the last dbname wins
	}
	u, err := url.Parse(admin)
	if err != nil {
		return "", fmt.Errorf("parse %s: invalid URL (not shown: it may hold a password)", EnvURL)
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// PGDump returns a plain-text dump (schema and data) of the database at
// dbURL, made by pg_dump: tests search it for plaintext that must not be
// stored.
func PGDump(t testing.TB, dbURL string) []byte {
	t.Helper()
	pgDump, err := pgDumpPath()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"--format=plain", "--no-owner", "--no-privileges"}
	env := os.Environ()
	if strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://") {
		// Keep the password off pg_dump's command line (ps shows it).
		u, err := url.Parse(dbURL)
		if err != nil {
			t.Fatalf("pgtest: pg_dump: invalid database URL (not shown: it may hold a password)")
		}
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
		dbURL = u.String()
	}
	args = append(args, "--dbname="+dbURL)
	cmd := exec.CommandContext(ctx, pgDump, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pgtest: pg_dump: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out
}

// pgDumpPath finds pg_dump next to the server binaries, else on PATH.
func pgDumpPath() (string, error) {
	if dir, err := BinDir(); err == nil {
		p := filepath.Join(dir, "pg_dump")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("pg_dump")
	if err != nil {
		return "", fmt.Errorf("pg_dump not found next to the server binaries or on PATH: %w", err)
	}
	return p, nil
}
