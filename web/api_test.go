package web

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// fixture is a small realistic record: an incident with a timeline event,
// a postmortem and an action item, and a second incident with nothing.
type fixture struct {
	inc, inc2, pm, ai, ev int64
}

func seed(t *testing.T, e *testEnv) fixture {
	t.Helper()
	ctx := e.ctx()
	start := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	detected := start.Add(4 * time.Minute)
	inc, err := e.svc.CreateIncident(ctx, &debrief.Incident{
		Title: "Checkout API returned 500s for EU customers", Severity: "SEV2",
		Services: []string{"checkout", "payments-gateway"}, Customers: []string{"EU shoppers"},
		Impact: "About 12% of EU checkout attempts failed for 38 minutes.", Labels: []string{"payments"},
		Roles: debrief.Roles{Commander: "alice@example.com", Scribe: "bob@example.com"}, StartedAt: start, DetectedAt: &detected,
	})
	if err != nil {
		t.Fatalf("seed CreateIncident = %v", err)
	}
	inc2, err := e.svc.CreateIncident(ctx, &debrief.Incident{Title: "Search results were stale for 2 hours", Severity: "SEV3", StartedAt: start.Add(48 * time.Hour)})
	if err != nil {
		t.Fatalf("seed CreateIncident(2) = %v", err)
	}
	ev := &debrief.TimelineEvent{At: start.Add(2 * time.Minute), Kind: debrief.KindAlert, Source: debrief.SourceAlertmanager, Text: "CheckoutErrorRate above 5% in eu-west-1", ExternalID: "am-1"}
	if _, err := e.svc.AddTimelineEvents(ctx, inc.ID, []*debrief.TimelineEvent{ev}, debrief.AddEventsOptions{}); err != nil {
		t.Fatalf("seed AddTimelineEvents = %v", err)
	}
	events, err := e.svc.ListTimeline(ctx, inc.ID, debrief.TimelineFilter{})
	if err != nil || len(events) != 1 {
		t.Fatalf("seed ListTimeline = %d events, %v; want 1", len(events), err)
	}
	pm, err := e.svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID, Template: debrief.TemplateIncident})
	if err != nil {
		t.Fatalf("seed CreatePostmortem = %v", err)
	}
	ai, err := e.svc.CreateActionItem(ctx, &debrief.ActionItem{IncidentID: &inc.ID, Title: "Add an alert on checkout error rate above 2%", Owner: "carol@example.com"})
	if err != nil {
		t.Fatalf("seed CreateActionItem = %v", err)
	}
	return fixture{inc: inc.ID, inc2: inc2.ID, pm: pm.ID, ai: ai.ID, ev: events[0].ID}
}

// expand fills placeholders in a path, body or header with the fixture's
// ids and their current versions, read right before the request.
func (e *testEnv) expand(f fixture, s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	ctx := e.ctx()
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	version := func(v int, err error) string {
		if err != nil {
			return "0"
		}
		return strconv.Itoa(v)
	}
	inc, incErr := e.svc.Incident(ctx, f.inc)
	pm, pmErr := e.svc.Postmortem(ctx, f.pm)
	ai, aiErr := e.svc.ActionItem(ctx, f.ai)
	ev, evErr := e.store.TimelineEvent(ctx, f.ev)
	v := func(get func() int, err error) string {
		if err != nil {
			return "0"
		}
		return version(get(), nil)
	}
	return strings.NewReplacer(
		"{inc}", id(f.inc), "{inckey}", debrief.IncidentKey(f.inc), "{inc2}", id(f.inc2),
		"{pm}", id(f.pm), "{pmkey}", debrief.PostmortemKeyPrefix+id(f.pm),
		"{ai}", id(f.ai), "{aikey}", debrief.ActionItemKeyPrefix+id(f.ai), "{ev}", id(f.ev),
		"{incv}", v(func() int { return inc.Version }, incErr),
		"{pmv}", v(func() int { return pm.Version }, pmErr),
		"{aiv}", v(func() int { return ai.Version }, aiErr),
		"{evv}", v(func() int { return ev.Version }, evErr),
	).Replace(s)
}

// worldPaths are read before and after every refused request: none of them
// may change.
var worldPaths = []string{
	"/api/v1/incidents?limit=500", "/api/v1/postmortems?limit=500", "/api/v1/action-items?limit=500",
	"/api/v1/incidents/{inc}", "/api/v1/incidents/{inc}/timeline", "/api/v1/incidents/{inc}/revisions?limit=500",
	"/api/v1/postmortems/{pm}", "/api/v1/postmortems/{pm}/revisions?limit=500", "/api/v1/action-items/{ai}",
}

type badCase struct {
	name         string
	method, path string
	body         string
	headers      map[string]string
	status       int
	code, field  string
}

