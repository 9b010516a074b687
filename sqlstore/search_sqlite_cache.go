package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/debriefhq/debrief/debrief"
)

// A search that matches a large part of the corpus must still count every
// match and its facets. Reading each match's row of search_docs through
// SQLite costs a few microseconds, which at 25,000 matches is most of the
// time a search may take. So on SQLite the store keeps, in memory, the
// few facts filters and facets need for every document (a few hundred
// bytes each, about 20 MB per 100,000 documents) and refreshes them from
// the rows whose generation is newer than the cache's (search_meta,
// search_docs.gen), inside the search's read transaction, so a search
// sees the index as of one moment. Documents deleted since stay in the
// cache but are never looked up: only ids the FTS index returns are.

// docFacts is what filters and facets need of one document.
type docFacts struct {
	date     int64
	year     string // of date, for facets
	severity string
	kind     string
	private  bool
	open     bool
	services []string // as written, for facets
	// headLen is the number of words in the title and summary (bm25's
	// document length when the first tier is ranked, search.go).
	headLen int32
	// tags are "name\x00value" (lowercased values), for filters.
	tags []string
}

func (f *docFacts) hasTag(name string, values []string) bool {
	for _, t := range f.tags {
		if len(t) <= len(name) || t[len(name)] != 0 || t[:len(name)] != name {
			continue
		}
		v := t[len(name)+1:]
		for _, want := range values {
			if v == want {
				return true
			}
		}
	}
	return false
}

// matches applies the query's filters and the viewer's visibility (v), as
// searchFilters does in SQL.
func (f *docFacts) matches(q *debrief.SearchQuery, v debrief.Visibility) bool {
	if len(q.Severities) > 0 && !containsString(q.Severities, f.severity) {
		return false
	}
	if len(q.Kinds) > 0 {
		ok := false
		for _, k := range q.Kinds {
			ok = ok || string(k) == f.kind
		}
		if !ok {
			return false
		}
	}
	for _, s := range q.Services {
		if !f.hasTag("service", s) {
			return false
		}
	}
	for _, l := range q.Labels {
		if !f.hasTag("label", l) {
			return false
		}
	}
	for _, x := range q.Factors {
		if !f.hasTag("factor", x) {
			return false
		}
	}
	if len(q.Statuses) > 0 && !f.hasTag("status", q.Statuses) {
		return false
	}
	if len(q.Owners) > 0 && !f.hasTag("owner", q.Owners) {
		return false
	}
	if q.After != nil && f.date < q.After.UTC().UnixMicro() {
		return false
	}
	if q.Before != nil && f.date >= q.Before.UTC().UnixMicro() {
		return false
	}
	if q.OpenActionItems && !f.open {
		return false
	}
	return v.Allows(f.private, func(key string) bool { return f.hasTag("member", []string{key}) })
}

// factCache holds docFacts by document id as of generation gen. It is a
// field of the store, made by Open; Close stops its loader.
type factCache struct {
	// r is the read pool the loader reads through, logger where it says
	// that a load failed.
	r      *sql.DB
	logger *slog.Logger
	// ctx ends when the store closes, which stops a load in progress;
	// loads counts the loaders running, which stop waits for.
	ctx    context.Context
	cancel context.CancelFunc
	loads  sync.WaitGroup

	// ready is set once the first full load is done; until then searches
	// do not wait for the cache but count in SQL.
	ready atomic.Bool
	// loading is set while a load runs; a load that failed (the pool was
	// busy) is tried again by the next search.
	loading atomic.Bool
	mu      sync.RWMutex
	gen     int64
	// docs is indexed by document id (ids are SQLite rowids, dense from
	// 1), which at 25,000 lookups per search is much cheaper than a map;
	// far holds any id too large for that.
	docs   []*docFacts
	far    map[int64]*docFacts
	intern map[string]string
	// headDocs and headWords count the documents and their title and
	// summary words, for bm25's average document length. Documents deleted
	// since they were cached stay counted until the next full load; the
	// average moves little for that.
	headDocs, headWords int64

	// memos hold per-query counts (see countCached).
	memoMu sync.Mutex
	memos  map[string]*countMemo
}

func newFactCache(r *sql.DB, logger *slog.Logger) *factCache {
	ctx, cancel := context.WithCancel(context.Background())
	return &factCache{r: r, logger: logger, ctx: ctx, cancel: cancel, gen: -1, far: map[int64]*docFacts{}, intern: map[string]string{}}
}

