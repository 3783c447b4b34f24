package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/term"

	"github.com/usersecrets/coder/agent/agentssh"
	"github.com/usersecrets/coder/sdk"
)

// exitError carries a remote command's exit status out of Main.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// sshOptions are what `coder ssh` was given.
type sshOptions struct {
	streams
	client func(context.Context) (*sdk.Client, error)
	// workspace is the workspace's name, without the coder. of an SSH host.
	workspace string
	// command is the command line to run; "" opens a shell.
	command string
	// stdio carries the raw SSH stream on the streams (for ProxyCommand).
	stdio bool
	// tty asks for a terminal even to run a command.
	tty bool
	// wait is how long to wait for the agent (0: not at all).
	wait time.Duration
	// app is the slug of a command app to run instead ("": none).
	app string
}

func newCmdSSH(g *globalOptions, runF func(context.Context, *sshOptions) error) *cobra.Command {
	o := &sshOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "ssh WORKSPACE [-- COMMAND ARGS...]",
		Short: "Open a shell in a workspace, or run a command there",
		Long: `Open a shell in a workspace, or run a command there, through the server.

Every new session gets the workspace's environment as it was when the
workspace last started, user secrets included. With --stdio the command
carries the raw SSH stream on stdin and stdout, for OpenSSH:

  ssh -o ProxyCommand='coder ssh --stdio %h' coder.WORKSPACE

(coder config-ssh writes such entries to ~/.ssh/config.)`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			o.workspace = strings.TrimPrefix(args[0], "coder.")
			o.command = strings.Join(args[1:], " ")
			if o.app != "" && (o.command != "" || o.stdio) {
				return errors.New("--app runs the app's own command: give no command and no --stdio with it")
			}
			return runF(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.stdio, "stdio", false, "Carry the SSH stream on stdin/stdout (for OpenSSH's ProxyCommand)")
	cmd.Flags().BoolVarP(&o.tty, "tty", "t", false, "Allocate a terminal even when running a command")
	cmd.Flags().StringVar(&o.app, "app", "", "Run the command app of this slug (a coder_app with a command) in a new session")
	cmd.Flags().DurationVar(&o.wait, "wait", 5*time.Minute, "How long to wait for the workspace's agent to connect and finish its startup scripts (0: do not wait)")
	return cmd
}

func runSSH(ctx context.Context, o *sshOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	if err := waitForAgent(ctx, o.errOut, c, o.workspace, o.wait); err != nil {
		return err
	}
	conn, err := c.DialWorkspace(ctx, sdk.Me, o.workspace)
	if err != nil {
		return err
	}
	defer conn.Close()
	if o.stdio {
		return proxyStdio(o.streams, conn)
	}
	if o.app != "" {
		if err := checkCommandApp(ctx, c, o.workspace, o.app); err != nil {
			return err
		}
	}
	return sshSession(o.streams, conn, o.workspace, o.command, o.app, o.tty)
}

// waitForAgent waits until the workspace's agent is connected and its
// startup scripts have run, so that a session opened right after `coder
// create` or `coder start` sees the started workspace. It says on stderr
// that it waits. Nothing is polled: a start build still running is
// followed to its end (the server holds its log stream open), and the
// agent's state is asked with the last answer's key, which the server holds
// until the state changes (sdk.Client.WaitWorkspaceAgent); every answer is
// followed by a fresh look at the workspace, so a stop or a failed build
// ends the wait.
func waitForAgent(parent context.Context, errOut io.Writer, c *sdk.Client, name string, limit time.Duration) error {
	if limit <= 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(parent, limit)
	defer cancel()
	// failed is what a request that ended with err means: the wait's end
	// (or the caller's) if it came, else err itself.
	failed := func(err error) error {
		switch {
		case parent.Err() != nil:
			return parent.Err()
		case ctx.Err() != nil:
			return fmt.Errorf("the agent of workspace %q did not become ready within %v (its log is in the workspace)", name, limit)
		}
		return err
	}
	said := false
	say := func() {
		if !said {
			fmt.Fprintln(errOut, "Waiting for the workspace's agent to connect and run its startup scripts...")
			said = true
		}
	}
	key := ""
	for {
		w, err := c.Workspace(ctx, sdk.Me, name)
		if err != nil {
			return failed(err)
		}
		b := w.LatestBuild
		if b.Transition != sdk.TransitionStart || b.Status == sdk.BuildFailed || b.Status == sdk.BuildCanceled {
			return fmt.Errorf("workspace %q is not running (%s): start it with `coder start %s`", name, workspaceStatus(b), name)
		}
		if b.Status != sdk.BuildSucceeded {
			say()
			if _, err := c.FollowBuildLogs(ctx, b.ID, func(sdk.BuildLog) {}); err != nil {
				return failed(err)
			}
			key = "" // a new build's agent: ask at once
			continue
		}
		wait := agentWaitHold
		if d, ok := ctx.Deadline(); ok {
			wait = min(wait, time.Until(d))
		}
		a, err := c.WaitWorkspaceAgent(ctx, sdk.Me, name, key, wait)
		if sdk.StatusCode(err) == 404 && key != "" && ctx.Err() == nil {
			key = "" // a new build began during the wait: look again
			continue
		}
		if err != nil {
			return failed(err)
		}
		// Connected and past its startup scripts (a later state than
		// ready, reported by a stopping agent of an earlier build, does
		// not hold a live connection back).
		if a.Connected && a.LifecycleState != sdk.LifecycleCreated && a.LifecycleState != sdk.LifecycleStarting {
			if a.LifecycleState == sdk.LifecycleStartError {
				fmt.Fprintln(errOut, "Warning: a startup script of the workspace failed; the workspace may be incomplete.")
			}
			return nil
		}
		say()
		key = a.StateKey
	}
}

