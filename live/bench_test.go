package live

import (
	"os"
	"sort"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// BenchmarkLatency measures how long an event takes from Publish to a
// subscriber, one event at a time: in one process, and from one instance to
// another through PostgreSQL (LISTEN/NOTIFY on the test server). It reports
// the median and p99 per event; docs/PERFORMANCE.md has the figures.
func BenchmarkLatency(b *testing.B) {
	b.Run("one-instance", func(b *testing.B) {
		h := New(nil)
		defer h.Close()
		measureLatency(b, h, h)
	})
	b.Run("two-instances-postgres", func(b *testing.B) {
		if os.Getenv("DEBRIEF_TEST_POSTGRES") == "" {
			b.Skip("DEBRIEF_TEST_POSTGRES is not set")
		}
		_, a, other := openPair(b)
		measureLatency(b, a, other)
	})
}

func measureLatency(b *testing.B, from, to *Hub) {
	s := to.Subscribe("incident:1")
	defer s.Close()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		from.Publish(debrief.LiveEvent{Topic: "incident:1", Kind: debrief.LiveTimeline, Version: i})
		select {
		case ev := <-s.Events():
			if ev.Version != i {
				b.Fatalf("event %d arrived as %d", i, ev.Version)
			}
		case <-time.After(10 * time.Second):
			b.Fatal("no event after 10 s")
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
