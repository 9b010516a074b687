package ingest

import (
	"io"
	"strings"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/mdread"
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
	// package mdread decides what a table is (goldmark's GFM tables, so
	// code blocks and indented text are never read as one).
	var timelines, underHeading []mdread.TableAt
	for _, t := range mdread.Parse(data).Tables() {
		if _, ok := columnsFromHeader(t.Table.RawHeader); !ok {
			continue
		}
		timelines = append(timelines, t)
		if mdread.RoleOf(t.Heading) == mdread.RoleTimeline {
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
		cols, _ := columnsFromHeader(t.Table.RawHeader)
		zone := opt.Zone
		if zone == nil {
			zone, _ = zoneInText(strings.Join(t.Table.RawHeader, " "))
		}
		if zone == nil {
			zone, _ = zoneInText(t.Heading + "\n" + t.Above)
		}
		var rc rowClock
		for i, cells := range t.Table.Rows {
			line := t.Table.Line + t.Table.RowLines[i]
			e, err := rowEvent(cells, cols, zone, &rc, opt, file, line)
			if err != nil {
				return nil, err
			}
			if err := finishEvent(e, ids, file, line); err != nil {
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
