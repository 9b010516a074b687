package web

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// The request bodies below are the API's own types rather than the domain
// types, so that a client cannot set what the server owns (id, key,
// version, created_by, timestamps of bookkeeping) and so that every field
// that fails to decode is named in the error.

// apiTime is an RFC 3339 time in a request. A bad value decodes to a
// json.UnmarshalTypeError, which encoding/json fills with the field's path.
type apiTime struct{ time.Time }

func (t *apiTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) < 2 || b[0] != '"' {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: timeType}
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: "string", Type: timeType}
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string", Type: timeType}
	}
	t.Time = v
	return nil
}

func (t *apiTime) ptr() *time.Time {
	if t == nil {
		return nil
	}
	v := t.Time
	return &v
}

// apiDate is a due date: "2024-03-05" or a full RFC 3339 time.
type apiDate struct{ time.Time }

func (d *apiDate) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if len(b) < 2 || b[0] != '"' || json.Unmarshal(b, &s) != nil {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: dateType}
	}
	if v, err := time.Parse(time.DateOnly, s); err == nil {
		d.Time = v
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string", Type: dateType}
	}
	d.Time = v
	return nil
}

func (d *apiDate) ptr() *time.Time {
	if d == nil {
		return nil
	}
	v := d.Time
	return &v
}

// incidentRef is an incident named by ID (42) or key ("INC-42").
type incidentRef int64

func (r *incidentRef) UnmarshalJSON(b []byte) error {
	id, err := unmarshalRef(b, debrief.IncidentKeyPrefix)
	if err != nil {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: incidentRefType}
	}
	*r = incidentRef(id)
	return nil
}

// postmortemRef is a postmortem named by ID (7) or key ("PM-7").
type postmortemRef int64

func (r *postmortemRef) UnmarshalJSON(b []byte) error {
	id, err := unmarshalRef(b, debrief.PostmortemKeyPrefix)
	if err != nil {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: postmortemRefType}
	}
	*r = postmortemRef(id)
	return nil
}

func unmarshalRef(b []byte, prefix string) (int64, error) {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, err
		}
		return debrief.ParseRef(s, prefix)
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || id <= 0 {
		return 0, debrief.Errorf(debrief.EInvalid, "", "not an id")
	}
	return id, nil
}

func refPtr[T ~int64](r *T) *int64 {
	if r == nil {
		return nil
	}
	v := int64(*r)
	return &v
}

// jsonKind names the kind of a raw JSON value, for type errors.
func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// incidentCreate is the body of POST /incidents.
type incidentCreate struct {
	Title          string                 `json:"title"`
	Severity       string                 `json:"severity"`
	Status         debrief.IncidentStatus `json:"status"`
	Services       []string               `json:"services"`
	Customers      []string               `json:"customers"`
	Impact         string                 `json:"impact"`
	Labels         []string               `json:"labels"`
	Roles          debrief.Roles          `json:"roles"`
	StartedAt      *apiTime               `json:"started_at"`
	DetectedAt     *apiTime               `json:"detected_at"`
	AcknowledgedAt *apiTime               `json:"acknowledged_at"`
	MitigatedAt    *apiTime               `json:"mitigated_at"`
	ResolvedAt     *apiTime               `json:"resolved_at"`
	Private        bool                   `json:"private"`
	Members        []string               `json:"members"`
	RepeatOf       *incidentRef           `json:"repeat_of"`
}

func (in *incidentCreate) incident() *debrief.Incident {
	inc := &debrief.Incident{
		Title: in.Title, Severity: in.Severity, Status: in.Status,
		Services: in.Services, Customers: in.Customers, Impact: in.Impact, Labels: in.Labels,
		Roles: in.Roles, DetectedAt: in.DetectedAt.ptr(), AcknowledgedAt: in.AcknowledgedAt.ptr(),
		MitigatedAt: in.MitigatedAt.ptr(), ResolvedAt: in.ResolvedAt.ptr(),
		Private: in.Private, Members: in.Members, RepeatOf: refPtr(in.RepeatOf),
	}
	if in.StartedAt != nil {
		inc.StartedAt = in.StartedAt.Time
	}
	return inc
}

