package sqlitestore

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"modernc.org/sqlite"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/storetest"
)

// open opens a store on a new file in a temporary directory and closes it
// when t ends.
func open(t *testing.T) (*Store, string) {
	path := filepath.Join(t.TempDir(), "coder.db")
	return storetest.Opened(t, path, Open), path
}

func TestBackend(t *testing.T) {
	migrations, err := fs.Sub(dialect.Migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	storetest.RunBackend(t, storetest.Backend{
		NewDatabase: func(t *testing.T) string { return filepath.Join(t.TempDir(), "coder.db") },
		Open:        func(ctx context.Context, path string) (store.Store, error) { return Open(ctx, path) },
		Driver:      "sqlite",
		DSN:         dsn,
		Migrations:  migrations,
		Legacy: storetest.Legacy{
			CreateTable: `CREATE TABLE schema_migrations (
				version    INTEGER NOT NULL PRIMARY KEY,
				applied_at INTEGER NOT NULL
			) STRICT`,
			Record: `INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`,
		},
		Time:        func(t time.Time) any { return t.UnixMicro() },
		TableExists: dialect.TableExists,
	})
}

func TestFileModes(t *testing.T) {
	// With no umask at all, everything must still be 0600.
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })

	s, path := open(t)
	storetest.AddSecret(t, s, []byte("c")) // a write creates the -wal and -shm files
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("stat: %v", err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: got mode %v, want -rw-------", filepath.Base(p), got)
		}
	}
}

func TestPragmas(t *testing.T) {
	s, _ := open(t)
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"foreign_keys", "1"},
		{"busy_timeout", fmt.Sprint(busyTimeout.Milliseconds())},
	}
	for _, tt := range tests {
		var got string
		if err := s.DB().QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", tt.pragma, err)
		}
		if got != tt.want {
			t.Errorf("PRAGMA %s: got %q, want %q", tt.pragma, got, tt.want)
		}
	}
}

func TestCiphertextStoredAsGiven(t *testing.T) {
	s, _ := open(t)
	ciphertext := storetest.EveryByte()
	sec := storetest.AddSecret(t, s, ciphertext)
	var raw []byte
	var typ string
	if err := s.DB().QueryRowContext(t.Context(),
		`SELECT value_ciphertext, typeof(value_ciphertext) FROM secrets WHERE id = ?`, sec.ID).Scan(&raw, &typ); err != nil {
		t.Fatalf("select ciphertext: %v", err)
	}
	if !bytes.Equal(raw, ciphertext) {
		t.Errorf("got stored ciphertext %x, want %x", raw, ciphertext)
	}
	if typ != "blob" {
		t.Errorf("got column type %q, want blob", typ)
	}
}

// TestMetadataQueriesNeverReadCiphertext installs an SQLite authorizer
// that refuses any read of secrets.value_ciphertext, then runs every
// metadata method: they work, while the *WithValue methods fail.
func TestMetadataQueriesNeverReadCiphertext(t *testing.T) {
	s, _ := open(t)
	sec := storetest.AddSecret(t, s, []byte("ciphertext"))
	ctx := t.Context()

	denyRead(t, s, "secrets", "value_ciphertext")
	storetest.CheckReads(t, storetest.SecretMetadataCalls(ctx, s, sec), storetest.SecretValueCalls(ctx, s, sec), "authorization denied")
}

// denyRead limits s to one connection and installs on it an SQLite
// authorizer that refuses any read of table.column.
func denyRead(t *testing.T, s *Store, table, column string) {
	t.Helper()
	s.DB().SetMaxOpenConns(1)
	conn, err := s.DB().Conn(t.Context())
	if err != nil {
		t.Fatalf("Conn: %v", err)
	}
	err = conn.Raw(func(dc any) error {
		r, ok := dc.(sqlite.AuthorizerRegisterer)
		if !ok {
			return fmt.Errorf("driver connection %T has no authorizer", dc)
		}
		return r.RegisterAuthorizer(func(action sqlite.AuthorizerActionCode, tbl, col, _, _ string) sqlite.AuthorizerReturnCode {
			if action == sqlite.AuthRead && tbl == table && col == column {
				return sqlite.AuthorizerDeny
			}
			return sqlite.AuthorizerOK
		})
	})
	if err != nil {
		t.Fatalf("register authorizer: %v", err)
	}
	if err := conn.Close(); err != nil {
		t.Fatalf("release connection: %v", err)
	}
}

// TestWorkspaceMetadataNeverReadsState refuses any read of
// workspaces.state_ciphertext: the methods that return workspaces without
// their state work, the two that return it fail.
func TestWorkspaceMetadataNeverReadsState(t *testing.T) {
	s, _ := open(t)
	w, _ := storetest.WorkspaceWithState(t, s)
	denyRead(t, s, "workspaces", "state_ciphertext")
	ctx := t.Context()
	storetest.CheckReads(t, storetest.WorkspaceMetadataCalls(ctx, s, w), storetest.WorkspaceStateCalls(ctx, s, w), "authorization denied")
}

func TestMapErr(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"other", context.Canceled, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mapErr(tt.err); got != tt.want {
				t.Errorf("mapErr(%v): got %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestOpenOddPaths checks that the path reaches SQLite intact: the driver
// takes a URI, where "?", "#" and "%" mean something.
func TestOpenOddPaths(t *testing.T) {
	for _, name := range []string{"with space.db", "what?.db", "hash#.db", "percent%20.db", "ünï.db"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			s, err := Open(t.Context(), path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			storetest.AddSecret(t, s, []byte("c"))
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			entries, err := os.ReadDir(filepath.Dir(path))
			if err != nil {
				t.Fatalf("ReadDir: %v", err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if diff := cmp.Diff([]string{name}, names); diff != "" {
				t.Errorf("files after Close mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
