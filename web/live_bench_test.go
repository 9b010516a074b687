package web

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// BenchmarkLiveUpdate measures a live update end to end over HTTP: from the
// start of a request that adds a timeline event to the moment a page's
// stream (an SSE client) receives the event: on one SQLite instance, and
// with the event added through one PostgreSQL instance and the stream open
// on another. It reports the median and p99; docs/PERFORMANCE.md has the
// figures and the command.
func BenchmarkLiveUpdate(b *testing.B) {
	b.Run("one-instance-sqlite", func(b *testing.B) {
		in := startInstance(b, filepath.Join(b.TempDir(), "debrief.db"))
		measureLiveUpdate(b, in, in)
	})
	b.Run("two-instances-postgres", func(b *testing.B) {
		if os.Getenv(storetest.PostgresEnv) == "" {
			b.Skip(storetest.PostgresEnv + " is not set")
		}
		dsn := storetest.PostgresDSN(b)
		measureLiveUpdate(b, startInstance(b, dsn), startInstance(b, dsn))
	})
}

func measureLiveUpdate(b *testing.B, writer, reader *instance) {
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	u, err := writer.svc.CreateUser(sys, debrief.NewUser{Email: "ada@example.com", Name: "Ada", Role: debrief.RoleAdmin, Password: browserPassword})
	if err != nil {
		b.Fatal(err)
	}
	_, token, err := writer.svc.CreateToken(debrief.WithActor(context.Background(), u.Actor("bench")), debrief.NewAPIToken{Name: "bench", Scope: debrief.ScopeAdmin})
	if err != nil {
		b.Fatal(err)
	}
	var inc debrief.Incident
	if st := call(b, "POST", writer.url+"/api/v1/incidents", token, `{"title":"Live update benchmark incident","severity":"SEV3"}`, &inc); st != 201 {
		b.Fatalf("create incident = %d", st)
	}
	events := openStream(b, reader.url+"/incidents/"+inc.Key+"/live?page=bench", token)
	waitEvent(b, events, "presence")
	body := `{"at":"` + time.Now().UTC().Format(time.RFC3339) + `","text":"Benchmark event"}`
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if st := call(b, "POST", writer.url+"/api/v1/incidents/"+inc.Key+"/timeline", token, body, nil); st != 201 {
			b.Fatalf("add event = %d", st)
		}
		waitEvent(b, events, debrief.LiveTimeline)
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
