package pgstore

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/usersecrets/coder/server/store"
)

// The sealed columns (secret values, workspace states) share two queries:
// how many rows each key id seals, and swapping one row's ciphertext when
// it is re-sealed. Table and column names are constants of this package.

// keyIDCounts runs query, which selects (key id, count) rows.
func (s *Store) keyIDCounts(ctx context.Context, query string) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, query)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			id string
			n  int64
		)
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = int(n)
	}
	return out, rows.Err()
}

// replaceSealed sets ctCol and keyCol of row id in table if keyCol is still
// oldKeyID: store.ErrNotFound if there is no such row, a
// *store.ConflictError with Field "key_id" if it was re-sealed or replaced
// meanwhile.
func (s *Store) replaceSealed(ctx context.Context, table, ctCol, keyCol string, id uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx,
			`UPDATE `+table+` SET `+ctCol+` = $1, `+keyCol+` = $2 WHERE id = $3 AND `+keyCol+` = $4`,
			nonNilBytes(ciphertext), newKeyID, id, oldKeyID)
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		var one int32
		if err := tx.QueryRow(ctx, `SELECT 1 FROM `+table+` WHERE id = $1`, id).Scan(&one); err != nil {
			return mapErr(err)
		}
		return &store.ConflictError{Field: "key_id"}
	})
}
