package review

import (
	"fmt"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zone tests must not depend on the machine's zoneinfo

	"pgregory.net/rapid"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q) = %v", name, err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func iv(start, end string) Interval { return Interval{utc(start), utc(end)} }

func person(name string, required bool, loc *time.Location) Participant {
	return Participant{Name: name, Required: required, Zone: loc, WorkStart: 9 * time.Hour, WorkEnd: 17 * time.Hour}
}

func TestFindTable(t *testing.T) {
	berlin, ny, tokyo, kolkata := zone(t, "Europe/Berlin"), zone(t, "America/New_York"), zone(t, "Asia/Tokyo"), zone(t, "Asia/Kolkata")
	// Tuesday 10 March 2026 to Thursday 12 March 2026, whole days in UTC.
	from, to := utc("2026-03-10 00:00"), utc("2026-03-13 00:00")
	for _, tc := range []struct {
		name         string
		people       []Participant
		length       time.Duration
		wantEarliest string   // UTC start of the earliest slot, "" for none
		wantFirst    string   // UTC start of the best proposal
		wantBlockers []string // blockers of the first near miss
	}{
		{
			name:         "one person in UTC starts at nine",
			people:       []Participant{person("ana", true, time.UTC)},
			length:       time.Hour,
			wantEarliest: "2026-03-10 09:00", wantFirst: "2026-03-10 09:00",
		},
		{
			// Berlin is UTC+1 in March, New York UTC-4 from 8 March: the
			// overlap of 9-17 is 13:00-16:00 UTC.
			name:         "Berlin and New York overlap in the afternoon",
			people:       []Participant{person("ana", true, berlin), person("bo", true, ny)},
			length:       time.Hour,
			wantEarliest: "2026-03-10 13:00", wantFirst: "2026-03-10 13:00",
		},
		{
			name: "a busy hour pushes the slot on",
			people: []Participant{func() Participant {
				p := person("ana", true, berlin)
				p.Busy = []Interval{iv("2026-03-10 12:30", "2026-03-10 13:30")}
				return p
			}(), person("bo", true, ny)},
			length:       time.Hour,
			wantEarliest: "2026-03-10 13:30", wantFirst: "2026-03-10 13:30",
		},
		{
			name: "marked availability narrows the working day",
			people: []Participant{func() Participant {
				p := person("ana", true, berlin)
				p.Marked, p.Available = true, []Interval{iv("2026-03-11 14:00", "2026-03-11 15:00"), iv("2026-03-11 15:00", "2026-03-11 15:30")}
				return p
			}()},
			length:       90 * time.Minute,
			wantEarliest: "2026-03-11 14:00", wantFirst: "2026-03-11 14:00",
		},
		{
			// Kolkata is UTC+5:30, so its nine o'clock falls on a quarter hour grid.
			name:         "half-hour zone",
			people:       []Participant{person("ria", true, kolkata)},
			length:       30 * time.Minute,
			wantEarliest: "2026-03-10 03:30", wantFirst: "2026-03-10 03:30",
		},
		{
			name:         "optional people rank a later slot first",
			people:       []Participant{person("ana", true, berlin), person("kei", false, tokyo), person("bo", false, ny)},
			length:       time.Hour,
			wantEarliest: "2026-03-10 08:00", // Berlin's 9:00, Tokyo's 17:00: Kei cannot come
			wantFirst:    "2026-03-10 13:00", // Bo can come from 13:00 UTC
		},
		{
			name:         "Tokyo and New York never overlap in working hours",
			people:       []Participant{person("kei", true, tokyo), person("bo", true, ny), person("ana", true, berlin)},
			length:       time.Hour,
			wantBlockers: []string{"kei"},
		},
		{
			name: "marked with nothing blocks everything",
			people: []Participant{person("ana", true, berlin), func() Participant {
				p := person("bo", true, berlin)
				p.Marked = true
				return p
			}()},
			length:       time.Hour,
			wantBlockers: []string{"bo"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Find(Request{Participants: tc.people, From: from, To: to, Length: tc.length})
			if err != nil {
				t.Fatalf("Find = %v", err)
			}
			if tc.wantEarliest == "" {
				if res.Earliest != nil || len(res.Slots) > 0 {
					t.Fatalf("Find = earliest %v, %d slots; want none", res.Earliest, len(res.Slots))
				}
				if len(res.NearMisses) == 0 {
					t.Fatalf("Find = no slots and no near misses; want near misses")
				}
				if got := strings.Join(res.NearMisses[0].Blockers, ","); got != strings.Join(tc.wantBlockers, ",") {
					t.Errorf("first near miss %v blocked by %q, want %q", res.NearMisses[0].Start, got, strings.Join(tc.wantBlockers, ","))
				}
				return
			}
			if res.Earliest == nil || !res.Earliest.Start.Equal(utc(tc.wantEarliest)) {
				t.Errorf("Find earliest = %v, want %s UTC", res.Earliest, tc.wantEarliest)
			}
			if len(res.Slots) == 0 || !res.Slots[0].Start.Equal(utc(tc.wantFirst)) {
				t.Errorf("Find first proposal = %v, want %s UTC", res.Slots, tc.wantFirst)
			}
			for i := 1; i < len(res.Slots); i++ {
				if res.Slots[i].Overlaps(res.Slots[i-1].Interval) {
					t.Errorf("proposals %d and %d overlap: %v, %v", i-1, i, res.Slots[i-1], res.Slots[i])
				}
			}
		})
	}
}

