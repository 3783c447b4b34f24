package pgstore

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/internal/secretwrite"
)

const (
	templateColumns        = `id, name, active_version_id, created_by, created_at, updated_at`
	templateVersionColumns = `id, template_id, number, archive, requirements, created_by, created_at`
)

// InsertTemplateVersion stores v as version 1 + the highest of the template
// named name, creating the template (owned by v.CreatedBy) if the name is
// new, and makes v the template's active version. In one transaction it
// inserts the template unless the name exists (ON CONFLICT DO NOTHING waits
// for a concurrent insert of the same name), then locks the template's row,
// so concurrent pushes of one name, from any process, never share a number
// or create two templates. A zero v.ID is generated, a zero v.CreatedAt is
// now; the template's UpdatedAt becomes v.CreatedAt.
func (s *Store) InsertTemplateVersion(ctx context.Context, name string, v store.TemplateVersion) (store.Template, store.TemplateVersion, error) {
	if v.ID == uuid.Nil {
		v.ID = uuid.New()
	}
	v.CreatedAt = secretwrite.TimeOrNow(v.CreatedAt)
	var t store.Template
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// active_version_id's foreign key is checked at commit, when the
		// version exists.
		if _, err := tx.Exec(ctx, `INSERT INTO templates (`+templateColumns+`) VALUES ($1, $2, $3, $4, $5, $5)
			ON CONFLICT (name) DO NOTHING`, uuid.New(), name, v.ID, v.CreatedBy, v.CreatedAt); err != nil {
			return mapErr(err)
		}
		var err error
		t, err = scanTemplate(tx.QueryRow(ctx, `SELECT `+templateColumns+` FROM templates WHERE name = $1 FOR NO KEY UPDATE`, name))
		if err != nil {
			return err
		}
		v.TemplateID = t.ID
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM template_versions WHERE template_id = $1`,
			t.ID).Scan(&v.Number); err != nil {
			return mapErr(err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO template_versions (`+templateVersionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			v.ID, v.TemplateID, v.Number, nonNilBytes(v.Archive), nonNilBytes(v.Requirements), v.CreatedBy, v.CreatedAt); err != nil {
			return mapErr(err)
		}
		t, err = scanTemplate(tx.QueryRow(ctx, `UPDATE templates SET active_version_id = $1, updated_at = $2 WHERE id = $3
			RETURNING `+templateColumns, v.ID, v.CreatedAt, t.ID))
		return err
	})
	if err != nil {
		return store.Template{}, store.TemplateVersion{}, fmt.Errorf("insert template version: %w", err)
	}
	v.Archive, v.Requirements = nilIfEmpty(v.Archive), nilIfEmpty(v.Requirements)
	return t, v, nil
}

// GetTemplateByName returns the template named name (compared byte for
// byte), or store.ErrNotFound.
func (s *Store) GetTemplateByName(ctx context.Context, name string) (store.Template, error) {
	t, err := scanTemplate(s.pool.QueryRow(ctx, `SELECT `+templateColumns+` FROM templates WHERE name = $1`, name))
	if err != nil {
		return store.Template{}, fmt.Errorf("get template by name: %w", err)
	}
	return t, nil
}

// GetTemplateByID returns the template with id, or store.ErrNotFound.
func (s *Store) GetTemplateByID(ctx context.Context, id uuid.UUID) (store.Template, error) {
	t, err := scanTemplate(s.pool.QueryRow(ctx, `SELECT `+templateColumns+` FROM templates WHERE id = $1`, id))
	if err != nil {
		return store.Template{}, fmt.Errorf("get template by id: %w", err)
	}
	return t, nil
}

// ListTemplates returns every template sorted by name (byte order).
func (s *Store) ListTemplates(ctx context.Context) ([]store.Template, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+templateColumns+` FROM templates ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", mapErr(err))
	}
	defer rows.Close()
	out := []store.Template{}
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, fmt.Errorf("list templates: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list templates: %w", mapErr(err))
	}
	return out, nil
}

// GetTemplateVersion returns the version with id, archive included, or
// store.ErrNotFound.
func (s *Store) GetTemplateVersion(ctx context.Context, id uuid.UUID) (store.TemplateVersion, error) {
	var (
		v       store.TemplateVersion
		created time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT `+templateVersionColumns+` FROM template_versions WHERE id = $1`, id).
		Scan(&v.ID, &v.TemplateID, &v.Number, &v.Archive, &v.Requirements, &v.CreatedBy, &created)
	if err != nil {
		return store.TemplateVersion{}, fmt.Errorf("get template version: %w", mapErr(err))
	}
	v.Archive, v.Requirements = nilIfEmpty(v.Archive), nilIfEmpty(v.Requirements)
	v.CreatedAt = created.UTC()
	return v, nil
}

func scanTemplate(row pgx.Row) (store.Template, error) {
	var (
		t                store.Template
		created, updated time.Time
	)
	if err := row.Scan(&t.ID, &t.Name, &t.ActiveVersionID, &t.CreatedBy, &created, &updated); err != nil {
		return store.Template{}, mapErr(err)
	}
	t.CreatedAt, t.UpdatedAt = created.UTC(), updated.UTC()
	return t, nil
}
