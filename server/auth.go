package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

// Token format: "<id>-<secret>", id 10 and secret 22 characters of
// [a-zA-Z0-9]. Only sha256(secret) is stored, found by id.
const (
	tokenIDLen     = 10
	tokenSecretLen = 22
	tokenAlphabet  = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

// Kinds of API key.
const (
	keyKindSession = "session"
	keyKindToken   = "token"
)

func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	// 256 is not a multiple of 62: reject the top bytes to stay unbiased.
	out := make([]byte, 0, n)
	for len(out) < n {
		for _, c := range b {
			if int(c) < 248 && len(out) < n {
				out = append(out, tokenAlphabet[int(c)%62])
			}
		}
		if _, err := rand.Read(b); err != nil {
			return "", err
		}
	}
	return string(out), nil
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// newAPIKey makes and stores a key for user; it returns the token, shown once.
func (s *Server) newAPIKey(ctx context.Context, userID uuid.UUID, kind string, lifetime time.Duration) (string, time.Time, error) {
	id, err := randomString(tokenIDLen)
	if err != nil {
		return "", time.Time{}, err
	}
	secret, err := randomString(tokenSecretLen)
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.now().UTC()
	k := store.APIKey{
		ID:           id,
		HashedSecret: hashSecret(secret),
		UserID:       userID,
		Kind:         kind,
		ExpiresAt:    now.Add(lifetime),
		CreatedAt:    now,
	}
	if err := s.store.InsertAPIKey(ctx, k); err != nil {
		return "", time.Time{}, fmt.Errorf("insert api key: %w", err)
	}
	return id + "-" + secret, k.ExpiresAt, nil
}

type ctxKey int

const (
	ctxUser ctxKey = iota
	ctxKeyID
	ctxSecretsGen
)

func userFrom(ctx context.Context) store.User { return ctx.Value(ctxUser).(store.User) }
func keyIDFrom(ctx context.Context) string    { return ctx.Value(ctxKeyID).(string) }

// secretsGenFrom is the caller's secrets generation, read with their token
// by auth; false outside auth.
func secretsGenFrom(ctx context.Context) (int64, bool) {
	g, ok := ctx.Value(ctxSecretsGen).(int64)
	return g, ok
}

// auth requires a valid session or API token in the Coder-Session-Token
// header, or the dashboard's session cookie (see websession.go: a request
// made with the cookie passes the CSRF checks too), and puts its user in
// the request context.
func (s *Server) auth(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := r.Header.Get(sdk.SessionTokenHeader)
		if token == "" {
			if c, err := r.Cookie(sessionCookieName); err == nil && c.Value != "" {
				if msg := s.checkCookieRequest(r, c.Value); msg != "" {
					writeError(w, http.StatusForbidden, msg)
					return
				}
				token = c.Value
			}
		}
		if token == "" {
			writeError(w, http.StatusUnauthorized, "You are not logged in: send a session token in the "+sdk.SessionTokenHeader+" header (run `coder login`).")
			return
		}
		a, status, msg, err := s.checkToken(r.Context(), token)
		if err != nil {
			s.writeInternal(w, r, err)
			return
		}
		if msg != "" {
			writeError(w, status, msg)
			return
		}
		ctx := context.WithValue(r.Context(), ctxUser, a.User)
		ctx = context.WithValue(ctx, ctxKeyID, a.Key.ID)
		ctx = context.WithValue(ctx, ctxSecretsGen, a.SecretsGeneration)
		next(w, r.WithContext(ctx))
	})
}

// checkToken looks a session or API token up: in the verified-token cache
// (tokencache.go), else in the database. A logout empties the cache of
// every process before it is answered, so the token is refused on the very
// next request to any of them. A token that does not let its bearer in
// gives a status and a message; err is an internal error.
func (s *Server) checkToken(ctx context.Context, token string) (store.APIKeyAuth, int, string, error) {
	id, secret, ok := strings.Cut(token, "-")
	if !ok || len(id) != tokenIDLen || len(secret) != tokenSecretLen {
		return store.APIKeyAuth{}, http.StatusUnauthorized, "The session token is malformed. Log in again with `coder login`.", nil
	}
	a, ok := s.tokens.get(id)
	if !ok {
		// One query for the key, its user and the user's secrets
		// generation: a key's user cannot be missing (deleting a user
		// deletes their keys).
		epoch, read := s.tokens.at(), s.now()
		var err error
		a, err = s.store.GetAPIKeyAuth(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return store.APIKeyAuth{}, http.StatusUnauthorized, "The session token is invalid or was revoked. Log in again with `coder login`.", nil
		}
		if err != nil {
			return store.APIKeyAuth{}, 0, "", err
		}
		s.tokens.put(epoch, read, a)
	}
	if subtle.ConstantTimeCompare(a.Key.HashedSecret, hashSecret(secret)) != 1 {
		return store.APIKeyAuth{}, http.StatusUnauthorized, "The session token is invalid or was revoked. Log in again with `coder login`.", nil
	}
	if !s.now().Before(a.Key.ExpiresAt) {
		return store.APIKeyAuth{}, http.StatusUnauthorized, "The session token has expired. Log in again with `coder login`.", nil
	}
	return a, 0, "", nil
}

// isSelf reports whether the {user} path segment names the caller: "me",
// the caller's username or the caller's id. It looks nothing up, so it tells
// a caller nothing about other users.
func isSelf(me store.User, user string) bool {
	if user == sdk.Me || user == me.Username {
		return true
	}
	id, err := uuid.Parse(user)
	return err == nil && id == me.ID
}

// resolveUser finds the user named by a {user} path segment.
func (s *Server) resolveUser(ctx context.Context, me store.User, user string) (store.User, error) {
	if isSelf(me, user) {
		return me, nil
	}
	if id, err := uuid.Parse(user); err == nil {
		return s.store.GetUserByID(ctx, id)
	}
	return s.store.GetUserByUsername(ctx, user)
}
