package debrief

import (
	"context"
	"time"
)

// IncidentPatch names the fields an update changes; nil fields stay as they are.
type IncidentPatch struct {
	Title          *string         `json:"title,omitempty"`
	Severity       *string         `json:"severity,omitempty"`
	Status         *IncidentStatus `json:"status,omitempty"`
	Services       *[]string       `json:"services,omitempty"`
	Customers      *[]string       `json:"customers,omitempty"`
	Impact         *string         `json:"impact,omitempty"`
	Labels         *[]string       `json:"labels,omitempty"`
	Roles          *Roles          `json:"roles,omitempty"`
	StartedAt      *time.Time      `json:"started_at,omitempty"`
	DetectedAt     *time.Time      `json:"detected_at,omitempty"`
	AcknowledgedAt *time.Time      `json:"acknowledged_at,omitempty"`
	MitigatedAt    *time.Time      `json:"mitigated_at,omitempty"`
	ResolvedAt     *time.Time      `json:"resolved_at,omitempty"`
	Private        *bool           `json:"private,omitempty"`
	Members        *[]string       `json:"members,omitempty"`
	RepeatOf       *int64          `json:"repeat_of,omitempty"`
	// Clear lists optional fields to unset: detected_at, acknowledged_at,
	// mitigated_at, resolved_at, repeat_of.
	Clear []string `json:"clear,omitempty"`
}

// Apply changes inc as the patch says; it does not validate.
func (p *IncidentPatch) Apply(inc *Incident) error {
	if p.Title != nil {
		inc.Title = *p.Title
	}
	if p.Severity != nil {
		inc.Severity = *p.Severity
	}
	if p.Services != nil {
		inc.Services = *p.Services
	}
	if p.Customers != nil {
		inc.Customers = *p.Customers
	}
	if p.Impact != nil {
		inc.Impact = *p.Impact
	}
	if p.Labels != nil {
		inc.Labels = *p.Labels
	}
	if p.Roles != nil {
		inc.Roles = *p.Roles
	}
	if p.StartedAt != nil {
		inc.StartedAt = normTime(*p.StartedAt)
	}
	if p.DetectedAt != nil {
		inc.DetectedAt = normTimePtr(p.DetectedAt)
	}
	if p.AcknowledgedAt != nil {
		inc.AcknowledgedAt = normTimePtr(p.AcknowledgedAt)
	}
	if p.MitigatedAt != nil {
		inc.MitigatedAt = normTimePtr(p.MitigatedAt)
	}
	if p.ResolvedAt != nil {
		inc.ResolvedAt = normTimePtr(p.ResolvedAt)
	}
	if p.Private != nil {
		inc.Private = *p.Private
	}
	if p.Members != nil {
		inc.Members = *p.Members
	}
	if p.RepeatOf != nil {
		inc.RepeatOf = p.RepeatOf
	}
	for _, f := range p.Clear {
		switch f {
		case "detected_at":
			inc.DetectedAt = nil
		case "acknowledged_at":
			inc.AcknowledgedAt = nil
		case "mitigated_at":
			inc.MitigatedAt = nil
		case "resolved_at":
			inc.ResolvedAt = nil
		case "repeat_of":
			inc.RepeatOf = nil
		default:
			return Errorf(EInvalid, "clear", "%q cannot be cleared; only detected_at, acknowledged_at, mitigated_at, resolved_at and repeat_of can.", f)
		}
	}
	if p.Status != nil {
		inc.Status = *p.Status
	}
	return nil
}

// CreateIncident declares a new incident. Status defaults to investigating,
// the start time to now and the severity to the least severe level.
func (s *Service) CreateIncident(ctx context.Context, in *Incident) (*Incident, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	inc := *in
	inc.ID, inc.Key, inc.Version = 0, "", 0
	if inc.Status == "" {
		inc.Status = StatusInvestigating
	}
	if inc.Severity == "" {
		inc.Severity = s.severities[len(s.severities)-1].Name
	}
	if inc.StartedAt.IsZero() {
		inc.StartedAt = now
	}
	inc.StartedAt = normTime(inc.StartedAt)
	inc.DetectedAt = normTimePtr(inc.DetectedAt)
	inc.AcknowledgedAt = normTimePtr(inc.AcknowledgedAt)
	inc.MitigatedAt = normTimePtr(inc.MitigatedAt)
	inc.ResolvedAt = normTimePtr(inc.ResolvedAt)
	s.statusTimestamps(&inc, "", now)
	if inc.Services == nil {
		inc.Services = []string{}
	}
	if inc.Customers == nil {
		inc.Customers = []string{}
	}
	if inc.Labels == nil {
		inc.Labels = []string{}
	}
	if inc.Members == nil {
		inc.Members = []string{}
	}
	if inc.Private && a.Email != "" && !contains(inc.Members, a.Email) {
		// The one who declares a private incident must still see it.
		inc.Members = append(inc.Members, a.Email)
	}
	if err := inc.Validate(s.severities); err != nil {
		return nil, err
	}
	if inc.RepeatOf != nil {
		if err := s.checkRepeatOf(ctx, a, *inc.RepeatOf); err != nil {
			return nil, err
		}
	}
	inc.CreatedBy = a.Label()
	inc.CreatedAt, inc.UpdatedAt = now, now
	rev := s.revision(a, EntityIncident, 0, 1, "create", Snapshot(&inc))
	if err := s.store.CreateIncident(ctx, &inc, rev); err != nil {
		return nil, err
	}
	return &inc, nil
}

