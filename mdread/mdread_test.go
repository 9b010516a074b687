package mdread

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func keysOf(d *Doc) []string {
	var out []string
	for _, s := range d.Sections {
		out = append(out, s.Key)
	}
	return out
}

func TestParseTitleAndSections(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		title     string
		titleLine int
		keys      string // section keys joined by ","
		roles     string // roles joined by ","
	}{
		{"atx", "# Checkout failed for 20 minutes\n\n## Summary\n\nIt broke.\n\n## Root cause\n\nA config push.\n",
			"Checkout failed for 20 minutes", 1, "summary,root-cause", "summary,root-cause"},
		{"setext under a generic heading", "Example Postmortem\n==================\n\nSearch down for 66 minutes (incident #465)\n-------------------------------------------\n\n**Summary**: Search was down.\n\n**Impact**: 1.2B queries lost.\n\n**Root Causes**: A leak.\n\nLessons Learned\n---------------\n\n**What went well**\n\n- alerts\n",
			"Search down for 66 minutes (incident #465)", 4, "summary,impact,root-causes,lessons-learned", "summary,impact,root-cause,lessons"},
		{"front matter title wins, same H1 is its heading", "---\ntitle: Login failed for SSO users\n---\n# Login failed for SSO users\n\n## What happened\n\nSSO broke.\n",
			"Login failed for SSO users", 4, "summary", "summary"},
		{"front matter title, other H1 is a section", "---\ntitle: Login failed for SSO users\n---\n\n## Impact\n\n12% of logins failed.\n",
			"Login failed for SSO users", 0, "impact", "impact"},
		{"plain labels in the preamble", "# DNS outage for 12 minutes\n\nRoot cause: an expired zone delegation.\n\nResolution: renewed it.\n",
			"DNS outage for 12 minutes", 1, "root-cause,resolution", "root-cause,resolution"},
		{"a sentence with a colon is not a label", "# T is a title here\n\nNote: restart it.\n\n## Summary\n\nx\n",
			"T is a title here", 1, "introduction,summary", ",summary"},
		{"preamble is the summary when there is none", "# Queue backlog for 2 hours\n\nWorkers stalled.\n\n## Timeline\n\n- 10:00 x\n",
			"Queue backlog for 2 hours", 1, "summary,timeline", "summary,timeline"},
		{"section names by meaning", "# Payments slow for 3 hours\n\n## Overview\n\na\n\n## Why did it happen?\n\nb\n\n## Follow-ups\n\nc\n\n## Where we got lucky\n\nd\n\n## Next steps\n\ne\n",
			"Payments slow for 3 hours", 1, "summary,root-cause,action-items,got-lucky,action-items-2", "summary,root-cause,action-items,lessons,action-items"},
		{"code fence hides headings", "# Fence test title\n\n## Summary\n\n```\n## not a section\n```\n",
			"Fence test title", 1, "summary", "summary"},
		{"no heading: first line is the title", "Search was down for 20 minutes on 1 May.\n\nMore text.\n",
			"Search was down for 20 minutes on 1 May.", 1, "summary", "summary"},
		{"a title with a section word over deeper headings", "# Node IPC incident response\n\n## Summary\n\nA package shipped malware.\n",
			"Node IPC incident response", 1, "summary", "summary"},
		{"first heading is a section name", "## Summary\n\nThe API returned 500s for 12 minutes.\n",
			"The API returned 500s for 12 minutes.", 3, "summary", "summary"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Parse([]byte(tc.in))
			if d.Title != tc.title || d.TitleLine != tc.titleLine {
				t.Errorf("Parse(%q) title = %q at line %d, want %q at line %d", tc.in, d.Title, d.TitleLine, tc.title, tc.titleLine)
			}
			var roles []string
			for _, s := range d.Sections {
				roles = append(roles, string(s.Role))
			}
			if got := strings.Join(keysOf(d), ","); got != tc.keys {
				t.Errorf("Parse(%q) keys = %s, want %s", tc.in, got, tc.keys)
			}
			if got := strings.Join(roles, ","); got != tc.roles {
				t.Errorf("Parse(%q) roles = %s, want %s", tc.in, got, tc.roles)
			}
		})
	}
}

