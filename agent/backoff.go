package agent

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff yields exponentially growing waits with jitter: each wait is
// drawn from [d/2, d] where d doubles from initial up to max, so many
// agents that lost the same server do not come back in lockstep.
type backoff struct {
	initial, max, cur time.Duration
}

func newBackoff(initial, max time.Duration) *backoff {
	return &backoff{initial: initial, max: max}
}

// next returns the next wait.
func (b *backoff) next() time.Duration {
	switch {
	case b.cur == 0:
		b.cur = b.initial
	case b.cur < b.max:
		b.cur = min(b.cur*2, b.max)
	}
	half := b.cur / 2
	return half + rand.N(b.cur-half+1)
}

// reset makes the next wait short again.
func (b *backoff) reset() { b.cur = 0 }

// wait blocks for d or until ctx ends; it reports whether d passed.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
