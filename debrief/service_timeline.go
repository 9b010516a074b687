package debrief

import (
	"context"
	"sort"
	"strconv"
	"time"
)

// AddEventsOptions says how added events may change the incident.
type AddEventsOptions struct {
	// SetLifecycle lets an event's lifecycle tag set the matching incident
	// timestamp. Without it a tag only sets a timestamp that is still empty,
	// so ingested alerts suggest times but never overwrite what a person set.
	SetLifecycle bool
	// SuggestOnly leaves incident timestamps alone entirely: the tags stay on
	// the events as suggestions a person can accept.
	SuggestOnly bool
}

// AddTimelineEvents adds events to an incident's timeline. Events already
// present (same source and external id) are skipped, so retried deliveries
// and re-run imports add nothing twice. It returns how many were new.
func (s *Service) AddTimelineEvents(ctx context.Context, incidentID int64, events []*TimelineEvent, opt AddEventsOptions) (int, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return 0, err
	}
	if len(events) == 0 {
		return 0, Errorf(EInvalid, "events", "Give at least one event.")
	}
	if len(events) > MaxTimelineBatch {
		return 0, Errorf(EInvalid, "events", "At most %d events can be added at once, got %d.", MaxTimelineBatch, len(events))
	}
	now := s.Now()
	for i, e := range events {
		if err := s.readyEvent(e, incidentID, now, a.Label()); err != nil {
			if de, ok := err.(*Error); ok && len(events) > 1 {
				de.Message = "Event " + strconv.Itoa(i+1) + ": " + de.Message
			}
			return 0, err
		}
	}
	for attempt := 0; ; attempt++ {
		cur, err := s.visibleIncident(ctx, a, incidentID)
		if err != nil {
			return 0, err
		}
		change, err := s.lifecycleChange(a, cur, events, opt, now)
		if err != nil {
			return 0, err
		}
		rev := s.revision(a, EntityIncident, incidentID, 0, "timeline.add", []Change{{Field: "timeline", New: jsonCount(len(events))}})
		added, err := s.store.AddTimelineEvents(ctx, incidentID, events, change, rev)
		// A concurrent edit of the incident only matters for the timestamps
		// we derive from it: recompute them from the fresh state and retry.
		if IsCode(err, EConflict) && change != nil && attempt < 5 {
			continue
		}
		s.publishTimeline(err, a, incidentID, added, change)
		return added, err
	}
}

// readyEvent is the one rule every new timeline event passes, whichever
// door it came through (a person or the API, a timeline file, an imported
// document, a webhook): it is checked (Validate), its time is kept at the
// precision the stores hold, it belongs to incidentID (0 while the
// incident of an import does not exist yet) and it is stamped with when
// it was recorded. A manual event that names no actor is manualActor's:
// the person adding it, or nobody for a document written elsewhere.
func (s *Service) readyEvent(e *TimelineEvent, incidentID int64, now time.Time, manualActor string) error {
	e.ID, e.Version = 0, 0
	if err := e.Validate(); err != nil {
		return err
	}
	e.At = normTime(e.At)
	e.IncidentID = incidentID
	e.CreatedAt = now
	if e.Actor == "" && e.Source == SourceManual {
		e.Actor = manualActor
	}
	return nil
}

func jsonCount(n int) []byte { return []byte(strconv.Itoa(n)) }

// lifecycleChange works out the incident update implied by lifecycle tags,
// or nil when there is none.
func (s *Service) lifecycleChange(a Actor, cur *Incident, events []*TimelineEvent, opt AddEventsOptions, now time.Time) (*IncidentChange, error) {
	if opt.SuggestOnly {
		return nil, nil
	}
	next := *cur
	tagged := make([]*TimelineEvent, 0)
	for _, e := range events {
		if e.Lifecycle != LifecycleNone {
			tagged = append(tagged, e)
		}
	}
	if len(tagged) == 0 {
		return nil, nil
	}
	sort.SliceStable(tagged, func(i, j int) bool { return tagged[i].At.Before(tagged[j].At) })
	for _, e := range tagged {
		existing := next.Timestamp(e.Lifecycle)
		if e.Lifecycle == LifecycleStarted {
			// Started always has a value; an event moves it only earlier
			// unless the caller asked to set it.
			if opt.SetLifecycle || e.At.Before(next.StartedAt) {
				next.StartedAt = e.At
			}
			continue
		}
		if existing == nil || opt.SetLifecycle {
			next.SetTimestamp(e.Lifecycle, e.At)
		}
	}
	changes := Diff(cur, &next)
	if len(changes) == 0 {
		return nil, nil
	}
	if err := next.checkOrder(); err != nil {
		return nil, err
	}
	next.UpdatedAt = now
	return &IncidentChange{Incident: &next, IfVersion: cur.Version,
		Revision: s.revision(a, EntityIncident, cur.ID, cur.Version+1, "update", changes)}, nil
}

// TimelineEventPatch names the fields of an event to change.
type TimelineEventPatch struct {
	At        *time.Time `json:"at,omitempty"`
	Kind      *EventKind `json:"kind,omitempty"`
	Text      *string    `json:"text,omitempty"`
	Actor     *string    `json:"actor,omitempty"`
	Starred   *bool      `json:"starred,omitempty"`
	Lifecycle *Lifecycle `json:"lifecycle,omitempty"`
}

