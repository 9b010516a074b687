package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
)

// benchPostmortems is how many postmortems the read and list benchmarks
// run against, as the speed target says.
const benchPostmortems = 10_000

var (
	benchOnce sync.Once
	benchDir  string
	benchPath string
	benchIDs  []int64
	benchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchDB returns the path of a SQLite database holding benchPostmortems
// incident postmortems with written sections, seeded once per test binary
// through the Service, and their ids.
func benchDB(b *testing.B) (string, []int64) {
	b.Helper()
	benchOnce.Do(func() {
		if keep := os.Getenv("DEBRIEF_BENCH_DB"); keep != "" {
			// Reuse a database seeded by an earlier run, for profiling.
			if ids, err := seededIDs(keep); err == nil && len(ids) >= benchPostmortems {
				benchPath, benchIDs = keep, ids
				return
			}
			benchPath = keep
		} else {
			benchDir, benchErr = os.MkdirTemp("", "debrief-web-bench-")
			if benchErr != nil {
				return
			}
			benchPath = filepath.Join(benchDir, "bench.db")
		}
		path := benchPath
		db, err := sqlstore.Open(context.Background(), path, nil)
		if err != nil {
			benchErr = err
			return
		}
		defer db.Close()
		svc := debrief.NewService(db)
		ctx := debrief.WithActor(context.Background(), debrief.SystemActor)
		start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		services := []string{"checkout", "search", "payments", "auth", "catalog"}
		for i := 0; i < benchPostmortems; i++ {
			at := start.Add(time.Duration(i) * 47 * time.Minute)
			det := at.Add(3 * time.Minute)
			inc, err := svc.CreateIncident(ctx, &debrief.Incident{
				Title:    fmt.Sprintf("%s API returned errors for %d minutes", services[i%len(services)], 5+i%50),
				Severity: fmt.Sprintf("SEV%d", 1+i%4), Services: []string{services[i%len(services)]},
				Labels: []string{"bench"}, StartedAt: at, DetectedAt: &det,
				Roles: debrief.Roles{Commander: fmt.Sprintf("oncall%d@example.com", i%20)},
			})
			if err != nil {
				benchErr = err
				return
			}
			pm, err := svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID})
			if err != nil {
				benchErr = err
				return
			}
			bodies := map[string]string{}
			for _, s := range pm.Sections {
				bodies[s.Key] = strings.Repeat("The "+s.Heading+" of this incident, in plain words with numbers and times. ", 4)
			}
			if _, err := svc.UpdatePostmortem(ctx, pm.ID, debrief.PostmortemPatch{SectionBodies: bodies}, pm.Version); err != nil {
				benchErr = err
				return
			}
			benchIDs = append(benchIDs, pm.ID)
		}
	})
	if benchErr != nil {
		b.Fatalf("seeding the benchmark database: %v", benchErr)
	}
	return benchPath, benchIDs
}

// seededIDs lists the postmortems of an existing benchmark database.
func seededIDs(path string) ([]int64, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	db, err := sqlstore.Open(context.Background(), path, nil)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var ids []int64
	f := debrief.PostmortemFilter{Limit: debrief.MaxPageSize}
	for {
		page, err := db.ListPostmortems(context.Background(), f)
		if err != nil {
			return nil, err
		}
		for _, pm := range page.Items {
			ids = append(ids, pm.ID)
		}
		if page.NextCursor == "" {
			return ids, nil
		}
		f.After = page.NextCursor
	}
}

