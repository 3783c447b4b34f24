package provider

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/usersecrets/coder/sdk/buildenv"
)

func TestParameterRead(t *testing.T) {
	t.Parallel()
	opts := func(values ...string) []any {
		var out []any
		for _, v := range values {
			out = append(out, map[string]any{"name": "N" + v, "value": v})
		}
		return out
	}
	validation := func(v map[string]any) []any { return []any{v} }
	tests := []struct {
		name      string
		config    map[string]any
		value     *string // the build's value; nil: none
		previous  *string
		importing bool           // buildenv.TemplateImport is "true"
		want      map[string]any // some values of the state
		wantErr   []string       // parts of an error diagnostic
	}{
		{
			name:   "defaults of a string parameter",
			config: map[string]any{"name": "p"},
			want: map[string]any{"value": "", "type": "string", "form_type": "input", "styling": "{}",
				"mutable": false, "ephemeral": false, "optional": false, "option": nil, "validation": []any{}},
		},
		{
			name:   "value from the build wins over the default",
			config: map[string]any{"name": "p", "default": "a"},
			value:  ptr("b"),
			want:   map[string]any{"value": "b", "optional": true},
		},
		{
			name:   "empty value from the build is a value",
			config: map[string]any{"name": "p", "default": "a"},
			value:  ptr(""),
			want:   map[string]any{"value": ""},
		},
		{
			name:   "empty default makes the parameter optional and is stored null",
			config: map[string]any{"name": "p", "default": ""},
			want:   map[string]any{"value": "", "optional": true, "default": nil},
		},
		{
			name:   "options: radio by default",
			config: map[string]any{"name": "p", "default": "a", "option": opts("a", "b")},
			want: map[string]any{"value": "a", "form_type": "radio", "option": []any{
				map[string]any{"name": "Na", "value": "a", "description": "", "icon": ""},
				map[string]any{"name": "Nb", "value": "b", "description": "", "icon": ""},
			}},
		},
		{
			name:    "value not an option",
			config:  map[string]any{"name": "p", "option": opts("a")},
			value:   ptr("c"),
			wantErr: []string{"Value must be a valid option", `the value "c" must be defined as one of options`},
		},
		{
			name:    "default not an option",
			config:  map[string]any{"name": "p", "default": "c", "option": opts("a")},
			wantErr: []string{"Default value must be a valid option"},
		},
		{
			name:    "empty value with options",
			config:  map[string]any{"name": "p", "option": opts("a")},
			value:   ptr(""),
			wantErr: []string{"The value is empty, did you forget"},
		},
		{
			name: "number within bounds",
			config: map[string]any{"name": "p", "type": "number", "default": "3",
				"validation": validation(map[string]any{"min": 1, "max": 5})},
			want: map[string]any{"value": "3", "validation": []any{map[string]any{
				"min": 1.0, "max": 5.0, "min_disabled": false, "max_disabled": false, "monotonic": "", "regex": "", "error": "",
			}}},
		},
		{
			name: "number below the minimum, with the block's message",
			config: map[string]any{"name": "p", "type": "number",
				"validation": validation(map[string]any{"min": 2, "max": 4, "error": "{min}..{max}, not {value}"})},
			value:   ptr("1"),
			wantErr: []string{"Invalid parameter value according to 'validation' block", "2..4, not 1"},
		},
		{
			name:    "number above the maximum",
			config:  map[string]any{"name": "p", "type": "number", "validation": validation(map[string]any{"max": 4})},
			value:   ptr("9"),
			wantErr: []string{"value 9 is more than the maximum 4"},
		},
		{
			name:   "unset bounds are disabled",
			config: map[string]any{"name": "p", "type": "number", "default": "-100", "validation": validation(map[string]any{"max": 4})},
			want: map[string]any{"value": "-100", "validation": []any{map[string]any{
				"min": 0.0, "max": 4.0, "min_disabled": true, "max_disabled": false, "monotonic": "", "regex": "", "error": "",
			}}},
		},
		{
			name:     "monotonic increasing refuses a smaller value",
			config:   map[string]any{"name": "p", "type": "number", "mutable": true, "validation": validation(map[string]any{"monotonic": "increasing"})},
			value:    ptr("3"),
			previous: ptr("4"),
			wantErr:  []string{"parameter value '3' must be equal or greater than previous value: 4"},
		},
		{
			name:     "monotonic decreasing accepts a smaller value",
			config:   map[string]any{"name": "p", "type": "number", "mutable": true, "validation": validation(map[string]any{"monotonic": "decreasing"})},
			value:    ptr("3"),
			previous: ptr("4"),
			want:     map[string]any{"value": "3"},
		},
		{
			name:     "a previous value that is not a number is not checked",
			config:   map[string]any{"name": "p", "type": "number", "mutable": true, "validation": validation(map[string]any{"monotonic": "increasing"})},
			value:    ptr("3"),
			previous: ptr("x"),
			want:     map[string]any{"value": "3"},
		},
		{
			name:    "value not a number",
			config:  map[string]any{"name": "p", "type": "number"},
			value:   ptr("x"),
			wantErr: []string{`Parameter value is not of type "number"`, `"x" is not a number`},
		},
		{
			name:    "number validation needs an integer",
			config:  map[string]any{"name": "p", "type": "number", "validation": validation(map[string]any{"min": 1})},
			value:   ptr("1.5"),
			wantErr: []string{`value "1.5" is not a number`},
		},
		{
			name:    "regex mismatch",
			config:  map[string]any{"name": "p", "validation": validation(map[string]any{"regex": "^a+$", "error": "Only a."})},
			value:   ptr("b"),
			wantErr: []string{`Only a. (value "b" does not match "^a+$")`},
		},
		{
			name:    "regex without error",
			config:  map[string]any{"name": "p", "default": "a", "validation": validation(map[string]any{"regex": "^a$"})},
			wantErr: []string{"Invalid parameter default value according to 'validation' block", "an error must be specified with a regex validation"},
		},
		{
			name:    "regex conflicts with min",
			config:  map[string]any{"name": "p", "validation": validation(map[string]any{"regex": "a", "error": "e", "min": 1})},
			wantErr: []string{`"validation.0.regex": conflicts with validation.0.min`},
		},
		{
			name:    "min for a string",
			config:  map[string]any{"name": "p", "default": "a", "validation": validation(map[string]any{"min": 1})},
			wantErr: []string{"a min cannot be specified for a string type"},
		},
		{
			name:    "bool value",
			config:  map[string]any{"name": "p", "type": "bool"},
			value:   ptr("yes"),
			wantErr: []string{`Parameter value is not of type "bool"`},
		},
		{
			name:   "bool form type",
			config: map[string]any{"name": "p", "type": "bool", "default": "true"},
			want:   map[string]any{"value": "true", "form_type": "checkbox"},
		},
		{
			name:   "list of strings",
			config: map[string]any{"name": "p", "type": "list(string)", "default": `["a"]`},
			value:  ptr(`["x","y"]`),
			want:   map[string]any{"value": `["x","y"]`, "form_type": "tag-select"},
		},
		{
			name:    "list of strings that is not one",
			config:  map[string]any{"name": "p", "type": "list(string)"},
			value:   ptr(`[1]`),
			wantErr: []string{`Parameter value is not of type "list(string)"`, `value "[1]" is not a valid list of strings`},
		},
		{
			name:   "multi-select of options",
			config: map[string]any{"name": "p", "type": "list(string)", "form_type": "multi-select", "option": opts("a", "b")},
			value:  ptr(`["b","a"]`),
			want:   map[string]any{"value": `["b","a"]`, "form_type": "multi-select"},
		},
		{
			name:    "multi-select with values that are not options",
			config:  map[string]any{"name": "p", "type": "list(string)", "form_type": "multi-select", "option": opts("a", "b")},
			value:   ptr(`["a","c","d"]`),
			wantErr: []string{"Values must be a valid option", `values "c, d" are missing from the options`},
		},
		{
			name:    "form type for options",
			config:  map[string]any{"name": "p", "default": "a", "form_type": "input", "option": opts("a")},
			wantErr: []string{"Invalid form_type for parameter", `"form_type" attribute="input" is not supported for "type"="string" when options exist, choose one of [radio dropdown]`},
		},
		{
			name:    "form type of another type",
			config:  map[string]any{"name": "p", "default": "a", "form_type": "switch"},
			wantErr: []string{`"form_type" attribute="switch" is not supported for "type"="string", choose one of [input textarea]`},
		},
		{
			name:    "unknown type",
			config:  map[string]any{"name": "p", "type": "text"},
			wantErr: []string{`expected type to be one of ["string" "number" "bool" "list(string)"], got text`},
		},
		{
			name:    "duplicate option values",
			config:  map[string]any{"name": "p", "option": []any{map[string]any{"name": "A", "value": "a"}, map[string]any{"name": "B", "value": "a"}}},
			wantErr: []string{"Option values must be unique.", `multiple options found with the same value "a"`},
		},
		{
			name:    "option of the wrong type",
			config:  map[string]any{"name": "p", "type": "number", "option": opts("x")},
			wantErr: []string{`Option "Nx" with value="x" is not of type "number"`},
		},
		{
			name:    "ephemeral and immutable",
			config:  map[string]any{"name": "p", "default": "a", "ephemeral": true},
			wantErr: []string{"parameter can't be immutable and ephemeral"},
		},
		{
			name:    "ephemeral without default",
			config:  map[string]any{"name": "p", "mutable": true, "ephemeral": true},
			wantErr: []string{"ephemeral parameter requires the default property"},
		},
		{
			name:      "in a template import, no value and no default is not validated (the push's plan)",
			config:    map[string]any{"name": "p", "validation": validation(map[string]any{"regex": "^a+$", "error": "Only a."})},
			importing: true,
			want:      map[string]any{"value": "", "optional": false},
		},
		{
			name:    "elsewhere, as in v2, no value and no default is validated",
			config:  map[string]any{"name": "p", "validation": validation(map[string]any{"regex": "^a+$", "error": "Only a."})},
			wantErr: []string{`Only a. (value "" does not match "^a+$")`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{}
			if tt.value != nil {
				env[buildenv.Parameter("p")] = *tt.value
			}
			if tt.previous != nil {
				env[buildenv.ParameterPrevious("p")] = *tt.previous
			}
			if tt.importing {
				env[buildenv.TemplateImport] = "true"
			}
			s := newTestServer(t, env, nil)
			state, diags := s.readDataSource("coder_parameter", tt.config)
			if tt.wantErr != nil {
				if !hasError(diags) || !diagsContain(diags, tt.wantErr...) {
					t.Fatalf("got diagnostics %s, want an error with %q", diagText(diags), tt.wantErr)
				}
				return
			}
			if hasError(diags) {
				t.Fatalf("got diagnostics %s, want none", diagText(diags))
			}
			got := map[string]any{}
			for k := range tt.want {
				got[k] = state[k]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("state (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBuildVars(t *testing.T) {
	t.Parallel()
	// The names of v2: hashed names end with the hex SHA-256 of the name.
	tests := []struct{ got, want string }{
		{buildenv.Parameter("region"), "CODER_PARAMETER_c697d2981bf416569a16cfbcdec1542b5398f3cc77d2b905819aa99c46ecf6f6"},
		{buildenv.ParameterPrevious("region"), "CODER_PARAMETER_PREVIOUS_c697d2981bf416569a16cfbcdec1542b5398f3cc77d2b905819aa99c46ecf6f6"},
		{buildenv.ExternalAuthAccessToken("github"), "CODER_EXTERNAL_AUTH_ACCESS_TOKEN_github"},
		{buildenv.RunningAgentToken(""), "CODER_RUNNING_WORKSPACE_AGENT_TOKEN_e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
