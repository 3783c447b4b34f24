// Package packaging_test checks the release packaging offline: the
// goreleaser configuration (its target matrix, and its build done by hand
// for two targets, as goreleaser is not installed here), the Dockerfile and
// the systemd unit.
package packaging_test

import (
	"bufio"
	"debug/elf"
	"debug/pe"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type goreleaser struct {
	Version int `yaml:"version"`
	Builds  []struct {
		ID      string   `yaml:"id"`
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Env     []string `yaml:"env"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
	} `yaml:"builds"`
	Archives []struct {
		Files []string `yaml:"files"`
	} `yaml:"archives"`
}

func readGoreleaser(t *testing.T) goreleaser {
	t.Helper()
	b, err := os.ReadFile("../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var g goreleaser
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(false)
	if err := dec.Decode(&g); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGoreleaserTargets: linux, darwin and windows on amd64 and arm64, a
// static build stamped with the version, archives of files that exist.
func TestGoreleaserTargets(t *testing.T) {
	g := readGoreleaser(t)
	if g.Version != 2 {
		t.Errorf("version: %d, want 2", g.Version)
	}
	if len(g.Builds) != 1 {
		t.Fatalf("builds: %d, want 1", len(g.Builds))
	}
	b := g.Builds[0]
	sort.Strings(b.Goos)
	sort.Strings(b.Goarch)
	if strings.Join(b.Goos, " ") != "darwin linux windows" || strings.Join(b.Goarch, " ") != "amd64 arm64" {
		t.Errorf("targets: %v x %v, want darwin linux windows x amd64 arm64", b.Goos, b.Goarch)
	}
	if b.Main != "." || b.Binary != "coder" {
		t.Errorf("main %q binary %q", b.Main, b.Binary)
	}
	if !contains(b.Env, "CGO_ENABLED=0") || !contains(b.Flags, "-trimpath") {
		t.Errorf("env %v flags %v: want CGO_ENABLED=0 and -trimpath", b.Env, b.Flags)
	}
	if len(b.Ldflags) != 1 || !strings.Contains(b.Ldflags[0], "-X github.com/usersecrets/coder/cli.Version={{ .Tag }}") {
		t.Errorf("ldflags %v: want the version stamped into cli.Version", b.Ldflags)
	}
	for _, a := range g.Archives {
		for _, f := range a.Files {
			if m, _ := filepath.Glob(filepath.Join("..", f)); len(m) == 0 {
				t.Errorf("archive file %q matches nothing", f)
			}
		}
	}
}

// TestGoreleaserBuildTwoTargets does what goreleaser's build does, from
// its configuration, for linux/arm64 and windows/amd64, and checks each
// binary's format and machine, and the version stamped into it.
func TestGoreleaserBuildTwoTargets(t *testing.T) {
	b := readGoreleaser(t).Builds[0]
	const tag = "v9.8.7-packaging-test"
	dir := t.TempDir()
	for _, target := range []struct{ goos, goarch string }{{"linux", "arm64"}, {"windows", "amd64"}} {
		out := filepath.Join(dir, b.Binary+"-"+target.goos+"-"+target.goarch)
		args := append([]string{"build"}, b.Flags...)
		args = append(args, "-ldflags", strings.ReplaceAll(b.Ldflags[0], "{{ .Tag }}", tag), "-o", out, b.Main)
		cmd := exec.Command("go", args...)
		cmd.Dir = ".."
		cmd.Env = append(append(os.Environ(), b.Env...), "GOOS="+target.goos, "GOARCH="+target.goarch)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s (%s/%s): %v\n%s", strings.Join(args, " "), target.goos, target.goarch, err, msg)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), tag) {
			t.Errorf("%s/%s: the version %s is not in the binary", target.goos, target.goarch, tag)
		}
		switch target.goos {
		case "linux":
			f, err := elf.Open(out)
			if err != nil {
				t.Fatalf("linux/arm64: not ELF: %v", err)
			}
			if f.Machine != elf.EM_AARCH64 {
				t.Errorf("linux/arm64: machine %v", f.Machine)
			}
			f.Close()
		case "windows":
			f, err := pe.Open(out)
			if err != nil {
				t.Fatalf("windows/amd64: not PE: %v", err)
			}
			if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
				t.Errorf("windows/amd64: machine %#x", f.Machine)
			}
			f.Close()
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd, args string
	line      int
}

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []instruction
	var cur strings.Builder
	start := 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args), line: start})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDockerfile: a distroless (or scratch) final image that runs as a
// non-root user, with the coder binary, the agents and terraform; every
// base image pinned; Go and Terraform at the versions the repository uses.
func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, "Dockerfile")
	args := map[string]string{}
	var stages [][]instruction
	for _, in := range ins {
		switch in.cmd {
		case "ARG":
			if k, v, ok := strings.Cut(in.args, "="); ok && len(stages) == 0 {
				args[k] = v
			}
		case "FROM":
			stages = append(stages, nil)
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a final one", len(stages))
	}
	expand := func(s string) string {
		return regexp.MustCompile(`\$\{(\w+)\}`).ReplaceAllStringFunc(s, func(m string) string { return args[m[2:len(m)-1]] })
	}
	for _, st := range stages {
		image := strings.Fields(expand(st[0].args))[0]
		if image != "scratch" && (!strings.Contains(image, ":") || strings.HasSuffix(image, ":latest")) {
			t.Errorf("line %d: base image %q is not pinned to a tag", st[0].line, image)
		}
	}
	final := stages[len(stages)-1]
	base := strings.Fields(final[0].args)[0]
	if base != "scratch" && !strings.HasPrefix(base, "gcr.io/distroless/") {
		t.Errorf("final base %q: want distroless or scratch", base)
	}
	var user, entrypoint string
	var copies []string
	for _, in := range final {
		switch in.cmd {
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entrypoint = in.args
		case "COPY":
			copies = append(copies, in.args)
		case "RUN":
			t.Errorf("line %d: RUN in the final stage (a distroless image has no shell)", in.line)
		}
	}
	if name, _, _ := strings.Cut(user, ":"); user == "" || name == "0" || name == "root" {
		t.Errorf("USER %q: want a non-root user", user)
	}
	has := func(dest string) bool {
		for _, c := range copies {
			if strings.HasSuffix(c, " "+dest) {
				return true
			}
		}
		return false
	}
	for _, dest := range []string{"/usr/local/bin/coder", "/usr/local/bin/terraform", "/usr/local/bin/agents/"} {
		if !has(dest) {
			t.Errorf("the final stage copies nothing to %s: %v", dest, copies)
		}
	}
	if entrypoint != `["/usr/local/bin/coder", "server"]` {
		t.Errorf("ENTRYPOINT %s: want the coder server", entrypoint)
	}
	// The versions the repository builds and tests with.
	mod, _ := os.ReadFile("../go.mod")
	if m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod); m == nil || args["GO_VERSION"] != string(m[1]) {
		t.Errorf("GO_VERSION %q, want go.mod's %q", args["GO_VERSION"], m)
	}
	mk, _ := os.ReadFile("../GNUmakefile")
	if !strings.Contains(string(mk), "github.com/hashicorp/terraform@v"+args["TERRAFORM_VERSION"]) {
		t.Errorf("TERRAFORM_VERSION %q is not the one make terraform installs", args["TERRAFORM_VERSION"])
	}
}

// TestSystemdUnit: the unit runs coder server as a user of its own with
// the hardening keys set, and systemd-analyze verify accepts it.
func TestSystemdUnit(t *testing.T) {
	b, err := os.ReadFile("systemd/coder.service")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]map[string]string{}
	section := ""
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			sections[section] = map[string]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("line %d: %q is not KEY=VALUE in a section", i+1, line)
			}
			sections[section][k] = v
		}
	}
	svc := sections["Service"]
	for k, want := range map[string]string{
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
		"StateDirectory": "coder", "StateDirectoryMode": "0700", "CapabilityBoundingSet": "", "RestrictSUIDSGID": "yes",
		"Environment": "CODER_DATA_DIR=/var/lib/coder",
	} {
		if got, ok := svc[k]; !ok || got != want {
			t.Errorf("[Service] %s=%q (set: %v), want %q", k, got, ok, want)
		}
	}
	if u := svc["User"]; u == "" || u == "root" {
		t.Errorf("User=%q: want a user of its own", u)
	}
	if !strings.HasPrefix(svc["ExecStart"], "/usr/local/bin/coder server") {
		t.Errorf("ExecStart=%q", svc["ExecStart"])
	}
	if sections["Install"]["WantedBy"] != "multi-user.target" {
		t.Errorf("[Install] WantedBy=%q", sections["Install"]["WantedBy"])
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze is not installed: the unit was checked by parsing only")
		return
	}
	// verify wants ExecStart's binary to exist: point it at this one.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(t.TempDir(), "coder.service")
	if err := os.WriteFile(unit, []byte(strings.ReplaceAll(string(b), "ExecStart=/usr/local/bin/coder", "ExecStart="+exe)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", unit).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
