package agent

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/sdk"
)

func TestRedactor(t *testing.T) {
	t.Parallel()
	r := newRedactor()
	r.add([]sdk.WorkspaceSecret{
		{Name: "a", Value: "abc123"},
		{Name: "b", Value: "abc123-longer"},
		{Name: "pem", Value: "-----BEGIN-----\r\nline-one\n\n  \nline-two\n"},
		{Name: "blank", Value: "   "},
	})
	// A value learnt from an earlier manifest stays redacted.
	r.add([]sdk.WorkspaceSecret{{Name: "a", Value: "new-value"}})
	tests := []struct{ in, want string }{
		{"token abc123 here", "token ******** here"},
		{"abc123-longer", "********"},
		{"abc123abc123", "****************"},
		{"line-one", "********"},
		{"x line-two y", "x ******** y"},
		{"-----BEGIN-----", "********"},
		{"new-value and abc123", "******** and ********"},
		{"nothing secret   here", "nothing secret   here"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := r.redact(tt.in); got != tt.want {
			t.Errorf("redact(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

type emitted struct {
	Line string
	Cut  bool
}

func TestLineWriter(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", maxLineBuffer+10)
	tests := []struct {
		name   string
		writes []string
		want   []emitted
	}{
		{name: "lines", writes: []string{"a\nb\n"}, want: []emitted{{"a", false}, {"b", false}}},
		{name: "split writes", writes: []string{"hel", "lo\nwor", "ld\n"}, want: []emitted{{"hello", false}, {"world", false}}},
		{name: "crlf", writes: []string{"dos\r\n"}, want: []emitted{{"dos", false}}},
		{name: "empty lines", writes: []string{"\n\n"}, want: []emitted{{"", false}, {"", false}}},
		{name: "last line without newline", writes: []string{"a\nb"}, want: []emitted{{"a", false}, {"b", false}}},
		{name: "long line cut, rest dropped", writes: []string{long[:5], long[5:] + "\nnext\n"}, want: []emitted{{long[:maxLineBuffer], true}, {"next", false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []emitted
			w := newLineWriter(func(line string, cut bool) { got = append(got, emitted{line, cut}) })
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write: got %d, %v, want %d, nil", n, err, len(s))
				}
			}
			_ = w.Close()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("lines: got -want +got:\n%s", diff)
			}
		})
	}
}

func TestCutLine(t *testing.T) {
	t.Parallel()
	if got := cutLine("short", false); got != "short" {
		t.Errorf("cutLine(short): got %q, want %q", got, "short")
	}
	if got := cutLine("short", true); got != "short [line truncated]" {
		t.Errorf("cutLine(short, cut): got %q", got)
	}
	long := strings.Repeat("é", maxLogLine) // 2 bytes each
	got := cutLine(long, false)
	if !strings.HasSuffix(got, " [line truncated]") || len(got) > maxLogLine+len(" [line truncated]") {
		t.Errorf("cutLine(long): got %d bytes, want at most %d and the mark", len(got), maxLogLine)
	}
	if body := strings.TrimSuffix(got, " [line truncated]"); strings.ContainsRune(body, '\uFFFD') || len(body)%2 != 0 {
		t.Errorf("cutLine(long): cut inside a rune")
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	b := newBackoff(100*time.Millisecond, time.Second)
	ceilings := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, c := range ceilings {
		c *= time.Millisecond
		d := b.next()
		if d < c/2 || d > c {
			t.Errorf("wait %d: got %v, want within [%v, %v]", i, d, c/2, c)
		}
	}
	b.reset()
	if d := b.next(); d > 100*time.Millisecond {
		t.Errorf("wait after reset: got %v, want at most 100ms", d)
	}
}
