package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// sideListener is an extra HTTP listener of `coder server` (metrics,
// pprof): it serves until ctx is done, and close shuts it down.
type sideListener struct {
	name string
	ln   net.Listener
	hs   *http.Server
}

// startSide listens on addr and serves h there in the background.
func startSide(ctx context.Context, logger *slog.Logger, name, addr string, h http.Handler) (*sideListener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: listen on %s: %w", name, addr, err)
	}
	s := &sideListener{name: name, ln: ln, hs: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}}
	go func() {
		if err := s.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("listener stopped", "listener", name, "error", err)
		}
	}()
	return s, nil
}

func (s *sideListener) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.hs.Shutdown(ctx)
}

// checkLoopback refuses an address whose host is not a loopback one, for
// why: pprof shows the process's memory (secret values among it) to
// whoever reaches it; the agent's metrics are for the workspace only.
func checkLoopback(flag, addr, why string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s %q is not host:port: %w", flag, addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("%s %q must be a loopback address (127.0.0.1:6060, [::1]:6060 or localhost:6060): %s", flag, addr, why)
}

// pprofHandler serves net/http/pprof under /debug/pprof/.
func pprofHandler() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("/debug/pprof/", pprof.Index)
	m.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	m.HandleFunc("/debug/pprof/profile", pprof.Profile)
	m.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	m.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return m
}
