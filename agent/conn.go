package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/hashicorp/yamux"
)

// connectLoop keeps the agent's connection to the server until ctx ends.
// The first connection serves the manifest Run fetched; every later one
// fetches the manifest again and applies it before serving.
func (a *Agent) connectLoop(ctx context.Context) {
	b := newBackoff(a.o.RetryInitial, a.o.RetryMax)
	first := true
	for {
		connected, err := a.connectOnce(ctx, first)
		if ctx.Err() != nil {
			return
		}
		var d time.Duration
		if connected {
			first = false
			b.reset()
			d = b.next()
			a.log.Info("disconnected from the server; reconnecting", "retry_in", d.Round(time.Millisecond))
		} else {
			d = b.next()
			a.logServerError("connect to the server", err, d)
		}
		if !wait(ctx, d) {
			return
		}
	}
}

// connectOnce dials, applies a fresh manifest unless this is the first
// connection, and serves the connection until it drops. connected says the
// connection was up.
func (a *Agent) connectOnce(ctx context.Context, first bool) (connected bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conn, err := a.client.DialAgentRPC(ctx)
	if err != nil {
		return false, fmt.Errorf("dial agent websocket: %w", err)
	}
	defer conn.Close()
	if !first {
		m, err := a.fetchManifest(ctx)
		if err != nil {
			return false, fmt.Errorf("fetch manifest: %w", err)
		}
		a.apply(ctx, m)
	}
	a.log.Info("connected to the server")
	return true, a.serve(ctx, conn)
}

// serve runs a yamux server session on conn and hands every stream the
// server opens to the stream handler, until the connection drops or ctx
// ends.
func (a *Agent) serve(ctx context.Context, conn net.Conn) error {
	cfg := yamux.DefaultConfig()
	cfg.LogOutput = nil
	cfg.Logger = yamuxLogger{a.log}
	sess, err := yamux.Server(conn, cfg)
	if err != nil {
		return fmt.Errorf("start yamux session: %w", err)
	}
	defer sess.Close()
	stop := context.AfterFunc(ctx, func() { _ = sess.Close() })
	defer stop()
	for {
		stream, err := sess.Accept()
		if err != nil {
			return nil
		}
		a.streams.Add(1)
		go func() {
			defer a.streams.Done()
			a.handleStream(ctx, stream)
		}()
	}
}

// yamuxLogger sends yamux's own messages to the agent's log at debug level.
type yamuxLogger struct{ log *slog.Logger }

func (l yamuxLogger) Print(v ...any) { l.log.Debug("yamux: " + fmt.Sprint(v...)) }
func (l yamuxLogger) Printf(format string, v ...any) {
	l.log.Debug("yamux: " + fmt.Sprintf(format, v...))
}
func (l yamuxLogger) Println(v ...any) { l.log.Debug("yamux: " + fmt.Sprint(v...)) }
