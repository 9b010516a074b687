package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
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

// match: the first tier is found and ranked on search_heads, whose vectors
// are short and whose index holds only title and summary words; the
// excluded words are looked for in the whole document.
func (e postgresSearch) match(q *debrief.SearchQuery, part textPart, w *where) (from, score string) {
	from, column, first := `search_docs d`, "d.tsv", tsQuery(q.All, q.Not)
	if part == headMatches {
		from, column, first = `search_heads h JOIN search_docs d ON d.id = h.id`, "h.tsv", tsQuery(q.All, nil)
	}
	w.add(column+` @@ ?::tsquery`, first)
	// The score names this placeholder again rather than binding the query
	// twice: a statement that reads no score binds nothing it does not use.
	score = `ts_rank_cd('` + tsRankWeight + `', ` + column + `, $` + strconv.Itoa(len(w.args)) + `::tsquery)`
	switch {
	case part == headMatches && len(q.Not) > 0:
		w.add(`NOT (d.tsv @@ ?::tsquery)`, tsQuery([]debrief.SearchGroup{q.Not}, nil))
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

func (e postgresSearch) rankTiered(context.Context, *sql.Tx, *debrief.SearchQuery, debrief.Actor, int, *facetAcc) ([]scored, bool, error) {
	return nil, false, nil
}

// countHead counts every term in one statement: on PostgreSQL each
// statement is a round trip, and similar incidents counts dozens of terms.
func (e postgresSearch) countHead(ctx context.Context, terms [][]string, limit int) ([]int, error) {
	out := make([]int, len(terms))
	if len(terms) == 0 {
		return out, nil
	}
	queries := make([]string, len(terms))
	for i, tokens := range terms {
		queries[i] = tsTerm(debrief.SearchTerm{Tokens: tokens})
	}
	rows, err := e.db.r.QueryContext(ctx, `SELECT q.i, (SELECT COUNT(*) FROM (SELECT 1 FROM search_heads WHERE tsv @@ q.t::tsquery LIMIT $2) AS s)
FROM unnest($1::text[]) WITH ORDINALITY AS q(t, i)`, queries, limit)
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
	rows, err := e.db.r.QueryContext(ctx, `SELECT d.id, ts_rank_cd('{0, 0, 0.4, 1.0}', h.tsv, q) AS s FROM search_heads h JOIN search_docs d ON d.id = h.id, CAST($1 AS tsquery) AS q
WHERE h.tsv @@ q AND d.kind = 'incident' AND d.date < $2 AND d.id <> $3 ORDER BY s DESC LIMIT `+strconv.Itoa(limit),
		strings.Join(alts, " | "), before, probe)
	if err != nil {
		return nil, mapErr(err, "similar incidents")
	}
	return scanScores(rows, map[int64]float64{})
}

func (e postgresSearch) similarByTag(ctx context.Context, name, value string, before, probe int64, candidates map[int64]bool) error {
	return e.db.similarByTagSQL(ctx, name, value, before, probe, candidates)
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
	return insertSearchDocPostgresSQL, append(args, tsvectorLiteral(d.columns))
}

const insertSearchDocPostgresSQL = `INSERT INTO search_docs (id, incident_id, project_id, postmortem_id, kind, key, title, severity, status,
	services, date, year, month_day, published_at, owner, private, open_actions, repeat_of, factors, alerts, gen, tsv)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22::tsvector)`

// writeText copies the title and summary words of the documents just
// written (tsv's A and B lexemes) into search_heads, in one statement.
func (e postgresSearch) writeText(ctx context.Context, tx *sql.Tx, docs []*searchDoc) error {
	ids := make([]int64, len(docs))
	for i, d := range docs {
		ids[i] = d.id
	}
	_, err := e.db.exec(ctx, tx, `INSERT INTO search_heads (id, tsv) SELECT id, ts_filter(tsv, '{a,b}') FROM search_docs WHERE id = ANY($1)`, ids)
	return err
}

func (e postgresSearch) writeTags(ctx context.Context, tx *sql.Tx, ids []int64, names, values []string) error {
	_, err := e.db.exec(ctx, tx, `INSERT INTO search_tags (doc_id, name, value)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`, ids, names, values)
	return err
}

func (e postgresSearch) idIn(col string, ids []int64) (string, any) {
	if len(ids) == 1 {
		return col + ` = $1`, ids[0]
	}
	return col + ` = ANY($1)`, append([]int64{}, ids...)
}

func (e postgresSearch) emptyIndex(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM search_docs`)
	return err
}

func (e postgresSearch) reindexed(context.Context, *sql.Tx) error { return nil }

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
