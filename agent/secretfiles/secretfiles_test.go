//go:build unix

package secretfiles_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/usersecrets/coder/agent/secretfiles"
	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/placement"
)

// syncBuffer collects log output from a test's writer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newWriter(t *testing.T, home string, privileged bool) (*secretfiles.Writer, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	w := secretfiles.New(secretfiles.Options{
		Logger:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Home:       home,
		Privileged: func() bool { return privileged },
	})
	return w, logs
}

func fileSecret(name, path, value string) sdk.WorkspaceSecret {
	return sdk.WorkspaceSecret{Name: name, FilePath: path, Value: sdk.SecretValue(value)}
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	return fi.Mode()
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat %s: %v", path, err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

func content(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}

// checkContent compares a file with the value it should hold without ever
// printing the value.
func checkContent(t *testing.T, path, want string) {
	t.Helper()
	if got := content(t, path); got != want {
		t.Errorf("content of %s: got %d bytes that differ, want the %d bytes of the secret value", path, len(got), len(want))
	}
}

func checkNoValues(t *testing.T, logs string, values ...string) {
	t.Helper()
	for _, v := range values {
		if strings.Contains(logs, v) {
			t.Errorf("log holds a secret value (%d bytes), want none", len(v))
		}
	}
}

var modes = []struct {
	name       string
	privileged bool
}{{"user", false}, {"root", true}}

func TestNewFileAndDirectories(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			abs := t.TempDir()
			w, logs := newWriter(t, home, m.privileged)
			res := w.Apply(context.Background(), []sdk.WorkspaceSecret{
				fileSecret("home", "~/.config/tool/config.json", "v-home-1"),
				fileSecret("abs", abs+"/a/b/key", "v-abs-2\n"),
				fileSecret("top", "~/top", "v-top-3"),
			})
			if len(res.Failed) != 0 {
				t.Fatalf("failures: got %v, want none", res.Failed)
			}
			want := []secretfiles.Written{
				{Secret: "abs", Path: abs + "/a/b/key", Created: true},
				{Secret: "home", Path: home + "/.config/tool/config.json", Created: true},
				{Secret: "top", Path: home + "/top", Created: true},
			}
			if diff := cmp.Diff(want, res.Written); diff != "" {
				t.Errorf("written: got -want +got:\n%s", diff)
			}
			checkContent(t, home+"/.config/tool/config.json", "v-home-1")
			checkContent(t, abs+"/a/b/key", "v-abs-2\n")
			checkContent(t, home+"/top", "v-top-3")
			for _, p := range []string{home + "/.config/tool/config.json", abs + "/a/b/key", home + "/top"} {
				if got := mode(t, p); got != 0o600 {
					t.Errorf("mode of %s: got %v, want -rw-------", p, got)
				}
			}
			for _, d := range []string{home + "/.config", home + "/.config/tool", abs + "/a", abs + "/a/b"} {
				if got := mode(t, d); got != fs.ModeDir|0o700 {
					t.Errorf("mode of %s: got %v, want drwx------", d, got)
				}
			}
			checkNoValues(t, logs.String(), "v-home-1", "v-abs-2", "v-top-3")
		})
	}
}

func TestExistingFileKeepsModeInodeAndDirs(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			dir := filepath.Join(home, ".ssh")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "id")
			if err := os.WriteFile(path, []byte("a much longer old content than the new value"), 0o640); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, 0o640); err != nil {
				t.Fatal(err)
			}
			ino := inode(t, path)
			w, _ := newWriter(t, home, m.privileged)
			res := w.Apply(context.Background(), []sdk.WorkspaceSecret{fileSecret("id", "~/.ssh/id", "new")})
			if diff := cmp.Diff([]secretfiles.Written{{Secret: "id", Path: path}}, res.Written); diff != "" {
				t.Errorf("written: got -want +got:\n%s (failed: %v)", diff, res.Failed)
			}
			checkContent(t, path, "new")
			if got := mode(t, path); got != 0o640 {
				t.Errorf("mode: got %v, want -rw-r-----", got)
			}
			if got := inode(t, path); got != ino {
				t.Errorf("inode: got %d, want %d", got, ino)
			}
			if got := mode(t, dir); got != fs.ModeDir|0o755 {
				t.Errorf("directory mode: got %v, want drwxr-xr-x", got)
			}
		})
	}
}

