// Package sqlstore is the debrief.Store on database/sql, for both SQLite
// (modernc.org/sqlite, the default) and PostgreSQL (pgx v5). The SQL is
// hand-written and mostly shared: modernc binds $1..$n like PostgreSQL does.
// What differs between the engines (time columns, full-text search, the
// current time in SQL) lives in a small dialect value.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/debriefhq/debrief/debrief"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Engine names.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// DB is the store. It is safe for concurrent use.
//
// On SQLite, writes go through w, a pool of exactly one connection: SQLite
// allows one writer at a time anyway, and queueing writers in Go instead of
// in SQLite's busy handler means no SQLITE_BUSY under load, no lost
// busy_timeout sleeps, and transactions that start with BEGIN IMMEDIATE
// never deadlock on a lock upgrade. Reads go through r, a pool of several
// connections, which WAL lets run alongside the writer. On PostgreSQL, r
// and w are the same pool.
//
// Every method enters the gate of a pool (rg for r, wg for w) before it
// uses the pool and holds at most one of its connections at a time
// (pool.go): so no caller waits for a connection without bound, and none
// can wait for one while it holds another.
type DB struct {
	// r serves reads; w serves every write transaction.
	r, w *sql.DB
	// rg and wg admit callers to r and w; the same gate on PostgreSQL.
	rg, wg *gate
	// rs and ws cache prepared statements for r and w on SQLite; nil on
	// PostgreSQL (stmt.go).
	rs, ws *stmtCache
	// d holds what differs between the engines.
	d      dialect
	logger *slog.Logger
	// group batches concurrent write transactions into one commit on
	// SQLite (groupcommit.go); nil on PostgreSQL.
	group *groupCommitter
	// search is the engine's part of the search index (search_sqlite.go,
	// search_postgres.go); facts is SQLite's cache of document facts
	// (search_sqlite_cache.go), nil on PostgreSQL. Close stops both.
	search searchEngine
	facts  *factCache
	// tune holds the search's thresholds (search.go).
	tune searchTuning
	// factors keeps the contributing factor counts a while (factors.go).
	factors factorCache
	// analytics is the copy of the rows analytics reads (analytics_copy.go).
	analytics analyticsCopy
	// byteOrder is 1 when PostgreSQL orders text by its bytes, 2 when
	// not, 0 until asked (wordsInByteOrder, search_postgres.go).
	byteOrder atomic.Int32
}

// dialect names the engine, where its migrations are, and how it stores
// times (scan.go). SQL that differs between the engines branches on
// engine where it is written, with a comment saying why.
type dialect struct {
	engine string
	// migrations holds the engine's numbered .sql files.
	migrations string
	// lockRow ends a SELECT that reads a row the transaction will change
	// from what it read. SQLite needs nothing (its one writer connection
	// serialises write transactions); PostgreSQL locks the row.
	lockRow string
	// detachKeyReads runs reads of one row by key without the caller's
	// cancellation (keyReadContext in key_read.go): true on SQLite, where such a
	// read cannot wait on a network.
	detachKeyReads bool
}

var (
	sqliteDialect   = dialect{engine: EngineSQLite, migrations: "migrations/sqlite", detachKeyReads: true}
	postgresDialect = dialect{engine: EnginePostgres, migrations: "migrations/postgres", lockRow: " FOR UPDATE"}
)

// EngineOf returns the engine a dsn selects: EnginePostgres for a
// postgres:// or postgresql:// URL, EngineSQLite for anything else (a file
// path). Open and the command line both decide with it.
func EngineOf(dsn string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return EnginePostgres
	}
	return EngineSQLite
}

// Open opens the database named by dsn and brings its schema up to date.
// A dsn starting with postgres:// or postgresql:// opens PostgreSQL; anything
// else is the path of a SQLite file, created if missing. Migrations on
// PostgreSQL run under an advisory lock, so several instances may start
// at once.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*DB, error) {
	return OpenWith(ctx, dsn, logger, Options{})
}

