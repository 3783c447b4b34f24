package sdk

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Size limits of one secret (SPEC.md section 3).
const (
	MaxNameLength     = 64        // characters
	MaxEnvNameBytes   = 256       // bytes
	MaxFilePathBytes  = 4096      // bytes
	MaxValueBytes     = 24 * 1024 // bytes
	MaxDescriptionLen = 1024      // characters; the spec is silent, this keeps metadata small
)

// reservedEnvNames may not be the env target of a secret: overriding them
// would break shells, SSH or the agent itself. Compared case-insensitively.
var reservedEnvNames = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`PATH HOME SHELL USER LOGNAME PWD OLDPWD LANG TERM IFS
		CDPATH ENV BASH_ENV TMPDIR TMP TEMP HOSTNAME SSH_AUTH_SOCK SSH_CLIENT SSH_CONNECTION
		SSH_TTY EDITOR VISUAL PAGER XDG_RUNTIME_DIR XDG_CONFIG_HOME XDG_DATA_HOME
		XDG_CACHE_HOME XDG_STATE_HOME CODER`) {
		reservedEnvNames[n] = true
	}
}

// reservedEnvPrefixes may not start the env target of a secret.
var reservedEnvPrefixes = []string{"CODER_", "GIT_", "LC_", "LD_", "DYLD_"}

// ValidateSecretName checks a secret's name: 1 to 64 characters, no leading
// or trailing white space, no control characters, none of "/", "?" or "#"
// (a name is a path segment of the API), and not "." or ".." (URL paths
// resolve them). So that two names that look the same are the same name, a
// name must also be in Unicode normalization form NFC (what keyboards type;
// see NormalizeSecretName) and may not hold invisible characters: bidi
// controls such as the right-to-left override, zero-width spaces and
// joiners, other format characters (Unicode category Cf), variation
// selectors, default-ignorable fillers, and line or paragraph separators.
func ValidateSecretName(name string) error {
	switch {
	case name == "":
		return errors.New("name is required")
	case !utf8.ValidString(name):
		return errors.New("name must be valid UTF-8")
	case utf8.RuneCountInString(name) > MaxNameLength:
		return fmt.Errorf("name is %d characters long; at most %d are allowed", utf8.RuneCountInString(name), MaxNameLength)
	case name == "." || name == "..":
		return fmt.Errorf("name %q is not allowed: it cannot be used in a URL", name)
	}
	first, _ := utf8.DecodeRuneInString(name)
	last, _ := utf8.DecodeLastRuneInString(name)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return errors.New("name must not start or end with white space")
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return errors.New("name must not contain control characters")
		}
		if r == '/' || r == '?' || r == '#' {
			return fmt.Errorf("name must not contain %q", string(r))
		}
		if invisible(r) {
			return fmt.Errorf("name must not contain invisible characters such as bidi controls or zero-width characters (it holds %U)", r)
		}
	}
	if !norm.NFC.IsNormalString(name) {
		return fmt.Errorf("name must be in Unicode normalization form NFC: write it as %q", norm.NFC.String(name))
	}
	return nil
}

// NormalizeSecretName returns name in Unicode normalization form NFC, the
// only form ValidateSecretName accepts. Clients and the server look secrets
// up by the normalized name, so a name typed in a decomposed form (NFD, as
// some macOS tools produce) still finds its secret.
func NormalizeSecretName(name string) string {
	if !utf8.ValidString(name) {
		return name
	}
	return norm.NFC.String(name)
}

// invisible reports whether r does not show as itself: format characters
// (Cf: bidi controls, zero-width space and joiners, the byte order mark,
// soft hyphen), variation selectors, other default-ignorable code points
// (fillers), and the line and paragraph separators.
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) ||
		unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r)
}

// ValidateEnvNameSyntax checks only that name is a POSIX environment variable
// name: [A-Za-z_][A-Za-z0-9_]*, at most 256 bytes.
func ValidateEnvNameSyntax(name string) error {
	if name == "" {
		return errors.New("environment variable name is empty")
	}
	if len(name) > MaxEnvNameBytes {
		return fmt.Errorf("environment variable name is %d bytes long; at most %d are allowed", len(name), MaxEnvNameBytes)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		letter := c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
		digit := c >= '0' && c <= '9'
		if i == 0 && !letter {
			return fmt.Errorf("environment variable name %q must start with a letter or an underscore", name)
		}
		if !letter && !digit {
			return fmt.Errorf("environment variable name %q may contain only letters, digits and underscores", printable(name))
		}
	}
	return nil
}

// ValidateEnvName checks the env target of a secret: a POSIX name that is
// not reserved. The error says why a name is refused.
func ValidateEnvName(name string) error {
	if err := ValidateEnvNameSyntax(name); err != nil {
		return err
	}
	upper := strings.ToUpper(name)
	if reservedEnvNames[upper] {
		return fmt.Errorf("environment variable name %q is reserved: the workspace, its shells or the agent depend on it", name)
	}
	for _, p := range reservedEnvPrefixes {
		if strings.HasPrefix(upper, p) {
			return fmt.Errorf("environment variable name %q is reserved: names starting with %s belong to the system or to Coder", name, p)
		}
	}
	return nil
}

