// Command harness measures the figures of issue 17 from the outside of
// the product, each against its limit in the same run, and prints them as
// a Markdown table with the ratio and the target:
//
//   - GET one secret and the list of 50 over HTTP on PostgreSQL, 32
//     clients, against `pgbench -S` with as many clients;
//   - the agent manifest with 50 secrets, 1,000 keep-alive connections, on
//     PostgreSQL and on SQLite, against a Go net/http server answering a
//     body of the same size;
//   - `coder create` of the local example template until the build is done
//     and until the agent is ready, against a bare `terraform init &&
//     terraform apply` of the same folder;
//   - the first `coder ssh WS -- true` after the build, against one to an
//     agent already up;
//   - `coder restart` against a bare stop and start, and 10 concurrent
//     creates against 10 bare init+apply in parallel;
//   - the SQLite server's VmHWM after the 1,000-connection load, against
//     the hello server's.
//
// It drives the built `coder` binary (its REST API through package sdk,
// its CLI), real terraform, real PostgreSQL and pgbench. It never judges a
// figure: it prints them. Each figure is the median of -runs runs; the
// ratio is the median of the runs' ratios.
//
//	go run ./server/store/pgtest/cmd/pgtestserver -- go run ./bench/cmd/harness -coder bin/coder
//
// Without $CODER_TEST_PG_URL it starts that cluster itself. -smoke makes
// every figure tiny (the smoke test runs it so).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	if v := os.Getenv(helloEnv); v != "" {
		os.Exit(serveHello(v))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// config is the harness's flags, resolved.
type config struct {
	coder, terraform, pgbench string
	root                      string // the module's folder
	localTemplate             string
	runs                      int
	duration, warmup          time.Duration
	timeout                   time.Duration
	clients, conns, creates   int
	secrets                   int
	pgbenchSecs               int
	keep, smoke               bool
	buildsOnly                bool // -only builds: the build figures alone
	buildsOnPG                bool // -builds-on postgres
	loadsOnly                 bool // -only loads: the HTTP loads and their limits alone
	progress                  io.Writer
}

