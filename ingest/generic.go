package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// GenericMapping says where a generic JSON webhook keeps the fields Debrief
// needs. Each is a path of object keys and array indexes separated by dots,
// such as "alert.labels.severity" or "items.0.title".
type GenericMapping struct {
	// Items, when set, is the path of an array: each element is one alert and
	// the other paths are taken inside it. Empty means the body is one alert.
	Items string `json:"items,omitempty"`
	// Title is required.
	Title string `json:"title"`
	// Time is when the alert fired (or resolved): an RFC 3339 string or a
	// Unix time in seconds, milliseconds or nanoseconds. Without it the
	// delivery's arrival time is used, and a redelivery cannot be recognised.
	Time string `json:"time,omitempty"`
	// DedupKey groups alerts into one incident; the title when empty.
	DedupKey string `json:"dedup_key,omitempty"`
	Severity string `json:"severity,omitempty"`
	Service  string `json:"service,omitempty"`
	// Status is the field whose value says the alert resolved; without it
	// every alert is firing.
	Status string `json:"status,omitempty"`
	// ResolvedValues are the Status values that mean resolved (compared
	// without regard to case); default resolved, ok, closed, recovered.
	ResolvedValues []string `json:"resolved_values,omitempty"`
	URL            string   `json:"url,omitempty"`
}

// DefaultResolvedValues are the status values read as resolved when a
// mapping lists none.
var DefaultResolvedValues = []string{"resolved", "ok", "closed", "recovered"}

// Validate checks that the mapping can be used.
func (m *GenericMapping) Validate() error {
	if strings.TrimSpace(m.Title) == "" {
		return payloadError("mapping.title", "The mapping needs a title path, e.g. \"alert.summary\".")
	}
	for name, p := range map[string]string{"items": m.Items, "title": m.Title, "time": m.Time, "dedup_key": m.DedupKey,
		"severity": m.Severity, "service": m.Service, "status": m.Status, "url": m.URL} {
		if p == "" {
			continue
		}
		if len(p) > 500 {
			return payloadError("mapping."+name, "The %s path is too long (at most 500 characters).", name)
		}
		for _, seg := range strings.Split(p, ".") {
			if seg == "" {
				return payloadError("mapping."+name, "The %s path %q has an empty segment; separate keys with single dots, e.g. \"alert.title\".", name, p)
			}
		}
	}
	return nil
}

// ParseGeneric parses any JSON webhook body with mapping m. received is when
// the delivery arrived, used when the mapping names no time.
func ParseGeneric(m GenericMapping, body []byte, received time.Time) (*Batch, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, payloadError("", "The request body is empty; send the JSON payload.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, payloadJSONError(err)
	}
	if dec.More() {
		return nil, payloadError("", "The body holds more than one JSON value.")
	}
	items := []any{doc}
	if m.Items != "" {
		v, ok := lookupPath(doc, m.Items)
		arr, isArr := v.([]any)
		if !ok || !isArr {
			return nil, payloadError(m.Items, "The body has no array at %q (the mapping's items path).", m.Items)
		}
		items = arr
	}
	if len(items) == 0 {
		return nil, payloadError(m.Items, "The body has no alerts at %q.", m.Items)
	}
	if len(items) > maxAlertsPer {
		return nil, payloadError(m.Items, "The body has %d alerts; at most %d are accepted per delivery.", len(items), maxAlertsPer)
	}
	resolved := m.ResolvedValues
	if len(resolved) == 0 {
		resolved = DefaultResolvedValues
	}
	b := &Batch{Source: debrief.SourceAPI}
	for i, it := range items {
		a, err := m.alert(it, i, resolved, received)
		if err != nil {
			b.reject(i, err)
			continue
		}
		a.Index = i
		b.Alerts = append(b.Alerts, a)
	}
	return b.settle()
}

