package quality

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/export"
)

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

// goodRecord is a stored postmortem written the way the rules ask, in the
// layout of the Google SRE book template.
func goodRecord() *Input {
	incID := int64(7)
	inc := &debrief.Incident{
		ID: incID, Key: "INC-7", Title: "Checkout API returned 503 errors to EU customers", Severity: "SEV2",
		Status: debrief.StatusResolved, Services: []string{"checkout-api"}, Customers: []string{"EU shoppers"},
		Impact:    "18% of EU checkout requests failed for 47 minutes; about 2,900 customers saw an error.",
		Roles:     debrief.Roles{Commander: "priya@example.com"},
		StartedAt: day("2026-03-10T14:02:00Z"), DetectedAt: ptr(day("2026-03-10T14:09:00Z")),
		MitigatedAt: ptr(day("2026-03-10T14:35:00Z")), ResolvedAt: ptr(day("2026-03-10T14:49:00Z")),
	}
	tpl := debrief.BuiltInCustom(debrief.TemplateSRE)
	pm := &debrief.Postmortem{
		ID: 3, Key: "PM-3", IncidentID: &incID, Kind: debrief.KindIncident,
		Title: "Checkout API returned 503 errors to 18% of EU customers for 47 minutes",
		Owner: "priya@example.com", CreatedBy: "priya@example.com", Status: debrief.PostmortemPublished,
		Template: tpl.Key, TemplateVersion: tpl.Version, Sections: tpl.NewSections(),
		RootCause:           "A configuration change lowered the payments client pool from 200 to 20 connections; nothing compared production values with traffic.",
		ContributingFactors: []string{"config-change", "missing-canary"},
		PublishedAt:         ptr(day("2026-03-12T16:00:00Z")),
	}
	bodies := map[string]string{
		"summary":         "From 14:02 to 14:49 UTC the checkout API in the EU region returned HTTP 503 to 18% of requests because a connection pool limit was set too low.",
		"impact":          "- 47 minutes of degraded checkout.\n- About 41,000 checkout requests failed; 2,900 customers saw at least one error.\n- Estimated 12,400 EUR of delayed revenue.",
		"root-causes":     "The pool size for the payments gateway client was copied from the staging profile. The configuration schema accepts any positive number and the review treated the change as formatting.",
		"trigger":         "The 13:58 UTC configuration deploy.",
		"resolution":      "The configuration was rolled back at 14:31 UTC and pods were restarted.",
		"detection":       "The checkout error-rate alert paged the on-call engineer at 14:09 UTC.",
		"action-items":    "Tracked as AI-11 to AI-14.",
		"lessons-learned": "What went well: the alert fired and the rollback worked.\n\nWhat went wrong: configuration changes skip the canary stage.",
		"timeline":        "Built from the incident timeline.",
	}
	for i := range pm.Sections {
		pm.Sections[i].Body = bodies[pm.Sections[i].Key]
	}
	ev := func(at string, kind debrief.EventKind, text string) *debrief.TimelineEvent {
		return &debrief.TimelineEvent{IncidentID: incID, At: day(at), Zone: "UTC", Source: debrief.SourceManual, Kind: kind, Text: text}
	}
	timeline := []*debrief.TimelineEvent{
		ev("2026-03-10T13:58:00Z", debrief.KindAction, "Configuration version 481 deployed"),
		ev("2026-03-10T14:09:00Z", debrief.KindAlert, "Checkout error-rate alert pages on-call"),
		ev("2026-03-10T14:31:00Z", debrief.KindMitigation, "Configuration rolled back to version 480"),
		ev("2026-03-10T14:49:00Z", debrief.KindResolution, "Error rate back to normal"),
	}
	item := func(key, title, owner string, typ debrief.ActionType, due string) *debrief.ActionItem {
		a := &debrief.ActionItem{Key: key, IncidentID: &incID, Title: title, Owner: owner, Type: typ, Status: debrief.ActionOpen, Priority: debrief.PriorityP2}
		if due != "" {
			a.DueDate = ptr(day(due + "T00:00:00Z"))
		}
		return a
	}
	items := []*debrief.ActionItem{
		item("AI-11", "Add a schema check that rejects pool sizes below 100 in production", "tomas@example.com", debrief.ActionPrevent, "2026-03-24"),
		item("AI-12", "Lower the checkout error-rate alert window to 2 minutes", "dana@example.com", debrief.ActionDetect, "2026-03-17"),
		item("AI-13", "Deploy configuration changes through the canary stage", "priya@example.com", debrief.ActionMitigate, "2026-04-07"),
	}
	in := FromRecord(pm, inc, timeline, items, tpl)
	in.Now = day("2026-03-20T09:00:00Z")
	return in
}

