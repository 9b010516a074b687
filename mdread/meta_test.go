package mdread

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// A Google Docs export puts the record's fields under the title as bold
// labels, with Markdown escapes ("SEV\-2"); Meta reads them.
func TestMetaFieldLines(t *testing.T) {
	src := "# Checkout API returned 503s after a Redis failover\n\n" +
		"**Status:** Final  \n**Date:** Mar 14, 2025  \n**Authors:** Priya Raman, Tom Okafor  \n" +
		"**Incident commander:** Tom Okafor  \n**Severity:** SEV\\-2  \n**Affected services:** checkout\\-api, payments\n\n" +
		"## Summary\n\nIt broke.\n"
	m := Parse([]byte(src)).Meta()
	if m.Severity != "SEV2" || m.Status != "published" || m.Commander != "Tom Okafor" || !m.HasIncident {
		t.Errorf("severity %q, status %q, commander %q, incident %v; want SEV2, published, Tom Okafor, true", m.Severity, m.Status, m.Commander, m.HasIncident)
	}
	if want := []string{"Priya Raman", "Tom Okafor"}; !reflect.DeepEqual(m.Authors, want) {
		t.Errorf("authors %q, want %q", m.Authors, want)
	}
	if want := []string{"checkout-api", "payments"}; !reflect.DeepEqual(m.Services, want) {
		t.Errorf("services %q, want %q", m.Services, want)
	}
}

func TestMetaFrontMatter(t *testing.T) {
	src := "---\ntitle: Payments timed out\nincident:\n  severity: sev 1\n  services: [payments]\n  started_at: 2025-02-01T10:00:00Z\n" +
		"postmortem:\n  root_cause: The certificate expired.\ntags: [tls]\ncategories: [security]\nstatus: In review\n" +
		"contributing_factors: certificate, missing-alert\nroles:\n  commander: ana@example.com\nlinks: [https://example.com/a]\n---\n\n## Impact\n\nAll card payments.\n"
	d := Parse([]byte(src))
	m := d.Meta()
	at := time.Date(2025, 2, 1, 10, 0, 0, 0, time.UTC)
	if m.Severity != "SEV1" || !reflect.DeepEqual(m.Services, []string{"payments"}) || m.StartedAt == nil || !m.StartedAt.Equal(at) {
		t.Errorf("incident fields: severity %q, services %q, started %v", m.Severity, m.Services, m.StartedAt)
	}
	if m.RootCause != "The certificate expired." || m.Status != "in_review" || !reflect.DeepEqual(m.Factors, []string{"certificate", "missing-alert"}) {
		t.Errorf("postmortem fields: root cause %q, status %q, factors %q", m.RootCause, m.Status, m.Factors)
	}
	if !reflect.DeepEqual(m.Labels, []string{"tls", "security"}) || m.Commander != "ana@example.com" {
		t.Errorf("labels %q, commander %q", m.Labels, m.Commander)
	}
	// What was read into fields leaves the kept front matter; the rest
	// stays as written, the "incident:" and "postmortem:" blocks whole
	// (they may hold more than Meta reads).
	var fm *Section
	for _, s := range d.Sections {
		if s.Key == "front-matter" {
			fm = s
		}
	}
	if fm == nil {
		t.Fatalf("no front matter section in %v", headingsOf(d))
	}
	kept := strings.Join(fm.Body, "\n")
	if !strings.Contains(kept, "links: [https://example.com/a]") || !strings.Contains(kept, "postmortem:") || !strings.Contains(kept, "severity: sev 1") {
		t.Errorf("front matter section lost what was not read:\n%s", kept)
	}
	for _, k := range []string{"tags:", "status:", "title:", "categories:", "contributing_factors:", "commander"} {
		if strings.Contains(kept, k) {
			t.Errorf("front matter section still holds %q, which was read into a field:\n%s", k, kept)
		}
	}
}

