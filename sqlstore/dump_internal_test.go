package sqlstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

type engineCase struct {
	name string
	dsn  func(t *testing.T) string
}

var bothEngines = []engineCase{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "debrief.db") }},
	{"postgres", func(t *testing.T) string { return storetest.PostgresDSN(t) }},
}

func openDSN(t *testing.T, dsn string) *DB {
	t.Helper()
	db, err := Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatalf("Open(%s) = %v", EngineOf(dsn), err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// pgKinds maps PostgreSQL's column types to the dump's kinds.
var pgKinds = map[string]colKind{
	"bigint": kindInt, "integer": kindInt, "smallint": kindInt,
	"text": kindText, "character varying": kindText,
	"timestamp with time zone": kindTime, "boolean": kindBool,
	"jsonb": kindJSON, "json": kindJSON, "bytea": kindBytes,
	"double precision": kindFloat, "real": kindFloat, "numeric": kindFloat,
}

// sqliteTypes maps each kind to the declared type SQLite stores it in.
var sqliteTypes = map[colKind]string{
	kindInt: "INTEGER", kindTime: "INTEGER", kindBool: "INTEGER", kindText: "TEXT",
	kindJSON: "TEXT", kindBytes: "BLOB", kindFloat: "REAL",
}

// TestDumpKnowsEveryTable lists the tables and columns of both migrated
// schemas and fails for any the dump neither carries nor names as derived,
// and for any column whose kind disagrees with its type: a migration that
// adds records a move would leave behind fails here. For a new table it
// prints the line to add to dumpTables (after the tables it references).
func TestDumpKnowsEveryTable(t *testing.T) {
	for _, c := range bothEngines {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDSN(t, c.dsn(t))
			if err := db.checkDumpSchema(ctx, db.r); err != nil {
				t.Errorf("the dump does not match the %s schema: %v", c.name, err)
				if c.name == "postgres" {
					for _, line := range db.suggestDumpTables(t) {
						t.Errorf("add to dumpTables (sqlstore/dump_tables.go), after the tables it references:\n\t%s", line)
					}
				}
			}
			types := db.columnTypes(t)
			for _, tbl := range dumpTables {
				for _, col := range tbl.cols {
					typ, ok := types[tbl.name+"."+col.name]
					if !ok {
						continue // reported above
					}
					if c.name == "postgres" {
						if k, ok := pgKinds[typ.name]; !ok || k != col.kind {
							t.Errorf("%s.%s is %s on PostgreSQL, but the dump writes it as %s", tbl.name, col.name, typ.name, col.kind)
						}
						if col.kind == kindJSON && typ.nullable != col.null {
							t.Errorf("%s.%s: nullable on PostgreSQL = %v, but its dump flag null = %v", tbl.name, col.name, typ.nullable, col.null)
						}
					} else if want := sqliteTypes[col.kind]; typ.name != want {
						t.Errorf("%s.%s is %s on SQLite, want %s for a %s column", tbl.name, col.name, typ.name, want, col.kind)
					}
				}
			}
		})
	}
}

type colType struct {
	name     string
	nullable bool
}

func (db *DB) columnTypes(t *testing.T) map[string]colType {
	t.Helper()
	q := `SELECT m.name, p.name, p.type, p."notnull" = 0 FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'`
	if db.d.engine == EnginePostgres {
		q = `SELECT table_name, column_name, data_type, is_nullable = 'YES' FROM information_schema.columns WHERE table_schema = current_schema()`
	}
	rows, err := db.r.Query(q)
	if err != nil {
		t.Fatalf("column types: %v", err)
	}
	defer rows.Close()
	out := map[string]colType{}
	for rows.Next() {
		var tbl, col string
		var ct colType
		if err := rows.Scan(&tbl, &col, &ct.name, &ct.nullable); err != nil {
			t.Fatalf("column types: %v", err)
		}
		out[tbl+"."+col] = ct
	}
	return out
}

// suggestDumpTables writes the dumpTables line of each table the dump does
// not know, from PostgreSQL's catalogue.
func (db *DB) suggestDumpTables(t *testing.T) []string {
	live, err := db.liveTables(context.Background(), db.r)
	if err != nil {
		t.Fatal(err)
	}
	types := db.columnTypes(t)
	var lines []string
	for _, name := range sortedKeys(live) {
		if derivedTable(name) {
			continue
		}
		if _, ok := dumpTableNamed(name); ok {
			continue
		}
		var pk []string
		rows, err := db.r.Query(`SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
			WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`, name)
		if err == nil {
			for rows.Next() {
				var c string
				rows.Scan(&c)
				pk = append(pk, c)
			}
			rows.Close()
		}
		var spec []string
		for _, col := range live[name] {
			ct := types[name+"."+col]
			k := pgKinds[ct.name]
			s := col
			if k != kindText {
				s += ":" + k.String()
			}
			if k == kindJSON && ct.nullable {
				s += ":null"
			}
			spec = append(spec, s)
		}
		lines = append(lines, fmt.Sprintf("table(%q, %q, %q),", name, strings.Join(pk, " "), strings.Join(spec, " ")))
	}
	return lines
}

