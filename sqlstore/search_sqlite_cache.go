package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
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
// few facts filters and facets need for every document (about 40 bytes
// each and their tags, 6 MB per 100,000 documents) and refreshes them
// from the rows whose generation is newer than the cache's (search_meta,
// search_docs.gen) and the documents deleted since (search_gone), inside
// the search's read transaction, so a search sees the index as of one
// moment. Searches by filters alone are answered from it too
// (rankByFilters).

// factRow is what filters and facets need of one document. It holds no
// pointers, and neither do the slices and maps that hold it, so the
// garbage collector never looks into the cache: at 1,000,000 documents
// the cache as a million small objects (each with its own slices of
// strings) was marked at every collection, which each search's
// allocations keep starting, and that marking was 30% of the CPU of the
// searches (docs/PERFORMANCE.md). Strings are numbered (factCache.strs);
// a document's services and tags are a stretch of factCache.refs.
type factRow struct {
	date int64
	// headLen is the number of words in the title and summary (bm25's
	// document length when the first tier is ranked, search_sqlite.go).
	headLen int32
	// refs[off:off+svcN] are the services as written, for facets, and the
	// tagN after them the tags ("name\x00value", lowercased values), for
	// filters.
	off, svcN, tagN uint32
	// severity, kind and year (of date, for facets) are string numbers.
	severity, kind, year uint32
	// head.seq[seq:] holds the title words, titleB bytes, and then the
	// summary words, sumB bytes (headIndex).
	seq          uint32
	titleB, sumB uint16
	flags        uint8
}

const (
	factPresent uint8 = 1 << iota
	factPrivate
	factOpen
	// factNoHead marks a document whose words head.seq had no room for
	// (offsets are 32-bit: tens of millions of documents); while there
	// is one, rankHead asks SQLite (headIndex.outside).
	factNoHead
)

func (r *factRow) present() bool { return r.flags&factPresent != 0 }

// factFilter is a query's filters and a viewer's visibility in string
// numbers, for factCache.pass: made once per search instead of comparing
// strings per match.
type factFilter struct {
	// never is set when a filter names a value no document has.
	never           bool
	severity, kinds []uint32
	// groups each want one of their tags.
	groups              [][]uint32
	after, before       int64
	hasAfter, hasBefore bool
	open                bool
	seeAll, memberKnown bool
	member              uint32
	visibility          debrief.Visibility
	isMember            func(string) bool
	// tags are those of the document being filtered, for isMember.
	tags []uint32
}

// filter compiles the query's filters and the viewer's visibility v, as
// searchFilters applies them in SQL; c.mu must be held for reading.
func (c *factCache) filter(q *debrief.SearchQuery, v debrief.Visibility) *factFilter {
	f := &factFilter{visibility: v, seeAll: v.All}
	ids := func(values []string, prefix string) []uint32 {
		out := make([]uint32, 0, len(values))
		for _, s := range values {
			if id, ok := c.strID[prefix+s]; ok {
				out = append(out, id)
			}
		}
		if len(out) == 0 {
			f.never = true
		}
		return out
	}
	if len(q.Severities) > 0 {
		f.severity = ids(q.Severities, "")
	}
	if len(q.Kinds) > 0 {
		kinds := make([]string, len(q.Kinds))
		for i, k := range q.Kinds {
			kinds[i] = string(k)
		}
		f.kinds = ids(kinds, "")
	}
	for _, s := range q.Services {
		f.groups = append(f.groups, ids(s, "service\x00"))
	}
	for _, l := range q.Labels {
		f.groups = append(f.groups, ids(l, "label\x00"))
	}
	for _, x := range q.Factors {
		f.groups = append(f.groups, ids(x, "factor\x00"))
	}
	if len(q.Statuses) > 0 {
		f.groups = append(f.groups, ids(q.Statuses, "status\x00"))
	}
	if len(q.Owners) > 0 {
		f.groups = append(f.groups, ids(q.Owners, "owner\x00"))
	}
	if q.After != nil {
		f.after, f.hasAfter = q.After.UTC().UnixMicro(), true
	}
	if q.Before != nil {
		f.before, f.hasBefore = q.Before.UTC().UnixMicro(), true
	}
	f.open = q.OpenActionItems
	if v.Member != "" {
		f.member, f.memberKnown = c.strID["member\x00"+v.Member]
	}
	// Asked only for private documents, of the row being filtered.
	f.isMember = func(string) bool { return f.memberKnown && slices.Contains(f.tags, f.member) }
	return f
}

