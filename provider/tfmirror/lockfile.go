package tfmirror

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LockFileName is the dependency lock file of a Terraform configuration.
const LockFileName = ".terraform.lock.hcl"

// StripLockFile removes the coder/coder entries (any host of Addresses)
// from the lock file in the configuration directory dir, if there is one,
// and reports whether it changed the file. Entries of other providers stay
// as they are, byte for byte.
//
// Run it before `terraform init`: the mirror's packages link to the coder
// binary, so their checksum changes with every build of it, and a lock
// file that recorded an older build (or a version the mirror does not
// advertise) would make init fail.
func StripLockFile(dir string) (bool, error) {
	name := filepath.Join(dir, LockFileName)
	src, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read lock file: %w", err)
	}
	out := StripLock(src)
	if bytes.Equal(out, src) {
		return false, nil
	}
	perm := fs.FileMode(0o644)
	if fi, err := os.Stat(name); err == nil {
		perm = fi.Mode().Perm()
	}
	if err := writeFileAtomic(name, out, perm); err != nil {
		return false, fmt.Errorf("write lock file: %w", err)
	}
	return true, nil
}

// StripLock returns the lock file src without its top-level provider
// blocks for coder/coder (any host of Addresses, compared without regard
// to case). Everything else, comments included, is kept as written. A
// file with no such block comes back unchanged.
func StripLock(src []byte) []byte {
	var out []byte
	last, stripped := 0, false
	for _, b := range providerBlocks(src) {
		if !isCoderAddress(b.label) {
			continue
		}
		start, end := b.start, b.end
		// Drop one blank line next to the block, so that removing a block
		// between two others leaves one blank line, not two.
		if next := lineEnd(src, end); isBlank(src[end:next]) && next > end && (start == 0 || precededByBlankLine(src, start)) {
			end = next
		} else if isBlank(src[end:]) && precededByBlankLine(src, start) {
			start = lineStart(src, start-1)
		}
		if start < last {
			start = last
		}
		out = append(out, src[last:start]...)
		last, stripped = end, true
	}
	if !stripped {
		return src
	}
	return append(out, src[last:]...)
}

// isCoderAddress reports whether a lock file label names coder/coder.
func isCoderAddress(label string) bool {
	for _, a := range Addresses {
		if strings.EqualFold(label, a) {
			return true
		}
	}
	return false
}

// block is a top-level `provider "<label>" { ... }` block of a lock file:
// src[start:end] covers its whole lines, the final newline included.
type block struct {
	start, end int
	label      string
}

// providerBlocks finds the top-level provider blocks of an HCL file. It
// knows enough HCL to skip strings, comments and heredocs, so a brace in
// any of them does not confuse it.
func providerBlocks(src []byte) []block {
	var blocks []block
	depth := 0
	var open *block // the provider block being read, if any
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '#' || c == '/' && at(src, i+1) == '/':
			i = lineEnd(src, i)
			if i > 0 && src[i-1] == '\n' {
				i--
			}
		case c == '/' && at(src, i+1) == '*':
			if j := bytes.Index(src[i+2:], []byte("*/")); j >= 0 {
				i += 2 + j + 2
			} else {
				i = len(src)
			}
		case c == '"':
			i = stringEnd(src, i)
		case c == '<' && at(src, i+1) == '<':
			i = heredocEnd(src, i)
		case c == '{' || c == '[' || c == '(':
			depth++
			i++
		case c == '}' || c == ']' || c == ')':
			depth--
			i++
			if depth == 0 && open != nil {
				end := i
				if rest := lineEnd(src, i); isBlank(src[i:rest]) {
					end = rest
				}
				open.end = end
				blocks = append(blocks, *open)
				open = nil
				i = end
			}
		case depth == 0 && isIdentStart(c) && (i == 0 || !isIdentChar(src[i-1])):
			j := i
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			if string(src[i:j]) == "provider" {
				if label, brace, ok := blockHeader(src, j); ok {
					open = &block{start: lineStart(src, i), label: label}
					depth++
					i = brace + 1
					continue
				}
			}
			i = j
		default:
			i++
		}
	}
	return blocks
}

// blockHeader reads ` "label" {` from src[i:]. It returns the label and
// the index of the brace.
func blockHeader(src []byte, i int) (string, int, bool) {
	i = skipSpace(src, i)
	if at(src, i) != '"' {
		return "", 0, false
	}
	end := stringEnd(src, i)
	raw := string(src[i:end])
	label, err := strconv.Unquote(raw)
	if err != nil {
		label = strings.Trim(raw, `"`)
	}
	j := skipSpace(src, end)
	if at(src, j) != '{' {
		return "", 0, false
	}
	return label, j, true
}

// stringEnd returns the index just past the quoted string at src[i].
func stringEnd(src []byte, i int) int {
	for i++; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		case '\n':
			return i // unterminated: stop at the line's end
		}
	}
	return len(src)
}

// heredocEnd returns the index just past the heredoc starting at src[i]
// (<<EOF or <<-EOF), or past "<<" when it is not one.
func heredocEnd(src []byte, i int) int {
	j := i + 2
	if at(src, j) == '-' {
		j++
	}
	k := j
	for k < len(src) && isIdentChar(src[k]) {
		k++
	}
	marker := string(src[j:k])
	if marker == "" {
		return i + 2
	}
	for pos := lineEnd(src, k); pos < len(src); {
		next := lineEnd(src, pos)
		if strings.TrimSpace(string(src[pos:next])) == marker {
			return next
		}
		pos = next
	}
	return len(src)
}

func at(src []byte, i int) byte {
	if i < 0 || i >= len(src) {
		return 0
	}
	return src[i]
}

func skipSpace(src []byte, i int) int {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	return i
}

// lineStart returns the index of the first byte of the line holding src[i].
func lineStart(src []byte, i int) int {
	if i <= 0 {
		return 0
	}
	return bytes.LastIndexByte(src[:i], '\n') + 1
}

// lineEnd returns the index just past the newline ending the line that
// holds src[i], or len(src).
func lineEnd(src []byte, i int) int {
	if i >= len(src) {
		return len(src)
	}
	if j := bytes.IndexByte(src[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(src)
}

// precededByBlankLine reports whether the line before the one starting at
// src[start] is blank.
func precededByBlankLine(src []byte, start int) bool {
	if start == 0 {
		return false
	}
	prev := lineStart(src, start-1)
	return isBlank(src[prev:start])
}

func isBlank(b []byte) bool { return len(bytes.TrimSpace(b)) == 0 }

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || c == '-' || c >= '0' && c <= '9'
}
