package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

const postmortemColumns = `id, incident_id, kind, title, owner, status, template, template_version, sections,
	root_cause, contributing_factors, lessons, project, published_at, created_by, created_at, updated_at, version`

func scanPostmortem(s rowScanner) (*debrief.Postmortem, error) {
	var pm debrief.Postmortem
	var incidentID sql.NullInt64
	err := s.Scan(&pm.ID, &incidentID, &pm.Kind, &pm.Title, &pm.Owner, &pm.Status, &pm.Template, &pm.TemplateVersion,
		cachedJSONCol[[]debrief.Section]{sectionsCache, &pm.Sections}, &pm.RootCause,
		cachedJSONCol[[]string]{stringsCache, &pm.ContributingFactors}, cachedJSONCol[debrief.Lessons]{lessonsCache, &pm.Lessons},
		cachedJSONCol[*debrief.Project]{projectCache, &pm.Project},
		nullTimeCol{&pm.PublishedAt}, &pm.CreatedBy, timeCol{&pm.CreatedAt}, timeCol{&pm.UpdatedAt}, &pm.Version)
	if err != nil {
		return nil, err
	}
	if incidentID.Valid {
		pm.IncidentID = &incidentID.Int64
	}
	pm.Key = postmortemKey(pm.ID)
	return &pm, nil
}

// postmortemArgs returns the values of every column but id and version,
// in the order of postmortemColumns.
func (db *DB) postmortemArgs(pm *debrief.Postmortem) ([]any, error) {
	sections, err := jsonArg(pm.Sections)
	if err != nil {
		return nil, err
	}
	factors, err := jsonArg(pm.ContributingFactors)
	if err != nil {
		return nil, err
	}
	lessons, err := jsonArg(pm.Lessons)
	if err != nil {
		return nil, err
	}
	var project any
	if pm.Project != nil {
		if project, err = jsonArg(pm.Project); err != nil {
			return nil, err
		}
	}
	var incidentID any
	if pm.IncidentID != nil {
		incidentID = *pm.IncidentID
	}
	return []any{incidentID, string(pm.Kind), pm.Title, pm.Owner, string(pm.Status), pm.Template, pm.TemplateVersion, sections,
		pm.RootCause, factors, lessons, project, db.d.tp(pm.PublishedAt), pm.CreatedBy, db.d.t(pm.CreatedAt), db.d.t(pm.UpdatedAt)}, nil
}

// CreatePostmortem inserts pm, assigning ID, Key and Version 1. An incident
// has at most one postmortem (a unique index says so); a second one gets
// EConflict with the existing postmortem as Current.
func (db *DB) CreatePostmortem(ctx context.Context, pm *debrief.Postmortem, rev *debrief.Revision) error {
	args, err := db.postmortemArgs(pm)
	if err != nil {
		return err
	}
	var id int64
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		err := db.queryRow(ctx, tx, `INSERT INTO postmortems (incident_id, kind, title, owner, status, template, template_version,
	sections, root_cause, contributing_factors, lessons, project, published_at, created_by, created_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1)
RETURNING id`, args...).Scan(&id)
		if err != nil {
			return err
		}
		return db.appendRevision(ctx, tx, rev, id)
	})
	if err != nil {
		switch classify(err) {
		case dbErrUnique:
			if pm.IncidentID != nil {
				return db.postmortemExists(ctx, *pm.IncidentID, err)
			}
		case dbErrForeignKey:
			return debrief.Errorf(debrief.EInvalid, "incident_id", "The incident this postmortem is about does not exist.")
		}
		return mapErr(err, "create postmortem")
	}
	pm.ID, pm.Key, pm.Version = id, postmortemKey(id), 1
	return nil
}

// postmortemExists is the EConflict for a second postmortem of an incident.
func (db *DB) postmortemExists(ctx context.Context, incidentID int64, cause error) error {
	e := &debrief.Error{Code: debrief.EConflict, Field: "incident_id", Err: cause,
		Message: debrief.IncidentKey(incidentID) + " already has a postmortem; edit that one."}
	if err := db.rg.enter(ctx); err != nil {
		return e
	}
	defer db.rg.leave()
	cur, err := scanPostmortem(db.queryRow(ctx, db.r, `SELECT `+postmortemColumns+` FROM postmortems WHERE incident_id = $1`, incidentID))
	if err == nil {
		e.Current = cur
		e.Message = debrief.IncidentKey(incidentID) + " already has a postmortem (" + cur.Key + "); edit that one."
	}
	return e
}