// stop ends a load in progress and waits for it, so nothing of the cache
// outlives the store.
func (c *factCache) stop() {
	c.cancel()
	c.loads.Wait()
}

// warm reports whether the cache has been loaded, and starts loading it in
// the background the first time it is asked (at 100,000 documents the
// first load reads about a million rows and takes seconds).
func (c *factCache) warm() bool {
	if c.ready.Load() {
		return true
	}
	if c.ctx.Err() == nil && c.loading.CompareAndSwap(false, true) {
		c.loads.Add(1)
		go func() {
			defer c.loads.Done()
			defer c.loading.Store(false)
			if err := c.load(); err != nil {
				if c.ctx.Err() == nil {
					c.logger.Warn("search cache: load", "error", err)
				}
				return
			}
			c.ready.Store(true)
		}()
	}
	return false
}

// load reads every document's facts in one read transaction. It does not
// enter the read pool's gate: the pool keeps one connection beyond the
// gate for it (openSQLite), and c.loading lets one load run at a time.
func (c *factCache) load() error {
	ctx := c.ctx
	tx, err := c.r.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	_, err = c.refresh(ctx, tx)
	return err
}

// maxDenseID bounds the slice part of factCache.docs (8 bytes per id).
const maxDenseID = 1 << 24

// get returns the facts of document id, nil if unknown; c.mu must be held.
func (c *factCache) get(id int64) *docFacts {
	if id >= 0 && id < int64(len(c.docs)) {
		return c.docs[id]
	}
	return c.far[id]
}

// put stores the facts of document id; c.mu must be held for writing.
func (c *factCache) put(id int64, f *docFacts) {
	if old := c.get(id); old != nil {
		c.headDocs--
		c.headWords -= int64(old.headLen)
	}
	c.headDocs++
	c.headWords += int64(f.headLen)
	if id < 0 || id >= maxDenseID {
		c.far[id] = f
		return
	}
	if id >= int64(len(c.docs)) {
		c.docs = slices.Grow(c.docs, int(id)+1-len(c.docs))[:id+1]
	}
	c.docs[id] = f
}

func (c *factCache) str(s string) string {
	if v, ok := c.intern[s]; ok {
		return v
	}
	c.intern[s] = s
	return s
}

// refresh brings the cache up to the generation tx sees, and returns it.
func (c *factCache) refresh(ctx context.Context, tx *sql.Tx) (gen int64, err error) {
	if err := tx.QueryRowContext(ctx, `SELECT generation FROM search_meta WHERE id = 1`).Scan(&gen); err != nil {
		return 0, fmt.Errorf("sqlstore: search cache: %w", err)
	}
	c.mu.RLock()
	fresh := c.gen == gen
	c.mu.RUnlock()
	if fresh {
		return gen, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		return gen, nil
	}
	since := c.gen
	rows, err := tx.QueryContext(ctx, `SELECT id, date, severity, kind, private, open_actions, services, head_len FROM search_docs WHERE gen > $1 AND gen <= $2`, since, gen)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: search cache: %w", err)
	}
	changed := map[int64]*docFacts{}
	for rows.Next() {
		var id, date int64
		var private, open int
		var headLen int32
		var severity, kind, services string
		if err := rows.Scan(&id, &date, &severity, &kind, &private, &open, &services, &headLen); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqlstore: search cache: %w", err)
		}
		f := &docFacts{date: date, year: yearString(date), severity: c.str(severity), kind: c.str(kind), private: private != 0, open: open > 0, headLen: headLen}
		for _, s := range splitServices(services) {
			f.services = append(f.services, c.str(s))
		}
		changed[id] = f
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqlstore: search cache: %w", err)
	}
	// CROSS JOIN makes SQLite start from the changed documents (the gen
	// index) and read their tags by primary key. Left to itself it read
	// every service, label, status, owner and member tag of the index
	// through the tag index, and each tag's document, to find the few
	// changed: most of the first search after any write (48% of its CPU
	// at 10,000 documents; BenchmarkSearchAfterWrite).
	rows, err = tx.QueryContext(ctx, `SELECT t.doc_id, t.name, t.value FROM search_docs d CROSS JOIN search_tags t ON t.doc_id = d.id
WHERE d.gen > $1 AND d.gen <= $2 AND t.name IN ('service', 'label', 'status', 'owner', 'member', 'factor')`, since, gen)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: search cache: %w", err)
	}
	for rows.Next() {
		var id int64
		var name, value string
		if err := rows.Scan(&id, &name, &value); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqlstore: search cache: %w", err)
		}
		if f := changed[id]; f != nil {
			f.tags = append(f.tags, c.str(name+"\x00"+value))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqlstore: search cache: %w", err)
	}
	for id, f := range changed {
		c.put(id, f)
	}
	c.gen = gen
	return gen, nil
}

