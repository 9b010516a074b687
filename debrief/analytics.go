package debrief

import (
	"context"
	"time"
)

// AnalyticsFilter selects the incidents that analytics figures are computed
// over. Zero fields do not filter.
type AnalyticsFilter struct {
	// From and To bound StartedAt: From ≤ started < To.
	From, To *time.Time
	// Services keeps incidents that touched any of these services.
	Services []string
	// Team keeps the incidents of a team (its name): those that touched a
	// service it owns. The Service resolves it to Services (with Services
	// given too, the services in both) before the store reads, so stores
	// never see it.
	Team string
	// Severities keeps incidents of these severities.
	Severities []string
}

// MaxAnalyticsFilterValues bounds the services or severities of one filter.
const MaxAnalyticsFilterValues = 50

// AnalyticsPostmortem is what analytics reads of an incident's postmortem.
type AnalyticsPostmortem struct {
	Status              PostmortemStatus
	CreatedAt           time.Time
	PublishedAt         *time.Time
	ContributingFactors []string
	// QualityScore is the quality check's score (0–100) of the postmortem
	// as last saved; nil when it was never saved with one.
	QualityScore *int
}

// AnalyticsRecord is one incident as analytics reads it. Incident holds only
// ID, Key, Severity, Status, Services, Labels, the lifecycle timestamps,
// Private, Members and RepeatOf: enough for the figures and for the
// visibility rule, and little enough to stream 100,000 of them quickly.
type AnalyticsRecord struct {
	Incident   Incident
	Postmortem *AnalyticsPostmortem // nil when the incident has none
}

// AnalyticsStore reads what analytics needs in one pass.
type AnalyticsStore interface {
	// ScanAnalytics calls incident for every incident matching f (in no
	// particular order), then item for every action item that belongs to
	// one of them (directly or through its postmortem), all in one read
	// transaction so the two agree. An item's IncidentID is always set (to
	// the postmortem's incident when the item names only the postmortem);
	// only ID, IncidentID, Status, DueDate, CreatedAt and CompletedAt are
	// filled in. The values passed are reused by the next call: callers copy
	// what they keep. An error from a callback stops the scan and is
	// returned.
	ScanAnalytics(ctx context.Context, f AnalyticsFilter, incident func(*AnalyticsRecord) error, item func(*ActionItem) error) error
	// AnalyticsVersion returns the ID of the newest revision: every change
	// to an incident, postmortem or action item appends one in its own
	// transaction, so while it stays the same the figures do too (except
	// for a transaction that took a lower ID and commits later, on
	// PostgreSQL; callers bound how long they trust it).
	AnalyticsVersion(ctx context.Context) (int64, error)
	// SetPostmortemQualityScore stores score as the quality check's score
	// of postmortem id if it is still at version, so a score computed for
	// an older text never replaces that of a newer one. It appends no
	// revision and leaves the version alone: the score is derived from
	// the record, not written by anyone. A postmortem that moved on or is
	// gone is not an error: its own save scores it.
	SetPostmortemQualityScore(ctx context.Context, id int64, version, score int) error
}

// ScanAnalytics streams the incidents matching f that the actor may see,
// then the action items of those incidents, for package analytics to
// reduce into figures. Private incidents the actor may not see are left
// out by the same rule (Actor.CanSee) as every other read, and so are
// their action items.
func (s *Service) ScanAnalytics(ctx context.Context, f AnalyticsFilter, incident func(*AnalyticsRecord) error, item func(*ActionItem) error) error {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return err
	}
	if err := f.validate(); err != nil {
		return err
	}
	if none, err := s.resolveTeamFilter(ctx, &f); err != nil || none {
		return err
	}
	// An unknown severity answers with the configured levels instead of an
	// empty report, so a typo is noticed.
	for _, n := range f.Severities {
		if !knownSeverity(s.severities, n) {
			return Errorf(EInvalid, "severity", "Unknown severity %q; use one of %s.", n, severityNames(s.severities))
		}
	}
	// Only hidden incidents are remembered: there are few of them, and an
	// item whose incident is not among them belongs to a visible one
	// (the store only sends items of incidents it sent).
	hidden := map[int64]bool{}
	return s.store.ScanAnalytics(ctx, f, func(r *AnalyticsRecord) error {
		// CanSee allows every incident that is not private; asking it
		// only about the private ones saves work on 100,000 rows.
		if r.Incident.Private && !a.CanSee(&r.Incident) {
			hidden[r.Incident.ID] = true
			return nil
		}
		return incident(r)
	}, func(it *ActionItem) error {
		if it.IncidentID != nil && hidden[*it.IncidentID] {
			return nil
		}
		return item(it)
	})
}

// AnalyticsVersion says whether the record changed since figures were
// computed (see AnalyticsStore).
func (s *Service) AnalyticsVersion(ctx context.Context) (int64, error) {
	if _, err := s.require(ctx, RoleViewer); err != nil {
		return 0, err
	}
	return s.store.AnalyticsVersion(ctx)
}

func (f *AnalyticsFilter) validate() error {
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return Errorf(EInvalid, "from", "The start of the range (%s) must be before its end (%s).", f.From.UTC().Format(time.RFC3339), f.To.UTC().Format(time.RFC3339))
	}
	var err error
	if len(f.Services) > MaxAnalyticsFilterValues {
		return Errorf(EInvalid, "service", "Name at most %d services.", MaxAnalyticsFilterValues)
	}
	if len(f.Severities) > MaxAnalyticsFilterValues {
		return Errorf(EInvalid, "severity", "Name at most %d severities.", MaxAnalyticsFilterValues)
	}
	if f.Services, err = cleanList("service", f.Services); err != nil {
		return err
	}
	if f.Severities, err = cleanList("severity", f.Severities); err != nil {
		return err
	}
	return nil
}

// ResponseDurations returns TimeToDetect, TimeToAcknowledge, TimeToMitigate
// and TimeToResolve, in that order, as values: ok[i] is false where that
// method returns nil. Analytics asks for all four of 100,000 incidents per
// report, and the pointers those methods return cost an allocation each.
func (inc *Incident) ResponseDurations() (d [4]time.Duration, ok [4]bool) {
	if inc.DetectedAt != nil {
		d[0], ok[0] = inc.DetectedAt.Sub(inc.StartedAt), true
	}
	if inc.AcknowledgedAt != nil {
		from := inc.StartedAt
		if inc.DetectedAt != nil {
			from = *inc.DetectedAt
		}
		d[1], ok[1] = inc.AcknowledgedAt.Sub(from), true
	}
	if inc.MitigatedAt != nil {
		d[2], ok[2] = inc.MitigatedAt.Sub(inc.StartedAt), true
	}
	if inc.ResolvedAt != nil {
		d[3], ok[3] = inc.ResolvedAt.Sub(inc.StartedAt), true
	}
	return d, ok
}
