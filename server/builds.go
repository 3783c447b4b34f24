package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

func toSDKBuild(b store.WorkspaceBuild) sdk.WorkspaceBuild {
	return sdk.WorkspaceBuild{
		ID: b.ID, WorkspaceID: b.WorkspaceID, BuildNumber: b.BuildNumber, Transition: b.Transition,
		Status: b.Status, TemplateVersionID: b.TemplateVersionID, Error: b.Error,
		CreatedAt: b.CreatedAt, StartedAt: b.StartedAt, CompletedAt: b.CompletedAt,
	}
}

func (s *Server) createBuild(w http.ResponseWriter, r *http.Request) {
	me, ws, ok := s.lookupWorkspace(w, r)
	if !ok {
		return
	}
	var req sdk.CreateBuildRequest
	if !readJSON(w, r, &req) {
		return
	}
	switch req.Transition {
	case sdk.TransitionStart, sdk.TransitionStop, sdk.TransitionDelete:
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Unknown transition %q: use start, stop or delete.", req.Transition),
			sdk.ValidationError{Field: "transition", Detail: "must be start, stop or delete"})
		return
	}
	if req.Orphan {
		if req.Transition != sdk.TransitionDelete {
			writeError(w, http.StatusBadRequest, "orphan goes only with the delete transition.",
				sdk.ValidationError{Field: "orphan", Detail: "only for delete"})
			return
		}
		s.orphanDelete(w, r, me, ws)
		return
	}
	t, err := s.ws.GetTemplateByID(r.Context(), ws.TemplateID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	// Start builds take the template's active version; stop and delete
	// keep the version the workspace runs, so they work whatever was
	// pushed since (and whatever secrets were deleted since).
	version := t.ActiveVersionID
	last, err := s.ws.GetLatestBuild(r.Context(), ws.ID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	if req.Transition != sdk.TransitionStart {
		if len(req.Parameters) > 0 {
			writeError(w, http.StatusBadRequest, "Parameters go only with the start transition.",
				sdk.ValidationError{Field: "rich_parameter_values", Detail: "only for start"})
			return
		}
		version = last.TemplateVersionID
	} else {
		missing, err := s.missingRequirements(r, me, version)
		if err != nil {
			s.writeInternal(w, r, err)
			return
		}
		if len(missing) > 0 {
			s.writeMissing(w, missing)
			return
		}
	}
	params, err := s.buildParameters(r.Context(), version, req.Transition, req.Parameters, "", &last)
	if err != nil {
		s.writeParameterError(w, r, err)
		return
	}
	secrets, ok := s.nextBuildSecrets(w, r, &last, req.Transition, last.BuildNumber+1, req.Secrets)
	if !ok {
		return
	}
	b, err := s.ws.InsertBuild(r.Context(), store.WorkspaceBuild{
		ID: uuid.New(), WorkspaceID: ws.ID, Transition: req.Transition, Status: sdk.BuildPending,
		TemplateVersionID: version, InitiatorID: me.ID, CreatedAt: s.now().UTC(), Parameters: params,
		Secrets: secrets, SecretsBase: last.ID,
	})
	var ce *store.ConflictError
	switch {
	case errors.As(err, &ce):
		writeError(w, http.StatusConflict, fmt.Sprintf("Workspace %q has a build in progress; wait for it to finish.", ws.Name))
		return
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("Workspace %q not found.", ws.Name))
		return
	case err != nil:
		s.writeInternal(w, r, err)
		return
	}
	s.wakeProvisioner()
	s.logger.Info("build queued", "user", me.Username, "workspace", ws.Name, "transition", b.Transition, "build_id", b.ID)
	writeJSON(w, http.StatusCreated, toSDKBuild(b))
}

