package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// postgresSearch is the search index on PostgreSQL: each document's words
// are a tsvector column of search_docs (tsv: title A, summary B, body C,
// extra D) with a GIN index, and its title and summary words again in
// search_heads (migration 00019) with a GIN index of their own, for the
// first tier. It keeps nothing in memory, so several
// instances on one database always agree.
type postgresSearch struct {
	db *DB
}

// tsRankWeight gives ts_rank_cd the weights of D, C, B and A, in that
// order, so a title match counts far above a body match, as bm25Weights
// does on SQLite.
const tsRankWeight = "{0.05, 0.1, 0.4, 1.0}"

// searchLockClass namespaces the advisory locks that serialise rebuilds of
// one document ('srch').
const searchLockClass = 0x73726368

func (e postgresSearch) close() {}

// match: the first tier is found, filtered and ranked in search_heads
// alone, aliased d: it holds the title and summary words and every column
// the filters and visibility read (migrations 00019, 00024). Excluded
// words are looked for in the whole document.
func (e postgresSearch) match(q *debrief.SearchQuery, part textPart, w *where) (from, score string) {
	from, first := `search_docs d`, tsQuery(q.All, q.Not)
	if part == headMatches {
		from, first = `search_heads d`, tsQuery(q.All, nil)
	}
	w.add(`d.tsv @@ ?::tsquery`, first)
	// The score names this placeholder again rather than binding the query
	// twice: a statement that reads no score binds nothing it does not use.
	score = `ts_rank_cd('` + tsRankWeight + `', d.tsv, $` + strconv.Itoa(len(w.args)) + `::tsquery)`
	switch {
	case part == headMatches && len(q.Not) > 0:
		// Through the index of the excluded words' documents, usually
		// few, rather than reading each first-tier match's whole tsvector.
		w.add(`d.id NOT IN (SELECT x.id FROM search_docs x WHERE x.tsv @@ ?::tsquery)`, tsQuery([]debrief.SearchGroup{q.Not}, nil))
	case part == restMatches:
		w.add(`d.id NOT IN (SELECT h.id FROM search_heads h WHERE h.tsv @@ ?::tsquery)`, tsQuery(q.All, nil))
	}
	return from, score
}

func (e postgresSearch) headTier(q *debrief.SearchQuery, w *where) string {
	return `CASE WHEN d.id IN (SELECT h.id FROM search_heads h WHERE h.tsv @@ ` + w.next(tsQuery(q.All, nil)) + `::tsquery) THEN 1 ELSE 0 END`
}

func (e postgresSearch) exclude(not []debrief.SearchTerm, w *where) {
	w.add(`NOT (d.tsv @@ ?::tsquery)`, tsQuery([]debrief.SearchGroup{not}, nil))
}

