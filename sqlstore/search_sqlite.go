package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/debriefhq/debrief/debrief"
)

// sqliteSearch is the search index on SQLite: FTS5 tables search_fts
// (title, summary, body, extra) and search_head (title and summary again,
// for similar incidents and searches before the cache loads),
// contentless, keyed by the document id; and, per store, a cache of every
// document's filter and facet facts (search_sqlite_cache.go) and title
// and summary words (search_sqlite_head.go) that lets a many-hit search
// count, facet and rank its first tier without reading a row per match.
type sqliteSearch struct {
	db    *DB
	facts *factCache
}

// bm25Weights are the weights of the index columns (title, summary, body,
// extra) in bm25: a title match far above a body match, as people expect
// of titles (tsRankWeight on PostgreSQL).
const bm25Weights = "10.0, 4.0, 1.0, 0.5"

func (e *sqliteSearch) close() { e.facts.stop() }

// fts returns the FTS5 expression of part of q's matches on search_fts.
func (e *sqliteSearch) fts(q *debrief.SearchQuery, part textPart) string {
	if part == allMatches {
		return ftsQuery(q.All, q.Not)
	}
	first := "({title summary} : (" + ftsQuery(q.All, nil) + "))"
	if len(q.Not) > 0 {
		first = "(" + first + ") NOT (" + ftsQuery(nil, q.Not) + ")"
	}
	if part == headMatches {
		return first
	}
	return "(" + ftsQuery(q.All, q.Not) + ") NOT " + first
}

func (e *sqliteSearch) match(q *debrief.SearchQuery, part textPart, w *where) (from, score string) {
	w.add(`search_fts MATCH ?`, e.fts(q, part))
	// bm25 is lower for better matches.
	return `search_fts JOIN search_docs d ON d.id = search_fts.rowid`, `-bm25(search_fts, ` + bm25Weights + `)`
}

// headTier looks the document up among search_head's matches: a query
// can match one FTS5 table only once.
func (e *sqliteSearch) headTier(q *debrief.SearchQuery, w *where) string {
	return `CASE WHEN d.id IN (SELECT rowid FROM search_head WHERE search_head MATCH ` + w.next(ftsQuery(q.All, nil)) + `) THEN 1 ELSE 0 END`
}

func (e *sqliteSearch) exclude(not []debrief.SearchTerm, w *where) {
	w.add(`d.id NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)`, ftsQuery(nil, not))
}

