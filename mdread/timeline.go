package mdread

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Entry is one timeline entry: a table row, a list item or a line of text
// that starts with a time.
type Entry struct {
	// At is the moment in Zone; zero when Readable is false.
	At time.Time
	// HasDate is set when the entry named its own date; DateOnly when it
	// named a date but left the time blank ("2022-06-02 HH:mm").
	HasDate, DateOnly bool
	Readable          bool // the time was read
	When              string
	Text              string
	Actor             string
	// Extra holds a table row's other non-empty cells as "Header: value".
	Extra []string
	// Start and End are the entry's lines in the section body.
	Start, End int
}

// TimelineBlock is a table, list or paragraph of a timeline section read
// as entries. Complete is set when every entry's time was read, so the
// block can become events without losing a line; otherwise Bad is the
// first unreadable entry's index.
type TimelineBlock struct {
	Start, End int // lines in the section body
	Entries    []Entry
	Complete   bool
	Bad        int
	Table      bool
}

// Clock is what a timeline's bare times are read against.
type Clock struct {
	Day  time.Time      // the day of entries without a date; zero: unknown
	Zone *time.Location // nil: the section's zone, else UTC
}

// TimelineZone is the zone the section names ("All times UTC", "Time
// (CET)"), or nil.
func (s *Section) TimelineZone() *time.Location {
	if loc, ok := ZoneInText(s.Heading + "\n" + strings.Join(s.Body, "\n")); ok {
		return loc
	}
	return nil
}

// Timeline reads the section's tables, lists and time-led lines as
// timeline entries. A date line or a dated sub-heading ("### October 21,
// 2025") sets the day of the entries after it; a time earlier than the
// one before it by more than twelve hours is read as the next day.
func (s *Section) Timeline(c Clock) []TimelineBlock {
	loc := c.Zone
	if loc == nil {
		loc = s.TimelineZone()
	}
	if loc == nil {
		loc = time.UTC
	}
	day := c.Day
	var out []TimelineBlock
	for _, b := range s.Blocks {
		lines := s.Body[b.Start:min(b.End, len(s.Body))]
		switch b.Kind {
		case Heading:
			if d, ok := FindDate(b.Text); ok {
				day = d
			}
		case Table:
			t := ReadTable(lines)
			if t == nil {
				continue
			}
			cTime := t.Column("time", "date", "when", "timestamp", "date and time", "datetime")
			if cTime < 0 {
				continue
			}
			tloc := loc
			if z, ok := ZoneInText(strings.ToUpper(t.Header[cTime])); ok {
				tloc = z
			}
			cText := t.Column("event", "events", "description", "what", "what happened", "details", "action", "notes", "summary", "update")
			if cText < 0 {
				for i := range t.Header {
					if i != cTime {
						cText = i
						break
					}
				}
			}
			cActor := t.Column("who", "actor", "owner", "by", "person")
			tb := TimelineBlock{Start: b.Start, End: b.End, Table: true}
			var rc rollover
			for ri, row := range t.Rows {
				e := Entry{Text: strings.TrimSpace(t.Cell(row, cText)), Actor: strings.TrimSpace(t.Cell(row, cActor)), When: t.Cell(row, cTime),
					Start: b.Start + t.RowLines[ri], End: b.Start + t.RowLines[ri] + 1, Extra: t.Extra(row, cTime, cText, cActor)}
				if st, _, ok := ReadStamp(t.Cell(row, cTime), tloc, day); ok {
					e.At, e.HasDate, e.DateOnly, e.Readable = rc.next(st), st.HasDate, st.DateOnly, true
					if st.HasDate {
						day = dayOf(e.At)
					}
				}
				tb.Entries = append(tb.Entries, e)
			}
			out = append(out, finish(tb))
		case List:
			tb := TimelineBlock{Start: b.Start, End: b.End}
			var rc rollover
			for _, it := range b.Items {
				first, marker := itemText(s.Body[it.Start])
				if !marker {
					continue
				}
				e := Entry{Start: it.Start, End: it.End}
				st, rest, ok := ReadStamp(first, loc, day)
				if ok {
					e.At, e.HasDate, e.DateOnly, e.Readable = rc.next(st), st.HasDate, st.DateOnly, true
					if st.HasDate {
						day = dayOf(e.At)
					}
					e.When = strings.TrimSpace(first[:len(first)-len(rest)])
				} else {
					rest = first
				}
				parts := []string{strings.TrimSpace(rest)}
				for k := it.Start + 1; k < min(it.End, len(s.Body)); k++ {
					if t := strings.TrimSpace(s.Body[k]); t != "" {
						parts = append(parts, t)
					}
				}
				e.Text = strings.TrimSpace(strings.Join(parts, "\n"))
				tb.Entries = append(tb.Entries, e)
			}
			if len(tb.Entries) > 0 && tb.Entries[0].Readable {
				out = append(out, finish(tb))
			} else if len(tb.Entries) > 0 {
				tb.Bad = 0
				out = append(out, tb)
			}
		case Paragraph:
			// A date line sets the day; lines that start with a time are
			// entries ("10:04 - paged", "**16:58 UTC** flags down"), and
			// lines after one without a time continue it.
			tb := TimelineBlock{Start: b.Start, End: b.End}
			var rc rollover
			for k, l := range lines {
				t := strings.TrimSpace(l)
				if t == "" {
					continue
				}
				if onlyDate(t) {
					if d, ok := FindDate(t); ok {
						day = d // "2015-10-21 *(all times UTC)*"
						continue
					}
				}
				if st, rest, ok := ReadStamp(t, loc, day); ok {
					e := Entry{At: rc.next(st), HasDate: st.HasDate, DateOnly: st.DateOnly, Readable: true, Text: strings.TrimSpace(rest),
						When: strings.TrimSpace(t[:len(t)-len(rest)]), Start: b.Start + k, End: b.Start + k + 1}
					if st.HasDate {
						day = dayOf(e.At)
					}
					tb.Entries = append(tb.Entries, e)
					continue
				}
				if d, ok := FindDate(t); ok && len(tb.Entries) == 0 {
					day = d
					continue
				}
				if n := len(tb.Entries); n > 0 {
					tb.Entries[n-1].Text = strings.TrimSpace(tb.Entries[n-1].Text + "\n" + t)
					tb.Entries[n-1].End = b.Start + k + 1
				}
			}
			if len(tb.Entries) > 0 {
				tb.Start = tb.Entries[0].Start
				out = append(out, finish(tb))
			}
		}
	}
	return out
}

