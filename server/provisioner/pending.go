package provisioner

import (
	"bytes"
	"encoding/hex"
	"os"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
)

// Pending agent tokens. A start build names a file of its private folder
// (buildenv.AgentTokenHashes, 0600 in a 0700 folder: only the server's
// user, which runs Terraform, can write it) to which the provider appends
// the hash of each agent token it makes, before the template can start
// that agent. An agent asking with such a token before the build is
// recorded is then held by the agent API (PendingToken) and answered when
// the build ends, rather than refused and left to retry. A pending token
// grants nothing: once the build ends the request is authenticated from
// the store as any other, so a failed or canceled build's agent is refused
// then. Only the builds of this process are known here; an agent whose
// request reaches another server process is refused (401) and retries, as
// before.

const agentTokenHashesFile = ".agent-token-hashes"

// runningJob is what the agent API may wait on.
type runningJob struct {
	hashFile atomic.Pointer[string] // unset for builds other than start
	done     chan struct{}          // closed once the build's result is recorded

	// The hash file's lines as last read, and its size then: the provider
	// only appends, so while the size is the same the lines are too, and a
	// token nobody announced costs a stat, not a read.
	mu       sync.Mutex
	readSize int64
	hashes   map[string]struct{}
}

// maxHashFile is the largest hash file read (a build's agents make a line
// of 65 bytes each).
const maxHashFile = 1 << 20

// announced reports whether the build's provider wrote want (hex) to its
// hash file.
func (rj *runningJob) announced(want string) bool {
	name := rj.hashFile.Load()
	if name == nil {
		return false
	}
	fi, err := os.Stat(*name)
	if err != nil || fi.Size() > maxHashFile {
		return false
	}
	rj.mu.Lock()
	defer rj.mu.Unlock()
	if rj.hashes == nil || fi.Size() != rj.readSize {
		b, err := os.ReadFile(*name)
		if err != nil || len(b) > maxHashFile {
			return false
		}
		// A line still being written is read again with the next size.
		hashes := make(map[string]struct{})
		for _, line := range bytes.Split(b, []byte("\n")) {
			if len(line) > 0 {
				hashes[string(line)] = struct{}{}
			}
		}
		rj.hashes, rj.readSize = hashes, int64(len(b))
	}
	_, ok := rj.hashes[want]
	return ok
}

func (p *Provisioner) register(id uuid.UUID) *runningJob {
	rj := &runningJob{done: make(chan struct{})}
	p.running.Store(id, rj)
	return rj
}

func (p *Provisioner) unregister(id uuid.UUID, rj *runningJob) {
	p.running.Delete(id)
	close(rj.done)
}

// PendingToken reports whether a start build running in this process
// announced the token hash, and returns a channel closed when that build's
// result is recorded.
func (p *Provisioner) PendingToken(hash []byte) (<-chan struct{}, bool) {
	if p == nil {
		return nil, false
	}
	want := hex.EncodeToString(hash)
	var done chan struct{}
	p.running.Range(func(_, v any) bool {
		rj := v.(*runningJob)
		if rj.announced(want) {
			done = rj.done
			return false
		}
		return true
	})
	return done, done != nil
}

// BuildDone returns a channel closed when the build, running in this
// process, has its result recorded; false when it does not run here.
func (p *Provisioner) BuildDone(id uuid.UUID) (<-chan struct{}, bool) {
	if p == nil {
		return nil, false
	}
	v, ok := p.running.Load(id)
	if !ok {
		return nil, false
	}
	return v.(*runningJob).done, true
}
