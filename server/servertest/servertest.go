// Package servertest runs the API server in process for tests, on either
// store backend, and hands out logged-in clients.
package servertest

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server"
	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/cryptstore"
	"github.com/usersecrets/coder/server/store/pgstore"
	"github.com/usersecrets/coder/server/store/pgtest"
	"github.com/usersecrets/coder/server/store/sqlitestore"
)

// Backend opens a fresh, empty store of one kind.
type Backend struct {
	Name string
	// Open returns the store and where its data lives: the SQLite file's
	// path or the PostgreSQL URL.
	Open func(t testing.TB) (store.Store, string)
}

// Backends lists the embedded SQLite store and PostgreSQL (a throwaway
// cluster; see pgtest).
func Backends() []Backend {
	return []Backend{
		{Name: "sqlite", Open: func(t testing.TB) (store.Store, string) {
			t.Helper()
			path := filepath.Join(t.TempDir(), "coder.db")
			st, err := sqlitestore.Open(context.Background(), path)
			if err != nil {
				t.Fatalf("open sqlite store: %v", err)
			}
			t.Cleanup(func() { st.Close() })
			return st, path
		}},
		{Name: "postgres", Open: func(t testing.TB) (store.Store, string) {
			t.Helper()
			u := pgtest.NewDatabase(t)
			st, err := pgstore.Open(context.Background(), u)
			if err != nil {
				t.Fatalf("open postgres store: %v", err)
			}
			t.Cleanup(func() { st.Close() })
			return st, u
		}},
	}
}

// LogBuffer collects a server's log lines; safe for concurrent use.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything logged so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Server is an in-process server with its first user (an admin).
type Server struct {
	URL *url.URL
	// Store is the backend as it is, below the encryption: what rests in
	// the database.
	Store store.Store
	// Crypt is the encrypted store the server runs on (plaintext records).
	Crypt *cryptstore.Store
	// Where is the SQLite path or PostgreSQL URL of the store.
	Where string
	// RawKeys are the server's keys, for rotation tests.
	RawKeys [][]byte
	Logs    *LogBuffer
	Admin   *sdk.Client
	Server  *server.Server
	// DataDir is the server's data folder (with Terraform on).
	DataDir string
}

// Options tune New.
type Options struct {
	Limits sdk.Limits
	// Now is the server's clock; nil means time.Now.
	Now func() time.Time
	// Terraform enables workspace builds: a real terraform (PATH or
	// $TF_ACC_TERRAFORM_PATH) and the real coder binary as the provider
	// and the agent.
	Terraform bool
	// ProvisionerWorkers is server.Options.ProvisionerWorkers (0: the
	// provisioner's default).
	ProvisionerWorkers int
	// Store, when set, is used instead of a fresh one from the backend
	// (several servers on one database); RawKeys must then be given too.
	Store   store.Store
	RawKeys [][]byte
	// WrapStore, when set, wraps the backend's fresh store (e.g. to count
	// its calls); Server.Store is then the wrapper.
	WrapStore func(store.Store) store.Store
	// WrapSealed, when set, wraps the encryption decorator the server is
	// given (cryptstore, above WrapStore's wrapper).
	WrapSealed func(*cryptstore.Store) store.Store
	// DisableUserSecretFileDelivery runs the server with
	// --disable-user-secret-file-delivery.
	DisableUserSecretFileDelivery bool
	// AgentBinariesDir is server.Options.AgentBinariesDir.
	AgentBinariesDir string
	// ProxyTrust is server.Options.ProxyTrust.
	ProxyTrust server.ProxyTrust
	// OpenAPI validates every request and answer against
	// docs/openapi.json (NewOpenAPIValidator); the test fails for each one
	// that does not validate.
	OpenAPI bool
	// Wrap, when set, wraps the server's handler (e.g. an
	// OpenAPIValidator's Wrap).
	Wrap func(http.Handler) http.Handler
	// NoFirstUser leaves the server without users (Admin is nil), for
	// tests of the first-user set-up.
	NoFirstUser bool
}

// TerraformPath finds terraform for tests: $TF_ACC_TERRAFORM_PATH or PATH.
// Without one the test fails under CI=true and skips loudly otherwise.
func TerraformPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("terraform is not on PATH; CI must install it (make terraform)")
		}
		t.Skip("SKIPPING: terraform is not on PATH (run `make terraform`); these tests need a real terraform")
	}
	return p
}

