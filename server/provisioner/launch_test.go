package provisioner

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLaunchEnv(t *testing.T) {
	t.Parallel()
	// What terraform-exec passes: our variables it accepts, its own, and
	// the launch spec.
	environ := []string{
		"PATH=/usr/bin",
		"CODER_WORKSPACE_NAME=dev",
		"TF_CLI_CONFIG_FILE=/data/terraform/terraform.tfrc",
		"TF_IN_AUTOMATION=1",
		"TF_LOG=",
		"TF_APPEND_USER_AGENT=HashiCorp-terraform-exec/0.26.0",
		"CHECKPOINT_DISABLE=1",
		LaunchEnv + `={"terraform":"/usr/bin/terraform"}`,
	}
	ours := []string{"TF_IN_AUTOMATION=1", "TF_INPUT=0", "TF_VAR_coder_workspaces_dir=/data/workspaces"}
	want := []string{
		"PATH=/usr/bin",
		"CODER_WORKSPACE_NAME=dev",
		"TF_CLI_CONFIG_FILE=/data/terraform/terraform.tfrc",
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"TF_VAR_coder_workspaces_dir=/data/workspaces",
	}
	if diff := cmp.Diff(want, launchEnv(environ, ours)); diff != "" {
		t.Errorf("launch environment (-want +got):\n%s", diff)
	}
}

func TestManagedByTFExec(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"TF_VAR_x": true, "TF_INPUT": true, "TF_IN_AUTOMATION": true, "TF_LOG": true, "TF_CLI_ARGS_plan": true,
		"TF_CLI_CONFIG_FILE": false, "CHECKPOINT_DISABLE": false, "CODER_AGENT_URL": false, "PATH": false,
	} {
		if got := managedByTFExec(name); got != want {
			t.Errorf("managedByTFExec(%q) = %v, want %v", name, got, want)
		}
	}
}
