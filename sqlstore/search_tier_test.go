package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/search"
	"github.com/debriefhq/debrief/storetest"
	"github.com/google/go-cmp/cmp"
)

// TestSearchTiers checks the tiered ranking used for queries with many
// matches on SQLite: the same documents, counts and facets as ranking every
// match, title and summary matches first, and pages that do not overlap.
func TestSearchTiers(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "tiers.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs := make([]genRecord, 300)
	for i := range recs {
		recs[i] = genCorpusRecord(i)
	}
	if err := bulkImport(ctx, db, recs); err != nil {
		t.Fatal(err)
	}
	admin := debrief.Actor{Role: debrief.RoleAdmin}
	// Before the fact cache has loaded, tiered searches count in SQL.
	{
		p, _ := search.Parse("database", nil)
		db.tune.tierThreshold = 1
		cold, err := db.Search(ctx, p, admin)
		db.tune = defaultSearchTuning()
		if err != nil {
			t.Fatalf("Search(database) with a cold cache = %v", err)
		}
		warm, err := db.Search(ctx, p, admin)
		if err != nil || cold.Total != warm.Total || !cmp.Equal(cold.Facets, warm.Facets) {
			t.Fatalf("Search(database) cold: %d %v; flat: %d %v, %v; want the same", cold.Total, cold.Facets, warm.Total, warm.Facets, err)
		}
	}
	waitWarm(t, db)
	viewer := debrief.Actor{Email: "Ana@example.com", Role: debrief.RoleViewer}
	var who debrief.Actor
	few := 0 // survivors ranked one by one; varied below
	run := func(q string, threshold, limit, offset int) *debrief.SearchResults {
		t.Helper()
		db.tune.tierThreshold, db.tune.fewSurvivors = threshold, few
		p, err := search.Parse(q, nil)
		if err != nil {
			t.Fatal(err)
		}
		p.Limit, p.Offset = limit, offset
		res, err := db.Search(ctx, p, who)
		if err != nil {
			t.Fatalf("Search(%q) with tier threshold %d = %v", q, threshold, err)
		}
		return res
	}
	keys := func(res *debrief.SearchResults) map[string]bool {
		m := map[string]bool{}
		for _, h := range res.Hits {
			m[h.Key] = true
		}
		return m
	}
	for _, few = range []int{0, 100000} {
		for _, q := range []string{"database", "rollback -kafka", "redis OR memcached", `"connection pool" severity:3`, "checkout service:checkout",
			"database status:closed owner:ana@example.com", "database label:network,config after:2020 before:2026 has:action-items-open", "database kind:incident", "database factor:connection-pool-too-small", "as viewer"} {
			who = admin
			if q == "as viewer" {
				// Private incidents: the viewer sees those whose members include them.
				q, who = "database OR rollback", viewer
			}
			flat := run(q, 1_000_000, 500, 0)
			tiers := run(q, 1, 500, 0)
			if flat.Total == 0 {
				t.Fatalf("Search(%q) found nothing in the corpus; pick a query that matches", q)
			}
			if tiers.Total != flat.Total || !cmp.Equal(tiers.Facets, flat.Facets) {
				t.Errorf("Search(%q) tiered: total %d facets %v; flat: total %d facets %v; want the same", q, tiers.Total, tiers.Facets, flat.Total, flat.Facets)
			}
			if !cmp.Equal(keys(tiers), keys(flat)) {
				t.Errorf("Search(%q) tiered and flat return different documents", q)
			}
			// Title or summary matches come first.
			seenBody := false
			for _, h := range tiers.Hits {
				inFirstTier := h.Field == "title" || h.Field == "summary" || h.Field == "impact"
				if inFirstTier && seenBody {
					t.Errorf("Search(%q) tiered: %s matched in %s after a body match", q, h.Key, h.Field)
					break
				}
				if !inFirstTier {
					seenBody = true
				}
			}
			// Pages of 7 put together give the same order as one big page.
			var paged []string
			for off := 0; off < min(tiers.Total, 60); off += 7 {
				for _, h := range run(q, 1, 7, off).Hits {
					paged = append(paged, h.Key)
				}
			}
			var whole []string
			for _, h := range tiers.Hits[:min(len(tiers.Hits), len(paged))] {
				whole = append(whole, h.Key)
			}
			if !cmp.Equal(paged, whole) {
				t.Errorf("Search(%q) tiered pages of 7 = %v, want %v", q, paged, whole)
			}
		}
	}
}

