package provisioner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/usersecrets/coder/provider/tfmirror"
)

// The init cache: `terraform init` of a template version gives every
// build of that version the same result (the archive never changes, nor,
// within one server process, Terraform, the provider mirror and the
// environment), so the first build of a version keeps its .terraform
// folder and lock file, and later builds of it in this process copy them
// instead of running init again. The cache lives in the process's own
// folder (removed with it when the process is gone, so an upgraded binary
// or Terraform never sees an older cache) and holds at most
// initCacheEntries versions. A folder with a backend's settings
// (.terraform/terraform.tfstate) is never cached: init may do more than
// install there. Anything unexpected falls back to running init.
const (
	initCachePrefix  = "init-"
	initCacheEntries = 16
)

func (p *Provisioner) initCacheDir(versionID string) string {
	return filepath.Join(p.dir, initCachePrefix+versionID)
}

// reuseInit copies the cached init of the version into dir and reports
// whether there was one.
func (p *Provisioner) reuseInit(versionID, dir string) bool {
	src := p.initCacheDir(versionID)
	if _, err := os.Stat(filepath.Join(src, ".terraform")); err != nil {
		return false
	}
	if err := copyTree(filepath.Join(src, ".terraform"), filepath.Join(dir, ".terraform")); err != nil {
		p.o.Logger.Warn("reuse the init of an earlier build", "error", err)
		_ = os.RemoveAll(filepath.Join(dir, ".terraform"))
		return false
	}
	// The cached lock file is the one init wrote from the template's.
	if err := os.Remove(filepath.Join(dir, tfmirror.LockFileName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false
	}
	if err := copyFile(filepath.Join(src, tfmirror.LockFileName), filepath.Join(dir, tfmirror.LockFileName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		p.o.Logger.Warn("reuse the lock file of an earlier build", "error", err)
		_ = os.RemoveAll(filepath.Join(dir, ".terraform"))
		return false
	}
	// The folder's mtime orders the entries for eviction.
	now := time.Now()
	_ = os.Chtimes(src, now, now)
	return true
}

// keepInit stores dir's init for later builds of the version (best
// effort: a failure only costs them an init). It reports false when the
// version's init is never cached (a backend).
func (p *Provisioner) keepInit(versionID, dir string) bool {
	if _, err := os.Lstat(filepath.Join(dir, ".terraform", "terraform.tfstate")); err == nil {
		return false
	}
	if _, err := os.Stat(filepath.Join(dir, ".terraform")); err != nil {
		return true
	}
	tmp, err := os.MkdirTemp(p.dir, ".init-tmp-")
	if err != nil {
		return true
	}
	defer os.RemoveAll(tmp)
	if err := copyTree(filepath.Join(dir, ".terraform"), filepath.Join(tmp, ".terraform")); err != nil {
		p.o.Logger.Warn("keep the init for later builds", "error", err)
		return true
	}
	if err := copyFile(filepath.Join(dir, tfmirror.LockFileName), filepath.Join(tmp, tfmirror.LockFileName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return true
	}
	// Should an entry be there already, the rename fails and the copy is
	// dropped.
	if err := os.Rename(tmp, p.initCacheDir(versionID)); err != nil {
		return true
	}
	p.evictInits()
	return true
}

// One init at a time per version: builds of a version that start together
// would otherwise each run init, the cache being filled only once the
// first one's ends. The others wait for it and then copy its result; when
// it failed (nothing is kept of a failed init) or the version is never
// cached, the next one runs its own init.
type initLocks struct {
	mu sync.Mutex
	m  map[string]*initLock
	// uncached holds the versions whose init keepInit declined.
	uncached sync.Map
}

type initLock struct {
	ch   chan struct{} // holds a value while a build of the version runs init
	refs int
}

// lockInit waits until no other build of the version runs init, and
// returns the unlock. waited says whether there was one to wait for;
// onWait, if set, is called before the wait.
func (p *Provisioner) lockInit(ctx context.Context, versionID string, onWait func()) (unlock func(), waited bool, err error) {
	l := &p.inits
	if _, ok := l.uncached.Load(versionID); ok {
		return func() {}, false, nil
	}
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[string]*initLock)
	}
	e := l.m[versionID]
	if e == nil {
		e = &initLock{ch: make(chan struct{}, 1)}
		l.m[versionID] = e
	}
	e.refs++
	l.mu.Unlock()
	release := func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		e.refs--
		if e.refs == 0 {
			delete(l.m, versionID)
		}
	}
	select {
	case e.ch <- struct{}{}:
	default:
		waited = true
		if onWait != nil {
			onWait()
		}
		select {
		case e.ch <- struct{}{}:
		case <-ctx.Done():
			release()
			return nil, true, ctx.Err()
		}
	}
	return func() { <-e.ch; release() }, waited, nil
}

// evictInits keeps the initCacheEntries most recently used entries.
func (p *Provisioner) evictInits() {
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return
	}
	type entry struct {
		path string
		mod  int64
	}
	var list []entry
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), initCachePrefix) {
			continue
		}
		if fi, err := e.Info(); err == nil {
			list = append(list, entry{filepath.Join(p.dir, e.Name()), fi.ModTime().UnixNano()})
		}
	}
	if len(list) <= initCacheEntries {
		return
	}
	sort.Slice(list, func(i, j int) bool { return list[i].mod > list[j].mod })
	for _, e := range list[initCacheEntries:] {
		_ = os.RemoveAll(e.path)
	}
}

// copyTree copies the folder src to dst (which must not exist): files,
// folders and symbolic links. A relative link that leads out of src is made
// absolute, so that it still points where it did (Terraform links
// providers from the mirror); one that stays inside src is kept as it is.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			if !filepath.IsAbs(link) {
				abs := filepath.Join(filepath.Dir(path), link)
				if r, err := filepath.Rel(src, abs); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
					link = abs
				}
			}
			return os.Symlink(link, target)
		case d.IsDir():
			return os.Mkdir(target, 0o700)
		case d.Type().IsRegular():
			return copyFile(path, target)
		default:
			return fmt.Errorf("%s is not a file, a folder or a link", path)
		}
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm()|0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
