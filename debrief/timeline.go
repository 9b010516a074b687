package debrief

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// EventSource says where a timeline event came from.
type EventSource string

const (
	SourceManual       EventSource = "manual"
	SourceAlertmanager EventSource = "alertmanager"
	SourcePagerDuty    EventSource = "pagerduty"
	SourceGrafana      EventSource = "grafana"
	SourceOpsgenie     EventSource = "opsgenie"
	SourceSlack        EventSource = "slack"
	SourceDeploy       EventSource = "deploy"
	SourceAPI          EventSource = "api"
)

// EventSources lists every source.
var EventSources = []EventSource{SourceManual, SourceAlertmanager, SourcePagerDuty, SourceGrafana, SourceOpsgenie, SourceSlack, SourceDeploy, SourceAPI}

// Valid reports whether s is a known source.
func (s EventSource) Valid() bool {
	for _, v := range EventSources {
		if s == v {
			return true
		}
	}
	return false
}

// EventKind says what a timeline event records.
type EventKind string

const (
	KindAlert         EventKind = "alert"
	KindDetection     EventKind = "detection"
	KindAction        EventKind = "action"
	KindDecision      EventKind = "decision"
	KindCommunication EventKind = "communication"
	KindMitigation    EventKind = "mitigation"
	KindResolution    EventKind = "resolution"
	KindNote          EventKind = "note"
)

// EventKinds lists every kind.
var EventKinds = []EventKind{KindAlert, KindDetection, KindAction, KindDecision, KindCommunication, KindMitigation, KindResolution, KindNote}

// Valid reports whether k is a known kind.
func (k EventKind) Valid() bool {
	for _, v := range EventKinds {
		if k == v {
			return true
		}
	}
	return false
}