func (c *config) logf(format string, args ...any) {
	fmt.Fprintf(c.progress, "==> "+format+"\n", args...)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "harness:", err)
		return 2
	}
	res, err := measure(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "harness:", err)
		return 1
	}
	fmt.Fprint(stdout, res.report(cfg))
	return 0
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	cfg := &config{progress: stderr}
	fs := flag.NewFlagSet("harness", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.coder, "coder", "", "the coder binary to measure (default: build the module's into a temporary folder)")
	fs.StringVar(&cfg.terraform, "terraform", "", "terraform binary (default: terraform on PATH)")
	fs.StringVar(&cfg.pgbench, "pgbench", "", "pgbench binary (default: the newest /usr/lib/postgresql/*/bin/pgbench, else PATH)")
	fs.IntVar(&cfg.runs, "runs", 3, "runs of each figure; the table shows their median")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "counted length of each load (HTTP and pgbench, which rounds up to whole seconds)")
	fs.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "uncounted start of each HTTP load (connections open, caches fill)")
	fs.DurationVar(&cfg.timeout, "request-timeout", 5*time.Second, "an HTTP request not answered within this is a timeout")
	fs.IntVar(&cfg.clients, "clients", 32, "clients of the secret GET and list loads, and of pgbench -S")
	fs.IntVar(&cfg.conns, "conns", 1000, "keep-alive connections of the manifest and hello loads")
	fs.IntVar(&cfg.creates, "creates", 10, "workspaces created at once in the concurrent-create figure")
	fs.IntVar(&cfg.secrets, "secrets", 50, "secrets of the user (listed, and in the manifest)")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the temporary folder (server logs, data) and say where it is")
	only := fs.String("only", "", `"builds": measure the build figures alone (no loads, and no PostgreSQL server unless -builds-on postgres); "loads": the HTTP loads and their limits alone (no builds)`)
	buildsOn := fs.String("builds-on", "sqlite", `the database of the server that runs the build figures: "sqlite" or "postgres" (in a full run, the server the loads measured on that database)`)
	fs.BoolVar(&cfg.smoke, "smoke", false, "make every figure tiny: one run, short loads, few clients (to check that the harness works)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch *only {
	case "":
	case "builds":
		cfg.buildsOnly = true
	case "loads":
		cfg.loadsOnly = true
	default:
		return nil, fmt.Errorf("-only %q: the choices are \"builds\" and \"loads\"", *only)
	}
	switch *buildsOn {
	case "sqlite":
	case "postgres":
		if cfg.loadsOnly {
			return nil, fmt.Errorf("-builds-on postgres with -only loads: no build figure is measured")
		}
		cfg.buildsOnPG = true
	default:
		return nil, fmt.Errorf("-builds-on %q: the choices are \"sqlite\" and \"postgres\"", *buildsOn)
	}
	if cfg.smoke {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		smoke := map[string]func(){
			"runs":     func() { cfg.runs = 1 },
			"duration": func() { cfg.duration = 500 * time.Millisecond },
			"warmup":   func() { cfg.warmup = 100 * time.Millisecond },
			"clients":  func() { cfg.clients = 4 },
			"conns":    func() { cfg.conns = 20 },
			"creates":  func() { cfg.creates = 2 },
		}
		for name, apply := range smoke {
			if !set[name] {
				apply()
			}
		}
	}
	if cfg.runs < 1 || cfg.duration <= 0 || cfg.warmup < 0 || cfg.timeout <= 0 || cfg.clients < 1 || cfg.conns < 1 || cfg.creates < 1 || cfg.secrets < 1 {
		return nil, errors.New("-runs, -duration, -request-timeout, -clients, -conns, -creates and -secrets must be positive")
	}
	cfg.pgbenchSecs = max(1, int((cfg.duration+time.Second-1)/time.Second))

	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	cfg.root = root
	cfg.localTemplate = filepath.Join(root, "examples", "templates", "local")
	if cfg.terraform == "" {
		if cfg.terraform, err = exec.LookPath("terraform"); err != nil {
			return nil, errors.New("no terraform on PATH (give -terraform)")
		}
	}
	if cfg.pgbench == "" {
		if cfg.pgbench, err = findPgbench(); err != nil {
			return nil, errors.New("no pgbench under /usr/lib/postgresql/*/bin or on PATH (give -pgbench)")
		}
	}
	if cfg.coder != "" {
		if cfg.coder, err = filepath.Abs(cfg.coder); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// moduleRoot is the nearest folder up from the working directory whose
// go.mod is this module's.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/usersecrets/coder\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run the harness inside the github.com/usersecrets/coder module")
		}
		dir = parent
	}
}

// raiseFileLimit lifts the soft RLIMIT_NOFILE to the hard one, for this
// process and the servers it starts (a Go program that sets it itself
// passes it on to its children).
func raiseFileLimit(cfg *config) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		cfg.logf("warning: cannot read RLIMIT_NOFILE: %v", err)
		return
	}
	rl.Cur = rl.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		cfg.logf("warning: cannot raise RLIMIT_NOFILE: %v", err)
	}
	if need := uint64(2*cfg.conns + 256); rl.Cur < need {
		cfg.logf("warning: RLIMIT_NOFILE is %d, %d connections need about %d", rl.Cur, cfg.conns, need)
	}
}

// buildCoder compiles the module's coder binary the way `make build` does.
func buildCoder(ctx context.Context, cfg *config, dir string) error {
	out := filepath.Join(dir, "coder")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, ".")
	cmd.Dir = cfg.root
	cmd.Env = append(cleanEnv(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build the coder binary: %w\n%s", err, tailString(string(b), 3000))
	}
	cfg.coder = out
	return nil
}

func machine() string {
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				var kb int
				if _, err := fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb); err == nil {
					mem = fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
				}
			}
		}
	}
	return fmt.Sprintf("%d cores%s; %s/%s, %s", runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// toolVersion is the first line a tool prints for its version, or
// "unknown".
func toolVersion(ctx context.Context, path string, args ...string) string {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(cleanEnv(), "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
