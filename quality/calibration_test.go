package quality

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/export"
)

func lintText(t *testing.T, md string) (*Input, *Report) {
	t.Helper()
	in, err := ParseMarkdown([]byte(md), "doc.md")
	if err != nil {
		t.Fatalf("ParseMarkdown: %v", err)
	}
	return in, Check(in, nil)
}

func findingsOf(rep *Report, rule string) []Finding {
	var out []Finding
	for _, f := range rep.Findings {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

// TestCalibration holds the rules that fired wrongly on real postmortems
// (read while scoring the public corpora for docs/QUALITY.md), each on a
// minimal document written for the test: the rule must stay quiet.
func TestCalibration(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		quiet []string // rules that must not fire
		fires []string // rules that still must
	}{
		{"an HTTP status in the title is not a ticket number",
			"# ALB 502 errors\n\n## Summary\n\nThe load balancer returned 502 for 3% of requests for 2 days.\n",
			[]string{"title.ticket", "title.vague"}, []string{"title.length"}},
		{"a system and a symptom say what broke",
			"# ADFS outage\n\n## Summary\n\nSign-in failed for 400 staff for 2 hours.\n",
			[]string{"title.vague"}, []string{"title.length"}},
		{"a ticket number alone is still one",
			"# INC-4521\n\n## Summary\n\nSign-in failed for 400 staff for 2 hours.\n",
			nil, []string{"title.ticket"}},
		{"contributing factors explain the cause",
			"# Traefik pods killed for lack of memory for 5 days\n\n## Contributing Factors\n\n- A limit range applied by hand to every namespace capped Traefik's memory.\n- A memory leak in Traefik.\n",
			[]string{"root-cause.missing"}, nil},
		{"deleting the cause mitigates it and a solved problem is resolved",
			"# Traefik pods killed for lack of memory for 5 days\n\n## Timeline\n\nAll times UTC.\n\n| Time | Event |\n|---|---|\n| 2022-06-02 HH:mm | Detected OOM kills in the traefik pods |\n| 2022-06-02 HH:mm | The limit range in the traefik namespace was deleted |\n| 2022-06-10 HH:mm | Logs confirmed the problem was solved |\n",
			[]string{"timeline.moments", "timeline.missing"}, nil},
		{"a customer reaching out is how it was detected",
			"# SDK broke fetch requests on customer sites for 5 days\n\n## Timeline\n\n| Time (UTC) | Event |\n|---|---|\n| Jan 14, 2026, 10:18 AM | A customer reached out to inform us that fetch requests failed |\n| Jan 17, 2026, 8:13 PM | Rolled back the fetch wrapper |\n| Jan 18, 2026, 9:00 AM | Customers confirmed their sites recovered |\n",
			[]string{"timeline.moments"}, nil},
		{"an entry that is detection and mitigation at once is not out of order",
			"# SDK broke fetch requests on customer sites for 5 days\n\n## Timeline\n\n| Time (UTC) | Event |\n|---|---|\n| Jan 14, 2026, 10:18 AM | A customer reached out to inform us that they had removed the SDK from their site |\n| Jan 16, 2026, 5:44 AM | The customer reported that the first fix did not work |\n| Jan 17, 2026, 8:13 PM | Rolled back the fetch wrapper |\n| Jan 18, 2026, 9:00 AM | Customers confirmed their sites recovered |\n",
			[]string{"timeline.order"}, nil},
		{"a trigger that deletes something is not a mitigation before the detection",
			"# Kafka topics unreadable for 40 minutes\n\n## Timeline\n\n| Time (UTC) | Event |\n|---|---|\n| 2022-07-07 08:58 | A service account was deleted from the Kafka cluster |\n| 2022-07-07 09:08 | Consumers paged on-call with authorization errors |\n| 2022-07-07 09:30 | The account was restored and consumers recovered |\n",
			[]string{"timeline.order"}, nil},
		{"a cause stated in so many words is a root cause",
			"# Chat clients could not connect for 3 hours\n\nMany users could not connect. The incident was triggered by a rolling upgrade of the cache nodes' agents, which emptied the cache.\n",
			[]string{"root-cause.missing"}, nil},
		{"a named thing that caused the outage is its cause",
			"# Sentry down for 9 hours\n\n## Summary\n\nTransaction ID wraparound in Postgres caused Sentry to go down for 9 hours.\n",
			[]string{"root-cause.missing"}, nil},
		{"an alert that was triggered is not a cause",
			"# Sentry down for 9 hours\n\n## Summary\n\nAn alert was triggered and the team was paged within 4 minutes.\n",
			nil, []string{"root-cause.missing"}},
		{"a bug that caused it is not",
			"# Sentry down for 9 hours\n\n## Summary\n\nA bug caused the outage.\n",
			nil, []string{"root-cause.missing"}},
		{"a cause merely hinted at is not",
			"# Chat clients could not connect for 3 hours\n\nMany users could not connect because of problems.\n",
			nil, []string{"root-cause.missing"}},
		{"a disaster recovery plan is not drama",
			"# File server lost data for 2 days\n\n## Summary\n\nThe file server had no disaster recovery plan.\n",
			[]string{"blameless.animated"}, nil},
		{"traffic working as intended again, or a user saying it works, is the resolution",
			"# All services returned 404 for 68 minutes\n\n## Timeline\n\n| Time | Event |\n|---|---|\n| 2021-09-06 08:00 | All services returning 404 |\n| 2021-09-06 08:05 | Investigation started |\n| 2021-09-06 09:00 | Roll back performed by hand |\n| 2021-09-06 09:08 | All ingress traffic working as intended |\n",
			[]string{"timeline.moments"}, nil},
		{"a user reporting back that it works is the resolution",
			"# Some services returned 504 for 7 hours\n\n## Timeline\n\n| Time | Event |\n|---|---|\n| 2021-09-17 13:35 | First report of the issue by a user |\n| 2021-09-17 14:48 | Removed the Ingress object |\n| 2021-09-17 14:49 | First user reports back that it works |\n",
			[]string{"timeline.moments"}, nil},
		{"nodes shipping logs again, or a component now fine, is the resolution",
			"# Logs from 5 of 46 nodes not shipped for 11 hours\n\n## Timeline\n\n| Time | Event |\n|---|---|\n| 2023-04-11 11:20 | First node stops shipping logs |\n| 2023-04-11 20:28 | Alert for Fluentd is noticed by engineer |\n| 2023-04-11 22:04 | Engineer rolls back the faulty version |\n| 2023-04-11 22:25 | The 5 nodes have started shipping logs again |\n",
			[]string{"timeline.moments", "impact.duration"}, nil},
		{"errors starting again are not a recovery",
			"# Logs from 5 of 46 nodes not shipped for 11 hours\n\n## Timeline\n\n| Time | Event |\n|---|---|\n| 2023-04-11 11:20 | First node stops shipping logs |\n| 2023-04-11 20:28 | Alert for Fluentd is noticed by engineer |\n| 2023-04-11 22:04 | Engineer rolls back the faulty version |\n| 2023-04-11 22:25 | Errors started again |\n",
			nil, []string{"timeline.moments"}},
		{"a verb after a prefix is a verb",
			"# Payments failed for 36 minutes\n\n## Action items\n\n| Action | Owner | Due |\n|---|---|---|\n| Re-resolve the database endpoint on connection errors | Priya | 2024-03-20 |\n| Pre-warm the connection pool after a failover | Tom | 2024-03-27 |\n",
			[]string{"action-items.specific"}, nil},
		{"an alias switched back is a mitigation",
			"# Search results empty for 2 hours\n\n## Timeline\n\n| Time | Event |\n|---|---|\n| 2024-06-11 09:00 | Alias switched to the new index |\n| 2024-06-11 09:12 | SearchZeroResults alert fired |\n| 2024-06-11 10:50 | Alias switched back |\n| 2024-06-11 11:05 | Results back to normal |\n",
			[]string{"timeline.moments"}, nil},
		{"lengthen is a verb",
			"# Webhooks delayed for 3 hours\n\n## Action items\n\n| Action | Owner | Due |\n|---|---|---|\n| Lengthen the canary to 30 minutes | Sam | 2024-04-01 |\n",
			[]string{"action-items.specific"}, nil},
		{"a duration in the title is the impact's duration",
			"# Webhook deliveries delayed by up to 3 hours on March 3\n\n## Impact\n\nAbout 1,200 customers received webhooks late.\n",
			[]string{"impact.duration"}, nil},
		{"without one it is still asked for",
			"# Webhook deliveries delayed on March 3\n\n## Impact\n\nAbout 1,200 customers received webhooks late.\n",
			nil, []string{"impact.duration"}},
		{"no further action closes an investigation",
			"# Log4Shell exposure investigated for 3 weeks\n\n## Timeline\n\n| Time | Event |\n|---|---|\n| 2021-12-10   15:40 | We became aware of it in a call |\n| 2021-12-17   14:40 | Vulnerable instances terminated and patched |\n| 2022-01-04 11:03 | Product was patched and no further action was required |\n",
			[]string{"timeline.moments"}, nil},
		{"looking ahead is not hindsight",
			"# Ingress rules failed for 2 hours\n\n## Action items\n\n- We should have a talk with the platform team about what ingress controllers should have in general\n",
			[]string{"blameless.counterfactual"}, nil},
		{"hindsight still is",
			"# Ingress rules failed for 2 hours\n\n## Summary\n\nWe should have tested the rules in staging.\n",
			nil, []string{"blameless.counterfactual"}},
		{"lazy loading is a technique",
			"# SDK broke fetch requests for 5 days\n\n## Summary\n\nThe faulty lazy-loaded script and lazy loading of extensions kept serving the old code.\n",
			[]string{"blameless.judgement"}, nil},
		{"a product that ignores something is not a person",
			"# Certificates expired for 9 hours\n\n## Root cause\n\nThe team believed Firefox ignored certificate expiration dates for add-ons.\n",
			[]string{"blameless.person"}, nil},
		{"the SRE book's milestones mark resolution",
			"# Search down for 66 minutes\n\n## Timeline\n\n2015-10-21 (all times UTC)\n\n- 14:51 paged on 500s\n- 15:36 **OUTAGE MITIGATED** traffic moved\n- 16:00 **OUTAGE ENDS** all traffic back\n",
			[]string{"timeline.moments"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rep := lintText(t, tc.doc)
			for _, r := range tc.quiet {
				if f := findingsOf(rep, r); len(f) > 0 {
					t.Errorf("Check(%q) reports %s: %s; want none", tc.name, r, f[0].Message)
				}
			}
			for _, r := range tc.fires {
				if len(findingsOf(rep, r)) == 0 {
					t.Errorf("Check(%q) reports no %s; want one", tc.name, r)
				}
			}
		})
	}
}

// TestSREShapedPostmortem reads our own document in the SRE book example's
// shape (setext title under "Example postmortem", "**Summary**:" labelled
// paragraphs, an action item table with Type, Owner and Bug columns),
// imports it, exports it back to Markdown and lints both: every part must
// land in its field and both must score at least 75.
func TestSREShapedPostmortem(t *testing.T) {
	src, err := os.ReadFile("testdata/sre-shape.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rep := lintText(t, string(src))
	if rep.Score < 75 {
		t.Errorf("lint score of the SRE-shaped file = %d, want >= 75; findings: %+v", rep.Score, rep.Findings)
	}
	doc, err := export.ParseMarkdown(bytes.NewReader(src))
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	pm := doc.Postmortem
	if pm.Title != "Checkout search down for 52 minutes after a ranking deploy (incident #212)" {
		t.Errorf("title = %q", pm.Title)
	}
	for key, start := range map[string]string{
		"summary": "Product search in the web shop", "impact": "About 380,000 searches failed", "root-causes": "The new ranking build",
		"trigger": "A deploy at 10:02", "resolution": "Rolled the ranking service back", "detection": "The search error-rate alert",
		"lessons-learned": "**What went well**",
	} {
		s := pm.Section(key)
		if s == nil || !strings.HasPrefix(s.Body, start) {
			t.Errorf("section %q = %+v, want a body starting %q", key, s, start)
		}
	}
	if pm.Template != debrief.TemplateSRE {
		t.Errorf("template = %q, want sre", pm.Template)
	}
	if len(doc.Timeline) != 8 {
		t.Errorf("timeline has %d events, want 8; warnings %v", len(doc.Timeline), doc.Warnings)
	}
	want := []struct{ owner, typ string }{{"ines", "mitigate"}, {"ravi", "prevent"}, {"ines", "process"}, {"mo", "prevent"}, {"ravi", "detect"}, {"mo", "process"}}
	if len(doc.ActionItems) != len(want) {
		t.Fatalf("%d action items, want %d; warnings %v", len(doc.ActionItems), len(want), doc.Warnings)
	}
	for i, w := range want {
		a := doc.ActionItems[i]
		if a.Owner != w.owner || string(a.Type) != w.typ {
			t.Errorf("action item %d %q: owner %q type %q, want %q %q", i, a.Title, a.Owner, a.Type, w.owner, w.typ)
		}
	}
	if a := doc.ActionItems[1]; a.TrackerURL != "https://bugs.example.com/4410" {
		t.Errorf("action item 1 tracker = %q", a.TrackerURL)
	}
	// The bug reference that is not an address is kept in the section.
	if s := pm.Section("action-items"); s == nil || !strings.Contains(s.Body, "Bug 4407") {
		t.Errorf("the reference 'Bug 4407' was dropped; action-items section: %+v", s)
	}
	// The incident is dated by the timeline: its milestones, and the page
	// read from its words (which the one warning says).
	inc := doc.Incident
	if inc.DetectedAt == nil || inc.MitigatedAt == nil || inc.ResolvedAt == nil ||
		inc.DetectedAt.Format("15:04") != "10:06" || inc.MitigatedAt.Format("15:04") != "10:47" || inc.ResolvedAt.Format("15:04") != "11:30" {
		t.Errorf("incident times detected %v, mitigated %v, resolved %v; want 10:06, 10:47, 11:30", inc.DetectedAt, inc.MitigatedAt, inc.ResolvedAt)
	}
	for _, w := range doc.Warnings {
		if !strings.HasPrefix(w.Message, "the incident's times were read from the timeline's words: detected at 2025-02-18 10:06 UTC") {
			t.Errorf("import warning: %s", w)
		}
	}
	md, err := export.Markdown(doc)
	if err != nil {
		t.Fatal(err)
	}
	_, rep2 := lintText(t, string(md))
	if rep2.Score < 75 {
		t.Errorf("lint score after import and export = %d, want >= 75; findings: %+v", rep2.Score, rep2.Findings)
	}
}

// TestVagueBlamingPostmortemScoresLow is the other end of the scale: a
// vague title, blame on a named person and "human error", no numbers and
// action items without owners.
func TestVagueBlamingPostmortemScoresLow(t *testing.T) {
	doc := `# Production outage

## Summary

The site was down for a while and customers complained.

## Root cause

Human error. Kevin pushed the wrong config because he was careless.

## Timeline

- 10:00 Kevin pushed the config
- 11:00 someone noticed
- 12:00 it was fixed

## Action items

- Be more careful
- Improve monitoring
`
	_, rep := lintText(t, doc)
	if rep.Score > 40 {
		t.Errorf("score = %d, want <= 40; findings: %+v", rep.Score, rep.Findings)
	}
	for _, r := range []string{"title.vague", "impact.numbers", "action-items.owner"} {
		if len(findingsOf(rep, r)) == 0 {
			t.Errorf("no %s finding; findings: %+v", r, rep.Findings)
		}
	}
	if len(findingsOf(rep, "root-cause.human-error"))+len(findingsOf(rep, "blameless.human-error")) == 0 {
		t.Errorf("no human-error finding; findings: %+v", rep.Findings)
	}
}

// A Markdown file that says nothing of its status may be published (it
// was found in a public repository); only one that says it is a draft is
// called late.
func TestPublishOnTimeNeedsAStatus(t *testing.T) {
	timeline := "## Timeline\n\n| Time | Event |\n|---|---|\n| 2021-06-22 08:21 | VPC CNI replaced by the pipeline |\n| 2021-06-22 08:29 | Issue detected as a result of alerts |\n| 2021-06-22 08:46 | Target groups reattached (resolved) |\n"
	for _, tc := range []struct {
		status string
		late   bool
	}{{"", false}, {"**Status:** Draft\n\n", true}, {"**Status:** Final\n\n", false}} {
		in, err := ParseMarkdown([]byte("# All services returned 503 for 25 minutes\n\n"+tc.status+timeline), "doc.md")
		if err != nil {
			t.Fatal(err)
		}
		in.Now = time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
		if got := len(findingsOf(Check(in, nil), "publish.on-time")) > 0; got != tc.late {
			t.Errorf("status line %q: publish.on-time reported = %v, want %v", tc.status, got, tc.late)
		}
	}
}
