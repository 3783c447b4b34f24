package sdk_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk"
)

func TestBuildSecretJSON(t *testing.T) {
	t.Parallel()
	var got []sdk.BuildSecret
	in := `[{"name":"a","value":"canary-v1","env_name":"A"},{"name":"b","value":null},{"name":"c","value":"x","file_path":"~/c","ephemeral":true}]`
	if err := json.Unmarshal([]byte(in), &got); err != nil {
		t.Fatal(err)
	}
	if got[0].Value == nil || got[0].Value.Reveal() != "canary-v1" || got[1].Value != nil || !got[2].Ephemeral || got[2].FilePath != "~/c" {
		t.Fatalf("got %+v", got)
	}
	for body, want := range map[string]string{
		`[{"name":"a","env_name":"A"}]`:                      `value is required: a string, or null`,
		`[{"name":"a","value":42,"env_name":"A"}]`:           `value must be a string or null`,
		`[{"name":"a","value":"canary-v2","colour":"blue"}]`: `unknown field "colour"`,
	} {
		err := json.Unmarshal([]byte(body), &got)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "canary") {
			t.Errorf("%s: got %v, want an error containing %q and no value", body, err, want)
		}
	}
	v := sdk.SecretValue("v")
	for _, tt := range []struct {
		in   []sdk.BuildSecret
		want string
	}{
		{[]sdk.BuildSecret{{Name: "a", Value: &v}}, "needs a target"},
		{[]sdk.BuildSecret{{Name: "a", Value: &v, EnvName: "A"}, {Name: "a", Value: &v, EnvName: "B"}}, "given twice"},
		{[]sdk.BuildSecret{{Name: "a/b", Value: &v, EnvName: "A"}}, `must not contain "/"`},
		{[]sdk.BuildSecret{{Name: "a", Value: &v, EnvName: "CODER_X"}}, "CODER_"},
		{[]sdk.BuildSecret{{Name: "a", Value: &v, FilePath: "~/d/"}}, "names a directory"},
	} {
		vals := sdk.ValidateBuildSecrets(tt.in)
		if len(vals) == 0 || !strings.Contains(vals[0].Detail, tt.want) {
			t.Errorf("%+v: got %+v, want %q", tt.in, vals, tt.want)
		}
	}
	if vals := sdk.ValidateBuildSecrets([]sdk.BuildSecret{{Name: "gone"}}); len(vals) != 0 {
		t.Errorf("a removal (null value) needs no target: got %+v", vals)
	}
}

func FuzzBuildSecretsJSON(f *testing.F) {
	for _, s := range []string{
		`[{"name":"a","value":"v","env_name":"A"}]`, `[{"name":"b","value":null}]`, `[{"name":"c"}]`,
		`[{"name":"d","value":"v","file_path":"~/x","ephemeral":true}]`, `[{"value":{"x":1}}]`, `{}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var got []sdk.BuildSecret
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			return
		}
		var public strings.Builder // what an error may name
		for _, b := range got {
			public.WriteString(b.Name + "\x00" + b.EnvName + "\x00" + b.FilePath + "\x00")
		}
		for _, v := range sdk.ValidateBuildSecrets(got) {
			for _, b := range got {
				if b.Value == nil || len(b.Value.Reveal()) < 8 || strings.Contains(public.String(), b.Value.Reveal()) {
					continue
				}
				if strings.Contains(v.Detail, b.Value.Reveal()) {
					t.Fatalf("a validation error holds a value: %q", v.Detail)
				}
			}
		}
	})
}
