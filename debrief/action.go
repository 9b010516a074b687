package debrief

import (
	"net/url"
	"strings"
	"time"
)

// ActionType says how an action item keeps the incident from recurring.
type ActionType string

const (
	ActionPrevent     ActionType = "prevent"
	ActionDetect      ActionType = "detect"
	ActionMitigate    ActionType = "mitigate"
	ActionProcess     ActionType = "process"
	ActionInvestigate ActionType = "investigate"
)

// Valid reports whether t is a known type.
func (t ActionType) Valid() bool {
	switch t {
	case ActionPrevent, ActionDetect, ActionMitigate, ActionProcess, ActionInvestigate:
		return true
	}
	return false
}

// ActionStatus is the state of an action item.
type ActionStatus string

const (
	ActionOpen       ActionStatus = "open"
	ActionInProgress ActionStatus = "in_progress"
	ActionDone       ActionStatus = "done"
	ActionWontDo     ActionStatus = "wont_do"
)

// Valid reports whether s is a known status.
func (s ActionStatus) Valid() bool {
	switch s {
	case ActionOpen, ActionInProgress, ActionDone, ActionWontDo:
		return true
	}
	return false
}

// Closed reports whether no more work is expected.
func (s ActionStatus) Closed() bool { return s == ActionDone || s == ActionWontDo }

// Priority of an action item: P1 is the most urgent.
type Priority string

const (
	PriorityP1 Priority = "P1"
	PriorityP2 Priority = "P2"
	PriorityP3 Priority = "P3"
	PriorityP4 Priority = "P4"
)

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool {
	return p == PriorityP1 || p == PriorityP2 || p == PriorityP3 || p == PriorityP4
}

// ActionItemKeyPrefix prefixes the human key of every action item.
const ActionItemKeyPrefix = "AI-"

// ActionItem is a change the team commits to so the incident does not recur.
type ActionItem struct {
	ID           int64        `json:"id"`
	Key          string       `json:"key"`
	IncidentID   *int64       `json:"incident_id,omitempty"`
	PostmortemID *int64       `json:"postmortem_id,omitempty"`
	Title        string       `json:"title"`
	Owner        string       `json:"owner"`
	DueDate      *time.Time   `json:"due_date,omitempty"` // a date: midnight UTC
	Priority     Priority     `json:"priority"`
	Type         ActionType   `json:"type"`
	Status       ActionStatus `json:"status"`
	TrackerURL   string       `json:"tracker_url,omitempty"`
	// VerifyRequired makes marking the item done need a Verification,
	// whatever the template's policy says (TemplatePolicy.VerifyFor).
	VerifyRequired bool `json:"verify_required"`
	// Verification is the note or link showing that the fix shipped.
	Verification string     `json:"verification,omitempty"`
	CompletedAt  *time.Time `json:"completed_at,omitempty"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Version      int        `json:"version"`
}

// Overdue reports whether the item is open past its due date at now.
func (a *ActionItem) Overdue(now time.Time) bool {
	return !a.Status.Closed() && a.DueDate != nil && now.After(a.DueDate.Add(24*time.Hour))
}

// Validate checks the rules that hold for every action item.
func (a *ActionItem) Validate() error {
	if err := CheckStrings(a); err != nil {
		return err
	}
	a.Title = strings.TrimSpace(a.Title)
	if a.Title == "" {
		return Errorf(EInvalid, "title", "The title is required: start with a verb and say what changes, e.g. 'Add an alert on checkout error rate above 2%%'.")
	}
	if len(a.Title) > MaxTitleLen {
		return Errorf(EInvalid, "title", "The title is too long (at most %d characters).", MaxTitleLen)
	}
	if a.IncidentID == nil && a.PostmortemID == nil {
		return Errorf(EInvalid, "incident_id", "An action item belongs to an incident or a postmortem; give incident_id or postmortem_id.")
	}
	if !a.Priority.Valid() {
		return Errorf(EInvalid, "priority", "Unknown priority %q; use P1, P2, P3 or P4.", a.Priority)
	}
	if !a.Type.Valid() {
		return Errorf(EInvalid, "type", "Unknown type %q; use prevent, detect, mitigate, process or investigate.", a.Type)
	}
	if !a.Status.Valid() {
		return Errorf(EInvalid, "status", "Unknown status %q; use open, in_progress, done or wont_do.", a.Status)
	}
	if len(a.Owner) > MaxListItemLen {
		return Errorf(EInvalid, "owner", "The owner is too long.")
	}
	if a.TrackerURL != "" {
		u, err := url.Parse(a.TrackerURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Errorf(EInvalid, "tracker_url", "The tracker link must be an http(s) URL.")
		}
	}
	a.Verification = strings.TrimSpace(a.Verification)
	if a.DueDate != nil {
		d := a.DueDate.UTC()
		d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
		a.DueDate = &d
	}
	return nil
}

// ActionItemFilter selects action items.
type ActionItemFilter struct {
	Status       []ActionStatus
	Owner        string
	IncidentID   *int64
	PostmortemID *int64
	// DueBefore selects items due before this time.
	DueBefore *time.Time
	Limit     int
	After     string
}