// pass reports whether a document passes the filter; c.mu must be held
// for reading.
func (c *factCache) pass(f *factFilter, r *factRow) bool {
	if f.never || !r.present() {
		return false
	}
	if f.severity != nil && !slices.Contains(f.severity, r.severity) {
		return false
	}
	if f.kinds != nil && !slices.Contains(f.kinds, r.kind) {
		return false
	}
	if f.hasAfter && r.date < f.after {
		return false
	}
	if f.hasBefore && r.date >= f.before {
		return false
	}
	if f.open && r.flags&factOpen == 0 {
		return false
	}
	tags := c.refs[r.off+r.svcN : r.off+r.svcN+r.tagN]
	for _, g := range f.groups {
		ok := false
		for _, id := range g {
			if slices.Contains(tags, id) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	private := r.flags&factPrivate != 0
	if !private || f.seeAll {
		return true
	}
	f.tags = tags
	return f.visibility.Allows(private, f.isMember)
}

// factCache holds a factRow per document id as of generation gen. It is
// a field of the store, made by Open; Close stops its loader.
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
	// far holds any id too large for that. A row that is not present
	// (factPresent) is no document.
	docs []factRow
	far  map[int64]factRow
	// refs holds every document's services and tags as string numbers;
	// stale counts the entries of rows since replaced, which compact
	// drops once they are half.
	refs  []uint32
	stale int
	// compactAt is the least number of stale entries compact drops
	// (1<<16; a test lowers it).
	compactAt int
	// strs are the strings by number (0 is ""), strID their numbers;
	// factorOf gives, for a tag "factor\x00v", the number of v (0 for
	// other tags), for the factor facet.
	strs     []string
	strID    map[string]uint32
	factorOf []uint32
	// headDocs and headWords count the documents and their title and
	// summary words, for bm25's average document length.
	headDocs, headWords int64
	// head is the first tier's words (search_sqlite_head.go).
	head headIndex
	// tagDocs holds, by string number, the documents with that tag (ids
	// below maxDenseID; the others are in far, and while there are any
	// no search reads tagDocs). A search with a service, label, factor,
	// status or owner filter starts from them (passing).
	tagDocs []postings

	// memos hold per-query counts (see countCached).
	memoMu sync.Mutex
	memos  map[string]*countMemo
}

func newFactCache(r *sql.DB, logger *slog.Logger) *factCache {
	ctx, cancel := context.WithCancel(context.Background())
	return &factCache{r: r, logger: logger, ctx: ctx, cancel: cancel, gen: -1, far: map[int64]factRow{},
		strs: []string{""}, strID: map[string]uint32{"": 0}, factorOf: []uint32{0}, compactAt: 1 << 16,
		head: headIndex{bitmapAbove: defaultBitmapAbove, phraseSample: defaultPhraseSample, seqLimit: defaultSeqLimit}}
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

// maxDenseID bounds the slice part of factCache.docs (40 bytes per id).
const maxDenseID = 1 << 24

// get returns the facts of document id (a row that is not present if
// unknown); c.mu must be held.
func (c *factCache) get(id int64) *factRow {
	if id >= 0 && id < int64(len(c.docs)) {
		return &c.docs[id]
	}
	if r, ok := c.far[id]; ok {
		return &r
	}
	return &noFacts
}

// noFacts is the row of an unknown document; never written.
var noFacts factRow

// put stores the facts of document id, whose title and summary words are
// r's span of head.seq; c.mu must be held for writing.
func (c *factCache) put(id int64, r factRow) {
	c.remove(id)
	c.headDocs++
	c.headWords += int64(r.headLen)
	c.head.add(id, &r)
	if id < 0 || id >= maxDenseID {
		c.far[id] = r
		return
	}
	if n := len(c.strs); len(c.tagDocs) < n {
		c.tagDocs = slices.Grow(c.tagDocs, n-len(c.tagDocs))[:n]
	}
	for _, t := range c.refs[r.off+r.svcN : r.off+r.svcN+r.tagN] {
		c.tagDocs[t].add(uint32(id), c.head.bitmapAbove)
	}
	if id >= int64(len(c.docs)) {
		c.docs = slices.Grow(c.docs, int(id)+1-len(c.docs))[:id+1]
	}
	c.docs[id] = r
}

// remove forgets document id; c.mu must be held for writing.
func (c *factCache) remove(id int64) {
	old := c.get(id)
	if !old.present() {
		return
	}
	c.headDocs--
	c.headWords -= int64(old.headLen)
	c.stale += int(old.svcN + old.tagN)
	c.head.remove(id, old)
	if id >= 0 && id < int64(len(c.docs)) {
		for _, t := range c.refs[old.off+old.svcN : old.off+old.svcN+old.tagN] {
			c.tagDocs[t].remove(uint32(id), 0)
		}
		c.docs[id] = factRow{}
	} else {
		delete(c.far, id)
	}
}

// gone returns the documents deleted by the generations after since up
// to gen (search_gone), 0 among them if the index was rebuilt.
func (c *factCache) gone(ctx context.Context, tx *sql.Tx, since, gen int64) ([]int64, error) {
	if since < 0 {
		return nil, nil // a first load reads only what exists
	}
	var text string
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(group_concat(id), '') FROM search_gone WHERE gen > $1 AND gen <= $2`, since, gen).Scan(&text); err != nil {
		return nil, fmt.Errorf("sqlstore: search cache: %w", err)
	}
	return parseIDList(text)
}

// str returns the number of s, numbering it if new; c.mu must be held
// for writing.
func (c *factCache) str(s string) uint32 {
	if id, ok := c.strID[s]; ok {
		return id
	}
	id := uint32(len(c.strs))
	s = strings.Clone(s)
	c.strs = append(c.strs, s)
	c.strID[s] = id
	c.factorOf = append(c.factorOf, 0)
	if v, ok := strings.CutPrefix(s, "factor\x00"); ok {
		c.factorOf[id] = c.str(v)
	}
	return id
}

// strBytes is str for a string in bytes, which it copies only when new.
func (c *factCache) strBytes(b []byte) uint32 {
	if id, ok := c.strID[string(b)]; ok {
		return id
	}
	return c.str(string(b))
}

// compact drops the refs and head words of replaced rows once they are
// half of refs or of head.seq; c.mu must be held for writing.
func (c *factCache) compact() {
	if c.stale >= c.compactAt && c.stale >= len(c.refs)/2 {
		c.refs = packed(c, c.refs, len(c.refs)-c.stale, func(r *factRow) (*uint32, uint32) { return &r.off, r.svcN + r.tagN })
		c.stale = 0
	}
	if h := &c.head; h.stale >= c.compactAt && h.stale >= len(h.seq)/2 {
		h.seq = packed(c, h.seq, len(h.seq)-h.stale, func(r *factRow) (*uint32, uint32) { return &r.seq, uint32(r.titleB) + uint32(r.sumB) })
		h.stale = 0
	}
}

// packed returns a copy of list with only the present rows' spans (span
// gives a row's offset, which packed moves, and length), keep entries;
// c.mu must be held for writing.
func packed[T uint32 | byte](c *factCache, list []T, keep int, span func(r *factRow) (*uint32, uint32)) []T {
	out := make([]T, 0, keep)
	move := func(r *factRow) {
		if !r.present() {
			return
		}
		off, n := span(r)
		from := *off
		*off = uint32(len(out))
		out = append(out, list[from:from+n]...)
	}
	for i := range c.docs {
		move(&c.docs[i])
	}
	for id, r := range c.far {
		move(&r)
		c.far[id] = r
	}
	return out
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
	// The documents deleted since, first: one deleted and written again
	// has its row too, which the loop below puts back.
	gone, err := c.gone(ctx, tx, since, gen)
	if err != nil {
		return 0, err
	}
	if slices.Contains(gone, 0) {
		// The index was rebuilt since: load it all again.
		c.docs, c.far, c.refs, c.stale, c.headDocs, c.headWords, c.tagDocs = nil, map[int64]factRow{}, nil, 0, 0, 0, nil
		c.head = headIndex{bitmapAbove: c.head.bitmapAbove, phraseSample: c.head.phraseSample, seqLimit: c.head.seqLimit}
		since = -1
	} else {
		for _, id := range gone {
			c.remove(id)
		}
	}
	// With each document its title and summary words: a document with
	// none (no row) has no first tier.
	rows, err := tx.QueryContext(ctx, `SELECT d.id, d.date, d.severity, d.kind, d.private, d.open_actions, d.services, d.head_len,
	COALESCE(h.title, ''), COALESCE(h.summary, '') FROM search_docs d LEFT JOIN search_head_text h ON h.doc_id = d.id WHERE d.gen > $1 AND d.gen <= $2`, since, gen)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: search cache: %w", err)
	}
	// The changed documents, their services as numbers in svcs.
	type pending struct {
		id  int64
		row factRow
	}
	var changed []pending
	// svcs holds the changed documents' services; each row's off points
	// into it until it is put.
	var svcs []uint32
	var services, title, summary sql.RawBytes
	for rows.Next() {
		var id, date int64
		var private, open int
		var headLen int32
		var severity, kind string
		if err := rows.Scan(&id, &date, &severity, &kind, &private, &open, &services, &headLen, &title, &summary); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqlstore: search cache: %w", err)
		}
		r := factRow{date: date, headLen: headLen, severity: c.str(severity), kind: c.str(kind), year: c.str(yearString(date)), flags: factPresent,
			off: uint32(len(svcs))}
		if private != 0 {
			r.flags |= factPrivate
		}
		if open > 0 {
			r.flags |= factOpen
		}
		for _, s := range splitServices(string(services)) {
			svcs = append(svcs, c.str(s))
		}
		r.svcN = uint32(len(svcs)) - r.off
		// The words go straight to head.seq: a first load of 1,000,000
		// documents has about 100 MB of them, and a buffer copied in
		// after the rows would hold them twice at the peak. Those of a
		// document replaced later are stale, as compact expects.
		if h := &c.head; len(h.seq) < h.seqLimit {
			r.seq = uint32(len(h.seq))
			var n int
			h.seq, n = h.appendWords(h.seq, title, math.MaxUint16)
			r.titleB = uint16(n)
			h.seq, n = h.appendWords(h.seq, summary, math.MaxUint16)
			r.sumB = uint16(n)
		} else {
			r.flags |= factNoHead
		}
		changed = append(changed, pending{id: id, row: r})
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
	// The tags come in the documents' order (both statements walk the gen
	// index); a map finds the document if they ever do not.
	type tagOf struct{ doc, tag uint32 }
	var tags []tagOf
	var byID map[int64]int
	at := 0
	var name, value sql.RawBytes
	var key []byte
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id, &name, &value); err != nil {
			rows.Close()
			return 0, fmt.Errorf("sqlstore: search cache: %w", err)
		}
		for byID == nil && at < len(changed) && changed[at].id != id {
			at++
		}
		i := at
		if byID != nil || at == len(changed) {
			if byID == nil {
				byID = make(map[int64]int, len(changed))
				for j, p := range changed {
					byID[p.id] = j
				}
			}
			j, ok := byID[id]
			if !ok {
				continue
			}
			i = j
		}
		key = append(append(append(key[:0], name...), 0), value...)
		tags = append(tags, tagOf{doc: uint32(i), tag: c.strBytes(key)})
		changed[i].row.tagN++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sqlstore: search cache: %w", err)
	}
	// Each changed document's services and then its tags, one stretch of
	// refs each; the tags placed through a cursor per document.
	cursor := make([]uint32, len(changed))
	c.refs = slices.Grow(c.refs, len(svcs)+len(tags))
	for i := range changed {
		r := &changed[i].row
		off := uint32(len(c.refs))
		c.refs = append(c.refs, svcs[r.off:r.off+r.svcN]...)
		cursor[i] = uint32(len(c.refs))
		c.refs = c.refs[:len(c.refs)+int(r.tagN)] // capacity grown above
		r.off = off
	}
	for _, t := range tags {
		c.refs[cursor[t.doc]] = t.tag
		cursor[t.doc]++
	}
	for _, p := range changed {
		c.put(p.id, p.row)
	}
	c.compact()
	c.gen = gen
	return gen, nil
}

// factCounts counts matches and their facet values by string number,
// which costs no map update per match; into turns them into a facetAcc.
type factCounts struct {
	total                           int
	severity, year, service, factor []int32
}

// counts returns an empty count over the strings known; c.mu must be held
// for reading, and stay held while the counts are added to.
func (c *factCache) counts() *factCounts {
	n := len(c.strs)
	all := make([]int32, 4*n)
	return &factCounts{severity: all[:n:n], year: all[n : 2*n : 2*n], service: all[2*n : 3*n : 3*n], factor: all[3*n:]}
}

// add counts one match; c.mu must be held for reading.
func (c *factCache) add(n *factCounts, r *factRow) {
	n.total++
	if r.severity != 0 {
		n.severity[r.severity]++
	}
	n.year[r.year]++
	for _, s := range c.refs[r.off : r.off+r.svcN] {
		n.service[s]++
	}
	for _, t := range c.refs[r.off+r.svcN : r.off+r.svcN+r.tagN] {
		if f := c.factorOf[t]; f != 0 {
			n.factor[f]++
		}
	}
}

// into adds the counts to acc; c.mu must be held for reading.
func (c *factCache) into(n *factCounts, acc *facetAcc) {
	acc.total += n.total
	for _, m := range []struct {
		from []int32
		to   map[string]int
	}{{n.severity, acc.severity}, {n.year, acc.year}, {n.service, acc.service}, {n.factor, acc.factor}} {
		for id, k := range m.from {
			if k != 0 {
				m.to[c.strs[id]] += int(k)
			}
		}
	}
}

// counting is what one search's counting needs: the query, who asks,
// its FTS expression, its memo's key (countKey), the cache generation it
// reads at (the caller has refreshed the cache), and the most filtered
// matches it lists as survivors (fewSurvivors).
type counting struct {
	q       *debrief.SearchQuery
	viewer  debrief.Actor
	match   string
	key     string
	gen     int64
	collect int
}

// countCached counts the matches of an FTS expression that pass q's
// filters into acc, using the cache, and returns their ids when there are
// at most k.collect of them (nil otherwise). Searches by filters alone
// are rankByFilters's.
//
// Counting walks every match, which for a common word in 100,000
// documents is most of a search's cost; people page through and refine
// the same searches, so the counts are kept per query (expression,
// filters, viewer) for as long as the index generation stays the same.
//
// With all set, the memo is not used and every filtered match is returned
// in matched, in ascending id order.
func (e *sqliteSearch) countCached(ctx context.Context, tx *sql.Tx, k counting, all bool, acc *facetAcc) (countResult, error) {
	c := e.facts
	if m, ok := c.counted(k.key, k.gen); ok && e.db.tune.countMemos && !all {
		m.into(acc)
		return countResult{survivors: m.survivors}, nil
	}
	var text string
	// One row holding every rowid: reading 25,000 rows one by one through
	// database/sql costs more than the FTS5 walk itself.
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(group_concat(rowid), '') FROM search_fts WHERE search_fts MATCH $1`, k.match).Scan(&text); err != nil {
		return countResult{}, mapSearchErr(err)
	}
	ids, err := parseIDList(text)
	if err != nil {
		return countResult{}, err
	}
	// FTS5 returns rowids in ascending order, so the list is sorted.
	var listed []int64
	local := newFacetAcc()
	c.mu.RLock()
	filter, counts := c.filter(k.q, k.viewer.Visibility()), c.counts()
	for _, id := range ids {
		r := c.get(id)
		if !c.pass(filter, r) {
			continue
		}
		c.add(counts, r)
		if len(listed) <= k.collect || all {
			listed = append(listed, id)
		}
	}
	c.into(counts, local)
	c.mu.RUnlock()
	if all {
		slices.Sort(listed) // a no-op, kept so that has() never lies
	}
	counted := countResult{survivors: c.keepCount(k, local, listed, acc)}
	if all {
		counted.matched = listed
	}
	return counted, nil
}

// keepCount keeps a counting's counts (local) as its memo and adds them to
// acc; it returns the survivors: a copy of matched (the filtered matches
// listed, ascending) if there are at most k.collect, else nil.
func (c *factCache) keepCount(k counting, local *facetAcc, matched []int64, acc *facetAcc) []int64 {
	var survivors []int64
	if len(matched) <= k.collect {
		survivors = slices.Clone(matched)
	}
	m := &countMemo{gen: k.gen, total: local.total, severity: local.severity, service: local.service, year: local.year, factor: local.factor, survivors: survivors}
	c.remember(k.key, m)
	m.into(acc)
	return survivors
}

// countAll counts every filtered match of a search into acc and lists
// them, from the documents that pass the filters when it can
// (countPrefiltered, which may also have scored them: ranked), else from
// the text matches (countCached).
func (e *sqliteSearch) countAll(ctx context.Context, tx *sql.Tx, k counting, est sampleEstimate, acc *facetAcc) (counted countResult, ranked []scored, err error) {
	if e.db.tune.prefilter {
		counted, ranked, ok, err := e.countPrefiltered(ctx, tx, k, est, acc)
		if err != nil || ok {
			return counted, ranked, err
		}
	}
	counted, err = e.countCached(ctx, tx, k, true, acc)
	return counted, nil, err
}

// prefilterMost is the most documents of a tag filter countPrefiltered
// starts from when no sample tells how many the words match.
const prefilterMost = 20_000

// countPrefiltered does countCached's work without its memo (it stores
// one) for a search with a service, label, factor, status or owner
// filter, starting from the documents that pass the filters instead of
// from the text matches: the documents with the filter's tag (the
// smallest of its tag filters) are tested once, from memory (passing),
// and the walk of the text matches keeps those (walkFunc), scoring them by
// bm25() as it goes. It also returns every filtered match (matched, in
// countResult) and their scores when they are all scored (ranked, nil
// otherwise). ok is false, and nothing is done, when the filter has no
// tag filter with few enough documents: at most twice the sample's
// estimate of the text matches (est.raw), or prefilterMost without one.
//
// Counting from the text matches then ranking the survivors walked them
// twice and tested each against the filters, then against the list of
// survivors; an alert name in 71,465 of 1,000,000 documents, with a
// service filter that keeps 3,118, cost 47 ms so (docs/PERFORMANCE.md).
// Scoring in the walk is decided before it: all of the matches when the
// filter's documents are at most k.collect, or the sample says the
// matches that pass are (est.filtered), else none, which would be spent
// in vain.
func (e *sqliteSearch) countPrefiltered(ctx context.Context, tx *sql.Tx, k counting, est sampleEstimate, acc *facetAcc) (countResult, []scored, bool, error) {
	c := e.facts
	limit := prefilterMost
	if est.raw >= 0 {
		limit = int(min(2*est.raw, math.MaxInt32))
	}
	c.mu.RLock()
	pass, n, ok := c.passing(c.filter(k.q, k.viewer.Visibility()), limit)
	c.mu.RUnlock()
	if !ok {
		return countResult{}, nil, false, nil
	}
	rankCap := 0
	if n <= k.collect || (est.filtered >= 0 && est.filtered <= float64(k.collect)/2) {
		rankCap = k.collect
	}
	var matched []int64
	ranked, err := e.walkRanked(ctx, tx, k.match, func(id int64) bool {
		if !pass.has(id) {
			return false
		}
		matched = append(matched, id)
		return len(matched) <= rankCap
	})
	if err != nil {
		return countResult{}, nil, false, err
	}
	local := newFacetAcc()
	c.mu.RLock()
	counts := c.counts()
	// A document deleted since passing ran is no match.
	present := func(id int64) bool { return c.get(id).present() }
	matched = slices.DeleteFunc(matched, func(id int64) bool { return !present(id) })
	for _, id := range matched {
		c.add(counts, c.get(id))
	}
	c.into(counts, local)
	if len(matched) <= rankCap {
		ranked = slices.DeleteFunc(ranked, func(s scored) bool { return !present(s.id) })
		for i := range ranked {
			ranked[i].date = c.get(ranked[i].id).date
		}
	} else {
		ranked = nil
	}
	c.mu.RUnlock()
	return countResult{survivors: c.keepCount(k, local, matched, acc), matched: matched}, ranked, true, nil
}

// idSet is a set of document ids, a bit each.
type idSet []uint64

func newIDSet(maxID int) idSet { return make(idSet, (maxID+63)/64) }

func (s idSet) has(id int64) bool {
	return id >= 0 && id < int64(len(s))*64 && s[id>>6]&(1<<(id&63)) != 0
}

func (s idSet) add(id int64) { s[id>>6] |= 1 << (id & 63) }

// passing returns the documents that pass f, and how many they are, when
// f has a tag filter (a group) whose documents number at most limit:
// those of the smallest group are each tested. ok is false when there is
// no such group, or a document id is too large for tagDocs (far). c.mu
// must be held for reading.
func (c *factCache) passing(f *factFilter, limit int) (pass idSet, n int, ok bool) {
	if f.never || len(f.groups) == 0 || len(c.far) > 0 {
		return nil, 0, false
	}
	best, size := 0, -1
	for i, g := range f.groups {
		k := 0
		for _, t := range g {
			if int(t) < len(c.tagDocs) {
				k += c.tagDocs[t].size()
			}
		}
		if size < 0 || k < size {
			best, size = i, k
		}
	}
	if size > limit {
		return nil, 0, false
	}
	pass = newIDSet(len(c.docs))
	test := func(id uint32) {
		if int(id) < len(c.docs) && !pass.has(int64(id)) && c.pass(f, &c.docs[id]) {
			pass.add(int64(id))
			n++
		}
	}
	for _, t := range f.groups[best] {
		if int(t) >= len(c.tagDocs) {
			continue
		}
		if p := &c.tagDocs[t]; p.bm != nil {
			for it := p.bm.Iterator(); it.HasNext(); {
				test(it.Next())
			}
		} else {
			for _, id := range p.ids {
				test(id)
			}
		}
	}
	return pass, n, true
}

// countResult is what counting learnt besides the counts: the filtered
// matches when few (nil otherwise), and every filtered match when asked
// for.
type countResult struct {
	survivors []int64
	// matched is every filtered match, ascending, when asked for
	// (countAll).
	matched []int64
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
	total                   int
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

// rankIDs ranks the given documents, ascending, by an FTS expression
// (those it does not match are left out), reading bm25 straight from the
// index (walkRanked).
func (e *sqliteSearch) rankIDs(ctx context.Context, tx *sql.Tx, match string, ids []int64) ([]scored, error) {
	listed := listCursor[int64]{}
	out, err := e.walkRanked(ctx, tx, match, func(id int64) bool { return listed.has(ids, id) })
	if err != nil {
		return nil, err
	}
	c := e.facts
	c.mu.RLock()
	for i := range out {
		if r := c.get(out[i].id); r.present() {
			out[i].date = r.date
		}
	}
	c.mu.RUnlock()
	sortScored(out)
	return out, nil
}

// walkRanked returns the bm25 scores of the matches of an FTS expression
// that keep takes, in rowid order, without their dates.
//
// FTS5 walks the matches once, and keep sees each as the walk reaches it
// (walkFunc), so bm25 runs only for those it takes. Asking for the wanted
// rowids instead restarts the full-text query for each (8 s for 3,118
// documents at 1,000,000), and testing "+rowid IN (list)" in SQL probes
// a temporary index per match: at 1,000,000 documents, for an alert name
// in 71,465 timelines, 10 ms of the 29 its ranking took
// (docs/PERFORMANCE.md).
func (e *sqliteSearch) walkRanked(ctx context.Context, tx *sql.Tx, match string, keep func(int64) bool) ([]scored, error) {
	var out []scored
	err := walkMatches(keep, func(h int64) error {
		rows, err := tx.QueryContext(ctx, `SELECT rowid, -bm25(search_fts, `+bm25Weights+`) FROM search_fts WHERE search_fts MATCH $1 AND `+walkFunc+`($2, rowid)`, match, h)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s scored
			if err := rows.Scan(&s.id, &s.score); err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, mapSearchErr(err)
	}
	return out, nil
}

// rankByFilters answers a search by filters alone from the cache: every
// document that passes them is counted, and the newest keep are the
// page (by filters alone every match scores the same, so better orders
// them by date, then id). It answers !ok when the cache has not loaded,
// or is at another generation than tx (a concurrent search moved it on),
// and the caller asks SQL.
func (e *sqliteSearch) rankByFilters(ctx context.Context, tx *sql.Tx, q *debrief.SearchQuery, viewer debrief.Actor, keep int, acc *facetAcc) ([]scored, bool, error) {
	c := e.facts
	if !c.warm() {
		return nil, false, nil
	}
	gen, err := c.refresh(ctx, tx)
	if err != nil {
		return nil, false, err
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.gen != gen {
		return nil, false, nil
	}
	filter, counts := c.filter(q, viewer.Visibility()), c.counts()
	top := make(worstFirst, 0, keep+1)
	visit := func(id int64, r *factRow) {
		if !c.pass(filter, r) {
			return
		}
		c.add(counts, r)
		top.keep(scored{id: id, date: r.date}, keep)
	}
	for id := range c.docs {
		visit(int64(id), &c.docs[id])
	}
	for id, r := range c.far {
		visit(id, &r)
	}
	c.into(counts, acc)
	return top, true, nil
}
