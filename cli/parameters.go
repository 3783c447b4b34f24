package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/usersecrets/coder/sdk"
)

// parameterFlags are the flags that give a build parameter values.
type parameterFlags struct {
	values []string
	file   string
}

func (f *parameterFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.values, "parameter", nil, "A parameter value, NAME=VALUE (repeatable)")
	cmd.Flags().StringVar(&f.file, "rich-parameter-file", "", "A YAML file of parameter values (NAME: VALUE); --parameter wins over it")
}

// collect returns the values given by the file, then the flags (a flag
// wins over the file for the same name), in name order.
func (f *parameterFlags) collect() ([]sdk.BuildParameter, error) {
	vals := map[string]string{}
	if f.file != "" {
		b, err := os.ReadFile(f.file)
		if err != nil {
			return nil, fmt.Errorf("read --rich-parameter-file: %w", err)
		}
		m, err := parseValuesFile(b)
		if err != nil {
			return nil, fmt.Errorf("--rich-parameter-file %s: %w", f.file, err)
		}
		for k, v := range m {
			vals[k] = v
		}
	}
	for _, kv := range f.values {
		k, v, err := parseAssignment(kv)
		if err != nil {
			return nil, fmt.Errorf("--parameter %w", err)
		}
		vals[k] = v
	}
	return toBuildParameters(vals), nil
}

func toBuildParameters(vals map[string]string) []sdk.BuildParameter {
	names := make([]string, 0, len(vals))
	for k := range vals {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]sdk.BuildParameter, 0, len(names))
	for _, k := range names {
		out = append(out, sdk.BuildParameter{Name: k, Value: vals[k]})
	}
	return out
}

// parseAssignment splits NAME=VALUE.
func parseAssignment(kv string) (string, string, error) {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || k == "" {
		return "", "", fmt.Errorf("%q: want NAME=VALUE", kv)
	}
	return k, v, nil
}

// parseValuesFile reads a YAML mapping of names to values (the
// --rich-parameter-file and --variables-file format). Scalars keep their
// text (10, true); a list becomes its JSON (a list(string) parameter's
// value).
func parseValuesFile(b []byte) (map[string]string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	out := map[string]string{}
	if len(doc.Content) == 0 {
		return out, nil
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, errors.New("want a mapping of NAME: VALUE")
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			return nil, fmt.Errorf("line %d: a name must be a non-empty string", k.Line)
		}
		if _, dup := out[k.Value]; dup {
			return nil, fmt.Errorf("line %d: %q is given twice", k.Line, k.Value)
		}
		switch v.Kind {
		case yaml.ScalarNode:
			out[k.Value] = v.Value
		case yaml.SequenceNode:
			items := make([]string, 0, len(v.Content))
			for _, it := range v.Content {
				if it.Kind != yaml.ScalarNode {
					return nil, fmt.Errorf("line %d: a list of %q holds only strings", it.Line, k.Value)
				}
				items = append(items, it.Value)
			}
			out[k.Value] = jsonList(items)
		default:
			return nil, fmt.Errorf("line %d: the value of %q must be a string, a number, a bool or a list of strings", v.Line, k.Value)
		}
	}
	return out, nil
}

func jsonList(items []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q", it)
	}
	b.WriteByte(']')
	return b.String()
}

// completeParameters asks, on a terminal, for each parameter of info that
// has no value in given (nor in keep, the names that keep a value of the
// last build or a preset); without a terminal a required one is an error
// naming it. It returns given with the answers.
func completeParameters(s streams, info sdk.TemplateVersionInfo, given []sdk.BuildParameter, keep map[string]bool) ([]sdk.BuildParameter, error) {
	have := map[string]bool{}
	for _, g := range given {
		have[g.Name] = true
	}
	var r *bufio.Reader
	for _, p := range info.Parameters {
		if have[p.Name] || keep[p.Name] {
			continue
		}
		if !s.isTerminal() {
			if p.Required {
				return nil, fmt.Errorf("parameter %q needs a value: give it with --parameter %s=VALUE or --rich-parameter-file", p.Name, p.Name)
			}
			continue
		}
		if r == nil {
			r = bufio.NewReader(s.in)
		}
		v, err := promptParameter(s, r, p)
		if err != nil {
			return nil, err
		}
		if v != nil {
			given = append(given, sdk.BuildParameter{Name: p.Name, Value: *v})
		}
	}
	return given, nil
}

