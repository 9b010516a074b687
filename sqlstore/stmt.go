package sqlstore

import (
	"context"
	"database/sql"
	"sync"

	"github.com/jackc/pgx/v5"
)

// SQLite parses every statement it is given; modernc does not cache the
// parsed form, and parsing a 20-column SELECT costs about as much as running
// it. So on SQLite the store keeps prepared statements, per pool, keyed by
// their text: db.queryRow, db.query and db.exec use them for the read pool,
// the write pool and transactions on it (tx.StmtContext reuses the
// statement already prepared on the one writer connection). pgx caches
// prepared statements itself, so on PostgreSQL these pass straight through.
//
// Other areas' code in this package may use the same three methods.

// maxCachedStatements bounds each cache: statement texts come from code, but
// lists build theirs from filters, and a bug must not grow memory forever.
const maxCachedStatements = 512

// stmtCache holds the prepared statements of one pool.
type stmtCache struct {
	pool *sql.DB
	// gate admits the background preparation to pool (pool.go).
	gate *gate
	mu   sync.Mutex
	m    map[string]*sql.Stmt
	// pending holds statements being prepared in the background.
	pending map[string]bool
	closed  bool
}

func newStmtCache(pool *sql.DB, g *gate) *stmtCache {
	return &stmtCache{pool: pool, gate: g, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns the statement for query, preparing it the first time; nil
// when the cache is full or preparing failed (the caller then runs the
// query directly, which reports any error). Only call it from a goroutine
// that has entered the pool's gate and holds no connection of the pool:
// preparing takes one, and the write pool has only one.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[query]; ok {
		return s
	}
	if c.closed || len(c.m) >= maxCachedStatements {
		return nil
	}
	s, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.m[query] = s
	return s
}

// lookup returns the statement for query if it is prepared already. On a
// miss it prepares it in the background, for next time: the caller is
// inside a transaction that holds the write pool's only connection, so
// preparing now would wait for itself forever.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[query]; ok {
		return s
	}
	if c.closed || c.pending[query] || len(c.m)+len(c.pending) >= maxCachedStatements {
		return nil
	}
	c.pending[query] = true
	go func() {
		var s *sql.Stmt
		err := c.gate.enter(context.Background())
		if err == nil {
			s, err = c.pool.PrepareContext(context.Background(), query)
			c.gate.leave()
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.pending, query)
		if err != nil {
			return
		}
		if c.closed {
			s.Close()
			return
		}
		c.m[query] = s
	}()
	return nil
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, s := range c.m {
		s.Close()
	}
	c.m = map[string]*sql.Stmt{}
}

// stmtFor returns a prepared statement for query on q (the read pool, the
// write pool or a transaction on it), or nil to run query directly.
func (db *DB) stmtFor(ctx context.Context, q querier, query string) *sql.Stmt {
	if db.rs == nil {
		return nil
	}
	switch q := q.(type) {
	case *sql.Tx:
		if s := db.ws.lookup(query); s != nil {
			return q.StmtContext(ctx, s)
		}
	case *sql.DB:
		switch q {
		case db.r:
			return db.rs.get(ctx, query)
		case db.w:
			return db.ws.get(ctx, query)
		}
	}
	return nil
}

// queryRow is q.QueryRowContext through the statement cache.
func (db *DB) queryRow(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	if s := db.stmtFor(ctx, q, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return q.QueryRowContext(ctx, query, args...)
}

// query is q.QueryContext through the statement cache.
func (db *DB) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	if s := db.stmtFor(ctx, q, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return q.QueryContext(ctx, query, args...)
}

// queryPlanned is db.query for the lists whose filters pick out skewed
// values: nearly every incident is closed, a few services and owners
// hold most records. pgx prepares a statement once per connection, and
// after five executions PostgreSQL may keep one generic plan for any
// values, chosen from average selectivities: the home page's open
// incidents (status IN (…) ORDER BY id DESC LIMIT 11) then walked the
// whole primary key backwards, 50 ms at 100,000 incidents, where the plan
// for the statuses asked reads the status index in 0.06 ms. So on
// PostgreSQL these run as the unnamed statement, planned for the values
// given each time (pgx keeps only the statement's description, so it is
// still one round trip). Planning costs tens of microseconds, which reads
// by key, run far more often, do not pay: they keep the cached plan.
func (db *DB) queryPlanned(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	if db.d.engine == EnginePostgres {
		return q.QueryContext(ctx, query, plannedArgs(args)...)
	}
	return db.query(ctx, q, query, args...)
}

// plannedArgs leads a PostgreSQL statement's arguments with pgx's exec
// mode that runs it as the unnamed statement, planned for them.
func plannedArgs(args []any) []any {
	return append([]any{pgx.QueryExecModeCacheDescribe}, args...)
}

// planArgs returns w's arguments, on PostgreSQL led by the exec mode
// queryPlanned uses when w.planned: such a statement is planned for the
// values given each time.
func (db *DB) planArgs(w *where) []any {
	if w.planned && db.d.engine == EnginePostgres {
		return plannedArgs(w.args)
	}
	return w.args
}

// exec is q.ExecContext through the statement cache.
func (db *DB) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	if s := db.stmtFor(ctx, q, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return q.ExecContext(ctx, query, args...)
}
