package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/internal/dbtext"
	"github.com/usersecrets/coder/server/store/internal/secretwrite"
)

// The SQL below spells the statuses out ('pending', 'running'): the partial
// indexes of migration 0002 match only literals. They are sdk.BuildPending
// and sdk.BuildRunning.
//
// Lock order: a transaction that locks a workspace row and one of its
// builds locks the workspace first (InsertBuild, CompleteBuild); the others
// lock builds only.
const buildColumns = `id, workspace_id, build_number, transition, status, template_version_id, initiator_id,
	error, worker_id, created_at, started_at, completed_at, heartbeat_at`

// InsertBuild queues b as build 1 + the workspace's last (status pending
// when empty) and returns it. In one transaction it locks the workspace's
// row (store.ErrNotFound if there is none or it is deleted), so concurrent
// InsertBuild calls for one workspace, from any process, run one after the
// other; then it checks that no build is pending or running
// (*store.ConflictError with Field "build"). A zero ID is generated, a zero
// CreatedAt is now.
func (s *Store) InsertBuild(ctx context.Context, b store.WorkspaceBuild) (store.WorkspaceBuild, error) {
	b = newBuild(b)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var deleted bool
		if err := tx.QueryRow(ctx, `SELECT deleted FROM workspaces WHERE id = $1 FOR NO KEY UPDATE`,
			b.WorkspaceID).Scan(&deleted); err != nil {
			return fmt.Errorf("workspace: %w", mapErr(err))
		}
		if deleted {
			return fmt.Errorf("workspace deleted: %w", store.ErrNotFound)
		}
		var active int64
		if err := tx.QueryRow(ctx, `SELECT
				COALESCE(MAX(build_number), 0) + 1,
				COUNT(*) FILTER (WHERE status IN ('pending', 'running'))
			FROM workspace_builds WHERE workspace_id = $1`, b.WorkspaceID).Scan(&b.BuildNumber, &active); err != nil {
			return mapErr(err)
		}
		if active > 0 {
			return &store.ConflictError{Field: "build"}
		}
		return insertBuild(ctx, tx, b)
	})
	if err != nil {
		return store.WorkspaceBuild{}, fmt.Errorf("insert build: %w", err)
	}
	return b, nil
}

// newBuild returns b as the store keeps it: an id, a status, times in UTC
// to the microsecond, a clean error text.
func newBuild(b store.WorkspaceBuild) store.WorkspaceBuild {
	if b.ID == uuid.Nil {
		b.ID = uuid.New()
	}
	if b.Status == "" {
		b.Status = sdk.BuildPending
	}
	b.Error = dbtext.Clean(b.Error)
	b.CreatedAt = secretwrite.TimeOrNow(b.CreatedAt)
	b.StartedAt, b.CompletedAt, b.HeartbeatAt = timePtr(b.StartedAt), timePtr(b.CompletedAt), timePtr(b.HeartbeatAt)
	return b
}

func insertBuild(ctx context.Context, tx pgx.Tx, b store.WorkspaceBuild) error {
	_, err := tx.Exec(ctx, `INSERT INTO workspace_builds (`+buildColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		b.ID, b.WorkspaceID, b.BuildNumber, b.Transition, b.Status, b.TemplateVersionID, b.InitiatorID,
		b.Error, b.WorkerID, b.CreatedAt, b.StartedAt, b.CompletedAt, b.HeartbeatAt)
	return mapErr(err)
}

// GetBuild returns the build with id, or store.ErrNotFound.
func (s *Store) GetBuild(ctx context.Context, id uuid.UUID) (store.WorkspaceBuild, error) {
	b, err := scanBuild(s.pool.QueryRow(ctx, `SELECT `+buildColumns+` FROM workspace_builds WHERE id = $1`, id))
	if err != nil {
		return store.WorkspaceBuild{}, fmt.Errorf("get build: %w", err)
	}
	return b, nil
}

