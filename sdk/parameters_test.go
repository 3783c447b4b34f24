package sdk_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk"
)

func i64(v int64) *int64 { return &v }

func TestCheckParameterValue(t *testing.T) {
	prev := "10"
	num := sdk.TemplateParameter{Name: "disk", Type: sdk.ParameterNumber,
		Validation: &sdk.ParameterValidation{Min: i64(5), Max: i64(50), Monotonic: "increasing"}}
	opts := sdk.TemplateParameter{Name: "region", Type: sdk.ParameterString,
		Options: []sdk.ParameterOption{{Name: "EU", Value: "eu"}, {Name: "US", Value: "us"}}}
	multi := sdk.TemplateParameter{Name: "tools", Type: sdk.ParameterListString, FormType: "multi-select",
		Options: []sdk.ParameterOption{{Name: "Git", Value: "git"}, {Name: "Vim", Value: "vim"}}}
	re := sdk.TemplateParameter{Name: "repo", Type: sdk.ParameterString,
		Validation: &sdk.ParameterValidation{Regex: "^https://", Error: "https only"}}
	custom := sdk.TemplateParameter{Name: "n", Type: sdk.ParameterNumber,
		Validation: &sdk.ParameterValidation{Min: i64(2), Max: i64(4), Error: "{min}..{max}, not {value}"}}
	cases := []struct {
		p        sdk.TemplateParameter
		value    string
		previous *string
		rule     string // "" means accepted
		detail   string
	}{
		{num, "20", &prev, "", ""},
		{num, "4", nil, "min", "value 4 is less than the minimum 5"},
		{num, "51", nil, "max", "value 51 is more than the maximum 50"},
		{num, "9", &prev, "monotonic", "must be equal or greater than previous value: 10"},
		{num, "x", nil, "type", `value "x" is not a number`},
		{opts, "us", nil, "", ""},
		{opts, "mars", nil, "option", `"mars" is not one of the options ("eu", "us")`},
		{multi, `["git","vim"]`, nil, "", ""},
		{multi, `["git","emacs"]`, nil, "option", `"emacs" is not one of the options`},
		{multi, `git`, nil, "type", "is not a valid list of strings"},
		{re, "https://x", nil, "", ""},
		{re, "git@x", nil, "regex", `https only (value "git@x" does not match "^https://")`},
		{custom, "1", nil, "min", "2..4, not 1"},
		{sdk.TemplateParameter{Name: "b", Type: sdk.ParameterBool}, "yes", nil, "type", `"yes" is not a bool`},
		{sdk.TemplateParameter{Name: "b", Type: sdk.ParameterBool}, "false", nil, "", ""},
	}
	for _, tc := range cases {
		err := sdk.CheckParameterValue(tc.p, tc.value, tc.previous)
		if tc.rule == "" {
			if err != nil {
				t.Errorf("%s=%q: got %v, want it accepted", tc.p.Name, tc.value, err)
			}
			continue
		}
		var pe *sdk.ParameterValueError
		if !errors.As(err, &pe) || pe.Rule != tc.rule || !strings.Contains(pe.Detail, tc.detail) || pe.Parameter != tc.p.Name {
			t.Errorf("%s=%q: got %#v, want rule %s with %q", tc.p.Name, tc.value, err, tc.rule, tc.detail)
		}
	}
}

func TestResolveBuildParameters(t *testing.T) {
	params := []sdk.TemplateParameter{
		{Name: "region", Type: sdk.ParameterString, Mutable: true, Default: "eu"},
		{Name: "repo", Type: sdk.ParameterString, Required: true},
		{Name: "note", Type: sdk.ParameterString, Mutable: true, Ephemeral: true},
	}
	bp := func(kv ...string) []sdk.BuildParameter {
		var out []sdk.BuildParameter
		for i := 0; i < len(kv); i += 2 {
			out = append(out, sdk.BuildParameter{Name: kv[i], Value: kv[i+1]})
		}
		return out
	}
	if _, err := sdk.ResolveBuildParameters(params, nil, nil, true); err == nil || !strings.Contains(err.Error(), `"repo"`) {
		t.Errorf("no repo: got %v, want an error naming it", err)
	}
	first, err := sdk.ResolveBuildParameters(params, bp("repo", "r1", "note", "n"), nil, true)
	if err != nil || len(first) != 2 {
		t.Fatalf("first build: got %v, %v", first, err)
	}
	next, err := sdk.ResolveBuildParameters(params, bp("region", "us"), first, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(next); got != 2 || next[0] != (sdk.BuildParameter{Name: "region", Value: "us"}) || next[1] != (sdk.BuildParameter{Name: "repo", Value: "r1"}) {
		t.Errorf("next build: got %v, want region=us, repo kept, note (ephemeral) dropped", next)
	}
	var pe *sdk.ParameterValueError
	if _, err := sdk.ResolveBuildParameters(params, bp("repo", "r2"), first, false); !errors.As(err, &pe) || pe.Rule != "immutable" {
		t.Errorf("repo change: got %v, want the immutable rule", err)
	}
	if _, err := sdk.ResolveBuildParameters(params, bp("repo", "r1"), first, false); err != nil {
		t.Errorf("repo given unchanged: got %v, want it accepted", err)
	}
	if _, err := sdk.ResolveBuildParameters(params, bp("nope", "x", "repo", "r"), nil, true); !errors.As(err, &pe) || pe.Rule != "unknown" {
		t.Errorf("unknown parameter: got %v, want the unknown rule", err)
	}
}

func FuzzCheckParameterValue(f *testing.F) {
	f.Add("number", "10", "5", int64(1), int64(20), "increasing", "", "", "a,b")
	f.Add("string", "abc", "", int64(0), int64(0), "", "^a.*$", "bad", "")
	f.Add("list(string)", `["a"]`, "", int64(0), int64(0), "", "", "", "a,b")
	f.Fuzz(func(t *testing.T, typ, value, previous string, lo, hi int64, mono, regex, msg, options string) {
		p := sdk.TemplateParameter{Name: "p", Type: typ,
			Validation: &sdk.ParameterValidation{Min: &lo, Max: &hi, Monotonic: mono, Regex: regex, Error: msg}}
		if options != "" {
			for _, o := range strings.Split(options, ",") {
				p.Options = append(p.Options, sdk.ParameterOption{Name: o, Value: o})
			}
		}
		err := sdk.CheckParameterValue(p, value, &previous)
		var pe *sdk.ParameterValueError
		if err != nil && !errors.As(err, &pe) {
			t.Fatalf("got %T, want a *ParameterValueError", err)
		}
		if err == nil && typ != "string" && typ != "number" && typ != "bool" && typ != "list(string)" {
			t.Fatalf("type %q accepted", typ)
		}
	})
}
