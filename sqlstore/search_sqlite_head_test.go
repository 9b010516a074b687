package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/search"
)

// TestHeadIndexFollowsWrites: the first tier's words in memory (headIndex)
// list, for words, prefixes and phrases, the same documents per field as
// search_head itself, after titles are changed, incidents deleted and
// added, the lists compacted and the index rebuilt, in the store that
// wrote (its lists past 8 documents made bitmaps as they change) and in
// another store on the same file (its lists slices).
func TestHeadIndexFollowsWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "corpus.db")
	db := warmCorpusAt(t, path, 150)
	db.facts.compactAt = 1 // compact the words of replaced documents at once
	db.facts.mu.Lock()
	db.facts.head.bitmapAbove = 8
	db.facts.mu.Unlock()
	other := warmCorpusAt(t, path, 0)
	terms := []string{"database", "checkout", "kube*", `"connection pool"`, `"timed out"`, `"connection po"*`, "zanzibar",
		`"zanzibar outage"`, `"outage zanzibar"`, "zanz*", "nosuchword", `"nosuchword pool"`}
	compare := func(when string) {
		t.Helper()
		listed := 0
		for _, s := range []*DB{db, other} {
			tx, err := s.r.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.facts.refresh(ctx, tx); err != nil {
				t.Fatal(err)
			}
			for _, q := range terms {
				p, err := search.Parse(q, nil)
				if err != nil {
					t.Fatal(err)
				}
				term := p.All[0][0]
				s.facts.mu.RLock()
				title, summary := s.facts.termLists(term)
				title, summary = slices.Clone(title), slices.Clone(summary)
				s.facts.mu.RUnlock()
				for _, f := range []struct {
					name string
					got  []uint32
				}{{"title", title}, {"summary", summary}} {
					want, err := headIDs(ctx, tx, "{"+f.name+"} : "+ftsTerm(term))
					if err != nil {
						t.Fatal(err)
					}
					got := make([]int64, len(f.got))
					for i, id := range f.got {
						got[i] = int64(id)
					}
					if !slices.Equal(got, want) {
						t.Errorf("%s: %s in the %s: in memory %v, search_head %v", when, q, f.name, got, want)
					}
					listed += len(want)
				}
			}
			tx.Rollback()
		}
		if listed == 0 {
			t.Fatalf("%s: no term listed a document; the test compares nothing", when)
		}
	}
	compare("at first")

	// Every title changed, twice, each round seen by a search: the
	// replaced words are then most of the index, and compact drops them.
	for round := range int64(2) {
		for id := int64(1); id <= 150; id++ {
			inc, err := db.Incident(ctx, id)
			if debrief.IsCode(err, debrief.ENotFound) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if id%7 == round {
				if err := db.DeleteIncident(ctx, id, inc.Version, testRevision(id, "delete")); err != nil {
					t.Fatalf("DeleteIncident(%d) = %v", id, err)
				}
				continue
			}
			// New words in the title, and words it had gone.
			inc.Title = "Zanzibar outage: " + inc.Title[min(len(inc.Title), 18):]
			if round == 1 {
				inc.Title = "Outage in zanzibar"
			}
			if err := db.UpdateIncident(ctx, inc, inc.Version, testRevision(id, "update")); err != nil {
				t.Fatalf("UpdateIncident(%d) = %v", id, err)
			}
		}
		recs := make([]genRecord, 20)
		for i := range recs {
			recs[i] = genCorpusRecord(1000 + 20*int(round) + i)
		}
		if err := bulkImport(ctx, db, recs); err != nil {
			t.Fatal(err)
		}
		compare(fmt.Sprintf("after round %d of changes, deletions and additions", round+1))
	}
	db.facts.mu.RLock()
	compacted := db.facts.head.stale == 0
	db.facts.mu.RUnlock()
	if !compacted {
		t.Errorf("the replaced documents' words were not compacted away: %d of %d stale", db.facts.head.stale, len(db.facts.head.seq))
	}

	// Searches ranked from the lists run through both stores, more at
	// once than the read pool holds, while titles are changed and
	// incidents added: none fails, and the race detector sees the lists
	// read as they change.
	for _, s := range []*DB{db, other} {
		s.tune.tierThreshold, s.tune.fewSurvivors, s.tune.countMemos = 1, 0, false
	}
	stop := searchDuring(t, []*DB{db, other}, []string{"database", `"connection pool"`, "kube* OR zanz*", `zanzibar "outage"`},
		[]debrief.Actor{{Role: debrief.RoleAdmin}})
	for id := int64(1); id <= 30; id++ {
		inc, err := db.Incident(ctx, id)
		if debrief.IsCode(err, debrief.ENotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		inc.Title = "Zanzibar outage again, round three"
		if err := db.UpdateIncident(ctx, inc, inc.Version, testRevision(id, "update")); err != nil {
			t.Fatalf("UpdateIncident(%d) = %v", id, err)
		}
		if id%10 == 0 {
			if err := bulkImport(ctx, db, []genRecord{genCorpusRecord(2000 + int(id))}); err != nil {
				t.Fatal(err)
			}
		}
	}
	stop()
	compare("after writes during searches")

	if _, err := db.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	compare("after Reindex")
	bitmaps := 0
	db.facts.mu.RLock()
	for _, p := range db.facts.head.title {
		if p.bm != nil {
			bitmaps++
		}
	}
	db.facts.mu.RUnlock()
	if bitmaps == 0 {
		t.Error("no title list became a bitmap; the test compared slices only")
	}
}

