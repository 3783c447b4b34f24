package sdk

import (
	"time"

	"github.com/google/uuid"
)

// AuditEntry is one change to a secret as GET /api/v2/audit returns it. It
// says which fields changed, never what a value is.
type AuditEntry struct {
	ID            uuid.UUID `json:"id"`
	Time          time.Time `json:"time"`
	ActorID       uuid.UUID `json:"actor_id"`
	ActorUsername string    `json:"actor_username"`
	Action        string    `json:"action"`
	ResourceType  string    `json:"resource_type"`
	ResourceID    uuid.UUID `json:"resource_id"`
	ResourceName  string    `json:"resource_name"`
	OwnerID       uuid.UUID `json:"owner_id"`
	OwnerUsername string    `json:"owner_username"`
	Fields        []string  `json:"fields"`
}

// AuditResponse is a page of audit entries, newest first. HasMore says a
// request with offset + len(Entries) finds more.
type AuditResponse struct {
	Entries []AuditEntry `json:"entries"`
	HasMore bool         `json:"has_more"`
}

// AuditQuery filters GET /api/v2/audit; zero fields do not filter.
type AuditQuery struct {
	User         string // the owner of the secrets: username, id or "me"
	Action       string
	ResourceType string
	ResourceName string
	Since, Until time.Time
	Limit        int
	Offset       int
}
