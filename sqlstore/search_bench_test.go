package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/search"
)

// Search benchmarks. The corpus size comes from DEBRIEF_BENCH_DOCS (default
// 10,000) so that `make bench` stays short; the figures in
// docs/PERFORMANCE.md use 100,000 (and 1,000,000 when time allows). A
// corpus is generated once into DEBRIEF_BENCH_DIR (default the system temp
// directory) and reused by later runs:
//
//	DEBRIEF_BENCH_DOCS=100000 go test ./sqlstore -run '^$' -bench 'Search' -benchtime 2000x -timeout 60m
//
// With DEBRIEF_BENCH_NOMEMO=1 the per-query counts are off, so each
// search costs what it would the first time after a write.
//
// Latency percentiles are reported as custom metrics (p50-ms, p95-ms,
// p99-ms) over every query of the run.

const importBatch = 1000

func benchDocs(b *testing.B) int {
	n := 10000
	if s := os.Getenv("DEBRIEF_BENCH_DOCS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 100 {
			b.Fatalf("DEBRIEF_BENCH_DOCS=%q: want a number of documents of at least 100", s)
		}
		n = v
	}
	return n
}

// benchCorpus opens (generating on first use) a database holding n
// generated postmortems: a SQLite file, or, with
// DEBRIEF_BENCH_ENGINE=postgres, a database debrief_bench_v3_<n> on the
// server DEBRIEF_TEST_POSTGRES names (kept for later runs, like the file).
func benchCorpus(b *testing.B, n int) *DB {
	b.Helper()
	if os.Getenv("DEBRIEF_BENCH_ENGINE") == EnginePostgres {
		return benchCorpusPostgres(b, n)
	}
	dir := os.Getenv("DEBRIEF_BENCH_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("debrief-search-bench-v3-%d.db", n))
	ctx := context.Background()
	if _, err := os.Stat(path); err != nil {
		tmp := path + ".building"
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
		db, err := Open(ctx, tmp, nil)
		if err != nil {
			b.Fatalf("Open(%s) = %v", tmp, err)
		}
		loadBenchCorpus(b, db, n)
		if _, err := db.w.ExecContext(ctx, `INSERT INTO search_fts (search_fts) VALUES ('optimize')`); err != nil {
			b.Fatalf("optimize: %v", err)
		}
		db.Close()
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	db, err := Open(ctx, path, nil)
	if err != nil {
		b.Fatalf("Open(%s) = %v", path, err)
	}
	b.Cleanup(func() { db.Close() })
	return benchReady(b, db)
}

// loadBenchCorpus writes n generated postmortems into db with the bulk
// loader, loadBatch to a transaction. The records of the next batch are
// generated on another goroutine while one is written, and on SQLite the
// building file gives up durability (it is renamed into place only once
// complete, so a crash leaves a .building file that is thrown away) and
// keeps a large page cache: at 1,000,000 postmortems the tables' indexes
// no longer fit SQLite's default 2 MB, and every batch would otherwise
// read their pages back from the OS.
func loadBenchCorpus(b *testing.B, db *DB, n int) {
	ctx := context.Background()
	if db.Engine() == EngineSQLite {
		for _, p := range []string{`PRAGMA synchronous=OFF`, `PRAGMA cache_size=-1000000`} {
			if _, err := db.w.ExecContext(ctx, p); err != nil {
				b.Fatalf("%s: %v", p, err)
			}
		}
	}
	start := time.Now()
	batches := make(chan []genRecord, 2)
	go func() {
		defer close(batches)
		for i := 0; i < n; i += loadBatch {
			recs := make([]genRecord, 0, loadBatch)
			for j := i; j < min(n, i+loadBatch); j++ {
				recs = append(recs, genCorpusRecord(j))
			}
			batches <- recs
		}
	}()
	done := 0
	for recs := range batches {
		if err := bulkImport(ctx, db, recs); err != nil {
			for range batches {
			}
			b.Fatalf("bulkImport(%d..) = %v", done, err)
		}
		done += len(recs)
		if done%100000 == 0 {
			fmt.Fprintf(os.Stderr, "bench corpus: %d of %d postmortems in %s\n", done, n, time.Since(start).Round(time.Second))
		}
	}
	b.Logf("generated %d postmortems on %s in %s (%.0f/s)", n, db.Engine(), time.Since(start).Round(time.Millisecond), float64(n)/time.Since(start).Seconds())
}

// loadBatch is how many generated postmortems loadBenchCorpus writes in one
// transaction: fewer, larger FTS segments to merge than importBatch.
const loadBatch = 5000

func benchCorpusPostgres(b *testing.B, n int) *DB {
	admin := os.Getenv("DEBRIEF_TEST_POSTGRES")
	if admin == "" {
		b.Fatal("DEBRIEF_BENCH_ENGINE=postgres needs DEBRIEF_TEST_POSTGRES, the server to keep the corpus on")
	}
	ctx := context.Background()
	server, err := sql.Open("pgx", admin)
	if err != nil {
		b.Fatal(err)
	}
	defer server.Close()
	name := fmt.Sprintf("debrief_bench_v3_%d", n)
	// DEBRIEF_BENCH_PGDB names another database, e.g. a copy of the
	// corpus kept at an older schema to measure the code before a change.
	if v := os.Getenv("DEBRIEF_BENCH_PGDB"); v != "" {
		name = v
	}
	dsn := func(db string) string {
		u, err := url.Parse(admin)
		if err != nil {
			b.Fatal(err)
		}
		u.Path = "/" + db
		return u.String()
	}
	var exists bool
	if err := server.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		b.Fatal(err)
	}
	if !exists {
		tmp := name + "_building"
		if _, err := server.ExecContext(ctx, `DROP DATABASE IF EXISTS `+tmp+` WITH (FORCE)`); err != nil {
			b.Fatal(err)
		}
		if _, err := server.ExecContext(ctx, `CREATE DATABASE `+tmp); err != nil {
			b.Fatal(err)
		}
		db, err := Open(ctx, dsn(tmp), nil)
		if err != nil {
			b.Fatalf("Open(%s) = %v", tmp, err)
		}
		loadBenchCorpus(b, db, n)
		if _, err := db.w.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
			b.Fatalf("vacuum: %v", err)
		}
		db.Close()
		if _, err := server.ExecContext(ctx, `ALTER DATABASE `+tmp+` RENAME TO `+name); err != nil {
			b.Fatal(err)
		}
	}
	db, err := Open(ctx, dsn(name), nil)
	if err != nil {
		b.Fatalf("Open(%s) = %v", name, err)
	}
	b.Cleanup(func() { db.Close() })
	return benchReady(b, db)
}

