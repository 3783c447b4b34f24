package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/sdk"
	"github.com/usersecrets/coder/server/store"
)

// The SQL below spells out sdk.BuildPending and sdk.BuildRunning
// ('pending', 'running'): the partial indexes of migration 0002 match only
// literals. Lock order: a transaction that locks a workspace row and one of
// its builds locks the workspace first (InsertBuild, CompleteBuild).
const buildColumns = `id, workspace_id, build_number, transition, status, template_version_id, initiator_id,
	error, worker_id, created_at, started_at, completed_at, heartbeat_at`

const selectBuild = `SELECT ` + buildColumns + ` FROM workspace_builds WHERE id = ?`

// InsertBuild locks the workspace's row first (RowLock), so concurrent
// calls for one workspace, from any process, run one after the other.
func (s *Store) InsertBuild(ctx context.Context, b store.WorkspaceBuild) (ret store.WorkspaceBuild, err error) {
	defer fail(&ret, &err, "insert build")
	b = newBuild(b)
	err = s.write(ctx, func(c conn) error {
		var deleted bool
		if err := c.row(ctx, []any{&deleted}, `SELECT deleted FROM workspaces WHERE id = ?`+s.d.RowLock, b.WorkspaceID); err != nil {
			return fmt.Errorf("workspace: %w", err)
		}
		if deleted {
			return fmt.Errorf("workspace deleted: %w", store.ErrNotFound)
		}
		var active int
		if err := c.row(ctx, []any{&b.BuildNumber, &active}, `SELECT
				COALESCE(MAX(build_number), 0) + 1,
				COUNT(CASE WHEN status IN ('pending', 'running') THEN 1 END)
			FROM workspace_builds WHERE workspace_id = ?`, b.WorkspaceID); err != nil {
			return err
		}
		if active > 0 {
			return &store.ConflictError{Field: "build"}
		}
		if err := checkSecretsBase(ctx, c, b); err != nil {
			return err
		}
		return insertBuild(ctx, c, b)
	})
	return b, err
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
	b.Error = cleanText(b.Error)
	b.CreatedAt = storedTimeOrNow(b.CreatedAt)
	b.StartedAt, b.CompletedAt, b.HeartbeatAt = timePtr(b.StartedAt), timePtr(b.CompletedAt), timePtr(b.HeartbeatAt)
	return b
}

func insertBuild(ctx context.Context, c conn, b store.WorkspaceBuild) error {
	if err := c.insert(ctx, "workspace_builds", buildColumns, b.ID, b.WorkspaceID, b.BuildNumber, b.Transition, b.Status,
		b.TemplateVersionID, b.InitiatorID, b.Error, b.WorkerID, b.CreatedAt, b.StartedAt, b.CompletedAt, b.HeartbeatAt); err != nil {
		return err
	}
	if err := insertBuildParameters(ctx, c, b); err != nil {
		return err
	}
	return insertBuildSecrets(ctx, c, b)
}

func (s *Store) GetBuild(ctx context.Context, id uuid.UUID) (_ store.WorkspaceBuild, err error) {
	defer wrap(&err, "get build")
	return one(ctx, s.read(), scanBuild, selectBuild, id)
}

func (s *Store) GetLatestBuild(ctx context.Context, workspaceID uuid.UUID) (_ store.WorkspaceBuild, err error) {
	defer wrap(&err, "get latest build")
	return one(ctx, s.read(), scanBuild, `SELECT `+buildColumns+` FROM workspace_builds
		WHERE workspace_id = ? ORDER BY build_number DESC LIMIT 1`, workspaceID)
}

// CountBuilds returns how many builds have the status (the server's
// metrics count the pending ones: the provisioners' queue).
func (s *Store) CountBuilds(ctx context.Context, status string) (n int, err error) {
	err = s.read().row(ctx, []any{&n}, `SELECT COUNT(*) FROM workspace_builds WHERE status = ?`, status)
	if err != nil {
		return 0, fmt.Errorf("count builds: %w", err)
	}
	return n, nil
}

