package debrief

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// IncidentStatus is where an incident is in its life. The usual path is
// investigating → identified → monitoring → resolved → closed; an incident
// may be reopened (moved back) when it turns out not to be over.
type IncidentStatus string

const (
	StatusInvestigating IncidentStatus = "investigating"
	StatusIdentified    IncidentStatus = "identified"
	StatusMonitoring    IncidentStatus = "monitoring"
	StatusResolved      IncidentStatus = "resolved"
	StatusClosed        IncidentStatus = "closed"
)

// IncidentStatuses lists the statuses in lifecycle order.
var IncidentStatuses = []IncidentStatus{StatusInvestigating, StatusIdentified, StatusMonitoring, StatusResolved, StatusClosed}

// Valid reports whether s is a known status.
func (s IncidentStatus) Valid() bool {
	for _, v := range IncidentStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// Open reports whether the incident is still being worked on.
func (s IncidentStatus) Open() bool {
	return s == StatusInvestigating || s == StatusIdentified || s == StatusMonitoring
}

// SeverityLevel is one configurable severity. Rank 1 is the most severe.
type SeverityLevel struct {
	Name        string `json:"name"`
	Rank        int    `json:"rank"`
	Description string `json:"description"`
}

// DefaultSeverities are the levels used unless the operator configures others.
var DefaultSeverities = []SeverityLevel{
	{Name: "SEV1", Rank: 1, Description: "Critical: the product is down or data is being lost for many customers. All hands, public status update."},
	{Name: "SEV2", Rank: 2, Description: "Major: a core feature is broken or badly degraded for many customers."},
	{Name: "SEV3", Rank: 3, Description: "Minor: a feature is degraded for some customers, or a workaround exists."},
	{Name: "SEV4", Rank: 4, Description: "Low: little or no customer impact; worth recording and learning from."},
}

// Roles names who held which role during an incident.
type Roles struct {
	Commander      string `json:"commander,omitempty"`
	Scribe         string `json:"scribe,omitempty"`
	Communications string `json:"communications,omitempty"`
}

// Incident is something that broke and the record of handling it.
type Incident struct {
	ID        int64          `json:"id"`
	Key       string         `json:"key"` // INC-42, derived from ID
	Title     string         `json:"title"`
	Severity  string         `json:"severity"`
	Status    IncidentStatus `json:"status"`
	Services  []string       `json:"services"`
	Customers []string       `json:"customers"`
	Impact    string         `json:"impact"`
	Labels    []string       `json:"labels"`
	Roles     Roles          `json:"roles"`

	// StartedAt is when the problem began (not when anyone noticed).
	StartedAt      time.Time  `json:"started_at"`
	DetectedAt     *time.Time `json:"detected_at,omitempty"`
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	MitigatedAt    *time.Time `json:"mitigated_at,omitempty"`
	ResolvedAt     *time.Time `json:"resolved_at,omitempty"`

	// Private incidents are visible only to Members and admins.
	Private bool     `json:"private"`
	Members []string `json:"members"`
	// RepeatOf is the ID of an earlier incident this one repeats, if any.
	RepeatOf *int64 `json:"repeat_of,omitempty"`

	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
}

// IncidentKeyPrefix prefixes the human key of every incident.
const IncidentKeyPrefix = "INC-"

// IncidentKey returns the human key for an incident ID.
func IncidentKey(id int64) string { return IncidentKeyPrefix + strconv.FormatInt(id, 10) }

// ParseRef turns "42", "INC-42" or "inc-42" (with the given prefix) into an ID,
// so that every API and CLI door accepts both forms.
func ParseRef(ref, prefix string) (int64, error) {
	s := strings.TrimSpace(ref)
	if len(s) > len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		s = s[len(prefix):]
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, Errorf(ENotFound, "", "%q is not an ID or a key like %s42", ref, prefix)
	}
	return id, nil
}

// Lifecycle names a moment in an incident's life that a timeline event can mark.
type Lifecycle string

const (
	LifecycleNone         Lifecycle = ""
	LifecycleStarted      Lifecycle = "started"
	LifecycleDetected     Lifecycle = "detected"
	LifecycleAcknowledged Lifecycle = "acknowledged"
	LifecycleMitigated    Lifecycle = "mitigated"
	LifecycleResolved     Lifecycle = "resolved"
)

// Valid reports whether l is a known lifecycle tag (or none).
func (l Lifecycle) Valid() bool {
	switch l {
	case LifecycleNone, LifecycleStarted, LifecycleDetected, LifecycleAcknowledged, LifecycleMitigated, LifecycleResolved:
		return true
	}
	return false
}

// Timestamp returns the incident timestamp that l names, or nil for none.
func (inc *Incident) Timestamp(l Lifecycle) *time.Time {
	switch l {
	case LifecycleStarted:
		t := inc.StartedAt
		return &t
	case LifecycleDetected:
		return inc.DetectedAt
	case LifecycleAcknowledged:
		return inc.AcknowledgedAt
	case LifecycleMitigated:
		return inc.MitigatedAt
	case LifecycleResolved:
		return inc.ResolvedAt
	}
	return nil
}

