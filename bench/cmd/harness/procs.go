package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/usersecrets/coder/sdk"
)

// coderServer is a `coder server` process the harness started, with its
// first user logged in.
type coderServer struct {
	name    string
	url     string
	dataDir string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
	client  *sdk.Client // logged in as the first user
	cliEnv  []string    // the environment of CLI commands against it
	// afterStop, if set, runs once the server has stopped (its database's
	// teardown).
	afterStop func()
}

// cleanEnv is this process's environment without CODER_* and TF_*
// variables, so that nothing of the caller's login or Terraform settings
// reaches the processes the harness starts.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		up := strings.ToUpper(name)
		if strings.HasPrefix(up, "CODER_") || strings.HasPrefix(up, "TF_") || name == helloEnv {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// startCoderServer starts `coder server` on a free port with its data in
// dir/<name>, on PostgreSQL when pgURL is set (passed in the environment,
// never on the command line), and creates and logs in its first user.
func startCoderServer(ctx context.Context, cfg *config, dir, name, pgURL string) (*coderServer, error) {
	s := &coderServer{name: name, dataDir: filepath.Join(dir, name), exited: make(chan struct{})}
	if err := os.MkdirAll(s.dataDir, 0o700); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	s.url = "http://" + addr
	s.logPath = filepath.Join(dir, name+"-server.log")
	logf, err := os.Create(s.logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	s.cmd = exec.Command(cfg.coder, "server", "--http-address", addr, "--data-dir", s.dataDir, "--terraform-path", cfg.terraform)
	s.cmd.Env = cleanEnv()
	if pgURL != "" {
		s.cmd.Env = append(s.cmd.Env, "CODER_PG_CONNECTION_URL="+pgURL)
	}
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the %s server: %w", name, err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()

	u, _ := url.Parse(s.url)
	s.client = sdk.New(u)
	s.client.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if _, err := s.client.BuildInfo(ctx); err == nil {
			break
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("the %s server exited while starting; its log:\n%s", name, logTail(s.logPath))
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("the %s server did not answer within 3 minutes; its log:\n%s", name, logTail(s.logPath))
		}
	}
	password := randomHex(16)
	if _, err := s.client.CreateFirstUser(ctx, sdk.CreateFirstUserRequest{
		Username: benchUser, Email: benchUser + "@example.com", Password: password,
	}); err != nil {
		s.stop()
		return nil, fmt.Errorf("%s server: create the first user: %w", name, err)
	}
	login, err := s.client.Login(ctx, sdk.LoginRequest{Username: benchUser, Password: password})
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("%s server: log in: %w", name, err)
	}
	s.client.SessionToken = login.SessionToken
	cliConfig := filepath.Join(dir, name+"-cli")
	if err := os.MkdirAll(cliConfig, 0o700); err != nil {
		s.stop()
		return nil, err
	}
	s.cliEnv = append(cleanEnv(),
		"CODER_CONFIG_DIR="+cliConfig,
		"CODER_URL="+s.url,
		"CODER_SESSION_TOKEN="+login.SessionToken,
	)
	return s, nil
}

const benchUser = "bench"

// logTail is the end of a log file, for error messages. The server never
// logs secret values.
func logTail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// stop interrupts the server and waits for it (killing it after a while).
func (s *coderServer) stop() {
	if s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	if f := s.afterStop; f != nil {
		s.afterStop = nil
		f()
	}
}

// killAgents ends the agents the local template left running in the
// server's workspaces (each leads its own process group, recorded in a
// pid file), for a teardown after a failure.
func killAgents(root string) {
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != ".coder-agent.pid" {
			return nil
		}
		b, _ := os.ReadFile(p)
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
		return nil
	})
}

// coder runs one CLI command against the server and returns how long it
// took. Its output is kept only for the error message of a failure (the
// CLI never prints a secret value).
func (s *coderServer) coder(ctx context.Context, cfg *config, args ...string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, cfg.coder, args...)
	cmd.Env = s.cliEnv
	cmd.Dir = s.dataDir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 10 * time.Second
	begin := time.Now()
	err := cmd.Run()
	took := time.Since(begin)
	if err != nil {
		return took, fmt.Errorf("coder %s: %w\n%s", strings.Join(args, " "), err, tailString(out.String(), 2000))
	}
	return took, nil
}

func tailString(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// procStatusKB reads fields of /proc/<pid>/status, in kB.
func procStatusKB(pid int, fields ...string) (map[string]int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	want := map[string]bool{}
	for _, k := range fields {
		want[k] = true
	}
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || !want[k] {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		if err == nil {
			out[k] = n
		}
	}
	for _, k := range fields {
		if _, ok := out[k]; !ok {
			return nil, fmt.Errorf("/proc/%d/status has no %s", pid, k)
		}
	}
	return out, nil
}

// openFilesMatching counts the open file descriptors of pid whose target
// holds substr.
func openFilesMatching(pid int, substr string) int {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		if t, err := os.Readlink(filepath.Join(dir, e.Name())); err == nil && strings.Contains(t, substr) {
			n++
		}
	}
	return n
}

