package web

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"

	"github.com/debriefhq/debrief/quality"
)

func init() { scenarioSteps = append(scenarioSteps, templatesScenario) }

const securityTemplate = `{"key": "security", "name": "Security incident", "kind": "incident",
 "policy": {"severities": ["SEV1", "SEV2"], "incident_types": ["security"], "required_for": ["SEV1"], "due_days": 3},
 "sections": [
  {"key": "summary", "heading": "Summary", "guidance": "What happened.", "required": true, "starting_text": "{{incident.title}} lasted {{incident.duration}}."},
  {"key": "exposure", "heading": "Data exposure", "guidance": "What was exposed.", "required": true, "internal": true}]}`

// templatesScenario manages a custom template through its versions, then
// lints a stored postmortem, a draft of it and a Markdown document.
func templatesScenario(t *testing.T, e *testEnv) {
	t.Helper()
	var ct struct {
		Key     string `json:"key"`
		Version int    `json:"version"`
	}
	e.must(201, "POST", "/api/v1/templates", securityTemplate, nil).decode(t, &ct)
	if ct.Key != "security" || ct.Version != 1 {
		t.Errorf("POST /api/v1/templates = %+v, want security v1", ct)
	}
	// Applying the same content changes nothing; changed content adds a version.
	e.must(200, "PUT", "/api/v1/templates/security", securityTemplate, nil).decode(t, &ct)
	if ct.Version != 1 {
		t.Errorf("PUT same template = v%d, want v1 unchanged", ct.Version)
	}
	changed := strings.Replace(securityTemplate, `"due_days": 3`, `"due_days": 2`, 1)
	e.must(200, "PUT", "/api/v1/templates/security", changed, map[string]string{"If-Match": `"1"`}).decode(t, &ct)
	if ct.Version != 2 {
		t.Errorf("PUT changed template = v%d, want v2", ct.Version)
	}
	e.must(201, "PUT", "/api/v1/templates/billing", strings.Replace(securityTemplate, `"key": "security"`, `"key": "billing"`, 1), nil)
	var versions struct {
		Items []struct {
			Version int `json:"version"`
			Policy  struct {
				DueDays int `json:"due_days"`
			} `json:"policy"`
		} `json:"items"`
	}
	e.must(200, "GET", "/api/v1/templates/security/versions", "", nil).decode(t, &versions)
	if len(versions.Items) != 2 || versions.Items[1].Policy.DueDays != 3 {
		t.Errorf("GET versions = %+v, want 2 versions, the old one with due_days 3", versions.Items)
	}
	e.must(200, "GET", "/api/v1/templates/security/versions/1", "", nil)
	e.must(200, "GET", "/api/v1/templates/security/versions/latest", "", nil)
	e.must(204, "DELETE", "/api/v1/templates/billing", "", map[string]string{"If-Match": `"1"`})

	// Lint a stored postmortem, and a draft of it as an editor would.
	var inc struct{ Key string }
	e.must(201, "POST", "/api/v1/incidents", `{"title": "Checkout API returned 503s", "severity": "SEV2", "services": ["checkout"], "started_at": "2026-03-01T10:00:00Z"}`, nil).decode(t, &inc)
	var req struct {
		Template string `json:"template"`
		Required bool   `json:"required"`
	}
	e.must(200, "GET", "/api/v1/incidents/"+inc.Key+"/postmortem-requirement", "", nil).decode(t, &req)
	if req.Template != "incident" || !req.Required {
		t.Errorf("GET postmortem-requirement (SEV2, no labels) = %+v, want the incident template, required", req)
	}
	var secInc struct{ Key string }
	e.must(201, "POST", "/api/v1/incidents", `{"title": "Session tokens written to logs", "severity": "SEV2", "labels": ["security"], "started_at": "2026-03-01T10:00:00Z"}`, nil).decode(t, &secInc)
	e.must(200, "GET", "/api/v1/incidents/"+secInc.Key+"/postmortem-requirement", "", nil).decode(t, &req)
	if req.Template != "security" || req.Required {
		t.Errorf("GET postmortem-requirement (SEV2 security) = %+v, want the security template, not required (it requires SEV1 only)", req)
	}
	var pm struct {
		Key     string `json:"key"`
		Version int    `json:"version"`
	}
	e.must(201, "POST", "/api/v1/postmortems", `{"incident_id": "`+inc.Key+`", "template": "sre"}`, nil).decode(t, &pm)
	var stored quality.Report
	e.must(200, "GET", "/api/v1/postmortems/"+pm.Key+"/lint", "", nil).decode(t, &stored)
	if stored.Errors == 0 || stored.Score > 60 {
		t.Errorf("GET lint of an empty postmortem = score %d, %d errors; want a low score with errors", stored.Score, stored.Errors)
	}
	var draft quality.Report
	e.must(200, "POST", "/api/v1/lint", `{"postmortem_id": "`+pm.Key+`", "section_bodies": {"summary": "Then he forgot the canary. Obviously careless."}}`, nil).decode(t, &draft)
	found := map[string]bool{}
	for _, f := range draft.Findings {
		found[f.Rule] = true
	}
	if !found["blameless.person"] || !found["blameless.judgement"] {
		t.Errorf("POST lint of a draft = %v, want blameless.person and blameless.judgement", found)
	}
	md, _ := json.Marshal(map[string]string{"markdown": "# Outage\n\n## Summary\n\nHuman error.\n", "name": "pm.md"})
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	e.must(200, "POST", "/api/v1/lint?format=sarif", string(md), nil).decode(t, &sarif)
	if sarif.Version != "2.1.0" || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) == 0 {
		t.Errorf("POST lint?format=sarif = %+v, want a SARIF 2.1.0 log with results", sarif)
	}
	e.must(200, "GET", "/api/v1/lint/rules", "", nil)
}

