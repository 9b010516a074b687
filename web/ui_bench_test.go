package web

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
)

// BenchmarkUIPages measures the server time of each page with one client
// on the 10,000-postmortem database of the API benchmarks (the issue's
// target is p99 < 15 ms per page). Records are picked at random, so caches
// see a spread of pages.
func BenchmarkUIPages(b *testing.B) {
	busyInc, busyPM := benchBusyIncident(b)
	h, ids := benchServer(b)
	pmRef := func(rng *rand.Rand) string { return strconv.FormatInt(ids[rng.IntN(len(ids))], 10) }
	pages := []struct {
		name string
		path func(rng *rand.Rand) string
	}{
		{"home", func(*rand.Rand) string { return "/" }},
		{"incidents", func(*rand.Rand) string { return "/incidents" }},
		{"incidents-filtered", func(*rand.Rand) string { return "/incidents?severity=SEV2&service=checkout" }},
		{"incidents-search", func(*rand.Rand) string { return "/incidents?q=checkout+errors" }},
		// The incident page: timeline, action items, similar incidents,
		// postmortem link, history.
		{"incident", func(rng *rand.Rand) string { return "/incidents/" + strconv.Itoa(1+rng.IntN(len(ids))) }},
		{"postmortem", func(rng *rand.Rand) string {
			return "/postmortems/" + strconv.FormatInt(ids[rng.IntN(len(ids))], 10)
		}},
		{"postmortems", func(*rand.Rand) string { return "/postmortems" }},
		{"action-items", func(*rand.Rand) string { return "/action-items" }},
		{"search", func(*rand.Rand) string { return "/search?q=payments" }},
		{"declare", func(*rand.Rand) string { return "/incidents/new" }},
		{"editor", func(rng *rand.Rand) string { return "/postmortems/" + pmRef(rng) + "/edit" }},
		{"incident-history", func(rng *rand.Rand) string { return "/incidents/" + strconv.Itoa(1+rng.IntN(len(ids))) + "/history" }},
		{"postmortem-history", func(rng *rand.Rand) string { return "/postmortems/" + pmRef(rng) + "/history" }},
		{"public-beside-internal", func(rng *rand.Rand) string { return "/postmortems/" + pmRef(rng) + "/public" }},
		{"account", func(*rand.Rand) string { return "/account" }},
		// A long incident: 120 timeline events, 12 action items, a written
		// postmortem and a dozen changes (seedBusyIncident).
		{"busy-incident", func(*rand.Rand) string { return "/incidents/" + busyInc }},
		{"busy-editor", func(*rand.Rand) string { return "/postmortems/" + busyPM + "/edit" }},
		{"busy-postmortem", func(*rand.Rand) string { return "/postmortems/" + busyPM }},
		{"busy-history", func(*rand.Rand) string { return "/incidents/" + busyInc + "/history" }},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			lat := latencies{all: make([]time.Duration, 0, b.N)}
			threadCPU := make([]time.Duration, 0, b.N)
			// The request runs on this goroutine; pinned to one thread, the
			// thread's CPU time is the request's (background GC aside),
			// which other work on a shared machine does not inflate.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ReportAllocs()
			b.ResetTimer()
			start, cpu0 := time.Now(), cpuTime()
			for i := 0; i < b.N; i++ {
				r := httptest.NewRequest(http.MethodGet, p.path(rng), nil)
				r.Header.Set("Accept", "text/html")
				r.Header.Set("Accept-Encoding", "gzip")
				rec := httptest.NewRecorder()
				t0, c0 := time.Now(), threadCPUTime()
				h.ServeHTTP(rec, r)
				lat.all = append(lat.all, time.Since(t0))
				threadCPU = append(threadCPU, threadCPUTime()-c0)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s = %d, want 200", r.URL, rec.Code)
				}
			}
			elapsed, cpu := time.Since(start), cpuTime()-cpu0
			b.StopTimer()
			lat.report(b, elapsed, cpu)
			slices.Sort(threadCPU)
			b.ReportMetric(float64(threadCPU[len(threadCPU)*99/100].Microseconds()), "cpu-p99-µs")
		})
	}
}

// benchBusyIncident adds one long incident to the benchmark database (once:
// a kept database already has it) and returns its key and its postmortem's.
func benchBusyIncident(b *testing.B) (string, string) {
	b.Helper()
	path, _ := benchDB(b)
	db, err := sqlstore.Open(context.Background(), path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	svc := debrief.NewService(db)
	ctx := debrief.WithActor(context.Background(), debrief.SystemActor)
	found, err := svc.ListIncidents(ctx, debrief.IncidentFilter{Label: "busy", Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	if len(found.Items) == 0 {
		inc, pm := seedBusyIncident(b, svc, ctx)
		return inc.Key, pm.Key
	}
	inc := found.Items[0]
	pms, err := svc.ListPostmortems(ctx, debrief.PostmortemFilter{IncidentID: &inc.ID, Limit: 1})
	if err != nil || len(pms.Items) == 0 {
		b.Fatalf("the busy incident %s has no postmortem: %v", inc.Key, err)
	}
	return inc.Key, pms.Items[0].Key
}