// ---- PostgreSQL and pgbench ----

// postgres is the cluster the harness measures against: the admin URL of
// a running server (from $CODER_TEST_PG_URL or pgtestserver).
type postgres struct {
	adminURL string
	stopFn   func()
}

const pgURLEnv = "CODER_TEST_PG_URL"

// startPostgres uses $CODER_TEST_PG_URL, or starts the project's
// throwaway cluster with `go run ./server/store/pgtest/cmd/pgtestserver`
// in root, from the outside: it prints the admin URL and runs until
// SIGTERM, then stops the cluster and removes it.
func startPostgres(ctx context.Context, root string) (*postgres, error) {
	if u := os.Getenv(pgURLEnv); u != "" {
		return &postgres{adminURL: u, stopFn: func() {}}, nil
	}
	cmd := exec.Command("go", "run", "./server/store/pgtest/cmd/pgtestserver")
	cmd.Dir = root
	cmd.Env = cleanEnv()
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start pgtestserver: %w", err)
	}
	stop := func() {
		// go run's child is pgtestserver: signal the group so that it
		// gets the SIGTERM, stops the cluster and removes it.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		_ = cmd.Wait()
	}
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case line := <-lines:
		v, ok := strings.CutPrefix(strings.TrimSpace(line), pgURLEnv+"=")
		if !ok {
			stop()
			return nil, errors.New("pgtestserver printed no URL")
		}
		return &postgres{adminURL: v, stopFn: stop}, nil
	case <-ctx.Done():
		stop()
		return nil, ctx.Err()
	case <-time.After(5 * time.Minute):
		stop()
		return nil, errors.New("pgtestserver gave no URL within 5 minutes")
	}
}

// newDatabase creates a database and returns its URL.
func (p *postgres) newDatabase(ctx context.Context, name string) (string, error) {
	conn, err := pgx.Connect(ctx, p.adminURL)
	if err != nil {
		return "", fmt.Errorf("connect to PostgreSQL: %w", redactURLErr(err))
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(p.adminURL)
	if err != nil {
		return "", errors.New("the PostgreSQL URL does not parse")
	}
	u.Path = "/" + name
	return u.String(), nil
}

func (p *postgres) dropDatabase(ctx context.Context, name string) {
	conn, err := pgx.Connect(ctx, p.adminURL)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

// redactURLErr keeps a connection error but never the URL's password
// (pgx errors name host and user only; this is a second guard).
func redactURLErr(err error) error {
	return errors.New(regexp.MustCompile(`://[^@/\s]*@`).ReplaceAllString(err.Error(), "://REDACTED@"))
}

// pgbenchCmd is pgbench against dbURL, the password in PGPASSWORD, never
// on the command line.
func pgbenchCmd(ctx context.Context, cfg *config, dbURL string, args ...string) (*exec.Cmd, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, errors.New("the PostgreSQL URL does not parse")
	}
	pass, _ := u.User.Password()
	full := []string{"-h", u.Hostname(), "-p", u.Port(), "-U", u.User.Username()}
	full = append(full, args...)
	full = append(full, strings.TrimPrefix(u.Path, "/"))
	cmd := exec.CommandContext(ctx, cfg.pgbench, full...)
	cmd.Env = append(cleanEnv(), "PGPASSWORD="+pass, "PGSSLMODE=disable")
	return cmd, nil
}

var tpsRe = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// runPgbench runs `pgbench -S` with clients clients for secs seconds and
// returns its tps.
func runPgbench(ctx context.Context, cfg *config, dbURL string, clients, secs int) (float64, error) {
	threads := min(clients, 2)
	cmd, err := pgbenchCmd(ctx, cfg, dbURL, "-S", "-n", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(threads), "-T", strconv.Itoa(secs))
	if err != nil {
		return 0, err
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench -S: %w\n%s", err, tailString(string(out), 2000))
	}
	m := tpsRe.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench -S printed no tps:\n%s", tailString(string(out), 2000))
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// findPgbench returns the newest /usr/lib/postgresql/*/bin/pgbench, else
// pgbench on PATH.
func findPgbench() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
	sort.Slice(dirs, func(i, j int) bool {
		a, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(dirs[i]))))
		b, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(dirs[j]))))
		return a > b
	})
	if len(dirs) > 0 {
		return dirs[0], nil
	}
	return exec.LookPath("pgbench")
}
