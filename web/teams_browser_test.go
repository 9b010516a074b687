package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/debriefhq/debrief/debrief"
)

// The teams and trackers admin pages, the action items board with its
// export buttons and issue links, and a postmortem's ideas, in a real
// browser: adding a team and exporting an item through the pages work, and
// every page passes axe-core at desktop and phone width.

func TestBrowserTeamsSQLite(t *testing.T) { testBrowserTeams(t, openSQLite(t)) }

func TestBrowserTeamsPostgres(t *testing.T) { testBrowserTeams(t, openPostgresOrSkip(t)) }

func testBrowserTeams(t *testing.T, store debrief.Store) {
	e := newBrowserEnv(t, store, debrief.WithTrackerClient(boardTracker{}))
	a11y := map[string][]axeViolation{}
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	platform, err := e.svc.CreateTeam(sys, &debrief.Team{Name: "platform", Members: []string{"otto@example.com"}, Services: []string{"edge"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range []*debrief.Tracker{
		{Name: "github-platform", Kind: debrief.TrackerGitHub, Project: "acme/platform", Token: "ghp_secret_token"},
		{Name: "jira-ops", Kind: debrief.TrackerJira, BaseURL: "https://acme.atlassian.net", Project: "OPS", Email: "bot@example.com", Token: "j"},
	} {
		if _, err := e.svc.CreateTracker(sys, tr); err != nil {
			t.Fatal(err)
		}
	}
	inc, err := e.svc.CreateIncident(sys, &debrief.Incident{Title: "Checkout API returned 500s", Services: []string{"checkout"}})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := e.svc.CreatePostmortem(sys, debrief.NewPostmortem{IncidentID: &inc.ID})
	if err != nil {
		t.Fatal(err)
	}
	item, err := e.svc.CreateActionItem(sys, &debrief.ActionItem{Title: "Add a canary stage", PostmortemID: &pm.ID, Owner: "rita@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.RaiseIdea(sys, pm.ID, debrief.NewIdea{Title: "Canary every config change"}); err != nil {
		t.Fatal(err)
	}

	// An admin adds a team through the page.
	ada := e.signedInTab("ada")
	e.open(ada, "/admin/teams")
	e.do(ada, "fill the team form",
		chromedp.SendKeys(chromedp.ID("new-name"), "payments"),
		chromedp.SendKeys(chromedp.ID("new-services"), "checkout\nbilling"),
		chromedp.SendKeys(chromedp.ID("new-members"), "rita@example.com"))
	if st := e.navigate(ada, "add the team", chromedp.Submit(chromedp.ID("new-name"))); st != 200 {
		t.Fatalf("adding the team ended at %d", st)
	}
	if got, err := e.svc.Team(sys, "payments"); err != nil || len(got.Services) != 2 {
		t.Fatalf("Team(payments) after the page = %+v, %v", got, err)
	}
	// A refused change shows its sentence beside the field.
	e.do(ada, "take platform's service", chromedp.SetValue(chromedp.ID("new-name"), "edge-team"), chromedp.SetValue(chromedp.ID("new-services"), "edge"))
	if st := e.navigate(ada, "add the refused team", chromedp.Submit(chromedp.ID("new-name"))); st != 409 {
		t.Errorf("adding a team with platform's service answered %d; want 409", st)
	}
	if msg := eval[string](e, ada, `document.getElementById('new-services-error').innerText`); !strings.Contains(msg, "owned by the team platform") {
		t.Errorf("the services error says %q", msg)
	}
	e.checkAccessibility(ada, "admin teams (refused)", a11y)
	e.screenshot(ada, "admin-teams-refused")
	// Remove sits in the save form's row but belongs to the delete form
	// (its form attribute): clicking it removes the team, not saves it.
	e.open(ada, "/admin/teams")
	if st := e.navigate(ada, "remove platform", chromedp.Click(`button[form="team-`+itoa(platform.ID)+`-delete"]`)); st != 200 {
		t.Fatalf("removing a team ended at %d", st)
	}
	if teams, err := e.svc.ListTeams(sys); err != nil || len(teams) != 1 || teams[0].Name != "payments" {
		t.Fatalf("teams after removing platform = %+v, %v; want payments alone", teams, err)
	}

	// A responder exports the item from the board.
	rita := e.signedInTab("rita")
	e.open(rita, "/action-items")
	if st := e.navigate(rita, "export to GitHub", chromedp.Click(`form[action="/action-items/`+item.Key+`/export"] button`)); st != 200 {
		t.Fatalf("exporting ended at %d", st)
	}
	if got := eval[string](e, rita, `document.getElementById('item-`+itoa(item.ID)+`').innerText`); !strings.Contains(got, "acme/platform#12") || !strings.Contains(got, "(open") {
		t.Errorf("the item after export shows %q; want its issue and state", got)
	}
	e.checkAccessibility(rita, "action items (exported)", a11y)
	e.screenshot(rita, "action-items-exported")

	for _, p := range []struct {
		name, path string
		tab        context.Context
	}{
		{"admin-teams", "/admin/teams", ada},
		{"admin-trackers", "/admin/trackers", ada},
		{"postmortem-ideas", "/postmortems/" + pm.Key, rita},
		{"editor-ideas", "/postmortems/" + pm.Key + "/edit", rita},
		{"analytics-team", "/analytics?team=payments", rita},
		{"incident-teams", "/incidents/" + inc.Key, rita},
	} {
		if st := e.open(p.tab, p.path); st != 200 {
			t.Errorf("GET %s = %d", p.path, st)
		}
		if body := eval[string](e, p.tab, `document.body.innerText`); strings.Contains(body, "ghp_secret_token") {
			t.Errorf("%s shows a tracker's token", p.path)
		}
		e.checkAccessibility(p.tab, p.name, a11y)
		e.screenshot(p.tab, p.name)
	}
	e.report(a11y)
}
