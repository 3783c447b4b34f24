package provisioner

import (
	"github.com/google/uuid"
)

// Build watches: a follower of a build's log (the log route with
// ?follow=true) waits on WatchBuild's channel, which this process closes
// when it stores log lines of the build or records its result, so the
// follower reads them at once instead of at its next poll. A build run by
// another server process never closes it: the follower's poll still sees
// that build.

// WatchBuild returns a channel closed at the build's next change made by
// this process (log lines stored, result recorded), and a release to call
// once done waiting (wake.Set.Watch). A nil provisioner's channel is nil.
func (p *Provisioner) WatchBuild(id uuid.UUID) (<-chan struct{}, func()) {
	if p == nil {
		return nil, func() {}
	}
	return p.watches.Watch(id)
}

// NotifyBuild wakes the build's watchers.
func (p *Provisioner) NotifyBuild(id uuid.UUID) {
	if p == nil {
		return
	}
	p.watches.Notify(id)
}
