package web

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/debriefhq/debrief/debrief"
)

// An alert storm's long timeline in a real browser: the incident page
// shows a page of it with the pager, "Later events" goes on to the next
// page with its date heading, the page stays live on the page the viewer
// is on (an event added elsewhere in the incident moves the header's
// count, one of the page edited elsewhere shows), starring an event keeps
// the viewer there with the section whole, and the page passes axe-core at
// both widths.

func TestTimelinePagedBrowserSQLite(t *testing.T) { testTimelinePagedBrowser(t, openSQLite(t)) }

func TestTimelinePagedBrowserPostgres(t *testing.T) {
	testTimelinePagedBrowser(t, openPostgresOrSkip(t))
}

func testTimelinePagedBrowser(t *testing.T, store debrief.Store) {
	e := newBrowserEnv(t, store)
	a11y := map[string][]axeViolation{}
	otto := e.asUser("otto")
	inc, err := e.svc.CreateIncident(otto, &debrief.Incident{Title: "Checkout API alert storm: 500s for 26 hours", Severity: "SEV2", Services: []string{"checkout-api"},
		StartedAt: time.Date(2026, 3, 5, 20, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	const n = 2*uiTimelinePageSize + 50
	events := make([]*debrief.TimelineEvent, n)
	start := time.Date(2026, 3, 5, 20, 0, 0, 0, time.UTC)
	for i := range events {
		ev := &debrief.TimelineEvent{At: start.Add(time.Duration(i) * 4 * time.Minute), Source: debrief.SourceAlertmanager, Kind: debrief.KindAlert,
			Text: fmt.Sprintf("CheckoutErrorRateHigh firing on checkout-api-%d (error rate %d.%d%%)", i%7, 5+i%9, i%10), ExternalID: "am-" + strconv.Itoa(i), Alert: "CheckoutErrorRateHigh"}
		if i%40 == 0 {
			ev.Source, ev.Kind, ev.Starred, ev.Text, ev.ExternalID, ev.Alert = debrief.SourceManual, debrief.KindAction, true, fmt.Sprintf("Scaled checkout-api to %d replicas", 6+i/40), "", ""
		}
		events[i] = ev
	}
	if _, err := e.svc.AddTimelineEvents(otto, inc.ID, events, debrief.AddEventsOptions{}); err != nil {
		t.Fatal(err)
	}
	rita := e.signedInTab("rita")
	path := "/incidents/" + inc.Key
	e.open(rita, path)
	rows := `document.querySelectorAll('#timeline-events li.event').length`
	if got := eval[int](e, rita, rows); got != uiTimelinePageSize {
		t.Fatalf("the incident page shows %d events; want a page of %d", got, uiTimelinePageSize)
	}
	head := `document.getElementById('timeline-h').innerText`
	if got := eval[string](e, rita, head); !strings.Contains(got, fmt.Sprintf("%d events", n)) {
		t.Errorf("the timeline's header says %q; want %d events", got, n)
	}
	e.screenshot(rita, "timeline-first-page")

	// On to the second page: its first event carries its date.
	if st := e.navigate(rita, "Later events", chromedp.Click(chromedp.CSS(`#timeline-events nav.pager a[rel=next]`))); st != 200 {
		t.Fatalf("Later events: page status %d", st)
	}
	second := e.location(rita)
	if !strings.Contains(second, "?after=") || !strings.HasSuffix(second, "#timeline") {
		t.Errorf("Later events went to %s; want the timeline's next page", second)
	}
	want := events[uiTimelinePageSize]
	if got := eval[string](e, rita, `document.querySelector('#timeline-events li.event').id`); got != "event-"+strconv.FormatInt(want.ID, 10) {
		t.Errorf("the second page starts with %s; want event-%d", got, want.ID)
	}
	loc, err := time.LoadLocation(eval[string](e, rita, `document.documentElement.dataset.zone`))
	if err != nil {
		t.Fatal(err)
	}
	if got := eval[string](e, rita, `document.querySelector('#timeline-events li.day').innerText`); got != formatDate(loc, want.At) {
		t.Errorf("the second page's first date heading is %q; want %q", got, formatDate(loc, want.At))
	}
	if got := eval[string](e, rita, `document.querySelector('#timeline-events nav.pager').innerText`); !strings.Contains(got, "First events") || !strings.Contains(got, "Later events") {
		t.Errorf("the second page's pager says %q; want First events and Later events", got)
	}
	e.checkAccessibility(rita, "incident (timeline, second page)", a11y)
	e.screenshot(rita, "timeline-second-page")

	// Live, on the second page: an event added before it moves the count
	// and leaves the page as it is; one of its events edited elsewhere
	// shows.
	if _, err := e.svc.AddTimelineEvents(otto, inc.ID, []*debrief.TimelineEvent{{At: start.Add(-time.Hour), Text: "Deploy 4521 of checkout-api rolled out"}}, debrief.AddEventsOptions{}); err != nil {
		t.Fatal(err)
	}
	e.waitFor(rita, "the header to count the event added on the first page", fmt.Sprintf(`%s.includes('%d events')`, head, n+1))
	if got := eval[string](e, rita, `document.querySelector('#timeline-events li.event').id`); got != "event-"+strconv.FormatInt(want.ID, 10) || eval[int](e, rita, rows) != uiTimelinePageSize {
		t.Errorf("after a live refresh the page starts with %s; want the same second page, from event-%d", got, want.ID)
	}
	edited := events[uiTimelinePageSize+3]
	text := "CheckoutErrorRateHigh resolved on checkout-api-3"
	if _, err := e.svc.UpdateTimelineEvent(otto, inc.ID, edited.ID, debrief.TimelineEventPatch{Text: &text}, edited.Version); err != nil {
		t.Fatal(err)
	}
	e.waitFor(rita, "the edited event of the page to show", fmt.Sprintf(`document.getElementById('event-%d').innerText.includes(%q)`, edited.ID, text))

	// Starring an event keeps the viewer on the second page.
	star := events[uiTimelinePageSize+1]
	e.do(rita, "star an event of the second page", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#event-%d form[action*="/star"] button`, star.ID))))
	e.waitFor(rita, "the event starred in place", fmt.Sprintf(`document.querySelector('#event-%d.starred')`, star.ID))
	if got := eval[string](e, rita, `document.querySelector('#timeline-events li.event').id`); got != "event-"+strconv.FormatInt(want.ID, 10) {
		t.Errorf("after starring, the timeline starts with %s; want the second page still", got)
	}
	// The answer replaces the whole timeline section: its header counts
	// the star and the add form is still there (the forms once inherited
	// the live refresh's hx-select and left only the events).
	if got := eval[string](e, rita, `(document.querySelector('#timeline-head') || {innerText: 'no header'}).innerText`); !strings.Contains(got, fmt.Sprintf("Show only starred (%d)", n/40+2)) {
		t.Errorf("after starring, the header says %q; want %d starred", got, n/40+2)
	}
	if !eval[bool](e, rita, `!!document.querySelector('#timeline form.add-event')`) {
		t.Errorf("after starring, the timeline has no add form")
	}
	e.report(a11y)
}
