package sdk

import (
	"strings"
	"testing"
)

// TestValidateSecretName checks the rules that keep two different names
// from looking alike and every name usable as a URL path segment.
func TestValidateSecretName(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		wantErr string // "" means valid
	}{
		{"plain", "api-key", ""},
		{"inner space", "my api key", ""},
		{"composed accent (NFC)", "caf\u00e9", ""},
		{"emoji", "key \U0001F511", ""},
		{"dot inside", "a.b", ""},
		{"three dots", "...", ""},
		{"dot", ".", "not allowed"},
		{"dot dot", "..", "not allowed"},
		{"empty", "", "required"},
		{"decomposed accent (NFD)", "cafe\u0301", "NFC"},
		{"right-to-left override", "abc\u202Etxt", "invisible"},
		{"left-to-right mark", "a\u200Eb", "invisible"},
		{"bidi isolate", "a\u2067b", "invisible"},
		{"arabic letter mark", "a\u061Cb", "invisible"},
		{"zero-width space", "api\u200Bkey", "invisible"},
		{"zero-width joiner", "a\u200Db", "invisible"},
		{"word joiner", "a\u2060b", "invisible"},
		{"byte order mark", "\uFEFFkey", "invisible"},
		{"soft hyphen", "a\u00ADb", "invisible"},
		{"variation selector", "a\uFE0Fb", "invisible"},
		{"hangul filler", "a\u3164b", "invisible"},
		{"line separator", "a\u2028b", "invisible"},
		{"slash", "a/b", `"/"`},
		{"control", "a\x07b", "control"},
		{"not UTF-8", "a\xffb", "UTF-8"},
		{"too long", strings.Repeat("n", 65), "at most 64"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateSecretName(tc.in)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("ValidateSecretName(%q): got %v, want nil", tc.in, err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("ValidateSecretName(%q): got nil, want an error mentioning %q", tc.in, tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("ValidateSecretName(%q): got %q, want it to mention %q", tc.in, err, tc.wantErr)
			}
		})
	}
}

// TestNormalizeSecretName checks that the NFD and NFC spellings of a name
// meet, and that the normalized form is always valid when the input was
// valid but for its normalization.
func TestNormalizeSecretName(t *testing.T) {
	cases := []struct{ in, want string }{
		{"cafe\u0301", "caf\u00e9"},
		{"caf\u00e9", "caf\u00e9"},
		{"A\u030Angstr\u00f6m", "\u00C5ngstr\u00f6m"},
		{"plain", "plain"},
		{"a\xffb", "a\xffb"}, // invalid UTF-8 stays as it is, for the validator to refuse
	}
	for _, tc := range cases {
		if got := NormalizeSecretName(tc.in); got != tc.want {
			t.Errorf("NormalizeSecretName(%q): got %q, want %q", tc.in, got, tc.want)
		}
	}
	if err := ValidateSecretName(NormalizeSecretName("cafe\u0301")); err != nil {
		t.Errorf("the normalized name is refused: got %v, want nil", err)
	}
}

// TestValidateFilePath checks that a file target names a file: no
// directory-naming path can be stored.
func TestValidateFilePath(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		wantErr string
	}{
		{"home file", "~/.config/tool/config.json", ""},
		{"absolute file", "/etc/tool.conf", ""},
		{"dot file", "~/.netrc", ""},
		{"dots inside a name", "~/a..b/c...", ""},
		{"root dot", "/.", `"." element`},
		{"home dot", "~/.", `"." element`},
		{"parent at end", "/etc/..", `".." element`},
		{"parent inside", "~/../other/x", `".." element`},
		{"dot inside", "/a/./b", `"." element`},
		{"windows separator parent", `~/a\..`, `".." element`},
		{"trailing slash", "~/dir/", "names a directory"},
		{"trailing backslash", `~/dir\`, "names a directory"},
		{"root backslash", `/\`, "names a directory"},
		{"root", "/", "names a directory"},
		{"home only", "~/", "names a directory"},
		{"relative", "a/b", "must start with"},
		{"tilde only", "~", "must start with"},
		{"NUL", "/a\x00b", "NUL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateFilePath(tc.in)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("ValidateFilePath(%q): got %v, want nil", tc.in, err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("ValidateFilePath(%q): got nil, want an error mentioning %q", tc.in, tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("ValidateFilePath(%q): got %q, want it to mention %q", tc.in, err, tc.wantErr)
			}
		})
	}
}