// TestSearchCountMemo checks the per-query counts of many-hit searches:
// kept apart per viewer and per filter, and dropped when the index changes.
func TestSearchCountMemo(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "memo.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs := make([]genRecord, 200)
	for i := range recs {
		recs[i] = genCorpusRecord(i)
	}
	if err := bulkImport(ctx, db, recs); err != nil {
		t.Fatal(err)
	}
	waitWarm(t, db)
	run := func(q string, who debrief.Actor, threshold int) *debrief.SearchResults {
		t.Helper()
		db.tune.tierThreshold = threshold
		p, err := search.Parse(q, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := db.Search(ctx, p, who)
		if err != nil {
			t.Fatalf("Search(%q) as %q = %v", q, who.Email, err)
		}
		return res
	}
	admin := debrief.Actor{Role: debrief.RoleAdmin}
	viewer := debrief.Actor{Email: "ana@example.com", Role: debrief.RoleViewer}
	check := func(step string) {
		t.Helper()
		for _, q := range []string{"database OR rollback", "database OR rollback severity:2", "database OR rollback after:2022"} {
			for _, who := range []debrief.Actor{admin, viewer, admin} { // the second admin search reads the memo
				flat := run(q, who, 1_000_000)
				memo := run(q, who, 1)
				if memo.Total != flat.Total || !cmp.Equal(memo.Facets, flat.Facets) {
					t.Errorf("%s: Search(%q) as %q counted from memos: total %d facets %v; counted in SQL: %d %v; want the same",
						step, q, who.Email, memo.Total, memo.Facets, flat.Total, flat.Facets)
				}
			}
		}
	}
	check("first searches")
	before := run("database OR rollback", admin, 1).Total
	more := make([]genRecord, 100)
	for i := range more {
		more[i] = genCorpusRecord(200 + i)
	}
	if err := bulkImport(ctx, db, more); err != nil {
		t.Fatal(err)
	}
	check("after importing 100 more")
	if after := run("database OR rollback", admin, 1).Total; after <= before {
		t.Errorf("Search(database OR rollback) total after importing 100 more = %d, want more than %d (a stale memo?)", after, before)
	}
}

// TestRankHeadIsBM25 checks the first tier's score, ranked from the words
// in memory, against SQLite's own bm25() on search_head with the same
// weights: the same documents, and equal scores for every document whose
// title and summary hold each query word at most once (rankHead counts a
// word once per field).
func TestRankHeadIsBM25(t *testing.T) {
	ctx := context.Background()
	db := warmCorpus(t, 400)
	c := db.facts
	totalCompared, totalRanked := 0, 0
	for _, q := range []string{"database", "rollback", "checkout failed", "redis OR memcached", `"connection pool"`, "kube*",
		`"connection pool" because`, `"node pool" OR "cache cluster" because`, `kube* "node pool"`, `"connection po"*`, `connection-po*`} {
		p, tx, all := firstTier(t, db, q)
		got, err := rankHead(ctx, tx, c, p, inSorted(all), len(all))
		if err != nil {
			t.Fatalf("rankHead(%q) = %v", q, err)
		}
		if len(got) != len(all) || len(all) == 0 {
			t.Fatalf("rankHead(%q) ranked %d documents, want the %d (>0) that match in the title or summary", q, len(got), len(all))
		}
		rows, err := tx.QueryContext(ctx, `SELECT rowid, -bm25(search_head, 10.0, 4.0) FROM search_head WHERE search_head MATCH $1`, ftsQuery(p.All, nil))
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]float64{}
		for rows.Next() {
			var id int64
			var score float64
			if err := rows.Scan(&id, &score); err != nil {
				t.Fatal(err)
			}
			want[id] = score
		}
		rows.Close()
		tx.Rollback()
		compared := 0
		for _, s := range got {
			if _, ok := want[s.id]; !ok {
				t.Errorf("rankHead(%q) ranked document %d, which search_head does not match", q, s.id)
			}
			if repeatsWord(t, db, s.id, p) {
				continue
			}
			compared++
			if math.Abs(s.score-want[s.id]) > 1e-9*math.Abs(want[s.id]) {
				t.Errorf("rankHead(%q): document %d scored %.12f, SQLite's bm25 %.12f", q, s.id, s.score, want[s.id])
			}
		}
		if compared == 0 {
			t.Errorf("rankHead(%q): none of %d documents compared; the corpus repeats words too often for this test", q, len(got))
		}
		totalCompared, totalRanked = totalCompared+compared, totalRanked+len(got)
	}
	if totalCompared < totalRanked/2 {
		t.Errorf("rankHead: %d of %d documents compared; want at least half", totalCompared, totalRanked)
	}
}

