package ingest

// This file holds what the timeline-file importers (CSV, JSON, JSON lines,
// Markdown tables) share: options, time and zone reading, errors that name
// the file and line, and the external ids that make re-imports add nothing.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/mdread"
)

// MaxTimelineFileSize bounds a CSV, JSON or Markdown timeline file. Such files
// are written by people, so this is far above any real one; Slack exports,
// which can be large, are streamed instead.
const MaxTimelineFileSize = 32 << 20

// TimelineOptions says how to read a timeline file.
type TimelineOptions struct {
	// Name names the file in error messages, e.g. "timeline.csv".
	Name string
	// Zone is the zone of times that carry no offset. When nil the zone is
	// detected from the file (a zone named in the table header or a line
	// above it, like "Time (UTC)" or "Date and Time in CET"); a file whose
	// times carry no zone at all is rejected rather than guessed, because a
	// wrong guess shifts the whole timeline by hours.
	Zone *time.Location
	// Date is the day of rows that give only a time of day ("14:02") before
	// any row has given a date. Rows after a dated row use that row's date.
	Date time.Time
	// Kind is the kind of rows that name none; empty means note.
	Kind debrief.EventKind
}

func (o TimelineOptions) name() string {
	if o.Name == "" {
		return "timeline"
	}
	return o.Name
}

// lineError is the error for one bad line of an imported file: a
// debrief.Error with code EInvalid whose message reads "file:line: reason",
// so that both the CLI and the API show the user where to look.
func lineError(file string, line int, field, format string, args ...any) error {
	return debrief.Errorf(debrief.EInvalid, field, "%s", fmt.Sprintf("%s:%d: ", file, line)+fmt.Sprintf(format, args...))
}

// fileError is the error for a file as a whole (no line to point at).
func fileError(file, field, format string, args ...any) error {
	return debrief.Errorf(debrief.EInvalid, field, "%s", file+": "+fmt.Sprintf(format, args...))
}

// readLimited reads all of r, refusing more than MaxTimelineFileSize bytes.
func readLimited(r io.Reader, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxTimelineFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("ingest: read %s: %w", name, err)
	}
	if len(b) > MaxTimelineFileSize {
		return nil, debrief.Errorf(debrief.ETooLarge, "file", "%s is larger than %d MB; split it into smaller files.", name, MaxTimelineFileSize>>20)
	}
	if !utf8.Valid(b) {
		return nil, fileError(name, "file", "the file is not UTF-8 text; save it as UTF-8 and try again.")
	}
	// A byte order mark would otherwise end up in the first header cell.
	return []byte(strings.TrimPrefix(string(b), "\ufeff")), nil
}

// clock is a time read from a cell before its zone is known.
type clock struct {
	year             int
	month            time.Month
	day              int
	hour, min, sec   int
	nsec             int
	hasDate, hasTime bool
	// offset holds the zone written in the cell itself, if any.
	offset *time.Location
}

var (
	// dateRe matches the date forms people write: 2023-02-14, 2023/02/14.
	dateRe = regexp.MustCompile(`^(\d{4})[-/](\d{1,2})[-/](\d{1,2})`)
	// clockRe matches a time of day: 14:02, 14:02:05, 14:02:05.123.
	clockRe = regexp.MustCompile(`^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?`)
	// offsetRe matches a numeric offset: Z, +01:00, +0100, -07.
	offsetRe = regexp.MustCompile(`^(?:Z|[+-]\d{2}(?::?\d{2})?)$`)
	// unknownClockRe matches a time of day left blank on purpose: --:--,
	// HH:mm, ??:??, xx:xx.
	unknownClockRe = regexp.MustCompile(`^(?i:[-?x]{1,2}:[-?x]{2}|hh:mm(?::ss)?)$`)
)

// lookupZone and zoneInText read zones with package mdread's one table of
// abbreviations, so a timeline imported here and one read from a
// postmortem agree on what "IST" or "CST" means.
func lookupZone(s string) (*time.Location, bool) { return mdread.LookupZone(s) }

func zoneInText(s string) (*time.Location, bool) { return mdread.ZoneInText(s) }

