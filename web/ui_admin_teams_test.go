package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// TestUIAdminTeams adds, changes and removes teams through the admin page
// on both engines: bad input and a service another team owns come back as
// sentences with the admin's text kept, a stale form keeps its text and
// names what the other change did, and non-admins are refused.
func TestUIAdminTeams(t *testing.T) {
	bothEngines(t, func(t *testing.T, store debrief.Store) {
		e := newAdminUIEnv(t, store)
		e.forbidden("GET", "/admin/teams", nil)
		e.forbidden("POST", "/admin/teams", url.Values{"name": {"x"}})

		rec := uiRequest(e.h, "GET", "/admin/teams", nil, e.ada)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "No teams yet") {
			t.Fatalf("GET /admin/teams = %d, want 200 saying there are no teams:\n%s", rec.Code, rec.Body)
		}
		rec = uiRequest(e.h, "POST", "/admin/teams", url.Values{"name": {"payments"}, "services": {"checkout\nbilling"}, "members": {"Ana@example.com, bo@example.com"}}, e.ada)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("POST /admin/teams = %d, want 303:\n%s", rec.Code, rec.Body)
		}
		pay, err := e.svc.Team(e.sys, "payments")
		if err != nil || fmt.Sprint(pay.Services, pay.Members) != "[billing checkout] [ana@example.com bo@example.com]" {
			t.Fatalf("Team(payments) = %+v, %v; want the services and members typed, one a line or separated by commas", pay, err)
		}
		// The incident page names the teams owning its services.
		inc, err := e.svc.CreateIncident(e.sys, &debrief.Incident{Title: "Checkout API returned 500s", Services: []string{"checkout", "search"}})
		if err != nil {
			t.Fatal(err)
		}
		if body := uiRequest(e.h, "GET", "/incidents/"+inc.Key, nil, e.vic).Body.String(); !strings.Contains(body, `<dt>Teams</dt><dd><a class="tag" href="/analytics?team=payments">payments</a>`) {
			t.Errorf("incident page does not name payments as its team:\n%s", body)
		}
		rec = uiRequest(e.h, "POST", "/admin/teams", url.Values{"name": {"platform"}, "services": {"edge\ncheckout"}}, e.ada)
		body := rec.Body.String()
		if rec.Code != http.StatusConflict || !strings.Contains(body, "owned by the team payments") || !strings.Contains(body, "edge\ncheckout</textarea>") {
			t.Fatalf("POST /admin/teams with payments' service = %d, want 409 naming payments with the text kept:\n%s", rec.Code, body)
		}
		rec = uiRequest(e.h, "POST", "/admin/teams", url.Values{"name": {"Platform Team"}}, e.ada)
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "lower case letters, digits and dashes") ||
			!strings.Contains(rec.Body.String(), `value="Platform Team"`) {
			t.Fatalf("POST /admin/teams with a bad name = %d, want 422 with a sentence and the name kept:\n%s", rec.Code, rec.Body)
		}

		// Someone else changes payments; the stale form keeps its text.
		members := []string{"cy@example.com"}
		if _, err := e.svc.UpdateTeam(e.sys, "payments", debrief.TeamPatch{Members: &members}, pay.Version); err != nil {
			t.Fatal(err)
		}
		stale := url.Values{"name": {"payments"}, "services": {"billing"}, "members": {"ana@example.com"}, "version": {strconv.Itoa(pay.Version)}}
		rec = uiRequest(e.h, "POST", "/admin/teams/payments", stale, e.ada)
		body = rec.Body.String()
		if rec.Code != http.StatusConflict || !strings.Contains(body, "Someone else changed this team") || !strings.Contains(body, "cy@example.com") ||
			!strings.Contains(body, ">billing</textarea>") || !strings.Contains(body, `name="version" value="2"`) {
			t.Fatalf("stale POST /admin/teams/payments = %d, want 409 naming the other change, the text kept and version 2:\n%s", rec.Code, body)
		}
		stale.Set("version", "2")
		if rec = uiRequest(e.h, "POST", "/admin/teams/payments", stale, e.ada); rec.Code != http.StatusSeeOther {
			t.Fatalf("POST /admin/teams/payments saved again = %d, want 303:\n%s", rec.Code, rec.Body)
		}
		if pay, _ = e.svc.Team(e.sys, "payments"); fmt.Sprint(pay.Services, pay.Members) != "[billing] [ana@example.com]" || pay.Version != 3 {
			t.Fatalf("Team(payments) after saving again = %+v, want billing and ana at version 3", pay)
		}
		rec = uiRequest(e.h, "POST", "/admin/teams/payments/delete", url.Values{"version": {"2"}}, e.ada)
		if rec.Code != http.StatusConflict {
			t.Fatalf("stale remove = %d, want 409", rec.Code)
		}
		if rec = uiRequest(e.h, "POST", "/admin/teams/payments/delete", url.Values{"version": {"3"}}, e.ada); rec.Code != http.StatusSeeOther {
			t.Fatalf("remove = %d, want 303:\n%s", rec.Code, rec.Body)
		}
		if _, err := e.svc.Team(e.sys, "payments"); debrief.ErrorCode(err) != debrief.ENotFound {
			t.Fatalf("Team(payments) after remove = %v, want ENotFound", err)
		}
	})
}
