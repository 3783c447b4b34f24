package cli

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
)

// showOptions are what `coder show` was given.
type showOptions struct {
	streams
	client    func(context.Context) (*sdk.Client, error)
	workspace string
	output    string
}

func newCmdShow(g *globalOptions, runF func(context.Context, *showOptions) error) *cobra.Command {
	o := &showOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "show WORKSPACE",
		Short: "Show a workspace: its status, last build, resources, agents, apps and the secrets it receives",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			if err := checkOutput(o.output, "text", "json"); err != nil {
				return err
			}
			o.workspace = args[0]
			return runF(cmd.Context(), o)
		},
		ValidArgsFunction: g.completeWorkspaces,
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "Output format: text or json")
	return cmd
}

func runShow(ctx context.Context, o *showOptions) error {
	c, ws, err := openWorkspace(ctx, o.client, o.workspace)
	if err != nil {
		return err
	}
	agent, aerr := c.WorkspaceAgent(ctx, sdk.Me, ws.Name)
	hasAgent := aerr == nil
	if aerr != nil && sdk.StatusCode(aerr) != 404 {
		return fmt.Errorf("read the agent of %q: %w", ws.Name, aerr)
	}
	detail, err := c.WorkspaceDetail(ctx, sdk.Me, ws.Name)
	if err != nil {
		return fmt.Errorf("read the resources of %q: %w", ws.Name, err)
	}
	if o.output == "json" {
		out := struct {
			sdk.Workspace
			Agent      *sdk.WorkspaceAgent         `json:"agent,omitempty"`
			Resources  []sdk.WorkspaceResource     `json:"resources"`
			Agents     []sdk.WorkspaceAgentDetail  `json:"agents"`
			Parameters []sdk.WorkspaceParameter    `json:"parameters"`
			Secrets    []sdk.WorkspaceSecretTarget `json:"secrets"`
		}{Workspace: ws, Resources: detail.Resources, Agents: detail.Agents, Parameters: detail.Parameters, Secrets: detail.Secrets}
		if hasAgent {
			out.Agent = &agent
		}
		return writeJSON(o.out, out)
	}
	b := ws.LatestBuild
	tw := tabwriter.NewWriter(o.out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Workspace:\t%s\n", ws.Name)
	fmt.Fprintf(tw, "Status:\t%s\n", workspaceStatus(b))
	if ws.RestartNeeded {
		fmt.Fprintf(tw, "Secrets:\t%s; `coder restart %s` applies them\n", restartNeeded(ws.RestartNeededSecrets), ws.Name)
	}
	fmt.Fprintf(tw, "Template:\t%s\n", ws.TemplateName)
	if ws.SecretRefresh == sdk.RefreshLive {
		fmt.Fprintf(tw, "Secret refresh:\tlive (file-only secrets rewritten in place; env values need a restart)\n")
	} else {
		fmt.Fprintf(tw, "Secret refresh:\trestart (changes apply at the next start)\n")
	}
	when := b.CreatedAt
	if b.CompletedAt != nil {
		when = *b.CompletedAt
	}
	fmt.Fprintf(tw, "Last build:\t#%d %s, %s, %s\n", b.BuildNumber, b.Transition, b.Status, when.Local().Format(time.DateTime))
	if hasAgent {
		state := "not connected"
		if agent.Connected {
			state = "connected, " + agent.LifecycleState
		}
		fmt.Fprintf(tw, "Agent:\t%s (%s)\n", agent.Name, state)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if b.Error != "" {
		fmt.Fprintf(o.out, "Error of build #%d:\n%s\n", b.BuildNumber, indent(b.Error, "  "))
	}
	if len(ws.StaleFiles) > 0 {
		fmt.Fprintln(o.out, "Stale secret files (written for a secret that no secret targets now; never deleted automatically):")
		for _, f := range ws.StaleFiles {
			fmt.Fprintf(o.out, "  %s  (from secret %q)  remove: coder ssh %s -- rm -- %s\n", f.Path, f.Secret, ws.Name, shellQuote(f.Path))
		}
	}
	return printDetail(o.out, detail)
}

// logsOptions are what `coder logs` was given.
type logsOptions struct {
	streams
	client    func(context.Context) (*sdk.Client, error)
	workspace string
	// follow follows a build in progress until it ends.
	follow bool
}

func newCmdLogs(g *globalOptions, runF func(context.Context, *logsOptions) error) *cobra.Command {
	o := &logsOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "logs WORKSPACE",
		Short: "Print the log of a workspace's last build (-f follows a build in progress), then its startup scripts' output",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			o.workspace = args[0]
			return runF(cmd.Context(), o)
		},
		ValidArgsFunction: g.completeWorkspaces,
	}
	cmd.Flags().BoolVarP(&o.follow, "follow", "f", false, "Follow a build in progress until it ends")
	return cmd
}

