package agent

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRefreshDirectives(t *testing.T) {
	tests := []struct {
		name, script string
		want         []string
	}{
		{"none", "echo hi\n", nil},
		{"one", "#!/bin/sh\n# coder:on-secret-refresh: nginx -s reload\necho hi\n", []string{"nginx -s reload"}},
		{"indented, no blank, CRLF", "  \t#coder:on-secret-refresh:  kill -HUP 1 \r\n", []string{"kill -HUP 1"}},
		{"several in order", "# coder:on-secret-refresh: a\nx\n# coder:on-secret-refresh: b", []string{"a", "b"}},
		{"empty command skipped", "# coder:on-secret-refresh:   \n", nil},
		{"not a comment", "echo '# coder:on-secret-refresh: x'\n", nil},
		{"other directive", "# coder:on-secret-change: x\n", nil},
		{"case matters", "# CODER:ON-SECRET-REFRESH: x\n", nil},
		{"capped", strings.Repeat("# coder:on-secret-refresh: x\n", maxRefreshCommands+5), strings.Split(strings.Repeat("x ", maxRefreshCommands), " ")[:maxRefreshCommands]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, parseRefreshDirectives(tt.script)); diff != "" {
				t.Errorf("parseRefreshDirectives (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParseRefreshDirectives: any script text parses without a panic; every
// command is non-empty, trimmed, on one line, and comes from a line of the
// script; there are at most maxRefreshCommands.
func FuzzParseRefreshDirectives(f *testing.F) {
	f.Add("# coder:on-secret-refresh: nginx -s reload\n")
	f.Add("#coder:on-secret-refresh:\r\n# coder:on-secret-refresh: x\r")
	f.Add("echo\n\t# coder:on-secret-refresh: a b c")
	f.Fuzz(func(t *testing.T, script string) {
		got := parseRefreshDirectives(script)
		if len(got) > maxRefreshCommands {
			t.Fatalf("%d commands", len(got))
		}
		for _, c := range got {
			if c == "" || c != strings.TrimSpace(c) || strings.ContainsAny(c, "\n") || !strings.Contains(script, c) {
				t.Fatalf("command %q of %q", c, script)
			}
		}
	})
}