// TestParseLineNumbers checks that each section's Line and BodyLine point
// at the document's lines, and that Body[i] is line BodyLine+i.
func TestParseLineNumbers(t *testing.T) {
	in := "Example Postmortem\n==================\n\nReal title of it here\n---------------------\n\n**Date**: 2015-10-21\n\n**Summary**: Down for 66 minutes.\nSecond line.\n\nTimeline\n--------\n\n2015-10-21 *(all times UTC)*\n\n- 14:51 began\n"
	d := Parse([]byte(in))
	lines := strings.Split(in, "\n")
	for _, s := range d.Sections {
		for i, l := range s.Body {
			if s.Labelled && i == 0 {
				continue // the label was taken off
			}
			if n := s.BodyLine + i; lines[n-1] != l {
				t.Errorf("section %s: Body[%d] = %q, but line %d is %q", s.Key, i, l, n, lines[n-1])
			}
		}
	}
	want := map[string][2]int{"introduction": {7, 7}, "summary": {9, 9}, "timeline": {12, 15}}
	for _, s := range d.Sections {
		if w, ok := want[s.Key]; ok && (s.Line != w[0] || s.BodyLine != w[1]) {
			t.Errorf("section %s at line %d, body %d; want %d, %d", s.Key, s.Line, s.BodyLine, w[0], w[1])
		}
	}
	if len(d.GenericHeadings) != 1 || d.GenericHeadings[0] != 1 {
		t.Errorf("GenericHeadings = %v, want [1]", d.GenericHeadings)
	}
}

// everyLineKept checks the reader's promise: every non-blank line after
// the front matter is the title, a generic heading, a section heading or
// in a section body.
func everyLineKept(t *testing.T, src []byte) {
	t.Helper()
	d := Parse(src)
	seen := map[int]bool{}
	mark := func(from, to int) {
		for n := from; n < to; n++ {
			seen[n] = true
		}
	}
	if d.TitleLine > 0 {
		mark(d.TitleLine, d.TitleEnd+1)
	}
	for _, g := range d.GenericHeadings {
		mark(g, g+2)
	}
	for _, s := range d.Sections {
		mark(s.Line, s.Line+1)
		if s.Level > 0 {
			mark(s.Line, s.BodyLine) // heading lines and setext underlines
		}
		mark(s.BodyLine, s.BodyLine+len(s.Body))
	}
	start := 0
	if d.FrontMatter != nil {
		start = d.FrontMatter.End
	}
	for i := start; i < len(d.Lines); i++ {
		if strings.TrimSpace(d.Lines[i]) != "" && !seen[i+1] {
			t.Errorf("line %d %q is in no section", i+1, d.Lines[i])
		}
	}
}

func TestParseKeepsEveryLine(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParse", "*"))
	if len(files) == 0 {
		t.Fatal("no seed documents in testdata/fuzz/FuzzParse")
	}
	for _, f := range files {
		src := seed(t, f)
		t.Run(filepath.Base(f), func(t *testing.T) { everyLineKept(t, src) })
	}
}

