package agent_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/usersecrets/coder/agent"
	"github.com/usersecrets/coder/agent/agenttest"
	"github.com/usersecrets/coder/sdk"
)

// TestStopDoesNotWaitOnRefusedReports: once the workspace is being stopped
// the server refuses the agent's reports (403); the agent drops them at
// once instead of retrying them until its shutdown timeout (3 s), so the
// stop, which waits for the agent to exit, is not held up. Its stop script
// still runs.
func TestStopDoesNotWaitOnRefusedReports(t *testing.T) {
	t.Parallel()
	for _, code := range []int{http.StatusForbidden, http.StatusUnauthorized} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			m := baseManifest()
			m.Scripts = []sdk.AgentScript{{DisplayName: "Stop", Script: "echo stopped > " + home + "/stop-ran", RunOnStop: true, TimeoutSeconds: 30}}
			srv := agenttest.NewServer(t, m)
			logs := &agenttest.SyncBuffer{}
			a := agent.New(agent.Options{
				URL: srv.URL, Token: srv.Token, Home: home,
				Logger:       slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
				RetryInitial: 200 * time.Millisecond, RetryMax: time.Second,
			})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- a.Run(ctx) }()
			srv.WaitLifecycle(t, wait, sdk.LifecycleReady)

			srv.RefuseReports(code)
			start := time.Now()
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Run did not return within 30s of cancel")
			}
			took := time.Since(start)
			if srv.RefusedReports() == 0 {
				t.Fatal("the server refused no report: the test did not exercise the refusal")
			}
			// Before, each refused report was retried until the 3 s
			// shutdown timeout. The stop script and a fork take well
			// under a second.
			if took >= 2*time.Second {
				t.Errorf("Run returned %v after cancel with its reports refused, want well under the 3 s shutdown timeout", took.Round(time.Millisecond))
			}
			if got := readFile(t, home+"/stop-ran"); strings.TrimSpace(got) != "stopped" {
				t.Errorf("stop script: got %q", got)
			}
			if !strings.Contains(logs.String(), "no longer takes this agent's reports") {
				t.Errorf("log: no note that the reports were dropped:\n%s", logs.String())
			}
			if strings.Contains(logs.String(), "retrying") && strings.Contains(logs.String(), "state=off") {
				t.Errorf("log: the refused \"off\" report was retried:\n%s", logs.String())
			}
		})
	}
}

// TestFirstManifestSoonAfterTheBuild: while the server answers 401 (the
// token is recorded when the build finishes) the agent asks again at least
// every second instead of backing off towards RetryMax, so it starts soon
// after the build is recorded. With the default backoff (0.5 s doubling)
// six 401s took at least 15.75 s; capped, at most 6.5 s.
func TestFirstManifestSoonAfterTheBuild(t *testing.T) {
	t.Parallel()
	m := baseManifest()
	srv := agenttest.NewServer(t, m)
	srv.FailManifest(http.StatusUnauthorized, http.StatusUnauthorized, http.StatusUnauthorized,
		http.StatusUnauthorized, http.StatusUnauthorized, http.StatusUnauthorized)
	a := agent.New(agent.Options{
		URL: srv.URL, Token: srv.Token, Home: t.TempDir(),
		Logger:       slog.New(slog.DiscardHandler),
		RetryInitial: 500 * time.Millisecond, RetryMax: 30 * time.Second,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	srv.WaitLifecycle(t, wait, sdk.LifecycleStarting)
	took := time.Since(start)
	if got := srv.ManifestFetches(); got != 7 {
		t.Errorf("manifest fetches: got %d, want 7 (six refused, one answered)", got)
	}
	if took > 10*time.Second {
		t.Errorf("the agent started %v after six 401s, want at most about 6.5 s (one retry a second)", took.Round(time.Millisecond))
	}
	t.Logf("started %v after six 401s", took.Round(time.Millisecond))
}
