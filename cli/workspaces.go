package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
)

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

// createOptions are what `coder create` was given.
type createOptions struct {
	streams
	client   func(context.Context) (*sdk.Client, error)
	name     string
	template string
	// yes creates without asking, also on a terminal.
	yes     bool
	build   buildFlags
	params  parameterFlags
	preset  string
	secrets buildSecretFlags
	// secretRefresh is the workspace's secret refresh mode.
	secretRefresh string
}

func newCmdCreate(g *globalOptions, runF func(context.Context, *createOptions) error) *cobra.Command {
	o := &createOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "create WORKSPACE --template NAME",
		Short: "Create a workspace from a template and start it",
		Long: `Create a workspace from a template and start it, showing the build's
stages with their timings; on a terminal it asks first (-y does not ask).
Parameter values come from --parameter, --rich-parameter-file and --preset
(in that order of precedence); on a terminal it asks for each parameter still
without a value, elsewhere a required one without a value is an error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			o.name = args[0]
			if o.template == "" {
				return errors.New("--template is required (list templates with `coder templates list`)")
			}
			if err := sdk.ValidateWorkspaceName(o.name); err != nil {
				return err
			}
			if err := sdk.ValidateRefresh(o.secretRefresh); err != nil {
				return fmt.Errorf("--secret-%w", err)
			}
			return runF(cmd.Context(), o)
		},
		ValidArgsFunction: noCompletion,
	}
	cmd.Flags().StringVarP(&o.template, "template", "t", "", "Template to create the workspace from")
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "Do not ask for confirmation")
	cmd.Flags().StringVar(&o.preset, "preset", "", "A coder_workspace_preset of the template whose parameter values apply (default: the template's default preset; \"none\" for none)")
	cmd.Flags().StringVar(&o.secretRefresh, "secret-refresh", sdk.RefreshRestart, "restart: secret changes reach the workspace at its next start; live: the file of every file-only secret is rewritten in place when it changes (env values still need a restart)")
	o.params.add(cmd)
	o.build.add(cmd, true)
	o.secrets.add(cmd)
	_ = cmd.RegisterFlagCompletionFunc("template", g.completeTemplates)
	return cmd
}

func runCreate(ctx context.Context, o *createOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	params, err := o.params.collect()
	if err != nil {
		return err
	}
	secrets, err := o.secrets.collect(o.streams)
	if err != nil {
		return err
	}
	info, err := activeVersionInfo(ctx, c, o.template)
	if err != nil {
		return didYouMean(fmt.Errorf("create workspace %q: %w", o.name, err), o.template, templateNames(ctx, c))
	}
	keep := map[string]bool{}
	if o.preset == "" {
		if def := sdk.DefaultPreset(info); def != "" {
			o.preset = def
			fmt.Fprintf(o.errOut, "Using the template's default preset %q (--preset %s applies none).\n", def, sdk.NoPreset)
		}
	}
	if o.preset != "" && o.preset != sdk.NoPreset {
		found := false
		for _, pr := range info.Presets {
			if pr.Name == o.preset {
				found = true
				for k := range pr.Parameters {
					keep[k] = true
				}
			}
		}
		if !found {
			return fmt.Errorf("template %q has no preset %q", o.template, o.preset)
		}
	}
	if params, err = completeParameters(o.streams, info, params, keep); err != nil {
		return err
	}
	if !o.yes && o.isTerminal() && !o.confirm(fmt.Sprintf("Create workspace %q from template %q?", o.name, o.template)) {
		return errors.New("not created: the creation was not confirmed")
	}
	ws, err := c.CreateWorkspace(ctx, sdk.Me, sdk.CreateWorkspaceRequest{Name: o.name, Template: o.template, Parameters: params, Preset: o.preset, Secrets: secrets, SecretRefresh: o.secretRefresh})
	if err != nil {
		return didYouMean(fmt.Errorf("create workspace %q: %w", o.name, err), o.template, templateNames(ctx, c))
	}
	if err := followBuild(ctx, c, ws.LatestBuild, o.out, o.build.options(ws.Name)); err != nil {
		return err
	}
	fmt.Fprintf(o.out, "Workspace %q created from template %q and running. Open a shell with: coder ssh %s\n", ws.Name, ws.TemplateName, ws.Name)
	if ws.SecretRefresh == sdk.RefreshLive {
		fmt.Fprintln(o.out, liveWorkspaceNote)
	}
	return nil
}

// liveWorkspaceNote is what the CLI says of a workspace that refreshes
// secret files live.
const liveWorkspaceNote = "Secret refresh: live. Files of secrets with only a file target are rewritten in place within seconds of a change; environment variable values still need a restart (coder restart)."

// secretRefreshOptions are what `coder secret-refresh` was given.
type secretRefreshOptions struct {
	streams
	client    func(context.Context) (*sdk.Client, error)
	workspace string
	// mode is "" to print the current mode.
	mode string
}

func newCmdSecretRefresh(g *globalOptions, runF func(context.Context, *secretRefreshOptions) error) *cobra.Command {
	o := &secretRefreshOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "secret-refresh WORKSPACE [restart|live]",
		Short: "Show or set how secret changes reach a running workspace (restart: at its next start; live: file-only secrets rewritten in place)",
		Long: `Show or set a workspace's secret refresh mode. restart (the default) applies
secret changes at the next start. live rewrites, in place, the file of every
secret the workspace receives as a file only (no --env target) within seconds
of a change, as if the secret had --refresh live; turning it on for a running
workspace pushes what is pending at once. Environment variable values still
change only at the next start.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			o.workspace = args[0]
			if len(args) == 2 {
				o.mode = args[1]
				if o.mode != sdk.RefreshRestart && o.mode != sdk.RefreshLive {
					return fmt.Errorf("the mode must be %q or %q, not %q", sdk.RefreshRestart, sdk.RefreshLive, o.mode)
				}
			}
			return runF(cmd.Context(), o)
		},
		ValidArgsFunction: g.completeWorkspaces,
	}
	return cmd
}

