package pgstore

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// TestPoolSize: the pool gets the store's cap unless the connection string
// sets pool_max_conns, in either form.
func TestPoolSize(t *testing.T) {
	tests := []struct {
		url  string
		want int32
	}{
		{"postgres://u:p@127.0.0.1:5432/db", poolSize()},
		{"host=127.0.0.1 user=u dbname=db", poolSize()},
		{"postgres://u:p@127.0.0.1:5432/db?pool_max_conns=3", 3},
		{"host=127.0.0.1 user=u dbname=db pool_max_conns=7", 7},
	}
	for _, tt := range tests {
		cfg, err := pgxpool.ParseConfig(tt.url)
		if err != nil {
			t.Fatalf("ParseConfig(%q): %v", tt.url, err)
		}
		sizePool(cfg, tt.url)
		if cfg.MaxConns != tt.want {
			t.Errorf("%q: MaxConns = %d, want %d", tt.url, cfg.MaxConns, tt.want)
		}
	}
	if n := poolSize(); n < 16 || n > 64 {
		t.Errorf("poolSize() = %d, want 16..64", n)
	}
}
