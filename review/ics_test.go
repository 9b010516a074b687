package review

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	arran "github.com/arran4/golang-ical"
	"github.com/google/go-cmp/cmp"
)

// window is the fortnight the fixtures are read for.
var window = BusyOptions{From: utc("2026-03-09 00:00"), To: utc("2026-03-21 00:00")}

func TestParseBusyFixtures(t *testing.T) {
	for _, tc := range []struct {
		file string
		zone string // the participant's zone, for floating times and dates
		want []Interval
	}{
		{"google.ics", "Europe/Berlin", []Interval{
			// The stand-up, 09:30 CET = 08:30 UTC on weekdays; 11 March is
			// excluded and 12 March moved to 11:00.
			iv("2026-03-09 08:30", "2026-03-09 08:45"), iv("2026-03-10 08:30", "2026-03-10 08:45"),
			iv("2026-03-13 08:30", "2026-03-13 08:45"), iv("2026-03-16 08:30", "2026-03-16 08:45"),
			iv("2026-03-17 08:30", "2026-03-17 08:45"), iv("2026-03-18 08:30", "2026-03-18 08:45"),
			iv("2026-03-19 08:30", "2026-03-19 08:45"), iv("2026-03-20 08:30", "2026-03-20 08:45"),
			iv("2026-03-12 10:00", "2026-03-12 10:15"), // the moved instance
			iv("2026-03-10 15:00", "2026-03-10 16:00"), // a UTC meeting
			iv("2026-03-15 23:00", "2026-03-17 23:00"), // two all-day days in Berlin
			// The transparent birthday and the cancelled demo are not busy.
		}},
		{"outlook.ics", "Europe/Berlin", []Interval{
			iv("2026-03-09 09:00", "2026-03-09 10:00"), // weekly; 16 March excluded, 23 March after UNTIL and the window
			iv("2026-03-11 15:30", "2026-03-11 17:00"), // Pacific, already on summer time (UTC-7)
			iv("2026-03-12 23:00", "2026-03-13 23:00"), // all-day OOF in Berlin
			// Focus time is FREE.
		}},
		{"apple.ics", "America/New_York", []Interval{
			// School run 08:00 EDT (UTC-4, after 8 March), daily ×4 with 10 March excluded.
			iv("2026-03-09 12:00", "2026-03-09 12:30"), iv("2026-03-11 12:00", "2026-03-11 12:30"), iv("2026-03-12 12:00", "2026-03-12 12:30"),
			iv("2026-03-11 16:00", "2026-03-11 17:00"),                                             // floating noon, read in New York
			iv("2026-03-12 20:00", "2026-03-12 20:45"), iv("2026-03-19 20:00", "2026-03-19 20:45"), // DURATION and RDATE
			iv("2026-03-20 04:00", "2026-03-21 04:00"), // all day in New York
			iv("2026-03-16 13:00", "2026-03-16 13:30"), // third Monday of the month
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			opt := window
			opt.Zone = zone(t, tc.zone)
			got, err := ParseBusy(f, opt)
			if err != nil {
				t.Fatalf("ParseBusy(%s) = %v", tc.file, err)
			}
			if diff := cmp.Diff(normalize(tc.want), normalize(got)); diff != "" {
				t.Errorf("ParseBusy(%s) busy times differ (-want +got):\n%s", tc.file, diff)
			}
		})
	}
}

func TestParseBusyErrors(t *testing.T) {
	head := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Standup\r\n"
	tail := "END:VEVENT\r\nEND:VCALENDAR\r\n"
	for _, tc := range []struct {
		name, body, want string
	}{
		{"not a calendar", "hello", "iCalendar"},
		{"empty", "", "no calendar"},
		{"bad start", head + "DTSTART:2026-03-10\r\n" + tail, "DTSTART"},
		{"unknown zone", head + "DTSTART;TZID=Mars/Olympus:20260310T100000\r\n" + tail, "Mars/Olympus"},
		{"zone path escape", head + "DTSTART;TZID=../../etc/passwd:20260310T100000\r\n" + tail, "time zone"},
		{"end before start", head + "DTSTART:20260310T100000Z\r\nDTEND:20260310T090000Z\r\n" + tail, "DTEND"},
		{"bad rule", head + "DTSTART:20260310T100000Z\r\nRRULE:FREQ=SOMETIMES\r\n" + tail, "RRULE"},
		{"every minute", head + "DTSTART:20260310T100000Z\r\nRRULE:FREQ=MINUTELY\r\n" + tail, "every second or minute"},
		{"too many steps", head + "DTSTART:18000101T100000Z\r\nDURATION:PT5M\r\nRRULE:FREQ=DAILY;COUNT=1000000\r\n" + tail, "more than 50000 times"},
		{"hourly count from long ago", head + "DTSTART:20200101T100000Z\r\nRRULE:FREQ=HOURLY;COUNT=1000000\r\n" + tail, "more than a year"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseBusy(strings.NewReader(tc.body), window)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseBusy(%s) = %v, want an error mentioning %q", tc.name, err, tc.want)
			}
		})
	}
}

