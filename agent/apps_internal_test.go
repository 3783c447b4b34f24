package agent

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
)

// TestAppHealth runs the healthchecks of a real HTTP app that turns
// unhealthy, and of one nothing serves, against a fake server API that
// records the reports.
func TestAppHealth(t *testing.T) {
	var failing atomic.Bool
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNotFound) // any answer below 500 is healthy
	}))
	defer app.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := gone.URL
	gone.Close()

	agentID := uuid.New()
	var mu sync.Mutex
	last := map[string]string{}
	var history []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != sdk.AppHealthPath || r.Header.Get(sdk.SessionTokenHeader) != "agent-token" {
			http.Error(w, "unexpected", http.StatusTeapot)
			return
		}
		var req sdk.AppHealthRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.AgentID != agentID {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		mu.Lock()
		for k, v := range req.Healths {
			if last[k] != v {
				history = append(history, k+"="+v)
			}
			last[k] = v
		}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer api.Close()
	u, _ := url.Parse(api.URL)
	a := New(Options{URL: u, Token: "agent-token"})
	m := sdk.AgentManifest{AgentID: agentID, Apps: []sdk.WorkspaceApp{
		{Slug: "web", URL: app.URL, Healthcheck: &sdk.AppHealthcheck{URL: app.URL + "/healthz", Interval: 1, Threshold: 2}},
		{Slug: "dead", URL: goneURL, Healthcheck: &sdk.AppHealthcheck{URL: goneURL, Interval: 1, Threshold: 2}},
		{Slug: "cmd", Command: "true"},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.runAppHealth(ctx, m) }()
	defer func() { cancel(); <-done }()

	waitFor := func(want map[string]string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			mu.Lock()
			ok := true
			for k, v := range want {
				ok = ok && last[k] == v
			}
			got := append([]string(nil), history...)
			mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("health reports: got %v, want %v", got, want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor(map[string]string{"web": sdk.AppHealthy, "dead": sdk.AppUnhealthy})
	failing.Store(true)
	waitFor(map[string]string{"web": sdk.AppUnhealthy})
	failing.Store(false)
	waitFor(map[string]string{"web": sdk.AppHealthy})
	mu.Lock()
	defer mu.Unlock()
	if _, ok := last["cmd"]; ok {
		t.Errorf("an app without a healthcheck was reported: %v", history)
	}
	// Each app starts as initializing; dead needs two failures (the
	// threshold) before it is unhealthy.
	want := map[string][]string{
		"web":  {"web=initializing", "web=healthy", "web=unhealthy", "web=healthy"},
		"dead": {"dead=initializing", "dead=unhealthy"},
	}
	for slug, seq := range want {
		var got []string
		for _, h := range history {
			if len(h) > len(slug) && h[:len(slug)+1] == slug+"=" {
				got = append(got, h)
			}
		}
		if len(got) != len(seq) {
			t.Errorf("%s reports: got %v, want %v", slug, got, seq)
			continue
		}
		for i := range seq {
			if got[i] != seq[i] {
				t.Errorf("%s reports: got %v, want %v", slug, got, seq)
				break
			}
		}
	}
}
