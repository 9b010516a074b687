package debrief

import (
	"context"
	"time"
)

// Store persists the record. Each method is one transaction and nothing more:
// rules, permissions, versions and time live in Service, so they are written
// once for both databases. Every store passes the conformance suite in
// package storetest.
//
// Methods that change a versioned record take the version the caller started
// from; when the stored version differs they change nothing and return an
// *Error with code EConflict whose Current holds the stored record. Methods
// that take a *Revision append it in the same transaction as the change,
// after filling in its ID and, where the store assigns it, EntityID.
type Store interface {
	SearchStore
	TemplateStore
	AccountStore
	// IntegrationStore is part of every store, so a wrapped or substitute
	// store cannot compile without alert ingestion and silently lose it.
	IntegrationStore
	PortableStore
	AttachmentStore
	FactorStore
	ReviewStore
	IdeaStore
	TrackerStore
	TrackerEditStore
	TeamStore
	AnalyticsStore
	NotificationStore
	// CreateIncident inserts inc, assigning ID, Key and Version 1.
	CreateIncident(ctx context.Context, inc *Incident, rev *Revision) error
	// Incident returns the incident with id, or ENotFound.
	Incident(ctx context.Context, id int64) (*Incident, error)
	// UpdateIncident stores inc (whose ID names the row) if the stored version
	// is ifVersion, and sets inc.Version to ifVersion+1.
	UpdateIncident(ctx context.Context, inc *Incident, ifVersion int, rev *Revision) error
	// DeleteIncident removes the incident and everything that belongs to it
	// (timeline, postmortems' link, action items) if its version is ifVersion.
	DeleteIncident(ctx context.Context, id int64, ifVersion int, rev *Revision) error
	// ListIncidents returns incidents matching f, newest (highest ID) first.
	ListIncidents(ctx context.Context, f IncidentFilter) (Page[*Incident], error)

	// AddTimelineEvents inserts events into the incident's timeline, skipping
	// any whose (source, external id) the incident already has. It returns the
	// events as stored (existing ones for skipped duplicates) and how many were
	// new. If change is not nil, the incident is updated in the same
	// transaction under the same version rule as UpdateIncident.
	AddTimelineEvents(ctx context.Context, incidentID int64, events []*TimelineEvent, change *IncidentChange, rev *Revision) (added int, err error)
	// TimelineEvent returns one event, or ENotFound.
	TimelineEvent(ctx context.Context, id int64) (*TimelineEvent, error)
	// UpdateTimelineEvent stores ev if its stored version is ifVersion.
	UpdateTimelineEvent(ctx context.Context, ev *TimelineEvent, ifVersion int, rev *Revision) error
	// DeleteTimelineEvent removes one event if its stored version is ifVersion.
	DeleteTimelineEvent(ctx context.Context, id int64, ifVersion int, rev *Revision) error
	// ListTimeline returns the incident's events, oldest first (ties by ID).
	ListTimeline(ctx context.Context, incidentID int64, f TimelineFilter) ([]*TimelineEvent, error)
	// ListTimelineAfter returns at most limit of the incident's events
	// matching f, in ListTimeline's order, that come after the event at
	// afterAt with ID afterID (afterID 0 for the first page): a keyset
	// page, cut by the database.
	ListTimelineAfter(ctx context.Context, incidentID int64, f TimelineFilter, afterAt time.Time, afterID int64, limit int) ([]*TimelineEvent, error)
	// TimelineSummary counts the incident's events and starred events and
	// gives the time of its first and last, without reading the events.
	TimelineSummary(ctx context.Context, incidentID int64) (TimelineSummary, error)

	// CreatePostmortem inserts pm, assigning ID, Key and Version 1.
	CreatePostmortem(ctx context.Context, pm *Postmortem, rev *Revision) error
	// Postmortem returns one postmortem, or ENotFound.
	Postmortem(ctx context.Context, id int64) (*Postmortem, error)
	// UpdatePostmortem stores pm if its stored version is ifVersion.
	UpdatePostmortem(ctx context.Context, pm *Postmortem, ifVersion int, rev *Revision) error
	// UpdatePostmortemSection replaces the section with sec.Key if that
	// section's stored version is ifSectionVersion, whatever the postmortem's
	// version is: the section and the postmortem both take the postmortem's
	// next version (set in rev.Version and the returned postmortem), and
	// updated_at becomes updatedAt. Otherwise, also when no section has that
	// key, it changes nothing and returns EConflict with the stored
	// postmortem as Current.
	UpdatePostmortemSection(ctx context.Context, id int64, sec Section, ifSectionVersion int, updatedAt time.Time, rev *Revision) (*Postmortem, error)
	// DeletePostmortem removes a postmortem if its version is ifVersion.
	DeletePostmortem(ctx context.Context, id int64, ifVersion int, rev *Revision) error
	// ListPostmortems returns postmortems matching f, newest first.
	ListPostmortems(ctx context.Context, f PostmortemFilter) (Page[*Postmortem], error)

	// CreateActionItem inserts a, assigning ID, Key and Version 1.
	CreateActionItem(ctx context.Context, a *ActionItem, rev *Revision) error
	// ActionItem returns one action item, or ENotFound.
	ActionItem(ctx context.Context, id int64) (*ActionItem, error)
	// UpdateActionItem stores a if its stored version is ifVersion.
	UpdateActionItem(ctx context.Context, a *ActionItem, ifVersion int, rev *Revision) error
	// DeleteActionItem removes an action item if its version is ifVersion.
	DeleteActionItem(ctx context.Context, id int64, ifVersion int, rev *Revision) error
	// ListActionItems returns action items matching f, newest first.
	ListActionItems(ctx context.Context, f ActionItemFilter) (Page[*ActionItem], error)

	// ListRevisions returns the revisions of one record, newest first.
	ListRevisions(ctx context.Context, f RevisionFilter) (Page[*Revision], error)

	// Ping checks that the database answers, for readiness probes.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// IncidentChange is an incident update carried by another write, such as a
// timeline event whose lifecycle tag sets an incident timestamp.
type IncidentChange struct {
	Incident  *Incident
	IfVersion int
	Revision  *Revision
}
