// Package review schedules the postmortem review meeting: it finds the
// slots where every required participant can attend across time zones and
// working hours, writes iCalendar (RFC 5545) invitations, reads busy times
// from iCalendar files, and fetches calendars by URL without letting that
// fetch reach the internal network.
package review

import (
	"fmt"
	"sort"
	"time"
)

// Interval is the half-open span [Start, End).
type Interval struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Contains reports whether o lies entirely inside i.
func (i Interval) Contains(o Interval) bool { return !o.Start.Before(i.Start) && !o.End.After(i.End) }

// Overlaps reports whether i and o share any instant.
func (i Interval) Overlaps(o Interval) bool { return i.Start.Before(o.End) && o.Start.Before(i.End) }

// Participant is one person the meeting is planned for.
type Participant struct {
	// Name identifies the participant in answers (an e-mail address).
	Name     string
	Required bool
	// Zone is where the participant's working hours are counted.
	Zone *time.Location
	// WorkStart and WorkEnd are the working hours as offsets from local
	// midnight, e.g. 9h and 17h. A day whose local clock skips or repeats
	// an hour (a DST change) still starts and ends at these wall-clock times.
	WorkStart, WorkEnd time.Duration
	// WorkDays are the local weekdays the participant works; empty means
	// Monday to Friday.
	WorkDays []time.Weekday
	// Busy are times the participant cannot attend (imported calendars).
	Busy []Interval
	// Available, when Marked is true, are the only times the participant
	// can attend (within working hours). Marked with no intervals means the
	// participant said they can attend at no time.
	Available []Interval
	Marked    bool
}

// Request is one slot search.
type Request struct {
	Participants []Participant
	// From and To bound the search window: a slot starts at or after From
	// and ends at or before To.
	From, To time.Time
	Length   time.Duration
	// Step is the spacing of candidate start times, counted from the Unix
	// epoch so every zone's quarter hours line up; 0 means 15 minutes.
	Step time.Duration
	// Limit bounds the proposals and near misses returned; 0 means 5.
	Limit int
}

// Slot is a proposed meeting time where every required participant can
// attend.
type Slot struct {
	Interval
	// Optional lists the optional participants who can attend; Missing
	// those who cannot.
	Optional []string `json:"optional"`
	Missing  []string `json:"missing"`
}

// NearMiss is a time that fails only because of a few required
// participants, so the organiser knows whom to ask to move something.
type NearMiss struct {
	Interval
	Blockers []string `json:"blockers"`
}

// Result is what a search found.
type Result struct {
	// Earliest is the first slot in time where every required participant
	// can attend, whatever the optional ones; nil when there is none.
	Earliest *Slot `json:"earliest,omitempty"`
	// Slots are the proposals, best first: most optional participants, then
	// earliest. They do not overlap one another.
	Slots []Slot `json:"slots"`
	// NearMisses are filled only when Slots is empty: the times blocked by
	// the fewest required participants, earliest first, not overlapping.
	NearMisses []NearMiss `json:"near_misses,omitempty"`
	// Candidates is how many start times were considered.
	Candidates int `json:"candidates"`
}

// Bounds of one search, so a request from the API cannot make the server
// walk years at one-minute steps.
const (
	MaxWindow       = 62 * 24 * time.Hour
	MaxParticipants = 100
	MinStep         = 5 * time.Minute
)

// Validate checks a request for what would make a search meaningless.
func (r *Request) Validate() error {
	if r.Step == 0 {
		r.Step = 15 * time.Minute
	}
	if r.Limit <= 0 {
		r.Limit = 5
	}
	switch {
	case r.Length <= 0:
		return fmt.Errorf("the meeting length must be positive")
	case r.Length > 12*time.Hour:
		return fmt.Errorf("the meeting length must be at most 12 hours")
	case r.Step < MinStep || r.Step%time.Minute != 0:
		return fmt.Errorf("the step must be a whole number of minutes, at least %s", MinStep)
	case !r.From.Before(r.To):
		return fmt.Errorf("the window must end after it starts")
	case r.To.Sub(r.From) > MaxWindow:
		return fmt.Errorf("the window must be at most %d days", int(MaxWindow/(24*time.Hour)))
	case len(r.Participants) == 0:
		return fmt.Errorf("there must be at least one participant")
	case len(r.Participants) > MaxParticipants:
		return fmt.Errorf("there must be at most %d participants", MaxParticipants)
	}
	for _, p := range r.Participants {
		if p.Zone == nil {
			return fmt.Errorf("participant %s has no time zone", p.Name)
		}
		if p.WorkStart < 0 || p.WorkEnd > 24*time.Hour || p.WorkEnd <= p.WorkStart {
			return fmt.Errorf("participant %s has working hours that end before they start", p.Name)
		}
	}
	return nil
}

