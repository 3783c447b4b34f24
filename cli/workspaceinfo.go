package cli

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
)

func newShowCommand(g *globalOptions) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "show WORKSPACE",
		Short: "Show a workspace: its status, last build and agent",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "text" && output != "json" {
				return fmt.Errorf("unknown output format %q: use text or json", output)
			}
			ctx := cmd.Context()
			c, ws, err := g.workspace(ctx, args[0])
			if err != nil {
				return err
			}
			agent, aerr := c.WorkspaceAgent(ctx, sdk.Me, ws.Name)
			hasAgent := aerr == nil
			if aerr != nil && sdk.StatusCode(aerr) != 404 {
				return fmt.Errorf("read the agent of %q: %w", ws.Name, aerr)
			}
			if output == "json" {
				out := struct {
					sdk.Workspace
					Agent *sdk.WorkspaceAgent `json:"agent,omitempty"`
				}{Workspace: ws}
				if hasAgent {
					out.Agent = &agent
				}
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			b := ws.LatestBuild
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "Workspace:\t%s\n", ws.Name)
			fmt.Fprintf(tw, "Status:\t%s\n", workspaceStatus(b))
			fmt.Fprintf(tw, "Template:\t%s\n", ws.TemplateName)
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
				fmt.Fprintf(cmd.OutOrStdout(), "Error of build #%d:\n%s\n", b.BuildNumber, indent(b.Error, "  "))
			}
			return nil
		},
		ValidArgsFunction: g.completeWorkspaces,
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "Output format: text or json")
	return cmd
}

func newLogsCommand(g *globalOptions) *cobra.Command {
	var follow bool
	cmd := &cobra.Command{
		Use:   "logs WORKSPACE",
		Short: "Print the log of a workspace's last build (-f follows a build in progress), then its startup scripts' output",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, ws, err := g.workspace(ctx, args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
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
			if follow && !b.Done() {
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
		},
		ValidArgsFunction: g.completeWorkspaces,
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "Follow a build in progress until it ends")
	return cmd
}

func newVersionCommand(g *globalOptions) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the CLI's version (and the server's, when logged in)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return fmt.Errorf("unknown output format %q: use text or json", output)
			}
			info := struct {
				Version       string `json:"version"`
				GoVersion     string `json:"go_version"`
				Platform      string `json:"platform"`
				ServerURL     string `json:"server_url,omitempty"`
				ServerVersion string `json:"server_version,omitempty"`
				ServerError   string `json:"server_error,omitempty"`
			}{Version: Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
			// The server's version when a server is known; never an
			// error, since the CLI's own version is what was asked.
			if c, err := g.client(cmd.Context()); err == nil {
				info.ServerURL = c.URL.String()
				if bi, err := c.BuildInfo(cmd.Context()); err == nil {
					info.ServerVersion = bi.Version
				} else {
					info.ServerError = strings.SplitN(describeError(err), "\n", 2)[0]
				}
			}
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "coder %s (%s, %s)\n", info.Version, info.GoVersion, info.Platform)
			switch {
			case info.ServerVersion != "":
				fmt.Fprintf(cmd.OutOrStdout(), "server %s at %s\n", info.ServerVersion, info.ServerURL)
			case info.ServerError != "":
				fmt.Fprintf(cmd.OutOrStdout(), "server at %s: %s\n", info.ServerURL, info.ServerError)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "Output format: text or json")
	return cmd
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
