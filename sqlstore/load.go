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
	"hash"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// LoadOptions say how Load treats the target.
type LoadOptions struct {
	// Replace deletes the records the target holds, in the same
	// transaction as the load; without it a target with records is
	// refused.
	Replace  bool
	Progress DumpProgress
}

// maxDumpLine bounds one line of a dump: the largest row is an attachment
// (10 MiB by default, a third more in base64); a line beyond this is a
// damaged file, not a row, and must not exhaust memory.
const maxDumpLine = 256 << 20

// dumpLine is any line of a dump after the header: a row, or the trailer.
type dumpLine struct {
	Table  string                     `json:"table"`
	Row    map[string]json.RawMessage `json:"row"`
	End    bool                       `json:"end"`
	Tables DumpSums                   `json:"tables"`
}

// Load writes the records of the dump read from r into the database, which
// must be at the dump's schema version and, unless opts.Replace, hold no
// records. It is all or nothing: one transaction, committed only after
// the counts and checksums read back from the database equal those the
// dump's trailer promises. The search index is rebuilt afterwards. Stop
// every server on the target first: the load disables the tables'
// triggers for its transaction.
func (db *DB) Load(ctx context.Context, r io.Reader, opts LoadOptions) (DumpHeader, DumpSums, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	l := &loader{db: db, r: br, opts: opts}
	first, err := l.next()
	if err != nil {
		return DumpHeader{}, nil, err
	}
	var head DumpHeader
	if err := json.Unmarshal(first, &head); err != nil || head.Format == 0 {
		return DumpHeader{}, nil, debrief.Errorf(debrief.EInvalid, "file", "This is not a Debrief export: its first line is not an export header.")
	}
	if head.Format != DumpFormat {
		return head, nil, debrief.Errorf(debrief.EInvalid, "file", "This export has format %d; this release reads format %d.", head.Format, DumpFormat)
	}
	var sums DumpSums
	err = db.singleTx(ctx, func(tx *sql.Tx) error {
		var err error
		sums, err = l.load(ctx, tx, head)
		return err
	})
	if err != nil {
		return head, nil, err
	}
	if _, err := db.Reindex(ctx); err != nil {
		return head, sums, fmt.Errorf("sqlstore: the records are in, but the search index was not rebuilt (run debrief reindex): %w", err)
	}
	return head, sums, nil
}

type loader struct {
	db   *DB
	r    *bufio.Reader
	opts LoadOptions
	line int
	buf  []byte
}

// next returns the next line of the dump, without its newline.
func (l *loader) next() ([]byte, error) {
	l.buf = l.buf[:0]
	for {
		frag, err := l.r.ReadSlice('\n')
		l.buf = append(l.buf, frag...)
		if len(l.buf) > maxDumpLine {
			return nil, debrief.Errorf(debrief.EInvalid, "file", "Line %d of the export is longer than %d MiB; the file is damaged.", l.line+1, maxDumpLine>>20)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			if len(l.buf) == 0 {
				return nil, debrief.Errorf(debrief.EInvalid, "file", "The export ends after line %d without its closing line; it is incomplete, so nothing was loaded.", l.line)
			}
			return nil, debrief.Errorf(debrief.EInvalid, "file", "Line %d of the export is cut short; the file is incomplete, so nothing was loaded.", l.line+1)
		}
		if err != nil {
			return nil, fmt.Errorf("sqlstore: read export: %w", err)
		}
		l.line++
		return l.buf, nil
	}
}

func (l *loader) fail(format string, args ...any) error {
	return debrief.Errorf(debrief.EInvalid, "file", "Line %d of the export: %s; nothing was loaded.", l.line, fmt.Sprintf(format, args...))
}

