package secretimport_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/usersecrets/coder/sdk/secretimport"
)

type kv struct{ name, env, value string }

func parse(t *testing.T, f secretimport.Format, content string) []kv {
	t.Helper()
	items, err := secretimport.Parse(f, []byte(content))
	if err != nil {
		t.Fatalf("Parse(%s): %v", f, err)
	}
	var out []kv
	for i, it := range items {
		if it.Index != i {
			t.Errorf("item %d has Index %d", i, it.Index)
		}
		out = append(out, kv{it.Name, it.EnvName, it.Value.Reveal()})
	}
	return out
}

func refuse(t *testing.T, f secretimport.Format, content string, want ...string) string {
	t.Helper()
	items, err := secretimport.Parse(f, []byte(content))
	if err == nil {
		t.Fatalf("Parse(%s) accepted %q: %d items", f, content, len(items))
	}
	var ie *secretimport.Error
	if !errors.As(err, &ie) {
		t.Fatalf("error is %T, want *secretimport.Error: %v", err, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	return err.Error()
}

func equal(t *testing.T, got []kv, want ...kv) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestDotenvRules(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []kv
	}{
		{"plain", "A=1\nB=two words\n", []kv{{"A", "A", "1"}, {"B", "B", "two words"}}},
		{"export", "export A=1\nexport\tB=2\n", []kv{{"A", "A", "1"}, {"B", "B", "2"}}},
		{"first = splits", "A=b=c==\n", []kv{{"A", "A", "b=c=="}}},
		{"blanks around", "  A  =   v  \n", []kv{{"A", "A", "v"}}},
		{"hash in unquoted value is literal", "A=abc#def # not a comment\n", []kv{{"A", "A", "abc#def # not a comment"}}},
		{"comments and blank lines", "# c\n\n   # indented\nA=1\n\n", []kv{{"A", "A", "1"}}},
		{"double quote escapes", `A="l1\nl2\tt\rr\\b\"q\x"` + "\n", []kv{{"A", "A", "l1\nl2\tt\rr\\b\"q\\x"}}},
		{"single quotes literal", `A='a\nb "c" #d'` + "\n", []kv{{"A", "A", `a\nb "c" #d`}}},
		{"comment after quote", `A="v" # note` + "\n", []kv{{"A", "A", "v"}}},
		{"multi-line double", "A=\"-----BEGIN\nbody\n-----END\"\nB=2\n", []kv{{"A", "A", "-----BEGIN\nbody\n-----END"}, {"B", "B", "2"}}},
		{"multi-line single", "A='x\ny'\n", []kv{{"A", "A", "x\ny"}}},
		{"CRLF", "A=1\r\nB=\"x\r\ny\"\r\n", []kv{{"A", "A", "1"}, {"B", "B", "x\ny"}}},
		{"BOM", "\ufeffA=1\n", []kv{{"A", "A", "1"}}},
		{"no final newline", "A=1", []kv{{"A", "A", "1"}}},
		{"key named export", "export=1\n", []kv{{"export", "export", "1"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			equal(t, parse(t, secretimport.Dotenv, c.in), c.want...)
		})
	}
}

func TestDotenvRefusals(t *testing.T) {
	refuse(t, secretimport.Dotenv, "A=1\nB=2\nA=3\n", "line 3", `duplicate key "A" (first on line 1)`)
	refuse(t, secretimport.Dotenv, "A=1\njust words\n", "line 2: expected KEY=VALUE")
	refuse(t, secretimport.Dotenv, "=v\n", "line 1: the key before = is empty")
	refuse(t, secretimport.Dotenv, "A=\"never closed\nB=2\n", `line 1: key "A": the value's " quote is never closed`)
	refuse(t, secretimport.Dotenv, "A='x' y\n", `line 1: key "A": unexpected text after the closing quote`)
	refuse(t, secretimport.Dotenv, "A=\n", `line 1: key "A": value is required`)
	refuse(t, secretimport.Dotenv, "# only comments\n", "holds no secrets")
	refuse(t, secretimport.Dotenv, "", "holds no secrets")
	// Several problems are all listed.
	msg := refuse(t, secretimport.Dotenv, "x\nA=1\ny\nA=2\n", "line 1: expected", "line 3: expected", "line 4: duplicate")
	if strings.Count(msg, "\n") != 3 {
		t.Errorf("want three problems, one a line: %q", msg)
	}
}

func TestErrorsNeverQuoteValues(t *testing.T) {
	const canary = "CANARY-8d1f0c6a"
	for _, c := range []struct {
		f  secretimport.Format
		in string
	}{
		{secretimport.Dotenv, canary + "\n"},                                  // a line with no key
		{secretimport.Dotenv, "A=\"" + canary + "\nB=1"},                      // unclosed quote
		{secretimport.Dotenv, "A='" + canary + "' trailing " + canary + "\n"}, // text after the quote
		{secretimport.Dotenv, "A=" + canary + "\x00\n"},                       // NUL in the value
		{secretimport.Dotenv, "A=" + canary + "\nA=" + canary + "\n"},         // duplicate
		{secretimport.Dotenv, "-----BEGIN" + strings.Repeat("x", 70) + "==\n"},
		{secretimport.JSON, `{"A": "` + canary + `" "B"}`},
		{secretimport.JSON, `{"A": {"x": "` + canary + `"}}`},
		{secretimport.JSON, `{"A": "` + canary},
		{secretimport.JSON, `["` + canary + `"]`},
		{secretimport.YAML, "A: [" + canary + "\n"},
		{secretimport.YAML, "A: " + canary + "\n  : - x\n"},
		{secretimport.YAML, "A: {x: " + canary + "}\n"},
		{secretimport.YAML, "A: &a " + canary + "\nB: *a\n"},
	} {
		_, err := secretimport.Parse(c.f, []byte(c.in))
		if err == nil {
			t.Errorf("%s %q accepted", c.f, c.in)
			continue
		}
		if strings.Contains(err.Error(), canary) || strings.Contains(err.Error(), "xxxxxxxx") {
			t.Errorf("%s: the error quotes the value: %v", c.f, err)
		}
	}
}

func TestJSON(t *testing.T) {
	equal(t, parse(t, secretimport.JSON, "{\n  \"A\": \"1\",\n  \"b_2\": \"x\\ny \\u00e9\"\n}\n"),
		kv{"A", "A", "1"}, kv{"b_2", "b_2", "x\ny é"})
	refuse(t, secretimport.JSON, "{\"A\": \"1\",\n\"A\": \"2\"}", `line 2: duplicate key "A" (first on line 1)`)
	refuse(t, secretimport.JSON, `{"A": 1}`, `key "A": the value must be a string`)
	refuse(t, secretimport.JSON, `{"A": true}`, `key "A": the value must be a string`)
	refuse(t, secretimport.JSON, `{"A": null}`, `key "A": the value must be a string`)
	refuse(t, secretimport.JSON, `{"A": ["x"]}`, `key "A": the value must be a string`)
	refuse(t, secretimport.JSON, `["A"]`, "one JSON object")
	refuse(t, secretimport.JSON, `{"A": "1"} {"B": "2"}`, "unexpected text after the JSON object")
	refuse(t, secretimport.JSON, `{"A": "1"`, "not JSON")
	refuse(t, secretimport.JSON, `{}`, "holds no secrets")
}

func TestYAML(t *testing.T) {
	equal(t, parse(t, secretimport.YAML, "A: one\nB: \"2\"\nC: 'true'\nD: |\n  l1\n  l2\n# comment\nE: \"x\\ty\"\n"),
		kv{"A", "A", "one"}, kv{"B", "B", "2"}, kv{"C", "C", "true"}, kv{"D", "D", "l1\nl2\n"}, kv{"E", "E", "x\ty"})
	refuse(t, secretimport.YAML, "A: 1\n", `line 1: key "A": the value must be a string: quote it`)
	refuse(t, secretimport.YAML, "A: x\nB: yes\n", `line 2: key "B"`)
	refuse(t, secretimport.YAML, "A: true\n", "quote it")
	refuse(t, secretimport.YAML, "A: null\n", "quote it")
	refuse(t, secretimport.YAML, "A: ~\n", "quote it")
	refuse(t, secretimport.YAML, "A:\n", "quote it")
	refuse(t, secretimport.YAML, "A: [x]\n", "maps and lists cannot be imported")
	refuse(t, secretimport.YAML, "A: {x: y}\n", "maps and lists cannot be imported")
	refuse(t, secretimport.YAML, "A: x\nA: z\n", "duplicate key") // the parser or Parse refuses it
	refuse(t, secretimport.YAML, "A: &v x\nB: *v\n", "anchors and aliases are not allowed")
	refuse(t, secretimport.YAML, "A: !!str x\n", `key "A"`)
	refuse(t, secretimport.YAML, "base: &b {x: y}\n<<: *b\n", "not allowed")
	refuse(t, secretimport.YAML, "A: x\n---\nB: y\n", "one YAML document")
	refuse(t, secretimport.YAML, "- A\n- B\n", "one map of strings")
	refuse(t, secretimport.YAML, "A: [unclosed\n", "not YAML")
	refuse(t, secretimport.YAML, "", "holds no secrets")
	refuse(t, secretimport.YAML, "1: x\n", "each key must be a plain string")
}

// A billion-laughs file is refused at once: aliases are never expanded.
func TestYAMLAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	start := time.Now()
	refuse(t, secretimport.YAML, b.String(), "not allowed")
	// The bound is generous for a loaded machine; expanding the file would
	// build 9^10 strings and never finish.
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing the alias bomb took %v", d)
	}
}

