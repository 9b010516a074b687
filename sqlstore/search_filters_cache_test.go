package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/search"
	"github.com/google/go-cmp/cmp"
)

// TestFiltersFromCache: searches by filters alone answered from SQLite's
// fact cache give the hits, order, totals and facets that SQL gives, for
// every kind of viewer, also after incidents are changed, deleted and the
// index rebuilt, through the store that wrote and through another store
// on the same file whose cache was loaded before.
func TestFiltersFromCache(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "corpus.db")
	db := warmCorpusAt(t, path, 400)
	db.facts.compactAt = 1 // drop replaced tags at once, to check that too
	other := warmCorpusAt(t, path, 0)
	viewers := []debrief.Actor{{Role: debrief.RoleAdmin}, {Email: "Ana@example.com", Role: debrief.RoleViewer}, {Role: debrief.RoleViewer}}
	queries := []string{"service:payments", "service:payments after:2022-01-01", "severity:1", "status:published before:2022",
		"label:network,config has:action-items-open", "kind:incident owner:ana@example.com", "factor:connection-pool-too-small",
		"severity:1 service:nosuch", "after:2000", "service:payments,checkout service:ledger"}
	compare := func(when string) {
		t.Helper()
		compared := sameWithout(t, when, "in SQL", []*DB{db, other}, queries, viewers, func(t *searchTuning) { t.filtersFromCache = false })
		if compared == 0 {
			t.Fatalf("%s: no query found anything; the test compares nothing", when)
		}
	}
	// The cache path must be the one taken: at the cache's generation it
	// answers.
	{
		tx, err := db.r.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := search.Parse("service:payments", nil)
		_, ok, err := db.search.(*sqliteSearch).rankByFilters(ctx, tx, p, viewers[0], 20, newFacetAcc())
		tx.Rollback()
		if err != nil || !ok {
			t.Fatalf("rankByFilters on a warm cache = %v, %v; want an answer", ok, err)
		}
	}
	compare("at first")

	churnCorpus(t, db, 9)
	queries = append(queries, "service:brand-new")
	compare("after changes, deletions and additions")

	if _, err := db.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	compare("after Reindex")

	// Searches by filters alone while incidents are deleted and added,
	// through both stores, more at once than the read pool holds: none
	// fails (a search that finds no connection free in time is told the
	// server is busy, as designed, and tries again), and once the writes
	// stop both agree with SQL again.
	stop := searchDuring(t, []*DB{db, other}, queries, viewers)
	replaceSome(t, db, 3, 13, 2000)
	stop()
	compare("after concurrent writes")
}

// sameWithout searches for every query as every viewer, a page of 500,
// 7, and 7 from the 14th, through each store as it is tuned and again
// with off applied to its tuning (called what), and fails the test where
// the two answers differ in hits, order, total or facets. It returns how
// many hits it compared.
func sameWithout(t *testing.T, when, what string, stores []*DB, queries []string, viewers []debrief.Actor, off func(*searchTuning)) int {
	t.Helper()
	ctx := context.Background()
	compared := 0
	for _, s := range stores {
		for _, q := range queries {
			for _, who := range viewers {
				for _, page := range [][2]int{{500, 0}, {7, 0}, {7, 14}} {
					p, err := search.Parse(q, nil)
					if err != nil {
						t.Fatal(err)
					}
					p.Limit, p.Offset = page[0], page[1]
					tuned, err := s.Search(ctx, p, who)
					if err != nil {
						t.Fatalf("%s: Search(%q) = %v", when, q, err)
					}
					kept := s.tune
					off(&s.tune)
					other, err := s.Search(ctx, p, who)
					s.tune = kept
					if err != nil {
						t.Fatalf("%s: Search(%q) %s = %v", when, q, what, err)
					}
					if !cmp.Equal(tuned, other) {
						t.Errorf("%s: Search(%q) as %q, limit %d offset %d: %d %v %v\n%s: %d %v %v; want the same",
							when, q, who.Email, page[0], page[1], tuned.Total, searchKeys(tuned), tuned.Facets, what, other.Total, searchKeys(other), other.Facets)
					}
					compared += len(tuned.Hits)
				}
			}
		}
	}
	return compared
}