func (e *sqliteSearch) countUpTo(ctx context.Context, qr querier, q *debrief.SearchQuery, limit int) (int, error) {
	var n int
	err := qr.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH $1 LIMIT $2) AS m`,
		ftsQuery(q.All, q.Not), limit).Scan(&n)
	if err != nil {
		return 0, mapSearchErr(err)
	}
	return n, nil
}

// rankTiered counts and facets a many-hit search from the fact cache and
// ranks it in tiers: the documents that match in the title or summary
// first (rankHead), then, only when the page reaches past them, the
// others by bm25 over the whole document. Until the cache has loaded it
// answers !ok.
func (e *sqliteSearch) rankTiered(ctx context.Context, tx *sql.Tx, q *debrief.SearchQuery, viewer debrief.Actor, keep int, acc *facetAcc) ([]scored, bool, error) {
	if !q.HasText() {
		if top, ok, err := e.rankByFilters(ctx, tx, q, viewer, keep, acc); err != nil || ok {
			return top, true, err
		}
		top, err := e.db.rankOnePass(ctx, tx, q, viewer, keep, acc)
		return top, true, err
	}
	if !e.facts.warm() {
		return nil, false, nil
	}
	top, err := e.rankFromCache(ctx, tx, q, viewer, keep, acc)
	return top, true, err
}

func (e *sqliteSearch) rankFromCache(ctx context.Context, tx *sql.Tx, q *debrief.SearchQuery, viewer debrief.Actor, keep int, acc *facetAcc) ([]scored, error) {
	db, c := e.db, e.facts
	few := db.tune.fewSurvivors
	match := ftsQuery(q.All, q.Not)
	gen, err := c.refresh(ctx, tx)
	if err != nil {
		return nil, err
	}
	top, ok, est, err := e.rankEstimated(ctx, tx, q, viewer, keep, acc)
	if err != nil || ok {
		return top, err
	}
	k := counting{q: q, viewer: viewer, match: match, key: countKey(q, viewer, match, few), gen: gen, collect: few}
	if top, ok := c.rankedFor(k.key, gen, keep, db.tune.countMemos); ok {
		// Paging through, or the same search again: the order is kept.
		if _, err := e.countCached(ctx, tx, k, false, acc); err != nil {
			return nil, err
		}
		return db.rankRest(ctx, tx, q, viewer, top, keep)
	}
	// Ranking costs about the same for 20 results as for 200 (bm25 scores
	// every first-tier match), so rank deep enough for the next pages and
	// keep the order.
	depth := max(keep, searchRankMemoDepth)
	counted, ranked, err := e.countAll(ctx, tx, k, est, acc)
	if err != nil {
		return nil, err
	}
	if counted.survivors != nil {
		// Filters left few matches: rank just those, tier by tier; the
		// second tier by bm25 over the whole document, scored in the walk
		// that counted them or else through the index for the listed
		// documents only (Search sorts).
		top, err := rankHead(ctx, tx, c, q, inSorted(counted.matched), len(counted.matched))
		if err != nil || len(top) >= keep {
			return top, err
		}
		inFirst := make(map[int64]bool, len(top))
		for _, s := range top {
			inFirst[s.id] = true
		}
		if ranked == nil {
			var others []int64
			for _, id := range counted.survivors {
				if !inFirst[id] {
					others = append(others, id)
				}
			}
			if ranked, err = e.rankIDs(ctx, tx, match, others); err != nil {
				return nil, err
			}
		}
		for _, s := range ranked {
			if !inFirst[s.id] {
				top = append(top, s)
			}
		}
		return top, nil
	}
	top, err = rankHead(ctx, tx, c, q, inSorted(counted.matched), depth)
	if err != nil {
		return nil, err
	}
	c.rememberRanked(k.key, gen, top, depth)
	return db.rankRest(ctx, tx, q, viewer, top[:min(keep, len(top))], keep)
}

// BM25's parameters, as SQLite's bm25() uses them, and the weights of a
// word in the title and in the summary (bm25Weights).
const (
	bm25K1          = 1.2
	bm25B           = 0.75
	headTitleWeight = 10.0
	headSumWeight   = 4.0
)

// inSorted accepts the ids of an ascending list. Asked in ascending
// order, as rankHead asks, it walks the list once; asked out of order it
// searches.
func inSorted(ids []int64) func(int64) bool {
	var c listCursor[int64]
	return func(id int64) bool { return c.has(ids, id) }
}

// listCursor finds ids in an ascending list asked in ascending order in
// one walk of the list, instead of a binary search per id (rankHead asks
// about every first-tier candidate, hundreds of thousands at 1,000,000
// documents).
type listCursor[T int64 | uint32] struct {
	at   int
	last T
}

func (c *listCursor[T]) has(ids []T, id T) bool {
	if id < c.last {
		c.at = 0 // out of order: start again
	}
	c.last = id
	if c.at < len(ids) && ids[c.at] < id {
		// Gallop, then search the stretch: a short list asked about many
		// ids moves little, a long one skips ahead.
		step := 1
		for c.at+step < len(ids) && ids[c.at+step] < id {
			c.at += step
			step *= 2
		}
		hi := min(c.at+step, len(ids))
		i, _ := slices.BinarySearch(ids[c.at:hi], id)
		c.at += i
	}
	return c.at < len(ids) && ids[c.at] == id
}

// mergeUnion returns the ids in either of two ascending lists, ascending,
// each once.
func mergeUnion(a, b []uint32) []uint32 {
	out := make([]uint32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// rankHead ranks the first tier: the documents whose title or summary match
// the query's words and that accept takes (the matches that passed the
// filters; called with c.mu held for reading), best first, at most depth
// of them.
//
// The score is bm25 over the title and summary, as SQLite's bm25() would
// compute it on search_head with the title and summary weights, except
// that a word counts once per field however often it appears there (a
// title or summary seldom repeats a word). That is what makes it cheap:
// the lists of documents with each word in each field are in memory
// (headIndex), and the lengths in the fact cache, where bm25() reads
// every match's column sizes and positions from the index. A phrase's
// word order is checked only for the candidates that have every group's
// words, and its idf may come from a sample (factCache.termDocs).
// checkout "timed out" at 1,000,000 documents read 371,704 list entries
// from search_head (80 ms), or ranked its 7,380 first-tier documents by
// bm25() in 46 ms; the whole search now costs 26 ms (docs/PERFORMANCE.md).
func rankHead(ctx context.Context, tx *sql.Tx, c *factCache, q *debrief.SearchQuery, accept func(int64) bool, depth int) ([]scored, error) {
	c.mu.RLock()
	if c.head.outside > 0 {
		c.mu.RUnlock()
		return rankHeadBM25(ctx, tx, c, q, accept, depth)
	}
	defer c.mu.RUnlock()
	type word struct {
		headTerm
		idf float64
		// inTitle and inSummary walk the lists as the candidates ascend.
		inTitle, inSummary listCursor[uint32]
		// at is the last candidate asked about, and whether it has the
		// word in its title and summary: a phrase is checked once per
		// candidate, and only for a candidate that has every group's
		// words.
		at            uint32
		asked         bool
		title1, summ1 bool
	}
	fields := func(w *word, d uint32) (inTitle, inSummary bool) {
		if w.asked && w.at == d {
			return w.title1, w.summ1
		}
		// Both asked, so each cursor sees every candidate in order.
		inTitle, inSummary = w.inTitle.has(w.title, d), w.inSummary.has(w.summary, d)
		inTitle = inTitle && c.has(&w.headTerm, d, true)
		inSummary = inSummary && c.has(&w.headTerm, d, false)
		w.at, w.asked, w.title1, w.summ1 = d, true, inTitle, inSummary
		return inTitle, inSummary
	}
	docs, words := c.headDocs, c.headWords
	avgLen := 1.0
	if docs > 0 && words > 0 {
		avgLen = float64(words) / float64(docs)
	}
	groups := make([][]*word, len(q.All))
	var all []*word
	for i, g := range q.All {
		for _, t := range g {
			w := &word{headTerm: c.headTerm(t)}
			// bm25's idf, from how many documents have the word in either
			// field; like SQLite, never zero or below.
			n := float64(c.termDocs(&w.headTerm))
			w.idf = math.Log((float64(docs) - n + 0.5) / (n + 0.5))
			if w.idf <= 0 {
				w.idf = 1e-6
			}
			groups[i] = append(groups[i], w)
			all = append(all, w)
		}
	}
	if len(groups) == 0 {
		return nil, nil
	}
	// Walk the documents of the group with the fewest: every first-tier
	// document has a word of each group in its title or summary.
	smallest, size := 0, -1
	for i, g := range groups {
		n := 0
		for _, w := range g {
			n += len(w.title) + len(w.summary)
		}
		if size < 0 || n < size {
			smallest, size = i, n
		}
	}
	var candidates []uint32
	for _, w := range groups[smallest] {
		candidates = mergeUnion(candidates, mergeUnion(w.title, w.summary))
	}
	// The best depth in a heap: a common word has hundreds of thousands
	// of first-tier documents in a large corpus.
	top := make(worstFirst, 0, depth+1)
candidate:
	for _, d := range candidates {
		id := int64(d)
		if !accept(id) {
			continue
		}
		for _, g := range groups {
			found := false
			for _, w := range g {
				inTitle, inSummary := fields(w, d)
				found = found || inTitle || inSummary
			}
			if !found {
				continue candidate
			}
		}
		f := c.get(id)
		if !f.present() {
			continue
		}
		norm := bm25K1 * (1 - bm25B + bm25B*float64(f.headLen)/avgLen)
		score := 0.0
		for _, w := range all {
			weighted := 0.0
			inTitle, inSummary := fields(w, d)
			if inTitle {
				weighted += headTitleWeight
			}
			if inSummary {
				weighted += headSumWeight
			}
			if weighted > 0 {
				score += w.idf * weighted * (bm25K1 + 1) / (weighted + norm)
			}
		}
		top.keep(scored{id: id, tier: 1, score: score, date: f.date}, depth)
	}
	sortScored(top)
	return top, nil
}

// rankHeadBM25 ranks the first tier as rankHead does, by SQLite's bm25()
// over search_head in one statement, for a store whose document ids do
// not all fit rankHead's lists. The scores are rankHead's where a title
// or summary has each word once (TestRankHeadIsBM25), and count a word
// repeated in a field as bm25 does.
func rankHeadBM25(ctx context.Context, tx *sql.Tx, c *factCache, q *debrief.SearchQuery, accept func(int64) bool, depth int) ([]scored, error) {
	rows, err := tx.QueryContext(ctx, `SELECT rowid, -bm25(search_head, `+headWeights+`) FROM search_head WHERE search_head MATCH $1`, ftsQuery(q.All, nil))
	if err != nil {
		return nil, mapSearchErr(err)
	}
	defer rows.Close()
	type match struct {
		id    int64
		score float64
	}
	var found []match
	for rows.Next() {
		var m match
		if err := rows.Scan(&m.id, &m.score); err != nil {
			return nil, mapSearchErr(err)
		}
		found = append(found, m)
	}
	if err := rows.Err(); err != nil {
		return nil, mapSearchErr(err)
	}
	top := make(worstFirst, 0, depth+1)
	// The cache is read once the statement is done: no lock is held
	// while SQLite works.
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, m := range found {
		if !accept(m.id) {
			continue
		}
		if f := c.get(m.id); f.present() {
			top.keep(scored{id: m.id, tier: 1, score: m.score, date: f.date}, depth)
		}
	}
	sortScored(top)
	return top, nil
}

// headWeights are bm25()'s weights of search_head's title and summary.
var headWeights = strconv.FormatFloat(headTitleWeight, 'f', 1, 64) + ", " + strconv.FormatFloat(headSumWeight, 'f', 1, 64)

// estimateWindows is how many stretches of the document ids a sample
// spans, spread evenly, so that it holds old and new documents alike.
const estimateWindows = 8

// rankEstimated answers a query that matches more than estimateAbove
// documents past its filters (or more than estimateRawAbove before them)
// without counting each match: the total and the facets are
// scaled up from the matches among about sampleDocs documents (ids in
// estimateWindows stretches spread over the index; FTS5 seeks to each by
// rowid), and the answer says so (facetAcc.estimated). The ranking is
// exact: the first tier is found from search_head as always, and every
// document whose title or summary has a word of each group matches the
// query, so it needs only the filters. A query with excluded words is
// counted (ok is false): its first-tier documents may hold an excluded
// word in the body. When it counts, est holds the sample's estimates of
// the text matches and of those that pass the filters (-1 without a
// sample, or with one whose matches bunch).
func (e *sqliteSearch) rankEstimated(ctx context.Context, tx *sql.Tx, q *debrief.SearchQuery, viewer debrief.Actor, keep int, acc *facetAcc) (top []scored, ok bool, est sampleEstimate, err error) {
	est = sampleEstimate{raw: -1, filtered: -1}
	t, c := e.db.tune, e.facts
	if len(q.Not) > 0 || t.sampleDocs <= 0 {
		return nil, false, est, nil
	}
	c.mu.RLock()
	docs, maxID := c.headDocs, int64(len(c.docs))
	c.mu.RUnlock()
	if docs < 2*int64(t.sampleDocs) {
		return nil, false, est, nil
	}
	span := max(1, maxID*int64(t.sampleDocs)/docs/estimateWindows)
	match := ftsQuery(q.All, nil)
	v := viewer.Visibility()
	sample := newFacetAcc()
	raw, spanned, hit := 0, 0, 0
	for i := range int64(estimateWindows) {
		lo := maxID * i / estimateWindows
		var text string
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(group_concat(rowid), '') FROM search_fts WHERE search_fts MATCH $1 AND rowid >= $2 AND rowid < $3`,
			match, lo, lo+span).Scan(&text); err != nil {
			return nil, false, est, mapSearchErr(err)
		}
		ids, err := parseIDList(text)
		if err != nil {
			return nil, false, est, err
		}
		raw += len(ids)
		if len(ids) > 0 {
			hit++
		}
		c.mu.RLock()
		for id := lo; id < min(lo+span, maxID); id++ {
			if c.docs[id].present() {
				spanned++
			}
		}
		filter, counts := c.filter(q, v), c.counts()
		for _, id := range ids {
			if r := c.get(id); c.pass(filter, r) {
				c.add(counts, r)
			}
		}
		c.into(counts, sample)
		c.mu.RUnlock()
	}
	if spanned == 0 {
		return nil, false, est, nil
	}
	scale := float64(docs) / float64(spanned)
	// Counting walks every text match, and at a million documents a
	// search with 7,713 of them (`checkout "timed out"`) spent 85 ms so;
	// few matches past the filters are counted, to rank them one by one
	// (rankFromCache's survivors) rather than walk every text match for
	// the second tier.
	filtered, all := float64(sample.total)*scale, float64(raw)*scale
	if !spreadOut(hit) {
		// The matches bunch in a few stretches of ids (a burst of
		// postmortems about one outage, written in one week): scaling
		// up a stretch that holds them all would multiply them. They
		// are counted.
		return nil, false, est, nil
	}
	if filtered <= float64(t.estimateAbove) && (t.estimateRawAbove <= 0 || all <= float64(t.estimateRawAbove)) {
		return nil, false, sampleEstimate{raw: all, filtered: filtered}, nil
	}
	acc.addScaled(sample, scale)
	c.mu.RLock()
	filter := c.filter(q, v)
	c.mu.RUnlock()
	top, err = rankHead(ctx, tx, c, q, func(id int64) bool {
		return c.pass(filter, c.get(id))
	}, keep)
	if err != nil {
		return nil, false, est, err
	}
	top, err = e.db.rankRest(ctx, tx, q, viewer, top, keep)
	return top, true, est, err
}

