package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// uiSignIn signs name in through the sign-in form and returns the cookie.
func uiSignIn(t *testing.T, h http.Handler, email string) *http.Cookie {
	t.Helper()
	rec := uiRequest(h, "POST", "/login", url.Values{"email": {email}, "password": {authPassword}})
	for _, c := range rec.Result().Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	t.Fatalf("POST /login as %s = %d, no session cookie", email, rec.Code)
	return nil
}

// TestUIFormsKeepTextOnConflict: a form posted with a stale version is not
// applied; the page comes back with the writer's text and a sentence.
func TestUIFormsKeepTextOnConflict(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			svc, h, team := newUITeam(t, engine.open(t))
			rita, cookie := team.as("rita"), team.cookie["rita"]
			inc, err := svc.CreateIncident(rita, &debrief.Incident{Title: "Checkout API returned 500s", StartedAt: time.Now().Add(-time.Hour)})
			if err != nil {
				t.Fatal(err)
			}

			// Someone else saves first.
			other := "Checkout API returned 500s for EU customers"
			if _, err := svc.UpdateIncident(rita, inc.ID, debrief.IncidentPatch{Title: &other}, inc.Version); err != nil {
				t.Fatal(err)
			}
			mine := "Checkout API refused payments for 40 minutes"
			rec := uiRequest(h, "POST", "/incidents/"+inc.Key+"/edit", url.Values{"version": {strconv.Itoa(inc.Version)}, "title": {mine},
				"severity": {inc.Severity}, "status": {string(inc.Status)}, "impact": {"My impact text"}, "started_at": {inc.StartedAt.Format("2006-01-02T15:04")}}, cookie)
			body := rec.Body.String()
			if rec.Code != http.StatusConflict || !strings.Contains(body, `value="`+mine+`"`) || !strings.Contains(body, "My impact text") ||
				!strings.Contains(body, "Someone else saved this incident") || !strings.Contains(body, "Saved: "+other) {
				t.Fatalf("stale edit = %d; want 409 with my text kept, the sentence and the saved title:\n%s", rec.Code, body)
			}
			if cur, _ := svc.Incident(rita, inc.ID); cur.Title != other {
				t.Fatalf("after the stale edit the title is %q; want the other writer's %q", cur.Title, other)
			}
			// The re-rendered form carries the current version, so saving
			// again is a deliberate choice that succeeds.
			if !strings.Contains(body, `name="version" value="2"`) {
				t.Fatalf("the conflict form does not carry version 2:\n%s", body)
			}
			rec = uiRequest(h, "POST", "/incidents/"+inc.Key+"/edit", url.Values{"version": {"2"}, "title": {mine},
				"severity": {inc.Severity}, "status": {string(inc.Status)}, "started_at": {inc.StartedAt.UTC().Format("2006-01-02T15:04")}}, cookie)
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("saving again = %d:\n%s", rec.Code, rec.Body)
			}
			if cur, _ := svc.Incident(rita, inc.ID); cur.Title != mine {
				t.Fatalf("after saving again the title is %q; want %q", cur.Title, mine)
			}

			// The same for a timeline event.
			if _, err := svc.AddTimelineEvents(rita, inc.ID, []*debrief.TimelineEvent{{At: time.Now().Add(-time.Minute), Text: "Paged on-call"}}, debrief.AddEventsOptions{}); err != nil {
				t.Fatal(err)
			}
			evs, _ := svc.ListTimeline(rita, inc.ID, debrief.TimelineFilter{})
			ev := evs[0]
			theirs := "Paged the on-call engineer"
			if _, err := svc.UpdateTimelineEvent(rita, inc.ID, ev.ID, debrief.TimelineEventPatch{Text: &theirs}, ev.Version); err != nil {
				t.Fatal(err)
			}
			path := "/incidents/" + inc.Key + "/timeline/" + strconv.FormatInt(ev.ID, 10)
			rec = uiRequest(h, "POST", path+"/edit", url.Values{"version": {strconv.Itoa(ev.Version)}, "text": {"Paged Amara, who acknowledged"},
				"kind": {"action"}, "at": {ev.At.UTC().Format("2006-01-02T15:04")}}, cookie)
			body = rec.Body.String()
			if rec.Code != http.StatusConflict || !strings.Contains(body, "Paged Amara, who acknowledged") || !strings.Contains(body, theirs) {
				t.Fatalf("stale event edit = %d; want 409 showing both texts:\n%s", rec.Code, body)
			}
			// A stale star toggle is not applied either.
			rec = uiRequest(h, "POST", path+"/star", url.Values{"version": {strconv.Itoa(ev.Version)}, "starred": {"true"}}, cookie)
			if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "Someone else changed this event") {
				t.Fatalf("stale star = %d:\n%s", rec.Code, rec.Body)
			}
			// A stale delete keeps the event.
			rec = uiRequest(h, "POST", path+"/delete", url.Values{"version": {strconv.Itoa(ev.Version)}}, cookie)
			if rec.Code != http.StatusConflict {
				t.Fatalf("stale delete = %d", rec.Code)
			}
			if evs, _ := svc.ListTimeline(rita, inc.ID, debrief.TimelineFilter{}); len(evs) != 1 || evs[0].Text != theirs || evs[0].Starred {
				t.Fatalf("after stale star and delete the timeline is %+v; want the other writer's event untouched", evs)
			}
			// With the current version, delete works and redirects.
			rec = uiRequest(h, "POST", path+"/delete", url.Values{"version": {strconv.Itoa(ev.Version + 1)}}, cookie)
			if rec.Code != http.StatusSeeOther {
				t.Fatalf("delete with the current version = %d:\n%s", rec.Code, rec.Body)
			}
			// A form without its version is refused with a sentence.
			rec = uiRequest(h, "POST", "/incidents/"+inc.Key+"/edit", url.Values{"title": {mine}}, cookie)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "no record version") {
				t.Fatalf("edit without a version = %d:\n%s", rec.Code, rec.Body)
			}
		})
	}
}

