// Package agenttest helps test the workspace agent against the real thing:
// Server is an in-process stand-in for the server's four agent endpoints
// (manifest, lifecycle, logs, and the rpc websocket carrying a yamux
// session), with a manifest tests can change, a record of what the agent
// reported, and a switch to drop the agent's connection; StartAgent runs
// `coder agent` from the module's real binary as a child process.
package agenttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/hashicorp/yamux"

	"github.com/usersecrets/coder/sdk"
)

// Server answers the agent's endpoints the way the real server does.
type Server struct {
	// URL is the server's base URL, for CODER_AGENT_URL.
	URL *url.URL
	// Token is the only agent token the server accepts.
	Token string

	srv    *httptest.Server
	ctx    context.Context
	cancel context.CancelFunc

	mu              sync.Mutex
	manifest        sdk.AgentManifest
	failManifest    []int
	manifestFetches int
	lifecycle       []sdk.AgentLifecycleRequest
	logs            []sdk.AgentLog
	logBodies       [][]byte
	connects        int
	sessions        map[*session]bool
	changed         chan struct{}
	// refuseReports, when set, is the status every lifecycle and log
	// report gets (as a server answers an agent whose workspace is being
	// stopped); refused counts those answers.
	refuseReports int
	refused       int
}

type session struct {
	ws   *websocket.Conn
	mux  *yamux.Session
	done chan struct{}
}

// NewServer starts a server that hands out m until SetManifest changes
// it. It stops at cleanup.
func NewServer(t testing.TB, m sdk.AgentManifest) *Server {
	t.Helper()
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		t.Fatal(err)
	}
	s := &Server{
		Token:    "agent-token-" + hex.EncodeToString(tok),
		manifest: m,
		sessions: map[*session]bool{},
		changed:  make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+sdk.AgentManifestPath, s.auth(s.handleManifest))
	mux.HandleFunc("POST "+sdk.AgentLifecyclePath, s.auth(s.handleLifecycle))
	mux.HandleFunc("POST "+sdk.AgentLogsPath, s.auth(s.handleLogs))
	mux.HandleFunc("GET "+sdk.AgentRPCPath, s.auth(s.handleRPC))
	s.srv = httptest.NewServer(mux)
	u, err := url.Parse(s.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	s.URL = u
	t.Cleanup(s.Close)
	return s
}

// Close drops every connection and stops the server.
func (s *Server) Close() {
	s.cancel()
	s.DropConnections()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(sdk.Response{Message: msg})
}

func (s *Server) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(sdk.AgentTokenHeader) != s.Token {
			writeError(w, http.StatusUnauthorized, "Agent token is missing or invalid.")
			return
		}
		h(w, r)
	}
}

// notifyLocked wakes everything waiting for a change. Hold s.mu.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) handleManifest(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	s.manifestFetches++
	code := 0
	if len(s.failManifest) > 0 {
		code, s.failManifest = s.failManifest[0], s.failManifest[1:]
	}
	m := s.manifest
	s.notifyLocked()
	s.mu.Unlock()
	if code != 0 {
		writeError(w, code, http.StatusText(code))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(m)
}

// RefuseReports makes every later lifecycle and log report get code, as
// the real server answers 403 once the workspace's stop build is queued.
func (s *Server) RefuseReports(code int) {
	s.mu.Lock()
	s.refuseReports = code
	s.mu.Unlock()
}

// RefusedReports returns how many reports RefuseReports refused.
func (s *Server) RefusedReports() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// refused answers a report with RefuseReports' code, if set.
func (s *Server) refuse(w http.ResponseWriter) bool {
	s.mu.Lock()
	code := s.refuseReports
	if code != 0 {
		s.refused++
		s.notifyLocked()
	}
	s.mu.Unlock()
	if code != 0 {
		writeError(w, code, "The workspace is not started.")
	}
	return code != 0
}

