package review

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	ical "github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// BusyOptions say which busy times ParseBusy keeps and how it reads times
// that name no zone.
type BusyOptions struct {
	// From and To bound the times kept: an event is kept if it overlaps them.
	From, To time.Time
	// Zone reads floating times and all-day dates: a floating 09:00 is 09:00
	// where the participant is. Nil means UTC.
	Zone *time.Location
}

// Bounds of one import, so a hostile or broken file costs bounded work.
const (
	// MaxBusy is the most busy intervals one import keeps.
	MaxBusy = 5000
	// maxSteps bounds the recurrence instances walked per event, counted
	// from its first one: a daily event begun 20 years ago takes 7,300.
	maxSteps = 50000
	// maxEvents bounds the events read from one file.
	maxEvents = 20000
)

// ParseBusy reads the busy times of an iCalendar file as exported by
// Google Calendar, Outlook/Exchange, Apple Calendar and others: events with
// DTSTART and DTEND or DURATION, all-day events (VALUE=DATE), times in UTC,
// with a TZID (an IANA name, or any name the file defines in a VTIMEZONE, as
// Outlook's Windows zone names are) or floating; recurring events with
// RRULE, RDATE and EXDATE, and moved or cancelled instances (RECURRENCE-ID).
// Events marked free (TRANSP:TRANSPARENT, Outlook's busy status FREE) or
// cancelled are left out.
func ParseBusy(r io.Reader, opt BusyOptions) ([]Interval, error) {
	if opt.Zone == nil {
		opt.Zone = time.UTC
	}
	if !opt.From.Before(opt.To) {
		return nil, fmt.Errorf("the window to read busy times for is empty")
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	// Some exporters write bare LF line ends; the decoder wants CRLF.
	if !bytes.Contains(data, []byte("\r\n")) {
		data = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
	}
	dec := ical.NewDecoder(bytes.NewReader(data))
	p := busyParser{opt: opt, zones: map[string]zoneRule{}}
	calendars := 0
	for {
		cal, err := decode(dec)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("this is not an iCalendar file that can be read: %v", err)
		}
		calendars++
		if err := p.calendar(cal); err != nil {
			return nil, err
		}
	}
	if calendars == 0 {
		return nil, fmt.Errorf("this file holds no calendar (no BEGIN:VCALENDAR)")
	}
	return p.out, nil
}

// decode reads the next calendar. go-ical's lexer indexes past the end of
// some malformed lines (found by FuzzParseBusy, e.g. "0;0="); such a
// panic is a broken file, not a broken server, so it becomes an error.
func decode(dec *ical.Decoder) (cal *ical.Calendar, err error) {
	defer func() {
		if p := recover(); p != nil {
			cal, err = nil, fmt.Errorf("a line is malformed")
		}
	}()
	return dec.Decode()
}

type busyParser struct {
	opt   BusyOptions
	zones map[string]zoneRule
	out   []Interval
}

func (p *busyParser) calendar(cal *ical.Calendar) error {
	for _, c := range cal.Children {
		if c.Name == ical.CompTimezone {
			id := c.Props.Get(ical.PropTimezoneID)
			if id == nil {
				continue
			}
			z, err := parseVTimezone(c)
			if err != nil {
				return fmt.Errorf("the time zone %q cannot be read: %v", id.Value, err)
			}
			p.zones[id.Value] = z
		}
	}
	var events []*ical.Component
	// overrides holds, per UID, the instants of instances moved or
	// cancelled by a separate VEVENT with RECURRENCE-ID.
	overrides := map[string]map[int64]bool{}
	for _, c := range cal.Children {
		if c.Name != ical.CompEvent {
			continue
		}
		events = append(events, c)
		if len(events) > maxEvents {
			return fmt.Errorf("the file holds more than %d events", maxEvents)
		}
		if rid := c.Props.Get(ical.PropRecurrenceID); rid != nil {
			t, _, err := p.value(rid)
			if err != nil {
				return p.eventErr(c, "RECURRENCE-ID", err)
			}
			uid := propText(c, ical.PropUID)
			if overrides[uid] == nil {
				overrides[uid] = map[int64]bool{}
			}
			overrides[uid][t.UnixNano()] = true
		}
	}
	for _, c := range events {
		if err := p.event(c, overrides[propText(c, ical.PropUID)]); err != nil {
			return err
		}
	}
	return nil
}

func propText(c *ical.Component, name string) string {
	if v := c.Props.Get(name); v != nil {
		return v.Value
	}
	return ""
}

