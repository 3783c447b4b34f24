package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/servertest"
	"github.com/usersecrets/coder/server/web"
)

// webRequest sends a request as a browser would, with the given cookies
// and headers, and returns the answer with its body read.
func webRequest(t *testing.T, s *servertest.Server, method, path, body string, cookies []*http.Cookie, headers map[string]string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL.String()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func cookieNamed(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// cookieLogin signs in through the dashboard's route and returns the
// session and CSRF cookies.
func cookieLogin(t *testing.T, s *servertest.Server, origin string) (session, csrf *http.Cookie) {
	t.Helper()
	res, body := webRequest(t, s, "POST", "/api/v2/users/login/cookie", `{"username":"admin","password":"admin-password"}`, nil, map[string]string{"Origin": origin})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("cookie login: %d %s", res.StatusCode, body)
	}
	session, csrf = cookieNamed(res.Cookies(), "coder_session_token"), cookieNamed(res.Cookies(), "coder_csrf_token")
	if session == nil || csrf == nil {
		t.Fatalf("cookie login set %v, want the session and CSRF cookies", res.Cookies())
	}
	if strings.Contains(body, session.Value) {
		t.Fatal("the cookie login's answer holds the session token: the pages' scripts must never see it")
	}
	return session, csrf
}

// TestDashboardSession checks the dashboard's session cookie and the
// requests a hostile page could make with it: a cross-origin or cross-site
// request, a state-changing one without the CSRF token or without an
// Origin, a login from another origin; bearer-token requests need none of
// that. On both databases.
func TestDashboardSession(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b servertest.Backend) {
		s := servertest.New(t, b, servertest.Options{})
		ctx := context.Background()
		own := s.URL.String()
		evil := "http://evil.example"

		// Login from another origin, or with none: refused, no cookie.
		for _, o := range []string{"", evil, "null"} {
			h := map[string]string{}
			if o != "" {
				h["Origin"] = o
			}
			res, body := webRequest(t, s, "POST", "/api/v2/users/login/cookie", `{"username":"admin","password":"admin-password"}`, nil, h)
			if res.StatusCode != http.StatusForbidden || len(res.Cookies()) != 0 {
				t.Fatalf("cookie login with Origin %q: %d %s, cookies %v; want 403 and none", o, res.StatusCode, body, res.Cookies())
			}
		}
		// A wrong password is the login's usual 401.
		if res, _ := webRequest(t, s, "POST", "/api/v2/users/login/cookie", `{"username":"admin","password":"wrong-password"}`, nil, map[string]string{"Origin": own}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("cookie login with a wrong password: %d, want 401", res.StatusCode)
		}

		session, csrf := cookieLogin(t, s, own)
		if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || session.Secure {
			t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP", session)
		}
		if csrf.HttpOnly || csrf.Value == "" {
			t.Fatalf("CSRF cookie %+v: the pages' scripts must be able to read it", csrf)
		}
		jar := []*http.Cookie{{Name: session.Name, Value: session.Value}, {Name: csrf.Name, Value: csrf.Value}}

		// A same-origin read with the cookie works, with no-store.
		res, body := webRequest(t, s, "GET", "/api/v2/users/me", "", jar, map[string]string{"Sec-Fetch-Site": "same-origin"})
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `"username":"admin"`) || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("GET /users/me with the cookie: %d %s (Cache-Control %q)", res.StatusCode, body, res.Header.Get("Cache-Control"))
		}
		// Reads from another site or origin: refused.
		for _, h := range []map[string]string{{"Origin": evil}, {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}} {
			if res, body := webRequest(t, s, "GET", "/api/v2/users/me/secrets", "", jar, h); res.StatusCode != http.StatusForbidden {
				t.Fatalf("cross-origin read %v: %d %s, want 403", h, res.StatusCode, body)
			}
		}

		create := `{"name":"web-secret","value":"v-1","env_name":"WEB_SECRET"}`
		hostile := []struct {
			why string
			h   map[string]string
		}{
			{"a form post from another site (no CSRF header)", map[string]string{"Origin": evil, "Sec-Fetch-Site": "cross-site"}},
			{"another origin with the right CSRF token", map[string]string{"Origin": evil, "X-Coder-CSRF-Token": csrf.Value}},
			{"our origin without the CSRF token", map[string]string{"Origin": own}},
			{"our origin with a wrong CSRF token", map[string]string{"Origin": own, "X-Coder-CSRF-Token": "x" + csrf.Value}},
			{"no Origin", map[string]string{"X-Coder-CSRF-Token": csrf.Value}},
			{"a sibling site", map[string]string{"Origin": own, "X-Coder-CSRF-Token": csrf.Value, "Sec-Fetch-Site": "same-site"}},
		}
		for _, hc := range hostile {
			res, body := webRequest(t, s, "POST", "/api/v2/users/me/secrets", create, jar, hc.h)
			if res.StatusCode != http.StatusForbidden {
				t.Fatalf("%s: %d %s, want 403", hc.why, res.StatusCode, body)
			}
		}
		if list, err := s.Admin.Secrets(ctx, sdk.Me); err != nil || len(list) != 0 {
			t.Fatalf("after the refused requests: %d secrets, %v; want none stored", len(list), err)
		}
		// A CSRF token of another session does not fit this one.
		_, otherCSRF := cookieLogin(t, s, own)
		if res, _ := webRequest(t, s, "POST", "/api/v2/users/me/secrets", create, jar, map[string]string{"Origin": own, "X-Coder-CSRF-Token": otherCSRF.Value}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("another session's CSRF token: %d, want 403", res.StatusCode)
		}

		// The dashboard's own request: accepted.
		page := map[string]string{"Origin": own, "X-Coder-CSRF-Token": csrf.Value, "Sec-Fetch-Site": "same-origin"}
		if res, body := webRequest(t, s, "POST", "/api/v2/users/me/secrets", create, jar, page); res.StatusCode != http.StatusCreated {
			t.Fatalf("same-origin create with the CSRF token: %d %s", res.StatusCode, body)
		}
		// A bearer token needs no Origin nor CSRF token, and a cookie
		// beside it changes nothing.
		req, _ := http.NewRequest("DELETE", own+"/api/v2/users/me/secrets/web-secret", nil)
		req.Header.Set(sdk.SessionTokenHeader, s.Admin.SessionToken)
		req.AddCookie(&http.Cookie{Name: session.Name, Value: "garbage"})
		if r2, err := http.DefaultClient.Do(req); err != nil || r2.StatusCode != http.StatusNoContent {
			t.Fatalf("bearer delete: %v %v", r2, err)
		}

		// Sign-out: the cookies are cleared and the session revoked.
		res, body = webRequest(t, s, "POST", "/api/v2/users/logout", "", jar, page)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("logout with the cookie: %d %s", res.StatusCode, body)
		}
		if c := cookieNamed(res.Cookies(), "coder_session_token"); c == nil || c.MaxAge >= 0 || c.Value != "" {
			t.Fatalf("logout's session cookie %+v: want it cleared", c)
		}
		if res, _ := webRequest(t, s, "GET", "/api/v2/users/me", "", jar, nil); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the cookie after sign-out: %d, want 401", res.StatusCode)
		}
	})
}

