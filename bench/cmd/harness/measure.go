package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/usersecrets/coder/sdk"
)

// results holds every run's numbers.
type results struct {
	started, ended     time.Time
	tools              string
	buildsOn           string // the database of the build figures' server
	loadBefore, loadAt string
	loadAfter          string

	pgbench          []float64
	getOne, list     []loadResult
	hello            []loadResult
	manifestPG       []loadResult
	manifestLite     []loadResult
	liteDBFiles      int // most database files the SQLite server held open during its loads
	manifestBytes    int
	liteHWM, liteRSS int // kB
	helloHWM         int // kB

	bare, build, agent   []time.Duration
	sshFirst, sshReady   []time.Duration
	restart, bareRestart []time.Duration
	creates, bareCreates []time.Duration
}

// measure sets everything up, runs every figure cfg.runs times and tears
// everything down.
func measure(ctx context.Context, cfg *config) (res *results, err error) {
	raiseFileLimit(cfg)
	res = &results{started: time.Now().UTC(), loadBefore: loadAvg()}
	tmp, err := os.MkdirTemp("", "coder-bench-")
	if err != nil {
		return nil, err
	}
	if cfg.keep {
		cfg.logf("keeping the temporary folder %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	if cfg.coder == "" {
		cfg.logf("building the coder binary")
		if err := buildCoder(ctx, cfg, tmp); err != nil {
			return nil, err
		}
	}

	res.tools = strings.Join([]string{toolVersion(ctx, cfg.coder, "version"),
		toolVersion(ctx, cfg.terraform, "version"), toolVersion(ctx, cfg.pgbench, "--version")}, ", ")

	var srvBuilds *coderServer // the server of the build figures
	res.buildsOn = "SQLite"
	if cfg.buildsOnly {
		if srvBuilds, err = buildServer(ctx, cfg, tmp, res); err != nil {
			return nil, err
		}
		defer srvBuilds.stop()
		defer killAgents(filepath.Join(srvBuilds.dataDir, "workspaces"))
		defer killAgents(filepath.Join(tmp, "bare-workspaces"))
		cfg.logf("%s: %d secrets", srvBuilds.name, cfg.secrets)
		if _, err = seedSecrets(ctx, srvBuilds, cfg.secrets); err != nil {
			return nil, err
		}
		if _, err := srvBuilds.coder(ctx, cfg, "templates", "push", "local", "-d", cfg.localTemplate, "-y"); err != nil {
			return nil, err
		}
		res.loadAt = loadAvg()
	} else if srvBuilds, err = measureLoads(ctx, cfg, res, tmp); err != nil {
		return nil, err
	} else {
		defer srvBuilds.stop()
		defer killAgents(filepath.Join(srvBuilds.dataDir, "workspaces"))
		defer killAgents(filepath.Join(tmp, "bare-workspaces"))
	}

	for i := range cfg.runs {
		if cfg.loadsOnly {
			break
		}
		if err := buildRun(ctx, cfg, res, srvBuilds, tmp, i); err != nil {
			return nil, err
		}
	}
	res.ended = time.Now().UTC()
	res.loadAfter = loadAvg()
	return res, nil
}

// buildServer starts the server of -only builds: on SQLite, or with
// -builds-on postgres on a new database of a PostgreSQL cluster (both
// torn down when the server stops).
func buildServer(ctx context.Context, cfg *config, tmp string, res *results) (*coderServer, error) {
	if !cfg.buildsOnPG {
		cfg.logf("starting a coder server on SQLite")
		return startCoderServer(ctx, cfg, tmp, "sqlite", "")
	}
	res.buildsOn = "PostgreSQL"
	cfg.logf("starting PostgreSQL and a coder server on it")
	pg, err := startPostgres(ctx, cfg.root)
	if err != nil {
		return nil, err
	}
	db := "bench_builds_" + randomHex(4)
	url, err := pg.newDatabase(ctx, db)
	if err != nil {
		pg.stopFn()
		return nil, err
	}
	srv, err := startCoderServer(ctx, cfg, tmp, "pg", url)
	if err != nil {
		pg.dropDatabase(context.Background(), db)
		pg.stopFn()
		return nil, err
	}
	srv.afterStop = func() {
		pg.dropDatabase(context.Background(), db)
		pg.stopFn()
	}
	return srv, nil
}

// measureLoads runs the HTTP loads and their limits (PostgreSQL, pgbench,
// the hello server) and returns the server of the build figures, left
// running: the SQLite one, or with -builds-on postgres the PostgreSQL one
// (whose stop then drops its database and stops the cluster). The other
// is stopped.
func measureLoads(ctx context.Context, cfg *config, res *results, tmp string) (_ *coderServer, err error) {
	cfg.logf("starting PostgreSQL")
	pg, err := startPostgres(ctx, cfg.root)
	if err != nil {
		return nil, err
	}
	// Set once the PostgreSQL server is handed over for the builds: its
	// stop tears the cluster down then.
	handedOver := false
	defer func() {
		if !handedOver {
			pg.stopFn()
		}
	}()
	suffix := randomHex(4)
	pgbenchDB, coderDB := "bench_pgbench_"+suffix, "bench_coder_"+suffix
	pgbenchURL, err := pg.newDatabase(ctx, pgbenchDB)
	if err != nil {
		return nil, err
	}
	defer pg.dropDatabase(context.Background(), pgbenchDB)
	coderURL, err := pg.newDatabase(ctx, coderDB)
	if err != nil {
		return nil, err
	}
	defer func() {
		if !handedOver {
			pg.dropDatabase(context.Background(), coderDB)
		}
	}()
	pgInit, err := pgbenchCmd(ctx, cfg, pgbenchURL, "-i", "-q", "-s", "1")
	if err != nil {
		return nil, err
	}
	if out, err := pgInit.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgbench -i: %w\n%s", err, tailString(string(out), 2000))
	}

	cfg.logf("starting a coder server on PostgreSQL and one on SQLite")
	srvPG, err := startCoderServer(ctx, cfg, tmp, "pg", coderURL)
	if err != nil {
		return nil, err
	}
	srvLite, err := startCoderServer(ctx, cfg, tmp, "sqlite", "")
	if err != nil {
		srvPG.stop()
		return nil, err
	}
	// The caller stops the server of the build figures; this stops the
	// other, and both after a failure.
	builds, other := srvLite, srvPG
	if cfg.buildsOnPG {
		builds, other = srvPG, srvLite
	}
	defer func() {
		other.stop()
		if err != nil {
			builds.stop()
		}
	}()

	tokenDir := filepath.Join(tmp, "tokens")
	if err := os.MkdirAll(tokenDir, 0o700); err != nil {
		return nil, err
	}
	var names []string
	var tokens = map[string]string{}
	for _, s := range []*coderServer{srvPG, srvLite} {
		cfg.logf("%s: %d secrets, the token template, a workspace for the manifest", s.name, cfg.secrets)
		if names, err = seedSecrets(ctx, s, cfg.secrets); err != nil {
			return nil, err
		}
		if tokens[s.name], err = manifestWorkspace(ctx, cfg, s, tmp, tokenDir); err != nil {
			return nil, err
		}
	}
	if !cfg.loadsOnly {
		if _, err := builds.coder(ctx, cfg, "templates", "push", "local", "-d", cfg.localTemplate, "-y"); err != nil {
			return nil, err
		}
	}

	// The limit of the manifest loads answers a body of the manifest's size.
	size, err := bodySize(ctx, srvPG.url+sdk.AgentManifestPath, tokens["pg"])
	if err != nil {
		return nil, fmt.Errorf("fetch the manifest: %w", err)
	}
	res.manifestBytes = size
	hello, err := startHello(size)
	if err != nil {
		return nil, err
	}
	defer hello.stop()

	auth := func(token string) http.Header { return http.Header{sdk.SessionTokenHeader: {token}} }
	getURL := srvPG.url + "/api/v2/users/me/secrets/" + names[len(names)/2]
	listURL := srvPG.url + "/api/v2/users/me/secrets"
	for i := range cfg.runs {
		cfg.logf("run %d/%d: pgbench -S, secret GET and list (%d clients)", i+1, cfg.runs, cfg.clients)
		tps, err := runPgbench(ctx, cfg, pgbenchURL, cfg.clients, cfg.pgbenchSecs)
		if err != nil {
			return nil, err
		}
		res.pgbench = append(res.pgbench, tps)
		small := loadSpec{header: auth(srvPG.client.SessionToken), conns: cfg.clients, warmup: cfg.warmup, dur: cfg.duration, timeout: cfg.timeout}
		small.url = getURL
		res.getOne = append(res.getOne, runLoad(ctx, small))
		small.url = listURL
		res.list = append(res.list, runLoad(ctx, small))

		cfg.logf("run %d/%d: hello server and manifests (%d connections)", i+1, cfg.runs, cfg.conns)
		big := loadSpec{conns: cfg.conns, warmup: cfg.warmup, dur: cfg.duration, timeout: cfg.timeout}
		big.url = hello.url
		res.hello = append(res.hello, runLoad(ctx, big))
		big.url, big.header = srvPG.url+sdk.AgentManifestPath, auth(tokens["pg"])
		res.manifestPG = append(res.manifestPG, runLoad(ctx, big))
		big.url, big.header = srvLite.url+sdk.AgentManifestPath, auth(tokens["sqlite"])
		stopSampling := sampleMax(srvLite.cmd.Process.Pid, "coder.db", &res.liteDBFiles)
		res.manifestLite = append(res.manifestLite, runLoad(ctx, big))
		stopSampling()
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	st, err := procStatusKB(srvLite.cmd.Process.Pid, "VmHWM", "VmRSS")
	if err != nil {
		return nil, err
	}
	res.liteHWM, res.liteRSS = st["VmHWM"], st["VmRSS"]
	hst, err := procStatusKB(hello.cmd.Process.Pid, "VmHWM")
	if err != nil {
		return nil, err
	}
	res.helloHWM = hst["VmHWM"]
	res.loadAt = loadAvg()
	if cfg.buildsOnPG {
		res.buildsOn = "PostgreSQL"
		handedOver = true
		srvPG.afterStop = func() {
			pg.dropDatabase(context.Background(), coderDB)
			pg.stopFn()
		}
	}
	return builds, nil
}

// seedSecrets gives the server's user n secrets with an environment
// target each (48-byte random values) and returns their names.
func seedSecrets(ctx context.Context, s *coderServer, n int) ([]string, error) {
	var names []string
	for i := range n {
		name := fmt.Sprintf("bench-secret-%02d", i)
		_, err := s.client.CreateSecret(ctx, sdk.Me, sdk.CreateSecretRequest{
			Name:    name,
			Value:   sdk.SecretValue(randomHex(24)),
			EnvName: fmt.Sprintf("BENCH_SECRET_%02d", i),
		})
		if err != nil {
			return nil, fmt.Errorf("%s: create secret %s: %w", s.name, name, err)
		}
		names = append(names, name)
	}
	return names, nil
}

// tokenTemplate has an agent and no compute: a local-exec writes the
// agent's token to a file (mode 0600) of the harness's temporary folder,
// so the harness can fetch the manifest as the agent would.
const tokenTemplate = `terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
  }
}

data "coder_workspace" "me" {}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
}

resource "terraform_data" "token" {
  count = data.coder_workspace.me.start_count
  input = coder_agent.main.id

  provisioner "local-exec" {
    command = "umask 077 && printf '%%s' \"$TOKEN\" > \"$OUT.tmp\" && mv \"$OUT.tmp\" \"$OUT\""
    environment = {
      TOKEN = coder_agent.main.token
      OUT   = "%s/${data.coder_workspace.me.name}"
    }
  }
}
`

// manifestWorkspace pushes the token template and creates a workspace from
// it; it returns the agent's token.
func manifestWorkspace(ctx context.Context, cfg *config, s *coderServer, tmp, tokenDir string) (string, error) {
	dir := filepath.Join(tmp, s.name+"-token-template")
	out := filepath.Join(tokenDir, s.name)
	if err := os.MkdirAll(out, 0o700); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), fmt.Appendf(nil, tokenTemplate, out), 0o600); err != nil {
		return "", err
	}
	if _, err := s.coder(ctx, cfg, "templates", "push", "token", "-d", dir, "-y"); err != nil {
		return "", err
	}
	if _, err := s.coder(ctx, cfg, "create", "mf", "-t", "token", "-y", "--wait-agent", "0"); err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(out, "mf"))
	if err != nil || len(b) == 0 {
		return "", fmt.Errorf("%s: the token template wrote no agent token", s.name)
	}
	return string(b), nil
}

