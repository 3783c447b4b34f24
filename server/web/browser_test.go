package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium (.ci/run installs it), or
// $CODER_TEST_CHROMIUM. Without one the test fails under CI=true and skips
// loudly otherwise.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CODER_TEST_CHROMIUM"), "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed at /usr/bin/chromium; CI must install it (.ci/run: apt-get install chromium)")
	}
	t.Skip("SKIPPING: the dashboard's browser tests need Debian's chromium (apt-get install -y chromium) or $CODER_TEST_CHROMIUM")
	return ""
}

// artifactsDir is where the screenshots go: $CODER_TEST_ARTIFACTS, or a
// fresh folder under the system's temporary folder (kept after the test).
func artifactsDir(t *testing.T) string {
	t.Helper()
	base := os.Getenv("CODER_TEST_ARTIFACTS")
	if base == "" {
		base = os.TempDir()
	}
	dir := filepath.Join(base, fmt.Sprintf("coder-dashboard-%s-%s", t.Name(), time.Now().UTC().Format("20060102T150405")))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots of the dashboard: %s", dir)
	return dir
}

func canary(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "canary-" + hex.EncodeToString(b)
}

// browser is one headless chromium with a fresh profile, and what the test
// saw of it: console messages and the bodies of every response.
type browser struct {
	t         *testing.T
	ctx       context.Context
	base      string
	profile   string
	artifacts string
	axeJS     string
	shots     int

	mu        sync.Mutex
	console   []chromedp.ConsoleMessage
	responses map[network.RequestID]*network.Response
	bodies    map[string][]byte // URL and request id -> body
	pending   sync.WaitGroup
	stop      func()
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	exe := chromiumPath(t)
	axe, err := os.ReadFile("testdata/axe/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	profile := t.TempDir()
	b := &browser{t: t, base: base, profile: profile, artifacts: artifactsDir(t), axeJS: string(axe),
		responses: map[network.RequestID]*network.Response{}, bodies: map[string][]byte{}}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.Flag("disk-cache-dir", filepath.Join(profile, "cache")),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	b.ctx = ctx
	b.stop = func() {
		b.pending.Wait()
		cancel()
		cancelAlloc()
	}
	t.Cleanup(b.stop)
	// Start the browser with no deadline (a deadline on the first run
	// would be the browser's).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	if err := chromedp.Listen(ctx, b.onEvent); err != nil {
		t.Fatal(err)
	}
	return b
}

// onEvent keeps every response's body (fetched on another goroutine: the
// listener must not send commands).
func (b *browser) onEvent(ev any) {
	switch ev := ev.(type) {
	case *network.EventResponseReceived:
		b.mu.Lock()
		b.responses[ev.RequestID] = ev.Response
		b.mu.Unlock()
	case *network.EventLoadingFinished:
		b.mu.Lock()
		res := b.responses[ev.RequestID]
		b.mu.Unlock()
		if res == nil {
			return
		}
		b.pending.Add(1)
		go func() {
			defer b.pending.Done()
			r, err := chromedp.Call(b.ctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: ev.RequestID})
			if err != nil {
				return
			}
			body := r.Body
			if r.Base64encoded {
				body, _ = base64.StdEncoding.DecodeString(string(r.Body))
			}
			b.mu.Lock()
			b.bodies[res.URL+" #"+string(ev.RequestID)] = body
			b.mu.Unlock()
		}()
	}
}

// do runs actions with a deadline; a failure fails the test with the page's
// state.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(what, err)
	}
}

func (b *browser) fail(what string, err error) {
	b.t.Helper()
	state := ""
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	if loc, e := chromedp.Run(ctx, chromedp.Location()); e == nil {
		state += "location " + loc + "\n"
	}
	if txt, e := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`)); e == nil {
		state += "page text:\n" + txt
	}
	b.screenshot("failure")
	b.t.Fatalf("%s: %v\n%s", what, err, state)
}

// wait waits until the JavaScript expression is truthy.
func (b *browser) wait(what, expr string) {
	b.t.Helper()
	// A loop rather than chromedp.Poll: the expression may be evaluated
	// across a navigation (an error then means "not yet").
	deadline := time.Now().Add(40 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	if last == nil {
		last = fmt.Errorf("still false after 40s")
	}
	b.fail("waiting for "+what+" ("+expr+")", last)
}

func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail("evaluate "+expr, err)
	}
	return v
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(document.querySelector(%q) || {textContent: ""}).textContent`, sel))
}

// fill replaces the value of a field by typing into it.
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	eval[bool](b, fmt.Sprintf(`(() => { document.querySelector(%q).value = ""; return true; })()`, sel))
	b.do("fill "+sel, chromedp.SendKeys(chromedp.CSS(sel), value))
}

func (b *browser) click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
}

func (b *browser) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, b.base)
}

