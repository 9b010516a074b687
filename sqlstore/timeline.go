package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

const timelineColumns = `id, incident_id, at, zone, source, kind, text, actor, external_id, starred, lifecycle, created_at, version`

func scanTimelineEvent(s rowScanner) (*debrief.TimelineEvent, error) {
	var e debrief.TimelineEvent
	err := s.Scan(&e.ID, &e.IncidentID, timeCol{&e.At}, &e.Zone, &e.Source, &e.Kind, &e.Text, &e.Actor,
		&e.ExternalID, &e.Starred, &e.Lifecycle, timeCol{&e.CreatedAt}, &e.Version)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// AddTimelineEvents inserts events into the incident's timeline, skipping
// any whose (source, external id) the incident already has; skipped events
// are replaced by the stored ones. If change is not nil the incident is
// updated in the same transaction under the version rule, and a conflict
// rolls back the events too. rev is appended only when at least one event
// is new, so redelivered webhooks leave no trace in the history.
func (db *DB) AddTimelineEvents(ctx context.Context, incidentID int64, events []*debrief.TimelineEvent, change *debrief.IncidentChange, rev *debrief.Revision) (int, error) {
	added := 0
	stored := make([]debrief.TimelineEvent, len(events))
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		added = 0
		if change != nil {
			if change.Incident.ID != incidentID {
				return debrief.Errorf(debrief.EInvalid, "", "The incident change is for incident %d, not %d.", change.Incident.ID, incidentID)
			}
			if err := db.updateIncident(ctx, tx, change.Incident, change.IfVersion); err != nil {
				return err
			}
			if err := db.appendRevision(ctx, tx, change.Revision, incidentID); err != nil {
				return err
			}
		} else {
			var one int
			err := db.queryRow(ctx, tx, `SELECT 1 FROM incidents WHERE id = $1`, incidentID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("incident", debrief.IncidentKey(incidentID))
			}
			if err != nil {
				return err
			}
		}
		// One prepared statement for the batch: imports add thousands.
		ins, err := tx.PrepareContext(ctx, `INSERT INTO timeline_events (incident_id, at, zone, source, kind, text, actor,
	external_id, starred, lifecycle, created_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1)
ON CONFLICT DO NOTHING
RETURNING id`)
		if err != nil {
			return err
		}
		defer ins.Close()
		var existing *sql.Stmt // prepared on the first duplicate
		for i, e := range events {
			s := *e
			s.IncidentID = incidentID
			var id int64
			err := ins.QueryRowContext(ctx, incidentID, db.d.t(e.At), e.Zone, string(e.Source), string(e.Kind), e.Text, e.Actor,
				e.ExternalID, e.Starred, string(e.Lifecycle), db.d.t(e.CreatedAt)).Scan(&id)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				// The unique index on (incident_id, source, external_id)
				// turned the insert into a no-op: return what is stored.
				// "external_id <> ''" repeats the index's predicate so
				// both engines can prove the partial index applies;
				// without it this is a scan of the whole timeline.
				if existing == nil {
					existing, err = tx.PrepareContext(ctx, `SELECT `+timelineColumns+` FROM timeline_events
WHERE incident_id = $1 AND source = $2 AND external_id = $3 AND external_id <> ''`)
					if err != nil {
						return err
					}
					defer existing.Close()
				}
				cur, err := scanTimelineEvent(existing.QueryRowContext(ctx, incidentID, string(e.Source), e.ExternalID))
				if err != nil {
					return err
				}
				s = *cur
			case err != nil:
				return err
			default:
				s.ID, s.Version = id, 1
				s.At, s.CreatedAt = s.At.UTC().Truncate(time.Microsecond), s.CreatedAt.UTC().Truncate(time.Microsecond)
				added++
			}
			stored[i] = s
		}
		if added > 0 {
			return db.appendRevision(ctx, tx, rev, incidentID)
		}
		return nil
	})
	if err != nil {
		return 0, mapErr(err, "add timeline events to incident %d", incidentID)
	}
	// Only now that the transaction committed do the caller's values change.
	for i, e := range events {
		*e = stored[i]
	}
	if change != nil {
		change.Incident.Version = change.IfVersion + 1
		change.Incident.Key = debrief.IncidentKey(incidentID)
	}
	return added, nil
}

// TimelineEvent returns one event, or ENotFound.
func (db *DB) TimelineEvent(ctx context.Context, id int64) (*debrief.TimelineEvent, error) {
	e, err := db.timelineEvent(ctx, db.r, id)
	if err != nil {
		return nil, mapErr(err, "get timeline event %d", id)
	}
	return e, nil
}

func (db *DB) timelineEvent(ctx context.Context, q querier, id int64) (*debrief.TimelineEvent, error) {
	e, err := scanTimelineEvent(db.queryRow(ctx, q, `SELECT `+timelineColumns+` FROM timeline_events WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, debrief.Errorf(debrief.ENotFound, "", "There is no timeline event %d.", id)
	}
	return e, err
}

func (db *DB) staleTimelineEvent(ctx context.Context, q querier, id int64) error {
	cur, err := db.timelineEvent(ctx, q, id)
	if err != nil {
		return err
	}
	return conflictErr("timeline event", cur, cur.Version)
}

// UpdateTimelineEvent stores ev if its stored version is ifVersion. The
// incident, source and external id of an event never change.
func (db *DB) UpdateTimelineEvent(ctx context.Context, ev *debrief.TimelineEvent, ifVersion int, rev *debrief.Revision) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `UPDATE timeline_events SET at = $3, zone = $4, kind = $5, text = $6, actor = $7,
	starred = $8, lifecycle = $9, version = version + 1
WHERE id = $1 AND version = $2`,
			ev.ID, ifVersion, db.d.t(ev.At), ev.Zone, string(ev.Kind), ev.Text, ev.Actor, ev.Starred, string(ev.Lifecycle))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return db.staleTimelineEvent(ctx, tx, ev.ID)
		}
		return db.appendRevision(ctx, tx, rev, ev.ID)
	})
	if err != nil {
		return mapErr(err, "update timeline event %d", ev.ID)
	}
	ev.Version = ifVersion + 1
	return nil
}

// DeleteTimelineEvent removes one event if its stored version is ifVersion.
func (db *DB) DeleteTimelineEvent(ctx context.Context, id int64, ifVersion int, rev *debrief.Revision) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `DELETE FROM timeline_events WHERE id = $1 AND version = $2`, id, ifVersion)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return db.staleTimelineEvent(ctx, tx, id)
		}
		return db.appendRevision(ctx, tx, rev, id)
	})
	return mapErr(err, "delete timeline event %d", id)
}

// ListTimeline returns the incident's events, oldest first (ties by ID). An
// incident without events, or without any such incident, has an empty
// timeline; the Service checks that the incident exists.
func (db *DB) ListTimeline(ctx context.Context, incidentID int64, f debrief.TimelineFilter) ([]*debrief.TimelineEvent, error) {
	var w where
	w.add(`incident_id = ?`, incidentID)
	if f.Starred {
		w.add(`starred = ?`, true)
	}
	if f.Source != "" {
		w.add(`source = ?`, string(f.Source))
	}
	if f.Kind != "" {
		w.add(`kind = ?`, string(f.Kind))
	}
	events, err := listCached(ctx, db, db.r, `SELECT `+timelineColumns+` FROM timeline_events`+w.sql()+` ORDER BY at, id`, w.args, scanTimelineEvent)
	if err != nil {
		return nil, mapErr(err, "list timeline of incident %d", incidentID)
	}
	return events, nil
}
