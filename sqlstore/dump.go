package sqlstore

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/debriefhq/debrief/debrief"
)

// A dump is the portable, logical copy of a whole installation: JSON lines,
// a header, one line per row of every table in dumpTables (in that order,
// rows in primary-key order), and a trailer with each table's row count and
// the SHA-256 of its lines. Values are canonical (dump_tables.go), so the
// same records give the same bytes from SQLite or PostgreSQL and a
// checksum proves a move lost nothing. docs/DATA_MOVE.md describes the
// format.

// DumpFormat is the version of the dump format this binary writes and
// reads.
const DumpFormat = 1

// DumpHeader is the first line of a dump.
type DumpHeader struct {
	Format    int    `json:"debrief_export"`
	Schema    int64  `json:"schema"`
	Engine    string `json:"engine"`
	CreatedAt string `json:"created_at"`
	Binary    string `json:"binary,omitempty"`
}

// TableSum is a table's row count and the SHA-256 of its lines.
type TableSum struct {
	Rows   int64  `json:"rows"`
	SHA256 string `json:"sha256"`
}

// DumpSums holds every dumped table's TableSum, by table name.
type DumpSums map[string]TableSum

// Diff returns the first dumped table whose rows or checksum differ
// between s and o, or "" when none does.
func (s DumpSums) Diff(o DumpSums) string {
	for _, name := range DumpTableNames() {
		if s[name] != o[name] {
			return name
		}
	}
	return ""
}

// DumpProgress is told how far a dump or load is: the table, the rows done
// so far, and whether the table is finished. It may be nil.
type DumpProgress func(table string, rows int64, done bool)

// progressEvery is how many rows pass between two progress reports.
const progressEvery = 10000

type dumpTrailer struct {
	End    bool     `json:"end"`
	Tables DumpSums `json:"tables"`
}

// Dump writes every record of the database to w as a dump, read in one
// read transaction: it holds every transaction committed before it began
// and none after, while the server keeps running. Rows are streamed, so
// memory stays flat at any size. It refuses a database that holds a table
// or column it does not know, rather than leave it behind.
func (db *DB) Dump(ctx context.Context, w io.Writer, binary string, progress DumpProgress) (DumpSums, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	var opts *sql.TxOptions
	if db.d.engine == EnginePostgres {
		// One snapshot for every table, as SQLite's read transaction gives.
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	tx, err := db.r.BeginTx(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: dump: %w", err)
	}
	defer tx.Rollback()
	if err := db.checkDumpSchema(ctx, tx); err != nil {
		return nil, err
	}
	var schema int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&schema); err != nil {
		return nil, fmt.Errorf("sqlstore: dump: schema version: %w", err)
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	head, _ := json.Marshal(DumpHeader{Format: DumpFormat, Schema: schema, Engine: db.d.engine, CreatedAt: time.Now().UTC().Format(time.RFC3339), Binary: binary})
	bw.Write(head)
	bw.WriteByte('\n')
	sums, err := db.dumpRows(ctx, tx, bw, progress)
	if err != nil {
		return nil, err
	}
	tail, _ := json.Marshal(dumpTrailer{End: true, Tables: sums})
	bw.Write(tail)
	bw.WriteByte('\n')
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("sqlstore: dump: write: %w", err)
	}
	return sums, nil
}

// dumpRows writes the row lines of every table to w (nil: only count and
// hash them) and returns their sums. Load calls it on its own transaction
// to check what it wrote.
func (db *DB) dumpRows(ctx context.Context, q querier, w io.Writer, progress DumpProgress) (DumpSums, error) {
	sums := DumpSums{}
	var line []byte
	for _, t := range dumpTables {
		names := make([]string, len(t.cols))
		for i, c := range t.cols {
			names[i] = quoteIdent(c.name)
		}
		order := make([]string, len(t.order))
		for i, o := range t.order {
			order[i] = quoteIdent(o)
			if c, _ := t.col(o); c.kind == kindText && db.d.engine == EnginePostgres {
				// Byte order, as SQLite's BINARY collation sorts, so both
				// engines write rows in the same order.
				order[i] += ` COLLATE "C"`
			}
		}
		rows, err := q.QueryContext(ctx, `SELECT `+strings.Join(names, ", ")+` FROM `+quoteIdent(t.name)+` ORDER BY `+strings.Join(order, ", "))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: dump %s: %w", t.name, err)
		}
		vals := make([]any, len(t.cols))
		ptrs := make([]any, len(t.cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		h := sha256.New()
		var n int64
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlstore: dump %s: %w", t.name, err)
			}
			line, err = appendRowLine(line[:0], t, vals)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlstore: dump %s row %d: %w", t.name, n+1, err)
			}
			h.Write(line)
			if w != nil {
				if _, err := w.Write(line); err != nil {
					rows.Close()
					return nil, fmt.Errorf("sqlstore: dump: write: %w", err)
				}
			}
			n++
			if progress != nil && n%progressEvery == 0 {
				progress(t.name, n, false)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("sqlstore: dump %s: %w", t.name, err)
		}
		sums[t.name] = TableSum{Rows: n, SHA256: hex.EncodeToString(h.Sum(nil))}
		if progress != nil {
			progress(t.name, n, true)
		}
	}
	return sums, nil
}

