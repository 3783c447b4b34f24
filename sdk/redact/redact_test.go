package redact_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/redact"
)

const phrase = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec"

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestString(t *testing.T) {
	t.Parallel()
	special := "say \"hi\"\tto back\\slash é 😀\a now"
	r := redact.New([]sdk.SecretValue{
		sdk.SecretValue(phrase),
		"s3cr3t-token",
		"line-one-of-file\n{\nline-two-of-file\n",
		sdk.SecretValue(special),
		"x", "abcde", "   ab   ", "",
		"alpha \"bravo\" back\\slash ${x} %{y} tab\tnl\nbell\a é ünï",
	})
	// Terraform's word-wrap of the phrase, as it prints a failing
	// tonumber(nonsensitive(...)): the spaces become line breaks.
	wrapped := "Invalid value for \"v\" parameter: cannot convert \"alpha bravo charlie delta\n" +
		"echo foxtrot golf hotel india juliet kilo lima mike november oscar papa\n" +
		"quebec\" to number; given string must be a decimal representation of a number."
	boxed := "│ cannot convert \"alpha bravo charlie delta echo\n│ foxtrot golf hotel india juliet kilo lima mike november\n│   oscar papa quebec\" to number"
	// What Terraform 1.11 printed for tonumber() of a value with quotes, a
	// backslash, a tab, a line break and a bell: escaped, and wrapped
	// inside the escaped text.
	tfQuoted := "    │ var.p is \"alpha \\\"bravo\\\" back\\\\slash ${x} %{y} tab\\tnl\\nbell\\a é ünï\"\n\n" +
		"Invalid value for \"v\" parameter: cannot convert \"alpha \\\"bravo\\\" back\\\\slash\n" +
		"${x} %{y} tab\\tnl\\nbell\\a é ünï\" to number; given string must be a decimal\n"
	tests := []struct {
		name, in, want string
	}{
		{"terraform escaped and wrapped", tfQuoted, "    │ var.p is \"********\"\n\nInvalid value for \"v\" parameter: cannot convert \"********\" to number; given string must be a decimal\n"},
		{"whole value", "token=s3cr3t-token;", "token=********;"},
		{"nothing", "no secrets here", "no secrets here"},
		{"side by side", "s3cr3t-tokens3cr3t-token", "****************"},
		{"line of a multi-line value", "x line-two-of-file y", "x ******** y"},
		{"short line of a multi-line value", "{", "{"},
		{"multi-line value whole", "line-one-of-file\n{\nline-two-of-file\n", "********\n"},
		{"short values are not masked", "x abcde ab", "x abcde ab"},
		{"wrapped", wrapped, "Invalid value for \"v\" parameter: cannot convert \"********\" to number; given string must be a decimal representation of a number."},
		{"wrapped in a diagnostic box", boxed, "│ cannot convert \"********\" to number"},
		{"white space runs differ", "alpha  bravo\tcharlie delta echo foxtrot golf hotel india juliet kilo lima mike\r\n  november oscar papa quebec", "********"},
		{"json", "{\"v\":" + jsonQuote(special) + "}", "{\"v\":\"********\"}"},
		{"go quoted", "v is " + strconv.Quote(special), "v is \"********\""},
		{"ascii quoted", "v is " + strconv.QuoteToASCII(special), "v is \"********\""},
		{"json in json", jsonQuote("{\"v\":" + jsonQuote(special) + "}"), "\"{\\\"v\\\":\\\"********\\\"}\""},
		{"json escapes every character", "\"\\u0073\\u0033\\u0063\\u0072\\u0033\\u0074\\u002d\\u0074\\u006f\\u006b\\u0065\\u006e\"", "\"********\""},
		{"a word of the value alone", "alpha bravo", "alpha bravo"},
		{"prefix only", "alpha bravo charlie delta echo", "alpha bravo charlie delta echo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := r.String(tt.in); got != tt.want {
				t.Errorf("String(%q): got %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	var zero *redact.Redactor
	if got := zero.String("s3cr3t-token"); got != "s3cr3t-token" {
		t.Errorf("nil redactor: got %q, want the text unchanged", got)
	}
}

func TestMaskable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    string
		want bool
	}{
		{"", false}, {"x", false}, {"abcde", false}, {"  abcde\n", false}, {"abcdef", true}, {"a b c", false}, {"a b c d", true},
	}
	for _, tt := range tests {
		if got := redact.Maskable(tt.v); got != tt.want {
			t.Errorf("Maskable(%q): got %v, want %v", tt.v, got, tt.want)
		}
	}
}

type out struct {
	Line string
	Meta int
}

func TestStream(t *testing.T) {
	t.Parallel()
	r := redact.New([]sdk.SecretValue{sdk.SecretValue(phrase), "s3cr3t-token"})
	tests := []struct {
		name  string
		lines []string
		want  []string
	}{
		{
			name:  "no values",
			lines: []string{"one", "", "two"},
			want:  []string{"one", "", "two"},
		},
		{
			name:  "value in one line",
			lines: []string{"a s3cr3t-token b", "c"},
			want:  []string{"a ******** b", "c"},
		},
		{
			name: "value wrapped over lines",
			lines: []string{
				"Error: cannot convert \"alpha bravo charlie",
				"  delta echo foxtrot golf hotel india juliet kilo lima mike november oscar",
				"  papa quebec\" to number",
				"done",
			},
			want: []string{"Error: cannot convert \"********", "********", "********\" to number", "done"},
		},
		{
			name:  "a start that does not go on",
			lines: []string{"alpha bravo charlie", "zulu", "alpha"},
			want:  []string{"alpha bravo charlie", "zulu", "alpha"},
		},
		{
			name:  "cut off at the end: masked from its start",
			lines: []string{"x", "alpha bravo charlie", "delta"},
			want:  []string{"x", "********", "********"},
		},
		{
			name:  "escaped and wrapped",
			lines: []string{"{\"error\": \"alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima", "mike november oscar papa quebec\\n\"}"},
			want:  []string{"{\"error\": \"********", "********\\n\"}"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []out
			s := redact.NewStream(r, func(line string, meta int) { got = append(got, out{line, meta}) })
			for i, l := range tt.lines {
				s.Line(l, i)
			}
			s.Close()
			var want []out
			for i, l := range tt.want {
				want = append(want, out{l, i})
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("lines: got -want +got:\n%s", diff)
			}
		})
	}
}

// TestStreamHoldsOnlyWhileNeeded checks lines go out as soon as no value can
// be continuing in them, and that a Source's new values apply at once.
func TestStreamHoldsOnlyWhileNeeded(t *testing.T) {
	t.Parallel()
	src := &switching{r: redact.New([]sdk.SecretValue{sdk.SecretValue(phrase)})}
	var got []string
	s := redact.NewStream(src, func(line string, _ struct{}) { got = append(got, line) })
	s.Line("plain line", struct{}{})
	if len(got) != 1 {
		t.Fatalf("after a plain line: got %d lines out, want 1", len(got))
	}
	s.Line("ends with alpha bravo", struct{}{})
	if len(got) != 1 {
		t.Fatalf("after a line that may begin the value: got %d lines out, want 1 (held)", len(got))
	}
	s.Line("zulu", struct{}{})
	if diff := cmp.Diff([]string{"plain line", "ends with alpha bravo", "zulu"}, got); diff != "" {
		t.Fatalf("after the value did not go on: got -want +got:\n%s", diff)
	}
	src.r = redact.New([]sdk.SecretValue{"learnt-later"})
	s.Line("now learnt-later", struct{}{})
	s.Close()
	if got[len(got)-1] != "now ********" {
		t.Errorf("a value the source learnt: got %q, want %q", got[len(got)-1], "now ********")
	}
}

type switching struct{ r *redact.Redactor }

func (s *switching) Redactor() *redact.Redactor { return s.r }

// TestStreamBounded feeds the beginning of a value, wide apart (gaps of
// 200 spaces) a line at a time, until more than MaxHeld bytes are held: the
// oldest line goes out, masked from where the value begins, so memory
// stays bounded.
func TestStreamBounded(t *testing.T) {
	t.Parallel()
	word := "abcdefgh"
	words := make([]string, 2*redact.MaxHeld/200)
	for i := range words {
		words[i] = word
	}
	r := redact.New([]sdk.SecretValue{sdk.SecretValue(strings.Join(words, " "))})
	var got []string
	s := redact.NewStream(r, func(line string, _ int) { got = append(got, line) })
	s.Line("begin "+word, 0)
	gap := strings.Repeat(" ", 200)
	chunk := gap + strings.Join(words[:50], gap)
	for i := 0; len(got) == 0 && i < 2*redact.MaxHeld/len(chunk); i++ {
		s.Line(chunk, i+1)
	}
	if len(got) == 0 {
		t.Fatal("nothing went out: got 0 lines, want the oldest line out once MaxHeld is passed")
	}
	if got[0] != "begin ********" {
		t.Errorf("first line: got %.40q, want %q", got[0], "begin ********")
	}
	s.Close()
}

// TestStreamBlankLinesEndAValue checks that blank lines after the first
// word of a value let the lines go: no wrap makes a run of blank lines.
func TestStreamBlankLinesEndAValue(t *testing.T) {
	t.Parallel()
	r := redact.New([]sdk.SecretValue{sdk.SecretValue(phrase)})
	var got []string
	s := redact.NewStream(r, func(line string, _ int) { got = append(got, line) })
	s.Line("alpha", 0)
	for i := 0; i < 100000; i++ {
		s.Line("", i+1)
	}
	if len(got) < 99990 {
		t.Errorf("after the first word and blank lines: got %d lines out, want nearly all 100001", len(got))
	}
	s.Close()
}

// A "|" after a line break is a diagnostic box's border only when that
// reading finds the value; a value that holds or starts with one is masked
// wherever a line break puts it.
func TestBars(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ value, text string }{
		{"|00000", "\n|000000"},                        // a value that starts with "|", at a line's start
		{"| piped value", "x\n| piped value y"},        // the same, with a space after the bar
		{"left |right side", "e: left\n  |right side"}, // wrapped just before its "|"
		{"alpha bravo charlie", "│ alpha bravo\n│ charlie"},
		{"a│b c│d ef", "\n│ a│b\n│ c│d ef"},
	} {
		r := redact.New([]sdk.SecretValue{sdk.SecretValue(c.value)})
		got := r.String(c.text)
		if strings.Contains(got, strings.TrimSpace(c.value)) || !strings.Contains(got, sdk.Redacted) {
			t.Errorf("String(%q) with value %q = %q", c.text, c.value, got)
		}
	}
}