// alert maps item i of a delivery to an alert.
func (m *GenericMapping) alert(it any, i int, resolved []string, received time.Time) (Alert, error) {
	where := func(path string) string {
		if m.Items == "" {
			return path
		}
		return fmt.Sprintf("%s.%d.%s", m.Items, i, path)
	}
	title := cleanText(scalarAt(it, m.Title), maxTitleLen)
	if title == "" {
		return Alert{}, payloadError(where(m.Title), "Alert %d has no title at %q.", i+1, m.Title)
	}
	at := received.UTC()
	if m.Time != "" {
		if v, ok := lookupPath(it, m.Time); ok && v != nil {
			t, err := mappedTime(v)
			if err != nil {
				return Alert{}, payloadError(where(m.Time), "Alert %d has a time at %q that Debrief cannot read: %s.", i+1, m.Time, err)
			}
			at = t
		}
	}
	if at.IsZero() {
		return Alert{}, payloadError(where(m.Time), "Alert %d has no time.", i+1)
	}
	dedup := cleanText(firstText(scalarAt(it, m.DedupKey), title), 500)
	status := AlertFiring
	if m.Status != "" {
		s := strings.TrimSpace(scalarAt(it, m.Status))
		for _, r := range resolved {
			if strings.EqualFold(s, r) {
				status = AlertResolved
			}
		}
	}
	a := Alert{
		Source:      debrief.SourceAPI,
		GroupKey:    dedup,
		Fingerprint: dedup,
		Status:      status,
		Title:       title,
		Severity:    cleanText(scalarAt(it, m.Severity), maxLabelLen),
		Service:     cleanText(scalarAt(it, m.Service), maxLabelLen),
		StartsAt:    at,
		URL:         cleanText(scalarAt(it, m.URL), 2000),
	}
	e := Event{At: at, Kind: debrief.KindAlert}
	if status == AlertResolved {
		a.EndsAt = at
		e.Text = "Alert resolved: " + title
		e.ExternalID = eventID("generic", dedup, stampNano(at), "resolved")
	} else {
		e.Text = "Alert fired: " + title
		e.ExternalID = eventID("generic", dedup, stampNano(at), "fired")
		e.Lifecycle = debrief.LifecycleDetected
	}
	a.Events = []Event{e}
	a.nameEvents(title)
	return a, nil
}

// lookup follows a dotted path through decoded JSON.
func lookupPath(v any, path string) (any, bool) {
	if path == "" {
		return nil, false
	}
	for _, seg := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			next, ok := x[seg]
			if !ok {
				return nil, false
			}
			v = next
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// scalar returns the value at path as text: strings as they are, numbers
// and booleans in their JSON form, anything else as "".
func scalarAt(v any, path string) string {
	x, ok := lookupPath(v, path)
	if !ok {
		return ""
	}
	switch s := x.(type) {
	case string:
		return s
	case json.Number:
		return s.String()
	case bool:
		return strconv.FormatBool(s)
	}
	return ""
}

// anyTime reads an RFC 3339 string or a Unix time whose unit is told by its
// size: seconds until the year 5138, then milliseconds, then nanoseconds.
func mappedTime(v any) (time.Time, error) {
	var n json.Number
	switch x := v.(type) {
	case string:
		if t, err := parseRFC3339(x); err == nil {
			return t, nil
		}
		n = json.Number(strings.TrimSpace(x))
	case json.Number:
		n = x
	default:
		return time.Time{}, reasonError("it is neither a string nor a number")
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		switch {
		case i <= 0:
			return time.Time{}, reasonError("a Unix time must be positive")
		case i < 1e11:
			return time.Unix(i, 0).UTC(), nil
		case i < 1e14:
			return time.UnixMilli(i).UTC(), nil
		case i < 1e17:
			return time.UnixMicro(i).UTC(), nil
		default:
			return time.Unix(0, i).UTC(), nil
		}
	}
	if f, err := strconv.ParseFloat(string(n), 64); err == nil && f > 0 && f < 1e11 {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC().Truncate(time.Microsecond), nil
	}
	return time.Time{}, reasonError(cleanText(string(n), 40) + " is neither RFC 3339 nor a Unix time")
}

// CheckIntegrationConfig checks what only the parsers know of an
// integration's config: a generic integration's mapping. main gives it to
// the Service (debrief.WithChecks), so the API and the CLI refuse a bad
// mapping alike.
func CheckIntegrationConfig(kind debrief.IntegrationKind, c debrief.IntegrationConfig) error {
	if kind != debrief.IntegrationGeneric || len(c.Mapping) == 0 {
		return nil
	}
	var m GenericMapping
	if err := json.Unmarshal(c.Mapping, &m); err != nil {
		return debrief.Errorf(debrief.EInvalid, "config.mapping", "The mapping must be an object of field paths, e.g. {\"title\": \"alert.summary\", \"time\": \"alert.at\"}.")
	}
	return m.Validate()
}
