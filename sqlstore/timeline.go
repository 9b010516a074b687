package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

const timelineColumns = `id, incident_id, at, zone, source, kind, text, actor, external_id, alert, starred, lifecycle, created_at, version`

func scanTimelineEvent(s rowScanner) (*debrief.TimelineEvent, error) {
	var e debrief.TimelineEvent
	err := s.Scan(&e.ID, &e.IncidentID, timeCol{&e.At}, &e.Zone, &e.Source, &e.Kind, &e.Text, &e.Actor,
		&e.ExternalID, &e.Alert, &e.Starred, &e.Lifecycle, timeCol{&e.CreatedAt}, &e.Version)
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
	// What the caller's events become once the transaction commits: the
	// new ID of each inserted event, or the stored event a skipped one
	// repeats. Only IDs are kept for the inserted ones, not a copy of every
	// event: an import holds tens of thousands.
	ids := make([]int64, len(events))
	var dups map[int]*debrief.TimelineEvent
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		added, dups = 0, nil
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
		var skipped []int
		var err error
		if added, skipped, err = db.insertTimelineEvents(ctx, tx, incidentID, events, ids); err != nil {
			return err
		}
		if len(skipped) > 0 {
			var err error
			if dups, err = db.storedTimelineEvents(ctx, tx, incidentID, events, skipped); err != nil {
				return err
			}
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
		if cur, ok := dups[i]; ok {
			*e = *cur
			continue
		}
		e.IncidentID, e.ID, e.Version = incidentID, ids[i], 1
		e.At, e.CreatedAt = e.At.UTC().Truncate(time.Microsecond), e.CreatedAt.UTC().Truncate(time.Microsecond)
	}
	if change != nil {
		change.Incident.Version = change.IfVersion + 1
		change.Incident.Key = debrief.IncidentKey(incidentID)
	}
	return added, nil
}

// insertTimelineEvents is the one way timeline events enter the database,
// whichever door they came through (AddTimelineEvents, a webhook delivery's
// plan, an imported postmortem), inside the caller's transaction. It sets
// ids[i] for each inserted event and returns how many were inserted and
// the positions of the events skipped because the incident already has
// their (source, external id), or an earlier event of the same call does.
func (db *DB) insertTimelineEvents(ctx context.Context, tx *sql.Tx, incidentID int64, events []*debrief.TimelineEvent, ids []int64) (int, []int, error) {
	added := 0
	var skipped []int
	args := make([]any, 0, min(len(events), timelineRowsPerInsert)*timelineInsertValues)
	for start := 0; start < len(events); start += timelineRowsPerInsert {
		chunk := events[start:min(start+timelineRowsPerInsert, len(events))]
		args = args[:0]
		for _, e := range chunk {
			args = append(args, incidentID, db.d.t(e.At), e.Zone, string(e.Source), string(e.Kind), e.Text, e.Actor,
				e.ExternalID, e.Alert, e.Starred, string(e.Lifecycle), db.d.t(e.CreatedAt))
		}
		n, sk, err := db.insertTimelineChunk(ctx, tx, chunk, args, ids[start:start+len(chunk)])
		if err != nil {
			return 0, nil, err
		}
		added += n
		for _, i := range sk {
			skipped = append(skipped, start+i)
		}
	}
	return added, skipped, nil
}

// timelineInsertValues is how many values one inserted event takes.
const timelineInsertValues = 12

// timelineRowsPerInsert is how many events one INSERT carries. One
// statement per row was half the CPU of a large import (68,548 statements,
// each parsed, stepped and returned on its own); 250 rows of 12 values stay
// far below SQLite's 32,766 and PostgreSQL's 65,535 parameters.
const timelineRowsPerInsert = 250

// The full-size insert's text never changes, so it is built once per
// engine and the statement cache keeps it prepared: SQLite parses it once.
var (
	timelineInsertFullSQLite   = timelineInsertSQL(true, timelineRowsPerInsert)
	timelineInsertFullPostgres = timelineInsertSQL(false, timelineRowsPerInsert)
	timelineInsertOneSQLite    = timelineInsertSQL(true, 1)
	timelineInsertOnePostgres  = timelineInsertSQL(false, 1)
)

// timelineInsertSQL is the text of a multi-row insert of n events. Rows
// that conflict with the partial unique index on (incident_id, source,
// external_id) insert nothing and return no row; source and external id
// come back so that the returned rows can be matched to the events.
func timelineInsertSQL(sqlite bool, n int) string {
	var b strings.Builder
	b.Grow(200 + n*60)
	b.WriteString(`INSERT INTO timeline_events (incident_id, at, zone, source, kind, text, actor,
	external_id, alert, starred, lifecycle, created_at, version) VALUES `)
	p := 0
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for j := 0; j < timelineInsertValues; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			p++
			// SQLite resolves "$n" names by a linear search of every name
			// so far, which makes a statement of thousands of values
			// quadratic; anonymous "?" marks are numbered in order.
			if sqlite {
				b.WriteString("?")
			} else {
				b.WriteString("$" + strconv.Itoa(p))
			}
		}
		b.WriteString(", 1)")
	}
	b.WriteString(` ON CONFLICT DO NOTHING RETURNING id, source, external_id`)
	return b.String()
}