func runSecretRefresh(ctx context.Context, o *secretRefreshOptions) error {
	c, ws, err := openWorkspace(ctx, o.client, o.workspace)
	if err != nil {
		return err
	}
	if o.mode != "" {
		mode := o.mode
		if ws, err = c.UpdateWorkspace(ctx, sdk.Me, ws.Name, sdk.UpdateWorkspaceRequest{SecretRefresh: &mode}); err != nil {
			return fmt.Errorf("set the secret refresh of %q: %w", o.workspace, err)
		}
	}
	if ws.SecretRefresh == sdk.RefreshLive {
		fmt.Fprintf(o.out, "Workspace %q: %s\n", ws.Name, liveWorkspaceNote)
		return nil
	}
	fmt.Fprintf(o.out, "Workspace %q: secret refresh: restart. Secret changes apply at the next start (coder restart %s).\n", ws.Name, ws.Name)
	return nil
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

// openWorkspace returns a logged-in client and the caller's workspace.
func openWorkspace(ctx context.Context, client func(context.Context) (*sdk.Client, error), name string) (*sdk.Client, sdk.Workspace, error) {
	c, err := client(ctx)
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
	return runBuild(ctx, c, name, sdk.CreateBuildRequest{Transition: transition}, w, o)
}

// runBuild queues the build req and follows it.
func runBuild(ctx context.Context, c *sdk.Client, name string, req sdk.CreateBuildRequest, w io.Writer, o followOptions) error {
	transition := req.Transition
	b, err := c.CreateBuildWith(ctx, sdk.Me, name, req)
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

// transitionOptions are what `coder start` and `coder stop` were given.
type transitionOptions struct {
	streams
	client    func(context.Context) (*sdk.Client, error)
	workspace string
	// force runs the build even when the workspace is there already.
	force bool
	build buildFlags
	// params are `coder start`'s parameter values for the start build.
	params parameterFlags
	// secrets are start's build secrets.
	secrets buildSecretFlags
}

func newCmdStart(g *globalOptions, runF func(context.Context, *transitionOptions) error) *cobra.Command {
	o := &transitionOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "start WORKSPACE",
		Short: "Start a workspace (a running one is left alone; --force starts it again)",
		Long: `Start a workspace, showing the build's stages with their timings. A
running workspace is left alone (--force starts it again).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			o.workspace = args[0]
			return runF(cmd.Context(), o)
		},
		ValidArgsFunction: g.completeWorkspaces,
	}
	cmd.Flags().BoolVar(&o.force, "force", false, "Start the workspace even when it is running")
	o.params.add(cmd)
	o.build.add(cmd, true)
	o.secrets.add(cmd)
	return cmd
}

func runStart(ctx context.Context, o *transitionOptions) error {
	c, ws, err := openWorkspace(ctx, o.client, o.workspace)
	if err != nil {
		return err
	}
	if !ws.LatestBuild.Done() {
		return inProgress(ws)
	}
	params, err := o.params.collect()
	if err != nil {
		return err
	}
	secrets, err := o.secrets.collect(o.streams)
	if err != nil {
		return err
	}
	if isAt(ws, sdk.TransitionStart) && !o.force {
		if len(params) > 0 {
			return fmt.Errorf("workspace %q is running: change its parameters with `coder restart %s --parameter ...` (or `coder update`)", ws.Name, ws.Name)
		}
		if len(secrets) > 0 {
			return fmt.Errorf("workspace %q is already running: build secrets go with a new start build (coder restart %s --secret ..., or --force)", ws.Name, ws.Name)
		}
		fmt.Fprintf(o.out, "Workspace %q is already running; nothing to do (--force starts it again).\n", ws.Name)
		return nil
	}
	req := sdk.CreateBuildRequest{Transition: sdk.TransitionStart, Parameters: params, Secrets: secrets}
	if err := runBuild(ctx, c, ws.Name, req, o.out, o.build.options(ws.Name)); err != nil {
		return err
	}
	fmt.Fprintf(o.out, "Workspace %q is running.\n", ws.Name)
	return nil
}

func newCmdStop(g *globalOptions, runF func(context.Context, *transitionOptions) error) *cobra.Command {
	o := &transitionOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "stop WORKSPACE",
		Short: "Stop a workspace (a stopped one is left alone; a build in progress is canceled)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			o.workspace = args[0]
			return runF(cmd.Context(), o)
		},
		ValidArgsFunction: g.completeWorkspaces,
	}
	cmd.Flags().BoolVar(&o.force, "force", false, "Stop the workspace even when it is stopped")
	o.build.add(cmd, false)
	return cmd
}

func runStop(ctx context.Context, o *transitionOptions) error {
	c, ws, err := openWorkspace(ctx, o.client, o.workspace)
	if err != nil {
		return err
	}
	switch {
	case !ws.LatestBuild.Done() && ws.LatestBuild.Transition == sdk.TransitionStop:
		// Stopping already: follow that build.
		fmt.Fprintf(o.out, "Workspace %q is being stopped already; following that build.\n", ws.Name)
		if err := followBuild(ctx, c, ws.LatestBuild, o.out, o.build.options(ws.Name)); err != nil {
			return err
		}
		fmt.Fprintf(o.out, "Workspace %q is stopped.\n", ws.Name)
		return nil
	case !ws.LatestBuild.Done() && ws.LatestBuild.Transition == sdk.TransitionDelete:
		return inProgress(ws)
	case !ws.LatestBuild.Done():
		if ws, err = cancelBuild(ctx, c, ws, o.out); err != nil {
			return err
		}
	}
	if isAt(ws, sdk.TransitionStop) && !o.force {
		fmt.Fprintf(o.out, "Workspace %q is already stopped; nothing to do (--force stops it again).\n", ws.Name)
		return nil
	}
	if err := runTransition(ctx, c, ws.Name, sdk.TransitionStop, o.out, o.build.options(ws.Name)); err != nil {
		return err
	}
	fmt.Fprintf(o.out, "Workspace %q is stopped.\n", ws.Name)
	return nil
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

// deleteOptions are what `coder delete` was given.
type deleteOptions struct {
	streams
	client    func(context.Context) (*sdk.Client, error)
	workspace string
	// yes deletes without asking.
	yes bool
	// orphan deletes the workspace without running its template.
	orphan bool
	build  buildFlags
}

func newCmdDelete(g *globalOptions, runF func(context.Context, *deleteOptions) error) *cobra.Command {
	o := &deleteOptions{client: g.client}
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
			o.streams = streamsOf(cmd)
			o.workspace = args[0]
			return runF(cmd.Context(), o)
		},
		ValidArgsFunction: g.completeWorkspaces,
	}
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "Do not ask for confirmation")
	cmd.Flags().BoolVar(&o.orphan, "orphan", false, "Delete the workspace without running its template (what it created is left behind)")
	o.build.add(cmd, false)
	return cmd
}

func runDelete(ctx context.Context, o *deleteOptions) error {
	c, ws, err := openWorkspace(ctx, o.client, o.workspace)
	if err != nil {
		return err
	}
	if !ws.LatestBuild.Done() {
		return inProgress(ws)
	}
	question := fmt.Sprintf("Delete workspace %q and everything in it?", ws.Name)
	if o.orphan {
		question = fmt.Sprintf("Delete workspace %q without running its template, leaving what it created behind?", ws.Name)
	}
	if !o.yes && !o.confirm(question) {
		return errors.New("not deleted: the deletion was not confirmed (pass -y to delete without asking)")
	}
	if o.orphan {
		b, err := c.CreateBuildWith(ctx, sdk.Me, ws.Name, sdk.CreateBuildRequest{Transition: sdk.TransitionDelete, Orphan: true})
		if err != nil {
			return fmt.Errorf("delete workspace %q: %w", ws.Name, err)
		}
		if err := followBuild(ctx, c, b, o.out, o.build.options(ws.Name)); err != nil {
			return err
		}
		fmt.Fprintf(o.errOut, "Warning: the template did not run: what it created for %q (processes, folders, cloud resources) is still there; remove it yourself.\n", ws.Name)
		fmt.Fprintf(o.out, "Workspace %q is deleted.\n", ws.Name)
		return nil
	}
	if err := runTransition(ctx, c, ws.Name, sdk.TransitionDelete, o.out, o.build.options(ws.Name)); err != nil {
		return err
	}
	fmt.Fprintf(o.out, "Workspace %q is deleted.\n", ws.Name)
	return nil
}

// restartOptions are what `coder restart` was given.
type restartOptions struct {
	streams
	client    func(context.Context) (*sdk.Client, error)
	workspace string
	// yes restarts without asking, also on a terminal.
	yes     bool
	build   buildFlags
	params  parameterFlags
	secrets buildSecretFlags
	// update is `coder update`: it asks, on a terminal, for the active
	// version's parameters the workspace has no value for.
	update bool
}

func (o *restartOptions) verb() string {
	if o.update {
		return "Update"
	}
	return "Restart"
}

func (o *restartOptions) past() string {
	if o.update {
		return "updated"
	}
	return "restarted"
}

func newCmdRestart(g *globalOptions, runF func(context.Context, *restartOptions) error) *cobra.Command {
	o := &restartOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "restart WORKSPACE",
		Short: "Restart a workspace (a stop, then a start): it picks up changed secrets",
		Long: `Restart a workspace: a stop build, then a start build (a stopped
workspace is only started). On a terminal it asks first (-y does not ask).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			o.workspace = args[0]
			return runF(cmd.Context(), o)
		},
		ValidArgsFunction: g.completeWorkspaces,
	}
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "Do not ask for confirmation")
	o.params.add(cmd)
	o.build.add(cmd, true)
	o.secrets.add(cmd)
	return cmd
}

