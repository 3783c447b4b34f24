package provisioner

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
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
// effort: a failure only costs them an init).
func (p *Provisioner) keepInit(versionID, dir string) {
	if _, err := os.Lstat(filepath.Join(dir, ".terraform", "terraform.tfstate")); err == nil {
		return
	}
	if _, err := os.Stat(filepath.Join(dir, ".terraform")); err != nil {
		return
	}
	tmp, err := os.MkdirTemp(p.dir, ".init-tmp-")
	if err != nil {
		return
	}
	defer os.RemoveAll(tmp)
	if err := copyTree(filepath.Join(dir, ".terraform"), filepath.Join(tmp, ".terraform")); err != nil {
		p.o.Logger.Warn("keep the init for later builds", "error", err)
		return
	}
	if err := copyFile(filepath.Join(dir, tfmirror.LockFileName), filepath.Join(tmp, tfmirror.LockFileName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return
	}
	// Two builds of one version may finish init at once: the first rename
	// wins, the other finds the entry there and drops its copy.
	if err := os.Rename(tmp, p.initCacheDir(versionID)); err != nil {
		return
	}
	p.evictInits()
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