// sampleEstimate is what a sample told of a query's matches: the text
// matches (raw) and those that pass the filters; -1 when unknown.
type sampleEstimate struct{ raw, filtered float64 }

// spreadOut reports whether a sample found text matches in enough of its
// estimateWindows stretches of ids to be scaled up: a word in 5,000 of
// 1,000,000 documents spread over them has about 60 in each, and one
// whose matches were all written in one week has them in one or none.
func spreadOut(hit int) bool { return hit >= estimateWindows*3/4 }

// unionSize counts the ids in either of two ascending lists.
func unionSize(a, b []uint32) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			i++
			j++
		}
		n++
	}
	return n + len(a) - i + len(b) - j
}

func (e *sqliteSearch) countDocs(ctx context.Context) (int, error) {
	var n int
	if err := e.db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM search_docs`).Scan(&n); err != nil {
		return 0, mapErr(err, "similar incidents")
	}
	return n, nil
}

// countHead counts with one statement per term: SQLite runs in process,
// so a statement costs no round trip.
func (e *sqliteSearch) countHead(ctx context.Context, terms [][]string, limit int) ([]int, error) {
	out := make([]int, len(terms))
	for i, tokens := range terms {
		err := e.db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM search_head WHERE search_head MATCH $1 LIMIT $2) AS s`,
			ftsTerm(debrief.SearchTerm{Tokens: tokens}), limit).Scan(&out[i])
		if err != nil {
			return nil, mapErr(err, "similar incidents")
		}
	}
	return out, nil
}