// Postmortem returns one postmortem, or ENotFound.
func (db *DB) Postmortem(ctx context.Context, id int64) (*debrief.Postmortem, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	pm, err := db.postmortem(db.keyReadContext(ctx), db.r, id)
	if err != nil {
		return nil, mapErr(err, "get postmortem %d", id)
	}
	return pm, nil
}

func (db *DB) postmortem(ctx context.Context, q querier, id int64) (*debrief.Postmortem, error) {
	pm, err := scanPostmortem(db.queryRow(ctx, q, `SELECT `+postmortemColumns+` FROM postmortems WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("postmortem", postmortemKey(id))
	}
	return pm, err
}

func (db *DB) stalePostmortem(ctx context.Context, q querier, id int64) error {
	cur, err := db.postmortem(ctx, q, id)
	if err != nil {
		return err
	}
	return debrief.Conflict("postmortem", cur, cur.Version)
}

// UpdatePostmortem stores pm if its stored version is ifVersion.
func (db *DB) UpdatePostmortem(ctx context.Context, pm *debrief.Postmortem, ifVersion int, rev *debrief.Revision) error {
	args, err := db.postmortemArgs(pm)
	if err != nil {
		return err
	}
	// created_by and created_at never change after creation.
	upd := make([]any, 0, 16)
	upd = append(upd, args[:13]...)
	upd = append(upd, args[15], pm.ID, ifVersion)
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE postmortems SET incident_id = $1, kind = $2, title = $3, owner = $4, status = $5,
	template = $6, template_version = $7, sections = $8, root_cause = $9, contributing_factors = $10, lessons = $11,
	project = $12, published_at = $13, updated_at = $14, version = version + 1
WHERE id = $15 AND version = $16`, upd...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return db.stalePostmortem(ctx, tx, pm.ID)
		}
		return db.appendRevision(ctx, tx, rev, pm.ID)
	})
	if err != nil {
		switch classify(err) {
		case dbErrUnique:
			if pm.IncidentID != nil {
				return db.postmortemExists(ctx, *pm.IncidentID, err)
			}
		case dbErrForeignKey:
			return debrief.Errorf(debrief.EInvalid, "incident_id", "The incident this postmortem is about does not exist.")
		}
		return mapErr(err, "update postmortem %d", pm.ID)
	}
	pm.Version = ifVersion + 1
	pm.Key = postmortemKey(pm.ID)
	return nil
}

// UpdatePostmortemSection replaces one section if its stored version is
// ifSectionVersion. The row is read and written in one transaction (locked
// on PostgreSQL), so a save of another section in between is kept: only
// this section's version decides.
func (db *DB) UpdatePostmortemSection(ctx context.Context, id int64, sec debrief.Section, ifSectionVersion int, updatedAt time.Time, rev *debrief.Revision) (*debrief.Postmortem, error) {
	var out *debrief.Postmortem
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		pm, err := scanPostmortem(db.queryRow(ctx, tx, `SELECT `+postmortemColumns+` FROM postmortems WHERE id = $1`+db.d.lockRow, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("postmortem", postmortemKey(id))
		}
		if err != nil {
			return err
		}
		i := slices.IndexFunc(pm.Sections, func(s debrief.Section) bool { return s.Key == sec.Key })
		if i < 0 || pm.Sections[i].Version != ifSectionVersion {
			return debrief.Conflict("section", pm, pm.Version)
		}
		next := pm.Version + 1
		sec.Version = next
		pm.Sections[i] = sec
		sections, err := jsonArg(pm.Sections)
		if err != nil {
			return err
		}
		res, err := db.exec(ctx, tx, `UPDATE postmortems SET sections = $1, updated_at = $2, version = $3 WHERE id = $4 AND version = $5`,
			sections, db.d.t(updatedAt), next, id, pm.Version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			// Unreachable while the row is locked (or the writer is one
			// connection); kept so a change of either never loses a save.
			return db.stalePostmortem(ctx, tx, id)
		}
		if rev != nil {
			rev.Version = next
		}
		if err := db.appendRevision(ctx, tx, rev, id); err != nil {
			return err
		}
		pm.Version, pm.UpdatedAt = next, updatedAt
		out = pm
		return nil
	})
	if err != nil {
		return nil, mapErr(err, "update section %q of postmortem %d", sec.Key, id)
	}
	return out, nil
}

