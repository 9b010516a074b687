package sqlstore

import (
	"container/heap"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
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
		w.add(`EXISTS (SELECT 1 FROM search_tags t WHERE t.doc_id = d.id AND t.name = ? AND t.value IN (`+strings.Join(marks, ", ")+`))`, args...)
	}
	for _, s := range q.Services {
		tagFilter("service", s)
	}
	for _, l := range q.Labels {
		tagFilter("label", l)
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

// Search runs q for viewer. One pass over the matches ranks them (keeping
// only the best offset+limit), counts them and builds the facets; a second
// query fetches the page's documents for display.
func (db *DB) Search(ctx context.Context, q *debrief.SearchQuery, viewer debrief.Actor) (*debrief.SearchResults, error) {
	limit := debrief.PageLimit(q.Limit)
	offset := min(max(q.Offset, 0), debrief.MaxSearchOffset)
	w := &where{}
	var from, score string
	switch {
	case q.HasText() && db.d.engine == EngineSQLite:
		from = `search_fts JOIN search_docs d ON d.id = search_fts.rowid`
		w.add(`search_fts MATCH ?`, ftsQuery(q.All, q.Not))
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
	rows, err := db.r.QueryContext(ctx, `SELECT d.id, `+score+`, d.date, d.year, d.severity, d.services FROM `+from+w.sql(), w.args...)
	if err != nil {
		return nil, mapSearchErr(err)
	}
	defer rows.Close()
	keep := offset + limit
	best := make(worstFirst, 0, keep+1)
	severity := map[string]int{}
	service := map[string]int{}
	year := map[string]int{}
	total := 0
	var services string
	var sev string
	var yr int
	for rows.Next() {
		var s scored
		if err := rows.Scan(&s.id, &s.score, &s.date, &yr, &sev, &services); err != nil {
			return nil, fmt.Errorf("sqlstore: search: %w", err)
		}
		total++
		if len(best) < keep {
			heap.Push(&best, s)
		} else if better(s, best[0]) {
			best[0] = s
			heap.Fix(&best, 0)
		}
		if sev != "" {
			severity[sev]++
		}
		year[strconv.Itoa(yr)]++
		if services != "" {
			for _, sv := range strings.Split(services, "\n") {
				service[sv]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, mapSearchErr(err)
	}
	rows.Close()
	sort.Slice(best, func(i, j int) bool { return better(best[i], best[j]) })
	var page []scored
	if offset < len(best) {
		page = best[offset:]
	}
	hits, err := db.searchHits(ctx, page, q)
	if err != nil {
		return nil, err
	}
	return &debrief.SearchResults{Query: q, Total: total, Hits: hits, Facets: debrief.SearchFacets{
		Severity: facetList(severity, false), Service: facetList(service, false), Year: facetList(year, true),
	}}, nil
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

// searchHits loads the page's documents and cuts their snippets.
func (db *DB) searchHits(ctx context.Context, page []scored, q *debrief.SearchQuery) ([]debrief.SearchHit, error) {
	hits := make([]debrief.SearchHit, 0, len(page))
	if len(page) == 0 {
		return hits, nil
	}
	ids := make([]int64, len(page))
	for i, s := range page {
		ids[i] = s.id
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, kind, incident_id, postmortem_id, key, title, severity, status, services, date, fields
FROM search_docs WHERE id IN (`+idList(ids)+`)`)
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
