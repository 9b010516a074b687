package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func TestFreeRanges(t *testing.T) {
	got, err := freeRanges([]string{"2026-03-09T10:30:00Z", "2026-03-09T10:00:00Z", "2026-03-09T14:00:00Z", "2026-03-09T10:00:00Z"})
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	want := []debrief.TimeRange{{Start: at("2026-03-09T10:00:00Z"), End: at("2026-03-09T11:00:00Z")}, {Start: at("2026-03-09T14:00:00Z"), End: at("2026-03-09T14:30:00Z")}}
	if len(got) != len(want) || !got[0].Start.Equal(want[0].Start) || !got[0].End.Equal(want[0].End) || !got[1].Start.Equal(want[1].Start) || !got[1].End.Equal(want[1].End) {
		t.Errorf("freeRanges = %v; want %v (neighbours joined, duplicates once)", got, want)
	}
	if _, err := freeRanges([]string{"tomorrow"}); debrief.ErrorCode(err) != debrief.EInvalid {
		t.Errorf("freeRanges(not a time) = %v; want EInvalid", err)
	}
}

func TestParseParticipantLines(t *testing.T) {
	got, err := parseParticipantLines("ada@example.com, required, Europe/Berlin, 08:00-16:00\n\n  sam@example.com\tAmerica/New_York\nbo@example.com; optional", "09:00", "17:00")
	if err != nil {
		t.Fatal(err)
	}
	want := []debrief.ReviewParticipant{
		{Email: "ada@example.com", Required: true, Zone: "Europe/Berlin", WorkStart: "08:00", WorkEnd: "16:00"},
		{Email: "sam@example.com", Zone: "America/New_York", WorkStart: "09:00", WorkEnd: "17:00"},
		{Email: "bo@example.com", WorkStart: "09:00", WorkEnd: "17:00"},
	}
	if len(got) != len(want) {
		t.Fatalf("parseParticipantLines = %+v; want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Email != w.Email || g.Required != w.Required || g.Zone != w.Zone || g.WorkStart != w.WorkStart || g.WorkEnd != w.WorkEnd {
			t.Errorf("line %d = %+v; want %+v", i+1, g, w)
		}
	}
	if _, err := parseParticipantLines("ada@example.com, mandatory", "", ""); debrief.ErrorCode(err) != debrief.EInvalid || !strings.Contains(err.Error(), "Line 1") {
		t.Errorf("parseParticipantLines(unknown word) = %v; want EInvalid naming the line", err)
	}
}

// TestFillGridZones lays out a UTC window for someone in Berlin: their
// half hours are in their zone, and the day the window only grazes after
// midnight there gets no column.
func TestFillGridZones(t *testing.T) {
	rv := &debrief.Review{Zone: "UTC", WindowStart: "2026-03-09", WindowEnd: "2026-03-10", LengthMinutes: 60}
	me := debrief.ReviewParticipant{Email: "ada@example.com", Zone: "Europe/Berlin", WorkStart: "09:00", WorkEnd: "11:00", Marked: true,
		Available: []debrief.TimeRange{{Start: time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)}},
		Busy:      []debrief.TimeRange{{Start: time.Date(2026, 3, 10, 9, 15, 0, 0, time.UTC), End: time.Date(2026, 3, 10, 9, 45, 0, 0, time.UTC)}}}
	p := &availabilityPage{Review: rv, Me: me}
	fillGrid(p)
	if strings.Join(p.Days, ",") != "Mon 9 Mar,Tue 10 Mar" {
		t.Fatalf("days = %v; want Mon 9 Mar and Tue 10 Mar only", p.Days)
	}
	if len(p.Rows) != 4 || p.Rows[0].Time != "09:00" {
		t.Fatalf("rows = %+v; want 09:00 to 10:30 in Berlin", p.Rows)
	}
	// 09:00 and 09:30 Berlin on the 9th are 08:00 and 08:30 UTC: free.
	if c := p.Rows[0].Cells[0]; c.Value != "2026-03-09T08:00:00Z" || !c.Free {
		t.Errorf("Mon 09:00 Berlin = %+v; want 08:00 UTC, free", c)
	}
	if c := p.Rows[2].Cells[0]; c.Free {
		t.Errorf("Mon 10:00 Berlin = %+v; want not free (not marked)", c)
	}
	// 10:00 and 10:30 Berlin on the 10th overlap the busy 09:15-09:45 UTC.
	if c := p.Rows[2].Cells[1]; !c.Busy || p.Rows[0].Cells[1].Busy {
		t.Errorf("Tue cells busy = %v at 10:00, %v at 09:00; want busy only where the calendar is", c.Busy, p.Rows[0].Cells[1].Busy)
	}
}

