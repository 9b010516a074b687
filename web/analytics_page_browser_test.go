package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/quality"
)

func TestAnalyticsPageBrowserSQLite(t *testing.T) { testAnalyticsPageBrowser(t, openSQLite(t)) }

func TestAnalyticsPageBrowserPostgres(t *testing.T) {
	testAnalyticsPageBrowser(t, openPostgresOrSkip(t))
}

// testAnalyticsPageBrowser opens the analytics page in Chromium: every
// chart is drawn (the image loaded with a size), the filters narrow the
// figures, the CSV links carry the filter, a bad date is a sentence, and
// axe-core passes at both widths.
func testAnalyticsPageBrowser(t *testing.T, store debrief.Store) {
	// Saved postmortems are scored, as serve wires it.
	e := newBrowserEnv(t, store, debrief.WithPostmortemScorer(quality.Score))
	a11y := map[string][]axeViolation{}
	rita := e.asUser("rita")
	start := time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)
	var pm *debrief.Postmortem
	for i, in := range []debrief.Incident{
		{Title: "Ledger writes timed out", Severity: "SEV1", Services: []string{"ledger"}},
		{Title: "Ledger reads were stale", Severity: "SEV2", Services: []string{"ledger"}},
		{Title: "Search lagged behind writes", Severity: "SEV2", Services: []string{"search"}},
	} {
		in.StartedAt = start.AddDate(0, 0, i*20)
		inc, err := e.svc.CreateIncident(rita, &in)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if pm, err = e.svc.CreatePostmortem(rita, debrief.NewPostmortem{IncidentID: &inc.ID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	tab := e.signedInTab("rita")
	if st := e.open(tab, "/analytics"); st != 200 {
		t.Fatalf("GET /analytics = %d", st)
	}
	if got := eval[string](e, tab, `document.getElementById('summary').innerText`); !strings.HasPrefix(got, "3 incidents match") {
		t.Errorf("the page says %q, want 3 incidents", got)
	}
	e.waitFor(tab, "every chart drawn", `Array.from(document.querySelectorAll('.figure img')).every(i => i.complete && i.naturalWidth > 100)`)
	if n := eval[int](e, tab, `document.querySelectorAll('.figure img').length`); n != 10 {
		t.Errorf("the page has %d charts, want 10", n)
	}
	// The postmortem was scored when it was saved: the quality figure
	// has its month, with one postmortem. The server runs on the real
	// clock, so that month is the one the postmortem was created in (UTC).
	month := pm.CreatedAt.UTC().Format("2006-01")
	got := eval[string](e, tab, `Array.from(document.querySelectorAll('#fig-quality_by_month ~ details tbody td')).map(td => td.textContent).join('|')`)
	if cells := strings.Split(got, "|"); len(cells) != 3 || cells[0] != month || cells[1] == "" || cells[2] != "1" {
		t.Errorf("the quality table's cells are %q, want one month (%s), a median score and 1 postmortem", got, month)
	}
	if got := eval[string](e, tab, `document.getElementById('summary').innerText`); !strings.Contains(got, "Median postmortem quality score") {
		t.Errorf("the summary %q does not give the median quality score", got)
	}
	e.checkAccessibility(tab, "analytics", a11y)
	e.screenshot(tab, "analytics")

	// Filter by service through the form.
	e.do(tab, "type a service", chromedp.SendKeys(chromedp.ID("service"), "ledger"))
	if st := e.navigate(tab, "apply the filter", chromedp.Submit(chromedp.ID("service"))); st != 200 {
		t.Fatalf("filtered page = %d", st)
	}
	if got := eval[string](e, tab, `document.getElementById('summary').innerText`); !strings.HasPrefix(got, "2 incidents match") {
		t.Errorf("filtered by ledger the page says %q, want 2 incidents", got)
	}
	csv := eval[string](e, tab, `document.querySelector('a[href*="/tables/by_service.csv"]').getAttribute('href')`)
	if !strings.Contains(csv, "service=ledger") {
		t.Errorf("the CSV link %q does not carry the filter", csv)
	}
	body := eval[string](e, tab, `fetch(`+"`"+`${document.querySelector('a[href*="/tables/by_service.csv"]').href}`+"`"+`).then(r => r.text())`)
	if body != "service,incidents\nledger,2\n" {
		t.Errorf("the filtered CSV is %q", body)
	}
	// A date range.
	if st := e.open(tab, "/analytics?from=2026-02-01&to=2026-03-05"); st != 200 {
		t.Fatalf("ranged page = %d", st)
	}
	if got := eval[string](e, tab, `document.getElementById('summary').innerText`); !strings.HasPrefix(got, "2 incidents match") {
		t.Errorf("the page for 1 February to 5 March says %q, want 2 incidents", got)
	}
	// A bad date is a sentence on the page.
	if st := e.open(tab, "/analytics?from=yesterday"); st != 400 {
		t.Errorf("a bad date answered %d, want 400", st)
	}
	if msg := eval[string](e, tab, `document.querySelector('.notice').innerText`); !strings.Contains(msg, "2026-03-05") {
		t.Errorf("a bad date shows %q, want a sentence with an example date", msg)
	}
	e.checkAccessibility(tab, "analytics-error", a11y)
	e.report(nil)
}