// bodySize fetches url once and returns the answer's size.
func bodySize(ctx context.Context, rawURL, token string) (int, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0, err
	}
	c := &rawClient{addr: u.Host, req: rawRequest(u, http.Header{sdk.SessionTokenHeader: {token}}), timeout: 30 * time.Second}
	defer c.close()
	n, err := c.get(time.Now())
	if err != nil {
		return 0, err
	}
	if n < 2 {
		return 0, errors.New("empty answer")
	}
	return n, nil
}

// sampleMax samples, every 100 ms until stopped, how many files of pid
// match substr, and keeps the most in *most.
func sampleMax(pid int, substr string, most *int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if n := openFilesMatching(pid, substr); n > *most {
				*most = n
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// buildRun measures the build figures once, on the SQLite server with the
// local example template, and removes what it created.
func buildRun(ctx context.Context, cfg *config, res *results, s *coderServer, tmp string, i int) error {
	cfg.logf("run %d/%d: bare terraform init+apply, stop+start", i+1, cfg.runs)
	bare, err := newBareFolder(cfg, tmp, fmt.Sprintf("b%d", i), s)
	if err != nil {
		return err
	}
	d, err := bare.initApply(ctx, cfg)
	if err != nil {
		return err
	}
	res.bare = append(res.bare, d)
	if d, err = bare.stopStart(ctx, cfg); err != nil {
		return err
	}
	res.bareRestart = append(res.bareRestart, d)
	if err := bare.destroy(ctx, cfg); err != nil {
		return err
	}

	cfg.logf("run %d/%d: coder create (build done), coder ssh, coder create (agent ready), coder restart", i+1, cfg.runs)
	a, b := fmt.Sprintf("a%d", i), fmt.Sprintf("r%d", i)
	if d, err = s.coder(ctx, cfg, "create", a, "-t", "local", "-y", "--wait-agent", "0"); err != nil {
		return err
	}
	res.build = append(res.build, d)
	if d, err = s.coder(ctx, cfg, "ssh", a, "--", "true"); err != nil {
		return err
	}
	res.sshFirst = append(res.sshFirst, d)
	if d, err = s.coder(ctx, cfg, "ssh", a, "--", "true"); err != nil {
		return err
	}
	res.sshReady = append(res.sshReady, d)
	if d, err = s.coder(ctx, cfg, "create", b, "-t", "local", "-y"); err != nil {
		return err
	}
	res.agent = append(res.agent, d)
	if d, err = s.coder(ctx, cfg, "restart", b, "-y"); err != nil {
		return err
	}
	res.restart = append(res.restart, d)
	if err := parallel(2, func(k int) error {
		_, err := s.coder(ctx, cfg, "delete", []string{a, b}[k], "-y")
		return err
	}); err != nil {
		return err
	}

	cfg.logf("run %d/%d: %d concurrent coder create, %d bare init+apply in parallel", i+1, cfg.runs, cfg.creates, cfg.creates)
	ws := make([]string, cfg.creates)
	for k := range ws {
		ws[k] = fmt.Sprintf("c%d-%d", i, k)
	}
	begin := time.Now()
	if err := parallel(cfg.creates, func(k int) error {
		_, err := s.coder(ctx, cfg, "create", ws[k], "-t", "local", "-y", "--wait-agent", "0")
		return err
	}); err != nil {
		return err
	}
	res.creates = append(res.creates, time.Since(begin))
	if err := parallel(cfg.creates, func(k int) error {
		_, err := s.coder(ctx, cfg, "delete", ws[k], "-y")
		return err
	}); err != nil {
		return err
	}
	folders := make([]*bareFolder, cfg.creates)
	for k := range folders {
		if folders[k], err = newBareFolder(cfg, tmp, fmt.Sprintf("p%d-%d", i, k), s); err != nil {
			return err
		}
	}
	begin = time.Now()
	if err := parallel(cfg.creates, func(k int) error {
		_, err := folders[k].initApply(ctx, cfg)
		return err
	}); err != nil {
		return err
	}
	res.bareCreates = append(res.bareCreates, time.Since(begin))
	return parallel(cfg.creates, func(k int) error { return folders[k].destroy(ctx, cfg) })
}

// parallel runs fn(0..n-1) at once and returns the first error.
func parallel(n int, fn func(int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for k := range n {
		wg.Add(1)
		go func() { defer wg.Done(); errs[k] = fn(k) }()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// ---- the report ----

func median[T int | float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func ratios[T float64 | time.Duration](a, b []T) []float64 {
	out := make([]float64, 0, len(a))
	for i := range min(len(a), len(b)) {
		if b[i] != 0 {
			out = append(out, float64(a[i])/float64(b[i]))
		}
	}
	return out
}

func field(rs []loadResult, f func(loadResult) float64) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = f(r)
	}
	return out
}

func rps(r loadResult) float64 { return r.rps }

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func loadCell(rs []loadResult) string {
	timeouts, errs := 0, 0
	var p99 []time.Duration
	for _, r := range rs {
		timeouts += r.timeouts
		errs += r.errors
		p99 = append(p99, r.p99)
	}
	return fmt.Sprintf("%.0f req/s, p99 %s, %d timeouts, %d errors", median(field(rs, rps)), ms(median(p99)), timeouts, errs)
}

func runsOf[T any](xs []T, f func(T) string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = f(x)
	}
	return strings.Join(parts, " / ")
}

// report is the Markdown table, then each run's numbers.
func (r *results) report(cfg *config) string {
	var b strings.Builder
	mode := ""
	if cfg.smoke {
		mode = " (smoke: tiny figures, not comparable)"
	}
	fmt.Fprintf(&b, "Measured %s to %s%s on %s.\n", r.started.Format("2006-01-02 15:04"), r.ended.Format("15:04 MST"), mode, machine())
	fmt.Fprintf(&b, "Tools: %s.\n", r.tools)
	if cfg.buildsOnly {
		fmt.Fprintf(&b, "Load average (1, 5, 15 min): %s at the start, %s at the end.\n", r.loadBefore, r.loadAfter)
	} else {
		fmt.Fprintf(&b, "Load average (1, 5, 15 min): %s at the start, %s after the loads, %s at the end.\n", r.loadBefore, r.loadAt, r.loadAfter)
	}
	if !cfg.loadsOnly {
		fmt.Fprintf(&b, "Build figures on the %s server.\n", r.buildsOn)
	}
	if cfg.buildsOnly {
		fmt.Fprintf(&b, "Median of %d runs.\n\n", cfg.runs)
	} else {
		fmt.Fprintf(&b, "Median of %d runs; loads of %s after %s of warm-up, request timeout %s; manifest body %d bytes.\n\n",
			cfg.runs, cfg.duration, cfg.warmup, cfg.timeout, r.manifestBytes)
	}
	b.WriteString("| figure | measured | limit in the same run | ratio | target |\n|---|---|---|---|---|\n")
	row := func(name, measured, limit string, ratio float64, target string) {
		fmt.Fprintf(&b, "| %s | %s | %s | %.2f | %s |\n", name, measured, limit, ratio, target)
	}
	if !cfg.buildsOnly {
		pgb := fmt.Sprintf("`pgbench -S`, %d clients: %.0f tps", cfg.clients, median(r.pgbench))
		row(fmt.Sprintf("GET one secret over HTTP, PostgreSQL, %d clients", cfg.clients), loadCell(r.getOne), pgb,
			median(ratios(field(r.getOne, rps), r.pgbench)), "≥ 0.35")
		row(fmt.Sprintf("list of %d", cfg.secrets), loadCell(r.list), "same", median(ratios(field(r.list, rps), r.pgbench)), "≥ 0.15")
		hello := "Go net/http hello, same body: " + loadCell(r.hello)
		row(fmt.Sprintf("agent manifest fetch, %d secrets, %d connections, PostgreSQL", cfg.secrets, cfg.conns), loadCell(r.manifestPG), hello,
			median(ratios(field(r.manifestPG, rps), field(r.hello, rps))), "≥ 5,000 req/s and p99 ≤ 200 ms (≥ 0.15)")
		row("the same on SQLite", fmt.Sprintf("%s, at most %d open database files", loadCell(r.manifestLite), r.liteDBFiles), "same",
			median(ratios(field(r.manifestLite, rps), field(r.hello, rps))), "no timeouts, p99 ≤ 400 ms")
	}
	if !cfg.loadsOnly {
		bare := "bare `terraform init && apply`: " + secs(median(r.bare))
		row("`coder create` until the build is done, local template", secs(median(r.build)), bare, median(ratios(r.build, r.bare)), "≤ 1.3")
		row("create until the agent is ready", secs(median(r.agent)), "same", median(ratios(r.agent, r.bare)), "≤ 1.5")
		row("build done → `coder ssh WS -- true` works", secs(median(r.sshFirst)), "ssh to a ready agent: "+secs(median(r.sshReady)),
			median(ratios(r.sshFirst, r.sshReady)), "≤ 2")
		row("`coder restart`", secs(median(r.restart)), "bare stop + start (two applies): "+secs(median(r.bareRestart)),
			median(ratios(r.restart, r.bareRestart)), "≤ 1.3")
		row(fmt.Sprintf("%d concurrent creates (until the builds are done)", cfg.creates), secs(median(r.creates)),
			fmt.Sprintf("%d bare init+apply in parallel: %s", cfg.creates, secs(median(r.bareCreates))),
			median(ratios(r.creates, r.bareCreates)), "≤ 1.2")
	}
	if !cfg.buildsOnly {
		mib := func(kb int) string { return fmt.Sprintf("%.0f MiB", float64(kb)/1024) }
		row(fmt.Sprintf("server RSS after the %d-connection load (SQLite)", cfg.conns), "VmHWM "+mib(r.liteHWM)+", VmRSS "+mib(r.liteRSS),
			"hello server's VmHWM: "+mib(r.helloHWM), float64(r.liteHWM)/float64(max(1, r.helloHWM)), "≤ 100 MiB")
	}
	b.WriteString("\nEach run (measured, then limit):\n\n")
	lr := func(x loadResult) string { return fmt.Sprintf("%.0f req/s p99 %s", x.rps, ms(x.p99)) }
	tps := func(x float64) string { return fmt.Sprintf("%.0f tps", x) }
	if !cfg.buildsOnly {
		fmt.Fprintf(&b, "- GET one: %s; pgbench -S: %s\n", runsOf(r.getOne, lr), runsOf(r.pgbench, tps))
		fmt.Fprintf(&b, "- list: %s\n", runsOf(r.list, lr))
		fmt.Fprintf(&b, "- manifest PostgreSQL: %s; SQLite: %s; hello: %s\n", runsOf(r.manifestPG, lr), runsOf(r.manifestLite, lr), runsOf(r.hello, lr))
	}
	if !cfg.loadsOnly {
		fmt.Fprintf(&b, "- create until built: %s; until the agent is ready: %s; bare init+apply: %s\n", runsOf(r.build, secs), runsOf(r.agent, secs), runsOf(r.bare, secs))
		fmt.Fprintf(&b, "- first ssh: %s; ssh to a ready agent: %s\n", runsOf(r.sshFirst, secs), runsOf(r.sshReady, secs))
		fmt.Fprintf(&b, "- restart: %s; bare stop + start: %s\n", runsOf(r.restart, secs), runsOf(r.bareRestart, secs))
		fmt.Fprintf(&b, "- concurrent creates: %s; bare in parallel: %s\n", runsOf(r.creates, secs), runsOf(r.bareCreates, secs))
	}
	return b.String()
}
