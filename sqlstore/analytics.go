package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Analytics is served from a copy of its rows kept in memory and brought
// up to date from the changes marked by triggers (analytics_copy.go):
// medians and percentiles need every value (SQLite has no percentile
// function), and the visibility rule for private incidents is the
// Service's (Actor.CanSee), applied in Go to each row, so it is not written
// a second time in SQL. Reading the rows is kept cheap: times are read as
// integer microseconds on both engines, the JSON lists are split by a
// small parser that falls back to encoding/json only for escaped text, and
// equal strings (service and label names repeat) are interned.

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

// ScanAnalytics implements debrief.AnalyticsStore. It brings this
// process's copy of the analytics rows up to date (analytics_copy.go) and
// calls back from it: the SQL read per report is that of the incidents
// changed since the last one.
func (db *DB) ScanAnalytics(ctx context.Context, f debrief.AnalyticsFilter, incident func(*debrief.AnalyticsRecord) error, item func(*debrief.ActionItem) error) error {
	if err := db.rg.enter(ctx); err != nil {
		return err
	}
	defer db.rg.leave()
	c := &db.analytics
	c.mu.Lock()
	err := db.refreshAnalytics(ctx, c)
	c.mu.Unlock()
	if err != nil {
		return err
	}
	// Shared while calling back: refreshes wait, other scans do not.
	c.mu.RLock()
	defer c.mu.RUnlock()
	m := newAnalyticsMatch(f)
	var (
		rec                                                   debrief.AnalyticsRecord
		pm                                                    debrief.AnalyticsPostmortem
		detectedT, acknowledgedT, mitigatedT, resolvedT, pubT time.Time
		repeat                                                int64
		score                                                 int
	)
	// The matching incidents, by place in c.facts, for the items' pass.
	matched := make([]int32, 0, len(c.facts))
	for i := range c.facts {
		fa := &c.facts[i]
		if !m.match(fa) {
			continue
		}
		matched = append(matched, int32(i))
		inc := &rec.Incident
		inc.ID = fa.id
		inc.Severity = fa.severity
		inc.Status = debrief.IncidentStatus(fa.status)
		inc.Services, inc.Labels = fa.services, fa.labels
		inc.Private, inc.Members = fa.private, fa.members
		inc.StartedAt = time.UnixMicro(fa.started).UTC()
		inc.DetectedAt = timeOf(fa.detected, &detectedT)
		inc.AcknowledgedAt = timeOf(fa.acknowledged, &acknowledgedT)
		inc.MitigatedAt = timeOf(fa.mitigated, &mitigatedT)
		inc.ResolvedAt = timeOf(fa.resolved, &resolvedT)
		inc.RepeatOf = nil
		if fa.repeatOf != 0 {
			repeat = fa.repeatOf
			inc.RepeatOf = &repeat
		}
		rec.Postmortem = nil
		if fa.hasPostmortem {
			pm.Status = debrief.PostmortemStatus(fa.pmStatus)
			pm.CreatedAt = time.UnixMicro(fa.pmCreated).UTC()
			pm.PublishedAt = timeOf(fa.pmPublished, &pubT)
			pm.ContributingFactors = fa.factors
			pm.QualityScore = nil
			if fa.pmScore != noTime {
				score = int(fa.pmScore)
				pm.QualityScore = &score
			}
			rec.Postmortem = &pm
		}
		if err := incident(&rec); err != nil {
			return err
		}
	}
	var (
		it               debrief.ActionItem
		incidentID       int64
		dueT, completedT time.Time
	)
	it.IncidentID = &incidentID
	for _, i := range matched {
		fa := &c.facts[i]
		if len(fa.items) == 0 {
			continue
		}
		incidentID = fa.id
		for i := range fa.items {
			x := &fa.items[i]
			it.ID = x.id
			it.Status = debrief.ActionStatus(x.status)
			it.DueDate = timeOf(x.due, &dueT)
			it.CreatedAt = time.UnixMicro(x.created).UTC()
			it.CompletedAt = timeOf(x.completed, &completedT)
			if err := item(&it); err != nil {
				return err
			}
		}
	}
	return nil
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

// SetPostmortemQualityScore implements debrief.AnalyticsStore.
func (db *DB) SetPostmortemQualityScore(ctx context.Context, id int64, version, score int) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := db.exec(ctx, tx, `UPDATE postmortems SET quality_score = $1 WHERE id = $2 AND version = $3`, score, id, version)
		return err
	})
	if err != nil {
		return mapErr(err, "store the quality score of postmortem %d", id)
	}
	return nil
}
