package sqlstore

import (
	"bytes"
	"container/heap"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Ranking weights per index column (title, summary, body, extra). SQLite's
// bm25 multiplies each column's contribution by its weight; PostgreSQL's
// ts_rank_cd takes the weights of D, C, B, A in that order. Both put a
// title match far above a body match, as people expect of titles.
const (
	bm25Weights  = "10.0, 4.0, 1.0, 0.5"
	tsRankWeight = "{0.05, 0.1, 0.4, 1.0}"
)

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

// searchFilters adds the query's filters and the viewer's visibility to w,
// for the document table aliased d.
func searchFilters(w *where, q *debrief.SearchQuery, viewer debrief.Actor) {
	whereIn(w, "d.severity", q.Severities)
	whereIn(w, "d.kind", q.Kinds)
	tagFilter := func(name string, values []string) {
		if len(values) == 0 {
			return
		}
		marks := make([]string, len(values))
		args := []any{name}
		for i, v := range values {
			marks[i] = "?"
			args = append(args, v)
		}
		// IN (subquery) lets SQLite start from the tag index when the
		// filter is the most selective part of the query.
		w.add(`d.id IN (SELECT t.doc_id FROM search_tags t WHERE t.name = ? AND t.value IN (`+strings.Join(marks, ", ")+`))`, args...)
	}
	for _, s := range q.Services {
		tagFilter("service", s)
	}
	for _, l := range q.Labels {
		tagFilter("label", l)
	}
	for _, f := range q.Factors {
		tagFilter("factor", f)
	}
	tagFilter("status", q.Statuses)
	tagFilter("owner", q.Owners)
	if q.After != nil {
		w.add("d.date >= ?", q.After.UTC().UnixMicro())
	}
	if q.Before != nil {
		w.add("d.date < ?", q.Before.UTC().UnixMicro())
	}
	if q.OpenActionItems {
		w.add("d.open_actions > 0")
	}
	visibility(w, viewer)
}

// visibility keeps private incidents from anyone but admins and members.
func visibility(w *where, viewer debrief.Actor) {
	if viewer.Role == debrief.RoleAdmin {
		return
	}
	email := strings.ToLower(strings.TrimSpace(viewer.Email))
	if email == "" {
		w.add("d.private = 0")
		return
	}
	w.add(`(d.private = 0 OR EXISTS (SELECT 1 FROM search_tags t WHERE t.doc_id = d.id AND t.name = 'member' AND t.value = ?))`, email)
}

// scored is one match on the first pass: enough to rank, count and facet.
type scored struct {
	id    int64
	score float64
	date  int64
}

// better orders results: higher score, then newer, then higher id, so the
// order is total and pages never overlap.
func better(a, b scored) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if a.date != b.date {
		return a.date > b.date
	}
	return a.id > b.id
}

// worstFirst is a min-heap of the best results seen so far.
type worstFirst []scored

func (h worstFirst) Len() int           { return len(h) }
func (h worstFirst) Less(i, j int) bool { return better(h[j], h[i]) }
func (h worstFirst) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *worstFirst) Push(x any)        { *h = append(*h, x.(scored)) }
func (h *worstFirst) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// searchTierThreshold is the number of matches above which SQLite ranks in
// tiers: BM25 costs about a microsecond and a half per match in modernc's
// SQLite, so ranking every match of a common word in 100,000 documents
// would take longer than the whole search may.
var searchTierThreshold = 2000

// searchFewSurvivors is how many filtered matches of a tiered search are
// ranked one by one through the index instead of by tier order.
var searchFewSurvivors = 2000