// statusTimestamps fills the timestamps a status change implies when they are
// not yet set: monitoring means mitigated, resolved and closed mean resolved.
func (s *Service) statusTimestamps(inc *Incident, old IncidentStatus, now time.Time) {
	if inc.Status == old {
		return
	}
	switch inc.Status {
	case StatusMonitoring:
		if inc.MitigatedAt == nil {
			inc.MitigatedAt = &now
		}
	case StatusResolved, StatusClosed:
		if inc.MitigatedAt == nil {
			inc.MitigatedAt = &now
		}
		if inc.ResolvedAt == nil {
			inc.ResolvedAt = &now
		}
	}
}

// Incident returns the incident with id.
func (s *Service) Incident(ctx context.Context, id int64) (*Incident, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	return s.visibleIncident(ctx, a, id)
}

// IncidentByRef returns the incident named by "42" or "INC-42".
func (s *Service) IncidentByRef(ctx context.Context, ref string) (*Incident, error) {
	id, err := ParseRef(ref, IncidentKeyPrefix)
	if err != nil {
		return nil, err
	}
	return s.Incident(ctx, id)
}

// UpdateIncident applies p to the incident if it is still at ifVersion, so
// that a change made by someone else in the meantime is never overwritten.
func (s *Service) UpdateIncident(ctx context.Context, id int64, p IncidentPatch, ifVersion int) (*Incident, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	cur, err := s.visibleIncident(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if cur.Version != ifVersion {
		return nil, Conflict("incident", cur, cur.Version)
	}
	next := *cur
	if err := p.Apply(&next); err != nil {
		return nil, err
	}
	if p.RepeatOf != nil {
		if *p.RepeatOf == id {
			return nil, Errorf(EInvalid, "repeat_of", "An incident cannot repeat itself.")
		}
		if err := s.checkRepeatOf(ctx, a, *p.RepeatOf); err != nil {
			return nil, err
		}
	}
	now := s.Now()
	s.statusTimestamps(&next, cur.Status, now)
	if err := next.Validate(s.severities); err != nil {
		return nil, err
	}
	changes := Diff(cur, &next)
	if len(changes) == 0 {
		return cur, nil
	}
	next.UpdatedAt = now
	rev := s.revision(a, EntityIncident, id, ifVersion+1, "update", changes)
	if err := s.store.UpdateIncident(ctx, &next, ifVersion, rev); err != nil {
		return nil, err
	}
	s.publish(nil, LiveEvent{Topic: IncidentTopic(id), Kind: LiveIncident, ID: id, Version: next.Version, By: a.Label()})
	return &next, nil
}

// DeleteIncident removes an incident if it is still at ifVersion. Only admins
// may delete, because a deleted incident takes its timeline with it.
func (s *Service) DeleteIncident(ctx context.Context, id int64, ifVersion int) error {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return err
	}
	cur, err := s.visibleIncident(ctx, a, id)
	if err != nil {
		return err
	}
	if cur.Version != ifVersion {
		return Conflict("incident", cur, cur.Version)
	}
	err = s.store.DeleteIncident(ctx, id, ifVersion, s.revision(a, EntityIncident, id, ifVersion+1, "delete", nil))
	s.publish(err, LiveEvent{Topic: IncidentTopic(id), Kind: LiveIncident, ID: id, By: a.Label()})
	return err
}

// ListIncidents returns a page of incidents.
func (s *Service) ListIncidents(ctx context.Context, f IncidentFilter) (Page[*Incident], error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return Page[*Incident]{}, err
	}
	for _, st := range f.Status {
		if !st.Valid() {
			return Page[*Incident]{}, Errorf(EInvalid, "status", "Unknown status %q.", st)
		}
	}
	for _, sv := range f.Severity {
		if !knownSeverity(s.severities, sv) {
			return Page[*Incident]{}, Errorf(EInvalid, "severity", "Unknown severity %q; use one of %s.", sv, severityNames(s.severities))
		}
	}
	if !f.Sort.Valid() {
		return Page[*Incident]{}, Errorf(EInvalid, "sort", "Unknown sort %q; use newest, oldest or started.", truncate(string(f.Sort), 40))
	}
	if f.Sort == "" {
		f.Sort = SortNewest
	}
	if _, _, err := DecodeIncidentCursor(f.After, f.Sort); err != nil {
		return Page[*Incident]{}, err
	}
	f.Limit = PageLimit(f.Limit)
	if a.Role == RoleAdmin {
		return s.store.ListIncidents(ctx, f)
	}
	return filterPage(f.After, f.Limit, func(after string) (Page[*Incident], error) {
		g := f
		g.After = after
		return s.store.ListIncidents(ctx, g)
	}, func(inc *Incident) (bool, error) { return a.CanSee(inc), nil }, func(inc *Incident) string { return IncidentCursor(inc, f.Sort) })
}

// ListRevisions returns the history of one record, newest first.
func (s *Service) ListRevisions(ctx context.Context, f RevisionFilter) (Page[*Revision], error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return Page[*Revision]{}, err
	}
	if err := s.checkRevisionTarget(ctx, a, f); err != nil {
		return Page[*Revision]{}, err
	}
	if _, err := DecodeCursor(f.After); err != nil {
		return Page[*Revision]{}, err
	}
	f.Limit = PageLimit(f.Limit)
	return s.store.ListRevisions(ctx, f)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
