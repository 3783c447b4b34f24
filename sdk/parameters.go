package sdk

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Parameter types of coder_parameter.
const (
	ParameterString     = "string"
	ParameterNumber     = "number"
	ParameterBool       = "bool"
	ParameterListString = "list(string)"
)

// TemplateParameter is a coder_parameter data source of a template version,
// as the push's plan read it.
type TemplateParameter struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name,omitempty"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type"`
	FormType    string `json:"form_type,omitempty"`
	Mutable     bool   `json:"mutable"`
	Ephemeral   bool   `json:"ephemeral"`
	// Required is true when the parameter has no default.
	Required   bool                 `json:"required"`
	Default    string               `json:"default,omitempty"`
	Icon       string               `json:"icon,omitempty"`
	Order      int64                `json:"order"`
	Options    []ParameterOption    `json:"options,omitempty"`
	Validation *ParameterValidation `json:"validation,omitempty"`
}

// ParameterOption is one option of a parameter.
type ParameterOption struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Value       string `json:"value"`
	Icon        string `json:"icon,omitempty"`
}

// ParameterValidation is a parameter's validation block. Min and Max are
// nil when the block does not set them.
type ParameterValidation struct {
	Min       *int64 `json:"min,omitempty"`
	Max       *int64 `json:"max,omitempty"`
	Monotonic string `json:"monotonic,omitempty"`
	Regex     string `json:"regex,omitempty"`
	Error     string `json:"error,omitempty"`
}

// TemplateVariable is a Terraform input variable of a template version.
type TemplateVariable struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Default is the configuration's default as JSON ("" when it has none);
	// never set for a sensitive variable.
	Default   string `json:"default,omitempty"`
	Required  bool   `json:"required"`
	Sensitive bool   `json:"sensitive"`
}

// TemplatePreset is a coder_workspace_preset: a named set of parameter
// values.
type TemplatePreset struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Default     bool              `json:"default"`
	Parameters  map[string]string `json:"parameters"`
}

// NoPreset, as a create request's preset, applies no preset, not even the
// template's default one.
const NoPreset = "none"

// DefaultPreset returns the name of info's default preset, "" when it has
// none.
func DefaultPreset(info TemplateVersionInfo) string {
	for _, pr := range info.Presets {
		if pr.Default {
			return pr.Name
		}
	}
	return ""
}

// BuildParameter is one parameter's value in a build.
type BuildParameter struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// TemplateVersionInfo is what the push's `terraform plan` learnt of a
// version (GET /api/v2/templateversions/{id}/parameters and the template's
// fields). Planned is false for a version pushed without a plan (a server
// without Terraform, or a version pushed before plans were read): its
// requirements then come from the static scan alone.
type TemplateVersionInfo struct {
	Planned    bool                `json:"planned"`
	Parameters []TemplateParameter `json:"parameters"`
	Presets    []TemplatePreset    `json:"presets"`
	Variables  []TemplateVariable  `json:"variables"`
}

// SortParameters orders parameters as coder does: by order, then name.
func SortParameters(ps []TemplateParameter) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Order != ps[j].Order {
			return ps[i].Order < ps[j].Order
		}
		return ps[i].Name < ps[j].Name
	})
}

// ParameterValueError is a value refused by a parameter's rules; Rule says
// which ("type", "option", "min", "max", "regex", "monotonic", "immutable",
// "required", "unknown").
type ParameterValueError struct {
	Parameter string
	Rule      string
	Detail    string
}

func (e *ParameterValueError) Error() string {
	return fmt.Sprintf("parameter %q: %s", e.Parameter, e.Detail)
}

// CheckParameterValue applies the rules terraform-provider-coder v2 applies
// to a value of p: its type, its options, its validation block (previous is
// the value in the workspace's previous build, nil if none, for monotonic).
func CheckParameterValue(p TemplateParameter, value string, previous *string) error {
	fail := func(rule, format string, args ...any) error {
		return &ParameterValueError{Parameter: p.Name, Rule: rule, Detail: fmt.Sprintf(format, args...)}
	}
	if len(p.Options) > 0 {
		allowed := map[string]bool{}
		for _, o := range p.Options {
			allowed[o.Value] = true
		}
		if p.Type == ParameterListString && p.FormType == "multi-select" {
			items, err := ParameterList(value)
			if err != nil {
				return fail("type", "%v", err)
			}
			for _, it := range items {
				if !allowed[it] {
					return fail("option", "%q is not one of the options (%s)", it, optionList(p.Options))
				}
			}
		} else if !allowed[value] {
			return fail("option", "%q is not one of the options (%s)", value, optionList(p.Options))
		}
	}
	if v := p.Validation; v != nil {
		if err := v.Check(p.Type, value, previous); err != nil {
			rule := "validation"
			var ve *ValidationRuleError
			if errors.As(err, &ve) {
				rule = ve.Rule
			}
			return fail(rule, "%v", err)
		}
	}
	if err := ParameterValueOfType(p.Type, value); err != nil {
		return fail("type", "%v", err)
	}
	return nil
}

func optionList(os []ParameterOption) string {
	vals := make([]string, len(os))
	for i, o := range os {
		vals[i] = strconv.Quote(o.Value)
	}
	return strings.Join(vals, ", ")
}

// ParameterValueOfType checks that value is of the parameter type typ.
func ParameterValueOfType(typ, value string) error {
	switch typ {
	case ParameterNumber:
		if _, err := strconv.ParseFloat(value, 64); err != nil {
			return fmt.Errorf("%q is not a number", value)
		}
	case ParameterBool:
		if _, err := strconv.ParseBool(value); err != nil {
			return fmt.Errorf("%q is not a bool", value)
		}
	case ParameterListString:
		_, err := ParameterList(value)
		return err
	case ParameterString:
	default:
		return fmt.Errorf("invalid type %q", typ)
	}
	return nil
}

// ParameterList decodes a list(string) value: a JSON list of strings.
func ParameterList(value string) ([]string, error) {
	var items []string
	if err := json.Unmarshal([]byte(value), &items); err != nil {
		return nil, fmt.Errorf("value %q is not a valid list of strings", value)
	}
	return items, nil
}

// ValidationRuleError is a value refused by one rule of a validation block.
type ValidationRuleError struct {
	Rule string // "min", "max", "regex", "monotonic", "type" or "config"
	Msg  string
}

func (e *ValidationRuleError) Error() string { return e.Msg }

// Check applies the validation block to a value of a parameter of type
// typ, as terraform-provider-coder v2 does; previous is the previous
// build's value, if any. The error is a *ValidationRuleError.
func (v ParameterValidation) Check(typ, value string, previous *string) error {
	fail := func(rule, format string, args ...any) error {
		return &ValidationRuleError{Rule: rule, Msg: fmt.Sprintf(format, args...)}
	}
	var lo, hi int64
	if v.Min != nil {
		lo = *v.Min
	}
	if v.Max != nil {
		hi = *v.Max
	}
	if typ != ParameterNumber {
		switch {
		case v.Min != nil:
			return fail("config", "a min cannot be specified for a %s type", typ)
		case v.Max != nil:
			return fail("config", "a max cannot be specified for a %s type", typ)
		case v.Monotonic != "":
			return fail("config", "monotonic validation can only be specified for number types, not %s types", typ)
		}
	}
	if typ != ParameterString && v.Regex != "" {
		return fail("config", "a regex cannot be specified for a %s type", typ)
	}
	// rendered is the block's own message, when it has one.
	rendered := func(rule, format string, args ...any) error {
		if v.Error == "" {
			return fail(rule, format, args...)
		}
		return fail(rule, "%s", strings.NewReplacer("{min}", strconv.FormatInt(lo, 10),
			"{max}", strconv.FormatInt(hi, 10), "{value}", value).Replace(v.Error))
	}
	switch typ {
	case ParameterBool:
		if value != "true" && value != "false" {
			return fail("type", `boolean value can be either "true" or "false"`)
		}
	case ParameterString:
		if v.Regex == "" {
			return nil
		}
		re, err := regexp.Compile(v.Regex)
		if err != nil {
			return fail("config", "compile regex %q: %s", v.Regex, err)
		}
		if v.Error == "" {
			return fail("config", "an error must be specified with a regex validation")
		}
		if !re.MatchString(value) {
			return fail("regex", "%s (value %q does not match %q)", v.Error, value, v.Regex)
		}
	case ParameterNumber:
		n, err := strconv.ParseInt(value, 10, 0)
		if err != nil {
			return rendered("type", "value %q is not a number", value)
		}
		if v.Min != nil && n < lo {
			return rendered("min", "value %d is less than the minimum %d", n, lo)
		}
		if v.Max != nil && n > hi {
			return rendered("max", "value %d is more than the maximum %d", n, hi)
		}
		switch v.Monotonic {
		case "":
		case "increasing", "decreasing":
			if previous == nil {
				break
			}
			// A previous value that is not a number is not checked: the
			// workspace could never be built again otherwise.
			p, err := strconv.ParseInt(*previous, 10, 0)
			if err != nil {
				break
			}
			if v.Monotonic == "increasing" && n < p {
				return fail("monotonic", "parameter value '%d' must be equal or greater than previous value: %d", n, p)
			}
			if v.Monotonic == "decreasing" && n > p {
				return fail("monotonic", "parameter value '%d' must be equal or lower than previous value: %d", n, p)
			}
		default:
			return fail("config", "number monotonicity can be either %q or %q", "increasing", "decreasing")
		}
	case ParameterListString:
		if _, err := ParameterList(value); err != nil {
			return fail("type", "value %q is not valid list of strings", value)
		}
	}
	return nil
}

// ResolveBuildParameters computes a build's parameter values: given (the
// request's values, then the preset's beneath them), previous (the
// workspace's last build's values, nil for a new workspace), and whether
// this build may change immutable ones (only the first). Missing values of
// required parameters are an error naming them; each value is checked with
// CheckParameterValue. Ephemeral parameters are not carried from previous.
// The result lists only parameters that have a value.
func ResolveBuildParameters(params []TemplateParameter, given, previous []BuildParameter, first bool) ([]BuildParameter, error) {
	known := map[string]TemplateParameter{}
	for _, p := range params {
		known[p.Name] = p
	}
	in := map[string]string{}
	for _, g := range given {
		if _, ok := known[g.Name]; !ok {
			return nil, &ParameterValueError{Parameter: g.Name, Rule: "unknown", Detail: "the template has no such parameter"}
		}
		in[g.Name] = g.Value
	}
	prev := map[string]string{}
	for _, p := range previous {
		prev[p.Name] = p.Value
	}
	var out []BuildParameter
	var missing []string
	for _, p := range params {
		v, ok := in[p.Name]
		pv, hadPrev := prev[p.Name]
		if ok && !first && !p.Mutable && hadPrev && v != pv {
			return nil, &ParameterValueError{Parameter: p.Name, Rule: "immutable",
				Detail: fmt.Sprintf("the parameter is immutable: it keeps %q for the life of the workspace", pv)}
		}
		if !ok && hadPrev && !p.Ephemeral {
			v, ok = pv, true
		}
		if !ok {
			if p.Required {
				missing = append(missing, p.Name)
			}
			continue
		}
		var prevPtr *string
		if hadPrev {
			prevPtr = &pv
		}
		if err := CheckParameterValue(p, v, prevPtr); err != nil {
			return nil, err
		}
		out = append(out, BuildParameter{Name: p.Name, Value: v})
	}
	if len(missing) > 0 {
		return nil, &ParameterValueError{Parameter: missing[0], Rule: "required",
			Detail: fmt.Sprintf("a value is required (missing: %s)", strings.Join(missing, ", "))}
	}
	return out, nil
}