func runLogs(ctx context.Context, o *logsOptions) error {
	c, ws, err := openWorkspace(ctx, o.client, o.workspace)
	if err != nil {
		return err
	}
	w := o.out
	b := ws.LatestBuild
	fmt.Fprintf(w, "==> Build #%d of %q: %s (%s)\n", b.BuildNumber, ws.Name, b.Transition, b.Status)
	stage := ""
	print := func(l sdk.BuildLog) {
		if l.Stage != stage {
			stage = l.Stage
			fmt.Fprintf(w, "--- %s\n", stage)
		}
		fmt.Fprintln(w, "    "+l.Output)
	}
	if o.follow && !b.Done() {
		done, err := c.FollowBuildLogs(ctx, b.ID, print)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("follow the build: %w", err)
		}
		b = done
		fmt.Fprintf(w, "==> Build #%d: %s\n", b.BuildNumber, b.Status)
	} else if err := c.BuildLogs(ctx, b.ID, print); err != nil {
		return fmt.Errorf("read the build log: %w", err)
	}
	if b.Error != "" {
		fmt.Fprintf(w, "Error:\n%s\n", indent(b.Error, "  "))
	}
	logs, err := c.WorkspaceAgentLogs(ctx, sdk.Me, ws.Name)
	if err != nil && sdk.StatusCode(err) != 404 {
		return fmt.Errorf("read the agent's logs: %w", err)
	}
	if len(logs) > 0 {
		fmt.Fprintln(w, "==> Startup scripts")
		for _, l := range logs {
			fmt.Fprintf(w, "    [%s] %s\n", l.Source, l.Output)
		}
	}
	return nil
}

// versionOptions are what `coder version` was given.
type versionOptions struct {
	streams
	client func(context.Context) (*sdk.Client, error)
	output string
}

func newCmdVersion(g *globalOptions, runF func(context.Context, *versionOptions) error) *cobra.Command {
	o := &versionOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the CLI's version (and the server's, when logged in)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.streams = streamsOf(cmd)
			if err := checkOutput(o.output, "text", "json"); err != nil {
				return err
			}
			return runF(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "Output format: text or json")
	return cmd
}

func runVersion(ctx context.Context, o *versionOptions) error {
	info := struct {
		Version       string `json:"version"`
		GoVersion     string `json:"go_version"`
		Platform      string `json:"platform"`
		ServerURL     string `json:"server_url,omitempty"`
		ServerVersion string `json:"server_version,omitempty"`
		ServerError   string `json:"server_error,omitempty"`
	}{Version: Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	// The server's version when a server is known; never an error, since
	// the CLI's own version is what was asked.
	if c, err := o.client(ctx); err == nil {
		info.ServerURL = c.URL.String()
		if bi, err := c.BuildInfo(ctx); err == nil {
			info.ServerVersion = bi.Version
		} else {
			info.ServerError = strings.SplitN(describeError(err), "\n", 2)[0]
		}
	}
	if o.output == "json" {
		return writeJSON(o.out, info)
	}
	fmt.Fprintf(o.out, "coder %s (%s, %s)\n", info.Version, info.GoVersion, info.Platform)
	switch {
	case info.ServerVersion != "":
		fmt.Fprintf(o.out, "server %s at %s\n", info.ServerVersion, info.ServerURL)
	case info.ServerError != "":
		fmt.Fprintf(o.out, "server at %s: %s\n", info.ServerURL, info.ServerError)
	}
	return nil
}

// noCompletion completes nothing (the argument is a new name).
func noCompletion(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// completeNames completes the first argument from list, when logged in.
func (g *globalOptions) completeNames(cmd *cobra.Command, args []string, toComplete string, list func(c *sdk.Client) func() ([]string, error)) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	c, err := g.client(cmd.Context())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names, err := list(c)()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, n := range names {
		if strings.HasPrefix(n, toComplete) {
			out = append(out, n)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

func (g *globalOptions) completeWorkspaces(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return g.completeNames(cmd, args, toComplete, func(c *sdk.Client) func() ([]string, error) { return workspaceNames(cmd.Context(), c) })
}

func (g *globalOptions) completeTemplates(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return g.completeNames(cmd, nil, toComplete, func(c *sdk.Client) func() ([]string, error) { return templateNames(cmd.Context(), c) })
}

func (g *globalOptions) completeSecrets(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return g.completeNames(cmd, args, toComplete, func(c *sdk.Client) func() ([]string, error) { return secretNames(cmd.Context(), c) })
}