// OpenWith is Open with options other than the defaults.
func OpenWith(ctx context.Context, dsn string, logger *slog.Logger, opts Options) (*DB, error) {
	db, err := open(ctx, dsn, logger, opts)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.rebuildSearchIfAsked(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Migrate opens the database named by dsn, applies pending migrations and
// closes it, for `debrief migrate`. It returns the migrations it applied.
func Migrate(ctx context.Context, dsn string, logger *slog.Logger) ([]string, error) {
	db, err := open(ctx, dsn, logger, Options{})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return applied, err
	}
	return applied, db.rebuildSearchIfAsked(ctx)
}

func open(ctx context.Context, dsn string, logger *slog.Logger, opts Options) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if strings.TrimSpace(dsn) == "" {
		return nil, debrief.Errorf(debrief.EInvalid, "db", "No database given: pass a SQLite file path or a postgres:// URL.")
	}
	var db *DB
	var err error
	if EngineOf(dsn) == EnginePostgres {
		db, err = openPostgres(dsn, opts)
	} else {
		db, err = openSQLite(dsn, opts)
	}
	if err != nil {
		return nil, err
	}
	db.logger = logger
	if opts.NoSearchMemos {
		db.tune.countMemos = false
	}
	if db.facts != nil {
		db.facts.logger = logger
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: open %s database: %w", db.d.engine, err)
	}
	return db, nil
}

func openPostgres(dsn string, opts Options) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
	}
	// JIT compilation pays off for long analytical queries; a search over
	// many matches looks like one to the planner and spent about 40 ms
	// compiling each statement (EXPLAIN ANALYZE at 100,000 documents),
	// more than the statement itself. A DSN that sets jit keeps its own.
	if _, set := cfg.RuntimeParams["jit"]; !set {
		cfg.RuntimeParams["jit"] = "off"
	}
	pool := stdlib.OpenDB(*cfg)
	n := opts.ReadConns
	if n <= 0 {
		n = max(8, 4*runtime.GOMAXPROCS(0))
	}
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	g := newGate(n, opts.connWait())
	db := &DB{r: pool, w: pool, rg: g, wg: g, d: postgresDialect, tune: postgresSearchTuning()}
	db.search = postgresSearch{db: db}
	return db, nil
}

// sqlitePragmas apply to every SQLite connection.
//
// journal_mode=WAL lets readers run while the writer writes.
// synchronous=NORMAL in WAL mode does not fsync on every commit, only at
// checkpoints: a commit survives a crash of the process (kill -9), which is
// the durability Debrief promises, because the WAL is in the OS page cache;
// only a power loss or kernel crash could lose the last commits, and even
// then the database stays consistent.
// foreign_keys=on makes SQLite enforce the REFERENCES clauses (it does not
// by default). busy_timeout covers other processes (debrief migrate, a
// backup) holding the write lock for a moment.
var sqlitePragmas = []string{
	"journal_mode(WAL)",
	"synchronous(NORMAL)",
	"foreign_keys(1)",
	"busy_timeout(10000)",
}

func sqliteDSN(path string, extra ...string) string {
	q := url.Values{}
	for _, p := range sqlitePragmas {
		q.Add("_pragma", p)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Add(extra[i], extra[i+1])
	}
	// modernc treats everything after the first '?' as its options; a path
	// written as a file: URI keeps its own query (e.g. ?mode=ro).
	if strings.HasPrefix(path, "file:") {
		if strings.Contains(path, "?") {
			return path + "&" + q.Encode()
		}
		return path + "?" + q.Encode()
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// readerPragmas apply to the read pool only. query_only keeps it honest: a
// write through it fails instead of competing with the one writer for the
// lock. Searches read the same FTS pages over and over, so each reader
// keeps 32 MB of pages (SQLite's default is 2 MB) and maps up to 256 MB of
// the file, which saves copying pages out of the OS cache; temporary
// b-trees (ORDER BY over many matches) stay in memory.
var readerPragmas = []string{
	"_pragma", "query_only(1)",
	"_pragma", "cache_size(-32000)",
	"_pragma", "mmap_size(268435456)",
	"_pragma", "temp_store(MEMORY)",
}

// writerPragmas apply to the one writer connection. BEGIN IMMEDIATE
// (_txlock) takes the write lock at the start of the transaction, so a
// transaction that reads then writes never fails half way with SQLITE_BUSY
// when another process writes.
//
// temp_store=MEMORY keeps statement journals in memory. Every statement
// that fires a trigger (each write does: the search index's dirty marks)
// journals the pages it changes so that it can be undone alone; with the
// default they went to a temporary file, and those writes were an eighth
// of a bulk import's CPU. A statement journal lives for one statement and
// holds each page it changes once, so its memory is bounded by what one
// statement writes; the one statement that could write the whole
// database, Reindex's emptying of the index, deletes in chunks for that
// reason.
var writerPragmas = []string{
	"_txlock", "immediate",
	"_pragma", "temp_store(MEMORY)",
}

func openSQLite(path string, opts Options) (*DB, error) {
	if path == ":memory:" || strings.Contains(path, "mode=memory") {
		// Two pools on one in-memory database would see two databases.
		return nil, debrief.Errorf(debrief.EInvalid, "db", "An in-memory SQLite database is not supported; give a file path.")
	}
	w, err := sql.Open("sqlite", sqliteDSN(path, writerPragmas...))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", sqliteDSN(path, readerPragmas...))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlstore: open sqlite %s: %w", path, err)
	}
	// Readers do not block each other in WAL mode; a few per core keeps
	// the cores busy while some connections wait on I/O.
	n := opts.ReadConns
	if n <= 0 {
		n = max(4, 2*runtime.GOMAXPROCS(0))
	}
	// One more connection than the gate admits is kept for the search
	// fact cache's loader (search_sqlite_cache.go), so that the first load is not
	// queued behind the searches that wait for it.
	r.SetMaxOpenConns(n + 1)
	r.SetMaxIdleConns(n + 1)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	rg, wg := newGate(n, opts.connWait()), newGate(1, opts.connWait())
	db := &DB{r: r, w: w, rg: rg, wg: wg, rs: newStmtCache(r, rg), ws: newStmtCache(w, wg), d: sqliteDialect, group: newGroupCommitter(), tune: defaultSearchTuning()}
	db.facts = newFactCache(r, slog.New(slog.DiscardHandler))
	db.search = &sqliteSearch{db: db, facts: db.facts}
	return db, nil
}