func (p *busyParser) eventErr(c *ical.Component, prop string, err error) error {
	what := propText(c, ical.PropSummary)
	if what == "" {
		what = propText(c, ical.PropUID)
	}
	if len(what) > 60 {
		what = what[:60] + "…"
	}
	return fmt.Errorf("the event %q has a %s that cannot be read: %v", what, prop, err)
}

// free reports whether the event does not make its attendee busy.
func free(c *ical.Component) bool {
	if strings.EqualFold(propText(c, ical.PropTransparency), "TRANSPARENT") ||
		strings.EqualFold(propText(c, ical.PropStatus), "CANCELLED") {
		return true
	}
	switch strings.ToUpper(propText(c, "X-MICROSOFT-CDO-BUSYSTATUS")) {
	case "FREE", "WORKINGELSEWHERE":
		return true
	}
	return false
}

func (p *busyParser) event(c *ical.Component, moved map[int64]bool) error {
	if free(c) {
		return nil
	}
	dtstart := c.Props.Get(ical.PropDateTimeStart)
	if dtstart == nil {
		return nil // RFC 5545 requires it only with METHOD absent; nothing to place
	}
	start, zr, err := p.value(dtstart)
	if err != nil {
		return p.eventErr(c, "DTSTART", err)
	}
	allDay := isDate(dtstart)
	length, err := p.length(c, start, allDay)
	if err != nil {
		return err
	}
	rr := c.Props.Get(ical.PropRecurrenceRule)
	rdates := c.Props.Values(ical.PropRecurrenceDates)
	isOverride := c.Props.Get(ical.PropRecurrenceID) != nil
	if (rr == nil && len(rdates) == 0) || isOverride {
		p.add(start, length, allDay)
		return nil
	}
	excluded := map[int64]bool{}
	for _, ex := range c.Props.Values(ical.PropExceptionDates) {
		times, err := p.values(&ex)
		if err != nil {
			return p.eventErr(c, "EXDATE", err)
		}
		for _, t := range times {
			excluded[t.UnixNano()] = true
		}
	}
	for id := range moved {
		excluded[id] = true
	}
	emit := func(t time.Time) {
		if !excluded[t.UnixNano()] {
			p.add(t, length, allDay)
		}
	}
	if rr == nil {
		emit(start)
	} else {
		// Expand on the wall clock of the event's zone (treated as UTC), so
		// a weekly 10:00 stays 10:00 across a DST change, then place each
		// instance with the zone's rules.
		wallStart := zr.wall(start)
		opt, err := rrule.StrToROptionInLocation(rr.Value, time.UTC)
		if err != nil {
			return p.eventErr(c, "RRULE", err)
		}
		if opt.Freq == rrule.SECONDLY || opt.Freq == rrule.MINUTELY {
			return p.eventErr(c, "RRULE", fmt.Errorf("repeating every second or minute is not a meeting"))
		}
		// A UTC UNTIL moves to the wall clock; a floating or date one is on it.
		if !opt.Until.IsZero() && strings.HasSuffix(strings.ToUpper(untilValue(rr.Value)), "Z") {
			opt.Until = zr.wall(opt.Until)
		}
		opt.Dtstart = wallStart
		// The window on the wall clock, widened by a day for zone offsets.
		last := p.opt.To.Add(26 * time.Hour)
		if opt.Until.IsZero() || opt.Until.After(last) {
			// rrule-go walks a rule that matches nothing (BYMONTHDAY=30 in
			// February) until the year 9999; UNTIL stops it at the window.
			opt.Until = last
		}
		if opt.Count == 0 {
			// Without COUNT, instances before the window need not be
			// walked: move DTSTART on by whole periods, which keeps every
			// instance of a daily, hourly or weekly rule where it was.
			opt.Dtstart = skipAhead(opt, p.opt.From.Add(-time.Duration(maxLength)))
		} else if opt.Freq == rrule.HOURLY && p.opt.From.Sub(wallStart) > 366*24*time.Hour {
			return p.eventErr(c, "RRULE", fmt.Errorf("it repeats hourly with COUNT from more than a year before the window"))
		}
		rule, err := rrule.NewRRule(*opt)
		if err != nil {
			return p.eventErr(c, "RRULE", err)
		}
		next := rule.Iterator()
		for steps := 0; ; steps++ {
			w, ok := next()
			if steps == 0 && opt.Dtstart.Equal(wallStart) && (!ok || !w.Equal(wallStart)) {
				// DTSTART is always the first instance, even when the rule
				// would not produce it (RFC 5545 §3.8.5.3).
				emit(start)
			}
			if !ok || w.After(last) {
				break
			}
			if steps == maxSteps {
				return p.eventErr(c, "RRULE", fmt.Errorf("it repeats more than %d times before the window ends", maxSteps))
			}
			t := zr.instant(w)
			if t.Add(length).After(p.opt.From) {
				emit(t)
			}
			if len(p.out) > MaxBusy {
				return fmt.Errorf("the file has more than %d busy times in the window", MaxBusy)
			}
		}
	}
	for _, rd := range rdates {
		times, err := p.values(&rd)
		if err != nil {
			return p.eventErr(c, "RDATE", err)
		}
		for _, t := range times {
			emit(t)
		}
	}
	return nil
}