// onlyDate reports whether a line is a date and perhaps a note in
// brackets, as in "2015-10-21 *(all times UTC)*".
func onlyDate(t string) bool {
	loc := isoDateRe.FindStringIndex(t)
	if loc == nil {
		loc = longDateRe.FindStringIndex(t)
	}
	if loc == nil {
		return false
	}
	rest := strings.TrimSpace(Plain(t[loc[1]:]))
	return rest == "" || strings.HasPrefix(rest, "(")
}

func finish(tb TimelineBlock) TimelineBlock {
	tb.Complete, tb.Bad = true, -1
	for i, e := range tb.Entries {
		if !e.Readable || e.DateOnly {
			tb.Complete, tb.Bad = false, i
			break
		}
	}
	return tb
}

func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// rollover moves a time-only entry that is far before the one above it to
// the next day (a timeline past midnight).
type rollover struct{ prev time.Time }

func (r *rollover) next(st Stamp) time.Time {
	at := st.T
	if !st.HasDate && !r.prev.IsZero() && at.Before(r.prev.Add(-12*time.Hour)) {
		at = at.AddDate(0, 0, 1)
	}
	r.prev = at
	return at
}

var listMarkerRe = regexp.MustCompile(`^\s{0,3}([-*+]|\d{1,3}[.)])(?:[ \t]+|$)`)

// itemText is a list item's first line without its marker.
func itemText(line string) (string, bool) {
	m := listMarkerRe.FindStringIndex(line)
	if m == nil {
		return strings.TrimSpace(line), false
	}
	return strings.TrimSpace(line[m[1]:]), true
}

// Stamp is a time read from the start of a timeline entry.
type Stamp struct {
	T                 time.Time
	HasDate, DateOnly bool
}

var (
	isoDateRe   = regexp.MustCompile(`\b(\d{4})[-/](\d{2})[-/](\d{2})\b`)
	longDateRe  = regexp.MustCompile(`(?i)\b(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})\b`)
	dayMonthRe  = regexp.MustCompile(`(?i)\b(\d{1,2})(?:st|nd|rd|th)?\.? (January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?,? (\d{4})\b`)
	leadTimeRe  = regexp.MustCompile(`^(?:(\d{4}[-/]\d{2}[-/]\d{2})(?:T|[ \t]+|,\s*))?(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:\s*([AaPp]\.?[Mm]\.?))?(?:\s*(Z|[+-]\d{2}:?\d{2}|(?:UTC|GMT)[+-]\d{1,2}(?::?\d{2})?|[A-Z]{1,4}\b|\(?[A-Z]{2,4}\)))?`)
	blankTimeRe = regexp.MustCompile(`^(\d{4}[-/]\d{2}[-/]\d{2})(?:[ T,]+(?i:[-?x]{1,2}:[-?x]{2}|hh:mm(?::ss)?))`)
	// rangeDateRe is a span of days in one month, or running into the
	// next: "January 14-19, 2026", "Jan 30 – Feb 2, 2026".
	rangeDateRe = regexp.MustCompile(`(?i)\b(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.? (\d{1,2})(?:st|nd|rd|th)?\s*[-–—]\s*(?:(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.? )?\d{1,2}(?:st|nd|rd|th)?,? (\d{4})\b`)
	monthTimeRe = regexp.MustCompile(`^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?,?(?: at)? (\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?(?:\s*([A-Z]{2,4})\b)?`)
)