func TestAPIBadInput(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{MaxBodyBytes: 64 << 10})
	f := seed(t, e)
	ifMatch := func(v string) map[string]string { return map[string]string{"If-Match": v} }
	big := `{"title":"` + strings.Repeat("x", 70<<10) + `"}`
	cases := []badCase{
		// Strict JSON, on create.
		{"create: malformed JSON", "POST", "/api/v1/incidents", `{"title":`, nil, 400, "invalid", ""},
		{"create: not JSON at all", "POST", "/api/v1/incidents", `title=x`, nil, 400, "invalid", ""},
		{"create: unknown field", "POST", "/api/v1/incidents", `{"title":"DNS outage","colour":"red"}`, nil, 400, "invalid", "colour"},
		{"create: unknown nested field", "POST", "/api/v1/incidents", `{"title":"DNS outage","roles":{"pager":"bob"}}`, nil, 400, "invalid", "roles.pager"},
		{"create: server-owned field", "POST", "/api/v1/incidents", `{"title":"DNS outage","version":4}`, nil, 400, "invalid", "version"},
		{"create: wrong type", "POST", "/api/v1/incidents", `{"title":5}`, nil, 400, "invalid", "title"},
		{"create: wrong type in list", "POST", "/api/v1/incidents", `{"title":"DNS outage","services":["dns",7]}`, nil, 400, "invalid", "services[1]"},
		{"create: bad time", "POST", "/api/v1/incidents", `{"title":"DNS outage","started_at":"yesterday"}`, nil, 400, "invalid", "started_at"},
		{"create: time as number", "POST", "/api/v1/incidents", `{"title":"DNS outage","detected_at":1700000000}`, nil, 400, "invalid", "detected_at"},
		{"create: trailing data", "POST", "/api/v1/incidents", `{"title":"DNS outage"} {"title":"again"}`, nil, 400, "invalid", ""},
		{"create: array body", "POST", "/api/v1/incidents", `[{"title":"DNS outage"}]`, nil, 400, "invalid", ""},
		{"create: empty body", "POST", "/api/v1/incidents", ``, map[string]string{"Content-Type": "application/json"}, 400, "invalid", ""},
		{"create: wrong content type", "POST", "/api/v1/incidents", `{"title":"DNS outage"}`, map[string]string{"Content-Type": "text/plain"}, 415, "unsupported", ""},
		{"create: form content type", "POST", "/api/v1/incidents", `{"title":"DNS outage"}`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, "unsupported", ""},
		{"create: too large", "POST", "/api/v1/incidents", big, nil, 413, "too_large", ""},
		{"create: missing title", "POST", "/api/v1/incidents", `{"severity":"SEV1"}`, nil, 400, "invalid", "title"},
		{"create: invalid status", "POST", "/api/v1/incidents", `{"title":"DNS outage","status":"sleeping"}`, nil, 400, "invalid", "status"},
		{"create: unknown severity", "POST", "/api/v1/incidents", `{"title":"DNS outage","severity":"SEV9"}`, nil, 400, "invalid", "severity"},
		{"create: lifecycle out of order", "POST", "/api/v1/incidents", `{"title":"DNS outage","started_at":"2026-03-01T10:00:00Z","detected_at":"2026-03-01T09:00:00Z"}`, nil, 422, "unprocessable", "detected_at"},
		{"create: repeat of missing incident", "POST", "/api/v1/incidents", `{"title":"DNS outage","repeat_of":"INC-99999"}`, nil, 400, "invalid", "repeat_of"},
		{"create: repeat_of not a ref", "POST", "/api/v1/incidents", `{"title":"DNS outage","repeat_of":"PM-3"}`, nil, 400, "invalid", "repeat_of"},

		// Reads and ids.
		{"get: bad id", "GET", "/api/v1/incidents/abc", "", nil, 404, "not_found", ""},
		{"get: wrong key prefix", "GET", "/api/v1/incidents/PM-1", "", nil, 404, "not_found", ""},
		{"get: missing id", "GET", "/api/v1/incidents/99999", "", nil, 404, "not_found", ""},
		{"get: negative id", "GET", "/api/v1/incidents/-3", "", nil, 404, "not_found", ""},
		{"list: bad status", "GET", "/api/v1/incidents?status=investigating,sleeping", "", nil, 400, "invalid", "status"},
		{"list: bad severity", "GET", "/api/v1/incidents?severity=SEV9", "", nil, 400, "invalid", "severity"},
		{"list: bad from", "GET", "/api/v1/incidents?from=yesterday", "", nil, 400, "invalid", "from"},
		{"list: to before from", "GET", "/api/v1/incidents?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "", nil, 400, "invalid", "to"},
		{"list: limit zero", "GET", "/api/v1/incidents?limit=0", "", nil, 400, "invalid", "limit"},
		{"list: limit too big", "GET", "/api/v1/incidents?limit=501", "", nil, 400, "invalid", "limit"},
		{"list: limit not a number", "GET", "/api/v1/incidents?limit=ten", "", nil, 400, "invalid", "limit"},
		{"list: bad cursor", "GET", "/api/v1/incidents?after=xyz", "", nil, 400, "invalid", "after"},
		{"list: unknown parameter", "GET", "/api/v1/incidents?sevrity=SEV1", "", nil, 400, "invalid", "sevrity"},
		{"list: service twice", "GET", "/api/v1/incidents?service=a&service=b", "", nil, 400, "invalid", "service"},
		{"list postmortems: bad kind", "GET", "/api/v1/postmortems?kind=novel", "", nil, 400, "invalid", "kind"},
		{"list postmortems: bad incident", "GET", "/api/v1/postmortems?incident_id=x", "", nil, 400, "invalid", "incident_id"},
		{"list action items: bad status", "GET", "/api/v1/action-items?status=finished", "", nil, 400, "invalid", "status"},
		{"list action items: bad due_before", "GET", "/api/v1/action-items?due_before=soon", "", nil, 400, "invalid", "due_before"},
		{"revisions: bad limit", "GET", "/api/v1/incidents/{inc}/revisions?limit=-1", "", nil, 400, "invalid", "limit"},
		{"revisions: missing incident", "GET", "/api/v1/incidents/99999/revisions", "", nil, 404, "not_found", ""},
		{"templates: unknown", "GET", "/api/v1/templates/haiku", "", nil, 404, "not_found", "template"},
		{"severities: unknown parameter", "GET", "/api/v1/severities?x=1", "", nil, 400, "invalid", "x"},

		// Versions.
		{"patch: no version", "PATCH", "/api/v1/incidents/{inc}", `{"title":"Checkout down"}`, nil, 400, "invalid", "version"},
		{"patch: stale If-Match", "PATCH", "/api/v1/incidents/{inc}", `{"title":"Checkout down"}`, ifMatch(`"99"`), 409, "conflict", "version"},
		{"patch: stale body version", "PATCH", "/api/v1/incidents/{inc}", `{"title":"Checkout down","version":0}`, nil, 409, "conflict", "version"},
		{"patch: malformed If-Match", "PATCH", "/api/v1/incidents/{inc}", `{"title":"Checkout down"}`, ifMatch("latest"), 400, "invalid", "If-Match"},
		{"patch: wildcard If-Match", "PATCH", "/api/v1/incidents/{inc}", `{"title":"Checkout down"}`, ifMatch("*"), 400, "invalid", "If-Match"},
		{"patch: If-Match and body disagree", "PATCH", "/api/v1/incidents/{inc}", `{"title":"Checkout down","version":99}`, ifMatch(`"{incv}"`), 400, "invalid", "version"},
		{"patch: version wrong type", "PATCH", "/api/v1/incidents/{inc}", `{"title":"Checkout down","version":"1"}`, nil, 400, "invalid", "version"},
		{"patch: invalid status", "PATCH", "/api/v1/incidents/{inc}", `{"status":"done"}`, ifMatch(`"{incv}"`), 400, "invalid", "status"},
		{"patch: empty title", "PATCH", "/api/v1/incidents/{inc}", `{"title":"  "}`, ifMatch(`"{incv}"`), 400, "invalid", "title"},
		{"patch: resolved before start", "PATCH", "/api/v1/incidents/{inc}", `{"resolved_at":"2026-02-01T00:00:00Z"}`, ifMatch(`"{incv}"`), 422, "unprocessable", "resolved_at"},
		{"patch: clear unknown field", "PATCH", "/api/v1/incidents/{inc}", `{"clear":["title"]}`, ifMatch(`"{incv}"`), 400, "invalid", "clear"},
		{"patch: repeats itself", "PATCH", "/api/v1/incidents/{inc}", `{"repeat_of":{inc}}`, ifMatch(`"{incv}"`), 400, "invalid", "repeat_of"},
		{"patch: missing incident", "PATCH", "/api/v1/incidents/99999", `{"title":"x"}`, ifMatch(`"1"`), 404, "not_found", ""},
		{"patch: wrong content type", "PATCH", "/api/v1/incidents/{inc}", `{"title":"x"}`, map[string]string{"Content-Type": "text/json", "If-Match": `"{incv}"`}, 415, "unsupported", ""},
		{"delete: no version", "DELETE", "/api/v1/incidents/{inc}", "", nil, 400, "invalid", "version"},
		{"delete: stale", "DELETE", "/api/v1/incidents/{inc}", "", ifMatch(`"99"`), 409, "conflict", "version"},
		{"delete: stale body version", "DELETE", "/api/v1/incidents/{inc}", `{"version":99}`, nil, 409, "conflict", "version"},
		{"delete: unknown body field", "DELETE", "/api/v1/incidents/{inc}", `{"version":{incv},"force":true}`, nil, 400, "invalid", "force"},

		// Timeline.
		{"timeline: missing text", "POST", "/api/v1/incidents/{inc}/timeline", `{"at":"2026-03-01T09:40:00Z"}`, nil, 400, "invalid", "text"},
		{"timeline: missing time", "POST", "/api/v1/incidents/{inc}/timeline", `{"text":"Rolled back"}`, nil, 400, "invalid", "at"},
		{"timeline: bad kind", "POST", "/api/v1/incidents/{inc}/timeline", `{"at":"2026-03-01T09:40:00Z","text":"Rolled back","kind":"oops"}`, nil, 400, "invalid", "kind"},
		{"timeline: bad source", "POST", "/api/v1/incidents/{inc}/timeline", `{"at":"2026-03-01T09:40:00Z","text":"Rolled back","source":"fax"}`, nil, 400, "invalid", "source"},
		{"timeline: bad lifecycle", "POST", "/api/v1/incidents/{inc}/timeline", `{"at":"2026-03-01T09:40:00Z","text":"Rolled back","lifecycle":"over"}`, nil, 400, "invalid", "lifecycle"},
		{"timeline: alert name with a direction control", "POST", "/api/v1/incidents/{inc}/timeline", `{"at":"2026-03-01T09:40:00Z","text":"Fired","alert":"High\u202eRate"}`, nil, 400, "invalid", "alert"},
		{"timeline: unknown field", "POST", "/api/v1/incidents/{inc}/timeline", `{"at":"2026-03-01T09:40:00Z","text":"Rolled back","id":5}`, nil, 400, "invalid", "id"},
		{"timeline: bulk with one bad event", "POST", "/api/v1/incidents/{inc}/timeline", `{"events":[{"at":"2026-03-01T09:40:00Z","text":"Rolled back"},{"at":"2026-03-01T09:41:00Z","text":""}]}`, nil, 400, "invalid", "text"},
		{"timeline: bulk unknown nested field", "POST", "/api/v1/incidents/{inc}/timeline", `{"events":[{"at":"2026-03-01T09:40:00Z","text":"ok"},{"at":"2026-03-01T09:41:00Z","text":"x","colour":"red"}]}`, nil, 400, "invalid", "events[1].colour"},
		{"timeline: bulk bad time", "POST", "/api/v1/incidents/{inc}/timeline", `{"events":[{"at":"2026-03-01T09:40:00Z","text":"ok"},{"at":"noon","text":"Rolled back"}]}`, nil, 400, "invalid", "events[1].at"},
		{"timeline: bulk text wrong type", "POST", "/api/v1/incidents/{inc}/timeline", `{"events":[{"at":"2026-03-01T09:40:00Z","text":7}]}`, nil, 400, "invalid", "events[0].text"},
		{"timeline: bulk not a list", "POST", "/api/v1/incidents/{inc}/timeline", `{"events":{"at":"2026-03-01T09:40:00Z"}}`, nil, 400, "invalid", "events"},
		{"timeline: bulk empty", "POST", "/api/v1/incidents/{inc}/timeline", `{"events":[]}`, nil, 400, "invalid", "events"},
		{"timeline: bulk null", "POST", "/api/v1/incidents/{inc}/timeline", `{"events":null}`, nil, 400, "invalid", "events"},
		{"timeline: lifecycle out of order", "POST", "/api/v1/incidents/{inc}/timeline", `{"at":"2026-03-01T09:31:00Z","text":"Failover done","lifecycle":"mitigated"}`, nil, 422, "unprocessable", "mitigated_at"},
		{"timeline: missing incident", "POST", "/api/v1/incidents/99999/timeline", `{"at":"2026-03-01T09:40:00Z","text":"Rolled back"}`, nil, 404, "not_found", ""},
		{"timeline: empty body", "POST", "/api/v1/incidents/{inc}/timeline", ``, nil, 400, "invalid", ""},
		{"timeline: wrong content type", "POST", "/api/v1/incidents/{inc}/timeline", `{"at":"2026-03-01T09:40:00Z","text":"x"}`, map[string]string{"Content-Type": "text/plain"}, 415, "unsupported", ""},
		{"timeline list: bad source", "GET", "/api/v1/incidents/{inc}/timeline?source=fax", "", nil, 400, "invalid", "source"},
		{"timeline list: bad starred", "GET", "/api/v1/incidents/{inc}/timeline?starred=maybe", "", nil, 400, "invalid", "starred"},
		{"timeline list: missing incident", "GET", "/api/v1/incidents/99999/timeline", "", nil, 404, "not_found", ""},
		{"event patch: stale", "PATCH", "/api/v1/incidents/{inc}/timeline/{ev}", `{"starred":true}`, ifMatch(`"42"`), 409, "conflict", "version"},
		{"event patch: no version", "PATCH", "/api/v1/incidents/{inc}/timeline/{ev}", `{"starred":true}`, nil, 400, "invalid", "version"},
		{"event patch: other incident", "PATCH", "/api/v1/incidents/{inc2}/timeline/{ev}", `{"starred":true}`, ifMatch(`"{evv}"`), 404, "not_found", ""},
		{"event patch: bad id", "PATCH", "/api/v1/incidents/{inc}/timeline/first", `{"starred":true}`, ifMatch(`"1"`), 404, "not_found", ""},
		{"event patch: bad kind", "PATCH", "/api/v1/incidents/{inc}/timeline/{ev}", `{"kind":"gossip"}`, ifMatch(`"{evv}"`), 400, "invalid", "kind"},
		{"event patch: wrong type", "PATCH", "/api/v1/incidents/{inc}/timeline/{ev}", `{"starred":"yes"}`, ifMatch(`"{evv}"`), 400, "invalid", "starred"},
		{"event delete: stale", "DELETE", "/api/v1/incidents/{inc}/timeline/{ev}", "", ifMatch(`"42"`), 409, "conflict", "version"},

		// Postmortems.
		{"postmortem: second for incident", "POST", "/api/v1/postmortems", `{"incident_id":{inc},"template":"sre"}`, nil, 409, "conflict", "incident_id"},
		{"postmortem: unknown template", "POST", "/api/v1/postmortems", `{"incident_id":{inc2},"template":"haiku"}`, nil, 400, "invalid", "template"},
		{"postmortem: missing incident", "POST", "/api/v1/postmortems", `{"incident_id":"INC-99999","template":"incident"}`, nil, 400, "invalid", "incident_id"},
		{"postmortem: incident id of wrong kind", "POST", "/api/v1/postmortems", `{"incident_id":"AI-3"}`, nil, 400, "invalid", "incident_id"},
		{"postmortem: incident id wrong type", "POST", "/api/v1/postmortems", `{"incident_id":true}`, nil, 400, "invalid", "incident_id"},
		{"postmortem: project template with incident", "POST", "/api/v1/postmortems", `{"incident_id":{inc2},"template":"project"}`, nil, 400, "invalid", "template"},
		{"postmortem: incident template without incident", "POST", "/api/v1/postmortems", `{"template":"sre"}`, nil, 400, "invalid", "incident_id"},
		{"postmortem: project ends before start", "POST", "/api/v1/postmortems", `{"template":"project","title":"Launch of saved carts","project":{"live_from":"2026-02-01T00:00:00Z","live_until":"2026-01-01T00:00:00Z"}}`, nil, 422, "unprocessable", "project.live_until"},
		{"postmortem: unknown field", "POST", "/api/v1/postmortems", `{"incident_id":{inc2},"sections":[]}`, nil, 400, "invalid", "sections"},
		{"postmortem patch: stale", "PATCH", "/api/v1/postmortems/{pm}", `{"title":"x"}`, ifMatch(`"77"`), 409, "conflict", "version"},
		{"postmortem patch: bad status", "PATCH", "/api/v1/postmortems/{pm}", `{"status":"final"}`, ifMatch(`"{pmv}"`), 400, "invalid", "status"},
		{"postmortem patch: unknown section", "PATCH", "/api/v1/postmortems/{pm}", `{"section_bodies":{"nope":"x"}}`, ifMatch(`"{pmv}"`), 400, "invalid", "section_bodies"},
		{"postmortem patch: bad section key", "PATCH", "/api/v1/postmortems/{pm}", `{"sections":[{"key":"Bad Key","heading":"H","body":"","required":false}]}`, ifMatch(`"{pmv}"`), 400, "invalid", "sections"},
		{"postmortem patch: lessons wrong type", "PATCH", "/api/v1/postmortems/{pm}", `{"lessons":{"went_well":"all"}}`, ifMatch(`"{pmv}"`), 400, "invalid", "lessons.went_well"},
		{"postmortem patch: section heading wrong type", "PATCH", "/api/v1/postmortems/{pm}", `{"sections":[{"key":"a","heading":"A","body":"","required":false},{"key":"b","heading":2,"body":"","required":false}]}`, ifMatch(`"{pmv}"`), 400, "invalid", "sections[1].heading"},
		{"postmortem patch: section body wrong type", "PATCH", "/api/v1/postmortems/{pm}", `{"section_bodies":{"summary":5}}`, ifMatch(`"{pmv}"`), 400, "invalid", "section_bodies"},
		{"postmortem patch: project on incident postmortem", "PATCH", "/api/v1/postmortems/{pm}", `{"project":{"feedback":[]}}`, ifMatch(`"{pmv}"`), 400, "invalid", "project"},
		{"postmortem get: bad key", "GET", "/api/v1/postmortems/PM-x", "", nil, 404, "not_found", ""},
		{"section patch: unknown section", "PATCH", "/api/v1/postmortems/{pm}/sections/nope", `{"body":"x"}`, ifMatch(`"{pmv}"`), 404, "not_found", "key"},
		{"section patch: empty heading", "PATCH", "/api/v1/postmortems/{pm}/sections/summary", `{"heading":" "}`, ifMatch(`"{pmv}"`), 400, "invalid", "heading"},
		{"section patch: nothing to change", "PATCH", "/api/v1/postmortems/{pm}/sections/summary", `{}`, ifMatch(`"{pmv}"`), 400, "invalid", "body"},
		{"section patch: base ahead of the postmortem", "PATCH", "/api/v1/postmortems/{pm}/sections/summary", `{"body":"x"}`, ifMatch(`"55"`), 400, "invalid", "base_version"},
		{"section patch: no version", "PATCH", "/api/v1/postmortems/{pm}/sections/summary", `{"body":"x"}`, nil, 400, "invalid", "base_version"},
		{"section patch: base_version and If-Match", "PATCH", "/api/v1/postmortems/{pm}/sections/summary", `{"body":"x","base_version":1}`, ifMatch(`"{pmv}"`), 400, "invalid", "base_version"},
		{"section patch: negative base", "PATCH", "/api/v1/postmortems/{pm}/sections/summary", `{"body":"x","base_version":-1}`, nil, 400, "invalid", "base_version"},
		{"section patch: base_version wrong type", "PATCH", "/api/v1/postmortems/{pm}/sections/summary", `{"body":"x","base_version":"1"}`, nil, 400, "invalid", "base_version"},
		{"section patch: body wrong type", "PATCH", "/api/v1/postmortems/{pm}/sections/summary", `{"body":["x"]}`, ifMatch(`"{pmv}"`), 400, "invalid", "body"},
		{"sections: missing postmortem", "GET", "/api/v1/postmortems/99999/sections", "", nil, 404, "not_found", ""},
		{"postmortem delete: stale", "DELETE", "/api/v1/postmortems/{pm}", "", ifMatch(`"77"`), 409, "conflict", "version"},

		// Action items.
		{"action item: no owner record", "POST", "/api/v1/action-items", `{"title":"Add a canary stage"}`, nil, 400, "invalid", "incident_id"},
		{"action item: missing incident", "POST", "/api/v1/action-items", `{"title":"Add a canary stage","incident_id":99999}`, nil, 400, "invalid", "incident_id"},
		{"action item: bad priority", "POST", "/api/v1/action-items", `{"title":"Add a canary stage","incident_id":{inc},"priority":"urgent"}`, nil, 400, "invalid", "priority"},
		{"action item: bad type", "POST", "/api/v1/action-items", `{"title":"Add a canary stage","incident_id":{inc},"type":"hope"}`, nil, 400, "invalid", "type"},
		{"action item: bad tracker link", "POST", "/api/v1/action-items", `{"title":"Add a canary stage","incident_id":{inc},"tracker_url":"javascript:alert(1)"}`, nil, 400, "invalid", "tracker_url"},
		{"action item: bad due date", "POST", "/api/v1/action-items", `{"title":"Add a canary stage","incident_id":{inc},"due_date":"next week"}`, nil, 400, "invalid", "due_date"},
		{"action item: postmortem of other incident", "POST", "/api/v1/action-items", `{"title":"Add a canary stage","incident_id":{inc2},"postmortem_id":"{pmkey}"}`, nil, 400, "invalid", "incident_id"},
		{"action item patch: stale", "PATCH", "/api/v1/action-items/{ai}", `{"status":"done"}`, ifMatch(`"9"`), 409, "conflict", "version"},
		{"action item patch: bad status", "PATCH", "/api/v1/action-items/{aikey}", `{"status":"finished"}`, ifMatch(`"{aiv}"`), 400, "invalid", "status"},
		{"action item patch: clear unknown", "PATCH", "/api/v1/action-items/{ai}", `{"clear":["owner"]}`, ifMatch(`"{aiv}"`), 400, "invalid", "clear"},
		{"action item delete: stale", "DELETE", "/api/v1/action-items/{ai}", "", ifMatch(`"9"`), 409, "conflict", "version"},
		{"action item get: missing", "GET", "/api/v1/action-items/AI-99999", "", nil, 404, "not_found", ""},

		// Paths and methods no route takes.
		{"unknown API path", "GET", "/api/v1/incidnets", "", nil, 404, "not_found", ""},
		{"method not allowed", "PUT", "/api/v1/incidents/{inc}", `{"title":"x"}`, nil, 405, "method_not_allowed", ""},
		{"method not allowed on list", "DELETE", "/api/v1/incidents", "", nil, 405, "method_not_allowed", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			world := make([]string, len(worldPaths))
			for i, p := range worldPaths {
				world[i] = e.expand(f, p)
			}
			before := e.snapshot(world...)
			headers := map[string]string{}
			for k, v := range c.headers {
				headers[k] = e.expand(f, v)
			}
			path, body := e.expand(f, c.path), e.expand(f, c.body)
			x := e.do(c.method, path, body, headers)
			code, field := x.errorCode()
			if x.status != c.status || code != c.code || field != c.field {
				t.Errorf("%s %s %s = %d code=%q field=%q (%s), want %d code=%q field=%q",
					c.method, path, truncate(body, 120), x.status, code, field, truncate(string(x.body), 300), c.status, c.code, c.field)
			}
			if ct := x.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s %s: Content-Type = %q, want application/json", c.method, path, ct)
			}
			if after := e.snapshot(world...); after != before {
				t.Errorf("%s %s was refused with %d but changed stored records:\nbefore: %s\nafter:  %s", c.method, path, x.status, before, after)
			}
			if c.status == http.StatusConflict && strings.Contains(c.path, "{") {
				var b struct {
					Current map[string]any `json:"current"`
				}
				x.decode(t, &b)
				if b.Current == nil || b.Current["version"] == nil {
					t.Errorf("%s %s: 409 body %s, want the current record with its version", c.method, path, truncate(string(x.body), 300))
				}
				if x.header.Get("ETag") == "" {
					t.Errorf("%s %s: 409 without ETag of the current version", c.method, path)
				}
			}
			if c.status == http.StatusMethodNotAllowed && x.header.Get("Allow") == "" {
				t.Errorf("%s %s: 405 without an Allow header", c.method, path)
			}
		})
	}
}

