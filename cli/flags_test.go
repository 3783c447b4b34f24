package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
)

// The tests of this file run one command's constructor on a command line,
// with a run function that only records the options it is given: they check
// how flags, arguments, stdin and the environment become options, and the
// errors a clumsy user gets before anything reaches a server.

// parsed is what a command line gave: the options its run function got
// (nil when it was not called), what it wrote on stderr, and its error.
type parsed[O any] struct {
	opts   *O
	stderr string
	err    error
}

// parse runs the command newCmd builds on args, stdin being given (a pipe,
// to the command) when it is not "", /dev/null otherwise.
func parse[O any](t *testing.T, newCmd func(func(context.Context, *O) error) *cobra.Command, stdin string, args ...string) parsed[O] {
	t.Helper()
	var p parsed[O]
	cmd := newCmd(func(_ context.Context, o *O) error {
		p.opts = o
		return nil
	})
	var out, errOut bytes.Buffer
	cmd.SetArgs(append([]string{}, args...))
	if stdin != "" {
		cmd.SetIn(strings.NewReader(stdin))
	} else {
		// A character device, as when stdin is neither a pipe nor a
		// file: no value comes from it.
		null, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { null.Close() })
		cmd.SetIn(null)
	}
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	p.err = cmd.Execute()
	p.stderr = errOut.String()
	return p
}

// mustParse is parse for a command line that must reach the run function.
func mustParse[O any](t *testing.T, newCmd func(func(context.Context, *O) error) *cobra.Command, stdin string, args ...string) parsed[O] {
	t.Helper()
	p := parse(t, newCmd, stdin, args...)
	if p.err != nil || p.opts == nil {
		t.Fatalf("coder ... %s: got error %v (run called: %v), want the run function called", strings.Join(args, " "), p.err, p.opts != nil)
	}
	return p
}

// wantError checks that a command line failed with an error containing
// want, before its run function.
func wantError[O any](t *testing.T, p parsed[O], want string) {
	t.Helper()
	if p.err == nil || !strings.Contains(describeError(p.err), want) {
		t.Fatalf("got error %v, want one containing %q", p.err, want)
	}
	if p.opts != nil {
		t.Fatalf("the run function was called for a command line that is an error")
	}
}

func ptr[T any](v T) *T { return &v }