func TestSymlinkFinalComponent(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			target := filepath.Join(t.TempDir(), "target")
			if err := os.WriteFile(target, []byte("original"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, filepath.Join(home, "link")); err != nil {
				t.Fatal(err)
			}
			w, _ := newWriter(t, home, m.privileged)
			res := w.Apply(context.Background(), []sdk.WorkspaceSecret{fileSecret("s", "~/link", "new")})
			if m.privileged {
				if len(res.Failed) != 1 || !errors.Is(res.Failed[0].Err, secretfiles.ErrRefused) {
					t.Fatalf("failures: got %v, want one refusal", res.Failed)
				}
				if got := content(t, target); got != "original" {
					t.Errorf("link target: got %q, want %q", got, "original")
				}
				return
			}
			if len(res.Failed) != 0 {
				t.Fatalf("failures: got %v, want none (a user's writer follows links)", res.Failed)
			}
			checkContent(t, target, "new")
		})
	}
}

func TestSymlinkParent(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to make a link owned by another user")
	}
	tests := []struct {
		name       string
		privileged bool
		owner      int // -1: the test's own user
		absolute   bool
		wantRefuse bool
	}{
		{name: "root writer, absolute link owned by another user", privileged: true, owner: 1234, absolute: true, wantRefuse: true},
		{name: "root writer, relative link owned by another user", privileged: true, owner: 1234, wantRefuse: true},
		{name: "root writer, own absolute link", privileged: true, owner: -1, absolute: true},
		{name: "root writer, own relative link", privileged: true, owner: -1},
		{name: "user writer, link owned by another user", privileged: false, owner: 1234},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			real := filepath.Join(home, "real")
			if err := os.Mkdir(real, 0o700); err != nil {
				t.Fatal(err)
			}
			target := "real"
			if tt.absolute {
				target = real
			}
			link := filepath.Join(home, ".config")
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			if tt.owner >= 0 {
				if err := os.Lchown(link, tt.owner, tt.owner); err != nil {
					t.Fatal(err)
				}
			}
			w, _ := newWriter(t, home, tt.privileged)
			res := w.Apply(context.Background(), []sdk.WorkspaceSecret{fileSecret("s", "~/.config/sub/f", "v")})
			if tt.wantRefuse {
				if len(res.Failed) != 1 || !errors.Is(res.Failed[0].Err, secretfiles.ErrRefused) {
					t.Fatalf("failures: got %v, want one refusal", res.Failed)
				}
				if _, err := os.Stat(filepath.Join(real, "sub")); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("stat %s/sub: got %v, want not exist", real, err)
				}
				return
			}
			if len(res.Failed) != 0 {
				t.Fatalf("failures: got %v, want none", res.Failed)
			}
			checkContent(t, filepath.Join(real, "sub", "f"), "v")
			if got := mode(t, filepath.Join(real, "sub")); got != fs.ModeDir|0o700 {
				t.Errorf("new directory mode: got %v, want drwx------", got)
			}
		})
	}
}

