package web

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/export"
)

func init() {
	// The export routes answer documents; the OpenAPI check reads them as text.
	text := func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(body)
		return string(b), err
	}
	for _, ct := range []string{"text/markdown", "text/html", "application/pdf"} {
		openapi3filter.RegisterBodyDecoder(ct, text)
	}
}

// seedPostmortem stores an incident with a timeline, a postmortem with an
// internal section, and an action item.
func seedPostmortem(t *testing.T, e *testEnv) *debrief.Postmortem {
	t.Helper()
	ctx := e.ctx()
	start := time.Date(2026, 3, 4, 13, 2, 0, 0, time.UTC)
	inc, err := e.svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout API returned 500s for EU customers for 47 minutes", Severity: "SEV2",
		Services: []string{"checkout"}, StartedAt: start, Roles: debrief.Roles{Commander: "ana.perez@example.com"}})
	if err != nil {
		t.Fatalf("CreateIncident: %v", err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	_, err = e.svc.AddTimelineEvents(ctx, inc.ID, []*debrief.TimelineEvent{
		{At: start.In(berlin), Text: "Deploy of payments config | pool 200 → 20", Kind: debrief.KindAction, Actor: "deploy-bot"},
		{At: start.Add(4 * time.Minute), Text: "Error rate alert fired on db-eu-3.internal (10.2.3.4)", Kind: debrief.KindAlert, Lifecycle: debrief.LifecycleDetected},
	}, debrief.AddEventsOptions{})
	if err != nil {
		t.Fatalf("AddTimelineEvents: %v", err)
	}
	pm, err := e.svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID, Template: "sre"})
	if err != nil {
		t.Fatalf("CreatePostmortem: %v", err)
	}
	pm, err = e.svc.UpdatePostmortem(ctx, pm.ID, debrief.PostmortemPatch{SectionBodies: map[string]string{
		"summary":                "For 47 minutes 18% of checkout requests failed; Ana Perez led the response. ({{incident.title}})",
		"supporting-information": "Secret runbook: https://wiki.corp.internal/runbooks/pay",
	}}, pm.Version)
	if err != nil {
		t.Fatalf("UpdatePostmortem: %v", err)
	}
	if _, err := e.svc.CreateActionItem(ctx, &debrief.ActionItem{PostmortemID: &pm.ID, Title: "Add a pool size check to the config linter", Owner: "li@example.com"}); err != nil {
		t.Fatalf("CreateActionItem: %v", err)
	}
	return pm
}

func TestAPIExportImportRoundTrip(t *testing.T) { exportImportRoundTrip(t, openSQLite(t)) }

func TestAPIExportImportRoundTripPostgres(t *testing.T) { exportImportRoundTrip(t, openPostgres(t)) }