// benchReady switches the per-query memos off when asked and waits for
// SQLite's fact cache.
func benchReady(b *testing.B, db *DB) *DB {
	// DEBRIEF_BENCH_NOMEMO=1 measures every search as if run for the first
	// time since the last write (no per-query counts).
	if os.Getenv("DEBRIEF_BENCH_NOMEMO") != "" {
		db.tune.countMemos = false
	}
	// DEBRIEF_BENCH_ESTIMATE_ABOVE=n sets the number of matches past the
	// filters beyond which counts are estimated from a sample (default
	// 5,000).
	if v := os.Getenv("DEBRIEF_BENCH_ESTIMATE_ABOVE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			b.Fatalf("DEBRIEF_BENCH_ESTIMATE_ABOVE=%q: want a number of matches", v)
		}
		db.tune.estimateAbove = n
	}
	// DEBRIEF_BENCH_SAMPLE_DOCS=n sets how many documents the sample
	// spans (default 100,000; it is taken only from corpora of twice as
	// many): with 10000 on the 100,000 corpus, a sample of a tenth, as at
	// 1,000,000 by default.
	if v := os.Getenv("DEBRIEF_BENCH_SAMPLE_DOCS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			b.Fatalf("DEBRIEF_BENCH_SAMPLE_DOCS=%q: want a number of documents", v)
		}
		db.tune.sampleDocs = n
	}
	// A running server has loaded its fact cache long before most
	// searches; wait for it so the figures are not those of the first
	// seconds after start.
	for deadline := time.Now().Add(5 * time.Minute); db.facts != nil && !db.facts.warm(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("the search fact cache did not load within 5 minutes")
		}
	}
	return db
}

