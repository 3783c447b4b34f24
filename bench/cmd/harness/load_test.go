package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestRawClient checks the load generator's HTTP/1.1 client against
// net/http's server: Content-Length and chunked bodies, the header sent,
// a refused answer, a server closing the connection, a timeout.
func TestRawClient(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Token") != "t0k" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/length":
			w.Header().Set("Content-Length", "5")
			_, _ = w.Write([]byte("hello"))
		case "/chunked":
			for range 3 {
				_, _ = w.Write([]byte(strings.Repeat("x", 1000)))
				w.(http.Flusher).Flush()
			}
		case "/close":
			w.Header().Set("Connection", "close")
			_, _ = w.Write([]byte("bye"))
		case "/slow":
			time.Sleep(300 * time.Millisecond)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	get := func(path, token string, timeout time.Duration) (int, error) {
		t.Helper()
		u, _ := url.Parse(srv.URL + path)
		c := &rawClient{addr: u.Host, req: rawRequest(u, http.Header{"X-Token": {token}}), timeout: timeout}
		defer c.close()
		return c.get(time.Now())
	}
	if n, err := get("/length", "t0k", time.Second); err != nil || n != 5 {
		t.Errorf("/length: %d, %v; want 5 bytes", n, err)
	}
	if n, err := get("/chunked", "t0k", time.Second); err != nil || n != 3000 {
		t.Errorf("/chunked: %d, %v; want 3000 bytes", n, err)
	}
	if _, err := get("/length", "wrong", time.Second); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a 401 answer: %v; want a status error", err)
	}
	if _, err := get("/slow", "t0k", 50*time.Millisecond); !isTimeout(err) {
		t.Errorf("a slow answer: %v; want a timeout", err)
	}

	// One connection carries many requests; a "Connection: close" answer
	// makes the next request dial again.
	u, _ := url.Parse(srv.URL + "/length")
	c := &rawClient{addr: u.Host, req: rawRequest(u, http.Header{"X-Token": {"t0k"}}), timeout: time.Second}
	defer c.close()
	before := conns.Load()
	for range 10 {
		if _, err := c.get(time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if got := conns.Load() - before; got != 1 {
		t.Errorf("10 keep-alive requests opened %d connections; want 1", got)
	}
	cu, _ := url.Parse(srv.URL + "/close")
	cc := &rawClient{addr: cu.Host, req: rawRequest(cu, http.Header{"X-Token": {"t0k"}}), timeout: time.Second}
	defer cc.close()
	before = conns.Load()
	for range 3 {
		if n, err := cc.get(time.Now()); err != nil || n != 3 {
			t.Fatalf("/close: %d, %v", n, err)
		}
	}
	if got := conns.Load() - before; got != 3 {
		t.Errorf("3 requests answered with Connection: close opened %d connections; want 3", got)
	}

	// runLoad counts answers and errors.
	r := runLoad(context.Background(), loadSpec{url: srv.URL + "/length", header: http.Header{"X-Token": {"t0k"}},
		conns: 4, dur: 200 * time.Millisecond, timeout: time.Second})
	if r.ok == 0 || r.errors != 0 || r.timeouts != 0 || r.bytes != 5 {
		t.Errorf("runLoad: %+v; want answers of 5 bytes, no error", r)
	}
	r = runLoad(context.Background(), loadSpec{url: srv.URL + "/length", header: http.Header{"X-Token": {"bad"}},
		conns: 2, dur: 100 * time.Millisecond, timeout: time.Second})
	if r.ok != 0 || r.errors == 0 {
		t.Errorf("runLoad with a refused token: %+v; want errors only", r)
	}
}
