package sqlstore_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
	"github.com/debriefhq/debrief/storetest"
)

// analyticsSeverities scans s and returns each incident's severity by ID.
func analyticsSeverities(t *testing.T, s *sqlstore.DB) map[int64]string {
	t.Helper()
	got := map[int64]string{}
	err := s.ScanAnalytics(context.Background(), debrief.AnalyticsFilter{}, func(r *debrief.AnalyticsRecord) error {
		got[r.Incident.ID] = r.Incident.Severity
		return nil
	}, func(*debrief.ActionItem) error { return nil })
	if err != nil {
		t.Fatalf("ScanAnalytics = %v", err)
	}
	return got
}

func analyticsIncident(t *testing.T, s *sqlstore.DB, n int) *debrief.Incident {
	t.Helper()
	inc, err := createAnalyticsIncident(s, n)
	if err != nil {
		t.Fatalf("CreateIncident = %v", err)
	}
	return inc
}

func createAnalyticsIncident(s *sqlstore.DB, n int) (*debrief.Incident, error) {
	started := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Hour)
	inc := &debrief.Incident{Title: fmt.Sprintf("Checkout failed %d", n), Severity: "SEV2", Status: debrief.StatusInvestigating,
		Services: []string{"checkout"}, Members: []string{}, StartedAt: started,
		CreatedBy: "alice@example.com", CreatedAt: started, UpdatedAt: started}
	err := s.CreateIncident(context.Background(), inc, &debrief.Revision{EntityType: debrief.EntityIncident, Version: 1, Action: "create", Actor: "alice@example.com", At: started})
	return inc, err
}

// TestAnalyticsCopyFollowsOtherWriters checks that a store's copy of the
// analytics rows follows changes it did not make: another store on the
// same database (another instance), SQL run on the database directly, a
// transaction that commits after a scan began (on PostgreSQL transactions
// commit in any order), and a load, which runs with triggers off.
func TestAnalyticsCopyFollowsOtherWriters(t *testing.T) {
	for _, engine := range []string{sqlstore.EngineSQLite, sqlstore.EnginePostgres} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn, raw := filepath.Join(t.TempDir(), "debrief.db"), ""
			driver := "sqlite"
			raw = "file:" + dsn + "?_pragma=busy_timeout(10000)"
			if engine == sqlstore.EnginePostgres {
				dsn = storetest.PostgresDSN(t)
				driver, raw = "pgx", dsn
			}
			open := func() *sqlstore.DB {
				db, err := sqlstore.Open(ctx, dsn, slog.New(slog.DiscardHandler))
				if err != nil {
					t.Fatalf("sqlstore.Open(%s) = %v", engine, err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			writer, reader := open(), open()
			a := analyticsIncident(t, writer, 1)
			if got := analyticsSeverities(t, reader); len(got) != 1 {
				t.Fatalf("reader's first ScanAnalytics = %v, want incident %d", got, a.ID)
			}

			// Another instance writes.
			b := analyticsIncident(t, writer, 2)
			if got := analyticsSeverities(t, reader); len(got) != 2 || got[b.ID] != "SEV2" {
				t.Fatalf("reader's ScanAnalytics after the writer's CreateIncident = %v, want %d too", got, b.ID)
			}

			// SQL on the database directly, in a transaction that commits
			// only after the reader has scanned once more.
			conn, err := sql.Open(driver, raw)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE incidents SET severity = 'SEV1' WHERE id = $1`, a.ID); err != nil {
				t.Fatalf("UPDATE incidents = %v", err)
			}
			if engine == sqlstore.EnginePostgres {
				// The reader scans while the change is not committed.
				if got := analyticsSeverities(t, reader); got[a.ID] != "SEV2" {
					t.Fatalf("reader's ScanAnalytics during an open transaction = %v, want %d still SEV2", got, a.ID)
				}
				// A later transaction commits first.
				if _, err := conn.ExecContext(ctx, `UPDATE incidents SET severity = 'SEV3' WHERE id = $1`, b.ID); err != nil {
					t.Fatalf("UPDATE incidents = %v", err)
				}
				if got := analyticsSeverities(t, reader); got[b.ID] != "SEV3" {
					t.Fatalf("reader's ScanAnalytics after a later commit = %v, want %d SEV3", got, b.ID)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if got := analyticsSeverities(t, reader); got[a.ID] != "SEV1" {
				t.Fatalf("reader's ScanAnalytics after the earlier transaction committed = %v, want %d SEV1", got, a.ID)
			}

			// A load replaces everything with triggers off.
			var dump bytes.Buffer
			other := openSQLite(t)
			c := analyticsIncident(t, other, 3)
			c.Severity = "SEV4"
			if err := other.UpdateIncident(ctx, c, 1, &debrief.Revision{EntityType: debrief.EntityIncident, EntityID: c.ID, Version: 2, Action: "update", Actor: "alice@example.com", At: c.StartedAt}); err != nil {
				t.Fatalf("UpdateIncident = %v", err)
			}
			if _, err := other.Dump(ctx, &dump, "test", nil); err != nil {
				t.Fatalf("Dump = %v", err)
			}
			if _, _, err := writer.Load(ctx, &dump, sqlstore.LoadOptions{Replace: true}); err != nil {
				t.Fatalf("Load = %v", err)
			}
			if got := analyticsSeverities(t, reader); len(got) != 1 || got[c.ID] != "SEV4" {
				t.Fatalf("reader's ScanAnalytics after a load = %v, want only %d SEV4", got, c.ID)
			}
		})
	}
}

// TestAnalyticsCopyConcurrent scans from more goroutines than the read
// pool holds while another goroutine writes; every scan must succeed and
// see at least the incidents created before it began.
func TestAnalyticsCopyConcurrent(t *testing.T) {
	for _, engine := range []string{sqlstore.EngineSQLite, sqlstore.EnginePostgres} {
		t.Run(engine, func(t *testing.T) {
			db := openSQLite(t)
			if engine == sqlstore.EnginePostgres {
				db = openPostgres(t)
			}
			analyticsIncident(t, db, 0)
			var created sync.Map
			var wg sync.WaitGroup
			errs := make(chan error, 100)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 1; n <= 20; n++ {
					inc, err := createAnalyticsIncident(db, n)
					if err != nil {
						errs <- err
						return
					}
					created.Store(inc.ID, true)
				}
			}()
			for range 40 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var before []int64
					created.Range(func(k, _ any) bool { before = append(before, k.(int64)); return true })
					got := map[int64]bool{}
					err := db.ScanAnalytics(context.Background(), debrief.AnalyticsFilter{}, func(r *debrief.AnalyticsRecord) error {
						got[r.Incident.ID] = true
						return nil
					}, func(*debrief.ActionItem) error { return nil })
					if err != nil {
						errs <- err
						return
					}
					for _, id := range before {
						if !got[id] {
							errs <- fmt.Errorf("ScanAnalytics missed incident %d, created before the scan began", id)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}
