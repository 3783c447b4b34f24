package sdk_test

import (
	"net/url"
	"path"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/placement"
)

// The fuzz targets check each validator's promise on whatever it accepts.
// `make test` runs them on their seeds; `make fuzz` explores.

func FuzzValidateSecretName(f *testing.F) {
	for _, s := range []string{"api-key", "my key", "caf\u00e9", "cafe\u0301", ".", "..", "...", "a/b", "a?b", "a#b",
		"a\u202Eb", "a\u200Bb", "\uFEFF", " x", "x ", "\x00", "a\xffb", strings.Repeat("n", 64), strings.Repeat("é", 65), "%2e%2e", "\U0001F511"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if sdk.ValidateSecretName(name) != nil {
			return
		}
		if !utf8.ValidString(name) || name == "" || utf8.RuneCountInString(name) > sdk.MaxNameLength {
			t.Fatalf("accepted %q: not 1 to %d characters of UTF-8", name, sdk.MaxNameLength)
		}
		if !norm.NFC.IsNormalString(name) || sdk.NormalizeSecretName(name) != name {
			t.Fatalf("accepted %q: not NFC", name)
		}
		if strings.ContainsAny(name, "/?#") {
			t.Fatalf("accepted %q: holds / ? or #", name)
		}
		// The name must survive as one path segment of the API: escaped,
		// resolved by a URL parser and cleaned by the server's router.
		u, err := url.Parse("http://h/api/v2/users/me/secrets/" + url.PathEscape(name))
		if err != nil {
			t.Fatalf("accepted %q: its URL does not parse: %v", name, err)
		}
		if p := path.Clean(u.Path); p != u.Path || path.Base(p) != name {
			t.Fatalf("accepted %q: its URL path %q does not keep it as one segment", name, u.Path)
		}
	})
}

func FuzzValidateEnvName(f *testing.F) {
	for _, s := range []string{"API_KEY", "_x", "PATH", "path", "CODER", "CODER_X", "coder_x", "GIT_DIR", "LC_ALL", "LD_PRELOAD",
		"DYLD_X", "1A", "A-B", "", "A\u0130", strings.Repeat("A", 256), strings.Repeat("A", 257), "\u212A"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		syntaxErr := sdk.ValidateEnvNameSyntax(name)
		err := sdk.ValidateEnvName(name)
		if err == nil && syntaxErr != nil {
			t.Fatalf("%q: ValidateEnvName accepts what ValidateEnvNameSyntax refuses (%v)", name, syntaxErr)
		}
		if syntaxErr == nil {
			if name == "" || len(name) > sdk.MaxEnvNameBytes {
				t.Fatalf("accepted %q: not 1 to %d bytes", name, sdk.MaxEnvNameBytes)
			}
			for i, c := range []byte(name) {
				letter := c == '_' || ('A' <= c && c <= 'Z') || ('a' <= c && c <= 'z')
				if !letter && (i == 0 || c < '0' || c > '9') {
					t.Fatalf("accepted %q: byte %d is %q", name, i, c)
				}
			}
		}
		if err == nil {
			up := strings.ToUpper(name)
			for _, p := range []string{"CODER_", "GIT_", "LC_", "LD_", "DYLD_"} {
				if strings.HasPrefix(up, p) {
					t.Fatalf("accepted %q: reserved prefix %s", name, p)
				}
			}
			if up == "PATH" || up == "HOME" || up == "CODER" {
				t.Fatalf("accepted reserved %q", name)
			}
		}
	})
}

func FuzzValidateFilePath(f *testing.F) {
	for _, s := range []string{"~/.config/tool/config.json", "/etc/x", "~/", "/", "~", "/.", "~/.", "/etc/..", "~/../x", "/a/./b",
		`~/a\..`, `~\x`, "/a//b", "relative", "/a\x00b", "~/" + strings.Repeat("p", 4094), "/C:", "//server/share", "~/x/", "/\u202E"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if sdk.ValidateFilePath(p) != nil {
			return
		}
		if len(p) > sdk.MaxFilePathBytes || strings.IndexByte(p, 0) >= 0 {
			t.Fatalf("accepted %q: too long or holds NUL", p)
		}
		// Whatever is accepted, the agent can place: on Linux and on
		// Windows it resolves to a file below home or the root.
		for _, sys := range []struct{ goos, home, vol string }{
			{"linux", "/home/coder", ""},
			{"darwin", "/Users/coder", ""},
			{"windows", `C:\Users\coder`, "C:"},
		} {
			got, err := placement.ResolvePath(p, sys.home, sys.goos, sys.vol)
			if err != nil {
				t.Fatalf("accepted %q, but on %s it does not resolve: %v", p, sys.goos, err)
			}
			if got == sys.home || got == "/" || got == `C:\` {
				t.Fatalf("accepted %q: on %s it resolves to the folder %q", p, sys.goos, got)
			}
		}
	})
}

func FuzzValidateDescription(f *testing.F) {
	for _, s := range []string{"", "API key for workspace tools", "a\x00b", "\xff", strings.Repeat("d", 1024), strings.Repeat("d", 1025), "line\nbreak"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, d string) {
		if sdk.ValidateDescription(d) != nil {
			return
		}
		if !utf8.ValidString(d) || utf8.RuneCountInString(d) > sdk.MaxDescriptionLen || strings.IndexByte(d, 0) >= 0 {
			t.Fatalf("accepted %q", d)
		}
	})
}

func FuzzValidateSecretValue(f *testing.F) {
	for _, s := range []string{"v", "", "a\x00b", "\xff", strings.Repeat("x", sdk.MaxValueBytes), strings.Repeat("x", sdk.MaxValueBytes+1)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		err := sdk.ValidateSecretValue(sdk.SecretValue(v))
		if err == nil && (v == "" || len(v) > sdk.MaxValueBytes || !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0) {
			t.Fatalf("accepted a bad value of %d bytes", len(v))
		}
		if err != nil && len(v) >= 4 && strings.Contains(err.Error(), v) {
			t.Fatalf("the error %q quotes the value", err)
		}
	})
}