func TestSecretCreateFlags(t *testing.T) {
	home := cleanEnv(t)
	g := &globalOptions{}
	newCmd := func(runF func(context.Context, *secretCreateOptions) error) *cobra.Command {
		return newCmdSecretCreate(g, runF)
	}

	t.Run("flags", func(t *testing.T) {
		p := mustParse(t, newCmd, "", "api-key", "--value", "v1", "--env", "API_KEY", "--description", "the key")
		want := sdk.CreateSecretRequest{Name: "api-key", Value: "v1", EnvName: "API_KEY", Description: "the key"}
		if diff := cmp.Diff(want, p.opts.req); diff != "" {
			t.Fatalf("request (-want +got):\n%s", diff)
		}
	})
	t.Run("--templates", func(t *testing.T) {
		p := mustParse(t, newCmd, "", "api-key", "--value", "v1", "--env", "API_KEY", "--templates", "local,docker")
		if diff := cmp.Diff([]string{"local", "docker"}, p.opts.req.Templates); diff != "" {
			t.Fatalf("templates (-want +got):\n%s", diff)
		}
		p = parse(t, newCmd, "", "api-key", "--value", "v1", "--env", "API_KEY", "--templates", "not a name")
		wantError(t, p, "invalid secret")
		wantValidation(t, p.err, "templates")
	})
	t.Run("--refresh", func(t *testing.T) {
		if p := mustParse(t, newCmd, "", "cfg", "--value", "v1", "--file", "/etc/x"); p.opts.req.Refresh != "" {
			t.Fatalf("default refresh %q, want none sent (restart)", p.opts.req.Refresh)
		}
		if p := mustParse(t, newCmd, "", "cfg", "--value", "v1", "--file", "/etc/x", "--refresh", "live"); p.opts.req.Refresh != sdk.RefreshLive {
			t.Fatalf("refresh %q, want live", p.opts.req.Refresh)
		}
		p := parse(t, newCmd, "", "cfg", "--value", "v1", "--file", "/etc/x", "--refresh", "sometimes")
		wantError(t, p, "invalid secret")
		wantValidation(t, p.err, "refresh")
	})
	t.Run("stdin is stored byte for byte, with a warning for a final newline", func(t *testing.T) {
		p := mustParse(t, newCmd, "line one\nline two\n", "cfg", "--file", "/etc/tool.conf")
		if got, want := p.opts.req.Value, sdk.SecretValue("line one\nline two\n"); got != want {
			t.Fatalf("got value of %d bytes, want the %d bytes of stdin", len(got), len(want))
		}
		if !strings.Contains(p.stderr, "ends with a newline") {
			t.Fatalf("got stderr %q, want the trailing newline warning", p.stderr)
		}
		p = mustParse(t, newCmd, "no newline", "cfg", "--env", "CFG")
		if p.opts.req.Value != "no newline" || p.stderr != "" {
			t.Fatalf("got value %d bytes and stderr %q, want stdin as it is and no warning", len(p.opts.req.Value), p.stderr)
		}
	})
	t.Run("a path the shell expanded is stored relative to the workspace's home", func(t *testing.T) {
		p := mustParse(t, newCmd, "", "cfg", "--value", "v", "--file", filepath.Join(home, ".config", "tool.json"))
		if got, want := p.opts.req.FilePath, "~/.config/tool.json"; got != want {
			t.Fatalf("got file path %q, want %q", got, want)
		}
		if !strings.Contains(p.stderr, "storing the file path as ~/.config/tool.json") {
			t.Fatalf("got stderr %q, want the note on the rewritten path", p.stderr)
		}
	})
	t.Run("both --value and stdin", func(t *testing.T) {
		wantError(t, parse(t, newCmd, "from stdin", "k", "--value", "from flag"), "given both with --value and on stdin")
	})
	t.Run("no value at all", func(t *testing.T) {
		wantError(t, parse(t, newCmd, "", "my-key", "--env", "K"), "no value given: pipe it on stdin (echo -n \"$VALUE\" | coder secret create my-key ...) or use --value")
	})
	t.Run("--value \"\" is a value given, and an invalid one", func(t *testing.T) {
		p := parse(t, newCmd, "", "k", "--value", "")
		wantError(t, p, "invalid secret")
		wantValidation(t, p.err, "value")
	})
	t.Run("bad names and targets are refused before the server", func(t *testing.T) {
		p := parse(t, newCmd, "", " padded", "--value", "v", "--env", "1BAD", "--file", "relative/path")
		wantError(t, p, "invalid secret")
		wantValidation(t, p.err, "name", "env_name", "file_path")
	})
	t.Run("one name", func(t *testing.T) {
		wantError(t, parse(t, newCmd, "", "--value", "v"), "accepts 1 arg(s), received 0")
		wantError(t, parse(t, newCmd, "", "a", "b", "--value", "v"), "accepts 1 arg(s), received 2")
	})
}

// wantValidation checks that err is an API-style validation error naming
// exactly fields.
func wantValidation(t *testing.T, err error, fields ...string) {
	t.Helper()
	var e *sdk.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v, want an *sdk.Error with validations", err, err)
	}
	var got []string
	for _, v := range e.Validations {
		got = append(got, v.Field)
	}
	if diff := cmp.Diff(fields, got); diff != "" {
		t.Fatalf("validation fields (-want +got):\n%s", diff)
	}
}

