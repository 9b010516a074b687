package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/debriefhq/debrief/debrief"
)

// Custom templates: templates holds one row per key with its latest version
// and whether it was deleted; template_versions keeps every version's
// definition as JSON, because a template is always read whole.

// templateDefinition is what the definition column holds: the template and
// its policy, without the bookkeeping kept in columns.
func templateDefinition(t *debrief.CustomTemplate) (string, error) {
	c := *t
	c.Version, c.CreatedBy, c.Deleted = 0, "", false
	c.CreatedAt = c.CreatedAt.UTC()
	return jsonArg(struct {
		debrief.Template
		Policy debrief.TemplatePolicy `json:"policy"`
	}{c.Template, c.Policy})
}

const templateColumns = `v.key, v.version, v.definition, v.created_by, v.created_at, t.deleted AND t.latest_version = v.version`

func scanTemplate(s rowScanner) (*debrief.CustomTemplate, error) {
	var (
		ct      debrief.CustomTemplate
		key     string
		version int
		def     string
		deleted bool
	)
	if err := s.Scan(&key, &version, &def, &ct.CreatedBy, timeCol{&ct.CreatedAt}, &deleted); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(def), &ct); err != nil {
		return nil, fmt.Errorf("template %s v%d: %w", key, version, err)
	}
	ct.Key, ct.Version, ct.Deleted, ct.BuiltIn = key, version, deleted, false
	return &ct, nil
}

func noTemplate(key string) error {
	return debrief.Errorf(debrief.ENotFound, "template", "There is no template %q.", key)
}

// CreateTemplate inserts t as the first version of a new key, or as the
// version after the last one of a deleted key.
func (db *DB) CreateTemplate(ctx context.Context, t *debrief.CustomTemplate, audit *debrief.AuditEntry) error {
	def, err := templateDefinition(t)
	if err != nil {
		return err
	}
	var version int
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		var latest int
		var deleted bool
		err := tx.QueryRowContext(ctx, `SELECT latest_version, deleted FROM templates WHERE key = $1`, t.Key).Scan(&latest, &deleted)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			version = 1
			if _, err := tx.ExecContext(ctx, `INSERT INTO templates (key, latest_version, deleted) VALUES ($1, 1, $2)`, t.Key, false); err != nil {
				return err
			}
		case err != nil:
			return err
		case !deleted:
			cur, err := scanTemplate(tx.QueryRowContext(ctx, `SELECT `+templateColumns+`
FROM templates t JOIN template_versions v ON v.key = t.key AND v.version = t.latest_version WHERE t.key = $1`, t.Key))
			if err != nil {
				return err
			}
			return &debrief.Error{Code: debrief.EConflict, Field: "key", Current: cur,
				Message: fmt.Sprintf("A template %q already exists (version %d); update it instead.", t.Key, cur.Version)}
		default:
			version = latest + 1
			if _, err := tx.ExecContext(ctx, `UPDATE templates SET latest_version = $1, deleted = $2 WHERE key = $3`, version, false, t.Key); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO template_versions (key, version, definition, created_by, created_at)
VALUES ($1, $2, $3, $4, $5)`, t.Key, version, def, t.CreatedBy, db.d.t(t.CreatedAt)); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, audit)
	})
	if err != nil {
		if classify(err) == dbErrUnique {
			return debrief.Errorf(debrief.EConflict, "key", "A template %q was just created by someone else; update it instead.", t.Key)
		}
		return mapErr(err, "create template %s", t.Key)
	}
	t.Version, t.Deleted = version, false
	return nil
}

// UpdateTemplate appends t as version ifVersion+1.
func (db *DB) UpdateTemplate(ctx context.Context, t *debrief.CustomTemplate, ifVersion int, audit *debrief.AuditEntry) error {
	def, err := templateDefinition(t)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE templates SET latest_version = $1 WHERE key = $2 AND latest_version = $3 AND NOT deleted`,
			ifVersion+1, t.Key, ifVersion)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			cur, err := db.latestTemplate(ctx, tx, t.Key)
			if err != nil {
				return err
			}
			return debrief.Conflict("template", cur, cur.Version)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO template_versions (key, version, definition, created_by, created_at)
