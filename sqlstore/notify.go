package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

const notificationColumns = `id, event_key, event, channel, channel_id, target, message, status, attempts, next_attempt_at, last_error, created_at, sent_at`

func scanNotification(s rowScanner) (*debrief.Notification, error) {
	var n debrief.Notification
	var channelID sql.NullInt64
	var msg string
	if err := s.Scan(&n.ID, &n.EventKey, &n.Event, &n.Channel, &channelID, &n.Target, &msg, &n.Status, &n.Attempts,
		timeCol{&n.NextAttemptAt}, &n.LastError, timeCol{&n.CreatedAt}, nullTimeCol{&n.SentAt}); err != nil {
		return nil, err
	}
	if channelID.Valid {
		n.ChannelID = &channelID.Int64
	}
	if err := json.Unmarshal([]byte(msg), &n.Message); err != nil {
		return nil, fmt.Errorf("sqlstore: decode notification message %d: %w", n.ID, err)
	}
	return &n, nil
}

// skipLocked is the clause that lets several PostgreSQL instances claim
// from one queue without waiting on, or taking, each other's rows. SQLite
// has one writer, so a claim there is alone anyway.
func (d dialect) skipLocked() string {
	if d.engine == EnginePostgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// EnqueueNotifications implements debrief.NotificationStore.
func (db *DB) EnqueueNotifications(ctx context.Context, ns []*debrief.Notification) (int, error) {
	added := 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		added, err = db.insertNotifications(ctx, tx, ns)
		return err
	})
	return added, mapErr(err, "enqueue %d notifications", len(ns))
}

// insertNotifications puts ns in the outbox within tx, skipping any whose
// (event key, channel, target) is already there, and returns how many were
// new. A change whose messages must not be lost (a review's invitations)
// calls it inside its own transaction.
func (db *DB) insertNotifications(ctx context.Context, tx *sql.Tx, ns []*debrief.Notification) (int, error) {
	added := 0
	for _, n := range ns {
		msg, err := jsonArg(n.Message)
		if err != nil {
			return 0, err
		}
		var channelID any
		if n.ChannelID != nil {
			channelID = *n.ChannelID
		}
		res, err := db.exec(ctx, tx, `INSERT INTO notifications (event_key, event, channel, channel_id, target, message, status, attempts, next_attempt_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)
			ON CONFLICT (event_key, channel, target) DO NOTHING`,
			n.EventKey, n.Event, n.Channel, channelID, n.Target, msg, n.Status, db.d.t(n.NextAttemptAt), db.d.t(n.CreatedAt))
		if err != nil {
			return 0, err
		}
		k, _ := res.RowsAffected()
		added += int(k)
	}
	return added, nil
}

// ClaimNotifications implements debrief.NotificationStore.
func (db *DB) ClaimNotifications(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]*debrief.Notification, error) {
	var out []*debrief.Notification
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		out = nil
		rows, err := db.query(ctx, tx, `UPDATE notifications SET status = 'sending', lease_until = $1, worker = $2, attempts = attempts + 1
			WHERE id IN (SELECT id FROM notifications
				WHERE (status = 'pending' AND next_attempt_at <= $3) OR (status = 'sending' AND lease_until < $3)
				ORDER BY next_attempt_at, id LIMIT $4`+db.d.skipLocked()+`)
			RETURNING `+notificationColumns,
			db.d.t(now.Add(lease)), worker, db.d.t(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			n, err := scanNotification(rows)
			if err != nil {
				return err
			}
			out = append(out, n)
		}
		return rows.Err()
	})
	return out, mapErr(err, "claim notifications for %s", worker)
}

// FinishNotification implements debrief.NotificationStore.
func (db *DB) FinishNotification(ctx context.Context, id int64, worker string, at time.Time) error {
	return db.settleNotification(ctx, id, worker, `UPDATE notifications SET status = 'sent', sent_at = $3, lease_until = NULL, last_error = ''
		WHERE id = $1 AND worker = $2 AND status = 'sending'`, db.d.t(at))
}