// TestAPIScenario walks every API route's happy path in the order a team
// would use them, checking each exchange against the OpenAPI document, and
// then that every API route in the table was exercised.
func TestAPIScenario(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{Version: "1.2.3"})
	runScenario(t, e)
	var missing []string
	for _, pattern := range coreRoutes {
		if !e.covered[pattern] {
			missing = append(missing, pattern)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("API routes never answered 2xx to a request checked against openapi.yaml: %v", missing)
	}
}

// scenarioSteps are walks other areas add from their own test files (in an
// init function) so that their routes are exercised by the scenario too.
var scenarioSteps []func(t *testing.T, e *testEnv)

// coreRoutes are the routes of the foundation's API, which runScenario
// walks. Other areas' routes are checked against the document by
// TestEveryAPIRouteIsDocumented and by their own tests through testEnv.do.
var coreRoutes = []string{
	"GET /healthz", "GET /readyz", "GET /api/v1/openapi.json",
	"GET /api/v1/incidents", "POST /api/v1/incidents", "GET /api/v1/incidents/{id}", "PATCH /api/v1/incidents/{id}",
	"DELETE /api/v1/incidents/{id}", "GET /api/v1/incidents/{id}/revisions",
	"GET /api/v1/incidents/{id}/timeline", "POST /api/v1/incidents/{id}/timeline",
	"PATCH /api/v1/incidents/{id}/timeline/{event}", "DELETE /api/v1/incidents/{id}/timeline/{event}",
	"GET /api/v1/postmortems", "POST /api/v1/postmortems", "GET /api/v1/postmortems/{id}", "PATCH /api/v1/postmortems/{id}",
	"DELETE /api/v1/postmortems/{id}", "GET /api/v1/postmortems/{id}/sections", "PATCH /api/v1/postmortems/{id}/sections/{key}",
	"GET /api/v1/postmortems/{id}/revisions",
	"GET /api/v1/action-items", "POST /api/v1/action-items", "GET /api/v1/action-items/{id}", "PATCH /api/v1/action-items/{id}",
	"DELETE /api/v1/action-items/{id}",
	"GET /api/v1/templates", "GET /api/v1/templates/{key}", "GET /api/v1/severities",
}

