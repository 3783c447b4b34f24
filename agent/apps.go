package agent

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/usersecrets/coder/sdk"
)

// AppCommand returns the command of the current manifest's command app
// with that slug (for `coder ssh --app`); false when there is none.
func (a *Agent) AppCommand(slug string) (string, bool) {
	m := a.currentManifest()
	if m == nil {
		return "", false
	}
	for _, app := range m.Apps {
		if app.Slug == slug && app.Command != "" {
			return app.Command, true
		}
	}
	return "", false
}

// appHealthTimeout bounds one healthcheck request (and never exceeds the
// check's interval).
const appHealthTimeout = 5 * time.Second

// runAppHealth runs the healthchecks of the manifest's apps until ctx
// ends: each app's URL is fetched every interval seconds; an answer below
// 500 makes the app healthy, threshold failures in a row (no answer, or
// 5xx) unhealthy. The agent reports each app as initializing first, then
// every change; a report that fails is sent again at the next check.
func (a *Agent) runAppHealth(ctx context.Context, m sdk.AgentManifest) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	pending := map[string]string{}
	report := func() {
		mu.Lock()
		if len(pending) == 0 {
			mu.Unlock()
			return
		}
		req := sdk.AppHealthRequest{Healths: make(map[string]string, len(pending)), AgentID: m.AgentID}
		for k, v := range pending {
			req.Healths[k] = v
		}
		mu.Unlock()
		if err := a.client.PostAppHealth(ctx, req); err != nil {
			if ctx.Err() == nil {
				a.log.Warn("report app health", "error", err)
			}
			return
		}
		mu.Lock()
		for k, v := range req.Healths {
			if pending[k] == v {
				delete(pending, k)
			}
		}
		mu.Unlock()
	}
	set := func(slug, health string) {
		mu.Lock()
		pending[slug] = health
		mu.Unlock()
		report()
	}
	for _, app := range m.Apps {
		if app.Healthcheck == nil || app.Healthcheck.URL == "" {
			continue
		}
		h := *app.Healthcheck
		interval := time.Duration(max(h.Interval, 1)) * time.Second
		threshold := max(h.Threshold, 1)
		slug := app.Slug
		set(slug, sdk.AppInitializing)
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: min(interval, appHealthTimeout)}
			state, failures := sdk.AppInitializing, 0
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				next := state
				if checkApp(ctx, client, h.URL) {
					failures, next = 0, sdk.AppHealthy
				} else if failures++; failures >= threshold {
					next = sdk.AppUnhealthy
				}
				if next != state {
					a.log.Info("app health", "slug", slug, "health", next)
					state = next
					set(slug, state)
				} else {
					report() // a failed report is retried
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	wg.Wait()
}

// checkApp GETs url: true when it answers below 500.
func checkApp(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	res, err := client.Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode < 500
}