// Engine returns "sqlite" or "postgres".
func (db *DB) Engine() string { return db.d.engine }

// Ping checks that the database answers, for readiness probes.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.ping(ctx, db.r, db.rg); err != nil {
		return err
	}
	if db.w != db.r {
		return db.ping(ctx, db.w, db.wg)
	}
	return nil
}

func (db *DB) ping(ctx context.Context, pool *sql.DB, g *gate) error {
	if err := g.enter(ctx); err != nil {
		return err
	}
	defer g.leave()
	if err := pool.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlstore: ping: %w", err)
	}
	return nil
}

// Close releases the database. It first stops what search runs in the
// background, which reads through the pools.
func (db *DB) Close() error {
	db.search.close()
	db.rs.close()
	db.ws.close()
	err := db.r.Close()
	if db.w != db.r {
		err = errors.Join(err, db.w.Close())
	}
	return err
}

// Migrate applies pending migrations and returns the ones it applied (as
// file names). It is safe to run from several processes at once: on
// PostgreSQL it holds an advisory lock while it works; on SQLite the write
// lock serialises it.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	fsys, err := fs.Sub(migrationFiles, db.d.migrations)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations: %w", err)
	}
	// Migration numbers were reserved per area and landed out of order
	// (00002 accounts after 00003..00006), so a database migrated before a
	// lower number existed must still get it.
	opts := []goose.ProviderOption{goose.WithAllowOutofOrder(true)}
	dialect := goose.DialectSQLite3
	if db.d.engine == EnginePostgres {
		dialect = goose.DialectPostgres
		// The advisory lock is held for the session of one connection;
		// others wait, retrying every second for up to five minutes, then
		// find nothing left to apply.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	if err := db.checkSchemaNotNewer(ctx); err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(dialect, db.w, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migrate %s database: %w", db.d.engine, err)
	}
	applied := make([]string, 0, len(results))
	for _, r := range results {
		name := r.Source.Path
		applied = append(applied, name)
		db.logger.Info("applied migration", "engine", db.d.engine, "migration", name, "duration", r.Duration)
	}
	return applied, nil
}

// SchemaVersion returns the number of the newest migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	if err := db.rg.enter(ctx); err != nil {
		return 0, err
	}
	defer db.rg.leave()
	var v int64
	err := db.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: schema version: %w", err)
	}
	return v, nil
}

// inTx runs fn in a write transaction and commits it when fn returns nil.
// Driver errors are turned into debrief codes by the caller via mapErr.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.group != nil {
		return db.group.do(ctx, db, fn)
	}
	return db.singleTx(ctx, fn)
}

// singleTx runs fn in a transaction of its own.
func (db *DB) singleTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := db.wg.enter(ctx); err != nil {
		return err
	}
	defer db.wg.leave()
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	// The search index follows every write in the same transaction
	// (search_index.go).
	if err := db.flushSearch(ctx, tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
