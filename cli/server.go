package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server"
	"github.com/usersecrets/coder/server/dirlock"
	"github.com/usersecrets/coder/server/secretcrypt"
	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/cryptstore"
	"github.com/usersecrets/coder/server/store/pgstore"
	"github.com/usersecrets/coder/server/store/sqlitestore"
)

// serverOptions are what `coder server` was given, from its flags and
// their environment variables.
type serverOptions struct {
	streams
	httpAddress      string
	accessURL        string
	dataDir          string
	postgresURL      string
	terraformPath    string
	agentBinariesDir string
	// configFile is --config: the YAML file of settings (serverconfig.go).
	configFile        string
	encryptionKeys    string
	encryptionKeyFile string
	// disableFileDelivery is --disable-user-secret-file-delivery.
	disableFileDelivery bool
	relayURL            string
	tlsAddress          string
	tlsCertFiles        []string
	tlsKeyFiles         []string
	tlsMinVersion       string
	prometheusAddress   string
	pprofAddress        string
	verbose             bool
	logJSON             bool
	limits              sdk.Limits
	// provisionerWorkers is how many builds this process runs at once.
	provisionerWorkers int
	// proxyTrustedHeaders and proxyTrustedOrigins are
	// --proxy-trusted-headers and --proxy-trusted-origins (proxytrust.go).
	proxyTrustedHeaders []string
	proxyTrustedOrigins []string
	// global holds --tls-ca-file: the CA that local workspaces' agents
	// trust for this server's certificate.
	global *globalOptions
	// envErr is the first environment variable that did not parse; the
	// command refuses to start with it rather than use a default.
	envErr error
}

// envDefault returns the environment variable's value, or def.
func envDefault(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// envInt returns the environment variable as an int, or def.
func (o *serverOptions) envInt(name string, def int) int {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil && o.envErr == nil {
		o.envErr = fmt.Errorf("$%s=%q is not a whole number", name, v)
	}
	if err != nil {
		return def
	}
	return n
}

// envBool returns the environment variable as a bool (true/false, 1/0), or
// def.
func (o *serverOptions) envBool(name string, def bool) bool {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		if o.envErr == nil {
			o.envErr = fmt.Errorf("$%s=%q is not true or false", name, v)
		}
		return def
	}
	return b
}

// maxProvisionerWorkers bounds --provisioner-workers: each worker may run a
// Terraform process with its providers.
const maxProvisionerWorkers = 256

// defaultProvisionerWorkers is --provisioner-workers' default: 8 per CPU.
// A build mostly waits (Terraform starting its provider plugins, the
// template's own commands), so 10 creates at once on 2 cores finish
// sooner with 16 workers than with 8 (which leaves 2 queued until the
// first ones end).
func defaultProvisionerWorkers() int { return 8 * runtime.NumCPU() }

// agentBinariesDir is --agent-binaries-dir, or agents/ beside this binary
// (bin/agents/ for bin/coder: where make build cross-compiles them).
func agentBinariesDir(flag string) string {
	if flag != "" {
		return flag
	}
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	return filepath.Join(filepath.Dir(exe), "agents")
}

func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "coderv2")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "coderv2")
	}
	return ".coderv2"
}

