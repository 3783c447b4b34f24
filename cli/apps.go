package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	gossh "golang.org/x/crypto/ssh"

	"github.com/usersecrets/coder/sdk"
)

// sshClient speaks SSH over conn, a stream to the workspace's agent.
func sshClient(conn net.Conn, name string) (*gossh.Client, error) {
	sc, chans, reqs, err := gossh.NewClientConn(conn, "coder."+name, &gossh.ClientConfig{
		User: "coder",
		// The server authenticated this stream as the workspace's owner;
		// the agent's host key is made fresh at each start.
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), //nolint:gosec
	})
	if err != nil {
		return nil, fmt.Errorf("open the SSH connection: %w", err)
	}
	return gossh.NewClient(sc, chans, reqs), nil
}

// checkCommandApp refuses a slug the workspace has no command app for,
// naming the apps it has.
func checkCommandApp(ctx context.Context, c *sdk.Client, workspace, slug string) error {
	d, err := c.WorkspaceDetail(ctx, sdk.Me, workspace)
	if err != nil {
		return err
	}
	app, _, ok := d.App(slug)
	switch {
	case !ok:
		return fmt.Errorf("workspace %q has no app %q (%s)", workspace, slug, appSlugs(d))
	case app.Command == "":
		return fmt.Errorf("app %q of workspace %q is a URL app (%s), not a command: reach it with `coder port-forward %s --tcp PORT:PORT`",
			slug, workspace, app.URL, workspace)
	}
	return nil
}

func appSlugs(d sdk.WorkspaceDetail) string {
	var slugs []string
	for _, a := range d.Agents {
		for _, app := range a.Apps {
			slugs = append(slugs, app.Slug)
		}
	}
	if len(slugs) == 0 {
		return "it has none"
	}
	return "it has " + strings.Join(slugs, ", ")
}

func newCmdOpen() *cobra.Command {
	return &cobra.Command{Use: "open", Short: "Open a workspace's apps"}
}

// openAppOptions are what `coder open app` was given.
type openAppOptions struct {
	streams
	client    func(context.Context) (*sdk.Client, error)
	workspace string
	slug      string
	wait      time.Duration
}

func newCmdOpenApp(g *globalOptions, runF func(context.Context, *openAppOptions) error) *cobra.Command {
	o := &openAppOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "app WORKSPACE SLUG",
		Short: "Run a workspace's command app, or print how to reach a URL app",
		Long: `Run a workspace's command app (a coder_app with a command) in a new session
with the workspace's environment, user secrets included, like
` + "`coder ssh WORKSPACE --app SLUG`" + `. For a URL app it prints the URL: an
external one opens from anywhere; for one on a workspace port, forward it
with ` + "`coder port-forward WORKSPACE --tcp LOCAL:REMOTE`" + `.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			o.workspace, o.slug = args[0], args[1]
			return runF(cmd.Context(), o)
		},
		ValidArgsFunction: g.completeWorkspaces,
	}
	cmd.Flags().DurationVar(&o.wait, "wait", 5*time.Minute, "How long to wait for the workspace's agent to connect and finish its startup scripts (0: do not wait)")
	return cmd
}

func runOpenApp(ctx context.Context, o *openAppOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	d, err := c.WorkspaceDetail(ctx, sdk.Me, o.workspace)
	if err != nil {
		return err
	}
	app, _, ok := d.App(o.slug)
	if !ok {
		return fmt.Errorf("workspace %q has no app %q (%s)", o.workspace, o.slug, appSlugs(d))
	}
	if app.Command == "" {
		if app.External {
			fmt.Fprintln(o.out, app.URL)
			return nil
		}
		fmt.Fprintln(o.out, app.URL)
		fmt.Fprintf(o.errOut, "This URL is inside the workspace: forward its port with `coder port-forward %s --tcp PORT:PORT`.\n", o.workspace)
		return nil
	}
	return runSSH(ctx, &sshOptions{streams: o.streams, client: func(context.Context) (*sdk.Client, error) { return c, nil },
		workspace: o.workspace, wait: o.wait, app: o.slug})
}

// portForwardOptions are what `coder port-forward` was given.
type portForwardOptions struct {
	streams
	client    func(context.Context) (*sdk.Client, error)
	workspace string
	tcp       []string
	wait      time.Duration
	// ready, when set, gets the local addresses once they listen (tests).
	ready func([]net.Addr)
}

func newCmdPortForward(g *globalOptions, runF func(context.Context, *portForwardOptions) error) *cobra.Command {
	o := &portForwardOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "port-forward WORKSPACE --tcp LOCAL:REMOTE...",
		Short: "Forward local TCP ports to ports of a workspace, through the server",
		Long: `Forward local TCP ports to ports of a workspace until interrupted. Each
--tcp LOCAL:REMOTE (or PORT for both) listens on 127.0.0.1:LOCAL and carries
every connection to 127.0.0.1:REMOTE inside the workspace, over the same
connection as ` + "`coder ssh`" + `.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			o.workspace = args[0]
			if len(o.tcp) == 0 {
				return errors.New("give at least one --tcp LOCAL:REMOTE")
			}
			for _, s := range o.tcp {
				if _, _, err := parsePortForward(s); err != nil {
					return err
				}
			}
			return runF(cmd.Context(), o)
		},
		ValidArgsFunction: g.completeWorkspaces,
	}
	cmd.Flags().StringArrayVar(&o.tcp, "tcp", nil, "A local port and a workspace port, LOCAL:REMOTE or PORT (repeatable)")
	cmd.Flags().DurationVar(&o.wait, "wait", 5*time.Minute, "How long to wait for the workspace's agent to connect and finish its startup scripts (0: do not wait)")
	return cmd
}