func TestFindRejectsBadRequests(t *testing.T) {
	ok := Request{Participants: []Participant{person("ana", true, time.UTC)}, From: utc("2026-03-10 00:00"), To: utc("2026-03-11 00:00"), Length: time.Hour}
	for _, tc := range []struct {
		name   string
		change func(*Request)
		want   string
	}{
		{"no length", func(r *Request) { r.Length = 0 }, "length"},
		{"reversed window", func(r *Request) { r.To = r.From.Add(-time.Hour) }, "window must end"},
		{"huge window", func(r *Request) { r.To = r.From.Add(400 * 24 * time.Hour) }, "at most 62 days"},
		{"tiny step", func(r *Request) { r.Step = time.Second }, "step"},
		{"nobody", func(r *Request) { r.Participants = nil }, "at least one"},
		{"no zone", func(r *Request) { r.Participants = []Participant{{Name: "x", WorkEnd: time.Hour}} }, "time zone"},
		{"backwards hours", func(r *Request) { r.Participants[0].WorkEnd = r.Participants[0].WorkStart }, "working hours"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ok
			r.Participants = append([]Participant(nil), ok.Participants...)
			tc.change(&r)
			if _, err := Find(r); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Find(%s) = %v, want an error about %q", tc.name, err, tc.want)
			}
		})
	}
}

// TestFindAcrossDST plans over three weeks of March 2026 in which New
// York (8 March) and Berlin (29 March) change to summer time on different
// days: the daily overlap of 9-17 is 14-16 UTC, then 13-16, then 13-15.
func TestFindAcrossDST(t *testing.T) {
	berlin, ny := zone(t, "Europe/Berlin"), zone(t, "America/New_York")
	people := []Participant{person("ana", true, berlin), person("bo", true, ny)}
	for _, tc := range []struct {
		day         string // a working day, in UTC
		first, last string // UTC start of the first and last one-hour slot that day
	}{
		{"2026-03-06", "14:00", "15:00"}, // Friday before New York's change
		{"2026-03-09", "13:00", "15:00"}, // Monday after it
		{"2026-03-27", "13:00", "15:00"}, // Friday before Berlin's change
		{"2026-03-30", "13:00", "14:00"}, // Monday after it
	} {
		t.Run(tc.day, func(t *testing.T) {
			from := utc(tc.day + " 00:00")
			res, err := Find(Request{Participants: people, From: from, To: from.Add(24 * time.Hour), Length: time.Hour, Limit: 100})
			if err != nil {
				t.Fatalf("Find = %v", err)
			}
			if res.Earliest == nil || res.Earliest.Start.Format("15:04") != tc.first {
				t.Fatalf("earliest slot on %s = %v, want %s UTC", tc.day, res.Earliest, tc.first)
			}
			last := res.Earliest.Start
			for _, s := range res.Slots {
				if s.Start.After(last) {
					last = s.Start
				}
			}
			// Proposals do not overlap, so probe the last possible start directly.
			probe, err := Find(Request{Participants: people, From: utc(tc.day + " " + tc.last), To: utc(tc.day + " " + tc.last).Add(time.Hour), Length: time.Hour})
			if err != nil || probe.Earliest == nil {
				t.Errorf("slot at %s %s UTC = %v, %v; want it free", tc.day, tc.last, probe.Earliest, err)
			}
			after := utc(tc.day + " " + tc.last).Add(15 * time.Minute)
			probe, err = Find(Request{Participants: people, From: after, To: after.Add(time.Hour), Length: time.Hour})
			if err != nil || probe.Earliest != nil {
				t.Errorf("slot at %s UTC = %v, %v; want it outside someone's working hours", after.Format("2006-01-02 15:04"), probe.Earliest, err)
			}
		})
	}
	// One search over the whole window proposes a slot on every working day.
	res, err := Find(Request{Participants: people, From: utc("2026-03-02 00:00"), To: utc("2026-04-04 00:00"), Length: 150 * time.Minute, Limit: 100})
	if err != nil {
		t.Fatalf("Find(March) = %v", err)
	}
	days := map[string]bool{}
	for _, s := range res.Slots {
		days[s.Start.Format("2006-01-02")] = true
	}
	// Slots of two and a half hours fit only while the overlap is three
	// hours: 9 March to 27 March.
	for d := utc("2026-03-02 00:00"); d.Before(utc("2026-04-04 00:00")); d = d.Add(24 * time.Hour) {
		want := d.Weekday() != time.Saturday && d.Weekday() != time.Sunday && !d.Before(utc("2026-03-09 00:00")) && d.Before(utc("2026-03-28 00:00"))
		if days[d.Format("2006-01-02")] != want {
			t.Errorf("150-minute slot on %s (%s) = %v, want %v", d.Format("2006-01-02"), d.Weekday(), days[d.Format("2006-01-02")], want)
		}
	}
}

