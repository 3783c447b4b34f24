package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"sync"
	"time"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/secrets"
	"github.com/usersecrets/coder/server/store"
)

// Options configure a Server.
type Options struct {
	Store     store.Store
	Keys      *secretcrypt.Keyring
	Logger    *slog.Logger
	AccessURL *url.URL
	Limits    sdk.Limits
	Version   string
	// SessionLifetime is how long a login's session token lives.
	SessionLifetime time.Duration
	// TokenLifetime is the default lifetime of an API token.
	TokenLifetime time.Duration
	// PasswordCost is the bcrypt work factor; 0 means DefaultPasswordCost.
	// Tests lower it to bcrypt.MinCost.
	PasswordCost int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server serves the REST API.
type Server struct {
	opts    Options
	store   store.Store
	secrets *secrets.Service
	logger  *slog.Logger
	now     func() time.Time
	mux     *http.ServeMux

	dummyOnce sync.Once
	dummy     []byte
}

// New builds a Server. It checks that the configured keys open the stored
// values and re-encrypts values sealed by older keys; a mismatch is an error
// that says why, and the server must not start.
func New(ctx context.Context, o Options) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SessionLifetime == 0 {
		o.SessionLifetime = 7 * 24 * time.Hour
	}
	if o.TokenLifetime == 0 {
		o.TokenLifetime = 30 * 24 * time.Hour
	}
	if o.PasswordCost == 0 {
		o.PasswordCost = DefaultPasswordCost
	}
	if o.Limits == (sdk.Limits{}) {
		o.Limits = sdk.DefaultLimits
	}
	s := &Server{
		opts:   o,
		store:  o.Store,
		logger: o.Logger,
		now:    o.Now,
		secrets: secrets.New(secrets.Options{
			Store: o.Store, Keys: o.Keys, Limits: o.Limits, Logger: o.Logger, Now: o.Now,
		}),
	}
	if err := s.secrets.CheckKeys(ctx); err != nil {
		return nil, err
	}
	if _, err := s.secrets.Rotate(ctx); err != nil {
		return nil, fmt.Errorf("re-encrypt secrets with the primary key: %w", err)
	}
	s.routes()
	return s, nil
}

// Secrets returns the encrypted secrets service (for the parts of the server
// that deliver values).
func (s *Server) Secrets() *secrets.Service { return s.secrets }

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /api/v2/buildinfo", s.buildInfo)
	m.HandleFunc("GET /api/v2/users/first", s.hasFirstUser)
	m.HandleFunc("POST /api/v2/users/first", s.createFirstUser)
	m.HandleFunc("POST /api/v2/users/login", s.login)
	m.Handle("POST /api/v2/users/logout", s.auth(s.logout))
	m.Handle("POST /api/v2/users", s.auth(s.createUser))
	m.Handle("GET /api/v2/users/{user}", s.auth(s.getUser))
	m.Handle("POST /api/v2/users/{user}/keys/tokens", s.auth(s.createToken))
	m.Handle("GET /api/v2/users/{user}/secrets", s.auth(s.listSecrets))
	m.Handle("POST /api/v2/users/{user}/secrets", s.auth(s.createSecret))
	m.Handle("GET /api/v2/users/{user}/secrets/{name}", s.auth(s.getSecret))
	m.Handle("PATCH /api/v2/users/{user}/secrets/{name}", s.auth(s.updateSecret))
	m.Handle("DELETE /api/v2/users/{user}/secrets/{name}", s.auth(s.deleteSecret))
	m.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Route %s %s does not exist.", r.Method, r.URL.Path))
	})
	s.mux = m
}

// ServeHTTP implements http.Handler: it logs every request (method, path,
// status, duration; never bodies or headers) and turns panics into 500s.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			s.logger.Error("panic in handler", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if sw.status == 0 {
				writeError(sw, http.StatusInternalServerError, "An internal error occurred. The server's log has the details.")
			}
		}
		s.logger.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", s.now().Sub(start))
	}()
	s.mux.ServeHTTP(sw, r)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) buildInfo(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, sdk.BuildInfo{Version: s.opts.Version})
}