// fillForDump writes records that exercise the dump's kinds: times and
// NULL times, booleans, JSON, text with quotes and non-ASCII letters, a
// forward reference between incidents, an attachment, and the audit rows
// revisions derive.
func fillForDump(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.UTC)
	var ids []int64
	for i, title := range []string{`Checkout "API" returned 500s for 42 minutes`, "Zahlungen in Köln fielen aus: <b>ß</b> & 日本", "Search returned stale results\nafter a deploy"} {
		inc := &debrief.Incident{Title: title, Severity: "SEV2", Status: debrief.StatusResolved, Private: i == 1,
			Services: []string{"checkout", "payments"}, Customers: []string{}, Labels: []string{"db"}, Members: []string{"ana@example.com"},
			StartedAt: now.Add(time.Duration(i) * time.Hour), CreatedBy: "ana@example.com", CreatedAt: now, UpdatedAt: now}
		if i == 2 {
			resolved := now.Add(3 * time.Hour)
			inc.ResolvedAt = &resolved
		}
		if err := db.CreateIncident(ctx, inc, &debrief.Revision{EntityType: debrief.EntityIncident, Version: 1, Action: "create", Actor: "ana@example.com", At: now}); err != nil {
			t.Fatalf("CreateIncident = %v", err)
		}
		ids = append(ids, inc.ID)
	}
	// The first incident repeats the last one: a reference to a later row.
	if _, err := db.w.Exec(`UPDATE incidents SET repeat_of = $1 WHERE id = $2`, ids[2], ids[0]); err != nil {
		t.Fatal(err)
	}
	data := []byte("\x89PNG\r\n\x1a\n not really a picture, but bytes with \x00 in them")
	sum := fmt.Sprintf("%x", sha256.Sum256(data))
	if _, err := db.w.Exec(`INSERT INTO attachments (incident_id, filename, content_type, size, sha256, uploaded_by, created_at, data) VALUES ($1, 'graph.png', 'image/png', $2, $3, 'ana@example.com', $4, $5)`,
		ids[0], len(data), sum, db.d.t(now), data); err != nil {
		t.Fatal(err)
	}
}

func dumpOf(t *testing.T, db *DB) ([]byte, DumpSums) {
	t.Helper()
	var buf bytes.Buffer
	sums, err := db.Dump(context.Background(), &buf, "test", nil)
	if err != nil {
		t.Fatalf("Dump(%s) = %v", db.d.engine, err)
	}
	return buf.Bytes(), sums
}

// rowLines drops the header and trailer, which name the engine and time.
func rowLines(dump []byte) string {
	lines := strings.SplitAfter(string(dump), "\n")
	return strings.Join(lines[1:len(lines)-2], "")
}

