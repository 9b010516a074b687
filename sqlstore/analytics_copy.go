package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// analyticsCopy is this process's copy of the rows analytics reads, one
// compact entry per incident, so that a report reduces what is in memory
// instead of reading 100,000 rows through the driver (which cost ≈ 0.5 s
// of CPU per report; docs/PERFORMANCE.md).
//
// It is brought up to date before every scan, in one read transaction:
// the incidents marked in analytics_changes since the last read (triggers
// mark them in the transaction of every change to an incident, its
// postmortem or its action items; migration 00023) are read again, so the
// first report after a write already counts it, whichever process wrote.
// A changed analytics_generation (a load) or many marks make it read
// everything again.
type analyticsCopy struct {
	// mu guards everything below. Refreshes hold it exclusively; scans
	// hold it shared while they call back.
	mu         sync.RWMutex
	loaded     bool
	generation int64
	// cursor is the last seq read (SQLite), or the oldest transaction
	// that was still running at the last read (PostgreSQL; its marks and
	// every later one are read again next time).
	cursor uint64
	// facts are the incidents, in no order, in one slice so that a scan
	// walks memory in sequence; index finds an incident's place in it.
	facts []analyticsFact
	index map[int64]int
	in    interner
}

// put adds f or replaces the incident's entry.
func (c *analyticsCopy) put(f *analyticsFact) {
	if i, ok := c.index[f.id]; ok {
		c.facts[i] = *f
		return
	}
	c.index[f.id] = len(c.facts)
	c.facts = append(c.facts, *f)
}

// remove drops the incident id, moving the last entry into its place.
func (c *analyticsCopy) remove(id int64) {
	i, ok := c.index[id]
	if !ok {
		return
	}
	last := len(c.facts) - 1
	if i != last {
		c.facts[i] = c.facts[last]
		c.index[c.facts[i].id] = i
	}
	c.facts[last] = analyticsFact{}
	c.facts = c.facts[:last]
	delete(c.index, id)
}

// analyticsFact is one incident as analytics reads it. Times are unix
// microseconds; noTime stands for NULL.
type analyticsFact struct {
	id                                         int64
	severity, status                           string
	services, labels, members                  []string
	started, detected, acknowledged, mitigated int64
	resolved                                   int64
	private                                    bool
	repeatOf                                   int64 // 0: none
	hasPostmortem                              bool
	pmStatus                                   string
	pmCreated, pmPublished                     int64
	pmScore                                    int64 // noTime: no score
	factors                                    []string
	items                                      []analyticsItemFact
}

type analyticsItemFact struct {
	id                      int64
	status                  string
	due, created, completed int64
}

const noTime = math.MinInt64

// analyticsFullReadAbove is how many marked incidents make a refresh read
// everything instead of naming them one by one.
const analyticsFullReadAbove = 2000