// A summary kept in the front matter is the document's summary; the text
// above the first heading is then its introduction.
func TestFrontMatterSummary(t *testing.T) {
	src := "---\ntitle: SimpleDB unavailable for two hours\nsummary: |\n  Storage nodes lost power.\n  The lock service fell over.\nurl: https://example.com/pm\n---\n\nOn June 13 the service was unavailable.\n\n## Recovery\n\nTimeouts were raised.\n"
	d := Parse([]byte(src))
	if got, want := headingsOf(d), "summary=Summary, introduction=Introduction, resolution=Recovery, front-matter=Front matter"; got != want {
		t.Fatalf("sections %s, want %s", got, want)
	}
	s := d.Sections[0]
	if s.Role != RoleSummary || s.Text() != "Storage nodes lost power.\nThe lock service fell over." || s.Line != 3 || !s.FromFrontMatter {
		t.Errorf("summary section: role %q, line %d, text %q", s.Role, s.Line, s.Text())
	}
	if kept := strings.Join(d.Sections[3].Body, "\n"); strings.Contains(kept, "summary") || !strings.Contains(kept, "url: https://example.com/pm") {
		t.Errorf("front matter section:\n%s", kept)
	}
	// A summary under a heading wins; the front matter's stays there.
	d = Parse([]byte("---\ntitle: T\nsummary: From the front matter.\n---\n\n## Summary\n\nFrom the heading.\n"))
	if got, want := headingsOf(d), "summary=Summary, front-matter=Front matter"; got != want || d.Sections[0].Text() != "From the heading." {
		t.Errorf("sections %s (summary %q), want %s", got, d.Sections[0].Text(), want)
	}
}

func headingsOf(d *Doc) string {
	var out []string
	for _, s := range d.Sections {
		out = append(out, s.Key+"="+s.Heading)
	}
	return strings.Join(out, ", ")
}

