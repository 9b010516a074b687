package sqlstore

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/debriefhq/debrief/debrief"
)

const revisionColumns = `id, entity_type, entity_id, version, action, actor, at, changes`

// appendRevision inserts rev in tx and fills in its ID. entityID is the ID
// of the record the revision describes; it replaces rev.EntityID when the
// record was just created and the caller could not know it. A nil rev
// appends nothing.
func (db *DB) appendRevision(ctx context.Context, tx *sql.Tx, rev *debrief.Revision, entityID int64) error {
	if rev == nil {
		return nil
	}
	changes, err := jsonArg(rev.Changes)
	if err != nil {
		return err
	}
	if entityID != 0 {
		rev.EntityID = entityID
	}
	return db.queryRow(ctx, tx, `INSERT INTO revisions (entity_type, entity_id, version, action, actor, at, changes)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		rev.EntityType, rev.EntityID, rev.Version, rev.Action, rev.Actor, db.d.t(rev.At), changes).Scan(&rev.ID)
}

func scanRevision(s rowScanner) (*debrief.Revision, error) {
	var r debrief.Revision
	if err := s.Scan(&r.ID, &r.EntityType, &r.EntityID, &r.Version, &r.Action, &r.Actor, timeCol{&r.At}, jsonCol{&r.Changes}); err != nil {
		return nil, err
	}
	return &r, nil
}

// ListRevisions returns the revisions of one record, newest first. An empty
// EntityType or a zero EntityID does not filter.
func (db *DB) ListRevisions(ctx context.Context, f debrief.RevisionFilter) (debrief.Page[*debrief.Revision], error) {
	if err := db.rg.enter(ctx); err != nil {
		return debrief.Page[*debrief.Revision]{}, err
	}
	defer db.rg.leave()
	var out debrief.Page[*debrief.Revision]
	after, err := debrief.DecodeCursor(f.After)
	if err != nil {
		return out, err
	}
	limit := debrief.PageLimit(f.Limit)
	var w where
	if f.EntityType != "" {
		w.add(`entity_type = ?`, f.EntityType)
	}
	if f.EntityID != 0 {
		w.add(`entity_id = ?`, f.EntityID)
	}
	if after > 0 {
		w.add(`id < ?`, after)
	}
	query := `SELECT ` + revisionColumns + ` FROM revisions` + w.sql() + ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit+1)
	out.Items, err = listCached(ctx, db, db.r, query, w.args, scanRevision)
	if err != nil {
		return out, mapErr(err, "list revisions of %s %d", f.EntityType, f.EntityID)
	}
	out.Items, out.NextCursor = pageOf(out.Items, limit, func(r *debrief.Revision) int64 { return r.ID })
	return out, nil
}
