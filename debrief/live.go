package debrief

import (
	"context"
	"strconv"
)

// Live updates. When a change to an incident, a postmortem or a review has
// committed, the Service tells its Publisher which record changed, so that
// pages open on it (on this instance or another) can fetch what changed.
// The event says what changed, never the changed content: each page reads
// the record again through the Service, as its viewer, so visibility is
// decided where it always is.

// LiveEvent names one committed change for the pages open on its topic.
type LiveEvent struct {
	// Topic is the record whose pages listen: IncidentTopic, PostmortemTopic
	// or ReviewTopic.
	Topic string
	// Kind says which part of the page changed (LiveTimeline, …).
	Kind string
	// ID is the changed record (a timeline event, a postmortem), Version its
	// version after the change, Section the key of a saved section.
	ID      int64
	Version int
	Section string
	// By is who made the change, as history shows them (Actor.Label).
	By string
}

// Kinds of live events.
const (
	// LiveTimeline: an incident's timeline changed (events added, edited,
	// starred or deleted).
	LiveTimeline = "timeline"
	// LiveIncident: an incident's fields changed (status, severity, times…).
	LiveIncident = "incident"
	// LivePostmortem: a postmortem's fields or status changed. On an
	// incident's topic: its postmortem was started, changed or deleted, or
	// its review meeting moved (the incident page names where it stands).
	LivePostmortem = "postmortem"
	// LiveSection: one section of a postmortem was saved (Section, Version).
	LiveSection = "section"
	// LiveReview: a postmortem's review meeting changed.
	LiveReview = "review"
)

// IncidentTopic is the topic of incident id's pages.
func IncidentTopic(id int64) string { return "incident:" + strconv.FormatInt(id, 10) }

// PostmortemTopic is the topic of postmortem id's pages (reading view and
// editor).
func PostmortemTopic(id int64) string { return "postmortem:" + strconv.FormatInt(id, 10) }

// ReviewTopic is the topic of the review meeting of postmortem id.
func ReviewTopic(postmortemID int64) string { return "review:" + strconv.FormatInt(postmortemID, 10) }

// Publisher hears about committed changes. Publish is called after the
// store has committed and must not block the caller (it queues or drops);
// an event that never arrives costs a viewer a reload, never data.
type Publisher interface {
	Publish(LiveEvent)
}

// WithPublisher sets who hears about committed changes (package live in
// serve); without it the Service tells no one.
func WithPublisher(p Publisher) Option { return func(s *Service) { s.publisher = p } }

// publish tells the publisher about a committed change; err is the store's
// answer, and only a change that committed (err == nil) is told.
func (s *Service) publish(err error, ev LiveEvent) {
	if err != nil || s.publisher == nil {
		return
	}
	s.publisher.Publish(ev)
}

// publishTimeline tells an incident's pages that events were added (added
// > 0) and, when the events moved its lifecycle, that the incident changed.
func (s *Service) publishTimeline(err error, a Actor, incidentID int64, added int, change *IncidentChange) {
	if added > 0 {
		s.publish(err, LiveEvent{Topic: IncidentTopic(incidentID), Kind: LiveTimeline, By: a.Label()})
	}
	if change != nil {
		s.publish(err, LiveEvent{Topic: IncidentTopic(incidentID), Kind: LiveIncident, ID: incidentID, By: a.Label()})
	}
}

// publishSection tells a postmortem's pages that section key was saved, at
// the version the editor compares with its base.
func (s *Service) publishSection(a Actor, pm *Postmortem, key string) {
	ev := LiveEvent{Topic: PostmortemTopic(pm.ID), Kind: LiveSection, ID: pm.ID, Version: pm.Version, Section: key, By: a.Label()}
	if sec := pm.Section(key); sec != nil && sec.Version > 0 {
		ev.Version = sec.Version
	}
	s.publish(nil, ev)
}

// publishReview tells the pages of a postmortem's review (the organiser's
// page, the facilitator's and the room views) that its review or meeting
// changed: id is the review's, version that of the record changed (the
// review or its meeting).
func (s *Service) publishReview(postmortemID, id int64, version int, by string) {
	s.publish(nil, LiveEvent{Topic: ReviewTopic(postmortemID), Kind: LiveReview, ID: id, Version: version, By: by})
	if s.publisher == nil {
		return
	}
	// The incident page says where the review stands: tell it too. The
	// postmortem is read for its incident after the change committed; a
	// failed read costs that page a refresh, never data.
	if pm, err := s.store.Postmortem(context.Background(), postmortemID); err == nil && pm.IncidentID != nil {
		s.publish(nil, LiveEvent{Topic: IncidentTopic(*pm.IncidentID), Kind: LivePostmortem, ID: pm.ID, Version: pm.Version, By: by})
	}
}

// publishPostmortem tells pm's pages that it changed (err is the store's
// answer) and, when it belongs to an incident, that incident's pages,
// which list it with its status.
func (s *Service) publishPostmortem(err error, pm *Postmortem, by string) {
	ev := LiveEvent{Topic: PostmortemTopic(pm.ID), Kind: LivePostmortem, ID: pm.ID, Version: pm.Version, By: by}
	s.publish(err, ev)
	if pm.IncidentID != nil {
		ev.Topic = IncidentTopic(*pm.IncidentID)
		s.publish(err, ev)
	}
}