VALUES ($1, $2, $3, $4, $5)`, t.Key, ifVersion+1, def, t.CreatedBy, db.d.t(t.CreatedAt)); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, audit)
	})
	if err != nil {
		return mapErr(err, "update template %s", t.Key)
	}
	t.Version, t.Deleted = ifVersion+1, false
	return nil
}

// DeleteTemplate marks the template deleted; its versions stay.
func (db *DB) DeleteTemplate(ctx context.Context, key string, ifVersion int, audit *debrief.AuditEntry) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE templates SET deleted = $1 WHERE key = $2 AND latest_version = $3 AND NOT deleted`, true, key, ifVersion)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			cur, err := db.latestTemplate(ctx, tx, key)
			if err != nil {
				return err
			}
			return debrief.Conflict("template", cur, cur.Version)
		}
		return db.appendAudit(ctx, tx, audit)
	})
	return mapErr(err, "delete template %s", key)
}

type querierRow interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) latestTemplate(ctx context.Context, q querierRow, key string) (*debrief.CustomTemplate, error) {
	ct, err := scanTemplate(q.QueryRowContext(ctx, `SELECT `+templateColumns+`
FROM templates t JOIN template_versions v ON v.key = t.key AND v.version = t.latest_version
WHERE t.key = $1 AND NOT t.deleted`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noTemplate(key)
	}
	return ct, err
}

// CustomTemplate returns the latest version of a template not deleted.
func (db *DB) CustomTemplate(ctx context.Context, key string) (*debrief.CustomTemplate, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	ct, err := db.latestTemplate(ctx, db.r, key)
	if err != nil {
		return nil, mapErr(err, "get template %s", key)
	}
	return ct, nil
}

// CustomTemplateVersion returns one version of a template, deleted or not.
func (db *DB) CustomTemplateVersion(ctx context.Context, key string, version int) (*debrief.CustomTemplate, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	ct, err := scanTemplate(db.r.QueryRowContext(ctx, `SELECT `+templateColumns+`
FROM template_versions v JOIN templates t ON t.key = v.key WHERE v.key = $1 AND v.version = $2`, key, version))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, debrief.Errorf(debrief.ENotFound, "version", "There is no version %d of template %q.", version, key)
	}
	if err != nil {
		return nil, mapErr(err, "get template %s v%d", key, version)
	}
	return ct, nil
}

// ListCustomTemplates returns the latest version of every template not
// deleted, by key.
func (db *DB) ListCustomTemplates(ctx context.Context) ([]*debrief.CustomTemplate, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	list, err := queryList(ctx, db.r, `SELECT `+templateColumns+`
FROM templates t JOIN template_versions v ON v.key = t.key AND v.version = t.latest_version
WHERE NOT t.deleted ORDER BY t.key`, nil, scanTemplate)
	if err != nil {
		return nil, mapErr(err, "list templates")
	}
	return list, nil
}

// ListTemplateVersionsAfter returns at most limit versions of a template
// numbered below after (0 for the first page), newest first, or ENotFound
// when the key never existed. The key and version are the table's primary
// key, so a page costs the same however many versions there are.
func (db *DB) ListTemplateVersionsAfter(ctx context.Context, key string, after, limit int) ([]*debrief.CustomTemplate, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	var w where
	w.add(`v.key = ?`, key)
	if after > 0 {
		w.add(`v.version < ?`, after)
	}
	list, err := queryList(ctx, db.r, `SELECT `+templateColumns+`
FROM template_versions v JOIN templates t ON t.key = v.key`+w.sql()+` ORDER BY v.version DESC LIMIT `+strconv.Itoa(limit), w.args, scanTemplate)
	if err != nil {
		return nil, mapErr(err, "list template %s versions after %d", key, after)
	}
	if len(list) > 0 {
		return list, nil
	}
	// An empty page: past the oldest version, or a key that never existed.
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM templates WHERE key = $1`, key).Scan(&n); err != nil {
		return nil, mapErr(err, "list template %s versions", key)
	}
	if n == 0 {
		return nil, noTemplate(key)
	}
	return []*debrief.CustomTemplate{}, nil
}
