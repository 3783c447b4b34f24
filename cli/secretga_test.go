package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/secretimport"
)

func TestSecretEnabledFlags(t *testing.T) {
	cleanEnv(t)
	g := &globalOptions{}
	create := func(runF func(context.Context, *secretCreateOptions) error) *cobra.Command {
		return newCmdSecretCreate(g, runF)
	}
	update := func(runF func(context.Context, *secretUpdateOptions) error) *cobra.Command {
		return newCmdSecretUpdate(g, runF)
	}
	if p := mustParse(t, create, "", "k", "--value", "v", "--env", "K"); p.opts.req.Enabled != nil {
		t.Errorf("create without --enabled: got Enabled %v, want nil (the server's default, true)", *p.opts.req.Enabled)
	}
	if p := mustParse(t, create, "", "k", "--value", "v", "--enabled=false"); p.opts.req.Enabled == nil || *p.opts.req.Enabled {
		t.Errorf("create --enabled=false: got %v, want false", p.opts.req.Enabled)
	}
	wantError(t, parse(t, create, "", "k", "--value", "v"), `secret "k" has no target, so it cannot be enabled: give --env or --file, or store it without delivering it with --enabled=false`)
	if p := mustParse(t, update, "", "k", "--enabled=false"); p.opts.req.Enabled == nil || *p.opts.req.Enabled {
		t.Errorf("update --enabled=false: got %v, want false", p.opts.req.Enabled)
	}
	if p := mustParse(t, update, "", "k", "--enabled"); p.opts.req.Enabled == nil || !*p.opts.req.Enabled {
		t.Errorf("update --enabled: got %v, want true", p.opts.req.Enabled)
	}
}

// TestSecretImportLocalChecks: the file is read and parsed before anything
// is sent: each refusal happens in the CLI (runF never runs).
func TestSecretImportLocalChecks(t *testing.T) {
	cleanEnv(t)
	g := &globalOptions{}
	newCmd := func(runF func(context.Context, *secretImportOptions) error) *cobra.Command {
		return newCmdSecretImport(g, runF)
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := mustParse(t, newCmd, "", write("prod.env", "A=1\nmy-key=2\n"))
	if p.opts.format != secretimport.Dotenv || len(p.opts.items) != 2 || p.opts.items[1].Enabled {
		t.Errorf("prod.env: got format %q and %d items, want dotenv with my-key disabled", p.opts.format, len(p.opts.items))
	}
	if p := mustParse(t, newCmd, "", write("s.yml", "A: \"1\"\n")); p.opts.format != secretimport.YAML {
		t.Errorf("s.yml: got format %q", p.opts.format)
	}
	if p := mustParse(t, newCmd, "{\"A\": \"1\"}", "--input-format", "json", "-"); p.opts.format != secretimport.JSON || len(p.opts.items) != 1 {
		t.Errorf("stdin json: got %q, %d items", p.opts.format, len(p.opts.items))
	}
	local := write(".env.local", "A=1\n")
	wantError(t, parse(t, newCmd, "", local), "cannot tell the format")
	if p := mustParse(t, newCmd, "", "--input-format", "dotenv", local); len(p.opts.items) != 1 {
		t.Errorf(".env.local with --input-format: %d items", len(p.opts.items))
	}
	wantError(t, parse(t, newCmd, "A=1\n", "-"), "reading from stdin needs --input-format")
	wantError(t, parse(t, newCmd, "", "--input-format", "toml", local), `unknown format "toml"`)
	const cn = "CANARY-c0ffee12"
	p = parse(t, newCmd, "", write("dup.env", "A="+cn+"\nA="+cn+"\n"))
	wantError(t, p, `line 2: duplicate key "A" (first on line 1)`)
	if strings.Contains(describeError(p.err), cn) {
		t.Errorf("the error quotes a value")
	}
	wantError(t, parse(t, newCmd, "", write("key.json", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n")), "cannot be imported")
	wantError(t, parse(t, newCmd, "", filepath.Join(dir, "missing.env")), "read "+filepath.Join(dir, "missing.env"))
	big := write("big.env", "A="+strings.Repeat("x", secretimport.MaxBytes)+"\n")
	wantError(t, parse(t, newCmd, "", big), "larger than 1048576 bytes")
}

func TestHumanizeTime(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		ago  time.Duration
		want string
	}{
		{0, "now"},
		{-time.Minute, "now"},
		{time.Second, "1 second ago"},
		{45 * time.Second, "45 seconds ago"},
		{3 * time.Minute, "3 minutes ago"},
		{time.Hour, "1 hour ago"},
		{49 * time.Hour, "2 days ago"},
		{15 * 24 * time.Hour, "2 weeks ago"},
		{95 * 24 * time.Hour, "3 months ago"},
		{800 * 24 * time.Hour, "2 years ago"},
	} {
		if got := humanizeTime(now.Add(-tt.ago), now); got != tt.want {
			t.Errorf("%v ago: got %q, want %q", tt.ago, got, tt.want)
		}
	}
}

func TestSecretListColumns(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	list := []sdk.Secret{
		{Name: "a", EnvName: "A", Enabled: true, CreatedAt: now.Add(-3 * time.Minute), UpdatedAt: now.Add(-time.Minute), Description: "two\nlines"},
		{Name: "b", FilePath: "~/.b", CreatedAt: now.Add(-2 * time.Hour), UpdatedAt: now.Add(-2 * time.Hour)},
	}
	var b strings.Builder
	if err := writeSecretTable(&b, list, defaultSecretColumns, now); err != nil {
		t.Fatal(err)
	}
	want := "NAME  CREATED        UPDATED       ENV  FILE  ENABLED  DESCRIPTION\n" +
		"a     3 minutes ago  1 minute ago  A          true     two lines\n" +
		"b     2 hours ago    2 hours ago        ~/.b  false\n"
	if b.String() != want {
		t.Errorf("default columns: got\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	if err := writeSecretTable(&b, list, []string{"enabled", "NAME"}, now); err != nil {
		t.Fatal(err)
	}
	if want := "ENABLED  NAME\ntrue     a\nfalse    b\n"; b.String() != want {
		t.Errorf("-c enabled,NAME: got\n%q\nwant\n%q", b.String(), want)
	}
	if err := checkColumns([]string{"name", "value"}); err == nil || !strings.Contains(err.Error(), `unknown column "value"`) {
		t.Errorf("checkColumns(value): got %v", err)
	}
	if err := checkColumns(nil); err == nil {
		t.Errorf("checkColumns(nil): got nil, want an error")
	}
}

func TestParseAuditTime(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"":                     {},
		"24h":                  now.Add(-24 * time.Hour),
		"2026-01-02T15:04:05Z": time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC),
	} {
		if got, err := parseAuditTime("since", in, now); err != nil || !got.Equal(want) {
			t.Errorf("%q: got %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"yesterday", "-1h", "2026-01-02"} {
		if _, err := parseAuditTime("since", in, now); err == nil {
			t.Errorf("%q: got no error", in)
		}
	}
}
