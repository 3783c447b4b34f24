// Package migrate loads the numbered SQL migrations a store backend embeds.
// Each backend applies them in its own transaction and records the applied
// versions in its schema_migrations table; this package only finds, orders
// and checks the files.
package migrate

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one numbered schema change.
type Migration struct {
	Version int    // the number the file name starts with, from 1
	Name    string // the file name, for error messages
	SQL     string
}

// Load reads the files named NNNN_description.up.sql in dir of fsys and
// returns them sorted by version. Versions must be unique and start at 1
// without gaps, so a missing or misnumbered file is caught at build time by
// the backends' tests rather than at a customer's start.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".up.sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		if !ok {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.up.sql", name)
		}
		v, err := strconv.Atoi(num)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: got version %d, want %d (versions start at 1 without gaps or duplicates)", m.Name, m.Version, i+1)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read migrations: no *.up.sql files in %s", dir)
	}
	return out, nil
}

// Pending returns the migrations whose versions are not in applied. It fails
// when the database holds a version this binary does not know, which means a
// newer binary migrated it: running an older one against it is unsafe.
func Pending(all []Migration, applied map[int]bool) ([]Migration, error) {
	known := make(map[int]bool, len(all))
	var out []Migration
	for _, m := range all {
		known[m.Version] = true
		if !applied[m.Version] {
			out = append(out, m)
		}
	}
	for v := range applied {
		if !known[v] {
			return nil, fmt.Errorf("database schema version %d is newer than this binary supports (latest %d)", v, len(all))
		}
	}
	return out, nil
}