func (l *loader) load(ctx context.Context, tx *sql.Tx, head DumpHeader) (DumpSums, error) {
	db := l.db
	var schema int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&schema); err != nil {
		return nil, fmt.Errorf("sqlstore: load: schema version: %w", err)
	}
	if schema != head.Schema {
		return nil, debrief.Errorf(debrief.EInvalid, "file", "The export was written at schema version %d and this database is at version %d; load it with the Debrief release that wrote it, then upgrade with that database (debrief migrate).", head.Schema, schema)
	}
	if err := db.checkDumpSchema(ctx, tx); err != nil {
		return nil, err
	}
	held, err := tablesWithRows(ctx, tx)
	if err != nil {
		return nil, err
	}
	if len(held) > 0 && !l.opts.Replace {
		return nil, debrief.Errorf(debrief.EConflict, "db", "The target database holds records (%s); load only into an empty database, or pass --replace to delete them in the same transaction.", strings.Join(held, ", "))
	}
	restore, err := db.triggersOff(ctx, tx)
	if err != nil {
		return nil, err
	}
	if l.opts.Replace {
		for _, t := range append([]string{"sessions"}, reversed(DumpTableNames())...) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+quoteIdent(t)); err != nil {
				return nil, fmt.Errorf("sqlstore: load: empty %s: %w", t, err)
			}
		}
	}
	read, err := l.rows(ctx, tx)
	if err != nil {
		return nil, err
	}
	if err := restore(); err != nil {
		return nil, err
	}
	// The triggers that tell token caches about changed accounts were off;
	// tell them now, in case a server runs on the target after all.
	if _, err := tx.ExecContext(ctx, `UPDATE auth_generation SET generation = generation + 1 WHERE id = 1`); err != nil {
		return nil, fmt.Errorf("sqlstore: load: %w", err)
	}
	// Likewise the copies of analytics rows: the load marked no changes.
	if _, err := tx.ExecContext(ctx, `UPDATE analytics_generation SET generation = generation + 1 WHERE id = 1`); err != nil {
		return nil, fmt.Errorf("sqlstore: load: %w", err)
	}
	if db.d.engine == EnginePostgres {
		if err := moveSequences(ctx, tx); err != nil {
			return nil, err
		}
	}
	// The proof: what the database now holds, read back through the
	// same transaction and encoded as a dump, must be what the file held.
	wrote, err := db.dumpRows(ctx, tx, nil, nil)
	if err != nil {
		return nil, err
	}
	if t := wrote.Diff(read); t != "" {
		return nil, fmt.Errorf("sqlstore: load: table %s read back as %d rows (sha256 %s), but the export holds %d (sha256 %s); nothing was loaded", t, wrote[t].Rows, wrote[t].SHA256, read[t].Rows, read[t].SHA256)
	}
	return wrote, nil
}

// rows inserts every row line up to the trailer and returns the sums of
// the lines it read, after checking them against the trailer.
func (l *loader) rows(ctx context.Context, tx *sql.Tx) (DumpSums, error) {
	db := l.db
	sums := DumpSums{}
	cur := -1
	var (
		stmt   *sql.Stmt
		h      hash.Hash
		n      int64
		later  []laterValue
		args   []any
		finish func() error
	)
	finish = func() error {
		if cur < 0 || cur >= len(dumpTables) {
			return nil
		}
		t := dumpTables[cur]
		if stmt != nil {
			stmt.Close()
		}
		for _, v := range later {
			if _, err := tx.ExecContext(ctx, `UPDATE `+quoteIdent(t.name)+` SET `+quoteIdent(v.col)+` = $1 WHERE id = $2`, v.value, v.id); err != nil {
				return fmt.Errorf("sqlstore: load %s: set %s of row %d: %w", t.name, v.col, v.id, err)
			}
		}
		later = later[:0]
		sums[t.name] = TableSum{Rows: n, SHA256: hex.EncodeToString(h.Sum(nil))}
		if l.opts.Progress != nil {
			l.opts.Progress(t.name, n, true)
		}
		return nil
	}
	// open finishes the tables before index i and starts table i.
	open := func(i int) error {
		for cur < i {
			if err := finish(); err != nil {
				return err
			}
			cur++
			if cur == len(dumpTables) {
				return nil
			}
			t := dumpTables[cur]
			h, n, stmt = sha256.New(), 0, nil
			if cur == i {
				var err error
				stmt, err = tx.PrepareContext(ctx, db.insertRowSQL(t))
				if err != nil {
					return fmt.Errorf("sqlstore: load %s: %w", t.name, err)
				}
			}
		}
		return nil
	}
	for {
		raw, err := l.next()
		if err != nil {
			return nil, err
		}
		var line dumpLine
		if err := json.Unmarshal(raw, &line); err != nil {
			return nil, l.fail("it is not a JSON object (%v)", err)
		}
		if line.End {
			if err := open(len(dumpTables)); err != nil {
				return nil, err
			}
			if t := sums.Diff(line.Tables); t != "" {
				return nil, l.fail("table %s has %d rows with sha256 %s, but the closing line promises %d with %s; the file was changed or damaged", t, sums[t].Rows, sums[t].SHA256, line.Tables[t].Rows, line.Tables[t].SHA256)
			}
			return sums, nil
		}
		i, ok := dumpTableNamed(line.Table)
		if !ok {
			return nil, l.fail("table %q is unknown to this release", line.Table)
		}
		if i < cur {
			return nil, l.fail("table %s comes after %s; the tables are out of order", line.Table, dumpTables[cur].name)
		}
		if err := open(i); err != nil {
			return nil, err
		}
		t := dumpTables[cur]
		args, later, err = db.rowArgs(args[:0], later, t, line.Row)
		if err != nil {
			return nil, l.fail("table %s: %v", t.name, err)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return nil, l.fail("table %s: the database refused the row: %v", t.name, err)
		}
		h.Write(raw)
		n++
		if l.opts.Progress != nil && n%progressEvery == 0 {
			l.opts.Progress(t.name, n, false)
		}
	}
}

