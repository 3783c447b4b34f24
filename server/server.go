package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/agentconn"
	"github.com/usersecrets/coder/server/loginthrottle"
	"github.com/usersecrets/coder/server/provisioner"
	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/wake"
)

// Options configure a Server.
type Options struct {
	// Store is the encrypted store (store/cryptstore): the server reads
	// and writes plaintext records through it and holds no key.
	Store     store.Store
	Logger    *slog.Logger
	AccessURL *url.URL
	Limits    sdk.Limits
	Version   string
	// SessionLifetime is how long a login's session token lives.
	SessionLifetime time.Duration
	// TokenLifetime is the default lifetime of an API token.
	TokenLifetime time.Duration
	// DataDir holds the provider mirror and the provisioner's temporary
	// build folders.
	DataDir string
	// Terraform is the terraform (or tofu) binary; "" disables builds
	// (template and workspace routes then answer 503 saying why).
	Terraform string
	// Executable is this binary: the provider mirror links to it,
	// /bin/coder-<os>-<arch> serves it, and the provisioner starts it in
	// Terraform's place (see provisioner.LaunchEnv).
	Executable string
	// AgentBinariesDir holds the agent binaries of other platforms,
	// coder-<os>-<arch>[.exe] (`make build` cross-compiles them into
	// bin/agents/); served at /bin/ with their checksums, and each gets a
	// bootstrap script. "" or a missing folder: Executable only.
	AgentBinariesDir string
	// ProvisionerWorkers is how many builds run at once in this process.
	ProvisionerWorkers int
	// SingleProcess says no other server process shares the store.
	SingleProcess bool
	// SuperviseBuilds runs every Terraform command under Executable's
	// build supervisor (the coder binary's; see provisioner.Supervise), so
	// that no build process outlives the server.
	SuperviseBuilds bool
	// TerraformExtraEnv is added to every Terraform command.
	TerraformExtraEnv []string
	// RelayURL is the URL other server processes reach this one at, to
	// relay sessions to agents connected here ("" disables relaying: one
	// process).
	RelayURL string
	// RelayAuth authenticates the relay requests of server processes that
	// share the keys (the cryptstore.Store's MAC); required with RelayURL.
	RelayAuth RelayAuthenticator
	// RelayClient dials other server processes' RelayURL (nil:
	// http.DefaultClient); the CLI gives one that trusts --tls-ca-file.
	RelayClient *http.Client
	// BaseEnv is the server's own environment (os.Environ()); the
	// provisioner strips every CODER_* and TF_* variable from it.
	BaseEnv []string
	// DisableUserSecretFileDelivery is the deployment policy of coder
	// server --disable-user-secret-file-delivery: file targets are refused
	// on create and update and never delivered (placement.Policy).
	DisableUserSecretFileDelivery bool
	// ProxyTrust names the reverse proxies whose headers give a
	// request's client address (failed-login throttling per address);
	// empty: the TCP peer is the client.
	ProxyTrust ProxyTrust
	// PasswordCost is the bcrypt work factor; 0 means DefaultPasswordCost.
	// Tests lower it to bcrypt.MinCost.
	PasswordCost int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// RelayAuthenticator makes and checks the MAC of relay requests under the
// keys server processes share (cryptstore.Store implements it).
type RelayAuthenticator = agentconn.RelayAuthenticator

// Server serves the REST API.
type Server struct {
	opts  Options
	store store.Store
	ws    store.WorkspaceStore
	prov  *provisioner.Provisioner
	// agentHolds bounds the agent requests held until a build ends
	// (agentpending.go).
	agentHolds chan struct{}
	agents     *agentconn.Hub
	// agentWake wakes the held agent requests of its owner (by agent id)
	// when this process records a change of the agent's state.
	agentWake wake.Set
	// agentWaits counts the agent requests held now (getWorkspaceAgent).
	agentWaits atomic.Int64
	runCtx     context.Context
	logger     *slog.Logger
	now        func() time.Time
	mux        *http.ServeMux
	// patterns are the routes registered on mux (Routes).
	patterns []string
	// agentBins are the agent binaries by platform, found and checksummed
	// once (agentBinaries).
	agentBinsOnce sync.Once
	agentBins     map[string]provisioner.AgentBinary
	agentBinsErr  error
	// metrics are served by MetricsHandler (see metrics.go).
	metrics *metrics
	// pushMu serializes live file pushes (livepush.go), so an agent gets
	// them in the order the changes were made.
	pushMu sync.Mutex
	// mcache holds the agents' manifests (manifestcache.go).
	mcache *manifestCache
	// metaCache holds the users' secret metadata (secretmetacache.go).
	metaCache *secretMetaCache
	// tokens holds the verified tokens (tokencache.go).
	tokens *tokenCache
	// peersDone is closed once the peers are closed, after Start's ctx.
	peersDone chan struct{}

	// dummy is a bcrypt hash of the configured cost that a login for an
	// unknown username is checked against, so that it costs what a wrong
	// password costs.
	dummy []byte
	// comparePassword is bcrypt.CompareHashAndPassword (tests count calls).
	comparePassword func(hash, password []byte) error
	// accountLogins and addressLogins throttle failed logins per username
	// and per client address.
	accountLogins *loginthrottle.Throttle
	addressLogins *loginthrottle.Throttle
}

// New builds a Server. The store's keys must already match the database
// (cryptstore.Open checks them and re-seals what older keys sealed).
func New(ctx context.Context, o Options) (_ *Server, err error) {
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
		mcache:     newManifestCache(manifestCacheEntries, manifestCacheBytes),
		metaCache:  newSecretMetaCache(secretMetaCacheEntries, secretMetaCacheBytes),
		opts:       o,
		store:      o.Store,
		logger:     o.Logger,
		now:        o.Now,
		agentHolds: make(chan struct{}, maxAgentHolds),
	}
	if o.RelayURL != "" && o.RelayAuth == nil {
		return nil, errors.New("relaying between server processes needs RelayAuth")
	}
	ws, ok := o.Store.(store.WorkspaceStore)
	if !ok {
		return nil, errors.New("the store does not keep workspaces")
	}
	s.ws = ws
	s.agents = agentconn.New(agentconn.Options{
		Store:       ws,
		Logger:      s.logger,
		RelayURL:    o.RelayURL,
		RelayAuth:   o.RelayAuth,
		RelayClient: o.RelayClient,
		BaseContext: func() context.Context { return s.baseCtx(nil) },
		Now:         s.now,
		OnChange:    s.agentWake.Notify,
	})
	s.setupMetrics()
	if err := s.setupTokenCache(ctx); err != nil {
		return nil, err
	}
	defer func() {
		if p := s.tokens.peers; err != nil && p != nil {
			_ = p.Close()
		}
	}()
	if _, err := s.renameUnreachableSecrets(ctx); err != nil {
		return nil, fmt.Errorf("check the names of stored secrets: %w", err)
	}
	if err := s.setupLogins(); err != nil {
		return nil, err
	}
	if o.Terraform != "" {
		if err := s.setupProvisioner(); err != nil {
			return nil, err
		}
	}
	s.routes()
	return s, nil
}

