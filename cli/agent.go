package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/agent"
	"github.com/usersecrets/coder/agent/agentssh"
)

// The agent's environment. The token is read from the environment (or a
// file) only, never from a flag, so it is not on the agent's command line.
const (
	envAgentURL       = "CODER_AGENT_URL"
	envAgentToken     = "CODER_AGENT_TOKEN"
	envAgentTokenFile = "CODER_AGENT_TOKEN_FILE"
	envAgentLogDir    = "CODER_AGENT_LOG_DIR"
	envAgentVerbose   = "CODER_AGENT_VERBOSE"
)

// agentLogFile is the name of the agent's log in --log-dir.
const agentLogFile = "coder-agent.log"

// agentOptions are what `coder agent` was given, from its flags and its
// environment.
type agentOptions struct {
	streams
	// url is the server's access URL ($CODER_AGENT_URL).
	url *url.URL
	// token is the agent's token, read and removed from the environment.
	token   string
	logDir  string
	verbose bool
	// httpClient verifies the server's certificate (--tls-ca-file).
	httpClient *http.Client
	// prometheusAddress is the loopback address of the agent's metrics
	// ("": off).
	prometheusAddress string
}

func newCmdAgent(g *globalOptions, runF func(context.Context, *agentOptions) error) *cobra.Command {
	o := &agentOptions{}
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run the workspace agent (a workspace's init script starts it)",
		Long: `Run the workspace agent inside a workspace. It writes your file secrets,
runs the startup scripts with your environment secrets and keeps the
workspace connected to Coder.

Environment:
  $CODER_AGENT_URL         the server's access URL (required)
  $CODER_AGENT_TOKEN       the agent's token (required, or:)
  $CODER_AGENT_TOKEN_FILE  a file holding the agent's token
  $CODER_AGENT_LOG_DIR     the default of --log-dir
  $CODER_AGENT_VERBOSE     "true" for debug logs
  $CODER_TLS_CA_FILE       certificate authorities to trust for an https
                           server's certificate, besides the system's (or
                           --tls-ca-file)

The token is removed from the agent's environment as soon as it is read, so
no process the agent starts inherits it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.streams = streamsOf(cmd)
			token, err := agentToken()
			if err != nil {
				return err
			}
			o.token = token
			if o.url, err = agentURL(); err != nil {
				return err
			}
			if o.httpClient, err = g.httpClient(); err != nil {
				return err
			}
			return runF(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.logDir, "log-dir", os.Getenv(envAgentLogDir), "Folder to write "+agentLogFile+" in (default: log to stderr; $"+envAgentLogDir+")")
	cmd.Flags().StringVar(&o.prometheusAddress, "prometheus-address", os.Getenv("CODER_AGENT_PROMETHEUS_ADDRESS"), "Loopback address to serve the agent's Prometheus metrics on, at /metrics (default: off; $CODER_AGENT_PROMETHEUS_ADDRESS)")
	cmd.Flags().BoolVarP(&o.verbose, "verbose", "v", os.Getenv(envAgentVerbose) == "true", "Log debug messages ($"+envAgentVerbose+")")
	return cmd
}

// agentURL reads the server's access URL from $CODER_AGENT_URL.
func agentURL() (*url.URL, error) {
	rawURL := os.Getenv(envAgentURL)
	if rawURL == "" {
		return nil, fmt.Errorf("$%s is not set: the workspace's init script sets it to the server's access URL", envAgentURL)
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("$%s is not an http or https URL", envAgentURL)
	}
	return u, nil
}

func runAgent(ctx context.Context, o *agentOptions) error {
	out := o.errOut
	if o.logDir != "" {
		if err := os.MkdirAll(o.logDir, 0o700); err != nil {
			return fmt.Errorf("create log directory: %w", err)
		}
		f, err := os.OpenFile(filepath.Join(o.logDir, agentLogFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("open agent log: %w", err)
		}
		defer f.Close()
		out = f
	}
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))

	metrics := newAgentMetrics()
	if o.prometheusAddress != "" {
		if err := checkLoopback("--prometheus-address", o.prometheusAddress, "the agent's metrics are for the workspace's own tools"); err != nil {
			return err
		}
		ml, err := startSide(ctx, logger, "agent metrics", o.prometheusAddress, metrics.handler())
		if err != nil {
			return err
		}
		defer ml.close()
		logger.Info("serving agent metrics", "listen", ml.ln.Addr().String())
	}

	home, err := os.UserHomeDir()
	if err != nil {
		return fmt.Errorf("find the home directory: %w", err)
	}
	logger.Info("starting agent", "version", Version, "url", o.url.Redacted(), "home", home)
	// SSH sessions arrive as streams on the agent's connection; each gets
	// the agent's one session environment.
	var a *agent.Agent
	var handleStream func(net.Conn)
	sshSrv, err := agentssh.New(agentssh.Options{
		Env: func() []string { return a.SessionEnv() },
		Dir: func() string { return a.WorkDir() },
		// Sessions wait for the startup scripts that block login.
		BeforeSession: func(ctx context.Context, w io.Writer) { metrics.sessions.Inc(); a.WaitLogin(ctx, w) },
		AppCommand:    func(slug string) (string, bool) { return a.AppCommand(slug) },
		Logger:        logger.With("component", "ssh"),
	})
	if err != nil {
		// Secrets still reach the workspace; only sessions are missing.
		logger.Warn("SSH sessions are unavailable", "error", err)
	} else {
		defer sshSrv.Close()
		handleStream = sshSrv.HandleConn
	}
	a = agent.New(agent.Options{
		URL:            o.url,
		Token:          o.token,
		HTTPClient:     o.httpClient,
		OnFilesApplied: metrics.filesApplied,
		Logger:         logger,
		Home:           home,
		StreamHandler:  handleStream,
		// A script's relative log_path is in --log-dir (else $TMPDIR).
		LogDir: o.logDir,
	})
	return a.Run(ctx)
}

// agentToken reads the agent's token from $CODER_AGENT_TOKEN (or the file
// $CODER_AGENT_TOKEN_FILE names) and removes both from the environment.
func agentToken() (string, error) {
	token := os.Getenv(envAgentToken)
	file := os.Getenv(envAgentTokenFile)
	_ = os.Unsetenv(envAgentToken)
	_ = os.Unsetenv(envAgentTokenFile)
	if token == "" && file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read $%s: %w", envAgentTokenFile, err)
		}
		token = strings.TrimSpace(string(b))
	}
	if token == "" {
		return "", errors.New("$" + envAgentToken + " is not set: the workspace's init script sets it to the agent's token")
	}
	return token, nil
}