// RetryNotification implements debrief.NotificationStore.
func (db *DB) RetryNotification(ctx context.Context, id int64, worker, lastError string, next *time.Time) error {
	if next == nil {
		return db.settleNotification(ctx, id, worker, `UPDATE notifications SET status = 'failed', lease_until = NULL, last_error = $3
			WHERE id = $1 AND worker = $2 AND status = 'sending'`, lastError)
	}
	return db.settleNotification(ctx, id, worker, `UPDATE notifications SET status = 'pending', lease_until = NULL, last_error = $3, next_attempt_at = $4
		WHERE id = $1 AND worker = $2 AND status = 'sending'`, lastError, db.d.t(*next))
}

// settleNotification runs an update that needs worker's lease; none
// means the lease expired and another worker has the row.
func (db *DB) settleNotification(ctx context.Context, id int64, worker, query string, args ...any) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, query, append([]any{id, worker}, args...)...)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return debrief.Errorf(debrief.EConflict, "", "Notification %d is no longer leased to %s.", id, worker)
		}
		return nil
	})
	return mapErr(err, "settle notification %d", id)
}

// ListNotifications implements debrief.NotificationStore.
func (db *DB) ListNotifications(ctx context.Context, f debrief.NotificationFilter) (debrief.Page[*debrief.Notification], error) {
	var out debrief.Page[*debrief.Notification]
	after, err := debrief.DecodeCursor(f.After)
	if err != nil {
		return out, err
	}
	limit := debrief.PageLimit(f.Limit)
	if err := db.rg.enter(ctx); err != nil {
		return out, err
	}
	defer db.rg.leave()
	var w where
	whereIn(&w, "status", f.Status)
	if f.Event != "" {
		w.add("event = ?", f.Event)
	}
	if after > 0 {
		w.add("id < ?", after)
	}
	rows, err := db.query(ctx, db.r, `SELECT `+notificationColumns+` FROM notifications`+w.sql()+` ORDER BY id DESC LIMIT `+strconv.Itoa(limit+1), w.args...)
	if err != nil {
		return out, mapErr(err, "list notifications")
	}
	defer rows.Close()
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return out, mapErr(err, "list notifications")
		}
		out.Items = append(out.Items, n)
	}
	if err := rows.Err(); err != nil {
		return out, mapErr(err, "list notifications")
	}
	if out.Items == nil {
		out.Items = []*debrief.Notification{}
	}
	out.Items, out.NextCursor = pageOf(out.Items, limit, func(n *debrief.Notification) int64 { return n.ID })
	return out, nil
}

const channelColumns = `id, kind, name, target, secret, events, created_by, created_at`

// CreateNotificationChannel implements debrief.NotificationStore.
func (db *DB) CreateNotificationChannel(ctx context.Context, c *debrief.NotificationChannel, audit *debrief.AuditEntry) error {
	events, err := jsonArg(c.Events)
	if err != nil {
		return err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.queryRow(ctx, tx, `INSERT INTO notification_channels (kind, name, target, secret, events, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			c.Kind, c.Name, c.Target, c.Secret, events, c.CreatedBy, db.d.t(c.CreatedAt)).Scan(&c.ID); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, withTarget(audit, c.ID))
	})
	if classify(err) == dbErrUnique {
		return debrief.Errorf(debrief.EConflict, "name", "A channel named %q exists already.", c.Name)
	}
	return mapErr(err, "create notification channel %s", c.Name)
}

// ListNotificationChannels implements debrief.NotificationStore.
func (db *DB) ListNotificationChannels(ctx context.Context) ([]*debrief.NotificationChannel, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	list, err := listCached(ctx, db, db.r, `SELECT `+channelColumns+` FROM notification_channels ORDER BY id`, nil, scanChannel)
	return list, mapErr(err, "list notification channels")
}

func scanChannel(s rowScanner) (*debrief.NotificationChannel, error) {
	var c debrief.NotificationChannel
	err := s.Scan(&c.ID, &c.Kind, &c.Name, &c.Target, &c.Secret, jsonCol{&c.Events}, &c.CreatedBy, timeCol{&c.CreatedAt})
	return &c, err
}

// DeleteNotificationChannel implements debrief.NotificationStore.
func (db *DB) DeleteNotificationChannel(ctx context.Context, id int64, audit *debrief.AuditEntry) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `DELETE FROM notification_channels WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return notFound("notification channel", strconv.FormatInt(id, 10))
		}
		return db.appendAudit(ctx, tx, audit)
	})
	return mapErr(err, "delete notification channel %d", id)
}

