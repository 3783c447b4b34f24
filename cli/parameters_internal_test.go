package cli

import (
	"strings"
	"testing"
)

func TestParseValuesFile(t *testing.T) {
	got, err := parseValuesFile([]byte("a: x\nn: 10\nb: true\nl: [git, \"v i\"]\nq: \"quoted: yes\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "x", "n": "10", "b": "true", "l": `["git","v i"]`, "q": "quoted: yes"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d names, want %d", len(got), len(want))
	}
	for _, bad := range []struct{ in, want string }{
		{"- a\n- b\n", "want a mapping"},
		{"a: x\na: y\n", `"a" is given twice`},
		{"a: {b: c}\n", "must be a string"},
		{"a: [[x]]\n", "holds only strings"},
		{"a: [x\n", "not valid YAML"},
	} {
		if _, err := parseValuesFile([]byte(bad.in)); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: got %v, want an error with %q", bad.in, err, bad.want)
		}
	}
}

func FuzzParseValuesFile(f *testing.F) {
	f.Add([]byte("a: x\nl: [1, 2]\n"))
	f.Add([]byte("&a x: *a\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseValuesFile(b)
		if err == nil && m == nil {
			t.Fatal("nil map without an error")
		}
	})
}