func (e postgresSearch) countUpTo(ctx context.Context, qr querier, q *debrief.SearchQuery, limit int) (int, error) {
	var n int
	err := qr.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM search_docs d WHERE d.tsv @@ $1::tsquery LIMIT $2) AS m`,
		tsQuery(q.All, q.Not), limit).Scan(&n)
	if err != nil {
		return 0, mapSearchErr(err)
	}
	return n, nil
}

// rankTiered does on the server what the one-pass path does in the
// store: the total and facets are aggregated by PostgreSQL (estimated from
// a sample past estimateAbove matches, as on SQLite), and each tier is
// ranked by a statement that returns only its best rows, the second only
// when the page reaches past the first. Only the page's rows and the
// facets' counts cross to the store.
func (e postgresSearch) rankTiered(ctx context.Context, tx *sql.Tx, q *debrief.SearchQuery, viewer debrief.Actor, keep int, acc *facetAcc) ([]scored, bool, error) {
	if e.db.tune.tagsArray {
		ids, err := e.lookupTagIDs(ctx, tx, q)
		if err != nil {
			return nil, true, err
		}
		if ids != nil {
			ctx = withTagIDs(ctx, ids)
		}
	}
	if !q.HasText() {
		// A search by filters alone ranks newest first, which the count
		// returns.
		newest, err := e.countFacets(ctx, tx, q, viewer, keep, acc)
		sortScored(newest)
		return newest, true, err
	}
	// The count and the first tier's ranking do not depend on each other:
	// when another connection is free at once, the first tier is ranked
	// there while this one counts, and the search takes the longer of the
	// two instead of both ("kafka consumer group": 8 and 6.5 ms of the
	// server's time at 100,000 documents). Each statement of a READ
	// COMMITTED transaction reads its own snapshot anyway, so the two see
	// what they would have seen one after the other. The second
	// connection is never waited for (tryEnter), so no search holds one
	// connection while it waits for another, and when every connection is
	// busy the search runs as before, one statement after the other.
	var head chan headRank
	if e.db.rg.tryEnter() {
		head = make(chan headRank, 1)
		go func() {
			defer e.db.rg.leave()
			top, err := e.rankHead(ctx, e.db.r, q, viewer, keep)
			head <- headRank{top, err}
		}()
	}
	if _, err := e.countFacets(ctx, tx, q, viewer, keep, acc); err != nil {
		return nil, true, err
	}
	var top []scored
	var err error
	if head != nil {
		r := <-head
		top, err = r.top, r.err
	} else {
		top, err = e.rankHead(ctx, tx, q, viewer, keep)
	}
	if err != nil {
		return nil, true, err
	}
	top, err = e.db.rankRest(ctx, tx, q, viewer, top, keep)
	return top, true, err
}

// headRank is what rankHead returned.
type headRank struct {
	top []scored
	err error
}

// rankHead returns the best keep of q's first tier (its title-and-summary
// matches), sorted: from search_head_words for words and prefixes, else
// by ranking every match.
func (e postgresSearch) rankHead(ctx context.Context, qr querier, q *debrief.SearchQuery, viewer debrief.Actor, keep int) ([]scored, error) {
	words, err := e.headWords(ctx, qr, q)
	if err != nil {
		return nil, err
	}
	query, args := e.headByWords(q, words, viewer, keep)
	if query == "" {
		from, score, w := e.db.searchSource(ctx, q, viewer, headMatches)
		query, args = `SELECT d.id, 1, `+score+`, d.date, NULL, NULL, NULL FROM `+from+w.sql()+
			` ORDER BY 3 DESC, 4 DESC, 1 DESC LIMIT `+strconv.Itoa(keep), w.args
	}
	top, err := e.db.scanMatches(ctx, qr, query, args, keep, nil)
	if err != nil {
		return nil, err
	}
	sortScored(top)
	return top, nil
}

// maxHeadWords is the most words joined by OR whose first tier headByWords
// ranks from search_head_words: the documents with two of them or more
// are looked up by a tsquery of every pair.
const maxHeadWords = 8

// headWords returns the words whose search_head_words rows headByWords
// ranks q's first tier from: q's words when q is one word, or words joined
// by OR, and each prefix (kube*) replaced by the title-and-summary words it
// matches. It returns nil for other searches (phrases, several groups of
// words), for more than maxHeadWords words, for a word matched by two
// terms (redis OR red*: the query's score counts it twice, a word's row
// once), and for prefixes where the words' order is not their bytes'.
func (e postgresSearch) headWords(ctx context.Context, qr querier, q *debrief.SearchQuery) ([]string, error) {
	if len(q.All) != 1 || len(q.All[0]) == 0 || len(q.All[0]) > maxHeadWords {
		return nil, nil
	}
	var words []string
	for _, t := range q.All[0] {
		if len(t.Tokens) != 1 {
			return nil, nil
		}
		found := []string{t.Tokens[0]}
		if t.Prefix {
			bytewise, err := e.db.wordsInByteOrder(ctx, qr)
			if err != nil || !bytewise {
				return nil, err
			}
			if found, err = e.prefixWords(ctx, qr, t.Tokens[0], maxHeadWords+1); err != nil {
				return nil, err
			}
		}
		for _, w := range found {
			if slices.Contains(words, w) {
				return nil, nil
			}
			words = append(words, w)
		}
		if len(words) > maxHeadWords {
			return nil, nil
		}
	}
	return words, nil
}

// prefixWords returns up to limit of the title-and-summary words that
// start with prefix, in byte order, read from search_head_words' btree by
// skipping from one word to the next (each step one descent of the index,
// not a read of the word's rows): in the generated corpus of 100,000
// documents "chec*" is three words (checked, checkout, checks) with 40,138
// rows between them. The words that start with prefix follow each other
// in the btree only when it orders words by their bytes (wordsInByteOrder).
func (e postgresSearch) prefixWords(ctx context.Context, qr querier, prefix string, limit int) ([]string, error) {
	rows, err := qr.QueryContext(ctx, `WITH RECURSIVE p(word) AS (
	(SELECT word FROM search_head_words WHERE word >= $1 ORDER BY word LIMIT 1)
	UNION ALL
	SELECT (SELECT w.word FROM search_head_words w WHERE w.word > p.word ORDER BY w.word LIMIT 1) FROM p WHERE starts_with(p.word, $1))
SELECT word FROM p WHERE starts_with(word, $1) LIMIT $2`, prefix, limit)
	if err != nil {
		return nil, mapSearchErr(err)
	}
	defer rows.Close()
	var words []string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, mapSearchErr(err)
		}
		words = append(words, w)
	}
	if err := rows.Err(); err != nil {
		return nil, mapSearchErr(err)
	}
	return words, nil
}

// wordsInByteOrder says whether the database orders text by its bytes
// (collation C, POSIX or C.UTF-8 from the C library), as prefixWords
// needs: a language's collation may sort other words between two that
// share a prefix (Czech sorts "ch" after "h"). It asks once per store;
// a database's collation is fixed when it is created.
func (db *DB) wordsInByteOrder(ctx context.Context, qr querier) (bool, error) {
	switch db.byteOrder.Load() {
	case 1:
		return true, nil
	case 2:
		return false, nil
	}
	var collate, provider string
	// datlocprovider is PostgreSQL 15's; read through to_jsonb so that
	// older servers, which only have the C library's collations, answer too.
	if err := qr.QueryRowContext(ctx, `SELECT d.datcollate, COALESCE(to_jsonb(d) ->> 'datlocprovider', 'c')