// Start starts the provisioner's workers; they stop when ctx is done, and
// hijacked connections (agents) close with it, and this process leaves the
// others (store.Peers). Wait waits for the workers and the leaving.
func (s *Server) Start(ctx context.Context) error {
	s.runCtx = ctx
	if p := s.tokens.peers; p != nil {
		s.peersDone = make(chan struct{})
		go func() {
			defer close(s.peersDone)
			<-ctx.Done()
			if err := p.Close(); err != nil {
				s.logger.Warn("leave the other server processes", "error", err)
			}
		}()
	}
	if s.prov == nil {
		return nil
	}
	return s.prov.Start(ctx)
}

// Wait waits for the provisioner's workers after Start's ctx is done.
func (s *Server) Wait() {
	if s.prov != nil {
		s.prov.Wait()
	}
	if s.peersDone != nil {
		<-s.peersDone
	}
}

func (s *Server) baseCtx(r *http.Request) context.Context {
	if s.runCtx != nil {
		return s.runCtx
	}
	if r == nil {
		return context.Background()
	}
	return r.Context()
}

// ServeHTTP implements http.Handler: it sets the security headers on every
// response, logs every request (method, path, status, duration; never
// bodies or headers) and turns panics into 500s.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	setSecurityHeaders(w.Header())
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			s.logger.Error("panic in handler", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if sw.status == 0 {
				writeError(sw, http.StatusInternalServerError, "An internal error occurred. The server's log has the details.")
			}
		}
		took := s.now().Sub(start)
		s.metrics.observeRequest(r, sw.status, took)
		if s.logger.Enabled(r.Context(), slog.LevelDebug) {
			s.logger.Debug("request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", took)
		}
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