func TestNonRegularRefused(t *testing.T) {
	t.Parallel()
	kinds := []struct {
		name string
		make func(t *testing.T, path string)
	}{
		{"fifo", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, m := range modes {
		for _, k := range kinds {
			t.Run(m.name+"/"+k.name, func(t *testing.T) {
				t.Parallel()
				home := t.TempDir()
				k.make(t, filepath.Join(home, "f"))
				w, logs := newWriter(t, home, m.privileged)
				done := make(chan secretfiles.Result, 1)
				go func() {
					done <- w.Apply(context.Background(), []sdk.WorkspaceSecret{fileSecret("s", "~/f", "value-xyz")})
				}()
				var res secretfiles.Result
				select {
				case res = <-done:
				case <-time.After(10 * time.Second):
					t.Fatal("Apply blocked on a non-regular file for 10s, want it to refuse at once")
				}
				if len(res.Failed) != 1 || !errors.Is(res.Failed[0].Err, secretfiles.ErrRefused) {
					t.Fatalf("failures: got %v, want one refusal", res.Failed)
				}
				if !strings.Contains(logs.String(), "write secret file") {
					t.Errorf("log: got %q, want a write secret file error", logs.String())
				}
				checkNoValues(t, logs.String(), "value-xyz")
			})
		}
	}
}

func TestHardLinkRefusedWhenPrivileged(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	other := filepath.Join(t.TempDir(), "other")
	if err := os.WriteFile(other, []byte("other"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(other, filepath.Join(home, "f")); err != nil {
		t.Skipf("hard link: %v", err)
	}
	w, _ := newWriter(t, home, true)
	res := w.Apply(context.Background(), []sdk.WorkspaceSecret{fileSecret("s", "~/f", "v")})
	if len(res.Failed) != 1 || !errors.Is(res.Failed[0].Err, secretfiles.ErrRefused) {
		t.Fatalf("failures: got %v, want one refusal", res.Failed)
	}
	if got := content(t, other); got != "other" {
		t.Errorf("linked file: got %q, want %q", got, "other")
	}
}

func TestCollisionWarning(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	w, logs := newWriter(t, home, false)
	res := w.Apply(context.Background(), []sdk.WorkspaceSecret{
		fileSecret("zeta", "~/config", "zeta-value"),
		fileSecret("alpha", home+"/config", "alpha-value"),
	})
	want := []placement.Warning{{Path: home + "/config", Kept: "alpha", Skipped: "zeta"}}
	if diff := cmp.Diff(want, res.Warnings); diff != "" {
		t.Errorf("warnings: got -want +got:\n%s", diff)
	}
	checkContent(t, home+"/config", "alpha-value")
	l := logs.String()
	for _, s := range []string{"level=WARN", "alpha", "zeta", home + "/config"} {
		if !strings.Contains(l, s) {
			t.Errorf("log: got no %q in\n%s", s, l)
		}
	}
	checkNoValues(t, l, "zeta-value", "alpha-value")
}

func TestFailureDoesNotStopOthers(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			if err := os.WriteFile(filepath.Join(home, "plain"), []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			w, logs := newWriter(t, home, m.privileged)
			res := w.Apply(context.Background(), []sdk.WorkspaceSecret{
				fileSecret("a", "~/plain/under-a-file", "value-a"), // parent is a file
				fileSecret("b", "relative", "value-b"),             // does not resolve
				fileSecret("c", "~/ok", "value-c"),
			})
			var failed []string
			for _, f := range res.Failed {
				failed = append(failed, f.Secret)
			}
			if diff := cmp.Diff([]string{"b", "a"}, failed); diff != "" {
				t.Errorf("failed secrets: got -want +got:\n%s", diff)
			}
			checkContent(t, home+"/ok", "value-c")
			checkNoValues(t, logs.String(), "value-a", "value-b", "value-c")
			for _, f := range res.Failed {
				checkNoValues(t, f.Err.Error(), "value-a", "value-b", "value-c")
			}
		})
	}
}

func TestNothingDeleted(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	w, _ := newWriter(t, home, false)
	ctx := context.Background()
	w.Apply(ctx, []sdk.WorkspaceSecret{fileSecret("a", "~/a", "1"), fileSecret("b", "~/b", "2")})
	// a moves to a new path, b is deleted.
	res := w.Apply(ctx, []sdk.WorkspaceSecret{fileSecret("a", "~/a2", "3")})
	if len(res.Failed) != 0 {
		t.Fatalf("failures: got %v, want none", res.Failed)
	}
	for path, want := range map[string]string{"a": "1", "b": "2", "a2": "3"} {
		checkContent(t, filepath.Join(home, path), want)
	}
}
