package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usersecrets/coder/sdk/buildenv"
)

// TestAnnounceToken: the provider appends the hash of each token it makes
// to the build's file, never the token; with no file named it writes
// nothing (plain terraform).
func TestAnnounceToken(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "hashes")
	announceToken(file, "tok-1")
	announceToken(file, "tok-2")
	announceToken("", "tok-3")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := buildenv.AgentTokenHash("tok-1") + "\n" + buildenv.AgentTokenHash("tok-2") + "\n"
	if string(b) != want {
		t.Errorf("file holds %q, want %q", b, want)
	}
	if strings.Contains(string(b), "tok-") {
		t.Error("the file holds a token")
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
}
