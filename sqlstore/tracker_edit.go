package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// UpdateTracker implements debrief.TrackerEditStore.
func (db *DB) UpdateTracker(ctx context.Context, t *debrief.Tracker, ifVersion int, audit *debrief.AuditEntry) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE trackers SET name = $1, base_url = $2, project = $3, issue_type = $4, email = $5, token = $6,
	updated_at = $7, version = version + 1 WHERE id = $8 AND version = $9`,
			t.Name, t.BaseURL, t.Project, t.IssueType, t.Email, t.Token, db.d.t(t.UpdatedAt), t.ID, ifVersion)
		if err != nil {
			return err
		}
		if err := db.staleTracker(ctx, tx, res, t.ID); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, audit)
	})
	if err != nil {
		if classify(err) == dbErrUnique {
			return debrief.Errorf(debrief.EConflict, "name", "A tracker named %q exists already; choose another name.", t.Name)
		}
		return mapErr(err, "update tracker %d", t.ID)
	}
	t.Version = ifVersion + 1
	return nil
}

// staleTracker turns a change that matched no row into EConflict with the
// stored tracker (its token left out), or ENotFound.
func (db *DB) staleTracker(ctx context.Context, tx *sql.Tx, res sql.Result, id int64) error {
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return err
	}
	cur, err := scanTracker(tx.QueryRowContext(ctx, `SELECT `+trackerColumns+` FROM trackers WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("tracker", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return err
	}
	cur.HasToken, cur.Token = cur.Token != "", ""
	return debrief.Conflict("tracker", cur, cur.Version)
}

// DeleteTracker implements debrief.TrackerEditStore; its links go with it
// (ON DELETE CASCADE).
func (db *DB) DeleteTracker(ctx context.Context, id int64, ifVersion int, audit *debrief.AuditEntry) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM trackers WHERE id = $1 AND version = $2`, id, ifVersion)
		if err != nil {
			return err
		}
		if err := db.staleTracker(ctx, tx, res, id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, audit)
	})
	return mapErr(err, "delete tracker %d", id)
}

// TrackerLinksOf implements debrief.TrackerEditStore.
func (db *DB) TrackerLinksOf(ctx context.Context, itemIDs []int64) ([]*debrief.TrackerLink, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	marks, args := make([]string, len(itemIDs)), make([]any, len(itemIDs))
	for i, id := range itemIDs {
		marks[i], args[i] = "?", id
	}
	var w where
	w.add("action_item_id IN ("+strings.Join(marks, ", ")+")", args...)
	list, err := queryList(ctx, db.r, `SELECT `+trackerLinkColumns+` FROM tracker_links`+w.sql()+` ORDER BY action_item_id, created_at, tracker_id`, w.args, scanTrackerLink)
	return list, mapErr(err, "list tracker links of %d items", len(itemIDs))
}