// Search runs q for viewer. A pass over the matches counts them and builds
// the facets; ranking keeps only the best offset+limit. A second query
// fetches the page's documents for display.
//
// On SQLite, when a query matches more than searchTierThreshold documents,
// ranking runs in tiers: the documents that match in the title or summary
// come first, ranked by BM25 over those fields, then (only when the page
// reaches past them) the others by BM25. That is the order people expect
// (a title match is a better answer than a mention in the body) at the
// cost of ranking only the matches that can be on the page.
func (db *DB) Search(ctx context.Context, q *debrief.SearchQuery, viewer debrief.Actor) (*debrief.SearchResults, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	limit := debrief.PageLimit(q.Limit)
	offset := min(max(q.Offset, 0), debrief.MaxSearchOffset)
	keep := offset + limit
	sqlite := db.d.engine == EngineSQLite
	tiered := false
	if q.HasText() && sqlite {
		var n int
		err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH $1 LIMIT $2) AS m`,
			ftsQuery(q.All, q.Not), searchTierThreshold+1).Scan(&n)
		if err != nil {
			return nil, mapSearchErr(err)
		}
		tiered = n > searchTierThreshold
	}
	acc := newFacetAcc()
	var best []scored
	// The page's documents are read through the transaction a tiered
	// search holds: asking the pool for a second connection while holding
	// one deadlocks once as many searches run as the pool has connections.
	var read querier = db.r
	if !tiered {
		from, score, w := db.searchSource(q, viewer, ftsQuery(q.All, q.Not))
		heap, err := db.scanMatches(ctx, db.r, `SELECT d.id, `+score+`, d.date, d.severity, d.services, d.factors FROM `+from+w.sql(), w.args, keep, acc)
		if err != nil {
			return nil, err
		}
		best = heap
	} else {
		// One read transaction: the count, the cache and the ranking all
		// see the index as of one moment.
		tx, err := db.r.BeginTx(ctx, nil)
		if err != nil {
			return nil, mapErr(err, "search")
		}
		defer tx.Rollback()
		read = tx
		positive := ftsQuery(q.All, nil)
		first := "({title summary} : (" + positive + "))"
		if len(q.Not) > 0 {
			first = "(" + first + ") NOT (" + ftsQuery(nil, q.Not) + ")"
		}
		rest := "(" + ftsQuery(q.All, q.Not) + ") NOT " + first
		var top []scored
		if db.facts().warm(db) {
			if top, err = db.rankTiered(ctx, tx, q, viewer, keep, rest, acc); err != nil {
				return nil, err
			}
		} else {
			// The cache is still loading (the first many-hit search after
			// start): count, facet and rank in SQL meanwhile.
			from, _, w := db.searchSource(q, viewer, ftsQuery(q.All, q.Not))
			if _, err := db.scanMatches(ctx, tx, `SELECT d.id, 0, d.date, d.severity, d.services, d.factors FROM `+from+w.sql(), w.args, 0, acc); err != nil {
				return nil, err
			}
			from, score, w := db.searchSource(q, viewer, first)
			top, err = db.scanMatches(ctx, tx, `SELECT d.id, `+score+`, d.date, NULL, NULL, NULL FROM `+from+w.sql(), w.args, keep, nil)
			if err != nil {
				return nil, err
			}
			sortScored(top)
			if top, err = db.rankRest(ctx, tx, q, viewer, rest, top, keep); err != nil {
				return nil, err
			}
		}
		best = top
	}
	sortScoredIfFlat(best, tiered)
	if len(best) > keep {
		best = best[:keep]
	}
	var page []scored
	if offset < len(best) {
		page = best[offset:]
	}
	hits, err := db.searchHits(ctx, read, page, q)
	if err != nil {
		return nil, err
	}
	return &debrief.SearchResults{Query: q, Total: acc.total, Hits: hits, Facets: acc.facets()}, nil
}

// rankTiered counts and facets a many-hit search from the fact cache and
// ranks it in tiers: the documents that match in the title or summary
// first (rankHead), then, only when the page reaches past them, the
// others by bm25 over the whole document. The cache must be warm.
func (db *DB) rankTiered(ctx context.Context, tx *sql.Tx, q *debrief.SearchQuery, viewer debrief.Actor, keep int, rest string, acc *facetAcc) ([]scored, error) {
	c := db.facts()
	match := ftsQuery(q.All, q.Not)
	gen, err := c.refresh(ctx, tx)
	if err != nil {
		return nil, err
	}
	key := countKey(q, viewer, strings.ToLower(strings.TrimSpace(viewer.Email)), match, searchFewSurvivors)
	if top, ok := c.rankedFor(key, gen, keep); ok {
		// Paging through, or the same search again: the order is kept.
		if _, err := db.countCached(ctx, tx, q, viewer, match, searchFewSurvivors, false, acc); err != nil {
			return nil, err
		}
		return db.rankRest(ctx, tx, q, viewer, rest, top, keep)
	}
	// Ranking costs about the same for 20 results as for 200 (bm25 scores
	// every first-tier match), so rank deep enough for the next pages and
	// keep the order.
	depth := max(keep, searchRankMemoDepth)
	counted, err := db.countCached(ctx, tx, q, viewer, match, searchFewSurvivors, true, acc)
	if err != nil {
		return nil, err
	}
	if counted.survivors != nil {
		// Filters left few matches: rank just those, tier by tier; the
		// second tier by bm25 over the whole document, through the index
		// for the listed documents only.
		top, err := rankHead(ctx, tx, c, q, counted.matched, len(counted.matched))
		if err != nil {
			return nil, err
		}
		if len(top) < keep {
			inFirst := make(map[int64]bool, len(top))
			for _, s := range top {
				inFirst[s.id] = true
			}
			var others []int64
			for _, id := range counted.survivors {
				if !inFirst[id] {
					others = append(others, id)
				}
			}
			more, err := db.rankIDs(ctx, tx, match, others)
			if err != nil {
				return nil, err
			}
			top = append(top, more...)
		}
		return top, nil
	}
	top, err := rankHead(ctx, tx, c, q, counted.matched, depth)
	if err != nil {
		return nil, err
	}
	c.rememberRanked(key, gen, top, depth)
	return db.rankRest(ctx, tx, q, viewer, rest, top[:min(keep, len(top))], keep)
}

// BM25's parameters, as SQLite's bm25() uses them, and the weights of a
// word in the title and in the summary (bm25Weights).
const (
	bm25K1          = 1.2
	bm25B           = 0.75
	headTitleWeight = 10.0
	headSumWeight   = 4.0
)

// rankHead ranks the first tier: the documents among matched (ascending
// ids: every match that passed the filters) whose title or summary match
// the query's words, best first, at most depth of them.
//
// The score is bm25 over the title and summary, as SQLite's bm25() would
// compute it on search_head with the title and summary weights, except
// that a word counts once per field however often it appears there (a
// title or summary seldom repeats a word). That is what makes it cheap:
// instead of bm25() reading every match's column sizes from the index
// (about 1.5 µs per match, 20 ms for a common word in 100,000 documents),
// it reads, per word and field, the list of documents that have it
// (search_head's entries are short), and takes the lengths from the fact
// cache.
func rankHead(ctx context.Context, tx *sql.Tx, c *factCache, q *debrief.SearchQuery, matched []int64, depth int) ([]scored, error) {
	type word struct {
		title, summary []int64 // ascending ids
		idf            float64
	}
	c.mu.RLock()
	docs, words := c.headDocs, c.headWords
	c.mu.RUnlock()
	avgLen := 1.0
	if docs > 0 && words > 0 {
		avgLen = float64(words) / float64(docs)
	}
	groups := make([][]*word, len(q.All))
	var all []*word
	for i, g := range q.All {
		for _, t := range g {
			w := &word{}
			var err error
			if w.title, err = headIDs(ctx, tx, "{title} : "+ftsTerm(t)); err != nil {
				return nil, err
			}
			if w.summary, err = headIDs(ctx, tx, "{summary} : "+ftsTerm(t)); err != nil {
				return nil, err
			}
			// bm25's idf, from how many documents have the word in either
			// field; like SQLite, never zero or below.
			n := float64(unionSize(w.title, w.summary))
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
	var candidates []int64
	for _, w := range groups[smallest] {
		candidates = append(candidates, w.title...)
		candidates = append(candidates, w.summary...)
	}
	slices.Sort(candidates)
	candidates = slices.Compact(candidates)
	has := func(ids []int64, id int64) bool {
		_, ok := slices.BinarySearch(ids, id)
		return ok
	}
	var top []scored
	c.mu.RLock()
	defer c.mu.RUnlock()
candidate:
	for _, id := range candidates {
		if !has(matched, id) {
			continue
		}
		for _, g := range groups {
			found := false
			for _, w := range g {
				if has(w.title, id) || has(w.summary, id) {
					found = true
					break
				}
			}
			if !found {
				continue candidate
			}
		}
		f := c.get(id)
		if f == nil {
			continue
		}
		norm := bm25K1 * (1 - bm25B + bm25B*float64(f.headLen)/avgLen)
		score := 0.0
		for _, w := range all {
			weighted := 0.0
			if has(w.title, id) {
				weighted += headTitleWeight
			}
			if has(w.summary, id) {
				weighted += headSumWeight
			}
			if weighted > 0 {
				score += w.idf * weighted * (bm25K1 + 1) / (weighted + norm)
			}
		}
		top = append(top, scored{id: id, score: score, date: f.date})
	}
	sortScored(top)
	return top[:min(depth, len(top))], nil
}

// headIDs returns the ids of the documents matching an FTS expression on
// search_head, ascending.
func headIDs(ctx context.Context, tx *sql.Tx, match string) ([]int64, error) {
	var text string
	// One row holding every rowid (see countCached).
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(group_concat(rowid), '') FROM search_head WHERE search_head MATCH $1`, match).Scan(&text); err != nil {
		return nil, mapSearchErr(err)
	}
	ids, err := parseIDList(text)
	if err != nil {
		return nil, err
	}
	slices.Sort(ids) // FTS5 returns rowids ascending; this keeps has() honest if not
	return ids, nil
}

