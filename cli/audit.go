package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
)

// newCmdAudit is the parent of the audit commands (root.go adds them).
func newCmdAudit() *cobra.Command {
	return &cobra.Command{
		Use:   "audit",
		Short: "Read the audit log of changes to secrets",
	}
}

// auditListOptions are what `coder audit list` was given.
type auditListOptions struct {
	streams
	client func(context.Context) (*sdk.Client, error)
	query  sdk.AuditQuery
	output string
	now    func() time.Time
}

func newCmdAuditList(g *globalOptions, runF func(context.Context, *auditListOptions) error) *cobra.Command {
	o := &auditListOptions{client: g.client, now: time.Now}
	var since, until string
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List audit entries, newest first (admins: everyone's; members: their own)",
		Long: `List the audit log: who created, updated or deleted which secret, and which
fields changed (never a value). Admins see every user's entries, members the
entries about their own secrets.

--since and --until take an RFC 3339 time (2026-01-02T15:04:05Z) or a
duration back from now (24h, 30m).`,
		Example: `  coder audit list
  coder audit list --user alice --action update --since 24h
  coder audit list --resource-name api-key -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.streams = streamsOf(cmd)
			if err := checkOutput(o.output, "table", "json"); err != nil {
				return err
			}
			switch o.query.Action {
			case "", "create", "update", "delete":
			default:
				return fmt.Errorf("unknown --action %q: use create, update or delete", o.query.Action)
			}
			var err error
			if o.query.Since, err = parseAuditTime("since", since, o.now()); err != nil {
				return err
			}
			if o.query.Until, err = parseAuditTime("until", until, o.now()); err != nil {
				return err
			}
			if o.query.Limit < 1 || o.query.Limit > 1000 {
				return fmt.Errorf("--limit must be from 1 to 1000, not %d", o.query.Limit)
			}
			if o.query.Offset < 0 {
				return fmt.Errorf("--offset must not be negative")
			}
			return runF(cmd.Context(), o)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.query.User, "user", "", "Only entries about this user's secrets (username, id or me)")
	fl.StringVar(&o.query.Action, "action", "", "Only this action: create, update or delete")
	fl.StringVar(&o.query.ResourceType, "resource-type", "", "Only this kind of resource (secret)")
	fl.StringVar(&o.query.ResourceName, "resource-name", "", "Only entries about the resource of this name (a secret's name)")
	fl.StringVar(&since, "since", "", "Only entries at or after this time (RFC 3339, or a duration back from now such as 24h)")
	fl.StringVar(&until, "until", "", "Only entries before this time (RFC 3339, or a duration back from now)")
	fl.IntVar(&o.query.Limit, "limit", 100, "At most this many entries (1 to 1000)")
	fl.IntVar(&o.query.Offset, "offset", 0, "Skip this many entries first (for the next page)")
	fl.StringVarP(&o.output, "output", "o", "table", "Output format: table or json")
	return cmd
}

// parseAuditTime reads --since or --until: RFC 3339, or a duration before
// now. "" is no bound.
func parseAuditTime(flag, v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--%s %q is neither an RFC 3339 time (2026-01-02T15:04:05Z) nor a duration such as 24h", flag, v)
}

func runAuditList(ctx context.Context, o *auditListOptions) error {
	c, err := o.client(ctx)
	if err != nil {
		return err
	}
	res, err := c.Audit(ctx, o.query)
	if err != nil {
		return fmt.Errorf("list audit entries: %w", err)
	}
	if o.output == "json" {
		return writeJSON(o.out, res.Entries)
	}
	if len(res.Entries) == 0 {
		fmt.Fprintln(o.errOut, "No audit entries found.")
		return nil
	}
	tw := tabwriter.NewWriter(o.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tUSER\tACTOR\tACTION\tRESOURCE\tFIELDS")
	now := o.now()
	for _, e := range res.Entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", humanizeTime(e.Time, now), orID(e.OwnerUsername, e.OwnerID.String()),
			orID(e.ActorUsername, e.ActorID.String()), e.Action, e.ResourceType+" "+e.ResourceName, strings.Join(e.Fields, ","))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if res.HasMore {
		fmt.Fprintf(o.errOut, "More entries: add --offset %d.\n", o.query.Offset+len(res.Entries))
	}
	return nil
}

// orID is name, or id for a user that no longer exists.
func orID(name, id string) string {
	if name == "" {
		return id
	}
	return name
}