// TestParseBusyLFAndDTStartOffRule reads a file with bare LF line ends
// (some exporters write them) whose rule does not produce its DTSTART: the
// start still counts, as RFC 5545 says.
func TestParseBusyLFAndDTStartOffRule(t *testing.T) {
	body := "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:y\nDTSTART:20260310T100000Z\nDTEND:20260310T110000Z\nRRULE:FREQ=WEEKLY;BYDAY=TH;COUNT=2\nEND:VEVENT\nEND:VCALENDAR\n"
	got, err := ParseBusy(strings.NewReader(body), window)
	if err != nil {
		t.Fatalf("ParseBusy = %v", err)
	}
	want := []Interval{iv("2026-03-10 10:00", "2026-03-10 11:00"), iv("2026-03-12 10:00", "2026-03-12 11:00"), iv("2026-03-19 10:00", "2026-03-19 11:00")}
	if diff := cmp.Diff(want, normalize(got)); diff != "" {
		t.Errorf("busy times differ (-want +got):\n%s", diff)
	}
}

// TestParseBusyOldRules reads rules begun long before the window, which
// are walked from a DTSTART moved close to the window, and a rule that
// matches no day at all, which UNTIL stops at the window.
func TestParseBusyOldRules(t *testing.T) {
	head := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:z\r\n"
	tail := "END:VEVENT\r\nEND:VCALENDAR\r\n"
	for _, tc := range []struct {
		name, rule string
		want       []Interval
	}{
		{"hourly since 1990", "DTSTART:19900101T000500Z\r\nDURATION:PT10M\r\nRRULE:FREQ=HOURLY;INTERVAL=7;BYDAY=TU\r\n",
			// 1990-01-01 00:05 plus multiples of 7 hours that fall on Tuesday 10 and 17 March 2026.
			nil},
		{"fortnightly since 2001", "DTSTART;TZID=Europe/Berlin:20010102T100000\r\nDURATION:PT1H\r\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU\r\n",
			// 10 March 2026 is 1,314 weeks after 2 January 2001, an even number.
			[]Interval{iv("2026-03-10 09:00", "2026-03-10 10:00")}},
		{"never", "DTSTART:20200101T100000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30\r\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseBusy(strings.NewReader(head+tc.rule+tail), window)
			if err != nil {
				t.Fatalf("ParseBusy = %v", err)
			}
			if tc.name == "hourly since 1990" {
				// Check against a plain walk from 1990 instead of a hand-made list.
				var want []Interval
				for s := time.Date(1990, 1, 1, 0, 5, 0, 0, time.UTC); s.Before(window.To); s = s.Add(7 * time.Hour) {
					if s.Weekday() == time.Tuesday && s.Add(10*time.Minute).After(window.From) {
						want = append(want, Interval{s, s.Add(10 * time.Minute)})
					}
				}
				tc.want = want
			}
			if diff := cmp.Diff(normalize(tc.want), normalize(got)); diff != "" {
				t.Errorf("busy times differ (-want +got):\n%s", diff)
			}
		})
	}
}

func sampleInvitation(t *testing.T) Invitation {
	return Invitation{
		Method: MethodRequest, UID: "review-7@debrief.example.com", Sequence: 2,
		Stamp: utc("2026-03-05 14:00"), Start: utc("2026-03-30 12:00"), End: utc("2026-03-30 13:00"),
		Zone:        zone(t, "Europe/Berlin"),
		Summary:     "Review: Checkout API returned 500s; EU, 42 minutes",
		Description: "Postmortem PM-7, owner Ana.\nBring your notes: what went well, what was hard.",
		URL:         "https://debrief.example.com/postmortems/7/review",
		Organizer:   Person{Name: "Ana Keller", Email: "ana@example.com"},
		Attendees: []Attendee{
			{Person: Person{Name: "Lind, Bo", Email: "bo@example.com"}, Required: true, PartStat: PartStatAccepted},
			{Person: Person{Name: `Kei "KT" Tanaka`, Email: "kei@example.com"}},
			{Person: Person{Name: "Zoë Ångström-Ørsted with a very long name indeed that needs folding", Email: "zoe@example.com"}, Required: true},
		},
	}
}

