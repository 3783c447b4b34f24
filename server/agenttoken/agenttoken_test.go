package agenttoken_test

import (
	"encoding/hex"
	"testing"

	"github.com/usersecrets/coder/server/agenttoken"
)

func TestHash(t *testing.T) {
	t.Parallel()
	// sha256("abc"), the FIPS 180-2 example.
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := hex.EncodeToString(agenttoken.Hash("abc")); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