// unionSize counts the ids in either of two ascending lists.
func unionSize(a, b []int64) int {
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

// rankRest appends, when the page reaches past the first tier, the best of
// the other matches, ranked by BM25 over the whole document.
func (db *DB) rankRest(ctx context.Context, tx *sql.Tx, q *debrief.SearchQuery, viewer debrief.Actor, rest string, top []scored, keep int) ([]scored, error) {
	if len(top) >= keep {
		return top, nil
	}
	from, score, w := db.searchSource(q, viewer, rest)
	more, err := db.scanMatches(ctx, tx, `SELECT d.id, `+score+`, d.date, NULL, NULL, NULL FROM `+from+w.sql(), w.args, keep-len(top), nil)
	if err != nil {
		return nil, err
	}
	sortScored(more)
	return append(top, more...), nil
}

// searchSource returns the FROM clause, the score expression and the WHERE
// conditions (text match, filters, visibility) of a search; match is the
// FTS5 expression to use on SQLite.
func (db *DB) searchSource(q *debrief.SearchQuery, viewer debrief.Actor, match string) (from, score string, w *where) {
	w = &where{}
	switch {
	case q.HasText() && db.d.engine == EngineSQLite:
		from = `search_fts JOIN search_docs d ON d.id = search_fts.rowid`
		w.add(`search_fts MATCH ?`, match)
		// bm25 is lower for better matches.
		score = `-bm25(search_fts, ` + bm25Weights + `)`
	case q.HasText():
		from = `search_docs d`
		tq := tsQuery(q.All, q.Not)
		w.add(`d.tsv @@ ?::tsquery`, tq)
		score = `ts_rank_cd('` + tsRankWeight + `', d.tsv, ` + w.next(tq) + `::tsquery)`
	default:
		from, score = `search_docs d`, `0`
		if len(q.Not) > 0 {
			if db.d.engine == EngineSQLite {
				w.add(`d.id NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)`, ftsQuery(nil, q.Not))
			} else {
				w.add(`NOT (d.tsv @@ ?::tsquery)`, tsQuery([]debrief.SearchGroup{q.Not}, nil))
			}
		}
	}
	searchFilters(w, q, viewer)
	return from, score, w
}

// facetAcc counts matches and their facet values.
type facetAcc struct {
	total                   int
	severity, service, year map[string]int
	factor                  map[string]int
}

func newFacetAcc() *facetAcc {
	return &facetAcc{severity: map[string]int{}, service: map[string]int{}, year: map[string]int{}, factor: map[string]int{}}
}

func (a *facetAcc) facets() debrief.SearchFacets {
	return debrief.SearchFacets{Severity: facetList(a.severity, false), Service: facetList(a.service, false), Year: facetList(a.year, true),
		Factor: facetList(a.factor, false)}
}

// countFactors counts a match's contributing factors (search_docs.factors,
// a JSON list of normalized names; "[]" for most documents, which costs
// nothing to skip).
func (a *facetAcc) countFactors(factors []byte) error {
	if len(factors) <= len("[]") {
		return nil
	}
	var list []string
	if err := json.Unmarshal(factors, &list); err != nil {
		return fmt.Errorf("sqlstore: search: factors of a document: %w", err)
	}
	for _, f := range list {
		a.factor[f]++
	}
	return nil
}

// scanMatches reads (id, score, date, severity, services, factors) rows, keeping the
// best keep of them (none when keep is 0) and, when acc is not nil,
// counting them into acc. Text columns are read as raw bytes: this loop
// runs once per match, so it must not allocate per row.
func (db *DB) scanMatches(ctx context.Context, qr querier, query string, args []any, keep int, acc *facetAcc) ([]scored, error) {
	rows, err := qr.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapSearchErr(err)
	}
	defer rows.Close()
	best := make(worstFirst, 0, keep+1)
	var sev, services, factors sql.RawBytes
	for rows.Next() {
		var s scored
		if err := rows.Scan(&s.id, &s.score, &s.date, &sev, &services, &factors); err != nil {
			return nil, fmt.Errorf("sqlstore: search: %w", err)
		}
		if keep > 0 {
			if len(best) < keep {
				heap.Push(&best, s)
			} else if better(s, best[0]) {
				best[0] = s
				heap.Fix(&best, 0)
			}
		}
		if acc == nil {
			continue
		}
		acc.total++
		if len(sev) > 0 {
			acc.severity[string(sev)]++
		}
		acc.year[yearString(s.date)]++
		if err := acc.countFactors(factors); err != nil {
			return nil, err
		}
		for len(services) > 0 {
			i := bytes.IndexByte(services, '\n')
			if i < 0 {
				acc.service[string(services)]++
				break
			}
			acc.service[string(services[:i])]++
			services = services[i+1:]
		}
	}
	if err := rows.Err(); err != nil {
		return nil, mapSearchErr(err)
	}
	return best, nil
}