// exportImportRoundTrip exports a stored postmortem as Markdown, imports
// it as a new one and checks nothing was lost; bad and plain documents too.
func exportImportRoundTrip(t *testing.T, store debrief.Store) {
	e := newEnv(t, store, Config{})
	pm := seedPostmortem(t, e)
	base := "/api/v1/postmortems/" + pm.Key

	md := e.must(http.StatusOK, "GET", base+"/export?format=md", "", nil)
	if ct := md.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/markdown") {
		t.Errorf("export md Content-Type = %q, want text/markdown", ct)
	}
	if cd := md.header.Get("Content-Disposition"); cd != `attachment; filename="`+pm.Key+`.md"` {
		t.Errorf("export md Content-Disposition = %q", cd)
	}
	doc, err := export.ParseMarkdown(bytes.NewReader(md.body))
	if err != nil {
		t.Fatalf("ParseMarkdown(exported) = %v", err)
	}
	if len(doc.Timeline) != 2 || len(doc.ActionItems) != 1 || doc.Incident == nil {
		t.Fatalf("exported document has %d events, %d action items, incident %v; want 2, 1 and the incident", len(doc.Timeline), len(doc.ActionItems), doc.Incident != nil)
	}

	imp := e.must(http.StatusCreated, "POST", "/api/v1/postmortems/import", string(md.body), map[string]string{"Content-Type": "text/markdown"})
	var got struct {
		importedPostmortem
		Incident *debrief.Incident `json:"incident"`
	}
	imp.decode(t, &got)
	if got.Postmortem.ID == pm.ID || got.Events != 2 || got.ActionItems != 1 || got.Plain || got.Incident == nil {
		t.Fatalf("import answered %+v; want a new postmortem with its 2 events and 1 action item", got)
	}
	md2 := e.must(http.StatusOK, "GET", "/api/v1/postmortems/"+got.Postmortem.Key+"/export", "", nil)
	doc2, err := export.ParseMarkdown(bytes.NewReader(md2.body))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range doc.Postmortem.Sections {
		if s2 := doc2.Postmortem.Sections[i]; s2.Key != s.Key || s2.Body != s.Body || s2.Internal != s.Internal {
			t.Errorf("section %d after the round trip = %+v, want %+v", i, s2, s)
		}
	}
	for i, ev := range doc.Timeline {
		if ev2 := doc2.Timeline[i]; !ev2.At.Equal(ev.At) || ev2.Zone != ev.Zone || ev2.Text != ev.Text || ev2.Lifecycle != ev.Lifecycle {
			t.Errorf("event %d after the round trip = %+v, want %+v", i, ev2, ev)
		}
	}

	// A bad document answers 400 with its line and stores nothing.
	before, _ := e.svc.ListPostmortems(e.ctx(), debrief.PostmortemFilter{})
	bad := strings.Replace(string(md.body), "| action |", "| acting |", 1)
	x := e.do("POST", "/api/v1/postmortems/import", bad, map[string]string{"Content-Type": "text/markdown"})
	if code, _ := x.errorCode(); x.status != http.StatusBadRequest || code != debrief.EInvalid || !strings.Contains(string(x.body), "line ") {
		t.Errorf("import of a bad document = %d %s, want 400 naming the line", x.status, x.body)
	}
	after, _ := e.svc.ListPostmortems(e.ctx(), debrief.PostmortemFilter{})
	if len(after.Items) != len(before.Items) {
		t.Errorf("a failed import stored a postmortem")
	}
	// A plain postmortem written elsewhere.
	plain := "# Search was down for 20 minutes\n\n## Summary\n\nSearch returned errors.\n\n## Timeline\n\n| Time (UTC) | Event |\n|---|---|\n| 2024-05-01 10:00 | Errors began |\n| 2024-05-01 10:20 | Fixed |\n"
	x = e.must(http.StatusCreated, "POST", "/api/v1/postmortems/import", plain, map[string]string{"Content-Type": "text/markdown"})
	x.decode(t, &got)
	if !got.Plain || got.Events != 2 || got.Postmortem.Section("summary") == nil {
		t.Errorf("import of a plain postmortem = %+v, want it read by headings with 2 events", got)
	}
	// Its severity is matched to the installation's levels: by name, by
	// the word a level's description starts with (with a warning), or
	// dropped with a warning; the file is never refused for it.
	for _, tc := range []struct{ written, want, warning string }{
		{"sev-2", "SEV2", ""},
		{"Critical", "SEV1", `the severity "Critical" was read as SEV1`},
		{"Whopping", "SEV4", `the severity "Whopping" is not one of this installation's levels (SEV1, SEV2, SEV3, SEV4)`},
	} {
		doc := "---\nseverity: " + tc.written + "\nservices: [search]\nroot_cause: An index rebuild ran at peak.\n---\n" + strings.Replace(plain, "Search was down", "Search was down ("+tc.written+")", 1)
		var imp struct {
			Postmortem debrief.Postmortem `json:"postmortem"`
			Incident   debrief.Incident   `json:"incident"`
			Warnings   []struct {
				Message string `json:"message"`
			} `json:"warnings"`
		}
		e.must(http.StatusCreated, "POST", "/api/v1/postmortems/import", doc, map[string]string{"Content-Type": "text/markdown"}).decode(t, &imp)
		var warned []string
		for _, w := range imp.Warnings {
			warned = append(warned, w.Message)
		}
		if imp.Incident.Severity != tc.want || strings.Join(imp.Incident.Services, ",") != "search" || imp.Postmortem.RootCause != "An index rebuild ran at peak." {
			t.Errorf("import with severity %q: incident %q %v, root cause %q; want %s, [search]", tc.written, imp.Incident.Severity, imp.Incident.Services, imp.Postmortem.RootCause, tc.want)
		}
		if got := strings.Join(warned, "\n"); tc.warning == "" && strings.Contains(got, "severity") || tc.warning != "" && !strings.Contains(got, tc.warning) {
			t.Errorf("import with severity %q warned %q, want %q", tc.written, got, tc.warning)
		}
	}
	x = e.do("POST", "/api/v1/postmortems/import", "{}", map[string]string{"Content-Type": "application/json"})
	if x.status != http.StatusUnsupportedMediaType {
		t.Errorf("import with Content-Type application/json = %d, want 415", x.status)
	}
}

