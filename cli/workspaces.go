package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
)

func init() {
	extraCommands = append(extraCommands,
		newCreateCommand,
		func(g *globalOptions) *cobra.Command {
			return newTransitionCommand(g, "start", "Start a workspace", sdk.TransitionStart)
		},
		func(g *globalOptions) *cobra.Command {
			return newTransitionCommand(g, "stop", "Stop a workspace", sdk.TransitionStop)
		},
		func(g *globalOptions) *cobra.Command {
			return newTransitionCommand(g, "delete", "Delete a workspace (files written to it go with it)", sdk.TransitionDelete)
		},
		newRestartCommand,
		newListWorkspacesCommand,
	)
}

// followBuild streams a build's log to w until it ends; a failed build is
// an error carrying the build's error.
func followBuild(ctx context.Context, c *sdk.Client, b sdk.WorkspaceBuild, w io.Writer) error {
	fmt.Fprintf(w, "==> Build #%d: %s\n", b.BuildNumber, b.Transition)
	stage := ""
	done, err := c.FollowBuildLogs(ctx, b.ID, func(l sdk.BuildLog) {
		if l.Stage != stage {
			stage = l.Stage
			fmt.Fprintf(w, "--- %s\n", stage)
		}
		fmt.Fprintln(w, "    "+l.Output)
	})
	if err != nil {
		return fmt.Errorf("follow build: %w", err)
	}
	if done.Status != sdk.BuildSucceeded {
		msg := done.Error
		if msg == "" {
			msg = "no error message"
		}
		return fmt.Errorf("the %s build failed: %s", done.Transition, msg)
	}
	fmt.Fprintf(w, "==> Build #%d (%s) succeeded.\n", done.BuildNumber, done.Transition)
	return nil
}

func newCreateCommand(g *globalOptions) *cobra.Command {
	var template string
	var yes bool
	cmd := &cobra.Command{
		Use:   "create WORKSPACE --template NAME",
		Short: "Create a workspace from a template and start it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_ = yes
			if template == "" {
				return errors.New("--template is required (list templates with `coder templates list`)")
			}
			if err := sdk.ValidateWorkspaceName(args[0]); err != nil {
				return err
			}
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			ws, err := c.CreateWorkspace(cmd.Context(), sdk.Me, sdk.CreateWorkspaceRequest{Name: args[0], Template: template})
			if err != nil {
				return fmt.Errorf("create workspace %q: %w", args[0], err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Workspace %q created from template %q.\n", ws.Name, ws.TemplateName)
			return followBuild(cmd.Context(), c, ws.LatestBuild, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&template, "template", "t", "", "Template to create the workspace from")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "Do not ask for confirmation")
	return cmd
}

func runTransition(ctx context.Context, c *sdk.Client, name, transition string, w io.Writer) error {
	b, err := c.CreateBuild(ctx, sdk.Me, name, transition)
	if err != nil {
		return fmt.Errorf("%s workspace %q: %w", transition, name, err)
	}
	return followBuild(ctx, c, b, w)
}

func newTransitionCommand(g *globalOptions, use, short, transition string) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   use + " WORKSPACE",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			if transition == sdk.TransitionDelete && !yes {
				if !confirm(cmd, fmt.Sprintf("Delete workspace %q and everything in it?", args[0])) {
					return errors.New("not deleted: the deletion was not confirmed (pass -y to delete without asking)")
				}
			}
			return runTransition(cmd.Context(), c, args[0], transition, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "Do not ask for confirmation")
	return cmd
}

func newRestartCommand(g *globalOptions) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "restart WORKSPACE",
		Short: "Restart a workspace (a stop, then a start): it picks up changed secrets",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_ = yes
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			if err := runTransition(cmd.Context(), c, args[0], sdk.TransitionStop, cmd.OutOrStdout()); err != nil {
				return err
			}
			return runTransition(cmd.Context(), c, args[0], sdk.TransitionStart, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "Do not ask for confirmation")
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