// refresh brings the copy up to date. Callers hold c.mu exclusively and
// have entered db.rg.
func (db *DB) refreshAnalytics(ctx context.Context, c *analyticsCopy) error {
	tx, err := db.r.BeginTx(ctx, db.d.readTxOptions())
	if err != nil {
		return fmt.Errorf("sqlstore: analytics: %w", err)
	}
	defer tx.Rollback()
	var generation int64
	var cursor uint64
	q := `SELECT generation, (SELECT COALESCE(MAX(seq), 0) FROM analytics_changes) FROM analytics_generation WHERE id = 1`
	if db.d.engine == EnginePostgres {
		q = `SELECT generation, pg_snapshot_xmin(pg_current_snapshot())::text::bigint FROM analytics_generation WHERE id = 1`
	}
	var cur int64
	if err := tx.QueryRowContext(ctx, q).Scan(&generation, &cur); err != nil {
		return fmt.Errorf("sqlstore: analytics: read the generation: %w", err)
	}
	cursor = uint64(cur)
	if !c.loaded || generation != c.generation {
		return db.reloadAnalytics(ctx, tx, c, generation, cursor)
	}
	// The marks since the last read.
	q = `SELECT incident_id FROM analytics_changes WHERE seq > $1 LIMIT ` + strconv.Itoa(analyticsFullReadAbove+1)
	if db.d.engine == EnginePostgres {
		q = `SELECT incident_id FROM analytics_changes WHERE xid >= $1::text::xid8 LIMIT ` + strconv.Itoa(analyticsFullReadAbove+1)
	}
	var since any = int64(c.cursor)
	if db.d.engine == EnginePostgres {
		since = strconv.FormatUint(c.cursor, 10)
	}
	rows, err := tx.QueryContext(ctx, q, since)
	if err != nil {
		return fmt.Errorf("sqlstore: analytics: read the changes: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("sqlstore: analytics: read the changes: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: analytics: read the changes: %w", err)
	}
	if len(ids) > analyticsFullReadAbove {
		return db.reloadAnalytics(ctx, tx, c, generation, cursor)
	}
	if len(ids) > 0 {
		fresh := make(map[int64]*analyticsFact, len(ids))
		if err := db.readAnalyticsFacts(ctx, tx, c.in, ids, fresh); err != nil {
			return err
		}
		// An incident marked but not read again was deleted.
		for _, id := range ids {
			if f, ok := fresh[id]; ok {
				c.put(f)
			} else {
				c.remove(id)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: analytics: %w", err)
	}
	c.cursor = cursor
	return nil
}

func (db *DB) reloadAnalytics(ctx context.Context, tx *sql.Tx, c *analyticsCopy, generation int64, cursor uint64) error {
	in := interner{}
	all := map[int64]*analyticsFact{}
	if err := db.readAnalyticsFacts(ctx, tx, in, nil, all); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: analytics: %w", err)
	}
	c.facts, c.index = make([]analyticsFact, 0, len(all)), make(map[int64]int, len(all))
	for _, f := range all {
		c.put(f)
	}
	c.in, c.generation, c.cursor, c.loaded = in, generation, cursor, true
	return nil
}

// readAnalyticsFacts reads the incidents with ids (every incident when ids
// is nil), their postmortems and action items into out.
func (db *DB) readAnalyticsFacts(ctx context.Context, tx *sql.Tx, in interner, ids []int64, out map[int64]*analyticsFact) error {
	var w where
	if ids != nil {
		marks := make([]string, len(ids))
		args := make([]any, len(ids))
		for i, id := range ids {
			marks[i], args[i] = "?", id
		}
		w.add("i.id IN ("+strings.Join(marks, ", ")+")", args...)
	}
	cond := w.sql()
	d := db.d
	// Members are read only for private incidents: they are all the
	// visibility rule needs, and most incidents are not private.
	q := `SELECT i.id, i.severity, i.status, i.services, i.labels,
		` + d.micros("i.started_at") + `, ` + d.micros("i.detected_at") + `, ` + d.micros("i.acknowledged_at") + `,
		` + d.micros("i.mitigated_at") + `, ` + d.micros("i.resolved_at") + `,
		i.private, CASE WHEN i.private THEN i.members END, i.repeat_of,
		p.status, ` + d.micros("p.created_at") + `, ` + d.micros("p.published_at") + `, p.contributing_factors, p.quality_score
		FROM incidents i LEFT JOIN postmortems p ON p.incident_id = i.id` + cond
	if err := scanAnalyticsFacts(ctx, tx, in, q, w.args, out); err != nil {
		return err
	}
	// An item belongs to the incident it names, or else to its
	// postmortem's incident; items of project postmortems belong to no
	// incident and are not part of incident analytics.
	items := func(c string) string {
		return `SELECT a.id, i.id, a.status, ` + d.micros("a.due_date") + `, ` + d.micros("a.created_at") + `, ` + d.micros("a.completed_at") + `
		FROM action_items a
		LEFT JOIN postmortems ap ON ap.id = a.postmortem_id
		JOIN incidents i ON i.id = COALESCE(a.incident_id, ap.incident_id)` + c
	}
	q = items(cond)
	if ids != nil {
		// For a few incidents, each of the two ways an item belongs to
		// one through its own index: the join on COALESCE above cannot
		// use one and would read every action item.
		var direct, viaPM where
		for _, id := range ids {
			direct.next(id)
		}
		viaPM.args = direct.args
		first, second := make([]string, len(ids)), make([]string, len(ids))
		for i, id := range ids {
			first[i] = fmt.Sprintf("$%d", i+1)
			second[i] = viaPM.next(id)
		}
		q = `SELECT a.id, a.incident_id, a.status, ` + d.micros("a.due_date") + `, ` + d.micros("a.created_at") + `, ` + d.micros("a.completed_at") + `
		FROM action_items a WHERE a.incident_id IN (` + strings.Join(first, ", ") + `)
		UNION ALL
		SELECT a.id, p.incident_id, a.status, ` + d.micros("a.due_date") + `, ` + d.micros("a.created_at") + `, ` + d.micros("a.completed_at") + `
		FROM postmortems p JOIN action_items a ON a.postmortem_id = p.id
		WHERE a.incident_id IS NULL AND p.incident_id IN (` + strings.Join(second, ", ") + `)`
		w.args = viaPM.args
	}
	rows, err := tx.QueryContext(ctx, q, w.args...)
	if err != nil {
		return fmt.Errorf("sqlstore: analytics action items: %w", err)
	}
	defer rows.Close()
	var (
		it             analyticsItemFact
		incidentID     int64
		status         sql.RawBytes
		due, completed sql.NullInt64
	)
	for rows.Next() {
		if err := rows.Scan(&it.id, &incidentID, &status, &due, &it.created, &completed); err != nil {
			return fmt.Errorf("sqlstore: analytics action items: %w", err)
		}
		it.status = in.get(status)
		it.due, it.completed = orNoTime(due), orNoTime(completed)
		if f := out[incidentID]; f != nil {
			f.items = append(f.items, it)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: analytics action items: %w", err)
	}
	return nil
}

func scanAnalyticsFacts(ctx context.Context, tx *sql.Tx, in interner, q string, args []any, out map[int64]*analyticsFact) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("sqlstore: analytics incidents: %w", err)
	}
	defer rows.Close()
	var (
		severity, status, services, labels, members, factors sql.RawBytes
		pmStatus                                             sql.RawBytes
		detected, acknowledged, mitigated, resolved          sql.NullInt64
		repeatOf, pmCreated, pmPublished, pmScore            sql.NullInt64
	)
	for rows.Next() {
		f := &analyticsFact{}
		if err := rows.Scan(&f.id, &severity, &status, &services, &labels,
			&f.started, &detected, &acknowledged, &mitigated, &resolved,
			&f.private, &members, &repeatOf,
			&pmStatus, &pmCreated, &pmPublished, &factors, &pmScore); err != nil {
			return fmt.Errorf("sqlstore: analytics incidents: %w", err)
		}
		f.severity, f.status = in.get(severity), in.get(status)
		if f.services, err = in.list(services); err != nil {
			return err
		}
		if f.labels, err = in.list(labels); err != nil {
			return err
		}
		if f.private {
			if f.members, err = in.list(members); err != nil {
				return err
			}
		}
		f.detected, f.acknowledged = orNoTime(detected), orNoTime(acknowledged)
		f.mitigated, f.resolved = orNoTime(mitigated), orNoTime(resolved)
		f.repeatOf = repeatOf.Int64
		if pmCreated.Valid {
			f.hasPostmortem = true
			f.pmStatus = in.get(pmStatus)
			f.pmCreated, f.pmPublished = pmCreated.Int64, orNoTime(pmPublished)
			f.pmScore = orNoTime(pmScore)
			if f.factors, err = in.list(factors); err != nil {
				return err
			}
		}
		out[f.id] = f
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlstore: analytics incidents: %w", err)
	}
	return nil
}

func orNoTime(v sql.NullInt64) int64 {
	if !v.Valid {
		return noTime
	}
	return v.Int64
}

// timeOf sets *buf from v and returns buf, or nil for noTime.
func timeOf(v int64, buf *time.Time) *time.Time {
	if v == noTime {
		return nil
	}
	*buf = time.UnixMicro(v).UTC()
	return buf
}

// analyticsMatch is debrief.AnalyticsFilter as the copy applies it, with
// the same meaning as the SQL it replaces: From ≤ started < To at
// microsecond precision, any of the services, any of the severities.
type analyticsMatch struct {
	from, to   int64
	services   map[string]bool
	severities map[string]bool
}

func newAnalyticsMatch(f debrief.AnalyticsFilter) analyticsMatch {
	m := analyticsMatch{from: math.MinInt64, to: math.MaxInt64}
	if f.From != nil {
		m.from = f.From.UTC().Truncate(time.Microsecond).UnixMicro()
	}
	if f.To != nil {
		m.to = f.To.UTC().Truncate(time.Microsecond).UnixMicro()
	}
	if len(f.Services) > 0 {
		m.services = map[string]bool{}
		for _, s := range f.Services {
			m.services[s] = true
		}
	}
	if len(f.Severities) > 0 {
		m.severities = map[string]bool{}
		for _, s := range f.Severities {
			m.severities[s] = true
		}
	}
	return m
}

func (m *analyticsMatch) match(f *analyticsFact) bool {
	if f.started < m.from || f.started >= m.to {
		return false
	}
	if m.severities != nil && !m.severities[f.severity] {
		return false
	}
	if m.services != nil {
		for _, s := range f.services {
			if m.services[s] {
				return true
			}
		}
		return false
	}
	return true
}
