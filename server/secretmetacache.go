package server

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
)

// The secret GET and list answers served from memory (issue 17). A user's
// secret metadata (names, descriptions, targets, sizes, times: never a
// value nor a ciphertext) is read once per change and kept in this
// process as the list answer's JSON. It is served again only while the
// user's secrets generation, which the authentication query of the same
// request reads (store.GetAPIKeyAuth, or the verified-token cache, which a
// write to the user's secrets empties in every process before it is
// answered: tokencache.go) and every write to the user's secrets bumps in
// its own transaction, reads the same. So the answer of every process
// reflects a change made through any process on its very next request, and
// a GET or a list costs at most that one authentication round trip.
//
// The data cached under a generation is never older than it: the list is
// read after the authentication query, so it sees every write committed
// before that query read the generation (it may see a later one too, which
// the next request's newer generation replaces).

// secretMeta is one user's metadata at one generation: the list answer's
// bytes (with encoding/json's trailing newline) and where each secret's
// object is in them.
type secretMeta struct {
	owner uuid.UUID
	gen   int64
	list  []byte
	one   map[string][2]int // secret name → its object's [start, end) in list
}

// size is what the entry counts against the cache's byte budget.
func (e *secretMeta) size() int { return len(e.list) + 32*len(e.one) }

// secretMetaCache holds at most maxEntries users' metadata and maxBytes of
// answers, the least recently used dropped first.
type secretMetaCache struct {
	mu      sync.Mutex
	byOwner lruMap[uuid.UUID, *secretMeta]
}

const (
	secretMetaCacheEntries = 4096
	secretMetaCacheBytes   = 16 << 20
)

func newSecretMetaCache(maxEntries, maxBytes int) *secretMetaCache {
	return &secretMetaCache{byOwner: newLRUMap[uuid.UUID, *secretMeta](maxEntries, maxBytes, nil)}
}

// get returns the owner's metadata if it was read at generation gen. The
// entry is never changed once cached, so it is read without the lock.
func (c *secretMetaCache) get(owner uuid.UUID, gen int64) *secretMeta {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byOwner.peek(owner)
	if !ok || e.gen != gen {
		return nil
	}
	c.byOwner.use(owner)
	return e
}

// put caches e unless a newer generation of its owner is cached already.
func (c *secretMetaCache) put(e *secretMeta) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.byOwner.peek(e.owner); ok && old.gen >= e.gen {
		return
	}
	c.byOwner.put(e.owner, e, e.size())
}

// secretMetaOf returns the owner's metadata, from the cache when the
// request's generation (read by auth) matches, else read from the store
// and cached. nil with no error: a stored time encoding/json refuses (the
// caller answers without the cache).
func (s *Server) secretMetaOf(ctx context.Context, owner uuid.UUID) (*secretMeta, []sdk.Secret, error) {
	gen, genKnown := secretsGenFrom(ctx)
	if genKnown {
		if e := s.metaCache.get(owner, gen); e != nil {
			return e, nil, nil
		}
	}
	rows, err := s.store.ListSecrets(ctx, owner)
	if err != nil {
		return nil, nil, err
	}
	out := make([]sdk.Secret, 0, len(rows))
	for _, row := range rows {
		out = append(out, toSDKSecret(row))
	}
	e := &secretMeta{owner: owner, gen: gen, one: make(map[string][2]int, len(out))}
	b := make([]byte, 0, 64+300*len(out))
	b = append(b, '[')
	for i := range out {
		if i > 0 {
			b = append(b, ',')
		}
		start := len(b)
		var ok bool
		if b, ok = appendSecretJSON(b, &out[i]); !ok {
			return nil, out, nil
		}
		e.one[out[i].Name] = [2]int{start, len(b)}
	}
	e.list = append(b, ']', '\n')
	if genKnown {
		s.metaCache.put(e)
	}
	return e, out, nil
}

// writeCachedJSON answers 200 with body and then the bytes of tail, as
// writeSecretsJSON does.
func writeCachedJSON(w http.ResponseWriter, body []byte, tail string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+len(tail)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	if tail != "" {
		_, _ = io.WriteString(w, tail)
	}
}
