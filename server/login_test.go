package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server"
	"github.com/usersecrets/coder/server/servertest"
)

// clock is a settable clock, safe for the server's goroutines.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type loginResult struct {
	status     int
	retryAfter string
	message    string
}

func login(t *testing.T, s *servertest.Server, username, password string) loginResult {
	t.Helper()
	body := jsonBody(t, sdk.LoginRequest{Username: username, Password: password})
	req, err := http.NewRequest("POST", s.URL.String()+"/api/v2/users/login", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var resp sdk.Response
	if err := json.NewDecoder(res.Body).Decode(&resp); err != nil {
		t.Fatalf("login answer is not JSON: %v", err)
	}
	return loginResult{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After"), message: resp.Message}
}

// TestLoginThrottle checks that failed logins are throttled per account,
// known and unknown usernames alike, with 429, Retry-After and a JSON
// body; that the wait ends on the (injected) clock and doubles; and that a
// success clears the account's count.
func TestLoginThrottle(t *testing.T) {
	c := &clock{t: time.Now()}
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{Now: c.Now})
	for _, username := range []string{"admin", "ghost"} {
		t.Run(username, func(t *testing.T) {
			for i := range 5 {
				if got := login(t, s, username, "wrong password"); got.status != http.StatusUnauthorized {
					t.Fatalf("failure %d: got status %d (%s), want 401", i+1, got.status, got.message)
				}
			}
			steps := []struct {
				name       string
				advance    time.Duration
				password   string
				status     int
				retryAfter string
			}{
				{"sixth failure", 0, "wrong password", 429, "1"},
				{"while waiting, even the right password", 0, "admin-password", 429, "1"},
				{"after the wait, another failure", time.Second, "wrong password", 429, "2"},
				{"not yet", time.Second, "wrong password", 429, "1"},
			}
			for _, st := range steps {
				c.Advance(st.advance)
				got := login(t, s, username, st.password)
				if got.status != st.status || got.retryAfter != st.retryAfter {
					t.Fatalf("%s: got %d Retry-After %q (%s), want %d Retry-After %q", st.name, got.status, got.retryAfter, got.message, st.status, st.retryAfter)
				}
				if !strings.Contains(got.message, "Too many failed logins") {
					t.Fatalf("%s: got message %q, want it to say too many failed logins", st.name, got.message)
				}
			}
			c.Advance(time.Second)
			if username == "admin" {
				if got := login(t, s, "admin", "admin-password"); got.status != http.StatusCreated {
					t.Fatalf("after the wait, the right password: got %d (%s), want 201", got.status, got.message)
				}
				// The success cleared the count: five free failures again.
				for i := range 5 {
					if got := login(t, s, "admin", "wrong password"); got.status != http.StatusUnauthorized {
						t.Fatalf("failure %d after a success: got %d, want 401", i+1, got.status)
					}
				}
			}
			// Counts are forgotten 15 minutes after the last failure.
			c.Advance(15 * time.Minute)
			if got := login(t, s, username, "wrong password"); got.status != http.StatusUnauthorized {
				t.Fatalf("after 15 quiet minutes: got %d (%s), want 401", got.status, got.message)
			}
		})
	}
}

// TestLoginThrottlePerAddress checks that one client address guessing many
// usernames (each under the per-account limit) is throttled too, and that
// the throttle expires.
func TestLoginThrottlePerAddress(t *testing.T) {
	c := &clock{t: time.Now()}
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{Now: c.Now})
	for i := range 20 {
		name := "spray" + strings.Repeat("x", i%4) + string(rune('a'+i))
		if got := login(t, s, name, "guess"); got.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: got %d, want 401", i+1, got.status)
		}
	}
	if got := login(t, s, "someone-new", "guess"); got.status != http.StatusTooManyRequests || got.retryAfter != "1" {
		t.Fatalf("21st failure from one address: got %d Retry-After %q, want 429 Retry-After \"1\"", got.status, got.retryAfter)
	}
	if got := login(t, s, "admin", "admin-password"); got.status != http.StatusTooManyRequests {
		t.Fatalf("right password while the address waits: got %d, want 429", got.status)
	}
	c.Advance(15*time.Minute + time.Second)
	if got := login(t, s, "admin", "admin-password"); got.status != http.StatusCreated {
		t.Fatalf("after 15 quiet minutes: got %d (%s), want 201", got.status, got.message)
	}
}

