package cli

// Build secrets on the command line: --secret and --secrets-file of
// create, start and restart (issue 13 point 4).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/secretimport"
)

// buildSecretFlags are the --secret and --secrets-file flags.
type buildSecretFlags struct {
	specs []string
	file  string
}

const buildSecretHelp = `
Build secrets reach this build's workspace through its agent only (never
Terraform, its state, parameters, logs or any response), and beat your user
secrets on each target they share. Say where each one lands with --secret
(repeat it for several targets or secrets):

  --secret NAME:env=ENV_NAME   deliver NAME as the environment variable ENV_NAME
  --secret NAME:file=PATH      write NAME to the file PATH (~/... or /...)
  --secret NAME:ephemeral      NAME reaches this build only (not carried on)
  --secret NAME:remove         stop carrying NAME from the earlier builds

Values never come from the command line: a single secret's value is read
from stdin (a pipe or a redirect, verbatim), several from --secrets-file, a
.env, .json or .yaml file of NAME=value (another extension is read as .env);
a key of the file without a --secret is delivered as the environment
variable of its name. Secrets that are not ephemeral are carried into the
workspace's later builds until given again or removed.`

func (f *buildSecretFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.specs, "secret", nil, "A build secret's target: NAME:env=ENV_NAME, NAME:file=PATH, NAME:ephemeral or NAME:remove (repeatable; the value comes from stdin or --secrets-file)")
	cmd.Flags().StringVar(&f.file, "secrets-file", "", "A .env, .json or .yaml file of build secret values, NAME=value")
	cmd.Long += "\n" + buildSecretHelp
}

// secretSpec is one --secret flag: a secret name and what it says.
type secretSpec struct {
	name string
	// key is "env", "file", "ephemeral" or "remove"; arg the env name or
	// path.
	key, arg string
}

// parseSecretSpec reads NAME:env=ENV_NAME, NAME:file=PATH, NAME:ephemeral
// or NAME:remove. The name ends at the first ":" that such a suffix follows,
// so a name may hold ":" (not followed by one of them) and a path may too.
func parseSecretSpec(s string) (secretSpec, error) {
	for i := 0; i < len(s); i++ {
		if s[i] != ':' {
			continue
		}
		name, rest := s[:i], s[i+1:]
		var sp secretSpec
		switch {
		case strings.HasPrefix(rest, "env="):
			sp = secretSpec{name: name, key: "env", arg: rest[len("env="):]}
		case strings.HasPrefix(rest, "file="):
			sp = secretSpec{name: name, key: "file", arg: rest[len("file="):]}
		case rest == "ephemeral" || rest == "remove":
			sp = secretSpec{name: name, key: rest}
		default:
			continue
		}
		if name == "" {
			return secretSpec{}, fmt.Errorf("--secret %q: the secret's name is missing before %q", printableArg(s), ":"+sp.key)
		}
		if (sp.key == "env" || sp.key == "file") && sp.arg == "" {
			return secretSpec{}, fmt.Errorf("--secret %q: %s= needs a value", printableArg(s), sp.key)
		}
		return sp, nil
	}
	// Without a known suffix, what follows an "=" may be a value typed on
	// the command line by mistake: it is not echoed.
	if i := strings.IndexByte(s, '='); i >= 0 {
		return secretSpec{}, fmt.Errorf("--secret %q (the text after \"=\" is not shown): say where the secret lands: NAME:env=ENV_NAME, NAME:file=PATH, NAME:ephemeral or NAME:remove; a value is never given on the command line: pipe it on stdin or use --secrets-file", printableArg(s[:i+1]))
	}
	return secretSpec{}, fmt.Errorf("--secret %q: say where the secret lands: NAME:env=ENV_NAME, NAME:file=PATH, NAME:ephemeral or NAME:remove", printableArg(s))
}

