package cli

// Issue 13's secret commands and conventions: enable, disable, import, and
// the table of secret list (-c/--column, humanized times, ENABLED).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/secretimport"
)

// secretColumns are the columns of `coder secret list`, in the order
// Coder's CLI names them in its help; each prints one field of a secret.
// The last three (source, replaced_by, ephemeral) are for --workspace,
// which lists the workspace's build secrets too.
var secretColumns = []struct {
	name string
	cell func(s secretRow, now time.Time) string
}{
	{"created", func(s secretRow, now time.Time) string { return humanizeTime(s.CreatedAt, now) }},
	{"name", func(s secretRow, _ time.Time) string { return s.Name }},
	{"updated", func(s secretRow, now time.Time) string { return humanizeTime(s.UpdatedAt, now) }},
	{"env", func(s secretRow, _ time.Time) string { return s.EnvName }},
	{"file", func(s secretRow, _ time.Time) string { return s.FilePath }},
	{"enabled", func(s secretRow, _ time.Time) string { return fmt.Sprint(s.Enabled) }},
	{"description", func(s secretRow, _ time.Time) string { return oneLine(s.Description) }},
	{"templates", func(s secretRow, _ time.Time) string { return oneLine(strings.Join(s.Templates, ",")) }},
	{"refresh", func(s secretRow, _ time.Time) string { return s.Refresh }},
	{"source", func(s secretRow, _ time.Time) string { return s.Source }},
	{"replaced_by", func(s secretRow, _ time.Time) string { return strings.Join(s.ReplacedBy, ",") }},
	{"ephemeral", func(s secretRow, _ time.Time) string {
		if s.Source != "build" {
			return ""
		}
		return fmt.Sprint(s.Ephemeral)
	}},
}

// secretRow is one row of secret list: a user secret, or with --workspace
// a build secret of the workspace's latest build too (Source "build").
type secretRow struct {
	sdk.Secret
	// Source is "user" or "build" (--workspace only).
	Source string `json:"source"`
	// ReplacedBy names the build secrets that take this user secret's
	// targets (--workspace only).
	ReplacedBy []string `json:"replaced_by"`
	Ephemeral  bool     `json:"ephemeral"`
}

// defaultSecretColumns is what secret list shows without -c.
var defaultSecretColumns = []string{"name", "created", "updated", "env", "file", "enabled", "description"}

// workspaceSecretColumns is what secret list --workspace shows without -c.
var workspaceSecretColumns = []string{"name", "source", "env", "file", "enabled", "replaced_by", "ephemeral", "updated"}

func secretColumnNames() []string {
	names := make([]string, 0, len(secretColumns))
	for _, c := range secretColumns {
		names = append(names, c.name)
	}
	return names
}

// checkColumns refuses an unknown or empty -c column.
func checkColumns(cols []string) error {
	if len(cols) == 0 {
		return fmt.Errorf("--column needs at least one column: %s", strings.Join(secretColumnNames(), ", "))
	}
	for _, c := range cols {
		if !slices.Contains(secretColumnNames(), strings.ToLower(strings.TrimSpace(c))) {
			return fmt.Errorf("unknown column %q: use %s", c, strings.Join(secretColumnNames(), ", "))
		}
	}
	return nil
}

// writeSecretTable prints list with the columns cols (checked), headers in
// upper case, times counted back from now.
func writeSecretTable(w io.Writer, list []sdk.Secret, cols []string, now time.Time) error {
	rows := make([]secretRow, len(list))
	for i, s := range list {
		rows[i] = secretRow{Secret: s}
	}
	return writeSecretRows(w, rows, cols, now)
}