func runRestart(ctx context.Context, o *restartOptions) error {
	c, ws, err := openWorkspace(ctx, o.client, o.workspace)
	if err != nil {
		return err
	}
	if !ws.LatestBuild.Done() {
		return inProgress(ws)
	}
	params, err := o.params.collect()
	if err != nil {
		return err
	}
	secrets, err := o.secrets.collect(o.streams)
	if err != nil {
		return err
	}
	if o.update {
		if params, err = newParameters(ctx, o.streams, c, ws, params); err != nil {
			return err
		}
	}
	if len(params) > 0 {
		// A refused value must not leave the workspace stopped.
		if err := checkStartParameters(ctx, c, ws, params); err != nil {
			return fmt.Errorf("%s workspace %q: %w", strings.ToLower(o.verb()), ws.Name, err)
		}
	}
	if !o.yes && o.isTerminal() && !o.confirm(fmt.Sprintf("%s workspace %q? Running sessions end.", o.verb(), ws.Name)) {
		return fmt.Errorf("not %s: the %s was not confirmed", o.past(), strings.ToLower(o.verb()))
	}
	if !isAt(ws, sdk.TransitionStop) {
		if err := runTransition(ctx, c, ws.Name, sdk.TransitionStop, o.out, o.build.options(ws.Name)); err != nil {
			return err
		}
	}
	if err := runBuild(ctx, c, ws.Name, sdk.CreateBuildRequest{Transition: sdk.TransitionStart, Parameters: params, Secrets: secrets}, o.out, o.build.options(ws.Name)); err != nil {
		return err
	}
	fmt.Fprintf(o.out, "Workspace %q %s.\n", ws.Name, o.past())
	return nil
}

