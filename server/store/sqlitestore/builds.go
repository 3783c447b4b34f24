package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/internal/dbtext"
	"github.com/usersecrets/coder/server/store/internal/secretwrite"
)

// The SQL below spells the statuses out ('pending', 'running'): the partial
// indexes of migration 0002 match only literals. They are sdk.BuildPending
// and sdk.BuildRunning.
const buildColumns = `id, workspace_id, build_number, transition, status, template_version_id, initiator_id,
	error, worker_id, created_at, started_at, completed_at, heartbeat_at`

// InsertBuild queues b as build 1 + the workspace's last (status pending
// when empty) and returns it. In one write transaction it checks that the
// workspace exists and is live (store.ErrNotFound otherwise) and has no
// pending or running build (*store.ConflictError with Field "build"). A zero
// ID is generated, a zero CreatedAt is now.
func (s *Store) InsertBuild(ctx context.Context, b store.WorkspaceBuild) (store.WorkspaceBuild, error) {
	b = newBuild(b)
	err := s.write(ctx, func(tx *sql.Tx) error {
		var deleted bool
		if err := tx.QueryRowContext(ctx, `SELECT deleted FROM workspaces WHERE id = ?`, b.WorkspaceID).Scan(&deleted); err != nil {
			return fmt.Errorf("workspace: %w", mapErr(err))
		}
		if deleted {
			return fmt.Errorf("workspace deleted: %w", store.ErrNotFound)
		}
		var active int
		if err := tx.QueryRowContext(ctx, `SELECT
				COALESCE(MAX(build_number), 0) + 1,
				COALESCE(SUM(status IN ('pending', 'running')), 0)
			FROM workspace_builds WHERE workspace_id = ?`, b.WorkspaceID).Scan(&b.BuildNumber, &active); err != nil {
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

func insertBuild(ctx context.Context, tx *sql.Tx, b store.WorkspaceBuild) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO workspace_builds (`+buildColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.ID, b.WorkspaceID, b.BuildNumber, b.Transition, b.Status, b.TemplateVersionID, b.InitiatorID,
		b.Error, b.WorkerID, toMicros(b.CreatedAt), microsPtr(b.StartedAt), microsPtr(b.CompletedAt), microsPtr(b.HeartbeatAt))
	return mapErr(err)
}

// GetBuild returns the build with id, or store.ErrNotFound.
func (s *Store) GetBuild(ctx context.Context, id uuid.UUID) (store.WorkspaceBuild, error) {
	b, err := scanBuild(s.db.QueryRowContext(ctx, `SELECT `+buildColumns+` FROM workspace_builds WHERE id = ?`, id))
	if err != nil {
		return store.WorkspaceBuild{}, fmt.Errorf("get build: %w", err)
	}
	return b, nil
}

// GetLatestBuild returns the workspace's build with the highest number, or
// store.ErrNotFound if it has none (or there is no such workspace).
func (s *Store) GetLatestBuild(ctx context.Context, workspaceID uuid.UUID) (store.WorkspaceBuild, error) {
	b, err := scanBuild(s.db.QueryRowContext(ctx, `SELECT `+buildColumns+` FROM workspace_builds
		WHERE workspace_id = ? ORDER BY build_number DESC LIMIT 1`, workspaceID))
	if err != nil {
		return store.WorkspaceBuild{}, fmt.Errorf("get latest build: %w", err)
	}
	return b, nil
}

// ClaimBuild marks the oldest pending build (by created_at, then id)
// running under workerID, started and heartbeat at now, and returns it;
// store.ErrNotFound when none is pending. The select and the update share
// one write transaction, so each build is claimed once.
func (s *Store) ClaimBuild(ctx context.Context, workerID string, now time.Time) (store.WorkspaceBuild, error) {
	now = secretwrite.TimeOrNow(now)
	var b store.WorkspaceBuild
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = scanBuild(tx.QueryRowContext(ctx, `UPDATE workspace_builds
			SET status = 'running', worker_id = ?, started_at = ?, heartbeat_at = ?
			WHERE id = (SELECT id FROM workspace_builds WHERE status = 'pending' ORDER BY created_at, id LIMIT 1)
			RETURNING `+buildColumns, workerID, toMicros(now), toMicros(now)))
		return err
	})
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
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE workspace_builds SET heartbeat_at = ?
			WHERE id = ? AND status = 'running' AND worker_id = ?`, toMicros(now), id, workerID)
		if err != nil {
			return mapErr(err)
		}
		return ownedOrWhy(ctx, tx, res, id)
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
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE workspace_builds SET status = 'canceled', completed_at = ?
			WHERE id = ? AND status = 'pending'`, toMicros(now), id); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE workspace_builds SET cancel_requested_at = ?
			WHERE id = ? AND status = 'running' AND cancel_requested_at IS NULL`, toMicros(now), id); err != nil {
			return mapErr(err)
		}
		var err error
		b, err = scanBuild(tx.QueryRowContext(ctx, `SELECT `+buildColumns+` FROM workspace_builds WHERE id = ?`, id))
		return err
	})
	if err != nil {
		return store.WorkspaceBuild{}, fmt.Errorf("cancel build: %w", err)
	}
	return b, nil
}

