package cli

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

// The server's config file (`coder server --config coder.yaml`): a YAML
// mapping whose keys are the flags' names (http-address, tls-cert-file,
// ...) and whose values are what the flag would be given: a string,
// number or boolean, or a list for a flag that may be repeated. A setting
// comes from the flag when given, else from its environment variable when
// set (not empty), else from the file, else the default.

// maxConfigBytes bounds the config file.
const maxConfigBytes = 1 << 20

// configEntry is one key of the config file.
type configEntry struct {
	key    string
	line   int
	values []string // one for a scalar
	list   bool
}

// parseServerConfig reads a config file: a mapping of flag names to a
// scalar or a list of scalars. An empty file sets nothing. Errors name
// keys and lines, never values (the file may hold keys and passwords).
func parseServerConfig(data []byte) ([]configEntry, error) {
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("the file is over %d bytes", maxConfigBytes)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not YAML: %s", yamlProblem(err))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, nil
	}
	m := doc.Content[0]
	if m.Kind == yaml.ScalarNode && m.Tag == "!!null" {
		return nil, nil
	}
	if m.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: the file must be a mapping of flag names to values (http-address: 127.0.0.1:3000)", m.Line)
	}
	seen := map[string]int{}
	var out []configEntry
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag != "!!str" && k.Tag != "" {
			return nil, fmt.Errorf("line %d: a key must be a flag name", k.Line)
		}
		if first, dup := seen[k.Value]; dup {
			return nil, fmt.Errorf("line %d: key %q is given twice (first on line %d)", k.Line, k.Value, first)
		}
		seen[k.Value] = k.Line
		e := configEntry{key: k.Value, line: k.Line}
		switch v.Kind {
		case yaml.ScalarNode:
			if v.Tag == "!!null" {
				return nil, fmt.Errorf("line %d: key %q has no value", k.Line, k.Value)
			}
			e.values = []string{v.Value}
		case yaml.SequenceNode:
			e.list = true
			for _, item := range v.Content {
				if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
					return nil, fmt.Errorf("line %d: the list of key %q may hold only strings, numbers and booleans", item.Line, k.Value)
				}
				e.values = append(e.values, item.Value)
			}
		case yaml.AliasNode:
			return nil, fmt.Errorf("line %d: key %q: anchors and aliases are not supported", v.Line, k.Value)
		default:
			return nil, fmt.Errorf("line %d: key %q must have a string, number, boolean or list value, not a mapping", v.Line, k.Value)
		}
		if v.Anchor != "" {
			return nil, fmt.Errorf("line %d: key %q: anchors and aliases are not supported", v.Line, k.Value)
		}
		out = append(out, e)
	}
	return out, nil
}

// yamlProblem is a YAML error without the text of the file (yaml.v3 may
// quote a bit of it).
func yamlProblem(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		if j := strings.IndexAny(msg[i:], ":"); j > 0 {
			return msg[i:i+j] + ": invalid YAML"
		}
	}
	return "invalid YAML"
}

// envVarsOf are the environment variables a flag's help names ($CODER_X):
// when one of them is set, it outranks the config file.
var envVarPattern = regexp.MustCompile(`\$([A-Z][A-Z0-9_]*)`)

func envVarsOf(f *pflag.Flag) []string {
	var out []string
	for _, m := range envVarPattern.FindAllStringSubmatch(f.Usage, -1) {
		out = append(out, m[1])
	}
	return out
}

// notInConfig are the flags a config file cannot set.
var notInConfig = map[string]bool{"config": true, "help": true}

// configurableFlags are the flags of cmd (its own and those it inherits)
// that a config file may set, sorted by name.
func configurableFlags(cmd *cobra.Command) []*pflag.Flag {
	var out []*pflag.Flag
	seen := map[string]bool{}
	add := func(f *pflag.Flag) {
		if !notInConfig[f.Name] && !seen[f.Name] {
			seen[f.Name] = true
			out = append(out, f)
		}
	}
	cmd.LocalFlags().VisitAll(add)
	cmd.InheritedFlags().VisitAll(add)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// applyConfigFile sets, from the config file at path, every flag of cmd
// that was not given and whose environment variable is not set.
func applyConfigFile(cmd *cobra.Command, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("--config %s: %w", path, err)
	}
	entries, err := parseServerConfig(data)
	if err != nil {
		return fmt.Errorf("--config %s: %w", path, err)
	}
	flags := map[string]*pflag.Flag{}
	var names []string
	for _, f := range configurableFlags(cmd) {
		flags[f.Name] = f
		names = append(names, f.Name)
	}
	for _, e := range entries {
		f := flags[e.key]
		if f == nil {
			return fmt.Errorf("--config %s: line %d: %q is not a flag of coder server; the keys are: %s", path, e.line, e.key, strings.Join(names, ", "))
		}
		if f.Changed || envIsSet(f) {
			continue
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			if err := sv.Replace(e.values); err != nil {
				return fmt.Errorf("--config %s: line %d: the values of %q are not valid for --%s (%s)", path, e.line, e.key, f.Name, f.Value.Type())
			}
		} else {
			if e.list {
				return fmt.Errorf("--config %s: line %d: %q takes one value, not a list", path, e.line, e.key)
			}
			if err := f.Value.Set(e.values[0]); err != nil {
				return fmt.Errorf("--config %s: line %d: the value of %q is not a valid %s for --%s", path, e.line, e.key, f.Value.Type(), f.Name)
			}
		}
		f.Changed = true
	}
	return nil
}

func envIsSet(f *pflag.Flag) bool {
	for _, name := range envVarsOf(f) {
		if v, ok := os.LookupEnv(name); ok && v != "" {
			return true
		}
	}
	return false
}