func TestSecretUpdateFlags(t *testing.T) {
	cleanEnv(t)
	g := &globalOptions{}
	newCmd := func(runF func(context.Context, *secretUpdateOptions) error) *cobra.Command {
		return newCmdSecretUpdate(g, runF)
	}
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  sdk.UpdateSecretRequest
	}{
		{"only the description", "", []string{"k", "--description", "new"}, sdk.UpdateSecretRequest{Description: ptr("new")}},
		{"--env \"\" clears the target", "", []string{"k", "--env", ""}, sdk.UpdateSecretRequest{EnvName: ptr("")}},
		{"--file \"\" clears the target", "", []string{"k", "--file", ""}, sdk.UpdateSecretRequest{FilePath: ptr("")}},
		{"a value on stdin", "new value", []string{"k"}, sdk.UpdateSecretRequest{Value: ptr(sdk.SecretValue("new value"))}},
		{"a value and a target", "", []string{"k", "--value", "v2", "--env", "K2"}, sdk.UpdateSecretRequest{Value: ptr(sdk.SecretValue("v2")), EnvName: ptr("K2")}},
		{"--templates replaces the list", "", []string{"k", "--templates", "a,b"}, sdk.UpdateSecretRequest{Templates: ptr([]string{"a", "b"})}},
		{"--templates \"\" clears it", "", []string{"k", "--templates", ""}, sdk.UpdateSecretRequest{Templates: ptr([]string{})}},
		{"--refresh live", "", []string{"k", "--refresh", "live"}, sdk.UpdateSecretRequest{Refresh: ptr("live")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, newCmd, tc.stdin, tc.args...)
			if p.opts.name != "k" {
				t.Fatalf("got name %q, want k", p.opts.name)
			}
			if diff := cmp.Diff(tc.want, p.opts.req); diff != "" {
				t.Fatalf("request (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("nothing to update", func(t *testing.T) {
		wantError(t, parse(t, newCmd, "", "k"), "nothing to update: give at least one of --value, --description, --env, --file, --enabled, --templates or --refresh")
	})
	t.Run("both --value and stdin", func(t *testing.T) {
		wantError(t, parse(t, newCmd, "x", "k", "--value", "y"), "given both with --value and on stdin")
	})
	t.Run("a bad target", func(t *testing.T) {
		p := parse(t, newCmd, "", "k", "--env", "HAS SPACE")
		wantError(t, p, "invalid update")
		wantValidation(t, p.err, "env_name")
	})
}

func TestOutputFlags(t *testing.T) {
	cleanEnv(t)
	g := &globalOptions{}
	t.Run("secret list", func(t *testing.T) {
		newCmd := func(runF func(context.Context, *secretListOptions) error) *cobra.Command {
			return newCmdSecretList(g, runF)
		}
		p := mustParse(t, newCmd, "")
		if p.opts.output != "table" || p.opts.one {
			t.Fatalf("got output %q, one %v; want table, all secrets", p.opts.output, p.opts.one)
		}
		p = mustParse(t, newCmd, "", "api-key", "-o", "json")
		if p.opts.output != "json" || !p.opts.one || p.opts.name != "api-key" {
			t.Fatalf("got output %q, one %v, name %q; want json of api-key alone", p.opts.output, p.opts.one, p.opts.name)
		}
		wantError(t, parse(t, newCmd, "", "-o", "yaml"), `unknown output format "yaml": use table or json`)
		wantError(t, parse(t, newCmd, "", "a", "b"), "accepts at most 1 arg(s), received 2")
	})
	t.Run("list", func(t *testing.T) {
		newCmd := func(runF func(context.Context, *listOptions) error) *cobra.Command { return newCmdList(g, runF) }
		if p := mustParse(t, newCmd, ""); p.opts.output != "table" {
			t.Fatalf("got output %q, want table", p.opts.output)
		}
		wantError(t, parse(t, newCmd, "", "--output", "text"), `unknown output format "text": use table or json`)
	})
	t.Run("templates list", func(t *testing.T) {
		newCmd := func(runF func(context.Context, *templatesListOptions) error) *cobra.Command {
			return newCmdTemplatesList(g, runF)
		}
		wantError(t, parse(t, newCmd, "", "-o", "csv"), `unknown output format "csv": use table or json`)
	})
	t.Run("show", func(t *testing.T) {
		newCmd := func(runF func(context.Context, *showOptions) error) *cobra.Command { return newCmdShow(g, runF) }
		p := mustParse(t, newCmd, "", "dev")
		if p.opts.output != "text" || p.opts.workspace != "dev" {
			t.Fatalf("got output %q, workspace %q; want text of dev", p.opts.output, p.opts.workspace)
		}
		wantError(t, parse(t, newCmd, "", "dev", "-o", "table"), `unknown output format "table": use text or json`)
	})
	t.Run("version", func(t *testing.T) {
		newCmd := func(runF func(context.Context, *versionOptions) error) *cobra.Command { return newCmdVersion(g, runF) }
		if p := mustParse(t, newCmd, "", "-o", "json"); p.opts.output != "json" {
			t.Fatalf("got output %q, want json", p.opts.output)
		}
		wantError(t, parse(t, newCmd, "", "-o", "yaml"), `unknown output format "yaml": use text or json`)
	})
}

func TestBuildCommandFlags(t *testing.T) {
	cleanEnv(t)
	g := &globalOptions{}
	t.Run("create", func(t *testing.T) {
		newCmd := func(runF func(context.Context, *createOptions) error) *cobra.Command { return newCmdCreate(g, runF) }
		p := mustParse(t, newCmd, "", "dev", "-t", "local")
		want := createOptions{secretRefresh: sdk.RefreshRestart, name: "dev", template: "local", build: buildFlags{waitAgent: 2 * time.Minute}}
		if diff := cmp.Diff(want, *p.opts, cmp.AllowUnexported(createOptions{}, buildFlags{}, parameterFlags{}, buildSecretFlags{}), ignoreIO); diff != "" {
			t.Fatalf("options (-want +got):\n%s", diff)
		}
		p = mustParse(t, newCmd, "", "dev", "--template", "local", "-y", "--verbose", "--wait-agent", "0")
		want = createOptions{secretRefresh: sdk.RefreshRestart, name: "dev", template: "local", yes: true, build: buildFlags{verbose: true}}
		if diff := cmp.Diff(want, *p.opts, cmp.AllowUnexported(createOptions{}, buildFlags{}, parameterFlags{}, buildSecretFlags{}), ignoreIO); diff != "" {
			t.Fatalf("options (-want +got):\n%s", diff)
		}
		p = mustParse(t, newCmd, "", "dev", "-t", "local", "--secret", "a:env=A", "--secret", "a:ephemeral", "--secrets-file", "build.env")
		want = createOptions{secretRefresh: sdk.RefreshRestart, name: "dev", template: "local", build: buildFlags{waitAgent: 2 * time.Minute},
			secrets: buildSecretFlags{specs: []string{"a:env=A", "a:ephemeral"}, file: "build.env"}}
		if diff := cmp.Diff(want, *p.opts, cmp.AllowUnexported(createOptions{}, buildFlags{}, parameterFlags{}, buildSecretFlags{}), ignoreIO); diff != "" {
			t.Fatalf("options with build secrets (-want +got):\n%s", diff)
		}
		if p := mustParse(t, newCmd, "", "dev", "-t", "local", "--secret-refresh", "live"); p.opts.secretRefresh != sdk.RefreshLive {
			t.Fatalf("--secret-refresh live: got %q", p.opts.secretRefresh)
		}
		wantError(t, parse(t, newCmd, "", "dev", "-t", "local", "--secret-refresh", "sometimes"), "--secret-refresh")
		wantError(t, parse(t, newCmd, "", "dev"), "--template is required (list templates with `coder templates list`)")
		wantError(t, parse(t, newCmd, "", "Bad_Name", "-t", "local"), "workspace name")
		wantError(t, parse(t, newCmd, "", "dev", "-t", "local", "--wait-agent", "soon"), `invalid argument "soon" for "--wait-agent"`)
	})
	t.Run("start and stop", func(t *testing.T) {
		start := func(runF func(context.Context, *transitionOptions) error) *cobra.Command { return newCmdStart(g, runF) }
		stop := func(runF func(context.Context, *transitionOptions) error) *cobra.Command { return newCmdStop(g, runF) }
		p := mustParse(t, start, "", "dev", "--force")
		if !p.opts.force || p.opts.workspace != "dev" || p.opts.build.waitAgent != 2*time.Minute {
			t.Fatalf("start: got force %v, workspace %q, wait %v; want true, dev, 2m", p.opts.force, p.opts.workspace, p.opts.build.waitAgent)
		}
		p = mustParse(t, stop, "", "dev")
		if p.opts.force || p.opts.build.waitAgent != 0 {
			t.Fatalf("stop: got force %v, wait %v; want false, 0", p.opts.force, p.opts.build.waitAgent)
		}
		// Only builds that start a workspace wait for its agent or take
		// build secrets.
		wantError(t, parse(t, stop, "", "dev", "--wait-agent", "1m"), "unknown flag: --wait-agent")
		wantError(t, parse(t, stop, "", "dev", "--secret", "a:env=A"), "unknown flag: --secret")
		if p := mustParse(t, start, "", "dev", "--secret", "a:file=~/a"); len(p.opts.secrets.specs) != 1 {
			t.Fatalf("start --secret: got %+v", p.opts.secrets)
		}
	})
	t.Run("delete", func(t *testing.T) {
		newCmd := func(runF func(context.Context, *deleteOptions) error) *cobra.Command { return newCmdDelete(g, runF) }
		p := mustParse(t, newCmd, "", "dev", "-y", "--orphan")
		if !p.opts.yes || !p.opts.orphan || p.opts.workspace != "dev" {
			t.Fatalf("got yes %v, orphan %v, workspace %q; want true, true, dev", p.opts.yes, p.opts.orphan, p.opts.workspace)
		}
		p = mustParse(t, newCmd, "", "dev")
		if p.opts.yes || p.opts.orphan {
			t.Fatalf("got yes %v, orphan %v by default; want false, false", p.opts.yes, p.opts.orphan)
		}
		wantError(t, parse(t, newCmd, "", "dev", "--wait-agent", "1m"), "unknown flag: --wait-agent")
	})
	t.Run("restart", func(t *testing.T) {
		newCmd := func(runF func(context.Context, *restartOptions) error) *cobra.Command { return newCmdRestart(g, runF) }
		p := mustParse(t, newCmd, "", "dev", "--wait-agent", "30s")
		if p.opts.build.waitAgent != 30*time.Second || p.opts.yes {
			t.Fatalf("got wait %v, yes %v; want 30s, false", p.opts.build.waitAgent, p.opts.yes)
		}
		if p := mustParse(t, newCmd, "", "dev", "--secret", "a:remove", "--secrets-file", "f.json"); p.opts.secrets.file != "f.json" || len(p.opts.secrets.specs) != 1 {
			t.Fatalf("restart build secrets: got %+v", p.opts.secrets)
		}
	})
	t.Run("logs", func(t *testing.T) {
		newCmd := func(runF func(context.Context, *logsOptions) error) *cobra.Command { return newCmdLogs(g, runF) }
		if p := mustParse(t, newCmd, "", "dev", "-f"); !p.opts.follow {
			t.Fatalf("got follow false for -f, want true")
		}
		wantError(t, parse(t, newCmd, ""), "accepts 1 arg(s), received 0")
	})
}

// ignoreIO leaves out of a comparison what is not a flag: the streams and
// the client.
var ignoreIO = cmp.FilterPath(func(p cmp.Path) bool {
	switch p.Last().String() {
	case ".streams", ".client", ".config":
		return true
	}
	return false
}, cmp.Ignore())

func TestSSHFlags(t *testing.T) {
	cleanEnv(t)
	g := &globalOptions{}
	newCmd := func(runF func(context.Context, *sshOptions) error) *cobra.Command { return newCmdSSH(g, runF) }
	cases := []struct {
		args []string
		want sshOptions
	}{
		{[]string{"dev"}, sshOptions{workspace: "dev", wait: 5 * time.Minute}},
		// OpenSSH passes the host name of the config entry.
		{[]string{"--stdio", "coder.dev"}, sshOptions{workspace: "dev", stdio: true, wait: 5 * time.Minute}},
		{[]string{"dev", "--", "ls", "-la", "/tmp"}, sshOptions{workspace: "dev", command: "ls -la /tmp", wait: 5 * time.Minute}},
		{[]string{"-t", "--wait", "0", "dev", "--", "top"}, sshOptions{workspace: "dev", command: "top", tty: true}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			p := mustParse(t, newCmd, "", tc.args...)
			if diff := cmp.Diff(tc.want, *p.opts, cmp.AllowUnexported(sshOptions{}), ignoreIO); diff != "" {
				t.Fatalf("options (-want +got):\n%s", diff)
			}
		})
	}
	wantError(t, parse(t, newCmd, ""), "requires at least 1 arg(s), only received 0")
}

