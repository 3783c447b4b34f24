package sqlstore

// Free text (log lines, build errors, what Terraform reports about an
// agent) is cleaned to fit a text column of either database: PostgreSQL
// text holds neither NUL nor invalid UTF-8 and would refuse the whole
// write, and both return the same strings.

import (
	"strings"
	"unicode/utf8"
)

// cleanText returns s with each NUL byte and each run of invalid UTF-8 replaced
// by U+FFFD. Valid text without NUL is returned as is.
func cleanText(s string) string {
	if utf8.ValidString(s) && !strings.Contains(s, "\x00") {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}