// insertTimelineChunk inserts chunk (args holds its values, in order) in
// one statement, sets ids[i] for each inserted event and returns how many
// were inserted and the positions in chunk of the skipped ones.
func (db *DB) insertTimelineChunk(ctx context.Context, tx *sql.Tx, chunk []*debrief.TimelineEvent, args []any, ids []int64) (int, []int, error) {
	sqlite := db.d.engine == EngineSQLite
	var rows *sql.Rows
	var err error
	switch len(chunk) {
	case timelineRowsPerInsert, 1:
		// Fixed texts: prepared once and kept in the statement cache.
		q := timelineInsertFullPostgres
		switch {
		case sqlite && len(chunk) == 1:
			q = timelineInsertOneSQLite
		case sqlite:
			q = timelineInsertFullSQLite
		case len(chunk) == 1:
			q = timelineInsertOnePostgres
		}
		rows, err = db.query(ctx, tx, q, args...)
	default:
		// The last, partial chunk of a batch: its text depends on the
		// size, and caching one statement per size would fill the cache.
		rows, err = tx.QueryContext(ctx, timelineInsertSQL(sqlite, len(chunk)), args...)
	}
	if err != nil {
		return 0, nil, err
	}
	type inserted struct {
		id               int64
		source, external string
	}
	var got []inserted
	for rows.Next() {
		var r inserted
		if err := rows.Scan(&r.id, &r.source, &r.external); err != nil {
			rows.Close()
			return 0, nil, err
		}
		got = append(got, r)
	}
	if err := rows.Close(); err != nil {
		return 0, nil, err
	}
	if err := rows.Err(); err != nil {
		return 0, nil, err
	}
	// Neither engine promises the order of RETURNING rows, but both assign
	// IDs in the order the rows are inserted, which is the order of VALUES.
	// So in ID order the returned rows are the chunk's events minus the
	// skipped ones. An event with an external id was inserted if its key
	// came back and no earlier event of the chunk claimed it (the second
	// of two equal keys in one batch is a duplicate of the first).
	sort.Slice(got, func(a, b int) bool { return got[a].id < got[b].id })
	var keys map[string]int
	for _, r := range got {
		if r.external != "" {
			if keys == nil {
				keys = make(map[string]int, len(got))
			}
			keys[r.source+"\x00"+r.external]++
		}
	}
	var skipped []int
	k := 0
	for i, e := range chunk {
		if e.ExternalID != "" {
			key := string(e.Source) + "\x00" + e.ExternalID
			if keys[key] == 0 {
				skipped = append(skipped, i)
				continue
			}
			keys[key]--
		}
		if k >= len(got) || got[k].source != string(e.Source) || got[k].external != e.ExternalID {
			return 0, nil, fmt.Errorf("sqlstore: timeline insert returned rows that do not match its events (event %d)", i+1)
		}
		ids[i] = got[k].id
		k++
	}
	if k != len(got) {
		return 0, nil, fmt.Errorf("sqlstore: timeline insert returned %d rows for %d new events", len(got), k)
	}
	return k, skipped, nil
}

// storedTimelineEvents returns the stored events that the events at the
// skipped positions repeat, keyed by position. "external_id <> ”" repeats
// the unique index's predicate so both engines can prove the partial index
// applies; without it this is a scan of the whole timeline.
func (db *DB) storedTimelineEvents(ctx context.Context, tx *sql.Tx, incidentID int64, events []*debrief.TimelineEvent, skipped []int) (map[int]*debrief.TimelineEvent, error) {
	found := make(map[string]*debrief.TimelineEvent, len(skipped))
	if len(skipped) == 1 {
		// A redelivery of one event: one cached statement.
		e := events[skipped[0]]
		cur, err := scanTimelineEvent(db.queryRow(ctx, tx, `SELECT `+timelineColumns+` FROM timeline_events
WHERE incident_id = $1 AND source = $2 AND external_id = $3 AND external_id <> ''`, incidentID, string(e.Source), e.ExternalID))
		if err != nil {
			return nil, err
		}
		return map[int]*debrief.TimelineEvent{skipped[0]: cur}, nil
	}
	// Several: one query per source and up to 500 external ids, so that the
	// index on (incident_id, source, external_id) serves each.
	bySource := map[debrief.EventSource][]string{}
	for _, i := range skipped {
		e := events[i]
		bySource[e.Source] = append(bySource[e.Source], e.ExternalID)
	}
	const perQuery = 500
	for src, ext := range bySource {
		for start := 0; start < len(ext); start += perQuery {
			part := ext[start:min(start+perQuery, len(ext))]
			var b strings.Builder
			b.WriteString(`SELECT ` + timelineColumns + ` FROM timeline_events
WHERE incident_id = $1 AND source = $2 AND external_id <> '' AND external_id IN (`)
			args := make([]any, 0, len(part)+2)
			args = append(args, incidentID, string(src))
			for j, x := range part {
				if j > 0 {
					b.WriteString(", ")
				}
				args = append(args, x)
				b.WriteString("$" + strconv.Itoa(len(args)))
			}
			b.WriteString(")")
			rows, err := tx.QueryContext(ctx, b.String(), args...)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				cur, err := scanTimelineEvent(rows)
				if err != nil {
					rows.Close()
					return nil, err
				}
				found[string(cur.Source)+"\x00"+cur.ExternalID] = cur
			}
			if err := rows.Close(); err != nil {
				return nil, err
			}
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
	}
	dups := make(map[int]*debrief.TimelineEvent, len(skipped))
	for _, i := range skipped {
		e := events[i]
		cur, ok := found[string(e.Source)+"\x00"+e.ExternalID]
		if !ok {
			return nil, fmt.Errorf("sqlstore: timeline event %q of source %s was skipped as a duplicate but is not stored", e.ExternalID, e.Source)
		}
		dups[i] = cur
	}
	return dups, nil
}

