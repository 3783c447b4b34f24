package store

import (
	"time"

	"github.com/google/uuid"
)

// AuditFilter selects audit entries for ListAuditEntries. A zero field
// does not filter.
type AuditFilter struct {
	// OwnerID: entries about this user's secrets.
	OwnerID uuid.UUID
	// ActorID: entries of changes this user made.
	ActorID      uuid.UUID
	Action       string // AuditCreate, AuditUpdate or AuditDelete
	ResourceType string // "secret"
	ResourceID   uuid.UUID
	ResourceName string
	// Since and Until bound the entry's time: Since <= time < Until.
	Since, Until time.Time
	// Limit bounds the entries returned (0: no bound); Offset skips the
	// first ones, newest first.
	Limit, Offset int
}