// parseClock reads a cell holding a date and time, a date, or a time of day.
// It accepts RFC 3339 and the forms people type: "2023-02-14 10:29",
// "2023-02-14T10:29:05+01:00", "2023/02/14 10:29 CET", "10:29", Unix seconds.
// Blank times ("2019-12-03 --:--", "HH:mm"), approximate marks ("10:45~")
// and ranges ("09:00 - 11:00", whose start is taken) appear in real
// timelines and are accepted. The error says what was wrong in a sentence.
func parseClock(s string) (clock, error) {
	var c clock
	s = strings.TrimSpace(s)
	s = strings.Trim(s, "*_`~≈")
	s = strings.TrimSpace(strings.TrimPrefix(s, "~"))
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(s, "ca."), "approx."))
	if s == "" {
		return c, fmt.Errorf("the time is empty")
	}
	if isDigits(s) && len(s) >= 9 && len(s) <= 11 {
		// Unix seconds, as some tools export them.
		n, _ := strconv.ParseInt(s, 10, 64)
		t := time.Unix(n, 0).UTC()
		return clockOf(t, time.UTC), nil
	}
	rest := s
	if m := dateRe.FindStringSubmatch(rest); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		if mo < 1 || mo > 12 || d < 1 || d > daysIn(time.Month(mo), y) {
			return c, fmt.Errorf("%q is not a real date", m[0])
		}
		c.year, c.month, c.day, c.hasDate = y, time.Month(mo), d, true
		rest = rest[len(m[0]):]
		if strings.HasPrefix(rest, "T") || strings.HasPrefix(rest, "t") {
			rest = rest[1:]
		}
		rest = strings.TrimLeft(rest, " \t,")
	}
	if rest == "" {
		if !c.hasDate {
			return c, fmt.Errorf("%q is not a date or time", s)
		}
		return c, nil
	}
	fields := strings.Fields(rest)
	if unknownClockRe.MatchString(fields[0]) {
		if !c.hasDate {
			return c, fmt.Errorf("%q gives neither a date nor a time", s)
		}
		return c, nil
	}
	m := clockRe.FindStringSubmatch(rest)
	if m == nil {
		return c, fmt.Errorf("%q is not a date and time like 2023-02-14 10:29", s)
	}
	c.hour, _ = strconv.Atoi(m[1])
	c.min, _ = strconv.Atoi(m[2])
	if m[3] != "" {
		c.sec, _ = strconv.Atoi(m[3])
	}
	if m[4] != "" {
		frac := (m[4] + "000000000")[:9]
		c.nsec, _ = strconv.Atoi(frac)
	}
	if c.hour > 23 || c.min > 59 || c.sec > 60 {
		return c, fmt.Errorf("%q is not a real time of day", m[0])
	}
	if c.sec == 60 {
		c.sec = 59 // a leap second: keep it in its minute
	}
	c.hasTime = true
	rest = strings.TrimSpace(rest[len(m[0]):])
	rest = strings.TrimSpace(strings.TrimPrefix(rest, "~"))
	if rest == "" {
		return c, nil
	}
	// What follows the time is a zone ("Z", "+01:00", " UTC", " CET"), a
	// range's end ("- 11:00"), or a meridiem.
	if up := strings.ToUpper(rest); up == "AM" || up == "PM" || strings.HasPrefix(up, "AM ") || strings.HasPrefix(up, "PM ") {
		if c.hour < 1 || c.hour > 12 {
			return c, fmt.Errorf("%q is not a 12-hour time", s)
		}
		if up[0] == 'P' && c.hour != 12 {
			c.hour += 12
		} else if up[0] == 'A' && c.hour == 12 {
			c.hour = 0
		}
		rest = strings.TrimSpace(rest[2:])
		if rest == "" {
			return c, nil
		}
	}
	if rest[0] == '-' || strings.HasPrefix(rest, "–") || strings.HasPrefix(strings.ToLower(rest), "to ") {
		// A range like "09:00 - 11:00": but "-07:00" right after the time is
		// an offset, told apart by the missing space in the original.
		if !(rest[0] == '-' && offsetRe.MatchString(rest) && !strings.Contains(s, " "+rest)) {
			return c, nil
		}
	}
	if p := strings.TrimSpace(strings.Trim(rest, "()")); p != "" {
		if loc, ok := lookupZone(p); ok {
			c.offset = loc
			return c, nil
		}
	}
	return c, fmt.Errorf("%q ends in %q, which is not a time zone", s, rest)
}

