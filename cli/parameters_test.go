package cli_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk/redact"
)

// prompt is what a terminal session waits for (each text in turn) before
// it types answer and a newline.
type prompt struct {
	waits  []string
	answer string
}

// onTerminalAnswers runs a coder command line on a terminal and answers its
// prompts in order.
func onTerminalAnswers(t *testing.T, u *clitest.User, answers []prompt, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(clitest.Binary(t), args...)
	cmd.Env = u.Env
	tty, err := pty.Start(cmd)
	if err != nil {
		t.Fatalf("start %v on a pty: %v", args, err)
	}
	defer tty.Close()
	var out strings.Builder
	buf := make([]byte, 4096)
	next, wait, seen := 0, 0, 0
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		n, err := tty.Read(buf)
		out.Write(buf[:n])
		for next < len(answers) {
			i := strings.Index(out.String()[seen:], answers[next].waits[wait])
			if i < 0 {
				break
			}
			seen += i + len(answers[next].waits[wait])
			if wait++; wait < len(answers[next].waits) {
				continue
			}
			_, _ = tty.Write([]byte(answers[next].answer + "\n"))
			next, wait = next+1, 0
		}
		if err != nil {
			break
		}
	}
	_ = cmd.Wait()
	return out.String(), cmd.ProcessState.ExitCode()
}

