package sqlstore

import (
	"context"
	"encoding/json"
	"sort"
	"sync"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// ContributingFactorCounts counts the contributing factors of postmortems
// that are not on a private incident. The JSON lists are counted in Go, so
// one query serves both engines (SQLite's json_each and PostgreSQL's
// jsonb_array_elements_text differ).
//
// The counts are kept for factorCountsTTL: the editor asks on every load,
// and counting reads every postmortem row (10,000 of them cost about 4 ms
// of the editor's 5). They only feed suggestions, so a new factor shows in
// them within the TTL, on every instance.
func (db *DB) ContributingFactorCounts(ctx context.Context) ([]debrief.FacetCount, error) {
	if c, ok := db.factors.get(time.Now()); ok {
		return c, nil
	}
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	counts, err := db.countFactors(ctx)
	if err == nil {
		db.factors.put(time.Now(), counts)
	}
	return counts, err
}

// factorCountsTTL is how long counted factors are reused.
const factorCountsTTL = 30 * time.Second

// factorCache holds the last counts; its zero value is empty.
type factorCache struct {
	// mu guards at and counts.
	mu     sync.Mutex
	at     time.Time
	counts []debrief.FacetCount
}

func (c *factorCache) get(now time.Time) ([]debrief.FacetCount, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() || now.Sub(c.at) >= factorCountsTTL || now.Before(c.at) {
		return nil, false
	}
	// Callers may sort or trim what they get: each gets its own copy.
	return append([]debrief.FacetCount(nil), c.counts...), true
}

func (c *factorCache) put(now time.Time, counts []debrief.FacetCount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.counts = now, append([]debrief.FacetCount(nil), counts...)
}

func (db *DB) countFactors(ctx context.Context) ([]debrief.FacetCount, error) {
	rows, err := db.query(ctx, db.r, `SELECT p.contributing_factors FROM postmortems p
		LEFT JOIN incidents i ON i.id = p.incident_id
		WHERE (i.id IS NULL OR NOT i.private) AND p.contributing_factors <> '[]'`)
	if err != nil {
		return nil, mapErr(err, "count contributing factors")
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return nil, mapErr(err, "count contributing factors")
		}
		var factors []string
		if err := json.Unmarshal(raw, &factors); err != nil {
			return nil, mapErr(err, "count contributing factors")
		}
		seen := map[string]bool{}
		for _, f := range factors {
			if !seen[f] {
				counts[f]++
				seen[f] = true
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "count contributing factors")
	}
	out := make([]debrief.FacetCount, 0, len(counts))
	for v, n := range counts {
		out = append(out, debrief.FacetCount{Value: v, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Value < out[j].Value
	})
	return out, nil
}