// churnCorpus changes a corpus of 400 incidents (warmCorpusAt): every
// step-th incident from 1 is deleted if its id is even, else made SEV1 of
// services payments and brand-new, private for ids divisible by 3 (with
// ana@example.com a member); then 30 incidents are added.
func churnCorpus(t *testing.T, db *DB, step int64) {
	t.Helper()
	ctx := context.Background()
	for id := int64(1); id <= 400; id += step {
		inc, err := db.Incident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if id%2 == 0 {
			if err := db.DeleteIncident(ctx, id, inc.Version, testRevision(id, "delete")); err != nil {
				t.Fatalf("DeleteIncident(%d) = %v", id, err)
			}
			continue
		}
		inc.Severity, inc.Services = "SEV1", []string{"payments", "brand-new"}
		inc.Private, inc.Members = id%3 == 0, []string{"ana@example.com"}
		if err := db.UpdateIncident(ctx, inc, inc.Version, testRevision(id, "update")); err != nil {
			t.Fatalf("UpdateIncident(%d) = %v", id, err)
		}
	}
	recs := make([]genRecord, 30)
	for i := range recs {
		recs[i] = genCorpusRecord(1000 + i)
	}
	if err := bulkImport(ctx, db, recs); err != nil {
		t.Fatal(err)
	}
}

// replaceSome deletes every step-th incident of a corpus of 400 from id
// first that still exists, adding a generated one (number from+id) for
// each.
func replaceSome(t *testing.T, db *DB, first, step int64, from int) {
	t.Helper()
	ctx := context.Background()
	for id := first; id <= 400; id += step {
		inc, err := db.Incident(ctx, id)
		if err != nil {
			continue // deleted before
		}
		if err := db.DeleteIncident(ctx, id, inc.Version, testRevision(id, "delete")); err != nil {
			t.Fatalf("DeleteIncident(%d) = %v", id, err)
		}
		if err := bulkImport(ctx, db, []genRecord{genCorpusRecord(from + int(id))}); err != nil {
			t.Fatal(err)
		}
	}
}

func testRevision(id int64, action string) *debrief.Revision {
	return &debrief.Revision{EntityType: "incident", EntityID: id, Action: action, Actor: "test", At: time.Now().UTC()}
}

// searchDuring runs searches through the stores, 12 at once (more than a
// read pool holds), each going round the queries and viewers, until the
// returned stop is called. stop waits for them, and fails the test if a
// search failed other than with a busy server (the designed answer when
// no connection is free in time) or if none was answered.
func searchDuring(t *testing.T, stores []*DB, queries []string, viewers []debrief.Actor) (stop func()) {
	t.Helper()
	done := make(chan struct{})
	errs := make(chan error, 64)
	var answered atomic.Int64
	var wg sync.WaitGroup
	for i := range 12 {
		s, q, who := stores[i%len(stores)], queries[i%len(queries)], viewers[i%len(viewers)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := search.Parse(q, nil)
			if err != nil {
				errs <- err
				return
			}
			for {
				select {
				case <-done:
					return
				default:
				}
				_, err := s.Search(context.Background(), p, who)
				switch {
				case debrief.IsCode(err, debrief.EUnavailable):
				case err != nil:
					errs <- fmt.Errorf("Search(%q) = %w", q, err)
					return
				default:
					answered.Add(1)
				}
			}
		}()
	}
	return func() {
		t.Helper()
		close(done)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("during the writes: %v", err)
		}
		if answered.Load() == 0 {
			t.Error("no search was answered during the writes; the test checked nothing")
		}
	}
}
