package sqlstore_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
	"github.com/debriefhq/debrief/storetest"
)

// openSQLite opens a store on a new SQLite file in t's temporary directory.
func openSQLite(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "debrief.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("sqlstore.Open(sqlite) = %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openPostgres opens a store on a new PostgreSQL database, dropped after t.
func openPostgres(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), storetest.PostgresDSN(t), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("sqlstore.Open(postgres) = %v", err)
	}
	// Registered after PostgresDSN's cleanup, so it runs before the drop.
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) debrief.Store { return openSQLite(t) })
}

func TestPostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) debrief.Store { return openPostgres(t) })
}

func TestEngine(t *testing.T) {
	if got := openSQLite(t).Engine(); got != "sqlite" {
		t.Errorf("Engine() on a file path = %q, want sqlite", got)
	}
	if got := openPostgres(t).Engine(); got != "postgres" {
		t.Errorf("Engine() on a postgres:// DSN = %q, want postgres", got)
	}
}

// TestPostgresConcurrentOpen starts four instances on one fresh database at
// once, as a load-balanced deployment does: the advisory lock must let each
// migrate or find the work done, and all must open.
func TestPostgresConcurrentOpen(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	const n = 4
	var wg sync.WaitGroup
	dbs := make([]*sqlstore.DB, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = sqlstore.Open(context.Background(), dsn, nil)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: sqlstore.Open = %v, want success", i, err)
			continue
		}
		defer dbs[i].Close()
	}
	if t.Failed() {
		return
	}
	for i, db := range dbs {
		v, err := db.SchemaVersion(context.Background())
		if err != nil || v < 1 {
			t.Errorf("instance %d: SchemaVersion = %d, %v; want at least 1", i, v, err)
		}
	}
}

// TestMigrateTwice checks that migrating an up-to-date database applies
// nothing and that Migrate reports what it applied on a fresh one.
func TestMigrateTwice(t *testing.T) {
	for _, c := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "m.db") }},
		{"postgres", func(t *testing.T) string { return storetest.PostgresDSN(t) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dsn := c.dsn(t)
			applied, err := sqlstore.Migrate(context.Background(), dsn, nil)
			if err != nil || len(applied) == 0 {
				t.Fatalf("Migrate(fresh) = %v, %v; want the core migration applied", applied, err)
			}
			applied, err = sqlstore.Migrate(context.Background(), dsn, nil)
			if err != nil || len(applied) != 0 {
				t.Fatalf("Migrate(up to date) = %v, %v; want nothing applied", applied, err)
			}
		})
	}
}
