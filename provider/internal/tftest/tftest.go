// Package tftest runs real terraform and tofu binaries against the
// coder/coder provider for acceptance tests: it finds the binaries, builds
// the provider (provider/internal/testprovider), lays out a filesystem
// mirror with provider/tfmirror, and runs commands in private working
// directories with no network access and a clean environment.
//
// Finding the binaries:
//   - Terraform: $TF_ACC_TERRAFORM_PATH, else `terraform` on $PATH.
//   - OpenTofu: $TF_ACC_TOFU_PATH, else `tofu` on $PATH.
//
// A missing terraform skips the tests with a loud message, or fails them
// when $CI is true. A missing tofu skips its tests, or fails them when
// $TF_ACC_REQUIRE_TOFU is true. $TF_ACC_PROVIDER_BINARY names a provider
// binary to test instead of building one (for example the real coder
// binary, which serves the provider when Terraform starts it).
package tftest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/usersecrets/coder/provider/tfmirror"
	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/redact"
)

// Tool is a terraform or tofu binary.
type Tool struct {
	// Name is "terraform" or "tofu", the name tests show.
	Name string
	// Path is the binary's path.
	Path string
	// Version is the first line of `<tool> version`.
	Version string
	// OpenTofu reports whether the binary is OpenTofu.
	OpenTofu bool
}

// Host is the registry host the tool resolves the source "coder/coder" to.
func (tool Tool) Host() string {
	if tool.OpenTofu {
		return "registry.opentofu.org"
	}
	return "registry.terraform.io"
}

// Terraform finds the terraform binary, or skips the test (fails it when
// $CI is true).
func Terraform(t testing.TB) Tool {
	t.Helper()
	return find(t, "terraform", "TF_ACC_TERRAFORM_PATH", "CI")
}

// Tofu finds the tofu binary, or skips the test (fails it when
// $TF_ACC_REQUIRE_TOFU is true).
func Tofu(t testing.TB) Tool {
	t.Helper()
	return find(t, "tofu", "TF_ACC_TOFU_PATH", "TF_ACC_REQUIRE_TOFU")
}

func find(t testing.TB, name, pathVar, requireVar string) Tool {
	t.Helper()
	tool, err := Find(name, os.Getenv(pathVar))
	if err == nil {
		return tool
	}
	if truthy(os.Getenv(requireVar)) {
		t.Fatalf("%s is required ($%s is true) but unusable: %v", name, requireVar, err)
	}
	t.Skipf("\n"+
		"************************************************************\n"+
		"SKIPPING %s ACCEPTANCE TESTS: %v\n"+
		"Put %s on $PATH or set $%s; set $%s=true to make this a failure.\n"+
		"************************************************************",
		strings.ToUpper(name), err, name, pathVar, requireVar)
	return Tool{}
}

// Find looks up a tool: at path when it is set, else as name on $PATH.
func Find(name, path string) (Tool, error) {
	if path == "" {
		p, err := exec.LookPath(name)
		if err != nil {
			return Tool{}, fmt.Errorf("no %s on $PATH", name)
		}
		path = p
	}
	cmd := exec.Command(path, "version")
	// A clean environment: the machine's TF_CLI_CONFIG_FILE may name a
	// missing file, which makes the tools warn.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "CHECKPOINT_DISABLE=1", "HOME=" + os.TempDir()}
	out, err := cmd.Output()
	if err != nil {
		return Tool{}, fmt.Errorf("run %s version: %w", path, err)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	tool := Tool{Name: name, Path: path, Version: strings.TrimSpace(first)}
	tool.OpenTofu = strings.HasPrefix(tool.Version, "OpenTofu")
	return tool, nil
}

func truthy(s string) bool {
	switch strings.ToLower(s) {
	case "1", "true", "yes":
		return true
	}
	return false
}

// ProviderBinary returns a provider binary: $TF_ACC_PROVIDER_BINARY, or
// provider/internal/testprovider built into a directory removed when the
// test ends.
func ProviderBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("TF_ACC_PROVIDER_BINARY"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatalf("TF_ACC_PROVIDER_BINARY: %v", err)
		}
		return abs
	}
	out := filepath.Join(t.TempDir(), "coder-provider")
	// go test puts its own Go's bin directory first on $PATH.
	cmd := exec.Command("go", "build", "-o", out, "github.com/usersecrets/coder/provider/internal/testprovider")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the test provider: %v\n%s", err, b)
	}
	return out
}

// NewMirror lays out a mirror of exe in a directory removed when the test
// ends.
func NewMirror(t testing.TB, exe string) *tfmirror.Mirror {
	t.Helper()
	m, err := tfmirror.Setup(tfmirror.Options{Dir: t.TempDir(), Executable: exe})
	if err != nil {
		t.Fatalf("set up the provider mirror: %v", err)
	}
	return m
}

// Workdir is a private working directory for one Terraform configuration.
type Workdir struct {
	Dir     string
	tool    Tool
	mirror  *tfmirror.Mirror
	home    string
	secrets []string
}

// NewWorkdir copies the files of src (a directory of a configuration) into
// a new directory removed when the test ends. files are added to it, or
// replace copied ones.
func NewWorkdir(t testing.TB, tool Tool, m *tfmirror.Mirror, src string, files map[string]string) *Workdir {
	t.Helper()
	w := &Workdir{Dir: t.TempDir(), tool: tool, mirror: m, home: t.TempDir()}
	if src != "" {
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(src, p)
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == ".terraform" {
					return filepath.SkipDir
				}
				return os.MkdirAll(filepath.Join(w.Dir, rel), 0o755)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(w.Dir, rel), b, 0o644)
		})
		if err != nil {
			t.Fatalf("copy %s: %v", src, err)
		}
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(w.Dir, name), []byte(content), 0o644); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
	}
	return w
}

