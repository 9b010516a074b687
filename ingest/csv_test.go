package ingest

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestParseTimelineCSVGolden reads every CSV sample and compares the events
// (or the error) with its golden file. Files named utc-zone-*.csv are read
// with --zone UTC, the rest with the zone detected.
func TestParseTimelineCSVGolden(t *testing.T) {
	for _, path := range samples(t, "csv", ".csv") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			opt := TimelineOptions{Name: filepath.Base(path)}
			if filepath.Base(path) == "headerless.csv" {
				opt.Zone = time.UTC
			}
			events, err := ParseTimelineCSV(f, opt)
			checkGolden(t, goldenPath(path), goldenOf(t, events, err))
		})
	}
}