// TestInvitationParsedByAnotherLibrary writes an invitation and reads it
// back with arran4/golang-ical, a library that shares no code with ours.
func TestInvitationParsedByAnotherLibrary(t *testing.T) {
	inv := sampleInvitation(t)
	b, err := inv.Bytes()
	if err != nil {
		t.Fatalf("Bytes = %v", err)
	}
	// Every line ends in CRLF and is at most 75 octets, folded on a
	// character boundary.
	if !bytes.HasSuffix(b, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(b, []byte("\r\n"), nil), []byte("\n")) {
		t.Fatalf("invitation has a line not ended by CRLF:\n%s", b)
	}
	folded := 0
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets (limit 75): %q", len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("folding split a UTF-8 character: %q", line)
		}
		if strings.HasPrefix(line, " ") {
			folded++
		}
	}
	if folded == 0 {
		t.Errorf("no line was folded; the sample has lines longer than 75 octets")
	}

	cal, err := arran.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("golang-ical ParseCalendar = %v\n%s", err, b)
	}
	method := ""
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == "METHOD" {
			method = p.Value
		}
	}
	if method != "REQUEST" {
		t.Errorf("METHOD = %q, want REQUEST", method)
	}
	if len(cal.Events()) != 1 {
		t.Fatalf("golang-ical found %d events, want 1", len(cal.Events()))
	}
	ev := cal.Events()[0]
	if ev.Id() != inv.UID {
		t.Errorf("UID = %q, want %q", ev.Id(), inv.UID)
	}
	start, err := ev.GetStartAt()
	if err != nil || !start.Equal(inv.Start) {
		t.Errorf("DTSTART = %v, %v; want %v", start, err, inv.Start)
	}
	if _, off := start.Zone(); off != 2*3600 {
		t.Errorf("DTSTART offset = %d s, want +2h (Berlin summer time from 29 March)", off)
	}
	end, err := ev.GetEndAt()
	if err != nil || !end.Equal(inv.End) {
		t.Errorf("DTEND = %v, %v; want %v", end, err, inv.End)
	}
	prop := func(name arran.ComponentProperty) string {
		if p := ev.GetProperty(name); p != nil {
			return p.Value
		}
		return ""
	}
	if got := arran.FromText(prop(arran.ComponentPropertySummary)); got != inv.Summary {
		t.Errorf("SUMMARY = %q, want %q", got, inv.Summary)
	}
	if got := arran.FromText(prop(arran.ComponentPropertyDescription)); got != inv.Description+"\n\n"+inv.URL {
		t.Errorf("DESCRIPTION = %q, want the description and the link", got)
	}
	if got := prop(arran.ComponentPropertySequence); got != "2" {
		t.Errorf("SEQUENCE = %q, want 2", got)
	}
	if got := prop(arran.ComponentPropertyUrl); got != inv.URL {
		t.Errorf("URL = %q, want %q", got, inv.URL)
	}
	org := ev.GetProperty(arran.ComponentPropertyOrganizer)
	if org == nil || org.Value != "mailto:ana@example.com" || org.ICalParameters["CN"][0] != "Ana Keller" {
		t.Errorf("ORGANIZER = %+v, want Ana Keller <mailto:ana@example.com>", org)
	}
	atts := ev.Attendees()
	if len(atts) != 3 {
		t.Fatalf("golang-ical found %d attendees, want 3", len(atts))
	}
	for i, want := range []struct{ email, cn, role, partstat string }{
		{"bo@example.com", "Lind, Bo", "REQ-PARTICIPANT", "ACCEPTED"},
		{"kei@example.com", "Kei KT Tanaka", "OPT-PARTICIPANT", "NEEDS-ACTION"},
		{"zoe@example.com", inv.Attendees[2].Name, "REQ-PARTICIPANT", "NEEDS-ACTION"},
	} {
		a := atts[i]
		if a.Email() != want.email || a.ICalParameters["CN"][0] != want.cn || a.ICalParameters["ROLE"][0] != want.role || string(a.ParticipationStatus()) != want.partstat {
			t.Errorf("attendee %d = %s CN=%q ROLE=%v PARTSTAT=%q; want %s %q %s %s", i, a.Email(), a.ICalParameters["CN"], a.ICalParameters["ROLE"], a.ParticipationStatus(), want.email, want.cn, want.role, want.partstat)
		}
	}
	tzs := cal.Timezones()
	if len(tzs) != 1 {
		t.Fatalf("golang-ical found %d VTIMEZONEs, want 1", len(tzs))
	}

	// Our own reader, going by the VTIMEZONE alone (the TZID is renamed so
	// no IANA lookup can help), places the meeting at the same instant.
	renamed := strings.ReplaceAll(string(b), "Europe/Berlin", "Debrief Organiser Zone")
	busy, err := ParseBusy(strings.NewReader(renamed), BusyOptions{From: inv.Start.Add(-time.Hour), To: inv.End.Add(time.Hour)})
	if err != nil {
		t.Fatalf("ParseBusy(own invitation) = %v", err)
	}
	if len(busy) != 1 || !busy[0].Start.Equal(inv.Start) || !busy[0].End.Equal(inv.End) {
		t.Errorf("ParseBusy(own invitation) = %v, want [%v, %v)", busy, inv.Start, inv.End)
	}
}