FROM pg_database d WHERE d.datname = current_database()`).Scan(&collate, &provider); err != nil {
		return false, mapSearchErr(err)
	}
	ok := provider == "c" && (collate == "C" || collate == "POSIX" || strings.EqualFold(collate, "C.UTF-8") || strings.EqualFold(collate, "C.utf8"))
	if ok {
		db.byteOrder.Store(1)
	} else {
		db.byteOrder.Store(2)
	}
	return ok, nil
}

// headByWords returns the statement that ranks the first tier of a search
// for one word, or for words joined by OR (redis OR memcached), from
// search_head_words, and its arguments; "" when words (headWords) is empty,
// as for phrases and several groups of words, which rank every first-tier
// match. A prefix's words rank as the prefix does: a document with one of
// them scores for the prefix what it scores for that word.
//
// A document's first-tier score (ts_rank_cd of the query on its title and
// summary) for one word is that word's row of search_head_words; for words
// joined by OR it is the same as for the one word when it has only that
// one (ts_rank_cd sums over the query's words' positions, and the others
// have none). So the statement takes, for each word, the best keep rows of
// the documents with that word and none of the others, read in ranking
// order through the btree and stopping at keep, and the best keep of the
// few documents with two words or more, ranked as before; the best keep of
// those are the first tier's best keep, in the same order. Filters and
// visibility are checked on search_heads, row by row, as the rows are read.
func (e postgresSearch) headByWords(q *debrief.SearchQuery, words []string, viewer debrief.Actor, keep int) (string, []any) {
	if len(words) == 0 {
		return "", nil
	}
	w := &where{}
	searchFilters(w, q, viewer)
	if len(q.Not) > 0 {
		// Checked row by row, as the rows are read: NOT IN made the
		// planner join every row of search_heads.
		w.add(`NOT EXISTS (SELECT 1 FROM search_docs x WHERE x.id = d.id AND x.tsv @@ ?::tsquery)`, tsQuery([]debrief.SearchGroup{q.Not}, nil))
	}
	filters := w.conds
	and := func(conds ...string) string { return strings.Join(append(conds, filters...), " AND ") }
	limit := strconv.Itoa(keep)
	var parts []string
	for i, word := range words {
		cond := `w.word = ` + w.next(word)
		if len(words) > 1 {
			others := slices.Concat(words[:i], words[i+1:])
			cond += ` AND NOT (d.tsv @@ ` + w.next(lexemeQuery(others, " | ")) + `::tsquery)`
		}
		parts = append(parts, `(SELECT w.id, w.score, w.date FROM search_head_words w JOIN search_heads d ON d.id = w.id WHERE `+and(cond)+
			` ORDER BY w.score DESC, w.date DESC, w.id DESC LIMIT `+limit+`)`)
	}
	if len(words) > 1 {
		var pairs []string
		for i := range words {
			for j := i + 1; j < len(words); j++ {
				pairs = append(pairs, "("+lexemeQuery([]string{words[i], words[j]}, " & ")+")")
			}
		}
		cond := `d.tsv @@ ` + w.next(strings.Join(pairs, " | ")) + `::tsquery`
		parts = append(parts, `(SELECT d.id, ts_rank_cd('`+tsRankWeight+`', d.tsv, `+w.next(tsQuery(q.All, nil))+`::tsquery), d.date FROM search_heads d WHERE `+and(cond)+
			` ORDER BY 2 DESC, 3 DESC, 1 DESC LIMIT `+limit+`)`)
	}
	return `SELECT id, 1, score, date, NULL, NULL, NULL FROM (` + strings.Join(parts, " UNION ALL ") + `) AS t ORDER BY 3 DESC, 4 DESC, 1 DESC LIMIT ` + limit, w.args
}

// lexemeQuery joins the words, quoted, with op (" | " or " & ").
func lexemeQuery(words []string, op string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = quoteLexeme(w)
	}
	return strings.Join(quoted, op)
}

// facetsSQL aggregates the rows of source, (id, date, severity, year,
// services, factors, ok), into (facet, value, count, id) rows: n the total
// of the rows where ok, r the total of all rows, s, y, v and f the
// severities, years, services and factors of the rows where ok, counted
// as scanMatches counts them. facetsNewestSQL adds the newest of them as k
// rows (date in count).
//
// A row's services and factors are split by set-returning functions in the
// select list, which PostgreSQL runs as one ProjectSet over the rows, not
// in the FROM list, where each row's call is a function scan of its own
// that stores its output before the join reads it: for 3,145 matches the
// two facets took 10.4 ms that way and 5.2 ms this way (EXPLAIN ANALYZE at
// 100,000 documents).
const facetsSQL = `WITH m AS MATERIALIZED (%s)
SELECT 'n', '', COUNT(*), NULL::bigint FROM m WHERE ok
UNION ALL SELECT 'r', '', COUNT(*), NULL FROM m
UNION ALL SELECT 's', severity, COUNT(*), NULL FROM m WHERE ok AND severity <> '' GROUP BY severity
UNION ALL SELECT 'y', year::text, COUNT(*), NULL FROM m WHERE ok GROUP BY year
UNION ALL SELECT 'v', v, COUNT(*), NULL FROM (SELECT unnest(string_to_array(m.services, E'\n')) AS v FROM m WHERE ok AND m.services <> '') AS s GROUP BY v
UNION ALL SELECT 'f', f, COUNT(*), NULL FROM (SELECT jsonb_array_elements_text(m.factors::jsonb) AS f FROM m WHERE ok AND m.factors <> '[]') AS s GROUP BY f`

// facetsWindowsSQL counts, for a sample, the stretches its text matches
// fell in (spreadOut).
const facetsWindowsSQL = `
UNION ALL SELECT 'w', '', COUNT(DISTINCT win), NULL FROM m`

const facetsNewestSQL = `
UNION ALL (SELECT 'k', '', date, id FROM m WHERE ok ORDER BY date DESC, id DESC LIMIT %d)`

// countFacets counts q's matches and their facets into acc. Past
// estimateAbove matches that pass the filters, in a corpus of at least
// twice sampleDocs documents, it counts them among a sample of the
// documents (ids in estimateWindows stretches spread over the index) and
// scales up, and acc says so, as SQLite does (rankEstimated); searches
// by filters alone are always counted. Unlike SQLite, which counts them,
// searches with excluded words are estimated too: the sample's statement
// holds the whole tsquery, exclusions included, so it counts among the
// sampled documents exactly the matches the search has. Matches bunched
// in a few of the sample's stretches are counted, as on SQLite
// (spreadOut).
//
// The sample is an eighth of sampleDocs first, and a larger one (sized by
// nextSample, up to sampleDocs) only when that held too few text matches
// to tell, unless it already says the matches that pass the filters are
// few enough to count. For a word in most documents
// PostgreSQL checks each sampled document's whole tsvector rather than
// intersecting the sample with the word's index entries (its planner does
// not count the cost of reading the vector), so the sample must stay
// small; for rarer words it does intersect, and a larger sample costs
// little.
//
// A search by filters alone has no relevance to rank by: countFacets
// returns its newest keep matches, read in the same statement.
func (e postgresSearch) countFacets(ctx context.Context, tx *sql.Tx, q *debrief.SearchQuery, viewer debrief.Actor, keep int, acc *facetAcc) ([]scored, error) {
	t := e.db.tune
	if q.HasText() && t.sampleDocs > 0 {
		ids, err := e.idSpan(ctx, tx, q)
		if err != nil {
			return nil, err
		}
		// A search the statistics say has too few matches to estimate
		// is counted without a sample first: most searches are for rare
		// words (a host, an error code, a service), and for them the
		// sample was a statement spent to learn what they already say.
		// The margin covers the statistics' error (their sample of
		// 30,000 rows puts a word in 3% of documents within 0.1%); words
		// that became common since the last ANALYZE are counted, which
		// costs time, not correctness.
		sample := ids.most*1.2 > float64(t.estimateAbove)
		for n := t.sampleDocs / 8; sample && n > 0 && ids.docs >= 2*float64(t.sampleDocs); {
			windows, scale := ids.windows(n)
			if windows.cond == "" {
				break
			}
			sample := newFacetAcc()
			seen, _, err := e.aggregate(ctx, tx, q, viewer, windows, 0, sample)
			if err != nil {
				return nil, err
			}
			raw := seen.raw
			if float64(sample.total)*scale <= float64(t.estimateAbove) {
				// Few matches pass the filters, or few match at all:
				// counting them costs little. A sample too small to
				// tell errs this way only, to counting.
				break
			}
			if raw < pgSampleEnough && n < t.sampleDocs {
				n = nextSample(n, raw, t.sampleDocs)
				continue
			}
			if !spreadOut(seen.windows) {
				// The matches bunch in a few of the stretches (see
				// rankEstimated): they are counted.
				break
			}
			acc.addScaled(sample, scale)
			return nil, nil
		}
	}
	newest := 0
	if !q.HasText() {
		newest = keep
	}
	_, top, err := e.aggregate(ctx, tx, q, viewer, sampleWindows{}, newest, acc)
	return top, err
}

// pgSampleEnough is the number of text matches in a sample that estimate
// the total within about 5% (one standard error).
const pgSampleEnough = 400

// nextSample is the size of the sample to take after one of n documents
// held raw text matches, fewer than pgSampleEnough: large enough to hold
// about a quarter more than pgSampleEnough at the rate the first one
// found, at least twice n and at most most. A sample's cost grows with
// the matches it reads, so taking sampleDocs at once, as before, read
// 2,400 matches of "database" at 100,000 documents to estimate from a
// sixth of them (5 ms of the server's time, against 1.5 ms).
func nextSample(n, raw, most int) int {
	if raw <= 0 {
		return most
	}
	return min(most, max(2*n, n*pgSampleEnough*5/4/raw+1))
}

// idSpan is the extent of the document ids: about docs documents (the
// planner's estimate, pg_class.reltuples, kept by ANALYZE and autovacuum)
// with ids in [lo, lo+width); most is at most how many documents match the
// search, from PostgreSQL's statistics of search_docs.tsv (all the
// documents when they cannot tell).
type idSpan struct {
	docs      float64
	lo, width int64
	most      float64
}

// idSpan reads the span of ids and, in the same statement, the share of
// documents each of q's words is in, from the statistics ANALYZE keeps of
// the words' vectors (pg_stats.most_common_elems, the commonest few
// hundred words; a word not among them is in fewer documents than the
// least common of them).
func (e postgresSearch) idSpan(ctx context.Context, qr querier, q *debrief.SearchQuery) (idSpan, error) {
	var s idSpan
	var words []string
	for _, g := range q.All {
		for _, t := range g {
			words = append(words, t.Tokens...)
		}
	}
	rows, err := qr.QueryContext(ctx, `WITH mce AS (SELECT u.e, u.f FROM pg_stats s, unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(e, f)
	WHERE s.schemaname = current_schema() AND s.tablename = 'search_docs' AND s.attname = 'tsv')
