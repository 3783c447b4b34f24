package cli

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/usersecrets/coder/sdk"
)

// httpClient is the client every command talks to the server with: it
// verifies the server's certificate against the system's pool plus
// --tls-ca-file (or $CODER_TLS_CA_FILE).
func (g *globalOptions) httpClient() (*http.Client, error) {
	ca := g.tlsCAFile
	if ca == "" {
		ca = os.Getenv(sdk.EnvTLSCAFile)
	}
	c, err := sdk.NewHTTPClient(ca)
	if err != nil {
		return nil, fmt.Errorf("--tls-ca-file: %w", err)
	}
	return c, nil
}

// caFile is --tls-ca-file or $CODER_TLS_CA_FILE ("" for neither).
func (o *serverOptions) caFile() string {
	if o.global != nil && o.global.tlsCAFile != "" {
		return o.global.tlsCAFile
	}
	return os.Getenv(sdk.EnvTLSCAFile)
}

// tlsVersions are what --tls-min-version accepts.
var tlsVersions = map[string]uint16{"1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13}

// serverTLSConfig loads the certificate and key pairs (the i-th key goes
// with the i-th certificate; Go picks the pair whose names match the
// client's SNI, else the first) and the minimum version.
func (o *serverOptions) serverTLSConfig() (*tls.Config, error) {
	if len(o.tlsCertFiles) == 0 {
		return nil, errors.New("--tls-address needs --tls-cert-file and --tls-key-file")
	}
	if len(o.tlsCertFiles) != len(o.tlsKeyFiles) {
		return nil, fmt.Errorf("%d --tls-cert-file but %d --tls-key-file: give one key per certificate, in the same order", len(o.tlsCertFiles), len(o.tlsKeyFiles))
	}
	min, ok := tlsVersions[o.tlsMinVersion]
	if !ok {
		return nil, fmt.Errorf("--tls-min-version %q: want 1.2 or 1.3", o.tlsMinVersion)
	}
	cfg := &tls.Config{MinVersion: min, NextProtos: []string{"h2", "http/1.1"}}
	for i := range o.tlsCertFiles {
		pair, err := tls.LoadX509KeyPair(o.tlsCertFiles[i], o.tlsKeyFiles[i])
		if err != nil {
			// The error names the files and what is wrong with them, never
			// the key's bytes.
			return nil, fmt.Errorf("load --tls-cert-file %s with --tls-key-file %s: %w", o.tlsCertFiles[i], o.tlsKeyFiles[i], err)
		}
		cfg.Certificates = append(cfg.Certificates, pair)
	}
	return cfg, nil
}

// envList splits a comma-separated environment variable ("" is none).
func envList(name string) []string {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// httpsRedirect answers every request on the HTTP listener, when a TLS one
// also listens, with a permanent redirect (308: the method and body are
// kept) to the same path on target, the HTTPS base URL.
func httpsRedirect(target *url.URL) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := *target
		u.Path = strings.TrimRight(target.Path, "/") + r.URL.Path
		u.RawQuery = r.URL.RawQuery
		http.Redirect(w, r, u.String(), http.StatusPermanentRedirect)
	})
}

// tlsListenURL is the https URL of a TLS listener (loopback for a wildcard
// address).
func tlsListenURL(addr net.Addr) string {
	return "https://" + strings.TrimPrefix(listenURL(addr), "http://")
}
