package debrief

import (
	"context"
	"strconv"
)

// MaxImportEvents bounds one import. It is far above any real incident
// (a busy incident channel holds a few thousand messages) and keeps a
// mistaken window over a whole workspace from flooding a timeline.
const MaxImportEvents = 500_000

// ImportTimeline adds the events of one import (a Slack channel, a
// timeline file) to an incident's timeline in one transaction: all of them
// or, on any error, none. Unlike AddTimelineEvents it takes more than
// MaxTimelineBatch events, because an import is one user action and must
// not half-succeed in chunks. Events the incident already has (same source
// and external id) are skipped, so running the same import again adds
// nothing; it returns how many were new. Lifecycle tags follow opt as in
// AddTimelineEvents.
func (s *Service) ImportTimeline(ctx context.Context, incidentID int64, events []*TimelineEvent, opt AddEventsOptions) (int, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return 0, err
	}
	if len(events) == 0 {
		return 0, Errorf(EInvalid, "events", "The import holds no events.")
	}
	if len(events) > MaxImportEvents {
		return 0, Errorf(EInvalid, "events", "At most %d events can be imported at once, got %d; import a shorter time window.", MaxImportEvents, len(events))
	}
	now := s.Now()
	for i, e := range events {
		if err := s.readyEvent(e, incidentID, now, a.Label()); err != nil {
			if de, ok := err.(*Error); ok {
				de.Message = "Event " + strconv.Itoa(i+1) + ": " + de.Message
				if de.Field != "" {
					de.Field = "events[" + strconv.Itoa(i) + "]." + de.Field
				}
			}
			return 0, err
		}
	}
	received := len(events)
	events, err = s.withoutImported(ctx, incidentID, events)
	if err != nil {
		return 0, err
	}
	if len(events) == 0 {
		return 0, nil
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
		rev := s.revision(a, EntityIncident, incidentID, 0, "timeline.import", []Change{{Field: "timeline", New: jsonCount(received)}})
		added, err := s.store.AddTimelineEvents(ctx, incidentID, events, change, rev)
		// As in AddTimelineEvents: a concurrent incident edit only matters
		// for the timestamps derived from it, so recompute and retry.
		if IsCode(err, EConflict) && change != nil && attempt < 5 {
			continue
		}
		s.publishTimeline(err, a, incidentID, added, change)
		return added, err
	}
}

// externalIDLister is what a store may offer to make re-run imports
// cheap: the external ids an incident's events of one source carry,
// without the events. A store without it (a wrapper, a fake) gets the same
// result from ListTimeline, only with more memory.
type externalIDLister interface {
	TimelineExternalIDs(ctx context.Context, incidentID int64, source EventSource) ([]string, error)
}

// withoutImported drops the events the incident already has (same source
// and external id). The store skips them too, but a re-run of a large
// import is mostly such events, and reading the stored ids once is far
// cheaper than a write transaction that tries each. An event added
// concurrently after this read is still skipped by the store, so the check
// is an optimisation, not the rule.
func (s *Service) withoutImported(ctx context.Context, incidentID int64, events []*TimelineEvent) ([]*TimelineEvent, error) {
	have := map[EventSource]map[string]bool{}
	for _, e := range events {
		if e.ExternalID != "" && have[e.Source] == nil {
			have[e.Source] = map[string]bool{}
		}
	}
	stored := 0
	for src, ids := range have {
		if l, ok := s.store.(externalIDLister); ok {
			ext, err := l.TimelineExternalIDs(ctx, incidentID, src)
			if err != nil {
				return nil, err
			}
			for _, x := range ext {
				ids[x] = true
			}
			stored += len(ext)
			continue
		}
		existing, err := s.store.ListTimeline(ctx, incidentID, TimelineFilter{Source: src})
		if err != nil {
			return nil, err
		}
		for _, e := range existing {
			if e.ExternalID != "" {
				ids[e.ExternalID] = true
				stored++
			}
		}
	}
	if stored == 0 {
		return events, nil
	}
	kept := events[:0:0]
	for _, e := range events {
		if e.ExternalID == "" || !have[e.Source][e.ExternalID] {
			kept = append(kept, e)
		}
	}
	return kept, nil
}