func TestLoginURL(t *testing.T) {
	cleanEnv(t)
	newCmd := func(g *globalOptions) func(func(context.Context, *loginOptions) error) *cobra.Command {
		return func(runF func(context.Context, *loginOptions) error) *cobra.Command { return newCmdLogin(g, runF) }
	}
	t.Run("given", func(t *testing.T) {
		p := mustParse(t, newCmd(&globalOptions{configDir: t.TempDir()}), "", "http://127.0.0.1:3000", "--first-user-username", "admin", "--first-user-email", "a@example.com", "--first-user-password", "pw")
		if p.opts.url != "http://127.0.0.1:3000" || p.opts.firstUsername != "admin" || p.opts.firstEmail != "a@example.com" || p.opts.firstPassword != "pw" {
			t.Fatalf("got url %q, first user %q %q; want the given ones", p.opts.url, p.opts.firstUsername, p.opts.firstEmail)
		}
		if p.stderr != "" {
			t.Fatalf("got stderr %q, want nothing", p.stderr)
		}
	})
	t.Run("none, none stored", func(t *testing.T) {
		wantError(t, parse(t, newCmd(&globalOptions{configDir: t.TempDir()}), ""), "no server URL: pass one (coder login http://127.0.0.1:3000); none is stored from an earlier login")
	})
	t.Run("the stored login's", func(t *testing.T) {
		g := &globalOptions{configDir: t.TempDir()}
		if err := g.writeConfig(configURLFile, "http://stored.example:3000"); err != nil {
			t.Fatal(err)
		}
		p := mustParse(t, newCmd(g), "", "--token", "tok")
		if p.opts.url != "http://stored.example:3000" || p.opts.token != "tok" {
			t.Fatalf("got url %q, want the stored one", p.opts.url)
		}
		if want := "Logging in to http://stored.example:3000 (the stored server).\n"; p.stderr != want {
			t.Fatalf("got stderr %q, want %q", p.stderr, want)
		}
	})
	t.Run("$CODER_URL before the stored one", func(t *testing.T) {
		g := &globalOptions{configDir: t.TempDir()}
		if err := g.writeConfig(configURLFile, "http://stored.example:3000"); err != nil {
			t.Fatal(err)
		}
		t.Setenv("CODER_URL", "http://env.example:3000")
		if p := mustParse(t, newCmd(g), ""); p.opts.url != "http://env.example:3000" {
			t.Fatalf("got url %q, want $CODER_URL's", p.opts.url)
		}
	})
	t.Run("one URL at most", func(t *testing.T) {
		wantError(t, parse(t, newCmd(&globalOptions{configDir: t.TempDir()}), "", "a", "b"), "accepts at most 1 arg(s), received 2")
	})
}

