package server

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

func toSDKUser(u store.User) sdk.User {
	return sdk.User{ID: u.ID, Username: u.Username, Email: u.Email, Name: u.Name, Role: u.Role, CreatedAt: u.CreatedAt}
}

func (s *Server) newUser(req sdk.CreateUserRequest) (store.User, error) {
	hash, err := bcrypt.GenerateFromPassword([]byte(req.Password), s.opts.PasswordCost)
	if err != nil {
		return store.User{}, fmt.Errorf("hash password: %w", err)
	}
	role := req.Role
	if role == "" {
		role = sdk.RoleMember
	}
	now := s.now().UTC()
	return store.User{
		ID:             uuid.New(),
		Username:       req.Username,
		Email:          req.Email,
		Name:           req.Name,
		HashedPassword: hash,
		Role:           role,
		CreatedAt:      now,
		UpdatedAt:      now,
	}, nil
}

func (s *Server) writeUserConflict(w http.ResponseWriter, r *http.Request, err error) {
	var ce *store.ConflictError
	if errors.As(err, &ce) {
		switch ce.Field {
		case "first_user":
			writeError(w, http.StatusConflict, "The first user has already been created. Log in with `coder login` instead.")
		case "email":
			writeError(w, http.StatusConflict, "A user with this email already exists.", sdk.ValidationError{Field: "email", Detail: "already in use"})
		default:
			writeError(w, http.StatusConflict, "A user with this username already exists.", sdk.ValidationError{Field: "username", Detail: "already in use"})
		}
		return
	}
	s.writeInternal(w, r, err)
}

func (s *Server) hasFirstUser(w http.ResponseWriter, r *http.Request) {
	n, err := s.store.CountUsers(r.Context())
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	if n == 0 {
		writeError(w, http.StatusNotFound, "The first user has not been created yet.")
		return
	}
	writeJSON(w, http.StatusOK, sdk.Response{Message: "The first user has been created."})
}

func (s *Server) createFirstUser(w http.ResponseWriter, r *http.Request) {
	var req sdk.CreateFirstUserRequest
	if !readJSON(w, r, &req) {
		return
	}
	if v := req.Validate(); len(v) > 0 {
		writeError(w, http.StatusBadRequest, "Invalid first user.", v...)
		return
	}
	u, err := s.newUser(sdk.CreateUserRequest{Username: req.Username, Email: req.Email, Name: req.Name, Password: req.Password, Role: sdk.RoleAdmin})
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	if err := s.store.InsertFirstUser(r.Context(), u); err != nil {
		s.writeUserConflict(w, r, err)
		return
	}
	s.logger.Info("first user created", "user", u.Username, "user_id", u.ID)
	writeJSON(w, http.StatusCreated, toSDKUser(u))
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	me := userFrom(r.Context())
	if me.Role != sdk.RoleAdmin {
		writeError(w, http.StatusForbidden, "Only admins can create users.")
		return
	}
	var req sdk.CreateUserRequest
	if !readJSON(w, r, &req) {
		return
	}
	if v := req.Validate(); len(v) > 0 {
		writeError(w, http.StatusBadRequest, "Invalid user.", v...)
		return
	}
	u, err := s.newUser(req)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	if err := s.store.InsertUser(r.Context(), u); err != nil {
		s.writeUserConflict(w, r, err)
		return
	}
	s.logger.Info("user created", "user", u.Username, "user_id", u.ID, "role", u.Role, "by", me.Username)
	writeJSON(w, http.StatusCreated, toSDKUser(u))
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	me := userFrom(r.Context())
	name := r.PathValue("user")
	if !isSelf(me, name) && me.Role != sdk.RoleAdmin {
		writeError(w, http.StatusForbidden, "You can only read your own user.")
		return
	}
	u, err := s.resolveUser(r.Context(), me, name)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("User %q not found.", name))
		return
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toSDKUser(u))
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(sessionCookieName); err == nil {
		s.clearSessionCookies(w, r)
	}
	id := keyIDFrom(r.Context())
	err := s.store.DeleteAPIKey(r.Context(), id)
	// The cached row goes on every process before the answer (even when
	// the delete's outcome is unknown), so the token is refused next.
	if ferr := s.forgetTokens(r.Context(), forgetKey+id); err == nil || errors.Is(err, store.ErrNotFound) {
		err = ferr
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.writeInternal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sdk.Response{Message: "Logged out."})
}

// maxTokenLifetime bounds the lifetime a caller may ask for.
const maxTokenLifetime = 365 * 24 * time.Hour

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	me := userFrom(r.Context())
	if !isSelf(me, r.PathValue("user")) {
		writeError(w, http.StatusForbidden, "You can only create tokens for yourself.")
		return
	}
	var req sdk.CreateTokenRequest
	if r.ContentLength != 0 && !readJSON(w, r, &req) {
		return
	}
	life := req.Lifetime
	switch {
	case life == 0:
		life = s.opts.TokenLifetime
	case life < 0 || life > maxTokenLifetime:
		writeError(w, http.StatusBadRequest, "Invalid token lifetime.", sdk.ValidationError{Field: "lifetime", Detail: "must be positive and at most 365 days"})
		return
	}
	token, exp, err := s.newAPIKey(r.Context(), me.ID, keyKindToken, life)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	s.logger.Info("api token created", "user", me.Username, "expires_at", exp)
	writeJSON(w, http.StatusCreated, sdk.TokenResponse{Key: token, ExpiresAt: exp})
}