// headCandidates reads search_head, whose entries and column sizes are a
// fraction of search_fts's (migration 00008).
func (e *sqliteSearch) headCandidates(ctx context.Context, terms []debrief.SearchTerm, before, probe int64, limit int) (map[int64]float64, error) {
	rows, err := e.db.r.QueryContext(ctx, `SELECT d.id, -bm25(search_head, 10.0, 4.0) AS s FROM search_head JOIN search_docs d ON d.id = search_head.rowid
WHERE search_head MATCH $1 AND d.kind = 'incident' AND d.date < $2 AND d.id <> $3 ORDER BY s DESC LIMIT `+strconv.Itoa(limit),
		ftsQuery([]debrief.SearchGroup{terms}, nil), before, probe)
	if err != nil {
		return nil, mapErr(err, "similar incidents")
	}
	return scanScores(rows, map[int64]float64{})
}

// similarByTag takes the kind and date of each tagged document from the
// fact cache once it has loaded (similarByTagCached), and joins their rows
// in SQL until then.
func (e *sqliteSearch) similarByTag(ctx context.Context, name, value string, before, probe int64, candidates map[int64]bool) error {
	if e.db.tune.similarFromCache && e.facts.warm() {
		return e.similarByTagCached(ctx, name, value, before, probe, candidates)
	}
	return e.db.similarByTagSQL(ctx, name, value, before, probe, candidates)
}

