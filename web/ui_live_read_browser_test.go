package web

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/debriefhq/debrief/debrief"
)

// The reading view of a postmortem and the action items board are live,
// on both engines: a section saved, a status changed, an action item
// changed and a timeline event added by someone else show without a
// reload; the board waits while its viewer is changing an item, so what
// they typed stays.

func TestLiveReadBrowserSQLite(t *testing.T) { testLiveReadBrowser(t, openSQLite(t)) }

func TestLiveReadBrowserPostgres(t *testing.T) { testLiveReadBrowser(t, openPostgresOrSkip(t)) }

func testLiveReadBrowser(t *testing.T, store debrief.Store) {
	e := newBrowserEnv(t, store)
	a11y := map[string][]axeViolation{}
	otto := e.asUser("otto")
	inc, err := e.svc.CreateIncident(otto, &debrief.Incident{Title: "Login took 30 seconds for 2 hours", Severity: "SEV2",
		Services: []string{"auth"}, StartedAt: time.Now().Add(-4 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := e.svc.CreatePostmortem(otto, debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "otto@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	item, err := e.svc.CreateActionItem(otto, &debrief.ActionItem{IncidentID: &inc.ID, PostmortemID: &pm.ID, Title: "Cache session lookups", Owner: "otto@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.svc.CreateActionItem(otto, &debrief.ActionItem{IncidentID: &inc.ID, Title: "Alert on login latency", Owner: "otto@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	main := func(want string) string {
		return fmt.Sprintf(`document.querySelector('main').innerText.includes(%q)`, want)
	}

	// --- The reading view, as a viewer. ---
	vic := e.signedInTab("vic")
	e.open(vic, "/postmortems/"+pm.Key)
	e.waitFor(vic, "the reading view", main("Cache session lookups"))
	time.Sleep(300 * time.Millisecond) // let the stream connect; what follows waits for its effects
	sec := pm.Sections[0]
	body := "Logins waited on a cold session cache after the deploy."
	if _, err := e.svc.UpdateSection(otto, pm.ID, sec.Key, debrief.SectionEdit{Body: &body, BaseVersion: sec.Version}); err != nil {
		t.Fatal(err)
	}
	e.waitFor(vic, "a saved section shows", main(body))
	cur, err := e.svc.Postmortem(otto, pm.ID)
	if err != nil {
		t.Fatal(err)
	}
	inReview := debrief.PostmortemInReview
	if _, err := e.svc.UpdatePostmortem(otto, pm.ID, debrief.PostmortemPatch{Status: &inReview}, cur.Version); err != nil {
		t.Fatal(err)
	}
	e.waitFor(vic, "the status shows", `document.getElementById('pm-head').innerText.toLowerCase().includes('in review')`)
	title := "Cache session lookups for 5 minutes"
	if _, err := e.svc.UpdateActionItem(otto, item.ID, debrief.ActionItemPatch{Title: &title}, item.Version); err != nil {
		t.Fatal(err)
	}
	e.waitFor(vic, "a changed action item shows", main(title))
	event := "Rolled back the session cache change"
	if _, err := e.svc.AddTimelineEvents(otto, inc.ID, []*debrief.TimelineEvent{{At: time.Now().Add(-time.Hour), Kind: debrief.KindAction, Text: event}}, debrief.AddEventsOptions{}); err != nil {
		t.Fatal(err)
	}
	e.waitFor(vic, "a timeline event shows", main(event))
	e.checkAccessibility(vic, "reading view after live updates", a11y)

	// --- The board, as a viewer: a new item appears. ---
	e.open(vic, "/action-items")
	time.Sleep(300 * time.Millisecond)
	if _, err := e.svc.CreateActionItem(otto, &debrief.ActionItem{IncidentID: &inc.ID, Title: "Warm the session cache before deploys", Owner: "otto@example.com"}); err != nil {
		t.Fatal(err)
	}
	e.waitFor(vic, "a new item on the board", main("Warm the session cache before deploys"))

	// --- The board, as a responder changing an item: it waits. ---
	rita := e.signedInTab("rita")
	e.open(rita, "/action-items")
	time.Sleep(300 * time.Millisecond)
	owner := fmt.Sprintf("#owner-%d", other.ID)
	e.typeInto(rita, owner, "rita@example.com")
	title2 := "Cache session lookups for 10 minutes"
	latest, err := e.svc.ActionItem(otto, item.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateActionItem(otto, item.ID, debrief.ActionItemPatch{Title: &title2}, latest.Version); err != nil {
		t.Fatal(err)
	}
	e.waitFor(rita, "the board says it waits", `document.querySelector('[data-live-stale]').innerText.includes('updates when you leave')`)
	e.blur(rita)
	time.Sleep(500 * time.Millisecond) // past the refresh's delay: it must still wait, the field holds unsaved text
	if got := eval[string](e, rita, fmt.Sprintf(`document.querySelector(%q).value`, owner)); got != "rita@example.com" {
		t.Fatalf("rita's unsaved owner became %q; want her text kept", got)
	}
	if eval[bool](e, rita, main(title2)) {
		t.Error("the board was read again over rita's unsaved owner")
	}
	e.screenshot(rita, "board-waiting")
	// She saves it: the page that comes back has otto's change too.
	e.navigate(rita, "save the owner", chromedp.Click(fmt.Sprintf("#item-%d button[type=submit]", other.ID)))
	e.waitFor(rita, "both changes shown", main(title2)+` && document.querySelector(`+fmt.Sprintf("%q", owner)+`).value === 'rita@example.com'`)
	// With nothing changed, the board follows at once.
	time.Sleep(300 * time.Millisecond) // the page after the save opens its own stream
	title3 := "Cache session lookups for 15 minutes"
	latest, err = e.svc.ActionItem(otto, item.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdateActionItem(otto, item.ID, debrief.ActionItemPatch{Title: &title3}, latest.Version); err != nil {
		t.Fatal(err)
	}
	e.waitFor(rita, "the board follows", main(title3))
	e.checkAccessibility(rita, "action items board after live updates", a11y)
	e.report(nil)
}