// AddSecrets registers values that must never show in a command's output.
// Run fails the test when one does, and never logs it. Each must be long
// enough to be masked (redact.Maskable): Redact masks only those.
func (w *Workdir) AddSecrets(values ...string) {
	w.secrets = append(w.secrets, values...)
}

// Result is what a command printed and how it ended.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
}

// Run runs the tool with args in the working directory. env holds the
// build's variables (CODER_*), on top of a clean environment: $PATH, a
// private $HOME, the mirror's variables, and proxy settings that make any
// network access fail. It fails the test if the output shows a registered
// secret. It does not fail the test when the command fails.
func (w *Workdir) Run(t testing.TB, env map[string]string, args ...string) Result {
	t.Helper()
	return w.run(t, env, false, args...)
}

// MustRun is Run, failing the test when the command fails.
func (w *Workdir) MustRun(t testing.TB, env map[string]string, args ...string) Result {
	t.Helper()
	r := w.run(t, env, false, args...)
	if r.ExitCode != 0 {
		t.Fatalf("%s %s: got exit code %d, want 0\nstdout:\n%s\nstderr:\n%s",
			w.tool.Name, strings.Join(args, " "), r.ExitCode, w.Redact(r.Stdout), w.Redact(r.Stderr))
	}
	return r
}

// RunSensitive runs a command whose output may hold secrets by design
// (`show -json` prints the state in clear). The output is never logged
// nor checked; the test fails if the command does.
func (w *Workdir) RunSensitive(t testing.TB, env map[string]string, args ...string) Result {
	t.Helper()
	r := w.run(t, env, true, args...)
	if r.ExitCode != 0 {
		t.Fatalf("%s %s: got exit code %d, want 0 (output withheld: it may hold secrets)",
			w.tool.Name, strings.Join(args, " "), r.ExitCode)
	}
	return r
}

func (w *Workdir) run(t testing.TB, env map[string]string, sensitive bool, args ...string) Result {
	t.Helper()
	cmd := exec.Command(w.tool.Path, args...)
	cmd.Dir = w.Dir
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + w.home,
		"TMPDIR=" + os.TempDir(),
		// Any attempt to reach a registry fails at once.
		"HTTPS_PROXY=http://127.0.0.1:9",
		"HTTP_PROXY=http://127.0.0.1:9",
		"NO_PROXY=",
	}, w.mirror.Env()...)
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.ExitCode = exit.ExitCode()
	case err != nil:
		t.Fatalf("run %s: %v", w.tool.Path, err)
	}
	t.Logf("%s %s: exit code %d", w.tool.Name, strings.Join(args, " "), r.ExitCode)
	if !sensitive {
		for _, out := range []string{r.Stdout, r.Stderr} {
			if w.leaks(out) {
				t.Errorf("%s %s: got a secret value in the output, want none:\n%s",
					w.tool.Name, strings.Join(args, " "), w.Redact(out))
			}
		}
	}
	return r
}

func (w *Workdir) leaks(s string) bool {
	for _, v := range w.secrets {
		if v != "" && strings.Contains(s, v) {
			return true
		}
	}
	return false
}

// Redact masks every registered secret in s by the rules of sdk/redact
// (the server's and the agent's). Use it on anything a test prints that
// came from a command.
func (w *Workdir) Redact(s string) string {
	values := make([]sdk.SecretValue, 0, len(w.secrets))
	for _, v := range w.secrets {
		values = append(values, sdk.SecretValue(v))
	}
	return redact.New(values).String(s)
}

// Outputs runs `output -json` and returns each output's value.
func (w *Workdir) Outputs(t testing.TB) map[string]any {
	t.Helper()
	r := w.MustRun(t, nil, "output", "-json", "-no-color")
	var raw map[string]struct {
		Value any `json:"value"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &raw); err != nil {
		t.Fatalf("decode outputs: %v", err)
	}
	out := map[string]any{}
	for k, v := range raw {
		out[k] = v.Value
	}
	return out
}

// StateResource is one resource of `show -json` state.
type StateResource struct {
	Address string         `json:"address"`
	Mode    string         `json:"mode"`
	Type    string         `json:"type"`
	Name    string         `json:"name"`
	Values  map[string]any `json:"values"`
}

// State runs `show -json` and returns the root module's resources by
// address. The state holds secrets: never log what it returns.
func (w *Workdir) State(t testing.TB) map[string]StateResource {
	t.Helper()
	r := w.RunSensitive(t, nil, "show", "-json", "-no-color")
	var state struct {
		Values *struct {
			RootModule struct {
				Resources []StateResource `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &state); err != nil {
		t.Fatalf("decode state (content withheld): %v", err)
	}
	out := map[string]StateResource{}
	if state.Values == nil {
		return out
	}
	for _, res := range state.Values.RootModule.Resources {
		out[res.Address] = res
	}
	return out
}

// Diagnostic is one diagnostic of a `-json` command.
type Diagnostic struct {
	Severity string `json:"severity"`
	Summary  string `json:"summary"`
	Detail   string `json:"detail"`
}

// Diagnostics decodes the diagnostics of a command run with -json.
func Diagnostics(t testing.TB, r Result) []Diagnostic {
	t.Helper()
	var out []Diagnostic
	for _, line := range strings.Split(r.Stdout, "\n") {
		var msg struct {
			Type       string      `json:"type"`
			Diagnostic *Diagnostic `json:"diagnostic"`
		}
		if json.Unmarshal([]byte(line), &msg) == nil && msg.Type == "diagnostic" && msg.Diagnostic != nil {
			out = append(out, *msg.Diagnostic)
		}
	}
	return out
}
