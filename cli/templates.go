package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/templatearchive"
)

func init() {
	extraCommands = append(extraCommands, newTemplatesCommand)
}

func newTemplatesCommand(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "templates", Aliases: []string{"template"}, Short: "Manage templates (folders of Terraform files)"}
	var dir string
	var yes bool
	push := &cobra.Command{
		Use:   "push NAME",
		Short: "Upload a template folder as the template's new active version",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := sdk.ValidateTemplateName(name); err != nil {
				return err
			}
			abs, err := filepath.Abs(dir)
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
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			// On a terminal, replacing the active version of an
			// existing template asks first; -y (and scripts) do not.
			if !yes && isTerminal(cmd) {
				if cur, err := c.Template(cmd.Context(), name); err == nil &&
					!confirm(cmd, fmt.Sprintf("Template %q is at version %d: push %s as version %d and make it active?", name, cur.ActiveVersion, abs, cur.ActiveVersion+1)) {
					return errors.New("not pushed: the push was not confirmed")
				}
			}
			t, err := c.PushTemplate(cmd.Context(), name, archive)
			if err != nil {
				return fmt.Errorf("push template %q: %w", name, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Template %q is now at version %d (%s).\n", t.Name, t.ActiveVersion, abs)
			for _, r := range t.SecretRequirements {
				fmt.Fprintf(cmd.OutOrStdout(), "  requires a secret with %s: %s\n", r.Target(), r.HelpMessage)
			}
			return nil
		},
	}
	push.Flags().StringVarP(&dir, "directory", "d", ".", "Template folder")
	push.Flags().BoolVarP(&yes, "yes", "y", false, "Do not ask before replacing the active version (only asked on a terminal)")
	var output string
	list := &cobra.Command{
		Use:   "list",
		Short: "List templates",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "table" && output != "json" {
				return fmt.Errorf("unknown output format %q: use table or json", output)
			}
			c, err := g.client(cmd.Context())
			if err != nil {
				return err
			}
			ts, err := c.Templates(cmd.Context())
			if err != nil {
				return fmt.Errorf("list templates: %w", err)
			}
			if output == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(ts)
			}
			if len(ts) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "No templates yet. Push one with: coder templates push NAME -d DIR")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tVERSION\tREQUIRED SECRETS\tUPDATED")
			for _, t := range ts {
				var reqs []string
				for _, r := range t.SecretRequirements {
					reqs = append(reqs, r.ID())
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", t.Name, t.ActiveVersion, strings.Join(reqs, ","), t.UpdatedAt.Local().Format(time.DateTime))
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVarP(&output, "output", "o", "table", "Output format: table or json")
	cmd.AddCommand(push, list)
	return cmd
}