// ClaimBuild picks and claims the oldest pending build in one statement;
// with SkipLocked concurrent claims skip each other's rows, not queue.
func (s *Store) ClaimBuild(ctx context.Context, workerID string, now time.Time) (b store.WorkspaceBuild, err error) {
	defer fail(&b, &err, "claim build")
	now = storedTimeOrNow(now)
	err = s.writeOne(ctx, func(c conn) (err error) {
		b, err = one(ctx, c, scanBuild, `UPDATE workspace_builds
			SET status = 'running', worker_id = ?, started_at = ?, heartbeat_at = ?
			WHERE id = (
				SELECT id FROM workspace_builds WHERE status = 'pending'
				ORDER BY created_at, id LIMIT 1`+s.d.SkipLocked+`
			) AND status = 'pending'
			RETURNING `+buildColumns, workerID, now, now)
		return err
	})
	return b, err
}

func (s *Store) HeartbeatBuild(ctx context.Context, id uuid.UUID, workerID string, now time.Time) (err error) {
	defer wrap(&err, "heartbeat build")
	now = storedTimeOrNow(now)
	return s.write(ctx, func(c conn) error {
		n, err := c.exec(ctx, `UPDATE workspace_builds SET heartbeat_at = ?
			WHERE id = ? AND status = 'running' AND worker_id = ?`, now, id, workerID)
		if err != nil || n > 0 {
			return err
		}
		return conflictOrNotFound(ctx, c, "workspace_builds", id, "build")
	})
}

func (s *Store) CancelBuild(ctx context.Context, id uuid.UUID, now time.Time) (b store.WorkspaceBuild, err error) {
	defer fail(&b, &err, "cancel build")
	now = storedTimeOrNow(now)
	err = s.write(ctx, func(c conn) (err error) {
		if _, err := c.exec(ctx, `UPDATE workspace_builds SET status = 'canceled', completed_at = ?
			WHERE id = ? AND status = 'pending'`, now, id); err != nil {
			return err
		}
		if _, err := c.exec(ctx, `UPDATE workspace_builds SET cancel_requested_at = ?
			WHERE id = ? AND status = 'running' AND cancel_requested_at IS NULL`, now, id); err != nil {
			return err
		}
		b, err = one(ctx, c, scanBuild, selectBuild, id)
		return err
	})
	return b, err
}

func (s *Store) BuildCancelRequested(ctx context.Context, id uuid.UUID) (_ bool, err error) {
	defer wrap(&err, "build cancel requested")
	var at *time.Time
	err = s.read().row(ctx, []any{nullTimeCol{&at}}, `SELECT cancel_requested_at FROM workspace_builds WHERE id = ?`, id)
	return at != nil && err == nil, err
}

// CompleteBuild locks the workspace's row first (see the lock order above).
func (s *Store) CompleteBuild(ctx context.Context, p store.CompleteBuildParams) (err error) {
	defer wrap(&err, "complete build")
	switch p.Status {
	case "", sdk.BuildPending, sdk.BuildRunning:
		return fmt.Errorf("a build cannot end with status %q", p.Status)
	}
	completed := storedTimeOrNow(p.CompletedAt)
	succeeded := p.Status == sdk.BuildSucceeded
	return s.write(ctx, func(c conn) error {
		var wsID uuid.UUID
		if err := c.row(ctx, []any{&wsID}, `SELECT workspace_id FROM workspace_builds WHERE id = ?`, p.BuildID); err != nil {
			return err
		}
		if err := c.exists(ctx, `SELECT 1 FROM workspaces WHERE id = ?`+s.d.RowLock, wsID); err != nil {
			return fmt.Errorf("workspace: %w", err)
		}
		var transition string
		err := c.row(ctx, []any{&transition}, `UPDATE workspace_builds SET status = ?, error = ?, completed_at = ?
			WHERE id = ? AND status = 'running' AND worker_id = ?
			RETURNING transition`,
			p.Status, cleanText(p.Error), completed, p.BuildID, p.WorkerID)
		if errors.Is(err, store.ErrNotFound) {
			return &store.ConflictError{Field: "build"}
		}
		if err != nil {
			return err
		}
		if p.State != nil {
			if _, err := c.exec(ctx, `UPDATE workspaces SET state_ciphertext = ?, state_key_id = ? WHERE id = ?`,
				p.State, p.StateKeyID, wsID); err != nil {
				return err
			}
		}
		deleted := succeeded && transition == sdk.TransitionDelete
		if _, err := c.exec(ctx, `UPDATE workspaces SET updated_at = ?, deleted = (deleted OR ?) WHERE id = ?`,
			completed, deleted, wsID); err != nil {
			return err
		}
		if !succeeded {
			return nil
		}
		for _, a := range p.Agents {
			if err := insertAgent(ctx, c, a, completed); err != nil {
				return fmt.Errorf("agent %q: %w", a.Name, err)
			}
		}
		return insertResources(ctx, c, p.BuildID, p.Resources, completed)
	})
}