SELECT '', (SELECT reltuples FROM pg_class WHERE oid = 'search_docs'::regclass)::float8, COALESCE(MIN(id), 0)::float8, COALESCE(MAX(id), 0)::float8,
	COALESCE((SELECT MIN(f) FROM mce WHERE e IS NOT NULL), 1)::float8 FROM search_docs
UNION ALL SELECT e, f::float8, 0, 0, 0 FROM mce WHERE e = ANY($1)`, words)
	if err != nil {
		return s, mapErr(err, "search")
	}
	defer rows.Close()
	share := map[string]float64{}
	var least float64
	for rows.Next() {
		var word string
		var a, b, c, d float64
		if err := rows.Scan(&word, &a, &b, &c, &d); err != nil {
			return s, mapErr(err, "search")
		}
		if word == "" {
			s.docs, s.lo, s.width, least = a, int64(b), int64(c)+1-int64(b), d
		} else {
			share[word] = a
		}
	}
	if err := rows.Err(); err != nil {
		return s, mapErr(err, "search")
	}
	s.most = s.docs * matchShare(q, share, least)
	return s, nil
}

// matchShare is at most the share of documents that match q, given the
// share of documents each word is in (share; a word not in it is in at
// most least): a document matches every group of q, a group when one of
// its terms matches, and a term (a word or a phrase) only where all its
// words are. A prefix is bound by nothing the statistics hold (1).
func matchShare(q *debrief.SearchQuery, share map[string]float64, least float64) float64 {
	most := 1.0
	for _, g := range q.All {
		group := 0.0
		for _, t := range g {
			term := 1.0
			if !t.Prefix {
				for _, w := range t.Tokens {
					f, ok := share[w]
					if !ok {
						f = least
					}
					term = min(term, f)
				}
			}
			group += term
		}
		most = min(most, group)
	}
	return most
}

// windows returns the condition that a document's id is in one of
// estimateWindows stretches spread evenly over the ids, spanning about n
// documents together, and how many times more ids there are in all ("",
// when the stretches would cover every id).
func (s idSpan) windows(n int) (sample sampleWindows, scale float64) {
	span := max(1, int64(float64(s.width)*float64(n)/s.docs/estimateWindows))
	if span*estimateWindows >= s.width {
		return sampleWindows{}, 0
	}
	conds := make([]string, estimateWindows)
	which := make([]string, estimateWindows)
	for i := range int64(estimateWindows) {
		start := s.lo + s.width*i/estimateWindows
		conds[i] = fmt.Sprintf("d.id BETWEEN %d AND %d", start, start+span-1)
		which[i] = fmt.Sprintf("WHEN %s THEN %d", conds[i], i)
	}
	return sampleWindows{cond: "(" + strings.Join(conds, " OR ") + ")", which: "CASE " + strings.Join(which, " ") + " END"},
		float64(s.width) / float64(span*estimateWindows)
}

// sampleWindows is a sample's condition on the documents (their ids in
// one of estimateWindows stretches) and the expression of the stretch a
// document is in.
type sampleWindows struct {
	cond, which string
}

// sampleSeen is what a sample found besides its counts: its text matches
// before the filters, and in how many of its stretches.
type sampleSeen struct {
	raw, windows int
}

// aggregate counts into acc the matches of q (among the documents that
// sample, when not "", takes) that pass its filters and visibility, with
// facetsSQL, and returns, for a sample, the number of text matches before
// the filters, and the newest of the matches when newest > 0.
func (e postgresSearch) aggregate(ctx context.Context, tx *sql.Tx, q *debrief.SearchQuery, viewer debrief.Actor, sample sampleWindows, newest int, acc *facetAcc) (sampleSeen, []scored, error) {
	var seen sampleSeen
	w := &where{}
	if q.HasText() {
		w.add(`d.tsv @@ ?::tsquery`, tsQuery(q.All, q.Not))
	} else if len(q.Not) > 0 {
		e.exclude(q.Not, w)
	}
	which := "NULL::int"
	if sample.cond != "" {
		w.add(sample.cond)
		which = sample.which
	}
	source := len(w.conds)
	addSearchFilters(w, q, viewer, sample.cond != "", tagIDsIn(ctx))
	ok := "true"
	// The filters go in the WHERE clause, where PostgreSQL may start from
	// their indexes, except for a sample, which counts the text matches
	// before the filters too.
	if filters := w.conds[source:]; sample.cond != "" && len(filters) > 0 {
		ok = "(" + strings.Join(filters, " AND ") + ")"
		w.conds = w.conds[:source]
	}
	query := fmt.Sprintf(facetsSQL, `SELECT d.id, d.date, d.severity, d.year, d.services, d.factors, `+ok+` AS ok, `+which+` AS win FROM search_docs d`+w.sql())
	if sample.cond != "" {
		query += facetsWindowsSQL
	}
	if newest > 0 {
		query += fmt.Sprintf(facetsNewestSQL, newest)
	}
	rows, err := tx.QueryContext(ctx, query, e.db.planArgs(w)...)
	if err != nil {
		return seen, nil, mapSearchErr(err)
	}
	defer rows.Close()
	var top []scored
	for rows.Next() {
		var facet, value string
		var n int
		var id sql.NullInt64
		if err := rows.Scan(&facet, &value, &n, &id); err != nil {
			return seen, nil, fmt.Errorf("sqlstore: search: %w", err)
		}
		switch facet {
		case "n":
			acc.total += n
		case "r":
			seen.raw = n
		case "w":
			seen.windows = n
		case "s":
			acc.severity[value] += n
		case "y":
			acc.year[value] += n
		case "v":
			acc.service[value] += n
		case "f":
			acc.factor[value] += n
		case "k":
			top = append(top, scored{id: id.Int64, date: int64(n)})
		}
	}
	if err := rows.Err(); err != nil {
		return seen, nil, mapSearchErr(err)
	}
	return seen, top, nil
}

// countDocs counts the documents exactly in a small index, and past
// pgEstimatedDocs takes PostgreSQL's own count, pg_class.reltuples, which
// ANALYZE and autovacuum keep within a few percent: counting 100,000
// rows reads the whole table (5,000 pages), a large part of what similar
// incidents costs, for a number that only scales the words' weights.
func (e postgresSearch) countDocs(ctx context.Context) (int, error) {
	var n int
	err := e.db.r.QueryRowContext(ctx, `SELECT CASE WHEN c.reltuples >= $1 THEN c.reltuples::bigint ELSE (SELECT COUNT(*) FROM search_docs) END
