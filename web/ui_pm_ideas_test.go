package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// TestUIPostmortemIdeas raises improvement ideas from a postmortem's
// reading view and its editor, on both engines: each returns to its page,
// which lists the ideas raised there with their weight; a blank title is a
// sentence with the text kept; a viewer sees the ideas but no form.
func TestUIPostmortemIdeas(t *testing.T) {
	bothEngines(t, func(t *testing.T, store debrief.Store) {
		e := newAdminUIEnv(t, store)
		var keys []string
		var ids []int64
		for _, title := range []string{"Checkout API returned 500s after a config push", "Login failed after a config push"} {
			inc, err := e.svc.CreateIncident(e.sys, &debrief.Incident{Title: title})
			if err != nil {
				t.Fatal(err)
			}
			pm, err := e.svc.CreatePostmortem(e.sys, debrief.NewPostmortem{IncidentID: &inc.ID})
			if err != nil {
				t.Fatal(err)
			}
			keys, ids = append(keys, pm.Key), append(ids, pm.ID)
		}
		rec := uiRequest(e.h, "POST", "/postmortems/"+keys[0]+"/ideas", url.Values{"title": {"Canary every config change"}, "note": {"The push went everywhere at once."}}, e.rita)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/postmortems/"+keys[0]+"#idea-IDEA-1" {
			t.Fatalf("raise from the reading view = %d to %q, want 303 back to the postmortem at the idea:\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
		}
		rec = uiRequest(e.h, "POST", "/postmortems/"+keys[1]+"/ideas", url.Values{"title": {"Write a runbook for login keys"}, "editor": {"1"}}, e.rita)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/postmortems/"+keys[1]+"/edit#idea-IDEA-2" {
			t.Fatalf("raise from the editor = %d to %q, want 303 back to the editor", rec.Code, rec.Header().Get("Location"))
		}
		// The same idea raised again in the second postmortem gains weight.
		idea, err := e.svc.Idea(e.sys, 1)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AddIdeaMention(e.sys, idea.ID, ids[1], "", idea.Version); err != nil {
			t.Fatal(err)
		}
		body := uiRequest(e.h, "GET", "/postmortems/"+keys[0], nil, e.rita).Body.String()
		if !strings.Contains(body, `id="idea-IDEA-1"`) || !strings.Contains(body, "Canary every config change") || !strings.Contains(body, "raised in 2 postmortems") ||
			strings.Contains(body, "Write a runbook") || !strings.Contains(body, `action="/postmortems/`+keys[0]+`/ideas"`) {
			t.Fatalf("reading view of %s lacks its idea with weight 2 and the form, or shows another postmortem's:\n%s", keys[0], body)
		}
		body = uiRequest(e.h, "GET", "/postmortems/"+keys[1]+"/edit", nil, e.rita).Body.String()
		if !strings.Contains(body, "Write a runbook for login keys") || !strings.Contains(body, "Canary every config change") || !strings.Contains(body, `name="editor" value="1"`) {
			t.Fatalf("editor of %s lacks both ideas raised in it or the form's way back:\n%s", keys[1], body)
		}
		body = uiRequest(e.h, "GET", "/postmortems/"+keys[0], nil, e.vic).Body.String()
		if !strings.Contains(body, "Canary every config change") || strings.Contains(body, "Raise idea") {
			t.Errorf("reading view for a viewer: want the ideas without the form")
		}
		rec = uiRequest(e.h, "POST", "/postmortems/"+keys[0]+"/ideas", url.Values{"title": {"  "}, "detail": {"Roll out to one region first."}}, e.rita)
		if body := rec.Body.String(); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "The idea needs a title") || !strings.Contains(body, "Roll out to one region first.") {
			t.Fatalf("raise with a blank title = %d, want 422 with a sentence and the detail kept:\n%s", rec.Code, body)
		}
		if rec := uiRequest(e.h, "POST", "/postmortems/"+keys[0]+"/ideas", url.Values{"title": {"x"}}, e.vic); rec.Code != http.StatusForbidden {
			t.Errorf("viewer raising an idea = %d, want 403", rec.Code)
		}
	})
}
