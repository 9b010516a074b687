package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/search"
	"github.com/debriefhq/debrief/storetest"
)

// Tests of how the store shares its connection pools under load: no path
// may hold a pooled connection while it waits for another of the same pool
// (with more callers than connections, that waits forever), and a caller
// that cannot get a connection in time is told the server is busy.

// hangLimit is how long a load test may run before it counts as hung. It
// detects a deadlock; it is not a speed requirement.
const hangLimit = 60 * time.Second

// testEngines opens a fresh store per engine.
var testEngines = []struct {
	name string
	open func(t *testing.T, opts Options) *DB
}{
	{"sqlite", func(t *testing.T, opts Options) *DB {
		return openTestStore(t, filepath.Join(t.TempDir(), "pool.db"), opts)
	}},
	{"postgres", func(t *testing.T, opts Options) *DB {
		return openTestStore(t, storetest.PostgresDSN(t), opts)
	}},
}

func openTestStore(t *testing.T, dsn string, opts Options) *DB {
	t.Helper()
	db, err := OpenWith(context.Background(), dsn, nil, opts)
	if err != nil {
		t.Fatalf("OpenWith(%s) = %v", dsn, err)
	}
	t.Cleanup(func() {
		// A store whose pool deadlocked never closes (Close waits for the
		// stuck queries); the test has failed by then, so do not hang too.
		closed := make(chan struct{})
		go func() {
			db.Close()
			close(closed)
		}()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Error("Close did not return within 10s")
		}
	})
	return db
}

// insertOutages writes n incidents whose titles all contain "outage", in
// one transaction, so that a search for the word matches all of them.
func insertOutages(t *testing.T, db *DB, n int) {
	t.Helper()
	ctx := context.Background()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for i := range n {
			at := start.Add(time.Duration(i) * time.Hour)
			inc := &debrief.Incident{
				Title: fmt.Sprintf("Checkout outage %d: payments failed", i), Severity: "SEV2", Status: debrief.StatusClosed,
				Services: []string{"checkout"}, Customers: []string{}, Labels: []string{}, Members: []string{},
				StartedAt: at, CreatedBy: "load@example.com", CreatedAt: at, UpdatedAt: at,
			}
			args, err := db.incidentArgs(inc)
			if err != nil {
				return err
			}
			var id int64
			if err := db.queryRow(ctx, tx, `INSERT INTO incidents (title, severity, status, services, customers, impact, labels,
	commander, scribe, communications, started_at, detected_at, acknowledged_at, mitigated_at, resolved_at,
	private, members, repeat_of, created_by, created_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, 1) RETURNING id`, args...).Scan(&id); err != nil {
				return err
			}
			if err := db.writeIncidentTags(ctx, tx, id, inc, false); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("insert %d incidents: %v", n, err)
	}
}

// waitFactCache waits until the search fact cache of a SQLite store has
// loaded: a search before that counts in SQL, which under -race takes
// about a second per search and would make the load tests slow rather
// than thorough (both paths hold one transaction the same way).
func waitFactCache(t *testing.T, db *DB) {
	t.Helper()
	if db.d.engine != EngineSQLite {
		return
	}
	for deadline := time.Now().Add(hangLimit); !db.facts.warm(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the search fact cache did not load within %v", hangLimit)
		}
	}
}

// finishWithin runs work and fails the test, with every goroutine's stack
// in the log, if it has not returned within limit.
func finishWithin(t *testing.T, limit time.Duration, work func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		work()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
		t.Fatalf("the load did not finish within %v: a deadlock on the connection pool (stacks above)", limit)
	}
}

// TestConcurrentBroadSearches runs more broad searches at once than the
// read pool has connections (each matches thousands of documents, which
// on SQLite takes the tiered path), together with reads, lists and
// writes. Every call must finish, and succeed.
func TestConcurrentBroadSearches(t *testing.T) {
	const (
		docs     = 2100 // above the tier threshold (2,000): searches rank in tiers
		searches = 32   // concurrent searchers, more than any pool here
		rounds   = 3    // searches per searcher
		others   = 6    // concurrent readers and writers
	)
	for _, engine := range testEngines {
		t.Run(engine.name, func(t *testing.T) {
			// Under -race on a shared machine a search can take a second,
			// and 32 of them queue for a few connections: the wait for a
			// connection may be long here, never endless.
			db := engine.open(t, Options{ConnWait: hangLimit / 2})
			insertOutages(t, db, docs)
			waitFactCache(t, db)
			admin := debrief.Actor{Role: debrief.RoleAdmin}
			ctx := context.Background()
			var (
				mu   sync.Mutex
				errs []error
			)
			fail := func(err error) {
				mu.Lock()
				defer mu.Unlock()
				errs = append(errs, err)
			}
			finishWithin(t, hangLimit, func() {
				var wg sync.WaitGroup
				for i := range searches {
					wg.Go(func() {
						for r := range rounds {
							q, err := search.Parse("outage", nil)
							if err != nil {
								fail(err)
								return
							}
							q.Offset = (i + r) % 3 * 20 // some pages past the first
							res, err := db.Search(ctx, q, admin)
							if err != nil {
								fail(fmt.Errorf("Search(outage) = %w", err))
								continue
							}
							if res.Total < docs || len(res.Hits) == 0 {
								fail(fmt.Errorf("Search(outage) found %d (%d hits), want at least %d", res.Total, len(res.Hits), docs))
							}
						}
					})
				}
				for i := range others {
					wg.Go(func() {
						for r := range rounds * 2 {
							var err error
							switch (i + r) % 4 {
							case 0:
								_, err = db.Incident(ctx, int64(1+r))
							case 1:
								_, err = db.ListIncidents(ctx, debrief.IncidentFilter{Limit: 50})
							case 2:
								_, err = db.SimilarIncidents(ctx, debrief.SimilarProbe{IncidentID: int64(100 + r)}, admin)
							case 3:
								now := time.Now().UTC().Truncate(time.Microsecond)
								err = db.CreateIncident(ctx, &debrief.Incident{Title: fmt.Sprintf("Search froze for reader %d", i), Severity: "SEV3",
									Status: debrief.StatusInvestigating, Services: []string{"search"}, Customers: []string{}, Labels: []string{}, Members: []string{},
									StartedAt: now, CreatedBy: "load@example.com", CreatedAt: now, UpdatedAt: now}, nil)
							}
							if err != nil {
								fail(fmt.Errorf("reader/writer %d round %d: %w", i, r, err))
							}
						}
					})
				}
				wg.Wait()
			})
			for _, err := range errs {
				t.Error(err)
			}
			// The gates are the only queue: nobody inside one waited for a
			// connection in database/sql, which would mean a path that
			// holds one connection while it asks for another.
			if n := db.r.Stats().WaitCount; n != 0 {
				t.Errorf("%d callers waited for a read connection inside database/sql; want 0 (a path takes a second connection while it holds one)", n)
			}
			if n := db.w.Stats().WaitCount; n != 0 {
				t.Errorf("%d callers waited for a write connection inside database/sql; want 0", n)
			}
		})
	}
}

