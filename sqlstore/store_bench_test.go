package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
)

// The store benchmarks measure the SQLite store alone (no HTTP), against
// the targets of issue 2: read one postmortem ≥ 10,000/s with 32 concurrent
// readers over 10,000 postmortems, create ≥ 2,000 incidents/s, list a page
// of 50 with p99 < 5 ms. Results and the command are in docs/PERFORMANCE.md.
//
//	go test -run '^$' -bench 'BenchmarkStore' -benchtime 3s ./sqlstore/

var benchStart = time.Date(2026, 3, 5, 14, 2, 3, 0, time.UTC)

func benchIncident(i int) *debrief.Incident {
	t := benchStart.Add(time.Duration(i) * time.Minute)
	return &debrief.Incident{
		Title:    fmt.Sprintf("Checkout API returned 500s for EU customers for %d minutes", 10+i%50),
		Severity: fmt.Sprintf("SEV%d", 1+i%4), Status: debrief.IncidentStatuses[i%5],
		Services: []string{"checkout", fmt.Sprintf("svc-%d", i%20)}, Customers: []string{"EU shoppers"},
		Impact: "About 4% of checkouts failed; no data was lost.", Labels: []string{fmt.Sprintf("team-%d", i%8)},
		Roles:     debrief.Roles{Commander: fmt.Sprintf("ic-%d@example.com", i%10), Scribe: "sam@example.com"},
		StartedAt: t, DetectedAt: ptrTime(t.Add(2 * time.Minute)), Members: []string{},
		CreatedBy: "alice@example.com", CreatedAt: t, UpdatedAt: t,
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

// benchPostmortem is a realistic postmortem: the incident template's
// sections with a few paragraphs each (about 4 KB of JSON).
func benchPostmortem(incidentID int64, i int) *debrief.Postmortem {
	tpl := debrief.BuiltInTemplate(debrief.TemplateIncident)
	sections := tpl.NewSections()
	for j := range sections {
		sections[j].Body = fmt.Sprintf("Paragraph one of %s for postmortem %d: what happened, in plain words.\n\n"+
			"Paragraph two: who noticed, how, and what they did next; what the graphs showed.\n\n- a list item\n- another one", sections[j].Key, i)
	}
	t := benchStart.Add(time.Duration(i) * time.Minute)
	return &debrief.Postmortem{IncidentID: &incidentID, Kind: debrief.KindIncident,
		Title: fmt.Sprintf("Checkout API returned 500s (%d)", i), Owner: fmt.Sprintf("owner-%d@example.com", i%10),
		Status:   []debrief.PostmortemStatus{debrief.PostmortemDraft, debrief.PostmortemInReview, debrief.PostmortemPublished}[i%3],
		Template: tpl.Key, TemplateVersion: tpl.Version, Sections: sections,
		RootCause: "A config change lowered the connection pool limit.", ContributingFactors: []string{"config", "alerting"},
		Lessons:   debrief.Lessons{WentWell: []string{"fast rollback"}, WentWrong: []string{"late alert"}, GotLucky: []string{}},
		CreatedBy: "alice@example.com", CreatedAt: t, UpdatedAt: t}
}

func benchRev(entity string) *debrief.Revision {
	return &debrief.Revision{EntityType: entity, Version: 1, Action: "create", Actor: "alice@example.com", At: benchStart,
		Changes: []debrief.Change{{Field: "title", New: []byte(`"x"`)}}}
}

func openBench(b *testing.B) *sqlstore.DB {
	db, _ := openBenchPath(b)
	return db
}

func openBenchPath(b *testing.B) (*sqlstore.DB, string) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.db")
	db, err := sqlstore.Open(context.Background(), path, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatalf("sqlstore.Open = %v", err)
	}
	b.Cleanup(func() { db.Close() })
	return db, path
}

// dropSearchTriggers switches the search index (migration 00004) off in
// the database at path.
func dropSearchTriggers(b *testing.B, path string) {
	b.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	for _, table := range []string{"incident", "timeline", "postmortem", "action"} {
		for _, op := range []string{"insert", "update", "delete"} {
			if _, err := raw.Exec("DROP TRIGGER IF EXISTS search_dirty_" + table + "_" + op); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// loadPostmortems creates n incidents, each with a postmortem, from 8
// goroutines, and returns the postmortem IDs.
func loadPostmortems(b *testing.B, db *sqlstore.DB, n int) []int64 {
	b.Helper()
	ctx := context.Background()
	ids := make([]int64, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				inc := benchIncident(i)
				if err := db.CreateIncident(ctx, inc, benchRev(debrief.EntityIncident)); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				pm := benchPostmortem(inc.ID, i)
				if err := db.CreatePostmortem(ctx, pm, benchRev(debrief.EntityPostmortem)); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				ids[i] = pm.ID
			}
		}()
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		b.Fatalf("loading %d postmortems: %v", n, err)
	}
	return ids
}

// BenchmarkStoreCreateIncident creates incidents (with tags and a
// revision, one transaction each), serially and from 32 goroutines.
func BenchmarkStoreCreateIncident(b *testing.B) {
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		db := openBench(b)
		cpu := cpuTime()
		for i := 0; b.Loop(); i++ {
			if err := db.CreateIncident(ctx, benchIncident(i), benchRev(debrief.EntityIncident)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
		reportCPU(b, cpu, "creates")
	})
	// The same without the search index's triggers, to tell the cost of
	// the record from the cost of indexing it.
	b.Run("serial-noindex", func(b *testing.B) {
		db, path := openBenchPath(b)
		dropSearchTriggers(b, path)
		cpu := cpuTime()
		for i := 0; b.Loop(); i++ {
			if err := db.CreateIncident(ctx, benchIncident(i), benchRev(debrief.EntityIncident)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
		reportCPU(b, cpu, "creates")
	})
	b.Run("parallel32", func(b *testing.B) {
		db := openBench(b)
		var n atomic.Int64
		b.SetParallelism(max(1, 32/maxProcs()))
		b.ResetTimer()
		cpu := cpuTime()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := db.CreateIncident(ctx, benchIncident(int(n.Add(1))), benchRev(debrief.EntityIncident)); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
		reportCPU(b, cpu, "creates")
	})
}

// BenchmarkStorePostmortems loads 10,000 incidents with a postmortem each,
// then reads single postmortems from 32 goroutines and lists pages of 50.
func BenchmarkStorePostmortems(b *testing.B) {
	const n = 10_000
	db := openBench(b)
	ids := loadPostmortems(b, db, n)
	ctx := context.Background()

	b.Run("read/parallel32", func(b *testing.B) {
		b.SetParallelism(max(1, 32/maxProcs()))
		b.ResetTimer()
		cpu := cpuTime()
		b.RunParallel(func(pb *testing.PB) {
			r := rand.New(rand.NewPCG(rand.Uint64(), 1))
			for pb.Next() {
				if _, err := db.Postmortem(ctx, ids[r.IntN(len(ids))]); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
		reportCPU(b, cpu, "reads")
	})

	// Each list call is timed on its own, so p99 says what the slowest
	// requests see. Pages start at random places, as a user paging does.
	lists := []struct {
		name string
		list func(after string) error
	}{
		{"list50/postmortems", func(after string) error {
			_, err := db.ListPostmortems(ctx, debrief.PostmortemFilter{Limit: 50, After: after})
			return err
		}},
		{"list50/postmortems-by-status", func(after string) error {
			_, err := db.ListPostmortems(ctx, debrief.PostmortemFilter{Limit: 50, After: after, Status: []debrief.PostmortemStatus{debrief.PostmortemPublished}})
			return err
		}},
		{"list50/incidents", func(after string) error {
			_, err := db.ListIncidents(ctx, debrief.IncidentFilter{Limit: 50, After: after})
			return err
		}},
		{"list50/incidents-by-service", func(after string) error {
			_, err := db.ListIncidents(ctx, debrief.IncidentFilter{Limit: 50, After: after, Service: "svc-7"})
			return err
		}},
	}
	for _, l := range lists {
		b.Run(l.name, func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			lat := make([]time.Duration, 0, 1024)
			// The list runs on this goroutine's thread, so the thread's CPU
			// time is the work one list call does, whatever else the
			// machine runs; wall time adds waiting for a core.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			work := make([]time.Duration, 0, 1024)
			cpu := cpuTime()
			for b.Loop() {
				after := ""
				if r.IntN(4) > 0 {
					after = debrief.EncodeCursor(ids[r.IntN(len(ids))])
				}
				start, startCPU := time.Now(), threadCPU()
				if err := l.list(after); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
				work = append(work, threadCPU()-startCPU)
			}
			slices.Sort(lat)
			slices.Sort(work)
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(work[len(work)*99/100].Microseconds())/1000, "p99-cpu-ms")
			reportCPU(b, cpu, "lists")
		})
	}
}

func maxProcs() int { return max(1, runtime.GOMAXPROCS(0)) }

// cpuTime returns the CPU time (user + system) this process has used. The
// machine the benchmarks run on is shared, so wall-clock rates depend on
// what else runs; CPU time per operation does not, and an idle machine's
// rate follows from it: ops/s ≈ cores / (CPU time per op).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// threadCPU returns the CPU time of the calling thread, to the nanosecond
// (CLOCK_THREAD_CPUTIME_ID; getrusage counts in scheduler ticks).
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

// reportCPU adds the CPU time per operation since start and the rate that
// CPU time allows on all cores of this machine.
func reportCPU(b *testing.B, start time.Duration, unit string) {
	per := float64(cpuTime()-start) / float64(b.N)
	b.ReportMetric(per/1000, "cpu-µs/op")
	b.ReportMetric(float64(runtime.NumCPU())*1e9/per, unit+"/s-at-full-cpu")
}
