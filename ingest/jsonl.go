package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// ParseTimelineJSON reads a timeline kept as JSON: either an array of event
// objects or JSON lines (one object per line). Each object has a time
// ("at", "time" or "timestamp": RFC 3339, "2023-02-14 10:29" or Unix
// seconds) and a text ("text", "event", "description" or "message"), and
// may have "actor", "kind", "starred", "lifecycle", "alert" (the name of
// the alert the event is about) and "zone" (the zone of
// its time when the time carries none). Other fields are ignored, so
// exports from other tools load as they are. Either every object is read
// or an error names the first bad line.
func ParseTimelineJSON(r io.Reader, opt TimelineOptions) ([]*debrief.TimelineEvent, error) {
	file := opt.name()
	data, err := readLimited(r, file)
	if err != nil {
		return nil, err
	}
	lines := newLineIndex(data)
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, fileError(file, "file", "the file is empty.")
	}
	p := jsonTimeline{file: file, opt: opt, ids: externalIDs{}, lines: lines}
	switch trimmed[0] {
	case '[':
		err = p.array(data)
	case '{':
		err = p.jsonLines(data)
	default:
		return nil, lineError(file, lines.line(int64(len(data)-len(trimmed))), "file", "expected a JSON array of events or one JSON object per line.")
	}
	if err != nil {
		return nil, err
	}
	if len(p.events) == 0 {
		return nil, fileError(file, "file", "the file holds no timeline events.")
	}
	return p.events, nil
}

type jsonTimeline struct {
	file   string
	opt    TimelineOptions
	ids    externalIDs
	lines  lineIndex
	rc     rowClock
	events []*debrief.TimelineEvent
}

func (p *jsonTimeline) array(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return p.decodeError(err, dec.InputOffset())
	}
	for dec.More() {
		start := dec.InputOffset()
		var obj map[string]json.RawMessage
		if err := dec.Decode(&obj); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return lineError(p.file, p.lines.line(skipSpaceComma(data, start)), "file", "expected an event object, got %s.", te.Value)
			}
			return p.decodeError(err, start)
		}
		// InputOffset before Decode points just past the previous value
		// (and its comma); the object starts at the next non-space byte.
		line := p.lines.line(skipSpaceComma(data, start))
		if err := p.object(obj, line); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return p.decodeError(err, dec.InputOffset())
	}
	if rest := bytes.TrimSpace(data[dec.InputOffset():]); len(rest) > 0 {
		return lineError(p.file, p.lines.line(dec.InputOffset()), "file", "text follows the end of the JSON array.")
	}
	return nil
}

func (p *jsonTimeline) jsonLines(data []byte) error {
	for n, raw := range bytes.Split(data, []byte("\n")) {
		line := n + 1
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			continue
		}
		var obj map[string]json.RawMessage
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			return lineError(p.file, line, "file", "%s.", jsonReason(err))
		}
		if dec.More() {
			return lineError(p.file, line, "file", "a line holds more than one JSON value; put one event object on each line.")
		}
		if obj == nil {
			return lineError(p.file, line, "file", "expected an event object, got null.")
		}
		if err := p.object(obj, line); err != nil {
			return err
		}
	}
	return nil
}

// jsonFields lists the names accepted for each field, first wins.
var jsonFields = struct{ at, text, actor, kind, starred, lifecycle, zone, alert []string }{
	at:        []string{"at", "time", "timestamp", "date", "when"},
	text:      []string{"text", "event", "description", "message", "summary"},
	actor:     []string{"actor", "who", "author", "user"},
	kind:      []string{"kind", "type"},
	starred:   []string{"starred", "star", "important"},
	lifecycle: []string{"lifecycle"},
	zone:      []string{"zone", "tz", "timezone"},
	alert:     []string{"alert", "alertname", "alert_name"},
}

func lookupField(obj map[string]json.RawMessage, names []string) (string, json.RawMessage) {
	for _, n := range names {
		if v, ok := obj[n]; ok {
			return n, v
		}
	}
	return "", nil
}

// stringField reads a string field (numbers and booleans are accepted as
// their text, since hand-written JSON mixes them up).
func stringField(obj map[string]json.RawMessage, names []string, file string, line int) (string, string, error) {
	name, raw := lookupField(obj, names)
	if raw == nil || string(raw) == "null" {
		return name, "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return name, s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return name, n.String(), nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return name, strconv.FormatBool(b), nil
	}
	return name, "", lineError(file, line, name, "%q must be a string.", name)
}

func (p *jsonTimeline) object(obj map[string]json.RawMessage, line int) error {
	get := func(names []string) (string, string, error) { return stringField(obj, names, p.file, line) }
	_, at, err := get(jsonFields.at)
	if err != nil {
		return err
	}
	if at == "" {
		return lineError(p.file, line, "at", "the event has no time; add \"at\": \"2023-02-14T10:29:00Z\".")
	}
	_, text, err := get(jsonFields.text)
	if err != nil {
		return err
	}
	_, actor, err := get(jsonFields.actor)
	if err != nil {
		return err
	}
	_, kind, err := get(jsonFields.kind)
	if err != nil {
		return err
	}
	_, starred, err := get(jsonFields.starred)
	if err != nil {
		return err
	}
	_, lifecycle, err := get(jsonFields.lifecycle)
	if err != nil {
		return err
	}
	_, zoneName, err := get(jsonFields.zone)
	if err != nil {
		return err
	}
	_, alert, err := get(jsonFields.alert)
	if err != nil {
		return err
	}
	zone := p.opt.Zone
	if zoneName != "" {
		loc, ok := lookupZone(zoneName)
		if !ok {
			return lineError(p.file, line, "zone", "unknown time zone %q; use an IANA name like Europe/Berlin or an offset like +01:00.", zoneName)
		}
		zone = loc
	}
	cells := []string{at, text, actor, kind, starred, lifecycle, alert}
	cols := columns{time: 0, date: -1, text: 1, actor: 2, kind: 3, starred: 4, lifecycle: 5, alert: 6}
	e, err := rowEvent(cells, cols, zone, &p.rc, p.opt, p.file, line)
	if err != nil {
		return err
	}
	if err := finishEvent(e, p.ids, p.file, line); err != nil {
		return err
	}
	p.events = append(p.events, e)
	return nil
}

func (p *jsonTimeline) decodeError(err error, at int64) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		at = se.Offset
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		at = te.Offset
		return lineError(p.file, p.lines.line(at), "file", "expected an event object, got %s.", te.Value)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return lineError(p.file, p.lines.line(at), "file", "the JSON ends too early; a bracket or brace is not closed.")
	}
	return lineError(p.file, p.lines.line(at), "file", "%s.", jsonReason(err))
}

// jsonReason turns a decoding error into a sentence without Go type names.
func jsonReason(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("expected an event object, got %s", te.Value)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the JSON ends too early; a bracket or brace is not closed"
	}
	s := strings.TrimPrefix(err.Error(), "json: ")
	return "the line is not valid JSON (" + s + ")"
}

// lineIndex turns byte offsets into 1-based line numbers.
type lineIndex []int64

func newLineIndex(data []byte) lineIndex {
	idx := lineIndex{0}
	for i, b := range data {
		if b == '\n' {
			idx = append(idx, int64(i+1))
		}
	}
	return idx
}

func (x lineIndex) line(off int64) int {
	return sort.Search(len(x), func(i int) bool { return x[i] > off })
}

func skipSpaceComma(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',':
			off++
			continue
		}
		break
	}
	return off
}
