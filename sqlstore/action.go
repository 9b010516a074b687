package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/debriefhq/debrief/debrief"
)

const actionItemColumns = `id, incident_id, postmortem_id, title, owner, due_date, priority, type, status,
	tracker_url, completed_at, created_by, created_at, updated_at, verify_required, verification, version`

// actionItemInsert inserts the values of actionItemArgs, returning the ID.
const actionItemInsert = `INSERT INTO action_items (incident_id, postmortem_id, title, owner, due_date, priority, type,
	status, tracker_url, completed_at, created_by, created_at, updated_at, verify_required, verification, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1)
RETURNING id`

// actionItemKey returns the human key for an action item ID, e.g. AI-3.
func actionItemKey(id int64) string { return debrief.ActionItemKeyPrefix + strconv.FormatInt(id, 10) }

func scanActionItem(s rowScanner) (*debrief.ActionItem, error) {
	var a debrief.ActionItem
	var incidentID, postmortemID sql.NullInt64
	err := s.Scan(&a.ID, &incidentID, &postmortemID, &a.Title, &a.Owner, nullTimeCol{&a.DueDate}, &a.Priority, &a.Type,
		&a.Status, &a.TrackerURL, nullTimeCol{&a.CompletedAt}, &a.CreatedBy, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt}, &a.VerifyRequired, &a.Verification, &a.Version)
	if err != nil {
		return nil, err
	}
	if incidentID.Valid {
		a.IncidentID = &incidentID.Int64
	}
	if postmortemID.Valid {
		a.PostmortemID = &postmortemID.Int64
	}
	a.Key = actionItemKey(a.ID)
	return &a, nil
}

func nullID(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// actionItemArgs returns the values of every column but id and version,
// in the order of actionItemColumns.
func (db *DB) actionItemArgs(a *debrief.ActionItem) []any {
	return []any{nullID(a.IncidentID), nullID(a.PostmortemID), a.Title, a.Owner, db.d.tp(a.DueDate), string(a.Priority),
		string(a.Type), string(a.Status), a.TrackerURL, db.d.tp(a.CompletedAt), a.CreatedBy, db.d.t(a.CreatedAt), db.d.t(a.UpdatedAt),
		a.VerifyRequired, a.Verification}
}

// actionItemLinkErr explains a foreign key violation on an action item.
func actionItemLinkErr() error {
	return debrief.Errorf(debrief.EInvalid, "incident_id", "The incident or postmortem this action item belongs to does not exist.")
}

// CreateActionItem inserts a, assigning ID, Key and Version 1.
func (db *DB) CreateActionItem(ctx context.Context, a *debrief.ActionItem, rev *debrief.Revision) error {
	var id int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := db.queryRow(ctx, tx, actionItemInsert, db.actionItemArgs(a)...).Scan(&id)
		if err != nil {
			return err
		}
		return db.appendRevision(ctx, tx, rev, id)
	})
	if err != nil {
		if classify(err) == dbErrForeignKey {
			return actionItemLinkErr()
		}
		return mapErr(err, "create action item")
	}
	a.ID, a.Key, a.Version = id, actionItemKey(id), 1
	return nil
}

// ActionItem returns one action item, or ENotFound.
func (db *DB) ActionItem(ctx context.Context, id int64) (*debrief.ActionItem, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	a, err := db.actionItem(ctx, db.r, id)
	if err != nil {
		return nil, mapErr(err, "get action item %d", id)
	}
	return a, nil
}