// TestRankHeadByBM25: a store with a document id past the lists' 32 bits
// ranks its first tier with bm25() in one statement (rankHeadBM25); it
// ranks the same documents as from the words in memory, with the same
// scores where no word repeats in a field, and the filters (accept) apply
// the same way.
func TestRankHeadByBM25(t *testing.T) {
	ctx := context.Background()
	db := warmCorpus(t, 400)
	c := db.facts
	compared := 0
	for _, q := range []string{`checkout "timed out"`, `"connection pool" because`, `"node pool" OR "cache cluster" because`, `kube* "node pool"`} {
		p, tx, all := firstTier(t, db, q)
		if len(all) < 2 {
			t.Fatalf("%q has %d first-tier documents; the test needs a few", q, len(all))
		}
		// Every other document, to see the filters apply.
		half := map[int64]bool{}
		for i, id := range all {
			half[id] = i%2 == 0
		}
		accept := func(id int64) bool { return half[id] }
		lists, err := rankHead(ctx, tx, c, p, accept, len(all))
		if err != nil {
			t.Fatal(err)
		}
		c.mu.Lock()
		c.head.outside++ // as a document with such an id would
		c.mu.Unlock()
		bm25, err := rankHead(ctx, tx, c, p, accept, len(all))
		c.mu.Lock()
		c.head.outside--
		c.mu.Unlock()
		tx.Rollback()
		if err != nil {
			t.Fatal(err)
		}
		if len(bm25) != len(lists) || len(bm25) != (len(all)+1)/2 {
			t.Fatalf("rankHead(%q) by bm25() ranked %d documents, from the lists %d; want the %d accepted", q, len(bm25), len(lists), (len(all)+1)/2)
		}
		byID := map[int64]float64{}
		for _, s := range lists {
			byID[s.id] = s.score
		}
		for _, s := range bm25 {
			want, ok := byID[s.id]
			if !ok {
				t.Errorf("rankHead(%q) by bm25() ranked document %d, which the lists did not", q, s.id)
				continue
			}
			if repeatsWord(t, db, s.id, p) {
				continue
			}
			compared++
			if math.Abs(s.score-want) > 1e-9*math.Abs(want) {
				t.Errorf("rankHead(%q): document %d scored %.12f by bm25(), %.12f from the lists", q, s.id, s.score, want)
			}
		}
	}
	if compared == 0 {
		t.Fatal("no document compared; the test checks nothing")
	}
}