func runScenario(t *testing.T, e *testEnv) {
	t.Helper()
	for _, step := range scenarioSteps {
		step(t, e)
	}
	// Operations and reference data.
	e.must(200, "GET", "/healthz", "", nil)
	e.must(200, "GET", "/readyz", "", nil)
	// The test's requests come from 192.0.2.1, which is not loopback
	// (TestMetricsAccess covers who may read them).
	e.must(403, "GET", "/metrics", "", nil)
	doc := e.must(200, "GET", "/api/v1/openapi.json", "", nil)
	var spec map[string]any
	doc.decode(t, &spec)
	if spec["openapi"] != "3.1.0" {
		t.Errorf("GET /api/v1/openapi.json: openapi = %v, want 3.1.0", spec["openapi"])
	}
	var sev listBody[debrief.SeverityLevel]
	e.must(200, "GET", "/api/v1/severities", "", nil).decode(t, &sev)
	if len(sev.Items) != 4 || sev.Items[0].Name != "SEV1" {
		t.Errorf("GET /api/v1/severities = %+v, want SEV1..SEV4", sev.Items)
	}
	var tpls listBody[*debrief.Template]
	e.must(200, "GET", "/api/v1/templates", "", nil).decode(t, &tpls)
	if len(tpls.Items) < 3 {
		t.Errorf("GET /api/v1/templates = %d templates, want the 3 built-in ones", len(tpls.Items))
	}
	e.must(200, "GET", "/api/v1/templates/sre", "", nil)

	// Declare an incident.
	x := e.must(201, "POST", "/api/v1/incidents", `{
		"title": "Checkout API returned 500s for EU customers",
		"severity": "SEV2",
		"services": ["checkout", "payments-gateway"],
		"customers": ["EU shoppers"],
		"impact": "About 12% of EU checkout attempts failed.",
		"labels": ["payments", "eu-west-1"],
		"roles": {"commander": "alice@example.com", "scribe": "bob@example.com"},
		"started_at": "2026-03-01T10:30:00+01:00",
		"detected_at": "2026-03-01T09:34:00Z"
	}`, nil)
	var inc incidentJSON
	x.decode(t, &inc)
	if inc.Key == "" || inc.Version != 1 || inc.Status != debrief.StatusInvestigating {
		t.Fatalf("POST /api/v1/incidents = %+v, want a key, version 1, status investigating", inc.Incident)
	}
	if got, want := x.header.Get("Location"), "/api/v1/incidents/"+strconv.FormatInt(inc.ID, 10); got != want {
		t.Errorf("POST /api/v1/incidents Location = %q, want %q", got, want)
	}
	if got := x.header.Get("ETag"); got != `"1"` {
		t.Errorf("POST /api/v1/incidents ETag = %q, want \"1\"", got)
	}
	if d := inc.Durations.TimeToDetect; d == nil || *d != 240 {
		t.Errorf("POST /api/v1/incidents durations.time_to_detect_seconds = %v, want 240", d)
	}
	incPath := "/api/v1/incidents/" + inc.Key
	x = e.must(200, "GET", incPath, "", nil)
	if x.header.Get("ETag") != `"1"` {
		t.Errorf("GET %s ETag = %q, want \"1\"", incPath, x.header.Get("ETag"))
	}
	e.must(304, "GET", incPath, "", map[string]string{"If-None-Match": `"1"`})

	// Change it with If-Match, then with the version in the body.
	x = e.must(200, "PATCH", incPath, `{"status":"identified","labels":["payments"]}`, map[string]string{"If-Match": `"1"`})
	x.decode(t, &inc)
	if inc.Version != 2 || x.header.Get("ETag") != `"2"` {
		t.Errorf("PATCH %s = version %d ETag %q, want 2", incPath, inc.Version, x.header.Get("ETag"))
	}
	e.must(200, "PATCH", incPath, `{"status":"monitoring","mitigated_at":"2026-03-01T09:50:00Z","version":2}`, nil).decode(t, &inc)
	if inc.MitigatedAt == nil || inc.Durations.TimeToMitigate == nil {
		t.Errorf("PATCH status=monitoring: mitigated_at = %v, durations = %+v; want both set", inc.MitigatedAt, inc.Durations)
	}

	// Lists, filters and pages.
	e.must(201, "POST", "/api/v1/incidents", `{"title":"Search results were stale for 2 hours","severity":"SEV3","started_at":"2026-03-02T08:00:00Z"}`, nil)
	var page listBody[incidentJSON]
	e.must(200, "GET", "/api/v1/incidents?status=monitoring,investigating&severity=SEV2&service=checkout&label=payments&owner=alice@example.com&from=2026-03-01T00:00:00Z&to=2026-03-03T00:00:00Z", "", nil).decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != inc.ID {
		t.Errorf("GET /api/v1/incidents with every filter = %d items, want only %s", len(page.Items), inc.Key)
	}
	e.must(200, "GET", "/api/v1/incidents?limit=1", "", nil).decode(t, &page)
	if len(page.Items) != 1 || page.NextCursor == "" {
		t.Fatalf("GET /api/v1/incidents?limit=1 = %d items, cursor %q; want 1 and a cursor", len(page.Items), page.NextCursor)
	}
	first := page.Items[0].ID
	e.must(200, "GET", "/api/v1/incidents?limit=1&after="+page.NextCursor, "", nil).decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID == first {
		t.Errorf("second page = %+v, want one other incident", page.Items)
	}
	var revs listBody[*debrief.Revision]
	e.must(200, "GET", incPath+"/revisions", "", nil).decode(t, &revs)
	if len(revs.Items) != 3 || revs.Items[0].Action != "update" || revs.Items[2].Action != "create" {
		t.Errorf("GET %s/revisions = %d revisions, want update, update, create", incPath, len(revs.Items))
	}

	// Timeline: one event, then a batch with a duplicate.
	var added timelineAdded
	e.must(201, "POST", incPath+"/timeline", `{"at":"2026-03-01T10:32:00+01:00","kind":"alert","source":"alertmanager","text":"CheckoutErrorRate above 5%","external_id":"am-77","alert":"CheckoutErrorRate"}`, nil).decode(t, &added)
	if added.Added != 1 || len(added.Events) != 1 || added.Events[0].ID == 0 || added.Events[0].Zone != "+01:00" || added.Events[0].Alert != "CheckoutErrorRate" {
		t.Errorf("POST timeline (one event) = %+v, want 1 added with an id, zone +01:00 and the alert's name", added)
	}
	e.must(201, "POST", incPath+"/timeline", `{"events":[
		{"at":"2026-03-01T10:32:00+01:00","kind":"alert","source":"alertmanager","text":"CheckoutErrorRate above 5%","external_id":"am-77"},
		{"at":"2026-03-01T09:45:00Z","kind":"decision","text":"Roll back the 09:20 deploy","starred":true},
		{"at":"2026-03-01T09:58:00Z","kind":"resolution","text":"Error rate back to baseline","lifecycle":"resolved"}
	]}`, nil).decode(t, &added)
	if added.Added != 2 || len(added.Events) != 3 {
		t.Errorf("POST timeline (batch with a duplicate) = added %d of %d, want 2 of 3", added.Added, len(added.Events))
	}
	var events listBody[*debrief.TimelineEvent]
	e.must(200, "GET", incPath+"/timeline", "", nil).decode(t, &events)
	if len(events.Items) != 3 {
		t.Fatalf("GET timeline = %d events, want 3", len(events.Items))
	}
	e.must(200, "GET", incPath+"/timeline?starred=true&kind=decision", "", nil).decode(t, &events)
	if len(events.Items) != 1 {
		t.Fatalf("GET timeline?starred=true = %d events, want 1", len(events.Items))
	}
	ev := events.Items[0]
	evPath := incPath + "/timeline/" + strconv.FormatInt(ev.ID, 10)
	var changed debrief.TimelineEvent
	e.must(200, "PATCH", evPath, `{"text":"Roll back the 09:20 checkout deploy"}`, map[string]string{"If-Match": `"` + strconv.Itoa(ev.Version) + `"`}).decode(t, &changed)
	if changed.Version != ev.Version+1 || changed.Text != "Roll back the 09:20 checkout deploy" {
		t.Errorf("PATCH %s = %+v, want the new text at version %d", evPath, changed, ev.Version+1)
	}
	e.must(204, "DELETE", evPath, `{"version":`+strconv.Itoa(changed.Version)+`}`, nil)
	e.must(200, "GET", incPath, "", nil).decode(t, &inc)
	if inc.ResolvedAt == nil {
		t.Errorf("after a resolved-tagged event, incident resolved_at is empty")
	}

	// Postmortem from the SRE template, edited section by section.
	x = e.must(201, "POST", "/api/v1/postmortems", `{"incident_id":"`+inc.Key+`","template":"sre","owner":"alice@example.com"}`, nil)
	var pm debrief.Postmortem
	x.decode(t, &pm)
	if pm.Title != inc.Title || len(pm.Sections) != 10 || pm.Version != 1 || x.header.Get("Location") == "" {
		t.Errorf("POST /api/v1/postmortems = %q with %d sections v%d, want the incident's title, 10 sections, v1", pm.Title, len(pm.Sections), pm.Version)
	}
	pmPath := "/api/v1/postmortems/" + pm.Key
	e.must(200, "GET", pmPath, "", nil)
	var secs sectionsJSON
	x = e.must(200, "GET", pmPath+"/sections", "", nil)
	x.decode(t, &secs)
	if len(secs.Items) != 10 || secs.Version != 1 || x.header.Get("ETag") != `"1"` {
		t.Errorf("GET %s/sections = %d sections v%d, want 10 at v1", pmPath, len(secs.Items), secs.Version)
	}
	e.must(200, "PATCH", pmPath+"/sections/summary", `{"body":"A bad deploy made EU checkout fail for 24 minutes."}`, map[string]string{"If-Match": `"1"`}).decode(t, &pm)
	if s := pm.Section("summary"); pm.Version != 2 || s == nil || !strings.HasPrefix(s.Body, "A bad deploy") {
		t.Errorf("PATCH section summary = v%d %+v, want v2 with the new body", pm.Version, s)
	}
	e.must(200, "PATCH", pmPath+"/sections/trigger", `{"heading":"What set it off","body":"The 09:20 deploy.","version":2}`, nil).decode(t, &pm)
	if s := pm.Section("trigger"); pm.Version != 3 || s == nil || s.Heading != "What set it off" {
		t.Errorf("PATCH section trigger heading = v%d %+v, want v3 with the new heading", pm.Version, s)
	}
	// Two writers of different sections from the same base both succeed;
	// a stale save of the same section gets both texts and the base.
	e.must(200, "PATCH", pmPath+"/sections/impact", `{"body":"4% of EU checkouts failed.","base_version":1}`, nil).decode(t, &pm)
	e.must(200, "PATCH", pmPath+"/sections/detection", `{"body":"An alert fired after 6 minutes.","base_version":1}`, nil).decode(t, &pm)
	if pm.Version != 5 || pm.Section("impact").Version != 4 || pm.Section("detection").Version != 5 {
		t.Errorf("two section saves from base 1 = v%d (impact v%d, detection v%d), want v5, 4 and 5", pm.Version, pm.Section("impact").Version, pm.Section("detection").Version)
	}
	x = e.do("PATCH", pmPath+"/sections/impact", `{"body":"Every EU checkout failed.","base_version":1}`, nil)
	var sc struct {
		Error   errorDetail             `json:"error"`
		Current debrief.SectionConflict `json:"current"`
	}
	x.decode(t, &sc)
	if x.status != 409 || sc.Error.Field != "base_version" || sc.Current.Theirs.Body != "4% of EU checkouts failed." || sc.Current.Yours.Body != "Every EU checkout failed." || sc.Current.Base == nil || x.header.Get("ETag") != `"5"` {
		t.Errorf("stale section save = %d %s, want 409 with theirs, yours, the base and ETag \"5\"", x.status, truncate(string(x.body), 300))
	}
	merged := sc.Current.Theirs.Body + " Every EU checkout failed for 6 minutes."
	e.must(200, "PATCH", pmPath+"/sections/impact", `{"body":"`+merged+`","base_version":`+strconv.Itoa(sc.Current.Theirs.Version)+`}`, nil).decode(t, &pm)
	e.must(200, "PATCH", pmPath, `{"status":"in_review","root_cause":"A config flag defaulted to on.","contributing_factors":["no canary"],"lessons":{"went_well":["fast rollback"],"went_wrong":[],"got_lucky":[]}}`, map[string]string{"If-Match": `"6"`}).decode(t, &pm)
	if pm.Status != debrief.PostmortemInReview || pm.Version != 7 {
		t.Errorf("PATCH %s = %s v%d, want in_review v7", pmPath, pm.Status, pm.Version)
	}
	e.must(200, "GET", pmPath+"/revisions?limit=2", "", nil).decode(t, &revs)
	if len(revs.Items) != 2 || revs.NextCursor == "" {
		t.Errorf("GET %s/revisions?limit=2 = %d items, cursor %q; want 2 and a cursor", pmPath, len(revs.Items), revs.NextCursor)
	}
	x = e.must(201, "POST", "/api/v1/postmortems", `{"template":"project","title":"Launch of saved carts","project":{"live_from":"2026-01-10T00:00:00Z","feedback":[{"member":"dana","text":"Scope grew twice."}]}}`, nil)
	var project debrief.Postmortem
	x.decode(t, &project)
	var pms listBody[*debrief.Postmortem]
	e.must(200, "GET", "/api/v1/postmortems?kind=incident&status=in_review&incident_id="+inc.Key+"&owner=alice@example.com", "", nil).decode(t, &pms)
	if len(pms.Items) != 1 || pms.Items[0].ID != pm.ID {
		t.Errorf("GET /api/v1/postmortems with filters = %d items, want %s", len(pms.Items), pm.Key)
	}

	// Action items.
	x = e.must(201, "POST", "/api/v1/action-items", `{"postmortem_id":"`+pm.Key+`","title":"Add a canary stage to checkout deploys","owner":"bob@example.com","due_date":"2026-04-01","priority":"P2","type":"prevent","tracker_url":"https://tracker.example.com/CHK-12"}`, nil)
	var ai debrief.ActionItem
	x.decode(t, &ai)
	if ai.IncidentID == nil || *ai.IncidentID != inc.ID || ai.DueDate == nil {
		t.Errorf("POST /api/v1/action-items = %+v, want the postmortem's incident and a due date", ai)
	}
	aiPath := "/api/v1/action-items/" + ai.Key
	e.must(200, "GET", aiPath, "", nil)
	e.must(200, "PATCH", aiPath, `{"status":"done"}`, map[string]string{"If-Match": `"1"`}).decode(t, &ai)
	if ai.CompletedAt == nil || ai.Version != 2 {
		t.Errorf("PATCH %s status=done = %+v, want completed_at set at v2", aiPath, ai)
	}
	var items listBody[*debrief.ActionItem]
	e.must(200, "GET", "/api/v1/action-items?status=done&owner=bob@example.com&incident_id="+inc.Key+"&postmortem_id="+pm.Key+"&due_before=2026-05-01T00:00:00Z", "", nil).decode(t, &items)
	if len(items.Items) != 1 {
		t.Errorf("GET /api/v1/action-items with filters = %d items, want 1", len(items.Items))
	}

	// Deletes, each naming its version.
	e.must(204, "DELETE", aiPath, "", map[string]string{"If-Match": `"2"`})
	e.must(404, "GET", aiPath, "", nil)
	e.must(204, "DELETE", "/api/v1/postmortems/"+project.Key, "", map[string]string{"If-Match": `"1"`})
	e.must(204, "DELETE", pmPath, "", map[string]string{"If-Match": `"7"`})
	e.must(200, "GET", incPath, "", nil).decode(t, &inc)
	e.must(204, "DELETE", incPath, "", map[string]string{"If-Match": `"` + strconv.Itoa(inc.Version) + `"`})
	e.must(404, "GET", incPath, "", nil)
}