func findings(rep *Report, rule string) []Finding {
	var out []Finding
	for _, f := range rep.Findings {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func parseFile(t testing.TB, name string) *Input {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	in, err := ParseMarkdown(b, name)
	if err != nil {
		t.Fatalf("ParseMarkdown(%s) = %v", name, err)
	}
	return in
}

func TestGoodPostmortemScoresHigh(t *testing.T) {
	rep := Check(goodRecord(), nil)
	if rep.Score < 85 || rep.Errors > 0 {
		t.Errorf("Check(good record) = score %d, %d errors (%s); want ≥ 85 and no errors", rep.Score, rep.Errors, describe(rep))
	}
	in := parseFile(t, "good.md")
	in.Now = day("2026-03-20T09:00:00Z")
	rep = Check(in, nil)
	if rep.Score < 85 || rep.Errors > 0 {
		t.Errorf("Check(good.md) = score %d, %d errors (%s); want ≥ 85 and no errors", rep.Score, rep.Errors, describe(rep))
	}
}

func TestPoorPostmortemScoresLow(t *testing.T) {
	in := parseFile(t, "poor.md")
	rep := Check(in, nil)
	if rep.Score > 40 {
		t.Errorf("Check(poor.md) = score %d (%s); want ≤ 40", rep.Score, describe(rep))
	}
	for _, want := range []string{"title.vague", "title.length", "impact.numbers", "timeline.missing", "root-cause.human-error",
		"blameless.person", "blameless.judgement", "blameless.counterfactual", "blameless.animated", "blameless.human-error",
		"action-items.owner", "action-items.due-date", "action-items.specific"} {
		if len(findings(rep, want)) == 0 {
			t.Errorf("Check(poor.md) has no %s finding; got %s", want, describe(rep))
		}
	}
}

func describe(rep *Report) string {
	var b strings.Builder
	for _, f := range rep.Findings {
		b.WriteString(f.Rule)
		b.WriteString(" line ")
		b.WriteString(jsonInt(f.Line))
		b.WriteString(": ")
		b.WriteString(f.Message)
		b.WriteString("; ")
	}
	return b.String()
}

func jsonInt(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestRules breaks the good record in one way per case and checks that the
// rule for it fires, at the right place, and that the good record does not
// trigger it.
func TestRules(t *testing.T) {
	cases := []struct {
		rule    string
		break_  func(in *Input)
		section string // the finding's section, when it has one
		contain string // in the message or suggestion
	}{
		{"title.vague", func(in *Input) { in.Postmortem.Title = "Production outage" }, "", "Checkout-api returned errors"},
		{"title.vague", func(in *Input) { in.Postmortem.Title = "" }, "", "no title"},
		{"title.length", func(in *Input) { in.Postmortem.Title = "Checkout broke" }, "", "47 minutes"},
		{"title.ticket", func(in *Input) { in.Postmortem.Title = "INC-4521" }, "", "ticket number"},
		{"title.ticket", func(in *Input) { in.Postmortem.Title = "JIRA-991 incident" }, "", "ticket number"},
		{"title.person", func(in *Input) { in.Postmortem.Title = "Checkout errors after Priya's config deploy for 47 minutes" }, "", "Priya"},
		{"title.person", func(in *Input) { in.Postmortem.Title = "Checkout errors after @tomas deployed the pool change" }, "", "@tomas"},
		{"sections.missing", func(in *Input) { in.Postmortem.Sections = in.Postmortem.Sections[1:] }, "summary", "Summary"},
		{"sections.empty", func(in *Input) { in.Postmortem.Section("trigger").Body = "  \n" }, "trigger", "Trigger"},
		{"sections.empty", func(in *Input) { in.Postmortem.Section("trigger").Body = "<!-- write the trigger -->" }, "trigger", "Trigger"},
		{"sections.placeholder", func(in *Input) { in.Postmortem.Section("detection").Body = "TBD" }, "detection", "placeholder"},
		{"sections.placeholder", func(in *Input) {
			in.Template = cloneWithStarting(in.Template, "detection", "{{incident.title}} was detected by …")
			in.Postmortem.Section("detection").Body = "{{incident.title}} was detected by …"
		}, "detection", "starting text"},
		{"sections.placeholder", func(in *Input) {
			in.Postmortem.Section("resolution").Body = "Rolled back at 14:31. TODO: add restart time."
		}, "resolution", "TODO"},
		{"impact.numbers", func(in *Input) {
			in.Incident.Impact = "Customers were unhappy."
			in.Incident.Customers = nil
			in.Postmortem.Section("impact").Body = "Many customers could not check out."
		}, "impact", "no numbers"},
		{"impact.duration", func(in *Input) {
			in.Incident.ResolvedAt, in.Incident.MitigatedAt = nil, nil
			in.Incident.Impact = ""
			in.Postmortem.Title = "Checkout API returned 503 errors to 18% of EU customers" // no "for 47 minutes"
			in.Postmortem.Section("impact").Body = "About 41,000 checkout requests failed."
		}, "impact", "how long"},
		{"timeline.missing", func(in *Input) { in.Timeline = nil; in.Postmortem.Section("timeline").Body = "" }, "timeline", "no timeline"},
		{"timeline.moments", func(in *Input) {
			in.Timeline = in.Timeline[:2]
			in.Incident.MitigatedAt, in.Incident.ResolvedAt = nil, nil
			in.Postmortem.Section("timeline").Body = "See events."
		}, "timeline", "mitigation and resolution"},
		{"timeline.order", func(in *Input) { in.Timeline[1].At = day("2026-03-10T15:30:00Z") }, "timeline", "listed after"},
		{"timeline.order", func(in *Input) {
			in.Timeline = []*debrief.TimelineEvent{in.Timeline[0], in.Timeline[3], in.Timeline[1]}
			in.Timeline[2].At = day("2026-03-10T15:00:00Z")
		}, "timeline", "before the first detection"},
		{"root-cause.missing", func(in *Input) { in.Postmortem.RootCause = ""; in.Postmortem.Section("root-causes").Body = "" }, "root-causes", "not written"},
		{"root-cause.human-error", func(in *Input) {
			in.Postmortem.RootCause = "Human error."
			in.Postmortem.Section("root-causes").Body = "Operator error during the deploy."
		}, "root-causes", "human error"},
		{"root-cause.factors", func(in *Input) { in.Postmortem.ContributingFactors = nil }, "root-causes", "contributing factors"},
		{"blameless.person", func(in *Input) {
			in.Postmortem.Section("trigger").Body = "At 13:58 Tomas forgot to check the pool size."
		}, "trigger", "Tomas"},
		{"blameless.person", func(in *Input) {
			in.Postmortem.Section("trigger").Body = "The deploy went out. Then she skipped the canary."
		}, "trigger", "she"},
		{"blameless.person", func(in *Input) {
			in.Postmortem.Section("trigger").Body = "Priya accidentally deployed the staging profile."
		}, "trigger", "Priya"},
		{"blameless.human-error", func(in *Input) {
			in.Postmortem.Section("trigger").Body = "A human error in the 13:58 deploy."
		}, "trigger", "human error"},
		{"blameless.counterfactual", func(in *Input) {
			in.Postmortem.Section("detection").Body = "The alert should have fired sooner."
		}, "detection", "should have"},
		{"blameless.judgement", func(in *Input) {
			in.Postmortem.Section("detection").Body = "A careless review let it through; obviously the value was wrong."
		}, "detection", "careless"},
		{"blameless.animated", func(in *Input) {
			in.Postmortem.Section("detection").Body = "It was a total nightmare for the team."
		}, "detection", "nightmare"},
		{"blameless.animated", func(in *Input) {
			in.Postmortem.Section("detection").Body = "Errors everywhere!!"
		}, "detection", "Exclamation"},
		{"action-items.missing", func(in *Input) { in.ActionItems = nil }, "action-items", "no action items"},
		{"action-items.owner", func(in *Input) { in.ActionItems[0].Owner = "" }, "action-items", "AI-11"},
		{"action-items.due-date", func(in *Input) { in.ActionItems[1].DueDate = nil }, "action-items", "AI-12"},
		{"action-items.specific", func(in *Input) { in.ActionItems[1].Title = "Improve monitoring" }, "action-items", "improve"},
		{"action-items.specific", func(in *Input) { in.ActionItems[1].Title = "Look into the alert window" }, "action-items", "look into"},
		{"action-items.specific", func(in *Input) { in.ActionItems[1].Title = "Make better alerts" }, "action-items", "make better"},
		{"action-items.specific", func(in *Input) { in.ActionItems[1].Title = "Shorter alert window" }, "action-items", "does not start with a verb"},
		{"action-items.specific", func(in *Input) { in.ActionItems[1].Title = "Adding a shorter alert window" }, "action-items", "Add a shorter alert window"},
		{"action-items.preventive", func(in *Input) { in.ActionItems[0].Type = debrief.ActionProcess }, "action-items", "SEV2"},
		{"publish.on-time", func(in *Input) { in.Postmortem.PublishedAt = ptr(day("2026-03-20T09:00:00Z")) }, "", "after the deadline"},
		{"publish.on-time", func(in *Input) {
			in.Postmortem.PublishedAt = nil
			in.Postmortem.Status = debrief.PostmortemInReview
		}, "", "overdue"},
		{"publish.shared", func(in *Input) {
			in.Postmortem.PublishedAt = nil
			in.Postmortem.Status = debrief.PostmortemDraft
		}, "", "not shared"},
	}
	good := Check(goodRecord(), nil)
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			if fs := findings(good, tc.rule); len(fs) > 0 {
				t.Fatalf("Check(good record) already has %s: %s", tc.rule, fs[0].Message)
			}
			in := goodRecord()
			tc.break_(in)
			rep := Check(in, nil)
			fs := findings(rep, tc.rule)
			if len(fs) == 0 {
				t.Fatalf("Check(broken record) has no %s finding; got %s", tc.rule, describe(rep))
			}
			f := fs[0]
			if f.Section != tc.section {
				t.Errorf("%s finding section = %q, want %q", tc.rule, f.Section, tc.section)
			}
			if !strings.Contains(strings.ToLower(f.Message+" "+f.Suggestion+" "+f.Excerpt), strings.ToLower(tc.contain)) {
				t.Errorf("%s finding = %q / %q, want it to mention %q", tc.rule, f.Message, f.Suggestion, tc.contain)
			}
			if f.Line < 1 || f.Hint == "" || f.Severity == "" {
				t.Errorf("%s finding = %+v, want a line ≥ 1, a hint and a severity", tc.rule, f)
			}
			if rep.Score >= good.Score {
				t.Errorf("score with %s = %d, want below the good record's %d", tc.rule, rep.Score, good.Score)
			}
		})
	}
	// Every rule has at least one case.
	covered := map[string]bool{}
	for _, tc := range cases {
		covered[tc.rule] = true
	}
	for _, r := range Rules() {
		if !covered[r.ID] {
			t.Errorf("rule %s has no test case", r.ID)
		}
	}
}

