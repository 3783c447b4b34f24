package tftest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The reference the differential tests compare the provider with:
// terraform-provider-coder, built from the Go module proxy.
const (
	ReferenceModule  = "github.com/coder/terraform-provider-coder/v2"
	ReferenceVersion = "2.20.0"
)

// ReferenceDir is where the reference binary is installed and reused:
// <user cache dir>/usersecrets-coder/reference-provider/v<version>, the
// directory `make provider-reference` installs it in.
func ReferenceDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the user cache directory: %w", err)
	}
	return filepath.Join(cache, "usersecrets-coder", "reference-provider", "v"+ReferenceVersion), nil
}

// ReferenceProvider returns the reference provider binary:
// $TF_ACC_REFERENCE_PROVIDER, else the one in ReferenceDir, which it
// installs there with `go install` when missing (a few minutes, once). When
// no binary can be had it skips the test loudly, or fails it when $CI is
// true.
func ReferenceProvider(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("TF_ACC_REFERENCE_PROVIDER"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatalf("TF_ACC_REFERENCE_PROVIDER: %v", err)
		}
		return abs
	}
	dir, err := ReferenceDir()
	if err == nil {
		exe := filepath.Join(dir, "terraform-provider-coder")
		if _, err = os.Stat(exe); err == nil {
			return exe
		}
		err = installReference(t, dir)
		if err == nil {
			return exe
		}
	}
	if truthy(os.Getenv("CI")) {
		t.Fatalf("the reference provider is required ($CI is true) but unavailable: %v", err)
	}
	t.Skipf("\n"+
		"************************************************************\n"+
		"SKIPPING DIFFERENTIAL TESTS: no reference provider: %v\n"+
		"Run `make provider-reference` or set $TF_ACC_REFERENCE_PROVIDER.\n"+
		"************************************************************", err)
	return ""
}

// installReference builds the reference into dir from the Go module proxy.
func installReference(t testing.TB, dir string) error {
	t.Helper()
	t.Logf("installing %s@v%s into %s (once; a few minutes)", ReferenceModule, ReferenceVersion, dir)
	start := time.Now()
	cmd := exec.Command("go", "install", ReferenceModule+"@v"+ReferenceVersion)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go install: %v: %s", err, strings.TrimSpace(string(out)))
	}
	t.Logf("installed the reference provider in %s", time.Since(start).Round(time.Second))
	return nil
}
