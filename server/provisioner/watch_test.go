package provisioner

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
)

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// TestWatchBuild: the provisioner's build watches are a wake.Set (tested
// there): a notify wakes the build's watcher, not another build's; a nil
// provisioner's watch is nil.
func TestWatchBuild(t *testing.T) {
	p := &Provisioner{}
	a, b := uuid.New(), uuid.New()
	ch, rel := p.WatchBuild(a)
	other, relOther := p.WatchBuild(b)
	p.NotifyBuild(a)
	if !closed(ch) || closed(other) {
		t.Fatalf("after a notify of one build: its watcher woken %v, the other build's %v; want true, false", closed(ch), closed(other))
	}
	rel()
	relOther()
	if n := p.watches.Len(); n != 0 {
		t.Fatalf("%d watch entries left after every release", n)
	}
	var nilP *Provisioner
	ch, rel = nilP.WatchBuild(a)
	nilP.NotifyBuild(a)
	rel()
	if ch != nil {
		t.Fatal("a nil provisioner's watch is not nil")
	}
}

// TestLockInit: a second build of a version waits for the first one's init
// (and says it waited); one of another version does not; a canceled wait
// returns its context's error; unlocked, nothing is left.
func TestLockInit(t *testing.T) {
	p := &Provisioner{}
	ctx := context.Background()
	unlock, waited, err := p.lockInit(ctx, "v1", nil)
	if err != nil || waited {
		t.Fatalf("first lock: waited %v, error %v", waited, err)
	}
	unlockOther, waited, err := p.lockInit(ctx, "v2", nil)
	if err != nil || waited {
		t.Fatalf("another version: waited %v, error %v", waited, err)
	}
	unlockOther()
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, waited, err := p.lockInit(canceled, "v1", nil); err == nil || !waited {
		t.Fatalf("canceled wait: waited %v, error %v", waited, err)
	}
	var unlocked atomic.Bool
	got := make(chan bool)
	go func() {
		u, _, err := p.lockInit(ctx, "v1", nil)
		if err != nil {
			t.Error(err)
		}
		after := unlocked.Load()
		u()
		got <- after
	}()
	// Once the second lock waits (its reference is counted), let it go.
	for {
		p.inits.mu.Lock()
		refs := p.inits.m["v1"].refs
		p.inits.mu.Unlock()
		if refs == 2 {
			break
		}
		runtime.Gosched()
	}
	unlocked.Store(true)
	unlock()
	if !<-got {
		t.Fatal("the second lock of v1 was taken before the first was unlocked")
	}
	p.inits.mu.Lock()
	n := len(p.inits.m)
	p.inits.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d init locks left after every unlock", n)
	}
	p.inits.uncached.Store("v3", true)
	u1, _, _ := p.lockInit(ctx, "v3", nil)
	u2, waited, err := p.lockInit(ctx, "v3", nil)
	if err != nil || waited {
		t.Fatalf("a version never cached: waited %v, error %v", waited, err)
	}
	u1()
	u2()
}