// seed reads a file of the Go fuzz corpus format (one []byte value).
func seed(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(b), "\n", 2)
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "go test fuzz v1") {
		t.Fatalf("%s is not a fuzz corpus file", path)
	}
	v := strings.TrimSpace(lines[1])
	v = strings.TrimSuffix(strings.TrimPrefix(v, "[]byte("), ")")
	s, err := strconv.Unquote(v)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(s)
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("# T\n\n## Timeline\n\n| Time | Event |\n|---|---|\n| 10:00 | x |\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		d := Parse(src)
		day, _ := d.Day()
		if m := d.Meta(); m.Severity != "" && !m.HasIncident {
			t.Fatalf("Meta read severity %q but says the document gives no incident field", m.Severity)
		}
		for _, s := range d.Sections {
			if s.BodyLine < 1 || s.Line < 1 {
				t.Fatalf("section %q has line %d, body line %d", s.Key, s.Line, s.BodyLine)
			}
			for _, b := range s.Blocks {
				if b.Start < 0 || b.Start > b.End {
					t.Fatalf("section %q block %d..%d", s.Key, b.Start, b.End)
				}
			}
			for _, tb := range s.Timeline(Clock{Day: day}) {
				for _, e := range tb.Entries {
					if e.Start < 0 || e.Start >= len(s.Body) {
						t.Fatalf("entry line %d outside the body (%d lines)", e.Start, len(s.Body))
					}
				}
			}
			for _, ab := range s.ActionItems() {
				for _, a := range ab.Items {
					if a.Start < 0 || a.Start >= len(s.Body) {
						t.Fatalf("action item line %d outside the body (%d lines)", a.Start, len(s.Body))
					}
				}
			}
		}
		if len(src) < 4096 {
			everyLineKept(t, src)
		}
	})
}

