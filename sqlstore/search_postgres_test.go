package sqlstore

import (
	"context"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// postgresCorpus opens a PostgreSQL store holding n generated postmortems,
// analyzed as autovacuum would have by the time anyone searches.
func postgresCorpus(t *testing.T, n int) *DB {
	t.Helper()
	ctx := context.Background()
	db := openTestStore(t, storetest.PostgresDSN(t), Options{})
	recs := make([]genRecord, n)
	for i := range recs {
		recs[i] = genCorpusRecord(i)
	}
	if err := bulkImport(ctx, db, recs); err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestPostgresCountHead: counting the documents with each word in their
// title or summary gives what counting them one by one gives, up to the
// limit, also for the words PostgreSQL's statistics say are common, which
// it does not count.
func TestPostgresCountHead(t *testing.T) {
	ctx := context.Background()
	db := postgresCorpus(t, 300)
	const limit = 20
	rows, err := db.r.QueryContext(ctx, `SELECT u.e FROM pg_stats s, unnest(s.most_common_elems::text::text[]) AS u(e)
WHERE s.tablename = 'search_heads' AND s.attname = 'tsv'`)
	if err != nil {
		t.Fatal(err)
	}
	var terms [][]string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			t.Fatal(err)
		}
		terms = append(terms, []string{w})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(terms) < 10 {
		t.Fatalf("the statistics know %d words of search_heads; the test needs common words", len(terms))
	}
	terms = append(terms, []string{"payments-042"}, []string{"nosuchword"}, []string{"connection", "pool"})
	got, err := db.search.countHead(ctx, terms, limit)
	if err != nil {
		t.Fatal(err)
	}
	common := 0
	for i, tokens := range terms {
		var n int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_heads WHERE tsv @@ $1::tsquery`, tsTerm(debrief.SearchTerm{Tokens: tokens})).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if want := min(n, limit); got[i] != want {
			t.Errorf("countHead(%q) = %d, want %d (%d documents)", tokens, got[i], want, n)
		}
		if n > 2*limit {
			common++
		}
	}
	if common == 0 {
		t.Fatal("no word is common in the corpus; the test checks nothing")
	}
}
