package debrief

import (
	"strings"
	"time"
)

// PostmortemStatus is where a postmortem is in its review.
type PostmortemStatus string

const (
	PostmortemDraft     PostmortemStatus = "draft"
	PostmortemInReview  PostmortemStatus = "in_review"
	PostmortemPublished PostmortemStatus = "published"
)

// Valid reports whether s is a known status.
func (s PostmortemStatus) Valid() bool {
	return s == PostmortemDraft || s == PostmortemInReview || s == PostmortemPublished
}

// PostmortemKind tells an incident postmortem from a project postmortem.
type PostmortemKind string

const (
	KindIncident PostmortemKind = "incident"
	KindProject  PostmortemKind = "project"
)

// PostmortemKeyPrefix prefixes the human key of every postmortem.
const PostmortemKeyPrefix = "PM-"

// Section is one part of a postmortem document.
type Section struct {
	Key      string `json:"key"`
	Heading  string `json:"heading"`
	Body     string `json:"body"` // Markdown
	Guidance string `json:"guidance,omitempty"`
	Required bool   `json:"required"`
	// Internal sections are left out of the public, customer-facing version.
	Internal bool `json:"internal,omitempty"`
	// Version is the postmortem version at which this section last changed,
	// so two people saving different sections never conflict (see
	// Service.UpdateSection). 0 means it has not changed since before
	// sections carried versions; the Service reads that as the postmortem's
	// version, the latest at which it can have changed.
	Version int `json:"version"`
}

// Lessons are what the team learned, in the three usual columns.
type Lessons struct {
	WentWell  []string `json:"went_well"`
	WentWrong []string `json:"went_wrong"`
	GotLucky  []string `json:"got_lucky"`
}

// Feedback is one team member's view, recorded for project postmortems so
// that everyone is heard, not only the loudest.
type Feedback struct {
	// Member is who gave it (their e-mail address); each person has at
	// most one entry and only they change it (Service.SetProjectFeedback).
	Member string `json:"member"`
	// Name is the member's display name when they wrote it.
	Name string `json:"name,omitempty"`
	Text string `json:"text"`
	// UpdatedAt is when the member last changed it.
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	// Version is the postmortem version at which the entry last changed,
	// so members saving their own entries never conflict with each other.
	Version int `json:"version,omitempty"`
}

// Project holds what only a project postmortem records.
type Project struct {
	LiveFrom  *time.Time `json:"live_from,omitempty"`
	LiveUntil *time.Time `json:"live_until,omitempty"`
	Feedback  []Feedback `json:"feedback"`
	// Metrics are the results against the goals, one row a metric.
	Metrics []Metric `json:"metrics,omitempty"`
	// DatesVersion and MetricsVersion are the postmortem versions at which
	// the dates and the metrics table last changed (0: never since it was
	// created), checked by the Service's project saves like a section's
	// version, so saving one part never conflicts with another.
	DatesVersion   int `json:"dates_version,omitempty"`
	MetricsVersion int `json:"metrics_version,omitempty"`
}

// Postmortem is the written analysis of an incident, or of a project when
// IncidentID is nil.
type Postmortem struct {
	ID         int64            `json:"id"`
	Key        string           `json:"key"` // PM-7, derived from ID
	IncidentID *int64           `json:"incident_id,omitempty"`
	Kind       PostmortemKind   `json:"kind"`
	Title      string           `json:"title"`
	Owner      string           `json:"owner"`
	Status     PostmortemStatus `json:"status"`
	// Template and TemplateVersion record what the sections were made from.
	Template            string    `json:"template"`
	TemplateVersion     int       `json:"template_version"`
	Sections            []Section `json:"sections"`
	RootCause           string    `json:"root_cause"`
	ContributingFactors []string  `json:"contributing_factors"`
	Lessons             Lessons   `json:"lessons"`
	Project             *Project  `json:"project,omitempty"`

	PublishedAt *time.Time `json:"published_at,omitempty"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	Version     int        `json:"version"`
}

// Section returns the section with key, or nil.
func (pm *Postmortem) Section(key string) *Section {
	for i := range pm.Sections {
		if pm.Sections[i].Key == key {
			return &pm.Sections[i]
		}
	}
	return nil
}

// MaxSections bounds the number of sections in one postmortem.
const MaxSections = 100

// Validate checks the rules that hold for every postmortem.
func (pm *Postmortem) Validate() error {
	if err := CheckStrings(pm); err != nil {
		return err
	}
	pm.Title = strings.TrimSpace(pm.Title)
	if pm.Title == "" {
		return Errorf(EInvalid, "title", "The title is required: say what broke, for whom and for how long.")
	}
	if len(pm.Title) > MaxTitleLen {
		return Errorf(EInvalid, "title", "The title is %d characters long; keep it under %d.", len(pm.Title), MaxTitleLen)
	}
	if !pm.Status.Valid() {
		return Errorf(EInvalid, "status", "Unknown status %q; use draft, in_review or published.", pm.Status)
	}
	switch pm.Kind {
	case KindIncident:
		if pm.IncidentID == nil {
			return Errorf(EInvalid, "incident_id", "An incident postmortem needs the incident it is about.")
		}
	case KindProject:
		if pm.IncidentID != nil {
			return Errorf(EInvalid, "incident_id", "A project postmortem does not belong to an incident; use the incident template instead.")
		}
	default:
		return Errorf(EInvalid, "kind", "Unknown kind %q; use incident or project.", pm.Kind)
	}
	if len(pm.Sections) > MaxSections {
		return Errorf(EInvalid, "sections", "At most %d sections are allowed.", MaxSections)
	}
	seen := map[string]bool{}
	for i := range pm.Sections {
		s := &pm.Sections[i]
		s.Key = strings.TrimSpace(s.Key)
		if !validKey(s.Key) {
			return Errorf(EInvalid, "sections", "Section key %q must be 1 to 64 lowercase letters, digits, '-' or '_'.", truncate(s.Key, 70))
		}
		if seen[s.Key] {
			return Errorf(EInvalid, "sections", "Section key %q appears twice.", s.Key)
		}
		seen[s.Key] = true
		if strings.TrimSpace(s.Heading) == "" {
			return Errorf(EInvalid, "sections", "Section %q needs a heading.", s.Key)
		}
		if len(s.Body) > MaxTextLen {
			return Errorf(EInvalid, "sections", "Section %q is too long (%d bytes; at most %d).", s.Key, len(s.Body), MaxTextLen)
		}
	}
	if len(pm.RootCause) > MaxTextLen {
		return Errorf(EInvalid, "root_cause", "The root cause is too long.")
	}
	var err error
	if pm.ContributingFactors, err = cleanList("contributing_factors", pm.ContributingFactors); err != nil {
		return err
	}
	if pm.Project != nil {
		return pm.Project.validate()
	}
	return nil
}

func validKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// PostmortemFilter selects postmortems for a list.
type PostmortemFilter struct {
	Status     []PostmortemStatus
	Kind       PostmortemKind
	IncidentID *int64
	Owner      string
	// From and To bound CreatedAt.
	From, To *time.Time
	Limit    int
	After    string
}
