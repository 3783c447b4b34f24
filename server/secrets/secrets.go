// Package secrets is the encrypted view of the store's secrets: it seals
// values on their way in, opens them on their way out to the parts that
// deliver them (agent manifests, builds), checks at start that every stored
// value opens with the configured keys, and re-encrypts rows sealed by an
// older key. HTTP handlers use it and never see a ciphertext.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/store"
)

// Service seals and opens secret values around a store.Store.
type Service struct {
	store  store.Store
	keys   *secretcrypt.Keyring
	quota  store.Quota
	logger *slog.Logger
	now    func() time.Time
}

// Options configure a Service.
type Options struct {
	Store  store.Store
	Keys   *secretcrypt.Keyring
	Limits sdk.Limits
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// New returns a Service.
func New(o Options) *Service {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{
		store:  o.Store,
		keys:   o.Keys,
		logger: logger,
		now:    now,
		quota: store.Quota{
			MaxSecrets:    o.Limits.MaxSecrets,
			MaxTotalBytes: o.Limits.MaxTotalValueBytes,
			MaxEnvBytes:   o.Limits.MaxEnvValueBytes,
		},
	}
}

// Plain is a secret with its opened value, for delivery to a workspace.
type Plain struct {
	store.Secret
	Value sdk.SecretValue
}

// Create seals req.Value and stores a new secret for owner. The request must
// already be valid (sdk.CreateSecretRequest.Validate).
func (s *Service) Create(ctx context.Context, ownerID, actorID uuid.UUID, req sdk.CreateSecretRequest) (store.Secret, error) {
	id := uuid.New()
	ct, keyID, err := s.keys.Seal([]byte(req.Value.Reveal()), secretcrypt.SecretAAD(ownerID, id))
	if err != nil {
		return store.Secret{}, fmt.Errorf("seal value: %w", err)
	}
	now := s.now().UTC()
	return s.store.InsertSecret(ctx, store.InsertSecretParams{
		Secret: store.Secret{
			ID:          id,
			OwnerID:     ownerID,
			Name:        req.Name,
			Description: req.Description,
			EnvName:     req.EnvName,
			FilePath:    req.FilePath,
			ValueSize:   len(req.Value.Reveal()),
			Ciphertext:  ct,
			KeyID:       keyID,
			CreatedAt:   now,
			UpdatedAt:   now,
		},
		Quota:   s.quota,
		ActorID: actorID,
	})
}

// Update changes the fields of req that are set. The request must already be
// valid.
func (s *Service) Update(ctx context.Context, ownerID, actorID uuid.UUID, name string, req sdk.UpdateSecretRequest) (store.Secret, error) {
	p := store.UpdateSecretParams{
		OwnerID:     ownerID,
		Name:        name,
		Description: req.Description,
		EnvName:     req.EnvName,
		FilePath:    req.FilePath,
		Now:         s.now,
		Quota:       s.quota,
		ActorID:     actorID,
	}
	if req.Value != nil {
		// The row id binds the ciphertext; names cannot change, so the id
		// read here is the id of the row the update will touch.
		cur, err := s.store.GetSecret(ctx, ownerID, name)
		if err != nil {
			return store.Secret{}, err
		}
		ct, keyID, err := s.keys.Seal([]byte(req.Value.Reveal()), secretcrypt.SecretAAD(ownerID, cur.ID))
		if err != nil {
			return store.Secret{}, fmt.Errorf("seal value: %w", err)
		}
		p.Ciphertext, p.KeyID, p.ValueSize = ct, keyID, len(req.Value.Reveal())
	}
	return s.store.UpdateSecret(ctx, p)
}

// Values returns every secret of owner with its value opened, sorted by
// name; an error if any value does not open.
func (s *Service) Values(ctx context.Context, ownerID uuid.UUID) ([]Plain, error) {
	out, bad, err := s.ReadableValues(ctx, ownerID)
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return nil, bad[0].Err
	}
	return out, nil
}

