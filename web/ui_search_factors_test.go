package web

import (
	"context"
	"html"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// TestSearchFactorFacet: the search page lists the accepted contributing
// factors of the matches with their counts, each a link that narrows the
// search to the documents with that factor.
func TestSearchFactorFacet(t *testing.T) {
	svc := debrief.NewService(openSQLite(t))
	h := New(Config{Service: svc, Open: true}).Handler()
	admin := debrief.WithActor(context.Background(), debrief.SystemActor)
	started := time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)
	for i, c := range []struct {
		title   string
		factors []string
	}{
		{"Checkout API returned 500s", []string{"Connection pool too small", "Missing alert"}},
		{"Checkout latency spiked during the sale", []string{"connection pool too small"}},
		{"Checkout page showed old prices", nil},
	} {
		inc, err := svc.CreateIncident(admin, &debrief.Incident{Title: c.title, StartedAt: started.Add(time.Duration(i) * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		pm, err := svc.CreatePostmortem(admin, debrief.NewPostmortem{IncidentID: &inc.ID, Template: debrief.TemplateIncident})
		if err != nil {
			t.Fatal(err)
		}
		if c.factors != nil {
			if _, err := svc.UpdatePostmortem(admin, pm.ID, debrief.PostmortemPatch{ContributingFactors: &c.factors}, pm.Version); err != nil {
				t.Fatal(err)
			}
		}
	}
	rec := uiRequest(h, "GET", "/search?q=checkout", nil)
	body := html.UnescapeString(rec.Body.String())
	link := "/search?" + url.Values{"q": {`checkout factor:"connection pool too small"`}}.Encode()
	if rec.Code != 200 || !strings.Contains(body, "<h2>Contributing factor</h2>") || !strings.Contains(body, `<a href="`+link+`">connection pool too small</a> <span class="muted small">2</span>`) ||
		!strings.Contains(body, `>missing alert</a> <span class="muted small">1</span>`) {
		t.Fatalf("GET /search?q=checkout = %d; want a contributing factor facet with connection pool too small (2, linking to %s) and missing alert (1):\n%s", rec.Code, link, body)
	}
	rec = uiRequest(h, "GET", link, nil)
	body = rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, "2 results") || strings.Contains(body, "old prices") {
		t.Errorf("GET %s = %d; want the two incidents with that factor only:\n%s", link, rec.Code, body)
	}
}