// TestLoginFailureLogged checks the INFO line of a failed login: username,
// client address and reason, and never the password.
func TestLoginFailureLogged(t *testing.T) {
	s := servertest.New(t, servertest.Backends()[0], servertest.Options{})
	const password = "hunter2-not-the-password"
	for _, username := range []string{"admin", "ghost"} {
		if got := login(t, s, username, password); got.status != http.StatusUnauthorized {
			t.Fatalf("%s: got %d, want 401", username, got.status)
		}
	}
	logs := s.Logs.String()
	for _, want := range []string{
		`level=INFO msg="login failed" username=admin client_address=127.0.0.1 reason="wrong password"`,
		`level=INFO msg="login failed" username=ghost client_address=127.0.0.1 reason="unknown username"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("got logs without %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, password) {
		t.Errorf("the log holds the password:\n%s", logs)
	}
}

// TestLoginThrottleBehindProxy checks --proxy-trusted-headers and
// --proxy-trusted-origins: behind a trusted proxy the per-address throttle
// counts the address the proxy names, so one client's guesses do not lock
// out the others that share the proxy; without that trust (the default) the
// headers are ignored, so a client cannot dodge the throttle by sending a
// new X-Forwarded-For each time.
func TestLoginThrottleBehindProxy(t *testing.T) {
	spray := func(t *testing.T, s *servertest.Server, xff func(i int) string, n int) []int {
		var codes []int
		for i := range n {
			body := jsonBody(t, sdk.LoginRequest{Username: "spray" + string(rune('a'+i%26)) + strings.Repeat("x", i/26), Password: "guess"})
			req, err := http.NewRequest("POST", s.URL.String()+"/api/v2/users/login", strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", xff(i))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			codes = append(codes, res.StatusCode)
		}
		return codes
	}
	t.Run("trusted", func(t *testing.T) {
		s := servertest.New(t, servertest.Backends()[0], servertest.Options{ProxyTrust: server.ProxyTrust{
			Headers: []string{"X-Forwarded-For"},
			Origins: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")},
		}})
		// One client behind two proxies (the inner one, 10.1.2.3, is
		// trusted too); a spoofed left-most entry changes nothing.
		codes := spray(t, s, func(i int) string { return fmt.Sprintf("198.51.100.%d, 203.0.113.9, 10.1.2.3", i) }, 21)
		if codes[19] != http.StatusUnauthorized || codes[20] != http.StatusTooManyRequests {
			t.Fatalf("one client's 20th and 21st failures: got %v, want 401 then 429", codes[19:])
		}
		// Another client behind the same proxy is not throttled.
		if got := spray(t, s, func(int) string { return "203.0.113.10" }, 1); got[0] != http.StatusUnauthorized {
			t.Fatalf("another client behind the proxy: got %d, want 401", got[0])
		}
		// The first client still waits.
		if got := spray(t, s, func(int) string { return "203.0.113.9" }, 1); got[0] != http.StatusTooManyRequests {
			t.Fatalf("the throttled client again: got %d, want 429", got[0])
		}
	})
	t.Run("untrusted", func(t *testing.T) {
		s := servertest.New(t, servertest.Backends()[0], servertest.Options{})
		codes := spray(t, s, func(i int) string { return fmt.Sprintf("203.0.113.%d", i) }, 21)
		if codes[19] != http.StatusUnauthorized || codes[20] != http.StatusTooManyRequests {
			t.Fatalf("a new X-Forwarded-For at each guess, no trusted proxy: got %v, want 401 then 429", codes[19:])
		}
	})
}
