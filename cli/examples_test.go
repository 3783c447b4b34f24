package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk/templatearchive"
)

// TestExampleTemplates checks the example templates as far as an offline
// machine allows: formatted, packable, parseable, with the requirements the
// server reads. The local one also runs in the end-to-end tests; the
// Docker one needs a registry and a Docker engine, which are not here.
func TestExampleTemplates(t *testing.T) {
	requireTerraform(t)
	fmtCmd := exec.Command("terraform", "fmt", "-check", "-recursive", "-diff", "../examples")
	fmtCmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null")
	if out, err := fmtCmd.CombinedOutput(); err != nil {
		t.Fatalf("terraform fmt -check found unformatted examples: %v\n%s", err, out)
	}
	for _, name := range []string{"local", "docker"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("..", "examples", "templates", name)
			archive, err := templatearchive.Pack(dir)
			if err != nil {
				t.Fatal(err)
			}
			reqs, err := templatearchive.Requirements(archive)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if len(reqs) != 0 {
				t.Fatalf("requirements: %v, want none by default", reqs)
			}
			main, err := os.ReadFile(filepath.Join(dir, "main.tf"))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{`resource "coder_agent"`, "coder_agent.main.init_script", "coder_agent.main.token", "start_count"} {
				if !strings.Contains(string(main), want) {
					t.Errorf("main.tf lacks %s", want)
				}
			}
		})
	}
}
