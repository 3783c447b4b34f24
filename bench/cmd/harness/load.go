package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// loadSpec is one fixed-duration load: conns keep-alive clients, each
// sending the next request as soon as the last one is answered.
type loadSpec struct {
	url     string
	header  http.Header
	conns   int
	warmup  time.Duration // requests started before it are not counted
	dur     time.Duration
	timeout time.Duration // per request; a request cut by it is a timeout
}

// loadResult is what one load measured, over its counted window. The
// latencies are those of the answered requests; a timeout is counted, not
// timed.
type loadResult struct {
	ok       int
	errors   int // transport errors and non-200 answers
	timeouts int
	rps      float64 // answered with 200 per second
	p50, p99 time.Duration
	bytes    int // body size of the last answer
}

// runLoad runs spec and returns what it measured. It asserts nothing about
// timing: slow answers and timeouts are figures, not failures.
//
// Each client is one raw HTTP/1.1 keep-alive connection writing a request
// built once and reading the answer with a bufio.Reader: the load
// generator shares the machine with the server it measures, and Go's
// net/http client (two goroutines per connection, a context and a header
// map per request) cost about as much CPU per request as the server's
// answer, which pgbench's C client, the limit of the GET figures, does not.
func runLoad(ctx context.Context, spec loadSpec) loadResult {
	u, err := url.Parse(spec.url)
	if err != nil || u.Scheme != "http" {
		return loadResult{errors: 1}
	}
	req := rawRequest(u, spec.header)

	start := time.Now()
	counted := start.Add(spec.warmup)
	end := counted.Add(spec.dur)
	type tally struct {
		lat              []time.Duration
		errors, timeouts int
		bytes            int
	}
	tallies := make([]tally, spec.conns)
	var wg sync.WaitGroup
	for i := range spec.conns {
		wg.Add(1)
		go func(t *tally) {
			defer wg.Done()
			c := &rawClient{addr: u.Host, req: req, timeout: spec.timeout}
			defer c.close()
			for ctx.Err() == nil {
				begin := time.Now()
				if !begin.Before(end) {
					return
				}
				n, err := c.get(begin)
				done := time.Now()
				// A request started in the counted window counts: its
				// failure always, its answer if it came within the window.
				switch {
				case begin.Before(counted):
				case isTimeout(err):
					t.timeouts++
				case err != nil:
					t.errors++
				case !done.After(end):
					t.lat = append(t.lat, done.Sub(begin))
					t.bytes = n
				}
			}
		}(&tallies[i])
	}
	wg.Wait()
	var all []time.Duration
	var r loadResult
	for _, t := range tallies {
		all = append(all, t.lat...)
		r.errors += t.errors
		r.timeouts += t.timeouts
		if t.bytes > 0 {
			r.bytes = t.bytes
		}
	}
	r.ok = len(all)
	r.rps = float64(r.ok) / spec.dur.Seconds()
	slices.Sort(all)
	r.p50, r.p99 = quantile(all, 0.50), quantile(all, 0.99)
	return r
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// rawRequest is the bytes of a GET of u with header, sent as is on every
// request of a connection.
func rawRequest(u *url.URL, header http.Header) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: coder-bench\r\n", u.RequestURI(), u.Host)
	for k, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// rawClient is one keep-alive connection, dialled on first use and again
// after any error or a "Connection: close".
type rawClient struct {
	addr    string
	req     []byte
	timeout time.Duration
	conn    net.Conn
	br      *bufio.Reader
}

func (c *rawClient) close() {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}

// get sends the request and reads the whole answer, within c.timeout of
// begin; any status but 200 is an error. It returns the body's size.
func (c *rawClient) get(begin time.Time) (int, error) {
	deadline := begin.Add(c.timeout)
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.addr, c.timeout)
		if err != nil {
			return 0, err
		}
		c.conn = conn
		if c.br == nil {
			c.br = bufio.NewReaderSize(conn, 16<<10)
		} else {
			c.br.Reset(conn)
		}
	}
	n, keep, err := c.roundTrip(deadline)
	if err != nil || !keep {
		c.close()
	}
	return n, err
}