func TestAgentEnvironment(t *testing.T) {
	newCmd := func(runF func(context.Context, *agentOptions) error) *cobra.Command {
		return newCmdAgent(&globalOptions{}, runF)
	}
	t.Run("token and URL are read and the token leaves the environment", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv(envAgentURL, "http://127.0.0.1:3000/")
		t.Setenv(envAgentToken, "agent-token")
		p := mustParse(t, newCmd, "")
		if p.opts.token != "agent-token" || p.opts.url.String() != "http://127.0.0.1:3000/" {
			t.Fatalf("got url %s and a token of %d bytes; want both from the environment", p.opts.url, len(p.opts.token))
		}
		if _, ok := os.LookupEnv(envAgentToken); ok {
			t.Fatalf("$%s is still set after the agent read it", envAgentToken)
		}
		if p.opts.logDir != "" || p.opts.verbose {
			t.Fatalf("got log dir %q, verbose %v; want stderr, info", p.opts.logDir, p.opts.verbose)
		}
	})
	t.Run("a token file", func(t *testing.T) {
		cleanEnv(t)
		file := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv(envAgentURL, "https://coder.example")
		t.Setenv(envAgentTokenFile, file)
		p := mustParse(t, newCmd, "")
		if p.opts.token != "from-file" {
			t.Fatalf("got a token of %d bytes, want the file's, trimmed", len(p.opts.token))
		}
		if _, ok := os.LookupEnv(envAgentTokenFile); ok {
			t.Fatalf("$%s is still set after the agent read it", envAgentTokenFile)
		}
	})
	t.Run("log settings from the environment, flags first", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv(envAgentURL, "http://127.0.0.1:3000")
		t.Setenv(envAgentToken, "t")
		t.Setenv(envAgentLogDir, "/var/log/coder")
		t.Setenv(envAgentVerbose, "true")
		p := mustParse(t, newCmd, "")
		if p.opts.logDir != "/var/log/coder" || !p.opts.verbose {
			t.Fatalf("got log dir %q, verbose %v; want the environment's", p.opts.logDir, p.opts.verbose)
		}
		t.Setenv(envAgentToken, "t")
		p = mustParse(t, newCmd, "", "--log-dir", "/tmp/logs", "--verbose=false")
		if p.opts.logDir != "/tmp/logs" || p.opts.verbose {
			t.Fatalf("got log dir %q, verbose %v; want the flags'", p.opts.logDir, p.opts.verbose)
		}
	})
	errorCases := []struct {
		name, url, token, want string
	}{
		{"no token", "http://127.0.0.1:3000", "", "$CODER_AGENT_TOKEN is not set"},
		{"no URL", "", "t", "$CODER_AGENT_URL is not set"},
		{"not an http URL", "ftp://example.com", "t", "$CODER_AGENT_URL is not an http or https URL"},
		{"no host", "http://", "t", "$CODER_AGENT_URL is not an http or https URL"},
	}
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			cleanEnv(t)
			t.Setenv(envAgentURL, tc.url)
			t.Setenv(envAgentToken, tc.token)
			wantError(t, parse(t, newCmd, ""), tc.want)
		})
	}
	t.Run("no arguments", func(t *testing.T) {
		cleanEnv(t)
		wantError(t, parse(t, newCmd, "", "extra"), `unknown command "extra" for "agent"`)
	})
}