// TestProvisionerOutputSplit checks a value that Terraform printed over
// several lines of a provisioner's output (it prints what it has read of
// the command's output as a line whenever no byte came for 100 ms, so one
// line of the command's output is cut anywhere) is masked in every part,
// by String and by a Stream, each line keeping its prefix.
func TestProvisionerOutputSplit(t *testing.T) {
	t.Parallel()
	const value = "s3cr3t-token"
	r := redact.New([]sdk.SecretValue{value, sdk.SecretValue(phrase)})
	pre := `terraform_data.build["a b"] (local-exec): `
	for cut := 1; cut < len(value); cut++ {
		lines := []string{pre + "the token is " + value[:cut], pre + value[cut:] + " (from a file)", "terraform_data.build: Creation complete"}
		want := []string{pre + "the token is ********", pre + "******** (from a file)", lines[2]}
		if got := r.String(strings.Join(lines, "\n")); got != strings.Join(want, "\n") {
			t.Errorf("String, cut at %d: got\n%s\nwant\n%s", cut, got, strings.Join(want, "\n"))
		}
		var got []string
		s := redact.NewStream(r, func(line string, _ int) { got = append(got, line) })
		for i, l := range lines {
			s.Line(l, i)
		}
		s.Close()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Stream, cut at %d: -want +got:\n%s", cut, diff)
		}
	}
	// Three parts, indented as the CLI shows a build log, one cut at a
	// space of the value; remote-exec output too.
	for _, p := range []string{"    null_resource.x (remote-exec): ", "  module.m.terraform_data.y[0] (local-exec): "} {
		in := p + "alpha bravo ch\n" + p + "arlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar\n" + p + " papa quebec."
		want := p + "********\n" + p + "********\n" + p + "********."
		if got := r.String(in); got != want {
			t.Errorf("three parts: got\n%s\nwant\n%s", got, want)
		}
	}
	// The lines of two resources are not one line of output: nothing
	// joins them, and a line without a prefix ends one.
	for _, in := range []string{
		"a.x (local-exec): s3cr3t\na.y (local-exec): -token",
		"a.x (local-exec): s3cr3t\n-token",
	} {
		if got := r.String(in); got != in {
			t.Errorf("String(%q) = %q, want it unchanged", in, got)
		}
		if got := redact.JoinProvisionerOutput(in); got != in {
			t.Errorf("JoinProvisionerOutput(%q) = %q, want it unchanged", in, got)
		}
	}
	if got, want := redact.JoinProvisionerOutput(pre+"pr\n"+pre+"esets size=medium\nnext\n"), pre+"presets size=medium\nnext\n"; got != want {
		t.Errorf("JoinProvisionerOutput: got %q, want %q", got, want)
	}
}
