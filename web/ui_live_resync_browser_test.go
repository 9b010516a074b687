package web

import (
	"fmt"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/live"
	"github.com/debriefhq/debrief/storetest"
)

// The editor after events it did not hear, on both engines: sections saved
// by someone else while the page missed the events (told by a resync, or
// after its connection dropped and came back) are loaded where the viewer
// has nothing unsaved, and announced where they have.

func TestLiveResyncBrowserSQLite(t *testing.T) { testLiveResyncBrowser(t, openSQLite(t)) }

func TestLiveResyncBrowserPostgres(t *testing.T) { testLiveResyncBrowser(t, openPostgresOrSkip(t)) }

func testLiveResyncBrowser(t *testing.T, store debrief.Store) {
	e := newBrowserEnv(t, store)
	// quiet saves like another instance whose events never arrive.
	quiet := debrief.NewService(store, debrief.WithPasswordHasher(storetest.FastHasher))
	otto := e.asUser("otto")
	inc, err := e.svc.CreateIncident(e.asUser("rita"), &debrief.Incident{Title: "Invoices were e-mailed twice for 3 hours", Severity: "SEV3",
		Services: []string{"billing"}, StartedAt: time.Now().Add(-5 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := e.svc.CreatePostmortem(e.asUser("rita"), debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "rita@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pm.Sections) < 3 {
		t.Fatalf("the default template has %d sections; the test needs 3", len(pm.Sections))
	}
	typed, a, b := pm.Sections[0], pm.Sections[1], pm.Sections[2]
	save := func(sec debrief.Section, body string) {
		t.Helper()
		cur, err := quiet.Postmortem(otto, pm.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := quiet.UpdateSection(otto, pm.ID, sec.Key, debrief.SectionEdit{Body: &body, BaseVersion: cur.Section(sec.Key).Version}); err != nil {
			t.Fatalf("UpdateSection(%s): %v", sec.Key, err)
		}
	}
	value := func(sec debrief.Section) string {
		return fmt.Sprintf(`document.getElementById('body-%s').value`, sec.Key)
	}

	rita := e.signedInTab("rita")
	e.open(rita, "/postmortems/"+pm.Key+"/edit")
	e.waitFor(rita, "the stream is open", `document.getElementById('presence') && window.htmx`)
	time.Sleep(300 * time.Millisecond) // let the stream connect (the checks below wait; this only avoids a needless resync race)
	ritaText := "Rita's summary, typed but not saved"
	e.typeInto(rita, "#body-"+typed.Key, ritaText)

	// --- Events missed, then a resync. ---
	save(typed, "Otto's summary")
	save(a, "Otto's first text for "+a.Heading)
	e.hub.Publish(debrief.LiveEvent{Topic: debrief.PostmortemTopic(pm.ID), Kind: live.KindResync})
	e.waitFor(rita, "untouched section reloaded after a resync", fmt.Sprintf(`%s === %q`, value(a), "Otto's first text for "+a.Heading))
	e.waitFor(rita, "typed section announced after a resync", fmt.Sprintf(`document.querySelector('#section-%s [data-live-notice]') && document.querySelector('#section-%s [data-live-notice]').innerText.includes('Someone saved this section')`, typed.Key, typed.Key))
	if got := eval[string](e, rita, value(typed)); got != ritaText {
		t.Errorf("after a resync rita's unsaved text became %q; want %q kept", got, ritaText)
	}

	// --- The connection drops; saves and a status change happen
	// meanwhile; the page catches up when it reconnects. ---
	save(a, "Otto's second text for "+a.Heading)
	save(b, "Otto's text for "+b.Heading)
	cur, err := quiet.Postmortem(otto, pm.ID)
	if err != nil {
		t.Fatal(err)
	}
	inReview := debrief.PostmortemInReview
	if _, err := quiet.UpdatePostmortem(otto, pm.ID, debrief.PostmortemPatch{Status: &inReview}, cur.Version); err != nil {
		t.Fatal(err)
	}
	e.ts.CloseClientConnections()
	e.waitFor(rita, "untouched section reloaded after reconnecting", fmt.Sprintf(`%s === %q`, value(a), "Otto's second text for "+a.Heading))
	e.waitFor(rita, "another untouched section reloaded after reconnecting", fmt.Sprintf(`%s === %q`, value(b), "Otto's text for "+b.Heading))
	e.waitFor(rita, "status read again after reconnecting", `document.getElementById('pm-status').innerText.toLowerCase().includes('review')`)
	if got := eval[string](e, rita, value(typed)); got != ritaText {
		t.Errorf("after reconnecting rita's unsaved text became %q; want %q kept", got, ritaText)
	}
	e.report(nil)
}