// screenshot writes the page as NN-name.png into the artifacts folder.
func (b *browser) screenshot(name string) {
	b.shots++
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(b.artifacts, fmt.Sprintf("%02d-%s.png", b.shots, name))
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// axeViolation is one serious or critical axe-core finding.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axe runs axe-core on the page as it is and fails on any serious or
// critical violation.
func (b *browser) axe(page string) {
	b.t.Helper()
	if !eval[bool](b, `typeof window.axe !== "undefined"`) {
		eval[chromedp.Void](b, b.axeJS+"\n;undefined")
	}
	raw := eval[[]byte](b, `(async () => {
		const r = await axe.run(document, { resultTypes: ["violations"] });
		return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
			.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + " " + (n.failureSummary || "")) }));
	})()`)
	var vs []axeViolation
	if err := json.Unmarshal(raw, &vs); err != nil {
		b.t.Fatalf("axe on %s: %v (%s)", page, err, raw)
	}
	for _, v := range vs {
		b.t.Errorf("axe on %s: %s (%s): %s\n  %s", page, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}
	if len(vs) > 0 {
		b.screenshot("axe-" + page)
		b.t.FailNow()
	}
}

// checkPage runs axe on the page in the light and dark schemes, at a
// desktop width and at 360 px, and takes a screenshot of each.
func (b *browser) checkPage(name string) {
	b.t.Helper()
	for _, scheme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		}); err != nil {
			b.t.Fatal(err)
		}
		for _, w := range []int64{1280, 360} {
			b.do("viewport", chromedp.EmulateViewport(w, 800))
			// Nothing sticks out sideways at this width.
			if w == 360 {
				if over := eval[bool](b, `document.documentElement.scrollWidth > window.innerWidth + 1`); over {
					b.screenshot(fmt.Sprintf("%s-%s-%d-overflow", name, scheme, w))
					b.t.Fatalf("%s at 360 px (%s) is wider than the screen", name, scheme)
				}
			}
			b.axe(fmt.Sprintf("%s (%s, %d px)", name, scheme, w))
			b.screenshot(fmt.Sprintf("%s-%s-%d", name, scheme, w))
		}
	}
	b.do("viewport", chromedp.EmulateViewport(1280, 900))
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		b.t.Fatal(err)
	}
}

// consoleProblems are the page errors the test saw: uncaught exceptions
// and Content Security Policy reports. (Failed API requests, logged by the
// browser as errors, are expected where the test sends bad input.)
// A report that holds one of the expected strings is left out.
func (b *browser) consoleProblems(expected ...string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
next:
	for _, m := range b.console {
		for _, e := range expected {
			if strings.Contains(m.Text, e) {
				continue next
			}
		}
		if m.IsException() || strings.Contains(m.Text, "Content Security Policy") || m.Source == "security" {
			out = append(out, fmt.Sprintf("%s %s:%d %s", m.Type, m.URL, m.Line+1, m.Text))
		}
	}
	return out
}

// close ends the browser (the allocator's cancel waits for its process),
// so that its profile is complete on disk.
func (b *browser) close() {
	b.stop()
}

// assertNowhere fails if any of the values is in a response body the
// browser received, or in a file of its profile (cache, storage, form data).
func (b *browser) assertNowhere(values ...string) {
	b.t.Helper()
	b.mu.Lock()
	n := 0
	for url, body := range b.bodies {
		n++
		for _, v := range values {
			if bytes.Contains(body, []byte(v)) {
				b.t.Errorf("a planted value is in the response body of %s", url)
			}
		}
	}
	b.mu.Unlock()
	if n == 0 {
		b.t.Fatal("no response body was captured: the canary check saw nothing")
	}
	files := 0
	err := filepath.WalkDir(b.profile, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		files++
		for _, v := range values {
			if bytes.Contains(data, []byte(v)) {
				b.t.Errorf("a planted value is in the browser's profile: %s", p)
			}
		}
		return nil
	})
	if err != nil || files == 0 {
		b.t.Fatalf("walk the browser's profile: %v (%d files)", err, files)
	}
	b.t.Logf("canary check: %d response bodies, %d files of the browser's profile", n, files)
}

// hostileServer serves a page on another origin that tries to use the
// dashboard's cookie: a form post, a no-cors fetch with credentials, and
// one with a guessed CSRF header.
func hostileServer(t *testing.T, target string) *httptest.Server {
	t.Helper()
	page := `<!doctype html><html><head><title>hostile</title></head><body>
<form id="f" method="POST" action="` + target + `/api/v2/users/me/secrets" enctype="text/plain" target="sink">
<input name='{"name":"stolen-form","value":"x","env_name":"STOLEN_FORM","pad":"' value='"}'>
</form><iframe name="sink" id="sink"></iframe>
<iframe id="framed" src="` + target + `/secrets"></iframe>
<script>
window.results = {};
fetch("` + target + `/api/v2/users/me/secrets", {method: "POST", mode: "no-cors", credentials: "include",
  headers: {"Content-Type": "text/plain"}, body: JSON.stringify({name: "stolen-fetch", value: "x", env_name: "STOLEN_FETCH"})})
  .then(() => { window.results.fetch = "sent"; }, (e) => { window.results.fetch = "error " + e; });
fetch("` + target + `/api/v2/users/me/secrets", {method: "POST", credentials: "include",
  headers: {"Content-Type": "application/json", "X-Coder-CSRF-Token": "guess"}, body: JSON.stringify({name: "stolen-cors", value: "x", env_name: "STOLEN_CORS"})})
  .then(() => { window.results.cors = "read"; }, (e) => { window.results.cors = "blocked"; });
fetch("` + target + `/api/v2/users/me/secrets", {credentials: "include"})
  .then((r) => r.text()).then((t) => { window.results.read = t; }, (e) => { window.results.read = "blocked"; });
document.getElementById("sink").addEventListener("load", () => { window.results.form = "answered"; });
document.getElementById("f").submit();
</script></body></html>`
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	}))
	t.Cleanup(hs.Close)
	return hs
}

// consoleSaw reports whether a console message holds text.
func (b *browser) consoleSaw(text string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.console {
		if strings.Contains(m.Text, text) {
			return true
		}
	}
	return false
}

// waitConsole waits until a console message holds text.
func (b *browser) waitConsole(text string) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b.consoleSaw(text) {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