func TestTokenLimiter(t *testing.T) {
	now := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	l := newTokenLimiter(3, func() time.Time { return now })
	for i := 0; i < 3; i++ {
		if err := l.allow("192.0.2.1"); err != nil {
			t.Fatalf("request %d = %v; want allowed", i+1, err)
		}
	}
	if err := l.allow("192.0.2.1"); debrief.ErrorCode(err) != debrief.ETooManyRequests {
		t.Errorf("fourth request in the minute = %v; want ETooManyRequests", err)
	}
	if err := l.allow("192.0.2.2"); err != nil {
		t.Errorf("another address = %v; want allowed", err)
	}
	now = now.Add(time.Minute)
	if err := l.allow("192.0.2.1"); err != nil {
		t.Errorf("next minute = %v; want allowed", err)
	}
}

// TestAvailabilityByLinkWithoutJavaScript posts the personal link page's
// plain forms as a browser without JavaScript does: the grid, then the
// questionnaire; a wrong token is a 404 page and the link pages are
// limited per address.
func TestAvailabilityByLinkWithoutJavaScript(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	// The limiter counts in one-minute windows of its clock: frozen, so
	// the requests below all fall in one window however long they take
	// (a run that crossed a minute's end saw its count start again).
	frozen := time.Now()
	e.srv.linkLimiter.now = func() time.Time { return frozen }
	ctx := e.ctx()
	pm, invites := openTestReview(t, e)
	token := invites[1].Token
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if x := e.do("GET", "/review/"+token, "", nil); x.status != 200 || !strings.Contains(string(x.body), `name="free" value="2026-03-09T09:00:00Z" checked`) || x.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET the personal link = %d (Cache-Control %q):\n%.2000s", x.status, x.header.Get("Cache-Control"), x.body)
	}
	v := url.Values{"version": {"1"}, "grid": {"1"}, "free": {"2026-03-10T14:00:00Z", "2026-03-10T14:30:00Z"}}
	if x := e.do("POST", "/review/"+token, v.Encode(), form); x.status != 200 || !strings.Contains(string(x.body), "Saved") {
		t.Fatalf("POST the grid = %d:\n%.2000s", x.status, x.body)
	}
	rv, err := e.svc.Review(ctx, pm.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p := rv.Participant("pat@example.com"); !p.Marked || len(p.Available) != 1 || p.Available[0].End.Sub(p.Available[0].Start) != time.Hour {
		t.Errorf("pat after the grid = %+v; want one marked hour", p)
	}
	// The same form again from the old page: refused, the page says why.
	if x := e.do("POST", "/review/"+token, v.Encode(), form); x.status != http.StatusConflict || !strings.Contains(string(x.body), "changed elsewhere") {
		t.Errorf("POST the grid from a stale page = %d; want 409 with a sentence", x.status)
	}
	a := url.Values{"version": {"0"}, "went_well": {"The rollback was quick."}}
	if x := e.do("POST", "/review/"+token+"/answers", a.Encode(), form); x.status != 200 || !strings.Contains(string(x.body), "The rollback was quick.") {
		t.Errorf("POST the questionnaire = %d:\n%.2000s", x.status, x.body)
	}
	// Answers sent from a stale page are refused but kept in the form,
	// now at the stored version, so a second send saves them.
	b := url.Values{"version": {"0"}, "went_well": {"Typed on the old page."}}
	if x := e.do("POST", "/review/"+token+"/answers", b.Encode(), form); x.status != http.StatusConflict || !strings.Contains(string(x.body), "Typed on the old page.") || !strings.Contains(string(x.body), `name="version" value="1"`) {
		t.Errorf("POST answers from a stale page = %d; want 409 with the typed text kept at version 1:\n%.3000s", x.status, x.body)
	}
	if x := e.do("GET", "/review/"+strings.Repeat("x", 43), "", nil); x.status != 404 {
		t.Errorf("GET a wrong personal link = %d; want 404", x.status)
	}
	limited := false
	for i := 0; i < linkRequestsPerMinute+1 && !limited; i++ {
		limited = e.do("GET", "/review/"+token, "", nil).status == http.StatusTooManyRequests
	}
	if !limited {
		t.Errorf("%d requests to a personal link in a minute were all answered; want 429 past %d", linkRequestsPerMinute+1, linkRequestsPerMinute)
	}
}