func TestTemplateAndLintErrors(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	cases := []struct {
		method, path, body string
		headers            map[string]string
		status             int
		field              string
	}{
		{"POST", "/api/v1/templates", strings.Replace(securityTemplate, "incident.title", "incident.titel", 1), nil, 400, "sections[0].starting_text"},
		{"POST", "/api/v1/templates", strings.Replace(securityTemplate, `"key": "security"`, `"key": "sre"`, 1), nil, 400, "key"},
		{"POST", "/api/v1/templates", `{"key": "x", "name": "X", "sections": [], "colour": 1}`, nil, 400, "colour"},
		{"PUT", "/api/v1/templates/other", securityTemplate, nil, 400, "key"},
		{"PUT", "/api/v1/templates/security", securityTemplate, map[string]string{"If-Match": `"4"`}, 404, "template"},
		{"DELETE", "/api/v1/templates/incident", "", map[string]string{"If-Match": `"1"`}, 400, "key"},
		{"GET", "/api/v1/templates/security/versions/zero", "", nil, 400, "version"},
		{"GET", "/api/v1/templates/nope/versions", "", nil, 404, "template"},
		{"POST", "/api/v1/lint", `{}`, nil, 400, "markdown"},
		{"POST", "/api/v1/lint", `{"markdown": "# x", "postmortem_id": 1}`, nil, 400, "markdown"},
		{"POST", "/api/v1/lint", `{"markdown": "# x", "config": {"rules": {"no.such.rule": "off"}}}`, nil, 400, "config"},
		{"POST", "/api/v1/lint?format=xml", `{"markdown": "# x"}`, nil, 400, "format"},
		{"GET", "/api/v1/postmortems/PM-999/lint", "", nil, 404, ""},
	}
	for _, c := range cases {
		x := e.do(c.method, c.path, c.body, c.headers)
		code, field := x.errorCode()
		if x.status != c.status || field != c.field {
			t.Errorf("%s %s %s = %d %s (field %q), want %d on field %q", c.method, c.path, truncate(c.body, 60), x.status, code, field, c.status, c.field)
		}
	}
}

// BenchmarkLintDraft is what an editor calls as the author types: POST
// /api/v1/lint with a postmortem id and one unsaved section, through the
// whole handler on SQLite (store reads included).
func BenchmarkLintDraft(b *testing.B) {
	store := openSQLite(b)
	svc := debrief.NewService(store, inputChecks)
	ctx := debrief.WithActor(context.Background(), LocalActor)
	inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout API returned 503s", Severity: "SEV2", Services: []string{"checkout"},
		StartedAt: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	pm, err := svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID, Template: "sre"})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		at := inc.StartedAt.Add(time.Duration(i) * time.Minute)
		if _, err := svc.AddTimelineEvents(ctx, inc.ID, []*debrief.TimelineEvent{{At: at, Text: "Step " + strconv.Itoa(i) + " of the response"}}, debrief.AddEventsOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < 5; i++ {
		if _, err := svc.CreateActionItem(ctx, &debrief.ActionItem{IncidentID: &inc.ID, Title: "Add an alert on checkout error rate " + strconv.Itoa(i)}); err != nil {
			b.Fatal(err)
		}
	}
	h := New(Config{Service: svc, Open: true, Logger: slog.New(slog.DiscardHandler)}).Handler()
	body := `{"postmortem_id": "` + pm.Key + `", "section_bodies": {"summary": "From 14:02 to 14:49 UTC checkout returned 503 to 18% of requests. He should have checked the pool size."}}`
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/api/v1/lint", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("POST /api/v1/lint = %d %s", w.Code, w.Body)
		}
	}
}