// similarByTagCached does what similarByTagSQL does, with the kind and
// date of each document taken from the fact cache. The SQL version joins
// each tagged document's row, newest first, until enough started before
// the probe: for an old incident of a busy service that was thousands of
// rows, and most of the slowest lookups. Here the tag index alone gives
// the ids, in one row.
func (e *sqliteSearch) similarByTagCached(ctx context.Context, name, value string, before, probe int64, candidates map[int64]bool) error {
	tx, err := e.db.r.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "similar incidents")
	}
	defer tx.Rollback()
	c := e.facts
	if _, err := c.refresh(ctx, tx); err != nil {
		return err
	}
	// The newest few first, which for a recent probe is enough; all of
	// them only when too few of those started before it.
	for _, limit := range []int{4 * simPerValue, -1} {
		var text string
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(group_concat(doc_id), '') FROM (SELECT doc_id FROM search_tags
WHERE name = $1 AND value = $2 ORDER BY doc_id DESC LIMIT $3)`, name, value, limit).Scan(&text); err != nil {
			return mapErr(err, "similar incidents")
		}
		ids, err := parseIDList(text)
		if err != nil {
			return err
		}
		var found []int64
		c.mu.RLock()
		for _, id := range ids {
			if f := c.get(id); f.present() && id != probe && c.strs[f.kind] == string(debrief.KindIncident) && f.date < before {
				if found = append(found, id); len(found) == simPerValue {
					break
				}
			}
		}
		c.mu.RUnlock()
		if len(found) == simPerValue || len(ids) < limit || limit < 0 {
			for _, id := range found {
				candidates[id] = true
			}
			return nil
		}
	}
	return nil
}

func (e *sqliteSearch) fieldsQuery(names, ids string) string {
	return `SELECT x.doc_id, j.value ->> 'name', j.value ->> 'text' FROM search_text x, json_each(x.fields) j
WHERE x.doc_id IN (` + ids + `) AND j.value ->> 'name' IN (` + names + `)`
}

// takeDirty takes every mark: the one writer connection runs one
// transaction at a time.
func (e *sqliteSearch) takeDirty() string { return `DELETE FROM search_dirty RETURNING kind, id` }

func (e *sqliteSearch) nextGeneration(ctx context.Context, tx *sql.Tx) (int64, error) {
	var gen int64
	err := e.db.queryRow(ctx, tx, `UPDATE search_meta SET generation = generation + 1 WHERE id = 1 RETURNING generation`).Scan(&gen)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: search index: generation: %w", err)
	}
	return gen, nil
}

// lockDocs has nothing to do: the one writer connection serialises
// transactions.
func (e *sqliteSearch) lockDocs(context.Context, *sql.Tx, []int64) error { return nil }

// prepareDocs has nothing to look up: SQLite filters by tag from its
// fact cache and the tag rows.
func (e *sqliteSearch) prepareDocs(context.Context, *sql.Tx, []*searchDoc) error { return nil }

func (e *sqliteSearch) docRow(d *searchDoc, args []any) (string, []any) {
	return insertSearchDocSQLiteSQL, append(args, d.counts[colTitle]+d.counts[colSummary])
}

const insertSearchDocSQLiteSQL = `INSERT INTO search_docs (id, incident_id, project_id, postmortem_id, kind, key, title, severity, status,
	services, date, year, month_day, published_at, owner, private, open_actions, repeat_of, factors, alerts, gen, head_len)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`

// writeText writes the documents' FTS rows, bound as one JSON array per
// table: the statement's text is then the same whatever the number of
// rows, so the statement cache serves it, and FTS5 writes one segment for
// the batch. Column text is made of tokens, which are whole runes, so it
// is always valid UTF-8 and JSON carries it unchanged.
func (e *sqliteSearch) writeText(ctx context.Context, tx *sql.Tx, docs []*searchDoc) error {
	rows := make([][5]any, 0, len(docs))
	head := make([][3]any, 0, len(docs))
	// search_head and search_head_text take the same rows.
	for _, d := range docs {
		r := [5]any{d.id}
		for col := range d.columns {
			r[col+1] = string(d.columns[col])
		}
		rows = append(rows, r)
		head = append(head, [3]any{d.id, r[1], r[2]})
	}
	arg, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	if _, err := e.db.exec(ctx, tx, `INSERT INTO search_fts (rowid, title, summary, body, extra)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each($1)`, string(arg)); err != nil {
		return err
	}
	if arg, err = json.Marshal(head); err != nil {
		return err
	}
	if _, err = e.db.exec(ctx, tx, `INSERT INTO search_head (rowid, title, summary) SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each($1)`, string(arg)); err != nil {
		return err
	}
	_, err = e.db.exec(ctx, tx, `INSERT INTO search_head_text (doc_id, title, summary) SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each($1)`, string(arg))
	return err
}

// writeTags binds the tags as one JSON array, or, when a value is not
// valid UTF-8 (which JSON cannot carry unchanged), as they are, in
// statements of at most 900 parameters (SQLite's limit is higher).
func (e *sqliteSearch) writeTags(ctx context.Context, tx *sql.Tx, ids []int64, names, values []string) error {
	valid := true
	for _, v := range values {
		valid = valid && utf8.ValidString(v)
	}
	if valid {
		rows := make([][3]any, len(ids))
		for i := range ids {
			rows[i] = [3]any{ids[i], names[i], values[i]}
		}
		arg, err := json.Marshal(rows)
		if err != nil {
			return err
		}
		// "WHERE true" tells SQLite's parser that ON CONFLICT belongs to
		// the INSERT, not to a join.
		_, err = e.db.exec(ctx, tx, `INSERT INTO search_tags (doc_id, name, value)
SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each($1) WHERE true ON CONFLICT DO NOTHING`, string(arg))
		return err
	}
	var b strings.Builder
	p := placeholders{d: e.db.d}
	flush := func() error {
		if len(p.args) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO search_tags (doc_id, name, value) VALUES `+b.String()+` ON CONFLICT DO NOTHING`, p.args...)
		b.Reset()
		p = placeholders{d: e.db.d}
		return err
	}
	for i := range ids {
		if len(p.args) > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + p.next(ids[i]) + ", " + p.next(names[i]) + ", " + p.next(values[i]) + ")")
		if len(p.args) >= 900 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// idIn binds the ids as a JSON array read by json_each, so the statement's
