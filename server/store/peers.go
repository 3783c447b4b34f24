package store

import "context"

// Peers links the server processes that share one database, so that a
// cache one of them keeps can be emptied on every one of them before a
// change is answered (the verified tokens, server/tokencache.go). A
// backend that several processes may share offers it through PeerJoiner
// (pgstore); where no other process can share the store, none is needed.
type Peers interface {
	// Live reports whether this process has heard every broadcast made
	// until less than the lease ago. A cache the broadcasts keep current
	// must not be read while Live is false.
	Live() bool
	// Broadcast gives msg to the handler of every other process that was
	// live, and returns once each has handled it or can no longer be live
	// without having handled it (its lease ended). msg is a line of
	// printable ASCII (no value, no token: the handlers get ids).
	Broadcast(ctx context.Context, msg string) error
	// Close leaves: the other processes stop waiting for this one.
	Close() error
}

// PeerHandlers are what a process does with what it hears.
type PeerHandlers struct {
	// Message is called with each broadcast of another process, one at a
	// time, before that process is told it was handled.
	Message func(msg string)
	// Reset is called before this process becomes live again after it may
	// have missed broadcasts (its connection to them was lost): everything
	// they keep current must be dropped.
	Reset func()
	// Error, if set, is told what failed (a renewal, the listening
	// connection); the Peers retry on their own.
	Error func(error)
}

// PeerJoiner is implemented by a backend that several processes may share.
type PeerJoiner interface {
	// JoinPeers starts hearing the other processes' broadcasts. It returns
	// at once: the Peers are live soon after, once the first renewal of
	// this process's lease comes back.
	JoinPeers(ctx context.Context, h PeerHandlers) (Peers, error)
}
