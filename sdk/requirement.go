package sdk

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/usersecrets/coder/sdk/buildenv"
)

// SecretRequirement is what a template asks of its workspace owner with a
// coder_secret data source: a secret with this env target or this file
// target (exactly one of the two is set). The provider uses it to refuse a
// start build that lacks the secret, the server to explain the refusal
// before it starts one; both show the same Message.
type SecretRequirement struct {
	// EnvName is the required env target, or "".
	EnvName string `json:"env_name,omitempty"`
	// FilePath is the required file target, or "".
	FilePath string `json:"file_path,omitempty"`
	// HelpMessage is the template author's guidance (help_message).
	HelpMessage string `json:"help_message"`
}

// Validate checks that exactly one target is set and that it is one a
// secret could have.
func (r SecretRequirement) Validate() error {
	switch {
	case r.EnvName == "" && r.FilePath == "":
		return errors.New("a secret requirement needs an env or a file target")
	case r.EnvName != "" && r.FilePath != "":
		return errors.New("a secret requirement takes an env or a file target, not both")
	case r.EnvName != "":
		return ValidateEnvName(r.EnvName)
	default:
		return ValidateFilePath(r.FilePath)
	}
}

// ID is the requirement's identity: "env:<name>" or "file:<path>", the id
// of the coder_secret data source.
func (r SecretRequirement) ID() string {
	if r.EnvName != "" {
		return "env:" + r.EnvName
	}
	return "file:" + r.FilePath
}

// EnvVar is the variable that carries the value meeting this requirement
// (buildenv.SecretEnv or buildenv.SecretFile).
func (r SecretRequirement) EnvVar() string {
	if r.EnvName != "" {
		return buildenv.SecretEnv(r.EnvName)
	}
	return buildenv.SecretFile(r.FilePath)
}

// Target describes the requirement for people: "environment variable NAME"
// or "file PATH".
func (r SecretRequirement) Target() string {
	if r.EnvName != "" {
		return "environment variable " + printable(r.EnvName)
	}
	return "file " + printable(r.FilePath)
}

// SuggestedName proposes a valid secret name for a secret meeting the
// requirement: the env name in lower case with "-" for "_" (GITHUB_TOKEN
// gives github-token), or the last two elements of the file path without
// leading dots (~/.aws/credentials gives aws-credentials).
func (r SecretRequirement) SuggestedName() string {
	var name string
	if r.EnvName != "" {
		name = strings.ReplaceAll(strings.ToLower(r.EnvName), "_", "-")
	} else {
		var parts []string
		for _, p := range strings.Split(strings.TrimPrefix(r.FilePath, "~"), "/") {
			if p = strings.TrimLeft(p, "."); p != "" {
				parts = append(parts, p)
			}
		}
		if len(parts) > 2 {
			parts = parts[len(parts)-2:]
		}
		name = strings.Join(parts, "-")
	}
	name = strings.Map(func(c rune) rune {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			return c
		}
		return '-'
	}, name)
	name = strings.Trim(name, "-.")
	if len(name) > MaxNameLength {
		name = strings.TrimRight(name[:MaxNameLength], "-.")
	}
	if name == "" {
		return "secret"
	}
	return name
}

// CreateCommand is a `coder secret create` command line that would meet
// the requirement. The value comes from stdin, as the user guide
// recommends: from $VALUE for an env target, from a local file for a file
// target. Arguments are quoted for a POSIX shell (a file path starting
// with ~/ is quoted so the shell does not expand it).
func (r SecretRequirement) CreateCommand() string {
	name := shellQuote(r.SuggestedName())
	if r.EnvName != "" {
		return fmt.Sprintf(`echo -n "$VALUE" | coder secret create %s --env %s`, name, shellQuote(r.EnvName))
	}
	local := "./" + strings.TrimLeft(path.Base(r.FilePath), ".")
	if local == "./" {
		local = "./secret-file"
	}
	return fmt.Sprintf(`coder secret create %s --file %s < %s`, name, shellQuote(r.FilePath), shellQuote(local))
}

// Summary is a one-line statement of the unmet requirement, such as
// "Missing required secret for environment variable GITHUB_TOKEN".
func (r SecretRequirement) Summary() string {
	return "Missing required secret for " + r.Target()
}

// Detail holds the template's help message and the command that would
// meet the requirement.
func (r SecretRequirement) Detail() string {
	var b strings.Builder
	if h := strings.TrimSpace(r.HelpMessage); h != "" {
		b.WriteString(h)
		b.WriteString("\n\n")
	}
	fmt.Fprintf(&b, "The template needs a user secret with the %s target. Create one, then start the workspace again:\n\n  %s",
		r.Target(), r.CreateCommand())
	return b.String()
}

// Message is the whole explanation: Summary, a blank line, Detail. It
// never holds a secret value (it is built from the requirement only).
func (r SecretRequirement) Message() string {
	return r.Summary() + "\n\n" + r.Detail()
}

// shellQuote quotes s for a POSIX shell when it holds anything but
// characters that are safe unquoted.
func shellQuote(s string) string {
	safe := s != ""
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.ContainsRune("_-./:@%+=,", c)
		if !ok {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