// TestUIConcurrentTimelinePosts: more people adding events at once than the
// database pool holds; every event lands once.
func TestUIConcurrentTimelinePosts(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			svc, h, team := newUITeam(t, engine.open(t))
			rita, cookie := team.as("rita"), team.cookie["rita"]
			inc, err := svc.CreateIncident(rita, &debrief.Incident{Title: "Checkout API returned 500s", StartedAt: time.Now().Add(-time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			const n = 64
			codes := make(chan int, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rec := uiRequest(h, "POST", "/incidents/"+inc.Key+"/timeline", url.Values{"text": {"Event " + strconv.Itoa(i)}, "kind": {"note"}}, cookie)
					codes <- rec.Code
				}()
			}
			wg.Wait()
			close(codes)
			for c := range codes {
				if c != http.StatusSeeOther {
					t.Errorf("concurrent timeline post = %d, want 303", c)
				}
			}
			evs, err := svc.ListTimeline(rita, inc.ID, debrief.TimelineFilter{})
			if err != nil || len(evs) != n {
				t.Fatalf("after %d concurrent posts the timeline has %d events (%v)", n, len(evs), err)
			}
		})
	}
}

// TestUIEditIncidentTimes: times left as the form shows them keep their
// seconds, an emptied one is cleared, a changed one is set in the
// viewer's zone.
func TestUIEditIncidentTimes(t *testing.T) {
	svc, h, team := newUITeam(t, openSQLite(t))
	rita := team.as("rita")
	started := time.Date(2026, 3, 1, 9, 30, 17, 0, time.UTC)
	detected, mitigated := started.Add(4*time.Minute+3*time.Second), started.Add(40*time.Minute)
	inc, err := svc.CreateIncident(rita, &debrief.Incident{Title: "Checkout API returned 500s", StartedAt: started, DetectedAt: &detected, MitigatedAt: &mitigated})
	if err != nil {
		t.Fatal(err)
	}
	cookie := team.cookie["rita"]
	tokyo := &http.Cookie{Name: "tz", Value: "Asia%2FTokyo"}
	rec := uiRequest(h, "POST", "/incidents/"+inc.Key+"/edit", url.Values{"version": {"1"}, "title": {inc.Title}, "severity": {inc.Severity},
		"status": {string(inc.Status)}, "started_at": {"2026-03-01T18:30"}, "detected_at": {"2026-03-01T18:34"}, "mitigated_at": {""},
		"acknowledged_at": {"2026-03-01T18:36"}}, cookie, tokyo)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("edit = %d:\n%s", rec.Code, rec.Body)
	}
	got, _ := svc.Incident(rita, inc.ID)
	ack := time.Date(2026, 3, 1, 9, 36, 0, 0, time.UTC)
	if !got.StartedAt.Equal(started) || got.DetectedAt == nil || !got.DetectedAt.Equal(detected) || got.MitigatedAt != nil ||
		got.AcknowledgedAt == nil || !got.AcknowledgedAt.Equal(ack) {
		t.Errorf("after the edit: started %v detected %v acknowledged %v mitigated %v; want %v, %v (seconds kept), %v (18:36 in Tokyo), cleared",
			got.StartedAt, got.DetectedAt, got.AcknowledgedAt, got.MitigatedAt, started, detected, ack)
	}
}