// listOptions are what `coder list` was given.
type listOptions struct {
	streams
	client func(context.Context) (*sdk.Client, error)
	output string
}

func newCmdList(g *globalOptions, runF func(context.Context, *listOptions) error) *cobra.Command {
	o := &listOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List your workspaces",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.streams = streamsOf(cmd)
			if err := checkOutput(o.output, "table", "json"); err != nil {
				return err
			}
			return runF(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "table", "Output format: table or json")
	return cmd
}

func runList(ctx context.Context, o *listOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	list, err := c.Workspaces(ctx, sdk.Me)
	if err != nil {
		return fmt.Errorf("list workspaces: %w", err)
	}
	if o.output == "json" {
		return writeJSON(o.out, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(o.errOut, "No workspaces yet. Create one with: coder create WORKSPACE --template NAME")
		return nil
	}
	tw := tabwriter.NewWriter(o.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WORKSPACE\tTEMPLATE\tSTATUS\tLAST BUILD\tUPDATED")
	for _, w := range list {
		status := workspaceStatus(w.LatestBuild)
		if w.RestartNeeded {
			status += ", " + restartNeeded(w.RestartNeededSecrets)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", w.Name, w.TemplateName, status,
			fmt.Sprintf("#%d %s", w.LatestBuild.BuildNumber, w.LatestBuild.Transition), w.UpdatedAt.Local().Format(time.DateTime))
	}
	return tw.Flush()
}

// restartNeeded says which secrets changed since the running workspace's
// agent applied its manifest: "restart needed (2 secrets changed: a, b)".
func restartNeeded(names []string) string {
	noun := "secrets"
	if len(names) == 1 {
		noun = "secret"
	}
	return fmt.Sprintf("restart needed (%d %s changed: %s)", len(names), noun, strings.Join(names, ", "))
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