// incidentPatch is the body of PATCH /incidents/{id}.
type incidentPatch struct {
	Title          *string                 `json:"title"`
	Severity       *string                 `json:"severity"`
	Status         *debrief.IncidentStatus `json:"status"`
	Services       *[]string               `json:"services"`
	Customers      *[]string               `json:"customers"`
	Impact         *string                 `json:"impact"`
	Labels         *[]string               `json:"labels"`
	Roles          *debrief.Roles          `json:"roles"`
	StartedAt      *apiTime                `json:"started_at"`
	DetectedAt     *apiTime                `json:"detected_at"`
	AcknowledgedAt *apiTime                `json:"acknowledged_at"`
	MitigatedAt    *apiTime                `json:"mitigated_at"`
	ResolvedAt     *apiTime                `json:"resolved_at"`
	Private        *bool                   `json:"private"`
	Members        *[]string               `json:"members"`
	RepeatOf       *incidentRef            `json:"repeat_of"`
	Clear          []string                `json:"clear"`
	Version        *int                    `json:"version"`
}

func (p *incidentPatch) patch() debrief.IncidentPatch {
	return debrief.IncidentPatch{
		Title: p.Title, Severity: p.Severity, Status: p.Status, Services: p.Services,
		Customers: p.Customers, Impact: p.Impact, Labels: p.Labels, Roles: p.Roles,
		StartedAt: p.StartedAt.ptr(), DetectedAt: p.DetectedAt.ptr(), AcknowledgedAt: p.AcknowledgedAt.ptr(),
		MitigatedAt: p.MitigatedAt.ptr(), ResolvedAt: p.ResolvedAt.ptr(), Private: p.Private,
		Members: p.Members, RepeatOf: refPtr(p.RepeatOf), Clear: p.Clear,
	}
}

// versionBody is the optional body of a DELETE.
type versionBody struct {
	Version *int `json:"version"`
}

// incidentJSON is an incident as the API shows it: the record plus its
// derived durations, so clients need not compute them.
type incidentJSON struct {
	*debrief.Incident
	Durations debrief.Durations `json:"durations"`
}

func incidentView(inc *debrief.Incident) incidentJSON {
	return incidentJSON{Incident: inc, Durations: inc.Durations()}
}

// eventCreate is one timeline event in POST /incidents/{id}/timeline.
type eventCreate struct {
	At         apiTime             `json:"at"`
	Zone       string              `json:"zone"`
	Source     debrief.EventSource `json:"source"`
	Kind       debrief.EventKind   `json:"kind"`
	Text       string              `json:"text"`
	Actor      string              `json:"actor"`
	ExternalID string              `json:"external_id"`
	Alert      string              `json:"alert"`
	Starred    bool                `json:"starred"`
	Lifecycle  debrief.Lifecycle   `json:"lifecycle"`
}

func (e *eventCreate) event() *debrief.TimelineEvent {
	return &debrief.TimelineEvent{
		At: e.At.Time, Zone: e.Zone, Source: e.Source, Kind: e.Kind, Text: e.Text,
		Actor: e.Actor, ExternalID: e.ExternalID, Alert: e.Alert, Starred: e.Starred, Lifecycle: e.Lifecycle,
	}
}

// eventsCreate is the bulk form of POST /incidents/{id}/timeline.
type eventsCreate struct {
	Events []eventCreate `json:"events"`
	// SetLifecycle lets lifecycle tags overwrite incident times already set.
	SetLifecycle bool `json:"set_lifecycle"`
	// SuggestOnly keeps lifecycle tags from changing the incident at all.
	SuggestOnly bool `json:"suggest_only"`
}

// eventPatch is the body of PATCH /incidents/{id}/timeline/{event}.
type eventPatch struct {
	At        *apiTime           `json:"at"`
	Kind      *debrief.EventKind `json:"kind"`
	Text      *string            `json:"text"`
	Actor     *string            `json:"actor"`
	Starred   *bool              `json:"starred"`
	Lifecycle *debrief.Lifecycle `json:"lifecycle"`
	Version   *int               `json:"version"`
}

func (p *eventPatch) patch() debrief.TimelineEventPatch {
	return debrief.TimelineEventPatch{At: p.At.ptr(), Kind: p.Kind, Text: p.Text, Actor: p.Actor, Starred: p.Starred, Lifecycle: p.Lifecycle}
}

// projectInput holds the project details of a project postmortem.
type projectInput struct {
	LiveFrom  *apiTime           `json:"live_from"`
	LiveUntil *apiTime           `json:"live_until"`
	Feedback  []debrief.Feedback `json:"feedback"`
}

func (p *projectInput) project() *debrief.Project {
	if p == nil {
		return nil
	}
	return &debrief.Project{LiveFrom: p.LiveFrom.ptr(), LiveUntil: p.LiveUntil.ptr(), Feedback: p.Feedback}
}