// maxLength bounds how long before the window an instance may start and
// still be kept: DTSTART is moved no closer to the window than this.
const maxLength = 62 * 24 * time.Hour

// skipAhead returns opt's DTSTART moved forward by whole periods of the
// rule (INTERVAL hours, days or weeks) to the last one before limit; other
// frequencies keep their DTSTART (they take few steps a year).
func skipAhead(opt *rrule.ROption, limit time.Time) time.Time {
	interval := max(opt.Interval, 1)
	var period time.Duration
	switch opt.Freq {
	case rrule.HOURLY:
		period = time.Duration(interval) * time.Hour
	case rrule.DAILY:
		period = time.Duration(interval) * 24 * time.Hour
	case rrule.WEEKLY:
		period = time.Duration(interval) * 7 * 24 * time.Hour
	default:
		return opt.Dtstart
	}
	if !opt.Dtstart.Before(limit) {
		return opt.Dtstart
	}
	n := limit.Sub(opt.Dtstart) / period
	return opt.Dtstart.Add(n * period)
}

func untilValue(rule string) string {
	for _, part := range strings.Split(rule, ";") {
		if k, v, ok := strings.Cut(part, "="); ok && strings.EqualFold(k, "UNTIL") {
			return v
		}
	}
	return ""
}

// length returns the duration of each instance: DTEND minus DTSTART,
// DURATION, or the RFC's defaults (one day for a date, nothing for a time).
func (p *busyParser) length(c *ical.Component, start time.Time, allDay bool) (time.Duration, error) {
	if end := c.Props.Get(ical.PropDateTimeEnd); end != nil {
		t, _, err := p.value(end)
		if err != nil {
			return 0, p.eventErr(c, "DTEND", err)
		}
		if t.Before(start) {
			return 0, p.eventErr(c, "DTEND", fmt.Errorf("it is before the start"))
		}
		return t.Sub(start), nil
	}
	if d := c.Props.Get(ical.PropDuration); d != nil {
		dur, err := d.Duration()
		if err != nil || dur < 0 {
			return 0, p.eventErr(c, "DURATION", fmt.Errorf("%q is not a duration", d.Value))
		}
		return dur, nil
	}
	if allDay {
		return 24 * time.Hour, nil
	}
	return 0, nil
}

// add keeps one busy instance if it overlaps the window. An all-day
// instance's length is counted in days on the participant's calendar, so a
// day with a DST change is still one whole day.
func (p *busyParser) add(start time.Time, length time.Duration, allDay bool) {
	end := start.Add(length)
	if allDay {
		days := int((length + 12*time.Hour) / (24 * time.Hour))
		y, m, d := start.Date()
		end = time.Date(y, m, d+days, 0, 0, 0, 0, start.Location())
	}
	if !end.After(start) || !end.After(p.opt.From) || !start.Before(p.opt.To) {
		return
	}
	if len(p.out) <= MaxBusy {
		p.out = append(p.out, Interval{start.UTC(), end.UTC()})
	}
}

func isDate(prop *ical.Prop) bool {
	return strings.EqualFold(prop.Params.Get(ical.ParamValue), "DATE") || len(strings.TrimSpace(prop.Value)) == 8
}

// value reads a DATE or DATE-TIME property and returns the instant and the
// zone rules it was read with.
func (p *busyParser) value(prop *ical.Prop) (time.Time, zoneRule, error) {
	times, zr, err := p.valuesZone(prop)
	if err != nil {
		return time.Time{}, nil, err
	}
	if len(times) != 1 {
		return time.Time{}, nil, fmt.Errorf("want one date or time, found %d", len(times))
	}
	return times[0], zr, nil
}

func (p *busyParser) values(prop *ical.Prop) ([]time.Time, error) {
	t, _, err := p.valuesZone(prop)
	return t, err
}

