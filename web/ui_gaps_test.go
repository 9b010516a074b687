package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// TestBoardAndHomeGaps: an action item due today is not overdue until its
// day ends (the domain's rule, which the pages used to apply a day early);
// the board groups by service; each home list links to its full list.
func TestBoardAndHomeGaps(t *testing.T) {
	now := time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC)
	svc, h := uiServerAt(t, now)
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	if _, err := svc.CreateUser(sys, debrief.NewUser{Email: "rita@example.com", Role: debrief.RoleResponder, Password: authPassword}); err != nil {
		t.Fatal(err)
	}
	rita := signInCookie(t, h, "rita@example.com")
	ctx := debrief.WithActor(context.Background(), debrief.Actor{Email: "rita@example.com", Role: debrief.RoleResponder})
	inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout API returned 500s for 42 minutes", Services: []string{"checkout", "payments"}, StartedAt: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	bare, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Search returned stale results for 3 hours", StartedAt: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	today, yesterday := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	for _, it := range []*debrief.ActionItem{
		{Title: "Due today, not overdue yet", Owner: "rita@example.com", DueDate: &today, IncidentID: &inc.ID},
		{Title: "Due yesterday, overdue", Owner: "rita@example.com", DueDate: &yesterday, IncidentID: &inc.ID},
		{Title: "On an incident without services", Owner: "rita@example.com", IncidentID: &bare.ID},
	} {
		if _, err := svc.CreateActionItem(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	board := uiRequest(h, "GET", "/action-items?group=service", nil, rita).Body.String()
	if !strings.Contains(board, `<p class="badge overdue">1 overdue</p>`) {
		t.Errorf("the board counts an item due today as overdue (want 1 overdue):\n%s", mainOf(board))
	}
	for _, group := range []string{"<h2>checkout, payments", "<h2>No service"} {
		if !strings.Contains(board, group) {
			t.Errorf("the board grouped by service lacks the group %q:\n%s", group, mainOf(board))
		}
	}
	if !strings.Contains(board, `<option value="service" selected>`) {
		t.Errorf("the board does not offer or keep grouping by service")
	}
	home := uiRequest(h, "GET", "/", nil, rita).Body.String()
	if n := strings.Count(home, "· overdue</span>"); n != 1 {
		t.Errorf("home shows %d overdue marks for rita's items; want 1 (only the item due yesterday)", n)
	}
	want := `href="/action-items?` + (url.Values{"owner": {"rita@example.com"}}).Encode() + `"`
	if !strings.Contains(home, want) {
		t.Errorf("home's action items do not link to all of the viewer's items (%s)", want)
	}
}

// uiServerAt is a server on a fresh SQLite store whose clock stands at
// now, with fast password hashing, for tests of pages that depend on the
// date.
func uiServerAt(t *testing.T, now time.Time) (*debrief.Service, http.Handler) {
	t.Helper()
	svc := debrief.NewService(openSQLite(t), debrief.WithPasswordHasher(storetest.FastHasher), debrief.WithClock(func() time.Time { return now }))
	return svc, New(Config{Service: svc, InsecureCookies: true}).Handler()
}
