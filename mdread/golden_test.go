package mdread

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.json from the reader's output")

// goldenDoc is what the golden files record of a document: enough to see
// any change in what the reader finds.
type goldenDoc struct {
	Title     string          `json:"title"`
	TitleLine int             `json:"title_line"`
	Sections  []goldenSection `json:"sections"`
}

type goldenSection struct {
	Key      string   `json:"key"`
	Heading  string   `json:"heading"`
	Role     Role     `json:"role,omitempty"`
	Line     int      `json:"line"`
	BodyLine int      `json:"body_line"`
	Lines    int      `json:"lines"`
	Timeline []string `json:"timeline,omitempty"`
	Actions  []string `json:"actions,omitempty"`
}

// TestGolden reads the seed documents (real dfds and PostHog postmortems,
// MIT, and our own examples; see testdata/SOURCES.md) and compares what
// the reader finds with golden files (go test ./mdread -run Golden -update
// rewrites them).
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParse", "*"))
	n := 0
	for _, f := range files {
		name := filepath.Base(f)
		if !strings.ContainsAny(name, "-") {
			continue // inputs the fuzzer found: no golden file
		}
		n++
		t.Run(name, func(t *testing.T) {
			d := Parse(seed(t, f))
			day, _ := d.Day()
			g := goldenDoc{Title: d.Title, TitleLine: d.TitleLine}
			for _, s := range d.Sections {
				gs := goldenSection{Key: s.Key, Heading: s.Heading, Role: s.Role, Line: s.Line, BodyLine: s.BodyLine, Lines: len(s.Body)}
				if s.Role == RoleTimeline {
					for _, tb := range s.Timeline(Clock{Day: day}) {
						for _, e := range tb.Entries {
							at := "?"
							if e.Readable {
								at = e.At.UTC().Format(time.RFC3339)
							}
							gs.Timeline = append(gs.Timeline, at+" "+truncate(strings.ReplaceAll(e.Text, "\n", " "), 50))
						}
					}
				}
				if s.Role == RoleActionItems {
					for _, ab := range s.ActionItems() {
						for _, a := range ab.Items {
							gs.Actions = append(gs.Actions, truncate(a.Title, 50)+" | owner="+a.Owner+" type="+a.Type)
						}
					}
				}
				g.Sections = append(g.Sections, gs)
			}
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./mdread -run Golden -update to create it)", err)
			}
			if strings.TrimSpace(string(want)) != strings.TrimSpace(string(got)) {
				t.Errorf("Parse(%s) differs from %s:\n%s", name, path, got)
			}
		})
	}
	if n == 0 {
		t.Fatal("no seed documents")
	}
}
