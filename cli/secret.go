package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
)

// newCmdSecret is the parent of the secret commands (root.go adds them).
func newCmdSecret() *cobra.Command {
	return &cobra.Command{
		Use:     "secret",
		Aliases: []string{"secrets"},
		Short:   "Manage your user secrets",
		Long: `Store secret values once and get them in every workspace you own, as
environment variables (--env) and files (--file).

Give values on stdin (a pipe or a redirect) to keep them out of your shell
history and process arguments. Stdin is read verbatim: a trailing newline is
stored as part of the value; use echo -n to leave it out.`,
	}
}

// stdinSource says whether stdin is a non-interactive value source (a pipe
// or a redirected file) and returns it. A terminal or a character device
// such as /dev/null is not a source.
func stdinSource(in io.Reader) (io.Reader, bool) {
	f, ok := in.(*os.File)
	if !ok {
		// Tests and embedders pass readers; treat them as pipes.
		return in, in != nil
	}
	st, err := f.Stat()
	if err != nil {
		return nil, false
	}
	m := st.Mode()
	return f, m&os.ModeNamedPipe != 0 || m.IsRegular() || m&os.ModeSocket != 0
}

// readStdinValue reads the whole of stdin, bounded a little past the largest
// valid value so the size error can say how large it was.
func readStdinValue(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, sdk.MaxValueBytes+1))
	if err != nil {
		return "", fmt.Errorf("read the value from stdin: %w", err)
	}
	if len(b) > sdk.MaxValueBytes {
		return "", fmt.Errorf("the value on stdin is longer than %d bytes, the largest a secret may hold", sdk.MaxValueBytes)
	}
	return string(b), nil
}

// valueFromInput returns the value given by exactly one of --value or
// non-interactive stdin. given is false when neither gave one.
func valueFromInput(s streams, flagSet bool, flagValue string) (v sdk.SecretValue, given bool, err error) {
	var stdinValue string
	stdinGiven := false
	if r, ok := stdinSource(s.in); ok {
		v, err := readStdinValue(r)
		if err != nil {
			return "", false, err
		}
		stdinValue, stdinGiven = v, v != ""
	}
	switch {
	case flagSet && stdinGiven:
		return "", false, errors.New("the value was given both with --value and on stdin: use only one")
	case flagSet:
		return sdk.SecretValue(flagValue), true, nil
	case stdinGiven:
		if strings.HasSuffix(stdinValue, "\n") {
			fmt.Fprintln(s.errOut, "Warning: the value read from stdin ends with a newline, which is stored as part of the secret. Use `echo -n` to leave it out.")
		}
		return sdk.SecretValue(stdinValue), true, nil
	}
	return "", false, nil
}

// secretFlags are the flags create and update share.
type secretFlags struct {
	value, description, env, file string
	enabled                       bool
	templates                     []string
	refresh                       string
}

func (f *secretFlags) register(cmd *cobra.Command, verb string) {
	fl := cmd.Flags()
	fl.StringVar(&f.value, "value", "", "The secret value (prefer stdin: --value can leak through shell history and process arguments)")
	fl.StringVar(&f.description, "description", "", "A description of the secret")
	fl.StringVar(&f.env, "env", "", "Inject the secret as this environment variable"+map[string]string{"update": " (\"\" clears the target)"}[verb])
	fl.StringVar(&f.file, "file", "", "Write the secret to this file path, starting with ~/ or /"+map[string]string{"update": " (\"\" clears the target)"}[verb])
	// On update the flag changes only what it is given as (--enabled,
	// --enabled=false), so it shows no default there.
	fl.BoolVar(&f.enabled, "enabled", verb == "create", map[string]string{
		"create": "Deliver the secret to workspaces; an enabled secret needs --env or --file (--enabled=false stores it without delivering it)",
		"update": "Deliver the secret to workspaces; an enabled secret keeps --env or --file (--enabled=false stops delivering it without deleting it)",
	}[verb])
	fl.StringSliceVar(&f.templates, "templates", nil, "Deliver the secret only to workspaces of these templates (comma-separated names; other templates see it as missing)"+
		map[string]string{"create": "; default: every template", "update": "; \"\" clears the list: every template"}[verb])
	fl.StringVar(&f.refresh, "refresh", map[string]string{"create": sdk.RefreshRestart}[verb],
		"When running workspaces get a change: restart (at their next start) or live (its file is rewritten in place within seconds; an env value still needs a restart)")
}