// postmortemCreate is the body of POST /postmortems.
type postmortemCreate struct {
	IncidentID *incidentRef  `json:"incident_id"`
	Template   string        `json:"template"`
	Title      string        `json:"title"`
	Owner      string        `json:"owner"`
	Project    *projectInput `json:"project"`
}

// postmortemPatch is the body of PATCH /postmortems/{id}.
type postmortemPatch struct {
	Title               *string                   `json:"title"`
	Owner               *string                   `json:"owner"`
	Status              *debrief.PostmortemStatus `json:"status"`
	Sections            *[]debrief.Section        `json:"sections"`
	SectionBodies       map[string]string         `json:"section_bodies"`
	RootCause           *string                   `json:"root_cause"`
	ContributingFactors *[]string                 `json:"contributing_factors"`
	Lessons             *debrief.Lessons          `json:"lessons"`
	Project             *projectInput             `json:"project"`
	Version             *int                      `json:"version"`
}

func (p *postmortemPatch) patch() debrief.PostmortemPatch {
	return debrief.PostmortemPatch{
		Title: p.Title, Owner: p.Owner, Status: p.Status, Sections: p.Sections,
		SectionBodies: p.SectionBodies, RootCause: p.RootCause, ContributingFactors: p.ContributingFactors,
		Lessons: p.Lessons, Project: p.Project.project(),
	}
}

// sectionPatch is the body of PATCH /postmortems/{id}/sections/{key}.
type sectionPatch struct {
	Body    *string `json:"body"`
	Heading *string `json:"heading"`
	// BaseVersion is the section's version the writer started from.
	BaseVersion *int `json:"base_version"`
	// Version is the postmortem's version, the base before sections had
	// versions of their own; still accepted.
	Version *int `json:"version"`
}

// sectionsJSON is the answer of GET /postmortems/{id}/sections; Version is
// the postmortem's, which a section change must name.
type sectionsJSON struct {
	Items   []debrief.Section `json:"items"`
	Version int               `json:"version"`
}

// actionItemCreate is the body of POST /action-items.
type actionItemCreate struct {
	IncidentID     *incidentRef         `json:"incident_id"`
	PostmortemID   *postmortemRef       `json:"postmortem_id"`
	Title          string               `json:"title"`
	Owner          string               `json:"owner"`
	DueDate        *apiDate             `json:"due_date"`
	Priority       debrief.Priority     `json:"priority"`
	Type           debrief.ActionType   `json:"type"`
	Status         debrief.ActionStatus `json:"status"`
	TrackerURL     string               `json:"tracker_url"`
	VerifyRequired bool                 `json:"verify_required"`
	Verification   string               `json:"verification"`
}

func (in *actionItemCreate) item() *debrief.ActionItem {
	return &debrief.ActionItem{
		IncidentID: refPtr(in.IncidentID), PostmortemID: refPtr(in.PostmortemID),
		Title: in.Title, Owner: in.Owner, DueDate: in.DueDate.ptr(), Priority: in.Priority,
		Type: in.Type, Status: in.Status, TrackerURL: in.TrackerURL,
		VerifyRequired: in.VerifyRequired, Verification: in.Verification,
	}
}

// actionItemPatch is the body of PATCH /action-items/{id}.
type actionItemPatch struct {
	Title          *string               `json:"title"`
	Owner          *string               `json:"owner"`
	DueDate        *apiDate              `json:"due_date"`
	Priority       *debrief.Priority     `json:"priority"`
	Type           *debrief.ActionType   `json:"type"`
	Status         *debrief.ActionStatus `json:"status"`
	TrackerURL     *string               `json:"tracker_url"`
	VerifyRequired *bool                 `json:"verify_required"`
	Verification   *string               `json:"verification"`
	Clear          []string              `json:"clear"`
	Version        *int                  `json:"version"`
}

func (p *actionItemPatch) patch() debrief.ActionItemPatch {
	return debrief.ActionItemPatch{
		Title: p.Title, Owner: p.Owner, DueDate: p.DueDate.ptr(), Priority: p.Priority,
		Type: p.Type, Status: p.Status, TrackerURL: p.TrackerURL, Clear: p.Clear,
		VerifyRequired: p.VerifyRequired, Verification: p.Verification,
	}
}

// timelineAdded is the answer of POST /incidents/{id}/timeline.
type timelineAdded struct {
	Added  int                      `json:"added"`
	Events []*debrief.TimelineEvent `json:"events"`
}