// benchServer opens the seeded database and returns the server's full
// handler, with a JSON request log written to io.Discard so its cost counts.
func benchServer(b *testing.B) (http.Handler, []int64) {
	b.Helper()
	path, ids := benchDB(b)
	db, err := sqlstore.Open(context.Background(), path, nil)
	if err != nil {
		b.Fatalf("sqlstore.Open = %v", err)
	}
	b.Cleanup(func() { db.Close() })
	srv := New(Config{Service: debrief.NewService(db), Open: true, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	return srv.Handler(), ids
}

// latencies collects per-request times from parallel workers.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.all = append(l.all, d...)
	l.mu.Unlock()
}

// cpuTime is the CPU time (user + system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report adds requests per second, the p50/p99 latency and the CPU time per
// request to the result. CPU time per request tells the capacity of this
// machine's cores (cores / cpu-µs) even while other work shares them, when
// wall-clock req/s understates it.
func (l *latencies) report(b *testing.B, elapsed, cpu time.Duration) {
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	if len(l.all) == 0 {
		return
	}
	sort.Slice(l.all, func(i, j int) bool { return l.all[i] < l.all[j] })
	b.ReportMetric(float64(l.all[len(l.all)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(l.all[len(l.all)*99/100].Microseconds()), "p99-µs")
}

// runParallel runs one request per iteration over 32 concurrent clients
// (as the target says), timing each.
func runParallel(b *testing.B, h http.Handler, req func(rng *rand.Rand) *http.Request, want int) {
	var lat latencies
	b.SetParallelism(16) // 16 × GOMAXPROCS(2) = 32 clients
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		local := make([]time.Duration, 0, 1024)
		for pb.Next() {
			r := req(rng)
			rec := httptest.NewRecorder()
			t0 := time.Now()
			h.ServeHTTP(rec, r)
			local = append(local, time.Since(t0))
			if rec.Code != want {
				b.Errorf("%s %s = %d %s, want %d", r.Method, r.URL, rec.Code, truncate(rec.Body.String(), 200), want)
				return
			}
		}
		lat.add(local)
	})
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	lat.report(b, elapsed, cpu)
}

// BenchmarkReadPostmortem reads random postmortems by id through the full
// handler (middleware, routing, store, JSON) with 32 concurrent clients.
func BenchmarkReadPostmortem(b *testing.B) {
	h, ids := benchServer(b)
	runParallel(b, h, func(rng *rand.Rand) *http.Request {
		return httptest.NewRequest(http.MethodGet, "/api/v1/postmortems/"+strconv.FormatInt(ids[rng.IntN(len(ids))], 10), nil)
	}, http.StatusOK)
}

// BenchmarkListPostmortems reads pages of 50 postmortems from random
// places in the list.
func BenchmarkListPostmortems(b *testing.B) {
	h, ids := benchServer(b)
	runParallel(b, h, func(rng *rand.Rand) *http.Request {
		after := ids[50+rng.IntN(len(ids)-50)]
		return httptest.NewRequest(http.MethodGet, "/api/v1/postmortems?limit=50&after="+strconv.FormatInt(after, 10), nil)
	}, http.StatusOK)
}

// BenchmarkListPostmortemsOneClient is BenchmarkListPostmortems with a
// single client, for the latency of one page (the target is p99 < 5 ms).
func BenchmarkListPostmortemsOneClient(b *testing.B) {
	h, ids := benchServer(b)
	rng := rand.New(rand.NewPCG(1, 2))
	lat := latencies{all: make([]time.Duration, 0, b.N)}
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for i := 0; i < b.N; i++ {
		after := ids[50+rng.IntN(len(ids)-50)]
		r := httptest.NewRequest(http.MethodGet, "/api/v1/postmortems?limit=50&after="+strconv.FormatInt(after, 10), nil)
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, r)
		lat.all = append(lat.all, time.Since(t0))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s = %d, want 200", r.URL, rec.Code)
		}
	}
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	lat.report(b, elapsed, cpu)
}

// BenchmarkListIncidents reads pages of 50 incidents, filtered by status.
func BenchmarkListIncidents(b *testing.B) {
	h, _ := benchServer(b)
	runParallel(b, h, func(rng *rand.Rand) *http.Request {
		return httptest.NewRequest(http.MethodGet, "/api/v1/incidents?limit=50&status=investigating&after="+strconv.Itoa(60+rng.IntN(benchPostmortems-60)), nil)
	}, http.StatusOK)
}

// BenchmarkCreateIncident declares incidents through the full handler.
func BenchmarkCreateIncident(b *testing.B) {
	h, _ := benchServer(b)
	body := `{"title":"Checkout API returned 500s for EU customers","severity":"SEV2","services":["checkout"],"labels":["bench"],"started_at":"2026-03-01T09:30:00Z","roles":{"commander":"alice@example.com"}}`
	runParallel(b, h, func(rng *rand.Rand) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/incidents", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return r
	}, http.StatusCreated)
}

// BenchmarkReadPostmortemHTTP is BenchmarkReadPostmortem over real loopback
// connections (httptest.Server and net/http's client), so the client's
// work shares the same 2 cores, as a load generator's would.
func BenchmarkReadPostmortemHTTP(b *testing.B) {
	h, ids := benchServer(b)
	ts := httptest.NewServer(h)
	b.Cleanup(ts.Close)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	b.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	var lat latencies
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		local := make([]time.Duration, 0, 1024)
		for pb.Next() {
			t0 := time.Now()
			resp, err := client.Get(ts.URL + "/api/v1/postmortems/" + strconv.FormatInt(ids[rng.IntN(len(ids))], 10))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			local = append(local, time.Since(t0))
			if resp.StatusCode != http.StatusOK {
				b.Errorf("GET = %d, want 200", resp.StatusCode)
				return
			}
		}
		lat.add(local)
	})
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	lat.report(b, elapsed, cpu)
}

// BenchmarkServerOverhead answers GET /api/v1/severities, which reads no
// database, to show what the middleware, routing, logging, metrics and
// JSON cost per request on their own.
func BenchmarkServerOverhead(b *testing.B) {
	srv := New(Config{Service: debrief.NewService(nil), Open: true, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	runParallel(b, srv.Handler(), func(rng *rand.Rand) *http.Request {
		return httptest.NewRequest(http.MethodGet, "/api/v1/severities", nil)
	}, http.StatusOK)
}
