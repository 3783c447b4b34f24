package tfmirror

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
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

// providerBlocks finds the top-level provider blocks of an HCL file,
// parsed with hclsyntax. A file that does not parse has none: it is left
// as it is, and Terraform reports its errors.
func providerBlocks(src []byte) []block {
	f, diags := hclsyntax.ParseConfig(src, LockFileName, hcl.InitialPos)
	if diags.HasErrors() {
		return nil
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	var blocks []block
	for _, b := range body.Blocks {
		if b.Type != "provider" || len(b.Labels) != 1 {
			continue
		}
		end := b.CloseBraceRange.End.Byte
		if rest := lineEnd(src, end); isBlank(src[end:rest]) {
			end = rest
		}
		blocks = append(blocks, block{start: lineStart(src, b.TypeRange.Start.Byte), end: end, label: b.Labels[0]})
	}
	return blocks
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