func (db *DB) actionItem(ctx context.Context, q querier, id int64) (*debrief.ActionItem, error) {
	a, err := scanActionItem(db.queryRow(ctx, q, `SELECT `+actionItemColumns+` FROM action_items WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("action item", actionItemKey(id))
	}
	return a, err
}

func (db *DB) staleActionItem(ctx context.Context, q querier, id int64) error {
	cur, err := db.actionItem(ctx, q, id)
	if err != nil {
		return err
	}
	return debrief.Conflict("action item", cur, cur.Version)
}

// UpdateActionItem stores a if its stored version is ifVersion.
func (db *DB) UpdateActionItem(ctx context.Context, a *debrief.ActionItem, ifVersion int, rev *debrief.Revision) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error { return db.updateActionItem(ctx, tx, a, ifVersion, rev) })
	if err != nil {
		if classify(err) == dbErrForeignKey {
			return actionItemLinkErr()
		}
		return mapErr(err, "update action item %d", a.ID)
	}
	a.Version = ifVersion + 1
	a.Key = actionItemKey(a.ID)
	return nil
}

// updateActionItem stores a in tx if its stored version is ifVersion,
// with rev; otherwise EConflict with the stored item.
func (db *DB) updateActionItem(ctx context.Context, tx *sql.Tx, a *debrief.ActionItem, ifVersion int, rev *debrief.Revision) error {
	args := db.actionItemArgs(a)
	// created_by and created_at never change after creation.
	upd := make([]any, 0, 15)
	upd = append(upd, args[:10]...)
	upd = append(upd, args[12], args[13], args[14], a.ID, ifVersion)
	res, err := db.exec(ctx, tx, `UPDATE action_items SET incident_id = $1, postmortem_id = $2, title = $3, owner = $4,
	due_date = $5, priority = $6, type = $7, status = $8, tracker_url = $9, completed_at = $10, updated_at = $11,
	verify_required = $12, verification = $13, version = version + 1
WHERE id = $14 AND version = $15`, upd...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return db.staleActionItem(ctx, tx, a.ID)
	}
	return db.appendRevision(ctx, tx, rev, a.ID)
}

// DeleteActionItem removes an action item if its version is ifVersion.
func (db *DB) DeleteActionItem(ctx context.Context, id int64, ifVersion int, rev *debrief.Revision) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `DELETE FROM action_items WHERE id = $1 AND version = $2`, id, ifVersion)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return db.staleActionItem(ctx, tx, id)
		}
		return db.appendRevision(ctx, tx, rev, id)
	})
	return mapErr(err, "delete action item %d", id)
}

// ListActionItems returns action items matching f, newest first.
func (db *DB) ListActionItems(ctx context.Context, f debrief.ActionItemFilter) (debrief.Page[*debrief.ActionItem], error) {
	if err := db.rg.enter(ctx); err != nil {
		return debrief.Page[*debrief.ActionItem]{}, err
	}
	defer db.rg.leave()
	var out debrief.Page[*debrief.ActionItem]
	after, err := debrief.DecodeCursor(f.After)
	if err != nil {
		return out, err
	}
	limit := debrief.PageLimit(f.Limit)
	var w where
	whereIn(&w, "status", f.Status)
	if f.Owner != "" {
		w.add(`owner = ?`, f.Owner)
	}
	if f.IncidentID != nil {
		w.add(`incident_id = ?`, *f.IncidentID)
	}
	if f.PostmortemID != nil {
		w.add(`postmortem_id = ?`, *f.PostmortemID)
	}
	if f.DueBefore != nil {
		w.add(`due_date < ?`, db.d.t(*f.DueBefore))
	}
	if after > 0 {
		w.add(`id < ?`, after)
	}
	query := `SELECT ` + actionItemColumns + ` FROM action_items` + w.sql() + ` ORDER BY id DESC LIMIT ` + strconv.Itoa(limit+1)
	out.Items, err = listFiltered(ctx, db, db.r, query, w.args, scanActionItem)
	if err != nil {
		return out, mapErr(err, "list action items")
	}
	out.Items, out.NextCursor = pageOf(out.Items, limit, func(a *debrief.ActionItem) int64 { return a.ID })
	return out, nil
}

// The store implements the whole domain interface.
var _ debrief.Store = (*DB)(nil)