func TestServerFlagsAndEnvironment(t *testing.T) {
	newCmd := func(runF func(context.Context, *serverOptions) error) *cobra.Command {
		return newCmdServer(&globalOptions{}, runF)
	}
	t.Run("defaults", func(t *testing.T) {
		home := cleanEnv(t)
		p := mustParse(t, newCmd, "")
		o := p.opts
		if o.httpAddress != "127.0.0.1:3000" || o.accessURL != "" || o.postgresURL != "" || o.verbose || o.logJSON {
			t.Fatalf("got address %q, access URL %q, postgres %q, verbose %v, json %v; want the documented defaults", o.httpAddress, o.accessURL, o.postgresURL, o.verbose, o.logJSON)
		}
		if want := filepath.Join(home, ".local", "share", "coderv2"); o.dataDir != want {
			t.Fatalf("got data dir %q, want %q", o.dataDir, want)
		}
		if o.limits != sdk.DefaultLimits {
			t.Fatalf("got limits %+v, want %+v", o.limits, sdk.DefaultLimits)
		}
	})
	t.Run("environment", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv("XDG_DATA_HOME", "/data")
		t.Setenv("CODER_HTTP_ADDRESS", "0.0.0.0:8080")
		t.Setenv("CODER_ACCESS_URL", "https://coder.example")
		t.Setenv("CODER_MAX_SECRETS_PER_USER", " 7 ")
		t.Setenv("CODER_VERBOSE", "1")
		t.Setenv("CODER_LOG_JSON", "true")
		p := mustParse(t, newCmd, "")
		o := p.opts
		if o.httpAddress != "0.0.0.0:8080" || o.accessURL != "https://coder.example" || o.limits.MaxSecrets != 7 || !o.verbose || !o.logJSON {
			t.Fatalf("got address %q, access URL %q, max secrets %d, verbose %v, json %v; want the environment's", o.httpAddress, o.accessURL, o.limits.MaxSecrets, o.verbose, o.logJSON)
		}
		if o.dataDir != "/data/coderv2" {
			t.Fatalf("got data dir %q, want /data/coderv2 from $XDG_DATA_HOME", o.dataDir)
		}
		p = mustParse(t, newCmd, "", "--http-address", "127.0.0.1:0", "--max-secrets-per-user", "3", "-v=false")
		if p.opts.httpAddress != "127.0.0.1:0" || p.opts.limits.MaxSecrets != 3 || p.opts.verbose {
			t.Fatalf("got address %q, max secrets %d, verbose %v; want the flags over the environment", p.opts.httpAddress, p.opts.limits.MaxSecrets, p.opts.verbose)
		}
	})
	t.Run("a variable that does not parse stops the start, the first one named", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv("CODER_MAX_SECRET_BYTES_PER_USER", "lots")
		t.Setenv("CODER_LOG_JSON", "maybe")
		p := parse(t, newCmd, "")
		wantError(t, p, `$CODER_MAX_SECRET_BYTES_PER_USER="lots" is not a whole number`)
		// Even when the flag is given: the environment is wrong.
		p = parse(t, newCmd, "", "--max-secret-bytes-per-user", "100")
		wantError(t, p, `$CODER_MAX_SECRET_BYTES_PER_USER="lots" is not a whole number`)
		t.Setenv("CODER_MAX_SECRET_BYTES_PER_USER", "")
		wantError(t, parse(t, newCmd, ""), `$CODER_LOG_JSON="maybe" is not true or false`)
	})
	t.Run("each command tree reads the environment again", func(t *testing.T) {
		cleanEnv(t)
		t.Setenv("CODER_VERBOSE", "nope")
		wantError(t, parse(t, newCmd, ""), "is not true or false")
		t.Setenv("CODER_VERBOSE", "")
		mustParse(t, newCmd, "")
	})
}

