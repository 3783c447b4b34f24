//go:build !unix

package secretfiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

func links(fs.FileInfo) uint64 { return 1 }

// writeFile writes value at the absolute path and reports whether it made
// a new file. Off Unix (Windows) there is no root check: the agent runs as
// the workspace user, and a privileged writer only refuses a final
// component that is a link.
func writeFile(path string, value []byte, privileged bool) (bool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, fmt.Errorf("create parent directories: %w", err)
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&fs.ModeSymlink != 0 {
			if privileged {
				return false, fmt.Errorf("%s is a symbolic link: %w", path, ErrRefused)
			}
			fi, err = os.Stat(path)
		}
		if err == nil {
			if err := checkRegular(path, fi, privileged); err != nil {
				return false, err
			}
		}
	}
	created := true
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		created = false
		f, err = os.OpenFile(path, os.O_WRONLY, 0)
	}
	if err != nil {
		return false, fmt.Errorf("open: %w", err)
	}
	return created, writeThrough(f, created, privileged, value)
}