// TestMeetingPagesWithoutJavaScript drives the facilitation page with plain
// form posts: a step answers 303 back to the page, a step from a page
// another device moved past is refused with what was typed kept, and the
// room view follows the meeting by its stream, not by polling.
func TestMeetingPagesWithoutJavaScript(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	ctx := e.ctx()
	pm, _ := openTestReview(t, e)
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	base := "/postmortems/" + pm.Key + "/review/meeting"
	if x := e.do("POST", base, url.Values{"order": {"chosen"}, "chosen": {"pat@example.com"}}.Encode(), form); x.status != http.StatusCreated || !strings.Contains(string(x.body), "/room/") {
		t.Fatalf("start the meeting = %d:\n%.2000s", x.status, x.body)
	}
	m, err := e.svc.ReviewMeeting(ctx, pm.ID)
	if err != nil {
		t.Fatal(err)
	}
	if x := e.do("POST", base+"/next", url.Values{"version": {"1"}}.Encode(), form); x.status != http.StatusSeeOther || x.header.Get("Location") != base {
		t.Fatalf("next = %d to %q; want 303 back to the meeting", x.status, x.header.Get("Location"))
	}
	room := e.do("GET", "/postmortems/"+pm.Key+"/review/room", "", nil)
	for _, want := range []string{`sse-connect="/postmortems/` + pm.Key + `/review/live?page=`, `hx-get="/postmortems/` + pm.Key + `/review/room" hx-trigger="sse:review, sse:resync" hx-select="#meeting-now"`} {
		if !strings.Contains(string(room.body), want) {
			t.Errorf("signed-in room view lacks %s:\n%.3000s", want, room.body)
		}
	}
	if strings.Contains(string(room.body), "every ") {
		t.Errorf("the room view still polls:\n%.3000s", room.body)
	}
	// A second device still at version 1 types points: refused, kept.
	stale := url.Values{"version": {"1"}, "email": {"pat@example.com"}, "text": {"Typed on the second device."}}
	if x := e.do("POST", base+"/points", stale.Encode(), form); x.status != http.StatusConflict || !strings.Contains(string(x.body), "Typed on the second device.") {
		t.Errorf("points from a stale page = %d; want 409 showing what was typed:\n%.2000s", x.status, x.body)
	}
	if x := e.do("GET", "/postmortems/"+pm.Key+"/review/room", "", nil); x.status != 200 || strings.Contains(string(x.body), `action="/postmortems/`+pm.Key+`/review/meeting/next"`) {
		t.Errorf("signed-in room view = %d; want 200 without the facilitator's forms", x.status)
	}
	if m.Speakers[0].Email != "pat@example.com" {
		t.Errorf("go-around order = %+v; want pat first as chosen", m.Speakers)
	}
}

// TestReviewPageViewLeavesNoAudit: a viewer who may not plan the review
// sees the page without its controls, and looking leaves nothing in the
// audit log (it used to ask the Service for the plan's defaults, whose
// refusal is audited).
func TestReviewPageViewLeavesNoAudit(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{Authenticate: func(*http.Request) (debrief.Actor, error) {
		return debrief.Actor{Email: "vic@example.com", Role: debrief.RoleViewer, Via: "test"}, nil
	}})
	ctx := e.ctx()
	_, pm := seedIncidentPostmortem(t, e, "Checkout API returned 500s")
	count := func() int {
		p, err := e.svc.AuditLog(ctx, debrief.AuditFilter{Limit: debrief.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Items)
	}
	before := count()
	x := e.do("GET", "/postmortems/"+pm.Key+"/review", "", nil)
	if x.status != 200 || strings.Contains(string(x.body), "Open the review") || !strings.Contains(string(x.body), "No review meeting has been planned") {
		t.Fatalf("viewer's review page = %d:\n%.2000s", x.status, x.body)
	}
	if after := count(); after != before {
		t.Errorf("viewing the review page left %d audit entries; want none", after-before)
	}
}

