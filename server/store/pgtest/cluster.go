package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables the harness reads.
const (
	// EnvURL names a running server to use instead of starting one: a URL
	// of an admin database (for instance postgres://u:p@host:5432/postgres)
	// as a role that may create databases.
	EnvURL = "CODER_TEST_PG_URL"
	// EnvBinDir names the directory holding initdb, pg_ctl and pg_dump,
	// when they are neither under /usr/lib/postgresql/*/bin nor on PATH.
	EnvBinDir = "CODER_TEST_PG_BINDIR"
	// EnvCI set to "true" turns "no PostgreSQL" from a skip into a failure.
	EnvCI = "CI"
)

// clusterUser owns a cluster started as root: PostgreSQL refuses to run as
// root.
const clusterUser = "postgres"

// Cluster is a throwaway PostgreSQL cluster listening on 127.0.0.1 only,
// with a random superuser password and fsync off. Stop it with Stop; if the
// process that started it dies first, a watchdog process stops it and
// removes its directory.
type Cluster struct {
	// URL is the superuser's URL of the cluster's "postgres" database. It
	// holds the password.
	URL string

	dir      string
	bin      string
	runAs    *runAs
	opts     string // pg_ctl -o of the running server, for Restart
	watchdog *exec.Cmd
	trigger  io.WriteCloser // closing it makes the watchdog clean up
}

// StartCluster initdbs a cluster into a new temporary directory and starts
// it on a free port. Running as root, initdb and the server run as the
// "postgres" user (through runuser, or su).
func StartCluster(ctx context.Context) (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	runAs, err := clusterRunAs()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "coder-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("start postgres cluster: %w", err)
	}
	if runAs != nil {
		if err := os.Chown(dir, runAs.uid, runAs.gid); err != nil {
			_ = os.RemoveAll(dir)
			return nil, fmt.Errorf("start postgres cluster: %w", err)
		}
	}
	c := &Cluster{dir: dir}
	data := filepath.Join(dir, "data")
	pgCtl := filepath.Join(bin, "pg_ctl")
	// The watchdog runs first, so that every later failure, and the death of
	// this process, leaves nothing behind.
	if err := c.startWatchdog(runAs.command(pgCtl, "-D", data, "-m", "immediate", "-w", "-s", "stop")); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if err := c.initAndStart(ctx, bin, runAs); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) initAndStart(ctx context.Context, bin string, runAs *runAs) error {
	data := filepath.Join(c.dir, "data")
	password, err := randomHex(16)
	if err != nil {
		return err
	}
	pwfile := filepath.Join(c.dir, "pwfile")
	if err := os.WriteFile(pwfile, []byte(password+"\n"), 0o600); err != nil {
		return fmt.Errorf("initdb: %w", err)
	}
	if runAs != nil {
		if err := os.Chown(pwfile, runAs.uid, runAs.gid); err != nil {
			return fmt.Errorf("initdb: %w", err)
		}
	}
	initdb := runAs.cmd(ctx, c.dir, filepath.Join(bin, "initdb"),
		"-D", data, "-U", "postgres", "--auth=scram-sha-256", "--pwfile="+pwfile,
		"--encoding=UTF8", "--locale=C", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w: %s", err, bytes.TrimSpace(out))
	}
	if err := os.Remove(pwfile); err != nil {
		return fmt.Errorf("initdb: %w", err)
	}

	// Another process may take the free port between our check and the
	// server's bind: try a few.
	logFile := filepath.Join(c.dir, "postgres.log")
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		opts := strings.Join([]string{
			"-c listen_addresses=127.0.0.1",
			"-p " + strconv.Itoa(port),
			"-k " + c.dir,
			"-c fsync=off",
			"-c synchronous_commit=off",
			"-c full_page_writes=off",
			"-c max_connections=500",
		}, " ")
		start := runAs.cmd(ctx, c.dir, filepath.Join(bin, "pg_ctl"),
			"-D", data, "-l", logFile, "-w", "-t", "60", "-s", "-o", opts, "start")
		out, err := start.CombinedOutput()
		if err == nil {
			c.bin, c.runAs, c.opts = bin, runAs, opts
			c.URL = fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/postgres?sslmode=disable", password, port)
			return c.ping(ctx)
		}
		log, _ := os.ReadFile(logFile)
		lastErr = fmt.Errorf("pg_ctl start: %w: %s\n%s", err, bytes.TrimSpace(out), tail(log, 2000))
		if !bytes.Contains(log, []byte("could not bind")) && !bytes.Contains(log, []byte("already in use")) {
			break
		}
	}
	return lastErr
}