func TestTimeline(t *testing.T) {
	chicago, _ := time.LoadLocation("America/Chicago")
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	tests := []struct {
		name     string
		in       string
		want     []string // entries as "RFC3339 text"
		complete []bool
	}{
		{"table in CST", "# T\n\n## Timeline\n\n| Time (CST) | Event | Who |\n|---|---|---|\n| 2024-03-05 14:02 | paged | ana |\n| 2024-03-05 14:10 | rolled back | bo |\n",
			[]string{time.Date(2024, 3, 5, 14, 2, 0, 0, chicago).UTC().Format(time.RFC3339) + " paged", time.Date(2024, 3, 5, 14, 10, 0, 0, chicago).UTC().Format(time.RFC3339) + " rolled back"}, []bool{true}},
		{"bullets with dates and IST", "# T\n\n## Timeline\n\n- 2024-03-05 14:02 IST alert fired\n* 2024-03-05 14:30 IST fixed\n",
			[]string{time.Date(2024, 3, 5, 14, 2, 0, 0, kolkata).UTC().Format(time.RFC3339) + " alert fired", time.Date(2024, 3, 5, 14, 30, 0, 0, kolkata).UTC().Format(time.RFC3339) + " fixed"}, []bool{true, true}}, // "-" then "*": two lists
		{"date line, bare times and midnight", "# T\n\n## Timeline\n\n2024-01-02 *(all times UTC)*\n\n* 23:50 - began\n* 00:10 - ended\n",
			[]string{"2024-01-02T23:50:00Z began", "2024-01-03T00:10:00Z ended"}, []bool{true}},
		{"definition-like lines", "# T\n\n## Timeline\n\nAll times UTC, 2024-01-02.\n\n**10:04** paged\n10:20 - mitigated\n  by a rollback\n",
			[]string{"2024-01-02T10:04:00Z paged", "2024-01-02T10:20:00Z mitigated\nby a rollback"}, []bool{true}},
		{"blank times keep the table incomplete", "# T\n\n## Timeline\n\n| Time | Event |\n|---|---|\n| 2022-06-02 HH:mm | deleted |\n| 2022-06-07 08:30 | fixed |\n",
			[]string{"2022-06-02T00:00:00Z deleted", "2022-06-07T08:30:00Z fixed"}, []bool{false}},
		{"several spaces between date and time", "# T\n\n## Timeline\n\n| Time | Event |\n|---|---|\n| 2021-12-10   15:40 | aware |\n",
			[]string{"2021-12-10T15:40:00Z aware"}, []bool{true}},
		{"dated sub-headings", "# T\n\n## Timeline\n\n### October 21, 2025\n\n- 10:00 a\n\n### October 22, 2025\n\n- 09:00 b\n",
			[]string{"2025-10-21T10:00:00Z a", "2025-10-22T09:00:00Z b"}, []bool{true, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Parse([]byte(tc.in))
			day, _ := d.Day()
			var s *Section
			for _, x := range d.Sections {
				if x.Role == RoleTimeline {
					s = x
				}
			}
			if s == nil {
				t.Fatalf("no timeline section in %v", keysOf(d))
			}
			var got []string
			var complete []bool
			for _, tb := range s.Timeline(Clock{Day: day}) {
				complete = append(complete, tb.Complete)
				for _, e := range tb.Entries {
					got = append(got, e.At.UTC().Format(time.RFC3339)+" "+e.Text)
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("Timeline() = %q, want %q", got, tc.want)
			}
			if len(complete) != len(tc.complete) {
				t.Fatalf("Timeline() gave %d blocks, want %d", len(complete), len(tc.complete))
			}
			for i := range complete {
				if complete[i] != tc.complete[i] {
					t.Errorf("block %d Complete = %v, want %v", i, complete[i], tc.complete[i])
				}
			}
		})
	}
}

func TestActionItems(t *testing.T) {
	in := "# T\n\n## Action items\n\n| Owner | Priority | Bug | Task | Due | Type | Status |\n|---|---|---|---|---|---|---|\n" +
		"| ana | P1 | https://bugs/1 | Add an alert on queue depth | 2024-04-01 | detect | done |\n" +
		"| bo | P2 | Bug 77 | Move certs under renewal | | prevent | open |\n\n" +
		"- [x] Write the runbook (@cy)\n- [ ] Rehearse the failover owner: dee due 2024-05-01\n"
	d := Parse([]byte(in))
	var got []Action
	for _, s := range d.Sections {
		for _, ab := range s.ActionItems() {
			got = append(got, ab.Items...)
		}
	}
	if len(got) != 4 {
		t.Fatalf("ActionItems() read %d items, want 4: %+v", len(got), got)
	}
	check := func(i int, title, owner, typ, prio, link string, done bool, extra string) {
		t.Helper()
		a := got[i]
		if a.Title != title || a.Owner != owner || a.Type != typ || a.Priority != prio || a.Link != link || a.Done != done || strings.Join(a.Extra, ";") != extra {
			t.Errorf("item %d = %+v, want title %q owner %q type %q priority %q link %q done %v extra %q", i, a, title, owner, typ, prio, link, done, extra)
		}
	}
	check(0, "Add an alert on queue depth", "ana", "detect", "P1", "https://bugs/1", true, "")
	check(1, "Move certs under renewal", "bo", "prevent", "P2", "", false, "Bug: Bug 77")
	check(2, "Write the runbook (@cy)", "@cy", "", "", "", true, "")
	check(3, "Rehearse the failover owner: dee due 2024-05-01", "dee due 2024-05-01", "", "", "", false, "")
	if got[0].Due == nil || got[0].Due.Format("2006-01-02") != "2024-04-01" {
		t.Errorf("item 0 due = %v, want 2024-04-01", got[0].Due)
	}
}

func TestZones(t *testing.T) {
	for abbr, want := range map[string]string{"IST": "Asia/Kolkata", "CST": "America/Chicago", "CET": "CET", "UTC+2": "+02:00", "Europe/Dublin": "Europe/Dublin"} {
		loc, ok := ZoneInText("Time (" + abbr + ")")
		if !ok || loc.String() != want {
			t.Errorf("ZoneInText(%q) = %v, %v; want %s", "Time ("+abbr+")", loc, ok, want)
		}
	}
	if _, ok := ZoneInText("Estimated time of the Event"); ok {
		t.Errorf("ZoneInText read a zone in words that name none")
	}
}

// TestImportsNoProjectPackage keeps the reader free of Debrief's records:
// it returns plain values, so import, lint and ingest can each map them.
func TestImportsNoProjectPackage(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	read := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		read++
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); strings.HasPrefix(p, "github.com/debriefhq/") {
				t.Errorf("%s imports %s; mdread must not depend on other packages of the project", name, p)
			}
		}
	}
	if read == 0 {
		t.Fatal("found no Go files of package mdread; the test is looking in the wrong directory")
	}
}
