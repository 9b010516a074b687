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

// searchFilters adds the query's filters and the viewer's visibility to w,
// for the document table aliased d.
func searchFilters(w *where, q *debrief.SearchQuery, viewer debrief.Actor) {
	addSearchFilters(w, q, viewer, false, nil)
}

// tagFilter is one of a search's filters by a tag or a column: a
// document passes with any of the values.
type tagFilter struct {
	name   string
	values []string
}

// searchTagFilters lists q's filters by tag (in the order
// addSearchFilters adds them) and its filters by severity and kind,
// which search_docs.tag_ids numbers like tags on PostgreSQL (as
// "severity" and "kind") and the tag rows do not hold.
func searchTagFilters(q *debrief.SearchQuery) (tags, columns []tagFilter) {
	add := func(out []tagFilter, name string, values []string) []tagFilter {
		if len(values) > 0 {
			out = append(out, tagFilter{name, values})
		}
		return out
	}
	for _, s := range q.Services {
		tags = add(tags, "service", s)
	}
	for _, l := range q.Labels {
		tags = add(tags, "label", l)
	}
	for _, f := range q.Factors {
		tags = add(tags, "factor", f)
	}
	tags = add(tags, "status", q.Statuses)
	tags = add(tags, "owner", q.Owners)
	columns = add(columns, "severity", q.Severities)
	kinds := make([]string, len(q.Kinds))
	for i, k := range q.Kinds {
		kinds[i] = string(k)
	}
	return tags, add(columns, "kind", kinds)
}

// searchTagIDs holds the numbers of one search's filter values
// (search_tag_keys, PostgreSQL), looked up in its transaction.
type searchTagIDs map[[2]string]int32