// Unreadable is a secret whose stored value does not open: its row or its
// key was altered. Err names the secret and never holds a value.
type Unreadable struct {
	store.Secret
	Err error
}

// Problem says, for the workspace owner, what happened to the secret.
func (u Unreadable) Problem() string {
	return fmt.Sprintf("The stored value of secret %q cannot be opened (its row or the server's keys were altered), so it is left out; set it again with `coder secret update %s`.", u.Name, u.Name)
}

// ReadableValues returns, sorted by name, every secret of owner whose value
// opens, with its value, and the secrets whose value does not: one altered
// row fails only its own secret.
func (s *Service) ReadableValues(ctx context.Context, ownerID uuid.UUID) ([]Plain, []Unreadable, error) {
	rows, err := s.store.ListSecretsWithValues(ctx, ownerID)
	if err != nil {
		return nil, nil, err
	}
	out := make([]Plain, 0, len(rows))
	var bad []Unreadable
	for _, r := range rows {
		v, err := s.open(r)
		r.Ciphertext = nil
		if err != nil {
			s.logger.Warn("a secret's stored value does not open", "owner_id", r.OwnerID, "secret", r.Name, "secret_id", r.ID, "key_id", r.KeyID)
			bad = append(bad, Unreadable{Secret: r, Err: err})
			continue
		}
		out = append(out, Plain{Secret: r, Value: v})
	}
	return out, bad, nil
}

func (s *Service) open(r store.Secret) (sdk.SecretValue, error) {
	pt, err := s.keys.Open(r.Ciphertext, r.KeyID, secretcrypt.SecretAAD(r.OwnerID, r.ID))
	if err != nil {
		return "", fmt.Errorf("open secret %s: %w", r.ID, err)
	}
	return sdk.SecretValue(pt), nil
}

// CheckKeys verifies that every stored value names a configured key id (the
// count by key id covers every row). A server whose keys do not match its
// database must refuse to start: this error says why. A row that names a
// configured key but does not open (altered) fails only its own secret,
// when it is read; it does not stop the server.
func (s *Service) CheckKeys(ctx context.Context) error {
	inUse, err := s.store.SecretKeyIDs(ctx)
	if err != nil {
		return fmt.Errorf("list encryption key ids in use: %w", err)
	}
	var missing []string
	for id, n := range inUse {
		if !s.keys.Has(id) {
			missing = append(missing, fmt.Sprintf("%s (%d secret(s))", id, n))
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("the database holds secrets sealed with encryption key id %s, which is not among the configured keys (%s): start the server with the key file or encryption keys this database was created with",
			strings.Join(missing, ", "), strings.Join(s.keys.IDs(), ", "))
	}
	return nil
}

// Rotate re-encrypts, with the primary key, every value sealed by another
// key. It returns how many rows it re-encrypted. Rows changed concurrently
// are skipped safely (their new value is already sealed by the primary key).
func (s *Service) Rotate(ctx context.Context) (int, error) {
	inUse, err := s.store.SecretKeyIDs(ctx)
	if err != nil {
		return 0, fmt.Errorf("list encryption key ids in use: %w", err)
	}
	n, bad, err := secretcrypt.Reseal(ctx, s.keys, inUse,
		func(ctx context.Context, keyID string) ([]store.Secret, error) {
			return s.store.ListSecretsByKeyID(ctx, keyID, 100)
		},
		func(r store.Secret) ([]byte, []byte) { return r.Ciphertext, secretcrypt.SecretAAD(r.OwnerID, r.ID) },
		func(ctx context.Context, r store.Secret, oldKeyID string, ct []byte, newKeyID string) (bool, error) {
			err := s.store.ReplaceSecretCiphertext(ctx, r.ID, oldKeyID, ct, newKeyID)
			if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
				return false, nil
			}
			return err == nil, err
		})
	if bad > 0 {
		s.logger.Warn("secrets whose stored value does not open were left sealed with their old key", "count", bad)
	}
	if n > 0 {
		s.logger.Info("re-encrypted secrets with the primary key", "count", n, "key_id", s.keys.PrimaryID())
	}
	return n, err
}
