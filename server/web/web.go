// Package web holds the dashboard's pages (plain HTML, CSS and JavaScript
// modules), embedded in the binary, and serves them with a strict Content
// Security Policy. The pages call the REST API from the browser; the session
// cookie and its CSRF checks live in package server (websession.go).
package web

import (
	"embed"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var files embed.FS

// LoginPage is the page that needs no session.
const LoginPage = "login"

// Pages are the dashboard's pages, each served at /NAME from static/NAME.html.
var Pages = []string{LoginPage, "secrets", "workspaces", "templates"}

// ContentSecurityPolicy is the pages' policy: every script, style and
// fetch from this origin only, no inline script or style, no framing, no
// base URL, forms posted here only.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// setHeaders: the policy, and nothing kept in any cache (pages and assets
// are small, and a page must never come back from a cache after sign-out).
func setHeaders(h http.Header, contentType string) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", contentType)
}

// ServePage writes page name (one of Pages).
func ServePage(w http.ResponseWriter, r *http.Request, name string) {
	b, err := files.ReadFile("static/" + name + ".html")
	if err != nil {
		http.NotFound(w, r)
		return
	}
	setHeaders(w.Header(), "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

var assetTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml",
}

// ServeAsset is GET /assets/{file}: a script, a style sheet or an icon.
func ServeAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	ct, ok := assetTypes[path.Ext(name)]
	if !ok || strings.ContainsAny(name, "/\\") || strings.HasPrefix(name, ".") {
		notFound(w)
		return
	}
	b, err := files.ReadFile("static/" + name)
	if err != nil {
		notFound(w)
		return
	}
	setHeaders(w.Header(), ct)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("404 page not found\n"))
}
