package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/debriefhq/debrief/debrief"
)

func TestIdeasBrowserSQLite(t *testing.T) { testIdeasBrowser(t, openSQLite(t)) }

func TestIdeasBrowserPostgres(t *testing.T) { testIdeasBrowser(t, openPostgresOrSkip(t)) }

// testIdeasBrowser raises an idea through the board's form in Chromium,
// merges it into the likely duplicate the board suggests, and promotes the
// result to an action item; the board passes axe-core at both widths.
func testIdeasBrowser(t *testing.T, store debrief.Store) {
	e := newBrowserEnv(t, store)
	a11y := map[string][]axeViolation{}
	rita := e.asUser("rita")
	var pms []*debrief.Postmortem
	for _, title := range []string{"Checkout API returned 500s after a config push", "Login failed after a config push"} {
		inc, err := e.svc.CreateIncident(rita, &debrief.Incident{Title: title, StartedAt: time.Now().Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		pm, err := e.svc.CreatePostmortem(rita, debrief.NewPostmortem{IncidentID: &inc.ID})
		if err != nil {
			t.Fatal(err)
		}
		pms = append(pms, pm)
	}
	first, err := e.svc.RaiseIdea(rita, pms[0].ID, debrief.NewIdea{Title: "Canary every config change", Detail: "Push to one region, watch, then the rest."})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RaiseIdea(rita, pms[0].ID, debrief.NewIdea{Title: "Write a runbook for login keys"}); err != nil {
		t.Fatal(err)
	}

	tab := e.signedInTab("rita")
	e.open(tab, "/ideas")
	// Raise through the form, as a person would.
	e.do(tab, "fill the raise form",
		chromedp.Click(`details.raise-idea summary`),
		chromedp.SendKeys(chromedp.ID("idea-postmortem"), pms[1].Key),
		chromedp.SendKeys(chromedp.ID("idea-title"), "Canary config changes in one region"))
	if st := e.navigate(tab, "raise an idea", chromedp.Submit(chromedp.ID("idea-title"))); st != 200 {
		t.Fatalf("raising an idea through the form: the page after = %d", st)
	}
	ideas, err := e.svc.ListIdeas(rita, debrief.IdeaFilter{})
	if err != nil || len(ideas) != 3 {
		t.Fatalf("after the form, %d ideas (%v), want 3", len(ideas), err)
	}
	var raised *debrief.Idea
	for _, i := range ideas {
		if i.Title == "Canary config changes in one region" {
			raised = i
		}
	}
	if raised == nil {
		t.Fatalf("the raised idea is not stored: %v", keysOf(ideas))
	}
	// The board suggests the duplicate.
	text := eval[string](e, tab, `document.querySelector('#idea-`+itoa(raised.ID)+`').innerText`)
	if !strings.Contains(text, "Looks like "+first.Key) {
		t.Errorf("the board's row for %s says %q, want it to suggest %s", raised.Key, text, first.Key)
	}
	e.checkAccessibility(tab, "ideas", a11y)
	e.screenshot(tab, "ideas")

	// Merge it into the first through its row's form.
	e.do(tab, "choose the idea to merge into",
		chromedp.SetValue(chromedp.ID("into-"+itoa(raised.ID)), first.Key))
	if st := e.navigate(tab, "merge", chromedp.Click(`#idea-`+itoa(raised.ID)+` form[action$="/merge"] button`)); st != 200 {
		t.Fatalf("merge through the board: the page after = %d", st)
	}
	got, err := e.svc.Idea(rita, first.ID)
	if err != nil || got.Weight != 2 {
		t.Fatalf("after merging through the board %s has weight %d (%v), want 2", first.Key, got.Weight, err)
	}
	if first := eval[string](e, tab, `document.querySelector('ol.ideas li .key').textContent`); first != got.Key {
		t.Errorf("the board's first idea is %s, want the heaviest, %s", first, got.Key)
	}
	// Promote it.
	e.do(tab, "name an owner", chromedp.SendKeys(chromedp.ID("owner-"+itoa(first.ID)), "ops@example.com"))
	if st := e.navigate(tab, "promote", chromedp.Click(`#idea-`+itoa(first.ID)+` form[action$="/promote"] button`)); st != 200 {
		t.Fatalf("promote through the board: the page after = %d", st)
	}
	got, err = e.svc.Idea(rita, first.ID)
	if err != nil || got.Status != debrief.IdeaPromoted || got.ActionItemID == nil {
		t.Fatalf("after promoting through the board %s is %s with item %v (%v)", first.Key, got.Status, got.ActionItemID, err)
	}
	// A stale form answers with a sentence and changes nothing.
	e.open(tab, "/ideas")
	if st := e.navigate(tab, "raise with an unknown postmortem", chromedp.Click(`details.raise-idea summary`),
		chromedp.SendKeys(chromedp.ID("idea-postmortem"), "PM-999"), chromedp.SendKeys(chromedp.ID("idea-title"), "Anything"),
		chromedp.Submit(chromedp.ID("idea-title"))); st != 404 && st != 422 {
		t.Errorf("raising in a missing postmortem answered %d, want 404 or 422 with a sentence", st)
	}
	if msg := eval[string](e, tab, `(document.querySelector('.notice') || {innerText: ''}).innerText`); !strings.Contains(msg, "PM-999") {
		t.Errorf("raising in a missing postmortem shows %q, want a sentence naming PM-999", msg)
	}
	if v := eval[string](e, tab, `document.getElementById('idea-title').value`); v != "Anything" {
		t.Errorf("after the refusal the title box holds %q, want the writer's text kept", v)
	}
	// One postmortem's ideas, as a link from elsewhere names them.
	if st := e.open(tab, "/ideas?status=all&postmortem="+pms[1].Key); st != 200 {
		t.Fatalf("GET /ideas?postmortem=%s = %d", pms[1].Key, st)
	}
	if keys := eval[string](e, tab, `Array.from(document.querySelectorAll('ol.ideas li .key')).map(k => k.textContent).join(' ')`); keys != first.Key+" "+raised.Key {
		t.Errorf("the board of %s lists %q, want %s (which gained its mention by the merge) and %s (merged), not the runbook", pms[1].Key, keys, first.Key, raised.Key)
	}
	if h := eval[string](e, tab, `document.querySelector('h1').textContent`); h != "Improvement ideas raised in "+pms[1].Key {
		t.Errorf("the board of one postmortem is titled %q", h)
	}
	e.report(nil)
}
