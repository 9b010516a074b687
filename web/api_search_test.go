package web

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

func init() { scenarioSteps = append(scenarioSteps, searchScenario) }

// searchScenario declares two incidents that repeat each other, writes and
// publishes a postmortem, then walks search, similar incidents, the digests
// and the feeds.
func searchScenario(t *testing.T, e *testEnv) {
	t.Helper()
	var first, second incidentJSON
	e.must(201, "POST", "/api/v1/incidents", `{"title": "Zookeeper quorum loss stalled the ledger", "severity": "SEV1", "services": ["ledger"], "started_at": "2024-03-05T07:58:00Z"}`, nil).decode(t, &first)
	e.must(201, "POST", "/api/v1/incidents", `{"title": "Zookeeper quorum loss again stalled the ledger", "severity": "SEV2", "services": ["ledger"], "started_at": "2025-03-05T07:58:00Z"}`, nil).decode(t, &second)
	body := `{"incident_id": "` + first.Key + `", "title": "Zookeeper quorum loss stalled the ledger for 20 minutes"}`
	var pm struct {
		Key     string `json:"key"`
		Version int    `json:"version"`
	}
	e.must(201, "POST", "/api/v1/postmortems", body, nil).decode(t, &pm)
	e.must(200, "PATCH", "/api/v1/postmortems/"+pm.Key, `{"status": "published", "version": `+strconv.Itoa(pm.Version)+`}`, nil)

	var res searchResponse
	e.must(200, "GET", "/api/v1/search?"+url.Values{"q": {`zookeeper "quorum loss" severity:1`}}.Encode(), "", nil).decode(t, &res)
	if res.Total != 1 || len(res.Hits) != 1 || res.Hits[0].Key != first.Key || res.Hits[0].Field != "title" {
		t.Errorf("GET /api/v1/search zookeeper severity:1 = %+v, want %s matched in its title", res, first.Key)
	}
	if res.UnderstoodAs != `zookeeper "quorum loss" severity:SEV1` {
		t.Errorf("understood_as = %q, want the canonical query", res.UnderstoodAs)
	}
	var sim struct {
		Items []debrief.SimilarIncident `json:"items"`
	}
	e.must(200, "GET", "/api/v1/incidents/"+second.Key+"/similar", "", nil).decode(t, &sim)
	if len(sim.Items) == 0 || sim.Items[0].Incident.Key != first.Key {
		t.Errorf("GET /api/v1/incidents/%s/similar = %+v, want %s first", second.Key, sim.Items, first.Key)
	}
	var day struct {
		Items []debrief.DigestEntry `json:"items"`
	}
	e.must(200, "GET", "/api/v1/digest/on-this-day?date=2026-03-05", "", nil).decode(t, &day)
	if len(day.Items) < 2 {
		t.Errorf("GET /api/v1/digest/on-this-day?date=2026-03-05 = %+v, want both March 5 incidents", day.Items)
	}
	var weekly struct {
		Weeks []debrief.WeeklyDigest `json:"weeks"`
	}
	e.must(200, "GET", "/api/v1/digest/weekly?weeks=2", "", nil).decode(t, &weekly)
	if len(weekly.Weeks) != 2 || len(weekly.Weeks[0].Postmortems) == 0 {
		t.Errorf("GET /api/v1/digest/weekly?weeks=2 = %+v, want two weeks, the newest with the published postmortem", weekly.Weeks)
	}
	atom := e.must(200, "GET", "/feeds/weekly.atom", "", nil)
	if !strings.HasPrefix(atom.header.Get("Content-Type"), "application/atom+xml") || !strings.Contains(string(atom.body), "Zookeeper quorum loss stalled the ledger for 20 minutes") {
		t.Errorf("GET /feeds/weekly.atom = %s %s, want an Atom feed naming the postmortem", atom.header.Get("Content-Type"), truncate(string(atom.body), 300))
	}
	var feed atomFeed
	if err := xml.Unmarshal(atom.body, &feed); err != nil || len(feed.Entries) == 0 {
		t.Errorf("GET /feeds/weekly.atom does not parse as Atom with entries: %v", err)
	}
	rss := e.must(200, "GET", "/feeds/weekly.rss", "", nil)
	var rf rssFeed
	if err := xml.Unmarshal(rss.body, &rf); err != nil || len(rf.Channel.Items) == 0 || rf.Version != "2.0" {
		t.Errorf("GET /feeds/weekly.rss does not parse as RSS 2.0 with items: %v", err)
	}
}

