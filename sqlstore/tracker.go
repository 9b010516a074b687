package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

const trackerColumns = `id, name, kind, base_url, project, issue_type, email, token, enabled, created_by, created_at, updated_at, version`

func scanTracker(s rowScanner) (*debrief.Tracker, error) {
	var t debrief.Tracker
	err := s.Scan(&t.ID, &t.Name, &t.Kind, &t.BaseURL, &t.Project, &t.IssueType, &t.Email, &t.Token, &t.Enabled,
		&t.CreatedBy, timeCol{&t.CreatedAt}, timeCol{&t.UpdatedAt}, &t.Version)
	return &t, err
}

// CreateTracker implements debrief.TrackerStore.
func (db *DB) CreateTracker(ctx context.Context, t *debrief.Tracker, audit *debrief.AuditEntry) error {
	var id int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO trackers (name, kind, base_url, project, issue_type, email, token, enabled,
	created_by, created_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1) RETURNING id`,
			t.Name, string(t.Kind), t.BaseURL, t.Project, t.IssueType, t.Email, t.Token, t.Enabled, t.CreatedBy,
			db.d.t(t.CreatedAt), db.d.t(t.UpdatedAt)).Scan(&id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, withTarget(audit, id))
	})
	if err != nil {
		if classify(err) == dbErrUnique {
			return debrief.Errorf(debrief.EConflict, "name", "A tracker named %q already exists; choose another name.", t.Name)
		}
		return mapErr(err, "create tracker")
	}
	t.ID, t.Version = id, 1
	return nil
}

// Tracker implements debrief.TrackerStore.
func (db *DB) Tracker(ctx context.Context, id int64) (*debrief.Tracker, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	t, err := scanTracker(db.r.QueryRowContext(ctx, `SELECT `+trackerColumns+` FROM trackers WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("tracker", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return nil, mapErr(err, "get tracker %d", id)
	}
	return t, nil
}

// ListTrackers implements debrief.TrackerStore.
func (db *DB) ListTrackers(ctx context.Context) ([]*debrief.Tracker, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	list, err := queryList(ctx, db.r, `SELECT `+trackerColumns+` FROM trackers ORDER BY name`, nil, scanTracker)
	return list, mapErr(err, "list trackers")
}

const trackerLinkColumns = `action_item_id, tracker_id, state, external_key, url, claimed_until, last_error, created_at, synced_at`

func scanTrackerLink(s rowScanner) (*debrief.TrackerLink, error) {
	var l debrief.TrackerLink
	err := s.Scan(&l.ActionItemID, &l.TrackerID, &l.State, &l.ExternalKey, &l.URL, nullTimeCol{&l.ClaimedUntil}, &l.LastError,
		timeCol{&l.CreatedAt}, nullTimeCol{&l.SyncedAt})
	return &l, err
}

// ClaimTrackerLink implements debrief.TrackerStore. The insert and the
// take-over are each one statement guarded by the primary key and the
// state, so two exports never both hold the claim, on either engine.
func (db *DB) ClaimTrackerLink(ctx context.Context, itemID, trackerID int64, now, until time.Time) (*debrief.TrackerLink, bool, error) {
	var link *debrief.TrackerLink
	claimed := false
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO tracker_links (action_item_id, tracker_id, state, claimed_until, created_at)
VALUES ($1, $2, 'pending', $3, $4) ON CONFLICT (action_item_id, tracker_id) DO NOTHING`, itemID, trackerID, db.d.t(until), db.d.t(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			res, err = tx.ExecContext(ctx, `UPDATE tracker_links SET claimed_until = $1, last_error = ''
WHERE action_item_id = $2 AND tracker_id = $3 AND state = 'pending' AND (claimed_until IS NULL OR claimed_until < $4)`,
				db.d.t(until), itemID, trackerID, db.d.t(now))
			if err != nil {
				return err
			}
			if n, err = res.RowsAffected(); err != nil {
				return err
			}
		}
		claimed = n == 1
		link, err = scanTrackerLink(tx.QueryRowContext(ctx, `SELECT `+trackerLinkColumns+` FROM tracker_links WHERE action_item_id = $1 AND tracker_id = $2`, itemID, trackerID))
		return err
	})
	if err != nil {
		if classify(err) == dbErrForeignKey {
			return nil, false, debrief.Errorf(debrief.EInvalid, "tracker", "The action item or the tracker does not exist.")
		}
		return nil, false, mapErr(err, "claim tracker link %d/%d", itemID, trackerID)
	}
	return link, claimed, nil
}

// ReleaseTrackerLink implements debrief.TrackerStore.
func (db *DB) ReleaseTrackerLink(ctx context.Context, itemID, trackerID int64) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM tracker_links WHERE action_item_id = $1 AND tracker_id = $2 AND state = 'pending'`, itemID, trackerID)
		return err
	})
	return mapErr(err, "release tracker link %d/%d", itemID, trackerID)
}

// UpdateTrackerLink implements debrief.TrackerStore.
func (db *DB) UpdateTrackerLink(ctx context.Context, l *debrief.TrackerLink, item *debrief.ActionItem, ifVersion int, rev *debrief.Revision) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE tracker_links SET state = $1, external_key = $2, url = $3, claimed_until = $4,
	last_error = $5, synced_at = $6 WHERE action_item_id = $7 AND tracker_id = $8`,
			string(l.State), l.ExternalKey, l.URL, db.d.tp(l.ClaimedUntil), l.LastError, db.d.tp(l.SyncedAt), l.ActionItemID, l.TrackerID); err != nil {
			return err
		}
		if item == nil {
			return nil
		}
		return db.updateActionItem(ctx, tx, item, ifVersion, rev)
	})
	if err != nil {
		return mapErr(err, "update tracker link %d/%d", l.ActionItemID, l.TrackerID)
	}
	if item != nil {
		item.Version = ifVersion + 1
	}
	return nil
}

// ListTrackerLinks implements debrief.TrackerStore.
func (db *DB) ListTrackerLinks(ctx context.Context, itemID int64, state debrief.TrackerLinkState) ([]*debrief.TrackerLink, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	var w where
	if itemID > 0 {
		w.add(`action_item_id = ?`, itemID)
	}
	if state != "" {
		w.add(`state = ?`, string(state))
	}
	list, err := queryList(ctx, db.r, `SELECT `+trackerLinkColumns+` FROM tracker_links`+w.sql()+` ORDER BY created_at, action_item_id, tracker_id`, w.args, scanTrackerLink)
	return list, mapErr(err, "list tracker links")
}