func clockOf(t time.Time, loc *time.Location) clock {
	return clock{year: t.Year(), month: t.Month(), day: t.Day(), hour: t.Hour(), min: t.Minute(), sec: t.Second(), nsec: t.Nanosecond(), hasDate: true, hasTime: true, offset: loc}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// rowClock resolves the date of rows that give only a time of day: the
// previous dated row's date, else the options' Date.
type rowClock struct {
	lastDate time.Time
	// lastOffset is the zone the last dated row wrote, which rows giving
	// only a time of day inherit along with its date.
	lastOffset *time.Location
}

// resolve returns the instant of c in zone loc (used only when c carries
// no zone of its own). dateOnly reports a row that gave no time of day.
func (r *rowClock) resolve(c clock, loc *time.Location, fallbackDate time.Time) (t time.Time, dateOnly bool, err error) {
	if c.offset == nil && !c.hasDate && loc == nil {
		c.offset = r.lastOffset
	}
	if c.offset != nil {
		loc = c.offset
	}
	if loc == nil {
		return time.Time{}, false, errNoZone
	}
	if c.hasDate {
		r.lastDate = time.Date(c.year, c.month, c.day, 0, 0, 0, 0, time.UTC)
		r.lastOffset = c.offset
	} else {
		d := r.lastDate
		if d.IsZero() {
			d = fallbackDate
		}
		if d.IsZero() {
			return time.Time{}, false, fmt.Errorf("the row gives a time but no date, and no row above gives one; give the day with --date")
		}
		c.year, c.month, c.day = d.Date()
	}
	return time.Date(c.year, c.month, c.day, c.hour, c.min, c.sec, c.nsec, loc), !c.hasTime, nil
}

var errNoZone = fmt.Errorf("no zone")

// noZoneError tells the user how to fix a file whose times carry no zone.
func noZoneError(file string, line int) error {
	return lineError(file, line, "zone", "the times carry no time zone and none is named in the header; give one with --zone (zone= in the API), e.g. UTC or Europe/Copenhagen.")
}

// kindWords maps the labels people put in front of timeline text
// ("**Detection:** …") and in kind columns to event kinds.
var kindWords = map[string]debrief.EventKind{
	"alert": debrief.KindAlert, "alarm": debrief.KindAlert, "page": debrief.KindAlert,
	"detection": debrief.KindDetection, "detected": debrief.KindDetection, "discovery": debrief.KindDetection,
	"action":        debrief.KindAction,
	"decision":      debrief.KindDecision,
	"communication": debrief.KindCommunication, "comms": debrief.KindCommunication, "message": debrief.KindCommunication, "status update": debrief.KindCommunication,
	"mitigation": debrief.KindMitigation, "mitigated": debrief.KindMitigation, "recovery": debrief.KindMitigation, "workaround": debrief.KindMitigation,
	"resolution": debrief.KindResolution, "resolved": debrief.KindResolution, "fix": debrief.KindResolution,
	"note": debrief.KindNote,
}

// parseKind reads a kind column: one of debrief.EventKinds or a synonym.
func parseKind(s string) (debrief.EventKind, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", true
	}
	k, ok := kindWords[s]
	return k, ok
}

// labelRe matches a bold label at the start of a cell: "**Detection:** …".
var labelRe = regexp.MustCompile(`^\*\*([A-Za-z][A-Za-z ]{1,20}?):?\*\*:?\s*`)

// kindFromLabel reads a leading "**Recovery:**" label as an event kind. The
// label stays in the text: it is what the author wrote.
func kindFromLabel(text string) debrief.EventKind {
	m := labelRe.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return kindWords[strings.ToLower(strings.TrimSpace(m[1]))]
}

// parseStarred reads a starred column: yes/no, true/false, 1/0, x, *, ★.
func parseStarred(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "no", "n", "false", "f", "0", "-":
		return false, true
	case "yes", "y", "true", "t", "1", "x", "*", "★", "⭐", "starred", "key":
		return true, true
	}
	return false, false
}

// externalIDs gives imported events ids derived from their time and text,
// so importing the same timeline twice (even from another format) adds
// nothing, while a file edited between imports adds only its new rows.
// Identical rows in one file are told apart by their order.
type externalIDs map[string]int