// SetTimestamp sets the incident timestamp that l names.
func (inc *Incident) SetTimestamp(l Lifecycle, t time.Time) {
	t = t.UTC()
	switch l {
	case LifecycleStarted:
		inc.StartedAt = t
	case LifecycleDetected:
		inc.DetectedAt = &t
	case LifecycleAcknowledged:
		inc.AcknowledgedAt = &t
	case LifecycleMitigated:
		inc.MitigatedAt = &t
	case LifecycleResolved:
		inc.ResolvedAt = &t
	}
}

// lifecycleOrder is the order the lifecycle timestamps must keep.
var lifecycleOrder = []Lifecycle{LifecycleStarted, LifecycleDetected, LifecycleAcknowledged, LifecycleMitigated, LifecycleResolved}

func since(from time.Time, to *time.Time) *time.Duration {
	if to == nil {
		return nil
	}
	d := to.Sub(from)
	return &d
}

// TimeToDetect is from the start of the problem to its detection.
func (inc *Incident) TimeToDetect() *time.Duration { return since(inc.StartedAt, inc.DetectedAt) }

// TimeToAcknowledge is from detection (or the start, when detection is not
// recorded) to a responder acknowledging it.
func (inc *Incident) TimeToAcknowledge() *time.Duration {
	from := inc.StartedAt
	if inc.DetectedAt != nil {
		from = *inc.DetectedAt
	}
	return since(from, inc.AcknowledgedAt)
}

// TimeToMitigate is from the start of the problem to customers no longer being hurt.
func (inc *Incident) TimeToMitigate() *time.Duration { return since(inc.StartedAt, inc.MitigatedAt) }

// TimeToResolve is from the start of the problem to its resolution.
func (inc *Incident) TimeToResolve() *time.Duration { return since(inc.StartedAt, inc.ResolvedAt) }

// Durations holds the derived durations in seconds, for JSON.
type Durations struct {
	TimeToDetect      *int64 `json:"time_to_detect_seconds,omitempty"`
	TimeToAcknowledge *int64 `json:"time_to_acknowledge_seconds,omitempty"`
	TimeToMitigate    *int64 `json:"time_to_mitigate_seconds,omitempty"`
	TimeToResolve     *int64 `json:"time_to_resolve_seconds,omitempty"`
}

// Durations returns the derived durations of the incident.
func (inc *Incident) Durations() Durations {
	sec := func(d *time.Duration) *int64 {
		if d == nil {
			return nil
		}
		s := int64(d.Seconds())
		return &s
	}
	return Durations{
		TimeToDetect:      sec(inc.TimeToDetect()),
		TimeToAcknowledge: sec(inc.TimeToAcknowledge()),
		TimeToMitigate:    sec(inc.TimeToMitigate()),
		TimeToResolve:     sec(inc.TimeToResolve()),
	}
}

// Limits on free text, so one record cannot exhaust memory or the database.
const (
	MaxTitleLen     = 300
	MaxTextLen      = 1 << 20 // a section body or impact statement
	MaxListLen      = 200     // services, labels, customers, members
	MaxListItemLen  = 200
	MaxEventTextLen = 64 << 10
)

// Validate checks the incident against the rules that hold for every incident;
// severities are the configured levels.
func (inc *Incident) Validate(severities []SeverityLevel) error {
	if err := CheckStrings(inc); err != nil {
		return err
	}
	inc.Title = strings.TrimSpace(inc.Title)
	if inc.Title == "" {
		return Errorf(EInvalid, "title", "The title is required: say what broke and for whom, e.g. 'Checkout API returned 500s for EU customers'.")
	}
	if len(inc.Title) > MaxTitleLen {
		return Errorf(EInvalid, "title", "The title is %d characters long; keep it under %d.", len(inc.Title), MaxTitleLen)
	}
	if !knownSeverity(severities, inc.Severity) {
		return Errorf(EInvalid, "severity", "Unknown severity %q; use one of %s.", inc.Severity, severityNames(severities))
	}
	if !inc.Status.Valid() {
		return Errorf(EInvalid, "status", "Unknown status %q; use one of investigating, identified, monitoring, resolved, closed.", inc.Status)
	}
	if len(inc.Impact) > MaxTextLen {
		return Errorf(EInvalid, "impact", "The impact statement is too long (%d bytes; at most %d).", len(inc.Impact), MaxTextLen)
	}
	var err error
	if inc.Services, err = cleanList("services", inc.Services); err != nil {
		return err
	}
	if inc.Customers, err = cleanList("customers", inc.Customers); err != nil {
		return err
	}
	if inc.Labels, err = cleanList("labels", inc.Labels); err != nil {
		return err
	}
	if inc.Members, err = cleanList("members", inc.Members); err != nil {
		return err
	}
	if inc.StartedAt.IsZero() {
		return Errorf(EInvalid, "started_at", "The start time is required.")
	}
	return inc.checkOrder()
}

