package sdk

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
)

// EnvTLSCAFile names a PEM file of certificate authorities that clients
// (the CLI, the agent) trust for the server's certificate, besides the
// system's.
const EnvTLSCAFile = "CODER_TLS_CA_FILE"

// NewHTTPClient returns an HTTP client that verifies the server's
// certificate against the system's pool plus the certificates of caFile
// (PEM; "" adds none). It never skips verification.
func NewHTTPClient(caFile string) (*http.Client, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read the CA file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("the CA file " + caFile + " holds no PEM certificate")
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr}, nil
}