var zoneNames = []string{"UTC", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney", "Asia/Kathmandu", "America/Sao_Paulo"}

// genParticipant draws a participant with random zone, hours, busy times
// and perhaps marked availability, all on a 5-minute grid inside the window.
func genParticipant(from time.Time, span time.Duration, n int) *rapid.Generator[Participant] {
	return rapid.Custom(func(t *rapid.T) Participant {
		loc, _ := time.LoadLocation(rapid.SampledFrom(zoneNames).Draw(t, "zone"))
		startH := rapid.IntRange(0, 20).Draw(t, "start")
		endH := rapid.IntRange(startH+1, 24).Draw(t, "end")
		p := Participant{Name: fmt.Sprintf("p%d", n), Required: rapid.Bool().Draw(t, "required"), Zone: loc,
			WorkStart: time.Duration(startH) * time.Hour, WorkEnd: time.Duration(endH) * time.Hour}
		if rapid.Bool().Draw(t, "weekends") {
			p.WorkDays = []time.Weekday{time.Saturday, time.Sunday, time.Wednesday}
		}
		spans := func(label string) []Interval {
			var out []Interval
			for i, k := 0, rapid.IntRange(0, 6).Draw(t, label+"s"); i < k; i++ {
				s := from.Add(time.Duration(rapid.IntRange(0, int(span/(5*time.Minute))).Draw(t, label)) * 5 * time.Minute)
				out = append(out, Interval{s, s.Add(time.Duration(rapid.IntRange(1, 60).Draw(t, label+"len")) * 5 * time.Minute)})
			}
			return out
		}
		p.Busy = spans("busy")
		if rapid.IntRange(0, 3).Draw(t, "marked") == 0 {
			p.Marked, p.Available = true, spans("avail")
		}
		return p
	})
}

// canAttend is the property tests' oracle, written without the
// implementation's interval arithmetic: minute by minute, each minute of
// the slot must be a working minute of one working day in the
// participant's zone, covered by marked availability if any, and not busy.
func canAttend(p Participant, at Interval) bool {
	local := at.Start.In(p.Zone)
	y, m, d := local.Date()
	dayStart := time.Date(y, m, d, int(p.WorkStart/time.Hour), 0, 0, 0, p.Zone)
	dayEnd := time.Date(y, m, d, int(p.WorkEnd/time.Hour), 0, 0, 0, p.Zone)
	works := p.WorkDays
	if len(works) == 0 {
		works = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	working := false
	for _, w := range works {
		working = working || local.Weekday() == w
	}
	if !working || at.Start.Before(dayStart) || at.End.After(dayEnd) {
		return false
	}
	for min := at.Start; min.Before(at.End); min = min.Add(time.Minute) {
		if p.Marked {
			covered := false
			for _, a := range p.Available {
				covered = covered || (!min.Before(a.Start) && min.Before(a.End))
			}
			if !covered {
				return false
			}
		}
		for _, b := range p.Busy {
			if !min.Before(b.Start) && min.Before(b.End) {
				return false
			}
		}
	}
	return true
}

// TestFindProperties checks, for random teams over random windows: every
// proposal and the earliest slot fit every required participant; no
// earlier start on the grid fits them all; the first proposal has the most
// optional participants of any valid start; near misses come only when no
// slot exists and name exactly the required participants who cannot come.
func TestFindProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rapid.IntRange(0, 40*96).Draw(t, "from")) * 15 * time.Minute)
		span := time.Duration(rapid.IntRange(1, 5*24).Draw(t, "hours")) * time.Hour
		var people []Participant
		for i, n := 0, rapid.IntRange(1, 5).Draw(t, "people"); i < n; i++ {
			people = append(people, genParticipant(from, span, i).Draw(t, "participant"))
		}
		length := time.Duration(rapid.IntRange(1, 12).Draw(t, "length")) * 15 * time.Minute
		req := Request{Participants: people, From: from, To: from.Add(span), Length: length, Limit: 3}
		res, err := Find(req)
		if err != nil {
			t.Fatalf("Find = %v", err)
		}
		requiredOK := func(at Interval) []string {
			var blockers []string
			for _, p := range people {
				if p.Required && !canAttend(p, at) {
					blockers = append(blockers, p.Name)
				}
			}
			return blockers
		}
		optionalCount := func(at Interval) int {
			n := 0
			for _, p := range people {
				if !p.Required && canAttend(p, at) {
					n++
				}
			}
			return n
		}
		// Walk every start on the grid with the oracle.
		var firstValid *Interval
		best := -1
		for s := from; !s.Add(length).After(req.To); s = s.Add(15 * time.Minute) {
			at := Interval{s, s.Add(length)}
			if len(requiredOK(at)) == 0 {
				if firstValid == nil {
					firstValid = &at
				}
				best = max(best, optionalCount(at))
			}
		}
		if firstValid == nil {
			if res.Earliest != nil || len(res.Slots) > 0 {
				t.Fatalf("Find proposed %v (earliest %v), but no start fits every required participant", res.Slots, res.Earliest)
			}
			for _, nm := range res.NearMisses {
				if got, want := strings.Join(nm.Blockers, ","), strings.Join(requiredOK(nm.Interval), ","); got != want {
					t.Fatalf("near miss %v blocked by %q, oracle says %q", nm.Start, got, want)
				}
			}
			return
		}
		if res.Earliest == nil || !res.Earliest.Start.Equal(firstValid.Start) {
			t.Fatalf("Find earliest = %v, want %v (the first valid start)", res.Earliest, firstValid.Start)
		}
		if len(res.NearMisses) > 0 {
			t.Fatalf("Find returned near misses %v although slots exist", res.NearMisses)
		}
		for _, s := range res.Slots {
			if b := requiredOK(s.Interval); len(b) > 0 {
				t.Fatalf("proposal %v does not fit required %v", s.Start, b)
			}
			if len(s.Optional) != optionalCount(s.Interval) {
				t.Fatalf("proposal %v lists %d optional participants, oracle says %d", s.Start, len(s.Optional), optionalCount(s.Interval))
			}
		}
		if len(res.Slots[0].Optional) != best {
			t.Fatalf("first proposal %v has %d optional participants; the best start has %d", res.Slots[0].Start, len(res.Slots[0].Optional), best)
		}
	})
}

