// Package dirlock holds a folder for one process: an exclusive advisory
// lock on a file in it, held until the process exits or calls Unlock. Two
// server processes use it so that they never share an embedded database or
// a build folder, and a process can tell a folder left by a dead process
// (its lock is free) from one in use.
package dirlock

import (
	"errors"
	"fmt"
	"os"
)

// ErrLocked says another process holds the lock.
var ErrLocked = errors.New("locked by another process")

// Lock is a held lock.
type Lock struct{ f *os.File }

// Acquire takes the lock on the file path (created 0600 when missing)
// without waiting: ErrLocked when another process holds it.
func Acquire(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, err
	}
	// For the operator who wonders who holds it.
	if err := f.Truncate(0); err == nil {
		_, _ = fmt.Fprintf(f, "%d\n", os.Getpid())
	}
	return &Lock{f: f}, nil
}

// Unlock releases the lock.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Holder returns the process id written in a lock file, or 0.
func Holder(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	var pid int
	_, _ = fmt.Sscan(string(b), &pid)
	return pid
}