func TestAPIExportFormats(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	pm := seedPostmortem(t, e)
	base := "/api/v1/postmortems/" + pm.Key
	h := e.must(http.StatusOK, "GET", base+"/export?format=html&zone=Europe/Berlin", "", nil)
	for _, want := range []string{"<h2>Summary</h2>", "Checkout API returned 500s for EU customers for 47 minutes)", "Europe/Berlin", "pool 200 → 20"} {
		if !strings.Contains(string(h.body), want) {
			t.Errorf("export html lacks %q", want)
		}
	}
	j := e.must(http.StatusOK, "GET", base+"/export?format=json", "", nil)
	if !strings.Contains(string(j.body), `"debrief": 1`) || !strings.Contains(string(j.body), `"action_items"`) {
		t.Errorf("export json = %s", truncate(string(j.body), 200))
	}
	p := e.must(http.StatusOK, "GET", base+"/export?format=pdf", "", nil)
	if !bytes.HasPrefix(p.body, []byte("%PDF-")) || p.header.Get("Content-Type") != "application/pdf" {
		t.Errorf("export pdf answered %s %q", p.header.Get("Content-Type"), p.body[:min(10, len(p.body))])
	}
	for _, tc := range []struct{ query, field string }{{"?format=docx", "format"}, {"?zone=Mars/Base", "zone"}, {"?colour=red", "colour"}} {
		x := e.do("GET", base+"/export"+tc.query, "", nil)
		if code, field := x.errorCode(); x.status != http.StatusBadRequest || code != debrief.EInvalid || field != tc.field {
			t.Errorf("GET export%s = %d %s %s, want 400 invalid %s", tc.query, x.status, code, field, tc.field)
		}
	}
	if x := e.do("GET", "/api/v1/postmortems/PM-999/export", "", nil); x.status != http.StatusNotFound {
		t.Errorf("export of a missing postmortem = %d, want 404", x.status)
	}
}

func TestAPIPublicVersionAndLinks(t *testing.T) {
	// Requests without the test header are anonymous and rejected, so the
	// public page is shown to have no login.
	auth := func(r *http.Request) (debrief.Actor, error) {
		if r.Header.Get("Authorization") != "Bearer test" {
			return debrief.Actor{}, debrief.Errorf(debrief.EUnauthorized, "", "Sign in or send an API token.")
		}
		return debrief.Actor{Email: "ana@example.com", Role: debrief.RoleAdmin}, nil
	}
	e := newEnv(t, openSQLite(t), Config{Authenticate: auth})
	pm := seedPostmortem(t, e)
	base := "/api/v1/postmortems/" + pm.Key
	signed := map[string]string{"Authorization": "Bearer test"}
	secrets := []string{"ana.perez@example.com", "Ana Perez", "db-eu-3", "10.2.3.4", "deploy-bot", "wiki.corp.internal", "Secret runbook", "li@example.com"}

	x := e.must(http.StatusOK, "GET", base+"/public", "", signed)
	var prev publicPreview
	x.decode(t, &prev)
	if len(prev.LeftOut) != 1 || prev.LeftOut[0] != "Supporting information" || prev.Redactions == 0 {
		t.Errorf("public preview left out %v with %d redactions; want the internal section and some redactions", prev.LeftOut, prev.Redactions)
	}
	for _, s := range secrets {
		if strings.Contains(string(x.body), s) {
			t.Errorf("public preview contains %q", s)
		}
	}
	md := e.must(http.StatusOK, "GET", base+"/public?format=md", "", signed)
	if _, err := export.ParseMarkdown(bytes.NewReader(md.body)); err != nil {
		t.Errorf("public Markdown does not read back: %v", err)
	}

	if x := e.do("POST", base+"/public-link", "", nil); x.status != http.StatusUnauthorized {
		t.Errorf("POST public-link without credentials = %d, want 401", x.status)
	}
	x = e.must(http.StatusCreated, "POST", base+"/public-link", "", signed)
	var link publicLinkBody
	x.decode(t, &link)
	if len(link.Token) < 40 || link.Path != "/public/"+link.Token || !link.Active {
		t.Fatalf("POST public-link = %s, want an active link with a long token", x.body)
	}
	page := e.do("GET", link.Path, "", nil) // no credentials
	if page.status != http.StatusOK || !strings.Contains(string(page.body), "This is the public version") {
		t.Fatalf("GET %s without login = %d, want the public page", link.Path, page.status)
	}
	if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("public page Content-Security-Policy = %q", csp)
	}
	for _, s := range secrets {
		if strings.Contains(string(page.body), s) {
			t.Errorf("public page contains %q", s)
		}
	}
	list := e.must(http.StatusOK, "GET", base+"/public-links", "", signed)
	if strings.Contains(string(list.body), link.Token) || !strings.Contains(string(list.body), `"active":true`) {
		t.Errorf("public-links list = %s; want the active link without its token", list.body)
	}
	e.must(http.StatusOK, "DELETE", base+"/public-links/"+itoa64(link.ID), "", signed)
	if x := e.do("GET", link.Path, "", nil); x.status != http.StatusNotFound || !strings.Contains(string(x.body), "does not exist") {
		t.Errorf("GET %s after revoking = %d, want 404", link.Path, x.status)
	}
	if x := e.do("GET", "/public/not-a-token", "", nil); x.status != http.StatusNotFound {
		t.Errorf("GET /public/not-a-token = %d, want 404", x.status)
	}
	if x := e.do("DELETE", base+"/public-links/999", "", signed); x.status != http.StatusNotFound {
		t.Errorf("DELETE unknown public link = %d, want 404", x.status)
	}
	_ = context.Background
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