// NotifyCursor implements debrief.NotificationStore.
func (db *DB) NotifyCursor(ctx context.Context, name string) (int64, bool, error) {
	if err := db.rg.enter(ctx); err != nil {
		return 0, false, err
	}
	defer db.rg.leave()
	var v int64
	err := db.r.QueryRowContext(ctx, `SELECT value FROM notify_state WHERE name = $1`, name).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, mapErr(err, "read notify cursor %s", name)
	}
	return v, true, nil
}

// SetNotifyCursor implements debrief.NotificationStore.
func (db *DB) SetNotifyCursor(ctx context.Context, name string, value int64) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := db.exec(ctx, tx, `INSERT INTO notify_state (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
		return err
	})
	return mapErr(err, "save notify cursor %s", name)
}

// RevisionsSince implements debrief.NotificationStore.
func (db *DB) RevisionsSince(ctx context.Context, since time.Time, afterID int64, limit int) ([]*debrief.Revision, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	rows, err := db.query(ctx, db.r, `SELECT `+revisionColumns+` FROM revisions WHERE at >= $1 AND id > $2 ORDER BY id LIMIT $3`,
		db.d.t(since), afterID, limit)
	if err != nil {
		return nil, mapErr(err, "read revisions")
	}
	defer rows.Close()
	var out []*debrief.Revision
	for rows.Next() {
		r, err := scanRevision(rows)
		if err != nil {
			return nil, mapErr(err, "read revisions")
		}
		out = append(out, r)
	}
	return out, mapErr(rows.Err(), "read revisions")
}

// SetNotificationOptOut implements debrief.NotificationStore.
func (db *DB) SetNotificationOptOut(ctx context.Context, o debrief.NotificationOptOut, on bool, audit *debrief.AuditEntry) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if on {
			_, err = db.exec(ctx, tx, `INSERT INTO notification_optouts (user_email, event, incident_id) VALUES ($1, $2, $3)
				ON CONFLICT (user_email, event, incident_id) DO NOTHING`, o.UserEmail, o.Event, o.IncidentID)
		} else {
			_, err = db.exec(ctx, tx, `DELETE FROM notification_optouts WHERE user_email = $1 AND event = $2 AND incident_id = $3`, o.UserEmail, o.Event, o.IncidentID)
		}
		if err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, audit)
	})
	return mapErr(err, "set notification opt-out of %s", o.UserEmail)
}

// SetOptedOutEvents implements debrief.NotificationStore.
func (db *DB) SetOptedOutEvents(ctx context.Context, user string, events []string, audit *debrief.AuditEntry) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.exec(ctx, tx, `DELETE FROM notification_optouts WHERE user_email = $1 AND incident_id = 0`, user); err != nil {
			return err
		}
		for _, e := range events {
			if _, err := db.exec(ctx, tx, `INSERT INTO notification_optouts (user_email, event, incident_id) VALUES ($1, $2, 0)
				ON CONFLICT (user_email, event, incident_id) DO NOTHING`, user, e); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, audit)
	})
	return mapErr(err, "set the opted-out events of %s", user)
}

// ListNotificationOptOuts implements debrief.NotificationStore.
func (db *DB) ListNotificationOptOuts(ctx context.Context, user string) ([]debrief.NotificationOptOut, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	q, args := `SELECT user_email, event, incident_id FROM notification_optouts ORDER BY user_email, event, incident_id`, []any{}
	if user != "" {
		q, args = `SELECT user_email, event, incident_id FROM notification_optouts WHERE user_email = $1 ORDER BY event, incident_id`, []any{user}
	}
	rows, err := db.query(ctx, db.r, q, args...)
	if err != nil {
		return nil, mapErr(err, "list notification opt-outs")
	}
	defer rows.Close()
	out := []debrief.NotificationOptOut{}
	for rows.Next() {
		var o debrief.NotificationOptOut
		if err := rows.Scan(&o.UserEmail, &o.Event, &o.IncidentID); err != nil {
			return nil, mapErr(err, "list notification opt-outs")
		}
		out = append(out, o)
	}
	return out, mapErr(rows.Err(), "list notification opt-outs")
}