// TestInvitationAcrossDSTChange writes a meeting that starts before a DST
// change and ends after it: the VTIMEZONE holds both periods.
func TestInvitationAcrossDSTChange(t *testing.T) {
	inv := sampleInvitation(t)
	inv.Start, inv.End = utc("2026-03-29 00:30"), utc("2026-03-29 01:30") // 01:30 CET to 03:30 CEST
	b, err := inv.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"DTSTART;TZID=Europe/Berlin:20260329T013000", "DTEND;TZID=Europe/Berlin:20260329T033000",
		"BEGIN:STANDARD\r\nDTSTART:20251026T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100",
		"BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200"} {
		if !strings.Contains(s, want) {
			t.Errorf("invitation lacks %q:\n%s", want, s)
		}
	}
	busy, err := ParseBusy(strings.NewReader(strings.ReplaceAll(s, "Europe/Berlin", "Organiser")), BusyOptions{From: inv.Start.Add(-time.Hour), To: inv.End.Add(time.Hour)})
	if err != nil || len(busy) != 1 || !busy[0].Start.Equal(inv.Start) || !busy[0].End.Equal(inv.End) {
		t.Errorf("ParseBusy(invitation across the change) = %v, %v; want [%v, %v)", busy, err, inv.Start, inv.End)
	}
}

func TestInvitationCancelAndUTC(t *testing.T) {
	inv := sampleInvitation(t)
	inv.Method, inv.Sequence, inv.Zone = MethodCancel, 3, nil
	b, err := inv.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"METHOD:CANCEL\r\n", "STATUS:CANCELLED\r\n", "SEQUENCE:3\r\n", "DTSTART:20260330T120000Z\r\n", "UID:review-7@debrief.example.com\r\n",
		`SUMMARY:Review: Checkout API returned 500s\; EU\, 42 minutes`} {
		if !strings.Contains(s, want) {
			t.Errorf("cancellation lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "VTIMEZONE") {
		t.Errorf("a UTC invitation has a VTIMEZONE:\n%s", s)
	}
	inv.Method = "PUBLISH"
	if _, err := inv.Bytes(); err == nil {
		t.Errorf("Bytes(method PUBLISH) = nil error, want one")
	}
}

func TestFoldingBoundaries(t *testing.T) {
	for n := 70; n <= 160; n++ {
		for _, r := range []string{"a", "é", "€", "😀"} {
			var w icsWriter
			text := strings.Repeat(r, n/len(r))
			w.line("X:" + text)
			out := w.buf.String()
			unfolded := strings.ReplaceAll(strings.TrimSuffix(out, "\r\n"), "\r\n ", "")
			if unfolded != "X:"+text {
				t.Fatalf("fold(%d × %q) does not unfold to the input", n, r)
			}
			for _, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
				if len(line) > 75 || !utf8.ValidString(strings.TrimPrefix(line, " ")) {
					t.Fatalf("fold(%d × %q) wrote %q", n, r, line)
				}
			}
		}
	}
}

// FuzzParseBusy feeds arbitrary files to the reader: it must not panic,
// and whatever it keeps must be real intervals that touch the window.
func FuzzParseBusy(f *testing.F) {
	for _, name := range []string{"google.ics", "outlook.ics", "apple.ics"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		busy, err := ParseBusy(bytes.NewReader(data), window)
		if err != nil {
			return
		}
		if len(busy) > MaxBusy+1 {
			t.Fatalf("ParseBusy kept %d intervals, more than MaxBusy", len(busy))
		}
		for _, b := range busy {
			if !b.End.After(b.Start) || !b.End.After(window.From) || !b.Start.Before(window.To) {
				t.Fatalf("ParseBusy kept %v, which is empty or outside the window", b)
			}
		}
	})
}
