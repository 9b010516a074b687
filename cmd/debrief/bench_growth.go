package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
	"github.com/debriefhq/debrief/web"
)

// BenchGrowthCmd measures how one database answers a fixed mix of requests
// and how much memory the server process holds while it does, so that the
// same command run on databases of 1,000, 100,000 and 1,000,000 postmortems
// shows how latency and memory grow (docs/PERFORMANCE.md, "Growth").
//
// The server runs in this process, built as `debrief serve --open` builds
// it, and requests go to its handler directly: no load generator or
// loopback shares the figures, and the memory read is the server's (the
// command's own bookkeeping is a few hundred kilobytes). One request runs
// at a time, the kinds in turn, so each sees the same state of caches.
type BenchGrowthCmd struct {
	DBFlag   `embed:""`
	Requests int           `help:"Measured requests of each kind." default:"200"`
	Warmup   int           `help:"Unmeasured requests of each kind first." default:"20"`
	Memos    bool          `help:"Keep the search's per-query memos, as a server does between writes; without this flag every search costs what it would the first time after a write (the mix repeats its 12 queries)."`
	WarmWait time.Duration `name:"warm-wait" help:"How long to wait for the search's fact cache to load before measuring." default:"10m"`
}

// growthKind is one kind of request in the mix.
type growthKind struct {
	name string
	path func(rng *rand.Rand, i int) string
	html bool
	lat  []time.Duration
	cpu  time.Duration
	// missing counts picks of an id that did not exist (a gap in the
	// ids); they are re-picked and not measured.
	missing int
}

