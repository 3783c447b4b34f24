package server

import (
	"sync"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk/placement"
)

// The agent manifest served from memory (issue 17). A manifest is built
// once per change and its JSON body kept in this process's memory only
// (never on disk, never logged). It is served again only while what it
// was built from reads the same in the one query that admits the agent
// token (store.GetAgentAuth): the agent and its build, the workspace and
// owner names, the template name, the deployment's policy and the owner's
// secrets generation, which every write to the owner's secrets bumps in
// its own transaction. So a change made through any server process is in
// the very next manifest of every process, with no message between them;
// build secrets belong to a build, and a new build is a new agent.

// manifestKey is what a cached manifest was built from.
type manifestKey struct {
	agentID, buildID  uuid.UUID
	workspace, owner  string
	template          string
	policy            placement.Policy
	secretsGeneration int64
}

// cachedManifest is one agent's manifest body. Its bytes hold secret
// values: they are zeroed when the entry is dropped and no request is
// writing them any more.
type cachedManifest struct {
	key      manifestKey
	body     []byte
	revision string
	secrets  int
	refs     int
	dropped  bool
}

// manifestCache holds at most maxEntries manifests and maxBytes of
// bodies, the least recently served dropped first.
type manifestCache struct {
	mu      sync.Mutex
	byAgent lruMap[uuid.UUID, *cachedManifest]
}

const (
	manifestCacheEntries = 4096
	manifestCacheBytes   = 32 << 20
)

func newManifestCache(maxEntries, maxBytes int) *manifestCache {
	c := &manifestCache{}
	// Called under c.mu, by the map.
	c.byAgent = newLRUMap[uuid.UUID](maxEntries, maxBytes, func(e *cachedManifest) {
		e.dropped = true
		if e.refs == 0 {
			clear(e.body)
		}
	})
	return c
}

// get returns the agent's manifest if it was built from k, held until
// release.
func (c *manifestCache) get(k manifestKey) *cachedManifest {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byAgent.peek(k.agentID)
	if !ok || e.key != k {
		return nil
	}
	e.refs++
	c.byAgent.use(k.agentID)
	return e
}

// release ends a get.
func (c *manifestCache) release(e *cachedManifest) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.refs--
	if e.dropped && e.refs == 0 {
		clear(e.body)
	}
}

// previous is the revision of the agent's cached manifest, if any (built
// from any key).
func (c *manifestCache) previous(agentID uuid.UUID) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byAgent.peek(agentID); ok {
		return e.revision, true
	}
	return "", false
}

// put caches body for k, replacing the agent's older manifest, unless a
// newer generation is cached already. A body larger than the whole budget
// is not cached.
func (c *manifestCache) put(k manifestKey, body []byte, revision string, secrets int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.byAgent.fits(len(body)) {
		return
	}
	if old, ok := c.byAgent.peek(k.agentID); ok && old.key.secretsGeneration > k.secretsGeneration && old.key.buildID == k.buildID {
		return
	}
	c.byAgent.put(k.agentID, &cachedManifest{key: k, body: body, revision: revision, secrets: secrets}, len(body))
}

// drop forgets the agent's manifest (its workspace was stopped or
// deleted, or the agent is not the latest build's).
func (c *manifestCache) drop(agentID uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byAgent.remove(agentID)
}