// BuildCancelRequested reports whether CancelBuild was called for a build.
func (s *Store) BuildCancelRequested(ctx context.Context, id uuid.UUID) (bool, error) {
	var at sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT cancel_requested_at FROM workspace_builds WHERE id = ?`, id).Scan(&at); err != nil {
		return false, fmt.Errorf("build cancel requested: %w", mapErr(err))
	}
	return at.Valid, nil
}

// ownedOrWhy returns nil if res changed a row, otherwise why build id was
// not changed: store.ErrNotFound or a *store.ConflictError on "build".
func ownedOrWhy(ctx context.Context, tx *sql.Tx, res sql.Result, id uuid.UUID) error {
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n > 0 {
		return nil
	}
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM workspace_builds WHERE id = ?`, id).Scan(&one); err != nil {
		return mapErr(err)
	}
	return &store.ConflictError{Field: "build"}
}

// CompleteBuild ends build p.BuildID with p.Status (succeeded or failed),
// p.Error and p.CompletedAt (now when zero), if it is still running under
// p.WorkerID: otherwise nothing changes and it returns store.ErrNotFound
// (no such build) or a *store.ConflictError with Field "build". In the same
// write transaction it sets the workspace's updated_at to the completion
// time, replaces its sealed state when p.State is not nil (whatever the
// status: a failed apply may have changed the state), and, when the build
// succeeded, records p.Agents and, for a delete build, marks the workspace
// deleted.
func (s *Store) CompleteBuild(ctx context.Context, p store.CompleteBuildParams) error {
	if err := checkCompletion(p); err != nil {
		return fmt.Errorf("complete build: %w", err)
	}
	completed := secretwrite.TimeOrNow(p.CompletedAt)
	succeeded := p.Status == sdk.BuildSucceeded
	err := s.write(ctx, func(tx *sql.Tx) error {
		var wsID uuid.UUID
		var transition string
		err := tx.QueryRowContext(ctx, `UPDATE workspace_builds SET status = ?, error = ?, completed_at = ?
			WHERE id = ? AND status = 'running' AND worker_id = ?
			RETURNING workspace_id, transition`,
			p.Status, dbtext.Clean(p.Error), toMicros(completed), p.BuildID, p.WorkerID).Scan(&wsID, &transition)
		if errors.Is(err, sql.ErrNoRows) {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM workspace_builds WHERE id = ?`, p.BuildID).Scan(&one); err != nil {
				return mapErr(err)
			}
			return &store.ConflictError{Field: "build"}
		}
		if err != nil {
			return mapErr(err)
		}
		if p.State != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE workspaces SET state_ciphertext = ?, state_key_id = ? WHERE id = ?`,
				p.State, p.StateKeyID, wsID); err != nil {
				return mapErr(err)
			}
		}
		deleted := succeeded && transition == sdk.TransitionDelete
		if _, err := tx.ExecContext(ctx, `UPDATE workspaces SET updated_at = ?, deleted = (deleted OR ?) WHERE id = ?`,
			toMicros(completed), deleted, wsID); err != nil {
			return mapErr(err)
		}
		if !succeeded {
			return nil
		}
		for _, a := range p.Agents {
			if err := insertAgent(ctx, tx, newAgent(a, completed)); err != nil {
				return fmt.Errorf("agent %q: %w", a.Name, err)
			}
		}
		return nil
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
// has none), and returns how many.
func (s *Store) FailStaleBuilds(ctx context.Context, before time.Time, reason string) (int, error) {
	n, err := s.failBuilds(ctx, reason, time.Now(),
		`(heartbeat_at < ? OR heartbeat_at IS NULL)`, toMicros(secretwrite.Time(before)))
	if err != nil {
		return 0, fmt.Errorf("fail stale builds: %w", err)
	}
	return n, nil
}

// FailWorkerBuilds fails, with reason as the error and now as completion
// time, every build running under workerID, and returns how many.
func (s *Store) FailWorkerBuilds(ctx context.Context, workerID string, reason string, now time.Time) (int, error) {
	n, err := s.failBuilds(ctx, reason, now, `worker_id = ?`, workerID)
	if err != nil {
		return 0, fmt.Errorf("fail worker builds: %w", err)
	}
	return n, nil
}

// failBuilds fails the running builds that also match cond.
func (s *Store) failBuilds(ctx context.Context, reason string, now time.Time, cond string, arg any) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE workspace_builds SET status = 'failed', error = ?, completed_at = ?
			WHERE status = 'running' AND `+cond,
			dbtext.Clean(reason), toMicros(secretwrite.TimeOrNow(now)), arg)
		if err != nil {
			return mapErr(err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// InsertBuildLogs appends logs (to any builds) in one write transaction;
// each gets the next id of one sequence shared by all builds, in order. A
// zero CreatedAt is now; text is cleaned (see dbtext.Clean). An unknown
// build is store.ErrNotFound and nothing is stored.
func (s *Store) InsertBuildLogs(ctx context.Context, logs []store.BuildLog) error {
	if len(logs) == 0 {
		return nil
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO build_logs (build_id, created_at, stage, level, output) VALUES (?, ?, ?, ?, ?)`)
		if err != nil {
			return mapErr(err)
		}
		defer stmt.Close()
		for _, l := range logs {
			if _, err := stmt.ExecContext(ctx, l.BuildID, toMicros(secretwrite.TimeOrNow(l.CreatedAt)),
				dbtext.Clean(l.Stage), dbtext.Clean(l.Level), dbtext.Clean(l.Output)); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("insert build logs: %w", err)
	}
	return nil
}