FROM pg_class c WHERE c.oid = 'search_docs'::regclass`, pgEstimatedDocs).Scan(&n)
	if err != nil {
		return 0, mapErr(err, "similar incidents")
	}
	return n, nil
}

// pgEstimatedDocs is the number of documents past which countDocs takes
// PostgreSQL's estimate.
const pgEstimatedDocs = 10_000

// countHead counts every term in one statement: on PostgreSQL each
// statement is a round trip, and similar incidents counts dozens of terms.
// PostgreSQL has no count from a GIN index alone: counting a word up to
// limit through search_heads' tsv reads up to limit rows of search_heads,
// each on its own page (10-17 ms for a word in 2,000 documents at 100,000).
// A single word is counted from search_head_words instead, which holds a
// row per document and title-and-summary word, the same lexemes as
// search_heads.tsv: an index-only range of its btree (under 1 ms for the
// same word). Phrases, which that table cannot count, still go through
// the tsv. A word that PostgreSQL's statistics of
// search_heads (pg_stats.most_common_elems, from ANALYZE) find in at
// least one and a half times limit documents is answered limit without
// counting: the caller only asks whether it is past limit, and the
// statistics' sample (30,000 rows) puts a word's share within a tenth of
// a percent, far less than the margin.
func (e postgresSearch) countHead(ctx context.Context, terms [][]string, limit int) ([]int, error) {
	out := make([]int, len(terms))
	if len(terms) == 0 {
		return out, nil
	}
	queries := make([]string, len(terms))
	words := make([]string, len(terms))
	for i, tokens := range terms {
		queries[i] = tsTerm(debrief.SearchTerm{Tokens: tokens})
		if len(tokens) == 1 {
			words[i] = tokens[0]
		}
	}
	rows, err := e.db.r.QueryContext(ctx, `WITH common AS (
	SELECT u.e FROM pg_stats s, unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS u(e, f)
	WHERE s.schemaname = current_schema() AND s.tablename = 'search_heads' AND s.attname = 'tsv' AND u.e IS NOT NULL
	AND u.f * (SELECT reltuples FROM pg_class WHERE oid = 'search_heads'::regclass) >= 1.5 * $2)