// valuesZone reads a comma-separated list of dates or date-times (EXDATE
// and RDATE may hold several; PERIOD values keep their start).
func (p *busyParser) valuesZone(prop *ical.Prop) ([]time.Time, zoneRule, error) {
	zr, err := p.zone(prop.Params.Get(ical.PropTimezoneID))
	if err != nil {
		return nil, nil, err
	}
	var out []time.Time
	for _, v := range strings.Split(prop.Value, ",") {
		v = strings.TrimSpace(v)
		if i := strings.IndexByte(v, '/'); i >= 0 {
			v = v[:i]
		}
		switch {
		case len(v) == 8:
			d, err := time.Parse("20060102", v)
			if err != nil {
				return nil, nil, fmt.Errorf("%q is not a date", v)
			}
			// A date is a day on the participant's own calendar.
			out = append(out, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, p.opt.Zone))
		case len(v) == 16 && (v[15] == 'Z' || v[15] == 'z'):
			t, err := time.Parse(utcFormat, strings.ToUpper(v))
			if err != nil {
				return nil, nil, fmt.Errorf("%q is not a UTC time", v)
			}
			out = append(out, t)
		case len(v) == 15:
			w, err := time.Parse(localFormat, v)
			if err != nil {
				return nil, nil, fmt.Errorf("%q is not a time", v)
			}
			out = append(out, zr.instant(w))
		default:
			return nil, nil, fmt.Errorf("%q is not a date or time", truncate(v, 40))
		}
	}
	if len(out) > 0 && len(prop.Value) == 16 {
		zr = ianaZone{time.UTC}
	}
	return out, zr, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// zone finds the rules for a TZID: a zone the file defines wins (it is
// what the exporting calendar meant), then an IANA name (also inside the
// "/mozilla.org/…/Europe/Berlin" form some exporters write), then the
// participant's zone for a floating time.
func (p *busyParser) zone(tzid string) (zoneRule, error) {
	tzid = strings.Trim(tzid, `"`)
	if tzid == "" {
		return ianaZone{p.opt.Zone}, nil
	}
	if z, ok := p.zones[tzid]; ok {
		return z, nil
	}
	if loc, err := loadIANA(tzid); err == nil {
		return ianaZone{loc}, nil
	}
	return nil, fmt.Errorf("the time zone %q is neither defined in the file nor a known zone name", truncate(tzid, 60))
}

