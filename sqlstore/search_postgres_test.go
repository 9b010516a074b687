package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/search"
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

// TestPostgresHeadByWords: the first tier of a search for a word, or for
// words joined by OR, ranked from search_head_words is the first tier
// ranked from every title-and-summary match, row for row (id, score,
// date), with filters, excluded words, visibility and any page depth.
func TestPostgresHeadByWords(t *testing.T) {
	ctx := context.Background()
	db := postgresCorpus(t, 400)
	e := db.search.(postgresSearch)
	admin := debrief.Actor{Role: debrief.RoleAdmin}
	viewer := debrief.Actor{Email: "ana@example.com", Role: debrief.RoleViewer}
	deep := 0 // queries whose first tier is deeper than a page
	for _, who := range []debrief.Actor{admin, viewer} {
		for _, qs := range []string{"database", "rollback", "redis OR memcached", "database OR rollback OR kafka", "replica -postgres",
			"database severity:1", "rollback status:published before:2022", "certificate", "redis OR memcached has:action-items-open",
			"kafka OR redis -database service:payments", "database OR nosuchword", "nosuchword", "rollback kind:incident after:2021"} {
			p, err := search.Parse(qs, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, keep := range []int{1, 7, 20, 1000} {
				query, args := e.headByWords(p, who, keep)
				if query == "" {
					t.Fatalf("headByWords(%q) = \"\"; want a statement", qs)
				}
				got, err := db.scanMatches(ctx, db.r, query, args, keep, nil)
				if err != nil {
					t.Fatalf("headByWords(%q): %v", qs, err)
				}
				from, score, w := db.searchSource(p, who, headMatches)
				want, err := db.scanMatches(ctx, db.r, `SELECT d.id, 1, `+score+`, d.date, NULL, NULL, NULL FROM `+from+w.sql(), w.args, keep, nil)
				if err != nil {
					t.Fatal(err)
				}
				sortScored(got)
				sortScored(want)
				if !slices.Equal(got, want) {
					t.Errorf("Search(%q) as %s, first %d of the first tier from the words:\n%v\nwant (every match ranked):\n%v", qs, who.Role, keep, got, want)
				}
				if keep == 20 && len(want) == keep {
					deep++
				}
			}
		}
	}
	if deep < 10 {
		t.Fatalf("only %d queries have a first tier deeper than a page; the test checks little", deep)
	}
	for _, qs := range []string{`"connection pool"`, "kube*", "checkout timed", "redis OR kube*", "redis OR redis"} {
		p, err := search.Parse(qs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if query, _ := e.headByWords(p, admin, 20); query != "" {
			t.Errorf("headByWords(%q) = a statement; want \"\" (ranked from every match)", qs)
		}
	}
}

// headWordsDrift counts the rows of search_head_words that differ from
// what the title-and-summary words of search_heads give (missing, extra,
// or with another score or date).
func headWordsDrift(t *testing.T, db *DB) int {
	t.Helper()
	derived := `SELECT h.id, u.lexeme, ts_rank_cd('` + tsRankWeight + `', h.tsv, (` + lexemeQuerySQL + `)::tsquery), h.date FROM search_heads h, unnest(h.tsv) AS u`
	var n int
	if err := db.r.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM ((SELECT id, word, score, date FROM search_head_words EXCEPT ALL `+derived+`)
UNION ALL (`+derived+` EXCEPT ALL SELECT id, word, score, date FROM search_head_words)) AS x`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPostgresHeadWordsFollowWrites: search_head_words holds exactly the
// words of the titles and summaries, with their scores and dates, after
// creates, edits, deletes and many concurrent edits of the same incidents.
func TestPostgresHeadWordsFollowWrites(t *testing.T) {
	ctx := context.Background()
	db := postgresCorpus(t, 50)
	var rows int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_head_words`).Scan(&rows); err != nil || rows < 50*10 {
		t.Fatalf("search_head_words holds %d rows (%v) for 50 documents; want their words", rows, err)
	}
	if n := headWordsDrift(t, db); n != 0 {
		t.Fatalf("after the import, %d rows of search_head_words differ from the titles and summaries", n)
	}
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	rev := func(id int64, action string) *debrief.Revision {
		return &debrief.Revision{EntityType: "incident", EntityID: id, Action: action, Actor: "test", At: at}
	}
	// More writers than the pool holds connections, on five incidents.
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := int64(1 + i%5)
			for {
				inc, err := db.Incident(ctx, id)
				if err != nil {
					errs <- err
					return
				}
				inc.Title = fmt.Sprintf("Edit %d: checkout latency after the %s rollback", i, []string{"redis", "kafka", "dns"}[i%3])
				if err := db.UpdateIncident(ctx, inc, inc.Version, rev(id, "update")); err == nil {
					return
				} else if !debrief.IsCode(err, debrief.EConflict) {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, id := range []int64{7, 8} {
		inc, err := db.Incident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteIncident(ctx, id, inc.Version, rev(id, "delete")); err != nil {
			t.Fatal(err)
		}
	}
	inc := &debrief.Incident{Title: "Zanzibar's replication stalled", Severity: "SEV2", Status: debrief.StatusInvestigating, StartedAt: at, CreatedBy: "test", CreatedAt: at, UpdatedAt: at}
	if err := db.CreateIncident(ctx, inc, rev(0, "create")); err != nil {
		t.Fatal(err)
	}
	if n := headWordsDrift(t, db); n != 0 {
		t.Errorf("after the writes, %d rows of search_head_words differ from the titles and summaries", n)
	}
	var left int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_head_words WHERE id = $1`, incidentDocID(7)).Scan(&left); err != nil || left != 0 {
		t.Errorf("a deleted incident keeps %d rows of search_head_words (%v); want none", left, err)
	}
	// A rebuild of the whole index writes the same rows again.
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_head_words`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Reindex(ctx); err != nil {
		t.Fatalf("Reindex() = %v", err)
	}
	var after int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_head_words`).Scan(&after); err != nil || after != rows {
		t.Errorf("after Reindex, search_head_words holds %d rows (%v); want %d as before", after, err, rows)
	}
	if n := headWordsDrift(t, db); n != 0 {
		t.Errorf("after Reindex, %d rows of search_head_words differ from the titles and summaries", n)
	}
	p, _ := search.Parse("zanzibar", nil)
	res, err := db.Search(ctx, p, debrief.Actor{Role: debrief.RoleAdmin})
	if err != nil || len(res.Hits) == 0 || res.Hits[0].Key != inc.Key {
		t.Errorf("Search(zanzibar) after creating %s = %v, %v; want it first", inc.Key, res, err)
	}
}

// TestPostgresHeadWordsMigration: migration 00025 fills search_head_words
// from the documents already indexed, as writing them would have.
func TestPostgresHeadWordsMigration(t *testing.T) {
	ctx := context.Background()
	db := postgresCorpus(t, 40)
	// Back to the schema before 00025, with the index of 40 documents.
	for _, stmt := range []string{`DROP TABLE search_head_words`, `DROP STATISTICS search_tags_name_value`, `DELETE FROM goose_db_version WHERE version_id = 25`} {
		if _, err := db.w.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	applied, err := db.Migrate(ctx)
	if err != nil || len(applied) != 1 {
		t.Fatalf("Migrate() = %v, %v; want 00025 applied", applied, err)
	}
	var rows int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_head_words`).Scan(&rows); err != nil || rows < 40*10 {
		t.Fatalf("after the migration search_head_words holds %d rows (%v) for 40 documents; want their words", rows, err)
	}
	if n := headWordsDrift(t, db); n != 0 {
		t.Errorf("after the migration, %d rows of search_head_words differ from the titles and summaries", n)
	}
}
