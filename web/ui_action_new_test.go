package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// TestUIAddActionItem: the form adds an item to the incident and its only
// postmortem and goes back to the page it came from; a missing title is a
// sentence beside the field with the rest kept; a viewer gets 403; a
// private incident is 404 to a non-member; the way back stays on the site.
func TestUIAddActionItem(t *testing.T) {
	bothEngines(t, func(t *testing.T, store debrief.Store) {
		e := newAdminUIEnv(t, store)
		rita := debrief.WithActor(t.Context(), e.ritaUser.Actor("test"))
		inc, err := e.svc.CreateIncident(rita, &debrief.Incident{Title: "Checkout API returned 500s for 42 minutes", StartedAt: time.Now().Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		pm, err := e.svc.CreatePostmortem(rita, debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "rita@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		// The incident page and the editor show the form.
		for _, path := range []string{"/incidents/" + inc.Key, "/postmortems/" + pm.Key + "/edit"} {
			if body := uiRequest(e.h, "GET", path, nil, e.rita).Body.String(); !strings.Contains(body, `action="/action-items"`) || !strings.Contains(body, `name="postmortem" value="`+pm.Key+`"`) {
				t.Errorf("GET %s has no form adding an action item to %s", path, pm.Key)
			}
		}
		if body := uiRequest(e.h, "GET", "/incidents/"+inc.Key, nil, e.vic).Body.String(); strings.Contains(body, `action="/action-items"`) {
			t.Error("a viewer's incident page has the form adding an action item")
		}

		form := url.Values{"incident": {inc.Key}, "back": {"/incidents/" + inc.Key + "#items-h"}, "title": {"Alert on connections per database"},
			"owner": {"rita@example.com"}, "due": {"2026-04-01"}, "priority": {"P2"}, "type": {"detect"}}
		rec := uiRequest(e.h, "POST", "/action-items", form, e.rita)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/incidents/"+inc.Key+"#items-h" {
			t.Fatalf("POST /action-items = %d to %q; want 303 back to the incident", rec.Code, rec.Header().Get("Location"))
		}
		items, err := e.svc.ListActionItems(rita, debrief.ActionItemFilter{PostmortemID: &pm.ID})
		if err != nil || len(items.Items) != 1 {
			t.Fatalf("the postmortem's items = %+v, %v; want the one added", items.Items, err)
		}
		it := items.Items[0]
		if it.Title != "Alert on connections per database" || it.Owner != "rita@example.com" || it.Priority != debrief.PriorityP2 || it.Type != debrief.ActionDetect ||
			it.IncidentID == nil || *it.IncidentID != inc.ID || it.DueDate == nil || it.DueDate.Format("2006-01-02") != "2026-04-01" {
			t.Errorf("added item = %+v; want the form's fields on the incident", it)
		}

		// A missing title: 422, a sentence, the rest kept, nothing added.
		bad := url.Values{"incident": {inc.Key}, "title": {"  "}, "owner": {"otto@example.com"}, "due": {"someday"}}
		rec = uiRequest(e.h, "POST", "/action-items", bad, e.rita)
		body := rec.Body.String()
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="item-title-error"`) || !strings.Contains(body, `id="item-due-error"`) || !strings.Contains(body, `value="otto@example.com"`) {
			t.Errorf("POST without a title = %d; want 422 with sentences beside title and due and the owner kept:\n%s", rec.Code, body)
		}
		if items, _ := e.svc.ListActionItems(rita, debrief.ActionItemFilter{IncidentID: &inc.ID}); len(items.Items) != 1 {
			t.Errorf("after the refused form the incident has %d items; want 1", len(items.Items))
		}
		// The way back never leaves the site.
		evil := url.Values{"incident": {inc.Key}, "title": {"Rotate the database password"}, "back": {"//evil.example.com/x"}}
		if rec := uiRequest(e.h, "POST", "/action-items", evil, e.rita); rec.Header().Get("Location") != "/action-items" {
			t.Errorf("back=//evil.example.com went to %q; want /action-items", rec.Header().Get("Location"))
		}
		// A viewer may not; a private incident is not there for a non-member.
		if rec := uiRequest(e.h, "POST", "/action-items", form, e.vic); rec.Code != http.StatusForbidden {
			t.Errorf("viewer POST /action-items = %d; want 403", rec.Code)
		}
		private, err := e.svc.CreateIncident(debrief.WithActor(t.Context(), e.adaUser.Actor("test")), &debrief.Incident{Title: "Payroll export leaked to a shared folder",
			Private: true, Members: []string{"ada@example.com"}, StartedAt: time.Now().Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if rec := uiRequest(e.h, "POST", "/action-items", url.Values{"incident": {private.Key}, "title": {"Lock the bucket"}}, e.rita); rec.Code != http.StatusNotFound {
			t.Errorf("non-member POST for a private incident = %d; want 404", rec.Code)
		}
		if rec := uiRequest(e.h, "GET", "/action-items/new?incident="+inc.Key, nil, e.rita); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "<h1>Add an action item</h1>") {
			t.Errorf("GET /action-items/new = %d; want the form's own page", rec.Code)
		}
	})
}