type laterValue struct {
	col   string
	id    int64
	value int64
}

// insertRowSQL is the INSERT of one row of t, ids included.
func (db *DB) insertRowSQL(t dumpTable) string {
	names := make([]string, len(t.cols))
	params := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = quoteIdent(c.name)
		params[i] = "$" + strconv.Itoa(i+1)
	}
	override := ""
	if db.d.engine == EnginePostgres {
		// Ids are kept, so links and references stay valid; identity
		// columns are GENERATED ALWAYS.
		override = " OVERRIDING SYSTEM VALUE"
	}
	return `INSERT INTO ` + quoteIdent(t.name) + ` (` + strings.Join(names, ", ") + `)` + override + ` VALUES (` + strings.Join(params, ", ") + `)`
}

// rowArgs turns a row of the dump into the engine's arguments for
// insertRowSQL, appending self-references to later.
func (db *DB) rowArgs(args []any, later []laterValue, t dumpTable, row map[string]json.RawMessage) ([]any, []laterValue, error) {
	if len(row) != len(t.cols) {
		for k := range row {
			if _, ok := t.col(k); !ok {
				return nil, nil, fmt.Errorf("column %q is unknown", k)
			}
		}
	}
	var id int64
	for _, c := range t.cols {
		raw, ok := row[c.name]
		if !ok {
			return nil, nil, fmt.Errorf("column %s is missing", c.name)
		}
		v, err := db.argOf(c, raw)
		if err != nil {
			return nil, nil, fmt.Errorf("column %s: %w", c.name, err)
		}
		if c.name == "id" {
			id, _ = v.(int64)
		}
		if c.later && v != nil {
			later = append(later, laterValue{col: c.name, id: id, value: v.(int64)})
			v = nil
		}
		args = append(args, v)
	}
	if t.name == "attachments" {
		if err := checkAttachment(t, args); err != nil {
			return nil, nil, err
		}
	}
	return args, later, nil
}

// checkAttachment proves an attachment's content is the file it was: its
// SHA-256 and size are stored beside it.
func checkAttachment(t dumpTable, args []any) error {
	var data []byte
	var sum string
	var size int64
	for i, c := range t.cols {
		switch c.name {
		case "data":
			data, _ = args[i].([]byte)
		case "sha256":
			sum, _ = args[i].(string)
		case "size":
			size, _ = args[i].(int64)
		}
	}
	got := sha256.Sum256(data)
	if hex.EncodeToString(got[:]) != sum || int64(len(data)) != size {
		return errors.New("the attachment's content does not match its stored SHA-256 and size")
	}
	return nil
}