// FindDate finds a date in s: 2024-03-05, 2024/03/05, "March 5, 2024",
// "5 March 2024", or the first day of "January 14-19, 2026".
func FindDate(s string) (time.Time, bool) {
	if m := isoDateRe.FindStringSubmatch(s); m != nil {
		if t, err := time.Parse("2006-01-02", m[1]+"-"+m[2]+"-"+m[3]); err == nil {
			return t, true
		}
	}
	// A span of days gives its first, unless a single date comes before
	// it (the single-date pattern would find the span's last day).
	if r := rangeDateRe.FindStringSubmatchIndex(s); r != nil {
		if l := longDateRe.FindStringIndex(s); l == nil || l[0] >= r[0] {
			if t, err := time.Parse("Jan 2 2006", monthAbbr(s[r[2]:r[3]])+" "+s[r[4]:r[5]]+" "+s[r[6]:r[7]]); err == nil {
				return t, true
			}
		}
	}
	if m := longDateRe.FindStringSubmatch(s); m != nil {
		if t, err := time.Parse("Jan 2 2006", monthAbbr(m[1])+" "+m[2]+" "+m[3]); err == nil {
			return t, true
		}
	}
	if m := dayMonthRe.FindStringSubmatch(s); m != nil {
		if t, err := time.Parse("Jan 2 2006", monthAbbr(m[2])+" "+m[1]+" "+m[3]); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func monthAbbr(m string) string {
	m = strings.ToUpper(m[:1]) + strings.ToLower(m[1:3])
	return m
}

// ReadStamp reads a time at the start of s: "2023-02-14 10:29", "14:51",
// "10:18 AM", "Jan 14, 10:18 AM", "**16:58 UTC**", "2022-06-02 HH:mm" (a
// date with the time left blank: DateOnly). A zone after the time
// overrides loc. A time without a date needs day. It returns the text
// after the time, separators trimmed.
func ReadStamp(s string, loc *time.Location, day time.Time) (Stamp, string, bool) {
	s = strings.TrimSpace(s)
	clean := strings.TrimLeft(s, "*_`[(")
	wrap := s[:len(s)-len(clean)]
	restAfter := func(r string) string {
		r = strings.TrimLeft(r, "*_`])")
		_ = wrap
		return strings.TrimSpace(strings.TrimLeft(r, " \t-–—:|,"))
	}
	if m := monthTimeRe.FindStringSubmatch(clean); m != nil {
		year := day.Year()
		hasYear := m[3] != ""
		if hasYear {
			year, _ = strconv.Atoi(m[3])
		} else if day.IsZero() {
			return Stamp{}, s, false
		}
		d, err := time.Parse("Jan 2 2006", monthAbbr(m[1])+" "+m[2]+" "+strconv.Itoa(year))
		if err != nil {
			return Stamp{}, s, false
		}
		h, _ := strconv.Atoi(m[4])
		mi, _ := strconv.Atoi(m[5])
		sec, _ := strconv.Atoi(m[6])
		h, ok := hour12(h, m[7])
		if !ok || mi > 59 || sec > 59 {
			return Stamp{}, s, false
		}
		if m[8] != "" {
			if l, ok := LookupZone(m[8]); ok {
				loc = l
			}
		}
		return Stamp{T: time.Date(d.Year(), d.Month(), d.Day(), h, mi, sec, 0, loc), HasDate: true}, restAfter(clean[len(m[0]):]), true
	}
	if m := blankTimeRe.FindStringSubmatch(clean); m != nil {
		d, err := time.Parse("2006-01-02", strings.ReplaceAll(m[1], "/", "-"))
		if err != nil {
			return Stamp{}, s, false
		}
		return Stamp{T: time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc), HasDate: true, DateOnly: true}, restAfter(clean[len(m[0]):]), true
	}
	m := leadTimeRe.FindStringSubmatch(clean)
	if m == nil {
		// A date alone ("2023-02-14 | …" rows, "2015-10-21 (all times UTC)").
		if dm := isoDateRe.FindStringSubmatchIndex(clean); dm != nil && dm[0] == 0 {
			d, err := time.Parse("2006-01-02", strings.ReplaceAll(clean[:dm[1]], "/", "-"))
			if err != nil {
				return Stamp{}, s, false
			}
			return Stamp{T: time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc), HasDate: true, DateOnly: true}, restAfter(clean[dm[1]:]), true
		}
		return Stamp{}, s, false
	}
	h, _ := strconv.Atoi(m[2])
	mi, _ := strconv.Atoi(m[3])
	sec, _ := strconv.Atoi(m[4])
	h, ok := hour12(h, strings.ReplaceAll(m[5], ".", ""))
	if !ok || mi > 59 || sec > 59 {
		return Stamp{}, s, false
	}
	rest := clean[len(m[0]):]
	if z := strings.Trim(m[6], "()"); z != "" {
		if l, ok := LookupZone(z); ok {
			loc = l
		} else if l, ok := ZoneInText(z); ok {
			loc = l
		} else {
			// Not a zone ("10:04 DB failover"): the word is text.
			rest = clean[len(m[0])-len(m[6]):]
		}
	}
	st := Stamp{}
	if m[1] != "" {
		d, err := time.Parse("2006-01-02", strings.ReplaceAll(m[1], "/", "-"))
		if err != nil {
			return Stamp{}, s, false
		}
		day, st.HasDate = d, true
	} else if day.IsZero() {
		return Stamp{}, s, false
	}
	st.T = time.Date(day.Year(), day.Month(), day.Day(), h, mi, sec, 0, loc)
	return st, restAfter(rest), true
}