// TestPhraseDocsSampled: a phrase's documents, for its idf, are counted
// exactly while its listed documents are at most the sample, and
// estimated from the sample past it, close to the count.
func TestPhraseDocsSampled(t *testing.T) {
	db := warmCorpus(t, 400)
	c := db.facts
	compared := 0
	for _, q := range []string{`"connection pool"`, `"timed out"`, `"was misconfigured"`, `"customers could not"`} {
		p, err := search.Parse(q, nil)
		if err != nil {
			t.Fatal(err)
		}
		term := p.All[0][0]
		c.mu.Lock()
		title, summary := c.termLists(term)
		want := unionSize(title, summary)
		ht := c.headTerm(term)
		listed := len(mergeUnion(ht.title, ht.summary))
		exact := c.termDocs(&ht)
		c.head.phraseSample = listed / 4
		estimated := c.termDocs(&ht)
		c.head.phraseSample = defaultPhraseSample
		c.mu.Unlock()
		if exact != want {
			t.Errorf("%s: %d documents counted with the whole list sampled, want %d", q, exact, want)
		}
		if want < 20 {
			continue
		}
		compared++
		if d := float64(estimated-want) / float64(want); d < -0.25 || d > 0.25 {
			t.Errorf("%s: %d documents estimated from a quarter of the %d listed, want about %d", q, estimated, listed, want)
		}
	}
	if compared == 0 {
		t.Fatal("no phrase had 20 documents; the test checks nothing")
	}
}

// TestHeadWordsWithoutRoom: a store whose words in order have no room
// left for some documents (the 32-bit offsets, reached only with tens of
// millions of documents) ranks its first tier through SQLite's bm25()
// and finds the same documents as a store that holds every document's
// words.
func TestHeadWordsWithoutRoom(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "corpus.db")
	db := warmCorpusAt(t, path, 300)
	full, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	full.facts.mu.Lock()
	full.facts.head.seqLimit = 2000 // bytes: room for the first few dozen documents
	full.facts.mu.Unlock()
	waitWarm(t, full)
	full.facts.mu.RLock()
	outside := full.facts.head.outside
	full.facts.mu.RUnlock()
	if outside == 0 {
		t.Fatal("no document was left without room; the test checks nothing")
	}
	admin := debrief.Actor{Role: debrief.RoleAdmin}
	for _, s := range []*DB{db, full} {
		s.tune.tierThreshold, s.tune.fewSurvivors = 1, 0 // ranked in tiers, the first by rankHead
	}
	for _, q := range []string{"database", `checkout "timed out"`, "kube* OR redis"} {
		want := searchAs(t, db, q, admin, 500)
		got := searchAs(t, full, q, admin, 500)
		w, g := searchKeys(want), searchKeys(got)
		slices.Sort(w)
		slices.Sort(g)
		if got.Total != want.Total || len(g) == 0 || !slices.Equal(g, w) {
			t.Errorf("Search(%q) with words left out: %d %v; with every document's words: %d %v; want the same documents",
				q, got.Total, g, want.Total, w)
		}
	}
}

// termLists returns, for the tests, the documents that have term t in their title and in
// their summary, ascending, phrases checked; c.mu held for reading.
func (c *factCache) termLists(t debrief.SearchTerm) (title, summary []uint32) {
	ht := c.headTerm(t)
	if ht.sets == nil {
		return ht.title, ht.summary
	}
	keep := func(list []uint32, inTitle bool) []uint32 {
		var out []uint32
		for _, d := range list {
			if c.has(&ht, d, inTitle) {
				out = append(out, d)
			}
		}
		return out
	}
	return keep(ht.title, true), keep(ht.summary, false)
}
