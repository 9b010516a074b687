package ingest

import (
	"html"
	"io"
	"regexp"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// ParseTimelineMarkdown reads the timeline tables of a Markdown document,
// the form many teams keep their timelines in:
//
//	| Time (UTC)       | Event                         |
//	| ---------------- | ----------------------------- |
//	| 2023-02-14 10:29 | Checkout error rate above 5 % |
//
// A table is a timeline when a header cell names a time ("Time", "Date",
// "Date and Time in CET", "When"); its text is the column named Event,
// Description, What… or else the first other column, and Who/Actor, Kind
// and Starred columns are read when present. When the document has tables
// under a heading containing "Timeline", only those are read, so action
// item tables with a date column are not mistaken for timelines. The zone
// is the one given, else the one named in the header, the heading or the
// lines just above the table. Either every row is read or an error names
// the first bad line.
func ParseTimelineMarkdown(r io.Reader, opt TimelineOptions) ([]*debrief.TimelineEvent, error) {
	file := opt.name()
	data, err := readLimited(r, file)
	if err != nil {
		return nil, err
	}
	tables := markdownTables(string(data))
	var timelines, underHeading []mdTable
	for _, t := range tables {
		if _, ok := columnsFromHeader(t.header); !ok {
			continue
		}
		timelines = append(timelines, t)
		if strings.Contains(strings.ToLower(t.heading), "timeline") {
			underHeading = append(underHeading, t)
		}
	}
	if len(underHeading) > 0 {
		timelines = underHeading
	}
	if len(timelines) == 0 {
		return nil, fileError(file, "file", "no timeline table found; expected a Markdown table whose header names a time, like | Time (UTC) | Event |.")
	}
	ids := externalIDs{}
	var events []*debrief.TimelineEvent
	for _, t := range timelines {
		cols, _ := columnsFromHeader(t.header)
		zone := opt.Zone
		if zone == nil {
			zone, _ = zoneInText(strings.Join(t.header, " "))
		}
		if zone == nil {
			zone, _ = zoneInText(t.heading + "\n" + t.above)
		}
		var rc rowClock
		for _, row := range t.rows {
			e, err := rowEvent(row.cells, cols, zone, &rc, opt, file, row.line)
			if err != nil {
				return nil, err
			}
			if err := finishEvent(e, ids, file, row.line); err != nil {
				return nil, err
			}
			events = append(events, e)
		}
	}
	if len(events) == 0 {
		return nil, fileError(file, "file", "the timeline table has no rows.")
	}
	return events, nil
}

type mdRow struct {
	line  int
	cells []string
}

// mdTable is one pipe table: its header cells, rows, the nearest heading
// above it and the text between that heading and the table.
type mdTable struct {
	heading string
	above   string
	header  []string
	rows    []mdRow
}

// delimiterRowRe matches a table's delimiter row: | :--- | ---: | :-: |
var delimiterRowRe = regexp.MustCompile(`^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$`)

var fenceRe = regexp.MustCompile("^ {0,3}(```|~~~)")

// markdownTables finds the pipe tables of a document, outside code blocks.
func markdownTables(doc string) []mdTable {
	lines := strings.Split(doc, "\n")
	var (
		tables  []mdTable
		heading string
		above   []string
		fence   string
	)
	for i := 0; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], "\r")
		t := strings.TrimSpace(l)
		if fence != "" {
			if strings.HasPrefix(t, fence) {
				fence = ""
			}
			continue
		}
		if m := fenceRe.FindStringSubmatch(l); m != nil {
			fence = m[1]
			continue
		}
		if strings.HasPrefix(t, "#") {
			heading, above = strings.TrimSpace(strings.TrimLeft(t, "#")), nil
			continue
		}
		next := ""
		if i+1 < len(lines) {
			next = strings.TrimSpace(strings.TrimRight(lines[i+1], "\r"))
		}
		if strings.Contains(t, "|") && strings.Contains(next, "-") && delimiterRowRe.MatchString(next) {
			tab := mdTable{heading: heading, above: strings.Join(lastN(above, 5), "\n"), header: splitRow(t)}
			i += 2
			for ; i < len(lines); i++ {
				row := strings.TrimSpace(strings.TrimRight(lines[i], "\r"))
				if row == "" || !strings.Contains(row, "|") {
					break
				}
				tab.rows = append(tab.rows, mdRow{line: i + 1, cells: splitRow(row)})
			}
			tables = append(tables, tab)
			above = nil
			i-- // the line that ended the table is read again
			continue
		}
		if t != "" {
			above = append(above, t)
		}
	}
	return tables
}

func lastN(s []string, n int) []string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

var brRe = regexp.MustCompile(`(?i)<br\s*/?>`)

// splitRow splits a table row into its cells, honouring "\|" escapes, and
// turns each cell into plain text: HTML entities decoded, <br> as a line
// break.
func splitRow(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	if strings.HasSuffix(row, "|") && !strings.HasSuffix(row, `\|`) {
		row = row[:len(row)-1]
	}
	var cells []string
	var b strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row) && row[i+1] == '|':
			b.WriteByte('|')
			i++
		case row[i] == '|':
			cells = append(cells, b.String())
			b.Reset()
		default:
			b.WriteByte(row[i])
		}
	}
	cells = append(cells, b.String())
	for i, c := range cells {
		c = brRe.ReplaceAllString(c, "\n")
		cells[i] = strings.TrimSpace(html.UnescapeString(c))
	}
	return cells
}
