package buildenv_test

import (
	"testing"

	"github.com/usersecrets/coder/sdk/buildenv"
)

// TestNames pins the names that terraform-provider-coder v2 reads: a
// template written for it must see the same variables here.
func TestNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"agent script", buildenv.AgentScript("linux_amd64"), "CODER_AGENT_SCRIPT_linux_amd64"},
		{"parameter", buildenv.Parameter("region"), "CODER_PARAMETER_c697d2981bf416569a16cfbcdec1542b5398f3cc77d2b905819aa99c46ecf6f6"},
		{"previous parameter", buildenv.ParameterPrevious("region"), "CODER_PARAMETER_PREVIOUS_c697d2981bf416569a16cfbcdec1542b5398f3cc77d2b905819aa99c46ecf6f6"},
		{"external auth", buildenv.ExternalAuthAccessToken("github"), "CODER_EXTERNAL_AUTH_ACCESS_TOKEN_github"},
		{"running agent token", buildenv.RunningAgentToken(""), "CODER_RUNNING_WORKSPACE_AGENT_TOKEN_e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"secret env", buildenv.SecretEnv("GITHUB_TOKEN"), "CODER_SECRET_ENV_GITHUB_TOKEN"},
		{"secret file", buildenv.SecretFile("~/.aws/credentials"), "CODER_SECRET_FILE_7e2f2e6177732f63726564656e7469616c73"},
		{"secret file non-ASCII", buildenv.SecretFile("/é"), "CODER_SECRET_FILE_2fc3a9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestIsWithheld(t *testing.T) {
	t.Parallel()
	list := buildenv.SecretEnv("A") + "," + buildenv.SecretFile("/b")
	for name, want := range map[string]bool{
		buildenv.SecretEnv("A"):   true,
		buildenv.SecretFile("/b"): true,
		buildenv.SecretEnv("B"):   false,
		"":                        false,
	} {
		if got := buildenv.IsWithheld(list, name); got != want {
			t.Errorf("IsWithheld(%q): got %v, want %v", name, got, want)
		}
	}
}
