package export

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
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
		{"posthog-2026-01-17-replay-sdk-fetch-wrapper-incident.md", "", []string{"summary", "impact", "timeline", "root-cause", "resolution"}, 10, 7, "2026-01-14T10:18:00Z"},
		{"gdocs-style-example.md", "Postmortem: Checkout API returned 503s for 47 minutes after Redis failover", []string{"introduction", "summary", "impact", "root-causes", "trigger", "resolution", "detection", "action-items", "lessons-learned", "timeline"}, 6, 3, "2025-03-14T14:01:00Z"},
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

func TestParsePlainEdgeCases(t *testing.T) {
	tests := []struct {
		name, in  string
		title     string
		sections  []string
		events    int
		warnings  int
		wantError string
	}{
		{"no heading: first line is the title", "Search was down for 20 minutes on 1 May.\n\nMore text.\n", "Search was down for 20 minutes on 1 May.", []string{"summary"}, 0, 1, ""},
		{"front matter title", "---\ntitle: Login failed for SSO users\n---\n\n## Impact\n\n12% of logins failed.\n", "Login failed for SSO users", []string{"impact"}, 0, 0, ""},
		{"other front matter is kept", "---\ntitle: Login failed for SSO users\njira: OPS-12\ntags: [sso, idp]\n---\n\n## Impact\n\n12% of logins failed.\n", "Login failed for SSO users", []string{"impact", "front-matter"}, 0, 0, ""},
		{"front matter read into records only", "---\ntitle: Login failed for SSO users\ntags: [sso, idp]\nseverity: sev-2\n---\n\n## Impact\n\n12% of logins failed.\n", "Login failed for SSO users", []string{"impact"}, 0, 0, ""},
		{"setext headings and bold labels", "Outage report\n=============\n\n**Summary**: It broke.\n\n**Impact**: 3 users.\n\nTimeline\n--------\n\n2024-01-02 (all times UTC)\n\n- 10:00 began\n- 10:05 ended\n", "Outage report", []string{"summary", "impact", "timeline"}, 2, 0, ""},
		{"timeline past midnight", "# T\n\n## Timeline\n\nAll times UTC, 2024-01-02.\n\n- 23:50 began\n- 00:10 ended\n", "T", []string{"timeline"}, 2, 0, ""},
		{"unreadable time keeps the table", "# T\n\n## Timeline\n\n| Time (UTC) | Event |\n|---|---|\n| soon | x |\n", "T", []string{"timeline"}, 0, 1, ""},
		{"code fence hides headings", "# T\n\n## Summary\n\n```\n## not a section\n```\n", "T", []string{"summary"}, 0, 0, ""},
		{"empty", "\n\n  \n", "", nil, 0, 0, "no title"},
		{"bad utf-8", "# T\xff\n", "", nil, 0, 0, "line 1: the text is not valid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := ParseMarkdown(strings.NewReader(tc.in))
			if tc.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantError) {
					t.Fatalf("ParseMarkdown(%q) = %v, want an error containing %q", tc.in, err, tc.wantError)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMarkdown(%q) error: %v", tc.in, err)
			}
			if doc.Postmortem.Title != tc.title {
				t.Errorf("title = %q, want %q", doc.Postmortem.Title, tc.title)
			}
			for _, k := range tc.sections {
				if doc.Postmortem.Section(k) == nil {
					t.Errorf("no section %q in %+v", k, doc.Postmortem.Sections)
				}
			}
			if len(doc.Timeline) != tc.events || len(doc.Warnings) != tc.warnings {
				t.Errorf("%d events and warnings %v, want %d events and %d warnings", len(doc.Timeline), doc.Warnings, tc.events, tc.warnings)
			}
			if tc.name == "timeline past midnight" && len(doc.Timeline) == 2 && !doc.Timeline[1].At.After(doc.Timeline[0].At) {
				t.Errorf("00:10 after 23:50 should be the next day, got %v then %v", doc.Timeline[0].At, doc.Timeline[1].At)
			}
		})
	}
}