// printableArg shortens a flag's text for an error (it holds names and
// targets only, never a value).
func printableArg(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

// collect returns the build secrets the flags give, by name, values read
// from the --secrets-file and stdin (s.in, for one value). They are
// checked with the sdk's validators before anything is sent; no error
// holds a value.
func (f *buildSecretFlags) collect(s streams) ([]sdk.BuildSecret, error) {
	if len(f.specs) == 0 && f.file == "" {
		return nil, nil
	}
	type acc struct {
		sdk.BuildSecret
		remove, targeted bool
	}
	byName := map[string]*acc{}
	get := func(name string) *acc {
		name = sdk.NormalizeSecretName(name)
		a := byName[name]
		if a == nil {
			a = &acc{BuildSecret: sdk.BuildSecret{Name: name}}
			byName[name] = a
		}
		return a
	}
	for _, raw := range f.specs {
		sp, err := parseSecretSpec(raw)
		if err != nil {
			return nil, err
		}
		a := get(sp.name)
		switch sp.key {
		case "env":
			if a.EnvName != "" && a.EnvName != sp.arg {
				return nil, fmt.Errorf("--secret %s: two env targets (%s and %s); a secret has at most one", a.Name, a.EnvName, sp.arg)
			}
			a.EnvName, a.targeted = sp.arg, true
		case "file":
			if a.FilePath != "" && a.FilePath != sp.arg {
				return nil, fmt.Errorf("--secret %s: two file targets (%s and %s); a secret has at most one", a.Name, a.FilePath, sp.arg)
			}
			a.FilePath, a.targeted = sp.arg, true
		case "ephemeral":
			a.Ephemeral = true
		case "remove":
			a.remove = true
		}
	}
	if f.file != "" {
		b, err := os.ReadFile(f.file)
		if err != nil {
			return nil, fmt.Errorf("read --secrets-file: %w", err)
		}
		format, err := secretimport.FormatFromName(f.file)
		if err != nil {
			format = secretimport.Dotenv
		}
		items, err := secretimport.Parse(format, b)
		if err != nil {
			// secretimport's errors name lines and keys, never a value.
			return nil, fmt.Errorf("--secrets-file %s: %w", f.file, err)
		}
		for _, it := range items {
			a := get(it.Name)
			if a.remove {
				return nil, fmt.Errorf("--secrets-file gives a value for %q, which --secret %s:remove removes", a.Name, a.Name)
			}
			v := it.Value
			a.Value = &v
			if !a.targeted {
				if it.EnvName == "" {
					return nil, fmt.Errorf("--secrets-file key %q is not a valid environment variable name: say where it lands with --secret %s:env=ENV_NAME or --secret %s:file=PATH", it.Name, it.Name, it.Name)
				}
				a.EnvName, a.targeted = it.EnvName, true
			}
		}
	}
	var need []string
	for name, a := range byName {
		switch {
		case a.remove:
			if a.targeted || a.Ephemeral {
				return nil, fmt.Errorf("--secret %s:remove goes alone: a removed secret has no targets", name)
			}
		case a.Value == nil:
			need = append(need, name)
		}
	}
	sort.Strings(need)
	switch {
	case len(need) > 1:
		return nil, fmt.Errorf("build secrets %s need values: give them in --secrets-file (stdin holds one value only)", strings.Join(quoteAll(need), ", "))
	case len(need) == 1:
		r, ok := stdinSource(s.in)
		if !ok {
			return nil, fmt.Errorf("build secret %q needs a value: pipe it on stdin (printf %%s \"$VALUE\" | coder ...) or give it in --secrets-file; values are never read from the command line", need[0])
		}
		v, err := readStdinValue(r)
		if err != nil {
			return nil, err
		}
		if v == "" {
			return nil, fmt.Errorf("build secret %q needs a value: stdin was empty", need[0])
		}
		if strings.HasSuffix(v, "\n") {
			fmt.Fprintf(s.errOut, "Warning: the value of build secret %q read from stdin ends with a newline, which is part of the value. Use `echo -n` or printf to leave it out.\n", need[0])
		}
		sv := sdk.SecretValue(v)
		byName[need[0]].Value = &sv
	}
	out := make([]sdk.BuildSecret, 0, len(byName))
	for _, a := range byName {
		if !a.remove && !a.targeted {
			return nil, fmt.Errorf("build secret %q has no target: add --secret %s:env=ENV_NAME or --secret %s:file=PATH", a.Name, a.Name, a.Name)
		}
		out = append(out, a.BuildSecret)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if v := sdk.ValidateBuildSecrets(out); len(v) > 0 {
		return nil, errors.New("invalid build secret: " + v[0].Detail)
	}
	return out, nil
}

func quoteAll(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// warnUnwrittenFiles says on w which listed file targets are not written
// because the deployment disables file delivery. A server that cannot say
// (an older one) gets no warning.
func warnUnwrittenFiles(ctx context.Context, c *sdk.Client, w io.Writer, rows []secretRow) {
	var paths []secretRow
	for _, r := range rows {
		if r.Enabled && r.FilePath != "" {
			paths = append(paths, r)
		}
	}
	if len(paths) == 0 {
		return
	}
	caps, err := c.UserSecretCapabilities(ctx)
	if err != nil || caps.FilePathDeliveryEnabled {
		return
	}
	for _, r := range paths {
		what := "secret"
		if r.Source == "build" {
			what = "build secret"
		}
		fmt.Fprintf(w, "Warning: this deployment disables file delivery: %s %q is not written to %s", what, r.Name, r.FilePath)
		if r.EnvName != "" {
			fmt.Fprintf(w, " (it is still delivered as $%s)", r.EnvName)
		}
		fmt.Fprintln(w, ".")
	}
}

// runSecretListWorkspace is secret list --workspace: the user secrets,
// then the build secrets of the workspace's latest build, with what each
// build secret takes from a user secret.
func runSecretListWorkspace(ctx context.Context, c *sdk.Client, o *secretListOptions) error {
	ws, err := lookupWorkspace(ctx, c, o.workspace)
	if err != nil {
		return err
	}
	user, err := c.Secrets(ctx, sdk.Me)
	if err != nil {
		return fmt.Errorf("list secrets: %w", err)
	}
	build, err := c.BuildSecrets(ctx, ws.LatestBuild.ID)
	if err != nil {
		return fmt.Errorf("list the build secrets of %q: %w", ws.Name, err)
	}
	replacedBy := map[string][]string{}
	for _, b := range build {
		for _, r := range b.Replaces {
			if !slices.Contains(replacedBy[r.UserSecret], b.Name) {
				replacedBy[r.UserSecret] = append(replacedBy[r.UserSecret], b.Name)
			}
		}
	}
	rows := make([]secretRow, 0, len(user)+len(build))
	for _, s := range user {
		rb := replacedBy[s.Name]
		if rb == nil {
			rb = []string{}
		}
		rows = append(rows, secretRow{Secret: s, Source: "user", ReplacedBy: rb})
	}
	for _, b := range build {
		rows = append(rows, secretRow{
			Secret: sdk.Secret{Name: b.Name, EnvName: b.EnvName, FilePath: b.FilePath, Enabled: true, CreatedAt: b.CreatedAt, UpdatedAt: b.CreatedAt,
				Description: fmt.Sprintf("build secret, set in build #%d", b.SetInBuild)},
			Source: "build", ReplacedBy: []string{}, Ephemeral: b.Ephemeral,
		})
	}
	if o.one {
		name := sdk.NormalizeSecretName(o.name)
		kept := rows[:0]
		for _, r := range rows {
			if r.Name == name {
				kept = append(kept, r)
			}
		}
		if len(kept) == 0 {
			return fmt.Errorf("no user secret nor build secret of workspace %q is named %q", ws.Name, name)
		}
		rows = kept
	}
	warnUnwrittenFiles(ctx, c, o.errOut, rows)
	if o.output == "json" {
		return writeJSON(o.out, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(o.errOut, "No secrets found.")
		return nil
	}
	return writeSecretRows(o.out, rows, o.columns, o.now())
}
