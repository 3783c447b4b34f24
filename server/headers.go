package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/usersecrets/coder/sdk"
)

// MaxHeaderBytes bounds a request's header (request line included), for
// http.Server.MaxHeaderBytes. API requests carry a token and a few short
// headers; 64 KiB leaves room for proxies. net/http refuses a larger header
// itself, before any handler runs; Listener turns that answer into JSON.
const MaxHeaderBytes = 64 << 10

// securityHeaders go on every response: the API serves JSON and binaries,
// never pages, so nothing may sniff, frame, embed or refer from it.
var securityHeaders = [][2]string{
	{"X-Content-Type-Options", "nosniff"},
	{"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
}

func setSecurityHeaders(h http.Header) {
	for _, kv := range securityHeaderValues {
		h[kv.key] = kv.values
	}
}

// securityHeaderValues is securityHeaders as header map entries, made once:
// every response shares the value slices, which are never changed in place
// (a handler's Set replaces one; an Add appends beyond its capacity of 1,
// so into a new array).
var securityHeaderValues = func() []struct {
	key    string
	values []string
} {
	out := make([]struct {
		key    string
		values []string
	}, len(securityHeaders))
	for i, kv := range securityHeaders {
		out[i].key = http.CanonicalHeaderKey(kv[0])
		out[i].values = []string{kv[1]}[:1:1]
	}
	return out
}()

// Listener wraps ln for http.Server.Serve so that the errors net/http
// answers by itself, before any handler runs (a header past MaxHeaderBytes:
// 431; a request that is not HTTP: 400; an unknown transfer encoding: 501),
// get the API's JSON error body and security headers instead of plain text.
// Every other byte passes through unchanged.
func Listener(ln net.Listener) net.Listener { return jsonErrorListener{ln} }

type jsonErrorListener struct{ net.Listener }

func (l jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonErrorConn{Conn: c}, nil
}

// jsonErrorConn rewrites net/http's own error answers. net/http writes each
// one straight to the connection in one Write, as
//
//	HTTP/1.1 <status>\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n<text>
//
// A handler's answer never starts that way: net/http sorts its headers, and
// ServeHTTP sets Content-Security-Policy, which sorts before Content-Type.
type jsonErrorConn struct {
	net.Conn
}

const netHTTPErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c *jsonErrorConn) Write(p []byte) (int, error) {
	if out, ok := rewriteNetHTTPError(p); ok {
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// CloseWrite lets net/http half-close the connection after a 431, as it
// does on a plain TCP connection.
func (c *jsonErrorConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.New("close write: not supported")
}

// ReadFrom keeps net/http's sendfile path for file downloads.
func (c *jsonErrorConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// rewriteNetHTTPError returns the JSON answer for one of net/http's own
// plain-text error answers, or false when p is not one.
func rewriteNetHTTPError(p []byte) ([]byte, bool) {
	const prefix = "HTTP/1.1 "
	if !bytes.HasPrefix(p, []byte(prefix)) {
		return nil, false
	}
	i := bytes.Index(p, []byte(netHTTPErrorHeaders))
	if i < 0 || bytes.IndexByte(p[:i], '\n') >= 0 {
		return nil, false
	}
	status := string(p[len(prefix):i])
	code, err := strconv.Atoi(strings.SplitN(status, " ", 2)[0])
	if err != nil || code < 400 || code > 599 {
		return nil, false
	}
	text := string(p[i+len(netHTTPErrorHeaders):])
	var msg string
	switch code {
	case http.StatusRequestHeaderFieldsTooLarge:
		msg = fmt.Sprintf("The request's headers are too large: at most %d bytes are accepted.", MaxHeaderBytes)
	case http.StatusNotImplemented:
		msg = "The request's transfer encoding is not supported."
	default:
		// "400 Bad Request" or "400 Bad Request: missing required Host header".
		msg = "The request is not valid HTTP"
		if _, detail, ok := strings.Cut(text, ": "); ok {
			msg += ": " + detail
		}
		msg += "."
	}
	body, _ := json.Marshal(sdk.Response{Message: msg})
	body = append(body, '\n')
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", code, http.StatusText(code))
	b.WriteString("Content-Type: application/json\r\nCache-Control: no-store\r\n")
	for _, kv := range securityHeaders {
		fmt.Fprintf(&b, "%s: %s\r\n", kv[0], kv[1])
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\nConnection: close\r\n\r\n", len(body))
	b.Write(body)
	return b.Bytes(), true
}