SELECT q.i, CASE WHEN q.w IN (SELECT e FROM common) THEN $2
	WHEN q.w <> '' THEN (SELECT COUNT(*) FROM (SELECT 1 FROM search_head_words WHERE word = q.w LIMIT $2) AS s)
	ELSE (SELECT COUNT(*) FROM (SELECT 1 FROM search_heads WHERE tsv @@ q.t::tsquery LIMIT $2) AS s) END
FROM unnest($1::text[], $3::text[]) WITH ORDINALITY AS q(t, w, i)`, queries, limit, words)
	if err != nil {
		return nil, mapErr(err, "similar incidents")
	}
	defer rows.Close()
	for rows.Next() {
		var i, n int
		if err := rows.Scan(&i, &n); err != nil {
			return nil, mapErr(err, "similar incidents")
		}
		out[i-1] = n
	}
	return out, mapErr(rows.Err(), "similar incidents")
}

func (e postgresSearch) headCandidates(ctx context.Context, terms []debrief.SearchTerm, before, probe int64, limit int) (map[int64]float64, error) {
	// search_heads holds the title (A) and summary (B) only, like
	// search_head on SQLite.
	var alts []string
	for _, t := range terms {
		alts = append(alts, "("+tsTerm(t)+")")
	}
	// search_heads holds the kind and date too (00024): no join.
	rows, err := e.db.r.QueryContext(ctx, `SELECT h.id, ts_rank_cd('{0, 0, 0.4, 1.0}', h.tsv, q) AS s FROM search_heads h, CAST($1 AS tsquery) AS q
WHERE h.tsv @@ q AND h.kind = 'incident' AND h.date < $2 AND h.id <> $3 ORDER BY s DESC LIMIT `+strconv.Itoa(limit),
		strings.Join(alts, " | "), before, probe)
	if err != nil {
		return nil, mapErr(err, "similar incidents")
	}
	return scanScores(rows, map[int64]float64{})
}

// similarByTag does what similarByTagSQL does from the tag rows alone,
// which carry their document's kind and date (00028): walking a busy
// tag's documents newest first until enough started before an old probe
// reads index entries, not each document's row.
func (e postgresSearch) similarByTag(ctx context.Context, name, value string, before, probe int64, candidates map[int64]bool) error {
	return e.db.addCandidates(ctx, candidates, `SELECT doc_id FROM search_tags
WHERE name = $1 AND value = $2 AND kind = 'incident' AND date < $3 AND doc_id <> $4
ORDER BY doc_id DESC LIMIT `+strconv.Itoa(simPerValue), name, value, before, probe)
}

func (e postgresSearch) fieldsQuery(names, ids string) string {
	return `SELECT x.doc_id, j ->> 'name', j ->> 'text' FROM search_text x, jsonb_array_elements(x.fields::jsonb) j
