package server

import (
	"context"
	"net/http"
	"time"
)

// HealthResponse is the body of /healthz and /readyz. It names each check
// and whether it passed, never why it failed: the endpoints answer without
// authentication, so the reasons go to the server's log only.
type HealthResponse struct {
	// Status is "ok", or "unavailable" when a readiness check failed.
	Status string `json:"status"`
	// Checks (readiness only) maps "database", "migrations" and
	// "provisioner" to "ok", "failing" or, for a server without
	// Terraform, "disabled".
	Checks map[string]string `json:"checks,omitempty"`
}

// readyTimeout bounds the database check of one /readyz.
const readyTimeout = 2 * time.Second

// healthz answers 200 while the process serves HTTP.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, HealthResponse{Status: "ok"})
}

// pinger is what the store offers to check its database (cryptstore.Store
// passes it through to sqlstore.Store).
type pinger interface {
	Ping(ctx context.Context) error
}

// readyz answers 200 when the server can do its work: the database answers
// a query on the migrated schema, and the provisioner's workers run (when
// the server has Terraform). Otherwise 503.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	checks := map[string]string{}
	ready := true
	fail := func(name string) {
		checks[name] = "failing"
		ready = false
	}
	// The schema is migrated before the server is built (the store's Open
	// runs the migrations and fails without them), so the database check,
	// a query on goose's version table, covers both.
	p, ok := s.store.(pinger)
	if !ok {
		fail("database")
		fail("migrations")
	} else {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		err := p.Ping(ctx)
		cancel()
		if err != nil {
			s.logger.Warn("readiness: the database does not answer", "error", err)
			fail("database")
			fail("migrations")
		} else {
			checks["database"] = "ok"
			checks["migrations"] = "ok"
		}
	}
	switch {
	case s.prov == nil:
		checks["provisioner"] = "disabled"
	case s.prov.Running():
		checks["provisioner"] = "ok"
	default:
		fail("provisioner")
	}
	if !ready {
		writeJSON(w, http.StatusServiceUnavailable, HealthResponse{Status: "unavailable", Checks: checks})
		return
	}
	writeJSON(w, http.StatusOK, HealthResponse{Status: "ok", Checks: checks})
}
