package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// signInCookie signs email in through the sign-in form and returns the
// session cookie.
func signInCookie(t *testing.T, h http.Handler, email string) *http.Cookie {
	t.Helper()
	rec := uiRequest(h, "POST", "/login", url.Values{"email": {email}, "password": {authPassword}, "next": {"/"}})
	for _, c := range rec.Result().Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	t.Fatalf("POST /login as %s = %d; no session cookie", email, rec.Code)
	return nil
}

// historySetup is a private incident with a postmortem, an action item and
// a timeline event, each changed at least once by rita.
type historySetup struct {
	h                 http.Handler
	rita, vic, ada    *http.Cookie
	inc               *debrief.Incident
	pm                *debrief.Postmortem
	item              *debrief.ActionItem
	event             *debrief.TimelineEvent
	svc               *debrief.Service
	ritaCtx           context.Context
	incKey, pmKey, ai string
}

func newHistorySetup(t *testing.T, store debrief.Store) *historySetup {
	t.Helper()
	now := time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC)
	svc := debrief.NewService(store, debrief.WithPasswordHasher(storetest.FastHasher), debrief.WithClock(func() time.Time { now = now.Add(time.Minute); return now }))
	srv := New(Config{Service: svc, InsecureCookies: true})
	hs := &historySetup{h: srv.Handler(), svc: svc}
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	users := map[string]*debrief.User{}
	for name, role := range map[string]debrief.Role{"rita": debrief.RoleResponder, "vic": debrief.RoleViewer, "ada": debrief.RoleAdmin} {
		u, err := svc.CreateUser(sys, debrief.NewUser{Email: name + "@example.com", Name: strings.ToUpper(name[:1]) + name[1:], Role: role, Password: authPassword})
		if err != nil {
			t.Fatal(err)
		}
		users[name] = u
	}
	hs.rita, hs.vic, hs.ada = signInCookie(t, hs.h, "rita@example.com"), signInCookie(t, hs.h, "vic@example.com"), signInCookie(t, hs.h, "ada@example.com")
	rita := debrief.WithActor(context.Background(), debrief.Actor{UserID: users["rita"].ID, Email: "rita@example.com", Name: "Rita", Role: debrief.RoleResponder})
	hs.ritaCtx = rita
	inc, err := svc.CreateIncident(rita, &debrief.Incident{Title: "Checkout API returned 500s for 42 minutes", Severity: "SEV2", Services: []string{"checkout"},
		Private: true, Members: []string{"rita@example.com"}, StartedAt: now.Add(-time.Hour),
		Impact: "Card payments failed.\nRefunds were slow.\nSupport saw 40 tickets."})
	if err != nil {
		t.Fatal(err)
	}
	impact, sev := "Card payments failed.\nRefunds were delayed by two hours, and 300 orders were charged twice.\nSupport saw 40 tickets.", "SEV1"
	if inc, err = svc.UpdateIncident(rita, inc.ID, debrief.IncidentPatch{Impact: &impact, Severity: &sev}, inc.Version); err != nil {
		t.Fatal(err)
	}
	hs.inc, hs.incKey = inc, inc.Key
	pm, err := svc.CreatePostmortem(rita, debrief.NewPostmortem{IncidentID: &inc.ID})
	if err != nil {
		t.Fatal(err)
	}
	key := pm.Sections[0].Key
	for _, body := range []string{"The pool was too small.\nWe raised it.", "The pool was too small.\nWe raised it to 200 connections.\nIt held."} {
		b := body
		if pm, err = svc.UpdateSection(rita, pm.ID, key, debrief.SectionEdit{Body: &b, BaseVersion: pm.Section(key).Version}); err != nil {
			t.Fatal(err)
		}
	}
	hs.pm, hs.pmKey = pm, pm.Key
	it, err := svc.CreateActionItem(rita, &debrief.ActionItem{Title: "Alert on pool saturation", PostmortemID: &pm.ID, IncidentID: &inc.ID})
	if err != nil {
		t.Fatal(err)
	}
	done := debrief.ActionStatus("done")
	if it, err = svc.UpdateActionItem(rita, it.ID, debrief.ActionItemPatch{Status: &done}, it.Version); err != nil {
		t.Fatal(err)
	}
	hs.item, hs.ai = it, it.Key
	if _, err := svc.AddTimelineEvents(rita, inc.ID, []*debrief.TimelineEvent{{At: now, Kind: debrief.KindNote, Text: "Paged the database team"}}, debrief.AddEventsOptions{}); err != nil {
		t.Fatal(err)
	}
	evs, err := svc.ListTimeline(rita, inc.ID, debrief.TimelineFilter{})
	if err != nil || len(evs) != 1 {
		t.Fatalf("ListTimeline = %d events, %v", len(evs), err)
	}
	text := "Paged the database team and the payments team"
	if hs.event, err = svc.UpdateTimelineEvent(rita, inc.ID, evs[0].ID, debrief.TimelineEventPatch{Text: &text}, evs[0].Version); err != nil {
		t.Fatal(err)
	}
	return hs
}

func (hs *historySetup) get(t *testing.T, path string, c *http.Cookie) (int, string) {
	t.Helper()
	rec := uiRequest(hs.h, "GET", path, nil, c)
	return rec.Code, rec.Body.String()
}

func TestHistoryPagesSQLite(t *testing.T) { testHistoryPages(t, openSQLite(t)) }