// homeRelative turns a file path that starts with the local home folder
// back into "~/...". Shells expand an unquoted ~/ before the CLI sees it, so
// `--file ~/.config/x` as the guide writes it arrives as /home/me/.config/x;
// the user meant the workspace's home folder, which is rarely the local one.
// It says on errOut when it rewrote a path.
func homeRelative(errOut io.Writer, p string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" || home == "/" {
		return p
	}
	home = strings.TrimRight(home, "/")
	if !strings.HasPrefix(p, home+"/") || len(p) == len(home)+1 {
		return p
	}
	rel := "~/" + strings.TrimPrefix(p, home+"/")
	fmt.Fprintf(errOut, "Note: storing the file path as %s (relative to the workspace's home folder): your shell expanded ~ to your local home folder %s.\n", rel, home)
	return rel
}

func invalid(msg string, v []sdk.ValidationError) error {
	return &sdk.Error{Response: sdk.Response{Message: msg, Validations: v}}
}

// secretCreateOptions are what `coder secret create` was given: the
// request it sends, checked.
type secretCreateOptions struct {
	streams
	client func(context.Context) (*sdk.Client, error)
	req    sdk.CreateSecretRequest
}

func newCmdSecretCreate(g *globalOptions, runF func(context.Context, *secretCreateOptions) error) *cobra.Command {
	o := &secretCreateOptions{client: g.client}
	f := &secretFlags{}
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a secret; its value comes from stdin or --value",
		Example: `  echo -n "$API_KEY" | coder secret create api-key --description "API key for workspace tools" --env API_KEY
  coder secret create tool-config --file ~/.config/tool/config.json < ./tool-config.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			value, given, err := valueFromInput(o.streams, cmd.Flags().Changed("value"), f.value)
			if err != nil {
				return err
			}
			if !given {
				return errors.New(`no value given: pipe it on stdin (echo -n "$VALUE" | coder secret create ` + args[0] + ` ...) or use --value`)
			}
			o.req = sdk.CreateSecretRequest{Name: args[0], Value: value, Description: f.description, EnvName: f.env, FilePath: homeRelative(o.errOut, f.file)}
			if cmd.Flags().Changed("enabled") {
				o.req.Enabled = &f.enabled
			}
			o.req.Templates = nonEmpty(f.templates)
			if f.refresh != sdk.RefreshRestart {
				o.req.Refresh = f.refresh
			}
			// The other fields' problems first; then a missing target, said
			// with the CLI's flags.
			v := slices.DeleteFunc(o.req.Validate(), func(e sdk.ValidationError) bool { return e.Field == "enabled" })
			if len(v) > 0 {
				return invalid("invalid secret", v)
			}
			if o.req.IsEnabled() && o.req.EnvName == "" && o.req.FilePath == "" {
				return fmt.Errorf("secret %q has no target, so it cannot be enabled: give --env or --file, or store it without delivering it with --enabled=false", args[0])
			}
			return runF(cmd.Context(), o)
		},
	}
	f.register(cmd, "create")
	return cmd
}

func runSecretCreate(ctx context.Context, o *secretCreateOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	s, err := c.CreateSecret(ctx, sdk.Me, o.req)
	if err != nil {
		return fmt.Errorf("create secret %q: %w", o.req.Name, err)
	}
	fmt.Fprintf(o.out, "Created secret %q%s.\n", s.Name, describeTargets(s))
	return nil
}

func describeTargets(s sdk.Secret) string {
	var parts []string
	if s.EnvName != "" {
		parts = append(parts, "environment variable "+s.EnvName)
	}
	if s.FilePath != "" {
		parts = append(parts, "file "+s.FilePath)
	}
	if !s.Enabled {
		return " (disabled: stored, not injected into workspaces)"
	}
	if len(parts) == 0 {
		return " (no target: stored, not injected into workspaces)"
	}
	scope := ""
	if len(s.Templates) > 0 {
		scope = ", only into workspaces of the templates " + strings.Join(s.Templates, ", ")
	}
	if s.Refresh == sdk.RefreshLive {
		if s.FilePath == "" {
			return " (injected as " + strings.Join(parts, " and ") + " at the next workspace start" + scope +
				"; refresh live rewrites files only: an environment variable still needs a restart)"
		}
		env := ""
		if s.EnvName != "" {
			env = "; its environment variable changes only at the next start"
		}
		return " (injected as " + strings.Join(parts, " and ") + scope + "; its file is rewritten in running workspaces within seconds" + env + ")"
	}
	return " (injected as " + strings.Join(parts, " and ") + " at the next workspace start" + scope + ")"
}

// nonEmpty drops empty names from a --templates list (so --templates ""
// is the empty list); nil when none is left.
func nonEmpty(names []string) []string {
	var out []string
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// secretUpdateOptions are what `coder secret update` was given: the
// secret's name and the fields to change (nil: left as they are).
type secretUpdateOptions struct {
	streams
	client func(context.Context) (*sdk.Client, error)
	name   string
	req    sdk.UpdateSecretRequest
}

func newCmdSecretUpdate(g *globalOptions, runF func(context.Context, *secretUpdateOptions) error) *cobra.Command {
	o := &secretUpdateOptions{client: g.client}
	f := &secretFlags{}
	cmd := &cobra.Command{
		Use:               "update NAME",
		ValidArgsFunction: g.completeSecrets,
		Short:             "Update a secret's value, description or targets",
		Long: `Update a secret. At least one of --value, --description, --env, --file or
--enabled, --templates or --refresh must be given (or a value on stdin). Only the flags
you give are changed; --env "" and --file "" clear a target (an enabled
secret keeps at least one), --templates "" delivers it to every template.
With --refresh live a change rewrites the secret's file in running workspaces
in place within seconds; environment variables still change only at the next
start.
Running workspaces pick up the change at their next start: coder list and
coder show say "restart needed" for the ones that run an older version.`,
		Example: `  echo -n "$NEW_API_KEY" | coder secret update api-key
  coder secret update api-key --env NEW_API_KEY
  coder secret update api-key --file ""`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			o.name = args[0]
			fl := cmd.Flags()
			value, given, err := valueFromInput(o.streams, fl.Changed("value"), f.value)
			if err != nil {
				return err
			}
			if given {
				o.req.Value = &value
			}
			if fl.Changed("description") {
				o.req.Description = &f.description
			}
			if fl.Changed("env") {
				o.req.EnvName = &f.env
			}
			if fl.Changed("file") {
				p := homeRelative(o.errOut, f.file)
				o.req.FilePath = &p
			}
			if fl.Changed("enabled") {
				o.req.Enabled = &f.enabled
			}
			if fl.Changed("refresh") {
				o.req.Refresh = &f.refresh
			}
			if fl.Changed("templates") {
				t := nonEmpty(f.templates)
				if t == nil {
					t = []string{}
				}
				o.req.Templates = &t
			}
			if o.req.Empty() {
				return errors.New("nothing to update: give at least one of --value, --description, --env, --file, --enabled, --templates or --refresh (or pipe a new value on stdin)")
			}
			if v := o.req.Validate(); len(v) > 0 {
				return invalid("invalid update", v)
			}
			return runF(cmd.Context(), o)
		},
	}
	f.register(cmd, "update")
	return cmd
}

func runSecretUpdate(ctx context.Context, o *secretUpdateOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	s, err := c.UpdateSecret(ctx, sdk.Me, o.name, o.req)
	if err != nil {
		return didYouMean(fmt.Errorf("update secret %q: %w", o.name, err), o.name, secretNames(ctx, c))
	}
	fmt.Fprintf(o.out, "Updated secret %q%s.\n", s.Name, describeTargets(s))
	restartHint(ctx, c, o.errOut, s.Name, &s)
	return nil
}

// secretListOptions are what `coder secret list` was given.
type secretListOptions struct {
	streams
	client func(context.Context) (*sdk.Client, error)
	// one shows only the secret name; otherwise all are listed.
	one     bool
	name    string
	output  string
	columns []string
	// workspace, when set, lists the build secrets of that workspace's
	// latest build too, with what each replaces.
	workspace string
	// now is the clock the CREATED and UPDATED columns count from.
	now func() time.Time
}

func newCmdSecretList(g *globalOptions, runF func(context.Context, *secretListOptions) error) *cobra.Command {
	o := &secretListOptions{client: g.client, now: time.Now}
	cmd := &cobra.Command{
		Use:               "list [NAME]",
		Aliases:           []string{"ls"},
		ValidArgsFunction: g.completeSecrets,
		Short:             "List your secrets, or show one (metadata only, never values)",
		Args:              cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			if err := checkOutput(o.output, "table", "json"); err != nil {
				return err
			}
			if err := checkColumns(o.columns); err != nil {
				return err
			}
			if len(args) == 1 {
				o.one, o.name = true, args[0]
			}
			if o.workspace != "" && !cmd.Flags().Changed("column") {
				o.columns = workspaceSecretColumns
			}
			return runF(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.workspace, "workspace", "", "Also list the build secrets of this workspace's latest build, with SOURCE, REPLACED BY and EPHEMERAL columns")
	_ = cmd.RegisterFlagCompletionFunc("workspace", g.completeWorkspaces)
	cmd.Flags().StringVarP(&o.output, "output", "o", "table", "Output format: table or json")
	cmd.Flags().StringSliceVarP(&o.columns, "column", "c", defaultSecretColumns,
		"Columns to display in table output: "+strings.Join(secretColumnNames(), ", "))
	return cmd
}

func runSecretList(ctx context.Context, o *secretListOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	if o.workspace != "" {
		return runSecretListWorkspace(ctx, c, o)
	}
	var list []sdk.Secret
	if o.one {
		s, err := c.Secret(ctx, sdk.Me, o.name)
		if err != nil {
			return didYouMean(fmt.Errorf("show secret %q: %w", o.name, err), o.name, secretNames(ctx, c))
		}
		list = []sdk.Secret{s}
	} else {
		list, err = c.Secrets(ctx, sdk.Me)
		if err != nil {
			return fmt.Errorf("list secrets: %w", err)
		}
	}
	rows := make([]secretRow, len(list))
	for i, s := range list {
		rows[i] = secretRow{Secret: s}
	}
	warnUnwrittenFiles(ctx, c, o.errOut, rows)
	if o.output == "json" {
		if list == nil {
			list = []sdk.Secret{}
		}
		return writeJSON(o.out, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(o.errOut, "No secrets found.")
		return nil
	}
	return writeSecretTable(o.out, list, o.columns, o.now())
}

// oneLine keeps a table row on one line.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s)
	if len([]rune(s)) > 60 {
		s = string([]rune(s)[:57]) + "..."
	}
	return s
}

// secretDeleteOptions are what `coder secret delete` was given.
type secretDeleteOptions struct {
	streams
	client func(context.Context) (*sdk.Client, error)
	name   string
	// yes deletes without asking.
	yes bool
}

func newCmdSecretDelete(g *globalOptions, runF func(context.Context, *secretDeleteOptions) error) *cobra.Command {
	o := &secretDeleteOptions{client: g.client}
	cmd := &cobra.Command{
		Use:               "delete NAME",
		Aliases:           []string{"rm", "remove"},
		ValidArgsFunction: g.completeSecrets,
		Short:             "Delete a secret (files already written to workspaces stay on disk)",
		Args:              cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			o.name = args[0]
			return runF(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVarP(&o.yes, "yes", "y", false, "Delete without asking")
	return cmd
}

func runSecretDelete(ctx context.Context, o *secretDeleteOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	name := o.name
	if !o.yes {
		// Check it exists before asking.
		if _, err := c.Secret(ctx, sdk.Me, name); err != nil {
			return didYouMean(fmt.Errorf("delete secret %q: %w", name, err), name, secretNames(ctx, c))
		}
		fmt.Fprintf(o.errOut, "Delete secret %q? Workspaces stop getting it at their next start. [y/N] ", name)
		line, err := bufio.NewReader(o.in).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read the answer: %w", err)
		}
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			fmt.Fprintln(o.errOut)
			return errors.New("not deleted: the deletion was not confirmed (pass -y to delete without asking)")
		}
	}
	if err := c.DeleteSecret(ctx, sdk.Me, name); err != nil {
		return didYouMean(fmt.Errorf("delete secret %q: %w", name, err), name, secretNames(ctx, c))
	}
	fmt.Fprintf(o.out, "Deleted secret %q.\n", name)
	restartHint(ctx, c, o.errOut, sdk.NormalizeSecretName(name), nil)
	return nil
}

func secretNames(ctx context.Context, c *sdk.Client) func() ([]string, error) {
	return func() ([]string, error) {
		list, err := c.Secrets(ctx, sdk.Me)
		names := make([]string, 0, len(list))
		for _, s := range list {
			names = append(names, s.Name)
		}
		return names, err
	}
}