// TestAPIScenarioPostgres runs the same walk on PostgreSQL.
func TestAPIScenarioPostgres(t *testing.T) {
	e := newEnv(t, openPostgres(t), Config{})
	runScenario(t, e)
}

// TestConcurrentPatchSameVersion sends two changes naming the same version
// at once: exactly one may win; the other must get 409, never a silent
// overwrite.
func TestConcurrentPatchSameVersion(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			e := newEnv(t, engine.open(t), Config{})
			f := seed(t, e)
			for round := 0; round < 10; round++ {
				inc, err := e.svc.Incident(e.ctx(), f.inc)
				if err != nil {
					t.Fatal(err)
				}
				etag := `"` + strconv.Itoa(inc.Version) + `"`
				statuses := make(chan int, 2)
				for _, side := range []string{"A", "B"} {
					// Titles differ every round: a change to the value already
					// stored is a no-op that rightly succeeds without a write.
					title := "Checkout failed for EU customers (round " + strconv.Itoa(round) + side + ")"
					go func() {
						r := httptestRequest("PATCH", "/api/v1/incidents/"+strconv.FormatInt(f.inc, 10), `{"title":"`+title+`"}`)
						r.Header.Set("If-Match", etag)
						rec := newRecorder()
						e.h.ServeHTTP(rec, r)
						statuses <- rec.Code
					}()
				}
				got := []int{<-statuses, <-statuses}
				sort.Ints(got)
				if got[0] != 200 || got[1] != 409 {
					t.Fatalf("round %d: two PATCHes with If-Match %s answered %v, want [200 409]", round, etag, got)
				}
				after, _ := e.svc.Incident(e.ctx(), f.inc)
				if after.Version != inc.Version+1 {
					t.Fatalf("round %d: version after = %d, want %d (exactly one change)", round, after.Version, inc.Version+1)
				}
			}
		})
	}
}

func TestErrorBodyShape(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	x := e.do("POST", "/api/v1/incidents", `{"title":"x","colour":"red"}`, nil)
	var raw map[string]map[string]any
	if err := json.Unmarshal(x.body, &raw); err != nil {
		t.Fatalf("error body %q is not a JSON object: %v", x.body, err)
	}
	for _, k := range []string{"code", "message", "field"} {
		if _, ok := raw["error"][k]; !ok {
			t.Errorf("error body %s lacks error.%s", x.body, k)
		}
	}
	if x.header.Get("X-Request-Id") == "" || x.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("error answer headers = %v, want X-Request-Id and X-Content-Type-Options: nosniff", x.header)
	}
}
