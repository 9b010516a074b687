package review

import (
	"fmt"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// RequestFor turns a stored review into a slot search over its window.
func RequestFor(r *debrief.Review, limit int) (Request, error) {
	from, to, err := r.Window()
	if err != nil {
		return Request{}, err
	}
	req := Request{From: from, To: to, Length: r.Length(), Limit: limit}
	for _, p := range r.Participants {
		loc, err := time.LoadLocation(p.Zone)
		if err != nil {
			return Request{}, debrief.Errorf(debrief.EInvalid, "participants", "%s has the time zone %q, which is not known.", p.Email, p.Zone)
		}
		start, _ := debrief.ParseClock(p.WorkStart)
		end, _ := debrief.ParseClock(p.WorkEnd)
		rp := Participant{Name: p.Email, Required: p.Required, Zone: loc,
			WorkStart: time.Duration(start) * time.Minute, WorkEnd: time.Duration(end) * time.Minute,
			Marked: p.Marked, Busy: intervals(p.Busy), Available: intervals(p.Available)}
		for _, d := range p.WorkDays {
			rp.WorkDays = append(rp.WorkDays, weekdays[d])
		}
		req.Participants = append(req.Participants, rp)
	}
	return req, nil
}

var weekdays = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

func intervals(list []debrief.TimeRange) []Interval {
	out := make([]Interval, len(list))
	for i, t := range list {
		out[i] = Interval{t.Start, t.End}
	}
	return out
}

// Ranges turns intervals into the domain's time ranges.
func Ranges(list []Interval) []debrief.TimeRange {
	out := make([]debrief.TimeRange, len(list))
	for i, t := range list {
		out[i] = debrief.TimeRange{Start: t.Start, End: t.End}
	}
	return out
}

// Propose finds the slots of a stored review.
func Propose(r *debrief.Review, limit int) (Result, error) {
	req, err := RequestFor(r, limit)
	if err != nil {
		return Result{}, err
	}
	res, err := Find(req)
	if err != nil {
		return Result{}, debrief.Errorf(debrief.EInvalid, "", "The review cannot be planned: %s.", err)
	}
	return res, nil
}

// BusyFromICS reads a participant's busy times for the review's window
// from an iCalendar file, reading floating times in the participant's zone.
func BusyFromICS(r *debrief.Review, email string, data []byte) ([]debrief.TimeRange, error) {
	p := r.Participant(email)
	if p == nil {
		return nil, debrief.Errorf(debrief.EInvalid, "participant", "%s is not invited to this review.", email)
	}
	loc, err := time.LoadLocation(p.Zone)
	if err != nil {
		return nil, debrief.Errorf(debrief.EInvalid, "participants", "%s has the time zone %q, which is not known.", p.Email, p.Zone)
	}
	from, to, err := r.Window()
	if err != nil {
		return nil, err
	}
	busy, err := ParseBusy(strings.NewReader(string(data)), BusyOptions{From: from, To: to, Zone: loc})
	if err != nil {
		return nil, debrief.Errorf(debrief.EInvalid, "calendar", "The calendar cannot be read: %s.", err)
	}
	busy = normalize(busy)
	if len(busy) > debrief.MaxReviewRanges {
		return nil, debrief.Errorf(debrief.EInvalid, "calendar", "The calendar has %d busy times in the window; at most %d are kept.", len(busy), debrief.MaxReviewRanges)
	}
	return Ranges(busy), nil
}

// UID is the invitation's stable UID: the same for every version of the
// meeting whichever address the server was reached by (a host name in it
// would change with the URL used, and calendars would see a new meeting),
// and distinct across installations by the review's creation time.
func UID(r *debrief.Review) string {
	return fmt.Sprintf("debrief-review-%d-%d@debrief", r.ID, r.CreatedAt.UnixMicro())
}

// InvitationFor returns the invitation of a scheduled review (METHOD
// REQUEST) or the cancellation of a cancelled one (METHOD CANCEL). link is
// the address of the postmortem in Debrief.
func InvitationFor(r *debrief.Review, link string, stamp time.Time) (Invitation, error) {
	if r.Chosen == nil {
		return Invitation{}, debrief.Errorf(debrief.EUnprocessable, "chosen", "No time has been chosen for this review yet, so there is no invitation.")
	}
	method := MethodRequest
	if r.Status == debrief.ReviewCancelled {
		method = MethodCancel
	}
	loc, err := time.LoadLocation(r.Zone)
	if err != nil {
		return Invitation{}, debrief.Errorf(debrief.EInvalid, "zone", "The review's time zone %q is not known.", r.Zone)
	}
	inv := Invitation{Method: method, UID: UID(r), Sequence: r.Sequence, Stamp: stamp, Start: r.Chosen.Start, End: r.Chosen.End,
		Zone: loc, Summary: r.Title, URL: link, Organizer: Person{Email: r.Owner},
		Description: fmt.Sprintf("Postmortem review of %s%d. Come with your view: what went well, what was hard, what surprised you, what you would change.", debrief.PostmortemKeyPrefix, r.PostmortemID)}
	for _, p := range r.Participants {
		inv.Attendees = append(inv.Attendees, Attendee{Person: Person{Name: p.Name, Email: p.Email}, Required: p.Required})
	}
	return inv, nil
}
