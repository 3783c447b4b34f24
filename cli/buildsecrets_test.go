package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
)

func TestServerFileDeliveryFlag(t *testing.T) {
	newCmd := func(runF func(context.Context, *serverOptions) error) *cobra.Command {
		return newCmdServer(&globalOptions{}, runF)
	}
	cleanEnv(t)
	if p := mustParse(t, newCmd, ""); p.opts.disableFileDelivery {
		t.Fatal("file delivery disabled by default; want enabled")
	}
	if p := mustParse(t, newCmd, "", "--disable-user-secret-file-delivery"); !p.opts.disableFileDelivery {
		t.Fatal("--disable-user-secret-file-delivery: not disabled")
	}
	t.Setenv("CODER_DISABLE_USER_SECRET_FILE_DELIVERY", "true")
	if p := mustParse(t, newCmd, ""); !p.opts.disableFileDelivery {
		t.Fatal("CODER_DISABLE_USER_SECRET_FILE_DELIVERY=true: not disabled")
	}
	if p := mustParse(t, newCmd, "", "--disable-user-secret-file-delivery=false"); p.opts.disableFileDelivery {
		t.Fatal("the flag =false does not win over the environment")
	}
	t.Setenv("CODER_DISABLE_USER_SECRET_FILE_DELIVERY", "sometimes")
	wantError(t, parse(t, newCmd, ""), `$CODER_DISABLE_USER_SECRET_FILE_DELIVERY="sometimes" is not true or false`)
}

func TestParseSecretSpec(t *testing.T) {
	t.Parallel()
	good := map[string]secretSpec{
		"tok:env=TOKEN":             {name: "tok", key: "env", arg: "TOKEN"},
		"tok:file=~/.config/x":      {name: "tok", key: "file", arg: "~/.config/x"},
		"a:b:file=/c:d":             {name: "a:b", key: "file", arg: "/c:d"},
		"tok:ephemeral":             {name: "tok", key: "ephemeral"},
		"tok:remove":                {name: "tok", key: "remove"},
		"with space:env=WITH_SPACE": {name: "with space", key: "env", arg: "WITH_SPACE"},
	}
	for in, want := range good {
		got, err := parseSecretSpec(in)
		if err != nil || got != want {
			t.Errorf("parseSecretSpec(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"tok":          "say where the secret lands",
		"tok=value":    "say where the secret lands",
		":env=X":       "name is missing",
		"tok:env=":     "env= needs a value",
		"tok:file=":    "file= needs a value",
		"tok:envy=X":   "say where the secret lands",
		"tok:Env=X":    "say where the secret lands",
		"tok:remove=1": "say where the secret lands",
	}
	for in, want := range bad {
		if _, err := parseSecretSpec(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseSecretSpec(%q): got %v, want an error containing %q", in, err, want)
		}
	}
	// A value typed on the command line by mistake is not echoed.
	for _, in := range []string{"tok=canary-4f1e9b", "tok:envy=canary-4f1e9b", "tok:remove=canary-4f1e9b", "a=b:c=canary-4f1e9b"} {
		_, err := parseSecretSpec(in)
		if err == nil || strings.Contains(err.Error(), "canary-4f1e9b") || !strings.Contains(err.Error(), "stdin") {
			t.Errorf("parseSecretSpec(%q): got %v, want an error without the text after = that points to stdin", in, err)
		}
	}
}

func FuzzParseSecretSpec(f *testing.F) {
	for _, s := range []string{"tok:env=TOKEN", "a:b:file=/c:d", "tok:ephemeral", "tok:remove", ":", "x:env=", "\x00:file=~/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := parseSecretSpec(s)
		if err != nil {
			return
		}
		if sp.name == "" {
			t.Fatalf("%q: an empty name was accepted", s)
		}
		switch sp.key {
		case "env", "file":
			if sp.arg == "" || !strings.HasSuffix(s, ":"+sp.key+"="+sp.arg) {
				t.Fatalf("%q: got %+v", s, sp)
			}
		case "ephemeral", "remove":
			if s != sp.name+":"+sp.key {
				t.Fatalf("%q: got %+v", s, sp)
			}
		default:
			t.Fatalf("%q: unknown key %q", s, sp.key)
		}
	})
}

func TestBuildSecretFlagsCollect(t *testing.T) {
	t.Parallel()
	const canary = "canary-build-secret-7c1e"
	dir := t.TempDir()
	file := filepath.Join(dir, "build.env")
	if err := os.WriteFile(file, []byte("API_TOKEN="+canary+"-a\nother-key=\""+canary+"-b\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	collect := func(stdin string, specs []string, file string) ([]sdk.BuildSecret, string, error) {
		var errOut bytes.Buffer
		f := buildSecretFlags{specs: specs, file: file}
		s := streams{errOut: &errOut}
		if stdin != "" {
			s.in = strings.NewReader(stdin)
		} else {
			null, err := os.Open(os.DevNull)
			if err != nil {
				t.Fatal(err)
			}
			defer null.Close()
			s.in = null
		}
		out, err := f.collect(s)
		return out, errOut.String(), err
	}
	// One value from stdin, two targets and ephemeral in three flags.
	got, warn, err := collect(canary+"\n", []string{"tok:env=TOKEN", "tok:file=~/.tok", "tok:ephemeral"}, "")
	if err != nil || len(got) != 1 || got[0].Value == nil || got[0].Value.Reveal() != canary+"\n" ||
		got[0].EnvName != "TOKEN" || got[0].FilePath != "~/.tok" || !got[0].Ephemeral {
		t.Fatalf("got %+v, %v", got, err)
	}
	if !strings.Contains(warn, "ends with a newline") || strings.Contains(warn, canary) {
		t.Fatalf("stderr %q: want the newline warning without the value", warn)
	}
	// A file: its env-named key lands as its name; the other needs a target.
	_, _, err = collect("", nil, file)
	if err == nil || !strings.Contains(err.Error(), `key "other-key" is not a valid environment variable name`) {
		t.Fatalf("a file key without a target: got %v", err)
	}
	got, _, err = collect("", []string{"other-key:file=~/other", "gone:remove"}, file)
	if err != nil || len(got) != 3 {
		t.Fatalf("got %+v, %v; want 3 build secrets", got, err)
	}
	if got[0].Name != "API_TOKEN" || got[0].EnvName != "API_TOKEN" || got[1].Name != "gone" || got[1].Value != nil ||
		got[2].Name != "other-key" || got[2].FilePath != "~/other" || got[2].Value.Reveal() != canary+"-b" {
		t.Fatalf("got %+v", got)
	}
	// Refusals; none holds a value.
	for _, tt := range []struct {
		stdin string
		specs []string
		want  string
	}{
		{"", []string{"tok:env=TOKEN"}, `build secret "tok" needs a value: pipe it on stdin`},
		{canary, []string{"a:env=A", "b:env=B"}, `build secrets "a", "b" need values: give them in --secrets-file`},
		{canary, []string{"tok:ephemeral"}, `build secret "tok" has no target`},
		{"", []string{"tok:remove", "tok:env=X"}, "remove goes alone"},
		{canary, []string{"tok:env=PATH"}, "invalid build secret"},
		{canary, []string{"tok:file=relative"}, "must start with ~/ or /"},
		{canary, []string{"tok:env=A", "tok:env=B"}, "two env targets"},
	} {
		_, _, err := collect(tt.stdin, tt.specs, "")
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), canary) {
			t.Errorf("%v: got %v, want an error containing %q (and no value)", tt.specs, err, tt.want)
		}
	}
}
