package web

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// TestUIProjectPlainForms: a project postmortem is started from its form,
// its dates, metrics and each member's feedback are saved with plain forms;
// the metrics show as a table and a chart; a bad number and a stale save
// come back with a sentence and the writer's input kept; a viewer sees no
// forms and gets 403; each member's entry is their own.
func TestUIProjectPlainForms(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			svc, h, c := newUITeam(t, engine.open(t))
			ritaC, ottoC, vicC := c.cookie["rita"], c.cookie["otto"], c.cookie["vic"]

			// Start one: the form names the project template.
			if rec := uiRequest(h, "GET", "/postmortems/new", nil, ritaC); rec.Code != 200 || !strings.Contains(rec.Body.String(), `value="project"`) {
				t.Fatalf("GET /postmortems/new = %d; want the form with the project template", rec.Code)
			}
			if rec := uiRequest(h, "POST", "/postmortems/new", url.Values{"title": {"One-click checkout"}, "template": {"project"}, "live_from": {"2026-03-01"}, "live_until": {"2026-02-01"}}, ritaC); rec.Code != 422 ||
				!strings.Contains(unescaped(rec.Body.String()), "cannot end before it went live") || !strings.Contains(rec.Body.String(), `value="One-click checkout"`) {
				t.Errorf("POST /postmortems/new ending before it starts = %d; want 422 with the sentence and the title kept", rec.Code)
			}
			rec := uiRequest(h, "POST", "/postmortems/new", url.Values{"title": {"One-click checkout for returning customers"}, "template": {"project"}, "live_from": {"2026-03-01"}, "owner": {"rita@example.com"}}, ritaC)
			if rec.Code != 303 || !strings.HasSuffix(rec.Header().Get("Location"), "/project") {
				t.Fatalf("POST /postmortems/new = %d to %q; want 303 to its project page\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
			}
			page := rec.Header().Get("Location")
			key := strings.TrimSuffix(strings.TrimPrefix(page, "/postmortems/"), "/project")
			rita := c.as("rita")
			pm, err := svc.PostmortemByRef(rita, key)
			if err != nil || pm.Kind != debrief.KindProject || pm.Project.LiveFrom == nil || pm.Project.LiveFrom.Format(time.DateOnly) != "2026-03-01" {
				t.Fatalf("the new postmortem = %+v, %v; want a project live from 2026-03-01", pm, err)
			}

			// Metrics: saved, shown as a table and a chart.
			metrics := url.Values{"base_version": {"0"},
				"name": {"Checkout conversion", "p99 checkout latency", ""}, "unit": {"%", "ms", ""},
				"baseline": {"2.1", "900", ""}, "target": {"3", "400", ""}, "result": {"3.4", "520", ""}}
			if rec := uiRequest(h, "POST", page+"/metrics", metrics, ritaC); rec.Code != 303 {
				t.Fatalf("POST metrics = %d\n%s", rec.Code, rec.Body)
			}
			body := unescaped(uiRequest(h, "GET", page, nil, vicC).Body.String())
			for _, want := range []string{"Checkout conversion", "3.4%", "520 ms", "✓ target met", "✗ target not met", "<svg", `class="bar result"`, "Checkout conversion (%)"} {
				if !strings.Contains(body, want) {
					t.Errorf("the project page does not show %q", want)
				}
			}
			if strings.Contains(body, "<form") && strings.Contains(body, "/project/") {
				t.Error("a viewer's project page has edit forms")
			}
			if rec := uiRequest(h, "POST", page+"/feedback", url.Values{"base_version": {"0"}, "text": {"Forged"}}, vicC); rec.Code != 403 {
				t.Errorf("viewer POST feedback = %d; want 403", rec.Code)
			}
			// A bad number: the sentence, and the rows as typed.
			bad := url.Values{"base_version": {"1"}, "name": {"Adoption"}, "unit": {"%"}, "baseline": {"ten"}, "target": {""}, "result": {""}}
			cur, _ := svc.PostmortemByRef(rita, key)
			bad.Set("base_version", strconv.Itoa(cur.Project.MetricsVersion))
			if rec := uiRequest(h, "POST", page+"/metrics", bad, ritaC); rec.Code != 400 || !strings.Contains(unescaped(rec.Body.String()), `The baseline of Adoption, "ten", is not a number`) ||
				!strings.Contains(rec.Body.String(), `value="ten"`) {
				t.Errorf("POST a bad number = %d; want 400 with the sentence and the row kept", rec.Code)
			}
			// A stale metrics save: not applied, the writer's rows kept.
			stale := url.Values{"base_version": {"0"}, "name": {"Only this"}, "unit": {""}, "baseline": {""}, "target": {""}, "result": {"1"}}
			if rec := uiRequest(h, "POST", page+"/metrics", stale, ottoC); rec.Code != 409 || !strings.Contains(rec.Body.String(), `value="Only this"`) || !strings.Contains(rec.Body.String(), "Someone else saved the metrics table") {
				t.Errorf("a stale metrics save = %d; want 409 with the rows kept and a sentence", rec.Code)
			}
			if cur, _ := svc.PostmortemByRef(rita, key); len(cur.Project.Metrics) != 2 {
				t.Errorf("refused metrics saves changed the table: %+v", cur.Project.Metrics)
			}

			// Feedback: each member their own, listed with who and when.
			if rec := uiRequest(h, "POST", page+"/feedback", url.Values{"base_version": {"0"}, "text": {"The launch checklist saved us a day."}}, ritaC); rec.Code != 303 {
				t.Fatalf("rita's feedback = %d\n%s", rec.Code, rec.Body)
			}
			if rec := uiRequest(h, "POST", page+"/feedback", url.Values{"base_version": {"0"}, "text": {"We should have load tested the payment step."}}, ottoC); rec.Code != 303 {
				t.Fatalf("otto's feedback = %d\n%s", rec.Code, rec.Body)
			}
			body = unescaped(uiRequest(h, "GET", page, nil, ottoC).Body.String())
			for _, want := range []string{"Rita", "The launch checklist saved us a day.", "Otto", "load tested the payment step", ">you<"} {
				if !strings.Contains(body, want) {
					t.Errorf("the feedback list does not show %q", want)
				}
			}
			if !strings.Contains(body, `<textarea id="my-feedback" name="text" rows="5">We should have load tested the payment step.</textarea>`) {
				t.Error("otto's form does not hold his own entry")
			}
			// Rita's stale second save (another tab): her text kept, the
			// saved one shown.
			if rec := uiRequest(h, "POST", page+"/feedback", url.Values{"base_version": {"0"}, "text": {"From another tab"}}, ritaC); rec.Code != 409 ||
				!strings.Contains(rec.Body.String(), ">From another tab</textarea>") || !strings.Contains(rec.Body.String(), "Saved now: The launch checklist saved us a day.") {
				t.Errorf("rita's stale feedback save = %d; want 409 with her text kept and the saved one shown", rec.Code)
			}
			got, _ := svc.PostmortemByRef(rita, key)
			if len(got.Project.Feedback) != 2 || got.Project.FeedbackOf("rita@example.com").Text != "The launch checklist saved us a day." {
				t.Errorf("feedback after the stale save = %+v", got.Project.Feedback)
			}

			// The reading view shows the table, the chart and the feedback.
			read := unescaped(uiRequest(h, "GET", "/postmortems/"+key, nil, vicC).Body.String())
			for section, want := range map[string]string{"dates": "1 Mar 2026", "results": "<svg", "feedback": "load tested the payment step"} {
				if got := between(read, `id="section-`+section+`"`, "</section>"); !strings.Contains(got, want) {
					t.Errorf("the reading view's section %s does not show %q:\n%s", section, want, got)
				}
			}
			if strings.Contains(read, `id="project"`) || strings.Contains(read, "Not written yet") && strings.Contains(between(read, `id="section-results"`, "</section>"), "Not written yet") {
				t.Error("the reading view shows the project's parts twice, or calls a section with its part unwritten")
			}
			// An incident postmortem has no project page.
			inc, err := svc.CreateIncident(rita, &debrief.Incident{Title: "Checkout API returned 500s for 40 minutes", StartedAt: time.Now().Add(-time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			ipm, err := svc.CreatePostmortem(rita, debrief.NewPostmortem{IncidentID: &inc.ID})
			if err != nil {
				t.Fatal(err)
			}
			if rec := uiRequest(h, "GET", "/postmortems/"+ipm.Key+"/project", nil, ritaC); rec.Code != 404 {
				t.Errorf("GET an incident postmortem's project page = %d; want 404", rec.Code)
			}
		})
	}
}
