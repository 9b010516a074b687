package sqlstore

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/debriefhq/debrief/debrief"
)

// ContributingFactorCounts counts the contributing factors of postmortems
// that are not on a private incident. The JSON lists are counted in Go, so
// one query serves both engines (SQLite's json_each and PostgreSQL's
// jsonb_array_elements_text differ).
func (db *DB) ContributingFactorCounts(ctx context.Context) ([]debrief.FacetCount, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
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
