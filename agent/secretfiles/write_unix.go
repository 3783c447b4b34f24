//go:build unix

package secretfiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// maxLinks bounds the symbolic links followed while resolving one path, as
// the kernel does (ELOOP).
const maxLinks = 40

func links(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// writeFile writes value at the absolute path and reports whether it made
// a new file.
func writeFile(path string, value []byte, privileged bool) (bool, error) {
	if privileged {
		return writeGuarded(path, value)
	}
	return writePlain(path, value)
}

// writePlain follows links like any program the user runs, but never opens
// a non-regular file: it checks first, and opens with O_NONBLOCK so a FIFO
// that appears in between cannot block (the handle's own check refuses it).
func writePlain(path string, value []byte) (bool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, fmt.Errorf("create parent directories: %w", err)
	}
	if fi, err := os.Stat(path); err == nil {
		if err := checkRegular(path, fi, false); err != nil {
			return false, err
		}
	}
	created := true
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NONBLOCK, 0o600)
	if errors.Is(err, fs.ErrExist) {
		created = false
		f, err = os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	}
	if err != nil {
		return false, fmt.Errorf("open: %w", err)
	}
	return created, writeThrough(f, created, false, value)
}

// writeGuarded resolves the path one component at a time from "/" through
// directory handles (openat), so no component can be swapped for a link
// between the checks and the write. A parent that is a symbolic link is
// followed only when the agent's own user owns it; the file itself must not
// be a link (O_NOFOLLOW), must be regular and must have one link.
func writeGuarded(path string, value []byte) (bool, error) {
	dirfd, base, err := openParent(path)
	if err != nil {
		return false, err
	}
	defer unix.Close(dirfd)

	// Look before opening, so a FIFO or a device is never opened.
	var st unix.Stat_t
	switch err := unix.Fstatat(dirfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); {
	case err == nil:
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFLNK:
			return false, fmt.Errorf("%s is a symbolic link: %w", path, ErrRefused)
		case unix.S_IFREG:
		default:
			return false, fmt.Errorf("%s is not a regular file: %w", path, ErrRefused)
		}
	case errors.Is(err, unix.ENOENT):
	default:
		return false, fmt.Errorf("stat %s: %w", path, err)
	}

	const flags = unix.O_WRONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC
	created := true
	fd, err := openat(dirfd, base, flags|unix.O_CREAT|unix.O_EXCL, 0o600)
	if errors.Is(err, unix.EEXIST) {
		created = false
		fd, err = openat(dirfd, base, flags, 0)
	}
	if errors.Is(err, unix.ELOOP) {
		return false, fmt.Errorf("%s is a symbolic link: %w", path, ErrRefused)
	}
	if err != nil {
		return false, fmt.Errorf("open %s: %w", path, err)
	}
	return created, writeThrough(os.NewFile(uintptr(fd), path), created, true, value)
}

// openParent opens the directory that holds path, creating missing
// directories 0700, and returns its handle and the file's name in it.
func openParent(path string) (int, string, error) {
	if !strings.HasPrefix(path, "/") {
		return -1, "", fmt.Errorf("%s is not an absolute path", path)
	}
	dir, base := filepath.Split(filepath.Clean(path))
	if base == "" || base == "." || base == ".." {
		return -1, "", fmt.Errorf("%s does not name a file", path)
	}
	fd, err := openat(unix.AT_FDCWD, "/", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, "", fmt.Errorf("open /: %w", err)
	}
	euid := uint32(os.Geteuid())
	todo := splitPath(dir)
	walked := "" // for messages
	followed := 0
	for len(todo) > 0 {
		name := todo[0]
		todo = todo[1:]
		const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
		next, err := openat(fd, name, dirFlags, 0)
		if errors.Is(err, unix.ENOENT) {
			if err := unix.Mkdirat(fd, name, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
				unix.Close(fd)
				return -1, "", fmt.Errorf("create directory %s/%s: %w", walked, name, err)
			}
			next, err = openat(fd, name, dirFlags, 0)
		}
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
			// A link, or not a directory at all.
			var st unix.Stat_t
			if serr := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); serr != nil {
				unix.Close(fd)
				return -1, "", fmt.Errorf("stat %s/%s: %w", walked, name, serr)
			}
			if st.Mode&unix.S_IFMT != unix.S_IFLNK {
				unix.Close(fd)
				return -1, "", fmt.Errorf("%s/%s is not a directory", walked, name)
			}
			if st.Uid != euid {
				unix.Close(fd)
				return -1, "", fmt.Errorf("%s/%s is a symbolic link owned by uid %d: %w", walked, name, st.Uid, ErrRefused)
			}
			followed++
			if followed > maxLinks {
				unix.Close(fd)
				return -1, "", fmt.Errorf("%s: too many levels of symbolic links", path)
			}
			target, rerr := readlinkat(fd, name)
			if rerr != nil {
				unix.Close(fd)
				return -1, "", fmt.Errorf("read link %s/%s: %w", walked, name, rerr)
			}
			todo = append(splitPath(target), todo...)
			if strings.HasPrefix(target, "/") {
				root, err := openat(unix.AT_FDCWD, "/", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
				unix.Close(fd)
				if err != nil {
					return -1, "", fmt.Errorf("open /: %w", err)
				}
				fd, walked = root, ""
			}
			continue
		}
		unix.Close(fd)
		if err != nil {
			return -1, "", fmt.Errorf("open directory %s/%s: %w", walked, name, err)
		}
		fd = next
		walked += "/" + name
	}
	return fd, base, nil
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" && s != "." {
			out = append(out, s)
		}
	}
	return out
}

// openat retries on EINTR.
func openat(dirfd int, name string, flags int, mode uint32) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, flags, mode)
		if !errors.Is(err, unix.EINTR) {
			return fd, err
		}
	}
}

func readlinkat(dirfd int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err != nil {
			return "", err
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}