// quoteIdent quotes a table or column name; some (key, action, text) are
// keywords somewhere.
func quoteIdent(name string) string { return `"` + name + `"` }

// appendRowLine appends the canonical line of one row, newline included.
func appendRowLine(b []byte, t dumpTable, vals []any) ([]byte, error) {
	b = append(b, `{"table":`...)
	b = appendJSONString(b, t.name)
	b = append(b, `,"row":{`...)
	for i, c := range t.cols {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, c.name)
		b = append(b, ':')
		var err error
		b, err = appendValue(b, c, vals[i])
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.name, err)
		}
	}
	return append(b, "}}\n"...), nil
}

// dumpTime is how a dump writes a time: UTC at the microsecond precision
// both engines store.
const dumpTime = "2006-01-02T15:04:05.000000Z"

// appendValue appends v, as scanned from either engine, in the column's
// canonical form.
func appendValue(b []byte, c dumpColumn, v any) ([]byte, error) {
	if v == nil {
		return append(b, "null"...), nil
	}
	switch c.kind {
	case kindText:
		s, ok := asText(v)
		if !ok {
			return nil, fmt.Errorf("cannot write %T as text", v)
		}
		if !utf8.ValidString(s) {
			return nil, errors.New("the text is not valid UTF-8")
		}
		return appendJSONString(b, s), nil
	case kindInt:
		switch x := v.(type) {
		case int64:
			return strconv.AppendInt(b, x, 10), nil
		case int32:
			return strconv.AppendInt(b, int64(x), 10), nil
		}
	case kindFloat:
		switch x := v.(type) {
		case float64:
			return strconv.AppendFloat(b, x, 'g', -1, 64), nil
		case int64:
			return strconv.AppendInt(b, x, 10), nil
		}
	case kindTime:
		t, ok, err := scanTime(v)
		if err != nil || !ok {
			return nil, fmt.Errorf("cannot write %T as a time", v)
		}
		b = append(b, '"')
		b = t.AppendFormat(b, dumpTime)
		return append(b, '"'), nil
	case kindBool:
		switch x := v.(type) {
		case bool:
			return strconv.AppendBool(b, x), nil
		case int64:
			return strconv.AppendBool(b, x != 0), nil
		}
	case kindJSON:
		s, ok := asText(v)
		if !ok {
			return nil, fmt.Errorf("cannot write %T as JSON", v)
		}
		canon, err := canonicalJSON([]byte(s))
		if err != nil {
			return nil, err
		}
		return append(b, canon...), nil
	case kindBytes:
		switch x := v.(type) {
		case []byte:
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, x)
			return append(b, '"'), nil
		case string:
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, []byte(x))
			return append(b, '"'), nil
		}
	}
	return nil, fmt.Errorf("cannot write %T as %s", v, c.kind)
}

func asText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	}
	return "", false
}

// canonicalJSON rewrites a JSON value with sorted keys and no spaces, as
// PostgreSQL's jsonb would reorder it anyway, so either engine's copy
// gives the same bytes. Numbers keep their text.
func canonicalJSON(src []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("the column holds invalid JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("the column holds more than one JSON value")
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}

// appendJSONString appends s as a JSON string, escaping only what JSON
// requires, so that the bytes do not depend on an encoder's choices.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// liveTables returns the tables of the database with their columns.
func (db *DB) liveTables(ctx context.Context, q querier) (map[string][]string, error) {
	query := `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid`
	if db.d.engine == EnginePostgres {
		query = `SELECT c.table_name, c.column_name FROM information_schema.columns c
			JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
			WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
			ORDER BY c.table_name, c.ordinal_position`
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list tables: %w", err)
	}
	defer rows.Close()
	tables := map[string][]string{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, fmt.Errorf("sqlstore: list tables: %w", err)
		}
		tables[t] = append(tables[t], c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list tables: %w", err)
	}
	return tables, nil
}

// checkDumpSchema refuses a database with a table or column that the dump
// does not know, or without one it expects: a move must never drop
// records silently.
func (db *DB) checkDumpSchema(ctx context.Context, q querier) error {
	live, err := db.liveTables(ctx, q)
	if err != nil {
		return err
	}
	var problems []string
	for _, name := range sortedKeys(live) {
		if derivedTable(name) {
			continue
		}
		i, ok := dumpTableNamed(name)
		if !ok {
			problems = append(problems, fmt.Sprintf("table %s is unknown to the dump", name))
			continue
		}
		for _, c := range live[name] {
			if _, ok := dumpTables[i].col(c); !ok {
				problems = append(problems, fmt.Sprintf("column %s.%s is unknown to the dump", name, c))
			}
		}
		for _, c := range dumpTables[i].cols {
			if !slices.Contains(live[name], c.name) {
				problems = append(problems, fmt.Sprintf("column %s.%s is missing from the database", name, c.name))
			}
		}
	}
	for _, t := range dumpTables {
		if _, ok := live[t.name]; !ok {
			problems = append(problems, fmt.Sprintf("table %s is missing from the database", t.name))
		}
	}
	if len(problems) > 0 {
		return debrief.Errorf(debrief.EInvalid, "db", "This release of Debrief cannot copy this database without leaving records behind (%s); use the release that last migrated it.", strings.Join(problems, "; "))
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