// What a document says of itself, in front matter or in field lines under
// the title, lands in the records' own fields, as lint reads it; escapes
// are text; links nested under a done action item verify it.
func TestParsePlainRecordFields(t *testing.T) {
	read := func(name string) *Document {
		t.Helper()
		src, err := os.ReadFile(filepath.Join("testdata", "plain", name))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := ParseMarkdown(strings.NewReader(string(src)))
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	doc := read("gdocs-style-example.md")
	if inc := doc.Incident; inc.Severity != "SEV2" || inc.Roles.Commander != "Tom Okafor" {
		t.Errorf("incident severity %q, commander %q; want SEV2, Tom Okafor", inc.Severity, inc.Roles.Commander)
	}
	if doc.Postmortem.Status != debrief.PostmortemPublished {
		t.Errorf("status %q, want published (\"Status: Final\")", doc.Postmortem.Status)
	}
	// The note on the times read quotes the entries as text, not Markdown.
	for _, w := range doc.Warnings {
		if strings.Contains(w.Message, "times were read") && (!strings.Contains(w.Message, `"CheckoutErrorRate alert pages on-call"`) || strings.Contains(w.Message, `\`)) {
			t.Errorf("note %q; want the entry quoted as plain text", w.Message)
		}
	}
	if got := doc.ActionItems[0].Title; got != "Upgrade the Redis client to re-resolve the master on READONLY errors" {
		t.Errorf("first action item %q: the escape was kept", got)
	}
	if a := doc.ActionItems[1]; a.Owner != "Tom Okafor" || a.Type != debrief.ActionMitigate {
		t.Errorf("second action item owner %q type %q", a.Owner, a.Type)
	}

	doc = read("posthog-2026-01-17-replay-sdk-fetch-wrapper-incident.md")
	first := doc.ActionItems[0]
	if first.Status != debrief.ActionDone || first.TrackerURL != "https://github.com/PostHog/posthog-js/pull/2935" ||
		first.Verification != "https://github.com/PostHog/posthog-js/pull/2935 https://github.com/PostHog/posthog-js/pull/2936" {
		t.Errorf("done item with nested pull requests: status %q, tracker %q, verification %q", first.Status, first.TrackerURL, first.Verification)
	}
	// The first row tells the detection and a workaround at once ("a
	// customer reached out … they had removed the SDK"): it dates the
	// detection, and the mitigation is a later row.
	if d, m := doc.Incident.DetectedAt, doc.Incident.MitigatedAt; d == nil || m == nil ||
		d.Format(time.RFC3339) != "2026-01-14T10:18:00Z" || m.Format(time.RFC3339) != "2026-01-17T19:38:00Z" {
		t.Errorf("detected %v, mitigated %v; want 2026-01-14 10:18 and 2026-01-17 19:38", d, m)
	}
	if doc.Incident.Severity != "Critical" {
		t.Errorf("severity %q, want Critical as written (Import matches it to a level)", doc.Incident.Severity)
	}

	// Front matter: read into fields, and only the rest kept as text.
	src := "---\ntitle: Payments timed out after a certificate expired\nseverity: SEV1\nservices: [payments, checkout]\n" +
		"customers: [Acme]\ncategories: [security]\nstarted_at: 2025-02-01T10:00:00Z\nresolved_at: 2025-02-01T10:30:00Z\n" +
		"root_cause: The intermediate certificate expired.\ncontributing_factors: [certificate, missing-alert]\nstatus: published\n" +
		"summary: Card payments failed for 30 minutes.\njira: OPS-77\n---\n\n## Impact\n\nAll card payments.\n\n## Action items\n\n" +
		"- [ ] Alert 30 days before expiry (@ana)\n  - include intermediates\n  - and the CDN's certificates\n"
	doc, err := ParseMarkdown(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	inc, pm := doc.Incident, doc.Postmortem
	if inc.Severity != "SEV1" || strings.Join(inc.Services, ",") != "payments,checkout" || strings.Join(inc.Customers, ",") != "Acme" ||
		strings.Join(inc.Labels, ",") != "security" || inc.StartedAt.Format(time.RFC3339) != "2025-02-01T10:00:00Z" || inc.ResolvedAt == nil {
		t.Errorf("incident fields %+v", inc)
	}
	if pm.RootCause != "The intermediate certificate expired." || strings.Join(pm.ContributingFactors, ",") != "certificate,missing-alert" || pm.Status != debrief.PostmortemPublished {
		t.Errorf("postmortem fields: root cause %q, factors %q, status %q", pm.RootCause, pm.ContributingFactors, pm.Status)
	}
	if s := pm.Section("summary"); s == nil || s.Body != "Card payments failed for 30 minutes." {
		t.Errorf("summary section %+v", s)
	}
	fm := pm.Section("front-matter")
	if fm == nil || !strings.Contains(fm.Body, "jira: OPS-77") || strings.Contains(fm.Body, "severity") || strings.Contains(fm.Body, "summary") {
		t.Errorf("front matter section %+v", fm)
	}
	// Nested text under an open item stays in the section, under its title.
	if len(doc.ActionItems) != 1 || doc.ActionItems[0].Title != "Alert 30 days before expiry (@ana)" || doc.ActionItems[0].Owner != "@ana" {
		t.Fatalf("action items %+v", doc.ActionItems)
	}
	if body := pm.Section("action-items").Body; !strings.Contains(body, "- Alert 30 days before expiry (@ana)\n  - include intermediates\n  - and the CDN's certificates") {
		t.Errorf("nested text not kept under its item:\n%s", body)
	}
}

// Times without any date in the document are kept as text, and the
// warning says what is missing: the day, not a readable time.
func TestParsePlainTimesWithoutDay(t *testing.T) {
	doc, err := ParseMarkdown(strings.NewReader("# Webhooks delayed by up to 3 hours on March 3\n\n## Timeline\n\n- 13:02 UTC — Deploy of consumer v4.18\n- 13:40 UTC — Backlog alert fires\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Timeline) != 0 || len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0].Message, "gives times but no date") {
		t.Fatalf("%d events, warnings %v; want none and one warning about the missing date", len(doc.Timeline), doc.Warnings)
	}
	doc, err = ParseMarkdown(strings.NewReader("# Webhooks delayed by up to 3 hours\n\nDate: 2024-03-03\n\n## Timeline\n\n- 13:02 UTC — Deploy of consumer v4.18\n- 13:40 UTC — Backlog alert fires\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Timeline) != 2 || doc.Timeline[1].At.Format(time.RFC3339) != "2024-03-03T13:40:00Z" {
		t.Errorf("with a date line: %d events, warnings %v", len(doc.Timeline), doc.Warnings)
	}
}

// The incident is dated by what its timeline says, where the document
// gives no times: the first detection, the first mitigation after it, the
// last resolution; a warning names them. Times out of order are left out,
// never refused.
func TestParsePlainIncidentTimes(t *testing.T) {
	doc, err := ParseMarkdown(strings.NewReader("# Search results empty for 2 hours\n\nDate: 2024-06-11\n\n## Timeline (UTC)\n\n| Time | Event |\n|---|---|\n" +
		"| 08:58 | Old index deleted by the cleanup job |\n| 09:12 | SearchZeroResults alert fired |\n| 10:50 | Alias switched back |\n| 10:55 | Errors back to normal |\n| 11:05 | Confirmed the fix; incident closed |\n"))
	if err != nil {
		t.Fatal(err)
	}
	inc := doc.Incident
	at := func(p *time.Time) string {
		if p == nil {
			return "none"
		}
		return p.UTC().Format("15:04")
	}
	if got := at(&inc.StartedAt) + " " + at(inc.DetectedAt) + " " + at(inc.MitigatedAt) + " " + at(inc.ResolvedAt); got != "08:58 09:12 10:50 11:05" {
		t.Errorf("started, detected, mitigated, resolved = %s; want 08:58 09:12 10:50 11:05 (the deletion before the alert is the trigger)", got)
	}
	if len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0].Message, `mitigated at 2024-06-11 10:50 UTC ("Alias switched back")`) {
		t.Errorf("warnings %v; want one naming the times read", doc.Warnings)
	}

	// Front matter times win; one before the start is left out.
	doc, err = ParseMarkdown(strings.NewReader("---\nstarted_at: 2024-06-11T09:00:00Z\nresolved_at: 2024-06-10T11:05:00Z\ndetected_at: 2024-06-11T09:10:00Z\n---\n# Search results empty for 2 hours\n\n## Summary\n\nEmpty results.\n"))
	if err != nil {
		t.Fatal(err)
	}
	inc = doc.Incident
	if at(inc.DetectedAt) != "09:10" || inc.ResolvedAt != nil {
		t.Errorf("detected %s, resolved %s; want 09:10 and none", at(inc.DetectedAt), at(inc.ResolvedAt))
	}
	if len(doc.Warnings) != 1 || !strings.Contains(doc.Warnings[0].Message, "the resolution time (2024-06-10 11:05) is before the detection (2024-06-11 09:10), so it was left out") {
		t.Errorf("warnings %v", doc.Warnings)
	}
}