// TestVariablesAreRendered checks that a section written with template
// variables is read as its readers see it.
func TestVariablesAreRendered(t *testing.T) {
	in := goodRecord()
	in.Incident.Impact = ""
	in.Postmortem.Section("impact").Body = "Checkout failed for {{incident.duration}}."
	if fs := findings(Check(in, nil), "impact.numbers"); len(fs) != 0 {
		t.Errorf("impact with {{incident.duration}} = %s, want it read as a duration", fs[0].Message)
	}
	in.Incident = nil
	if fs := findings(Check(in, nil), "impact.numbers"); len(fs) == 0 {
		t.Errorf("impact with an unresolvable variable has no impact.numbers finding")
	}
}

func cloneWithStarting(t *debrief.CustomTemplate, key, text string) *debrief.CustomTemplate {
	c := *t
	c.Sections = append([]debrief.TemplateSection(nil), t.Sections...)
	for i := range c.Sections {
		if c.Sections[i].Key == key {
			c.Sections[i].StartingText = text
		}
	}
	return &c
}

// TestNeutralWordingNotFlagged checks phrases that look like the flagged ones
// but are fine.
func TestNeutralWordingNotFlagged(t *testing.T) {
	for _, text := range []string{
		"The database failed over to the replica at 14:31.",
		"Paged Priya at 14:09; she acknowledged within a minute.",
		"We should add a canary stage for configuration.",
		"The alert should fire within two minutes after this change.",
		"Chaos engineering exercises are scheduled monthly.",
		"Run `careless --stupid` in a code span is ignored.",
		"```\nhe forgot it\n```",
	} {
		in := goodRecord()
		in.Postmortem.Section("detection").Body = text
		rep := Check(in, nil)
		for _, f := range rep.Findings {
			if strings.HasPrefix(f.Rule, "blameless.") {
				t.Errorf("Check(detection = %q) flagged %s: %s", text, f.Rule, f.Message)
			}
		}
	}
}

