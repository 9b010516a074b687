package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/debriefhq/debrief/debrief"
)

// The keyboard shortcuts, the history page and the public version beside
// the internal one, in the browser on both engines.

func TestPagesBrowserSQLite(t *testing.T) { testPagesBrowser(t, openSQLite(t)) }

func TestPagesBrowserPostgres(t *testing.T) { testPagesBrowser(t, openPostgresOrSkip(t)) }

// press sends keys to whatever has focus, as a person typing would.
func (e *browserEnv) press(ctx context.Context, keys string, opts ...chromedp.KeyOption) {
	e.t.Helper()
	e.do(ctx, "press "+keys, chromedp.KeyEvent(keys, opts...))
}

// blur leaves any field, so shortcuts apply.
func (e *browserEnv) blur(ctx context.Context) {
	e.t.Helper()
	eval[bool](e, ctx, `(() => { if (document.activeElement) document.activeElement.blur(); return true })()`)
}

func (e *browserEnv) waitLocation(ctx context.Context, what, want string) {
	e.t.Helper()
	e.waitFor(ctx, what, fmt.Sprintf(`location.pathname + location.search === %q && document.readyState === 'complete'`, want))
}

func testPagesBrowser(t *testing.T, store debrief.Store) {
	e := newBrowserEnv(t, store)
	a11y := map[string][]axeViolation{}
	rita := e.asUser("rita")
	inc, err := e.svc.CreateIncident(rita, &debrief.Incident{Title: "Checkout API returned 500s for 42 minutes", Severity: "SEV2", Services: []string{"checkout-api"},
		Roles: debrief.Roles{Commander: "Rita Lopez"}, Impact: "EU customers could not pay.\nRefunds were slow.", StartedAt: time.Now().Add(-3 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	impact, sev := "EU customers could not pay for 42 minutes.\nRefunds were slow.\nSupport received 310 tickets.", "SEV1"
	if inc, err = e.svc.UpdateIncident(rita, inc.ID, debrief.IncidentPatch{Impact: &impact, Severity: &sev}, inc.Version); err != nil {
		t.Fatal(err)
	}
	pm, err := e.svc.CreatePostmortem(rita, debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "rita@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	secs := append([]debrief.Section(nil), pm.Sections...)
	secs[0].Body = "Rita Lopez restarted db-01.prod.internal (10.0.0.12) at 14:20; ops@example.com was told.\n\nThe pool was too small for the EU traffic peak."
	secs = append(secs, debrief.Section{Key: "team-notes", Heading: "Team notes", Internal: true, Body: "Only for us: the on-call rota had a gap."})
	if pm, err = e.svc.UpdatePostmortem(rita, pm.ID, debrief.PostmortemPatch{Sections: &secs}, pm.Version); err != nil {
		t.Fatal(err)
	}
	incPage, pmPage := "/incidents/"+inc.Key, "/postmortems/"+pm.Key

	tab := e.signedInTab("rita")
	e.open(tab, incPage)

	// --- "?" opens the list as a modal dialog with focus inside; Esc
	// closes it and focus goes back. ---
	e.blur(tab)
	e.press(tab, "?")
	e.waitFor(tab, "the shortcuts dialog opens", `document.querySelector('dialog#keys-help[open]')`)
	if !eval[bool](e, tab, `document.getElementById('keys-help').contains(document.activeElement) && document.activeElement.tagName === 'BUTTON'`) {
		t.Errorf("with the shortcuts dialog open, focus is on %s; want its Close button", eval[string](e, tab, `document.activeElement.outerHTML`))
	}
	listed := eval[string](e, tab, `document.getElementById('keys-help').innerText`)
	for _, want := range []string{"Add a timeline event", "Edit this record", "History of this record", "Declare an incident", "Incidents"} {
		if !strings.Contains(listed, want) {
			t.Errorf("the shortcuts dialog on the incident page does not list %q:\n%s", want, listed)
		}
	}
	if strings.Contains(listed, "Show the public version") {
		t.Errorf("the incident page's shortcuts list the public version, which only a postmortem has")
	}
	e.checkAccessibility(tab, "shortcuts dialog", a11y)
	e.screenshot(tab, "keys-dialog")
	// Tab never reaches the page behind the modal dialog (it may reach
	// the browser's own controls, which leaves the document without focus).
	e.press(tab, "\t")
	if !eval[bool](e, tab, `document.activeElement === document.body || document.getElementById('keys-help').contains(document.activeElement)`) {
		t.Errorf("Tab left the open shortcuts dialog (focus on %s)", eval[string](e, tab, `document.activeElement.outerHTML`))
	}
	e.press(tab, "\x1b") // Escape
	e.waitFor(tab, "Esc closes the dialog", `!document.querySelector('dialog#keys-help[open]')`)

	// --- Typing in a field never triggers a shortcut. ---
	e.do(tab, "focus the new event field", chromedp.Focus(chromedp.ID("event-text")))
	e.press(tab, "?g/ny")
	if got := eval[string](e, tab, `document.getElementById('event-text').value`); got != "?g/ny" {
		t.Errorf("typing ?g/ny in the event field left %q; want the text typed", got)
	}
	if eval[bool](e, tab, `!!document.querySelector('dialog#keys-help[open]')`) || e.location(tab) != incPage {
		t.Errorf("typing in a field opened the dialog or left the page (at %s)", e.location(tab))
	}
	eval[bool](e, tab, `(() => { document.getElementById('event-text').value = ''; return true })()`)

	// --- n: new timeline event; y: history; g i: incidents; /: search. ---
	e.blur(tab)
	e.press(tab, "n")
	if id := eval[string](e, tab, `document.activeElement.id`); id != "event-text" {
		t.Errorf("n on the incident page focused #%s; want the new event's text field", id)
	}
	e.blur(tab)
	e.press(tab, "y")
	e.waitLocation(tab, "y goes to the history", incPage+"/history")
	e.waitFor(tab, "history shows the impact diff", `Array.from(document.querySelectorAll('pre.diff ins')).some(el => el.textContent.includes('310 tickets'))`)
	e.checkAccessibility(tab, "incident history", a11y)
	e.checkNoScriptRan(tab, "incident history")
	e.screenshot(tab, "history-incident")

	e.press(tab, "g")
	e.press(tab, "i")
	e.waitLocation(tab, "g i goes to the incidents", "/incidents")
	e.press(tab, "/")
	if id := eval[string](e, tab, `document.activeElement.id`); id != "q" {
		t.Errorf("/ on the incidents list focused #%s; want its search box", id)
	}
	e.open(tab, incPage)
	e.blur(tab)
	e.press(tab, "/")
	e.waitLocation(tab, "/ without a search box goes to Search", "/search")
	e.waitFor(tab, "the search box has focus", `document.activeElement && document.activeElement.id === 'q'`)

	// --- The reading view: v shows the public version beside it. ---
	e.open(tab, pmPage)
	e.blur(tab)
	e.press(tab, "v")
	e.waitLocation(tab, "v goes to the public version", pmPage+"/public")
	if n := eval[int](e, tab, `document.querySelectorAll('.side.public .redacted').length`); n < 4 {
		t.Errorf("the public column marks %d redactions; want the name, host, address and e-mail (4 or more)", n)
	}
	if !strings.Contains(eval[string](e, tab, `document.querySelector('#cmp-section-team-notes-h').parentElement.innerText`), "Left out") {
		t.Errorf("the internal section is not shown as left out of the public version")
	}
	e.checkAccessibility(tab, "public beside internal", a11y)
	e.checkNoScriptRan(tab, "public beside internal")
	e.screenshot(tab, "public-beside-internal")

	e.open(tab, pmPage+"/history")
	e.checkAccessibility(tab, "postmortem history", a11y)
	e.screenshot(tab, "history-postmortem")

	// --- The editor: Ctrl+S saves the section being typed in. ---
	key := pm.Sections[1].Key
	e.open(tab, pmPage+"/edit")
	text := "Saved with the keyboard: the pool's idle timeout dropped from 300 s to 30 s."
	e.typeInto(tab, "#body-"+key, text)
	e.press(tab, "s", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	e.waitFor(tab, "Ctrl+S saved the section", fmt.Sprintf(`document.querySelector('#section-%s[data-saved][data-ready]')`, key))
	cur, err := e.svc.Postmortem(rita, pm.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := cur.Section(key).Body; got != text {
		t.Errorf("after Ctrl+S the section holds %q; want %q", got, text)
	}

	// --- A viewer is not offered the declare shortcut. ---
	vic := e.signedInTab("vic")
	e.open(vic, "/")
	e.blur(vic)
	e.press(vic, "c")
	e.press(vic, "?")
	e.waitFor(vic, "the viewer's shortcuts dialog opens", `document.querySelector('dialog#keys-help[open]')`)
	if strings.Contains(eval[string](e, vic, `document.getElementById('keys-help').innerText`), "Declare an incident") || e.location(vic) != "/" {
		t.Errorf("a viewer is offered, or sent to, declaring an incident (at %s)", e.location(vic))
	}

	e.report(a11y)
}