func (x externalIDs) next(at time.Time, text string) string {
	h := sha256.Sum256([]byte(at.UTC().Format(time.RFC3339Nano) + "\n" + text))
	id := "import:" + hex.EncodeToString(h[:12])
	x[id]++
	if n := x[id]; n > 1 {
		id += "#" + strconv.Itoa(n)
	}
	return id
}

// finishEvent validates e (normalising its time and zone as the Service
// will) and gives it an external id; an invalid event is reported at line.
func finishEvent(e *debrief.TimelineEvent, ids externalIDs, file string, line int) error {
	if err := e.Validate(); err != nil {
		return lineError(file, line, debrief.ErrorField(err), "%s", lowerFirst(debrief.ErrorMessage(err)))
	}
	e.ExternalID = ids.next(e.At, e.Text)
	return nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	if r >= 'A' && r <= 'Z' && (len(s) == n || s[n] < 'A' || s[n] > 'Z') {
		return string(r+'a'-'A') + s[n:]
	}
	return s
}

// headerRole says what a header cell names.
type headerRole int

const (
	colNone headerRole = iota
	colTime
	colDate
	colText
	colActor
	colKind
	colStarred
	colLifecycle
	colAlert
)

// headerWords maps header words to column roles. A header cell's role is
// that of its first word found here ("Date and Time in CET" is a time).
var headerWords = []struct {
	word string
	role headerRole
}{
	{"timestamp", colTime}, {"datetime", colTime}, {"date and time", colTime}, {"date/time", colTime}, {"time", colTime}, {"when", colTime}, {"at", colTime},
	{"date", colDate}, {"day", colDate},
	{"event", colText}, {"text", colText}, {"description", colText}, {"what happened", colText}, {"what", colText}, {"details", colText}, {"message", colText}, {"summary", colText}, {"activity", colText}, {"action taken", colText}, {"update", colText}, {"note", colText}, {"notes", colText},
	{"actor", colActor}, {"who", colActor}, {"author", colActor}, {"person", colActor}, {"owner", colActor}, {"user", colActor}, {"by", colActor},
	{"kind", colKind}, {"type", colKind}, {"category", colKind},
	{"starred", colStarred}, {"star", colStarred}, {"key", colStarred}, {"important", colStarred}, {"highlight", colStarred},
	{"lifecycle", colLifecycle}, {"milestone", colLifecycle},
	// Only the alert's name: a column headed "Alert" alone is more often
	// what happened than a name.
	{"alertname", colAlert}, {"alert name", colAlert},
}

// headerRoleOf names the role of one header cell.
func headerRoleOf(cell string) headerRole {
	c := strings.ToLower(strings.TrimSpace(strings.Trim(strings.TrimSpace(cell), "*_`")))
	if c == "" {
		return colNone
	}
	for _, hw := range headerWords {
		if c == hw.word {
			return hw.role
		}
	}
	// "Date and Time in CET", "Time (UTC)", "Event description": the first
	// known word decides.
	words := strings.FieldsFunc(c, func(r rune) bool { return !(r >= 'a' && r <= 'z') && r != '/' })
	for i := range words {
		for _, hw := range headerWords {
			if strings.Contains(hw.word, " ") {
				if strings.HasPrefix(strings.Join(words[i:], " "), hw.word) {
					return hw.role
				}
				continue
			}
			if words[i] == hw.word {
				return hw.role
			}
		}
	}
	return colNone
}

// columns maps the roles of a timeline table or CSV file to cell indexes.
type columns struct {
	time, date, text, actor, kind, starred, lifecycle, alert int
}

// columnsFromHeader reads a header row. ok is false when the row does not
// look like a timeline header (no time column, or no text column).
func columnsFromHeader(cells []string) (columns, bool) {
	c := columns{time: -1, date: -1, text: -1, actor: -1, kind: -1, starred: -1, lifecycle: -1, alert: -1}
	set := func(p *int, i int) {
		if *p < 0 {
			*p = i
		}
	}
	for i, cell := range cells {
		switch headerRoleOf(cell) {
		case colTime:
			set(&c.time, i)
		case colDate:
			set(&c.date, i)
		case colText:
			set(&c.text, i)
		case colActor:
			set(&c.actor, i)
		case colKind:
			set(&c.kind, i)
		case colStarred:
			set(&c.starred, i)
		case colLifecycle:
			set(&c.lifecycle, i)
		case colAlert:
			set(&c.alert, i)
		}
	}
	if c.time < 0 && c.date >= 0 {
		// A lone "Date" column holds the whole timestamp.
		c.time, c.date = c.date, -1
	}
	if c.time < 0 {
		return c, false
	}
	if c.text < 0 {
		// The text is the first column not otherwise claimed.
		for i := range cells {
			if i != c.time && i != c.date && i != c.actor && i != c.kind && i != c.starred && i != c.lifecycle && i != c.alert {
				c.text = i
				break
			}
		}
	}
	return c, c.text >= 0
}

