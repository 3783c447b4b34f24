package provisioner

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLockNoise(t *testing.T) {
	initOut := `Initializing the backend...
Initializing provider plugins...
- Installed coder/coder v2.29.9 (unauthenticated)
Terraform has created a lock file .terraform.lock.hcl to record the provider
selections it made above. Include this file in your version control repository
so that Terraform can guarantee to make the same selections by default when
you run "terraform init" in the future.


Warning: Incomplete lock file information for providers

Due to your customized provider installation methods, Terraform was forced to
calculate lock file checksums locally for the following providers:
  - coder/coder

The current .terraform.lock.hcl file only includes checksums for linux_amd64,
so Terraform running on another platform will fail to install these
providers.

To calculate additional checksums for another platform, run:
  terraform providers lock -platform=linux_amd64
(where linux_amd64 is the platform to generate)
Terraform has been successfully initialized!`
	tests := []struct {
		name, in, want string
	}{
		{"init with both notes", initOut, `Initializing the backend...
Initializing provider plugins...
- Installed coder/coder v2.29.9 (unauthenticated)

Terraform has been successfully initialized!`},
		{"other warnings pass", "Warning: Argument is deprecated\n\nuse x instead", "Warning: Argument is deprecated\n\nuse x instead"},
		{"a warning block without its end is shown", "Warning: Incomplete lock file information for providers\n" + strings.Repeat("line\n", 30) + "done",
			"Warning: Incomplete lock file information for providers\n" + strings.Repeat("line\n", 30) + "done"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f lockNoise
			var got []string
			for _, l := range strings.Split(tt.in, "\n") {
				got = append(got, f.line(l)...)
			}
			got = append(got, f.flush()...)
			if diff := cmp.Diff(strings.Split(tt.want, "\n"), got); diff != "" {
				t.Errorf("filtered output (-want +got):\n%s", diff)
			}
		})
	}
}
