package cli_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/usersecrets/coder/cli/clitest"
)

// readmeBlock returns the first sh block after heading in README.md.
func readmeBlock(t *testing.T, heading string) string {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	i := strings.Index(text, heading)
	if i < 0 {
		t.Fatalf("README has no %q section", heading)
	}
	block := text[i:]
	start := strings.Index(block, "```sh\n")
	if start < 0 {
		t.Fatalf("the %q section has no sh block", heading)
	}
	end := strings.Index(block[start+6:], "```")
	if end < 0 {
		t.Fatalf("the %q section's sh block does not end", heading)
	}
	return block[start+6 : start+6+end]
}

// freshClone clones the repository into a new folder, the way a newcomer
// gets it, and lays the working tree's uncommitted changes over it (so a
// local run tests what is being changed; in CI the tree is a clean clone
// and there are none).
func freshClone(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "coder")
	if out, err := exec.Command("git", "clone", "-q", "--no-hardlinks", root, dir).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--modified", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	for _, name := range strings.Split(string(out), "\x00") {
		if name == "" {
			continue
		}
		src, dst := filepath.Join(root, name), filepath.Join(dir, name)
		b, err := os.ReadFile(src)
		if os.IsNotExist(err) {
			_ = os.Remove(dst)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// newcomerEnv is the environment of someone who has just installed Go: a
// fresh HOME, the system PATH, and the Go caches of this machine (so the
// test does not download every module again).
func newcomerEnv(t *testing.T) []string {
	t.Helper()
	env := []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8", "TMPDIR=" + os.TempDir()}
	for _, name := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOPROXY", "GOFLAGS", "GOTOOLCHAIN"} {
		out, err := exec.Command("go", "env", name).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", name, err)
		}
		if v := strings.TrimSpace(string(out)); v != "" {
			env = append(env, name+"="+v)
		}
	}
	return env
}

// TestReadmeQuickstart follows README.md literally on a fresh clone: `make
// run` from the clone's folder (its relative --data-dir .data included),
// then every Quickstart command as written, in another shell in the same
// folder. The last command must print the secret from inside the
// workspace.
func TestReadmeQuickstart(t *testing.T) {
	requireTerraform(t)
	setup := readmeBlock(t, "## Set-up: two commands")
	if !strings.Contains(setup, "make run") {
		t.Fatalf("the set-up block does not run `make run`:\n%s", setup)
	}
	script := readmeBlock(t, "## Quickstart")
	if !strings.Contains(script, "coder ssh my-workspace -- printenv API_KEY") {
		t.Fatalf("the quickstart does not end with printenv API_KEY:\n%s", script)
	}
	dir := freshClone(t)
	env := newcomerEnv(t)

	// The README's address when it is free; on a busy machine another port,
	// given through the server's environment variable and put in the
	// commands in place of the README's URL.
	const readmeURL = "http://127.0.0.1:3000"
	serverEnv := env
	if ln, err := net.Listen("tcp", "127.0.0.1:3000"); err == nil {
		ln.Close()
	} else {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		t.Logf("port 3000 is taken on this machine: the server listens on %s instead", addr)
		serverEnv = append(append([]string(nil), env...), "CODER_HTTP_ADDRESS="+addr)
		script = strings.ReplaceAll(script, readmeURL, "http://"+addr)
	}

	run := exec.Command("make", "run")
	run.Dir = dir
	run.Env = serverEnv
	run.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &clitest.SyncBuffer{}
	pr, pw := io.Pipe()
	run.Stdout = io.MultiWriter(out, pw)
	run.Stderr = out
	if err := run.Start(); err != nil {
		t.Fatalf("make run: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = run.Wait(); pw.Close(); close(exited) }()
	t.Cleanup(func() {
		// Ctrl-C, as the README says, then the workspace's agent.
		_ = syscall.Kill(-run.Process.Pid, syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-run.Process.Pid, syscall.SIGKILL)
			<-exited
			t.Errorf("make run did not stop within 30s of Ctrl-C")
		}
		clitest.KillLocalAgents(filepath.Join(dir, ".data"))
	})
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		signaled := false
		for sc.Scan() {
			if !signaled && strings.Contains(sc.Text(), "Next, in another terminal: coder login") {
				close(ready)
				signaled = true
			}
		}
	}()
	select {
	case <-ready:
	case <-exited:
		t.Fatalf("make run exited before the server listened:\n%s", out.String())
	case <-time.After(5 * time.Minute):
		t.Fatalf("make run did not start the server within 5 minutes:\n%s", out.String())
	}
	// `make run` says what it does while it builds, and the server says
	// where its data is.
	for _, want := range []string{"==> Compiling bin/coder", "==> Starting the server", "Database:        " + filepath.Join(dir, ".data", "coder.db"), "Encryption keys: " + filepath.Join(dir, ".data", "secrets.key")} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("make run's output lacks %q:\n%s", want, out.String())
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	sh := exec.CommandContext(ctx, "bash", "-e", "-o", "pipefail", "-c", script)
	sh.Dir = dir
	sh.Env = env
	var stdout, stderr strings.Builder
	sh.Stdout, sh.Stderr = &stdout, &stderr
	if err := sh.Run(); err != nil {
		t.Fatalf("the quickstart failed: %v\nstdout:\n%s\nstderr:\n%s\nserver:\n%s", err, stdout.String(), stderr.String(), out.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if last := lines[len(lines)-1]; last != "my-api-key" {
		t.Fatalf("the quickstart's last line is %q, want the secret (my-api-key)\nstdout:\n%s\nstderr:\n%s", last, stdout.String(), stderr.String())
	}
	// The workspace lives under the clone's .data, as the README says.
	home := filepath.Join(dir, ".data", "workspaces", "admin", "my-workspace")
	if _, err := os.Stat(filepath.Join(home, ".coder-agent.pid")); err != nil {
		t.Errorf("the workspace's home folder is not %s: %v", home, err)
	}
	if regexp.MustCompile(`(?m)^Workspace .* created`).MatchString(stderr.String()) {
		t.Errorf("a success message went to stderr:\n%s", stderr.String())
	}
}
