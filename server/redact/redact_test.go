package redact_test

import (
	"testing"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/redact"
)

func TestRedactor(t *testing.T) {
	r := redact.New([]sdk.SecretValue{"s3cr3t-token", "line-one-of-file\n{\nline-two-of-file\n", ""})
	cases := []struct{ in, want string }{
		{"token=s3cr3t-token;", "token=********;"},
		{"no secrets here", "no secrets here"},
		{"line-two-of-file", "********"},
		{"{", "{"},
		{"line-one-of-file\n{\nline-two-of-file\n", "********"},
	}
	for _, tc := range cases {
		if got := r.String(tc.in); got != tc.want {
			t.Errorf("String(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
	var zero *redact.Redactor
	if got := zero.String("x"); got != "x" {
		t.Errorf("nil redactor: got %q, want x", got)
	}
}