// writeSecretRows is writeSecretTable for rows; a header is the column's
// name in upper case, "_" as a space (REPLACED BY).
func writeSecretRows(w io.Writer, list []secretRow, cols []string, now time.Time) error {
	var buf strings.Builder
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	var header []string
	var cells []func(secretRow, time.Time) string
	for _, c := range cols {
		c = strings.ToLower(strings.TrimSpace(c))
		for _, sc := range secretColumns {
			if sc.name == c {
				header = append(header, strings.ToUpper(strings.ReplaceAll(c, "_", " ")))
				cells = append(cells, sc.cell)
			}
		}
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, s := range list {
		row := make([]string, len(cells))
		for i, cell := range cells {
			row[i] = cell(s, now)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// An empty last cell leaves padding behind.
	lines := strings.SplitAfter(buf.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(strings.TrimSuffix(l, "\n"), " ") + l[len(strings.TrimSuffix(l, "\n")):]
	}
	_, err := io.WriteString(w, strings.Join(lines, ""))
	return err
}

// humanizeTime says how long before now t was, as Coder's tables do:
// "now", "1 second ago", "3 minutes ago", "2 days ago", "5 months ago",
// "2 years ago". A time after now (another machine's clock) is "now" too.
func humanizeTime(t, now time.Time) string {
	d := now.Sub(t)
	const (
		day   = 24 * time.Hour
		week  = 7 * day
		month = 30 * day
		year  = 365 * day
	)
	unit := func(n int64, what string) string {
		if n == 1 {
			return "1 " + what + " ago"
		}
		return fmt.Sprintf("%d %ss ago", n, what)
	}
	switch {
	case d < time.Second:
		return "now"
	case d < time.Minute:
		return unit(int64(d/time.Second), "second")
	case d < time.Hour:
		return unit(int64(d/time.Minute), "minute")
	case d < day:
		return unit(int64(d/time.Hour), "hour")
	case d < week:
		return unit(int64(d/day), "day")
	case d < month:
		return unit(int64(d/week), "week")
	case d < year:
		return unit(int64(d/month), "month")
	}
	return unit(int64(d/year), "year")
}

// secretEnableOptions are what `coder secret enable|disable` was given.
type secretEnableOptions struct {
	streams
	client  func(context.Context) (*sdk.Client, error)
	name    string
	enabled bool
}

// newCmdSecretEnable is `coder secret enable NAME` (enabled true) or
// `coder secret disable NAME` (false): update --enabled, on its own.
func newCmdSecretEnable(g *globalOptions, enabled bool, runF func(context.Context, *secretEnableOptions) error) *cobra.Command {
	o := &secretEnableOptions{client: g.client, enabled: enabled}
	cmd := &cobra.Command{
		Use:               "enable NAME",
		ValidArgsFunction: g.completeSecrets,
		Short:             "Deliver a secret to workspaces again (it needs --env or --file)",
		Long: `Enable a secret: workspaces get it again at their next start. It needs a
target (--env or --file), and no other enabled secret may hold its targets.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			o.name = args[0]
			return runF(cmd.Context(), o)
		},
	}
	if !enabled {
		cmd.Use = "disable NAME"
		cmd.Short = "Stop delivering a secret to workspaces, keeping it stored"
		cmd.Long = `Disable a secret: it stays stored, workspaces stop getting it at their next
start, and its targets are free for another secret.`
	}
	return cmd
}

func runSecretEnable(ctx context.Context, o *secretEnableOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	verb := map[bool]string{true: "enable", false: "disable"}[o.enabled]
	s, err := c.UpdateSecret(ctx, sdk.Me, o.name, sdk.UpdateSecretRequest{Enabled: &o.enabled})
	if err != nil {
		return didYouMean(fmt.Errorf("%s secret %q: %w", verb, o.name, err), o.name, secretNames(ctx, c))
	}
	fmt.Fprintf(o.out, "%sd secret %q%s.\n", strings.ToUpper(verb[:1])+verb[1:], s.Name, describeTargets(s))
	restartHint(ctx, c, o.errOut, s.Name, &s)
	return nil
}

// secretImportOptions are what `coder secret import` was given: the file
// read and parsed, the request it sends.
type secretImportOptions struct {
	streams
	client func(context.Context) (*sdk.Client, error)
	source string // the file name, or "-"
	format secretimport.Format
	// content is the file as read; items what secretimport found in it.
	content []byte
	items   []secretimport.Item
}

func newCmdSecretImport(g *globalOptions, runF func(context.Context, *secretImportOptions) error) *cobra.Command {
	o := &secretImportOptions{client: g.client}
	var inputFormat string
	cmd := &cobra.Command{
		Use:   "import FILE|-",
		Short: "Create secrets from a .env, JSON or YAML file, all or none",
		Long: `Create one secret per key of a file: a .env file, a flat JSON object or a
flat YAML map of strings. Each KEY becomes a secret named KEY that sets the
environment variable KEY; a key that cannot be an environment variable name
is imported disabled, with no target, and a warning.

The file is read and checked here before anything is sent (at most 1 MiB and
50 keys, valid UTF-8). Nothing is overwritten: if a name or an environment
variable is already yours, the import lists each collision and creates
nothing.

The format comes from the file name (.env, .json, .yaml, .yml); give
--input-format for stdin (-) or names such as .env.local.`,
		Example: `  coder secret import .env
  coder secret import --input-format dotenv .env.local
  coder secret import --input-format yaml - < secrets.txt`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.streams = streamsOf(cmd)
			o.source = args[0]
			var err error
			switch {
			case cmd.Flags().Changed("input-format"):
				o.format, err = secretimport.ParseFormat(inputFormat)
			case o.source == "-":
				err = fmt.Errorf("reading from stdin needs --input-format (%s)", secretimport.Formats)
			default:
				o.format, err = secretimport.FormatFromName(o.source)
			}
			if err != nil {
				return err
			}
			if o.content, err = readImportFile(o.streams, o.source); err != nil {
				return err
			}
			if o.items, err = secretimport.Parse(o.format, o.content); err != nil {
				return fmt.Errorf("%s: %w", importSourceName(o.source), err)
			}
			return runF(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&inputFormat, "input-format", "", "The file's format: "+secretimport.Formats+" (default: from the file name)")
	return cmd
}

// readImportFile reads FILE, or stdin for "-", refusing more than the
// import limit without reading all of it.
func readImportFile(s streams, source string) ([]byte, error) {
	var r io.Reader
	if source == "-" {
		in, ok := stdinSource(s.in)
		if !ok {
			return nil, errors.New("stdin is a terminal: pipe the file in (coder secret import --input-format dotenv - < .env) or give its name")
		}
		r = in
	} else {
		f, err := os.Open(source)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", source, errors.Unwrap(err))
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, secretimport.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", importSourceName(source), err)
	}
	if len(b) > secretimport.MaxBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes (1 MiB), the most one import takes: split it", importSourceName(source), secretimport.MaxBytes)
	}
	return b, nil
}

func importSourceName(source string) string {
	if source == "-" {
		return "stdin"
	}
	return source
}

func runSecretImport(ctx context.Context, o *secretImportOptions) error {
	for _, it := range o.items {
		if it.Warning != "" {
			fmt.Fprintf(o.errOut, "Warning: line %d: %s.\n", it.Line, it.Warning)
		}
	}
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	res, err := c.ImportSecrets(ctx, sdk.Me, sdk.ImportSecretsRequest{Format: string(o.format), Content: string(o.content)})
	if err != nil {
		return fmt.Errorf("import %s: %w", importSourceName(o.source), err)
	}
	disabled := 0
	for _, s := range res.Secrets {
		if !s.Enabled {
			disabled++
		}
	}
	fmt.Fprintf(o.out, "Imported %d secrets from %s", len(res.Secrets), importSourceName(o.source))
	if disabled > 0 {
		fmt.Fprintf(o.out, " (%d disabled, with no target)", disabled)
	}
	fmt.Fprintln(o.out, ".")
	return nil
}
