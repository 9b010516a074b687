package sqlstore

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/search"
)

var (
	fuzzDBOnce sync.Once
	fuzzDB     *DB
	fuzzDBErr  error
	// fuzzMu guards fuzzDB.tune, which each input sets before its search.
	fuzzMu sync.Mutex
)

// FuzzSearchSQLite checks that every query the parser accepts runs on
// SQLite without an engine error (an FTS5 syntax error would be a 500), for
// an admin and for a viewer, and that the parser's refusals are the only
// errors a user can cause.
func FuzzSearchSQLite(f *testing.F) {
	for _, s := range []string{
		"database", `"connection pool" -redis`, "kube* OR kafka", "severity:1,2 service:checkout after:2020 before:2026",
		"-staging service:payments", `"a"*`, "has:action-items-open status:open owner:ana@example.com kind:incident",
		"NEAR AND NOT", `"NEAR(a b)"`, "^title", "{title}:x", "col:umn", "e04211 OR \"timed out\" OR x1*",
		"Zürich 東京 🔥", "label:\"a b\" label:c,d",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, s string) {
		fuzzDBOnce.Do(func() {
			ctx := context.Background()
			fuzzDB, fuzzDBErr = Open(ctx, filepath.Join(dir, "fuzz.db"), nil)
			if fuzzDBErr != nil {
				return
			}
			recs := make([]genRecord, 200)
			for i := range recs {
				recs[i] = genCorpusRecord(i)
			}
			fuzzDBErr = bulkImport(ctx, fuzzDB, recs)
		})
		if fuzzDBErr != nil {
			t.Fatalf("fuzz corpus: %v", fuzzDBErr)
		}
		q, err := search.Parse(s, nil)
		if err != nil {
			return
		}
		for _, viewer := range []debrief.Actor{{Role: debrief.RoleAdmin}, {Email: "ana@example.com", Role: debrief.RoleViewer}} {
			for _, threshold := range []int{2000, 1} { // flat and tiered ranking
				fuzzMu.Lock()
				fuzzDB.tune.tierThreshold = threshold
				res, err := fuzzDB.Search(context.Background(), q, viewer)
				fuzzMu.Unlock()
				if err != nil {
					t.Fatalf("Search(%q) parsed as %q = %v, want results", s, search.Format(q), err)
				}
				if res.Total < len(res.Hits) {
					t.Fatalf("Search(%q) total %d < %d hits", s, res.Total, len(res.Hits))
				}
			}
		}
	})
}