// GetLatestBuild returns the workspace's build with the highest number, or
// store.ErrNotFound if it has none (or there is no such workspace).
func (s *Store) GetLatestBuild(ctx context.Context, workspaceID uuid.UUID) (store.WorkspaceBuild, error) {
	b, err := scanBuild(s.pool.QueryRow(ctx, `SELECT `+buildColumns+` FROM workspace_builds
		WHERE workspace_id = $1 ORDER BY build_number DESC LIMIT 1`, workspaceID))
	if err != nil {
		return store.WorkspaceBuild{}, fmt.Errorf("get latest build: %w", err)
	}
	return b, nil
}

// ClaimBuild marks the oldest pending build (by created_at, then id)
// running under workerID, started and heartbeat at now, and returns it;
// store.ErrNotFound when none is pending. One statement picks the build
// with FOR UPDATE SKIP LOCKED and updates it: concurrent claims, from any
// process, never take one build twice and do not queue behind each other.
func (s *Store) ClaimBuild(ctx context.Context, workerID string, now time.Time) (store.WorkspaceBuild, error) {
	now = secretwrite.TimeOrNow(now)
	b, err := scanBuild(s.pool.QueryRow(ctx, `UPDATE workspace_builds
		SET status = 'running', worker_id = $1, started_at = $2, heartbeat_at = $2
		WHERE id = (
			SELECT id FROM workspace_builds WHERE status = 'pending'
			ORDER BY created_at, id LIMIT 1
			FOR UPDATE SKIP LOCKED
		) AND status = 'pending'
		RETURNING `+buildColumns, workerID, now))
	if err != nil {
		return store.WorkspaceBuild{}, fmt.Errorf("claim build: %w", err)
	}
	return b, nil
}

// HeartbeatBuild sets the heartbeat of build id to now if it is running
// under workerID: store.ErrNotFound if there is no such build, a
// *store.ConflictError with Field "build" if it is not running under
// workerID (it ended, or was failed as stale).
func (s *Store) HeartbeatBuild(ctx context.Context, id uuid.UUID, workerID string, now time.Time) error {
	now = secretwrite.TimeOrNow(now)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE workspace_builds SET heartbeat_at = $1
			WHERE id = $2 AND status = 'running' AND worker_id = $3`, now, id, workerID)
		if err != nil {
			return mapErr(err)
		}
		if tag.RowsAffected() > 0 {
			return nil
		}
		return buildConflictOrNotFound(ctx, tx, id)
	})
	if err != nil {
		return fmt.Errorf("heartbeat build: %w", err)
	}
	return nil
}

// CancelBuild cancels a pending build at once and records the request for
// a running one (see store.WorkspaceStore).
func (s *Store) CancelBuild(ctx context.Context, id uuid.UUID, now time.Time) (store.WorkspaceBuild, error) {
	now = secretwrite.TimeOrNow(now)
	var b store.WorkspaceBuild
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE workspace_builds SET status = 'canceled', completed_at = $1
			WHERE id = $2 AND status = 'pending'`, now, id); err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE workspace_builds SET cancel_requested_at = $1
			WHERE id = $2 AND status = 'running' AND cancel_requested_at IS NULL`, now, id); err != nil {
			return mapErr(err)
		}
		var err error
		b, err = scanBuild(tx.QueryRow(ctx, `SELECT `+buildColumns+` FROM workspace_builds WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return store.WorkspaceBuild{}, fmt.Errorf("cancel build: %w", err)
	}
	return b, nil
}

