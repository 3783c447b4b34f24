package sqlstore

import (
	"context"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

// The sealed columns (secret values, workspace states, agent configs)
// share two queries: how many rows each key id seals, and swapping one
// row's ciphertext when it is re-sealed. Table and column names are
// constants of this package.

// keyIDCounts runs query, which selects (key id, count) rows.
func (s *Store) keyIDCounts(ctx context.Context, query string) (map[string]int, error) {
	rows, err := s.read().query(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			id string
			n  int
		)
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// replaceSealed sets ctCol and keyCol of row id in table if keyCol is still
// oldKeyID: store.ErrNotFound if there is no such row, a
// *store.ConflictError with Field "key_id" if it was re-sealed or replaced
// meanwhile.
func (s *Store) replaceSealed(ctx context.Context, table, ctCol, keyCol string, id uuid.UUID, oldKeyID string, ciphertext []byte, newKeyID string) error {
	return s.replaceSealedSet(ctx, table, ctCol+` = ?, `+keyCol+` = ?`, keyCol+` = ?`,
		[]any{nonNilBytes(ciphertext), newKeyID}, id, oldKeyID)
}

// replaceSealedSet runs UPDATE table SET set WHERE id = id AND where, with
// setArgs for set and oldKeyID for where, as replaceSealed.
func (s *Store) replaceSealedSet(ctx context.Context, table, set, where string, setArgs []any, id uuid.UUID, oldKeyID string) error {
	return s.write(ctx, func(c conn) error {
		n, err := c.exec(ctx, `UPDATE `+table+` SET `+set+` WHERE id = ? AND `+where,
			append(setArgs, id, oldKeyID)...)
		if err != nil || n == 1 {
			return err
		}
		if err := c.exists(ctx, `SELECT 1 FROM `+table+` WHERE id = ?`, id); err != nil {
			return err
		}
		return &store.ConflictError{Field: "key_id"}
	})
}