func TestLinesPointIntoTheDocument(t *testing.T) {
	in := parseFile(t, "poor.md")
	rep := Check(in, nil)
	lines := strings.Split(string(must(os.ReadFile("testdata/poor.md"))), "\n")
	for _, f := range rep.Findings {
		if f.Rule == "blameless.person" && strings.Contains(f.Message, "Bob") {
			if got := lines[f.Line-1]; !strings.Contains(got, "Bob") {
				t.Errorf("blameless.person at line %d = %q, want the line with Bob", f.Line, got)
			}
			if f.Column != 1 {
				t.Errorf("blameless.person column = %d, want 1", f.Column)
			}
		}
		if f.Rule == "action-items.specific" && f.Excerpt == "Improve testing" {
			if got := lines[f.Line-1]; got != "- Improve testing" {
				t.Errorf("action item finding at line %d = %q, want '- Improve testing'", f.Line, got)
			}
		}
	}
	// Stored records count lines in their Markdown layout: title, blank,
	// "## Summary", blank, body.
	rep = Check(func() *Input {
		in := goodRecord()
		in.Postmortem.Section("summary").Body = "First line.\nThe alert should have fired."
		return in
	}(), nil)
	fs := findings(rep, "blameless.counterfactual")
	if len(fs) != 1 || fs[0].Line != 6 || fs[0].SectionLine != 2 || fs[0].Section != "summary" {
		t.Errorf("counterfactual in summary line 2 = %+v, want line 6, section line 2", fs)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestRealPostmortems lints real, published postmortems (testdata/real,
// see SOURCES.md): they parse, every finding points at a line of the file,
// and the structure the rules need is found.
func TestRealPostmortems(t *testing.T) {
	files, err := filepath.Glob("testdata/real/*.md")
	if err != nil || len(files) < 5 {
		t.Fatalf("testdata/real holds %d files (%v), want at least 5", len(files), err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src := must(os.ReadFile(file))
			nLines := bytes.Count(src, []byte("\n")) + 1
			in, err := ParseMarkdown(src, filepath.Base(file))
			if err != nil {
				t.Fatalf("ParseMarkdown = %v", err)
			}
			if len(in.Postmortem.Sections) == 0 {
				t.Errorf("ParseMarkdown found no sections")
			}
			rep := Check(in, nil)
			if rep.Score < 0 || rep.Score > 100 {
				t.Errorf("score = %d, want 0..100", rep.Score)
			}
			for _, f := range rep.Findings {
				if f.Line < 1 || f.Line > nLines {
					t.Errorf("%s at line %d, want 1..%d", f.Rule, f.Line, nLines)
				}
				if ruleByID(f.Rule) == nil || f.Message == "" {
					t.Errorf("finding %+v has an unknown rule or no message", f)
				}
			}
			var buf bytes.Buffer
			for _, format := range Formats {
				buf.Reset()
				if err := WriteReport(&buf, rep, format, filepath.Base(file)); err != nil {
					t.Errorf("WriteReport(%s) = %v", format, err)
				}
			}
		})
	}
	// Spot checks of what the parser finds in known files.
	checks := []struct {
		file                  string
		title                 string
		timeline, actionItems int
	}{
		{"dfds-PM2023-001-total-node-failure.md", "Total node failure", 16, 6},
		{"posthog-2025-09-29-flags-is-down.md", "PostHog Feature Flags Service Outage - September 29, 2025", 8, 9},
		{"dfds-PM2020-004-coredns-upgrade-issue.md", "CoreDNS upgrade issue", 3, 2},
	}
	for _, c := range checks {
		in := parseFile(t, filepath.Join("real", c.file))
		if in.Postmortem.Title != c.title || len(in.Timeline) != c.timeline || len(in.ActionItems) != c.actionItems {
			t.Errorf("ParseMarkdown(%s) = title %q, %d events, %d action items; want %q, %d, %d",
				c.file, in.Postmortem.Title, len(in.Timeline), len(in.ActionItems), c.title, c.timeline, c.actionItems)
		}
	}
	// The dfds timeline lists 11:08 before 11:07; the rule says so.
	rep := Check(parseFile(t, "real/dfds-PM2023-001-total-node-failure.md"), nil)
	if fs := findings(rep, "timeline.order"); len(fs) == 0 || fs[0].Line != 27 {
		t.Errorf("timeline.order on PM2023-001 = %+v, want a finding at line 27", fs)
	}
}

func TestProjectPostmortemSkipsIncidentRules(t *testing.T) {
	tpl := debrief.BuiltInCustom(debrief.TemplateProject)
	pm := &debrief.Postmortem{Kind: debrief.KindProject, Title: "Self-serve billing launch reached 40% of new accounts in Q1",
		Status: debrief.PostmortemPublished, Template: tpl.Key, TemplateVersion: 1, Sections: tpl.NewSections()}
	for i := range pm.Sections {
		pm.Sections[i].Body = "Written: adoption reached 40% against a goal of 30%."
	}
	rep := Check(FromRecord(pm, nil, nil, nil, tpl), nil)
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.Rule, "timeline.") || strings.HasPrefix(f.Rule, "impact.") || strings.HasPrefix(f.Rule, "root-cause.") || f.Rule == "action-items.missing" {
			t.Errorf("Check(project postmortem) has %s; want no incident rules", f.Rule)
		}
	}
}