// ValidateFilePath checks the file target of a secret: it starts with "~/"
// or "/", is at most 4096 bytes and holds no NUL byte. It must also name a
// file rather than a directory (a choice of this product: such a path could
// never be written), so it may not end with "/" or "\" and no element of it
// may be "." or ".." ("/.", "~/.", "/etc/.." and "~/../x" are all refused).
// Elements are split at "/" and, because Windows workspaces split there
// too, at "\".
func ValidateFilePath(p string) error {
	switch {
	case p == "":
		return errors.New("file path is empty")
	case !strings.HasPrefix(p, "~/") && !strings.HasPrefix(p, "/"):
		return fmt.Errorf("file path %q must start with ~/ or /", printable(p))
	case len(p) > MaxFilePathBytes:
		return fmt.Errorf("file path is %d bytes long; at most %d are allowed", len(p), MaxFilePathBytes)
	case strings.IndexByte(p, 0) >= 0:
		return errors.New("file path must not contain a NUL byte")
	case strings.HasSuffix(p, "/") || strings.HasSuffix(p, `\`):
		return fmt.Errorf("file path %q names a directory; it must name a file", printable(p))
	}
	for _, elem := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if elem == "." || elem == ".." {
			return fmt.Errorf("file path %q holds a %q element; write the path without . and .. elements, naming a file", printable(p), elem)
		}
	}
	return nil
}

// ValidateSecretValue checks a value: present, valid UTF-8, no NUL byte, at
// most 24 KiB. Errors never quote the value.
func ValidateSecretValue(v SecretValue) error {
	s := v.Reveal()
	switch {
	case s == "":
		return errors.New("value is required and must not be empty")
	case len(s) > MaxValueBytes:
		return fmt.Errorf("value is %d bytes long; at most %d bytes are allowed", len(s), MaxValueBytes)
	case !utf8.ValidString(s):
		return errors.New("value must be valid UTF-8")
	case strings.IndexByte(s, 0) >= 0:
		return errors.New("value must not contain a NUL byte")
	}
	return nil
}

// ValidateDescription checks a description: valid UTF-8, at most
// MaxDescriptionLen characters, no NUL byte.
func ValidateDescription(d string) error {
	switch {
	case !utf8.ValidString(d):
		return errors.New("description must be valid UTF-8")
	case utf8.RuneCountInString(d) > MaxDescriptionLen:
		return fmt.Errorf("description is %d characters long; at most %d are allowed", utf8.RuneCountInString(d), MaxDescriptionLen)
	case strings.IndexByte(d, 0) >= 0:
		return errors.New("description must not contain a NUL byte")
	}
	return nil
}

// Validate checks every field of a create request and returns one entry per
// invalid field, in field order. Optional targets may be "" (no target).
func (r CreateSecretRequest) Validate() []ValidationError {
	var out []ValidationError
	add := func(field string, err error) {
		if err != nil {
			out = append(out, ValidationError{Field: field, Detail: err.Error()})
		}
	}
	add("name", ValidateSecretName(r.Name))
	add("value", ValidateSecretValue(r.Value))
	add("description", ValidateDescription(r.Description))
	if r.EnvName != "" {
		add("env_name", ValidateEnvName(r.EnvName))
	}
	if r.FilePath != "" {
		add("file_path", ValidateFilePath(r.FilePath))
	}
	if r.IsEnabled() && r.EnvName == "" && r.FilePath == "" {
		add("enabled", errNoTarget)
	}
	add("templates", ValidateSecretTemplates(r.Templates))
	add("refresh", ValidateRefresh(r.Refresh))
	return out
}

// ValidateRefresh checks a refresh mode: "" (the default), RefreshRestart
// or RefreshLive.
func ValidateRefresh(m string) error {
	switch m {
	case "", RefreshRestart, RefreshLive:
		return nil
	}
	return fmt.Errorf("refresh must be %q or %q, not %q", RefreshRestart, RefreshLive, printable(m))
}

// MaxSecretTemplates bounds a secret's allow-list of templates.
const MaxSecretTemplates = 64

// ValidateSecretTemplates checks a secret's allow-list of template names:
// each a valid template name, no name twice, at most MaxSecretTemplates.
func ValidateSecretTemplates(names []string) error {
	if len(names) > MaxSecretTemplates {
		return fmt.Errorf("at most %d templates may be listed, not %d", MaxSecretTemplates, len(names))
	}
	seen := map[string]bool{}
	for _, n := range names {
		if err := ValidateTemplateName(n); err != nil {
			return err
		}
		if seen[n] {
			return fmt.Errorf("template %q is listed twice", n)
		}
		seen[n] = true
	}
	return nil
}

// errNoTarget is why an enabled secret without a target is refused.
var errNoTarget = errors.New("an enabled secret needs a target (env_name or file_path): give one, or create the secret disabled (enabled: false)")

// Validate checks every field present in an update request. An empty request
// is invalid: it would change nothing.
func (r UpdateSecretRequest) Validate() []ValidationError {
	if r.Empty() {
		return []ValidationError{{Field: "body", Detail: "at least one of value, description, env_name, file_path, enabled, templates or refresh must be given"}}
	}
	var out []ValidationError
	add := func(field string, err error) {
		if err != nil {
			out = append(out, ValidationError{Field: field, Detail: err.Error()})
		}
	}
	if r.Value != nil {
		add("value", ValidateSecretValue(*r.Value))
	}
	if r.Description != nil {
		add("description", ValidateDescription(*r.Description))
	}
	if r.EnvName != nil && *r.EnvName != "" {
		add("env_name", ValidateEnvName(*r.EnvName))
	}
	if r.FilePath != nil && *r.FilePath != "" {
		add("file_path", ValidateFilePath(*r.FilePath))
	}
	if r.Templates != nil {
		add("templates", ValidateSecretTemplates(*r.Templates))
	}
	if r.Refresh != nil {
		add("refresh", ValidateRefresh(*r.Refresh))
	}
	return out
}

// printable shortens s and escapes it for an error message.
func printable(s string) string {
	const max = 80
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
