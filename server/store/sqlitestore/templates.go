package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
	"github.com/usersecrets/coder/server/store/internal/secretwrite"
)

const (
	templateColumns        = `id, name, active_version_id, created_by, created_at, updated_at`
	templateVersionColumns = `id, template_id, number, archive, requirements, created_by, created_at`
)

// InsertTemplateVersion stores v as version 1 + the highest of the template
// named name, creating the template (owned by v.CreatedBy) if the name is
// new, and makes v the template's active version. It all happens in one
// write transaction, so concurrent pushes of one name never share a number
// or create two templates. A zero v.ID is generated, a zero v.CreatedAt is
// now; the template's UpdatedAt becomes v.CreatedAt.
func (s *Store) InsertTemplateVersion(ctx context.Context, name string, v store.TemplateVersion) (store.Template, store.TemplateVersion, error) {
	if v.ID == uuid.Nil {
		v.ID = uuid.New()
	}
	v.CreatedAt = secretwrite.TimeOrNow(v.CreatedAt)
	var t store.Template
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = scanTemplate(tx.QueryRowContext(ctx, `SELECT `+templateColumns+` FROM templates WHERE name = ?`, name))
		switch {
		case errors.Is(err, store.ErrNotFound):
			t = store.Template{ID: uuid.New(), Name: name, CreatedBy: v.CreatedBy, CreatedAt: v.CreatedAt}
			if _, err := tx.ExecContext(ctx, `INSERT INTO templates (`+templateColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
				t.ID, t.Name, v.ID, t.CreatedBy, toMicros(t.CreatedAt), toMicros(t.CreatedAt)); err != nil {
				return mapErr(err)
			}
		case err != nil:
			return err
		}
		v.TemplateID = t.ID
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM template_versions WHERE template_id = ?`,
			t.ID).Scan(&v.Number); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO template_versions (`+templateVersionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			v.ID, v.TemplateID, v.Number, nonNilBytes(v.Archive), nonNilBytes(v.Requirements), v.CreatedBy, toMicros(v.CreatedAt)); err != nil {
			return mapErr(err)
		}
		t.ActiveVersionID, t.UpdatedAt = v.ID, v.CreatedAt
		_, err = tx.ExecContext(ctx, `UPDATE templates SET active_version_id = ?, updated_at = ? WHERE id = ?`,
			t.ActiveVersionID, toMicros(t.UpdatedAt), t.ID)
		return mapErr(err)
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
	t, err := scanTemplate(s.db.QueryRowContext(ctx, `SELECT `+templateColumns+` FROM templates WHERE name = ?`, name))
	if err != nil {
		return store.Template{}, fmt.Errorf("get template by name: %w", err)
	}
	return t, nil
}

// GetTemplateByID returns the template with id, or store.ErrNotFound.
func (s *Store) GetTemplateByID(ctx context.Context, id uuid.UUID) (store.Template, error) {
	t, err := scanTemplate(s.db.QueryRowContext(ctx, `SELECT `+templateColumns+` FROM templates WHERE id = ?`, id))
	if err != nil {
		return store.Template{}, fmt.Errorf("get template by id: %w", err)
	}
	return t, nil
}

// ListTemplates returns every template sorted by name (byte order).
func (s *Store) ListTemplates(ctx context.Context) ([]store.Template, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+templateColumns+` FROM templates ORDER BY name`)
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
		created int64
	)
	err := s.db.QueryRowContext(ctx, `SELECT `+templateVersionColumns+` FROM template_versions WHERE id = ?`, id).
		Scan(&v.ID, &v.TemplateID, &v.Number, &v.Archive, &v.Requirements, &v.CreatedBy, &created)
	if err != nil {
		return store.TemplateVersion{}, fmt.Errorf("get template version: %w", mapErr(err))
	}
	v.Archive, v.Requirements = nilIfEmpty(v.Archive), nilIfEmpty(v.Requirements)
	v.CreatedAt = fromMicros(created)
	return v, nil
}

func scanTemplate(row scanner) (store.Template, error) {
	var (
		t                store.Template
		created, updated int64
	)
	if err := row.Scan(&t.ID, &t.Name, &t.ActiveVersionID, &t.CreatedBy, &created, &updated); err != nil {
		return store.Template{}, mapErr(err)
	}
	t.CreatedAt, t.UpdatedAt = fromMicros(created), fromMicros(updated)
	return t, nil
}