// positionalColumns is the layout of a headerless file: time, text, actor,
// kind, starred.
var positionalColumns = columns{time: 0, date: -1, text: 1, actor: 2, kind: 3, starred: 4, lifecycle: -1, alert: -1}

func cell(cells []string, i int) string {
	if i < 0 || i >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[i])
}

// rowEvent builds the event of one row read through cols. zone is the zone
// of times without an offset (nil when unknown).
func rowEvent(cells []string, cols columns, zone *time.Location, rc *rowClock, opt TimelineOptions, file string, line int) (*debrief.TimelineEvent, error) {
	when := cell(cells, cols.time)
	if d := cell(cells, cols.date); d != "" {
		when = d + " " + when
	}
	c, err := parseClock(when)
	if err != nil {
		return nil, lineError(file, line, "at", "%s.", err)
	}
	at, dateOnly, err := rc.resolve(c, zone, opt.Date)
	if err == errNoZone {
		return nil, noZoneError(file, line)
	}
	if err != nil {
		return nil, lineError(file, line, "at", "%s", err)
	}
	text := cell(cells, cols.text)
	if dateOnly {
		// Keep the row but say that its time of day was not recorded,
		// rather than inventing one silently.
		text = "(time of day not recorded) " + text
	}
	e := &debrief.TimelineEvent{At: at, Zone: debrief.ZoneName(at), Source: debrief.SourceManual, Text: text, Actor: cell(cells, cols.actor),
		Alert: cell(cells, cols.alert)}
	if k := cell(cells, cols.kind); k != "" {
		kind, ok := parseKind(k)
		if !ok {
			return nil, lineError(file, line, "kind", "unknown kind %q; use alert, detection, action, decision, communication, mitigation, resolution or note.", k)
		}
		e.Kind = kind
	}
	if e.Kind == "" {
		e.Kind = kindFromLabel(text)
	}
	if e.Kind == "" {
		e.Kind = opt.Kind
	}
	if s := cell(cells, cols.starred); s != "" {
		st, ok := parseStarred(s)
		if !ok {
			return nil, lineError(file, line, "starred", "%q is not yes or no.", s)
		}
		e.Starred = st
	}
	if l := cell(cells, cols.lifecycle); l != "" {
		e.Lifecycle = debrief.Lifecycle(strings.ToLower(l))
	}
	return e, nil
}

// LookupZone turns a zone a person gave (an IANA name like Europe/Berlin,
// an offset like +01:00, or a common abbreviation like UTC, CET or PST)
// into a location, for the --zone flags and zone parameters of imports.
func LookupZone(s string) (*time.Location, error) {
	if loc, ok := lookupZone(s); ok {
		return loc, nil
	}
	return nil, debrief.Errorf(debrief.EInvalid, "zone", "Unknown time zone %q; use an IANA name like Europe/Berlin, an offset like +01:00, or UTC.", s)
}

// ParseTime reads a time a person gave for an import window: RFC 3339, or
// "2024-03-05 14:02" (or a date alone, meaning its midnight) in zone loc.
// field names the input in the error.
func ParseTime(s string, loc *time.Location, field string) (time.Time, error) {
	c, err := parseClock(s)
	if err == nil && !c.hasDate {
		err = fmt.Errorf("%q has no date", s)
	}
	if err != nil {
		return time.Time{}, debrief.Errorf(debrief.EInvalid, field, "%s; give a time like 2024-03-05T14:02:00Z or \"2024-03-05 14:02\".", upperFirst(err.Error()))
	}
	if loc == nil {
		loc = time.UTC
	}
	var rc rowClock
	t, _, err := rc.resolve(c, loc, time.Time{})
	if err != nil {
		return time.Time{}, debrief.Errorf(debrief.EInvalid, field, "%s.", upperFirst(err.Error()))
	}
	return t, nil
}

func upperFirst(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