// DeletePostmortem removes a postmortem if its version is ifVersion. Action
// items that also belong to an incident stay with the incident; those of a
// project postmortem, which belong to nothing else, are deleted with it.
func (db *DB) DeletePostmortem(ctx context.Context, id int64, ifVersion int, rev *debrief.Revision) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `DELETE FROM postmortems WHERE id = $1 AND version = $2`, id, ifVersion)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return db.stalePostmortem(ctx, tx, id)
		}
		// ON DELETE SET NULL has detached the items by now; the ones left
		// belonging to nothing were the project postmortem's.
		if _, err := db.exec(ctx, tx, `DELETE FROM action_items WHERE incident_id IS NULL AND postmortem_id IS NULL`); err != nil {
			return err
		}
		return db.appendRevision(ctx, tx, rev, id)
	})
	return mapErr(err, "delete postmortem %d", id)
}

// ListPostmortems returns postmortems matching f, newest first.
func (db *DB) ListPostmortems(ctx context.Context, f debrief.PostmortemFilter) (debrief.Page[*debrief.Postmortem], error) {
	if err := db.rg.enter(ctx); err != nil {
		return debrief.Page[*debrief.Postmortem]{}, err
	}
	defer db.rg.leave()
	var out debrief.Page[*debrief.Postmortem]
	after, err := debrief.DecodeCursor(f.After)
	if err != nil {
		return out, err
	}
	limit := debrief.PageLimit(f.Limit)
	var w where
	whereIn(&w, "status", f.Status)
	if f.Kind != "" {
		w.add(`kind = ?`, string(f.Kind))
	}
	if f.IncidentID != nil {
		w.add(`incident_id = ?`, *f.IncidentID)
	}
	if f.Owner != "" {
		w.add(`owner = ?`, f.Owner)
	}
	if f.From != nil {
		w.add(`created_at >= ?`, db.d.t(*f.From))
	}
	if f.To != nil {
		w.add(`created_at < ?`, db.d.t(*f.To))
	}
	if after > 0 {
		w.add(`id < ?`, after)
	}
	query := `SELECT ` + postmortemColumns + ` FROM postmortems` + w.sql() + ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit+1)
	out.Items, err = listFiltered(ctx, db, db.r, query, w.args, scanPostmortem)
	if err != nil {
		return out, mapErr(err, "list postmortems")
	}
	out.Items, out.NextCursor = pageOf(out.Items, limit, func(p *debrief.Postmortem) int64 { return p.ID })
	return out, nil
}

// postmortemKey returns the human key for a postmortem ID, e.g. PM-7.
func postmortemKey(id int64) string { return debrief.PostmortemKeyPrefix + strconv.FormatInt(id, 10) }

// PostmortemDocument reads a postmortem, its incident, the incident's
// timeline and the action items of either in one read transaction
// (repeatable read on PostgreSQL; on SQLite a read transaction sees one
// snapshot of the WAL), so a write landing meanwhile is seen whole or not
// at all.
func (db *DB) PostmortemDocument(ctx context.Context, id int64) (*debrief.PostmortemDocument, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	opts := &sql.TxOptions{ReadOnly: true}
	if db.d.engine == EnginePostgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	sqlTx, err := db.r.BeginTx(ctx, opts)
	if err != nil {
		return nil, mapErr(err, "read postmortem %d", id)
	}
	defer sqlTx.Rollback()
	// readTx hides the *sql.Tx from the statement cache, whose
	// transactions are the writer's (stmt.go): this one is on the readers.
	tx := readTx{sqlTx}
	doc := &debrief.PostmortemDocument{}
	if doc.Postmortem, err = db.postmortem(ctx, tx, id); err != nil {
		return nil, mapErr(err, "read postmortem %d", id)
	}
	items := `SELECT ` + actionItemColumns + ` FROM action_items WHERE postmortem_id = $1 ORDER BY id`
	args := []any{id}
	if inc := doc.Postmortem.IncidentID; inc != nil {
		if doc.Incident, err = db.incident(ctx, tx, *inc); err != nil {
			return nil, mapErr(err, "read incident %d of postmortem %d", *inc, id)
		}
		if doc.Timeline, err = queryList(ctx, tx, `SELECT `+timelineColumns+` FROM timeline_events WHERE incident_id = $1 ORDER BY at, id`, []any{*inc}, scanTimelineEvent); err != nil {
			return nil, mapErr(err, "read timeline of postmortem %d", id)
		}
		items = `SELECT ` + actionItemColumns + ` FROM action_items WHERE postmortem_id = $1 OR incident_id = $2 ORDER BY id`
		args = append(args, *inc)
	}
	if doc.ActionItems, err = queryList(ctx, tx, items, args, scanActionItem); err != nil {
		return nil, mapErr(err, "read action items of postmortem %d", id)
	}
	return doc, nil
}

// readTx is a read transaction on the reader pool, run without the
// statement cache.
type readTx struct{ *sql.Tx }