func hour12(h int, ampm string) (int, bool) {
	switch strings.ToLower(ampm) {
	case "":
		return h, h <= 23
	case "am":
		if h < 1 || h > 12 {
			return 0, false
		}
		return h % 12, true
	default:
		if h < 1 || h > 12 {
			return 0, false
		}
		return h%12 + 12, true
	}
}

// Day finds the day a document's bare timeline times belong to: a
// "Date:" line, a date in the front matter, or a date in the title.
func (d *Doc) Day() (time.Time, bool) {
	if d.FrontMatter != nil {
		for _, k := range []string{"date", "started_at", "start_time", "started"} {
			switch v := d.FrontMatter.Fields[k].(type) {
			case time.Time:
				return dayOf(v.UTC()), true
			case string:
				if t, ok := FindDate(v); ok {
					return t, true
				}
			}
		}
	}
	for _, s := range d.Sections {
		if s.FromFrontMatter {
			continue
		}
		for _, l := range s.Body {
			if dateLine(l) {
				if t, ok := FindDate(l); ok {
					return t, true
				}
			}
		}
		for _, row := range propertyRows(s) {
			if fieldLabels[row[0]] == fieldDate {
				if t, ok := FindDate(row[1]); ok {
					return t, true
				}
			}
		}
	}
	if t, ok := FindDate(d.Title); ok {
		return t, true
	}
	// A summary that names one day ("On March 3, 2024 from 14:05 to 14:41
	// UTC, …") dates the timeline when nothing else does; one that names
	// several could mean any of them.
	for _, s := range d.Sections {
		if s.Role == RoleSummary {
			if days := datesIn(strings.Join(s.Body, "\n")); len(days) == 1 {
				return days[0], true
			}
			break
		}
	}
	return time.Time{}, false
}

// datesIn returns the distinct days FindDate would read anywhere in s.
func datesIn(s string) []time.Time {
	seen := map[time.Time]bool{}
	var out []time.Time
	for _, re := range []*regexp.Regexp{isoDateRe, rangeDateRe, longDateRe, dayMonthRe} {
		for _, m := range re.FindAllString(s, -1) {
			if t, ok := FindDate(m); ok && !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// dateLabelRe matches the label of a line that gives the incident's day:
// "Date:", "**Date**:", "Incident date:", "Date of incident:", "Occurred
// on:", "Incident start:" (Notion and Confluence export page properties
// as such lines).
var dateLabelRe = regexp.MustCompile(`(?i)^(?:[-*+]\s+)?(?:date\b[^:]{0,20}|[a-z ]{0,20}\bdate|occurred(?: on)?|incident start(?:ed)?|started(?: at)?|when)\s*:`)

func dateLine(l string) bool {
	n := strings.TrimSpace(Plain(l))
	return strings.HasPrefix(strings.ToLower(n), "date") || dateLabelRe.MatchString(n)
}
