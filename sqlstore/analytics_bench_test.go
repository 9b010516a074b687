package sqlstore

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/debriefhq/debrief/analytics"
	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// BenchmarkAnalytics computes the whole analytics report (the copy of the
// rows brought up to date, and the reduction) over DEBRIEF_BENCH_INCIDENTS incidents (default
// 10,000; docs/PERFORMANCE.md uses 100,000), each second one with two
// action items, on both engines:
//
//	DEBRIEF_BENCH_INCIDENTS=100000 go test ./sqlstore -run '^$' -bench Analytics -benchtime 20x -cpu 1
func BenchmarkAnalytics(b *testing.B) {
	n := 10000
	if s := os.Getenv("DEBRIEF_BENCH_INCIDENTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 10 {
			b.Fatalf("DEBRIEF_BENCH_INCIDENTS=%q: want a number of at least 10", s)
		}
		n = v
	}
	for _, engine := range []string{EngineSQLite, EnginePostgres} {
		// DEBRIEF_BENCH_ENGINE picks one engine (for a profile).
		if e := os.Getenv("DEBRIEF_BENCH_ENGINE"); e != "" && e != engine {
			continue
		}
		// Seeded once per engine, outside the sub-benchmark, which the
		// testing package may run more than once.
		dsn := filepath.Join(b.TempDir(), "bench.db")
		if engine == EnginePostgres {
			dsn = storetest.PostgresDSN(b)
		}
		db, err := Open(context.Background(), dsn, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		seedAnalytics(b, db, n)
		svc := debrief.NewService(db)
		ctx := debrief.WithActor(context.Background(), debrief.Actor{Email: "viewer@example.com", Role: debrief.RoleViewer})
		// The first report reads every row into the copy; later ones read
		// only what changed.
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		cpu, start := processCPU(), time.Now()
		if _, err := analytics.Compute(ctx, svc, debrief.AnalyticsFilter{}); err != nil {
			b.Fatal(err)
		}
		wall, used := time.Since(start), processCPU()-cpu
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.Logf("%s: first report (reads all %d incidents into the copy): %v wall, %v CPU; the copy holds %.1f MB of heap",
			engine, n, wall, used, float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/1e6)
		from, to := time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
		filters := []struct {
			name string
			f    debrief.AnalyticsFilter
			want int
		}{
			{"", debrief.AnalyticsFilter{}, n - n/50},
			{"-filtered", debrief.AnalyticsFilter{From: &from, To: &to, Services: []string{"svc-1", "svc-2"}, Severities: []string{"SEV1", "SEV2"}}, -1},
		}
		for _, fl := range filters {
			for _, afterWrite := range []bool{false, true} {
				name := engine + fl.name
				if afterWrite {
					name += "-after-write"
				}
				b.Run(name, func(b *testing.B) {
					var r *analytics.Report
					var err error
					cpu := processCPU()
					for i := range b.N {
						if afterWrite {
							// A change committed just before the report,
							// as a user's edit would be: the report must
							// count it, so it cannot come from a cache.
							b.StopTimer()
							c := processCPU()
							if _, err := db.w.ExecContext(context.Background(), `UPDATE incidents SET severity = $1 WHERE id = $2`, fmt.Sprintf("SEV%d", 1+i%4), 1+i%n); err != nil {
								b.Fatal(err)
							}
							cpu += processCPU() - c
							b.StartTimer()
						}
						if r, err = analytics.Compute(ctx, svc, fl.f); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					// On a shared machine wall time includes waiting for a core;
					// the CPU time of this process (GC included, the PostgreSQL
					// server not) shows what the report itself costs here.
					b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
					if fl.want >= 0 && r.Incidents != fl.want {
						b.Fatalf("report counts %d incidents, want %d (the private ones left out)", r.Incidents, fl.want)
					}
				})
			}
		}
		// What the API answers while the record is unchanged: one version
		// lookup and the cached report.
		cache := analytics.NewCache(svc)
		if _, err := cache.Report(ctx, debrief.AnalyticsFilter{}); err != nil {
			b.Fatal(err)
		}
		b.Run(engine+"-cached", func(b *testing.B) {
			for range b.N {
				if _, err := cache.Report(ctx, debrief.AnalyticsFilter{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// seedAnalytics inserts n incidents in one transaction with plain INSERTs
// (the Service's path would take minutes for 100,000); one in fifty is
// private, three in five have a postmortem.
func seedAnalytics(b *testing.B, db *DB, n int) {
	b.Helper()
	ctx := context.Background()
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	min := func(t time.Time, m int) any { return db.d.t(t.Add(time.Duration(m) * time.Minute)) }
	for i := range n {
		started := base.Add(time.Duration(i) * 30 * time.Minute)
		status := "resolved"
		var detected, ack, mitigated, resolved any
		detected, ack = min(started, 3+i%17), min(started, 5+i%23)
		if i%10 == 0 {
			status = "investigating"
		} else {
			mitigated, resolved = min(started, 30+i%97), min(started, 60+i%301)
		}
		if i%13 == 0 {
			detected = nil
		}
		services := fmt.Sprintf(`["svc-%d", "svc-%d"]`, i%10, (i+3)%10)
		labels := fmt.Sprintf(`["label-%d"]`, i%5)
		private := i%50 == 0
		var privArg any = private
		if db.d.engine == EngineSQLite {
			privArg = 0
			if private {
				privArg = 1
			}
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO incidents (title, severity, status, services, labels, started_at, detected_at, acknowledged_at,
			mitigated_at, resolved_at, private, members, created_by, created_at, updated_at, version)
			VALUES ('Checkout failed', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '["owner@example.com"]', 'bench', $5, $5, 1) RETURNING id`,
			fmt.Sprintf("SEV%d", 1+i%4), status, services, labels, db.d.t(started), detected, ack, mitigated, resolved, privArg).Scan(&id)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_tags (incident_id, kind, value) VALUES ($1, 'service', $2), ($1, 'service', $3), ($1, 'label', $4)`,
			id, fmt.Sprintf("svc-%d", i%10), fmt.Sprintf("svc-%d", (i+3)%10), fmt.Sprintf("label-%d", i%5)); err != nil {
			b.Fatal(err)
		}
		if i%5 < 3 {
			pmStatus := []string{"draft", "in_review", "published"}[i%3]
			var published any
			if pmStatus == "published" {
				published = min(started, 3000+i%5000)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO postmortems (incident_id, kind, title, status, contributing_factors, published_at, created_by, created_at, updated_at, version)
				VALUES ($1, 'incident', 'Checkout failed', $2, $3, $4, 'bench', $5, $5, 1)`,
				id, pmStatus, fmt.Sprintf(`["factor-%d", "factor-%d"]`, i%20, i%7), published, min(started, 120)); err != nil {
				b.Fatal(err)
			}
		}
		if i%2 == 0 {
			for k := range 2 {
				status := []string{"open", "done", "in_progress", "wont_do"}[(i/2+k)%4]
				var completed any
				if status == "done" {
					completed = min(started, 10000+i%7000)
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO action_items (incident_id, title, priority, type, status, due_date, completed_at, created_by, created_at, updated_at, version)
					VALUES ($1, 'Add an alert', 'P2', 'detect', $2, $3, $4, 'bench', $5, $5, 1)`,
					id, status, db.d.t(started.AddDate(0, 0, 14)), completed, min(started, 200)); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	if db.d.engine == EnginePostgres {
		if _, err := db.w.ExecContext(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
}