// benchQueries are the typical searches every search benchmark runs.
var benchQueries = TypicalSearches

func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return float64(sorted[i].Microseconds()) / 1000
}

// threadCPU is the CPU time of the calling OS thread: on a machine whose
// cores are shared with other work, wall-clock latency includes waiting for
// a core, and CPU time shows what a search itself costs.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// processCPU is the CPU time of the whole process (GC included).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU measures the CPU time of the PostgreSQL server processes
// serving db's database, read from /proc (the benchmarks run the server
// on the same machine): the work of a search on PostgreSQL is mostly the
// server's, which the benchmark thread's CPU time does not include. It
// returns a function that reports the CPU time used since, in ms per op
// over n ops, as "pg-cpu-ms/op"; on SQLite it does nothing.
func serverCPU(b *testing.B, db *DB) func(n int) {
	if db.Engine() != EnginePostgres {
		return func(int) {}
	}
	before := serverTicks(b, db, nil)
	return func(n int) {
		var used time.Duration
		for pid, t := range serverTicks(b, db, nil) {
			used += t - before[pid]
		}
		b.ReportMetric(float64(used.Microseconds())/1000/float64(n), "pg-cpu-ms/op")
	}
}

// serverTicks reads the CPU time of each server process: those serving
// db's database (one statement), or, when pids is not nil, those pids
// alone (no statement, so nothing is added to what is measured). The
// times are in clock ticks of 10 ms; summed over many operations, their
// mean per operation is still right.
func serverTicks(b *testing.B, db *DB, pids []int) map[int]time.Duration {
	if pids == nil {
		rows, err := db.r.QueryContext(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var pid int
			if err := rows.Scan(&pid); err != nil {
				b.Fatal(err)
			}
			pids = append(pids, pid)
		}
		if err := rows.Close(); err != nil {
			b.Fatal(err)
		}
	}
	out := map[int]time.Duration{}
	for _, pid := range pids {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue // not on this machine, or gone
		}
		// The fields after the command's closing parenthesis; utime
		// and stime are the 12th and 13th, in clock ticks (1/100 s).
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		out[pid] = time.Duration(u+s) * 10 * time.Millisecond
	}
	return out
}

// processCosts measures what the thread's CPU time leaves out: the CPU
// time of the whole process (the garbage collector's workers run on other
// threads), the number of collections, and the heap in use at the end. It
// returns a function that reports them per op over n ops, as
// "proc-cpu-ms/op", "gc/op" and "heap-MiB".
func processCosts(b *testing.B) func(n int) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	cpu0, gc0 := processCPU(), m.NumGC
	return func(n int) {
		cpu := processCPU() - cpu0
		runtime.ReadMemStats(&m)
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(n), "proc-cpu-ms/op")
		b.ReportMetric(float64(m.NumGC-gc0)/float64(n), "gc/op")
		b.ReportMetric(float64(m.HeapInuse)/(1<<20), "heap-MiB")
	}
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	b.ReportMetric(percentile(lat, 0.50), "p50-ms")
	b.ReportMetric(percentile(lat, 0.95), "p95-ms")
	b.ReportMetric(percentile(lat, 0.99), "p99-ms")
	b.ReportMetric(0, "ns/op") // the percentiles say more than the mean
}

