package server_test

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/servertest"
)

// TestRelayRouteAuthentication: the internal relay route answers only
// requests MACed with the shared keys, recent, and never twice.
func TestRelayRouteAuthentication(t *testing.T) {
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{})
	agent := uuid.New()
	send := func(ts int64, nonce, mac string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, s.URL.String()+"/api/v2/internal/relay/agents/"+agent.String(), nil)
		req.Header.Set("Coder-Relay-Time", strconv.FormatInt(ts, 10))
		req.Header.Set("Coder-Relay-Nonce", nonce)
		req.Header.Set("Coder-Relay-Mac", mac)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	sign := func(ts int64, nonce string) string {
		return hex.EncodeToString(s.Crypt.MAC([]byte("relay:" + agent.String() + ":" + strconv.FormatInt(ts, 10) + ":" + nonce)))
	}
	now := time.Now().Unix()
	cases := []struct {
		name  string
		ts    int64
		nonce string
		mac   string
		want  int
	}{
		{"no headers", 0, "", "", http.StatusForbidden},
		{"wrong MAC", now, "n1", hex.EncodeToString(make([]byte, 32)), http.StatusForbidden},
		{"old request", now - 600, "n2", sign(now-600, "n2"), http.StatusForbidden},
		// Valid, but the agent is not connected here.
		{"valid", now, "n3", sign(now, "n3"), http.StatusBadGateway},
		{"replayed", now, "n3", sign(now, "n3"), http.StatusForbidden},
	}
	for _, tc := range cases {
		if got := send(tc.ts, tc.nonce, tc.mac); got != tc.want {
			t.Errorf("%s: got status %d, want %d", tc.name, got, tc.want)
		}
	}
}
