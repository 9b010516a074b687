package export

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/debriefhq/debrief/debrief"
	"gopkg.in/yaml.v3"
)

// Markers are HTML comments on a line of their own: invisible when the
// Markdown is rendered, and the only lines ParseMarkdown treats specially,
// so section bodies may hold any Markdown (headings included).
const (
	markerPrefix      = "<!-- debrief:"
	markerSection     = "<!-- debrief:section "
	markerTimeline    = "<!-- debrief:timeline -->"
	markerActionItems = "<!-- debrief:action-items -->"
	markerSuffix      = " -->"
)

// Section keys that host the timeline and action-item tables when the
// postmortem has them; otherwise the tables follow the last section.
const (
	keyTimeline    = "timeline"
	keyActionItems = "action-items"
	keyLearnings   = "learnings"
)

var timelineColumns = []string{"Time", "Event", "Kind", "Source", "Actor", "Lifecycle", "Starred", "ID"}
var actionColumns = []string{"Key", "Action", "Owner", "Due", "Priority", "Type", "Status", "Tracker"}

// eventMeta holds what an event's table row does not show.
type eventMeta struct {
	IncidentID int64     `json:"incident_id"`
	ExternalID string    `json:"external_id,omitempty"`
	Alert      string    `json:"alert,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	Version    int       `json:"version"`
}

// actionMeta holds what an action item's table row does not show.
type actionMeta struct {
	ID           int64      `json:"id"`
	IncidentID   *int64     `json:"incident_id,omitempty"`
	PostmortemID *int64     `json:"postmortem_id,omitempty"`
	CompletedAt  *time.Time `json:"completed_at,omitempty"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Version      int        `json:"version"`
}

// sectionMeta is a section's entry in the front matter. Heading and Body
// appear only when the text cannot carry them unchanged.
type sectionMeta struct {
	Key      string  `json:"key"`
	Heading  *string `json:"heading,omitempty"`
	Body     *string `json:"body,omitempty"`
	Guidance string  `json:"guidance,omitempty"`
	Required bool    `json:"required,omitempty"`
	Internal bool    `json:"internal,omitempty"`
}

// Markdown returns doc as Markdown with YAML front matter. The result reads
// as an ordinary postmortem and ParseMarkdown reads it back without loss.
func Markdown(doc *Document) ([]byte, error) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteMarkdown writes doc as Markdown; see Markdown.
func WriteMarkdown(w io.Writer, doc *Document) error {
	if doc == nil || doc.Postmortem == nil {
		return debrief.Errorf(debrief.EInvalid, "postmortem", "There is no postmortem to export.")
	}
	pm := doc.Postmortem
	fm, err := frontMatter(doc)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.Grow(4096 + len(fm))
	b.WriteString("---\n")
	b.Write(fm)
	b.WriteString("---\n\n")
	if headingSafe(pm.Title) {
		b.WriteString("# " + pm.Title + "\n")
	} else {
		b.WriteString("# " + headingDisplay(pm.Title) + "\n")
	}

	zones := zoneCache{}
	timelineHost, actionHost := hosts(pm.Sections)
	for i := range pm.Sections {
		s := &pm.Sections[i]
		b.WriteString("\n" + markerSection + s.Key + markerSuffix + "\n")
		if headingSafe(s.Heading) {
			b.WriteString("## " + s.Heading + "\n")
		} else {
			b.WriteString("## " + headingDisplay(s.Heading) + "\n")
		}
		if bodySafe(s.Body) && s.Body != "" {
			b.WriteString("\n" + s.Body + "\n")
		}
		if i == timelineHost && len(doc.Timeline) > 0 {
			b.WriteString("\n" + markerTimeline + "\n")
			writeTimeline(&b, doc.Timeline, zones)
		}
		if i == actionHost && len(doc.ActionItems) > 0 {
			b.WriteString("\n" + markerActionItems + "\n")
			writeActionItems(&b, doc.ActionItems)
		}
	}
	writeProject(&b, pm)
	if timelineHost < 0 && len(doc.Timeline) > 0 {
		b.WriteString("\n" + markerTimeline + "\n## Timeline\n\n")
		writeTimeline(&b, doc.Timeline, zones)
	}
	if actionHost < 0 && len(doc.ActionItems) > 0 {
		b.WriteString("\n" + markerActionItems + "\n## Action items\n\n")
		writeActionItems(&b, doc.ActionItems)
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// hosts returns the index of the sections after whose bodies the timeline
// and action-item tables go, or -1.
func hosts(sections []debrief.Section) (timeline, actions int) {
	timeline, actions = -1, -1
	learnings := -1
	for i, s := range sections {
		switch s.Key {
		case keyTimeline:
			timeline = i
		case keyActionItems:
			actions = i
		case keyLearnings:
			learnings = i
		}
	}
	if actions < 0 {
		actions = learnings
	}
	return timeline, actions
}

// headingSafe reports whether s survives as the text of a "# " line.
func headingSafe(s string) bool {
	return s != "" && s == strings.TrimSpace(s) && !hasControl(s, false) && utf8.ValidString(s)
}

// hasControl reports whether s holds a control character other than tab
// (and newline when newlines are allowed).
func hasControl(s string, newlines bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\t' && !(newlines && c == '\n') || c == 0x7f {
			return true
		}
	}
	return false
}

