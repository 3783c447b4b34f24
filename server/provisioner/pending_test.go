package provisioner

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk/buildenv"
)

// announce appends token's line to the hash file, as the provider does.
func announce(t testing.TB, name, token string) {
	t.Helper()
	f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(buildenv.AgentTokenHash(token) + "\n"); err != nil {
		t.Fatal(err)
	}
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// TestPendingToken: a token is pending once its build's provider wrote its
// hash, including one appended after an earlier look (the file is read
// again when it grew); an unknown token, a build without a hash file and
// a build whose result is recorded hold nothing.
func TestPendingToken(t *testing.T) {
	p := &Provisioner{}
	name := filepath.Join(t.TempDir(), agentTokenHashesFile)
	id := uuid.New()
	rj := p.register(id)
	p.register(uuid.New()) // a stop build: no hash file
	if _, ok := p.PendingToken(tokenHash("first")); ok {
		t.Fatal("a token is pending before any build named a hash file")
	}
	rj.hashFile.Store(&name)
	if _, ok := p.PendingToken(tokenHash("first")); ok {
		t.Fatal("a token is pending before the file exists")
	}
	announce(t, name, "first")
	done, ok := p.PendingToken(tokenHash("first"))
	if !ok || done != rj.done {
		t.Fatal("the announced token is not pending on its build")
	}
	if _, ok := p.PendingToken(tokenHash("second")); ok {
		t.Fatal("a token nobody announced is pending")
	}
	announce(t, name, "second") // after the file was read
	if _, ok := p.PendingToken(tokenHash("second")); !ok {
		t.Fatal("a token appended after the first read is not pending")
	}
	if _, ok := p.PendingToken(tokenHash("first")); !ok {
		t.Fatal("the first token is no longer pending after the second was appended")
	}
	p.unregister(id, rj)
	if _, ok := p.PendingToken(tokenHash("first")); ok {
		t.Fatal("a token is pending after its build's result was recorded")
	}
}

// BenchmarkPendingTokenUnknown: a token nobody announced, asked while a
// start build with 20 announced agents runs (what a stray or hostile agent
// request costs).
func BenchmarkPendingTokenUnknown(b *testing.B) {
	p := &Provisioner{}
	name := filepath.Join(b.TempDir(), agentTokenHashesFile)
	for i := range 20 {
		announce(b, name, fmt.Sprint("agent-", i))
	}
	rj := p.register(uuid.New())
	rj.hashFile.Store(&name)
	unknown := tokenHash("nobody")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := p.PendingToken(unknown); ok {
			b.Fatal("pending")
		}
	}
}
