package secretimport_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/secretimport"
)

// FuzzParse: no input crashes any reader; what is accepted is within the
// limits and valid; an error never quotes a line that held no key.
func FuzzParse(f *testing.F) {
	f.Add(0, "A=1\nexport B=\"x\\ny\"\n# c\nC='z'\n")
	f.Add(0, "A=\"open\nB=2")
	f.Add(1, "{\"A\": \"1\", \"B\": \"x\"}")
	f.Add(1, "{\"A\": 1, \"A\": [2]}")
	f.Add(2, "A: x\nB: \"2\"\nC: |\n  l\n")
	f.Add(2, "a: &a [x]\nb: *a\n---\nc: d\n")
	formats := []secretimport.Format{secretimport.Dotenv, secretimport.JSON, secretimport.YAML}
	f.Fuzz(func(t *testing.T, which int, content string) {
		format := formats[uint(which)%uint(len(formats))]
		items, err := secretimport.Parse(format, []byte(content))
		if err != nil {
			if items != nil {
				t.Fatal("items and an error")
			}
			return
		}
		if len(items) == 0 || len(items) > secretimport.MaxKeys {
			t.Fatalf("%d items accepted", len(items))
		}
		seen := map[string]bool{}
		for _, it := range items {
			if seen[it.Name] {
				t.Fatalf("duplicate name %q accepted", it.Name)
			}
			seen[it.Name] = true
			if err := sdk.ValidateSecretName(it.Name); err != nil {
				t.Fatalf("invalid name accepted: %v", err)
			}
			if err := sdk.ValidateSecretValue(it.Value); err != nil || !utf8.ValidString(it.Value.Reveal()) {
				t.Fatalf("invalid value accepted: %v", err)
			}
			if it.Enabled != (it.EnvName != "") || (it.EnvName != "" && it.EnvName != it.Name) {
				t.Fatalf("item %+v: enabled exactly when the key is its env name", it)
			}
			if it.EnvName != "" && sdk.ValidateEnvName(it.EnvName) != nil {
				t.Fatalf("invalid env name %q accepted", it.EnvName)
			}
		}
	})
}

// FuzzDotenvNoKeyLines: a line without "=" is never echoed in the error.
func FuzzDotenvNoKeyLines(f *testing.F) {
	f.Add("-----BEGIN OPENSSH PRIVATE KEY-----")
	f.Add("b3BlbnNzaC1rZXktdjEAAAAABG5vbmU")
	f.Fuzz(func(t *testing.T, line string) {
		line = strings.TrimSpace(line)
		if len(line) < 8 || strings.ContainsAny(line, "=\n\r#") || !utf8.ValidString(line) || strings.HasPrefix(line, "export") {
			return
		}
		_, err := secretimport.Parse(secretimport.Dotenv, []byte(line+"\n"))
		if err == nil {
			t.Fatal("a line with no = was accepted")
		}
		if strings.Contains(err.Error(), line) {
			t.Fatalf("the error quotes the line: %v", err)
		}
	})
}