// seedIncidentPostmortem stores, as the seed admin, an incident with title
// and its postmortem, owned by the seed admin.
func seedIncidentPostmortem(t *testing.T, e *testEnv, title string) (*debrief.Incident, *debrief.Postmortem) {
	t.Helper()
	inc, err := e.svc.CreateIncident(e.ctx(), &debrief.Incident{Title: title})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := e.svc.CreatePostmortem(e.ctx(), debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "seed@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return inc, pm
}

// openTestReview opens the review of a new postmortem owned by the seed
// admin, with pat@example.com invited (invites[1] is pat's link).
func openTestReview(t *testing.T, e *testEnv) (*debrief.Postmortem, []debrief.ReviewInvite) {
	t.Helper()
	ctx := e.ctx()
	_, pm := seedIncidentPostmortem(t, e, "Checkout API returned 500s")
	_, invites, err := e.svc.OpenReview(ctx, pm.ID, debrief.NewReview{Zone: "UTC", WindowStart: "2026-03-09", WindowEnd: "2026-03-13",
		Participants: []debrief.ReviewParticipant{{Email: "seed@example.com", Required: true}, {Email: "pat@example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	return pm, invites
}

// TestIncidentPageLinksReview: the incident's page says, beside each
// postmortem, where its review meeting stands and links to it, from "not
// planned yet" to scheduled (in the viewer's zone, named) to cancelled.
func TestIncidentPageLinksReview(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	ctx := e.ctx()
	pm, _ := openTestReview(t, e)
	inc, err := e.svc.Incident(ctx, *pm.IncidentID)
	if err != nil {
		t.Fatal(err)
	}
	state := func() string {
		t.Helper()
		x := e.do("GET", "/incidents/"+inc.Key, "", nil)
		body := string(x.body)
		link := `<a href="/postmortems/` + pm.Key + `/review">Review meeting<span class="visually-hidden"> of ` + pm.Key + `</span></a>: `
		i := strings.Index(body, link)
		if x.status != 200 || i < 0 {
			t.Fatalf("incident page = %d without a link to the review of %s:\n%.3000s", x.status, pm.Key, body)
		}
		rest := body[i+len(link):]
		return rest[:strings.Index(rest, "</span>")]
	}
	if got := state(); !strings.HasPrefix(got, "open: participants are marking") {
		t.Errorf("review state of an open review = %q", got)
	}
	r, err := e.svc.Review(ctx, pm.ID)
	if err != nil {
		t.Fatal(err)
	}
	from, _, _ := r.Window()
	if r, err = e.svc.ChooseReviewSlot(ctx, pm.ID, from.Add(14*time.Hour), r.Version); err != nil {
		t.Fatal(err)
	}
	if got := state(); got != "scheduled for Mon 9 Mar 2026, 14:00–15:00 UTC" {
		t.Errorf("review state of a scheduled review = %q; want the slot with its zone", got)
	}
	if _, err := e.svc.CancelReview(ctx, pm.ID, r.Version); err != nil {
		t.Fatal(err)
	}
	if got := state(); got != "cancelled" {
		t.Errorf("review state of a cancelled review = %q", got)
	}
	inc2, other := seedIncidentPostmortem(t, e, "Search returned stale results")
	if x := e.do("GET", "/incidents/"+inc2.Key, "", nil); !strings.Contains(string(x.body), `href="/postmortems/`+other.Key+`/review">Review meeting<span class="visually-hidden"> of `+other.Key+`</span></a>: not planned yet`) {
		t.Errorf("a postmortem without a review: the incident page does not say it is not planned yet:\n%.3000s", x.body)
	}
}
