package provisioner

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// SupervisorArg is the first argument that makes the coder binary run as a
// build supervisor (see Supervise) instead of the CLI.
const SupervisorArg = "__build-supervisor"

// IsSupervisorInvocation reports whether args (os.Args) ask for the build
// supervisor.
func IsSupervisorInvocation(args []string) bool {
	return len(args) > 1 && args[1] == SupervisorArg
}

// gracePeriod is how long Terraform may take to stop after SIGINT before
// its whole process group is killed.
const gracePeriod = 30 * time.Second

// LaunchEnv is the environment variable that makes the coder binary start
// Terraform for the provisioner (see Launch) instead of running the CLI.
//
// The provisioner drives Terraform through terraform-exec, which starts
// one executable with Terraform's arguments and sets some of Terraform's
// environment itself. It is given the coder binary, with this variable
// holding what terraform-exec cannot express: the build supervisor's
// command line (`coder __build-supervisor PID -- terraform ...`), and the
// variables terraform-exec refuses to pass (TF_VAR_*, TF_INPUT and the
// like, which the server's configuration and the provider mirror set).
const LaunchEnv = "CODER_BUILD_LAUNCH"

// launchSpec is the value of LaunchEnv, in JSON.
type launchSpec struct {
	// Terraform is the terraform (or tofu) binary.
	Terraform string `json:"terraform"`
	// Supervisor is the coder binary, and Parent the server's pid, when
	// the command runs under the build supervisor (Linux).
	Supervisor string `json:"supervisor,omitempty"`
	Parent     int    `json:"parent,omitempty"`
	// Env holds the build's variables that terraform-exec manages; they
	// replace whatever it set.
	Env []string `json:"env,omitempty"`
}

// Launch starts Terraform as the provisioner asked through LaunchEnv (spec
// is its value; args are Terraform's arguments) and returns its exit code.
// The environment is the one terraform-exec passed, without LaunchEnv and
// the variables terraform-exec manages, plus the spec's. On Linux under
// the supervisor, the process becomes `coder __build-supervisor PID --
// terraform ARGS...`; otherwise it supervises Terraform itself, without
// watching the server.
func Launch(spec string, args []string) int {
	var s launchSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil || s.Terraform == "" {
		fmt.Fprintln(os.Stderr, "build launcher: bad "+LaunchEnv)
		return 2
	}
	return launch(s, args, launchEnv(os.Environ(), s.Env))
}

// launchEnv is environ without LaunchEnv and without the variables
// terraform-exec manages, followed by ours.
func launchEnv(environ, ours []string) []string {
	env := make([]string, 0, len(environ)+len(ours))
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if name == LaunchEnv || managedByTFExec(name) {
			continue
		}
		env = append(env, kv)
	}
	return append(env, ours...)
}

// managedByTFExec reports whether terraform-exec refuses name in SetEnv.
func managedByTFExec(name string) bool {
	return len(tfexec.ProhibitedEnv(map[string]string{name: ""})) > 0
}