// text does not depend on them and the statement cache serves it.
func (e *sqliteSearch) idIn(col string, ids []int64) (string, any) {
	if len(ids) == 1 {
		return col + ` = $1`, ids[0]
	}
	return col + ` IN (SELECT value FROM json_each($1))`, "[" + idList(ids) + "]"
}

func (e *sqliteSearch) emptyIndex(ctx context.Context, tx *sql.Tx) error {
	// 'delete-all' empties a contentless table at once; the trigger
	// would delete row by row.
	for _, table := range []string{"search_fts", "search_head"} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (`+table+`) VALUES ('delete-all')`); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DROP TRIGGER search_docs_delete`); err != nil {
		return err
	}
	// In chunks: one statement's journal holds every page it changes, in
	// memory on SQLite's writer (writerPragmas), and the rows of every
	// document are a large part of the file.
	for {
		res, err := tx.ExecContext(ctx, `DELETE FROM search_docs WHERE id IN (SELECT id FROM search_docs ORDER BY id LIMIT 5000)`)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	// As migration 00008 writes it.
	_, err := tx.ExecContext(ctx, `CREATE TRIGGER search_docs_delete AFTER DELETE ON search_docs BEGIN
    DELETE FROM search_fts WHERE rowid = old.id;
    DELETE FROM search_head WHERE rowid = old.id;
END`)
	return err
}