// timelineEventOf returns event id of the incident in the path. The path's
// incident is checked first and the event must belong to it, so an event
// of another (maybe private) incident answers like a missing one and no
// error names the other incident.
func (s *Service) timelineEventOf(ctx context.Context, a Actor, incidentID, id int64) (*TimelineEvent, error) {
	if _, err := s.visibleIncident(ctx, a, incidentID); err != nil {
		return nil, err
	}
	cur, err := s.store.TimelineEvent(ctx, id)
	if err != nil && ErrorCode(err) != ENotFound {
		return nil, err
	}
	if err != nil || cur.IncidentID != incidentID {
		return nil, Errorf(ENotFound, "", "Incident %s%d has no timeline event %d.", IncidentKeyPrefix, incidentID, id)
	}
	return cur, nil
}

// UpdateTimelineEvent changes one event if it is still at ifVersion.
func (s *Service) UpdateTimelineEvent(ctx context.Context, incidentID, id int64, p TimelineEventPatch, ifVersion int) (*TimelineEvent, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	cur, err := s.timelineEventOf(ctx, a, incidentID, id)
	if err != nil {
		return nil, err
	}
	if cur.Version != ifVersion {
		return nil, Conflict("timeline event", cur, cur.Version)
	}
	next := *cur
	if p.At != nil {
		next.At = *p.At
		next.Zone = ""
	}
	if p.Kind != nil {
		next.Kind = *p.Kind
	}
	if p.Text != nil {
		next.Text = *p.Text
	}
	if p.Actor != nil {
		next.Actor = *p.Actor
	}
	if p.Starred != nil {
		next.Starred = *p.Starred
	}
	if p.Lifecycle != nil {
		next.Lifecycle = *p.Lifecycle
	}
	if err := next.Validate(); err != nil {
		return nil, err
	}
	next.At = normTime(next.At)
	changes := Diff(cur, &next)
	if len(changes) == 0 {
		return cur, nil
	}
	rev := s.revision(a, EntityTimeline, id, ifVersion+1, "update", changes)
	if err := s.store.UpdateTimelineEvent(ctx, &next, ifVersion, rev); err != nil {
		return nil, err
	}
	s.publish(nil, LiveEvent{Topic: IncidentTopic(incidentID), Kind: LiveTimeline, ID: id, Version: next.Version, By: a.Label()})
	return &next, nil
}

// DeleteTimelineEvent removes one event if it is still at ifVersion.
func (s *Service) DeleteTimelineEvent(ctx context.Context, incidentID, id int64, ifVersion int) error {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return err
	}
	cur, err := s.timelineEventOf(ctx, a, incidentID, id)
	if err != nil {
		return err
	}
	if cur.Version != ifVersion {
		return Conflict("timeline event", cur, cur.Version)
	}
	err = s.store.DeleteTimelineEvent(ctx, id, ifVersion, s.revision(a, EntityTimeline, id, ifVersion+1, "delete", Snapshot(cur)))
	s.publish(err, LiveEvent{Topic: IncidentTopic(incidentID), Kind: LiveTimeline, ID: id, By: a.Label()})
	return err
}

// ListTimeline returns the incident's timeline, oldest first.
func (s *Service) ListTimeline(ctx context.Context, incidentID int64, f TimelineFilter) ([]*TimelineEvent, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	if _, err := s.visibleIncident(ctx, a, incidentID); err != nil {
		return nil, err
	}
	return s.store.ListTimeline(ctx, incidentID, f)
}

// TimelinePage returns one page of the incident's timeline matching f,
// oldest first (ties by ID), to whoever may see the incident, as
// ListTimeline does. A limit of 0 is DefaultTimelinePageSize; the cursor
// is the last event's time and ID (TimelineCursor), and one this server
// could not have returned is EInvalid naming after.
func (s *Service) TimelinePage(ctx context.Context, incidentID int64, f TimelineFilter, after string, limit int) (Page[*TimelineEvent], error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return Page[*TimelineEvent]{}, err
	}
	afterAt, afterID, err := DecodeTimelineCursor(after)
	if err != nil {
		return Page[*TimelineEvent]{}, err
	}
	if limit <= 0 {
		limit = DefaultTimelinePageSize
	}
	limit = PageLimit(limit)
	if _, err := s.visibleIncident(ctx, a, incidentID); err != nil {
		return Page[*TimelineEvent]{}, err
	}
	list, err := s.store.ListTimelineAfter(ctx, incidentID, f, afterAt, afterID, limit+1)
	if err != nil {
		return Page[*TimelineEvent]{}, err
	}
	return pageOf(list, limit, TimelineCursor), nil
}

// TimelineSummary says how many events the incident's timeline holds, how
// many are starred and when the first and last happened, to whoever may
// see the incident: what a page of the timeline says of the whole.
func (s *Service) TimelineSummary(ctx context.Context, incidentID int64) (TimelineSummary, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return TimelineSummary{}, err
	}
	if _, err := s.visibleIncident(ctx, a, incidentID); err != nil {
		return TimelineSummary{}, err
	}
	return s.store.TimelineSummary(ctx, incidentID)
}

// TimelineEvent returns event id of the incident, to whoever may see the
// incident; an event of another incident answers as a missing one.
func (s *Service) TimelineEvent(ctx context.Context, incidentID, id int64) (*TimelineEvent, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	return s.timelineEventOf(ctx, a, incidentID, id)
}