// promptParameter asks for one parameter's value until the answer passes
// its rules. An empty answer takes the default (nil: no value given).
func promptParameter(s streams, r *bufio.Reader, p sdk.TemplateParameter) (*string, error) {
	title := p.Name
	if p.DisplayName != "" {
		title = p.DisplayName + " (" + p.Name + ")"
	}
	fmt.Fprintf(s.errOut, "%s [%s]\n", title, p.Type)
	if p.Description != "" {
		fmt.Fprintf(s.errOut, "  %s\n", p.Description)
	}
	for i, o := range p.Options {
		line := fmt.Sprintf("  %d) %s = %s", i+1, o.Name, o.Value)
		if o.Description != "" {
			line += " — " + o.Description
		}
		fmt.Fprintln(s.errOut, line)
	}
	for {
		prompt := "> "
		if !p.Required {
			prompt = fmt.Sprintf("(default %q) > ", p.Default)
		}
		fmt.Fprint(s.errOut, prompt)
		line, err := r.ReadString('\n')
		if err != nil && line == "" {
			return nil, fmt.Errorf("no value for parameter %q: %w", p.Name, err)
		}
		answer := strings.TrimRight(line, "\r\n")
		if answer == "" && !p.Required {
			return nil, nil
		}
		// An option may be picked by its number.
		for i, o := range p.Options {
			if answer == fmt.Sprint(i+1) && p.Type != sdk.ParameterNumber {
				answer = o.Value
			}
		}
		if err := sdk.CheckParameterValue(p, answer, nil); err != nil {
			fmt.Fprintf(s.errOut, "  %v; try again.\n", err)
			continue
		}
		return &answer, nil
	}
}

// versionInfo returns the parameters of a template's active version.
func activeVersionInfo(ctx context.Context, c *sdk.Client, template string) (sdk.TemplateVersionInfo, error) {
	t, err := c.Template(ctx, template)
	if err != nil {
		return sdk.TemplateVersionInfo{}, err
	}
	return t.ActiveVersionInfo, nil
}

func newCmdUpdate(g *globalOptions, runF func(context.Context, *restartOptions) error) *cobra.Command {
	o := &restartOptions{client: g.client, update: true}
	cmd := &cobra.Command{
		Use:   "update WORKSPACE",
		Short: "Rebuild a workspace on its template's active version, changing parameter values",
		Long: `Update a workspace: a stop build, then a start build of the template's
active version (a stopped workspace is only started). Values given with
--parameter or --rich-parameter-file change mutable parameters (an immutable
one keeps its value); the others keep the last build's values. On a terminal
it asks for each parameter the workspace has no value for, and asks before
it starts (-y does not ask).`,
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
	return cmd
}

// newParameters completes given with the active version's parameters the
// workspace's last build has no value for (asked on a terminal).
func newParameters(ctx context.Context, s streams, c *sdk.Client, ws sdk.Workspace, given []sdk.BuildParameter) ([]sdk.BuildParameter, error) {
	info, err := activeVersionInfo(ctx, c, ws.TemplateName)
	if err != nil {
		return nil, err
	}
	last, err := c.BuildParameters(ctx, ws.LatestBuild.ID)
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, p := range last {
		keep[p.Name] = true
	}
	return completeParameters(s, info, given, keep)
}

// checkStartParameters checks given, with the rules the server applies, as
// values of a start build of ws on its template's active version, before
// anything is built.
func checkStartParameters(ctx context.Context, c *sdk.Client, ws sdk.Workspace, given []sdk.BuildParameter) error {
	info, err := activeVersionInfo(ctx, c, ws.TemplateName)
	if err != nil {
		return err
	}
	last, err := c.BuildParameters(ctx, ws.LatestBuild.ID)
	if err != nil {
		return err
	}
	_, err = sdk.ResolveBuildParameters(info.Parameters, given, last, false)
	var pe *sdk.ParameterValueError
	if errors.As(err, &pe) {
		return fmt.Errorf("invalid value for parameter %q (%s rule): %s; nothing was built or stopped", pe.Parameter, pe.Rule, pe.Detail)
	}
	return err
}

// describeParameter is one line about a parameter: name, type, and what
// constrains it.
func describeParameter(p sdk.TemplateParameter) string {
	parts := []string{p.Name, "(" + p.Type + ")"}
	if p.Required {
		parts = append(parts, "required")
	} else {
		parts = append(parts, fmt.Sprintf("default %q", p.Default))
	}
	if !p.Mutable {
		parts = append(parts, "immutable")
	}
	if p.Ephemeral {
		parts = append(parts, "ephemeral")
	}
	if len(p.Options) > 0 {
		vals := make([]string, len(p.Options))
		for i, o := range p.Options {
			vals[i] = o.Value
		}
		parts = append(parts, "options "+strings.Join(vals, "|"))
	}
	return strings.Join(parts, " ")
}
