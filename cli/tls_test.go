package cli_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/usersecrets/coder/cli/clitest"
	"github.com/usersecrets/coder/sdk"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	// File is the CA certificate in PEM.
	File string
	Pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "coder test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := &testCA{cert: cert, key: key, File: filepath.Join(t.TempDir(), "ca.pem"), Pool: x509.NewCertPool()}
	ca.Pool.AddCert(cert)
	writePEM(t, ca.File, "CERTIFICATE", der)
	return ca
}

// issue makes a server certificate for the names (IP addresses or DNS
// names) and returns its certificate and key files.
func (ca *testCA) issue(t *testing.T, serial int64, names ...string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", kder)
	return certFile, keyFile
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// tlsURL is the TLS listener's URL from the server's start message.
func tlsURL(t *testing.T, s *clitest.Server) string {
	t.Helper()
	m := regexp.MustCompile(`Started TLS listener at (https://\S+)`).FindStringSubmatch(s.Output.String())
	if m == nil {
		t.Fatalf("no TLS listener in the start message:\n%s", s.Output.String())
	}
	return m[1]
}

// TestServerTLS: with a CA and certificates made by the test, the server
// serves HTTPS; the CLI trusts it through $CODER_TLS_CA_FILE or
// --tls-ca-file and refuses it without; the HTTP listener redirects to
// HTTPS; several certificate pairs are chosen by SNI.
func TestServerTLS(t *testing.T) {
	ca := newTestCA(t)
	cert, key := ca.issue(t, 2, "127.0.0.1", "localhost")
	cert2, key2 := ca.issue(t, 3, "second.test")
	s := clitest.StartServer(t, "sqlite", "--tls-address", "127.0.0.1:0",
		"--tls-cert-file", cert, "--tls-key-file", key, "--tls-cert-file", cert2, "--tls-key-file", key2)
	base := tlsURL(t, s)
	// The start message goes on after the listeners answer: wait for it.
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(s.Output.String(), "Access URL:") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(s.Output.String(), "Access URL:      "+base) {
		t.Fatalf("the access URL is not the HTTPS one %s:\n%s", base, s.Output.String())
	}

	// A client without the CA refuses the certificate.
	if _, err := http.Get(base + "/healthz"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("GET without the CA: %v, want a certificate error", err)
	}
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool}}}
	res, err := trusting.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.TLS == nil || res.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("GET /healthz over TLS: %d %+v", res.StatusCode, res.TLS)
	}

	// HTTP answers with a redirect to the same path on HTTPS.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = noFollow.Get(s.URL + "/api/v2/buildinfo?x=1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusPermanentRedirect || res.Header.Get("Location") != base+"/api/v2/buildinfo?x=1" {
		t.Fatalf("GET over HTTP: %d Location %q, want 308 to %s/api/v2/buildinfo?x=1", res.StatusCode, res.Header.Get("Location"), base)
	}

	// SNI picks the second pair.
	conn, err := tls.Dial("tcp", strings.TrimPrefix(base, "https://"), &tls.Config{RootCAs: ca.Pool, ServerName: "second.test"})
	if err != nil {
		t.Fatalf("TLS with SNI second.test: %v", err)
	}
	if got := conn.ConnectionState().PeerCertificates[0].DNSNames; len(got) != 1 || got[0] != "second.test" {
		t.Fatalf("SNI second.test got the certificate for %v", got)
	}
	conn.Close()

	// The CLI: refused without the CA, working with it.
	u := clitest.NewUser(t)
	r := u.Sh(t, "", `coder login "$URL" --first-user-username admin --first-user-email admin@example.com --first-user-password admin-password-1`, []string{"URL=" + base}, nil)
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "certificate") {
		t.Fatalf("login without the CA: exit %d, stderr:\n%s\nwant a certificate error", r.ExitCode, r.Stderr)
	}
	u.MustSh(t, "", `coder login "$URL" --first-user-username admin --first-user-email admin@example.com --first-user-password admin-password-1`, []string{"URL=" + base, "CODER_TLS_CA_FILE=" + ca.File}, nil)
	u.MustSh(t, "", `echo -n tls-value | coder secret create over-tls --env OVER_TLS --tls-ca-file "$CA"`, []string{"CA=" + ca.File}, nil)
	out := u.MustSh(t, "", `coder secret list`, []string{"CODER_TLS_CA_FILE=" + ca.File}, nil).Stdout
	if !strings.Contains(out, "over-tls") {
		t.Fatalf("secret list over TLS:\n%s", out)
	}
	if r := u.Sh(t, "", `coder secret list`, nil, nil); r.ExitCode == 0 || !strings.Contains(r.Stderr, "certificate") {
		t.Fatalf("secret list without the CA: exit %d, stderr:\n%s", r.ExitCode, r.Stderr)
	}
}

