package server

import (
	"net/http"
	"sort"

	"github.com/usersecrets/coder/docs"
)

// openAPI serves the OpenAPI description of this API (docs/openapi.json).
func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(docs.OpenAPI)
}

// patternMux is a ServeMux that remembers the patterns registered on it.
type patternMux struct {
	*http.ServeMux
	patterns []string
}

func (m *patternMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (m *patternMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}

// Routes returns every pattern of routes.go ("METHOD /path"), sorted: what
// the OpenAPI test compares with docs/openapi.json.
func (s *Server) Routes() []string {
	out := append([]string(nil), s.patterns...)
	sort.Strings(out)
	return out
}