// Find searches the window for slots. It answers in time linear in
// candidates × participants × log(free intervals): each participant's free
// time is computed once as sorted intervals, and each candidate is one
// binary search per participant.
func Find(r Request) (Result, error) {
	if err := r.Validate(); err != nil {
		return Result{}, err
	}
	free := make([][]Interval, len(r.Participants))
	for i, p := range r.Participants {
		free[i] = freeTime(p, r.From, r.To)
	}
	var required, optional []int
	for i, p := range r.Participants {
		if p.Required {
			required = append(required, i)
		} else {
			optional = append(optional, i)
		}
	}

	type candidate struct {
		at       Interval
		optional int // how many optional participants can come
		blockers int // how many required participants cannot
	}
	var valid, blocked []candidate
	res := Result{Slots: []Slot{}}
	minBlockers := len(required) + 1
	for start := alignUp(r.From, r.Step); !start.Add(r.Length).After(r.To); start = start.Add(r.Step) {
		res.Candidates++
		at := Interval{start, start.Add(r.Length)}
		c := candidate{at: at}
		for _, i := range required {
			if !fits(free[i], at) {
				c.blockers++
			}
		}
		if c.blockers > 0 {
			// Only the fewest blockers matter for near misses.
			if c.blockers < minBlockers {
				minBlockers, blocked = c.blockers, blocked[:0]
			}
			if c.blockers == minBlockers {
				blocked = append(blocked, c)
			}
			continue
		}
		for _, i := range optional {
			if fits(free[i], at) {
				c.optional++
			}
		}
		valid = append(valid, c)
	}

	slot := func(at Interval) Slot {
		s := Slot{Interval: at, Optional: []string{}, Missing: []string{}}
		for _, i := range optional {
			if fits(free[i], at) {
				s.Optional = append(s.Optional, r.Participants[i].Name)
			} else {
				s.Missing = append(s.Missing, r.Participants[i].Name)
			}
		}
		return s
	}
	if len(valid) > 0 {
		first := slot(valid[0].at)
		res.Earliest = &first
		// Stable by start (the order found), then most optional first.
		sort.SliceStable(valid, func(a, b int) bool { return valid[a].optional > valid[b].optional })
		var picked []Interval
		for _, c := range valid {
			if len(res.Slots) == r.Limit {
				break
			}
			if overlapsAny(picked, c.at) {
				continue
			}
			picked = append(picked, c.at)
			res.Slots = append(res.Slots, slot(c.at))
		}
		return res, nil
	}
	var picked []Interval
	for _, c := range blocked {
		if len(res.NearMisses) == r.Limit {
			break
		}
		if overlapsAny(picked, c.at) {
			continue
		}
		picked = append(picked, c.at)
		nm := NearMiss{Interval: c.at, Blockers: []string{}}
		for _, i := range required {
			if !fits(free[i], c.at) {
				nm.Blockers = append(nm.Blockers, r.Participants[i].Name)
			}
		}
		res.NearMisses = append(res.NearMisses, nm)
	}
	return res, nil
}

func overlapsAny(list []Interval, at Interval) bool {
	for _, p := range list {
		if p.Overlaps(at) {
			return true
		}
	}
	return false
}

// alignUp returns the first multiple of step since the Unix epoch at or
// after t.
func alignUp(t time.Time, step time.Duration) time.Time {
	ns := t.UnixNano()
	rem := ns % int64(step)
	if rem < 0 {
		rem += int64(step)
	}
	if rem == 0 {
		return t
	}
	return time.Unix(0, ns-rem+int64(step)).In(t.Location())
}

