// Package secretfiles writes a workspace's file secrets, as the user guide
// promises: missing parent directories are created 0700, a new file is
// 0600, an existing file keeps its mode, owner and inode and only its
// contents change, and nothing is ever deleted. Each file is written in
// place through one handle: open, check it is a regular file, truncate,
// write, fsync. A failed write is logged (never with the value) and does not
// stop the others.
//
// Running as root, the writer refuses to follow a symbolic link for the
// file itself or for a parent directory owned by another user, and to write
// into anything but a regular file with a single link, so a workspace user
// cannot point a secret file at a file they could not write themselves.
// Running as the workspace user, links are followed (dotfile managers link
// ~/.config into a repository); only non-regular files (directories, FIFOs,
// devices, sockets) are refused, and a FIFO is never opened in a way that
// could block.
package secretfiles

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/placement"
)

// Options configure a Writer.
type Options struct {
	Logger *slog.Logger
	// Home is what "~/" expands to. Default: os.UserHomeDir.
	Home string
	// GOOS picks the path rules (default runtime.GOOS); CWDVolume is the
	// drive "/" means on Windows (default: the working directory's).
	GOOS      string
	CWDVolume string
	// Privileged reports whether the writer must guard against links and
	// non-regular files a less privileged user planted. Default: the
	// effective user is root (os.Geteuid() == 0).
	Privileged func() bool
}

// Writer writes the file secrets of manifests.
type Writer struct {
	log        *slog.Logger
	home       string
	goos       string
	cwdVolume  string
	privileged func() bool
}

// New returns a Writer.
func New(o Options) *Writer {
	w := &Writer{log: o.Logger, home: o.Home, goos: o.GOOS, cwdVolume: o.CWDVolume, privileged: o.Privileged}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	if w.home == "" {
		w.home, _ = os.UserHomeDir()
	}
	if w.goos == "" {
		w.goos = runtime.GOOS
	}
	if w.cwdVolume == "" {
		if wd, err := os.Getwd(); err == nil {
			w.cwdVolume = filepath.VolumeName(wd)
		}
	}
	if w.privileged == nil {
		w.privileged = func() bool { return os.Geteuid() == 0 }
	}
	return w
}

// Plan is where Apply would write secrets' files (placement.PlanFiles with
// the writer's home and path rules).
func (w *Writer) Plan(secrets []sdk.WorkspaceSecret) placement.Plan {
	return placement.PlanFiles(secrets, w.home, w.goos, w.cwdVolume)
}

// Written is a file secret that is now on disk.
type Written struct {
	Secret string
	Path   string
	// Created is true when the file did not exist before.
	Created bool
}

// Failure is a file secret that could not be written.
type Failure struct {
	Secret string
	// Path is the resolved path, or the path as written when it did not
	// resolve.
	Path string
	Err  error
}

// Result says what Apply did.
type Result struct {
	Written  []Written
	Failed   []Failure
	Warnings []placement.Warning
}

// ErrRefused is wrapped by the error for a file the writer will not write
// (a symbolic link, a non-regular file, a file with other hard links).
var ErrRefused = errors.New("refused")

// Apply writes every file secret of secrets (see placement.PlanFiles for
// which one wins a collision) and logs each collision, write and failure.
// It never logs or returns a value. It stops early only when ctx ends.
func (w *Writer) Apply(ctx context.Context, secrets []sdk.WorkspaceSecret) Result {
	plan := placement.PlanFiles(secrets, w.home, w.goos, w.cwdVolume)
	res := Result{Warnings: plan.Warnings}
	for _, warn := range plan.Warnings {
		w.log.Warn("two file secrets resolve to the same path: only one is written; give them distinct paths",
			"path", warn.Path, "written", warn.Kept, "skipped", warn.Skipped)
	}
	for _, s := range plan.Skipped {
		err := fmt.Errorf("resolve secret file path: %w", s.Err)
		w.log.Error("cannot place secret file", "secret", s.Secret, "path", s.Path, "err", err)
		res.Failed = append(res.Failed, Failure{Secret: s.Secret, Path: s.Path, Err: err})
	}
	privileged := w.privileged()
	for _, f := range plan.Files {
		if err := ctx.Err(); err != nil {
			res.Failed = append(res.Failed, Failure{Secret: f.Secret, Path: f.Resolved, Err: err})
			continue
		}
		created, err := writeFile(f.Resolved, []byte(f.Value.Reveal()), privileged)
		if err != nil {
			err = fmt.Errorf("write secret file: %w", err)
			w.log.Error("write secret file", "secret", f.Secret, "path", f.Resolved, "err", err)
			res.Failed = append(res.Failed, Failure{Secret: f.Secret, Path: f.Resolved, Err: err})
			continue
		}
		w.log.Info("wrote secret file", "secret", f.Secret, "path", f.Resolved, "created", created)
		res.Written = append(res.Written, Written{Secret: f.Secret, Path: f.Resolved, Created: created})
	}
	return res
}

// writeThrough writes value into the open file f: it checks f is a regular
// file (with one link when privileged), sets a new file's mode to exactly
// 0600 (whatever the umask), truncates, writes and syncs, then closes f.
func writeThrough(f *os.File, created, privileged bool, value []byte) (err error) {
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close: %w", cerr)
		}
	}()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	if err := checkRegular(f.Name(), fi, privileged); err != nil {
		return err
	}
	if created {
		if err := f.Chmod(0o600); err != nil {
			return fmt.Errorf("chmod: %w", err)
		}
	}
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("truncate: %w", err)
	}
	if _, err := f.Write(value); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	return nil
}

// checkRegular refuses anything but a regular file, and, when privileged, a
// file with other hard links (it could be someone else's file).
func checkRegular(path string, fi fs.FileInfo, privileged bool) error {
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link: %w", path, ErrRefused)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file (%s): %w", path, describeType(fi.Mode()), ErrRefused)
	}
	if privileged && links(fi) > 1 {
		return fmt.Errorf("%s has %d hard links: %w", path, links(fi), ErrRefused)
	}
	return nil
}

func describeType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	default:
		return "not a regular file"
	}
}
