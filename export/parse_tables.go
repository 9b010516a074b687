package export

import (
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// table is a GFM table: its header names (lower case) and rows of
// unescaped cells, with the line of each row.
type table struct {
	header []string
	rows   [][]string
	lines  []int
}

func (t *table) col(names ...string) int {
	for i, h := range t.header {
		for _, n := range names {
			if h == n {
				return i
			}
		}
	}
	return -1
}

func (t *table) cell(row []string, col int) string {
	if col < 0 || col >= len(row) {
		return ""
	}
	return row[col]
}

// readTable reads a table at lines[0:], where lines[0] is line first. It
// returns the table and how many lines it used.
func readTable(lines []string, first int) (*table, int, error) {
	if len(lines) < 2 || !isTableLine(lines[0]) || !isDelimiterRow(lines[1]) {
		return nil, 0, lineErr(first, "expected a table: a header row like '| Time | Event |' and a row like '|---|---|' under it")
	}
	t := &table{}
	for _, h := range splitRow(lines[0]) {
		t.header = append(t.header, strings.ToLower(strings.TrimSpace(unescapeCell(h))))
	}
	n := 2
	for ; n < len(lines) && isTableLine(lines[n]); n++ {
		raw := splitRow(lines[n])
		row := make([]string, len(raw))
		for i, c := range raw {
			row[i] = unescapeCell(c)
		}
		if len(row) > len(t.header) {
			return nil, 0, lineErr(first+n, "this row has %d cells but the header has %d; write a pipe inside a cell as \\|", len(row), len(t.header))
		}
		t.rows = append(t.rows, row)
		t.lines = append(t.lines, first+n)
	}
	return t, n, nil
}

// blockTable finds the one table in a timeline or action-item block: an
// optional heading line, the table and blank lines around them.
func blockTable(body []string, markerLine int, what string) (*table, error) {
	i := 0
	for i < len(body) && strings.TrimSpace(body[i]) == "" {
		i++
	}
	if i < len(body) && strings.HasPrefix(body[i], "#") {
		i++
	}
	for i < len(body) && strings.TrimSpace(body[i]) == "" {
		i++
	}
	if i == len(body) {
		return &table{}, nil
	}
	t, n, err := readTable(body[i:], markerLine+1+i)
	if err != nil {
		return nil, err
	}
	for j := i + n; j < len(body); j++ {
		if strings.TrimSpace(body[j]) != "" {
			return nil, lineErr(markerLine+1+j, "only the %s table belongs after its marker; move this text into a section", what)
		}
	}
	return t, nil
}

// parseEventTime reads "2024-03-05 14:02:00 +01:00 Europe/Berlin" (the zone
// name is optional) into the UTC instant and the zone.
func parseEventTime(s string) (time.Time, string, bool) {
	parts := strings.SplitN(s, " ", 4)
	if len(parts) < 3 {
		return time.Time{}, "", false
	}
	t, err := time.Parse(cellTimeLayout, parts[0]+" "+parts[1]+" "+parts[2])
	if err != nil {
		return time.Time{}, "", false
	}
	zone := ""
	if len(parts) == 4 {
		zone = parts[3]
	}
	return t.UTC(), zone, true
}

func parseStarred(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "no", "false", "-":
		return false, true
	case "yes", "true", "x", "★", "✓", "*":
		return true, true
	}
	return false, false
}

