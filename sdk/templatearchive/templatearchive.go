// Package templatearchive packs a template folder into a tar archive, checks
// an uploaded archive (no path may escape the folder; only regular files and
// folders; bounded sizes), extracts it for a build, and finds the template's
// coder_secret requirements without running Terraform.
package templatearchive

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Limits of an archive.
const (
	MaxFiles      = 2000
	MaxTotalBytes = 50 << 20 // uncompressed
	MaxNameBytes  = 4096     // one entry's name (Linux's PATH_MAX)
)

// skipped are names Pack leaves out: Terraform's working data, state, plans
// and version control.
func skipped(rel string, d fs.DirEntry) bool {
	base := d.Name()
	if d.IsDir() {
		return base == ".terraform" || base == ".git"
	}
	return strings.HasPrefix(base, "terraform.tfstate") || strings.HasSuffix(base, ".tfplan") || base == ".terraform.tfstate.lock.info"
}

// Pack makes a tar archive of dir. Symbolic links are refused: a template
// must be self-contained.
func Pack(dir string) ([]byte, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("template folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("template folder %s is not a folder", dir)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	files := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		if skipped(rel, d) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s is a symbolic link; templates may hold only regular files and folders", name)
		case info.IsDir():
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: 0o755})
		case !info.Mode().IsRegular():
			return fmt.Errorf("%s is not a regular file", name)
		}
		files++
		if files > MaxFiles {
			return fmt.Errorf("the template has more than %d files", MaxFiles)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(info.Mode().Perm()), Size: int64(len(data))}); err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pack template: %w", err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("pack template: %w", err)
	}
	return buf.Bytes(), nil
}

// File is one regular file of an archive.
type File struct {
	Name string // slash-separated, relative, clean
	Mode fs.FileMode
	Data []byte
}

// Read checks an archive and returns its files and folders. It refuses
// absolute names, names that escape the folder, links, devices, and
// archives past the size limits, with an error that says which entry.
func Read(archive []byte) (files []File, dirs []string, err error) {
	tr := tar.NewReader(bytes.NewReader(archive))
	var total int64
	seen := map[string]bool{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("the archive is not a valid tar file: %w", err)
		}
		name, err := cleanName(h.Name)
		if err != nil {
			return nil, nil, err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if name != "." {
				dirs = append(dirs, name)
			}
			continue
		case tar.TypeReg:
		default:
			return nil, nil, fmt.Errorf("archive entry %q is not a regular file or folder (links and devices are refused)", h.Name)
		}
		if len(files) >= MaxFiles {
			return nil, nil, fmt.Errorf("the archive has more than %d files", MaxFiles)
		}
		if h.Size < 0 || total+h.Size > MaxTotalBytes {
			return nil, nil, fmt.Errorf("the archive's files add up to more than %d bytes", MaxTotalBytes)
		}
		total += h.Size
		data, err := io.ReadAll(io.LimitReader(tr, h.Size))
		if err != nil {
			return nil, nil, fmt.Errorf("read archive entry %q: %w", h.Name, err)
		}
		if seen[name] {
			return nil, nil, fmt.Errorf("archive entry %q appears twice", h.Name)
		}
		seen[name] = true
		files = append(files, File{Name: name, Mode: fs.FileMode(h.Mode).Perm() | 0o600, Data: data})
	}
	if len(files) == 0 {
		return nil, nil, errors.New("the archive holds no files")
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	if err := checkClashes(files, dirs); err != nil {
		return nil, nil, err
	}
	return files, dirs, nil
}

// checkClashes refuses an archive in which a file's name is also a folder:
// a folder entry of the same name, or entries inside it ("x" and "x/y").
// Such an archive cannot be extracted.
func checkClashes(files []File, dirs []string) error {
	names := make([]string, 0, len(files)+len(dirs))
	isFile := make(map[string]bool, len(files))
	for _, f := range files {
		names = append(names, f.Name)
		isFile[f.Name] = true
	}
	for _, d := range dirs {
		if isFile[d] {
			return fmt.Errorf("archive entry %q is both a file and a folder", d)
		}
		names = append(names, d)
	}
	sort.Strings(names)
	for _, f := range files {
		prefix := f.Name + "/"
		if i := sort.SearchStrings(names, prefix); i < len(names) && strings.HasPrefix(names[i], prefix) {
			return fmt.Errorf("archive entry %q is a file, but the entry %q needs it to be a folder", f.Name, names[i])
		}
	}
	return nil
}

// cleanName checks one entry name: relative, inside the folder.
func cleanName(n string) (string, error) {
	if len(n) > MaxNameBytes {
		return "", fmt.Errorf("archive entry name %q... is %d bytes long; at most %d are accepted", n[:40], len(n), MaxNameBytes)
	}
	if n == "" || strings.ContainsRune(n, 0) || strings.Contains(n, `\`) {
		return "", fmt.Errorf("archive entry name %q is not valid", n)
	}
	if strings.HasPrefix(n, "/") {
		return "", fmt.Errorf("archive entry %q has an absolute path; paths must stay inside the template folder", n)
	}
	c := path.Clean(n)
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("archive entry %q escapes the template folder", n)
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return "", fmt.Errorf("archive entry %q escapes the template folder", n)
		}
	}
	return c, nil
}

// Extract writes a checked archive into dir (which must exist). Files are
// created, never followed through links, with their mode limited to 0700.
func Extract(archive []byte, dir string) error {
	files, dirs, err := Read(archive)
	if err != nil {
		return err
	}
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(d)), 0o700); err != nil {
			return fmt.Errorf("extract template: %w", err)
		}
	}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return fmt.Errorf("extract template: %w", err)
		}
		fh, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, f.Mode&0o700)
		if err != nil {
			return fmt.Errorf("extract template: %w", err)
		}
		_, werr := fh.Write(f.Data)
		cerr := fh.Close()
		if werr != nil || cerr != nil {
			return fmt.Errorf("extract template: %w", errors.Join(werr, cerr))
		}
	}
	return nil
}
