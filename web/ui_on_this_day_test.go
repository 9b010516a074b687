package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// TestOnThisDayPage: the home page shows the newest ten incidents that
// started on today's date in earlier years and, only when there are more,
// links to a page that lists them all, as the viewer may see them.
func TestOnThisDayPage(t *testing.T) {
	now := time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC)
	svc, h := uiServerAt(t, now)
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	for _, u := range []debrief.NewUser{
		{Email: "rita@example.com", Role: debrief.RoleResponder, Password: authPassword},
		{Email: "vic@example.com", Role: debrief.RoleViewer, Password: authPassword},
	} {
		if _, err := svc.CreateUser(sys, u); err != nil {
			t.Fatal(err)
		}
	}
	rita, vic := signInCookie(t, h, "rita@example.com"), signInCookie(t, h, "vic@example.com")
	ctx := debrief.WithActor(context.Background(), debrief.Actor{Email: "rita@example.com", Role: debrief.RoleResponder})
	create := func(years int, private bool) {
		t.Helper()
		inc := &debrief.Incident{Title: fmt.Sprintf("Outage %d years ago", years), StartedAt: now.AddDate(-years, 0, 0)}
		if private {
			inc.Title, inc.Private, inc.Members = "Private breach review", true, []string{"rita@example.com"}
		}
		if _, err := svc.CreateIncident(ctx, inc); err != nil {
			t.Fatal(err)
		}
	}
	daySection := func(page string) string {
		i, j := strings.Index(page, `id="day-h"`), strings.Index(page, `id="recent-h"`)
		if i < 0 || j < i {
			t.Fatalf("the home page has no On this day section:\n%s", mainOf(page))
		}
		return page[i:j]
	}
	rows := func(html string) int { return strings.Count(html, " ago</span></li>") }
	for y := 1; y <= 10; y++ {
		create(y, false)
	}
	home := daySection(uiRequest(h, "GET", "/", nil, vic).Body.String())
	if n := rows(home); n != 10 || strings.Contains(home, `href="/on-this-day"`) {
		t.Errorf("with 10 incidents on this day, home shows %d and links to the rest: %v; want 10 and no link\n%s", n, strings.Contains(home, `href="/on-this-day"`), home)
	}
	create(11, false)
	create(12, false)
	create(13, true)
	home = daySection(uiRequest(h, "GET", "/", nil, vic).Body.String())
	if n := rows(home); n != 10 || !strings.Contains(home, `href="/on-this-day"`) || !strings.Contains(home, "Outage 1 years ago") || strings.Contains(home, "Outage 11 years ago") {
		t.Errorf("with 12 incidents on this day, home shows %d rows (want the newest 10) or no link to the rest:\n%s", n, home)
	}
	for _, c := range []struct {
		who     string
		cookie  *http.Cookie
		want    int
		private bool
	}{{"vic, a viewer", vic, 12, false}, {"rita, a member of the private one", rita, 13, true}} {
		rec := uiRequest(h, "GET", "/on-this-day", nil, c.cookie)
		page := mainOf(rec.Body.String())
		if rec.Code != 200 || rows(page) != c.want || strings.Contains(page, "Private breach review") != c.private {
			t.Errorf("/on-this-day as %s: %d with %d rows, private shown %v; want 200, %d rows, private shown %v\n%s",
				c.who, rec.Code, rows(page), strings.Contains(page, "Private breach review"), c.want, c.private, page)
		}
		if !strings.Contains(page, "5 March") || strings.Index(page, "Outage 1 years ago") > strings.Index(page, "Outage 12 years ago") {
			t.Errorf("/on-this-day as %s does not name the day or is not newest first:\n%s", c.who, page)
		}
	}
}
