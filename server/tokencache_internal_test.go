package server

import (
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

func testAuth(key string, user uuid.UUID) store.APIKeyAuth {
	return store.APIKeyAuth{Key: store.APIKey{ID: key, UserID: user}, User: store.User{ID: user}}
}

// TestTokenCacheRules checks the cache's own rules: nothing is read or
// kept while it is not live; a row read before a change was heard is not
// kept; a user's change drops all their keys and only theirs; a message it
// cannot read drops everything; an entry is read again after the TTL.
func TestTokenCacheRules(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := newTokenCache(clock)
	alice, bob := uuid.New(), uuid.New()

	c.put(c.at(), clock(), testAuth("a1", alice))
	if _, ok := c.get("a1"); ok {
		t.Fatal("a cache that is off served a row")
	}
	live := false
	c.live = func() bool { return live }
	c.put(c.at(), clock(), testAuth("a1", alice))
	live = true
	if _, ok := c.get("a1"); ok {
		t.Fatal("a row put while not live was kept")
	}

	for _, k := range []struct {
		id   string
		user uuid.UUID
	}{{"a1", alice}, {"a2", alice}, {"b1", bob}} {
		c.put(c.at(), clock(), testAuth(k.id, k.user))
	}
	for _, id := range []string{"a1", "a2", "b1"} {
		if a, ok := c.get(id); !ok || a.Key.ID != id {
			t.Fatalf("get %s: %v %v", id, a.Key.ID, ok)
		}
	}
	live = false
	if _, ok := c.get("b1"); ok {
		t.Fatal("a kept row was served while not live")
	}
	live = true

	// A read that a change overtook is not kept.
	epoch := c.at()
	c.forget(forgetKey + "zz")
	c.put(epoch, clock(), testAuth("b2", bob))
	if _, ok := c.get("b2"); ok {
		t.Fatal("a row read before a change was heard was kept")
	}

	c.forget(forgetUser + alice.String())
	for id, want := range map[string]bool{"a1": false, "a2": false, "b1": true} {
		if _, ok := c.get(id); ok != want {
			t.Errorf("after alice's change, %s kept: %v, want %v", id, ok, want)
		}
	}
	c.forget(forgetKey + "b1")
	if _, ok := c.get("b1"); ok {
		t.Error("a forgotten key was kept")
	}

	c.put(c.at(), clock(), testAuth("b1", bob))
	c.forget("garbled")
	if _, ok := c.get("b1"); ok {
		t.Error("an unreadable message did not drop everything")
	}

	c.put(c.at(), clock(), testAuth("b1", bob))
	mu.Lock()
	now = now.Add(tokenCacheTTL)
	mu.Unlock()
	if _, ok := c.get("b1"); ok {
		t.Error("a row older than the TTL was served")
	}
}