// TimelineEvent is one significant moment of an incident.
type TimelineEvent struct {
	ID         int64 `json:"id"`
	IncidentID int64 `json:"incident_id"`
	// At is stored in UTC; Zone keeps the zone the source gave (an IANA name
	// or an offset like "+02:00") so the original wall time can be shown.
	At     time.Time   `json:"at"`
	Zone   string      `json:"zone,omitempty"`
	Source EventSource `json:"source"`
	Kind   EventKind   `json:"kind"`
	Text   string      `json:"text"`
	Actor  string      `json:"actor,omitempty"`
	// ExternalID identifies the event at its source; an event whose
	// (incident, source, external id) already exists is not added again, so
	// redelivered webhooks and re-run imports create no duplicates.
	ExternalID string `json:"external_id,omitempty"`
	// Alert names the alert the event is about (an Alertmanager alertname,
	// a PagerDuty or Opsgenie title), set by whatever ingested it, so
	// similar incidents compare alerts by name instead of reading it back
	// out of the event's English text. Empty for events not about an alert.
	Alert     string    `json:"alert,omitempty"`
	Starred   bool      `json:"starred"`
	Lifecycle Lifecycle `json:"lifecycle,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	Version   int       `json:"version"`
}

// LocalTime returns At in the event's original zone when it is known.
func (e *TimelineEvent) LocalTime() time.Time {
	if e.Zone == "" || e.Zone == "UTC" {
		return e.At.UTC()
	}
	if loc, err := time.LoadLocation(e.Zone); err == nil {
		return e.At.In(loc)
	}
	if t, err := time.Parse("-07:00", e.Zone); err == nil {
		_, off := t.Zone()
		return e.At.In(time.FixedZone(e.Zone, off))
	}
	return e.At.UTC()
}

// Validate checks an event and normalises its time to UTC, keeping the zone.
func (e *TimelineEvent) Validate() error {
	if err := CheckStrings(e); err != nil {
		return err
	}
	if e.At.IsZero() {
		return Errorf(EInvalid, "at", "The event time is required (RFC 3339, e.g. 2024-03-05T14:02:00+01:00).")
	}
	if e.Zone == "" {
		e.Zone = ZoneName(e.At)
	}
	e.At = e.At.UTC()
	if e.Source == "" {
		e.Source = SourceManual
	}
	if !e.Source.Valid() {
		return Errorf(EInvalid, "source", "Unknown source %q.", e.Source)
	}
	if e.Kind == "" {
		e.Kind = KindNote
	}
	if !e.Kind.Valid() {
		return Errorf(EInvalid, "kind", "Unknown kind %q; use alert, detection, action, decision, communication, mitigation, resolution or note.", e.Kind)
	}
	e.Text = strings.TrimSpace(e.Text)
	if e.Text == "" {
		return Errorf(EInvalid, "text", "The event text is required.")
	}
	if len(e.Text) > MaxEventTextLen {
		return Errorf(EInvalid, "text", "The event text is too long (%d bytes; at most %d).", len(e.Text), MaxEventTextLen)
	}
	if len(e.ExternalID) > 500 {
		return Errorf(EInvalid, "external_id", "The external id is too long (at most 500 characters).")
	}
	e.Alert = strings.TrimSpace(e.Alert)
	if len(e.Actor) > MaxListItemLen {
		return Errorf(EInvalid, "actor", "The actor is too long (at most %d characters).", MaxListItemLen)
	}
	if !e.Lifecycle.Valid() {
		return Errorf(EInvalid, "lifecycle", "Unknown lifecycle tag %q; use started, detected, acknowledged, mitigated or resolved.", e.Lifecycle)
	}
	return nil
}

// ZoneName names t's zone: the IANA name when t carries one, else its offset.
func ZoneName(t time.Time) string {
	name := t.Location().String()
	if name != "" && name != "Local" && t.Location() != time.UTC && !strings.HasPrefix(name, "+") && !strings.HasPrefix(name, "-") && name != "" {
		if _, err := time.LoadLocation(name); err == nil {
			return name
		}
	}
	if t.Location() == time.UTC {
		return "UTC"
	}
	return t.Format("-07:00")
}

// TimelineFilter selects timeline events. Events are listed by time, oldest first.
type TimelineFilter struct {
	Starred bool
	Source  EventSource
	Kind    EventKind
}

// MaxTimelineBatch bounds how many events one bulk add may carry.
const MaxTimelineBatch = 5000

// DefaultTimelinePageSize is how many events a page of a timeline holds
// when the caller names no limit: the most a page may hold, so the
// timelines of most incidents still come back in one answer, as they did
// before timelines were paged; a longer one says so with a cursor.
const DefaultTimelinePageSize = MaxPageSize

// TimelineSummary describes an incident's whole timeline, whichever page
// of it is shown: how many events it has, how many are starred, and when
// the first and the last happened (zero when it has none), which decide
// whether a page shows dates.
type TimelineSummary struct {
	Events  int       `json:"events"`
	Starred int       `json:"starred"`
	First   time.Time `json:"first,omitempty"`
	Last    time.Time `json:"last,omitempty"`
}

// TimelineCursor returns the cursor that continues a timeline after e:
// its time in Unix microseconds and its ID ("micros_id"), the timeline's
// order (oldest first, ties by ID).
func TimelineCursor(e *TimelineEvent) string {
	return strconv.FormatInt(e.At.UnixMicro(), 10) + "_" + strconv.FormatInt(e.ID, 10)
}

// TimelineCursorBefore returns the cursor whose page starts with e: the
// place just before e in the timeline's order, so a link can show the
// page that holds an event.
func TimelineCursorBefore(e *TimelineEvent) string {
	if e.ID > 1 {
		return strconv.FormatInt(e.At.UnixMicro(), 10) + "_" + strconv.FormatInt(e.ID-1, 10)
	}
	// No event comes after this one at the microsecond before e.
	return strconv.FormatInt(e.At.UnixMicro()-1, 10) + "_" + strconv.FormatInt(math.MaxInt64, 10)
}

// DecodeTimelineCursor parses a cursor made by TimelineCursor; "" means
// the first page (zero time and ID). Anything else is EInvalid naming
// after.
func DecodeTimelineCursor(c string) (at time.Time, id int64, err error) {
	if c == "" {
		return time.Time{}, 0, nil
	}
	micros, idText, ok := strings.Cut(c, "_")
	m, err1 := strconv.ParseInt(micros, 10, 64)
	id, err2 := strconv.ParseInt(idText, 10, 64)
	if !ok || err1 != nil || err2 != nil || id <= 0 {
		return time.Time{}, 0, badCursor(c)
	}
	return time.UnixMicro(m).UTC(), id, nil
}