WHERE x.doc_id IN (` + ids + `) AND j ->> 'name' IN (` + names + `)`
}

// takeDirty takes only this transaction's marks: search_dirty is shared
// by concurrent transactions on PostgreSQL.
func (e postgresSearch) takeDirty() string {
	return `DELETE FROM search_dirty WHERE tx = txid_current() RETURNING kind, id`
}

// nextGeneration keeps no generations on PostgreSQL: they serve SQLite's
// fact cache, and the counter's single row would make every writing
// transaction wait for the one before it to commit.
func (e postgresSearch) nextGeneration(context.Context, *sql.Tx) (int64, error) { return 0, nil }

// lockDocs: two transactions that touch one incident each rebuild its
// document; the lock makes the second wait for the first to commit, so it
// reads the first one's changes (READ COMMITTED takes a new snapshot per
// statement) and replaces its document instead of colliding with it. Locks
// are taken in id order and only after every other write, so they cannot
// deadlock.
func (e postgresSearch) lockDocs(ctx context.Context, tx *sql.Tx, docIDs []int64) error {
	for _, id := range docIDs {
		if _, err := e.db.exec(ctx, tx, `SELECT pg_advisory_xact_lock($1, $2)`, searchLockClass, int32(id%2147483647)); err != nil {
			return fmt.Errorf("sqlstore: search index: lock: %w", err)
		}
	}
	return nil
}

func (e postgresSearch) docRow(d *searchDoc, args []any) (string, []any) {
	return insertSearchDocPostgresSQL, append(args, tsvectorLiteral(d.columns), d.tagIDs)
}

const insertSearchDocPostgresSQL = `INSERT INTO search_docs (id, incident_id, project_id, postmortem_id, kind, key, title, severity, status,
	services, date, year, month_day, published_at, owner, private, open_actions, repeat_of, factors, alerts, gen, tsv, tag_ids)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22::tsvector, $23::integer[])`

// lookupTagIDs looks up, in the search's transaction, the numbers
// search_tag_keys gives q's filter values (nil when q has no filter by
// tag, severity or kind); a value without one is on no document. They
// are looked up for each search rather than kept: one statement of a
// fraction of a millisecond, and no number kept by an instance can go
// stale when the table is written anew (a restore, a migration run down
// and up).
func (e postgresSearch) lookupTagIDs(ctx context.Context, tx *sql.Tx, q *debrief.SearchQuery) (searchTagIDs, error) {
	tags, columns := searchTagFilters(q)
	var pairs [][2]string
	for _, f := range slices.Concat(tags, columns) {
		for _, v := range f.values {
			pairs = append(pairs, [2]string{f.name, v})
		}
	}
	if len(pairs) == 0 {
		return nil, nil
	}
	ids := searchTagIDs{}
	if err := e.readTagNumbers(ctx, tx, pairs, ids); err != nil {
		return nil, mapSearchErr(err)
	}
	return ids, nil
}

// readTagNumbers adds to ids the numbers search_tag_keys holds for tags
// ((name, value) pairs), in one statement; a pair without one is left
// out.
func (e postgresSearch) readTagNumbers(ctx context.Context, tx *sql.Tx, tags [][2]string, ids map[[2]string]int32) error {
	if len(tags) == 0 {
		return nil
	}
	names, values := splitPairs(tags)
	rows, err := tx.QueryContext(ctx, `SELECT k.id, k.name, k.value FROM search_tag_keys k
JOIN unnest($1::text[], $2::text[]) AS u(name, value) ON k.name = u.name AND k.value = u.value`, names, values)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int32
		var t [2]string
		if err := rows.Scan(&id, &t[0], &t[1]); err != nil {
			return err
		}
		ids[t] = id
	}
	return rows.Err()
}

// splitPairs returns the names and the values of (name, value) pairs,
// bound as two arrays that unnest pairs again.
func splitPairs(pairs [][2]string) (names, values []string) {
	names, values = make([]string, len(pairs)), make([]string, len(pairs))
	for i, p := range pairs {
		names[i], values[i] = p[0], p[1]
	}
	return names, values
}

// filterTagNames are the tags a search can filter by (addSearchFilters),
// the ones search_docs.tag_ids numbers on PostgreSQL (migration 00029),
// besides severity and kind.
var filterTagNames = []string{"factor", "label", "owner", "service", "status"}

// docFilterValues lists the (name, value) pairs search_docs.tag_ids
// numbers for d: its filter tags, its severity and its kind.
func docFilterValues(d *searchDoc) [][2]string {
	var out [][2]string
	for _, name := range filterTagNames {
		for _, v := range d.tags[name] {
			out = append(out, [2]string{name, v})
		}
	}
	if d.severity != "" {
		out = append(out, [2]string{"severity", d.severity})
	}
	return append(out, [2]string{"kind", string(d.kind)})
}

// prepareDocs gives each document the numbers of its filter tags in
// search_tag_keys (d.tagIDs, the row's tag_ids), numbering the tags not
// seen before. The new tags are inserted in one order, sorted, so that
// two transactions numbering the same new tags wait for each other
// rather than deadlock; a tag numbered by a transaction that rolls back
// is numbered again by the next that needs it.
func (e postgresSearch) prepareDocs(ctx context.Context, tx *sql.Tx, docs []*searchDoc) error {
	seen := map[[2]string]bool{}
	var tags [][2]string
	values := make([][][2]string, len(docs))
	for i, d := range docs {
		values[i] = docFilterValues(d)
		for _, t := range values[i] {
			if !seen[t] {
				seen[t] = true
				tags = append(tags, t)
			}
		}
	}
	slices.SortFunc(tags, func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	})
	ids := map[[2]string]int32{}
	if err := e.readTagNumbers(ctx, tx, tags, ids); err != nil {
		return fmt.Errorf("tag numbers: %w", err)
	}
	// Only the values without a number are inserted: INSERT … ON
	// CONFLICT takes a number from the sequence even where it inserts
	// nothing, and every write of a document names all its values, so
	// inserting them all each time would spend the sequence (an integer)
	// within months of steady writing.
	var missing [][2]string
	for _, t := range tags {
		if _, ok := ids[t]; !ok {
			missing = append(missing, t)
		}
	}
	if len(missing) > 0 {
		names, vals := splitPairs(missing)
		if _, err := e.db.exec(ctx, tx, `INSERT INTO search_tag_keys (name, value) SELECT * FROM unnest($1::text[], $2::text[])
ON CONFLICT DO NOTHING`, names, vals); err != nil {
			return fmt.Errorf("tag numbers: %w", err)
		}
		if err := e.readTagNumbers(ctx, tx, missing, ids); err != nil {
			return fmt.Errorf("tag numbers: %w", err)
		}
	}
	for i, d := range docs {
		d.tagIDs = []int32{}
		for _, t := range values[i] {
			id, ok := ids[t]
			if !ok {
				return fmt.Errorf("tag numbers: %s:%s has no number", t[0], t[1])
			}
			d.tagIDs = append(d.tagIDs, id)
		}
		slices.Sort(d.tagIDs)
		d.tagIDs = slices.Compact(d.tagIDs)
	}
	return nil
}

// writeText copies the title and summary words of the documents just
// written (tsv's A and B lexemes), with the columns filters read, into
// search_heads, in one statement.
func (e postgresSearch) writeText(ctx context.Context, tx *sql.Tx, docs []*searchDoc) error {
	ids := make([]int64, len(docs))
	for i, d := range docs {
		ids[i] = d.id
	}
	if _, err := e.db.exec(ctx, tx, `INSERT INTO search_heads (id, kind, severity, date, private, open_actions, tsv)