// TestStoreOnOneConnection runs the conformance suite on a store whose
// pool has a single connection. On PostgreSQL reads and writes share that
// connection, so any path that asks for a second connection while it
// holds one waits forever; the watchdog turns that into a failure with
// every goroutine's stack. It watches progress, not the clock: a test of
// the suite that opens its store or finishes is progress, and the alarm is
// five minutes with neither (a hung test stops finishing while the others
// drain), so a slow machine running the suite for longer is no failure.
func TestStoreOnOneConnection(t *testing.T) {
	var last atomic.Int64
	last.Store(time.Now().UnixNano())
	progress := func() { last.Store(time.Now().UnixNano()) }
	done := make(chan struct{})
	defer close(done)
	go func() {
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if time.Since(time.Unix(0, last.Load())) > 5*time.Minute {
					pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
					panic("the conformance suite on one connection made no progress for 5 minutes: a path holds a connection while it waits for another (stacks above)")
				}
			}
		}
	}()
	for _, engine := range testEngines {
		t.Run(engine.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) debrief.Store {
				progress()
				t.Cleanup(progress)
				return engine.open(t, Options{ReadConns: 1})
			})
		})
	}
}

// TestConnWaitIsBounded checks the two ways a wait for a connection ends
// without one: the caller's context is done (a client that went away),
// or no connection came free in time (EUnavailable: the server is busy).
func TestConnWaitIsBounded(t *testing.T) {
	for _, engine := range testEngines {
		t.Run(engine.name, func(t *testing.T) {
			db := engine.open(t, Options{ReadConns: 1, ConnWait: 100 * time.Millisecond})
			ctx := context.Background()
			now := time.Now().UTC().Truncate(time.Microsecond)
			create := func(ctx context.Context) error {
				return db.CreateIncident(ctx, &debrief.Incident{Title: "Checkout returned 500s", Severity: "SEV2", Status: debrief.StatusInvestigating,
					Services: []string{}, Customers: []string{}, Labels: []string{}, Members: []string{},
					StartedAt: now, CreatedBy: "a@example.com", CreatedAt: now, UpdatedAt: now}, nil)
			}
			if err := create(ctx); err != nil {
				t.Fatalf("CreateIncident = %v", err)
			}
			q, err := search.Parse("checkout", nil)
			if err != nil {
				t.Fatal(err)
			}
			calls := []struct {
				name string
				g    *gate
				call func(ctx context.Context) error
			}{
				{"Incident", db.rg, func(ctx context.Context) error { _, err := db.Incident(ctx, 1); return err }},
				{"ListIncidents", db.rg, func(ctx context.Context) error {
					_, err := db.ListIncidents(ctx, debrief.IncidentFilter{})
					return err
				}},
				{"Search", db.rg, func(ctx context.Context) error {
					_, err := db.Search(ctx, q, debrief.Actor{Role: debrief.RoleAdmin})
					return err
				}},
				{"CreateIncident", db.wg, create},
			}
			for _, c := range calls {
				// Every connection of the pool is taken.
				if err := c.g.enter(ctx); err != nil {
					t.Fatal(err)
				}
				if err := c.call(ctx); !debrief.IsCode(err, debrief.EUnavailable) {
					t.Errorf("%s with every connection taken = %v, want EUnavailable", c.name, err)
				}
				gone, cancel := context.WithCancel(ctx)
				time.AfterFunc(10*time.Millisecond, cancel)
				saved := c.g.wait
				c.g.wait = time.Hour // only the caller's going away can end the wait
				if err := c.call(gone); !errors.Is(err, context.Canceled) {
					t.Errorf("%s with every connection taken, then the caller gone = %v, want context.Canceled", c.name, err)
				}
				c.g.wait = saved
				c.g.leave()
				if err := c.call(ctx); err != nil {
					t.Errorf("%s with a connection free = %v, want success", c.name, err)
				}
			}
		})
	}
}
