package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// ParseTimelineCSV reads a timeline kept as CSV: one event per row with the
// columns time, text and optionally actor, kind, starred (and lifecycle). A
// first row of column names is detected and may order the columns freely
// ("When,Who,What"); without one the columns are read in that order. The
// separator may be a comma, a semicolon (spreadsheets in many locales) or
// a tab. Either every row is read or an error names the first bad line.
func ParseTimelineCSV(r io.Reader, opt TimelineOptions) ([]*debrief.TimelineEvent, error) {
	file := opt.name()
	data, err := readLimited(r, file)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = csvSeparator(data)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	zone := opt.Zone
	var (
		cols    columns
		started bool
		width   int // fields in the header, 0 without one
		rc      rowClock
		ids     = externalIDs{}
		events  []*debrief.TimelineEvent
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, lineError(file, pe.Line, "file", "%s.", csvReason(pe))
			}
			return nil, lineError(file, 0, "file", "%s", err)
		}
		line, _ := cr.FieldPos(0)
		if blankRecord(rec) || strings.HasPrefix(strings.TrimSpace(rec[0]), "#") {
			continue // blank lines and comment lines
		}
		if !started {
			started = true
			if _, err := parseClock(rec[0]); err != nil {
				c, ok := columnsFromHeader(rec)
				if !ok {
					return nil, lineError(file, line, "file", "the first row is neither a header (time,text,actor,kind,starred) nor an event starting with a time: %s.", err)
				}
				cols = c
				width = len(rec)
				if zone == nil {
					zone, _ = zoneInText(strings.Join(rec, " "))
				}
				continue
			}
			cols = positionalColumns
		}
		if width > 0 && len(rec) > width && !blankRecord(rec[width:]) {
			return nil, lineError(file, line, "file", "the row has %d fields but the header has %d; put quotes around text that contains the separator (%q).", len(rec), width, cr.Comma)
		}
		e, err := rowEvent(rec, cols, zone, &rc, opt, file, line)
		if err != nil {
			return nil, err
		}
		if err := finishEvent(e, ids, file, line); err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	if len(events) == 0 {
		return nil, fileError(file, "file", "the file holds no timeline rows.")
	}
	return events, nil
}

// csvSeparator picks the separator the first line uses most: comma,
// semicolon or tab.
func csvSeparator(data []byte) rune {
	first := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		first = data[:i]
	}
	best, bestN := ',', -1
	for _, sep := range []rune{',', ';', '\t'} {
		n, quoted := 0, false
		for _, b := range string(first) {
			if b == '"' {
				quoted = !quoted
			} else if b == sep && !quoted {
				n++
			}
		}
		if n > bestN {
			best, bestN = sep, n
		}
	}
	return best
}

func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// csvReason says in a sentence what encoding/csv found wrong.
func csvReason(pe *csv.ParseError) string {
	switch {
	case errors.Is(pe.Err, csv.ErrQuote):
		return "a quoted field is not closed, or a quote inside it is not doubled (\"\")"
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return "a quote (\") appears inside a field that is not quoted; quote the whole field and double the quote"
	}
	return "the row is not valid CSV (" + pe.Err.Error() + ")"
}
