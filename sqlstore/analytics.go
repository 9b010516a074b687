package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Analytics reads every matching incident once, streaming, rather than
// aggregating in SQL: medians and percentiles need every value (SQLite has
// no percentile function), and the visibility rule for private incidents is
// the Service's (Actor.CanSee), applied in Go to each row, so it is not
// written a second time in SQL. The scan is kept cheap: times are read as
// integer microseconds on both engines, the JSON lists are split by a small
// parser that falls back to encoding/json only for escaped text, and equal
// strings (service and label names repeat) are interned.

// micros returns an SQL expression for a time column as unix microseconds.
func (d dialect) micros(col string) string {
	if d.engine == EngineSQLite {
		return col
	}
	return "(EXTRACT(EPOCH FROM " + col + ") * 1000000)::bigint"
}

// readTxOptions makes the two queries of a scan see one snapshot: a
// PostgreSQL transaction at READ COMMITTED would take a new snapshot per
// statement. On SQLite a read transaction in WAL mode keeps the snapshot of
// its first read already.
func (d dialect) readTxOptions() *sql.TxOptions {
	if d.engine == EnginePostgres {
		return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return nil
}

// AnalyticsVersion implements debrief.AnalyticsStore. MAX over the primary
// key is one index lookup on both engines.
func (db *DB) AnalyticsVersion(ctx context.Context) (int64, error) {
	if err := db.rg.enter(ctx); err != nil {
		return 0, err
	}
	defer db.rg.leave()
	var v int64
	if err := db.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM revisions`).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlstore: analytics version: %w", err)
	}
	return v, nil
}

// ScanAnalytics implements debrief.AnalyticsStore.
func (db *DB) ScanAnalytics(ctx context.Context, f debrief.AnalyticsFilter, incident func(*debrief.AnalyticsRecord) error, item func(*debrief.ActionItem) error) error {
	if err := db.rg.enter(ctx); err != nil {
		return err
	}
	defer db.rg.leave()
	tx, err := db.r.BeginTx(ctx, db.d.readTxOptions())
	if err != nil {
		return fmt.Errorf("sqlstore: analytics: %w", err)
	}
	defer tx.Rollback()
	var w where
	if f.From != nil {
		w.add("i.started_at >= ?", db.d.t(*f.From))
	}
	if f.To != nil {
		w.add("i.started_at < ?", db.d.t(*f.To))
	}
	whereIn(&w, "i.severity", f.Severities)
	if len(f.Services) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(f.Services)), ", ")
		args := make([]any, len(f.Services))
		for i, s := range f.Services {
			args[i] = s
		}
		w.add(`EXISTS (SELECT 1 FROM incident_tags t WHERE t.incident_id = i.id AND t.kind = 'service' AND t.value IN (`+marks+`))`, args...)
	}
	cond := ""
	if len(w.conds) > 0 {
		cond = " WHERE " + strings.Join(w.conds, " AND ")
	}
	d := db.d
	// Members are read only for private incidents: they are all the
	// visibility rule needs, and most incidents are not private.
	q := `SELECT i.id, i.severity, i.status, i.services, i.labels,
		` + d.micros("i.started_at") + `, ` + d.micros("i.detected_at") + `, ` + d.micros("i.acknowledged_at") + `,
		` + d.micros("i.mitigated_at") + `, ` + d.micros("i.resolved_at") + `,
		i.private, CASE WHEN i.private THEN i.members END, i.repeat_of,
		p.status, ` + d.micros("p.created_at") + `, ` + d.micros("p.published_at") + `, p.contributing_factors
		FROM incidents i LEFT JOIN postmortems p ON p.incident_id = i.id` + cond
	if err := db.scanAnalyticsIncidents(ctx, tx, q, w.args, incident); err != nil {
		return err
	}
	// An item belongs to the incident it names, or else to its
	// postmortem's incident; items of project postmortems belong to no
	// incident and are not part of incident analytics.
	q = `SELECT a.id, i.id, a.status, ` + d.micros("a.due_date") + `, ` + d.micros("a.created_at") + `, ` + d.micros("a.completed_at") + `
		FROM action_items a
		LEFT JOIN postmortems ap ON ap.id = a.postmortem_id
		JOIN incidents i ON i.id = COALESCE(a.incident_id, ap.incident_id)` + cond
	if err := db.scanAnalyticsItems(ctx, tx, q, w.args, item); err != nil {
		return err
	}
	return nil
}

func (db *DB) scanAnalyticsIncidents(ctx context.Context, tx *sql.Tx, q string, args []any, visit func(*debrief.AnalyticsRecord) error) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("sqlstore: analytics incidents: %w", err)
	}
	defer rows.Close()
	in := interner{}
	var (
		rec                                                   debrief.AnalyticsRecord
		pm                                                    debrief.AnalyticsPostmortem
		severity, status, services, labels, members, factors  sql.RawBytes
		pmStatus                                              sql.RawBytes
		started                                               int64
		detected, acknowledged, mitigated, resolved, repeatOf sql.NullInt64
		pmCreated, pmPublished                                sql.NullInt64
		private                                               bool
		detectedT, acknowledgedT, mitigatedT, resolvedT, pubT time.Time
		repeat                                                int64
	)
	for rows.Next() {
		if err := rows.Scan(&rec.Incident.ID, &severity, &status, &services, &labels,
			&started, &detected, &acknowledged, &mitigated, &resolved,
			&private, &members, &repeatOf,
			&pmStatus, &pmCreated, &pmPublished, &factors); err != nil {
			return fmt.Errorf("sqlstore: analytics incidents: %w", err)
		}
		inc := &rec.Incident
		inc.Key = ""
		inc.Severity = in.get(severity)
		inc.Status = debrief.IncidentStatus(in.get(status))
		if inc.Services, err = in.list(services); err != nil {
			return err
		}
		if inc.Labels, err = in.list(labels); err != nil {
			return err
		}
		inc.Private = private
		inc.Members = nil
		if private {
			if inc.Members, err = in.list(members); err != nil {
				return err
			}
		}
		inc.StartedAt = time.UnixMicro(started).UTC()
		inc.DetectedAt = microPtr(detected, &detectedT)
		inc.AcknowledgedAt = microPtr(acknowledged, &acknowledgedT)
		inc.MitigatedAt = microPtr(mitigated, &mitigatedT)
		inc.ResolvedAt = microPtr(resolved, &resolvedT)
		inc.RepeatOf = nil
		if repeatOf.Valid {
			repeat = repeatOf.Int64
			inc.RepeatOf = &repeat
		}
		rec.Postmortem = nil
		if pmCreated.Valid {
			pm.Status = debrief.PostmortemStatus(in.get(pmStatus))
			pm.CreatedAt = time.UnixMicro(pmCreated.Int64).UTC()
			pm.PublishedAt = microPtr(pmPublished, &pubT)
			if pm.ContributingFactors, err = in.list(factors); err != nil {
				return err
			}
			rec.Postmortem = &pm
		}
		if err := visit(&rec); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: analytics incidents: %w", err)
	}
	return nil
}

func (db *DB) scanAnalyticsItems(ctx context.Context, tx *sql.Tx, q string, args []any, visit func(*debrief.ActionItem) error) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("sqlstore: analytics action items: %w", err)
	}
	defer rows.Close()
	in := interner{}
	var (
		it                  debrief.ActionItem
		incidentID, created int64
		status              sql.RawBytes
		due, completed      sql.NullInt64
		dueT, completedT    time.Time
	)
	it.IncidentID = &incidentID
	for rows.Next() {
		if err := rows.Scan(&it.ID, &incidentID, &status, &due, &created, &completed); err != nil {
			return fmt.Errorf("sqlstore: analytics action items: %w", err)
		}
		it.Status = debrief.ActionStatus(in.get(status))
		it.DueDate = microPtr(due, &dueT)
		it.CreatedAt = time.UnixMicro(created).UTC()
		it.CompletedAt = microPtr(completed, &completedT)
		if err := visit(&it); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: analytics action items: %w", err)
	}
	return nil
}

// microPtr sets *buf from v and returns buf, or nil for NULL.
func microPtr(v sql.NullInt64, buf *time.Time) *time.Time {
	if !v.Valid {
		return nil
	}
	*buf = time.UnixMicro(v.Int64).UTC()
	return buf
}

// interner returns one string per distinct text, so the many incidents of
// one service share its name instead of allocating it again.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok { // the conversion in a lookup does not allocate
		return s
	}
	s := string(b)
	in[s] = s
	return s
}

// list parses a JSON array of strings. Arrays written by the stores have no
// escapes in the common case, which is split here without copying; anything
// else goes to encoding/json.
func (in interner) list(raw []byte) ([]string, error) {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 || string(b) == "[]" {
		return nil, nil
	}
	var out []string
	if len(b) >= 2 && b[0] == '[' && b[len(b)-1] == ']' && bytes.IndexByte(b, '\\') < 0 {
		rest := bytes.TrimSpace(b[1 : len(b)-1])
		ok := true
		for len(rest) > 0 {
			if rest[0] != '"' {
				ok = false
				break
			}
			end := bytes.IndexByte(rest[1:], '"')
			if end < 0 {
				ok = false
				break
			}
			out = append(out, in.get(rest[1:1+end]))
			rest = bytes.TrimSpace(rest[end+2:])
			if len(rest) > 0 {
				if rest[0] != ',' {
					ok = false
					break
				}
				rest = bytes.TrimSpace(rest[1:])
			}
		}
		if ok {
			return out, nil
		}
	}
	out = nil
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("sqlstore: analytics: decode a JSON list: %w", err)
	}
	for i, v := range out {
		out[i] = in.get([]byte(v))
	}
	return out, nil
}
