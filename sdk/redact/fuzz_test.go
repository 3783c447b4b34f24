package redact_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/redact"
)

var spaces = regexp.MustCompile(` +`)

// FuzzRedact plants a value in text, as is or word-wrapped (each space a
// line break and indentation), and checks that neither String nor a Stream
// over the text's lines lets the value through, and that a Stream hands out
// every line once.
func FuzzRedact(f *testing.F) {
	f.Add("correct horse battery staple", "error: \"", "\" is not a number", true)
	f.Add("s3cr3t-token", "token=", "", false)
	f.Add("a \"quoted\" \\ value", "{\"v\":\"", "\"}", true)
	f.Add("line-one\nline-two", "x ", " y", false)
	f.Add("aaaaaa", "a", "a", false)
	f.Fuzz(func(t *testing.T, value, prefix, suffix string, wrap bool) {
		if !redact.Maskable(value) || !utf8.ValidString(value) || strings.ContainsAny(value, "*\x00") {
			return
		}
		r := redact.New([]sdk.SecretValue{sdk.SecretValue(value)})
		planted := value
		// A multi-line value is masked line by line (lines of at least
		// the minimum length), as docs/operator.md says: wrapping one
		// can leave only short pieces, which are not masked.
		if strings.Contains(value, "\n") {
			wrap = false
		}
		if wrap {
			// Terraform breaks a run of spaces into one line break.
			planted = spaces.ReplaceAllString(value, "\n  ")
		}
		text := prefix + planted + suffix
		if got := r.String(text); strings.Contains(got, value) {
			t.Fatalf("String let the value through")
		}
		lines := strings.Split(text, "\n")
		var out []string
		s := redact.NewStream(r, func(line string, i int) {
			if i != len(out) {
				t.Fatalf("Stream handed out line %d as line %d", i, len(out))
			}
			out = append(out, line)
		})
		for i, l := range lines {
			s.Line(l, i)
		}
		s.Close()
		if len(out) != len(lines) {
			t.Fatalf("Stream: got %d lines out, want %d", len(out), len(lines))
		}
		joined := strings.Join(out, "\n")
		if strings.Contains(joined, value) {
			t.Fatalf("Stream let the value through")
		}
		if wrap && strings.Contains(value, " ") && strings.Contains(joined, planted) {
			t.Fatalf("Stream let the wrapped value through")
		}
	})
}