// BenchmarkSearch runs the query mix round-robin against the corpus, as a
// viewer (so the privacy filter is on), asking for the first 20 results
// with facets.
func BenchmarkSearch(b *testing.B) {
	n := benchDocs(b)
	db := benchCorpus(b, n)
	ctx := context.Background()
	viewer := debrief.Actor{Email: "vic@example.com", Role: debrief.RoleViewer}
	parsed := warmBenchQueries(b, db, viewer)
	lat := make([]time.Duration, 0, b.N)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	server, proc := serverCPU(b, db), processCosts(b)
	cpu0 := threadCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := db.Search(ctx, parsed[i%len(parsed)], viewer); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	server(b.N)
	proc(b.N)
	b.ReportMetric(float64((threadCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	reportLatency(b, lat)
}

// BenchmarkSearchEachQuery reports the latency of each query of the mix.
func BenchmarkSearchEachQuery(b *testing.B) {
	n := benchDocs(b)
	db := benchCorpus(b, n)
	ctx := context.Background()
	viewer := debrief.Actor{Email: "vic@example.com", Role: debrief.RoleViewer}
	for _, q := range benchQueries {
		b.Run(q, func(b *testing.B) {
			p, err := search.Parse(q, nil)
			if err != nil {
				b.Fatal(err)
			}
			p.Limit = 20
			res, err := db.Search(ctx, p, viewer)
			if err != nil {
				b.Fatal(err)
			}
			lat := make([]time.Duration, 0, b.N)
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			server, proc := serverCPU(b, db), processCosts(b)
			cpu0 := threadCPU()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if _, err := db.Search(ctx, p, viewer); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			server(b.N)
			proc(b.N)
			b.ReportMetric(float64((threadCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(res.Total), "hits")
			if res.TotalEstimated {
				b.ReportMetric(1, "estimated")
			}
			reportLatency(b, lat)
		})
	}
}

// BenchmarkSimilarIncidents asks for the incidents like randomly chosen
// ones.
func BenchmarkSimilarIncidents(b *testing.B) {
	n := benchDocs(b)
	db := benchCorpus(b, n)
	ctx := context.Background()
	viewer := debrief.Actor{Email: "vic@example.com", Role: debrief.RoleViewer}
	r := rand.New(rand.NewPCG(1, 2))
	lat := make([]time.Duration, 0, b.N)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	server, proc := serverCPU(b, db), processCosts(b)
	cpu0 := threadCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := 1 + r.Int64N(int64(n))
		start := time.Now()
		if _, err := db.SimilarIncidents(ctx, debrief.SimilarProbe{IncidentID: id, Limit: debrief.SimilarLimit}, viewer); err != nil {
			b.Fatalf("SimilarIncidents(%d) = %v", id, err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	server(b.N)
	proc(b.N)
	b.ReportMetric(float64((threadCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	reportLatency(b, lat)
}

// BenchmarkSearchImport measures bulk import with indexing: batches of
// 1,000 generated postmortems (each with its timeline and action items),
// one transaction per batch, into a fresh database. With
// DEBRIEF_BENCH_NOINDEX=1 the index is switched off, for the baseline.
func BenchmarkSearchImport(b *testing.B) {
	ctx := context.Background()
	recs := make([]genRecord, importBatch)
	for i := range recs {
		recs[i] = genCorpusRecord(i)
	}
	db, err := Open(ctx, filepath.Join(b.TempDir(), "import.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if os.Getenv("DEBRIEF_BENCH_NOINDEX") != "" {
		// The baseline: the same import with the index switched off, so
		// the difference is what indexing costs.
		for _, tr := range []string{"incident", "timeline", "postmortem", "action"} {
			for _, op := range []string{"insert", "update", "delete"} {
				if _, err := db.w.ExecContext(ctx, "DROP TRIGGER search_dirty_"+tr+"_"+op); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.ResetTimer()
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for j := range recs {
			recs[j] = genCorpusRecord(i*importBatch + j)
		}
		b.StartTimer()
		cpu0 := processCPU()
		if err := bulkImport(ctx, db, recs); err != nil {
			b.Fatal(err)
		}
		cpu += processCPU() - cpu0
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*importBatch)/b.Elapsed().Seconds(), "postmortems/s")
	b.ReportMetric(float64(b.N*importBatch)/cpu.Seconds(), "postmortems/cpu-s")
}

// BenchmarkSearchImportOneByOne measures the ordinary write path: each
// postmortem written as people do, one transaction per record (incident,
// timeline, postmortem, each action item), every one updating the index.
func BenchmarkSearchImportOneByOne(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "one.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rev := func() *debrief.Revision {
		return &debrief.Revision{EntityType: "x", Action: "create", Actor: "bench", At: time.Now().UTC()}
	}
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := genCorpusRecord(i)
		if err := db.CreateIncident(ctx, rec.inc, rev()); err != nil {
			b.Fatal(err)
		}
		if _, err := db.AddTimelineEvents(ctx, rec.inc.ID, rec.events, nil, rev()); err != nil {
			b.Fatal(err)
		}
		rec.pm.IncidentID = &rec.inc.ID
		if err := db.CreatePostmortem(ctx, rec.pm, rev()); err != nil {
			b.Fatal(err)
		}
		for _, a := range rec.actions {
			a.IncidentID, a.PostmortemID = &rec.inc.ID, &rec.pm.ID
			if err := db.CreateActionItem(ctx, a, rev()); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "postmortems/s")
	b.ReportMetric(float64(b.N)/(processCPU()-cpu0).Seconds(), "postmortems/cpu-s")
}

// BenchmarkReindex rebuilds the whole index of the corpus.
func BenchmarkReindex(b *testing.B) {
	n := benchDocs(b)
	db := benchCorpus(b, n)
	ctx := context.Background()
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := db.Reindex(ctx)
		if err != nil || got != n {
			b.Fatalf("Reindex() = %d, %v; want %d", got, err, n)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(b.N*n)/(processCPU()-cpu0).Seconds(), "docs/cpu-s")
}

// BenchmarkSearchAfterWrite measures the first search after a write: each
// search of the mix follows the creation of one incident, which moves the
// index on (a new FTS segment on SQLite, the fact cache's refresh, every
// per-query memo stale). Only the search is timed.
func BenchmarkSearchAfterWrite(b *testing.B) {
	n := benchDocs(b)
	db := benchCorpus(b, n)
	ctx := context.Background()
	viewer := debrief.Actor{Email: "vic@example.com", Role: debrief.RoleViewer}
	parsed := warmBenchQueries(b, db, viewer)
	lat := make([]time.Duration, 0, b.N)
	// The incidents written here are deleted afterwards, so the corpus
	// stays the same for the next benchmark.
	var written []int64
	b.Cleanup(func() {
		for _, id := range written {
			if err := db.DeleteIncident(ctx, id, 1, &debrief.Revision{EntityType: "incident", EntityID: id, Action: "delete", Actor: "bench", At: time.Now().UTC()}); err != nil {
				b.Errorf("DeleteIncident(%d) = %v", id, err)
			}
		}
	})
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	// On PostgreSQL, the server's CPU time over the searches alone: the
	// processes serving the database are listed once, and read from /proc
	// around each search (no statement).
	var pids []int
	if db.Engine() == EnginePostgres {
		for pid := range serverTicks(b, db, nil) {
			pids = append(pids, pid)
		}
	}
	var cpu, procCPU, server time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := genCorpusRecord(n + i)
		at := time.Now().UTC()
		if err := db.CreateIncident(ctx, rec.inc, &debrief.Revision{EntityType: "incident", Action: "create", Actor: "bench", At: at}); err != nil {
			b.Fatal(err)
		}
		written = append(written, rec.inc.ID)
		var before map[int]time.Duration
		if pids != nil {
			before = serverTicks(b, db, pids)
		}
		start, cpu0, proc0 := time.Now(), threadCPU(), processCPU()
		if _, err := db.Search(ctx, parsed[i%len(parsed)], viewer); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		cpu += threadCPU() - cpu0
		procCPU += processCPU() - proc0
		if pids != nil {
			for pid, t := range serverTicks(b, db, pids) {
				server += t - before[pid]
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(procCPU.Microseconds())/1000/float64(b.N), "proc-cpu-ms/op")
	if pids != nil {
		b.ReportMetric(float64(server.Microseconds())/1000/float64(b.N), "pg-cpu-ms/op")
	}
	reportLatency(b, lat)
}

// warmBenchQueries parses the query mix (first 20 results each) and runs
// each once, warming the page cache as a running server would be.
func warmBenchQueries(b *testing.B, db *DB, viewer debrief.Actor) []*debrief.SearchQuery {
	b.Helper()
	parsed := make([]*debrief.SearchQuery, len(benchQueries))
	for i, q := range benchQueries {
		p, err := search.Parse(q, nil)
		if err != nil {
			b.Fatalf("Parse(%q) = %v", q, err)
		}
		p.Limit = 20
		parsed[i] = p
		if _, err := db.Search(context.Background(), p, viewer); err != nil {
			b.Fatalf("Search(%q) = %v", q, err)
		}
	}
	return parsed
}