// count adds a match to the total and the facets.
func (a *facetAcc) add(f *docFacts) {
	a.total++
	if f.severity != "" {
		a.severity[f.severity]++
	}
	a.year[f.year]++
	for _, s := range f.services {
		a.service[s]++
	}
	for _, t := range f.tags {
		if v, ok := strings.CutPrefix(t, "factor\x00"); ok {
			a.factor[v]++
		}
	}
}

// countCached counts the matches of an FTS expression that pass q's
// filters into acc, using the cache, and returns their ids when there are
// at most collect of them (nil otherwise), and the number of matches
// before filtering. It is not used for searches by filters alone: the
// cache may hold deleted documents, which only an FTS match is sure to
// leave out.
//
// Counting walks every match, which for a common word in 100,000
// documents is most of a search's cost; people page through and refine
// the same searches, so the counts are kept per query (expression,
// filters, viewer) for as long as the index generation stays the same.
//
// With all set, the memo is not used and every filtered match is returned
// in matched, in ascending id order.
func (e *sqliteSearch) countCached(ctx context.Context, tx *sql.Tx, q *debrief.SearchQuery, viewer debrief.Actor, match string, collect int, all bool, acc *facetAcc) (countResult, error) {
	c := e.facts
	gen, err := c.refresh(ctx, tx)
	if err != nil {
		return countResult{}, err
	}
	v := viewer.Visibility()
	key := countKey(q, viewer, match, collect)
	if m, ok := c.counted(key, gen); ok && e.db.tune.countMemos && !all {
		m.into(acc)
		return countResult{survivors: m.survivors, gen: gen, key: key}, nil
	}
	var text string
	// One row holding every rowid: reading 25,000 rows one by one through
	// database/sql costs more than the FTS5 walk itself.
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(group_concat(rowid), '') FROM search_fts WHERE search_fts MATCH $1`, match).Scan(&text); err != nil {
		return countResult{}, mapSearchErr(err)
	}
	ids, err := parseIDList(text)
	if err != nil {
		return countResult{}, err
	}
	var survivors []int64
	local := newFacetAcc()
	c.mu.RLock()
	for _, id := range ids {
		f := c.get(id)
		if f == nil || !f.matches(q, v) {
			continue
		}
		local.add(f)
		if len(survivors) <= collect || all {
			survivors = append(survivors, id)
		}
	}
	c.mu.RUnlock()
	var matched []int64
	if all {
		// FTS5 returns rowids in ascending order, so the list is sorted.
		matched = survivors
		slices.Sort(matched) // a no-op then, kept so that has() never lies
	}
	if len(survivors) > collect {
		survivors = nil
	} else if all {
		survivors = slices.Clone(survivors)
	}
	m := &countMemo{gen: gen, raw: len(ids), total: local.total, severity: local.severity, service: local.service, year: local.year, factor: local.factor, survivors: survivors}
	c.remember(key, m)
	m.into(acc)
	return countResult{survivors: survivors, matched: matched, gen: gen, key: key}, nil
}

// countResult is what countCached learnt besides the counts: the
// filtered matches when few (nil otherwise), every filtered match when
// asked for, and the generation and key of the query's memo.
type countResult struct {
	survivors []int64
	// matched is every filtered match, ascending, when asked for (all).
	matched []int64
	gen     int64
	key     string
}

// parseIDList reads group_concat's comma-separated rowids.
func parseIDList(s string) ([]int64, error) {
	if s == "" {
		return nil, nil
	}
	ids := make([]int64, 0, strings.Count(s, ",")+1)
	for len(s) > 0 {
		i := strings.IndexByte(s, ',')
		part := s
		if i >= 0 {
			part, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: search: read match list: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// countMemo is the counting of one query at one index generation. Its
// maps are never written after it is stored.
type countMemo struct {
	gen                     int64
	raw, total              int
	severity, service, year map[string]int
	factor                  map[string]int
	survivors               []int64

	// ranked is the best rankDepth first-tier matches in order (fewer
	// when there are no more), once a search has ranked them; guarded by
	// factCache.memoMu.
	ranked    []scored
	rankDepth int
}

// searchRankMemoDepth is how many first-tier results a many-hit search
// keeps in order for the next pages: ranking costs the same for 20 or 200,
// since rankHead scores every first-tier match either way.
const searchRankMemoDepth = 200

// rankedFor returns the kept order of the first keep first-tier matches of
// the query at generation gen, if a search kept it deep enough.
func (c *factCache) rankedFor(key string, gen int64, keep int, memos bool) ([]scored, bool) {
	if !memos {
		return nil, false
	}
	c.memoMu.Lock()
	defer c.memoMu.Unlock()
	m, ok := c.memos[key]
	if !ok || m.gen != gen || m.rankDepth == 0 || (keep > m.rankDepth && len(m.ranked) >= m.rankDepth) {
		return nil, false
	}
	return slices.Clone(m.ranked[:min(keep, len(m.ranked))]), true
}

// rememberRanked keeps a sorted first-tier ranking of depth entries for
// the query's memo, if it is still current.
func (c *factCache) rememberRanked(key string, gen int64, top []scored, depth int) {
	c.memoMu.Lock()
	defer c.memoMu.Unlock()
	if m, ok := c.memos[key]; ok && m.gen == gen {
		m.ranked, m.rankDepth = slices.Clone(top), depth
	}
}

func (m *countMemo) into(acc *facetAcc) {
	acc.total += m.total
	for k, v := range m.severity {
		acc.severity[k] += v
	}
	for k, v := range m.service {
		acc.service[k] += v
	}
	for k, v := range m.year {
		acc.year[k] += v
	}
	for k, v := range m.factor {
		acc.factor[k] += v
	}
}

// maxCountMemos bounds the memory the per-query counts take (a few KB
// each).
const maxCountMemos = 512

// countKey names a query's counting: the FTS expression, the filters and
// what decides visibility (the viewer's debrief.Visibility).
func countKey(q *debrief.SearchQuery, viewer debrief.Actor, match string, collect int) string {
	f := *q
	f.Raw, f.All, f.Not, f.Limit, f.Offset = "", nil, nil, 0, 0
	filters, _ := json.Marshal(&f)
	v := viewer.Visibility()
	who := "viewer:" + v.Member
	if v.All {
		who = "admin"
	}
	return match + "\x00" + string(filters) + "\x00" + who + "\x00" + strconv.Itoa(collect)
}

func (c *factCache) counted(key string, gen int64) (*countMemo, bool) {
	c.memoMu.Lock()
	defer c.memoMu.Unlock()
	m, ok := c.memos[key]
	if !ok || m.gen != gen {
		return nil, false
	}
	return m, true
}

func (c *factCache) remember(key string, m *countMemo) {
	c.memoMu.Lock()
	defer c.memoMu.Unlock()
	if c.memos == nil || len(c.memos) >= maxCountMemos {
		// Dropping them all is simpler than tracking use, and a write
		// makes every memo stale anyway.
		c.memos = map[string]*countMemo{}
	}
	c.memos[key] = m
}

// rankIDs ranks the given documents by an FTS expression (those it does not
// match are left out), reading rank straight from the index.
func (e *sqliteSearch) rankIDs(ctx context.Context, tx *sql.Tx, match string, ids []int64) ([]scored, error) {
	var out []scored
	c := e.facts
	// One statement per 5,000 ids: each walks the matches once.
	for start := 0; start < len(ids); start += 5000 {
		chunk := ids[start:min(len(ids), start+5000)]
		// "+rowid" keeps SQLite from handing the list to FTS5 as one
		// rowid lookup per id (each restarts the full-text query); instead
		// FTS5 walks the matches once and bm25 runs only for the listed.
		rows, err := tx.QueryContext(ctx, `SELECT rowid, -bm25(search_fts, `+bm25Weights+`) FROM search_fts WHERE search_fts MATCH $1 AND +rowid IN (`+idList(chunk)+`)`, match)
		if err != nil {
			return nil, mapSearchErr(err)
		}
		for rows.Next() {
			var s scored
			if err := rows.Scan(&s.id, &s.score); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlstore: search: %w", err)
			}
			out = append(out, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, mapSearchErr(err)
		}
	}
	c.mu.RLock()
	for i := range out {
		if f := c.get(out[i].id); f != nil {
			out[i].date = f.date
		}
	}
	c.mu.RUnlock()
	sortScored(out)
	return out, nil
}
