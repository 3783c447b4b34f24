package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server"
	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/store/cryptstore"
	"github.com/usersecrets/coder/server/store/pgstore"
	"github.com/usersecrets/coder/server/store/pgtest"
)

// getHealth fetches a health endpoint without credentials.
func getHealth(t *testing.T, base *url.URL, path string) (int, server.HealthResponse, string) {
	t.Helper()
	res, err := http.Get(base.String() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	var h server.HealthResponse
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&h); err != nil {
		t.Fatalf("GET %s: body %q is not a health response: %v", path, body, err)
	}
	return res.StatusCode, h, string(body)
}

// TestHealthEndpoints: /healthz and /readyz answer without credentials,
// with check names and verdicts only.
func TestHealthEndpoints(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		code, h, body := getHealth(t, s.URL, "/healthz")
		if code != http.StatusOK || h.Status != "ok" || h.Checks != nil {
			t.Fatalf("/healthz: %d %s, want 200 {\"status\":\"ok\"}", code, body)
		}
		code, h, body = getHealth(t, s.URL, "/readyz")
		want := map[string]string{"database": "ok", "migrations": "ok", "provisioner": "disabled"}
		if code != http.StatusOK || h.Status != "ok" || !equalMaps(h.Checks, want) {
			t.Fatalf("/readyz: %d %s, want 200 with %v", code, body, want)
		}
		// Other methods are refused like on any route.
		res, err := http.Post(s.URL.String()+"/readyz", "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("POST /readyz: %d, want 405", res.StatusCode)
		}
	})
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestReadinessFollowsPostgres: on a PostgreSQL cluster of its own, the
// server's /readyz turns 503 (database failing, without any detail of
// why) when PostgreSQL stops, /healthz stays 200, and /readyz is 200 again
// once PostgreSQL is back.
func TestReadinessFollowsPostgres(t *testing.T) {
	ctx := context.Background()
	cl, err := pgtest.StartCluster(ctx)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required when CI=true: %v", err)
		}
		t.Skipf("SKIPPING: no PostgreSQL cluster: %v", err)
	}
	t.Cleanup(func() {
		if err := cl.Stop(); err != nil {
			t.Error(err)
		}
	})
	st, err := pgstore.Open(ctx, cl.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := secretcrypt.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	logs := &servertest.LogBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	cs, err := cryptstore.Open(ctx, st, cryptstore.Options{Keys: [][]byte{key}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, server.Options{Store: cs, RelayAuth: cs, Logger: logger, PasswordCost: bcrypt.MinCost, AccessURL: &url.URL{Scheme: "http", Host: "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	base, _ := url.Parse(hs.URL)

	if code, _, body := getHealth(t, base, "/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz with PostgreSQL up: %d %s", code, body)
	}
	// The metrics show pgx's pool.
	_, all := scrape(t, srv)
	if got, ok := value(all, "coder_db_max_open_connections", map[string]string{}); !ok || got < 1 {
		t.Fatalf("coder_db_max_open_connections on PostgreSQL = %v (present %v), want pgx's pool limit", got, ok)
	}
	if got, ok := value(all, "coder_db_open_connections", map[string]string{}); !ok || got < 1 {
		t.Fatalf("coder_db_open_connections on PostgreSQL = %v (present %v), want at least 1", got, ok)
	}
	if err := cl.Halt(ctx); err != nil {
		t.Fatal(err)
	}
	code, h, body := getHealth(t, base, "/readyz")
	if code != http.StatusServiceUnavailable || h.Status != "unavailable" || h.Checks["database"] != "failing" || h.Checks["migrations"] != "failing" {
		t.Fatalf("/readyz with PostgreSQL stopped: %d %s, want 503 with database and migrations failing", code, body)
	}
	u, _ := url.Parse(cl.URL)
	password, _ := u.User.Password()
	for _, leak := range []string{u.Port(), password, "connect", "refused", "127.0.0.1"} {
		if strings.Contains(body, leak) {
			t.Fatalf("/readyz body %s shows internal detail %q", body, leak)
		}
	}
	if strings.Contains(logs.String(), password) {
		t.Fatal("the server's log holds the database password")
	}
	if code, _, body := getHealth(t, base, "/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz with PostgreSQL stopped: %d %s, want 200 (the process is up)", code, body)
	}
	if err := cl.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, _, body := getHealth(t, base, "/readyz")
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz 30s after PostgreSQL restarted: %d %s", code, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// series is one sample of the Prometheus text format.
type series struct {
	name   string
	labels map[string]string
	value  float64
}

var sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$`)
var labelPair = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)

// scrape fetches the metrics through the server's handler on a listener of
// its own (as `coder server --prometheus-address` serves it) and returns
// the raw text and its samples.
func scrape(t *testing.T, srv *server.Server) (string, []series) {
	t.Helper()
	hs := httptest.NewServer(srv.MetricsHandler())
	defer hs.Close()
	res, err := http.Get(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d %v", res.StatusCode, err)
	}
	var out []series
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		m := sampleLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("unparsable metrics line %q", l)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", l, err)
		}
		labels := map[string]string{}
		for _, p := range labelPair.FindAllStringSubmatch(m[2], -1) {
			labels[p[1]] = p[2]
		}
		out = append(out, series{m[1], labels, v})
	}
	return string(raw), out
}

// value returns the sample of name with exactly labels, and whether there is one.
func value(all []series, name string, labels map[string]string) (float64, bool) {
	for _, s := range all {
		if s.name == name && equalMaps(s.labels, labels) {
			return s.value, true
		}
	}
	return 0, false
}

// TestMetrics runs a known sequence of requests and builds and checks the
// metrics' values, and that neither a secret's name nor its value shows in
// them (a canary of each).
func TestMetrics(t *testing.T) {
	var sqlite servertest.Backend
	for _, b := range servertest.Backends() {
		if b.Name == "sqlite" {
			sqlite = b
		}
	}
	s := servertest.New(t, sqlite, servertest.Options{Terraform: true})
	ctx := context.Background()
	pushTemplate(t, s.Admin, "buildcheck", "testdata/buildcheck")
	c := s.NewMember(t, "mona")

	// One failed login with a wrong password, one with a malformed body.
	if _, err := sdk.New(s.URL).Login(ctx, sdk.LoginRequest{Username: "mona", Password: "wrong-password"}); sdk.StatusCode(err) != http.StatusUnauthorized {
		t.Fatalf("wrong password: %v, want 401", err)
	}
	if code, _ := rawRequest(t, sdk.New(s.URL), http.MethodPost, "/api/v2/users/login", []byte(`{"username":"mona"}`)); code != http.StatusBadRequest {
		t.Fatalf("login without a password: %d, want 400", code)
	}

	secretName := canary(t)
	secretValue := canary(t)
	if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: "api-key", Value: sdk.SecretValue(secretValue), EnvName: "API_KEY"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{Name: secretName, Value: sdk.SecretValue(secretValue), FilePath: "~/.metrics-canary"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Secret(ctx, sdk.Me, secretName); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Secret(ctx, sdk.Me, secretName+"-missing"); sdk.StatusCode(err) != http.StatusNotFound {
		t.Fatalf("get a missing secret: %v, want 404", err)
	}
	if _, err := c.Secrets(ctx, sdk.Me); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateSecret(ctx, sdk.Me, secretName, sdk.UpdateSecretRequest{Description: ptr("d")}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSecret(ctx, sdk.Me, secretName); err != nil {
		t.Fatal(err)
	}
	// A path no route matches, holding the canary name.
	if code, _ := rawRequest(t, c, http.MethodGet, "/"+secretName, nil); code != http.StatusNotFound {
		t.Fatalf("GET /<canary>: %d, want 404", code)
	}

	ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "buildcheck"})
	if err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, c, ws.LatestBuild)
	agentClient := sdk.New(s.URL)
	agentClient.SessionToken = agentToken(t, s, ws.ID)
	if _, err := agentClient.AgentManifest(ctx); err != nil {
		t.Fatal(err)
	}
	bad := sdk.New(s.URL)
	bad.SessionToken = "not-a-token"
	if _, err := bad.AgentManifest(ctx); sdk.StatusCode(err) != http.StatusUnauthorized {
		t.Fatalf("manifest with a bad token: %v, want 401", err)
	}
	if code, h, body := getHealth(t, s.URL, "/readyz"); code != http.StatusOK || h.Checks["provisioner"] != "ok" {
		t.Fatalf("/readyz with the provisioner running: %d %s", code, body)
	}
	stop, err := c.CreateBuild(ctx, sdk.Me, "dev", sdk.TransitionStop)
	if err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, c, stop)

	// The provisioner counts a build once its result is recorded, which a
	// follower of the build can see a moment before: wait for the count.
	raw, all := scrape(t, s.Server)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if _, ok := value(all, "coder_builds_total", map[string]string{"transition": "stop", "status": "succeeded"}); ok {
			break
		}
		time.Sleep(10 * time.Millisecond)
		raw, all = scrape(t, s.Server)
	}
	for _, leak := range []string{secretName, secretValue} {
		if strings.Contains(raw, leak) {
			t.Fatalf("the metrics hold a canary %q:\n%s", leak, raw)
		}
	}
	want := []struct {
		name   string
		labels map[string]string
		value  float64
	}{
		{"coder_login_failures_total", map[string]string{"reason": "credentials"}, 1},
		{"coder_login_failures_total", map[string]string{"reason": "invalid"}, 1},
		{"coder_secret_operations_total", map[string]string{"action": "create", "code": "201"}, 2},
		{"coder_secret_operations_total", map[string]string{"action": "get", "code": "200"}, 1},
		{"coder_secret_operations_total", map[string]string{"action": "get", "code": "404"}, 1},
		{"coder_secret_operations_total", map[string]string{"action": "list", "code": "200"}, 1},
		{"coder_secret_operations_total", map[string]string{"action": "update", "code": "200"}, 1},
		{"coder_secret_operations_total", map[string]string{"action": "delete", "code": "204"}, 1},
		{"coder_http_requests_total", map[string]string{"route": "GET /api/v2/users/{user}/secrets/{name}", "method": "GET", "code": "404"}, 1},
		{"coder_http_requests_total", map[string]string{"route": "GET /api/v2/users/{user}/secrets/{name}", "method": "GET", "code": "200"}, 1},
		{"coder_http_requests_total", map[string]string{"route": "DELETE /api/v2/users/{user}/secrets/{name}", "method": "DELETE", "code": "204"}, 1},
		{"coder_http_requests_total", map[string]string{"route": "POST /api/v2/users/login", "method": "POST", "code": "401"}, 1},
		{"coder_http_requests_total", map[string]string{"route": "unmatched", "method": "GET", "code": "404"}, 1},
		{"coder_http_request_duration_seconds_count", map[string]string{"route": "GET /api/v2/users/{user}/secrets/{name}", "method": "GET"}, 2},
		{"coder_agent_manifest_fetches_total", map[string]string{"code": "200"}, 1},
		{"coder_agent_manifest_fetches_total", map[string]string{"code": "401"}, 1},
		{"coder_builds_total", map[string]string{"transition": "start", "status": "succeeded"}, 1},
		{"coder_builds_total", map[string]string{"transition": "stop", "status": "succeeded"}, 1},
		{"coder_build_duration_seconds_count", map[string]string{"transition": "start", "status": "succeeded"}, 1},
		{"coder_provisioner_queue_depth", map[string]string{}, 0},
		{"coder_agents_connected", map[string]string{}, 0},
	}
	for _, w := range want {
		got, ok := value(all, w.name, w.labels)
		if !ok || got != w.value {
			t.Errorf("%s%v = %v (present: %v), want %v", w.name, w.labels, got, ok, w.value)
		}
	}
	if got, ok := value(all, "coder_build_duration_seconds_sum", map[string]string{"transition": "start", "status": "succeeded"}); !ok || got <= 0 {
		t.Errorf("start build duration sum %v (present %v), want > 0", got, ok)
	}
	// The store keeps its connection open between queries.
	if got, ok := value(all, "coder_db_open_connections", map[string]string{}); !ok || got < 1 {
		t.Errorf("coder_db_open_connections = %v (present %v), want at least 1", got, ok)
	}
	if _, ok := value(all, "coder_db_max_open_connections", map[string]string{}); !ok {
		t.Error("coder_db_max_open_connections is missing")
	}
	if _, ok := value(all, "go_goroutines", map[string]string{}); !ok {
		t.Error("no go_goroutines: the Go collector is missing")
	}
	// Every route label is a pattern of the router, or "unmatched".
	for _, s := range all {
		if r, ok := s.labels["route"]; ok && r != "unmatched" && !strings.Contains(r, " /") {
			t.Errorf("route label %q is not a route pattern", r)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", raw)
	}
}

// TestAgentMetrics: `coder agent --prometheus-address` (a real agent
// process) counts the file secrets it wrote and could not write, on a
// loopback listener, with no secret name, path or value in the output.
func TestAgentMetrics(t *testing.T) {
	var sqlite servertest.Backend
	for _, b := range servertest.Backends() {
		if b.Name == "sqlite" {
			sqlite = b
		}
	}
	s := servertest.New(t, sqlite, servertest.Options{Terraform: true})
	ctx := context.Background()
	pushTemplate(t, s.Admin, "buildcheck", "testdata/buildcheck")
	c := s.NewMember(t, "nina")
	value, fileName, fileValue := canary(t), canary(t), canary(t)
	home := t.TempDir()
	if err := os.Mkdir(filepath.Join(home, "taken"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, req := range []sdk.CreateSecretRequest{
		{Name: "api-key", Value: sdk.SecretValue(value), EnvName: "API_KEY"},
		{Name: fileName, Value: sdk.SecretValue(fileValue), FilePath: "~/." + fileName},
		// A folder is in the way: the agent refuses to write it.
		{Name: "blocked", Value: sdk.SecretValue(fileValue), FilePath: "~/taken"},
	} {
		if _, err := c.CreateSecret(ctx, sdk.Me, req); err != nil {
			t.Fatal(err)
		}
	}
	ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: "dev", Template: "buildcheck"})
	if err != nil {
		t.Fatal(err)
	}
	mustSucceed(t, c, ws.LatestBuild)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	agentCtx, stop := context.WithCancel(ctx)
	cmd := exec.CommandContext(agentCtx, clitest.Binary(t), "agent")
	cmd.Env = append(clitest.BaseEnv(home), "CODER_AGENT_URL="+s.URL.String(),
		"CODER_AGENT_TOKEN="+agentToken(t, s, ws.ID), "CODER_AGENT_PROMETHEUS_ADDRESS="+addr)
	logs := &servertest.LogBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(); _ = cmd.Wait() })

	var raw string
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			raw = string(b)
			if strings.Contains(raw, "coder_agent_files_written_total 1\n") && strings.Contains(raw, "coder_agent_file_write_errors_total 1\n") {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("agent metrics after 60s:\n%s\nagent log:\n%s", raw, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if b, err := os.ReadFile(filepath.Join(home, "."+fileName)); err != nil || string(b) != fileValue {
		t.Fatalf("the file secret was not written: %v", err)
	}
	if !strings.Contains(raw, "coder_agent_sessions_total 0\n") {
		t.Fatalf("no sessions counter:\n%s", raw)
	}
	for _, leak := range []string{value, fileName, fileValue, "taken"} {
		if strings.Contains(raw, leak) {
			t.Fatalf("the agent's metrics hold %q:\n%s", leak, raw)
		}
	}
}

// TestReadinessProvisioner: /readyz reports the provisioner's workers: ok
// while they run, failing (503) once they are stopped.
func TestReadinessProvisioner(t *testing.T) {
	ctx := context.Background()
	var sqlite servertest.Backend
	for _, b := range servertest.Backends() {
		if b.Name == "sqlite" {
			sqlite = b
		}
	}
	st, _ := sqlite.Open(t)
	key, err := secretcrypt.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	cs, err := cryptstore.Open(ctx, st, cryptstore.Options{Keys: [][]byte{key}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, server.Options{
		Store: cs, RelayAuth: cs, PasswordCost: bcrypt.MinCost,
		AccessURL:  &url.URL{Scheme: "http", Host: "127.0.0.1"},
		Terraform:  servertest.TerraformPath(t),
		Executable: clitest.Binary(t),
		DataDir:    t.TempDir(),
		BaseEnv:    clitest.BaseEnv(t.TempDir()),
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	base, _ := url.Parse(hs.URL)
	if code, h, body := getHealth(t, base, "/readyz"); code != http.StatusServiceUnavailable || h.Checks["provisioner"] != "failing" {
		t.Fatalf("/readyz before the provisioner starts: %d %s, want 503 with the provisioner failing", code, body)
	}
	runCtx, stop := context.WithCancel(ctx)
	if err := srv.Start(runCtx); err != nil {
		t.Fatal(err)
	}
	if code, h, body := getHealth(t, base, "/readyz"); code != http.StatusOK || h.Checks["provisioner"] != "ok" {
		t.Fatalf("/readyz with the provisioner running: %d %s", code, body)
	}
	stop()
	srv.Wait()
	if code, h, body := getHealth(t, base, "/readyz"); code != http.StatusServiceUnavailable || h.Checks["provisioner"] != "failing" || h.Checks["database"] != "ok" {
		t.Fatalf("/readyz after the provisioner stopped: %d %s, want 503 with only the provisioner failing", code, body)
	}
}