// Run opens the database, waits for the search cache, warms up, measures
// and prints a table.
func (c *BenchGrowthCmd) Run(env *Env) error {
	if c.Requests < 1 || c.Requests > 1_000_000 {
		return &usageError{msg: "--requests must be between 1 and 1,000,000."}
	}
	if c.Warmup < 0 || c.Warmup > 1_000_000 {
		return &usageError{msg: "--warmup must be between 0 and 1,000,000."}
	}
	ctx := env.Ctx
	load0 := loadAverage()
	opened := time.Now()
	db, err := sqlstore.OpenWith(ctx, c.DB, nil, sqlstore.Options{NoSearchMemos: !c.Memos})
	if err != nil {
		return openError(c.DB, err)
	}
	defer db.Close()
	svc := newService(db, debrief.WithTemplates(debrief.StoreTemplates(db)))
	h := web.New(web.Config{Service: svc, Store: db, Open: true, Version: version,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}).Handler()

	get := func(path string, html bool) (int, time.Duration) {
		r := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
		if html {
			r.Header.Set("Accept", "text/html")
		} else {
			r.Header.Set("Accept", "application/json")
		}
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, r)
		return rec.Code, time.Since(t0)
	}
	exists := func(path string) bool { code, _ := get(path, false); return code == http.StatusOK }
	incidents := lastID(func(id int64) bool { return exists("/api/v1/incidents/" + strconv.FormatInt(id, 10)) })
	postmortems := lastID(func(id int64) bool { return exists("/api/v1/postmortems/" + strconv.FormatInt(id, 10)) })
	if incidents == 0 || postmortems == 0 {
		return fmt.Errorf("the database holds no incidents or no postmortems to read; run this on a database with data")
	}
	fmt.Fprintf(env.Stderr, "%s: incident ids up to %d, postmortem ids up to %d (opened in %s)\n", c.DB, incidents, postmortems, time.Since(opened).Round(time.Millisecond))

	// A running server has loaded the search's fact cache long before
	// most searches; measuring the minutes after start would measure the
	// load.
	warmStart := time.Now()
	for !db.SearchWarm() {
		if time.Since(warmStart) > c.WarmWait {
			return fmt.Errorf("the search cache did not load within %s; raise --warm-wait", c.WarmWait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	fmt.Fprintf(env.Stderr, "search cache ready after %s\n", time.Since(warmStart).Round(time.Millisecond))

	pick := func(rng *rand.Rand, n int64) string { return strconv.FormatInt(1+rng.Int64N(n), 10) }
	lists := []string{"/api/v1/incidents?limit=50", "/api/v1/incidents?limit=50&severity=SEV1", "/api/v1/incidents?limit=50&service=payments&sort=oldest"}
	kinds := []*growthKind{
		{name: "read postmortem", path: func(rng *rand.Rand, _ int) string { return "/api/v1/postmortems/" + pick(rng, postmortems) }},
		{name: "list incidents", path: func(_ *rand.Rand, i int) string { return lists[i%len(lists)] }},
		{name: "search", path: func(_ *rand.Rand, i int) string {
			return "/api/v1/search?limit=20&q=" + url.QueryEscape(sqlstore.TypicalSearches[i%len(sqlstore.TypicalSearches)])
		}},
		{name: "similar incidents", path: func(rng *rand.Rand, _ int) string { return "/api/v1/incidents/" + pick(rng, incidents) + "/similar" }},
		{name: "home page", path: func(*rand.Rand, int) string { return "/" }, html: true},
	}

	var peakHeap atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peakHeap.Load() {
				peakHeap.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()

	// The requests run on this goroutine, locked to its thread, so the
	// thread's CPU time is the request's (background GC aside), which
	// other work on a shared machine does not inflate.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rng := rand.New(rand.NewPCG(1, 2))
	started := time.Now()
	for i := 0; i < c.Warmup+c.Requests; i++ {
		for _, k := range kinds {
			if ctx.Err() != nil {
				close(stop)
				return ctx.Err()
			}
			var code int
			var d, cpu time.Duration
			path := ""
			for tries := 0; ; tries++ {
				path = k.path(rng, i)
				c0 := benchThreadCPU()
				code, d = get(path, k.html)
				cpu = benchThreadCPU() - c0
				if code != http.StatusNotFound || tries >= 100 {
					break
				}
				k.missing++
			}
			if code != http.StatusOK {
				close(stop)
				return fmt.Errorf("GET %s answered %d, want 200", path, code)
			}
			if i >= c.Warmup {
				k.lat = append(k.lat, d)
				k.cpu += cpu
			}
		}
	}
	elapsed := time.Since(started)
	close(stop)
	<-sampled
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss, hwm := procMemory()

	fmt.Fprintf(env.Stdout, "database: %s (incident ids up to %d, postmortem ids up to %d)\n", c.DB, incidents, postmortems)
	memos := "off (every search as the first after a write)"
	if c.Memos {
		memos = "on"
	}
	fmt.Fprintf(env.Stdout, "search memos: %s; %d requests of each kind after %d unmeasured, one at a time, in %s\n", memos, c.Requests, c.Warmup, elapsed.Round(time.Millisecond))
	fmt.Fprintf(env.Stdout, "load average: %s at the start, %s at the end\n\n", load0, loadAverage())
	fmt.Fprintf(env.Stdout, "%-18s %9s %9s %9s %9s\n", "request", "p50", "p99", "max", "CPU/req")
	for _, k := range kinds {
		slices.Sort(k.lat)
		n := len(k.lat)
		fmt.Fprintf(env.Stdout, "%-18s %9s %9s %9s %9s", k.name, ms2(k.lat[n/2]), ms2(k.lat[(n-1)*99/100]), ms2(k.lat[n-1]), ms2(k.cpu/time.Duration(n)))
		if k.missing > 0 {
			fmt.Fprintf(env.Stdout, "  (%d picks of missing ids re-picked)", k.missing)
		}
		fmt.Fprintln(env.Stdout)
	}
	fmt.Fprintf(env.Stdout, "\nmemory: heap in use %s at the end, %s at most (sampled every 100 ms); resident %s at the end, %s at most\n",
		mib(ms.HeapInuse), mib(peakHeap.Load()), mib(rss), mib(hwm))
	return nil
}

// lastID finds the largest id for which exists answers true, assuming ids
// are dense from 1 (gaps make it stop early, which only narrows the pick).
func lastID(exists func(int64) bool) int64 {
	if !exists(1) {
		return 0
	}
	lo, hi := int64(1), int64(2)
	for exists(hi) {
		lo, hi = hi, hi*2
		if hi > 1<<40 {
			return lo
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if exists(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// benchThreadCPU is the CPU time of the calling OS thread (Linux).
func benchThreadCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procMemory reads this process's resident memory and its peak from
// /proc/self/status (Linux; zero elsewhere).
func procMemory() (rss, peak uint64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
		if err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			rss = kb << 10
		case "VmHWM":
			peak = kb << 10
		}
	}
	return rss, peak
}

// loadAverage is the machine's one-minute load average, "?" if unknown.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}

func ms2(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
