package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/search"
	"github.com/google/go-cmp/cmp"
)

// TestSearchPrefiltered: a worded search with a service, label, factor,
// status or owner filter, counted and ranked from the documents that pass
// the filters (countPrefiltered), gives the hits, order, totals and facets
// of counting from the text matches, for every kind of viewer, with its
// filtered matches ranked in the walk, one by one, or in tiers; also after
// incidents are changed, deleted and added, after a reindex, and after
// searches that ran during writes, through the store that wrote and
// through another on the same file. The tag lists it starts from stay
// those of search_tags.
func TestSearchPrefiltered(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "corpus.db")
	db := warmCorpusAt(t, path, 400)
	db.facts.compactAt = 1 // drop replaced tags at once, to check that too
	db.facts.head.bitmapAbove = 8
	other := warmCorpusAt(t, path, 0)
	viewers := []debrief.Actor{{Role: debrief.RoleAdmin}, {Email: "Ana@example.com", Role: debrief.RoleViewer}, {Role: debrief.RoleViewer}}
	queries := []string{"database service:payments", "rollback label:network,config", "checkout service:payments,checkout service:ledger",
		"database status:closed owner:ana@example.com", "database factor:connection-pool-too-small", "redis OR memcached service:checkout",
		"database -kafka service:payments", `"connection pool" service:payments severity:3`, "kube* service:payments after:2021-01-01",
		"database service:nosuch", "service:payments before:2023"}
	compare := func(when string) {
		t.Helper()
		compared := 0
		for _, few := range []int{0, 3, 100_000} {
			for _, s := range []*DB{db, other} {
				s.tune.tierThreshold, s.tune.countMemos, s.tune.fewSurvivors = 1, false, few
			}
			compared += sameWithout(t, fmt.Sprintf("%s, fewSurvivors %d", when, few), "counted from the text", []*DB{db, other}, queries, viewers,
				func(t *searchTuning) { t.prefilter = false })
		}
		for _, s := range []*DB{db, other} {
			s.tune = defaultSearchTuning()
		}
		if compared == 0 {
			t.Fatalf("%s: no query found anything; the test compares nothing", when)
		}
		// The prefiltered path is the one taken, and it ranks in the walk
		// when its documents are few.
		for _, s := range []*DB{db, other} {
			tx, err := s.r.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			gen, err := s.facts.refresh(ctx, tx)
			if err != nil {
				t.Fatal(err)
			}
			p, _ := search.Parse("database service:payments", nil)
			match := ftsQuery(p.All, p.Not)
			k := counting{q: p, viewer: viewers[0], match: match, key: countKey(p, viewers[0], match, 100_000), gen: gen, collect: 100_000}
			counted, ranked, ok, err := s.search.(*sqliteSearch).countPrefiltered(ctx, tx, k, sampleEstimate{raw: -1, filtered: -1}, newFacetAcc())
			tx.Rollback()
			if err != nil || !ok || len(counted.matched) == 0 || len(ranked) != len(counted.matched) {
				t.Fatalf("%s: countPrefiltered(database service:payments) = %d matched, %d ranked, %v, %v; want them all ranked", when, len(counted.matched), len(ranked), ok, err)
			}
		}
		// Every tag's list is search_tags' list of it.
		for _, s := range []*DB{db, other} {
			checkTagDocs(t, s, when)
		}
	}
	compare("at first")

	churnCorpus(t, db, 7)
	queries = append(queries, "database service:brand-new", "rollback OR database service:brand-new severity:1")
	compare("after changes, deletions and additions")

	if _, err := db.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	compare("after Reindex")

	stop := searchDuring(t, []*DB{db, other}, queries, viewers)
	replaceSome(t, db, 5, 11, 3000)
	stop()
	compare("after concurrent writes")
}

// checkTagDocs fails the test unless each tag's documents in the fact
// cache are the documents search_tags lists with it.
func checkTagDocs(t *testing.T, db *DB, when string) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	c := db.facts
	if _, err := c.refresh(ctx, tx); err != nil {
		t.Fatal(err)
	}
	want := map[string][]uint32{}
	rows, err := tx.QueryContext(ctx, `SELECT name, value, doc_id FROM search_tags ORDER BY doc_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, value string
		var id uint32
		if err := rows.Scan(&name, &value, &id); err != nil {
			t.Fatal(err)
		}
		want[name+"\x00"+value] = append(want[name+"\x00"+value], id)
	}
	rows.Close()
	c.mu.RLock()
	defer c.mu.RUnlock()
	got := map[string][]uint32{}
	for n := range c.tagDocs {
		if ids := c.tagDocs[n].list(); len(ids) > 0 {
			got[c.strs[n]] = slices.Clone(ids)
		}
	}
	if len(want) == 0 {
		t.Fatalf("%s: search_tags is empty; the check compares nothing", when)
	}
	if !cmp.Equal(got, want) {
		for k := range want {
			if !cmp.Equal(got[k], want[k]) {
				t.Errorf("%s: documents tagged %q in memory %v, in search_tags %v", when, strings.ReplaceAll(k, "\x00", ":"), got[k], want[k])
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: documents tagged %q in memory %v, none in search_tags", when, strings.ReplaceAll(k, "\x00", ":"), got[k])
			}
		}
	}
}
