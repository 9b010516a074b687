package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// querier is what *sql.DB, *sql.Tx and *sql.Conn have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

const incidentColumns = `id, title, severity, status, services, customers, impact, labels,
	commander, scribe, communications, started_at, detected_at, acknowledged_at, mitigated_at, resolved_at,
	private, members, repeat_of, created_by, created_at, updated_at, version`

func scanIncident(s rowScanner) (*debrief.Incident, error) {
	var inc debrief.Incident
	var repeatOf sql.NullInt64
	err := s.Scan(&inc.ID, &inc.Title, &inc.Severity, &inc.Status,
		jsonCol{&inc.Services}, jsonCol{&inc.Customers}, &inc.Impact, jsonCol{&inc.Labels},
		&inc.Roles.Commander, &inc.Roles.Scribe, &inc.Roles.Communications,
		timeCol{&inc.StartedAt}, nullTimeCol{&inc.DetectedAt}, nullTimeCol{&inc.AcknowledgedAt},
		nullTimeCol{&inc.MitigatedAt}, nullTimeCol{&inc.ResolvedAt},
		&inc.Private, jsonCol{&inc.Members}, &repeatOf,
		&inc.CreatedBy, timeCol{&inc.CreatedAt}, timeCol{&inc.UpdatedAt}, &inc.Version)
	if err != nil {
		return nil, err
	}
	if repeatOf.Valid {
		inc.RepeatOf = &repeatOf.Int64
	}
	inc.Key = debrief.IncidentKey(inc.ID)
	return &inc, nil
}

// incidentArgs returns the values of every column but id and version, in
// the order of incidentColumns.
func (db *DB) incidentArgs(inc *debrief.Incident) ([]any, error) {
	var js [4]string
	for i, v := range [][]string{inc.Services, inc.Customers, inc.Labels, inc.Members} {
		s, err := jsonArg(v)
		if err != nil {
			return nil, err
		}
		js[i] = s
	}
	var repeatOf any
	if inc.RepeatOf != nil {
		repeatOf = *inc.RepeatOf
	}
	d := db.d
	return []any{inc.Title, inc.Severity, string(inc.Status), js[0], js[1], inc.Impact, js[2],
		inc.Roles.Commander, inc.Roles.Scribe, inc.Roles.Communications,
		d.t(inc.StartedAt), d.tp(inc.DetectedAt), d.tp(inc.AcknowledgedAt), d.tp(inc.MitigatedAt), d.tp(inc.ResolvedAt),
		inc.Private, js[3], repeatOf, inc.CreatedBy, d.t(inc.CreatedAt), d.t(inc.UpdatedAt)}, nil
}

// insertIncident inserts inc at version 1 with its tags in tx, for every
// path that creates incidents (a person, a webhook, an import), and
// returns its ID.
func (db *DB) insertIncident(ctx context.Context, tx *sql.Tx, inc *debrief.Incident) (int64, error) {
	args, err := db.incidentArgs(inc)
	if err != nil {
		return 0, err
	}
	var id int64
	if err := db.queryRow(ctx, tx, `INSERT INTO incidents (title, severity, status, services, customers, impact, labels,
	commander, scribe, communications, started_at, detected_at, acknowledged_at, mitigated_at, resolved_at,
	private, members, repeat_of, created_by, created_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, 1)
RETURNING id`, args...).Scan(&id); err != nil {
		return 0, err
	}
	return id, db.writeIncidentTags(ctx, tx, id, inc, false)
}

// CreateIncident inserts inc, assigning ID, Key and Version 1, and appends
// rev (whose EntityID it fills in) in the same transaction.
func (db *DB) CreateIncident(ctx context.Context, inc *debrief.Incident, rev *debrief.Revision) error {
	var id int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if id, err = db.insertIncident(ctx, tx, inc); err != nil {
			return err
		}
		return db.appendRevision(ctx, tx, rev, id)
	})
	if err != nil {
		if classify(err) == dbErrForeignKey {
			return debrief.Errorf(debrief.EInvalid, "repeat_of", "The incident named in repeat_of does not exist.")
		}
		return mapErr(err, "create incident")
	}
	inc.ID, inc.Key, inc.Version = id, debrief.IncidentKey(id), 1
	return nil
}

