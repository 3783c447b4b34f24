package agent

import (
	"sync"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/sdk/redact"
)

// redactor masks secret values in script output (the rules are sdk/redact's).
// It remembers every value it was given for the life of the agent process,
// so output of a script that still holds an old value is masked too. It is
// the redact.Source of every script's output stream.
type redactor struct {
	mu     sync.RWMutex
	seen   map[string]bool
	values []sdk.SecretValue
	cur    *redact.Redactor
}

func newRedactor() *redactor { return &redactor{seen: map[string]bool{}} }

// add learns the values of secrets.
func (r *redactor) add(secrets []sdk.WorkspaceSecret) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if v := s.Value.Reveal(); !r.seen[v] {
			r.seen[v] = true
			r.values = append(r.values, s.Value)
		}
	}
	r.cur = redact.New(r.values)
}

// Redactor implements redact.Source.
func (r *redactor) Redactor() *redact.Redactor {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.cur
}

// redact returns s with every known value masked.
func (r *redactor) redact(s string) string { return r.Redactor().String(s) }
