package ingest

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestParseTimelineJSONGolden reads every JSON and JSON-lines sample (with
// --zone UTC for times without an offset) and compares with its golden file.
func TestParseTimelineJSONGolden(t *testing.T) {
	for _, path := range samples(t, "json", ".json", ".jsonl") {
		if filepath.Ext(path) == ".json" && len(path) > len(".golden.json") && path[len(path)-len(".golden.json"):] == ".golden.json" {
			continue
		}
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			events, err := ParseTimelineJSON(f, TimelineOptions{Name: filepath.Base(path), Zone: time.UTC})
			checkGolden(t, goldenPath(path), goldenOf(t, events, err))
		})
	}
}
