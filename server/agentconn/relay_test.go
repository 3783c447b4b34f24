package agentconn

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
)

type testAuth struct{ key []byte }

func (a testAuth) MAC(msg []byte) []byte {
	m := hmac.New(sha256.New, a.key)
	m.Write(msg)
	return m.Sum(nil)
}

func (a testAuth) VerifyMAC(msg, mac []byte) bool { return hmac.Equal(a.MAC(msg), mac) }

func TestCheckRelay(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	auth := testAuth{key: []byte("shared")}
	h := New(Options{RelayAuth: auth, Now: func() time.Time { return now }})
	agent := uuid.New()
	headers := func(a RelayAuthenticator, at time.Time, nonce string) http.Header {
		hdr := http.Header{}
		hdr.Set(relayTimeHeader, strconv.FormatInt(at.Unix(), 10))
		hdr.Set(relayNonceHeader, nonce)
		hdr.Set(relayMACHeader, hex.EncodeToString(a.MAC(relayMessage(agent, at.Unix(), nonce))))
		return hdr
	}
	if err := h.CheckRelay(agent, headers(auth, now, "n1")); err != nil {
		t.Errorf("a good request: got %v, want nil", err)
	}
	for _, tc := range []struct {
		name string
		hdr  http.Header
		want error
	}{
		{"replayed", headers(auth, now, "n1"), ErrRelayReplayed},
		{"other keys", headers(testAuth{key: bytes.Repeat([]byte("x"), 6)}, now, "n2"), ErrRelayForbidden},
		{"too old", headers(auth, now.Add(-3*time.Minute), "n3"), ErrRelayForbidden},
		{"from the future", headers(auth, now.Add(3*time.Minute), "n4"), ErrRelayForbidden},
		{"no nonce", headers(auth, now, ""), ErrRelayForbidden},
		{"no headers", http.Header{}, ErrRelayForbidden},
	} {
		if err := h.CheckRelay(agent, tc.hdr); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if err := New(Options{}).CheckRelay(agent, headers(auth, time.Now(), "n5")); !errors.Is(err, ErrRelayForbidden) {
		t.Errorf("no relay keys: got %v, want %v", err, ErrRelayForbidden)
	}
}

func TestNotConnected(t *testing.T) {
	t.Parallel()
	h := New(Options{})
	id := uuid.New()
	if h.ConnectedHere(id) {
		t.Error("got connected, want not")
	}
	if _, err := h.OpenHere(id); !errors.Is(err, ErrNotConnected) {
		t.Errorf("got %v, want %v", err, ErrNotConnected)
	}
}