// Halt stops the cluster's server (fast shutdown: sessions are cut) and
// keeps its data, so that tests can watch what a lost database does;
// Restart starts it again on the same port. Stop still removes it all.
func (c *Cluster) Halt(ctx context.Context) error {
	cmd := c.runAs.cmd(ctx, c.dir, filepath.Join(c.bin, "pg_ctl"), "-D", filepath.Join(c.dir, "data"), "-m", "fast", "-w", "-s", "stop")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl stop: %w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// Restart starts a cluster that Halt stopped, on its former port.
func (c *Cluster) Restart(ctx context.Context) error {
	logFile := filepath.Join(c.dir, "postgres.log")
	cmd := c.runAs.cmd(ctx, c.dir, filepath.Join(c.bin, "pg_ctl"), "-D", filepath.Join(c.dir, "data"), "-l", logFile, "-w", "-t", "60", "-s", "-o", c.opts, "start")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl start: %w: %s", err, bytes.TrimSpace(out))
	}
	return c.ping(ctx)
}

// ping checks that the new cluster accepts the superuser's password.
func (c *Cluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL)
	if err != nil {
		return fmt.Errorf("connect to new cluster: %w", err)
	}
	return conn.Close(ctx)
}

// startWatchdog starts a shell in its own process group that waits for its
// stdin to close, then runs stop and removes the cluster's directory. Only
// this process holds the other end of the pipe, so the shell cleans up when
// Stop closes it or when this process exits for any reason, even SIGKILL.
func (c *Cluster) startWatchdog(stop []string) error {
	const script = `dir=$1; shift; read -r _ || true; "$@" >/dev/null 2>&1; rm -rf -- "$dir"`
	cmd := exec.Command("/bin/sh", append([]string{"-c", script, "pgtest-watchdog", c.dir}, stop...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // out of reach of the terminal's ^C
	in, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("start cluster watchdog: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start cluster watchdog: %w", err)
	}
	c.watchdog, c.trigger = cmd, in
	return nil
}

// Stop stops the cluster and removes its directory, and returns when both
// are done. It is safe to call more than once.
func (c *Cluster) Stop() error {
	if c.watchdog == nil {
		return nil
	}
	_ = c.trigger.Close()
	err := c.watchdog.Wait()
	c.watchdog = nil
	if err != nil {
		return fmt.Errorf("stop postgres cluster: %w", err)
	}
	if _, err := os.Stat(c.dir); err == nil {
		return fmt.Errorf("stop postgres cluster: %s was not removed", c.dir)
	}
	return nil
}

// BinDir returns the directory holding initdb, pg_ctl and pg_dump: $CODER_TEST_PG_BINDIR,
// else the newest /usr/lib/postgresql/*/bin (Debian and Ubuntu), else the
// directory of initdb on PATH.
func BinDir() (string, error) {
	has := func(dir string) bool {
		for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
			if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv(EnvBinDir); dir != "" {
		if !has(dir) {
			return "", fmt.Errorf("%s=%s lacks initdb, pg_ctl or postgres", EnvBinDir, dir)
		}
		return dir, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	for _, dir := range dirs {
		if has(dir) {
			return dir, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no PostgreSQL server binaries (initdb, pg_ctl, postgres) under /usr/lib/postgresql/*/bin, on PATH or in $" + EnvBinDir)
}

// majorOf reads the version out of /usr/lib/postgresql/<version>/bin.
func majorOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// runAs says how to run a command as the cluster's owner. A nil *runAs
// runs commands directly (we are not root).
type runAs struct {
	uid, gid int
	prefix   []string // runuser -u postgres --
	viaSu    bool     // su: the command is one shell string
}

func clusterRunAs() (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(clusterUser)
	if err != nil {
		return nil, fmt.Errorf("running as root, a %q user must own the test cluster: %w", clusterUser, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	r := &runAs{uid: uid, gid: gid}
	if p, err := exec.LookPath("runuser"); err == nil {
		r.prefix = []string{p, "-u", clusterUser, "--"}
		return r, nil
	}
	if p, err := exec.LookPath("su"); err == nil {
		r.prefix, r.viaSu = []string{p, "-s", "/bin/sh", clusterUser, "-c"}, true
		return r, nil
	}
	return nil, errors.New("running as root, runuser or su is needed to run PostgreSQL as " + clusterUser)
}

// command returns the argv that runs name with args as the cluster's owner.
func (r *runAs) command(name string, args ...string) []string {
	argv := append([]string{name}, args...)
	if r == nil {
		return argv
	}
	if r.viaSu {
		quoted := make([]string, len(argv))
		for i, a := range argv {
			quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		return append(append([]string{}, r.prefix...), strings.Join(quoted, " "))
	}
	return append(append([]string{}, r.prefix...), argv...)
}

// cmd is command as an *exec.Cmd running in dir (which the owner can
// enter: the working directory of the test may not be).
func (r *runAs) cmd(ctx context.Context, dir, name string, args ...string) *exec.Cmd {
	argv := r.command(name, args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	// pg_ctl's server redirects its own output to the log file, but should
	// it ever hold our pipes open, do not wait on them forever.
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// tail returns the last n bytes of b.
func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
