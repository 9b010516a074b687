package export

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestParsePlainRealPostmortems reads real postmortems written elsewhere
// and checks the structure found in each.
func TestParsePlainRealPostmortems(t *testing.T) {
	tests := []struct {
		file         string
		title        string
		sections     []string // keys that must be present
		events       int      // events expected (-1: any number, even 0)
		actionItems  int      // -1: any
		firstEventAt string   // RFC 3339, "" to skip
	}{
		{"dfds-PM2023-001.md", "Total node failure", []string{"summary", "timeline", "contributing-factors", "action-items", "lessons-learned"}, 16, 6, "2023-02-13T07:30:00Z"},
		{"dfds-PM2019-009.md", "Kubernetes network infrastructure IP starvation", []string{"summary", "timeline", "action-items"}, 0, -1, ""},
		{"dfds-PM2022-009.md", "", []string{"summary", "timeline"}, -1, -1, ""},
		{"dfds-PM2021-011.md", "", []string{"summary"}, -1, -1, ""},
		{"posthog-2025-09-29-flags-is-down.md", "PostHog Feature Flags Service Outage - September 29, 2025", []string{"introduction", "summary", "timeline", "root-cause", "impact", "action-items", "lessons-learned"}, 8, -1, "2025-09-29T16:58:00Z"},
		{"posthog-2025-10-03-surveys-sdk-bug.md", "", []string{"summary", "timeline", "root-cause", "impact"}, -1, -1, ""},
		{"posthog-2026-01-17-replay-sdk-fetch-wrapper-incident.md", "", []string{"summary", "impact", "timeline", "root-cause", "resolution"}, -1, -1, ""},
		{"posthog-2025-11-15-persons-db-migration.md", "", nil, -1, -1, ""},
		{"sre-style-example.md", "Photo uploads failed for 38 minutes after a certificate expired (incident #812)", []string{"summary", "impact", "root-causes", "trigger", "resolution", "detection", "action-items", "lessons-learned", "timeline"}, 7, 4, "2024-06-11T09:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "plain", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			doc, err := ParseMarkdown(f)
			if err != nil {
				t.Fatalf("ParseMarkdown(%s) error: %v", tc.file, err)
			}
			pm := doc.Postmortem
			if pm.Title == "" || tc.title != "" && pm.Title != tc.title {
				t.Errorf("ParseMarkdown(%s) title = %q, want %q", tc.file, pm.Title, tc.title)
			}
			if !doc.Source.Plain {
				t.Errorf("ParseMarkdown(%s) Source.Plain = false, want true", tc.file)
			}
			for _, k := range tc.sections {
				if pm.Section(k) == nil {
					var keys []string
					for _, s := range pm.Sections {
						keys = append(keys, s.Key)
					}
					t.Errorf("ParseMarkdown(%s) has no section %q; sections: %v", tc.file, k, keys)
				}
			}
			if tc.events >= 0 && len(doc.Timeline) != tc.events {
				t.Errorf("ParseMarkdown(%s) read %d timeline events, want %d; warnings: %v", tc.file, len(doc.Timeline), tc.events, doc.Warnings)
			}
			if tc.actionItems >= 0 && len(doc.ActionItems) != tc.actionItems {
				t.Errorf("ParseMarkdown(%s) read %d action items, want %d; warnings: %v", tc.file, len(doc.ActionItems), tc.actionItems, doc.Warnings)
			}
			if tc.firstEventAt != "" && len(doc.Timeline) > 0 {
				want, _ := time.Parse(time.RFC3339, tc.firstEventAt)
				if !doc.Timeline[0].At.Equal(want) {
					t.Errorf("ParseMarkdown(%s) first event at %v, want %v", tc.file, doc.Timeline[0].At, want)
				}
			}
			if len(doc.Source.Timeline) != len(doc.Timeline) || len(doc.Source.ActionItems) != len(doc.ActionItems) {
				t.Errorf("ParseMarkdown(%s) source lines: %d events / %d lines, %d items / %d lines", tc.file,
					len(doc.Timeline), len(doc.Source.Timeline), len(doc.ActionItems), len(doc.Source.ActionItems))
			}
			for _, e := range doc.Timeline {
				if err := e.Validate(); err != nil {
					t.Errorf("ParseMarkdown(%s) event %q does not validate: %v", tc.file, truncate(e.Text, 40), err)
				}
			}
			// Whatever was read must survive Debrief's own round trip.
			md, err := Markdown(doc)
			if err != nil {
				t.Fatalf("Markdown(parsed %s) error: %v", tc.file, err)
			}
			back, err := ParseMarkdown(strings.NewReader(string(md)))
			if err != nil {
				t.Fatalf("ParseMarkdown(Markdown(parsed %s)) error: %v", tc.file, err)
			}
			if len(back.Postmortem.Sections) != len(pm.Sections) || len(back.Timeline) != len(doc.Timeline) {
				t.Errorf("round trip of %s lost sections or events", tc.file)
			}
			if testing.Verbose() {
				for _, w := range doc.Warnings {
					t.Logf("warning %s", w)
				}
			}
		})
	}
}
