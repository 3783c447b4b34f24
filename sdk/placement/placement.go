// Package placement holds the rules for which secret lands where in a
// workspace: how a secret's file path expands ("~/" and "/", on Linux and on
// Windows), which secret wins when two resolve to the same file, and the
// precedence of the environment every new session gets (agent environment,
// template env, user secrets). It is pure: no I/O, no global state, so the
// server and the agent apply exactly the same rules and tests can check the
// Windows rules on any machine.
package placement

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/usersecrets/coder/sdk"
)

// ResolvePath expands a secret's file path into an absolute path on a
// machine running goos (runtime.GOOS values):
//
//   - "~/rest" is rest below home (the agent process's home directory, as
//     os.UserHomeDir reports it; on Windows the user profile directory).
//   - "/rest" is absolute. On Windows it is rest below the root of the
//     current drive, cwdVolume ("C:" or `\\server\share`, as
//     filepath.VolumeName reports it for the working directory).
//
// The result is cleaned ("." and ".." resolved lexically, separators of goos).
// On Windows both "/" and `\` separate elements of rest. A path that does
// not start with "~/" or "/", holds a NUL byte, or names a directory (ends
// with a separator, or resolves to home or a root) is an error.
func ResolvePath(p, home, goos, cwdVolume string) (string, error) {
	if strings.IndexByte(p, 0) >= 0 {
		return "", errors.New("file path must not contain a NUL byte")
	}
	windows := goos == "windows"
	rest, fromHome := "", false
	switch {
	case strings.HasPrefix(p, "~/") || (windows && strings.HasPrefix(p, `~\`)):
		rest, fromHome = p[2:], true
	case strings.HasPrefix(p, "/") || (windows && strings.HasPrefix(p, `\`)):
		rest = p[1:]
	default:
		return "", fmt.Errorf("file path %q must start with ~/ or /", p)
	}
	if windows {
		rest = strings.ReplaceAll(rest, `\`, "/")
	}
	if rest == "" || strings.HasSuffix(rest, "/") || lastElem(rest) == "." || lastElem(rest) == ".." {
		return "", fmt.Errorf("file path %q names a directory; it must name a file", p)
	}
	if !windows {
		base := "/"
		if fromHome {
			if !strings.HasPrefix(home, "/") {
				return "", fmt.Errorf("expand %q: home directory %q is not an absolute path", p, home)
			}
			base = path.Clean(home)
		}
		out := path.Join(base, rest)
		if out == base || out == "/" {
			return "", fmt.Errorf("file path %q names a directory; it must name a file", p)
		}
		return out, nil
	}

	// Windows: split off the volume, clean the rest with forward slashes,
	// then turn them into backslashes.
	var vol, base string
	if fromHome {
		h := strings.ReplaceAll(home, `\`, "/")
		vol = windowsVolume(h)
		if vol == "" || !strings.HasPrefix(h[len(vol):], "/") {
			return "", fmt.Errorf("expand %q: home directory %q is not an absolute path", p, home)
		}
		base = path.Clean(h[len(vol):])
	} else {
		v := strings.ReplaceAll(cwdVolume, `\`, "/")
		vol = windowsVolume(v)
		if vol == "" || vol != v {
			return "", fmt.Errorf("expand %q: current drive %q is not a volume name", p, cwdVolume)
		}
		base = "/"
	}
	out := path.Join(base, rest)
	if out == base || out == "/" {
		return "", fmt.Errorf("file path %q names a directory; it must name a file", p)
	}
	return strings.ReplaceAll(vol+out, "/", `\`), nil
}

func lastElem(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// windowsVolume returns the volume at the start of p (forward slashes):
// "C:" for "C:/x", "//server/share" for "//server/share/x", or "".
func windowsVolume(p string) string {
	if len(p) >= 2 && p[1] == ':' && isLetter(p[0]) {
		return p[:2]
	}
	if strings.HasPrefix(p, "//") && len(p) > 2 && p[2] != '/' {
		// //server/share
		rest := p[2:]
		i := strings.IndexByte(rest, '/')
		if i <= 0 {
			return ""
		}
		j := strings.IndexByte(rest[i+1:], '/')
		if j == 0 {
			return ""
		}
		if j < 0 {
			return p
		}
		return p[:2+i+1+j]
	}
	return ""
}

func isLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// File is one secret to write: its secret's name, the path as the user wrote
// it, where it resolves, and the value.
type File struct {
	Secret string
	Path   string
	// Resolved is the absolute path the file is written at.
	Resolved string
	Value    sdk.SecretValue
}

// Warning says that two secrets resolve to the same file: only Kept is
// written there, Skipped is not written at all.
type Warning struct {
	// Path is the resolved absolute path both secrets name.
	Path    string
	Kept    string
	Skipped string
}

// String describes the collision. It names both secrets and the path, never
// a value.
func (w Warning) String() string {
	return fmt.Sprintf("secrets %q and %q both resolve to the file %s: writing %q and skipping %q; give them distinct paths",
		w.Kept, w.Skipped, w.Path, w.Kept, w.Skipped)
}

// Skip is a file secret that cannot be placed at all (its path does not
// resolve).
type Skip struct {
	Secret string
	Path   string
	Err    error
}

// Plan is where each file secret of a manifest goes.
type Plan struct {
	// Files to write, sorted by secret name.
	Files []File
	// Warnings about secrets that collide, in the order of Files.
	Warnings []Warning
	// Skipped secrets whose path did not resolve.
	Skipped []Skip
}

// PlanFiles resolves the file target of every secret (secrets without one
// are ignored) and settles collisions: when several secrets resolve to the
// same absolute path, the one whose name sorts first (byte order) wins, and
// there is one Warning for each of the others. The same manifest always
// gives the same plan. On Windows and macOS, whose file systems usually
// ignore case, paths that differ only in case collide too.
func PlanFiles(secrets []sdk.WorkspaceSecret, home, goos, cwdVolume string) Plan {
	sorted := make([]sdk.WorkspaceSecret, 0, len(secrets))
	for _, s := range secrets {
		if s.FilePath != "" {
			sorted = append(sorted, s)
		}
	}
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })

	var plan Plan
	owner := map[string]string{} // collision key → winning secret
	for _, s := range sorted {
		resolved, err := ResolvePath(s.FilePath, home, goos, cwdVolume)
		if err != nil {
			plan.Skipped = append(plan.Skipped, Skip{Secret: s.Name, Path: s.FilePath, Err: err})
			continue
		}
		key := resolved
		if goos == "windows" || goos == "darwin" || goos == "ios" {
			key = strings.ToLower(key)
		}
		if kept, ok := owner[key]; ok {
			plan.Warnings = append(plan.Warnings, Warning{Path: resolved, Kept: kept, Skipped: s.Name})
			continue
		}
		owner[key] = s.Name
		plan.Files = append(plan.Files, File{Secret: s.Name, Path: s.FilePath, Resolved: resolved, Value: s.Value})
	}
	return plan
}