// BuildCancelRequested reports whether CancelBuild was called for a build.
func (s *Store) BuildCancelRequested(ctx context.Context, id uuid.UUID) (bool, error) {
	var at *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT cancel_requested_at FROM workspace_builds WHERE id = $1`, id).Scan(&at); err != nil {
		return false, fmt.Errorf("build cancel requested: %w", mapErr(err))
	}
	return at != nil, nil
}

// buildConflictOrNotFound says why build id was not changed:
// store.ErrNotFound or a *store.ConflictError on "build".
func buildConflictOrNotFound(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	var one int32
	if err := tx.QueryRow(ctx, `SELECT 1 FROM workspace_builds WHERE id = $1`, id).Scan(&one); err != nil {
		return mapErr(err)
	}
	return &store.ConflictError{Field: "build"}
}

// CompleteBuild ends build p.BuildID with p.Status (succeeded or failed),
// p.Error and p.CompletedAt (now when zero), if it is still running under
// p.WorkerID: otherwise nothing changes and it returns store.ErrNotFound
// (no such build) or a *store.ConflictError with Field "build". In the same
// transaction, holding the workspace's row, it sets the workspace's
// updated_at to the completion time, replaces its sealed state when
// p.State is not nil (whatever the status: a failed apply may have changed
// the state), and, when the build succeeded, records p.Agents and, for a
// delete build, marks the workspace deleted.
func (s *Store) CompleteBuild(ctx context.Context, p store.CompleteBuildParams) error {
	if err := checkCompletion(p); err != nil {
		return fmt.Errorf("complete build: %w", err)
	}
	completed := secretwrite.TimeOrNow(p.CompletedAt)
	succeeded := p.Status == sdk.BuildSucceeded
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var wsID uuid.UUID
		if err := tx.QueryRow(ctx, `SELECT workspace_id FROM workspace_builds WHERE id = $1`, p.BuildID).Scan(&wsID); err != nil {
			return mapErr(err)
		}
		var one int32
		if err := tx.QueryRow(ctx, `SELECT 1 FROM workspaces WHERE id = $1 FOR NO KEY UPDATE`, wsID).Scan(&one); err != nil {
			return fmt.Errorf("workspace: %w", mapErr(err))
		}
		var transition string
		err := tx.QueryRow(ctx, `UPDATE workspace_builds SET status = $1, error = $2, completed_at = $3
			WHERE id = $4 AND status = 'running' AND worker_id = $5
			RETURNING transition`,
			p.Status, dbtext.Clean(p.Error), completed, p.BuildID, p.WorkerID).Scan(&transition)
		if errors.Is(err, pgx.ErrNoRows) {
			return &store.ConflictError{Field: "build"}
		}
		if err != nil {
			return mapErr(err)
		}
		if p.State != nil {
			if _, err := tx.Exec(ctx, `UPDATE workspaces SET state_ciphertext = $1, state_key_id = $2 WHERE id = $3`,
				p.State, p.StateKeyID, wsID); err != nil {
				return mapErr(err)
			}
		}
		deleted := succeeded && transition == sdk.TransitionDelete
		if _, err := tx.Exec(ctx, `UPDATE workspaces SET updated_at = $1, deleted = (deleted OR $2) WHERE id = $3`,
			completed, deleted, wsID); err != nil {
			return mapErr(err)
		}
		if !succeeded || len(p.Agents) == 0 {
			return nil
		}
		return insertAgents(ctx, tx, p.Agents, completed)
	})
	if err != nil {
		return fmt.Errorf("complete build: %w", err)
	}
	return nil
}

// checkCompletion refuses a status a build cannot end with.
func checkCompletion(p store.CompleteBuildParams) error {
	switch p.Status {
	case "", sdk.BuildPending, sdk.BuildRunning:
		return fmt.Errorf("a build cannot end with status %q", p.Status)
	}
	return nil
}

// FailStaleBuilds fails, with reason as the error and now as completion
// time, every running build whose heartbeat is older than before (or that
// has none), and returns how many. Builds whose rows another transaction
// holds (a heartbeat or a completion in progress) are skipped: they are
// alive.
func (s *Store) FailStaleBuilds(ctx context.Context, before time.Time, reason string) (int, error) {
	n, err := s.failBuilds(ctx, reason, time.Now(),
		`(heartbeat_at < $3 OR heartbeat_at IS NULL)`, secretwrite.Time(before))
	if err != nil {
		return 0, fmt.Errorf("fail stale builds: %w", err)
	}
	return n, nil
}

// FailWorkerBuilds fails, with reason as the error and now as completion
// time, every build running under workerID, and returns how many. Builds
// whose rows another transaction holds (a completion in progress) are
// skipped.
func (s *Store) FailWorkerBuilds(ctx context.Context, workerID string, reason string, now time.Time) (int, error) {
	n, err := s.failBuilds(ctx, reason, now, `worker_id = $3`, workerID)
	if err != nil {
		return 0, fmt.Errorf("fail worker builds: %w", err)
	}
	return n, nil
}

// failBuilds fails the running builds that also match cond (which refers
// to arg as $3). It locks them in id order and skips locked ones, so two
// processes failing builds at once never deadlock.
func (s *Store) failBuilds(ctx context.Context, reason string, now time.Time, cond string, arg any) (int, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE workspace_builds SET status = 'failed', error = $1, completed_at = $2
		WHERE id IN (
			SELECT id FROM workspace_builds WHERE status = 'running' AND `+cond+`
			ORDER BY id FOR UPDATE SKIP LOCKED
		) AND status = 'running'`,
		dbtext.Clean(reason), secretwrite.TimeOrNow(now), arg)
	if err != nil {
		return 0, mapErr(err)
	}
	return int(tag.RowsAffected()), nil
}