// forget notes the deleted documents in search_gone for the fact caches
// (search_sqlite_cache.go).
func (e *sqliteSearch) forget(ctx context.Context, tx *sql.Tx, ids []int64, gen int64) error {
	_, err := e.db.exec(ctx, tx, `INSERT INTO search_gone (id, gen) SELECT value, $2 FROM json_each($1) WHERE true
ON CONFLICT (id) DO UPDATE SET gen = excluded.gen`, "["+idList(ids)+"]", gen)
	return err
}

// reindexed merges the index segments written by the rebuild into one,
// which makes the first searches after it fast, and clears the rebuild a
// migration asked for.
func (e *sqliteSearch) reindexed(ctx context.Context, tx *sql.Tx) error {
	for _, table := range []string{"search_fts", "search_head"} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (`+table+`) VALUES ('optimize')`); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_rebuild`); err != nil {
		return err
	}
	// Every document was written again: a fact cache older than this
	// loads again from nothing (id 0 in search_gone), so the deleted
	// documents noted before are of no more use.
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_gone`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO search_gone (id, gen) SELECT 0, generation FROM search_meta WHERE id = 1`)
	return err
}

func (e *sqliteSearch) rebuildReason(ctx context.Context) (string, error) {
	db := e.db
	if err := db.wg.enter(ctx); err != nil {
		return "", err
	}
	var reason string
	err := db.w.QueryRowContext(ctx, `SELECT reason FROM search_rebuild LIMIT 1`).Scan(&reason)
	db.wg.leave()
	if err == sql.ErrNoRows {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("sqlstore: search rebuild: %w", err)
	}
	return reason, nil
}

// ftsQuery writes the FTS5 MATCH expression for the terms. Every token is
// quoted (doubling any quote), so no user text is ever read as FTS5 syntax.
func ftsQuery(all []debrief.SearchGroup, not []debrief.SearchTerm) string {
	var parts []string
	for _, g := range all {
		var alts []string
		for _, t := range g {
			alts = append(alts, ftsTerm(t))
		}
		if len(alts) == 1 {
			parts = append(parts, alts[0])
		} else {
			parts = append(parts, "("+strings.Join(alts, " OR ")+")")
		}
	}
	q := strings.Join(parts, " AND ")
	if len(not) > 0 {
		var negs []string
		for _, t := range not {
			negs = append(negs, ftsTerm(t))
		}
		n := strings.Join(negs, " OR ")
		if q == "" {
			return n // the caller excludes these with NOT IN
		}
		q = "(" + q + ") NOT (" + n + ")"
	}
	return q
}

func ftsTerm(t debrief.SearchTerm) string {
	s := `"` + strings.ReplaceAll(strings.Join(t.Tokens, " "), `"`, `""`) + `"`
	if t.Prefix {
		s += "*"
	}
	return s
}
