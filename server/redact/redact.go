// Package redact replaces secret values in text that leaves a trusted
// place: build logs, script logs. Every value is replaced by ********, and
// so is every line of a multi-line value (logs are split into lines, so a
// file secret could otherwise appear one line at a time).
package redact

import (
	"sort"
	"strings"

	"github.com/usersecrets/coder/sdk"
)

// minLineLen is the shortest line of a multi-line value that is redacted on
// its own: shorter lines ("{", "}") would blank out ordinary output.
const minLineLen = 4

// Redactor replaces known values. The zero value replaces nothing.
type Redactor struct {
	r *strings.Replacer
}

// New returns a Redactor for values.
func New(values []sdk.SecretValue) *Redactor {
	seen := map[string]bool{}
	var needles []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			needles = append(needles, s)
		}
	}
	for _, v := range values {
		s := v.Reveal()
		add(s)
		add(strings.TrimRight(s, "\r\n"))
		if strings.ContainsAny(s, "\r\n") {
			for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' }) {
				if len(strings.TrimSpace(line)) >= minLineLen {
					add(line)
				}
			}
		}
	}
	if len(needles) == 0 {
		return &Redactor{}
	}
	// Longest first, so a value is not partly replaced by one of its lines.
	sort.Slice(needles, func(i, j int) bool { return len(needles[i]) > len(needles[j]) })
	pairs := make([]string, 0, 2*len(needles))
	for _, n := range needles {
		pairs = append(pairs, n, sdk.Redacted)
	}
	return &Redactor{r: strings.NewReplacer(pairs...)}
}

// String returns s with every value replaced.
func (r *Redactor) String(s string) string {
	if r == nil || r.r == nil {
		return s
	}
	return r.r.Replace(s)
}
