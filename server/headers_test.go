package server_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

var wantSecurityHeaders = map[string]string{
	"X-Content-Type-Options":  "nosniff",
	"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
	"Referrer-Policy":         "no-referrer",
	"X-Frame-Options":         "DENY",
}

func checkSecurityHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	for k, want := range wantSecurityHeaders {
		if got := h.Get(k); got != want {
			t.Errorf("%s: got %s %q, want %q", what, k, got, want)
		}
	}
}

// TestSecurityHeaders checks that every kind of answer carries the
// security headers: success, each error, unknown routes, binaries.
func TestSecurityHeaders(t *testing.T) {
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{})
	cases := []struct {
		name, method, path string
		token              bool
		body               string
		status             int
	}{
		{"build info", "GET", "/api/v2/buildinfo", false, "", 200},
		{"secrets", "GET", "/api/v2/users/me/secrets", true, "", 200},
		{"not logged in", "GET", "/api/v2/users/me/secrets", false, "", 401},
		{"bad login", "POST", "/api/v2/users/login", false, `{"username":"admin","password":"wrong"}`, 401},
		{"bad JSON", "POST", "/api/v2/users/me/secrets", true, `{`, 400},
		{"unknown route", "GET", "/api/v2/nothing", false, "", 404},
		{"unknown binary", "GET", "/bin/coder-plan9-mips", false, "", 404},
		{"not the API", "GET", "/nothing", false, "", 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, s.URL.String()+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.token {
				req.Header.Set(sdk.SessionTokenHeader, s.Admin.SessionToken)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("got status %d, want %d", res.StatusCode, tc.status)
			}
			checkSecurityHeaders(t, tc.name, res.Header)
		})
	}
}

// TestNetHTTPErrorsAreJSON sends requests that net/http refuses before any
// handler runs, on a raw connection: a 2 MiB header, a request that is not
// HTTP, an unknown transfer encoding. Each answer must be the API's JSON
// error with the security headers, not net/http's plain text.
func TestNetHTTPErrorsAreJSON(t *testing.T) {
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{})
	cases := []struct {
		name    string
		request string
		status  int
		want    string
	}{
		{"2 MiB header", "GET /api/v2/buildinfo HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2<<20) + "\r\n\r\n", 431, "headers are too large"},
		{"not HTTP", "HELLO\r\n\r\n", 400, "not valid HTTP"},
		{"no Host header", "GET /api/v2/buildinfo HTTP/1.1\r\n\r\n", 400, "missing required Host header"},
		{"unknown transfer encoding", "POST /api/v2/users/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: rot13\r\n\r\n", 501, "transfer encoding"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", s.URL.Host)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
				t.Fatal(err)
			}
			// The server may answer and stop reading before the whole
			// request is sent.
			go func() { _, _ = io.WriteString(conn, tc.request) }()
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("read the answer: %v", err)
			}
			defer res.Body.Close()
			body, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tc.status {
				t.Fatalf("got status %d (%s), want %d", res.StatusCode, body, tc.status)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("got Content-Type %q, want application/json", ct)
			}
			var resp sdk.Response
			if err := json.Unmarshal(body, &resp); err != nil || !strings.Contains(resp.Message, tc.want) {
				t.Errorf("got body %q, want a JSON error whose message mentions %q", body, tc.want)
			}
			checkSecurityHeaders(t, tc.name, res.Header)
		})
	}
	// A header just under the limit still reaches the API.
	req, _ := http.NewRequest("GET", s.URL.String()+"/api/v2/buildinfo", nil)
	req.Header.Set("X-Padding", strings.Repeat("a", 32<<10))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("32 KiB header: got status %d, want 200", res.StatusCode)
	}
}