func loadIANA(name string) (*time.Location, error) {
	if name == "Z" || strings.EqualFold(name, "UTC") || strings.EqualFold(name, "GMT") {
		return time.UTC, nil
	}
	// Keep the last two path elements of prefixed forms.
	if strings.HasPrefix(name, "/") {
		parts := strings.Split(name, "/")
		if len(parts) >= 3 {
			name = parts[len(parts)-2] + "/" + parts[len(parts)-1]
		}
	}
	if strings.Contains(name, "..") || strings.HasPrefix(name, "/") || strings.ContainsAny(name, `\`) || name == "Local" {
		return nil, fmt.Errorf("not a zone name")
	}
	return time.LoadLocation(name)
}

// zoneRule turns wall-clock times (time.Time values in UTC holding the
// local clock reading) into instants and back.
type zoneRule interface {
	instant(wall time.Time) time.Time
	wall(t time.Time) time.Time
}

type ianaZone struct{ loc *time.Location }

func (z ianaZone) instant(w time.Time) time.Time {
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, z.loc)
}

func (z ianaZone) wall(t time.Time) time.Time {
	l := t.In(z.loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
}

// vtimezone is a zone defined by the file itself: observances (STANDARD
// and DAYLIGHT) each with an onset, offsets and perhaps a yearly rule.
type vtimezone struct{ obs []observance }

type observance struct {
	from, to time.Duration // TZOFFSETFROM, TZOFFSETTO
	// onsets are when the observance begins, on the wall clock before it,
	// sorted: DTSTART, the RRULE's instances from 1900 to 2100 (computed
	// once, because Outlook starts its rules in 1601) and RDATEs.
	onsets []time.Time
}

func parseVTimezone(c *ical.Component) (*vtimezone, error) {
	z := &vtimezone{}
	for _, o := range c.Children {
		if o.Name != ical.CompTimezoneStandard && o.Name != ical.CompTimezoneDaylight {
			continue
		}
		var ob observance
		var err error
		if ob.from, err = parseOffset(propText(o, ical.PropTimezoneOffsetFrom)); err != nil {
			return nil, err
		}
		if ob.to, err = parseOffset(propText(o, ical.PropTimezoneOffsetTo)); err != nil {
			return nil, err
		}
		start, err := time.Parse(localFormat, propText(o, ical.PropDateTimeStart))
		if err != nil {
			return nil, fmt.Errorf("observance DTSTART %q is not a local time", truncate(propText(o, ical.PropDateTimeStart), 40))
		}
		ob.onsets = append(ob.onsets, start)
		if rr := o.Props.Get(ical.PropRecurrenceRule); rr != nil {
			opt, err := rrule.StrToROptionInLocation(rr.Value, time.UTC)
			if err != nil {
				return nil, err
			}
			if opt.Freq != rrule.YEARLY && opt.Freq != rrule.MONTHLY {
				return nil, fmt.Errorf("an observance repeats %s, not yearly", opt.Freq)
			}
			if !opt.Until.IsZero() {
				opt.Until = opt.Until.Add(ob.from) // UNTIL is UTC; onsets are on the clock before them
			}
			opt.Dtstart = start
			if start.Year() < 1900 {
				// rrule-go produces nothing from Outlook's 1601 starts; a
				// yearly rule gives the same onsets from the same day of 1900.
				opt.Dtstart = start.AddDate(1900-start.Year(), 0, 0)
			}
			rule, err := rrule.NewRRule(*opt)
			if err != nil {
				return nil, err
			}
			ob.onsets = append(ob.onsets, rule.Between(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), true)...)
		}
		for _, rd := range o.Props.Values(ical.PropRecurrenceDates) {
			for _, v := range strings.Split(rd.Value, ",") {
				t, err := time.Parse(localFormat, strings.TrimSpace(v))
				if err == nil {
					ob.onsets = append(ob.onsets, t)
				}
			}
		}
		sort.Slice(ob.onsets, func(a, b int) bool { return ob.onsets[a].Before(ob.onsets[b]) })
		z.obs = append(z.obs, ob)
	}
	if len(z.obs) == 0 {
		return nil, fmt.Errorf("it has no STANDARD or DAYLIGHT part")
	}
	return z, nil
}

func parseOffset(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if len(s) != 5 && len(s) != 7 || (s[0] != '+' && s[0] != '-') {
		return 0, fmt.Errorf("%q is not a UTC offset such as +0100", truncate(s, 20))
	}
	var h, m, sec int
	if _, err := fmt.Sscanf(s[1:5], "%02d%02d", &h, &m); err != nil {
		return 0, fmt.Errorf("%q is not a UTC offset such as +0100", s)
	}
	if len(s) == 7 {
		if _, err := fmt.Sscanf(s[5:], "%02d", &sec); err != nil {
			return 0, fmt.Errorf("%q is not a UTC offset such as +0100", s)
		}
	}
	if h > 23 || m > 59 || sec > 59 {
		return 0, fmt.Errorf("%q is not a UTC offset", s)
	}
	d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second
	if s[0] == '-' {
		d = -d
	}
	return d, nil
}

// offsetAt returns the offset in force at instant t: that of the
// observance with the latest onset at or before t.
func (z *vtimezone) offsetAt(t time.Time) time.Duration {
	var best time.Time
	off, found := z.obs[0].from, false
	for _, ob := range z.obs {
		// An onset on the wall clock w happens at the instant w - from; it
		// is at or before t when w is at or before t + from.
		limit := t.Add(ob.from)
		i := sort.Search(len(ob.onsets), func(i int) bool { return ob.onsets[i].After(limit) })
		if i == 0 {
			continue
		}
		at := ob.onsets[i-1].Add(-ob.from)
		if !found || at.After(best) {
			best, off, found = at, ob.to, true
		}
	}
	return off
}

func (z *vtimezone) wall(t time.Time) time.Time { return t.UTC().Add(z.offsetAt(t)) }

// instant finds the instant a wall-clock reading names: the reading at an
// offset that is in force at the instant it gives. In an overlap (the
// repeated hour) both are, and the first observance's wins; in a gap (the
// skipped hour) none is, and the first observance's offset is used.
func (z *vtimezone) instant(w time.Time) time.Time {
	seen := map[time.Duration]bool{}
	var fallback time.Time
	for _, ob := range z.obs {
		for _, off := range []time.Duration{ob.from, ob.to} {
			if seen[off] {
				continue
			}
			seen[off] = true
			t := w.Add(-off)
			if z.offsetAt(t) == off {
				return t
			}
			if fallback.IsZero() {
				fallback = t
			}
		}
	}
	return fallback
}
