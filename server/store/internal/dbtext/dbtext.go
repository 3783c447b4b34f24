// Package dbtext makes free text (log lines, build errors, what Terraform
// reports about an agent) fit a text column of either backend. PostgreSQL
// text holds neither NUL nor invalid UTF-8 and would refuse the whole write;
// both backends clean alike, so they return the same strings.
package dbtext

import (
	"strings"
	"unicode/utf8"
)

// Clean returns s with each NUL byte and each run of invalid UTF-8 replaced
// by U+FFFD. Valid text without NUL is returned as is.
func Clean(s string) string {
	if utf8.ValidString(s) && !strings.Contains(s, "\x00") {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}
