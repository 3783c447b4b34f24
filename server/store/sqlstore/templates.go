package sqlstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/usersecrets/coder/server/store"
)

const (
	templateColumns        = `id, name, active_version_id, created_by, created_at, updated_at`
	templateVersionColumns = `id, template_id, number, archive, requirements, created_by, created_at`
)

// InsertTemplateVersion inserts the template unless its name exists (ON
// CONFLICT DO NOTHING waits for a concurrent insert of the name), then
// locks its row: concurrent pushes of one name, in any process, queue.
func (s *Store) InsertTemplateVersion(ctx context.Context, name string, v store.TemplateVersion) (store.Template, store.TemplateVersion, error) {
	if v.ID == uuid.Nil {
		v.ID = uuid.New()
	}
	v.CreatedAt = storedTimeOrNow(v.CreatedAt)
	var t store.Template
	err := s.write(ctx, func(c conn) error {
		// active_version_id's foreign key is checked at commit, when the
		// version exists.
		if _, err := c.exec(ctx, `INSERT INTO templates (`+templateColumns+`) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO NOTHING`, uuid.New(), name, v.ID, v.CreatedBy, v.CreatedAt, v.CreatedAt); err != nil {
			return err
		}
		var err error
		t, err = one(ctx, c, scanTemplate, `SELECT `+templateColumns+` FROM templates WHERE name = ?`+s.d.RowLock, name)
		if err != nil {
			return err
		}
		v.TemplateID = t.ID
		if err := c.row(ctx, []any{&v.Number}, `SELECT COALESCE(MAX(number), 0) + 1 FROM template_versions WHERE template_id = ?`,
			t.ID); err != nil {
			return err
		}
		if err := c.insert(ctx, "template_versions", templateVersionColumns, v.ID, v.TemplateID, v.Number,
			nonNilBytes(v.Archive), nonNilBytes(v.Requirements), v.CreatedBy, v.CreatedAt); err != nil {
			return err
		}
		t, err = one(ctx, c, scanTemplate, `UPDATE templates SET active_version_id = ?, updated_at = ? WHERE id = ?
			RETURNING `+templateColumns, v.ID, v.CreatedAt, t.ID)
		return err
	})
	if err != nil {
		return store.Template{}, store.TemplateVersion{}, fmt.Errorf("insert template version: %w", err)
	}
	v.Archive, v.Requirements = nilIfEmpty(v.Archive), nilIfEmpty(v.Requirements)
	return t, v, nil
}

func (s *Store) GetTemplateByName(ctx context.Context, name string) (_ store.Template, err error) {
	defer wrap(&err, "get template by name")
	return one(ctx, s.read(), scanTemplate, `SELECT `+templateColumns+` FROM templates WHERE name = ?`, name)
}

func (s *Store) GetTemplateByID(ctx context.Context, id uuid.UUID) (_ store.Template, err error) {
	defer wrap(&err, "get template by id")
	return one(ctx, s.read(), scanTemplate, `SELECT `+templateColumns+` FROM templates WHERE id = ?`, id)
}

func (s *Store) ListTemplates(ctx context.Context) (_ []store.Template, err error) {
	defer wrap(&err, "list templates")
	return all(ctx, s.read(), scanTemplate, `SELECT `+templateColumns+` FROM templates ORDER BY name`)
}

func (s *Store) GetTemplateVersion(ctx context.Context, id uuid.UUID) (_ store.TemplateVersion, err error) {
	defer wrap(&err, "get template version")
	return one(ctx, s.read(), func(r Row) (v store.TemplateVersion, err error) {
		err = r.Scan(&v.ID, &v.TemplateID, &v.Number, &v.Archive, &v.Requirements, &v.CreatedBy, timeCol{&v.CreatedAt})
		v.Archive, v.Requirements = nilIfEmpty(v.Archive), nilIfEmpty(v.Requirements)
		return v, err
	}, `SELECT `+templateVersionColumns+` FROM template_versions WHERE id = ?`, id)
}

func scanTemplate(r Row) (t store.Template, err error) {
	err = r.Scan(&t.ID, &t.Name, &t.ActiveVersionID, &t.CreatedBy, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt})
	return t, err
}
