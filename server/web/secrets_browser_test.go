package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
)

// TestDashboardSecretsInBrowser drives the dashboard in a real headless
// chromium against a real server (SQLite): first-user set-up, sign-out,
// sign-in, secrets created, listed with their badges, edited keeping and
// replacing the value, disabled and enabled, deleted with a confirmation,
// an import with a bad line refused; each step checked through the API and
// the store. Pages from another origin and another site try to use the
// session; axe-core checks every page; no planted value reaches a page, a
// response the browser got, its profile or the server's log.
func TestDashboardSecretsInBrowser(t *testing.T) {
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{NoFirstUser: true})
	ctx := context.Background()
	b := newBrowser(t, s.URL.String())
	v1, v2, v3, v4, thrown := canary(t), canary(t), canary(t), canary(t), canary(t)
	planted := []string{v1, v2, v3, v4, thrown}
	// domHasNoValue: no planted value in the page's DOM, form fields
	// included.
	domHasNoValue := func(when string) {
		t.Helper()
		for _, v := range planted {
			js := fmt.Sprintf(`document.documentElement.outerHTML.includes(%q) || [...document.querySelectorAll("input, textarea")].some((e) => e.value.includes(%q))`, v, v)
			if eval[bool](b, js) {
				t.Fatalf("%s: a planted value is still in the page", when)
			}
		}
	}

	// 1. A new server: / leads to /login, which offers the first-user
	// set-up.
	b.open("/")
	b.wait("the set-up form", `!document.getElementById("setup-form").hidden`)
	if loc := b.location(); loc != "/login" {
		t.Fatalf("/ led to %s, want /login", loc)
	}
	b.checkPage("setup")
	// A validation error of the API shows next to its field.
	b.fill("#setup-username", "-bad-")
	b.fill("#setup-email", "admin@example.com")
	b.fill("#setup-password", "admin-password")
	b.click("#setup-form button[type=submit]")
	b.wait("the username error", `!document.getElementById("setup-username-error").hidden`)
	if got := b.text("#setup-username-error"); got == "" {
		t.Fatal("the username's validation error is empty")
	}
	if !eval[bool](b, `document.getElementById("setup-username").getAttribute("aria-invalid") === "true" && document.activeElement.id === "setup-username"`) {
		t.Fatal("the invalid username field is not marked invalid and focused")
	}
	b.screenshot("setup-error")
	if _, err := sdk.New(s.URL).Login(ctx, sdk.LoginRequest{Username: "-bad-", Password: "admin-password"}); err == nil {
		t.Fatal("the refused set-up made a user")
	}
	b.fill("#setup-username", "admin")
	b.click("#setup-form button[type=submit]")
	b.wait("the secrets page", `document.body.dataset.loaded === "secrets"`)
	if loc := b.location(); loc != "/secrets" {
		t.Fatalf("after set-up: %s, want /secrets", loc)
	}
	api := s.Login(t, "admin", "admin-password")
	me, err := api.User(ctx, sdk.Me)
	if err != nil || me.Role != sdk.RoleAdmin {
		t.Fatalf("the first user: %+v, %v; want an admin", me, err)
	}
	// The session cookie as the browser holds it.
	cookies, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{s.URL.String()}})
	if err != nil {
		t.Fatal(err)
	}
	var session *network.Cookie
	for _, c := range cookies.Cookies {
		if c.Name == "coder_session_token" {
			session = c
		}
	}
	if session == nil || !session.HTTPOnly || session.SameSite != network.CookieSameSiteLax {
		t.Fatalf("the browser's session cookie: %+v; want HttpOnly and SameSite=Lax", session)
	}
	if eval[bool](b, `document.cookie.includes("coder_session_token")`) {
		t.Fatal("the page's script can read the session cookie")
	}
	// The page's policy blocks an inline script, and the browser says so.
	const inline = "window.inlineRan = true"
	sum := sha256.Sum256([]byte(inline))
	inlineHash := "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
	if ran := eval[bool](b, `(() => { const s = document.createElement("script"); s.textContent = "`+inline+`"; document.body.append(s); return window.inlineRan === true; })()`); ran {
		t.Fatal("an inline script ran on the secrets page: the Content Security Policy does not hold")
	}
	if !b.waitConsole(inlineHash) {
		t.Fatal("the browser reported no Content Security Policy violation for the inline script")
	}

	// 2. Sign out: back to /login; the session is revoked.
	b.click("#sign-out")
	b.wait("the login form", `location.pathname === "/login" && !document.getElementById("login-form").hidden`)
	sessionAPI := sdk.New(s.URL)
	sessionAPI.SessionToken = session.Value
	if _, err := sessionAPI.User(ctx, sdk.Me); sdk.StatusCode(err) != 401 {
		t.Fatalf("the signed-out session: %v, want 401", err)
	}
	b.open("/secrets")
	b.wait("the login page", `location.pathname === "/login"`)

	// 3. Sign in: a wrong password first.
	b.fill("#login-username", "admin")
	b.fill("#login-password", "wrong-password")
	b.click("#login-form button[type=submit]")
	b.wait("the login error", `!document.getElementById("page-error").hidden`)
	if got := b.text("#page-error"); !strings.Contains(got, "Incorrect username or password") {
		t.Fatalf("login error: %q", got)
	}
	b.checkPage("login")
	b.fill("#login-password", "admin-password")
	b.click("#login-form button[type=submit]")
	b.wait("the secrets page", `location.pathname === "/secrets" && document.body.dataset.loaded === "secrets"`)
	b.wait("the empty list", `!document.getElementById("secrets-empty").hidden`)
	b.checkPage("secrets-empty")

	// 4. Create an env secret: a reserved name first (the API's error
	// shows next to the field, nothing is stored).
	b.click("#new-secret")
	b.wait("the secret form", `document.getElementById("secret-dialog").open`)
	b.fill("#secret-name", "api-key")
	b.fill("#secret-value", v1)
	b.fill("#secret-env", "PATH")
	b.fill("#secret-description", "first")
	b.checkPage("secret-form")
	b.click("#secret-save")
	b.wait("the env error", `!document.getElementById("secret-env-error").hidden`)
	if got := b.text("#secret-env-error"); got == "" {
		t.Fatal("the env_name error is empty")
	}
	b.screenshot("secret-form-error")
	if list, _ := api.Secrets(ctx, sdk.Me); len(list) != 0 {
		t.Fatalf("a refused create stored %d secrets", len(list))
	}
	b.fill("#secret-env", "API_KEY")
	b.click("#secret-save")
	b.wait("the api-key row", `document.querySelector('tr[data-secret="api-key"]') && !document.getElementById("secret-dialog").open`)
	domHasNoValue("after the create")
	values := func() map[string]string {
		t.Helper()
		rows, err := s.Values(ctx, me.ID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, r := range rows {
			out[r.Name] = string(r.Value)
		}
		return out
	}
	sec, err := api.Secret(ctx, sdk.Me, "api-key")
	if err != nil || sec.EnvName != "API_KEY" || sec.FilePath != "" || sec.Description != "first" || !sec.Enabled || values()["api-key"] != v1 {
		t.Fatalf("api-key through the API: %+v, %v (value matches: %v)", sec, err, values()["api-key"] == v1)
	}

	// 5. A file secret, and a disabled one with no target.
	b.click("#new-secret")
	b.wait("the secret form", `document.getElementById("secret-dialog").open`)
	if got := eval[string](b, `document.getElementById("secret-value").value`); got != "" {
		t.Fatal("the form shows the previous value again")
	}
	b.fill("#secret-name", "deploy-key")
	b.fill("#secret-value", v2)
	b.fill("#secret-file", "~/.ssh/deploy_key")
	b.click("#secret-save")
	b.wait("the deploy-key row", `document.querySelector('tr[data-secret="deploy-key"]') && !document.getElementById("secret-dialog").open`)
	b.click("#new-secret")
	b.wait("the secret form", `document.getElementById("secret-dialog").open`)
	b.fill("#secret-name", "notes")
	b.fill("#secret-value", "just notes")
	b.click("#secret-enabled")
	b.click("#secret-save")
	b.wait("the notes row", `document.querySelector('tr[data-secret="notes"]') && !document.getElementById("secret-dialog").open`)
	if sec, err := api.Secret(ctx, sdk.Me, "deploy-key"); err != nil || sec.FilePath != "~/.ssh/deploy_key" || sec.EnvName != "" || !sec.Enabled || values()["deploy-key"] != v2 {
		t.Fatalf("deploy-key through the API: %+v, %v", sec, err)
	}
	if sec, err := api.Secret(ctx, sdk.Me, "notes"); err != nil || sec.Enabled || sec.EnvName != "" || sec.FilePath != "" {
		t.Fatalf("notes through the API: %+v, %v", sec, err)
	}
	// The table: targets, and "not injected" on the target-less one only.
	rowText := func(name, col string) string {
		return b.text(fmt.Sprintf(`tr[data-secret=%q] td[data-col=%q]`, name, col))
	}
	badge := func(name string) bool {
		return eval[bool](b, fmt.Sprintf(`!!document.querySelector('tr[data-secret=%q] [data-badge="not-injected"]')`, name))
	}
	if rowText("api-key", "env") != "API_KEY" || rowText("deploy-key", "file") != "~/.ssh/deploy_key" || rowText("api-key", "description") != "first" {
		t.Fatalf("table cells: env %q, file %q, description %q", rowText("api-key", "env"), rowText("deploy-key", "file"), rowText("api-key", "description"))
	}
	if badge("api-key") || badge("deploy-key") || !badge("notes") {
		t.Fatalf("not-injected badges: api-key %v, deploy-key %v, notes %v; want only notes", badge("api-key"), badge("deploy-key"), badge("notes"))
	}
	if got := b.text(`tr[data-secret="api-key"] time`); got == "" {
		t.Fatal("no relative updated time")
	}
	b.checkPage("secrets")

	// The keyboard: Tab reaches the skip link first, which leads to the
	// content, whose first control is New secret; its dialog takes the
	// focus, Escape closes it and the focus comes back.
	b.open("/secrets")
	b.wait("the secrets page", `document.body.dataset.loaded === "secrets"`)
	focused := func(want, js string) {
		t.Helper()
		b.wait("the focus on "+want, js)
	}
	b.do("tab", chromedp.KeyEvent("\t"))
	focused("the skip link", `document.activeElement.classList.contains("skip")`)
	b.do("enter", chromedp.KeyEvent("\r"))
	focused("main", `document.activeElement.id === "main"`)
	b.do("tab", chromedp.KeyEvent("\t"))
	focused("New secret", `document.activeElement.id === "new-secret"`)
	b.do("enter", chromedp.KeyEvent("\r"))
	focused("the name field", `document.getElementById("secret-dialog").open && document.activeElement.id === "secret-name"`)
	b.do("escape", chromedp.KeyEvent(kb.Escape))
	focused("New secret again", `!document.getElementById("secret-dialog").open && document.activeElement.id === "new-secret"`)

	// 6. Edit the description, keeping the value: the form never holds
	// the value, and the PATCH does not send one.
	b.click(`button[data-action=edit][data-name="api-key"]`)
	b.wait("the edit form", `document.getElementById("secret-dialog").open && !document.getElementById("value-kept").hidden`)
	if got := eval[string](b, `document.getElementById("secret-value").value`); got != "" {
		t.Fatal("the edit form holds a value")
	}
	b.checkPage("secret-edit")
	b.fill("#secret-description", "second")
	b.click("#secret-save")
	b.wait("the new description", `!document.getElementById("secret-dialog").open && document.querySelector('tr[data-secret="api-key"] td[data-col="description"]').textContent === "second"`)
	if sec, err := api.Secret(ctx, sdk.Me, "api-key"); err != nil || sec.Description != "second" || values()["api-key"] != v1 {
		t.Fatalf("after the description edit: %+v, %v (value kept: %v)", sec, err, values()["api-key"] == v1)
	}

	// 7. Replace, then undo: the value is kept; replace for real: changed.
	b.click(`button[data-action=edit][data-name="api-key"]`)
	b.wait("the edit form", `document.getElementById("secret-dialog").open`)
	b.click("#value-replace")
	b.fill("#secret-value", thrown)
	b.click("#value-undo")
	if got := eval[string](b, `document.getElementById("secret-value").value`); got != "" {
		t.Fatal("undo left the typed value in the form")
	}
	b.fill("#secret-description", "third")
	b.click("#secret-save")
	b.wait("the third description", `!document.getElementById("secret-dialog").open && document.querySelector('tr[data-secret="api-key"] td[data-col="description"]').textContent === "third"`)
	if values()["api-key"] != v1 {
		t.Fatal("a replaced-then-undone value changed the stored value")
	}
	b.click(`button[data-action=edit][data-name="api-key"]`)
	b.wait("the edit form", `document.getElementById("secret-dialog").open`)
	b.click("#value-replace")
	b.fill("#secret-value", v3)
	eval[bool](b, `(() => { document.getElementById("status").textContent = ""; return true; })()`)
	b.click("#secret-save")
	b.wait("the dialog closed", `!document.getElementById("secret-dialog").open && document.getElementById("status").textContent.includes("Saved api-key")`)
	if sec, err := api.Secret(ctx, sdk.Me, "api-key"); err != nil || sec.Description != "third" || values()["api-key"] != v3 {
		t.Fatalf("after the value replace: %+v, %v (replaced: %v)", sec, err, values()["api-key"] == v3)
	}
	domHasNoValue("after the edits")

	// 8. Disable and enable.
	b.click(`button[data-action=toggle][data-name="api-key"]`)
	b.wait("api-key disabled", `!!document.querySelector('tr[data-secret="api-key"] [data-badge="not-injected"]')`)
	if sec, _ := api.Secret(ctx, sdk.Me, "api-key"); sec.Enabled {
		t.Fatal("api-key is still enabled after Disable")
	}
	b.click(`button[data-action=toggle][data-name="api-key"]`)
	b.wait("api-key enabled", `!document.querySelector('tr[data-secret="api-key"] [data-badge="not-injected"]')`)
	if sec, _ := api.Secret(ctx, sdk.Me, "api-key"); !sec.Enabled || values()["api-key"] != v3 {
		t.Fatal("api-key is not enabled with its value after Enable")
	}
	// Enabling the target-less one is refused, and says why.
	b.click(`button[data-action=toggle][data-name="notes"]`)
	b.wait("the enable error", `!document.getElementById("page-error").hidden`)
	if sec, _ := api.Secret(ctx, sdk.Me, "notes"); sec.Enabled {
		t.Fatal("a target-less secret got enabled")
	}

	// 9. Delete, with a confirmation that says the file stays on disk:
	// cancel first, then confirm.
	b.click(`button[data-action=delete][data-name="deploy-key"]`)
	b.wait("the delete dialog", `document.getElementById("delete-dialog").open`)
	msg := b.text("#delete-dialog-text")
	if !strings.Contains(msg, "stay on disk") || !strings.Contains(msg, "~/.ssh/deploy_key") {
		t.Fatalf("delete confirmation %q: want it to say the file ~/.ssh/deploy_key stays on disk", msg)
	}
	b.checkPage("secret-delete")
	b.click("#delete-cancel")
	if _, err := api.Secret(ctx, sdk.Me, "deploy-key"); err != nil {
		t.Fatalf("cancel deleted the secret: %v", err)
	}
	b.click(`button[data-action=delete][data-name="deploy-key"]`)
	b.wait("the delete dialog", `document.getElementById("delete-dialog").open`)
	b.click("#delete-confirm")
	b.wait("the row gone", `!document.querySelector('tr[data-secret="deploy-key"]')`)
	if _, err := api.Secret(ctx, sdk.Me, "deploy-key"); sdk.StatusCode(err) != 404 {
		t.Fatalf("deploy-key after delete: %v, want 404", err)
	}

	// 10. Import a .env file with one bad line: the error names the line,
	// nothing is stored. Then a good file.
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.env")
	if err := os.WriteFile(bad, []byte("GOOD_ONE="+v4+"\nthis line has no equals sign\nGOOD_TWO=two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.click("#import-secrets")
	b.wait("the import form", `document.getElementById("import-dialog").open`)
	b.checkPage("import")
	b.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{bad}))
	b.click("#import-submit")
	b.wait("the import error", `!document.getElementById("import-form-error").hidden`)
	errText := b.text("#import-form-error") + " " + b.text("#import-file-error") + " " + b.text("#import-entry-errors")
	if !strings.Contains(errText, "line 2") {
		t.Fatalf("import error %q: want it to name line 2", errText)
	}
	if strings.Contains(errText, v4) {
		t.Fatal("the import error shows a value")
	}
	b.screenshot("import-error")
	if list, _ := api.Secrets(ctx, sdk.Me); len(list) != 2 {
		t.Fatalf("after the refused import: %d secrets, want 2 (api-key, notes)", len(list))
	}
	if _, err := api.Secret(ctx, sdk.Me, "GOOD_ONE"); sdk.StatusCode(err) != 404 {
		t.Fatalf("GOOD_ONE after the refused import: %v, want 404", err)
	}
	good := filepath.Join(dir, "good.env")
	if err := os.WriteFile(good, []byte("GOOD_ONE="+v4+"\nGOOD_TWO=two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{good}))
	b.click("#import-submit")
	b.wait("the imported rows", `!document.getElementById("import-dialog").open && !!document.querySelector('tr[data-secret="GOOD_ONE"]')`)
	if sec, err := api.Secret(ctx, sdk.Me, "GOOD_ONE"); err != nil || sec.EnvName != "GOOD_ONE" || values()["GOOD_ONE"] != v4 {
		t.Fatalf("GOOD_ONE after the import: %+v, %v", sec, err)
	}
	domHasNoValue("after the import")

	// 11. The other pages.
	b.open("/templates")
	b.wait("the templates page", `document.body.dataset.loaded === "templates"`)
	b.checkPage("templates-empty")
	b.open("/workspaces")
	b.wait("the workspaces page", `document.body.dataset.loaded === "workspaces"`)
	b.checkPage("workspaces-empty")

	// No page error and no policy report on our pages.
	if p := b.consoleProblems(inlineHash); len(p) > 0 {
		t.Fatalf("the pages reported problems:\n%s", strings.Join(p, "\n"))
	}

	// 12. Hostile pages: one on another origin of the same site (another
	// port: the Lax cookie goes along), one on another site (localhost).
	before, _ := api.Secrets(ctx, sdk.Me)
	hs := hostileServer(t, s.URL.String())
	hu, _ := url.Parse(hs.URL)
	refused := func() int {
		return strings.Count(s.Logs.String(), "path=/api/v2/users/me/secrets status=403")
	}
	for i, origin := range []string{hs.URL, "http://localhost:" + hu.Port()} {
		n := refused()
		b.open2(origin + "/")
		b.wait("the hostile page's requests", `window.results && window.results.fetch && window.results.cors && window.results.read && window.results.form`)
		if got := eval[string](b, `window.results.read`); got != "blocked" {
			t.Fatalf("a page of %s read the secrets' list: %q", origin, got)
		}
		if got := eval[string](b, `window.results.cors`); got != "blocked" {
			t.Fatalf("a page of %s read a cross-origin answer: %q", origin, got)
		}
		// From the same site the browser sends the Lax cookie along: the
		// server itself refuses (Sec-Fetch-Site, Origin, CSRF token).
		if i == 0 && refused() <= n {
			t.Fatalf("the same-site page's requests were not refused with 403 by the server:\n%s", s.Logs.String())
		}
	}
	after, _ := api.Secrets(ctx, sdk.Me)
	if len(after) != len(before) {
		t.Fatalf("hostile pages changed the secrets: %d before, %d after", len(before), len(after))
	}
	for _, sc := range after {
		if strings.HasPrefix(sc.Name, "stolen") {
			t.Fatalf("a hostile page created %s", sc.Name)
		}
	}

	// 13. No planted value anywhere.
	b.close()
	b.assertNowhere(planted...)
	for _, v := range planted {
		if strings.Contains(s.Logs.String(), v) {
			t.Fatal("a planted value is in the server's log")
		}
	}
}

// open2 opens an absolute URL (another origin).
func (b *browser) open2(u string) {
	b.t.Helper()
	b.do("open "+u, chromedp.Navigate(u))
}
