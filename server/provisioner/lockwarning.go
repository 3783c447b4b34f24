package provisioner

import (
	"regexp"
	"strings"
)

// lockNoise drops, from `terraform init` output, what Terraform says about
// the dependency lock file: the server writes that file for each build
// from its own provider mirror (see tfmirror.StripLockFile), so the
// "created a lock file, commit it" note and the "Incomplete lock file
// information" warning are about the server's doing and would only
// mislead the template's author. Everything else passes.
type lockNoise struct {
	held []string // lines of a paragraph being matched
	drop bool     // inside the warning block
	n    int      // lines dropped in the warning block
}

var lockWarningEnd = regexp.MustCompile(`^\s*\(where \S+ is the platform to generate\)\s*$`)

// maxLockWarningLines bounds the warning block: if its end never comes,
// the lines are shown after all.
const maxLockWarningLines = 25

// line takes one output line and returns the lines to show now.
func (f *lockNoise) line(l string) []string {
	t := strings.TrimSpace(l)
	switch {
	case f.drop:
		f.held = append(f.held, l)
		f.n++
		if lockWarningEnd.MatchString(l) {
			f.drop, f.held, f.n = false, nil, 0
			return nil
		}
		if f.n > maxLockWarningLines {
			out := f.held
			f.drop, f.held, f.n = false, nil, 0
			return out
		}
		return nil
	case strings.HasPrefix(t, "Warning: Incomplete lock file information for providers"):
		out := f.flushHeld()
		f.drop, f.held, f.n = true, []string{l}, 0
		return out
	case strings.HasPrefix(t, "Terraform has created a lock file .terraform.lock.hcl"):
		out := f.flushHeld()
		f.held = []string{l}
		return out
	case len(f.held) > 0:
		// The lock file note runs to its blank line.
		if t == "" {
			f.held = nil
			return nil
		}
		f.held = append(f.held, l)
		if len(f.held) > 6 {
			return f.flushHeld()
		}
		return nil
	}
	return []string{l}
}

// flush returns what is held at the end of the output.
func (f *lockNoise) flush() []string {
	if f.drop && f.n == 0 {
		return nil
	}
	return f.flushHeld()
}

func (f *lockNoise) flushHeld() []string {
	out := f.held
	f.held = nil
	f.drop, f.n = false, 0
	return out
}