// Backslash escapes are text, as CommonMark reads them.
func TestPlainEscapes(t *testing.T) {
	for in, want := range map[string]string{
		`re\-resolve the master`:  "re-resolve the master",
		`SEV\-2`:                  "SEV-2",
		`\*not emphasis\*`:        "*not emphasis*",
		`snake\_case and \#chan`:  "snake_case and #chan",
		`**bold** \*\* stars`:     "bold ** stars",
		`C:\Users\ana`:            `C:\Users\ana`,
		`a \\ b`:                  `a \ b`,
		`[PLAT\-1142](https://x)`: "PLAT-1142",
		`trailing \`:              `trailing \`,
	} {
		if got := Plain(in); got != want {
			t.Errorf("Plain(%q) = %q, want %q", in, got, want)
		}
	}
}

// A postmortem dated by a span of days ("January 14-19, 2026") gives its
// first day to timeline rows that name only a month and a day.
func TestDateSpan(t *testing.T) {
	for in, want := range map[string]string{
		"January 14-19, 2026":                     "2026-01-14",
		"Jan 30 – Feb 2, 2026":                    "2026-01-30",
		"**Date:** Mar 3rd-5th, 2025":             "2025-03-03",
		"March 5, 2024 (follow-up Jan 3-4, 2025)": "2024-03-05",
	} {
		got, ok := FindDate(in)
		if !ok || got.Format("2006-01-02") != want {
			t.Errorf("FindDate(%q) = %v, %v; want %s", in, got, ok, want)
		}
	}
	d := Parse([]byte("# Fetch wrapper broke sites\n\n**Date:** January 14-19, 2026\n\n## Timeline\n\n| Time (UTC) | Event |\n|---|---|\n| Jan 14, 10:18 AM | Reported |\n| Jan 17, 7:38 PM | Rolled back |\n"))
	day, ok := d.Day()
	if !ok {
		t.Fatal("no day read from the Date line")
	}
	tb := d.Sections[len(d.Sections)-1].Timeline(Clock{Day: day})
	if len(tb) != 1 || !tb[0].Complete || tb[0].Entries[1].At.Format(time.RFC3339) != "2026-01-17T19:38:00Z" {
		t.Errorf("timeline %+v", tb)
	}
}

// Roles listed without emphasis ("- Incident commander: Sam Patel" under
// "Responders") are read; a YAML line kept in the front matter section
// is not a field line.
func TestMetaRoleLines(t *testing.T) {
	src := "---\nincident:\n  severity: SEV3\n---\n# Webhooks delayed by up to 3 hours\n\n## Responders\n\n- Incident commander: Sam Patel\n- Scribe: Jo Kim\n- Communications lead: Ana Li\n\nSeverity: SEV2\n"
	m := Parse([]byte(src)).Meta()
	if m.Commander != "Sam Patel" || m.Scribe != "Jo Kim" || m.Comms != "Ana Li" {
		t.Errorf("roles %q, %q, %q", m.Commander, m.Scribe, m.Comms)
	}
	if m.Severity != "SEV3" {
		t.Errorf("severity %q, want SEV3: the front matter wins over a line of text", m.Severity)
	}
	if m := Parse([]byte("# T\n\n## Notes\n\nThe status: unknown. Our commander said: go.\n")).Meta(); m.Commander != "" || m.HasIncident {
		t.Errorf("a sentence was read as a field: %+v", m)
	}
}

// A Notion or Confluence export gives the page's properties as plain
// lines above the first heading; they are read there, not elsewhere.
func TestMetaPropertyLines(t *testing.T) {
	src := "# Payments API 502s during database failover\n\nSeverity: SEV 1\nStatus: Published\nIncident Date: March 3, 2024\nOwner: Priya Raman\nServices: payments-api, ledger\nTags: database, failover\n\n# Timeline\n\n| Time (UTC) | What happened |\n| --- | --- |\n| 14:05 | Status: investigating |\n"
	d := Parse([]byte(src))
	m := d.Meta()
	if m.Severity != "SEV1" || m.Status != "published" || strings.Join(m.Services, ",") != "payments-api,ledger" || strings.Join(m.Labels, ",") != "database,failover" || strings.Join(m.Authors, ",") != "Priya Raman" {
		t.Errorf("properties: %+v", m)
	}
	day, ok := d.Day()
	if !ok || day.Format("2006-01-02") != "2024-03-03" {
		t.Errorf("day %v, %v; want 2024-03-03 from 'Incident Date:'", day, ok)
	}
	m = Parse([]byte("# Payments API 502s\n\n## Timeline\n\nStatus: investigating\nServices: checkout\n")).Meta()
	if m.Status != "" || len(m.Services) != 0 {
		t.Errorf("lines in a timeline were read as properties: %+v", m)
	}
	// Without a date line, a summary that opens with the day dates it.
	d = Parse([]byte("# Payments API 502s\n\n## Summary\n\nOn March 3, 2024 from 14:05 to 14:41 UTC, card payments failed.\n\n## Timeline\n\n- 14:05 Failover\n"))
	if day, ok := d.Day(); !ok || day.Format("2006-01-02") != "2024-03-03" {
		t.Errorf("day %v, %v; want the summary's 2024-03-03", day, ok)
	}
}

func TestSummaryWithSeveralDays(t *testing.T) {
	d := Parse([]byte("# Payments API 502s\n\n## Summary\n\nSince the release of January 10, 2024, failovers left stale connections; on March 3, 2024 payments failed.\n\n## Timeline\n\n- 14:05 Failover\n"))
	if day, ok := d.Day(); ok {
		t.Errorf("day %v from a summary naming two days; want none", day)
	}
}

// A two-column property table under the summary (Atlassian's template)
// gives the fields and the day; an ordinary two-column table does not.
func TestMetaPropertyTable(t *testing.T) {
	src := "# Search results empty for 2 hours\n\n## Incident summary\n\n| Field | Value |\n|---|---|\n| Incident date | 2024-06-11 |\n| Owner | Dana Whitfield |\n| Severity | SEV-2 |\n| Affected services | search-api, indexer |\n| Incident commander | Lee Park |\n\nSearches returned nothing.\n\n## Timeline\n\n| Time | Event |\n|---|---|\n| 09:00 | Status: alias switched |\n"
	d := Parse([]byte(src))
	m := d.Meta()
	if m.Severity != "SEV2" || m.Commander != "Lee Park" || strings.Join(m.Services, ",") != "search-api,indexer" || strings.Join(m.Authors, ",") != "Dana Whitfield" {
		t.Errorf("property table: %+v", m)
	}
	if day, ok := d.Day(); !ok || day.Format("2006-01-02") != "2024-06-11" {
		t.Errorf("day %v, %v; want 2024-06-11", day, ok)
	}
	if m := Parse([]byte("# T\n\n## Notes\n\n| Service | Errors |\n|---|---|\n| checkout | 41,000 |\n")).Meta(); len(m.Services) != 0 {
		t.Errorf("a table of figures was read as properties: %+v", m)
	}
}
