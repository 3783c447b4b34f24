package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/templatearchive"
)

// newCmdTemplates is the parent of the template commands (root.go adds
// them).
func newCmdTemplates() *cobra.Command {
	return &cobra.Command{Use: "templates", Aliases: []string{"template"}, Short: "Manage templates (folders of Terraform files)"}
}

// templatesPushOptions are what `coder templates push` was given.
type templatesPushOptions struct {
	streams
	client func(context.Context) (*sdk.Client, error)
	name   string
	dir    string
	// yes replaces the active version without asking, also on a terminal.
	yes bool
	// vars are --var NAME=VALUE, varsFile --variables-file, message
	// --message.
	vars     []string
	varsFile string
	message  string
}

func newCmdTemplatesPush(g *globalOptions, runF func(context.Context, *templatesPushOptions) error) *cobra.Command {
	o := &templatesPushOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "push NAME",
		Short: "Upload a template folder as the template's new active version",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			o.name = args[0]
			if err := sdk.ValidateTemplateName(o.name); err != nil {
				return err
			}
			return runF(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVarP(&o.dir, "directory", "d", ".", "Template folder")
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "Do not ask before replacing the active version (only asked on a terminal)")
	cmd.Flags().StringArrayVar(&o.vars, "var", nil, "A template variable's value, NAME=VALUE (repeatable; stored sealed)")
	cmd.Flags().StringVar(&o.varsFile, "variables-file", "", "A YAML file of template variable values (NAME: VALUE); --var wins over it")
	cmd.Flags().StringVarP(&o.message, "message", "m", "", "A message describing the version")
	return cmd
}

// variables returns the values of --variables-file, then --var.
func (o *templatesPushOptions) variables() (map[string]string, error) {
	vals := map[string]string{}
	if o.varsFile != "" {
		b, err := os.ReadFile(o.varsFile)
		if err != nil {
			return nil, fmt.Errorf("read --variables-file: %w", err)
		}
		m, err := parseValuesFile(b)
		if err != nil {
			return nil, fmt.Errorf("--variables-file %s: %w", o.varsFile, err)
		}
		vals = m
	}
	for _, kv := range o.vars {
		k, v, err := parseAssignment(kv)
		if err != nil {
			return nil, fmt.Errorf("--var %w", err)
		}
		vals[k] = v
	}
	return vals, nil
}

func runTemplatesPush(ctx context.Context, o *templatesPushOptions) error {
	name := o.name
	abs, err := filepath.Abs(o.dir)
	if err != nil {
		return err
	}
	archive, err := templatearchive.Pack(abs)
	if err != nil {
		return err
	}
	if len(archive) > sdk.MaxTemplateArchiveBytes {
		return fmt.Errorf("the template folder packs to %d bytes; the server accepts at most %d", len(archive), sdk.MaxTemplateArchiveBytes)
	}
	if _, _, err := templatearchive.Read(archive); err != nil {
		return err
	}
	vars, err := o.variables()
	if err != nil {
		return err
	}
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	// On a terminal, replacing the active version of an existing template
	// asks first; -y (and scripts) do not.
	if !o.yes && o.isTerminal() {
		if cur, err := c.Template(ctx, name); err == nil &&
			!o.confirm(fmt.Sprintf("Template %q is at version %d: push %s as version %d and make it active?", name, cur.ActiveVersion, abs, cur.ActiveVersion+1)) {
			return errors.New("not pushed: the push was not confirmed")
		}
	}
	t, err := c.PushTemplateVersion(ctx, name, sdk.PushTemplateRequest{Archive: archive, Variables: vars, Message: o.message})
	if err != nil {
		return fmt.Errorf("push template %q: %w", name, err)
	}
	fmt.Fprintf(o.out, "Template %q is now at version %d (%s).\n", t.Name, t.ActiveVersion, abs)
	for _, r := range t.SecretRequirements {
		fmt.Fprintf(o.out, "  requires a secret with %s: %s\n", r.Target(), r.HelpMessage)
	}
	for _, p := range t.ActiveVersionInfo.Parameters {
		fmt.Fprintf(o.out, "  parameter %s\n", describeParameter(p))
	}
	for _, p := range t.ActiveVersionInfo.Presets {
		fmt.Fprintf(o.out, "  preset %s\n", p.Name)
	}
	return nil
}

// templatesListOptions are what `coder templates list` was given.
type templatesListOptions struct {
	streams
	client func(context.Context) (*sdk.Client, error)
	output string
}

func newCmdTemplatesList(g *globalOptions, runF func(context.Context, *templatesListOptions) error) *cobra.Command {
	o := &templatesListOptions{client: g.client}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List templates",
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

func runTemplatesList(ctx context.Context, o *templatesListOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	ts, err := c.Templates(ctx)
	if err != nil {
		return fmt.Errorf("list templates: %w", err)
	}
	if o.output == "json" {
		return writeJSON(o.out, ts)
	}
	if len(ts) == 0 {
		fmt.Fprintln(o.errOut, "No templates yet. Push one with: coder templates push NAME -d DIR")
		return nil
	}
	tw := tabwriter.NewWriter(o.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tREQUIRED SECRETS\tPARAMETERS\tUPDATED")
	for _, t := range ts {
		var reqs, params []string
		for _, r := range t.SecretRequirements {
			reqs = append(reqs, r.ID())
		}
		for _, p := range t.ActiveVersionInfo.Parameters {
			name := p.Name
			if p.Required {
				name += "*"
			}
			params = append(params, name)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", t.Name, t.ActiveVersion, strings.Join(reqs, ","), strings.Join(params, ","), t.UpdatedAt.Local().Format(time.DateTime))
	}
	return tw.Flush()
}
