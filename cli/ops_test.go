package cli_test

import (
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/usersecrets/coder/cli/clitest"
)

// httpGet returns the status and body of a GET.
func httpGet(t *testing.T, u string) (int, string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// TestServerOpsListeners: `coder server --prometheus-address
// --pprof-address` serves the metrics and pprof on listeners of their own
// (the API listener serves neither), and the health endpoints answer on
// the API's.
func TestServerOpsListeners(t *testing.T) {
	s := clitest.StartServer(t, "sqlite", "--prometheus-address", "127.0.0.1:0", "--pprof-address", "127.0.0.1:0")
	out := s.Output.String()
	m := regexp.MustCompile(`Prometheus metrics at (http://\S+)`).FindStringSubmatch(out)
	p := regexp.MustCompile(`pprof at (http://\S+)`).FindStringSubmatch(out)
	if m == nil || p == nil {
		t.Fatalf("the start message does not name the metrics and pprof listeners:\n%s", out)
	}
	if code, body := httpGet(t, s.URL+"/healthz"); code != http.StatusOK || strings.TrimSpace(body) != `{"status":"ok"}` {
		t.Fatalf("/healthz: %d %s", code, body)
	}
	if code, body := httpGet(t, s.URL+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz: %d %s", code, body)
	}
	code, body := httpGet(t, m[1])
	if code != http.StatusOK || !strings.Contains(body, `coder_http_requests_total{code="200",method="GET",route="GET /healthz"} 1`) {
		t.Fatalf("metrics: %d, want the one /healthz request counted:\n%s", code, body)
	}
	if code, body := httpGet(t, p[1]+"goroutine?debug=1"); code != http.StatusOK || !strings.Contains(body, "goroutine profile") {
		t.Fatalf("pprof goroutine profile: %d %.200s", code, body)
	}
	for _, path := range []string{"/metrics", "/debug/pprof/"} {
		if code, _ := httpGet(t, s.URL+path); code != http.StatusNotFound {
			t.Errorf("the API listener answers %s with %d, want 404", path, code)
		}
	}
}

// TestServerPprofLoopbackOnly: a pprof address that is not a loopback one
// is refused before anything starts.
func TestServerPprofLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "192.0.2.1:6060", "example.com:6060"} {
		cmd := exec.Command(clitest.Binary(t), "server", "--data-dir", t.TempDir(), "--http-address", "127.0.0.1:0", "--pprof-address", addr)
		cmd.Env = clitest.BaseEnv(t.TempDir())
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "must be a loopback address") {
			t.Errorf("--pprof-address %s: err %v, output:\n%s\nwant a refusal naming loopback", addr, err, out)
		}
		if strings.Contains(string(out), "Started HTTP listener") {
			t.Errorf("--pprof-address %s: the server started", addr)
		}
	}
}
