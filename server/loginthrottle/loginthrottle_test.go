package loginthrottle

import (
	"fmt"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

var policy = Policy{Free: 3, Base: time.Second, Max: 8 * time.Second, Forget: time.Minute}

// TestThrottleBacksOff checks the free failures, the doubling waits, the
// bound, and that a wait ends when its time has passed.
func TestThrottleBacksOff(t *testing.T) {
	c := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	th := New(policy, c.now)
	wantWaits := []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second}
	for i, want := range wantWaits {
		if got := th.Wait("alice"); got != 0 {
			t.Fatalf("attempt %d: got wait %s before failing, want 0", i+1, got)
		}
		if got := th.Fail("alice"); got != want {
			t.Fatalf("failure %d: got wait %s, want %s", i+1, got, want)
		}
		if got := th.Wait("alice"); got != want {
			t.Fatalf("after failure %d: got wait %s, want %s", i+1, got, want)
		}
		c.advance(want / 2)
		if want > 0 {
			if got := th.Wait("alice"); got != want-want/2 {
				t.Fatalf("half way through wait %d: got %s, want %s", i+1, got, want-want/2)
			}
		}
		c.advance(want - want/2)
	}
	if got := th.Wait("bob"); got != 0 {
		t.Fatalf("another key: got wait %s, want 0", got)
	}
}

// TestThrottleForgets checks that a key's count expires after Forget, and
// that Succeed clears it at once.
func TestThrottleForgets(t *testing.T) {
	c := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	th := New(policy, c.now)
	for range 4 {
		th.Fail("k")
	}
	if got := th.Wait("k"); got != time.Second {
		t.Fatalf("got wait %s, want 1s", got)
	}
	c.advance(time.Minute - time.Nanosecond)
	if got := th.Fail("k"); got != 2*time.Second {
		t.Fatalf("a failure before Forget: got wait %s, want 2s (the count is kept)", got)
	}
	c.advance(time.Minute + 2*time.Second)
	if got := th.Wait("k"); got != 0 {
		t.Fatalf("after Forget: got wait %s, want 0", got)
	}
	if got := th.Fail("k"); got != 0 {
		t.Fatalf("first failure after Forget: got wait %s, want 0 (the count starts again)", got)
	}
	for range 3 {
		th.Fail("k")
	}
	th.Succeed("k")
	if got := th.Fail("k"); got != 0 {
		t.Fatalf("failure after Succeed: got wait %s, want 0", got)
	}
}

// TestThrottleBoundsMemory checks that counting many keys never holds more
// than MaxKeys, and that a locked key survives pruning when others can go.
func TestThrottleBoundsMemory(t *testing.T) {
	c := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	p := policy
	p.MaxKeys = 100
	th := New(p, c.now)
	for range 5 {
		th.Fail("victim")
	}
	for i := range 1000 {
		c.advance(time.Millisecond)
		th.Fail(fmt.Sprintf("spray-%d", i))
		if n := th.Len(); n > p.MaxKeys {
			t.Fatalf("after %d keys: got %d counted, want at most %d", i+1, n, p.MaxKeys)
		}
	}
	if got := th.Wait("victim"); got == 0 {
		t.Fatalf("the locked key was dropped: got wait 0, want > 0")
	}
}