// argOf turns one canonical value into the engine's argument.
func (db *DB) argOf(c dumpColumn, raw json.RawMessage) (any, error) {
	if bytes.Equal(raw, []byte("null")) {
		if c.kind == kindJSON && !c.null {
			return "null", nil
		}
		return nil, nil
	}
	switch c.kind {
	case kindText:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errors.New("want a string")
		}
		return s, nil
	case kindInt:
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return nil, errors.New("want an integer")
		}
		return n, nil
	case kindFloat:
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return nil, errors.New("want a number")
		}
		return f, nil
	case kindTime:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errors.New("want a time")
		}
		t, err := time.Parse(dumpTime, s)
		if err != nil {
			return nil, fmt.Errorf("want a time like %s", dumpTime)
		}
		return db.d.t(t), nil
	case kindBool:
		var v bool
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, errors.New("want true or false")
		}
		if db.d.engine == EngineSQLite {
			if v {
				return int64(1), nil
			}
			return int64(0), nil
		}
		return v, nil
	case kindJSON:
		if !json.Valid(raw) {
			return nil, errors.New("want JSON")
		}
		return string(raw), nil
	case kindBytes:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errors.New("want base64 text")
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, errors.New("want base64 text")
		}
		return b, nil
	}
	return nil, fmt.Errorf("unknown kind %s", c.kind)
}

// tablesWithRows names the dumped tables that hold at least one row.
func tablesWithRows(ctx context.Context, tx *sql.Tx) ([]string, error) {
	var held []string
	for _, t := range DumpTableNames() {
		var any bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+quoteIdent(t)+`)`).Scan(&any); err != nil {
			return nil, fmt.Errorf("sqlstore: load: look into %s: %w", t, err)
		}
		if any {
			held = append(held, strings.ReplaceAll(t, "_", " "))
		}
	}
	return held, nil
}

// triggersOff stops the tables' triggers for the rest of the transaction
// and returns the function that starts them again. The triggers derive
// rows from writes (the audit entry of a revision, the search index's
// marks, the append-only guard); a load writes rows that were derived
// already, and rebuilds the index after.
func (db *DB) triggersOff(ctx context.Context, tx *sql.Tx) (func() error, error) {
	if db.d.engine == EnginePostgres {
		tables := append([]string{"sessions"}, DumpTableNames()...)
		for _, t := range tables {
			if _, err := tx.ExecContext(ctx, `ALTER TABLE `+quoteIdent(t)+` DISABLE TRIGGER USER`); err != nil {
				return nil, fmt.Errorf("sqlstore: load: disable the triggers of %s: %w", t, err)
			}
		}
		return func() error {
			for _, t := range tables {
				if _, err := tx.ExecContext(ctx, `ALTER TABLE `+quoteIdent(t)+` ENABLE TRIGGER USER`); err != nil {
					return fmt.Errorf("sqlstore: load: enable the triggers of %s: %w", t, err)
				}
			}
			return nil
		}, nil
	}
	// SQLite cannot disable a trigger; it drops them and creates them
	// again from their own text, in the same transaction.
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: load: list triggers: %w", err)
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlstore: load: list triggers: %w", err)
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: load: list triggers: %w", err)
	}
	for _, name := range names {
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER `+quoteIdent(name)); err != nil {
			return nil, fmt.Errorf("sqlstore: load: drop trigger %s: %w", name, err)
		}
	}
	return func() error {
		for i, def := range defs {
			if _, err := tx.ExecContext(ctx, def); err != nil {
				return fmt.Errorf("sqlstore: load: create trigger %s again: %w", names[i], err)
			}
		}
		return nil
	}, nil
}

// moveSequences moves each identity past the largest id loaded, so the
// next record created gets a fresh id.
func moveSequences(ctx context.Context, tx *sql.Tx) error {
	for _, t := range dumpTables {
		if _, ok := t.col("id"); !ok {
			continue
		}
		var seq sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT pg_get_serial_sequence($1, 'id')`, t.name).Scan(&seq); err != nil {
			return fmt.Errorf("sqlstore: load: sequence of %s: %w", t.name, err)
		}
		if !seq.Valid {
			continue
		}
		if _, err := tx.ExecContext(ctx, `SELECT setval($1, m, true) FROM (SELECT MAX(id) AS m FROM `+quoteIdent(t.name)+`) x WHERE m IS NOT NULL`, seq.String); err != nil {
			return fmt.Errorf("sqlstore: load: move the sequence of %s: %w", t.name, err)
		}
	}
	return nil
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}
