package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// table writes aligned columns; call flush when done.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, headers ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	t.row(headers...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		// A tab or newline inside a cell would break the columns.
		cells[i] = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(c)
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// details writes "Label:  value" lines aligned on the values.
type details struct{ tw *tabwriter.Writer }

func newDetails(w io.Writer) *details {
	return &details{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

// add writes one line; empty values are left out so the view stays short.
func (d *details) add(label, value string) {
	if strings.TrimSpace(value) == "" {
		return
	}
	fmt.Fprintf(d.tw, "%s:\t%s\n", label, strings.ReplaceAll(value, "\n", " "))
}

func (d *details) flush() error { return d.tw.Flush() }

// viewerZone is the zone times are shown in: $TZ when it names a zone, else
// the system's local zone.
func viewerZone(getenv func(string) string) *time.Location {
	if tz := getenv("TZ"); tz != "" {
		if loc, err := time.LoadLocation(strings.TrimPrefix(tz, ":")); err == nil {
			return loc
		}
	}
	return time.Local
}

// showTime formats t in loc with the date and the zone named, e.g.
// "2026-11-20 14:02 CET".
func showTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

func showTimePtr(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return showTime(*t, loc)
}

// showDate formats a date-only value (stored as midnight UTC) without a zone,
// because a due date is a calendar day, not an instant.
func showDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// showDuration formats seconds as "1h 12m" or "45s".
func showDuration(seconds *int64) string {
	if seconds == nil {
		return ""
	}
	d := time.Duration(*seconds) * time.Second
	if d < 0 {
		return "-" + showDuration(ptr(-*seconds))
	}
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	d -= m * time.Minute
	s := d / time.Second
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%dd", days))
	}
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%dh", h))
	}
	if m > 0 {
		parts = append(parts, fmt.Sprintf("%dm", m))
	}
	if s > 0 && days == 0 && h == 0 {
		parts = append(parts, fmt.Sprintf("%ds", s))
	}
	if len(parts) == 0 {
		return "0s"
	}
	return strings.Join(parts, " ")
}

func ptr[T any](v T) *T { return &v }

// clip shortens s for a table cell.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// parseTime reads a time given on the command line: RFC 3339, or a local
// wall time "2006-01-02 15:04[:05]" / "2006-01-02T15:04", "15:04" (today), or
// "now", all in loc unless the text names an offset.
func parseTime(s string, loc *time.Location, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "now") {
		return now, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"15:04:05", "15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			n := now.In(loc)
			return time.Date(n.Year(), n.Month(), n.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time I can read; use RFC 3339 (2026-03-05T14:02:00+01:00), \"2026-03-05 14:02\" in your zone (%s), \"14:02\" for today, or \"now\"", s, loc)
}

// parseDate reads a due date "2006-01-02" as that calendar day (midnight UTC).
func parseDate(s string) (time.Time, error) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date; use YYYY-MM-DD, e.g. 2026-12-01", s)
	}
	return t, nil
}
