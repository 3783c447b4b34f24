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
		out := streamed(t, r, lines)
		joined := strings.Join(out, "\n")
		if strings.Contains(joined, value) {
			t.Fatalf("Stream let the value through")
		}
		if wrap && strings.Contains(value, " ") && strings.Contains(joined, planted) {
			t.Fatalf("Stream let the wrapped value through")
		}
	})
}

// FuzzProvisionerSplit prints a value as Terraform prints a provisioner's
// output that came in parts: cut at two places, each part on a line of its
// own after the resource's prefix. Neither String nor a Stream may let the
// value through, and a Stream hands out every line once.
func FuzzProvisionerSplit(f *testing.F) {
	f.Add("s3cr3t-token", "terraform_data.build[0]", "the token is ", uint8(3), uint8(7))
	f.Add("correct horse battery staple", `null_resource.x["a (local-exec): b"]`, "", uint8(8), uint8(8))
	f.Add("aaaaaaaa", "a", "a", uint8(1), uint8(200))
	f.Add("12345 6789", "a.b", "n=", uint8(5), uint8(6))
	f.Fuzz(func(t *testing.T, value, address, before string, cut1, cut2 uint8) {
		if !redact.Maskable(value) || !utf8.ValidString(value) || strings.ContainsAny(value, "*\x00\r\n") ||
			strings.ContainsAny(address+before, "\r\n") || address == "" {
			return
		}
		r := redact.New([]sdk.SecretValue{sdk.SecretValue(value)})
		a, b := min(int(cut1), len(value)), min(int(cut2), len(value))
		if a > b {
			a, b = b, a
		}
		prefix := address + " (local-exec): "
		lines := []string{prefix + before + value[:a], prefix + value[a:b], prefix + value[b:] + " done"}
		text := strings.Join(lines, "\n")
		if got := r.String(text); strings.Contains(redact.JoinProvisionerOutput(got), value) {
			t.Fatalf("String let the value through: %q", got)
		}
		out := streamed(t, r, lines)
		joined := strings.Join(out, "\n")
		if strings.Contains(redact.JoinProvisionerOutput(joined), value) {
			t.Fatalf("Stream let the value through: %q", joined)
		}
		// The prefixes are kept, unless a value that shares characters
		// with them matched across the line breaks as white space.
		for i, l := range out {
			if !strings.ContainsAny(prefix, value) && !strings.HasPrefix(l, prefix) {
				t.Fatalf("line %d lost its address: %q", i, l)
			}
		}
	})
}

// streamed masks lines through a Stream and checks it hands out every
// line once, in order.
func streamed(t *testing.T, r *redact.Redactor, lines []string) []string {
	t.Helper()
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
	return out
}