// TimelineEvent returns one event, or ENotFound.
func (db *DB) TimelineEvent(ctx context.Context, id int64) (*debrief.TimelineEvent, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
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
	return debrief.Conflict("timeline event", cur, cur.Version)
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
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	w := timelineWhere(incidentID, f)
	events, err := listCached(ctx, db, db.r, `SELECT `+timelineColumns+` FROM timeline_events`+w.sql()+` ORDER BY at, id`, w.args, scanTimelineEvent)
	if err != nil {
		return nil, mapErr(err, "list timeline of incident %d", incidentID)
	}
	return events, nil
}

// ListTimelineAfter returns at most limit of the incident's events
// matching f that come after the event at afterAt with ID afterID (afterID
// 0 for the first page), oldest first (ties by ID). The keyset condition
// and the order follow the index on (incident_id, at, id), so a page costs
// the same wherever it falls in a long timeline.
func (db *DB) ListTimelineAfter(ctx context.Context, incidentID int64, f debrief.TimelineFilter, afterAt time.Time, afterID int64, limit int) ([]*debrief.TimelineEvent, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	w := timelineWhere(incidentID, f)
	if afterID > 0 {
		t := db.d.t(afterAt)
		w.add(`(at > ? OR (at = ? AND id > ?))`, t, t, afterID)
	}
	events, err := listCached(ctx, db, db.r, `SELECT `+timelineColumns+` FROM timeline_events`+w.sql()+` ORDER BY at, id LIMIT `+strconv.Itoa(limit), w.args, scanTimelineEvent)
	if err != nil {
		return nil, mapErr(err, "list timeline of incident %d after %d", incidentID, afterID)
	}
	return events, nil
}

// TimelineSummary counts the incident's events and its starred ones and
// reads the times of its first and last event, in one query of four
// subqueries: the count and the times come from the index on
// (incident_id, at, id) without reading the events, the starred count
// from the partial index of starred events.
func (db *DB) TimelineSummary(ctx context.Context, incidentID int64) (debrief.TimelineSummary, error) {
	var sum debrief.TimelineSummary
	if err := db.rg.enter(ctx); err != nil {
		return sum, err
	}
	defer db.rg.leave()
	var first, last *time.Time
	err := db.queryRow(ctx, db.r, `SELECT
	(SELECT COUNT(*) FROM timeline_events WHERE incident_id = $1),
	(SELECT COUNT(*) FROM timeline_events WHERE incident_id = $1 AND starred),
	(SELECT MIN(at) FROM timeline_events WHERE incident_id = $1),
	(SELECT MAX(at) FROM timeline_events WHERE incident_id = $1)`, incidentID).Scan(&sum.Events, &sum.Starred, nullTimeCol{&first}, nullTimeCol{&last})
	if err != nil {
		return sum, mapErr(err, "summarise timeline of incident %d", incidentID)
	}
	if first != nil && last != nil {
		sum.First, sum.Last = *first, *last
	}
	return sum, nil
}

// timelineWhere selects the incident's events that f matches.
func timelineWhere(incidentID int64, f debrief.TimelineFilter) where {
	var w where
	w.add(`incident_id = ?`, incidentID)
	if f.Starred {
		// As the partial index timeline_events_starred names it.
		w.add(`starred`)
	}
	if f.Source != "" {
		w.add(`source = ?`, string(f.Source))
	}
	if f.Kind != "" {
		w.add(`kind = ?`, string(f.Kind))
	}
	return w
}

// TimelineExternalIDs returns the external ids of the incident's events
// from source. A re-run import checks against these instead of reading
// every event: the partial unique index on (incident_id, source,
// external_id) holds them, so the table itself is not read, and a long
// Slack channel's ids are a few MB where its events are tens.
func (db *DB) TimelineExternalIDs(ctx context.Context, incidentID int64, source debrief.EventSource) ([]string, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	rows, err := db.query(ctx, db.r, `SELECT external_id FROM timeline_events
WHERE incident_id = $1 AND source = $2 AND external_id <> ''`, incidentID, string(source))
	if err != nil {
		return nil, mapErr(err, "list external ids of incident %d", incidentID)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr(err, "list external ids of incident %d", incidentID)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "list external ids of incident %d", incidentID)
	}
	return ids, nil
}