// writeIncidentTags makes incident_tags hold exactly inc's services and
// labels, so filters by service or label use an index.
func (db *DB) writeIncidentTags(ctx context.Context, tx *sql.Tx, id int64, inc *debrief.Incident, replace bool) error {
	if replace {
		if _, err := db.exec(ctx, tx, `DELETE FROM incident_tags WHERE incident_id = $1`, id); err != nil {
			return err
		}
	}
	if len(inc.Services)+len(inc.Labels) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO incident_tags (incident_id, kind, value) VALUES `)
	w := where{args: []any{id}}
	n := 0
	for _, tag := range []struct {
		kind   string
		values []string
	}{{"service", inc.Services}, {"label", inc.Labels}} {
		for _, v := range tag.values {
			if n > 0 {
				b.WriteString(", ")
			}
			n++
			b.WriteString("($1, ")
			b.WriteString(w.next(tag.kind))
			b.WriteString(", ")
			b.WriteString(w.next(v))
			b.WriteString(")")
		}
	}
	// Duplicates in the lists (the Service removes them, but a store
	// must not fail on them) collapse into one row.
	b.WriteString(` ON CONFLICT DO NOTHING`)
	_, err := db.exec(ctx, tx, b.String(), w.args...)
	return err
}

// Incident returns the incident with id, or ENotFound.
func (db *DB) Incident(ctx context.Context, id int64) (*debrief.Incident, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	inc, err := db.incident(db.keyReadContext(ctx), db.r, id)
	if err != nil {
		return nil, mapErr(err, "get incident %d", id)
	}
	return inc, nil
}

func (db *DB) incident(ctx context.Context, q querier, id int64) (*debrief.Incident, error) {
	inc, err := scanIncident(db.queryRow(ctx, q, `SELECT `+incidentColumns+` FROM incidents WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("incident", debrief.IncidentKey(id))
	}
	return inc, err
}

// UpdateIncident stores inc if the stored version is ifVersion, sets
// inc.Version to ifVersion+1 and appends rev, all in one transaction.
func (db *DB) UpdateIncident(ctx context.Context, inc *debrief.Incident, ifVersion int, rev *debrief.Revision) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.updateIncident(ctx, tx, inc, ifVersion); err != nil {
			return err
		}
		return db.appendRevision(ctx, tx, rev, inc.ID)
	})
	if err != nil {
		if classify(err) == dbErrForeignKey {
			return debrief.Errorf(debrief.EInvalid, "repeat_of", "The incident named in repeat_of does not exist.")
		}
		return mapErr(err, "update incident %d", inc.ID)
	}
	inc.Version = ifVersion + 1
	inc.Key = debrief.IncidentKey(inc.ID)
	return nil
}

// updateIncident is the conditional update shared by UpdateIncident and
// AddTimelineEvents. It leaves inc.Version alone, so that a rolled-back
// transaction leaves the caller's value unchanged.
func (db *DB) updateIncident(ctx context.Context, tx *sql.Tx, inc *debrief.Incident, ifVersion int) error {
	args, err := db.incidentArgs(inc)
	if err != nil {
		return err
	}
	// created_by and created_at never change after creation.
	upd := make([]any, 0, 21)
	upd = append(upd, args[:18]...)
	upd = append(upd, inc.ID, ifVersion, args[20])
	res, err := db.exec(ctx, tx, `UPDATE incidents SET title = $1, severity = $2, status = $3, services = $4,
	customers = $5, impact = $6, labels = $7, commander = $8, scribe = $9, communications = $10,
	started_at = $11, detected_at = $12, acknowledged_at = $13, mitigated_at = $14, resolved_at = $15,
	private = $16, members = $17, repeat_of = $18, updated_at = $21, version = version + 1
WHERE id = $19 AND version = $20`, upd...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return db.staleIncident(ctx, tx, inc.ID)
	}
	return db.writeIncidentTags(ctx, tx, inc.ID, inc, true)
}

// staleIncident explains why a conditional write touched no row: the
// incident is gone (ENotFound) or at another version (EConflict).
func (db *DB) staleIncident(ctx context.Context, q querier, id int64) error {
	cur, err := db.incident(ctx, q, id)
	if err != nil {
		return err
	}
	return debrief.Conflict("incident", cur, cur.Version)
}

