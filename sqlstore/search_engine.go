package sqlstore

import (
	"context"
	"database/sql"

	"github.com/debriefhq/debrief/debrief"
)

// The search index is one design on two full-text engines: SQLite's FTS5
// (search_sqlite.go) and PostgreSQL's tsvector with a GIN index
// (search_postgres.go). What is the same on both (the documents, the
// filters, visibility, the ranking rule, counting, facets, snippets,
// similar incidents) is written once, in search*.go, and reaches the
// engine only through searchEngine, so no shared code asks which engine it
// runs on.

// textPart names which of a query's matches a statement reads. The ranking
// rule, the same on both engines, puts the documents whose title or
// summary match (the first tier) before the others.
type textPart int

const (
	allMatches  textPart = iota // every document the query matches
	headMatches                 // those that match in the title or summary
	restMatches                 // the others
)

// searchEngine is what search needs of an engine.
type searchEngine interface {
	searchReader
	searchIndexer
	// close stops what the engine runs in the background; the store's
	// Close calls it before closing the pools.
	close()
}

// searchReader runs the engine's part of searches.
type searchReader interface {
	// match adds to w the condition that a document is in part of q's
	// matches, and returns the FROM clause (the document table aliased d)
	// and the expression of its relevance (higher is better).
	match(q *debrief.SearchQuery, part textPart, w *where) (from, score string)
	// headTier returns an expression, 1 for a document of q's matches
	// whose title or summary match and 0 for the others, binding its
	// values in w.
	headTier(q *debrief.SearchQuery, w *where) string
	// exclude adds to w the condition that a document has none of the
	// terms (a search by filters with exclusions only).
	exclude(not []debrief.SearchTerm, w *where)
	// countUpTo counts q's text matches, stopping at limit.
	countUpTo(ctx context.Context, qr querier, q *debrief.SearchQuery, limit int) (int, error)
	// rankTiered counts and facets q's matches into acc and ranks the best
	// keep of them by the tier rule, from what the engine keeps in memory;
	// ok is false when it keeps nothing (yet), and the caller does it in SQL.
	rankTiered(ctx context.Context, tx *sql.Tx, q *debrief.SearchQuery, viewer debrief.Actor, keep int, acc *facetAcc) (top []scored, ok bool, err error)

	// countDocs returns the number of documents in the index, which
	// similar incidents weighs words against.
	countDocs(ctx context.Context) (int, error)
	// countHead counts, for each word or phrase (its tokens), the
	// documents with it in their title or summary, stopping at limit.
	countHead(ctx context.Context, terms [][]string, limit int) ([]int, error)
	// headCandidates returns the best limit incidents that started before
	// before, other than probe, whose title or summary have any of the
	// terms, with their relevance.
	headCandidates(ctx context.Context, terms []debrief.SearchTerm, before, probe int64, limit int) (map[int64]float64, error)
	// similarByTag adds to candidates the newest simPerValue incidents that
	// started before before (other than probe) and carry the tag.
	similarByTag(ctx context.Context, name, value string, before, probe int64, candidates map[int64]bool) error
	// fieldsQuery returns the statement that reads the named fields
	// (quoted, comma-separated) of the listed documents from search_text,
	// as rows of (doc_id, name, text).
	fieldsQuery(names, ids string) string
}

// searchIndexer writes the engine's part of the index.
type searchIndexer interface {
	// takeDirty is the statement that deletes and returns (kind, id) of
	// the search_dirty marks of the current transaction.
	takeDirty() string
	// nextGeneration counts one more change to the index and returns its
	// number, which the documents written in tx carry (0 where the engine
	// keeps no generations).
	nextGeneration(ctx context.Context, tx *sql.Tx) (int64, error)
	// lockDocs serialises rebuilds of the same documents by concurrent
	// transactions, where the engine needs it; docIDs are ascending.
	lockDocs(ctx context.Context, tx *sql.Tx, docIDs []int64) error
	// forget notes, where the engine needs it, that the documents ids were
	// deleted by generation gen and not written again.
	forget(ctx context.Context, tx *sql.Tx, ids []int64, gen int64) error
	// prepareDocs looks up, where the engine needs it, what docRow
	// writes that is kept apart: on PostgreSQL the numbers of the
	// documents' filter tags.
	prepareDocs(ctx context.Context, tx *sql.Tx, docs []*searchDoc) error
	// docRow returns the INSERT of d's search_docs row, given the values
	// every engine stores (searchDocArgs).
	docRow(d *searchDoc, args []any) (string, []any)
	// writeText indexes the documents' words where the engine keeps them
	// apart from search_docs.
	writeText(ctx context.Context, tx *sql.Tx, docs []*searchDoc) error
	// writeTags inserts the tags (parallel lists) in as few statements as
	// the engine allows.
	writeTags(ctx context.Context, tx *sql.Tx, ids []int64, names, values []string) error
	// idIn returns the condition "col is one of ids" with ids bound as $1.
	idIn(col string, ids []int64) (string, any)
	// emptyIndex deletes every document (search_tags and search_text are
	// already empty), and reindexed finishes a rebuild.
	emptyIndex(ctx context.Context, tx *sql.Tx) error
	reindexed(ctx context.Context, tx *sql.Tx) error
	// rebuildReason returns why a migration asked for the index to be
	// rebuilt, or "" when none did.
	rebuildReason(ctx context.Context) (string, error)
}