// checkOrder enforces started ≤ detected ≤ acknowledged ≤ mitigated ≤ resolved
// among the timestamps that are set, so derived durations are never negative.
func (inc *Incident) checkOrder() error {
	var prev *time.Time
	var prevName Lifecycle
	for _, l := range lifecycleOrder {
		t := inc.Timestamp(l)
		if t == nil {
			continue
		}
		if prev != nil && t.Before(*prev) {
			return Errorf(EUnprocessable, string(l)+"_at", "The %s time (%s) is before the %s time (%s); lifecycle times must be in order: started, detected, acknowledged, mitigated, resolved.",
				l, t.UTC().Format(time.RFC3339), prevName, prev.UTC().Format(time.RFC3339))
		}
		prev, prevName = t, l
	}
	return nil
}

func knownSeverity(levels []SeverityLevel, name string) bool {
	for _, l := range levels {
		if l.Name == name {
			return true
		}
	}
	return false
}

func severityNames(levels []SeverityLevel) string {
	names := make([]string, len(levels))
	for i, l := range levels {
		names[i] = l.Name
	}
	return strings.Join(names, ", ")
}

// cleanList trims, drops empty and duplicate items and enforces limits.
func cleanList(field string, in []string) ([]string, error) {
	if len(in) > MaxListLen {
		return nil, Errorf(EInvalid, field, "At most %d %s are allowed, got %d.", MaxListLen, field, len(in))
	}
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		if len(s) > MaxListItemLen {
			return nil, Errorf(EInvalid, field, "%q is too long for an entry of %s (at most %d characters).", truncate(s, 40), field, MaxListItemLen)
		}
		seen[s] = true
		out = append(out, s)
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// IncidentFilter selects incidents for a list. Zero fields do not filter.
type IncidentFilter struct {
	Status   []IncidentStatus
	Severity []string
	Service  string
	Label    string
	// Owner matches the incident commander or the creator.
	Owner string
	// From and To bound StartedAt: From ≤ started < To.
	From, To *time.Time
	// Sort is the order of the list; "" means SortNewest.
	Sort IncidentSort
	// Limit is the page size; stores cap it at MaxPageSize.
	Limit int
	// After is the cursor from the previous page's NextCursor.
	After string
}

// IncidentSort orders a list of incidents. Every order is total (ties
// broken by ID), so keyset pages never skip or repeat an incident.
type IncidentSort string

const (
	// SortNewest lists the most recently declared first (highest ID).
	SortNewest IncidentSort = "newest"
	// SortOldest lists the first declared first (lowest ID).
	SortOldest IncidentSort = "oldest"
	// SortStarted lists the most recently started first (StartedAt, then ID,
	// descending): backfilled incidents take their place in time.
	SortStarted IncidentSort = "started"
)

// IncidentSorts lists the orders a list of incidents takes.
var IncidentSorts = []IncidentSort{SortNewest, SortOldest, SortStarted}

// Valid reports whether s is a known order ("" is SortNewest).
func (s IncidentSort) Valid() bool {
	return s == "" || s == SortNewest || s == SortOldest || s == SortStarted
}

// IncidentCursor returns the cursor that continues a list in order s after inc.
func IncidentCursor(inc *Incident, s IncidentSort) string {
	if s == SortStarted {
		return strconv.FormatInt(inc.StartedAt.UnixMicro(), 10) + "_" + strconv.FormatInt(inc.ID, 10)
	}
	return EncodeCursor(inc.ID)
}

// DecodeIncidentCursor parses a cursor made by IncidentCursor for order s;
// "" means the first page (zero time and ID).
func DecodeIncidentCursor(c string, s IncidentSort) (started time.Time, id int64, err error) {
	if s != SortStarted || c == "" {
		id, err = DecodeCursor(c)
		return time.Time{}, id, err
	}
	micros, idText, ok := strings.Cut(c, "_")
	m, err1 := strconv.ParseInt(micros, 10, 64)
	id, err2 := strconv.ParseInt(idText, 10, 64)
	if !ok || err1 != nil || err2 != nil || id <= 0 {
		return time.Time{}, 0, Errorf(EInvalid, "after", "The cursor %q is not one this server returned for sort=started.", truncate(c, 40))
	}
	return time.UnixMicro(m).UTC(), id, nil
}

// Page sizes for every list.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Page is one page of a keyset-paginated list; NextCursor is empty on the last page.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// PageLimit returns limit clamped to [1, MaxPageSize], with 0 meaning the default.
func PageLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPageSize
	case limit > MaxPageSize:
		return MaxPageSize
	}
	return limit
}

// Cursors are the decimal ID of the last item of a page: lists are ordered by
// ID descending, which is stable under inserts and needs no offset scans.

// EncodeCursor returns the cursor that continues after id.
func EncodeCursor(id int64) string { return strconv.FormatInt(id, 10) }

// DecodeCursor parses a cursor made by EncodeCursor; "" means the first page.
func DecodeCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(c, 10, 64)
	if err != nil || id <= 0 {
		return 0, badCursor(c)
	}
	return id, nil
}

// badCursor is the error of a cursor no page of the list could have
// returned.
func badCursor(after string) error {
	return Errorf(EInvalid, "after", "The cursor %q is not one this server returned.", truncate(after, 40))
}

func (inc *Incident) String() string { return fmt.Sprintf("%s %s", inc.Key, inc.Title) }