// headingDisplay makes a one-line heading for text that is kept in the front
// matter because it cannot be a heading as it is.
func headingDisplay(s string) string {
	s = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0xfeff {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, " "))), " ")
	if s == "" {
		return "(untitled)"
	}
	return s
}

// bodySafe reports whether a section body can be written between its
// heading and the next marker and read back unchanged; other bodies are
// kept in the front matter.
func bodySafe(s string) bool {
	if hasControl(s, true) || !utf8.ValidString(s) || strings.HasPrefix(s, "\uFEFF") {
		return false
	}
	for len(s) > 0 {
		line := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		if isMarker(line) {
			return false
		}
	}
	return true
}

// isMarker reports whether a line is one ParseMarkdown treats as a marker.
func isMarker(line string) bool {
	return strings.HasPrefix(strings.TrimSpace(line), markerPrefix)
}

func frontMatter(doc *Document) ([]byte, error) {
	pm := doc.Postmortem
	pmNode, err := jsonNode(pm)
	if err != nil {
		return nil, err
	}
	if headingSafe(pm.Title) {
		removeKey(pmNode, "title")
	}
	metas := make([]sectionMeta, len(pm.Sections))
	for i, s := range pm.Sections {
		m := sectionMeta{Key: s.Key, Guidance: s.Guidance, Required: s.Required, Internal: s.Internal}
		if !headingSafe(s.Heading) {
			h := s.Heading
			m.Heading = &h
		}
		if !bodySafe(s.Body) {
			body := s.Body
			m.Body = &body
		}
		metas[i] = m
	}
	secNode, err := jsonNode(metas)
	if err != nil {
		return nil, err
	}
	if pm.Sections == nil {
		secNode = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	_, v := lookup(pmNode, "sections")
	if v != nil {
		*v = *secNode
	}
	root := mapping("debrief", intNode(FormatVersion), "postmortem", pmNode)
	if doc.Incident != nil {
		incNode, err := jsonNode(doc.Incident)
		if err != nil {
			return nil, err
		}
		root.Content = append(root.Content, strNode("incident"), incNode)
	}
	out, err := encodeYAML(root)
	if err != nil {
		return nil, err
	}
	// Event and action-item metadata is written one JSON object per line
	// (JSON is YAML flow style): compact to read, and far faster to write
	// than a node tree for timelines of thousands of events.
	b := bytes.NewBuffer(out)
	if len(doc.Timeline) > 0 {
		// Keyed by the ID shown in the table's last column.
		b.WriteString("timeline:\n")
		for _, e := range doc.Timeline {
			if e.ID == 0 {
				continue // a new event: nothing to keep beyond its row
			}
			if err := metaLine(b, strconv.FormatInt(e.ID, 10), eventMeta{IncidentID: e.IncidentID, ExternalID: e.ExternalID, Alert: e.Alert, CreatedAt: e.CreatedAt, Version: e.Version}); err != nil {
				return nil, err
			}
		}
	}
	if len(doc.ActionItems) > 0 {
		// Keyed by the key shown in the table's first column.
		b.WriteString("action_items:\n")
		for _, a := range doc.ActionItems {
			if a.Key == "" {
				continue // a new item: nothing to keep beyond its row
			}
			if err := metaLine(b, a.Key, actionMeta{ID: a.ID, IncidentID: a.IncidentID, PostmortemID: a.PostmortemID, CompletedAt: a.CompletedAt,
				CreatedBy: a.CreatedBy, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, Version: a.Version}); err != nil {
				return nil, err
			}
		}
	}
	return b.Bytes(), nil
}

// metaLine writes `  "key": {json}` as one line of YAML.
func metaLine(b *bytes.Buffer, key string, v any) error {
	k, err := json.Marshal(key)
	if err != nil {
		return err
	}
	j, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b.WriteString("  ")
	b.Write(yamlPrintable(k))
	b.WriteString(": ")
	b.Write(yamlPrintable(j))
	b.WriteByte('\n')
	return nil
}

// Event times are written as the wall time in the event's own zone with
// the offset (which makes the instant exact, DST folds included) and the
// zone's name: "2024-03-31 01:59:30 +01:00 Europe/Berlin".
const cellTimeLayout = "2006-01-02 15:04:05.999999999 -07:00"

type zoneCache map[string]*time.Location

func (z zoneCache) local(e *debrief.TimelineEvent) time.Time {
	if e.Zone == "" || e.Zone == "UTC" {
		return e.At.UTC()
	}
	loc, ok := z[e.Zone]
	if !ok {
		loc = zoneLocation(e.Zone)
		z[e.Zone] = loc
	}
	if loc == nil {
		return e.At.UTC()
	}
	return e.At.In(loc)
}

// zoneLocation returns the location for an IANA name or an offset like
// "+02:00", or nil.
func zoneLocation(zone string) *time.Location {
	if zone == "" || strings.EqualFold(zone, "local") {
		return nil
	}
	if loc, err := time.LoadLocation(zone); err == nil {
		return loc
	}
	if t, err := time.Parse("-07:00", zone); err == nil {
		_, off := t.Zone()
		return time.FixedZone(zone, off)
	}
	return nil
}

func formatEventTime(e *debrief.TimelineEvent, zones zoneCache) string {
	s := zones.local(e).Format(cellTimeLayout)
	if e.Zone != "" {
		s += " " + e.Zone
	}
	return s
}

func writeTimeline(b *strings.Builder, events []*debrief.TimelineEvent, zones zoneCache) {
	b.WriteByte('\n')
	writeRow(b, timelineColumns...)
	writeRow(b, "---", "---", "---", "---", "---", "---", "---", "---")
	for _, e := range events {
		starred := ""
		if e.Starred {
			starred = "yes"
		}
		writeRow(b, escapeCell(formatEventTime(e, zones)), escapeCell(e.Text), escapeCell(string(e.Kind)), escapeCell(string(e.Source)),
			escapeCell(e.Actor), escapeCell(string(e.Lifecycle)), starred, idCell(e.ID))
	}
}

// formatDue writes a due date as a date when it is one (midnight UTC, as
// the Service stores it) and as a full time otherwise.
func formatDue(t *time.Time) string {
	if t == nil {
		return ""
	}
	u := t.UTC()
	if t.Location() == time.UTC && u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0 {
		return u.Format("2006-01-02")
	}
	return t.Format(time.RFC3339Nano)
}

func writeActionItems(b *strings.Builder, items []*debrief.ActionItem) {
	b.WriteByte('\n')
	writeRow(b, actionColumns...)
	writeRow(b, "---", "---", "---", "---", "---", "---", "---", "---")
	for _, a := range items {
		writeRow(b, escapeCell(a.Key), escapeCell(a.Title), escapeCell(a.Owner), formatDue(a.DueDate), escapeCell(string(a.Priority)),
			escapeCell(string(a.Type)), escapeCell(string(a.Status)), escapeCell(a.TrackerURL))
	}
}

// idCell shows an ID, or nothing for a record not yet stored.
func idCell(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}