// InsertBuildLogs appends logs (to any builds) in one transaction; each
// gets the next id of one sequence shared by all builds, in order. A zero
// CreatedAt is now; text is cleaned (see dbtext.Clean). An unknown build is
// store.ErrNotFound and nothing is stored.
func (s *Store) InsertBuildLogs(ctx context.Context, logs []store.BuildLog) error {
	if len(logs) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var b pgx.Batch
		for _, l := range logs {
			b.Queue(`INSERT INTO build_logs (build_id, created_at, stage, level, output) VALUES ($1, $2, $3, $4, $5)`,
				l.BuildID, secretwrite.TimeOrNow(l.CreatedAt), dbtext.Clean(l.Stage), dbtext.Clean(l.Level), dbtext.Clean(l.Output))
		}
		return mapErr(tx.SendBatch(ctx, &b).Close())
	})
	if err != nil {
		return fmt.Errorf("insert build logs: %w", err)
	}
	return nil
}

// ListBuildLogs returns the build's lines with ID > afterID in ID order
// (none for an unknown build).
func (s *Store) ListBuildLogs(ctx context.Context, buildID uuid.UUID, afterID int64) ([]store.BuildLog, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, build_id, created_at, stage, level, output FROM build_logs
		WHERE build_id = $1 AND id > $2 ORDER BY id`, buildID, afterID)
	if err != nil {
		return nil, fmt.Errorf("list build logs: %w", mapErr(err))
	}
	defer rows.Close()
	out := []store.BuildLog{}
	for rows.Next() {
		var l store.BuildLog
		if err := rows.Scan(&l.ID, &l.BuildID, &l.CreatedAt, &l.Stage, &l.Level, &l.Output); err != nil {
			return nil, fmt.Errorf("list build logs: %w", mapErr(err))
		}
		l.CreatedAt = l.CreatedAt.UTC()
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list build logs: %w", mapErr(err))
	}
	return out, nil
}

func scanBuild(row pgx.Row) (store.WorkspaceBuild, error) {
	var b store.WorkspaceBuild
	err := row.Scan(&b.ID, &b.WorkspaceID, &b.BuildNumber, &b.Transition, &b.Status, &b.TemplateVersionID, &b.InitiatorID,
		&b.Error, &b.WorkerID, &b.CreatedAt, &b.StartedAt, &b.CompletedAt, &b.HeartbeatAt)
	if err != nil {
		return store.WorkspaceBuild{}, mapErr(err)
	}
	b.CreatedAt = b.CreatedAt.UTC()
	b.StartedAt, b.CompletedAt, b.HeartbeatAt = utcPtr(b.StartedAt), utcPtr(b.CompletedAt), utcPtr(b.HeartbeatAt)
	return b, nil
}
