package ingest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
)

// BenchmarkImportSlackExportSQLite is the whole import of the 100 MB
// export into a fresh SQLite database through Service.ImportTimeline: read,
// filter, and commit every event in one transaction.
func BenchmarkImportSlackExportSQLite(b *testing.B) {
	dir, size := slackBenchExport(b)
	fsys := os.DirFS(dir)
	b.SetBytes(size)
	ctx := debrief.WithActor(context.Background(), debrief.SystemActor)
	heap := startPeakHeap()
	var added int
	for b.Loop() {
		b.StopTimer()
		db, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		svc := debrief.NewService(db)
		inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout returned 500s for an hour", Severity: "SEV2", StartedAt: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		b.StartTimer()
		res, err := ParseSlackExport(fsys, SlackOptions{Channel: benchChannel})
		if err != nil {
			b.Fatal(err)
		}
		added, err = svc.ImportTimeline(ctx, inc.ID, res.Events, debrief.AddEventsOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	heap.report(b, size)
	b.ReportMetric(float64(added), "events")
}
