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
func runLoad(ctx context.Context, spec loadSpec) loadResult {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: spec.timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        spec.conns,
		MaxIdleConnsPerHost: spec.conns,
		MaxConnsPerHost:     spec.conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

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
			for ctx.Err() == nil {
				begin := time.Now()
				if !begin.Before(end) {
					return
				}
				n, err := oneRequest(ctx, hc, spec)
				done := time.Now()
				// A request started in the counted window counts: its
				// failure always, its answer if it came within the window.
				switch {
				case begin.Before(counted):
				case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
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
	return errors.As(err, &ne) && ne.Timeout()
}

// oneRequest sends one GET and reads the whole answer; any status but 200
// is an error.
func oneRequest(ctx context.Context, hc *http.Client, spec loadSpec) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, spec.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, spec.url, nil)
	if err != nil {
		return 0, err
	}
	for k, v := range spec.header {
		req.Header[k] = v
	}
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	if err != nil {
		return 0, err
	}
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %d", res.StatusCode)
	}
	return int(n), nil
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