func TestUsersCreate(t *testing.T) {
	cleanEnv(t)
	g := &globalOptions{}
	newCmd := func(runF func(context.Context, *usersCreateOptions) error) *cobra.Command {
		return newCmdUsersCreate(g, runF)
	}
	p := mustParse(t, newCmd, "", "--username", "bob", "--email", "bob@example.com", "--password", "pw", "--full-name", "Bob B")
	want := sdk.CreateUserRequest{Username: "bob", Email: "bob@example.com", Password: "pw", Name: "Bob B", Role: sdk.RoleMember}
	if diff := cmp.Diff(want, p.opts.req); diff != "" {
		t.Fatalf("request (-want +got):\n%s", diff)
	}

	// The run function says "not logged in" before it judges the flags,
	// and judges them before it sends anything.
	o := &usersCreateOptions{client: func(context.Context) (*sdk.Client, error) { return nil, errNotLoggedIn }}
	if err := runUsersCreate(context.Background(), o); !errors.Is(err, errNotLoggedIn) {
		t.Fatalf("got %v, want errNotLoggedIn", err)
	}
	o.client = func(context.Context) (*sdk.Client, error) {
		// Nothing listens there: a request would fail differently.
		u, err := parseServerURL("http://127.0.0.1:1")
		return sdk.New(u), err
	}
	err := runUsersCreate(context.Background(), o)
	wantValidation(t, err, "username", "email", "password")
}