// firstTier parses q and opens a read transaction with the fact cache
// brought up to it, and returns the ids of q's first tier (its title and
// summary matches), ascending; the caller rolls tx back.
func firstTier(t *testing.T, db *DB, q string) (*debrief.SearchQuery, *sql.Tx, []int64) {
	t.Helper()
	ctx := context.Background()
	p, err := search.Parse(q, nil)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.facts.refresh(ctx, tx); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	all, err := headIDs(ctx, tx, ftsQuery(p.All, nil))
	if err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	return p, tx, all
}

// headIDs returns the ids of the documents matching an FTS expression on
// search_head, ascending: what the first tier is, as SQLite finds it.
func headIDs(ctx context.Context, tx *sql.Tx, match string) ([]int64, error) {
	var text string
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(group_concat(rowid), '') FROM search_head WHERE search_head MATCH $1`, match).Scan(&text); err != nil {
		return nil, mapSearchErr(err)
	}
	ids, err := parseIDList(text)
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// repeatsWord reports whether a query token appears more than once in the
// document's title or summary column.
func repeatsWord(t *testing.T, db *DB, docID int64, q *debrief.SearchQuery) bool {
	t.Helper()
	var fields string
	if err := db.r.QueryRow(`SELECT fields FROM search_text WHERE doc_id = $1`, docID).Scan(&fields); err != nil {
		t.Fatal(err)
	}
	var fs []debrief.SearchField
	if err := json.Unmarshal([]byte(fields), &fs); err != nil {
		t.Fatal(err)
	}
	counts := map[string]map[string]int{} // column → token → count
	for _, f := range fs {
		col := ""
		switch f.Name {
		case "title":
			col = "title"
		case "summary", "impact":
			col = "summary"
		default:
			continue
		}
		if counts[col] == nil {
			counts[col] = map[string]int{}
		}
		for _, tok := range debrief.SearchTokens(f.Text) {
			counts[col][tok]++
		}
	}
	for _, g := range q.All {
		for _, term := range g {
			for _, col := range counts {
				for tok, n := range col {
					for _, want := range term.Tokens {
						if n > 1 && (tok == want || term.Prefix && strings.HasPrefix(tok, want)) {
							return true
						}
					}
				}
			}
		}
	}
	return false
}

// TestSearchRebuildAfterUpgrade: a database whose index predates
// search_head or search_head_text (migrations 00008 and 00030 leave a row
// in search_rebuild) is reindexed once when opened, and then ranks as a
// fresh one does, its first tier from the words in memory.
func TestSearchRebuildAfterUpgrade(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "upgrade.db")
	db, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]genRecord, 300)
	for i := range recs {
		recs[i] = genCorpusRecord(i)
	}
	if err := bulkImport(ctx, db, recs); err != nil {
		t.Fatal(err)
	}
	admin := debrief.Actor{Role: debrief.RoleAdmin}
	search1 := func(db *DB) *debrief.SearchResults {
		t.Helper()
		waitWarm(t, db)
		// Tiered, and ranked through search_head however few the matches.
		db.tune.tierThreshold, db.tune.fewSurvivors = 1, 0
		p, _ := search.Parse("database", nil)
		res, err := db.Search(ctx, p, admin)
		if err != nil {
			t.Fatalf("Search(database) = %v", err)
		}
		return res
	}
	before := search1(db)
	// What a database indexed before migrations 00008 and 00030 looks
	// like.
	for _, stmt := range []string{`INSERT INTO search_head (search_head) VALUES ('delete-all')`, `UPDATE search_docs SET head_len = 0`,
		`DELETE FROM search_head_text`, `INSERT INTO search_rebuild (reason) VALUES ('test')`} {
		if _, err := db.w.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	db.Close()
	db, err = Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("Open after the upgrade = %v", err)
	}
	defer db.Close()
	var left int
	if err := db.r.QueryRow(`SELECT COUNT(*) FROM search_rebuild`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("search_rebuild after Open holds %d rows (%v), want 0", left, err)
	}
	var docs, texts int
	if err := db.r.QueryRow(`SELECT (SELECT COUNT(*) FROM search_docs), (SELECT COUNT(*) FROM search_head_text)`).Scan(&docs, &texts); err != nil || texts != docs || docs == 0 {
		t.Fatalf("after the rebuild: %d documents, %d rows of search_head_text (%v); want one each", docs, texts, err)
	}
	after := search1(db)
	if after.Total != before.Total || len(after.Hits) == 0 || !cmp.Equal(searchKeys(after), searchKeys(before)) {
		t.Errorf("Search(database) after the rebuild = %d %v, before %d %v; want the same", after.Total, searchKeys(after), before.Total, searchKeys(before))
	}
}

// searchAs parses qs and runs it on db for viewer, limit results to a
// page, failing the test on any error.
func searchAs(t *testing.T, db *DB, qs string, viewer debrief.Actor, limit int) *debrief.SearchResults {
	t.Helper()
	p, err := search.Parse(qs, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.Limit = limit
	res, err := db.Search(context.Background(), p, viewer)
	if err != nil {
		t.Fatalf("Search(%q) = %v", qs, err)
	}
	return res
}

func searchKeys(res *debrief.SearchResults) []string {
	var keys []string
	for _, h := range res.Hits {
		keys = append(keys, h.Key)
	}
	return keys
}

// TestSimilarFromCache: similar incidents found through the fact cache are
// the ones the SQL path finds, with the same scores and reasons.
func TestSimilarFromCache(t *testing.T) {
	ctx := context.Background()
	db := warmCorpus(t, 1500)
	viewer := debrief.Actor{Email: "vic@example.com", Role: debrief.RoleViewer}
	found := 0
	for id := int64(1); id <= 1500; id += 37 {
		probe := debrief.SimilarProbe{IncidentID: id, Limit: debrief.SimilarLimit}
		cached, err := db.SimilarIncidents(ctx, probe, viewer)
		if err != nil {
			t.Fatalf("SimilarIncidents(%d) = %v", id, err)
		}
		db.tune.similarFromCache = false
		fromSQL, err := db.SimilarIncidents(ctx, probe, viewer)
		db.tune.similarFromCache = true
		if err != nil {
			t.Fatalf("SimilarIncidents(%d) through SQL = %v", id, err)
		}
		if !cmp.Equal(cached, fromSQL) {
			t.Errorf("SimilarIncidents(%d) from the cache = %+v\nthrough SQL = %+v; want the same", id, cached, fromSQL)
		}
		found += len(cached)
	}
	if found == 0 {
		t.Fatal("SimilarIncidents found nothing for any probe; the test compares nothing")
	}
}

// warmCorpus opens a fresh database holding n generated postmortems and
// waits for its fact cache to load.
func warmCorpus(t *testing.T, n int) *DB {
	t.Helper()
	return warmCorpusAt(t, filepath.Join(t.TempDir(), "corpus.db"), n)
}

// warmCorpusAt opens the database at path, adds n generated postmortems
// and waits for its fact cache to load.
func warmCorpusAt(t *testing.T, path string, n int) *DB {
	t.Helper()
	recs := make([]genRecord, n)
	for i := range recs {
		recs[i] = genCorpusRecord(i)
	}
	return warmCorpusOf(t, path, recs)
}

// waitWarm waits, a minute at most, for db's fact cache to load.
func waitWarm(t *testing.T, db *DB) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !db.facts.warm(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the fact cache did not load within a minute")
		}
	}
}

// warmCorpusOf opens the database at path, adds recs and waits for its
// fact cache to load.
func warmCorpusOf(t *testing.T, path string, recs []genRecord) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := bulkImport(ctx, db, recs); err != nil {
		t.Fatal(err)
	}
	waitWarm(t, db)
	return db
}

// TestSearchEstimated checks, on both engines, a many-hit search answered
// from a sample: the same hits in the same order as when every match is
// counted, a total near the counted one, and the answer saying it is
// estimated; filters alone are counted, and so is a search whose filters
// leave few matches (both engines decide on the matches that pass them).
// Excluded words are counted on SQLite and estimated on PostgreSQL, whose
// sample statement holds them.
func TestSearchEstimated(t *testing.T) {
	for _, engine := range []struct {
		name    string
		open    func(t *testing.T) *DB
		tune    func(estimateAbove int) searchTuning
		counted []string
		more    []string // estimated on this engine only
	}{
		{"sqlite", func(t *testing.T) *DB { return warmCorpus(t, 1200) }, func(estimateAbove int) searchTuning {
			tune := defaultSearchTuning()
			tune.tierThreshold, tune.countMemos, tune.estimateAbove, tune.sampleDocs = 1, false, estimateAbove, 300
			return tune
		}, []string{"database -kafka", "service:payments", "database severity:1"}, nil},
		{"postgres", func(t *testing.T) *DB { return postgresCorpus(t, 1200) }, func(estimateAbove int) searchTuning {
			tune := postgresSearchTuning()
			tune.estimateAbove, tune.sampleDocs = estimateAbove, 300
			return tune
		}, []string{"service:payments", "HighLatencyP99 severity:1", "database severity:1"}, []string{"database -kafka", "rollback -database -kafka"}},
	} {
		t.Run(engine.name, func(t *testing.T) {
			db := engine.open(t)
			viewer := debrief.Actor{Email: "ana@example.com", Role: debrief.RoleViewer}
			run := func(q string, estimateAbove int) *debrief.SearchResults {
				t.Helper()
				db.tune = engine.tune(estimateAbove)
				defer func() { db.tune = storeTuning(db) }()
				return searchAs(t, db, q, viewer, 30)
			}
			estimatedOnce := false
			for _, q := range append([]string{"database", "rollback", "database OR rollback", "rollback severity:2", "database after:2021"}, engine.more...) {
				counted := run(q, 1<<30)
				estimated := run(q, 100)
				if counted.TotalEstimated {
					t.Errorf("Search(%q) counting every match says its total is estimated", q)
				}
				if !cmp.Equal(searchKeys(estimated), searchKeys(counted)) {
					t.Errorf("Search(%q) estimated hits = %v, counted %v; want the same", q, searchKeys(estimated), searchKeys(counted))
				}
				if !estimated.TotalEstimated {
					if counted.Total > 600 {
						t.Errorf("Search(%q) with %d matches was counted, want it estimated past 100", q, counted.Total)
					}
					continue
				}
				estimatedOnce = true
				if d := math.Abs(float64(estimated.Total-counted.Total)) / float64(counted.Total); d > 0.25 {
					t.Errorf("Search(%q) estimated total %d, counted %d: off by %.0f%%, want within 25%%", q, estimated.Total, counted.Total, 100*d)
				}
				if len(estimated.Facets.Year) == 0 || len(estimated.Facets.Service) == 0 {
					t.Errorf("Search(%q) estimated facets %+v, want years and services", q, estimated.Facets)
				}
			}
			if !estimatedOnce {
				t.Fatal("no search was estimated; the test checks nothing")
			}
			// Excluded words are counted: the first tier alone cannot tell.
			for _, q := range engine.counted {
				counted := run(q, 1<<30)
				if res := run(q, 100); res.TotalEstimated || res.Total != counted.Total {
					t.Errorf("Search(%q) = total %d (estimated %v), want %d counted", q, res.Total, res.TotalEstimated, counted.Total)
				}
			}
		})
	}
}

// TestSearchEstimatedBunched: a word whose documents were all written
// together (their ids in one stretch) is counted, not estimated: the
// sample's stretch that holds them would scale them up several times.
func TestSearchEstimatedBunched(t *testing.T) {
	ctx := context.Background()
	db := warmCorpusOf(t, filepath.Join(t.TempDir(), "bunched.db"), bunchedRecords())
	tune := defaultSearchTuning()
	tune.countMemos, tune.estimateAbove, tune.sampleDocs = false, 50, 300
	db.tune = tune
	// The test means something only if the sample's stretches, as
	// rankEstimated places them, hold the word in one or two of them and
	// would scale it past estimateAbove.
	tx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := headIDs(ctx, tx, "zebraburst")
	tx.Rollback()
	if err != nil {
		t.Fatal(err)
	}
	db.facts.mu.RLock()
	docs, maxID := db.facts.headDocs, int64(len(db.facts.docs))
	db.facts.mu.RUnlock()
	span := max(1, maxID*int64(tune.sampleDocs)/docs/estimateWindows)
	inWindows, windows := 0, map[int64]bool{}
	for _, id := range ids {
		for i := range int64(estimateWindows) {
			if lo := maxID * i / estimateWindows; id >= lo && id < lo+span {
				inWindows++
				windows[i] = true
			}
		}
	}
	scale := float64(docs) / float64(span*estimateWindows)
	if len(windows) == 0 || len(windows) > 2 || float64(inWindows)*scale <= float64(tune.estimateAbove) {
		t.Fatalf("the bunched word's %d documents are in %d of the sample's stretches (%d of them, scaled %.0f): the test needs them in one or two, scaled past %d",
			len(ids), len(windows), inWindows, float64(inWindows)*scale, tune.estimateAbove)
	}
	viewer := debrief.Actor{Email: "ana@example.com", Role: debrief.RoleViewer}
	res := searchAs(t, db, "zebraburst", viewer, 20)
	if res.TotalEstimated || res.Total != len(ids) {
		t.Errorf("Search(zebraburst) = %d results (estimated %v); want the %d counted (a sample would say about %.0f)",
			res.Total, res.TotalEstimated, len(ids), float64(inWindows)*scale)
	}
}

// bunchedRecords is 1,200 generated postmortems, of which 50 written one
// after the other have the word zebraburst in their titles.
func bunchedRecords() []genRecord {
	recs := make([]genRecord, 1200)
	for i := range recs {
		recs[i] = genCorpusRecord(i)
		if i >= 290 && i < 340 {
			recs[i].inc.Title += " zebraburst"
			recs[i].pm.Title += " zebraburst"
		}
	}
	return recs
}

// TestPostgresSearchEstimatedBunched: on PostgreSQL too, a word whose
// documents were all written together is counted, not scaled up from the
// sample's stretch that holds them.
func TestPostgresSearchEstimatedBunched(t *testing.T) {
	ctx := context.Background()
	db := openTestStore(t, storetest.PostgresDSN(t), Options{})
	if err := bulkImport(ctx, db, bunchedRecords()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	viewer := debrief.Actor{Email: "ana@example.com", Role: debrief.RoleViewer}
	exact := searchAs(t, db, "zebraburst", viewer, 20)
	if exact.TotalEstimated || exact.Total < 50 {
		t.Fatalf("Search(zebraburst) = %d results (estimated %v) by default; want the 50 or more counted", exact.Total, exact.TotalEstimated)
	}
	tune := postgresSearchTuning()
	tune.estimateAbove, tune.sampleDocs = 20, 300
	db.tune = tune
	if res := searchAs(t, db, "zebraburst", viewer, 20); res.TotalEstimated || res.Total != exact.Total {
		t.Errorf("Search(zebraburst) past the estimate threshold = %d results (estimated %v); want the %d counted", res.Total, res.TotalEstimated, exact.Total)
	}
	// A word spread over the corpus is still estimated.
	if res := searchAs(t, db, "database", viewer, 20); !res.TotalEstimated {
		t.Errorf("Search(database) = %d results, counted; want it estimated past %d", res.Total, tune.estimateAbove)
	}
}

// TestFactCacheStopsWithClose: the fact cache belongs to its store. Close
// waits for a load in progress to stop, and a closed store's cache starts
// no other, so nothing of a store outlives it.
func TestFactCacheStopsWithClose(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "close.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]genRecord, 300)
	for i := range recs {
		recs[i] = genCorpusRecord(i)
	}
	if err := bulkImport(ctx, db, recs); err != nil {
		t.Fatal(err)
	}
	other, err := Open(ctx, filepath.Join(t.TempDir(), "other.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if db.facts == other.facts {
		t.Fatal("two stores share one fact cache")
	}
	db.facts.warm() // starts the load
	if err := db.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if db.facts.loading.Load() {
		t.Error("a fact cache load is still running after Close returned")
	}
	if db.facts.warm() || db.facts.loading.Load() {
		t.Error("the fact cache of a closed store started loading again")
	}
}

// TestTiersOnBothEngines: on every engine, whether a search is ranked in
// one pass, tier by tier after counting, or as the engine does by default
// (on PostgreSQL every search on the server, tierAlways), the documents
// that match in the title or summary come first, and every way finds the
// same documents, total and facets.
func TestTiersOnBothEngines(t *testing.T) {
	for _, engine := range testEngines {
		t.Run(engine.name, func(t *testing.T) {
			ctx := context.Background()
			db := engine.open(t, Options{})
			recs := make([]genRecord, 300)
			for i := range recs {
				recs[i] = genCorpusRecord(i)
			}
			if err := bulkImport(ctx, db, recs); err != nil {
				t.Fatal(err)
			}
			waitFactCache(t, db)
			admin := debrief.Actor{Role: debrief.RoleAdmin}
			for _, q := range []string{"database", "rollback -kafka", "redis OR memcached", `"connection pool" severity:3`, "service:payments", "severity:2 -kafka"} {
				var got [3]*debrief.SearchResults
				for i, threshold := range []int{1_000_000, 1, -1} {
					db.tune = storeTuning(db)
					if threshold >= 0 {
						db.tune.tierAlways, db.tune.tierThreshold = false, threshold
					}
					p, err := search.Parse(q, nil)
					if err != nil {
						t.Fatal(err)
					}
					p.Limit = 300
					if got[i], err = db.Search(ctx, p, admin); err != nil {
						t.Fatalf("Search(%q) with tier threshold %d = %v", q, threshold, err)
					}
					seenBody := false
					for _, h := range got[i].Hits {
						first := h.Field == "title" || h.Field == "summary" || h.Field == "impact"
						if first && seenBody {
							t.Errorf("Search(%q) with tier threshold %d: %s matched in its %s after a match elsewhere", q, threshold, h.Key, h.Field)
							break
						}
						seenBody = seenBody || !first
					}
				}
				db.tune = storeTuning(db)
				flat := got[0]
				for i, tiers := range got[1:] {
					if flat.Total == 0 || flat.Total != tiers.Total || !cmp.Equal(flat.Facets, tiers.Facets) {
						t.Errorf("Search(%q): one pass total %d facets %v; in tiers (%d) %d %v; want the same, and matches", q, flat.Total, flat.Facets, i, tiers.Total, tiers.Facets)
					}
					a, b := searchKeys(flat), searchKeys(tiers)
					if flat.Query.HasText() {
						// One pass scores the first tier on the whole
						// document, the tiers on the title and summary, so
						// the order within a tier may differ; by filters
						// alone it is by date and id, and must not.
						slices.Sort(a)
						slices.Sort(b)
					}
					if !cmp.Equal(a, b) {
						t.Errorf("Search(%q): one pass and in tiers (%d) find different documents, or in another order: %v, %v", q, i, a, b)
					}
				}
			}
		})
	}
}

// storeTuning is the search tuning db's engine starts with.
func storeTuning(db *DB) searchTuning {
	if db.Engine() == EnginePostgres {
		return postgresSearchTuning()
	}
	return defaultSearchTuning()
}
