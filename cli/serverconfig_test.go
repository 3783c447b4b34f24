package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// serverTree is the whole command tree with `coder server`'s run replaced:
// run gets the server command once its flags (and config file) are in.
func serverTree(t *testing.T, run func(cmd *cobra.Command)) *cobra.Command {
	t.Helper()
	root := NewRootCommand()
	for _, c := range root.Commands() {
		if c.Name() == "server" {
			c.RunE = func(cmd *cobra.Command, _ []string) error { run(cmd); return nil }
			return root
		}
	}
	t.Fatal("no server command")
	return nil
}

// runServerTree runs `coder ARGS...` and returns the server command's
// flags as they ended up (nil when the command failed) and the error.
func runServerTree(t *testing.T, args ...string) (*pflag.FlagSet, error) {
	t.Helper()
	var got *pflag.FlagSet
	root := serverTree(t, func(cmd *cobra.Command) { got = cmd.Flags() })
	root.SetArgs(args)
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	err := root.ExecuteContext(context.Background())
	return got, err
}

// sampleValue is a value for f unlike its default, as YAML and as flag
// arguments.
func sampleValue(f *pflag.Flag, i int) (yamlValue string, args []string) {
	switch f.Value.Type() {
	case "bool":
		v := strconv.FormatBool(f.DefValue != "true")
		return v, []string{"--" + f.Name + "=" + v}
	case "int", "int64":
		v := strconv.Itoa(1000 + i)
		return v, []string{"--" + f.Name, v}
	case "stringSlice":
		a, b := "/etc/first-"+f.Name, "/etc/second-"+f.Name
		return fmt.Sprintf("[%q, %q]", a, b), []string{"--" + f.Name, a, "--" + f.Name, b}
	case "string":
		v := "value-of-" + f.Name + ":" + strconv.Itoa(i)
		return strconv.Quote(v), []string{"--" + f.Name, v}
	}
	return "", nil
}

