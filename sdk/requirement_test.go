package sdk

import (
	"strings"
	"testing"
)

func TestSecretEnvVars(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"requirement env", SecretRequirement{EnvName: "A"}.EnvVar(), "CODER_SECRET_ENV_A"},
		{"requirement file", SecretRequirement{FilePath: "/a"}.EnvVar(), "CODER_SECRET_FILE_2f61"},
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

func TestSecretRequirementValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		req     SecretRequirement
		wantErr string
	}{
		{"env", SecretRequirement{EnvName: "GITHUB_TOKEN"}, ""},
		{"file", SecretRequirement{FilePath: "~/.aws/credentials"}, ""},
		{"neither", SecretRequirement{}, "needs an env or a file target"},
		{"both", SecretRequirement{EnvName: "A", FilePath: "/a"}, "not both"},
		{"reserved env", SecretRequirement{EnvName: "PATH"}, "reserved"},
		{"bad env", SecretRequirement{EnvName: "1A"}, "must start with a letter"},
		{"relative file", SecretRequirement{FilePath: "a/b"}, "must start with ~/ or /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.req.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("got error %q, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestSecretRequirementMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		req         SecretRequirement
		wantID      string
		wantName    string
		wantCommand string
		wantSummary string
	}{
		{
			name:        "env",
			req:         SecretRequirement{EnvName: "GITHUB_TOKEN", HelpMessage: "Add a GitHub token."},
			wantID:      "env:GITHUB_TOKEN",
			wantName:    "github-token",
			wantCommand: `echo -n "$VALUE" | coder secret create github-token --env GITHUB_TOKEN`,
			wantSummary: "Missing required secret for environment variable GITHUB_TOKEN",
		},
		{
			name:        "home file",
			req:         SecretRequirement{FilePath: "~/.aws/credentials", HelpMessage: "Add AWS credentials."},
			wantID:      "file:~/.aws/credentials",
			wantName:    "aws-credentials",
			wantCommand: `coder secret create aws-credentials --file '~/.aws/credentials' < ./credentials`,
			wantSummary: "Missing required secret for file ~/.aws/credentials",
		},
		{
			name:        "deep absolute file",
			req:         SecretRequirement{FilePath: "/etc/tool/conf.d/token.json"},
			wantID:      "file:/etc/tool/conf.d/token.json",
			wantName:    "conf.d-token.json",
			wantCommand: `coder secret create conf.d-token.json --file /etc/tool/conf.d/token.json < ./token.json`,
			wantSummary: "Missing required secret for file /etc/tool/conf.d/token.json",
		},
		{
			name:        "file with quote and space",
			req:         SecretRequirement{FilePath: "/it's here/.env"},
			wantID:      "file:/it's here/.env",
			wantName:    "it-s-here-env",
			wantCommand: `coder secret create it-s-here-env --file '/it'\''s here/.env' < ./env`,
			wantSummary: "Missing required secret for file /it's here/.env",
		},
		{
			name:        "dots only",
			req:         SecretRequirement{FilePath: "/..."},
			wantID:      "file:/...",
			wantName:    "secret",
			wantCommand: `coder secret create secret --file /... < ./secret-file`,
			wantSummary: "Missing required secret for file /...",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.req.ID(); got != tt.wantID {
				t.Errorf("ID: got %q, want %q", got, tt.wantID)
			}
			name := tt.req.SuggestedName()
			if name != tt.wantName {
				t.Errorf("SuggestedName: got %q, want %q", name, tt.wantName)
			}
			if err := ValidateSecretName(name); err != nil {
				t.Errorf("SuggestedName %q is not a valid secret name: %v", name, err)
			}
			if got := tt.req.CreateCommand(); got != tt.wantCommand {
				t.Errorf("CreateCommand: got %q, want %q", got, tt.wantCommand)
			}
			if got := tt.req.Summary(); got != tt.wantSummary {
				t.Errorf("Summary: got %q, want %q", got, tt.wantSummary)
			}
			detail := tt.req.Detail()
			for _, want := range []string{tt.req.HelpMessage, tt.wantCommand} {
				if !strings.Contains(detail, want) {
					t.Errorf("Detail: got %q, want it to contain %q", detail, want)
				}
			}
			if got, want := tt.req.Message(), tt.wantSummary+"\n\n"+detail; got != want {
				t.Errorf("Message: got %q, want %q", got, want)
			}
		})
	}
}

func TestSecretRequirementSuggestedNameLength(t *testing.T) {
	t.Parallel()
	req := SecretRequirement{EnvName: strings.Repeat("A", 200)}
	name := req.SuggestedName()
	if err := ValidateSecretName(name); err != nil {
		t.Errorf("got invalid name %q (%v), want a valid one", name, err)
	}
}
