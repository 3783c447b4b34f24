package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/usersecrets/coder/server/store"
)

func TestMapErr(t *testing.T) {
	s := &Store{d: &Dialect{Err: func(err error) error { return fmt.Errorf("dialect: %w", err) }}}
	if err := s.mapErr(nil); err != nil {
		t.Errorf("mapErr(nil): got %v, want nil", err)
	}
	if err := s.mapErr(fmt.Errorf("scan: %w", sql.ErrNoRows)); err != store.ErrNotFound {
		t.Errorf("mapErr(no rows): got %v, want store.ErrNotFound", err)
	}
	if err := s.mapErr(context.Canceled); !errors.Is(err, context.Canceled) || err.Error() != "dialect: context canceled" {
		t.Errorf("mapErr(other): got %v, want the dialect's translation", err)
	}
}

func TestSQLNumbersParameters(t *testing.T) {
	s := &Store{}
	tests := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT a FROM t WHERE b = ? AND c IN (?, ?)`, `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)`},
		{`UPDATE t SET ü = ? WHERE id = ?`, `UPDATE t SET ü = $1 WHERE id = $2`},
	}
	for _, tt := range tests {
		for range 2 { // the second time from the cache
			if got := s.sql(tt.in); got != tt.want {
				t.Errorf("sql(%q): got %q, want %q", tt.in, got, tt.want)
			}
		}
	}
}
