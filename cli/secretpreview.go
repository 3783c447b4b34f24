package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
)

// secretPreviewOptions are what `coder secret preview` was given.
type secretPreviewOptions struct {
	streams
	client func(context.Context) (*sdk.Client, error)
	query  sdk.SecretPreviewQuery
	output string
}

func newCmdSecretPreview(g *globalOptions, runF func(context.Context, *secretPreviewOptions) error) *cobra.Command {
	o := &secretPreviewOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "preview (--template NAME | --workspace NAME)",
		Short: "Show, without any value, which env variables and files a workspace would get of your secrets",
		Long: `Show what a workspace would get of your secrets at its next start, without
any value: the environment variables (and which template env, coder_agent.env
or coder_env, each one overrides), the files with their resolved paths, the
collisions between file paths (~/x and /home/u/x when the home folder is
known), and the secrets left out: disabled, scoped to other templates, or
with a path that does not resolve. The server computes it with the rules the
agent applies.

With --template the template env is read from the template's files (literal
names only) and the home folder is unknown unless --home gives it. With
--workspace the settings of the workspace's last start are used, and the home
folder its agent reported.`,
		Example: `  coder secret preview --template local
  coder secret preview --template local --home /home/coder
  coder secret preview --workspace dev -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.streams = streamsOf(cmd)
			if err := checkOutput(o.output, "text", "json"); err != nil {
				return err
			}
			if (o.query.Template == "") == (o.query.Workspace == "") {
				return errors.New("give exactly one of --template or --workspace")
			}
			return runF(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.query.Template, "template", "", "Preview a new workspace of this template")
	cmd.Flags().StringVar(&o.query.Workspace, "workspace", "", "Preview the next start of this workspace")
	cmd.Flags().StringVar(&o.query.Home, "home", "", `The workspace's home folder, what "~/" means (default: the one the workspace's agent reported; unknown for a template)`)
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "Output format: text or json")
	_ = cmd.RegisterFlagCompletionFunc("template", g.completeTemplates)
	_ = cmd.RegisterFlagCompletionFunc("workspace", g.completeWorkspaces)
	return cmd
}

func runSecretPreview(ctx context.Context, o *secretPreviewOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	p, err := c.SecretPreview(ctx, sdk.Me, o.query)
	if err != nil {
		what := "template " + o.query.Template
		if o.query.Workspace != "" {
			what = "workspace " + o.query.Workspace
		}
		return fmt.Errorf("preview the secrets of %s: %w", what, err)
	}
	if o.output == "json" {
		return writeJSON(o.out, p)
	}
	return printPreview(o.out, p)
}

func printPreview(w io.Writer, p sdk.SecretPreview) error {
	what := "a new workspace of template " + p.Template
	if p.Workspace != "" {
		what = "the next start of workspace " + p.Workspace + " (template " + p.Template + ")"
	}
	home := p.Home
	if home == "" {
		home = `unknown: "~/" paths are not resolved and cannot be checked against absolute ones (give --home)`
	}
	fmt.Fprintf(w, "Secrets for %s; os %s, home %s.\n", what, p.OS, home)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nEnvironment variables (new sessions, after the next start):")
	if len(p.Env) == 0 {
		fmt.Fprintln(tw, "  none")
	}
	for _, e := range p.Env {
		over := ""
		if len(e.Overrides) > 0 {
			over = "overrides the template's " + strings.Join(e.Overrides, " and ") + " env"
		}
		fmt.Fprintf(tw, "  %s\tfrom secret %q\t%s\n", e.Name, e.Secret, over)
	}
	fmt.Fprintln(tw, "\nFiles:")
	if len(p.Files) == 0 {
		fmt.Fprintln(tw, "  none")
	}
	for _, f := range p.Files {
		at := f.Path
		if f.Resolved != "" && f.Resolved != f.Path {
			at += "\t-> " + f.Resolved
		} else {
			at += "\t"
		}
		fmt.Fprintf(tw, "  %s\tfrom secret %q\n", at, f.Secret)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(p.Collisions) > 0 {
		fmt.Fprintln(w, "\nCollisions (one file, two secrets: only the first is written):")
		for _, c := range p.Collisions {
			fmt.Fprintf(w, "  %s: %q is written, %q is skipped\n", c.Path, c.Kept, c.Skipped)
		}
	}
	if len(p.Disabled)+len(p.ScopedOut)+len(p.Unplaceable) > 0 {
		fmt.Fprintln(w, "\nNot delivered:")
		for _, n := range p.Disabled {
			fmt.Fprintf(w, "  %q: disabled\n", n)
		}
		for _, s := range p.ScopedOut {
			fmt.Fprintf(w, "  %q: only for the templates %s\n", s.Secret, strings.Join(s.Templates, ", "))
		}
		for _, u := range p.Unplaceable {
			fmt.Fprintf(w, "  %q: its file path %s does not resolve: %s\n", u.Secret, u.Path, u.Error)
		}
	}
	if p.TemplateEnvSource == "template" {
		fmt.Fprintln(w, "\nThe template env was read from the template's files: names set by expressions, count or for_each are not seen.")
	}
	return nil
}

// restartHint says on errOut which running workspaces now run an older
// version of the secret name (restart needed), best effort: a failure to
// list them says nothing. A secret refreshed live whose only target is a
// file gets no hint: its workspaces are about to have it.
func restartHint(ctx context.Context, c *sdk.Client, errOut io.Writer, name string, s *sdk.Secret) {
	if s != nil && s.Refresh == sdk.RefreshLive && s.FilePath != "" && s.EnvName == "" && s.Enabled {
		return
	}
	list, err := c.Workspaces(ctx, sdk.Me)
	if err != nil {
		return
	}
	var names []string
	for _, w := range list {
		for _, n := range w.RestartNeededSecrets {
			if n == name {
				names = append(names, w.Name)
			}
		}
	}
	if len(names) > 0 {
		fmt.Fprintf(errOut, "Running workspaces that get the change at their next start: %s (coder restart WORKSPACE).\n", strings.Join(names, ", "))
	}
}