// ids returns the numbers of name's values, sorted; a value without one
// is on no document.
func (m searchTagIDs) ids(name string, values []string) []int32 {
	out := []int32{}
	for _, v := range values {
		if id, ok := m[[2]string{name, v}]; ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

type tagIDsKey struct{}

// withTagIDs gives the statements of a search the numbers of its filter
// values.
func withTagIDs(ctx context.Context, ids searchTagIDs) context.Context {
	return context.WithValue(ctx, tagIDsKey{}, ids)
}

// tagIDsIn returns the numbers withTagIDs gave, nil when none.
func tagIDsIn(ctx context.Context) searchTagIDs {
	ids, _ := ctx.Value(tagIDsKey{}).(searchTagIDs)
	return ids
}

// addSearchFilters is searchFilters, with two ways of reading the tags
// besides naming the set of documents with a tag (IN), which lets SQLite
// start from the tag index when the filter is the most selective part
// of the query:
//   - perRow looks up each document's tag rows (EXISTS), for conditions
//     PostgreSQL evaluates row by row outside a WHERE clause, where IN
//     would hash every document with the tag (80,000 for status:published
//     at 100,000 documents) to check a sample of a thousand;
//   - with ids (d must be search_docs on PostgreSQL, migration 00029),
//     every filter, severity and kind too, reads the numbers of the
//     document's values, tag_ids, whose GIN index PostgreSQL intersects
//     with the words' to read only the rows of documents that pass.
func addSearchFilters(w *where, q *debrief.SearchQuery, viewer debrief.Actor, perRow bool, ids searchTagIDs) {
	tags, columns := searchTagFilters(q)
	if ids != nil {
		// The numbers are bound, not looked up by the statement: the
		// planner then knows from the column's statistics how many
		// documents have them (status:published, most of them, is better
		// checked row by row than through the index), and the statement
		// is planned for them each time (w.planned).
		for _, f := range slices.Concat(columns, tags) {
			w.add(`d.tag_ids && ?::integer[]`, ids.ids(f.name, f.values))
			w.planned = true
		}
		tags = nil
	} else {
		whereIn(w, "d.severity", q.Severities)
		whereIn(w, "d.kind", q.Kinds)
	}
	tagFilter := func(name string, values []string) {
		marks := make([]string, len(values))
		args := []any{name}
		for i, v := range values {
			marks[i] = "?"
			args = append(args, v)
		}
		if perRow {
			w.add(`EXISTS (SELECT 1 FROM search_tags t WHERE t.doc_id = d.id AND t.name = ? AND t.value IN (`+strings.Join(marks, ", ")+`))`, args...)
			return
		}
		// IN (subquery) lets SQLite start from the tag index when the
		// filter is the most selective part of the query.
		w.add(`d.id IN (SELECT t.doc_id FROM search_tags t WHERE t.name = ? AND t.value IN (`+strings.Join(marks, ", ")+`))`, args...)
	}
	for _, f := range tags {
		tagFilter(f.name, f.values)
	}
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

// visibility adds the viewer's debrief.Visibility (the rule Actor.CanSee
// applies) to w, for the document table aliased d: the index keeps each
// incident's private flag and its members' keys as "member" tags.
func visibility(w *where, viewer debrief.Actor) {
	v := viewer.Visibility()
	switch {
	case v.All:
	case v.Member == "":
		w.add("d.private = 0")
	default:
		w.add(`(d.private = 0 OR EXISTS (SELECT 1 FROM search_tags t WHERE t.doc_id = d.id AND t.name = 'member' AND t.value = ?))`, v.Member)
	}
}

// scored is one match on the first pass: enough to rank, count and facet.
type scored struct {
	id int64
	// tier is 1 for a match in the title or summary, 0 for the others.
	tier  int
	score float64
	date  int64
}

// better orders results: the first tier first, then higher score, then
// newer, then higher id, so the order is total and pages never overlap.
func better(a, b scored) bool {
	if a.tier != b.tier {
		return a.tier > b.tier
	}
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

// keep adds s to the best depth kept so far, pushing out the worst when
// full.
func (h *worstFirst) keep(s scored, depth int) {
	if len(*h) < depth {
		heap.Push(h, s)
	} else if depth > 0 && better(s, (*h)[0]) {
		(*h)[0] = s
		heap.Fix(h, 0)
	}
}

// searchTuning holds the thresholds of the search strategy. They are
// fields of the store (DB.tune), set by Open, so a test that changes them
// changes one store only.
type searchTuning struct {
	// tierThreshold is the number of matches above which a search ranks
	// in tiers, each with its own query: BM25 costs about a microsecond
	// and a half per match in modernc's SQLite, so ranking every match of
	// a common word in 100,000 documents would take longer than the whole
	// search may.
	tierThreshold int
	// fewSurvivors is how many filtered matches of a tiered search are
	// ranked one by one through the index instead of by tier order. The
	// other way ranks the rest by joining every text match to its row and
	// filters in SQL, a few microseconds per match: at 1,000,000
	// documents, 36,000 matches of an alert name filtered to 3,000 by
	// service cost 200 ms that way. Remembered survivors cost 8 bytes each
	// per memo (at most 512 memos).
	fewSurvivors int
	// prefilter lets SQLite count and rank a search with a tag filter
	// from the documents that pass the filters (countPrefiltered); a
	// test switches it off to compare.
	prefilter bool
	// countMemos keeps the counts of many-hit searches per query until
	// the next write; benchmarks switch it off to measure a search nobody
	// has run before.
	countMemos bool
	// similarFromCache lets similar incidents read the fact cache; a test
	// switches it off to compare with the SQL path.
	similarFromCache bool
	// filtersFromCache sends searches by filters alone (no words, no
	// exclusions) to the engine's rankTiered, which on SQLite answers
	// them from the fact cache instead of reading a row of search_docs
	// and its tags per document (140 ms of CPU at 1,000,000 documents for
	// a service and a date); a test switches it off to compare.
	filtersFromCache bool
	// tierAlways sends every search, by filters alone too, to the
	// engine's rankTiered without counting its matches first: on
	// PostgreSQL, which counts, facets and ranks on the server (only the
	// page's rows cross to the store), that is cheaper for any query than
	// the one-pass path, which reads every match into the store.
	tierAlways bool
	// estimateAbove is the number of matches above which a store that
	// can estimate the total and facets from a sample does so
	// (SearchResults.TotalEstimated); sampleDocs is how many documents
	// the sample spans. Counting each match costs a few hundred
	// nanoseconds; at a million documents a common word's matches take
	// longer to count than the whole search may.
	estimateAbove, sampleDocs int
	// estimateRawAbove, when set, also estimates a search whose text
	// matches (before its filters) pass it, however few pass the
	// filters: SQLite counts by walking every text match, and a common
	// word's hundreds of thousands cost more than the whole search may
	// even when a filter keeps a few hundred of them. PostgreSQL decides
	// on the filtered matches only.
	estimateRawAbove int
	// tagsArray filters search_docs by its tag_ids column
	// (addSearchFilters), which PostgreSQL has; a test switches it off to
	// compare with the tag rows.
	tagsArray bool
}

func defaultSearchTuning() searchTuning {
	return searchTuning{tierThreshold: 2000, fewSurvivors: 10000, prefilter: true, countMemos: true, similarFromCache: true, filtersFromCache: true, estimateAbove: 5_000, estimateRawAbove: 100_000, sampleDocs: 100_000}
}

// postgresSearchTuning: on PostgreSQL every search is ranked on the
// server (tierAlways), and counts are estimated from a sample in smaller
// corpora than on SQLite: from at most a tenth of the documents at
// 100,000 (sampleDocs 10,000; only in corpora of at least 20,000), where
// SQLite samples only from 200,000. PostgreSQL reads a row of search_docs
// per match to count it (a GIN index has no index-only scans), where
// SQLite counts from its in-memory fact cache: a search for "database"
// (24,614 matches at 100,000 documents) cost the server 37-41 ms of CPU
// when every match was counted, 17 ms from a sample
// (docs/PERFORMANCE.md). Both engines estimate past 5,000 matches that
// pass the filters.
func postgresSearchTuning() searchTuning {
	t := defaultSearchTuning()
	t.tierAlways, t.estimateRawAbove, t.sampleDocs, t.tagsArray = true, 0, 10_000, true
	return t
}

// Search runs q for viewer. A pass over the matches counts them and builds
// the facets; ranking keeps only the best offset+limit. A second query
// fetches the page's documents for display.
//
// The ranking rule is the same on both engines: the documents that match
// in the title or summary come first (the first tier), then the others,
// each tier by relevance. When a query matches more than tierThreshold
// documents, each tier is ranked by a query of its own, and the second
// only when the page reaches past the first: ranking only the matches
// that can be on the page.
func (db *DB) Search(ctx context.Context, q *debrief.SearchQuery, viewer debrief.Actor) (*debrief.SearchResults, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	limit := debrief.PageLimit(q.Limit)
	offset := min(max(q.Offset, 0), debrief.MaxSearchOffset)
	keep := offset + limit
	tiered := db.tune.tierAlways || (db.tune.filtersFromCache && !q.HasText() && len(q.Not) == 0)
	if !tiered && q.HasText() {
		n, err := db.search.countUpTo(ctx, db.r, q, db.tune.tierThreshold+1)
		if err != nil {
			return nil, err
		}
		tiered = n > db.tune.tierThreshold
	}
	acc := newFacetAcc()
	var best []scored
	// The page's documents are read through the transaction a tiered
	// search holds: asking the pool for a second connection while holding
	// one deadlocks once as many searches run as the pool has connections.
	var read querier = db.r
	if !tiered {
		top, err := db.rankOnePass(ctx, db.r, q, viewer, keep, acc)
		if err != nil {
			return nil, err
		}
		best = top
	} else {
		// One read transaction: the count and the tiers all see the index
		// as of one moment.
		tx, err := db.r.BeginTx(ctx, nil)
		if err != nil {
			return nil, mapErr(err, "search")
		}
		defer tx.Rollback()
		read = tx
		top, ok, err := db.search.rankTiered(ctx, tx, q, viewer, keep, acc)
		if err != nil {
			return nil, err
		}
		if !ok {
			if top, err = db.rankTiersInSQL(ctx, tx, q, viewer, keep, acc); err != nil {
				return nil, err
			}
		}
		best = top
	}
	sortScored(best)
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
	return &debrief.SearchResults{Query: q, Total: acc.total, TotalEstimated: acc.estimated, Hits: hits, Facets: acc.facets()}, nil
}

// rankOnePass counts and facets every match of q into acc in one pass
// over them in SQL, keeping the best keep, tier by tier.
func (db *DB) rankOnePass(ctx context.Context, qr querier, q *debrief.SearchQuery, viewer debrief.Actor, keep int, acc *facetAcc) ([]scored, error) {
	from, score, w := db.searchSource(ctx, q, viewer, allMatches)
	tier := "0"
	if q.HasText() {
		tier = db.search.headTier(q, w)
	}
	return db.scanMatches(ctx, qr, `SELECT d.id, `+tier+`, `+score+`, d.date, d.severity, d.services, d.factors FROM `+from+w.sql(), w.args, keep, acc)
}

// rankTiersInSQL counts and facets a many-hit search in one pass over its
// matches and ranks it by tiers, each by the engine's relevance, where the
// engine keeps nothing in memory to do it faster.
func (db *DB) rankTiersInSQL(ctx context.Context, tx *sql.Tx, q *debrief.SearchQuery, viewer debrief.Actor, keep int, acc *facetAcc) ([]scored, error) {
	from, _, w := db.searchSource(ctx, q, viewer, allMatches)
	if _, err := db.scanMatches(ctx, tx, `SELECT d.id, 0, 0, d.date, d.severity, d.services, d.factors FROM `+from+w.sql(), w.args, 0, acc); err != nil {
		return nil, err
	}
	from, score, w := db.searchSource(ctx, q, viewer, headMatches)
	top, err := db.scanMatches(ctx, tx, `SELECT d.id, 1, `+score+`, d.date, NULL, NULL, NULL FROM `+from+w.sql(), w.args, keep, nil)
	if err != nil {
		return nil, err
	}
	sortScored(top)
	return db.rankRest(ctx, tx, q, viewer, top, keep)
}

// rankRest appends, when the page reaches past the first tier, the best of
// the other matches, ranked by the engine's relevance.
func (db *DB) rankRest(ctx context.Context, tx *sql.Tx, q *debrief.SearchQuery, viewer debrief.Actor, top []scored, keep int) ([]scored, error) {
	if len(top) >= keep {
		return top, nil
	}
	from, score, w := db.searchSource(ctx, q, viewer, restMatches)
	// Ordered as better orders, so the engine keeps the best only.
	n := strconv.Itoa(keep - len(top))
	more, err := db.scanMatches(ctx, tx, `SELECT d.id, 0, `+score+`, d.date, NULL, NULL, NULL FROM `+from+w.sql()+` ORDER BY 3 DESC, 4 DESC, 1 DESC LIMIT `+n, db.planArgs(w), keep-len(top), nil)
	if err != nil {
		return nil, err
	}
	sortScored(more)
	return append(top, more...), nil
}

// searchSource returns the FROM clause, the score expression and the WHERE
// conditions (text match, filters, visibility) of part of a search.
func (db *DB) searchSource(ctx context.Context, q *debrief.SearchQuery, viewer debrief.Actor, part textPart) (from, score string, w *where) {
	w = &where{}
	if q.HasText() {
		from, score = db.search.match(q, part, w)
	} else {
		from, score = `search_docs d`, `0`
		if len(q.Not) > 0 {
			db.search.exclude(q.Not, w)
		}
	}
	var ids searchTagIDs
	if from == "search_docs d" {
		ids = tagIDsIn(ctx)
	}
	addSearchFilters(w, q, viewer, false, ids)
	return from, score, w
}

// facetAcc counts matches and their facet values.
type facetAcc struct {
	total                   int
	severity, service, year map[string]int
	// estimated is set when the counts were scaled up from a sample.
	estimated bool
	factor    map[string]int
}

func newFacetAcc() *facetAcc {
	return &facetAcc{severity: map[string]int{}, service: map[string]int{}, year: map[string]int{}, factor: map[string]int{}}
}

func (a *facetAcc) facets() debrief.SearchFacets {
	return debrief.SearchFacets{Severity: facetList(a.severity, false), Service: facetList(a.service, false), Year: facetList(a.year, true),
		Factor: facetList(a.factor, false)}
}

// addScaled adds the counts of a sample, scaled up, and marks the counts
// estimated.
func (a *facetAcc) addScaled(sample *facetAcc, scale float64) {
	estimate := func(n int) int { return max(1, int(math.Round(float64(n)*scale))) }
	if sample.total > 0 {
		a.total += estimate(sample.total)
	}
	for _, m := range []struct{ from, to map[string]int }{{sample.severity, a.severity}, {sample.service, a.service}, {sample.year, a.year}, {sample.factor, a.factor}} {
		for k, n := range m.from {
			m.to[k] += estimate(n)
		}
	}
	a.estimated = true
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

// scanMatches reads (id, tier, score, date, severity, services, factors) rows, keeping the
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
		if err := rows.Scan(&s.id, &s.tier, &s.score, &s.date, &sev, &services, &factors); err != nil {
			return nil, fmt.Errorf("sqlstore: search: %w", err)
		}
		best.keep(s, keep)
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