// TestServerConfigFileSetsEveryFlag writes a config file with a key for
// every flag `coder server` has (its own and the global ones it inherits,
// listed from the cobra command, so a new flag of an unknown type fails
// here) and checks each flag holds what the same value given on the
// command line gives it.
func TestServerConfigFileSetsEveryFlag(t *testing.T) {
	cleanEnv(t)
	var server *cobra.Command
	root := serverTree(t, func(*cobra.Command) {})
	for _, c := range root.Commands() {
		if c.Name() == "server" {
			server = c
		}
	}
	// Inherited flags show once the tree is parsed.
	root.SetArgs([]string{"server", "--help"})
	root.SetOut(&bytes.Buffer{})
	_ = root.Execute()
	flags := configurableFlags(server)
	if len(flags) < 20 {
		t.Fatalf("only %d flags: %v", len(flags), flags)
	}
	var yaml strings.Builder
	yaml.WriteString("# every flag of coder server\n")
	var args []string
	names := map[string]bool{}
	for i, f := range flags {
		y, a := sampleValue(f, i)
		if a == nil {
			t.Fatalf("--%s is a %s: teach sampleValue (and check the config file handles it)", f.Name, f.Value.Type())
		}
		fmt.Fprintf(&yaml, "%s: %s\n", f.Name, y)
		args = append(args, a...)
		names[f.Name] = true
	}
	for _, want := range []string{"http-address", "tls-cert-file", "encryption-keys", "postgres-url", "verbose", "max-secrets-per-user", "tls-ca-file", "agent-binaries-dir", "prometheus-address"} {
		if !names[want] {
			t.Errorf("--%s is not among the config file's keys", want)
		}
	}
	file := filepath.Join(t.TempDir(), "coder.yaml")
	if err := os.WriteFile(file, []byte(yaml.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	fromFile, err := runServerTree(t, "server", "--config", file)
	if err != nil {
		t.Fatalf("server --config: %v\n%s", err, yaml.String())
	}
	fromFlags, err := runServerTree(t, append([]string{"server"}, args...)...)
	if err != nil {
		t.Fatalf("server with every flag: %v", err)
	}
	for _, f := range flags {
		got, want := fromFile.Lookup(f.Name).Value.String(), fromFlags.Lookup(f.Name).Value.String()
		if got != want || got == f.DefValue {
			t.Errorf("--%s from the file: %q, want %q (as the flag gives it; the default is %q)", f.Name, got, want, f.DefValue)
		}
	}
}

// TestServerConfigFilePrecedence: flag > environment > file > default, for
// a flag whose environment variable is its default's and for
// --postgres-url, whose variable the server reads itself.
func TestServerConfigFilePrecedence(t *testing.T) {
	newCmd := func(runF func(context.Context, *serverOptions) error) *cobra.Command {
		return newCmdServer(&globalOptions{}, runF)
	}
	file := filepath.Join(t.TempDir(), "coder.yaml")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("http-address: 0.0.0.0:1111\npostgres-url: postgres://file/db\nmax-secrets-per-user: 9\nverbose: true\ntls-cert-file:\n  - a.pem\n  - b.pem\n")

	cleanEnv(t)
	o := mustParse(t, newCmd, "", "--config", file).opts
	if o.httpAddress != "0.0.0.0:1111" || o.postgresURL != "postgres://file/db" || o.limits.MaxSecrets != 9 || !o.verbose || strings.Join(o.tlsCertFiles, ",") != "a.pem,b.pem" {
		t.Errorf("file over defaults: %q %q %d %v %v", o.httpAddress, o.postgresURL, o.limits.MaxSecrets, o.verbose, o.tlsCertFiles)
	}
	if o.dataDir == "" || o.tlsMinVersion != "1.2" {
		t.Errorf("a key the file lacks keeps its default: data dir %q, tls min %q", o.dataDir, o.tlsMinVersion)
	}

	t.Setenv("CODER_HTTP_ADDRESS", "0.0.0.0:2222")
	t.Setenv("CODER_PG_CONNECTION_URL", "postgres://env/db")
	t.Setenv("CODER_MAX_SECRETS_PER_USER", "8")
	o = mustParse(t, newCmd, "", "--config", file).opts
	if o.httpAddress != "0.0.0.0:2222" || o.postgresURL != "" || o.limits.MaxSecrets != 8 || !o.verbose {
		t.Errorf("environment over file: %q %q (the server reads $CODER_PG_CONNECTION_URL itself when empty) %d %v", o.httpAddress, o.postgresURL, o.limits.MaxSecrets, o.verbose)
	}

	o = mustParse(t, newCmd, "", "--config", file, "--http-address", "127.0.0.1:3333", "--max-secrets-per-user", "7", "--verbose=false", "--tls-cert-file", "c.pem").opts
	if o.httpAddress != "127.0.0.1:3333" || o.limits.MaxSecrets != 7 || o.verbose || strings.Join(o.tlsCertFiles, ",") != "c.pem" {
		t.Errorf("flag over all: %q %d %v %v", o.httpAddress, o.limits.MaxSecrets, o.verbose, o.tlsCertFiles)
	}

	// $CODER_CONFIG_FILE names the file too.
	cleanEnv(t)
	t.Setenv("CODER_CONFIG_FILE", file)
	if o := mustParse(t, newCmd, "").opts; o.httpAddress != "0.0.0.0:1111" {
		t.Errorf("$CODER_CONFIG_FILE: http address %q", o.httpAddress)
	}
}

// TestServerConfigFileErrors: a bad file stops the start with its line,
// and never echoes a value.
func TestServerConfigFileErrors(t *testing.T) {
	cleanEnv(t)
	newCmd := func(runF func(context.Context, *serverOptions) error) *cobra.Command {
		return newCmdServer(&globalOptions{}, runF)
	}
	dir := t.TempDir()
	const canaryValue = "s3cr3t-canary-value"
	for _, tc := range []struct{ name, body, want string }{
		{"unknown key", "http-adress: x\n", `line 1: "http-adress" is not a flag of coder server; the keys are: `},
		{"bad number", "encryption-keys: " + canaryValue + "\nmax-secrets-per-user: " + canaryValue + "\n", `line 2: the value of "max-secrets-per-user" is not a valid int for --max-secrets-per-user`},
		{"bad bool", "verbose: " + canaryValue + "\n", `the value of "verbose" is not a valid bool`},
		{"list for one value", "http-address: [a, b]\n", `line 1: "http-address" takes one value, not a list`},
		{"mapping value", "http-address:\n  host: " + canaryValue + "\n", `line 2: key "http-address" must have a string, number, boolean or list value, not a mapping`},
		{"duplicate", "verbose: true\nverbose: false\n", `line 2: key "verbose" is given twice (first on line 1)`},
		{"not a mapping", "- " + canaryValue + "\n", "the file must be a mapping"},
		{"not YAML", "a: \"" + canaryValue + "\n", "not YAML"},
		{"no value", "http-address:\n", `key "http-address" has no value`},
		{"config in config", "config: other.yaml\n", `"config" is not a flag of coder server`},
		{"alias", "a: &x " + canaryValue + "\nhttp-address: *x\n", "anchors and aliases are not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".yaml")
			if err := os.WriteFile(file, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			p := parse(t, newCmd, "", "--config", file)
			wantError(t, p, tc.want)
			if strings.Contains(p.err.Error(), canaryValue) {
				t.Errorf("the error shows a value of the file: %v", p.err)
			}
		})
	}
	wantError(t, parse(t, newCmd, "", "--config", filepath.Join(dir, "missing.yaml")), "missing.yaml: no such file or directory")
	empty := filepath.Join(dir, "empty.yaml")
	if err := os.WriteFile(empty, []byte("# nothing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if o := mustParse(t, newCmd, "", "--config", empty).opts; o.httpAddress != "127.0.0.1:3000" {
		t.Errorf("an empty file: %q", o.httpAddress)
	}
}

// FuzzParseServerConfig: the config file parser never panics and, when it
// accepts a file, every entry has a key and a value.
func FuzzParseServerConfig(f *testing.F) {
	f.Add([]byte("http-address: 127.0.0.1:3000\nverbose: true\ntls-cert-file: [a.pem, b.pem]\n"))
	f.Add([]byte("a: &x 1\nb: *x\n"))
	f.Add([]byte("- 1\n- 2\n"))
	f.Add([]byte("{a: {b: c}}"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := parseServerConfig(data)
		if err != nil {
			return
		}
		for _, e := range entries {
			if !e.list && len(e.values) != 1 {
				t.Fatalf("entry %q: %d values", e.key, len(e.values))
			}
		}
	})
}

// TestServerConfigExample: packaging/coder.yaml, the example the docs and
// the systemd unit point to, is a valid config file.
func TestServerConfigExample(t *testing.T) {
	cleanEnv(t)
	flags, err := runServerTree(t, "server", "--config", "../packaging/coder.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := flags.Lookup("access-url").Value.String(); got != "https://coder.example.com" {
		t.Errorf("access-url from the example: %q", got)
	}
	if got := flags.Lookup("log-json").Value.String(); got != "true" {
		t.Errorf("log-json from the example: %q", got)
	}
}