// parsePortForward reads LOCAL:REMOTE or PORT, each a TCP port 1-65535.
func parsePortForward(s string) (local, remote int, err error) {
	l, r, found := strings.Cut(s, ":")
	if !found {
		r = l
	}
	port := func(p string) (int, error) {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != p {
			return 0, fmt.Errorf("--tcp %q: %q is not a port (1-65535); use LOCAL:REMOTE or PORT", s, p)
		}
		return n, nil
	}
	if local, err = port(l); err != nil {
		return 0, 0, err
	}
	if remote, err = port(r); err != nil {
		return 0, 0, err
	}
	return local, remote, nil
}

func runPortForward(ctx context.Context, o *portForwardOptions) error {
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
	client, err := sshClient(conn, o.workspace)
	if err != nil {
		conn.Close()
		return err
	}
	defer client.Close()

	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	var addrs []net.Addr
	var lc net.ListenConfig
	for _, spec := range o.tcp {
		local, remote, _ := parsePortForward(spec)
		l, err := lc.Listen(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(local)))
		if err != nil {
			return fmt.Errorf("listen on local port %d: %w", local, err)
		}
		listeners = append(listeners, l)
		addrs = append(addrs, l.Addr())
		fmt.Fprintf(o.errOut, "Forwarding %s to port %d of workspace %s\n", l.Addr(), remote, o.workspace)
	}
	if o.ready != nil {
		o.ready(addrs)
	}

	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lost := make(chan error, 1)
	go func() {
		lost <- client.Wait()
		cancel()
	}()
	for i, l := range listeners {
		_, remote, _ := parsePortForward(o.tcp[i])
		target := net.JoinHostPort("127.0.0.1", strconv.Itoa(remote))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				local, err := l.Accept()
				if err != nil {
					return
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					forward(ctx, o.errOut, client, local, target)
				}()
			}
		}()
	}
	<-ctx.Done()
	for _, l := range listeners {
		l.Close()
	}
	select {
	case err := <-lost:
		if err != nil && ctx.Err() != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("the connection to workspace %q ended: %w", o.workspace, err)
		}
		return fmt.Errorf("the connection to workspace %q ended", o.workspace)
	default:
		return nil
	}
}

// forward carries one local connection to target in the workspace.
func forward(ctx context.Context, errOut io.Writer, client *gossh.Client, local net.Conn, target string) {
	defer local.Close()
	remote, err := client.DialContext(ctx, "tcp", target)
	if err != nil {
		fmt.Fprintf(errOut, "Port forward to %s: %v\n", target, err)
		return
	}
	defer remote.Close()
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(remote, local)
		if cw, ok := remote.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(local, remote)
		if cw, ok := local.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		done <- struct{}{}
	}()
	select {
	case <-done:
		<-done
	case <-ctx.Done():
	}
}

// printDetail prints what `coder show` adds to the workspace's status:
// resources with their metadata, agents with their apps, parameters and
// the secrets the workspace receives (names and targets only).
func printDetail(w io.Writer, d sdk.WorkspaceDetail) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(d.Resources) > 0 {
		fmt.Fprintln(tw, "\nResources:")
		for _, r := range d.Resources {
			extra := ""
			if r.DailyCost > 0 {
				extra = fmt.Sprintf(", daily cost %d", r.DailyCost)
			}
			if r.Hide {
				extra += ", hidden"
			}
			fmt.Fprintf(tw, "  %s\t(%s%s)\n", r.Address, r.Type, extra)
			for _, m := range r.Metadata {
				v := m.Value
				switch {
				case m.Sensitive:
					v = "(sensitive)"
				case m.IsNull:
					v = "(null)"
				}
				fmt.Fprintf(tw, "    %s:\t%s\n", m.Key, v)
			}
		}
	}
	for _, a := range d.Agents {
		state := "not connected"
		if a.Connected {
			state = "connected, " + a.LifecycleState
		}
		fmt.Fprintf(tw, "\nAgent %s:\t%s\n", a.Name, state)
		if len(a.Apps) == 0 {
			continue
		}
		fmt.Fprintln(tw, "  Apps:")
		fmt.Fprintln(tw, "    SLUG\tNAME\tKIND\tTARGET\tHEALTH\tSHARE")
		for _, app := range a.Apps {
			kind, target := "url", app.URL
			switch {
			case app.Command != "":
				kind, target = "command", app.Command
			case app.External:
				kind = "external"
			}
			if app.Hidden {
				kind += " (hidden)"
			}
			if app.Group != "" {
				kind += " [" + app.Group + "]"
			}
			name := app.DisplayName
			if name == "" {
				name = "-"
			}
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\t%s\t%s\n", app.Slug, name, kind, oneLine(target), app.Health, app.Share)
		}
	}
	if len(d.Parameters) > 0 {
		fmt.Fprintln(tw, "\nParameters:")
		for _, p := range d.Parameters {
			v := p.Value
			if p.Sensitive {
				v = "(sensitive)"
			}
			fmt.Fprintf(tw, "  %s:\t%s\n", p.Name, v)
		}
	}
	if len(d.Secrets) > 0 {
		fmt.Fprintln(tw, "\nSecrets received (names and targets; values never shown):")
		for _, s := range d.Secrets {
			var targets []string
			if s.EnvName != "" {
				targets = append(targets, "env "+s.EnvName)
			}
			if s.FilePath != "" {
				targets = append(targets, "file "+s.FilePath)
			}
			if s.Source == "build" {
				targets = append(targets, "(build secret)")
			}
			fmt.Fprintf(tw, "  %s\t%s\n", s.Name, strings.Join(targets, ", "))
		}
	}
	return tw.Flush()
}
