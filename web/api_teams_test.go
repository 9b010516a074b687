package web

import (
	"fmt"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// TestAPITeams walks teams through the API on both engines: create, the
// one-owner rule as 409 on services, read by name with its ETag, change
// with If-Match (a stale one is 409), delete, and a viewer's refusals.
func TestAPITeams(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			e := newEnv(t, engine.open(t), Config{})
			var pay debrief.Team
			e.must(201, "POST", "/api/v1/teams", `{"name":"payments","members":["Ana@example.com"],"services":["checkout","billing"]}`, nil).decode(t, &pay)
			if fmt.Sprint(pay.Members, pay.Services) != "[ana@example.com] [billing checkout]" || pay.Version != 1 {
				t.Fatalf("POST /teams = %+v, want members lower case, services sorted, version 1", pay)
			}
			x := e.do("POST", "/api/v1/teams", `{"name":"platform","services":["checkout"]}`, nil)
			if code, field := x.errorCode(); x.status != 409 || code != "conflict" || field != "services" {
				t.Fatalf("POST /teams with a service payments owns = %d %s %s, want 409 conflict on services", x.status, code, field)
			}
			x = e.do("POST", "/api/v1/teams", `{"name":"Platform Team"}`, nil)
			if code, field := x.errorCode(); x.status != 400 || code != "invalid" || field != "name" {
				t.Fatalf("POST /teams with a name that is not a slug = %d %s %s, want 400 on name", x.status, code, field)
			}
			x = e.must(200, "GET", "/api/v1/teams/payments", "", nil)
			if got := x.header.Get("ETag"); got != `"1"` {
				t.Errorf("GET /teams/payments ETag = %q, want \"1\"", got)
			}
			var changed debrief.Team
			e.must(200, "PATCH", "/api/v1/teams/payments", `{"services":["billing"]}`, map[string]string{"If-Match": `"1"`}).decode(t, &changed)
			if fmt.Sprint(changed.Services) != "[billing]" || changed.Version != 2 {
				t.Fatalf("PATCH /teams/payments = %+v, want services [billing] at version 2", changed)
			}
			if x := e.do("PATCH", "/api/v1/teams/payments", `{"members":[]}`, map[string]string{"If-Match": `"1"`}); x.status != 409 {
				t.Fatalf("PATCH with a stale If-Match = %d %s, want 409", x.status, x.body)
			}
			// checkout is free again.
			e.must(201, "POST", "/api/v1/teams", `{"name":"platform","services":["checkout"]}`, nil)
			var list struct{ Items []debrief.Team }
			e.must(200, "GET", "/api/v1/teams", "", nil).decode(t, &list)
			if len(list.Items) != 2 || list.Items[0].Name != "payments" || list.Items[1].Name != "platform" {
				t.Fatalf("GET /teams = %+v, want payments and platform", list.Items)
			}
			// The analytics team filter: payments owns billing now.
			for _, service := range []string{"billing", "checkout"} {
				if _, err := e.svc.CreateIncident(e.ctx(), &debrief.Incident{Title: "Trouble in " + service, Services: []string{service}}); err != nil {
					t.Fatal(err)
				}
			}
			var rep struct {
				Incidents int `json:"incidents"`
			}
			e.must(200, "GET", "/api/v1/analytics?team=payments", "", nil).decode(t, &rep)
			if rep.Incidents != 1 {
				t.Errorf("GET /analytics?team=payments counts %d incidents, want 1 (billing's)", rep.Incidents)
			}
			x = e.do("GET", "/api/v1/analytics?team=nobody", "", nil)
			if code, field := x.errorCode(); x.status != 400 || code != "invalid" || field != "team" {
				t.Errorf("GET /analytics?team=nobody = %d %s %s, want 400 on team", x.status, code, field)
			}
			e.must(204, "DELETE", "/api/v1/teams/platform", "", map[string]string{"If-Match": `"1"`})
			if x := e.do("GET", "/api/v1/teams/platform", "", nil); x.status != 404 {
				t.Fatalf("GET a deleted team = %d, want 404", x.status)
			}
		})
	}
}
