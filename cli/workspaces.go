package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/usersecrets/coder/sdk"
)

func init() {
	extraCommands = append(extraCommands,
		newCreateCommand,
		newStartCommand,
		newStopCommand,
		newDeleteCommand,
		newRestartCommand,
		newListWorkspacesCommand,
		newShowCommand,
		newLogsCommand,
	)
}

// buildFlags are the flags of every command that runs a build.
type buildFlags struct {
	verbose   bool
	waitAgent time.Duration
}

func (f *buildFlags) add(cmd *cobra.Command, start bool) {
	cmd.Flags().BoolVar(&f.verbose, "verbose", false, "Print Terraform's log under each stage")
	if start {
		cmd.Flags().DurationVar(&f.waitAgent, "wait-agent", 2*time.Minute, "After a start, wait this long for the agent to connect and run its startup scripts (0: do not wait)")
	}
}

func (f *buildFlags) options(workspace string) followOptions {
	return followOptions{workspace: workspace, verbose: f.verbose, waitAgent: f.waitAgent}
}

// isTerminal reports whether the command's stdin is a terminal: the CLI
// only asks questions there (-y skips them).
func isTerminal(cmd *cobra.Command) bool {
	f, ok := cmd.InOrStdin().(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newCreateCommand(g *globalOptions) *cobra.Command {
	var template string
	var yes bool
	var bf buildFlags
	cmd := &cobra.Command{
		Use:   "create WORKSPACE --template NAME",
		Short: "Create a workspace from a template and start it",
		Long: `Create a workspace from a template and start it, showing the build's
stages with their timings; on a terminal it asks first (-y does not ask).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if template == "" {
				return errors.New("--template is required (list templates with `coder templates list`)")
			}
			if err := sdk.ValidateWorkspaceName(name); err != nil {
				return err
			}
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			if !yes && isTerminal(cmd) && !confirm(cmd, fmt.Sprintf("Create workspace %q from template %q?", name, template)) {
				return errors.New("not created: the creation was not confirmed")
			}
			ws, err := c.CreateWorkspace(cmd.Context(), sdk.Me, sdk.CreateWorkspaceRequest{Name: name, Template: template})
			if err != nil {
				return didYouMean(fmt.Errorf("create workspace %q: %w", name, err), template, templateNames(cmd.Context(), c))
			}
			if err := followBuild(cmd.Context(), c, ws.LatestBuild, cmd.OutOrStdout(), bf.options(ws.Name)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Workspace %q created from template %q and running. Open a shell with: coder ssh %s\n", ws.Name, ws.TemplateName, ws.Name)
			return nil
		},
		ValidArgsFunction: noCompletion,
	}
	cmd.Flags().StringVarP(&template, "template", "t", "", "Template to create the workspace from")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "Do not ask for confirmation")
	bf.add(cmd, true)
	_ = cmd.RegisterFlagCompletionFunc("template", g.completeTemplates)
	return cmd
}

// lookupWorkspace returns the caller's workspace, suggesting close names
// when there is none by that name.
func lookupWorkspace(ctx context.Context, c *sdk.Client, name string) (sdk.Workspace, error) {
	ws, err := c.Workspace(ctx, sdk.Me, name)
	if err != nil {
		return ws, didYouMean(err, name, workspaceNames(ctx, c))
	}
	return ws, nil
}

// workspace returns a logged-in client and the caller's workspace name.
func (g *globalOptions) workspace(ctx context.Context, name string) (*sdk.Client, sdk.Workspace, error) {
	c, err := g.client(ctx)
	if err != nil {
		return nil, sdk.Workspace{}, err
	}
	ws, err := lookupWorkspace(ctx, c, name)
	return c, ws, err
}

func workspaceNames(ctx context.Context, c *sdk.Client) func() ([]string, error) {
	return func() ([]string, error) {
		list, err := c.Workspaces(ctx, sdk.Me)
		names := make([]string, 0, len(list))
		for _, w := range list {
			names = append(names, w.Name)
		}
		return names, err
	}
}

func templateNames(ctx context.Context, c *sdk.Client) func() ([]string, error) {
	return func() ([]string, error) {
		list, err := c.Templates(ctx)
		names := make([]string, 0, len(list))
		for _, t := range list {
			names = append(names, t.Name)
		}
		return names, err
	}
}

// inProgress says what to do about a workspace whose build is not done.
func inProgress(ws sdk.Workspace) error {
	msg := fmt.Sprintf("workspace %q has a %s build in progress (#%d).\n  Follow it with: coder logs -f %s",
		ws.Name, ws.LatestBuild.Transition, ws.LatestBuild.BuildNumber, ws.Name)
	if ws.LatestBuild.Transition != sdk.TransitionDelete {
		msg += "\n  Cancel it with: coder stop " + ws.Name
	}
	return errors.New(msg)
}

// runTransition queues a build and follows it.
func runTransition(ctx context.Context, c *sdk.Client, name, transition string, w io.Writer, o followOptions) error {
	b, err := c.CreateBuild(ctx, sdk.Me, name, transition)
	if err != nil {
		return fmt.Errorf("%s workspace %q: %w", transition, name, err)
	}
	return followBuild(ctx, c, b, w, o)
}

// isAt reports whether the workspace's last build ended in the state a
// transition leads to.
func isAt(ws sdk.Workspace, transition string) bool {
	return ws.LatestBuild.Transition == transition && ws.LatestBuild.Status == sdk.BuildSucceeded
}

func newStartCommand(g *globalOptions) *cobra.Command {
	var force bool
	var bf buildFlags
	cmd := &cobra.Command{
		Use:   "start WORKSPACE",
		Short: "Start a workspace (a running one is left alone; --force starts it again)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ws, err := g.workspace(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if !ws.LatestBuild.Done() {
				return inProgress(ws)
			}
			if isAt(ws, sdk.TransitionStart) && !force {
				fmt.Fprintf(cmd.OutOrStdout(), "Workspace %q is already running; nothing to do (--force starts it again).\n", ws.Name)
				return nil
			}
			if err := runTransition(cmd.Context(), c, ws.Name, sdk.TransitionStart, cmd.OutOrStdout(), bf.options(ws.Name)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Workspace %q is running.\n", ws.Name)
			return nil
		},
		ValidArgsFunction: g.completeWorkspaces,
	}
	cmd.Flags().BoolVar(&force, "force", false, "Start the workspace even when it is running")
	bf.add(cmd, true)
	return cmd
}

func newStopCommand(g *globalOptions) *cobra.Command {
	var force bool
	var bf buildFlags
	cmd := &cobra.Command{
		Use:   "stop WORKSPACE",
		Short: "Stop a workspace (a stopped one is left alone; a build in progress is canceled)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, ws, err := g.workspace(ctx, args[0])
			if err != nil {
				return err
			}
			switch {
			case !ws.LatestBuild.Done() && ws.LatestBuild.Transition == sdk.TransitionStop:
				// Stopping already: follow that build.
				fmt.Fprintf(cmd.OutOrStdout(), "Workspace %q is being stopped already; following that build.\n", ws.Name)
				if err := followBuild(ctx, c, ws.LatestBuild, cmd.OutOrStdout(), bf.options(ws.Name)); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Workspace %q is stopped.\n", ws.Name)
				return nil
			case !ws.LatestBuild.Done() && ws.LatestBuild.Transition == sdk.TransitionDelete:
				return inProgress(ws)
			case !ws.LatestBuild.Done():
				if ws, err = cancelBuild(ctx, c, ws, cmd.OutOrStdout()); err != nil {
					return err
				}
			}
			if isAt(ws, sdk.TransitionStop) && !force {
				fmt.Fprintf(cmd.OutOrStdout(), "Workspace %q is already stopped; nothing to do (--force stops it again).\n", ws.Name)
				return nil
			}
			if err := runTransition(ctx, c, ws.Name, sdk.TransitionStop, cmd.OutOrStdout(), bf.options(ws.Name)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Workspace %q is stopped.\n", ws.Name)
			return nil
		},
		ValidArgsFunction: g.completeWorkspaces,
	}
	cmd.Flags().BoolVar(&force, "force", false, "Stop the workspace even when it is stopped")
	bf.add(cmd, false)
	return cmd
}

// cancelBuild cancels the workspace's build in progress and waits for it
// to end; it returns the workspace as it then is.
func cancelBuild(ctx context.Context, c *sdk.Client, ws sdk.Workspace, w io.Writer) (sdk.Workspace, error) {
	b := ws.LatestBuild
	fmt.Fprintf(w, "Canceling the %s build #%d of %q...\n", b.Transition, b.BuildNumber, ws.Name)
	if _, err := c.CancelBuild(ctx, b.ID); err != nil {
		return ws, fmt.Errorf("cancel build #%d: %w", b.BuildNumber, err)
	}
	done, err := c.FollowBuildLogs(ctx, b.ID, func(sdk.BuildLog) {})
	if err != nil {
		if ctx.Err() != nil {
			return ws, errInterrupted{ws.Name}
		}
		return ws, fmt.Errorf("wait for the canceled build: %w", err)
	}
	fmt.Fprintf(w, "Build #%d ended: %s.\n", done.BuildNumber, done.Status)
	return c.Workspace(ctx, sdk.Me, ws.Name)
}

func newDeleteCommand(g *globalOptions) *cobra.Command {
	var yes, orphan bool
	var bf buildFlags
	cmd := &cobra.Command{
		Use:   "delete WORKSPACE",
		Short: "Delete a workspace (files written to it go with it)",
		Long: `Delete a workspace: a delete build destroys what its template created.

--orphan deletes the workspace without running its template, for a
workspace whose template can no longer run (or whose state cannot be
opened): whatever the template created (processes, folders, cloud
resources) is left behind for you to remove.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, ws, err := g.workspace(ctx, args[0])
			if err != nil {
				return err
			}
			if !ws.LatestBuild.Done() {
				return inProgress(ws)
			}
			question := fmt.Sprintf("Delete workspace %q and everything in it?", ws.Name)
			if orphan {
				question = fmt.Sprintf("Delete workspace %q without running its template, leaving what it created behind?", ws.Name)
			}
			if !yes && !confirm(cmd, question) {
				return errors.New("not deleted: the deletion was not confirmed (pass -y to delete without asking)")
			}
			if orphan {
				b, err := c.CreateBuildWith(ctx, sdk.Me, ws.Name, sdk.CreateBuildRequest{Transition: sdk.TransitionDelete, Orphan: true})
				if err != nil {
					return fmt.Errorf("delete workspace %q: %w", ws.Name, err)
				}
				if err := followBuild(ctx, c, b, cmd.OutOrStdout(), bf.options(ws.Name)); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "Warning: the template did not run: what it created for %q (processes, folders, cloud resources) is still there; remove it yourself.\n", ws.Name)
				fmt.Fprintf(cmd.OutOrStdout(), "Workspace %q is deleted.\n", ws.Name)
				return nil
			}
			if err := runTransition(ctx, c, ws.Name, sdk.TransitionDelete, cmd.OutOrStdout(), bf.options(ws.Name)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Workspace %q is deleted.\n", ws.Name)
			return nil
		},
		ValidArgsFunction: g.completeWorkspaces,
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "Do not ask for confirmation")
	cmd.Flags().BoolVar(&orphan, "orphan", false, "Delete the workspace without running its template (what it created is left behind)")
	bf.add(cmd, false)
	return cmd
}

func newRestartCommand(g *globalOptions) *cobra.Command {
	var yes bool
	var bf buildFlags
	cmd := &cobra.Command{
		Use:   "restart WORKSPACE",
		Short: "Restart a workspace (a stop, then a start): it picks up changed secrets",
		Long: `Restart a workspace: a stop build, then a start build (a stopped
workspace is only started). On a terminal it asks first (-y does not ask).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, ws, err := g.workspace(ctx, args[0])
			if err != nil {
				return err
			}
			if !ws.LatestBuild.Done() {
				return inProgress(ws)
			}
			if !yes && isTerminal(cmd) && !confirm(cmd, fmt.Sprintf("Restart workspace %q? Running sessions end.", ws.Name)) {
				return errors.New("not restarted: the restart was not confirmed")
			}
			if !isAt(ws, sdk.TransitionStop) {
				if err := runTransition(ctx, c, ws.Name, sdk.TransitionStop, cmd.OutOrStdout(), bf.options(ws.Name)); err != nil {
					return err
				}
			}
			if err := runTransition(ctx, c, ws.Name, sdk.TransitionStart, cmd.OutOrStdout(), bf.options(ws.Name)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Workspace %q restarted.\n", ws.Name)
			return nil
		},
		ValidArgsFunction: g.completeWorkspaces,
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "Do not ask for confirmation")
	bf.add(cmd, true)
	return cmd
}

func newListWorkspacesCommand(g *globalOptions) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List your workspaces",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "table" && output != "json" {
				return fmt.Errorf("unknown output format %q: use table or json", output)
			}
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			list, err := c.Workspaces(cmd.Context(), sdk.Me)
			if err != nil {
				return fmt.Errorf("list workspaces: %w", err)
			}
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(list)
			}
			if len(list) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "No workspaces yet. Create one with: coder create WORKSPACE --template NAME")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "WORKSPACE\tTEMPLATE\tSTATUS\tLAST BUILD\tUPDATED")
			for _, w := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", w.Name, w.TemplateName, workspaceStatus(w.LatestBuild),
					fmt.Sprintf("#%d %s", w.LatestBuild.BuildNumber, w.LatestBuild.Transition), w.UpdatedAt.Local().Format(time.DateTime))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "Output format: table or json")
	return cmd
}

// workspaceStatus says what a workspace is doing from its latest build.
func workspaceStatus(b sdk.WorkspaceBuild) string {
	switch b.Status {
	case sdk.BuildPending, sdk.BuildRunning:
		return map[string]string{sdk.TransitionStart: "starting", sdk.TransitionStop: "stopping", sdk.TransitionDelete: "deleting"}[b.Transition]
	case sdk.BuildFailed:
		return "failed (" + b.Transition + ")"
	case sdk.BuildCanceled:
		return "canceled (" + b.Transition + ")"
	}
	return map[string]string{sdk.TransitionStart: "running", sdk.TransitionStop: "stopped", sdk.TransitionDelete: "deleted"}[b.Transition]
}

// confirm asks a yes/no question on stderr and reads the answer from stdin.
func confirm(cmd *cobra.Command, question string) bool {
	fmt.Fprintf(cmd.ErrOrStderr(), "%s [y/N] ", question)
	var line string
	buf := make([]byte, 1)
	for {
		n, err := cmd.InOrStdin().Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				break
			}
			line += string(buf[0])
		}
		if err != nil {
			break
		}
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes"
}