// TestServerTLSMinVersion: --tls-min-version 1.3 refuses a TLS 1.2 client.
func TestServerTLSMinVersion(t *testing.T) {
	ca := newTestCA(t)
	cert, key := ca.issue(t, 2, "127.0.0.1")
	s := clitest.StartServer(t, "sqlite", "--tls-address", "127.0.0.1:0", "--tls-cert-file", cert, "--tls-key-file", key, "--tls-min-version", "1.3")
	addr := strings.TrimPrefix(tlsURL(t, s), "https://")
	if c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: ca.Pool, MaxVersion: tls.VersionTLS12}); err == nil {
		c.Close()
		t.Fatal("a TLS 1.2 client was accepted with --tls-min-version 1.3")
	}
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: ca.Pool})
	if err != nil {
		t.Fatal(err)
	}
	if v := c.ConnectionState().Version; v != tls.VersionTLS13 {
		t.Fatalf("negotiated %x, want TLS 1.3", v)
	}
	c.Close()
}

// TestServerTLSFlagErrors: TLS settings that cannot work are refused at
// start, saying why.
func TestServerTLSFlagErrors(t *testing.T) {
	ca := newTestCA(t)
	cert, key := ca.issue(t, 2, "127.0.0.1")
	junk := filepath.Join(t.TempDir(), "junk.pem")
	if err := os.WriteFile(junk, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tls-address", "127.0.0.1:0"}, "--tls-address needs --tls-cert-file and --tls-key-file"},
		{[]string{"--tls-address", "127.0.0.1:0", "--tls-cert-file", cert}, "1 --tls-cert-file but 0 --tls-key-file"},
		{[]string{"--tls-address", "127.0.0.1:0", "--tls-cert-file", cert, "--tls-key-file", key, "--tls-min-version", "1.1"}, `--tls-min-version "1.1": want 1.2 or 1.3`},
		{[]string{"--tls-address", "127.0.0.1:0", "--tls-cert-file", cert, "--tls-key-file", junk}, "load --tls-cert-file " + cert + " with --tls-key-file " + junk},
		{[]string{"--tls-cert-file", cert, "--tls-key-file", key}, "--tls-cert-file and --tls-key-file need --tls-address"},
		{[]string{"--http-address", ""}, "give --http-address, --tls-address or both"},
	} {
		args := append([]string{"server", "--data-dir", t.TempDir(), "--http-address", "127.0.0.1:0"}, tc.args...)
		cmd := exec.Command(clitest.Binary(t), args...)
		cmd.Env = clitest.BaseEnv(t.TempDir())
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.want) || strings.Contains(string(out), "Started") {
			t.Errorf("server %v: err %v, output:\n%s\nwant a refusal with %q", tc.args, err, out, tc.want)
		}
	}
}

// TestTLSWorkspaceEndToEnd: a server whose access URL is HTTPS (its
// certificate from a CA made by the test; its HTTP listener only
// redirects) runs a build of the local template; the agent downloads its binary and connects over HTTPS,
// trusting the CA the server was given with --tls-ca-file, and the CLI
// reaches the workspace with `coder ssh` through the same CA.
func TestTLSWorkspaceEndToEnd(t *testing.T) {
	requireTerraform(t)
	ca := newTestCA(t)
	cert, key := ca.issue(t, 2, "127.0.0.1")
	srv := clitest.StartServer(t, "sqlite", "--tls-address", "127.0.0.1:0",
		"--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-file", ca.File)
	base := tlsURL(t, srv)
	e := tlsWorkspaceEnv(t, srv, ca, base)
	value := canary(t)
	e.sh(t, `coder templates push local -d "$TEMPLATE"`, "TEMPLATE="+localTemplate(t))
	e.sh(t, `echo -n "$V" | coder secret create api-key --env API_KEY`, "V="+value)
	e.sh(t, `coder create dev --template local`)
	e.waitReady(t, "dev")
	e.wantEnv(t, "dev", "API_KEY", value)
	if got := e.ssh(t, "dev", "echo over-tls"); strings.TrimSpace(got) != "over-tls" {
		t.Fatalf("coder ssh over TLS: %q", got)
	}
	log, _ := os.ReadFile(filepath.Join(e.home("dev"), ".coder-agent.log"))
	if !strings.Contains(string(log), "url="+base) {
		t.Fatalf("the agent did not use the HTTPS access URL %s; its log:\n%s", base, tail(string(log), 30))
	}
	e.sh(t, `coder stop dev`)
	if strings.Contains(srv.Output.String(), value) {
		t.Fatal("the server log holds the secret value")
	}
}

