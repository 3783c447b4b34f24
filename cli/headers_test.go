package cli_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
)

// TestServerHeaders checks, against the real `coder server`, that answers
// carry the security headers and that a 2 MiB request header gets the API's
// JSON 431 (cli/server.go wires server.Listener and MaxHeaderBytes).
func TestServerHeaders(t *testing.T) {
	srv := clitest.StartServer(t, "sqlite")
	res, err := http.Get(srv.URL + "/api/v2/buildinfo")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for k, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("buildinfo: got %s %q, want %q", k, got, want)
		}
	}

	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	go func() {
		_, _ = io.WriteString(conn, "GET /api/v2/buildinfo HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 2<<20)+"\r\n\r\n")
	}()
	big, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read the answer to a 2 MiB header: %v", err)
	}
	defer big.Body.Close()
	body, _ := io.ReadAll(big.Body)
	var resp sdk.Response
	if big.StatusCode != http.StatusRequestHeaderFieldsTooLarge || json.Unmarshal(body, &resp) != nil || resp.Message == "" {
		t.Fatalf("2 MiB header: got %d %q, want 431 with a JSON error", big.StatusCode, body)
	}
}