// TestSearchAPIErrors checks that malformed queries and parameters are 400s
// naming the field, never 500s, on both engines.
func TestSearchAPIErrors(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			e := newEnv(t, engine.open(t), Config{})
			for _, c := range []struct {
				query, field, message string
			}{
				{"q=" + url.QueryEscape(`"unclosed`), "q", "column 1"},
				{"q=" + url.QueryEscape(`timeout OR`), "q", "column 9"},
				{"q=" + url.QueryEscape(`severity:9`), "q", "Unknown severity"},
				{"q=" + url.QueryEscape(`colour:red`), "q", "Unknown filter"},
				{"q=", "q", "Type words"},
				{"", "q", "Type words"},
				{"q=x&limit=0", "limit", "limit"},
				{"q=x&offset=5000", "offset", "offset"},
				{"q=x&sort=new", "sort", "Unknown query parameter"},
			} {
				x := e.do("GET", "/api/v1/search?"+c.query, "", nil)
				code, field := x.errorCode()
				if x.status != 400 || code != debrief.EInvalid || field != c.field || !strings.Contains(string(x.body), c.message) {
					t.Errorf("GET /api/v1/search?%s = %d %s, want 400 invalid on %q mentioning %q", c.query, x.status, x.body, c.field, c.message)
				}
			}
			for _, path := range []string{"/api/v1/digest/on-this-day?date=yesterday", "/api/v1/digest/weekly?weeks=99", "/api/v1/digest/weekly?week=2024-13-01"} {
				if x := e.do("GET", path, "", nil); x.status != 400 {
					t.Errorf("GET %s = %d %s, want 400", path, x.status, x.body)
				}
			}
			if x := e.do("GET", "/api/v1/incidents/INC-999/similar", "", nil); x.status != 404 {
				t.Errorf("GET /api/v1/incidents/INC-999/similar = %d %s, want 404", x.status, x.body)
			}
		})
	}
}

// TestSearchAPIPrivate checks that a viewer who is not a member never sees
// a private incident in search, similar incidents or digests.
func TestSearchAPIPrivate(t *testing.T) {
	viewer := debrief.Actor{Email: "vic@example.com", Role: debrief.RoleViewer}
	e := newEnv(t, openSQLite(t), Config{Authenticate: func(r *http.Request) (debrief.Actor, error) {
		if r.Header.Get("X-Test-Viewer") != "" {
			return viewer, nil
		}
		return LocalActor, nil
	}})
	var secret, open incidentJSON
	e.must(201, "POST", "/api/v1/incidents", `{"title": "Payroll export mailed salaries to the wrong team", "severity": "SEV2", "private": true, "members": ["dana@example.com"], "services": ["payroll"], "started_at": "2024-03-05T07:58:00Z"}`, nil).decode(t, &secret)
	e.must(201, "POST", "/api/v1/incidents", `{"title": "Payroll export ran twice", "severity": "SEV3", "services": ["payroll"], "started_at": "2025-03-05T07:58:00Z"}`, nil).decode(t, &open)
	as := map[string]string{"X-Test-Viewer": "1"}
	var res searchResponse
	e.must(200, "GET", "/api/v1/search?q=payroll", "", as).decode(t, &res)
	if res.Total != 1 || res.Hits[0].Key != open.Key {
		t.Errorf("GET /api/v1/search?q=payroll as a viewer = %+v, want only %s", res.Hits, open.Key)
	}
	e.must(200, "GET", "/api/v1/search?q=payroll", "", nil).decode(t, &res)
	if res.Total != 2 {
		t.Errorf("GET /api/v1/search?q=payroll as admin = %d hits, want 2", res.Total)
	}
	var sim struct {
		Items []debrief.SimilarIncident `json:"items"`
	}
	e.must(200, "GET", "/api/v1/incidents/"+open.Key+"/similar", "", as).decode(t, &sim)
	if len(sim.Items) != 0 {
		t.Errorf("GET /api/v1/incidents/%s/similar as a viewer = %+v, want the private incident left out", open.Key, sim.Items)
	}
	if x := e.do("GET", "/api/v1/incidents/"+secret.Key+"/similar", "", as); x.status != 404 {
		t.Errorf("GET /api/v1/incidents/%s/similar as a viewer = %d, want 404 for a private incident", secret.Key, x.status)
	}
	var day struct {
		Items []debrief.DigestEntry `json:"items"`
	}
	e.must(200, "GET", "/api/v1/digest/on-this-day?date=2026-03-05", "", as).decode(t, &day)
	if len(day.Items) != 1 || day.Items[0].Key != open.Key {
		t.Errorf("on-this-day as a viewer = %+v, want only %s", day.Items, open.Key)
	}
}
