package ingest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestParseTimelineMarkdownGolden reads real postmortems (dfds, MIT) and
// our own examples with the zone detected from the documents, and compares
// the events (or the error naming the bad line) with golden files.
func TestParseTimelineMarkdownGolden(t *testing.T) {
	for _, path := range samples(t, "markdown", ".md") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			events, err := ParseTimelineMarkdown(f, TimelineOptions{Name: filepath.Base(path)})
			checkGolden(t, goldenPath(path), goldenOf(t, events, err))
		})
	}
}
