package secretcrypt

import (
	"context"
	"fmt"
	"sort"
)

// Reseal re-seals with the primary key every stored ciphertext sealed by
// another key, batch by batch, for any kind of row T. inUse are the key ids
// in use (with counts, as the store reports them); list returns the next
// rows still sealed by keyID (an empty batch ends that key); sealed gives a
// row's ciphertext and additional data; replace swaps a row's ciphertext if
// it is still sealed by oldKeyID and reports whether it did (false when the
// row changed or went away meanwhile: it is then already sealed anew, or
// gone). Reseal returns how many rows it re-sealed and how many it left
// because they do not open (altered rows: each fails on its own when it is
// read, and must not stop the others or the server's start; when a whole
// batch is such rows, the rest of that key's rows wait for the next start).
func Reseal[T any](ctx context.Context, kr *Keyring, inUse map[string]int,
	list func(ctx context.Context, keyID string) ([]T, error),
	sealed func(T) (ciphertext, aad []byte),
	replace func(ctx context.Context, row T, oldKeyID string, ciphertext []byte, newKeyID string) (bool, error),
) (resealed, unopened int, err error) {
	ids := make([]string, 0, len(inUse))
	for id := range inUse {
		if id != kr.PrimaryID() {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		bad := map[string]bool{} // ciphertexts of this key that do not open
		for {
			rows, err := list(ctx, id)
			if err != nil {
				return resealed, unopened, fmt.Errorf("list rows sealed with key %s: %w", id, err)
			}
			if len(rows) == 0 {
				break
			}
			progress := false
			for _, r := range rows {
				ct, aad := sealed(r)
				pt, err := kr.Open(ct, id, aad)
				if err != nil {
					if !bad[string(ct)] {
						bad[string(ct)] = true
						unopened++
					}
					continue
				}
				nct, nid, err := kr.Seal(pt, aad)
				if err != nil {
					return resealed, unopened, err
				}
				ok, err := replace(ctx, r, id, nct, nid)
				if err != nil {
					return resealed, unopened, fmt.Errorf("re-seal a row sealed with key %s: %w", id, err)
				}
				if ok {
					resealed++
					progress = true
				}
			}
			// A batch in which no row could be replaced (each changed
			// meanwhile, or does not open) would come back the same: stop
			// there.
			if !progress {
				break
			}
		}
	}
	return resealed, unopened, nil
}