// orphanDelete deletes a workspace without running its template: a delete
// build is recorded as running under a worker id of its own and completed
// at once, so it is numbered, logged and listed like any other, and the
// workspace's name is free again. Nothing the template created is touched.
func (s *Server) orphanDelete(w http.ResponseWriter, r *http.Request, me store.User, ws store.Workspace) {
	last, err := s.ws.GetLatestBuild(r.Context(), ws.ID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	now := s.now().UTC()
	worker := "orphan-delete-" + uuid.NewString()
	b, err := s.ws.InsertBuild(r.Context(), store.WorkspaceBuild{
		ID: uuid.New(), WorkspaceID: ws.ID, Transition: sdk.TransitionDelete, Status: sdk.BuildRunning,
		TemplateVersionID: last.TemplateVersionID, InitiatorID: me.ID, WorkerID: worker,
		CreatedAt: now, StartedAt: &now, HeartbeatAt: &now,
	})
	var ce *store.ConflictError
	switch {
	case errors.As(err, &ce):
		writeError(w, http.StatusConflict, fmt.Sprintf("Workspace %q has a build in progress; wait for it to finish or cancel it.", ws.Name))
		return
	case err != nil:
		s.writeInternal(w, r, err)
		return
	}
	if err := s.ws.InsertBuildLogs(r.Context(), []store.BuildLog{{
		BuildID: b.ID, CreatedAt: now, Stage: "orphan", Level: "warn",
		Output: "Deleted without running the template: what it created is left as it is.",
	}}); err != nil {
		s.logger.Warn("store orphan delete log", "build_id", b.ID, "error", err)
	}
	if err := s.ws.CompleteBuild(r.Context(), store.CompleteBuildParams{
		BuildID: b.ID, WorkerID: worker, Status: sdk.BuildSucceeded, CompletedAt: now,
	}); err != nil {
		s.writeInternal(w, r, err)
		return
	}
	b, err = s.ws.GetBuild(r.Context(), b.ID)
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	s.logger.Info("workspace deleted as an orphan", "user", me.Username, "workspace", ws.Name, "build_id", b.ID)
	writeJSON(w, http.StatusCreated, toSDKBuild(b))
}

// cancelBuild asks a build in progress to stop.
func (s *Server) cancelBuild(w http.ResponseWriter, r *http.Request) {
	b, ok := s.lookupBuild(w, r)
	if !ok {
		return
	}
	got, err := s.ws.CancelBuild(r.Context(), b.ID, s.now().UTC())
	if err != nil {
		s.writeInternal(w, r, err)
		return
	}
	// A pending build is canceled at once: its followers need not wait
	// for their next poll.
	s.prov.NotifyBuild(b.ID)
	s.logger.Info("build cancel requested", "user", userFrom(r.Context()).Username, "build_id", b.ID, "status", got.Status)
	writeJSON(w, http.StatusOK, toSDKBuild(got))
}

// lookupBuild finds a build of one of the caller's workspaces.
func (s *Server) lookupBuild(w http.ResponseWriter, r *http.Request) (store.WorkspaceBuild, bool) {
	me := userFrom(r.Context())
	id, err := uuid.Parse(r.PathValue("build"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Build id must be a UUID.")
		return store.WorkspaceBuild{}, false
	}
	b, err := s.ws.GetBuild(r.Context(), id)
	if err == nil {
		var ws store.Workspace
		ws, err = s.ws.GetWorkspaceByID(r.Context(), b.WorkspaceID)
		if err == nil && ws.OwnerID != me.ID {
			err = store.ErrNotFound
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, "Build not found.")
		return b, false
	}
	if err != nil {
		s.writeInternal(w, r, err)
		return b, false
	}
	return b, true
}

func (s *Server) getBuild(w http.ResponseWriter, r *http.Request) {
	b, ok := s.lookupBuild(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, toSDKBuild(b))
}

// buildLogs writes the build's log lines after ?after=N as JSON lines. With
// ?follow=true it keeps the answer open and streams new lines until the
// build ends.
func (s *Server) buildLogs(w http.ResponseWriter, r *http.Request) {
	b, ok := s.lookupBuild(w, r)
	if !ok {
		return
	}
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	follow := r.URL.Query().Get("follow") == "true"
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	// Through the ResponseController: ServeHTTP's statusWriter wraps w
	// (and unwraps to it), so w itself is no http.Flusher.
	rc := http.NewResponseController(w)
	ctx := r.Context()
	for {
		// Watched before the reads: a change between them and the wait
		// wakes it. This process's builds wake it at once; the poll
		// sees those of other server processes.
		changed, release := s.prov.WatchBuild(b.ID)
		more := s.writeBuildLogs(ctx, enc, b.ID, &after, follow)
		_ = rc.Flush()
		if !more {
			release()
			return
		}
		t := time.NewTimer(buildLogPoll)
		select {
		case <-ctx.Done():
		case <-changed:
		case <-t.C:
		}
		t.Stop()
		release()
		if ctx.Err() != nil {
			return
		}
	}
}

// buildLogPoll is how often a follower reads a build that no change of
// this process announced (one run by another server process).
const buildLogPoll = 250 * time.Millisecond

// writeBuildLogs writes the build's lines after *after and reports whether
// a follower should wait for more (the build has not ended).
func (s *Server) writeBuildLogs(ctx context.Context, enc *json.Encoder, id uuid.UUID, after *int64, follow bool) bool {
	// Read the status before the lines: lines written before the build
	// ended are then all visible once it has.
	cur, err := s.ws.GetBuild(ctx, id)
	if err != nil {
		return false
	}
	logs, err := s.ws.ListBuildLogs(ctx, id, *after)
	if err != nil {
		return false
	}
	for _, l := range logs {
		_ = enc.Encode(sdk.BuildLog{ID: l.ID, CreatedAt: l.CreatedAt, Stage: l.Stage, Level: l.Level, Output: l.Output})
		*after = l.ID
	}
	return follow && !toSDKBuild(cur).Done()
}