func testHistoryPages(t *testing.T, store debrief.Store) {
	hs := newHistorySetup(t, store)
	eventPath := "/incidents/" + hs.incKey + "/timeline/" + idStr(hs.event.ID) + "/history"
	pages := []struct {
		name, path string
		want       []string
	}{
		{"incident", "/incidents/" + hs.incKey + "/history", []string{
			"<strong>rita@example.com</strong> changed severity and impact",
			"<del>Refunds were slow.</del>", "<ins>Refunds were delayed by two hours, and 300 orders were charged twice.</ins>",
			"<span class=\"same\">Card payments failed.</span>",
			"<del>SEV2</del> → <ins>SEV1</ins>", "added a timeline event", "created it",
			`href="/postmortems/` + hs.pmKey + `/history"`}},
		{"postmortem", "/postmortems/" + hs.pmKey + "/history", []string{
			"<ins>We raised it to 200 connections.</ins>", "<del>We raised it.</del>", "<ins>It held.</ins>",
			`href="/incidents/` + hs.incKey + `/history"`}},
		{"action item", "/action-items/" + hs.ai + "/history", []string{"changed status", "<del>open</del> → <ins>done</ins>"}},
		{"timeline event", eventPath, []string{"changed text", "<del>Paged the database team</del>", "<ins>Paged the database team and the payments team</ins>"}},
	}
	for _, p := range pages {
		code, body := hs.get(t, p.path, hs.rita)
		if code != 200 {
			t.Fatalf("%s: GET %s as a member = %d:\n%s", p.name, p.path, code, body)
		}
		for _, w := range p.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: GET %s lacks %q:\n%s", p.name, p.path, w, mainOf(body))
			}
		}
		// A private incident's records' history is as hidden as the records.
		if code, _ := hs.get(t, p.path, hs.vic); code != 404 {
			t.Errorf("%s: GET %s as a viewer who is not a member = %d; want 404", p.name, p.path, code)
		}
		if code, _ := hs.get(t, p.path, hs.ada); code != 200 {
			t.Errorf("%s: GET %s as an admin = %d; want 200", p.name, p.path, code)
		}
	}

	// The incident page's short history names a change too long to repeat
	// without calling the new text empty.
	_, page := hs.get(t, "/incidents/"+hs.incKey, hs.rita)
	if i := strings.Index(page, `id="history-h"`); i < 0 || strings.Contains(page[i:], "<em>empty</em>") || !strings.Contains(page[i:], "Impact") {
		t.Errorf("the incident page's history says a long new impact is empty, or does not name it:\n%s", page[max(0, i):])
	}

	// The record pages link to their history.
	for _, l := range []struct{ page, link string }{
		{"/incidents/" + hs.incKey, "/incidents/" + hs.incKey + "/history"},
		{"/postmortems/" + hs.pmKey, "/postmortems/" + hs.pmKey + "/history"},
		{"/postmortems/" + hs.pmKey + "/edit", "/postmortems/" + hs.pmKey + "/history"},
		{"/incidents/" + hs.incKey + "/timeline/" + idStr(hs.event.ID) + "/edit", eventPath},
		{"/incidents/" + hs.incKey, "/action-items/" + hs.ai + "/history"},
	} {
		if _, body := hs.get(t, l.page, hs.rita); !strings.Contains(body, `href="`+l.link+`"`) {
			t.Errorf("GET %s has no link to %s", l.page, l.link)
		}
	}

	// Paged: 25 more changes make two pages, and the second page ends with
	// the incident's creation.
	inc := hs.inc
	for i := 0; i < 25; i++ {
		labels := []string{"try-" + idStr(int64(i))}
		cur, err := hs.svc.Incident(hs.ritaCtx, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hs.svc.UpdateIncident(hs.ritaCtx, inc.ID, debrief.IncidentPatch{Labels: &labels}, cur.Version); err != nil {
			t.Fatal(err)
		}
	}
	_, body := hs.get(t, "/incidents/"+hs.incKey+"/history", hs.rita)
	if n := strings.Count(body, `<li class="revision">`); n != historyPageSize {
		t.Errorf("the first history page shows %d revisions; want %d", n, historyPageSize)
	}
	if strings.Contains(body, "created it") || strings.Contains(body, "Newest changes") {
		t.Errorf("the first history page shows the creation or a link to itself")
	}
	m := regexp.MustCompile(`href="([^"]+)" rel="next">Older changes`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the first history page has no link to older changes:\n%s", mainOf(body))
	}
	code, body := hs.get(t, strings.ReplaceAll(m[1], "&amp;", "&"), hs.rita)
	if code != 200 || !strings.Contains(body, "created it") || !strings.Contains(body, "Newest changes") || strings.Contains(body, "Older changes") {
		t.Errorf("the second history page = %d; want the creation, a link to the newest and none further:\n%s", code, mainOf(body))
	}
	if code, _ := hs.get(t, "/incidents/"+hs.incKey+"/history?after=garbage", hs.rita); code != 400 {
		t.Errorf("GET history with a made-up cursor = %d; want 400", code)
	}
}

// mainOf returns the page's main element, for failure messages.
func mainOf(page string) string {
	if i := strings.Index(page, "<main"); i >= 0 {
		page = page[i:]
	}
	if i := strings.Index(page, "</main>"); i >= 0 {
		page = page[:i]
	}
	return page
}

func TestHistoryPagesPostgres(t *testing.T) { testHistoryPages(t, openPostgresOrSkip(t)) }
