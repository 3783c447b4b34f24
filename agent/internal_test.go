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

func TestLogLine(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("s", 100)
	r := newRedactor()
	r.add([]sdk.WorkspaceSecret{{Name: "s", Value: sdk.SecretValue(secret)}})
	const mark = " [line truncated]"
	// A line lineWriter cut in the middle of a value: the part of the value
	// at the end must not survive.
	cutInValue := strings.Repeat("a", 30000) + secret[:60]
	tests := []struct {
		name string
		line string
		cut  bool
		want string
	}{
		{name: "short", line: "token " + secret, want: "token ********"},
		{name: "cut short", line: "abc", cut: true, want: mark},
		{name: "cut in a value", line: cutInValue, cut: true, want: strings.Repeat("a", 30060-sdk.MaxValueBytes) + mark},
		{name: "long", line: strings.Repeat("b", maxLogLine+5), want: strings.Repeat("b", maxLogLine) + mark},
		{name: "long with values", line: strings.Repeat(secret, 1000) + "end", want: "********end"},
		{name: "long runes", line: "a" + strings.Repeat("é", maxLogLine), want: "a" + strings.Repeat("é", maxLogLine/2-1) + mark},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := logLine(r.redact(tt.line), tt.cut)
			if got != tt.want {
				t.Errorf("logLine: got %d bytes %.40q..., want %d bytes %.40q...", len(got), got, len(tt.want), tt.want)
			}
			if strings.Contains(got, secret[:20]) {
				t.Errorf("logLine: got part of the value, want none")
			}
		})
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

func TestReporterBatches(t *testing.T) {
	t.Parallel()
	r := newReporter(nil, nil, time.Millisecond, time.Millisecond)
	big := strings.Repeat("x", maxLogLine)
	for range 5 {
		r.addLog(sdk.AgentLog{Output: big, Source: "s"})
	}
	for range 150 {
		r.addLog(sdk.AgentLog{Output: "small", Source: "s"})
	}
	r.lifecycle(sdk.LifecycleReady)
	var got []int
	for _, rep := range r.queue {
		if rep.state != "" {
			got = append(got, -1)
			continue
		}
		got = append(got, len(rep.logs))
	}
	// At 100 pending lines they are batched: about 32 KiB per batch (one
	// big line each, the last big one with 95 small ones); the state comes
	// after the 55 lines queued before it.
	want := []int{1, 1, 1, 1, 96, 55, -1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("batches: got -want +got:\n%s", diff)
	}
}
