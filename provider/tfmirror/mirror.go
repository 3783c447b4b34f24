// Package tfmirror makes the coder/coder provider installable by Terraform
// and OpenTofu with no registry: it lays out an unpacked filesystem mirror
// whose provider packages are symbolic links to the coder binary (which
// serves the provider when Terraform starts it), writes a CLI configuration
// that installs coder/coder from that mirror only, and removes coder/coder
// from a template's dependency lock file, whose checksum changes with every
// build of the binary.
//
// The server calls Setup once at start and passes Mirror.Env to every
// terraform command, and StripLockFile before each `terraform init`.
package tfmirror

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// Addresses are the source addresses of coder/coder: Terraform resolves the
// short source "coder/coder" to the first, OpenTofu to the second. The
// mirror serves both.
var Addresses = []string{
	"registry.terraform.io/coder/coder",
	"registry.opentofu.org/coder/coder",
}

// The versions DefaultVersions advertises: every 2.M.P with M at most
// MaxMinor and P at most MaxPatch.
const (
	MaxMinor = 29
	MaxPatch = 9
)

// DefaultVersions returns the provider versions the mirror advertises
// unless told otherwise: every 2.M.P for M in 0..MaxMinor and P in
// 0..MaxPatch, all of them the same binary. Templates written for
// terraform-provider-coder v2 pin nothing, or constraints such as
// ">= 2.0.0", "~> 2.0", "~> 2.4.0" or "2.13.1"; each of these matches one
// of them, and Terraform picks the newest that does. Because the checksum
// of a package is the binary's, any of them installs the same provider.
func DefaultVersions() []string {
	var vs []string
	for minor := 0; minor <= MaxMinor; minor++ {
		for patch := 0; patch <= MaxPatch; patch++ {
			vs = append(vs, fmt.Sprintf("2.%d.%d", minor, patch))
		}
	}
	return vs
}

// Options configure Setup.
type Options struct {
	// Dir holds the mirror and the CLI configuration. It is created if
	// missing. Setup owns what it writes there.
	Dir string
	// Executable is the coder binary the provider packages link to. It is
	// made absolute.
	Executable string
	// Versions are the provider versions to advertise, each "X.Y.Z".
	// Nil means DefaultVersions.
	Versions []string
	// NoDirect leaves the `direct` installation method out of the CLI
	// configuration, so Terraform installs nothing but coder/coder and never
	// contacts a registry. By default other providers install normally from
	// their registries (coder/coder never does).
	NoDirect bool
}

// Mirror is a laid-out mirror and its CLI configuration.
type Mirror struct {
	// PluginDir is the root of the unpacked filesystem mirror.
	PluginDir string
	// ConfigFile is the Terraform CLI configuration (a .tfrc file).
	ConfigFile string
	// Versions are the advertised provider versions.
	Versions []string
	// Platform is the os_arch directory of the packages, such as
	// linux_amd64.
	Platform string
}

// Setup lays out the mirror in opts.Dir and writes the CLI configuration:
//
//	<Dir>/providers/<host>/coder/coder/<version>/<os>_<arch>/terraform-provider-coder_v<version>
//	    -> opts.Executable, for each host of Addresses and each version
//	<Dir>/terraform.tfrc
//
// Setup is idempotent: it replaces links and the configuration atomically
// and removes versions it no longer advertises, so a server can run it at
// every start, also after an upgrade moved the binary.
func Setup(opts Options) (*Mirror, error) {
	if opts.Dir == "" || opts.Executable == "" {
		return nil, errors.New("tfmirror: Dir and Executable are required")
	}
	exe, err := filepath.Abs(opts.Executable)
	if err != nil {
		return nil, fmt.Errorf("resolve executable path: %w", err)
	}
	if fi, err := os.Stat(exe); err != nil {
		return nil, fmt.Errorf("stat executable: %w", err)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("executable %s is not a regular file", exe)
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("resolve mirror directory: %w", err)
	}
	versions := opts.Versions
	if versions == nil {
		versions = DefaultVersions()
	}
	if len(versions) == 0 {
		return nil, errors.New("tfmirror: no versions to advertise")
	}
	for _, v := range versions {
		if !validVersion(v) {
			return nil, fmt.Errorf("tfmirror: version %q is not of the form X.Y.Z", v)
		}
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create mirror directory: %w", err)
	}
	m := &Mirror{
		PluginDir:  filepath.Join(dir, "providers"),
		ConfigFile: filepath.Join(dir, "terraform.tfrc"),
		Versions:   append([]string(nil), versions...),
		Platform:   runtime.GOOS + "_" + runtime.GOARCH,
	}
	for _, addr := range Addresses {
		if err := m.layOut(addr, exe); err != nil {
			return nil, err
		}
	}
	if err := writeFileAtomic(m.ConfigFile, []byte(cliConfig(m.PluginDir, !opts.NoDirect)), 0o644); err != nil {
		return nil, fmt.Errorf("write CLI configuration: %w", err)
	}
	return m, nil
}

