package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/web"
)

// The dashboard's session (docs/dashboard.md). Signing in through
// POST /api/v2/users/login/cookie makes an ordinary session token and sets
// it as an HttpOnly cookie, so the pages' scripts never hold it. The auth
// middleware takes the cookie when no Coder-Session-Token header is given;
// such a request must then pass checkCookieRequest. Requests with the header
// (the CLI, scripts, agents) are not affected.
const (
	sessionCookieName = "coder_session_token"
	// csrfCookieName is readable by the pages' scripts, which send it back
	// in csrfHeaderName: a double submit. Its value is derived from the
	// session token (an HMAC keyed by it), so the server keeps nothing and a
	// cookie planted by another site cannot match a session it does not
	// know.
	csrfCookieName = "coder_csrf_token"
	csrfHeaderName = "X-Coder-CSRF-Token"
)

// csrfToken is the CSRF token of a session token.
func csrfToken(session string) string {
	m := hmac.New(sha256.New, []byte(session))
	m.Write([]byte("coder dashboard csrf token v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// safeMethod: methods that change nothing.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// ownOrigin reports whether origin (an Origin header) is this server's:
// the origin the request was sent to, or the access URL's.
func (s *Server) ownOrigin(r *http.Request, origin string) bool {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if r.Host != "" && origin == scheme+"://"+r.Host {
		return true
	}
	if a := s.opts.AccessURL; a != nil && a.Host != "" {
		return origin == (&url.URL{Scheme: a.Scheme, Host: a.Host}).String()
	}
	return false
}

// checkCookieRequest says why a request authenticated by the session
// cookie is refused, or "". A request from another site or origin never
// uses the cookie (Sec-Fetch-Site, Origin); a state-changing one must
// carry our Origin and the session's CSRF token in csrfHeaderName.
func (s *Server) checkCookieRequest(r *http.Request, session string) string {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return "A request from another site may not use the dashboard's session cookie."
	}
	origin := r.Header.Get("Origin")
	if origin != "" && !s.ownOrigin(r, origin) {
		return "A request from another origin may not use the dashboard's session cookie."
	}
	if safeMethod(r.Method) {
		return ""
	}
	if origin == "" {
		return "A request that changes something with the dashboard's session cookie must carry an Origin header."
	}
	got := r.Header.Get(csrfHeaderName)
	if subtle.ConstantTimeCompare([]byte(got), []byte(csrfToken(session))) != 1 {
		return "The request's CSRF token is missing or wrong: reload the page."
	}
	return ""
}

// secureCookies: cookies get Secure when the server is reached over TLS.
func (s *Server) secureCookies(r *http.Request) bool {
	return r.TLS != nil || (s.opts.AccessURL != nil && s.opts.AccessURL.Scheme == "https")
}

func (s *Server) setSessionCookies(w http.ResponseWriter, r *http.Request, token string) {
	age := int(s.opts.SessionLifetime.Seconds())
	http.SetCookie(w, &http.Cookie{Name: sessionCookieName, Value: token, Path: "/", MaxAge: age,
		HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: csrfCookieName, Value: csrfToken(token), Path: "/", MaxAge: age,
		Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookies(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: csrfCookieName, Value: "", Path: "/", MaxAge: -1,
		Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode})
}

// cookieLogin is POST /api/v2/users/login/cookie: a login (same body, same
// throttling) whose session token goes into the HttpOnly cookie instead of
// the answer. Only a page of this server may ask (Origin), so that another
// site cannot sign a browser in to an account of its choosing.
func (s *Server) cookieLogin(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o == "" || !s.ownOrigin(r, o) {
		writeError(w, http.StatusForbidden, "A cookie login must come from a page of this server (Origin header).")
		return
	}
	token, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	s.setSessionCookies(w, r, token)
	writeJSON(w, http.StatusCreated, sdk.Response{Message: "Logged in."})
}

// cookieSignedIn reports whether the request carries a valid session
// cookie (for the pages' redirects; it changes nothing).
func (s *Server) cookieSignedIn(r *http.Request) bool {
	c, err := r.Cookie(sessionCookieName)
	if err != nil || c.Value == "" {
		return false
	}
	_, _, msg, err := s.checkToken(r.Context(), c.Value)
	return err == nil && msg == ""
}

func noStoreRedirect(w http.ResponseWriter, r *http.Request, to string) {
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// webRoot is GET /: the secrets page when signed in, the login page when
// not.
func (s *Server) webRoot(w http.ResponseWriter, r *http.Request) {
	if s.cookieSignedIn(r) {
		noStoreRedirect(w, r, "/secrets")
		return
	}
	noStoreRedirect(w, r, "/login")
}

// webPage serves one of the dashboard's pages; every page but the login
// page needs a signed-in browser (others are sent to /login), and a signed-in
// browser at /login goes to /secrets.
func (s *Server) webPage(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		in := s.cookieSignedIn(r)
		switch {
		case name == web.LoginPage && in:
			noStoreRedirect(w, r, "/secrets")
		case name != web.LoginPage && !in:
			noStoreRedirect(w, r, "/login")
		default:
			web.ServePage(w, r, name)
		}
	}
}