// years caches the year strings facets count by.
var years = func() map[int]string {
	m := map[int]string{}
	for y := 1970; y <= 2100; y++ {
		m[y] = strconv.Itoa(y)
	}
	return m
}()

func yearString(micros int64) string {
	y := time.UnixMicro(micros).UTC().Year()
	if s, ok := years[y]; ok {
		return s
	}
	return strconv.Itoa(y)
}

func sortScored(s []scored) {
	sort.Slice(s, func(i, j int) bool { return better(s[i], s[j]) })
}

// sortScoredIfFlat sorts a single-pass result; tiered results are already
// in tier order.
func sortScoredIfFlat(s []scored, tiered bool) {
	if !tiered {
		sortScored(s)
	}
}

// mapSearchErr turns an engine's complaint about a query into EInvalid: the
// parser should have caught it, but a user must never see a 500 for a query.
func mapSearchErr(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "fts5") || strings.Contains(msg, "tsquery") || strings.Contains(msg, "syntax error in tsquery") {
		return &debrief.Error{Code: debrief.EInvalid, Field: "q", Message: "The search could not be run as written; simplify it and try again.", Err: err}
	}
	return mapErr(err, "search")
}

// facetList sorts counts by count (then value), or by value descending for
// years, newest first.
func facetList(m map[string]int, byValueDesc bool) []debrief.FacetCount {
	out := make([]debrief.FacetCount, 0, len(m))
	for v, n := range m {
		out = append(out, debrief.FacetCount{Value: v, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if byValueDesc {
			return out[i].Value > out[j].Value
		}
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Value < out[j].Value
	})
	if len(out) > 50 {
		out = out[:50]
	}
	return out
}

// searchHits loads the page's documents through qr and cuts their
// snippets.
func (db *DB) searchHits(ctx context.Context, qr querier, page []scored, q *debrief.SearchQuery) ([]debrief.SearchHit, error) {
	hits := make([]debrief.SearchHit, 0, len(page))
	if len(page) == 0 {
		return hits, nil
	}
	ids := make([]int64, len(page))
	for i, s := range page {
		ids[i] = s.id
	}
	rows, err := qr.QueryContext(ctx, `SELECT d.id, d.kind, d.incident_id, d.postmortem_id, d.key, d.title, d.severity, d.status, d.services, d.date, x.fields
FROM search_docs d JOIN search_text x ON x.doc_id = d.id WHERE d.id IN (`+idList(ids)+`)`)
	if err != nil {
		return nil, mapErr(err, "search: load hits")
	}
	defer rows.Close()
	byID := map[int64]*debrief.SearchHit{}
	for rows.Next() {
		var h debrief.SearchHit
		var id, date int64
		var inc, pm sql.NullInt64
		var kind, services, fields string
		if err := rows.Scan(&id, &kind, &inc, &pm, &h.Key, &h.Title, &h.Severity, &h.Status, &services, &date, &fields); err != nil {
			return nil, fmt.Errorf("sqlstore: search: load hits: %w", err)
		}
		h.Kind = debrief.PostmortemKind(kind)
		if inc.Valid {
			h.IncidentID = &inc.Int64
		}
		if pm.Valid {
			h.PostmortemID = &pm.Int64
		}
		h.Services = splitServices(services)
		h.Date = time.UnixMicro(date).UTC()
		var fs []debrief.SearchField
		if err := json.Unmarshal([]byte(fields), &fs); err != nil {
			return nil, fmt.Errorf("sqlstore: search: decode fields of %d: %w", id, err)
		}
		h.Field, h.FieldLabel, h.Snippet, h.Highlights = debrief.Snippet(fs, q)
		byID[id] = &h
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err, "search: load hits")
	}
	for _, s := range page {
		if h := byID[s.id]; h != nil {
			h.Score = s.score
			hits = append(hits, *h)
		}
	}
	return hits, nil
}