// fits reports whether at lies inside one interval of free, which is sorted
// and disjoint.
func fits(free []Interval, at Interval) bool {
	// The first interval ending after at starts is the only one that can hold it.
	i := sort.Search(len(free), func(i int) bool { return free[i].End.After(at.Start) })
	return i < len(free) && free[i].Contains(at)
}

// freeTime returns p's free time within [from, to] as sorted disjoint
// intervals: working hours on working days, narrowed to the marked
// availability, minus busy times.
func freeTime(p Participant, from, to time.Time) []Interval {
	work := workingHours(p, from, to)
	if p.Marked {
		work = intersect(work, normalize(p.Available))
	}
	return subtract(work, normalize(p.Busy))
}

// workingHours lists p's working hours on each local working day that
// touches [from, to]. Days are walked in the participant's zone with
// time.Date, so a DST change moves the hours with the wall clock.
func workingHours(p Participant, from, to time.Time) []Interval {
	days := p.WorkDays
	if len(days) == 0 {
		days = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	var works [7]bool
	for _, d := range days {
		works[d] = true
	}
	lf := from.In(p.Zone)
	y, m, d := lf.Date()
	var out []Interval
	for day := time.Date(y, m, d-1, 12, 0, 0, 0, p.Zone); ; {
		y, m, d := day.Date()
		start := wallClock(y, m, d, p.WorkStart, p.Zone)
		if start.After(to) {
			break
		}
		if works[day.Weekday()] {
			end := wallClock(y, m, d, p.WorkEnd, p.Zone)
			if end.After(from) && end.After(start) {
				out = append(out, Interval{start, end})
			}
		}
		day = time.Date(y, m, d+1, 12, 0, 0, 0, p.Zone)
	}
	return out
}

// wallClock is the instant at offset off after local midnight of y-m-d,
// read as a wall-clock time (9:00 stays 9:00 across a DST change).
func wallClock(y int, m time.Month, d int, off time.Duration, loc *time.Location) time.Time {
	h, min := int(off/time.Hour), int(off%time.Hour/time.Minute)
	return time.Date(y, m, d, h, min, 0, 0, loc)
}

// normalize returns list sorted and merged, dropping empty intervals.
func normalize(list []Interval) []Interval {
	out := make([]Interval, 0, len(list))
	for _, iv := range list {
		if iv.End.After(iv.Start) {
			out = append(out, iv)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Start.Before(out[b].Start) })
	merged := out[:0]
	for _, iv := range out {
		if n := len(merged); n > 0 && !iv.Start.After(merged[n-1].End) {
			if iv.End.After(merged[n-1].End) {
				merged[n-1].End = iv.End
			}
			continue
		}
		merged = append(merged, iv)
	}
	return merged
}

// intersect returns the parts of a that lie in b; both sorted and disjoint.
func intersect(a, b []Interval) []Interval {
	var out []Interval
	for i, j := 0, 0; i < len(a) && j < len(b); {
		s, e := later(a[i].Start, b[j].Start), earlier(a[i].End, b[j].End)
		if s.Before(e) {
			out = append(out, Interval{s, e})
		}
		if a[i].End.Before(b[j].End) {
			i++
		} else {
			j++
		}
	}
	return out
}

// subtract returns the parts of a not in b; both sorted and disjoint.
func subtract(a, b []Interval) []Interval {
	var out []Interval
	j := 0
	for _, iv := range a {
		cur := iv
		for j < len(b) && !b[j].End.After(cur.Start) {
			j++
		}
		for k := j; k < len(b) && b[k].Start.Before(cur.End); k++ {
			if b[k].Start.After(cur.Start) {
				out = append(out, Interval{cur.Start, b[k].Start})
			}
			if b[k].End.After(cur.Start) {
				cur.Start = b[k].End
			}
			if !cur.Start.Before(cur.End) {
				break
			}
		}
		if cur.Start.Before(cur.End) {
			out = append(out, cur)
		}
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