// TestTemplateParameters pushes a template with --var and --variables-file
// (its sensitive variable never printed), lists its parameters and
// required secrets, creates workspaces with --parameter, a
// --rich-parameter-file, a --preset and answers on a terminal, refuses a
// missing required parameter without a terminal and a bad value before any
// build, restarts with a changed value and refuses an immutable change.
func TestTemplateParameters(t *testing.T) {
	e := newWorkspaceEnv(t, "sqlite")
	dir, err := filepath.Abs("../server/testdata/params")
	if err != nil {
		t.Fatal(err)
	}
	password := "pw-" + strings.Repeat("x", 3) + "-9f3e1c2b7a"
	varsFile := filepath.Join(e.u.Home, "vars.yaml")
	if err := os.WriteFile(varsFile, []byte("region_prefix: zone-\nsecret_envs:\n  - TOKEN_A\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.u.Sh(t, "", `coder templates push params -d "$DIR" -y`, []string{"DIR=" + dir}, nil)
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "region_prefix") {
		t.Fatalf("push without the required variable: exit %d, stderr:\n%s", r.ExitCode, r.Stderr)
	}
	out := e.sh(t, `coder templates push params -d "$DIR" -y --variables-file "$VARS" --var "api_password=$PW" -m "with params"`,
		"DIR="+dir, "VARS="+varsFile, "PW="+password)
	if !strings.Contains(out, "parameter repo (string) required immutable") || !strings.Contains(out, "preset big") ||
		!strings.Contains(out, "requires a secret with environment variable TOKEN_A") {
		t.Errorf("push output: got\n%s\nwant the parameters, the preset and the for_each's secret", out)
	}
	if strings.Contains(out, "TOKEN_B") {
		t.Errorf("push output: got TOKEN_B, which --variables-file removed from the for_each:\n%s", out)
	}
	list := e.sh(t, `coder templates list`)
	if !containsLine(list, "params", "env:TOKEN_A", "region,disk,repo*,gpu,tools,note") {
		t.Errorf("templates list: got\n%s\nwant the parameters and the required secret", list)
	}
	// The for_each's requirement refuses the create, with its help message.
	r = e.u.Sh(t, "", `coder create dev -t params -y --parameter repo=https://example.com/a.git`, nil, nil)
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "Create a secret with env TOKEN_A.") {
		t.Errorf("create without the for_each's secret: exit %d, stderr:\n%s", r.ExitCode, r.Stderr)
	}
	e.sh(t, `printf '%s' "$V" | coder secret create token-a --env TOKEN_A`, "V=token-a-value-123456")

	// Without a terminal, a required parameter without a value is an error
	// naming it, and a bad value is refused before any build.
	r = e.u.Sh(t, "", `coder create dev -t params -y`, nil, nil)
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, `parameter "repo" needs a value`) {
		t.Errorf("create without repo: exit %d, stderr:\n%s", r.ExitCode, r.Stderr)
	}
	r = e.u.Sh(t, "", `coder create dev -t params -y --parameter repo=https://x --parameter disk=99`, nil, nil)
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "(max rule): value 99 is more than the maximum 50") {
		t.Errorf("create with disk=99: exit %d, stderr:\n%s", r.ExitCode, r.Stderr)
	}

	// Flags, a file and a preset: the flag wins over the file, the file
	// over the preset.
	file := filepath.Join(e.u.Home, "params.yaml")
	if err := os.WriteFile(file, []byte("repo: https://example.com/a.git\ndisk: 20\ntools: [git, vim]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out = e.sh(t, `coder create dev -t params -y --verbose --preset big --rich-parameter-file "$F" --parameter disk=25`, "F="+file)
	if !strings.Contains(printed(out), `params region=us disk=25 repo=https://example.com/a.git gpu=false tools=["git","vim"] note=[] prefix=zone- password=********`) {
		t.Errorf("create output: got\n%s\nwant the build to print the values", out)
	}

	// coder show lists the values the build ran with; a value that is
	// also a secret's is masked.
	show := e.sh(t, `coder show dev -o json`)
	var detail struct {
		Parameters []struct{ Name, Value string } `json:"parameters"`
	}
	if err := json.Unmarshal([]byte(show), &detail); err != nil {
		t.Fatalf("coder show -o json: %v\n%s", err, show)
	}
	got := map[string]string{}
	for _, p := range detail.Parameters {
		got[p.Name] = p.Value
	}
	if got["disk"] != "25" || got["region"] != "us" || got["repo"] != "https://example.com/a.git" {
		t.Errorf("coder show parameters: got %v, want disk=25 region=us repo=https://example.com/a.git", got)
	}

	// restart --parameter changes a mutable value and keeps the rest; an
	// immutable change is refused.
	out = e.sh(t, `coder restart dev -y --verbose --parameter disk=30`)
	if !strings.Contains(printed(out), "params region=us disk=30 repo=https://example.com/a.git") {
		t.Errorf("restart output: got\n%s\nwant disk=30 and the other values kept", out)
	}
	r = e.u.Sh(t, "", `coder update dev -y --parameter repo=https://example.com/b.git`, nil, nil)
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "(immutable rule)") {
		t.Errorf("update of an immutable parameter: exit %d, stderr:\n%s", r.ExitCode, r.Stderr)
	}

	// coder start --parameter gives a stopped workspace new values; on a
	// running one it says to restart.
	r = e.u.Sh(t, "", `coder start dev --parameter disk=35`, nil, nil)
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "coder restart dev --parameter") {
		t.Errorf("start --parameter of a running workspace: exit %d, stderr:\n%s", r.ExitCode, r.Stderr)
	}
	e.sh(t, `coder stop dev`)
	out = e.sh(t, `coder start dev --verbose --parameter disk=35`)
	if !strings.Contains(printed(out), "params region=us disk=35 repo=https://example.com/a.git") {
		t.Errorf("start --parameter output: got\n%s\nwant disk=35 and the other values kept", out)
	}

	// A template's default preset applies when no --preset is given.
	presets, err := filepath.Abs("../server/testdata/presets")
	if err != nil {
		t.Fatal(err)
	}
	e.sh(t, `coder templates push presets -d "$DIR" -y`, "DIR="+presets)
	r = e.u.Sh(t, "", `coder create sized -t presets -y --verbose`, nil, nil)
	if r.ExitCode != 0 || !strings.Contains(r.Stderr, `Using the template's default preset "medium"`) || !strings.Contains(printed(r.Stdout), "presets size=medium") {
		t.Errorf("create with a default preset: exit %d, stdout:\n%s\nstderr:\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}

	// On a terminal, each parameter without a value is asked for, with its
	// display name, description and options; a bad answer is asked again.
	answers := []prompt{
		{[]string{"Region (region)", "Where the workspace runs.", "2) United States = us", "> "}, "2"},
		{[]string{"disk [number]", "> "}, "4"}, // below the minimum
		{[]string{"less than the minimum 5; try again.", "> "}, "12"},
		{[]string{"repo [string]", "The repository to clone.", "> "}, "https://example.com/tty.git"},
		{[]string{"gpu [bool]", "> "}, "true"},
		{[]string{"tools [list(string)]", "> "}, ""}, // the default
		{[]string{"note [string]", "> "}, "typed"},
		{[]string{"[y/N]"}, "y"},
	}
	tty, code := onTerminalAnswers(t, e.u, answers, "create", "tty", "-t", "params", "--verbose")
	if code != 0 || !strings.Contains(printed(tty), `params region=us disk=12 repo=https://example.com/tty.git gpu=true tools=["git"] note=[typed]`) {
		t.Errorf("create on a terminal: exit %d, output:\n%s", code, tty)
	}
	// coder update on a terminal asks for a parameter the new version
	// added, and keeps the values of the others.
	v2 := t.TempDir()
	mainTF, err := os.ReadFile(filepath.Join(presets, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	extra := "data \"coder_parameter\" \"color\" {\n  name         = \"color\"\n  display_name = \"Colour\"\n  type         = \"string\"\n  mutable      = true\n}\n" +
		"resource \"terraform_data\" \"color\" {\n  count = data.coder_workspace.me.start_count\n  provisioner \"local-exec\" {\n    command = \"echo color=${data.coder_parameter.color.value}\"\n  }\n}\n"
	if err := os.WriteFile(filepath.Join(v2, "main.tf"), mainTF, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(v2, "color.tf"), []byte(extra), 0o600); err != nil {
		t.Fatal(err)
	}
	e.sh(t, `coder templates push presets -d "$DIR" -y`, "DIR="+v2)
	answers = []prompt{
		{[]string{"Colour (color) [string]", "> "}, "teal"},
		{[]string{"[y/N]"}, "y"},
	}
	tty, code = onTerminalAnswers(t, e.u, answers, "update", "sized", "--verbose")
	if code != 0 || !strings.Contains(printed(tty), "color=teal") || !strings.Contains(printed(tty), "presets size=medium") {
		t.Errorf("update on a terminal: exit %d, output:\n%s", code, tty)
	}
	for _, o := range e.outputs {
		if strings.Contains(o, password) {
			t.Error("the sensitive variable's value was printed")
		}
	}
	if strings.Contains(tty, password) {
		t.Error("the sensitive variable's value was printed on the terminal")
	}
}

// printed is a build's output as its provisioners' commands printed it:
// Terraform prints what it has read of a command's output as a line of its
// own after 100 ms without a byte, so on a busy machine one line of the
// command's output can show over several.
func printed(out string) string {
	return redact.JoinProvisionerOutput(strings.ReplaceAll(out, "\r\n", "\n"))
}
