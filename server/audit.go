package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

// Bounds of one page of the audit log.
const (
	defaultAuditLimit = 100
	maxAuditLimit     = 1000
)

// listAudit answers GET /api/v2/audit: admins read every entry, members
// the entries about their own secrets. Filters: user (the secrets' owner:
// username, id or "me"), action, resource_type, resource_name, since and
// until (RFC 3339), limit and offset.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	me := userFrom(r.Context())
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "user", "action", "resource_type", "resource_name", "since", "until", "limit", "offset":
		default:
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Unknown query parameter %q: use user, action, resource_type, resource_name, since, until, limit or offset.", k),
				sdk.ValidationError{Field: k, Detail: "unknown parameter"})
			return
		}
	}
	f := store.AuditFilter{Action: q.Get("action"), ResourceType: q.Get("resource_type"), ResourceName: q.Get("resource_name")}
	switch f.Action {
	case "", store.AuditCreate, store.AuditUpdate, store.AuditDelete:
	default:
		writeError(w, http.StatusBadRequest, "Unknown action: use create, update or delete.", sdk.ValidationError{Field: "action", Detail: "unknown action"})
		return
	}
	if f.ResourceName != "" {
		f.ResourceName = sdk.NormalizeSecretName(f.ResourceName)
	}
	var bad *sdk.ValidationError
	parseTime := func(k string) time.Time {
		v := q.Get(k)
		if v == "" || bad != nil {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			bad = &sdk.ValidationError{Field: k, Detail: "must be an RFC 3339 time such as 2026-01-02T15:04:05Z"}
		}
		return t
	}
	parseInt := func(k string, def, lo, hi int) int {
		v := q.Get(k)
		if v == "" || bad != nil {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			bad = &sdk.ValidationError{Field: k, Detail: fmt.Sprintf("must be a whole number from %d to %d", lo, hi)}
		}
		return n
	}
	f.Since, f.Until = parseTime("since"), parseTime("until")
	f.Limit = parseInt("limit", defaultAuditLimit, 1, maxAuditLimit)
	f.Offset = parseInt("offset", 0, 0, 1<<30)
	if bad != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Invalid %s: %s.", bad.Field, bad.Detail), *bad)
		return
	}
	user := q.Get("user")
	switch {
	case me.Role != sdk.RoleAdmin && user != "" && !isSelf(me, user):
		writeError(w, http.StatusForbidden, "You can only read the audit entries of your own secrets.")
		return
	case me.Role != sdk.RoleAdmin:
		f.OwnerID = me.ID
	case user != "":
		u, err := s.resolveUser(r.Context(), me, user)
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, http.StatusNotFound, fmt.Sprintf("User %q not found.", user))
			return
		}
		if err != nil {
			s.writeInternal(w, r, err)
			return
		}
		f.OwnerID = u.ID
	}
	// One more than the page tells whether there are more.
	want := f.Limit
	f.Limit++
	rows, err := s.store.ListAuditEntries(r.Context(), f)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	out := sdk.AuditResponse{Entries: make([]sdk.AuditEntry, 0, min(len(rows), want)), HasMore: len(rows) > want}
	names := map[uuid.UUID]string{}
	for _, e := range rows[:min(len(rows), want)] {
		out.Entries = append(out.Entries, sdk.AuditEntry{
			ID: e.ID, Time: e.Time, ActorID: e.ActorID, ActorUsername: s.username(r.Context(), names, e.ActorID),
			Action: e.Action, ResourceType: e.ResourceType, ResourceID: e.ResourceID, ResourceName: e.ResourceName,
			OwnerID: e.OwnerID, OwnerUsername: s.username(r.Context(), names, e.OwnerID), Fields: e.Fields,
		})
	}
	writeJSON(w, http.StatusOK, out)
}

// username looks up a user's name once per request; a user that no longer
// exists (the log outlives users) is "".
func (s *Server) username(ctx context.Context, cache map[uuid.UUID]string, id uuid.UUID) string {
	if n, ok := cache[id]; ok {
		return n
	}
	u, err := s.store.GetUserByID(ctx, id)
	if err != nil {
		u.Username = ""
	}
	cache[id] = u.Username
	return u.Username
}
