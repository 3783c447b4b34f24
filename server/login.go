package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/loginthrottle"
	"github.com/usersecrets/coder/server/store"
)

// DefaultPasswordCost is the bcrypt work factor of password hashes.
const DefaultPasswordCost = 12

// Login throttling. Per account: 5 failures in a row are free, then each
// further one makes the account wait 1 s, 2 s, 4 s, ... up to 5 minutes
// before its next attempt. Per client address the same with 20 free
// failures (addresses are shared behind NAT; an IPv6 address counts as its
// /64). Counts are dropped 15 minutes after the last failure; a successful
// login clears its account's count (not its address's). Throttled attempts
// are answered 429 with Retry-After, without looking at the password.
var (
	accountLoginPolicy = loginthrottle.Policy{Free: 5, Base: time.Second, Max: 5 * time.Minute, Forget: 15 * time.Minute}
	addressLoginPolicy = loginthrottle.Policy{Free: 20, Base: time.Second, Max: 5 * time.Minute, Forget: 15 * time.Minute}
)

// setupLogins makes the dummy hash (now, not at the first unknown username,
// so that no login pays for it) and the throttles.
func (s *Server) setupLogins() error {
	dummy, err := bcrypt.GenerateFromPassword([]byte("not the password of anyone"), s.opts.PasswordCost)
	if err != nil {
		return fmt.Errorf("make the dummy password hash: %w", err)
	}
	s.dummy = dummy
	s.comparePassword = bcrypt.CompareHashAndPassword
	s.accountLogins = loginthrottle.New(accountLoginPolicy, s.now)
	s.addressLogins = loginthrottle.New(addressLoginPolicy, s.now)
	return nil
}

// accountKey is the throttle key of a username: usernames are compared
// case-insensitively.
func accountKey(username string) string { return strings.ToLower(username) }

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	token, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusCreated, sdk.LoginResponse{SessionToken: token})
}

// authenticate checks a login request's username and password (throttled)
// and makes a session token; on failure it writes the answer and returns
// false.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	var req sdk.LoginRequest
	if !readJSON(w, r, &req) {
		return "", false
	}
	if req.Username == "" || req.Password == "" {
		writeError(w, http.StatusBadRequest, "Username and password are required.")
		return "", false
	}
	addr, account := s.clientAddress(r), accountKey(req.Username)
	if wait := max(s.addressLogins.Wait(addr), s.accountLogins.Wait(account)); wait > 0 {
		s.tooManyLogins(w, req.Username, addr, wait)
		return "", false
	}
	u, err := s.store.GetUserByUsername(r.Context(), req.Username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.writeInternal(w, r, err)
		return "", false
	}
	known := err == nil
	// An unknown username is checked against the dummy hash: it costs the
	// same bcrypt work as a wrong password, so timing does not say which
	// usernames exist.
	hash := s.dummy
	if known {
		hash = u.HashedPassword
	}
	if s.comparePassword(hash, []byte(req.Password)) != nil || !known {
		wait := max(s.addressLogins.Fail(addr), s.accountLogins.Fail(account))
		reason := "wrong password"
		if !known {
			reason = "unknown username"
		}
		s.logger.Info("login failed", "username", req.Username, "client_address", addr, "reason", reason)
		if wait > 0 {
			s.tooManyLogins(w, req.Username, addr, wait)
			return "", false
		}
		writeError(w, http.StatusUnauthorized, "Incorrect username or password.")
		return "", false
	}
	s.accountLogins.Succeed(account)
	token, _, err := s.newAPIKey(r.Context(), u.ID, keyKindSession, s.opts.SessionLifetime)
	if err != nil {
		s.writeInternal(w, r, err)
		return "", false
	}
	s.logger.Info("user logged in", "user", u.Username, "client_address", addr)
	return token, true
}

// tooManyLogins answers 429 with Retry-After in whole seconds.
func (s *Server) tooManyLogins(w http.ResponseWriter, username, addr string, wait time.Duration) {
	secs := int((wait + time.Second - 1) / time.Second)
	s.logger.Warn("login throttled", "username", username, "client_address", addr, "retry_after_seconds", secs)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeError(w, http.StatusTooManyRequests, fmt.Sprintf("Too many failed logins: try again in %d seconds.", secs))
}