SELECT id, kind, severity, date, private, open_actions, ts_filter(tsv, '{a,b}') FROM search_docs WHERE id = ANY($1)`, ids); err != nil {
		return err
	}
	_, err := e.db.exec(ctx, tx, insertHeadWordsSQL, ids)
	return err
}

// insertHeadWordsSQL writes the search_head_words rows of the documents
// $1 from their search_heads rows: each title-and-summary word with the
// score a search of that word alone gives the document, computed by
// PostgreSQL with the expression the search uses (the word quoted as
// quoteLexeme quotes it), as migration 00025 does.
const insertHeadWordsSQL = `INSERT INTO search_head_words (id, word, score, date)
SELECT h.id, u.lexeme, ts_rank_cd('` + tsRankWeight + `', h.tsv, (` + lexemeQuerySQL + `)::tsquery), h.date
FROM search_heads h, unnest(h.tsv) AS u WHERE h.id = ANY($1)`

// lexemeQuerySQL is the tsquery literal of the lexeme u.lexeme, as
// quoteLexeme writes it (standard_conforming_strings: '\' is one
// backslash).
const lexemeQuerySQL = `'''' || replace(replace(u.lexeme, '\', '\\'), '''', '''''') || ''''`

// writeTags copies each document's kind and date into its tag rows
// (migration 00028), from its search_docs row written just before in the
// same transaction: similarByTag reads them from the tag index alone.
func (e postgresSearch) writeTags(ctx context.Context, tx *sql.Tx, ids []int64, names, values []string) error {
	_, err := e.db.exec(ctx, tx, `INSERT INTO search_tags (doc_id, name, value, kind, date)
SELECT u.id, u.name, u.value, d.kind, d.date FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, name, value)
JOIN search_docs d ON d.id = u.id ON CONFLICT DO NOTHING`, ids, names, values)
	return err
}

func (e postgresSearch) idIn(col string, ids []int64) (string, any) {
	if len(ids) == 1 {
		return col + ` = $1`, ids[0]
	}
	return col + ` = ANY($1)`, append([]int64{}, ids...)
}

func (e postgresSearch) emptyIndex(ctx context.Context, tx *sql.Tx) error {
	// search_head_words first, in one statement: left to the cascade, its
	// 49 rows a document would be deleted by one statement per document.
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_head_words`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM search_docs`)
	return err
}

func (e postgresSearch) reindexed(context.Context, *sql.Tx) error { return nil }

// forget has nothing to note: PostgreSQL keeps no fact cache.
func (e postgresSearch) forget(context.Context, *sql.Tx, []int64, int64) error { return nil }

// rebuildReason: no PostgreSQL migration has asked for a rebuild (the
// search_rebuild table is SQLite's).
func (e postgresSearch) rebuildReason(context.Context) (string, error) { return "", nil }

// tsQuery writes the PostgreSQL tsquery literal for the terms, with every
// token quoted as a lexeme (no parsing, no stemming), matching what
// tsvectorLiteral indexed.
func tsQuery(all []debrief.SearchGroup, not []debrief.SearchTerm) string {
	var parts []string
	for _, g := range all {
		var alts []string
		for _, t := range g {
			alts = append(alts, tsTerm(t))
		}
		parts = append(parts, "("+strings.Join(alts, " | ")+")")
	}
	for _, t := range not {
		parts = append(parts, "!("+tsTerm(t)+")")
	}
	return strings.Join(parts, " & ")
}

// tsTerm writes one term: a word, a phrase (lexemes one after another) or
// a prefix.
func tsTerm(t debrief.SearchTerm) string {
	toks := make([]string, len(t.Tokens))
	for i, tok := range t.Tokens {
		toks[i] = quoteLexeme(tok)
	}
	if t.Prefix {
		toks[len(toks)-1] += ":*"
	}
	return strings.Join(toks, " <-> ")
}

// tsvectorLiteral writes the columns as a PostgreSQL tsvector literal with
// weights A (title), B (summary), C (body) and D (extra), so PostgreSQL
// indexes exactly the tokens SQLite does, at the same positions.
func tsvectorLiteral(columns [4][]byte) string {
	type lexeme struct {
		positions []string
	}
	lex := map[string]*lexeme{}
	var order []string
	pos := 0
	for col, text := range columns {
		weight := "ABCD"[col : col+1]
		if len(text) == 0 {
			continue
		}
		for _, t := range strings.Split(string(text), " ") {
			pos++
			p := pos
			if p > 16383 {
				p = 16383 // PostgreSQL's largest position
			}
			l := lex[t]
			if l == nil {
				l = &lexeme{}
				lex[t] = l
				order = append(order, t)
			}
			// PostgreSQL keeps at most 256 positions per lexeme.
			if len(l.positions) < 256 && (p < 16383 || len(l.positions) == 0 || !strings.HasPrefix(l.positions[len(l.positions)-1], "16383")) {
				l.positions = append(l.positions, strconv.Itoa(p)+weight)
			}
		}
	}
	var b strings.Builder
	for i, t := range order {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoteLexeme(t))
		b.WriteByte(':')
		b.WriteString(strings.Join(lex[t].positions, ","))
	}
	return b.String()
}

// quoteLexeme quotes a token for tsvector and tsquery literals.
func quoteLexeme(t string) string {
	t = strings.ReplaceAll(t, `\`, `\\`)
	t = strings.ReplaceAll(t, `'`, `''`)
	return "'" + t + "'"
}
