package server

import (
	"testing"
	"time"
)

// TestAgentWaitPollEvery: up to 100 held agent requests read every 100 ms;
// beyond, the interval grows so that all of them together read at most
// about 1,000 agents a second.
func TestAgentWaitPollEvery(t *testing.T) {
	for _, n := range []int{0, 1, 50, 100} {
		if got := agentWaitPollEvery(n); got != agentWaitPoll {
			t.Errorf("%d waiting: every %v, want %v", n, got, agentWaitPoll)
		}
	}
	for _, n := range []int{101, 500, 1000, 10_000, 1_000_000} {
		every := agentWaitPollEvery(n)
		if perSecond := float64(n) / every.Seconds(); perSecond > 1000 {
			t.Errorf("%d waiting, every %v: %.0f reads a second, want at most 1,000", n, every, perSecond)
		}
	}
	if got := agentWaitPollEvery(1000); got != time.Second {
		t.Errorf("1,000 waiting: every %v, want 1s", got)
	}
}