func proxyStdio(s streams, conn net.Conn) error {
	done := make(chan error, 2)
	go func() {
		_, err := io.Copy(conn, s.in)
		done <- err
	}()
	go func() {
		_, err := io.Copy(s.out, conn)
		done <- err
	}()
	<-done
	return nil
}

// sshSession runs a shell or a command over an SSH connection on conn.
// With app set, the session runs the command of that app (agentssh.AppEnv).
func sshSession(s streams, conn net.Conn, name, command, app string, forcePTY bool) error {
	client, err := sshClient(conn, name)
	if err != nil {
		return err
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return fmt.Errorf("open an SSH session: %w", err)
	}
	defer sess.Close()
	sess.Stdin = s.in
	sess.Stdout = s.out
	sess.Stderr = s.errOut
	if app != "" {
		if err := sess.Setenv(agentssh.AppEnv, app); err != nil {
			return fmt.Errorf("ask for app %q: %w", app, err)
		}
	}

	in, isFile := s.in.(*os.File)
	interactive := isFile && term.IsTerminal(int(in.Fd()))
	if (interactive && command == "") || forcePTY {
		w, h := 80, 24
		if out, ok := s.out.(*os.File); ok {
			if cw, ch, err := term.GetSize(int(out.Fd())); err == nil {
				w, h = cw, ch
			}
		}
		termName := os.Getenv("TERM")
		if termName == "" {
			termName = "xterm-256color"
		}
		if err := sess.RequestPty(termName, h, w, gossh.TerminalModes{gossh.ECHO: 1}); err != nil {
			return fmt.Errorf("request a terminal: %w", err)
		}
		if interactive {
			old, err := term.MakeRaw(int(in.Fd()))
			if err == nil {
				defer func() { _ = term.Restore(int(in.Fd()), old) }()
			}
			winch := make(chan os.Signal, 1)
			notifyResize(winch)
			defer signal.Stop(winch)
			go func() {
				for range winch {
					if cw, ch, err := term.GetSize(int(in.Fd())); err == nil {
						_ = sess.WindowChange(ch, cw)
					}
				}
			}()
		}
	}
	if command == "" {
		err = sess.Shell()
		if err == nil {
			err = sess.Wait()
		}
	} else {
		err = sess.Run(command)
	}
	var ee *gossh.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee):
		return &exitError{code: ee.ExitStatus()}
	case errors.Is(err, io.EOF):
		return nil
	default:
		var missing *gossh.ExitMissingError
		if errors.As(err, &missing) {
			return &exitError{code: 255}
		}
		return fmt.Errorf("ssh: %w", err)
	}
}

// configSSHOptions are what `coder config-ssh` was given.
type configSSHOptions struct {
	streams
	config *globalOptions
	// sshConfigFile is the file to update; "" is ~/.ssh/config.
	sshConfigFile string
}

func newCmdConfigSSH(g *globalOptions, runF func(context.Context, *configSSHOptions) error) *cobra.Command {
	o := &configSSHOptions{config: g}
	cmd := &cobra.Command{
		Use:   "config-ssh",
		Short: "Add your workspaces to ~/.ssh/config, so `ssh coder.WORKSPACE` works",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.streams = streamsOf(cmd)
			return runF(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.sshConfigFile, "ssh-config-file", "", "SSH config file to update (default ~/.ssh/config)")
	return cmd
}

func runConfigSSH(ctx context.Context, o *configSSHOptions) error {
	c, err := o.config.client(ctx)
	if err != nil {
		return err
	}
	list, err := c.Workspaces(ctx, sdk.Me)
	if err != nil {
		return fmt.Errorf("list workspaces: %w", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := o.config.dir()
	if err != nil {
		return err
	}
	sshConfig := o.sshConfigFile
	if sshConfig == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return err
		}
		sshConfig = filepath.Join(home, ".ssh", "config")
	}
	block := sshConfigBlock(exe, dir, list)
	if err := writeSSHConfig(sshConfig, block); err != nil {
		return err
	}
	fmt.Fprintf(o.out, "Wrote %d workspace(s) to %s. Connect with: ssh coder.<workspace>\n", len(list), sshConfig)
	return nil
}

const (
	sshConfigStart = "# ------------START-CODER-----------"
	sshConfigEnd   = "# ------------END-CODER------------"
)

func sshConfigBlock(exe, configDir string, list []sdk.Workspace) string {
	var b strings.Builder
	b.WriteString(sshConfigStart + "\n# Written by `coder config-ssh`; run it again after creating workspaces.\n")
	for _, w := range list {
		fmt.Fprintf(&b, "Host coder.%s\n", w.Name)
		fmt.Fprintf(&b, "  ProxyCommand %s --global-config %s ssh --stdio %s\n", shellQuote(exe), shellQuote(configDir), w.Name)
		b.WriteString("  ConnectTimeout 0\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n")
	}
	b.WriteString(sshConfigEnd + "\n")
	return b.String()
}

// writeSSHConfig replaces the coder block of an SSH config file (or adds
// it), leaving everything else as it was.
func writeSSHConfig(path, block string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	text := string(old)
	if i := strings.Index(text, sshConfigStart); i >= 0 {
		if j := strings.Index(text[i:], sshConfigEnd); j >= 0 {
			end := i + j + len(sshConfigEnd)
			if end < len(text) && text[end] == '\n' {
				end++
			}
			text = text[:i] + text[end:]
		}
	}
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	text += block
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".coder-tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

// shellQuote quotes s for the shell OpenSSH runs ProxyCommand with.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