// TestDashboardPages checks the pages' headers and redirects: / and every
// page but /login lead to /login when signed out; signed in, / and /login
// lead to /secrets; pages and assets carry the strict policy and no-store.
func TestDashboardPages(t *testing.T) {
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{})
	own := s.URL.String()
	for _, p := range []string{"/", "/secrets", "/workspaces", "/templates"} {
		res, _ := webRequest(t, s, "GET", p, "", nil, nil)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" || res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("signed-out GET %s: %d to %q, want 303 to /login", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	session, _ := cookieLogin(t, s, own)
	jar := []*http.Cookie{{Name: session.Name, Value: session.Value}}
	for _, p := range []string{"/", "/login"} {
		res, _ := webRequest(t, s, "GET", p, "", jar, nil)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/secrets" {
			t.Fatalf("signed-in GET %s: %d to %q, want 303 to /secrets", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	check := func(path, wantType string, c []*http.Cookie) string {
		t.Helper()
		res, body := webRequest(t, s, "GET", path, "", c, nil)
		want := map[string]string{
			"Content-Security-Policy": web.ContentSecurityPolicy,
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "no-referrer",
			"Cache-Control":           "no-store",
			"X-Content-Type-Options":  "nosniff",
		}
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), wantType) {
			t.Fatalf("GET %s: %d %q", path, res.StatusCode, res.Header.Get("Content-Type"))
		}
		for k, v := range want {
			if got := res.Header.Get(k); got != v {
				t.Fatalf("GET %s: %s is %q, want %q", path, k, got, v)
			}
		}
		return body
	}
	for _, p := range []string{"secrets", "workspaces", "templates"} {
		body := check("/"+p, "text/html", jar)
		// No inline script or style: every script is a file of ours.
		if strings.Contains(body, "<script>") || strings.Contains(body, "style=") || strings.Contains(body, "<style") || strings.Contains(body, "http://") || strings.Contains(body, "https://") {
			t.Fatalf("page %s has inline script or style, or a link elsewhere", p)
		}
		check("/assets/"+p+".js", "text/javascript", nil)
	}
	check("/login", "text/html", nil)
	for _, a := range []string{"api.js", "ui.js", "login.js", "app.css", "icon.svg"} {
		check("/assets/"+a, "", nil)
	}
	for _, bad := range []string{"/assets/nope.js", "/assets/web.go", "/assets/..%2fweb.go", "/assets/.hidden.js", "/nope"} {
		if res, _ := webRequest(t, s, "GET", bad, "", nil, nil); res.StatusCode != http.StatusNotFound {
			t.Fatalf("GET %s: %d, want 404", bad, res.StatusCode)
		}
	}

	// Over TLS the cookies are Secure.
	req := httptest.NewRequest("POST", "https://coder.example/api/v2/users/login/cookie", bytes.NewReader([]byte(`{"username":"admin","password":"admin-password"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://coder.example")
	rec := httptest.NewRecorder()
	s.Server.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("TLS cookie login: %d %s", rec.Code, rec.Body)
	}
	var resp sdk.Response
	_ = json.Unmarshal(rec.Body.Bytes(), &resp)
	cs := rec.Result().Cookies()
	if len(cs) != 2 || !cs[0].Secure || !cs[1].Secure {
		t.Fatalf("TLS cookie login set %+v: want both cookies Secure", cs)
	}
}