func parseTimelineBlock(body []string, markerLine int, doc *Document, metas map[string]eventMeta) ([]*debrief.TimelineEvent, []int, error) {
	t, err := blockTable(body, markerLine, "timeline")
	if err != nil {
		return nil, nil, err
	}
	if len(t.rows) == 0 {
		return nil, nil, nil
	}
	cTime, cText := t.col("time"), t.col("event")
	if cTime < 0 || cText < 0 {
		return nil, nil, lineErr(t.lines[0]-2, "the timeline table needs a Time and an Event column")
	}
	cKind, cSource, cActor, cLife, cStar, cID := t.col("kind"), t.col("source"), t.col("actor"), t.col("lifecycle"), t.col("starred"), t.col("id")
	var incidentID int64
	if doc.Incident != nil {
		incidentID = doc.Incident.ID
	}
	events := make([]*debrief.TimelineEvent, 0, len(t.rows))
	seen := map[int64]bool{}
	for ri, row := range t.rows {
		line := t.lines[ri]
		at, zone, ok := parseEventTime(t.cell(row, cTime))
		if !ok {
			return nil, nil, lineErr(line, "the time %q should look like 2024-03-05 14:02:00 +01:00 Europe/Berlin", truncate(t.cell(row, cTime), 60))
		}
		e := &debrief.TimelineEvent{At: at, Zone: zone, Text: t.cell(row, cText), IncidentID: incidentID,
			Kind: debrief.EventKind(t.cell(row, cKind)), Source: debrief.EventSource(t.cell(row, cSource)),
			Actor: t.cell(row, cActor), Lifecycle: debrief.Lifecycle(t.cell(row, cLife))}
		if e.Kind != "" && !e.Kind.Valid() {
			return nil, nil, lineErr(line, "unknown kind %q; use alert, detection, action, decision, communication, mitigation, resolution or note", truncate(string(e.Kind), 40))
		}
		if e.Source != "" && !e.Source.Valid() {
			return nil, nil, lineErr(line, "unknown source %q", truncate(string(e.Source), 40))
		}
		if !e.Lifecycle.Valid() {
			return nil, nil, lineErr(line, "unknown lifecycle %q; use started, detected, acknowledged, mitigated or resolved", truncate(string(e.Lifecycle), 40))
		}
		if e.Starred, ok = parseStarred(t.cell(row, cStar)); !ok {
			return nil, nil, lineErr(line, "starred should be yes or empty, not %q", truncate(t.cell(row, cStar), 40))
		}
		if id := strings.TrimSpace(t.cell(row, cID)); id != "" {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil || n < 0 {
				return nil, nil, lineErr(line, "the ID %q should be a whole number (or empty for a new event)", truncate(id, 40))
			}
			if n != 0 && seen[n] {
				return nil, nil, lineErr(line, "event ID %d appears twice", n)
			}
			seen[n] = true
			e.ID = n
			if m, ok := metas[id]; ok {
				e.IncidentID, e.ExternalID, e.Alert, e.CreatedAt, e.Version = m.IncidentID, m.ExternalID, m.Alert, m.CreatedAt, m.Version
			}
		}
		events = append(events, e)
	}
	return events, t.lines, nil
}

// parseDue reads a due date: "2024-03-05" (midnight UTC) or an RFC 3339 time.
func parseDue(s string) (*time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return &t, true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return &t, true
	}
	return nil, false
}

func parseActionBlock(body []string, markerLine int, metas map[string]actionMeta) ([]*debrief.ActionItem, []int, error) {
	t, err := blockTable(body, markerLine, "action-item")
	if err != nil {
		return nil, nil, err
	}
	if len(t.rows) == 0 {
		return nil, nil, nil
	}
	cTitle := t.col("action", "title")
	if cTitle < 0 {
		return nil, nil, lineErr(t.lines[0]-2, "the action-item table needs an Action column")
	}
	cKey, cOwner, cDue, cPrio, cType, cStatus, cTracker := t.col("key"), t.col("owner"), t.col("due"), t.col("priority"), t.col("type"), t.col("status"), t.col("tracker")
	items := make([]*debrief.ActionItem, 0, len(t.rows))
	seen := map[string]bool{}
	for ri, row := range t.rows {
		line := t.lines[ri]
		a := &debrief.ActionItem{Key: strings.TrimSpace(t.cell(row, cKey)), Title: t.cell(row, cTitle), Owner: t.cell(row, cOwner),
			Priority: debrief.Priority(t.cell(row, cPrio)), Type: debrief.ActionType(t.cell(row, cType)),
			Status: debrief.ActionStatus(t.cell(row, cStatus)), TrackerURL: t.cell(row, cTracker)}
		due, ok := parseDue(t.cell(row, cDue))
		if !ok {
			return nil, nil, lineErr(line, "the due date %q should look like 2024-03-05", truncate(t.cell(row, cDue), 40))
		}
		a.DueDate = due
		if a.Priority != "" && !a.Priority.Valid() {
			return nil, nil, lineErr(line, "unknown priority %q; use P1, P2, P3 or P4", truncate(string(a.Priority), 40))
		}
		if a.Type != "" && !a.Type.Valid() {
			return nil, nil, lineErr(line, "unknown type %q; use prevent, detect, mitigate, process or investigate", truncate(string(a.Type), 40))
		}
		if a.Status != "" && !a.Status.Valid() {
			return nil, nil, lineErr(line, "unknown status %q; use open, in_progress, done or wont_do", truncate(string(a.Status), 40))
		}
		if a.Key != "" {
			if seen[a.Key] {
				return nil, nil, lineErr(line, "action item %s appears twice", a.Key)
			}
			seen[a.Key] = true
			if m, ok := metas[a.Key]; ok {
				a.ID, a.IncidentID, a.PostmortemID, a.CompletedAt = m.ID, m.IncidentID, m.PostmortemID, m.CompletedAt
				a.CreatedBy, a.CreatedAt, a.UpdatedAt, a.Version = m.CreatedBy, m.CreatedAt, m.UpdatedAt, m.Version
			}
		}
		items = append(items, a)
	}
	return items, t.lines, nil
}