// DeleteIncident removes the incident if its version is ifVersion. Its
// timeline, tags, action items and postmortem go with it (ON DELETE
// CASCADE): a postmortem of an incident that no longer exists would describe
// nothing. Revisions stay, so the deletion itself is on record.
func (db *DB) DeleteIncident(ctx context.Context, id int64, ifVersion int, rev *debrief.Revision) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `DELETE FROM incidents WHERE id = $1 AND version = $2`, id, ifVersion)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return db.staleIncident(ctx, tx, id)
		}
		return db.appendRevision(ctx, tx, rev, id)
	})
	return mapErr(err, "delete incident %d", id)
}

// ListIncidents returns incidents matching f, newest (highest ID) first.
func (db *DB) ListIncidents(ctx context.Context, f debrief.IncidentFilter) (debrief.Page[*debrief.Incident], error) {
	if err := db.rg.enter(ctx); err != nil {
		return debrief.Page[*debrief.Incident]{}, err
	}
	defer db.rg.leave()
	var out debrief.Page[*debrief.Incident]
	afterStarted, after, err := debrief.DecodeIncidentCursor(f.After, f.Sort)
	if err != nil {
		return out, err
	}
	limit := debrief.PageLimit(f.Limit)
	var w where
	whereIn(&w, "status", f.Status)
	whereIn(&w, "severity", f.Severity)
	if f.Service != "" {
		w.add(`id IN (SELECT incident_id FROM incident_tags WHERE kind = 'service' AND value = ?)`, f.Service)
	}
	if f.Label != "" {
		w.add(`id IN (SELECT incident_id FROM incident_tags WHERE kind = 'label' AND value = ?)`, f.Label)
	}
	if f.Owner != "" {
		w.add(`(commander = ? OR created_by = ?)`, f.Owner, f.Owner)
	}
	if f.From != nil {
		w.add(`started_at >= ?`, db.d.t(*f.From))
	}
	if f.To != nil {
		w.add(`started_at < ?`, db.d.t(*f.To))
	}
	// Each order is total (ID breaks ties), so the keyset condition
	// continues exactly after the previous page's last incident.
	order := ` ORDER BY id DESC`
	switch f.Sort {
	case debrief.SortOldest:
		order = ` ORDER BY id ASC`
		if after > 0 {
			w.add(`id > ?`, after)
		}
	case debrief.SortStarted:
		order = ` ORDER BY started_at DESC, id DESC`
		if after > 0 {
			t := db.d.t(afterStarted)
			w.add(`(started_at < ? OR (started_at = ? AND id < ?))`, t, t, after)
		}
	default:
		if after > 0 {
			w.add(`id < ?`, after)
		}
	}
	query := `SELECT ` + incidentColumns + ` FROM incidents` + w.sql() + order + ` LIMIT ` + strconv.Itoa(limit+1)
	out.Items, err = listFiltered(ctx, db, db.r, query, w.args, scanIncident)
	if err != nil {
		return out, mapErr(err, "list incidents")
	}
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
		out.NextCursor = debrief.IncidentCursor(out.Items[limit-1], f.Sort)
	}
	return out, nil
}

// queryList runs query and scans every row with scan. It never returns a
// nil slice, so an empty list encodes as [] in JSON.
func queryList[T any](ctx context.Context, q querier, query string, args []any, scan func(rowScanner) (T, error)) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return scanList(rows, scan)
}

// listCached is queryList through the statement cache of db.
func listCached[T any](ctx context.Context, db *DB, q querier, query string, args []any, scan func(rowScanner) (T, error)) ([]T, error) {
	rows, err := db.query(ctx, q, query, args...)
	if err != nil {
		return nil, err
	}
	return scanList(rows, scan)
}

// listFiltered is queryList for a list filtered by values whose share of
// the records varies widely (db.queryPlanned).
func listFiltered[T any](ctx context.Context, db *DB, q querier, query string, args []any, scan func(rowScanner) (T, error)) ([]T, error) {
	rows, err := db.queryPlanned(ctx, q, query, args...)
	if err != nil {
		return nil, err
	}
	return scanList(rows, scan)
}

// scanList scans every row of rows with scan and closes them, for
// queryList and listCached; never a nil slice.
func scanList[T any](rows *sql.Rows, scan func(rowScanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := make([]T, 0)
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// pageOf cuts items, fetched with limit+1, to one page and returns the
// cursor to the next page, or "" when this is the last one.
func pageOf[T any](items []T, limit int, id func(T) int64) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, debrief.EncodeCursor(id(items[limit-1]))
}