// benchTeam is 12 participants in 6 zones with two busy meetings a day each.
func benchTeam(b *testing.B, from time.Time, days int) []Participant {
	zones := []string{"Europe/Berlin", "America/New_York", "Europe/London", "Asia/Kolkata", "America/Los_Angeles", "Europe/Warsaw"}
	var team []Participant
	for i := range 12 {
		p := person(fmt.Sprintf("member%02d@example.com", i), i < 8, zone(b, zones[i%len(zones)]))
		p.WorkStart, p.WorkEnd = 7*time.Hour, 19*time.Hour
		for d := range days {
			day := from.Add(time.Duration(d) * 24 * time.Hour)
			p.Busy = append(p.Busy,
				Interval{day.Add(time.Duration(8+i%5) * time.Hour), day.Add(time.Duration(9+i%5) * time.Hour)},
				Interval{day.Add(time.Duration(14+i%3)*time.Hour + 30*time.Minute), day.Add(time.Duration(15+i%3) * time.Hour)})
		}
		team = append(team, p)
	}
	return team
}

// BenchmarkFind12x10 is the figure: 12 participants, 10 working
// days (two calendar weeks), 15-minute steps.
func BenchmarkFind12x10(b *testing.B) {
	from := utc("2026-03-09 00:00")
	req := Request{Participants: benchTeam(b, from, 14), From: from, To: from.Add(14 * 24 * time.Hour), Length: time.Hour}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Find(req); err != nil {
			b.Fatal(err)
		}
	}
}