// TestTLSRelayBetweenProcesses: two server processes on one PostgreSQL,
// both serving only HTTPS with certificates of a test CA (so each one's
// relay URL is https://); a session opened through the second process
// reaches the agent connected to the first through the relay, which
// verifies the first's certificate with --tls-ca-file.
func TestTLSRelayBetweenProcesses(t *testing.T) {
	requireTerraform(t)
	ca := newTestCA(t)
	cert, key := ca.issue(t, 2, "127.0.0.1")
	tlsArgs := []string{"--tls-address", "127.0.0.1:0", "--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-file", ca.File}
	s1 := clitest.StartServer(t, "postgres", tlsArgs...)
	s2 := clitest.StartSecondServerIn(t, s1, t.TempDir(), tlsArgs...)
	url1, url2 := tlsURL(t, s1), tlsURL(t, s2)
	e := tlsWorkspaceEnv(t, s1, ca, url1)
	u2 := clitest.NewUser(t)
	u2.Env = append(u2.Env, "CODER_TLS_CA_FILE="+ca.File)
	u2.MustSh(t, "", `coder login "$URL" --username alice --password correct-horse-battery`, []string{"URL=" + url2}, nil)
	value := canary(t)
	e.sh(t, `coder templates push local -d "$TEMPLATE"`, "TEMPLATE="+localTemplate(t))
	e.sh(t, `echo -n "$V" | coder secret create api-key --env API_KEY`, "V="+value)
	e.sh(t, `coder create dev --template local`)
	e.waitReady(t, "dev")
	log, _ := os.ReadFile(filepath.Join(e.home("dev"), ".coder-agent.log"))
	if !strings.Contains(string(log), "url="+url1) {
		t.Fatalf("the agent is not connected to the first process (%s); its log:\n%s", url1, tail(string(log), 30))
	}
	r := u2.MustSh(t, "", `coder ssh dev -- printenv API_KEY`, nil, nil)
	if r.Stdout != value+"\n" {
		t.Fatalf("session through the second process: output matches the secret: %v (stderr %s)", r.Stdout == value+"\n", r.Stderr)
	}
	if !strings.Contains(s2.Output.String(), "ssh session opened") {
		t.Fatalf("the second process opened no session; its log:\n%s", tail(s2.Output.String(), 30))
	}
	for _, s := range []*clitest.Server{s1, s2} {
		if strings.Contains(s.Output.String(), value) {
			t.Fatal("a server log holds the secret value")
		}
	}
}

// tlsWorkspaceEnv logs a new user in to srv at its HTTPS URL base as its
// first user, alice, trusting ca (through $CODER_TLS_CA_FILE for the CLI),
// and returns the workspace test environment of that user.
func tlsWorkspaceEnv(t *testing.T, srv *clitest.Server, ca *testCA, base string) *workspaceEnv {
	t.Helper()
	u := clitest.NewUser(t)
	u.Env = append(u.Env, "CODER_TLS_CA_FILE="+ca.File)
	u.MustSh(t, "", `coder login "$URL" --first-user-username alice --first-user-email alice@example.com --first-user-password correct-horse-battery`, []string{"URL=" + base}, nil)
	c := u.Client(t)
	hc, err := sdk.NewHTTPClient(ca.File)
	if err != nil {
		t.Fatal(err)
	}
	c.HTTPClient = hc
	me, err := c.User(context.Background(), sdk.Me)
	if err != nil {
		t.Fatal(err)
	}
	return &workspaceEnv{srv: srv, u: u, c: c, me: me}
}