func TestNamesAndTargets(t *testing.T) {
	items, err := secretimport.Parse(secretimport.Dotenv, []byte("GOOD=1\nlower_ok=2\nmy-key=3\nPATH=4\nCODER_X=5\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name, env string
		enabled   bool
		warn      string
	}{
		{"GOOD", "GOOD", true, ""},
		{"lower_ok", "lower_ok", true, ""},
		{"my-key", "", false, "may contain only letters"},
		{"PATH", "", false, "reserved"},
		{"CODER_X", "", false, "reserved"},
	}
	for i, w := range want {
		it := items[i]
		if it.Name != w.name || it.EnvName != w.env || it.Enabled != w.enabled || !strings.Contains(it.Warning, w.warn) || (w.warn == "") != (it.Warning == "") {
			t.Errorf("item %d = %+v, want %+v", i, it, w)
		}
		if it.Line != i+1 {
			t.Errorf("item %d: line %d, want %d", i, it.Line, i+1)
		}
	}
	refuse(t, secretimport.Dotenv, "a/b=1\n", "line 1: the key is not a valid secret name")
	refuse(t, secretimport.Dotenv, "..=1\n", "line 1: the key is not a valid secret name")
}

func TestLimits(t *testing.T) {
	var b strings.Builder
	for i := 0; i < secretimport.MaxKeys+3; i++ {
		fmt.Fprintf(&b, "K%d=v\n", i)
	}
	refuse(t, secretimport.Dotenv, b.String(), "holds 53 keys; at most 50", "remove 3")
	big := "A=" + strings.Repeat("x", secretimport.MaxBytes) + "\n"
	refuse(t, secretimport.Dotenv, big, "at most 1048576 bytes")
	refuse(t, secretimport.Dotenv, "A=1\nB=\xff\n", "line 2: the file is not valid UTF-8")
	// Exactly the limit is fine.
	b.Reset()
	for i := 0; i < secretimport.MaxKeys; i++ {
		fmt.Fprintf(&b, "K%d=v\n", i)
	}
	if got := parse(t, secretimport.Dotenv, b.String()); len(got) != secretimport.MaxKeys {
		t.Errorf("got %d items", len(got))
	}
}

func TestFormats(t *testing.T) {
	for name, want := range map[string]secretimport.Format{
		".env": secretimport.Dotenv, "prod.env": secretimport.Dotenv, "dir/x.ENV": secretimport.Dotenv,
		"s.json": secretimport.JSON, "s.yaml": secretimport.YAML, "s.YML": secretimport.YAML,
	} {
		if got, err := secretimport.FormatFromName(name); err != nil || got != want {
			t.Errorf("FormatFromName(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	for _, name := range []string{".env.local", "secrets", "-", "x.txt"} {
		if _, err := secretimport.FormatFromName(name); err == nil || !strings.Contains(err.Error(), "--input-format") {
			t.Errorf("FormatFromName(%q): %v, want a hint at --input-format", name, err)
		}
	}
	for in, want := range map[string]secretimport.Format{"dotenv": secretimport.Dotenv, "ENV": secretimport.Dotenv, "json": secretimport.JSON, "yml": secretimport.YAML, " yaml ": secretimport.YAML} {
		if got, err := secretimport.ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := secretimport.ParseFormat("toml"); err == nil || !strings.Contains(err.Error(), "dotenv") {
		t.Errorf("ParseFormat(toml): %v", err)
	}
	if _, err := secretimport.Parse("toml", []byte("A=1")); err == nil {
		t.Error("Parse with an unknown format succeeded")
	}
}