func (s *Server) handleLifecycle(w http.ResponseWriter, r *http.Request) {
	if s.refuse(w) {
		return
	}
	var req sdk.AgentLifecycleRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid request body.")
		return
	}
	switch req.State {
	case sdk.LifecycleCreated, sdk.LifecycleStarting, sdk.LifecycleReady, sdk.LifecycleStartError,
		sdk.LifecycleShutdown, sdk.LifecycleOff:
	default:
		writeError(w, http.StatusBadRequest, "Unknown lifecycle state.")
		return
	}
	s.mu.Lock()
	s.lifecycle = append(s.lifecycle, req)
	s.notifyLocked()
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleLogs(w http.ResponseWriter, r *http.Request) {
	if s.refuse(w) {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Read request body.")
		return
	}
	var req sdk.AgentLogsRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid request body.")
		return
	}
	s.mu.Lock()
	s.logs = append(s.logs, req.Logs...)
	s.logBodies = append(s.logBodies, body)
	s.notifyLocked()
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleRPC(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	conn := websocket.NetConn(s.ctx, ws, websocket.MessageBinary)
	cfg := yamux.DefaultConfig()
	cfg.LogOutput = io.Discard
	mux, err := yamux.Client(conn, cfg)
	if err != nil {
		_ = ws.CloseNow()
		return
	}
	sess := &session{ws: ws, mux: mux, done: make(chan struct{})}
	s.mu.Lock()
	s.connects++
	s.sessions[sess] = true
	s.notifyLocked()
	s.mu.Unlock()
	select {
	case <-mux.CloseChan():
	case <-s.ctx.Done():
	}
	_ = mux.Close()
	_ = ws.CloseNow()
	s.mu.Lock()
	delete(s.sessions, sess)
	s.notifyLocked()
	s.mu.Unlock()
}

// SetManifest changes what the next manifest fetch answers.
func (s *Server) SetManifest(m sdk.AgentManifest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.manifest = m
}

// FailManifest makes the next manifest fetches answer these status codes,
// one each, before answering normally again.
func (s *Server) FailManifest(codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failManifest = append(s.failManifest, codes...)
}

// ManifestFetches counts manifest requests with a valid token.
func (s *Server) ManifestFetches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.manifestFetches
}

// Lifecycle returns the states reported so far, in order.
func (s *Server) Lifecycle() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for _, l := range s.lifecycle {
		out = append(out, l.State)
	}
	return out
}

// Logs returns the log lines uploaded so far.
func (s *Server) Logs() []sdk.AgentLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.logs)
}

// LogBodies returns the raw bodies of every log upload.
func (s *Server) LogBodies() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.logBodies)
}

// Connects counts websocket connections the agent made.
func (s *Server) Connects() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connects
}

// Connected reports whether the agent is connected now.
func (s *Server) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions) > 0
}

// DropConnections cuts every agent connection at once, as a network
// failure would, and returns how many there were.
func (s *Server) DropConnections() int {
	s.mu.Lock()
	sessions := make([]*session, 0, len(s.sessions))
	for sess := range s.sessions {
		sessions = append(sessions, sess)
	}
	s.mu.Unlock()
	for _, sess := range sessions {
		_ = sess.ws.CloseNow()
		_ = sess.mux.Close()
	}
	return len(sessions)
}

// OpenStream opens a stream to the connected agent, as the server does to
// relay an SSH connection.
func (s *Server) OpenStream(ctx context.Context) (net.Conn, error) {
	s.mu.Lock()
	var sess *session
	for x := range s.sessions {
		sess = x
	}
	s.mu.Unlock()
	if sess == nil {
		return nil, errors.New("no agent is connected")
	}
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := sess.mux.Open()
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		return r.c, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// WaitFor waits until cond holds, checking it at every change the agent
// causes on the server and at least every 50ms (for conditions on files),
// and fails the test after timeout.
func (s *Server) WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		changed := s.changed
		s.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("waited %s for %s; lifecycle so far %v, %d connects", timeout, what, s.Lifecycle(), s.Connects())
		}
	}
}

// WaitLifecycle waits until the agent reported state.
func (s *Server) WaitLifecycle(t testing.TB, timeout time.Duration, state string) {
	t.Helper()
	s.WaitFor(t, timeout, "lifecycle state "+state, func() bool {
		return slices.Contains(s.Lifecycle(), state)
	})
}