// Env is the environment to add to every terraform or tofu command:
// the CLI configuration, and no update checks and no prompts. It overrides
// any TF_CLI_CONFIG_FILE of the server's own environment.
func (m *Mirror) Env() []string {
	return []string{
		"TF_CLI_CONFIG_FILE=" + m.ConfigFile,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
	}
}

// layOut links every version's package under addr to exe and removes the
// versions that are no longer advertised.
func (m *Mirror) layOut(addr, exe string) error {
	typeDir := filepath.Join(m.PluginDir, filepath.FromSlash(addr))
	want := map[string]bool{}
	name := "terraform-provider-coder_v%s"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	for _, v := range m.Versions {
		want[v] = true
		pkg := filepath.Join(typeDir, v, m.Platform)
		if err := os.MkdirAll(pkg, 0o755); err != nil {
			return fmt.Errorf("create mirror package directory: %w", err)
		}
		if err := symlinkAtomic(exe, filepath.Join(pkg, fmt.Sprintf(name, v))); err != nil {
			return fmt.Errorf("link provider package %s %s: %w", addr, v, err)
		}
	}
	entries, err := os.ReadDir(typeDir)
	if err != nil {
		return fmt.Errorf("read mirror directory: %w", err)
	}
	for _, e := range entries {
		if !want[e.Name()] {
			if err := os.RemoveAll(filepath.Join(typeDir, e.Name())); err != nil {
				return fmt.Errorf("remove stale mirror version: %w", err)
			}
		}
	}
	return nil
}

// cliConfig is the Terraform CLI configuration: coder/coder from the
// mirror only, every other provider from its registry when direct is set.
func cliConfig(pluginDir string, direct bool) string {
	addrs := make([]string, len(Addresses))
	for i, a := range Addresses {
		addrs[i] = hclString(a)
	}
	list := "[" + strings.Join(addrs, ", ") + "]"
	var b strings.Builder
	b.WriteString("# Written by coder (provider/tfmirror); rewritten at every server start.\n")
	b.WriteString("disable_checkpoint = true\n\n")
	b.WriteString("provider_installation {\n")
	fmt.Fprintf(&b, "  filesystem_mirror {\n    path    = %s\n    include = %s\n  }\n", hclString(pluginDir), list)
	if direct {
		fmt.Fprintf(&b, "  direct {\n    exclude = %s\n  }\n", list)
	}
	b.WriteString("}\n")
	return b.String()
}

// hclString quotes s as an HCL string literal: escapes, and no template
// sequences.
func hclString(s string) string {
	q := strconv.Quote(s)
	q = strings.ReplaceAll(q, "${", "$${")
	return strings.ReplaceAll(q, "%{", "%%{")
}

// validVersion reports whether v is X.Y.Z with decimal numbers.
func validVersion(v string) bool {
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 1 && p[0] == '0' {
			return false
		}
		if _, err := strconv.ParseUint(p, 10, 32); err != nil {
			return false
		}
	}
	return true
}

// symlinkAtomic makes link point at target, replacing what is there.
func symlinkAtomic(target, link string) error {
	if cur, err := os.Readlink(link); err == nil && cur == target {
		return nil
	}
	tmp := link + ".tmp"
	_ = os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, link); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// writeFileAtomic writes a file through a temporary file and a rename.
func writeFileAtomic(name string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}