func newCmdServer(g *globalOptions, runF func(context.Context, *serverOptions) error) *cobra.Command {
	o := &serverOptions{limits: sdk.DefaultLimits, global: g}
	cmd := &cobra.Command{
		Use:   "server",
		Short: "Run the server: the REST API, the secret store and the provisioner",
		Long: `Run the server.

With no database flag it keeps everything in an embedded SQLite file in
--data-dir, and seals secret values with a key file it generates there
(secrets.key, mode 0600). In production pass --postgres-url (or
$CODER_PG_CONNECTION_URL) and the encryption keys with --encryption-keys (or
$CODER_ENCRYPTION_KEYS): base64 AES-256 keys separated by commas, the first
one sealing new values. Add a new key in front to rotate: at start the server
re-encrypts every value sealed by an older key.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.streams = streamsOf(cmd)
			return runF(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.httpAddress, "http-address", envDefault("CODER_HTTP_ADDRESS", "127.0.0.1:3000"), "Address the HTTP API listens on ($CODER_HTTP_ADDRESS)")
	f.StringVar(&o.accessURL, "access-url", envDefault("CODER_ACCESS_URL", ""), "URL workspaces and clients reach the server at (default http://<http-address>) ($CODER_ACCESS_URL)")
	f.StringVar(&o.dataDir, "data-dir", envDefault("CODER_DATA_DIR", defaultDataDir()), "Folder of the embedded database, the key file and workspace data; a relative path is taken from the current folder ($CODER_DATA_DIR)")
	f.StringVar(&o.postgresURL, "postgres-url", "", "PostgreSQL connection URL; default: the embedded SQLite store ($CODER_PG_CONNECTION_URL)")
	f.StringVar(&o.terraformPath, "terraform-path", envDefault("CODER_TERRAFORM_PATH", ""), "Terraform (or OpenTofu) binary; default: terraform on PATH ($CODER_TERRAFORM_PATH)")
	f.StringVar(&o.agentBinariesDir, "agent-binaries-dir", envDefault("CODER_AGENT_BINARIES_DIR", ""), "Folder of agent binaries for other platforms, coder-<os>-<arch>[.exe], served at /bin/ with checksums (default: agents/ beside this binary, where make build puts them) ($CODER_AGENT_BINARIES_DIR)")
	f.StringVar(&o.encryptionKeys, "encryption-keys", "", "Base64 AES-256 keys, comma separated, primary first ($CODER_ENCRYPTION_KEYS or Coder's $CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS)")
	f.StringVar(&o.encryptionKeyFile, "encryption-key-file", envDefault("CODER_ENCRYPTION_KEY_FILE", ""), "File of encryption keys, one per line, primary first (default <data-dir>/secrets.key when no keys are given) ($CODER_ENCRYPTION_KEY_FILE)")
	f.IntVar(&o.limits.MaxSecrets, "max-secrets-per-user", o.envInt("CODER_MAX_SECRETS_PER_USER", o.limits.MaxSecrets), "How many secrets one user may hold ($CODER_MAX_SECRETS_PER_USER)")
	f.IntVar(&o.limits.MaxTotalValueBytes, "max-secret-bytes-per-user", o.envInt("CODER_MAX_SECRET_BYTES_PER_USER", o.limits.MaxTotalValueBytes), "Total size of one user's secret values, in bytes ($CODER_MAX_SECRET_BYTES_PER_USER)")
	f.IntVar(&o.limits.MaxEnvValueBytes, "max-env-secret-bytes-per-user", o.envInt("CODER_MAX_ENV_SECRET_BYTES_PER_USER", o.limits.MaxEnvValueBytes), "Total size of one user's secret values that have an environment variable target, in bytes ($CODER_MAX_ENV_SECRET_BYTES_PER_USER)")
	f.StringVar(&o.relayURL, "relay-url", envDefault("CODER_RELAY_URL", ""), "URL other server processes on the same PostgreSQL reach this one at, to relay sessions to agents connected here (default http://<http-address>; only with --postgres-url) ($CODER_RELAY_URL)")
	f.IntVar(&o.provisionerWorkers, "provisioner-workers", o.envInt("CODER_PROVISIONER_WORKERS", 0), "How many workspace builds this server process runs at once; default: 8 per CPU ($CODER_PROVISIONER_WORKERS)")
	f.StringVar(&o.tlsAddress, "tls-address", envDefault("CODER_TLS_ADDRESS", ""), "Address the HTTPS API listens on (default: off); with --http-address too, HTTP answers with a redirect to HTTPS ($CODER_TLS_ADDRESS)")
	f.StringSliceVar(&o.tlsCertFiles, "tls-cert-file", envList("CODER_TLS_CERT_FILE"), "PEM certificate (chain) for --tls-address; repeat for several, each with its --tls-key-file in the same order ($CODER_TLS_CERT_FILE, comma separated)")
	f.StringSliceVar(&o.tlsKeyFiles, "tls-key-file", envList("CODER_TLS_KEY_FILE"), "PEM private key of the --tls-cert-file of the same position ($CODER_TLS_KEY_FILE, comma separated)")
	f.StringVar(&o.tlsMinVersion, "tls-min-version", envDefault("CODER_TLS_MIN_VERSION", "1.2"), "Oldest TLS version accepted: 1.2 or 1.3 ($CODER_TLS_MIN_VERSION)")
	f.StringVar(&o.prometheusAddress, "prometheus-address", envDefault("CODER_PROMETHEUS_ADDRESS", ""), "Address to serve Prometheus metrics on, at /metrics (default: off) ($CODER_PROMETHEUS_ADDRESS)")
	f.StringVar(&o.pprofAddress, "pprof-address", envDefault("CODER_PPROF_ADDRESS", ""), "Loopback address to serve Go's pprof profiles on, at /debug/pprof/ (default: off) ($CODER_PPROF_ADDRESS)")
	f.BoolVarP(&o.verbose, "verbose", "v", o.envBool("CODER_VERBOSE", false), "Log every request (debug level) ($CODER_VERBOSE)")
	f.BoolVar(&o.logJSON, "log-json", o.envBool("CODER_LOG_JSON", false), "Write logs as JSON ($CODER_LOG_JSON)")
	f.BoolVar(&o.disableFileDelivery, "disable-user-secret-file-delivery", o.envBool("CODER_DISABLE_USER_SECRET_FILE_DELIVERY", false), "Never write secrets to files in workspaces: file targets are refused, secrets with both targets get the environment variable only, file-only ones are not delivered ($CODER_DISABLE_USER_SECRET_FILE_DELIVERY)")
	f.StringSliceVar(&o.proxyTrustedHeaders, "proxy-trusted-headers", envList("CODER_PROXY_TRUSTED_HEADERS"), "Headers that give a request's client address when it comes from a --proxy-trusted-origins proxy, first present wins: X-Forwarded-For, X-Real-IP, True-Client-IP, CF-Connecting-IP... (failed logins are throttled per client address) ($CODER_PROXY_TRUSTED_HEADERS, comma separated)")
	f.StringSliceVar(&o.proxyTrustedOrigins, "proxy-trusted-origins", envList("CODER_PROXY_TRUSTED_ORIGINS"), "Addresses or CIDR ranges of the reverse proxies whose --proxy-trusted-headers are believed; from any other peer they are ignored ($CODER_PROXY_TRUSTED_ORIGINS, comma separated)")
	f.StringVar(&o.configFile, "config", envDefault("CODER_CONFIG_FILE", ""), "YAML file of settings: each key a flag's name (http-address: 0.0.0.0:3000), a list for a repeatable flag; a flag or its environment variable outranks it ($CODER_CONFIG_FILE)")
	cmd.PreRunE = func(cmd *cobra.Command, _ []string) error {
		if o.envErr != nil {
			return o.envErr
		}
		if o.configFile != "" {
			return applyConfigFile(cmd, o.configFile)
		}
		return nil
	}
	return cmd
}

func (o *serverOptions) logger() *slog.Logger {
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	hopts := &slog.HandlerOptions{Level: level}
	if o.logJSON {
		return slog.New(slog.NewJSONHandler(o.errOut, hopts))
	}
	return slog.New(slog.NewTextHandler(o.errOut, hopts))
}

func runServer(ctx context.Context, o *serverOptions) error {
	err := o.serve(ctx)
	if err != nil && ctx.Err() != nil {
		// Ctrl-C while starting: what failed is only the interruption.
		fmt.Fprintln(o.errOut, "Stopped while starting.")
		return nil
	}
	return err
}

func (o *serverOptions) serve(ctx context.Context) error {
	logger := o.logger()
	startMemoryLimit(ctx, logger)
	if o.postgresURL == "" {
		o.postgresURL = os.Getenv("CODER_PG_CONNECTION_URL")
	}
	if o.encryptionKeys == "" {
		o.encryptionKeys = os.Getenv("CODER_ENCRYPTION_KEYS")
	}
	if o.encryptionKeys == "" {
		// Coder's name for the same setting.
		o.encryptionKeys = os.Getenv("CODER_EXTERNAL_TOKEN_ENCRYPTION_KEYS")
	}
	var tlsConfig *tls.Config
	if o.tlsAddress != "" {
		cfg, err := o.serverTLSConfig()
		if err != nil {
			return err
		}
		tlsConfig = cfg
	} else if len(o.tlsCertFiles)+len(o.tlsKeyFiles) > 0 {
		return errors.New("--tls-cert-file and --tls-key-file need --tls-address")
	}
	if o.httpAddress == "" && o.tlsAddress == "" {
		return errors.New("give --http-address, --tls-address or both")
	}
	if o.pprofAddress != "" {
		if err := checkLoopback("--pprof-address", o.pprofAddress, "pprof exposes the server's memory"); err != nil {
			return err
		}
	}
	if o.limits.MaxSecrets <= 0 || o.limits.MaxTotalValueBytes <= 0 || o.limits.MaxEnvValueBytes <= 0 {
		return errors.New("the per-user secret limits must be positive")
	}
	proxyTrust, err := parseProxyTrust(o.proxyTrustedHeaders, o.proxyTrustedOrigins)
	if err != nil {
		return err
	}
	if o.provisionerWorkers == 0 {
		o.provisionerWorkers = defaultProvisionerWorkers()
	}
	if o.provisionerWorkers < 1 || o.provisionerWorkers > maxProvisionerWorkers {
		return fmt.Errorf("--provisioner-workers must be between 1 and %d, not %d", maxProvisionerWorkers, o.provisionerWorkers)
	}
	// Every path the server hands to Terraform, a template or a child
	// process is absolute: they run in other folders.
	dataDir, err := filepath.Abs(o.dataDir)
	if err != nil {
		return fmt.Errorf("--data-dir %s: %w", o.dataDir, err)
	}
	o.dataDir = dataDir
	if o.encryptionKeyFile != "" {
		if o.encryptionKeyFile, err = filepath.Abs(o.encryptionKeyFile); err != nil {
			return fmt.Errorf("--encryption-key-file: %w", err)
		}
	}
	if err := os.MkdirAll(o.dataDir, 0o700); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	logger.Info("data folder", "path", o.dataDir)

	keys, keySource, err := o.loadKeys(logger)
	if err != nil {
		return err
	}

	var st store.Store
	database := ""
	if o.postgresURL != "" {
		database = "PostgreSQL"
		st, err = pgstore.Open(ctx, o.postgresURL)
		if err != nil {
			return fmt.Errorf("open PostgreSQL store: %w", err)
		}
		logger.Info("using PostgreSQL store")
	} else {
		// One process per embedded database: a second one would share
		// its workspaces' agents and build queue without knowing it.
		lockPath := filepath.Join(o.dataDir, "coder.db.lock")
		lock, err := dirlock.Acquire(lockPath)
		if errors.Is(err, dirlock.ErrLocked) {
			return fmt.Errorf("another coder server (pid %d) is using the data folder %s: stop it, or give this one its own --data-dir (several servers can share one PostgreSQL database with --postgres-url)", dirlock.Holder(lockPath), o.dataDir)
		}
		if err != nil {
			return err
		}
		defer lock.Unlock()
		path := filepath.Join(o.dataDir, "coder.db")
		database = path
		st, err = sqlitestore.Open(ctx, path)
		if err != nil {
			return fmt.Errorf("open embedded store: %w", err)
		}
		logger.Info("using embedded SQLite store", "path", path)
	}
	defer st.Close()
	if m, ok := st.(interface{ AppliedMigrations() []string }); ok {
		if names := m.AppliedMigrations(); len(names) > 0 {
			logger.Info("applied database migrations", "count", len(names), "migrations", strings.Join(names, ","))
		} else {
			logger.Info("database schema is up to date")
		}
	}

	var ln, tlsLn net.Listener
	if o.httpAddress != "" {
		ln, err = net.Listen("tcp", o.httpAddress)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", o.httpAddress, err)
		}
		defer ln.Close()
	}
	if o.tlsAddress != "" {
		tlsLn, err = net.Listen("tcp", o.tlsAddress)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", o.tlsAddress, err)
		}
		defer tlsLn.Close()
	}
	// The server's own URL: HTTPS when it listens on TLS.
	ownURL := ""
	if tlsLn != nil {
		ownURL = tlsListenURL(tlsLn.Addr())
	} else {
		ownURL = listenURL(ln.Addr())
	}
	access, err := o.resolveAccessURL(ownURL)
	if err != nil {
		return err
	}

	tfPath, err := o.findTerraform()
	if err != nil {
		return err
	}
	if tfPath == "" {
		logger.Warn("no terraform found: workspace builds are disabled. Install terraform on PATH (make terraform builds 1.5.7) or pass --terraform-path")
	} else {
		logger.Info("using terraform", "path", tfPath)
	}
	workspacesDir := filepath.Join(o.dataDir, "workspaces")
	relayURL := ""
	if o.postgresURL != "" {
		relayURL = o.relayURL
		if relayURL == "" {
			relayURL = ownURL
		}
	}
	// Templates that keep workspaces on this machine (the local example)
	// declare these variables; others never see them.
	extraEnv := []string{"TF_VAR_coder_workspaces_dir=" + workspacesDir}
	if ca := o.caFile(); ca != "" {
		abs, err := filepath.Abs(ca)
		if err != nil {
			return fmt.Errorf("--tls-ca-file: %w", err)
		}
		if _, err := sdk.NewHTTPClient(abs); err != nil {
			return fmt.Errorf("--tls-ca-file: %w", err)
		}
		extraEnv = append(extraEnv, "TF_VAR_coder_tls_ca_file="+abs)
	}
	// Other server processes are dialed trusting --tls-ca-file too.
	relayClient, err := sdk.NewHTTPClient(o.caFile())
	if err != nil {
		return fmt.Errorf("--tls-ca-file: %w", err)
	}
	// Encryption at rest wraps the store: it checks that the keys open
	// what the database holds and re-seals what older keys sealed.
	cs, err := cryptstore.Open(ctx, st, cryptstore.Options{Keys: keys, Logger: logger})
	if err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	srv, err := server.New(ctx, server.Options{
		Store:     cs,
		RelayAuth: cs,
		Logger:    logger,
		AccessURL: access,
		Limits:    o.limits,
		Version:   Version,
		// Builds spend most of their time waiting on Terraform's
		// plugins and processes, so more run at once than there are CPUs.
		ProvisionerWorkers: o.provisionerWorkers,
		DataDir:            o.dataDir,
		Terraform:          tfPath,
		AgentBinariesDir:   agentBinariesDir(o.agentBinariesDir),
		SingleProcess:      o.postgresURL == "",
		RelayURL:           relayURL,
		RelayClient:        relayClient,
		BaseEnv:            os.Environ(),
		// This binary supervises its own builds (see cli.Main).
		SuperviseBuilds:   true,
		TerraformExtraEnv: extraEnv,

		DisableUserSecretFileDelivery: o.disableFileDelivery,
		ProxyTrust:                    proxyTrust,
	})
	if err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	if o.disableFileDelivery {
		fmt.Fprintln(o.out, "File delivery of secrets is disabled: secrets reach workspaces as environment variables only.")
	}
	runCtx, stopRun := context.WithCancel(ctx)
	defer func() { stopRun(); srv.Wait() }()
	if err := srv.Start(runCtx); err != nil {
		return fmt.Errorf("start provisioner: %w", err)
	}

	if o.prometheusAddress != "" {
		metricsMux := http.NewServeMux()
		metricsMux.Handle("GET /metrics", srv.MetricsHandler())
		ml, err := startSide(ctx, logger, "metrics", o.prometheusAddress, metricsMux)
		if err != nil {
			return err
		}
		defer ml.close()
		logger.Info("serving Prometheus metrics", "listen", ml.ln.Addr().String())
		fmt.Fprintf(o.out, "Prometheus metrics at http://%s/metrics\n", ml.ln.Addr())
	}
	if o.pprofAddress != "" {
		pl, err := startSide(ctx, logger, "pprof", o.pprofAddress, pprofHandler())
		if err != nil {
			return err
		}
		defer pl.close()
		if ta, ok := pl.ln.Addr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
			return fmt.Errorf("--pprof-address %s listens on %s, which is not a loopback address", o.pprofAddress, pl.ln.Addr())
		}
		logger.Info("serving pprof", "listen", pl.ln.Addr().String())
		fmt.Fprintf(o.out, "pprof at http://%s/debug/pprof/\n", pl.ln.Addr())
	}

	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    server.MaxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 2)
	var servers []*http.Server
	if tlsLn != nil {
		// The JSON error rewriting sees the plaintext, inside TLS. HTTP/2
		// is off: agents and SSH use websockets over HTTP/1.1 upgrades.
		tlsConfig.NextProtos = []string{"http/1.1"}
		ths := &http.Server{
			Handler:           srv,
			ReadHeaderTimeout: hs.ReadHeaderTimeout,
			MaxHeaderBytes:    hs.MaxHeaderBytes,
			BaseContext:       hs.BaseContext,
			ErrorLog:          hs.ErrorLog,
			TLSConfig:         tlsConfig,
			TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		}
		servers = append(servers, ths)
		go func() { errc <- ths.Serve(server.Listener(tls.NewListener(tlsLn, tlsConfig))) }()
		logger.Info("TLS listener started", "listen", tlsLn.Addr().String(), "min_version", o.tlsMinVersion, "certificates", len(tlsConfig.Certificates))
		fmt.Fprintf(o.out, "Started TLS listener at %s\n", tlsListenURL(tlsLn.Addr()))
	}
	if ln != nil {
		if tlsLn != nil {
			// Both listen: HTTP only sends clients to HTTPS.
			target := access
			if target.Scheme != "https" {
				target, _ = url.Parse(tlsListenURL(tlsLn.Addr()))
			}
			hs.Handler = httpsRedirect(target)
		}
		servers = append(servers, hs)
		go func() { errc <- hs.Serve(server.Listener(ln)) }()
		fmt.Fprintf(o.out, "Started HTTP listener at http://%s\n", ln.Addr())
	}
	logger.Info("server started", "access_url", access.String(), "version", Version)
	fmt.Fprintf(o.out, "Access URL:      %s\n"+
		"Database:        %s\n"+
		"Encryption keys: %s\n"+
		"Workspaces:      %s\n"+
		"Dashboard:       %s (in a browser)\n"+
		"Stop with Ctrl-C. Next, in another terminal: coder login %s\n",
		access, database, keySource, workspacesDir, access.JoinPath("/"), access)

	select {
	case err := <-errc:
		return fmt.Errorf("serve HTTP: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for _, h := range servers {
		if err := h.Shutdown(shutdownCtx); err != nil {
			logger.Warn("HTTP shutdown", "error", err)
		}
	}
	logger.Info("stopped")
	return nil
}

// findTerraform returns --terraform-path, or terraform on PATH, or "" when
// there is none.
func (o *serverOptions) findTerraform() (string, error) {
	if o.terraformPath != "" {
		p, err := exec.LookPath(o.terraformPath)
		if err != nil {
			return "", fmt.Errorf("--terraform-path %s: %w", o.terraformPath, err)
		}
		return filepath.Abs(p)
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		return "", nil
	}
	return filepath.Abs(p)
}

// loadKeys returns the configured keys, primary first, and where they came
// from (for the start message; never the keys). Only the encrypted store
// (cryptstore) holds them once the server runs.
func (o *serverOptions) loadKeys(logger *slog.Logger) ([][]byte, string, error) {
	var raw [][]byte
	var err error
	source := "given with --encryption-keys or its variable"
	switch {
	case o.encryptionKeys != "":
		raw, err = secretcrypt.ParseKeys(o.encryptionKeys)
		if err != nil {
			return nil, "", fmt.Errorf("--encryption-keys: %w", err)
		}
	default:
		path := o.encryptionKeyFile
		if path == "" {
			path = filepath.Join(o.dataDir, "secrets.key")
		}
		source = path
		var created bool
		raw, created, err = secretcrypt.LoadOrCreateKeyFile(path)
		if err != nil {
			return nil, "", err
		}
		if created {
			logger.Warn("generated a new encryption key file; back it up: without it the stored secrets cannot be read", "path", path)
		}
	}
	ids := map[string]bool{}
	for _, k := range raw {
		ids[secretcrypt.KeyID(k)] = true
	}
	logger.Info("encryption keys loaded", "primary_key_id", secretcrypt.KeyID(raw[0]), "keys", len(ids))
	return raw, source, nil
}

// listenURL is the http URL of a listener (loopback for a wildcard address).
func listenURL(addr net.Addr) string {
	host := addr.String()
	if ta, ok := addr.(*net.TCPAddr); ok && ta.IP.IsUnspecified() {
		host = net.JoinHostPort("127.0.0.1", fmt.Sprint(ta.Port))
	}
	return "http://" + host
}

func (o *serverOptions) resolveAccessURL(own string) (*url.URL, error) {
	raw := o.accessURL
	if raw == "" {
		raw = own
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("--access-url %q is not an http(s) URL", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}