// TestDumpLoadAcrossEngines moves records SQLite → PostgreSQL → SQLite and
// checks that every hop dumps the same bytes, that the loaded database
// works (new ids follow the loaded ones, the search index is rebuilt) and
// that the load did not derive rows twice (the audit rows of revisions).
func TestDumpLoadAcrossEngines(t *testing.T) {
	ctx := context.Background()
	src := openDSN(t, filepath.Join(t.TempDir(), "src.db"))
	fillForDump(t, src)
	first, sums := dumpOf(t, src)
	if sums["incidents"].Rows != 3 || sums["attachments"].Rows != 1 || sums["revisions"].Rows != 3 || sums["audit_log"].Rows != 3 {
		t.Fatalf("Dump sums = %+v; want 3 incidents, 1 attachment, 3 revisions and their 3 audit rows", sums)
	}
	pg := openDSN(t, storetest.PostgresDSN(t))
	if _, loaded, err := pg.Load(ctx, bytes.NewReader(first), LoadOptions{}); err != nil || loaded.Diff(sums) != "" {
		t.Fatalf("Load into PostgreSQL = %+v, %v; want %+v", loaded, err, sums)
	}
	second, _ := dumpOf(t, pg)
	if rowLines(second) != rowLines(first) {
		t.Fatalf("PostgreSQL dumps other rows than SQLite:\n%s\nwant\n%s", rowLines(second), rowLines(first))
	}
	back := openDSN(t, filepath.Join(t.TempDir(), "back.db"))
	if _, _, err := back.Load(ctx, bytes.NewReader(second), LoadOptions{}); err != nil {
		t.Fatalf("Load back into SQLite = %v", err)
	}
	third, _ := dumpOf(t, back)
	if rowLines(third) != rowLines(first) {
		t.Fatalf("SQLite after the round trip dumps other rows:\n%s\nwant\n%s", rowLines(third), rowLines(first))
	}
	for _, db := range []*DB{pg, back} {
		inc := &debrief.Incident{Title: "Login failed for every user for 5 minutes", Severity: "SEV1", Status: debrief.StatusInvestigating,
			Services: []string{}, Customers: []string{}, Labels: []string{}, Members: []string{},
			StartedAt: time.Now(), CreatedBy: "ana@example.com", CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := db.CreateIncident(ctx, inc, &debrief.Revision{EntityType: debrief.EntityIncident, Version: 1, Action: "create", Actor: "ana@example.com", At: time.Now()}); err != nil || inc.ID != 4 {
			t.Errorf("%s: CreateIncident after the load = id %d, %v; want id 4", db.d.engine, inc.ID, err)
		}
		var audit int
		db.r.QueryRow(`SELECT COUNT(*) FROM audit_log`).Scan(&audit)
		if audit != 4 {
			t.Errorf("%s: audit_log holds %d rows after the load and one create, want 4 (a load must not derive audit rows again)", db.d.engine, audit)
		}
		// Three documents from the rebuild after the load, one from the
		// triggers the load restored.
		var docs int
		db.r.QueryRow(`SELECT COUNT(*) FROM search_docs`).Scan(&docs)
		if docs != 4 {
			t.Errorf("%s: the search index holds %d documents after the load and one create, want 4", db.d.engine, docs)
		}
	}
}

// TestLoadAllOrNothing damages a dump in the ways a file breaks and checks
// that each load fails with a sentence and leaves the target empty, that
// a target with records is refused unless Replace, and that Replace gives
// exactly the dump.
func TestLoadAllOrNothing(t *testing.T) {
	ctx := context.Background()
	src := openDSN(t, filepath.Join(t.TempDir(), "src.db"))
	fillForDump(t, src)
	good, _ := dumpOf(t, src)
	lines := strings.SplitAfter(string(good), "\n")
	incidentLine := -1
	for i, l := range lines {
		if strings.HasPrefix(l, `{"table":"incidents"`) {
			incidentLine = i
			break
		}
	}
	cases := []struct{ name, dump, want string }{
		{"cut in the middle", strings.Join(lines[:len(lines)/2], ""), "incomplete"},
		{"cut inside a line", string(good[:len(good)-10]), "cut short"},
		{"a changed title", strings.Replace(string(good), "Checkout", "Checkoux", 1), "sha256"},
		{"a line that is not JSON", strings.Replace(string(good), lines[incidentLine], "{oops\n", 1), fmt.Sprintf("Line %d", incidentLine+1)},
		{"an unknown table", strings.Replace(string(good), lines[incidentLine], `{"table":"wishes","row":{}}`+"\n", 1), `"wishes" is unknown`},
		{"not an export", "hello\n", "not a Debrief export"},
		{"an attachment that is not its file", regexp.MustCompile(`"size":\d+`).ReplaceAllString(string(good), `"size":1`), "SHA-256"},
	}
	for _, c := range bothEngines {
		t.Run(c.name, func(t *testing.T) {
			db := openDSN(t, c.dsn(t))
			for _, bad := range cases {
				_, _, err := db.Load(ctx, strings.NewReader(bad.dump), LoadOptions{})
				if err == nil || !strings.Contains(err.Error(), bad.want) {
					t.Errorf("Load(%s) = %v, want an error saying %q", bad.name, err, bad.want)
				}
				if _, sums := dumpOf(t, db); sums["incidents"].Rows != 0 || sums["audit_log"].Rows != 0 {
					t.Fatalf("after Load(%s) failed the target holds %+v, want nothing", bad.name, sums)
				}
			}
			if _, _, err := db.Load(ctx, bytes.NewReader(good), LoadOptions{}); err != nil {
				t.Fatalf("Load(good) = %v", err)
			}
			_, _, err := db.Load(ctx, bytes.NewReader(good), LoadOptions{})
			if debrief.ErrorCode(err) != debrief.EConflict || !strings.Contains(err.Error(), "incidents") {
				t.Errorf("Load into a database with records = %v, want EConflict naming them", err)
			}
			fillForDump(t, db) // three more incidents, to be replaced
			if _, _, err := db.Load(ctx, bytes.NewReader(good), LoadOptions{Replace: true}); err != nil {
				t.Fatalf("Load(Replace) = %v", err)
			}
			if again, _ := dumpOf(t, db); rowLines(again) != rowLines(good) {
				t.Errorf("after Load(Replace) the database dumps\n%s\nwant\n%s", rowLines(again), rowLines(good))
			}
		})
	}
}