// TestSameRulesForRecordAndItsMarkdown exports a stored postmortem with
// package export and lints the Markdown: the same rules must fire as on the
// record, because both go through one Input.
func TestSameRulesForRecordAndItsMarkdown(t *testing.T) {
	for _, name := range []string{"good", "broken"} {
		in := goodRecord()
		if name == "broken" {
			in.Postmortem.Title = "Outage"
			in.Postmortem.Section("detection").Body = "Obviously he should have seen the alert."
			in.ActionItems[0].Owner = ""
			in.ActionItems[1].Title = "Improve alerting"
		}
		doc := &export.Document{Postmortem: in.Postmortem, Incident: in.Incident, Timeline: in.Timeline, ActionItems: in.ActionItems}
		md, err := export.Markdown(doc)
		if err != nil {
			t.Fatalf("export.Markdown(%s) = %v", name, err)
		}
		parsed, err := ParseMarkdown(md, name+".md")
		if err != nil {
			t.Fatalf("ParseMarkdown(export of %s) = %v\n%s", name, err, md)
		}
		parsed.Now, parsed.Template = in.Now, in.Template
		want, got := ruleSet(Check(in, nil)), ruleSet(Check(parsed, nil))
		if want != got {
			t.Errorf("%s: rules on the record = %s, on its Markdown = %s", name, want, got)
		}
		lines := strings.Split(string(md), "\n")
		for _, f := range Check(parsed, nil).Findings {
			if f.Rule == "blameless.counterfactual" && !strings.Contains(lines[f.Line-1], "should have") {
				t.Errorf("%s: counterfactual finding at line %d = %q, want the line with 'should have'", name, f.Line, lines[f.Line-1])
			}
		}
	}
}

func ruleSet(rep *Report) string {
	seen := map[string]bool{}
	var out []string
	for _, f := range rep.Findings {
		if !seen[f.Rule] {
			seen[f.Rule] = true
			out = append(out, f.Rule)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func TestActionItemVerbsRecognised(t *testing.T) {
	for _, title := range []string{
		"Put PgBouncer in front of postgres-eu-1 so pods cannot exhaust connections",
		"Show recent config changes next to every SEV1/SEV2 page",
		"Load-test connection pool changes in staging at production peak",
		"Send a weekly summary of open action items to owners",
	} {
		in := goodRecord()
		in.ActionItems[1].Title = title
		for _, f := range Check(in, nil).Findings {
			if f.Rule == "action-items.specific" {
				t.Errorf("Check(action item %q) = %q, want no action-items.specific finding", title, f.Message)
			}
		}
	}
}
