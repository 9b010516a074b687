package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/search"
	"github.com/debriefhq/debrief/storetest"
	"github.com/pressly/goose/v3"
)

// postgresCorpus opens a PostgreSQL store holding n generated postmortems,
// analyzed as autovacuum would have by the time anyone searches.
func postgresCorpus(t *testing.T, n int) *DB {
	t.Helper()
	return postgresCorpusIn(t, n, "")
}

// postgresCorpusIn is postgresCorpus in a database created with options
// (storetest.PostgresDSNWith).
func postgresCorpusIn(t *testing.T, n int, options string) *DB {
	t.Helper()
	ctx := context.Background()
	db := openTestStore(t, storetest.PostgresDSNWith(t, options), Options{})
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
	// Words the statistics do not answer, in fewer documents than the
	// limit and in more, are counted from search_head_words: their counts
	// must be the tsv's.
	rows, err = db.r.QueryContext(ctx, `SELECT word FROM search_head_words GROUP BY word
HAVING COUNT(*) BETWEEN 2 AND $1 ORDER BY COUNT(*), word LIMIT 30`, 3*limit)
	if err != nil {
		t.Fatal(err)
	}
	uncommon := 0
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			t.Fatal(err)
		}
		terms = append(terms, []string{w})
		uncommon++
	}
	if err := rows.Err(); err != nil || uncommon < 10 {
		t.Fatalf("found %d words in 2 to %d documents (%v); the test needs them", uncommon, 3*limit, err)
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

// TestPostgresHeadByWords: the first tier of a search for a word, for
// words joined by OR, or for a prefix, ranked from search_head_words is the
// first tier ranked from every title-and-summary match, row for row (id,
// score, date), with filters, excluded words, visibility and any page
// depth. The database orders text by bytes, as prefixes need.
func TestPostgresHeadByWords(t *testing.T) {
	ctx := context.Background()
	db := postgresCorpusIn(t, 400, "TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")
	e := db.search.(postgresSearch)
	admin := debrief.Actor{Role: debrief.RoleAdmin}
	viewer := debrief.Actor{Email: "ana@example.com", Role: debrief.RoleViewer}
	deep := 0     // queries whose first tier is deeper than a page
	prefixed := 0 // prefixes that stand for two words or more
	for _, who := range []debrief.Actor{admin, viewer} {
		for _, qs := range []string{"database", "rollback", "redis OR memcached", "database OR rollback OR kafka", "replica -postgres",
			"database severity:1", "rollback status:published before:2022", "certificate", "redis OR memcached has:action-items-open",
			"kafka OR redis -database service:payments", "database OR nosuchword", "nosuchword", "rollback kind:incident after:2021",
			"kube*", "fail* severity:1", "chec* -database", "redis OR kube*", "page* OR kafka has:action-items-open", "depl*", "certificat*"} {
			p, err := search.Parse(qs, nil)
			if err != nil {
				t.Fatal(err)
			}
			words, err := e.headWords(ctx, db.r, p)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(qs, "*") && len(words) >= 2 {
				prefixed++
			}
			for _, keep := range []int{1, 7, 20, 1000} {
				query, args := e.headByWords(p, words, who, keep)
				if query == "" {
					t.Fatalf("headByWords(%q) = \"\"; want a statement", qs)
				}
				got, err := db.scanMatches(ctx, db.r, query, args, keep, nil)
				if err != nil {
					t.Fatalf("headByWords(%q): %v", qs, err)
				}
				from, score, w := db.searchSource(ctx, p, who, headMatches)
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
	if prefixed == 0 {
		t.Fatal("no prefix stands for two words or more in the corpus; the test checks little")
	}
	// A word matched by two terms scores twice for the query and once in
	// its row; a prefix of many words, or of none, is ranked from every
	// match too.
	for _, qs := range []string{`"connection pool"`, "checkout timed", "redis OR redis", "redis OR redi*", "kube* OR kubernetes", "co*", "nosuchprefix*"} {
		p, err := search.Parse(qs, nil)
		if err != nil {
			t.Fatal(err)
		}
		words, err := e.headWords(ctx, db.r, p)
		if err != nil {
			t.Fatal(err)
		}
		if query, _ := e.headByWords(p, words, admin, 20); query != "" {
			t.Errorf("headByWords(%q) = a statement for %q; want \"\" (ranked from every match)", qs, words)
		}
	}
}

// TestPostgresPrefixWordsNeedByteOrder: where the database's collation
// sorts words by language (Czech sorts "ch" after "h"), the words that
// share a prefix need not follow each other in search_head_words' btree,
// so a prefix is ranked from every match; its answer is the same.
func TestPostgresPrefixWordsNeedByteOrder(t *testing.T) {
	ctx := context.Background()
	byBytes := postgresCorpusIn(t, 200, "TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")
	byLanguage := postgresCorpusIn(t, 200, "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'cs-CZ' LOCALE 'C.UTF-8'")
	var after bool
	if err := byLanguage.r.QueryRowContext(ctx, `SELECT 'cha' > 'hz'`).Scan(&after); err != nil || !after {
		t.Fatalf("the Czech database sorts 'cha' after 'hz': %v (%v); the test needs it to", after, err)
	}
	for db, want := range map[*DB]bool{byBytes: true, byLanguage: false} {
		got, err := db.wordsInByteOrder(ctx, db.r)
		if err != nil || got != want {
			t.Fatalf("wordsInByteOrder = %v, %v; want %v", got, err, want)
		}
		p, err := search.Parse("kube*", nil)
		if err != nil {
			t.Fatal(err)
		}
		words, err := db.search.(postgresSearch).headWords(ctx, db.r, p)
		if err != nil || (len(words) > 0) != want {
			t.Fatalf("headWords(kube*) with words in byte order %v = %q, %v", want, words, err)
		}
	}
	admin := debrief.Actor{Role: debrief.RoleAdmin}
	for _, qs := range []string{"chec*", "redis OR kube*", "fail* severity:1"} {
		a, b := searchAs(t, byBytes, qs, admin, 50), searchAs(t, byLanguage, qs, admin, 50)
		if len(a.Hits) < 5 || !slices.EqualFunc(a.Hits, b.Hits, func(x, y debrief.SearchHit) bool { return x.Key == y.Key }) || a.Total != b.Total {
			t.Errorf("Search(%q): %d hits (total %d) by bytes, %d (total %d) by language, or fewer than 5; want the same, in the same order", qs, len(a.Hits), a.Total, len(b.Hits), b.Total)
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

// TestPostgresSimilarByTagFromTags: reading a tag's earlier incidents from
// the tag rows, which carry their document's kind and date (00028), finds
// what joining each tagged document's row finds (similarByTagSQL, which
// SQLite uses without its cache), for old and recent probes and tags with
// more documents than the lookup keeps, also after incidents were moved
// to other dates (their documents and tags rewritten).
func TestPostgresSimilarByTagFromTags(t *testing.T) {
	ctx := context.Background()
	db := postgresCorpus(t, 1200)
	e := postgresSearch{db: db}
	compare := func(stage string) {
		t.Helper()
		var tags [][2]string
		rows, err := db.r.QueryContext(ctx, `SELECT name, value FROM search_tags WHERE name IN ('service', 'factor', 'alert')
GROUP BY name, value ORDER BY COUNT(*) DESC, name, value LIMIT 12`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var tag [2]string
			if err := rows.Scan(&tag[0], &tag[1]); err != nil {
				t.Fatal(err)
			}
			tags = append(tags, tag)
		}
		if err := rows.Err(); err != nil || len(tags) < 6 {
			t.Fatalf("%s: %d tags (%v); the test needs several", stage, len(tags), err)
		}
		var busiest int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_tags WHERE name = $1 AND value = $2`, tags[0][0], tags[0][1]).Scan(&busiest); err != nil || busiest <= simPerValue {
			t.Fatalf("%s: the busiest tag has %d documents (%v); the test needs more than %d", stage, busiest, err, simPerValue)
		}
		var probes [][2]int64
		rows, err = db.r.QueryContext(ctx, `SELECT id, date FROM (SELECT id, date, ntile(6) OVER (ORDER BY date) AS q FROM search_docs WHERE kind = 'incident') x
WHERE q > 0 ORDER BY date`)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; rows.Next(); i++ {
			var p [2]int64
			if err := rows.Scan(&p[0], &p[1]); err != nil {
				t.Fatal(err)
			}
			if i%200 == 3 {
				probes = append(probes, p)
			}
		}
		if err := rows.Err(); err != nil || len(probes) < 5 {
			t.Fatalf("%s: %d probes (%v)", stage, len(probes), err)
		}
		for _, tag := range tags {
			for _, p := range probes {
				got, want := map[int64]bool{}, map[int64]bool{}
				if err := e.similarByTag(ctx, tag[0], tag[1], p[1], p[0], got); err != nil {
					t.Fatal(err)
				}
				if err := db.similarByTagSQL(ctx, tag[0], tag[1], p[1], p[0], want); err != nil {
					t.Fatal(err)
				}
				if !maps.Equal(got, want) {
					t.Errorf("%s: %s=%s before document %d: the tag rows give %d incidents, the documents' rows %d (or other ones)", stage, tag[0], tag[1], p[0], len(got), len(want))
				}
			}
		}
	}
	compare("after the import")
	// Move every tenth incident 500 days later: its document and tags are
	// written again, and the tags must follow the new date.
	var ids []int64
	rows, err := db.r.QueryContext(ctx, `SELECT incident_id FROM search_docs WHERE kind = 'incident' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; rows.Next(); i++ {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		if i%10 == 0 {
			ids = append(ids, id)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		inc, err := db.Incident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		inc.StartedAt = inc.StartedAt.Add(500 * 24 * time.Hour)
		if err := db.UpdateIncident(ctx, inc, inc.Version, nil); err != nil {
			t.Fatalf("UpdateIncident %d: %v", id, err)
		}
	}
	var stale int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_tags t JOIN search_docs d ON d.id = t.doc_id WHERE t.kind <> d.kind OR t.date <> d.date`).Scan(&stale); err != nil || stale != 0 {
		t.Fatalf("%d tag rows (%v) differ from their document's kind or date", stale, err)
	}
	compare("after moving incidents")
}

// TestPostgresListsPlannedForTheirFilters: the filtered lists run as the
// unnamed statement, planned for the values asked each time, so no
// generic plan made from average selectivities (which walked the whole
// primary key for the open incidents when nearly all are closed) is ever
// kept for them; reads by key keep their prepared statements. Checked on
// a pool of one connection, through the statements that connection has
// prepared.
func TestPostgresListsPlannedForTheirFilters(t *testing.T) {
	ctx := context.Background()
	db := openTestStore(t, storetest.PostgresDSN(t), Options{ReadConns: 1})
	inc := &debrief.Incident{Title: "Checkout down", Severity: "SEV2", Status: debrief.StatusInvestigating, StartedAt: time.Now().UTC()}
	if err := db.CreateIncident(ctx, inc, nil); err != nil {
		t.Fatal(err)
	}
	for range 7 {
		if _, err := db.ListIncidents(ctx, debrief.IncidentFilter{Status: []debrief.IncidentStatus{debrief.StatusInvestigating, debrief.StatusIdentified}, Limit: 10}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ListPostmortems(ctx, debrief.PostmortemFilter{Status: []debrief.PostmortemStatus{debrief.PostmortemPublished}, Limit: 10}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ListActionItems(ctx, debrief.ActionItemFilter{Owner: "ada@example.com", Limit: 10}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Incident(ctx, inc.ID); err != nil {
			t.Fatal(err)
		}
	}
	prepared := func(like string) int {
		t.Helper()
		var n int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE $1`, like).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := prepared(`%FROM incidents WHERE id = %`); n == 0 {
		t.Fatalf("the read of an incident by id is not among the connection's prepared statements; the check below would prove nothing")
	}
	for _, like := range []string{`%FROM incidents WHERE status IN%`, `%FROM postmortems%status%`, `%FROM action_items%owner%`} {
		if n := prepared(like); n != 0 {
			t.Errorf("%d prepared statements like %q: a filtered list kept a prepared statement, which PostgreSQL may plan once for any values", n, like)
		}
	}
}

// TestPostgresFiltersByTagsColumn: searches with tag filters read through
// search_docs.tag_ids (migration 00029) give the hits, order, totals and
// facets that the tag rows give, counted and estimated from a sample, for
// each kind of viewer; and each document's tag_ids hold exactly its
// filter tag rows, after the import and after incidents are changed and
// deleted.
func TestPostgresFiltersByTagsColumn(t *testing.T) {
	ctx := context.Background()
	db := postgresCorpus(t, 1200)
	if !db.tune.tagsArray {
		t.Fatal("PostgreSQL's tuning does not filter by the tag_ids column; the test would compare a path with itself")
	}
	viewers := []debrief.Actor{{Role: debrief.RoleAdmin}, {Email: "ana@example.com", Role: debrief.RoleViewer}, {Role: debrief.RoleViewer}}
	queries := []string{"service:payments", "database service:payments", "severity:1", "kind:incident database", "kind:project", "severity:2,3 timeout kind:incident", "timeout status:published before:2022", "severity:1 database",
		"pool label:network,config", "factor:connection-pool-too-small", "database owner:ana@example.com service:checkout,payments",
		"database -replica service:payments", `"connection pool" status:published`, "kube* severity:1,2 service:search", "service:nosuch database"}
	columnMatchesRows := func(when string) {
		t.Helper()
		var differ, docs int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FILTER (WHERE d.tags <> COALESCE(t.tags, '{}')), COUNT(*)
FROM (SELECT d.id, ARRAY(SELECT k.name || ':' || k.value FROM search_tag_keys k WHERE k.id = ANY(d.tag_ids) ORDER BY k.name || ':' || k.value COLLATE "C") AS tags,
	cardinality(d.tag_ids) AS n FROM search_docs d) d
LEFT JOIN (SELECT doc_id, array_agg(name || ':' || value ORDER BY name || ':' || value COLLATE "C") AS tags FROM (
	SELECT doc_id, name, value FROM search_tags WHERE name = ANY($1)
	UNION ALL SELECT id, 'severity', severity FROM search_docs WHERE severity <> ''
	UNION ALL SELECT id, 'kind', kind FROM search_docs) x GROUP BY doc_id) t ON t.doc_id = d.id`, filterTagNames).Scan(&differ, &docs); err != nil {
			t.Fatal(err)
		}
		if differ != 0 || docs == 0 {
			t.Fatalf("%s: %d of %d documents' tag_ids differ from their tag rows", when, differ, docs)
		}
		var unsorted int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_docs d WHERE d.tag_ids <> ARRAY(SELECT DISTINCT u FROM unnest(d.tag_ids) AS u ORDER BY u)`).Scan(&unsorted); err != nil || unsorted != 0 {
			t.Fatalf("%s: %d documents' tag_ids (%v) are not sorted and distinct", when, unsorted, err)
		}
	}
	compare := func(when string) {
		t.Helper()
		columnMatchesRows(when)
		found := 0
		for _, sample := range []bool{false, true} {
			if sample {
				// Past 40 matches, counted among about 300 documents.
				db.tune.estimateAbove, db.tune.sampleDocs = 40, 300
			}
			for _, q := range queries {
				for _, who := range viewers {
					p, err := search.Parse(q, nil)
					if err != nil {
						t.Fatal(err)
					}
					p.Limit = 30
					byColumn, err := db.Search(ctx, p, who)
					if err != nil {
						t.Fatalf("%s: Search(%q) = %v", when, q, err)
					}
					db.tune.tagsArray = false
					byRows, err := db.Search(ctx, p, who)
					db.tune.tagsArray = true
					if err != nil {
						t.Fatalf("%s: Search(%q) by the tag rows = %v", when, q, err)
					}
					if !reflect.DeepEqual(byColumn, byRows) {
						t.Errorf("%s (sample %v): Search(%q) as %q by tag_ids: %d %v %v\nby the tag rows: %d %v %v; want the same",
							when, sample, q, who.Email, byColumn.Total, searchKeys(byColumn), byColumn.Facets, byRows.Total, searchKeys(byRows), byRows.Facets)
					}
					found += len(byColumn.Hits)
				}
			}
			db.tune = postgresSearchTuning()
		}
		if found < 100 {
			t.Fatalf("%s: the queries found %d documents in all; the test needs more to compare", when, found)
		}
	}
	compare("after the import")
	// Every seventh incident gets other services, every eleventh is
	// deleted: the documents are written again, and their tags with them.
	rows, err := db.r.QueryContext(ctx, `SELECT incident_id FROM search_docs WHERE kind = 'incident' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		switch {
		case i%11 == 0:
			inc, err := db.Incident(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteIncident(ctx, id, inc.Version, &debrief.Revision{EntityType: "incident", EntityID: id, Action: "delete", Actor: "test", At: time.Now().UTC()}); err != nil {
				t.Fatalf("DeleteIncident %d: %v", id, err)
			}
		case i%7 == 0:
			inc, err := db.Incident(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			inc.Services = []string{"payments", "search-" + strconv.Itoa(i%3)}
			if err := db.UpdateIncident(ctx, inc, inc.Version, nil); err != nil {
				t.Fatalf("UpdateIncident %d: %v", id, err)
			}
		}
	}
	compare("after changing and deleting incidents")
	// Writing a document again names values that have numbers: none is
	// taken from the sequence for them.
	var given, keys int
	if err := db.r.QueryRowContext(ctx, `SELECT (SELECT last_value FROM search_tag_keys_id_seq), (SELECT COUNT(*) FROM search_tag_keys)`).Scan(&given, &keys); err != nil {
		t.Fatal(err)
	}
	if given != keys {
		t.Errorf("the sequence of tag numbers gave %d numbers for %d values; writes spend numbers on values already numbered", given, keys)
	}
	// The migration writes the same column from the tag rows of the
	// documents already there.
	sub, err := fs.Sub(migrationFiles, db.d.migrations)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db.w, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 28); err != nil {
		t.Fatalf("migrate down to 28: %v", err)
	}
	if _, err := p.UpTo(ctx, 29); err != nil {
		t.Fatalf("migrate up to 29: %v", err)
	}
	compare("after migration 00029 wrote tag_ids again")
}

// TestPostgresTagNumbersConcurrent: writers that number the same new
// filter values at once, each in its own order, more of them than the
// pool has connections, all succeed, and every document's tag_ids name
// its values; searches by them find every document.
func TestPostgresTagNumbersConcurrent(t *testing.T) {
	ctx := context.Background()
	db := openTestStore(t, storetest.PostgresDSN(t), Options{ReadConns: 4})
	const writers, each = 12, 4
	services := []string{"svc-alpha", "svc-bravo", "svc-charlie", "svc-delta", "svc-echo", "svc-foxtrot"}
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				// Each incident names three of the new services, in an
				// order of its own.
				picked := []string{services[(w+i)%6], services[(w+2*i+1)%6], services[(5*w+i+3)%6]}
				inc := &debrief.Incident{Title: fmt.Sprintf("Writer %d incident %d", w, i), Services: picked, Severity: "SEV2",
					Status: debrief.StatusResolved, StartedAt: time.Date(2025, 1, 1+w, i, 0, 0, 0, time.UTC)}
				if err := db.CreateIncident(ctx, inc, &debrief.Revision{EntityType: "incident", Action: "create", Actor: "test", At: time.Now().UTC()}); err != nil {
					errs <- fmt.Errorf("writer %d incident %d: %w", w, i, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var keys, docs, wrong int
	if err := db.r.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM search_tag_keys WHERE name = 'service' AND value LIKE 'svc-%'),
	(SELECT COUNT(*) FROM search_docs), (SELECT COUNT(*) FROM search_docs d WHERE cardinality(d.tag_ids) <> (SELECT COUNT(*) FROM search_tags t
		WHERE t.doc_id = d.id AND t.name = ANY($1)) + CASE WHEN d.severity <> '' THEN 2 ELSE 1 END)`, filterTagNames).Scan(&keys, &docs, &wrong); err != nil {
		t.Fatal(err)
	}
	if keys != len(services) || docs != writers*each || wrong != 0 {
		t.Fatalf("%d numbered services (want %d), %d documents (want %d), %d with the wrong number of values", keys, len(services), docs, writers*each, wrong)
	}
	total := 0
	for _, s := range services {
		p, err := search.Parse("service:"+s, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := db.Search(ctx, p, debrief.Actor{Role: debrief.RoleAdmin})
		if err != nil {
			t.Fatal(err)
		}
		total += res.Total
	}
	// Each incident names three services, some twice.
	var want int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_tags WHERE name = 'service' AND value LIKE 'svc-%'`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if total != want || want < writers*each {
		t.Fatalf("searches by service found %d documents in all, the tag rows say %d", total, want)
	}
}

// TestPostgresFilteredSearchesPlanned: the statements of a search that
// bind filter numbers (tag_ids) run as the unnamed statement, planned for
// the numbers given each time: a generic plan made once would guess how
// many documents a value is on (status:published is on most) and might
// start from it. A search without filters keeps its prepared statements.
func TestPostgresFilteredSearchesPlanned(t *testing.T) {
	ctx := context.Background()
	db := openTestStore(t, storetest.PostgresDSN(t), Options{ReadConns: 1})
	inc := &debrief.Incident{Title: "Checkout database timeouts", Services: []string{"checkout-api"}, Severity: "SEV1",
		Status: debrief.StatusResolved, StartedAt: time.Now().UTC()}
	if err := db.CreateIncident(ctx, inc, nil); err != nil {
		t.Fatal(err)
	}
	find := func(q string) {
		t.Helper()
		p, err := search.Parse(q, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := db.Search(ctx, p, debrief.Actor{Role: debrief.RoleAdmin})
		if err != nil || res.Total != 1 {
			t.Fatalf("Search(%q) = %v, %v; want the incident", q, res, err)
		}
	}
	for range 7 {
		find("database")
		find("database service:checkout-api")
		find("database severity:1")
		find("severity:1 kind:incident")
	}
	var plain, filtered int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FILTER (WHERE statement NOT LIKE '%tag_ids%'), COUNT(*) FILTER (WHERE statement LIKE '%tag_ids &&%')
FROM pg_prepared_statements WHERE statement LIKE '%FROM search_docs d%' AND statement NOT LIKE '%pg_prepared_statements%'`).Scan(&plain, &filtered); err != nil {
		t.Fatal(err)
	}
	if plain == 0 {
		t.Fatal("no statement of the search without filters is prepared; the check below would prove nothing")
	}
	if filtered != 0 {
		var which string
		_ = db.r.QueryRowContext(ctx, `SELECT string_agg(statement, E'\n---\n') FROM pg_prepared_statements WHERE statement LIKE '%tag_ids &&%' AND statement NOT LIKE '%pg_prepared_statements%'`).Scan(&which)
		t.Errorf("%d prepared statements filter by tag_ids: a filtered search kept a prepared statement, which PostgreSQL may plan once for any numbers:\n%s", filtered, which)
	}
}

// TestPostgresHeadRankedAlongside: a search whose first tier is ranked on a
// second connection, while its own counts, answers what it answers one
// statement after the other (every other connection busy), and many more
// searches at once than the pool has connections all finish: the second
// connection is taken only when free, never waited for.
func TestPostgresHeadRankedAlongside(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.PostgresDSN(t)
	db := openTestStore(t, dsn, Options{ReadConns: 3})
	recs := make([]genRecord, 600)
	for i := range recs {
		recs[i] = genCorpusRecord(i)
	}
	if err := bulkImport(ctx, db, recs); err != nil {
		t.Fatal(err)
	}
	viewer := debrief.Actor{Email: "ana@example.com", Role: debrief.RoleViewer}
	queries := []string{"database", `"connection pool"`, "kafka consumer group has:action-items-open", "kube*", "replica -postgres",
		`checkout "timed out"`, "severity:1 certificate", "rollback status:published before:2022", "nosuchword"}
	alongside := map[string]*debrief.SearchResults{}
	for _, qs := range queries {
		alongside[qs] = searchAs(t, db, qs, viewer, 30)
	}
	// Every connection but the search's own is taken: no second one.
	for range cap(db.rg.slots) - 1 {
		if !db.rg.tryEnter() {
			t.Fatal("a slot of the idle store's gate is taken")
		}
	}
	if free := cap(db.rg.slots) - len(db.rg.slots); free != 1 {
		t.Fatalf("%d slots free; want the search's own", free)
	}
	for _, qs := range queries {
		got, want := searchAs(t, db, qs, viewer, 30), alongside[qs]
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Search(%q) one statement after the other:\n%+v\nwant (first tier alongside):\n%+v", qs, got, want)
		}
	}
	for range cap(db.rg.slots) - 1 {
		db.rg.leave()
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(queries))
	for i := range 8 * len(queries) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := search.Parse(queries[i%len(queries)], nil)
			if err != nil {
				errs <- err
				return
			}
			if _, err := db.Search(ctx, p, viewer); err != nil {
				errs <- fmt.Errorf("Search(%q) = %w", queries[i%len(queries)], err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestPostgresMatchBound: the statistics' bound on a search's matches
// (idSpan's most), which lets a search the statistics call small skip the
// sample, is never below the matches the search has, and is small for
// searches of rare words. ANALYZE reads every row of a corpus this size, so
// the shares it keeps are exact.
func TestPostgresMatchBound(t *testing.T) {
	ctx := context.Background()
	db := postgresCorpus(t, 1200)
	e := db.search.(postgresSearch)
	small := 0
	for _, qs := range []string{"database", "rollback", "payments-042", `"connection pool"`, `checkout "timed out"`, "kafka consumer group",
		"redis OR memcached", "replica -postgres", "HighLatencyP99", "database OR nosuchword", "nosuchword", "kube*", "certificate severity:1"} {
		p, err := search.Parse(qs, nil)
		if err != nil {
			t.Fatal(err)
		}
		span, err := e.idSpan(ctx, db.r, p)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_docs WHERE tsv @@ $1::tsquery`, tsQuery(p.All, p.Not)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if span.most+0.5 < float64(n) { // the shares are stored as float4
			t.Errorf("idSpan(%q).most = %.0f, below its %d matches", qs, span.most, n)
		}
		if strings.HasSuffix(qs, "*") && span.most != span.docs {
			t.Errorf("idSpan(%q).most = %.0f; a prefix is bound by nothing but the %.0f documents", qs, span.most, span.docs)
		}
		if span.most < 0.05*span.docs {
			small++
		}
	}
	if small < 3 {
		t.Errorf("%d searches bound below 5%% of the documents; the rare ones should be", small)
	}
}

func TestMatchShare(t *testing.T) {
	share := map[string]float64{"database": 0.25, "pool": 0.16, "connection": 0.13, "kafka": 0.075, "group": 0.03}
	for qs, want := range map[string]float64{
		"database":                      0.25,
		`"connection pool"`:             0.13,
		"kafka group":                   0.03,
		"database OR kafka":             0.325,
		"database OR rare":              0.27,
		"rare":                          0.02,
		"kube*":                         1,
		"database kube*":                0.25,
		"kube* OR rare":                 1,
		`database "connection rare"`:    0.02,
		"database -kafka":               0.25,
		"kafka OR group OR database -x": 0.355,
	} {
		p, err := search.Parse(qs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := matchShare(p, share, 0.02); math.Abs(got-want) > 1e-9 {
			t.Errorf("matchShare(%q) = %v, want %v", qs, got, want)
		}
	}
}
