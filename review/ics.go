package review

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Methods of an invitation (RFC 5546, iTIP).
const (
	MethodRequest = "REQUEST"
	MethodCancel  = "CANCEL"
)

// Participation states of an attendee (RFC 5545 §3.2.12).
const (
	PartStatNeedsAction = "NEEDS-ACTION"
	PartStatAccepted    = "ACCEPTED"
	PartStatDeclined    = "DECLINED"
	PartStatTentative   = "TENTATIVE"
)

// Person is an organizer or attendee.
type Person struct {
	Name  string
	Email string
}

// Attendee is one invited person.
type Attendee struct {
	Person
	Required bool
	// PartStat is one of the PartStat constants; "" means NEEDS-ACTION.
	PartStat string
}

// Invitation is one meeting invitation or its cancellation.
//
// Times are written with TZID and a VTIMEZONE of Zone rather than in UTC:
// the invitation names the zone the organiser planned in, so a calendar
// shows "14:00 Europe/Berlin" to people there and converts it for the rest,
// and the VTIMEZONE is built from the same Go time zone data that found
// the slot, so both agree on when summer time starts. A nil or UTC Zone
// writes UTC times and no VTIMEZONE.
type Invitation struct {
	Method string
	// UID stays the same for every version of the meeting; Sequence grows
	// with each change, so calendars replace the old version.
	UID      string
	Sequence int
	// Stamp is when this version was made (DTSTAMP).
	Stamp       time.Time
	Start, End  time.Time
	Zone        *time.Location
	Summary     string
	Description string
	// URL links back to the review in Debrief.
	URL       string
	Organizer Person
	Attendees []Attendee
}

// Bytes returns the invitation as an iCalendar object: CRLF line ends,
// lines folded at 75 octets, text escaped.
func (inv Invitation) Bytes() ([]byte, error) {
	if inv.UID == "" || !inv.End.After(inv.Start) {
		return nil, fmt.Errorf("review: an invitation needs a UID and an end after its start")
	}
	method := inv.Method
	if method != MethodRequest && method != MethodCancel {
		return nil, fmt.Errorf("review: unknown invitation method %q", method)
	}
	var w icsWriter
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:-//Debrief//Review meeting//EN")
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:" + method)
	zoned := inv.Zone != nil && inv.Zone != time.UTC && inv.Zone.String() != "UTC"
	if zoned {
		writeVTimezone(&w, inv.Zone, inv.Start, inv.End)
	}
	w.line("BEGIN:VEVENT")
	w.line("UID:" + escapeText(inv.UID))
	w.line("SEQUENCE:" + strconv.Itoa(inv.Sequence))
	w.line("DTSTAMP:" + inv.Stamp.UTC().Format(utcFormat))
	if zoned {
		tzid := paramValue(inv.Zone.String())
		w.line("DTSTART;TZID=" + tzid + ":" + inv.Start.In(inv.Zone).Format(localFormat))
		w.line("DTEND;TZID=" + tzid + ":" + inv.End.In(inv.Zone).Format(localFormat))
	} else {
		w.line("DTSTART:" + inv.Start.UTC().Format(utcFormat))
		w.line("DTEND:" + inv.End.UTC().Format(utcFormat))
	}
	w.line("SUMMARY:" + escapeText(inv.Summary))
	desc := inv.Description
	if inv.URL != "" {
		if desc != "" {
			desc += "\n\n"
		}
		desc += inv.URL
		w.line("URL:" + inv.URL)
	}
	if desc != "" {
		w.line("DESCRIPTION:" + escapeText(desc))
	}
	w.line("ORGANIZER" + cnParam(inv.Organizer.Name) + ":mailto:" + inv.Organizer.Email)
	for _, a := range inv.Attendees {
		role := "OPT-PARTICIPANT"
		if a.Required {
			role = "REQ-PARTICIPANT"
		}
		ps := a.PartStat
		if ps == "" {
			ps = PartStatNeedsAction
		}
		w.line("ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=" + role + ";PARTSTAT=" + ps + ";RSVP=TRUE" + cnParam(a.Name) + ":mailto:" + a.Email)
	}
	if method == MethodCancel {
		w.line("STATUS:CANCELLED")
	} else {
		w.line("STATUS:CONFIRMED")
	}
	w.line("TRANSP:OPAQUE")
	w.line("END:VEVENT")
	w.line("END:VCALENDAR")
	return w.buf.Bytes(), nil
}

const (
	utcFormat   = "20060102T150405Z"
	localFormat = "20060102T150405"
)

// writeVTimezone describes zone for the periods the meeting touches: one
// observance for each UTC-offset period from the one holding start to the
// one holding end, each with the onset that began it. Listing the actual
// onsets (rather than a yearly RRULE) is allowed by RFC 5545 and cannot
// disagree with Go's zone data, which has no rule form to read.
func writeVTimezone(w *icsWriter, zone *time.Location, start, end time.Time) {
	w.line("BEGIN:VTIMEZONE")
	w.line("TZID:" + escapeText(zone.String()))
	t := start.In(zone)
	for n := 0; n < 4; n++ {
		name, offset := t.Zone()
		from, until := t.ZoneBounds()
		kind := "STANDARD"
		if t.IsDST() {
			kind = "DAYLIGHT"
		}
		prevOffset := offset
		onset := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
		if !from.IsZero() {
			_, prevOffset = from.Add(-time.Second).In(zone).Zone()
			onset = from.UTC()
		}
		w.line("BEGIN:" + kind)
		// An observance's DTSTART is the onset on the clock that was in force before it.
		w.line("DTSTART:" + onset.Add(time.Duration(prevOffset)*time.Second).Format(localFormat))
		w.line("TZOFFSETFROM:" + formatOffset(prevOffset))
		w.line("TZOFFSETTO:" + formatOffset(offset))
		if name != "" && !strings.HasPrefix(name, "+") && !strings.HasPrefix(name, "-") {
			w.line("TZNAME:" + escapeText(name))
		}
		w.line("END:" + kind)
		if until.IsZero() || !until.Before(end) {
			break
		}
		t = until.In(zone)
	}
	w.line("END:VTIMEZONE")
}

func formatOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	s := fmt.Sprintf("%s%02d%02d", sign, sec/3600, sec%3600/60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}

// cnParam returns ";CN=name", quoted, or "" for no name. A parameter value
// may not hold a double quote or a control character at all (RFC 5545
// §3.1), so those are dropped.
func cnParam(name string) string {
	if name == "" {
		return ""
	}
	return ";CN=" + paramValue(name)
}

func paramValue(v string) string {
	v = strings.Map(func(r rune) rune {
		if r == '"' || r < 0x20 && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, v)
	if strings.ContainsAny(v, ";:,") {
		return `"` + v + `"`
	}
	return v
}

// escapeText escapes a TEXT value (RFC 5545 §3.3.11).
func escapeText(s string) string {
	var b strings.Builder
	for _, r := range strings.ReplaceAll(s, "\r\n", "\n") {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case ';':
			b.WriteString(`\;`)
		case ',':
			b.WriteString(`\,`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
		default:
			if r < 0x20 && r != '\t' || r == 0x7f {
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// icsWriter writes content lines, folding each at 75 octets without
// splitting a UTF-8 sequence (RFC 5545 §3.1).
type icsWriter struct{ buf bytes.Buffer }

func (w *icsWriter) line(s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space of a continuation counts
	}
	w.buf.WriteString(s)
	w.buf.WriteString("\r\n")
}
