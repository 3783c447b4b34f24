package servertest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/usersecrets/coder/docs"
)

func init() {
	// A build log is one JSON value per line: validated as an array of them.
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		var out []any
		sc := bufio.NewScanner(body)
		sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
		for sc.Scan() {
			if len(bytes.TrimSpace(sc.Bytes())) == 0 {
				continue
			}
			var v any
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		if out == nil {
			out = []any{}
		}
		return out, sc.Err()
	})
	openapi3filter.RegisterBodyDecoder("application/x-tar", openapi3filter.FileBodyDecoder)
}

// OpenAPIValidator checks every request and answer that passes through it
// against docs/openapi.json (kin-openapi's openapi3filter): the route is
// documented, the request's parameters and body and the answer's status
// and body validate. Wrap a server's handler with Wrap (Options.Wrap); the
// test fails at its end for each request that did not validate.
type OpenAPIValidator struct {
	t      testing.TB
	router routers.Router

	mu     sync.Mutex
	seen   map[string]int // "METHOD /path/{pattern}" -> requests validated
	errors []string
}

// NewOpenAPIValidator loads docs/openapi.json.
func NewOpenAPIValidator(t testing.TB) *OpenAPIValidator {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	v := &OpenAPIValidator{t: t, router: r, seen: map[string]int{}}
	t.Cleanup(func() {
		v.mu.Lock()
		defer v.mu.Unlock()
		for _, e := range v.errors {
			t.Errorf("openapi: %s", e)
		}
	})
	return v
}

// Seen returns the documented operations ("METHOD /path") that at least
// one validated request reached.
func (v *OpenAPIValidator) Seen() map[string]int {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make(map[string]int, len(v.seen))
	for k, n := range v.seen {
		out[k] = n
	}
	return out
}

// Errors returns what did not validate so far.
func (v *OpenAPIValidator) Errors() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.errors...)
}

func (v *OpenAPIValidator) fail(format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.errors = append(v.errors, fmt.Sprintf(format, args...))
}

// Wrap validates what passes through h.
func (v *OpenAPIValidator) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, pathParams, err := v.router.FindRoute(r)
		if err != nil {
			v.fail("%s %s: not documented: %v", r.Method, r.URL.Path, err)
			h.ServeHTTP(w, r)
			return
		}
		op := route.Method + " " + route.Path
		body, err := io.ReadAll(r.Body)
		if err != nil {
			v.fail("%s: reading the request: %v", op, err)
		}
		_ = r.Body.Close()
		opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
		check := r.Clone(r.Context())
		check.Body = io.NopCloser(bytes.NewReader(body))
		in := &openapi3filter.RequestValidationInput{Request: check, PathParams: pathParams, Route: route, Options: opts}
		if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
			v.fail("%s: request %s: %v", op, r.URL.RequestURI(), err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &teeWriter{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		if rec.hijacked && rec.status == 0 {
			status = http.StatusSwitchingProtocols
		}
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: status, Header: rec.Header(), Options: opts,
		}
		out.SetBodyBytes(rec.body.Bytes())
		if err := openapi3filter.ValidateResponse(r.Context(), out); err != nil {
			b := rec.body.String()
			if len(b) > 500 {
				b = b[:500] + "..."
			}
			v.fail("%s: answer %d to %s: %v\nbody: %s", op, status, r.URL.RequestURI(), err, b)
		}
		v.mu.Lock()
		v.seen[op]++
		v.mu.Unlock()
	})
}

// teeWriter passes an answer through and keeps a copy; it streams (Flush)
// and hands websockets over (Hijack).
type teeWriter struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	hijacked bool
}

func (w *teeWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *teeWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *teeWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *teeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("hijack not supported")
	}
	w.hijacked = true
	return hj.Hijack()
}

func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Missing returns the operations of docs/openapi.json that no request
// reached, sorted.
func (v *OpenAPIValidator) Missing(ops []string) []string {
	seen := v.Seen()
	var out []string
	for _, op := range ops {
		if seen[op] == 0 {
			out = append(out, op)
		}
	}
	sort.Strings(out)
	return out
}