// New starts a server on a fresh store of backend b, creates the first user
// "admin" and returns it.
func New(t testing.TB, b Backend, o Options) *Server {
	t.Helper()
	var st store.Store
	var where string
	raw := o.RawKeys
	if o.Store != nil {
		st = o.Store
	} else {
		st, where = b.Open(t)
		if o.WrapStore != nil {
			st = joinThrough(o.WrapStore(st), st)
		}
	}
	if raw == nil {
		key, err := secretcrypt.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		raw = [][]byte{key}
	}
	logs := &LogBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cs, err := cryptstore.Open(context.Background(), st, cryptstore.Options{Keys: raw, Logger: logger})
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	// The listener comes first: the access URL goes into the agent's
	// bootstrap script.
	hs := httptest.NewUnstartedServer(nil)
	u, _ := url.Parse("http://" + hs.Listener.Addr().String())
	var served store.Store = cs
	if o.WrapSealed != nil {
		served = joinThrough(o.WrapSealed(cs), cs)
	}
	opts := server.Options{
		Store:        served,
		RelayAuth:    cs,
		Logger:       logger,
		Limits:       o.Limits,
		Now:          o.Now,
		Version:      "test",
		PasswordCost: bcrypt.MinCost,
		AccessURL:    u,

		DisableUserSecretFileDelivery: o.DisableUserSecretFileDelivery,
		ProxyTrust:                    o.ProxyTrust,
		AgentBinariesDir:              o.AgentBinariesDir,
	}
	if o.Terraform {
		dataDir := t.TempDir()
		opts.Terraform = TerraformPath(t)
		opts.Executable = clitest.Binary(t)
		opts.DataDir = dataDir
		opts.BaseEnv = clitest.BaseEnv(t.TempDir())
		opts.TerraformExtraEnv = []string{"TF_VAR_coder_workspaces_dir=" + filepath.Join(dataDir, "workspaces")}
		opts.SingleProcess = o.Store == nil && b.Name == "sqlite"
		opts.ProvisionerWorkers = o.ProvisionerWorkers
	}
	srv, err := server.New(context.Background(), opts)
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	if err := srv.Start(runCtx); err != nil {
		t.Fatal(err)
	}
	linkCtx, linked := context.WithTimeout(runCtx, 30*time.Second)
	err = srv.WaitLinked(linkCtx)
	linked()
	if err != nil {
		t.Fatalf("new server: its verified-token cache never came live: %v", err)
	}
	hs.Config.Handler = srv
	if o.Wrap != nil {
		hs.Config.Handler = o.Wrap(srv)
	}
	if o.OpenAPI {
		hs.Config.Handler = NewOpenAPIValidator(t).Wrap(hs.Config.Handler)
	}
	// As cli/server.go serves it.
	hs.Config.MaxHeaderBytes = server.MaxHeaderBytes
	hs.Listener = server.Listener(hs.Listener)
	hs.Start()
	t.Cleanup(func() {
		stop()
		srv.Wait()
		hs.CloseClientConnections()
		hs.Close()
	})
	s := &Server{URL: u, Store: st, Crypt: cs, Where: where, RawKeys: raw, Logs: logs, Server: srv, DataDir: opts.DataDir}
	ctx := context.Background()
	c := sdk.New(u)
	if o.Store != nil {
		// Another server on a shared database: the admin exists already.
		s.Admin = s.Login(t, "admin", "admin-password")
		return s
	}
	if o.NoFirstUser {
		return s
	}
	if _, err := c.CreateFirstUser(ctx, sdk.CreateFirstUserRequest{Username: "admin", Email: "admin@example.com", Password: "admin-password"}); err != nil {
		t.Fatalf("create first user: %v", err)
	}
	s.Admin = s.Login(t, "admin", "admin-password")
	return s
}

// Login returns a client logged in as username.
func (s *Server) Login(t testing.TB, username, password string) *sdk.Client {
	t.Helper()
	c := sdk.New(s.URL)
	res, err := c.Login(context.Background(), sdk.LoginRequest{Username: username, Password: password})
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	c.SessionToken = res.SessionToken
	return c
}

// NewMember creates a member user and returns a client logged in as it.
func (s *Server) NewMember(t testing.TB, username string) *sdk.Client {
	t.Helper()
	_, err := s.Admin.CreateUser(context.Background(), sdk.CreateUserRequest{
		Username: username, Email: username + "@example.com", Password: username + "-password",
	})
	if err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	return s.Login(t, username, username+"-password")
}

// Values returns the owner's secrets with their values opened through the
// server's encrypted store, sorted by name; an error if any value does not
// open.
func (s *Server) Values(ctx context.Context, ownerID uuid.UUID) ([]store.Secret, error) {
	return Values(ctx, s.Crypt, ownerID)
}

// Values is Server.Values through any encrypted store.
func Values(ctx context.Context, cs *cryptstore.Store, ownerID uuid.UUID) ([]store.Secret, error) {
	rows, err := cs.ListSecretsWithValues(ctx, ownerID)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if r.ValueErr != nil {
			return nil, r.ValueErr
		}
	}
	return rows, nil
}

// AgentToken reads the coder_agent's token from the workspace's sealed
// state (the only place it exists in the clear), for tests that act as the
// workspace's agent.
func (s *Server) AgentToken(t testing.TB, workspaceID uuid.UUID) string {
	t.Helper()
	return s.AgentAttribute(t, workspaceID, "token")
}

// AgentAttribute reads a string attribute (token, init_script...) of the
// first coder_agent in the workspace's sealed state.
func (s *Server) AgentAttribute(t testing.TB, workspaceID uuid.UUID, name string) string {
	t.Helper()
	pt, _, err := s.Crypt.GetWorkspaceState(context.Background(), workspaceID)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Type      string `json:"type"`
			Instances []struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(pt, &st); err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Resources {
		if r.Type == "coder_agent" && len(r.Instances) > 0 {
			v, _ := r.Instances[0].Attributes[name].(string)
			return v
		}
	}
	t.Fatal("no coder_agent in the state")
	return ""
}

// joinThrough gives a test's wrapper of inner the store.PeerJoiner of
// inner when it hides it, so that the server still links with the other
// servers on its database (its verified-token cache works, and its changes
// reach theirs).
func joinThrough(wrapped, inner store.Store) store.Store {
	if _, ok := wrapped.(store.PeerJoiner); ok {
		return wrapped
	}
	j, ok := inner.(store.PeerJoiner)
	if !ok {
		return wrapped
	}
	return peerJoining{wrapped, j}
}

type peerJoining struct {
	store.Store
	j store.PeerJoiner
}

func (p peerJoining) JoinPeers(ctx context.Context, h store.PeerHandlers) (store.Peers, error) {
	return p.j.JoinPeers(ctx, h)
}