func (c *rawClient) roundTrip(deadline time.Time) (n int, keep bool, err error) {
	if err := c.conn.SetDeadline(deadline); err != nil {
		return 0, false, err
	}
	if _, err := c.conn.Write(c.req); err != nil {
		return 0, false, err
	}
	line, err := c.line()
	if err != nil {
		return 0, false, err
	}
	proto, rest, _ := strings.Cut(line, " ")
	code, _, _ := strings.Cut(rest, " ")
	if !strings.HasPrefix(proto, "HTTP/1.") || len(code) != 3 {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	length, chunked := -1, false
	keep = proto == "HTTP/1.1"
	for {
		line, err := c.line()
		if err != nil {
			return 0, false, err
		}
		if line == "" {
			break
		}
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch {
		case strings.EqualFold(k, "Content-Length"):
			if length, err = strconv.Atoi(v); err != nil || length < 0 {
				return 0, false, fmt.Errorf("bad Content-Length %q", v)
			}
		case strings.EqualFold(k, "Transfer-Encoding"):
			chunked = strings.EqualFold(v, "chunked")
		case strings.EqualFold(k, "Connection"):
			keep = keep && !strings.EqualFold(v, "close")
		}
	}
	switch {
	case chunked:
		n, err = c.chunks()
	case length >= 0:
		n, err = c.br.Discard(length)
	default:
		var m int64
		m, err = io.Copy(io.Discard, c.br)
		n, keep = int(m), false
	}
	if err != nil {
		return 0, false, err
	}
	if code != "200" {
		return 0, keep, fmt.Errorf("status %s", code)
	}
	return n, keep, nil
}

// line reads one header line without its CRLF.
func (c *rawClient) line() (string, error) {
	b, err := c.br.ReadSlice('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// chunks reads a chunked body and its trailers and returns its size.
func (c *rawClient) chunks() (int, error) {
	total := 0
	for {
		line, err := c.line()
		if err != nil {
			return 0, err
		}
		size, _, _ := strings.Cut(line, ";")
		n, err := strconv.ParseInt(strings.TrimSpace(size), 16, 32)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			for {
				if line, err = c.line(); err != nil || line == "" {
					return total, err
				}
			}
		}
		if _, err := c.br.Discard(int(n)); err != nil {
			return 0, err
		}
		total += int(n)
		if line, err = c.line(); err != nil || line != "" {
			return 0, fmt.Errorf("bad chunk end")
		}
	}
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

// helloEnv, set in a child's environment, makes the harness binary (or the
// smoke test's binary) serve the hello server instead: its value is the
// body size. The child prints its address on stdout once it listens.
const helloEnv = "BENCH_HELLO_BODY_BYTES"

// serveHello is the child's side: a plain net/http server on a free
// loopback port answering every request with a JSON body of the size
// asked. It runs until its stdin closes.
func serveHello(size string) int {
	n, err := strconv.Atoi(size)
	if err != nil || n < 2 {
		fmt.Fprintln(os.Stderr, "hello: bad body size")
		return 2
	}
	body := bytes.Repeat([]byte("x"), n)
	body[0], body[n-1] = '"', '"'
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		return 1
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			_, _ = w.Write(body)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); _ = srv.Close() }()
	fmt.Println(l.Addr().String())
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "hello:", err)
		return 1
	}
	return 0
}

// helloServer is a running hello child.
type helloServer struct {
	url   string
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// startHello re-executes this binary as a hello server with a body of size
// bytes: a process of its own, like the coder server it stands in for.
func startHello(size int) (*helloServer, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), helloEnv+"="+strconv.Itoa(size))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the hello server: %w", err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = in.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("start the hello server: %w", err)
	}
	return &helloServer{url: "http://" + strings.TrimSpace(line) + "/", cmd: cmd, stdin: in}, nil
}

func (h *helloServer) stop() {
	_ = h.stdin.Close()
	done := make(chan struct{})
	go func() { _ = h.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = h.cmd.Process.Kill()
		<-done
	}
}
