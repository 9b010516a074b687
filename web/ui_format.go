package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/export"
)

// funcs are the helpers templates may call. Times are formatted here, on the
// server, in the viewer's zone, so every page shows the same format.
func (u *ui) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":       u.assetPath,
		"datetime":    formatDateTime,
		"date":        formatDate,
		"clock":       formatClock,
		"isodate":     func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"duration":    formatDurationPtr,
		"markdown":    export.PageMarkdown,
		"inline":      export.PageInline,
		"join":        strings.Join,
		"severity":    severityClass,
		"statusLabel": statusLabel,
		"query":       func(v url.Values) string { return v.Encode() },
		"humanize":    humanize,
		"pmStatus":    func(s debrief.PostmortemStatus) string { return humanize(string(s)) },
		"add":         func(a, b int) int { return a + b },
		"fieldOf":     fieldOf,
		"reason":      similarReason,
		"highlight":   highlight,
		"percent":     func(v *float64) string { return strconv.FormatFloat(*v*100, 'f', 0, 64) + "%" },
		"newItem":     newItem,
	}
}

// formatDateTime shows t in loc with the date: "5 Mar 2026 14:02".
func formatDateTime(loc *time.Location, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2 Jan 2006 15:04")
}

// formatDate shows the day of t in loc: "Thu 5 Mar 2026".
func formatDate(loc *time.Location, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("Mon 2 Jan 2006")
}

// formatClock shows the time of day of t in loc: "14:02".
func formatClock(loc *time.Location, t time.Time) string { return t.In(loc).Format("15:04") }

// formatDurationPtr shows a derived duration the way people say it: "42 min",
// "3 h 5 min", "2 d 4 h"; nil (not yet known) is an em dash.
func formatDurationPtr(d *time.Duration) string {
	if d == nil {
		return "—"
	}
	return formatDuration(*d)
}

func formatDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + " s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	}
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%d d", days)
	}
	return fmt.Sprintf("%d d %d h", days, h)
}

// severityClass maps a severity name (SEV1…SEV4) to its CSS classes; other
// names get the neutral badge, which still shows the name.
func severityClass(name string) string {
	n := strings.TrimLeft(strings.ToLower(name), "sev")
	switch n {
	case "1", "2", "3", "4":
		return "sev sev" + n
	}
	return "sev"
}

// statusLabel is an incident status for people: "investigating" → "Investigating".
func statusLabel(s debrief.IncidentStatus) string { return humanize(string(s)) }

// humanize turns an identifier ("in_review", "wont_do") into words.
func humanize(s string) string {
	s = strings.ReplaceAll(s, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// datetimeLocal formats t for an <input type="datetime-local"> in loc.
func datetimeLocal(loc *time.Location, t time.Time) string {
	return t.In(loc).Format("2006-01-02T15:04")
}

// parseDatetimeLocal reads an <input type="datetime-local"> value as a wall
// time in loc (seconds optional).
func parseDatetimeLocal(loc *time.Location, s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date and time")
}

// splitList reads a comma-separated form field into a list.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// formField is one text field of an edit form, with the saved value shown
// beside it after a version conflict.
type formField struct {
	ID, Name, Label, Value, Saved string
	// Differs is true when someone else saved another value meanwhile.
	Differs bool
	Error   *fieldError
}

// fieldOf builds a formField in a template. saved is the value someone
// else saved (a string), or nil when there was no conflict; err is the
// field's *fieldError or nil.
func fieldOf(name, label, value string, saved, err any) formField {
	f := formField{ID: fieldID(name), Name: name, Label: label, Value: value}
	if s, ok := saved.(string); ok && s != value {
		f.Saved, f.Differs = s, true
	}
	if fe, ok := err.(*fieldError); ok {
		f.Error = fe
	}
	return f
}

// similarReason says in words why a past incident is similar.
func similarReason(kind string) string {
	switch kind {
	case "services":
		return "same services"
	case "contributing_factors":
		return "same contributing factors"
	case "alerts":
		return "same alerts"
	case "text":
		return "similar wording"
	}
	return humanize(kind)
}

// highlight escapes a search snippet and marks its highlighted byte ranges
// with <mark>; ranges out of order or out of bounds are ignored.
func highlight(snippet string, ranges []debrief.SearchRange) template.HTML {
	var b strings.Builder
	pos := 0
	for _, r := range ranges {
		if r.Start < pos || r.End <= r.Start || r.End > len(snippet) {
			continue
		}
		b.WriteString(template.HTMLEscapeString(snippet[pos:r.Start]))
		b.WriteString("<mark>")
		b.WriteString(template.HTMLEscapeString(snippet[r.Start:r.End]))
		b.WriteString("</mark>")
		pos = r.End
	}
	b.WriteString(template.HTMLEscapeString(snippet[pos:]))
	return template.HTML(b.String())
}
