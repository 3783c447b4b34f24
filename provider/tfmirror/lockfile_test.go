package tfmirror

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const lockHeader = `# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.
`

const coderLock = `provider "registry.terraform.io/coder/coder" {
  version     = "2.3.0"
  constraints = ">= 2.0.0"
  hashes = [
    "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  ]
}
`

const dockerLock = `provider "registry.terraform.io/kreuzwerker/docker" {
  version     = "3.0.2"
  constraints = "~> 3.0"
  hashes = [
    "h1:cT2ccWOtlfKYBUE60/v2/4Q6Stk1KYTNnhxSck+VPlU=",
    "zh:15b0a2b2b563d8d40f62f83057d91acb02cd0096f207488d8b4298a59203d64f",
  ]
}
`

const tofuCoderLock = `provider "registry.opentofu.org/coder/coder" {
  version     = "2.17.0"
  constraints = "~> 2.0"
  hashes = [
    "h1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=",
  ]
}
`

func TestStripLock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "coder first",
			in:   lockHeader + "\n" + coderLock + "\n" + dockerLock,
			want: lockHeader + "\n" + dockerLock,
		},
		{
			name: "coder last",
			in:   lockHeader + "\n" + dockerLock + "\n" + coderLock,
			want: lockHeader + "\n" + dockerLock,
		},
		{
			name: "coder between others",
			in:   lockHeader + "\n" + dockerLock + "\n" + coderLock + "\n" + dockerLock,
			want: lockHeader + "\n" + dockerLock + "\n" + dockerLock,
		},
		{
			name: "coder only",
			in:   lockHeader + "\n" + coderLock,
			want: lockHeader,
		},
		{
			name: "both hosts",
			in:   lockHeader + "\n" + coderLock + "\n" + tofuCoderLock + "\n" + dockerLock,
			want: lockHeader + "\n" + dockerLock,
		},
		{
			name: "no coder",
			in:   lockHeader + "\n" + dockerLock,
			want: lockHeader + "\n" + dockerLock,
		},
		{
			name: "empty",
			in:   "",
			want: "",
		},
		{
			name: "upper case address",
			in:   "provider \"Registry.Terraform.io/Coder/Coder\" {\n  version = \"2.0.0\"\n}\n\n" + dockerLock,
			want: dockerLock,
		},
		{
			name: "braces in strings and comments",
			in: lockHeader + "\n" + "# provider \"registry.terraform.io/coder/coder\" { in a comment\n" +
				"provider \"registry.terraform.io/coder/coder\" {\n  version = \"}{\" # }\n  /* } */ hashes = [\"h1:x}\"]\n}\n\n" +
				dockerLock,
			want: lockHeader + "\n" + "# provider \"registry.terraform.io/coder/coder\" { in a comment\n\n" + dockerLock,
		},
		{
			name: "other provider named like coder",
			in:   "provider \"registry.terraform.io/coder/coderd\" {\n  version = \"0.0.9\"\n}\n",
			want: "provider \"registry.terraform.io/coder/coderd\" {\n  version = \"0.0.9\"\n}\n",
		},
		{
			name: "CRLF",
			in:   "provider \"registry.terraform.io/coder/coder\" {\r\n  version = \"2.0.0\"\r\n}\r\n\r\n" + "provider \"x/y\" {\r\n}\r\n",
			want: "provider \"x/y\" {\r\n}\r\n",
		},
		{
			name: "heredoc with braces",
			in:   "provider \"registry.terraform.io/coder/coder\" {\n  note = <<EOT\n}\n{\nEOT\n}\n\n" + dockerLock,
			want: dockerLock,
		},
		{
			name: "not HCL: left as it is",
			in:   "provider \"registry.terraform.io/coder/coder\" {\n  version = \n",
			want: "provider \"registry.terraform.io/coder/coder\" {\n  version = \n",
		},
		{
			name: "no trailing newline",
			in:   dockerLock + "\n" + "provider \"registry.terraform.io/coder/coder\" {\n}",
			want: dockerLock,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := string(StripLock([]byte(tt.in)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("got a different lock file (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStripLockFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		content     *string // nil: no lock file
		wantChanged bool
		want        string
	}{
		{name: "no lock file"},
		{name: "coder entry", content: ptr(lockHeader + "\n" + coderLock + "\n" + dockerLock), wantChanged: true, want: lockHeader + "\n" + dockerLock},
		{name: "other providers only", content: ptr(lockHeader + "\n" + dockerLock), want: lockHeader + "\n" + dockerLock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			name := filepath.Join(dir, LockFileName)
			if tt.content != nil {
				if err := os.WriteFile(name, []byte(*tt.content), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			changed, err := StripLockFile(dir)
			if err != nil {
				t.Fatalf("StripLockFile: got error %v, want none", err)
			}
			if changed != tt.wantChanged {
				t.Errorf("changed: got %v, want %v", changed, tt.wantChanged)
			}
			if tt.content == nil {
				if _, err := os.Stat(name); !os.IsNotExist(err) {
					t.Errorf("lock file: got stat error %v, want not-exist", err)
				}
				return
			}
			got, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(got)); diff != "" {
				t.Errorf("got a different lock file (-want +got):\n%s", diff)
			}
			fi, err := os.Stat(name)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := fi.Mode().Perm(), os.FileMode(0o640); got != want {
				t.Errorf("mode: got %v, want %v", got, want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
