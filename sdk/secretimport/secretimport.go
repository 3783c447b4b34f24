// Package secretimport reads a file of secrets to import: a .env file, a
// flat JSON object or a flat YAML map of strings. The CLI parses a file with
// it before anything is sent (a private key picked by mistake never leaves
// the machine) and the server parses a batch request with the same rules.
//
// Each key becomes a secret whose name and environment variable are the key.
// A key that is a valid secret name but not a usable environment variable
// name is imported disabled, with no target, and a warning. Errors name the
// line and the key, never a value; a line that holds no key is not quoted.
package secretimport

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/usersecrets/coder/sdk"
)

// Limits of one import.
const (
	MaxBytes = 1 << 20 // the file's size
	MaxKeys  = 50      // secrets per import
	// maxProblems bounds how many problems one error lists.
	maxProblems = 20
)

// Format is a file format.
type Format string

// The formats.
const (
	Dotenv Format = "dotenv"
	JSON   Format = "json"
	YAML   Format = "yaml"
)

// Formats lists the format names ParseFormat accepts, for help texts.
const Formats = "dotenv (or env), json, yaml (or yml)"

// ParseFormat reads a format name as a user gives it (--input-format, or
// the API's format field): dotenv, env, json, yaml or yml, in any case.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), ".")) {
	case "dotenv", "env":
		return Dotenv, nil
	case "json":
		return JSON, nil
	case "yaml", "yml":
		return YAML, nil
	case "":
		return "", fmt.Errorf("a format is required: one of %s", Formats)
	}
	return "", fmt.Errorf("unknown format %q: use one of %s", printable(s), Formats)
}

// FormatFromName guesses the format from a file name: a name ending in
// .env (or the name .env itself), .json, .yaml or .yml. Any other name, such
// as .env.local, needs the format said explicitly.
func FormatFromName(name string) (Format, error) {
	base := filepath.Base(filepath.ToSlash(name))
	ext := strings.ToLower(filepath.Ext(base))
	if strings.EqualFold(base, ".env") {
		ext = ".env"
	}
	switch ext {
	case ".env":
		return Dotenv, nil
	case ".json":
		return JSON, nil
	case ".yaml", ".yml":
		return YAML, nil
	}
	return "", fmt.Errorf("cannot tell the format of %q from its name: give --input-format (%s)", printable(base), Formats)
}

// Item is one secret read from a file.
type Item struct {
	// Index is the item's position in the file, from 0.
	Index int
	// Line is the line (from 1) where the key stands.
	Line int
	Name string
	// EnvName is the environment variable the secret sets: the key, or ""
	// when the key cannot be one (then Enabled is false).
	EnvName string
	Value   sdk.SecretValue
	Enabled bool
	// Warning says why an item was imported disabled.
	Warning string
}

// Problem is one thing wrong with a file.
type Problem struct {
	Line int // 0 when the problem is the whole file's
	Msg  string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return p.Msg
	}
	return fmt.Sprintf("line %d: %s", p.Line, p.Msg)
}

// Error is a file that cannot be imported. It lists its problems (at most
// maxProblems, then how many more).
type Error struct {
	Problems []Problem
	More     int
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("the file cannot be imported")
	if len(e.Problems) == 1 && e.More == 0 {
		b.WriteString(": " + e.Problems[0].String())
		return b.String()
	}
	b.WriteString(":")
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n  and %d more", e.More)
	}
	return b.String()
}

type problems struct{ Error }

func (p *problems) add(line int, format string, args ...any) {
	if len(p.Problems) >= maxProblems {
		p.More++
		return
	}
	p.Problems = append(p.Problems, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	if len(p.Problems) == 0 {
		return nil
	}
	e := p.Error
	return &e
}

// entry is a key and value as a format's reader found them.
type entry struct {
	line  int
	key   string
	value string
}

// Parse reads content in format and returns its items, in file order, or an
// *Error listing every problem found. Nothing is partial: either every key
// is importable or the result is an error.
func Parse(format Format, content []byte) ([]Item, error) {
	if len(content) > MaxBytes {
		return nil, &Error{Problems: []Problem{{Msg: fmt.Sprintf("the file is %d bytes long; at most %d bytes (1 MiB) can be imported", len(content), MaxBytes)}}}
	}
	if !utf8.Valid(content) {
		return nil, &Error{Problems: []Problem{{Line: invalidUTF8Line(content), Msg: "the file is not valid UTF-8"}}}
	}
	text := strings.TrimPrefix(string(content), "\ufeff")
	var p problems
	var entries []entry
	switch format {
	case Dotenv:
		entries = readDotenv(text, &p)
	case JSON:
		entries = readJSON(text, &p)
	case YAML:
		entries = readYAML(text, &p)
	default:
		_, err := ParseFormat(string(format))
		if err == nil {
			err = errors.New("unknown format")
		}
		return nil, err
	}
	readable := len(p.Problems) == 0
	if readable && len(entries) == 0 {
		return nil, &Error{Problems: []Problem{{Msg: "the file holds no secrets"}}}
	}
	if len(entries) > MaxKeys {
		return nil, &Error{Problems: []Problem{{Msg: fmt.Sprintf("the file holds %d keys; at most %d can be imported at once: remove %d of them (or import it in parts)", len(entries), MaxKeys, len(entries)-MaxKeys)}}}
	}
	items := make([]Item, 0, len(entries))
	first := map[string]int{}
	for i, e := range entries {
		if prev, ok := first[e.key]; ok {
			p.add(e.line, "duplicate key %q (first on line %d)", e.key, prev)
			continue
		}
		first[e.key] = e.line
		if err := sdk.ValidateSecretName(e.key); err != nil {
			p.add(e.line, "the key is not a valid secret name: %v", keyless(err, e.key))
			continue
		}
		if err := sdk.ValidateSecretValue(sdk.SecretValue(e.value)); err != nil {
			p.add(e.line, "key %q: %v", e.key, err)
			continue
		}
		it := Item{Index: i, Line: e.line, Name: e.key, Value: sdk.SecretValue(e.value), Enabled: true, EnvName: e.key}
		if err := sdk.ValidateEnvName(e.key); err != nil {
			it.EnvName, it.Enabled = "", false
			it.Warning = fmt.Sprintf("key %q is imported disabled, with no environment variable: %v", e.key, err)
		}
		items = append(items, it)
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return items, nil
}

// keyless returns err's message, or a generic one when the message quotes
// the key: a key that is not a valid name may be a piece of something that
// is not a secrets file at all.
func keyless(err error, key string) string {
	if strings.Contains(err.Error(), key) {
		return "it is not usable as a name"
	}
	return err.Error()
}

// invalidUTF8Line is the line of the first byte that is not valid UTF-8.
func invalidUTF8Line(b []byte) int {
	line := 1
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		b = b[n:]
	}
	return line
}

// printable quotes s, shortened, for an error message.
func printable(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return s
}
