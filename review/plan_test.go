package review

import (
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func storedReview() *debrief.Review {
	return &debrief.Review{
		ID: 7, PostmortemID: 3, Owner: "ana@example.com", Title: "Review: checkout outage", Zone: "Europe/Berlin",
		WindowStart: "2026-03-09", WindowEnd: "2026-03-13", LengthMinutes: 60, Status: debrief.ReviewOpen,
		CreatedAt: time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC),
		Participants: []debrief.ReviewParticipant{
			{Email: "ana@example.com", Required: true, Zone: "Europe/Berlin", WorkStart: "09:00", WorkEnd: "17:00"},
			// Bo works only on Wednesdays and Saturdays, from 09:30 New York time.
			{Email: "bo@example.com", Required: true, Zone: "America/New_York", WorkStart: "09:30", WorkEnd: "17:00", WorkDays: []string{"wed", "sat"}},
			{Email: "kei@example.com", Zone: "Asia/Tokyo", WorkStart: "09:00", WorkEnd: "18:00", Marked: true},
		},
	}
}

// TestProposeStoredReview reads a stored review's window in its zone and
// each participant's days and hours.
func TestProposeStoredReview(t *testing.T) {
	res, err := Propose(storedReview(), 3)
	if err != nil {
		t.Fatalf("Propose = %v", err)
	}
	// Wednesday 11 March: Berlin 9-17 (UTC+1) and New York 9:30-17 (UTC-4)
	// overlap from 13:30 to 16:00 UTC. Kei marked no time at all.
	want := time.Date(2026, 3, 11, 13, 30, 0, 0, time.UTC)
	if res.Earliest == nil || !res.Earliest.Start.Equal(want) {
		t.Fatalf("Propose earliest = %v, want %v", res.Earliest, want)
	}
	if got := strings.Join(res.Earliest.Missing, ","); got != "kei@example.com" {
		t.Errorf("earliest slot misses %q, want kei (marked no time)", got)
	}
	r := storedReview()
	r.Zone = "Nowhere/Special"
	if _, err := Propose(r, 3); debrief.ErrorCode(err) != debrief.EInvalid {
		t.Errorf("Propose(bad zone) = %v, want EInvalid", err)
	}
}

func TestBusyFromICSAndInvitation(t *testing.T) {
	r := storedReview()
	busy, err := BusyFromICS(r, "bo@example.com", []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260311T100000\r\nDTEND:20260311T110000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
	if err != nil {
		t.Fatalf("BusyFromICS = %v", err)
	}
	// A floating 10:00 is 10:00 where Bo is: 14:00 UTC.
	if len(busy) != 1 || !busy[0].Start.Equal(time.Date(2026, 3, 11, 14, 0, 0, 0, time.UTC)) {
		t.Errorf("BusyFromICS = %+v, want one hour from 14:00 UTC", busy)
	}
	if _, err := BusyFromICS(r, "nobody@example.com", nil); debrief.ErrorCode(err) != debrief.EInvalid {
		t.Errorf("BusyFromICS(not invited) = %v, want EInvalid", err)
	}
	if _, err := BusyFromICS(r, "bo@example.com", []byte("not a calendar")); debrief.ErrorField(err) != "calendar" {
		t.Errorf("BusyFromICS(garbage) = %v, want an error on the calendar field", err)
	}

	if _, err := InvitationFor(r, "https://debrief.example.com/postmortems/3", r.CreatedAt); debrief.ErrorCode(err) != debrief.EUnprocessable {
		t.Errorf("InvitationFor(no slot chosen) = %v, want EUnprocessable", err)
	}
	r.Chosen = &debrief.TimeRange{Start: time.Date(2026, 3, 11, 13, 30, 0, 0, time.UTC), End: time.Date(2026, 3, 11, 14, 30, 0, 0, time.UTC)}
	r.Status = debrief.ReviewScheduled
	inv, err := InvitationFor(r, "https://debrief.example.com/postmortems/3", r.CreatedAt)
	if err != nil || inv.Method != MethodRequest || len(inv.Attendees) != 3 || !inv.Attendees[0].Required || inv.Attendees[2].Required {
		t.Fatalf("InvitationFor(scheduled) = %+v, %v; want a REQUEST with 3 attendees, roles kept", inv, err)
	}
	moved := *r
	moved.Sequence, moved.Status = 2, debrief.ReviewCancelled
	cancel, err := InvitationFor(&moved, "https://other-host.example.com/postmortems/3", r.CreatedAt)
	if err != nil || cancel.Method != MethodCancel || cancel.UID != inv.UID || cancel.Sequence != 2 {
		t.Errorf("InvitationFor(cancelled) = %s uid %q seq %d, %v; want CANCEL with the same UID %q at sequence 2", cancel.Method, cancel.UID, cancel.Sequence, err, inv.UID)
	}
}
