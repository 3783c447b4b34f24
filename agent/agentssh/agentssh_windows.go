//go:build windows

package agentssh

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
)

// Options configure a Server.
type Options struct {
	Env           func() []string
	Dir           func() string
	BeforeSession func(ctx context.Context, stderr io.Writer)
	AppCommand    func(slug string) (string, bool)
	Logger        *slog.Logger
}

// AppEnv names the app a session runs (see the Unix server).
const AppEnv = "CODER_WORKSPACE_APP"

// Server is not available on Windows yet: sessions need a pty and process
// groups, which this package implements for Unix only.
type Server struct{}

// New reports that SSH sessions are not supported on Windows agents.
func New(Options) (*Server, error) {
	return nil, errors.New("SSH sessions are not supported on Windows agents yet")
}

// HandleConn closes the connection.
func (*Server) HandleConn(c net.Conn) { c.Close() }

// Close does nothing.
func (*Server) Close() error { return nil }