// ListBuildLogs returns the build's lines with ID > afterID in ID order
// (none for an unknown build).
func (s *Store) ListBuildLogs(ctx context.Context, buildID uuid.UUID, afterID int64) ([]store.BuildLog, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, build_id, created_at, stage, level, output FROM build_logs
		WHERE build_id = ? AND id > ? ORDER BY id`, buildID, afterID)
	if err != nil {
		return nil, fmt.Errorf("list build logs: %w", mapErr(err))
	}
	defer rows.Close()
	out := []store.BuildLog{}
	for rows.Next() {
		var (
			l       store.BuildLog
			created int64
		)
		if err := rows.Scan(&l.ID, &l.BuildID, &created, &l.Stage, &l.Level, &l.Output); err != nil {
			return nil, fmt.Errorf("list build logs: %w", mapErr(err))
		}
		l.CreatedAt = fromMicros(created)
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list build logs: %w", mapErr(err))
	}
	return out, nil
}

func scanBuild(row scanner) (store.WorkspaceBuild, error) {
	var (
		b                             store.WorkspaceBuild
		created                       int64
		started, completed, heartbeat sql.NullInt64
	)
	err := row.Scan(&b.ID, &b.WorkspaceID, &b.BuildNumber, &b.Transition, &b.Status, &b.TemplateVersionID, &b.InitiatorID,
		&b.Error, &b.WorkerID, &created, &started, &completed, &heartbeat)
	if err != nil {
		return store.WorkspaceBuild{}, mapErr(err)
	}
	b.CreatedAt = fromMicros(created)
	b.StartedAt, b.CompletedAt, b.HeartbeatAt = fromNullMicros(started), fromNullMicros(completed), fromNullMicros(heartbeat)
	return b, nil
}