// FailStaleBuilds skips, with SkipLocked, the builds another transaction
// holds (a heartbeat or a completion in progress): they are alive.
func (s *Store) FailStaleBuilds(ctx context.Context, before time.Time, reason string) (ret int, err error) {
	defer fail(&ret, &err, "fail stale builds")
	var n int64
	err = s.writeOne(ctx, func(c conn) (err error) {
		n, err = c.exec(ctx, `UPDATE workspace_builds SET status = 'failed', error = ?, completed_at = ?
			WHERE id IN (
				SELECT id FROM workspace_builds WHERE status = 'running' AND (heartbeat_at < ? OR heartbeat_at IS NULL)
				ORDER BY id`+s.d.SkipLocked+`
			) AND status = 'running'`,
			cleanText(reason), storedTimeOrNow(time.Time{}), storedTime(before))
		return err
	})
	return int(n), err
}

// InsertBuildLogs and InsertAgentLogs clean the text (see cleanText).
func (s *Store) InsertBuildLogs(ctx context.Context, logs []store.BuildLog) (err error) {
	defer wrap(&err, "insert build logs")
	return s.insertRows(ctx, `INSERT INTO build_logs (build_id, created_at, stage, level, output) VALUES `, 5, len(logs),
		func(i int) []any {
			l := logs[i]
			return []any{l.BuildID, storedTimeOrNow(l.CreatedAt), cleanText(l.Stage), cleanText(l.Level), cleanText(l.Output)}
		})
}

func (s *Store) ListBuildLogs(ctx context.Context, buildID uuid.UUID, afterID int64) (_ []store.BuildLog, err error) {
	defer wrap(&err, "list build logs")
	return all(ctx, s.read(), func(r Row) (store.BuildLog, error) {
		var l store.BuildLog
		return l, r.Scan(&l.ID, &l.BuildID, timeCol{&l.CreatedAt}, &l.Stage, &l.Level, &l.Output)
	}, `SELECT id, build_id, created_at, stage, level, output FROM build_logs
		WHERE build_id = ? AND id > ? ORDER BY id`, buildID, afterID)
}

// rowsPerInsert bounds one INSERT's rows, and so its parameters (SQLite limits them).
const rowsPerInsert = 100

// insertRows inserts n rows of width columns in one write transaction, with
// multi-row INSERT statements that take the rows in order: prefix is the
// statement up to VALUES, args(i) the values of row i.
func (s *Store) insertRows(ctx context.Context, prefix string, width, n int, args func(i int) []any) error {
	if n == 0 {
		return nil
	}
	tuple := "(?" + strings.Repeat(", ?", width-1) + ")"
	return s.write(ctx, func(c conn) error {
		for start := 0; start < n; start += rowsPerInsert {
			end := min(start+rowsPerInsert, n)
			vals := make([]any, 0, (end-start)*width)
			for i := start; i < end; i++ {
				vals = append(vals, args(i)...)
			}
			if _, err := c.exec(ctx, prefix+tuple+strings.Repeat(", "+tuple, end-start-1), vals...); err != nil {
				return err
			}
		}
		return nil
	})
}

// scanBuild reads a row of buildColumns.
func scanBuild(r Row) (b store.WorkspaceBuild, err error) {
	err = r.Scan(&b.ID, &b.WorkspaceID, &b.BuildNumber, &b.Transition, &b.Status, &b.TemplateVersionID, &b.InitiatorID,
		&b.Error, &b.WorkerID, timeCol{&b.CreatedAt}, nullTimeCol{&b.StartedAt}, nullTimeCol{&b.CompletedAt}, nullTimeCol{&b.HeartbeatAt})
	return b, err
}
