package debrief

import (
	"context"
)

// Private incidents are visible only to their members and admins. To anyone
// else they do not exist: every Service method that reaches one answers
// ENotFound (a 404, not a 403, so the id does not leak), and lists leave
// them out. Postmortems, action items, timeline events and revisions
// belong to their incident and are hidden with it.

func hiddenIncident(id int64) error {
	return Errorf(ENotFound, "", "There is no incident %s%d.", IncidentKeyPrefix, id)
}

// visibleIncident returns the incident if a may see it, else ENotFound.
func (s *Service) visibleIncident(ctx context.Context, a Actor, id int64) (*Incident, error) {
	inc, err := s.store.Incident(ctx, id)
	if err != nil {
		return nil, err
	}
	if !a.CanSee(inc) {
		s.AuditDenied(ctx, a, "incident "+idString(id), "private incident, not a member")
		return nil, hiddenIncident(id)
	}
	return inc, nil
}

// checkRepeatOf checks the incident named in repeat_of: one that a may not
// see gets the same answer as one that does not exist, so repeat_of cannot
// probe for private incidents.
func (s *Service) checkRepeatOf(ctx context.Context, a Actor, id int64) error {
	inc, err := s.store.Incident(ctx, id)
	if err != nil && ErrorCode(err) != ENotFound {
		return err
	}
	if err == nil && !a.CanSee(inc) {
		s.AuditDenied(ctx, a, "incident "+idString(id), "private incident named in repeat_of, not a member")
		err = hiddenIncident(id)
	}
	if err != nil {
		return Errorf(EInvalid, "repeat_of", "Incident %d, named as the one this repeats, does not exist.", id)
	}
	return nil
}

// checkIncidentRef returns ENotFound (as notFound) when incidentID names an
// incident a may not see. A nil id or a missing incident passes: the
// caller's own checks deal with those.
func (s *Service) checkIncidentRef(ctx context.Context, a Actor, incidentID *int64, notFound error) error {
	if incidentID == nil || a.Role == RoleAdmin {
		return nil
	}
	inc, err := s.store.Incident(ctx, *incidentID)
	if ErrorCode(err) == ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	if !a.CanSee(inc) {
		s.AuditDenied(ctx, a, "incident "+idString(inc.ID), "private incident, not a member")
		return notFound
	}
	return nil
}

// checkPostmortem returns ENotFound when pm belongs to an incident a may not see.
func (s *Service) checkPostmortem(ctx context.Context, a Actor, pm *Postmortem) error {
	if pm.IncidentID == nil || a.Role == RoleAdmin {
		return nil // as checkIncidentRef decides, without making the error first
	}
	return s.checkIncidentRef(ctx, a, pm.IncidentID, Errorf(ENotFound, "", "There is no postmortem %s%d.", PostmortemKeyPrefix, pm.ID))
}

func (s *Service) checkActionItem(ctx context.Context, a Actor, item *ActionItem) error {
	nf := Errorf(ENotFound, "", "There is no action item %s%d.", ActionItemKeyPrefix, item.ID)
	if err := s.checkIncidentRef(ctx, a, item.IncidentID, nf); err != nil {
		return err
	}
	if item.PostmortemID != nil && a.Role != RoleAdmin {
		pm, err := s.store.Postmortem(ctx, *item.PostmortemID)
		if ErrorCode(err) == ENotFound {
			return nil
		}
		if err != nil {
			// Fail closed: without the postmortem we cannot tell whether
			// it belongs to a private incident.
			return err
		}
		return s.checkIncidentRef(ctx, a, pm.IncidentID, nf)
	}
	return nil
}

// visibility caches which incidents an actor may see during one list call.
// It fails closed: a record whose incident or postmortem is missing is not
// shown, and a store error ends the list with that error.
type visibility struct {
	s     *Service
	a     Actor
	known map[int64]bool
}

func (s *Service) visibility(a Actor) *visibility {
	return &visibility{s: s, a: a, known: map[int64]bool{}}
}

// incident reports whether the actor may see records of incident id (true
// for records without one).
func (v *visibility) incident(ctx context.Context, id *int64) (bool, error) {
	if id == nil || v.a.Role == RoleAdmin {
		return true, nil
	}
	if ok, seen := v.known[*id]; seen {
		return ok, nil
	}
	inc, err := v.s.store.Incident(ctx, *id)
	if err != nil && ErrorCode(err) != ENotFound {
		return false, err
	}
	ok := err == nil && v.a.CanSee(inc)
	v.known[*id] = ok
	return ok, nil
}

// postmortem reports whether the actor may see records of postmortem id
// (true for records without one).
func (v *visibility) postmortem(ctx context.Context, id *int64) (bool, error) {
	if id == nil || v.a.Role == RoleAdmin {
		return true, nil
	}
	pm, err := v.s.store.Postmortem(ctx, *id)
	if ErrorCode(err) == ENotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return v.incident(ctx, pm.IncidentID)
}

// filterPage fetches pages through list and keeps the items keep accepts
// until limit are kept, so a page of a filtered list is as full as an
// unfiltered one and its cursor continues after the last item kept.
// An error from keep ends the list with that error.
func filterPage[T any](after string, limit int, list func(after string) (Page[T], error), keep func(T) (bool, error), cursor func(T) string) (Page[T], error) {
	out := Page[T]{Items: []T{}}
	for {
		p, err := list(after)
		if err != nil {
			return Page[T]{}, err
		}
		for i, it := range p.Items {
			ok, err := keep(it)
			if err != nil {
				return Page[T]{}, err
			}
			if !ok {
				continue
			}
			out.Items = append(out.Items, it)
			if len(out.Items) == limit {
				if i < len(p.Items)-1 || p.NextCursor != "" {
					out.NextCursor = cursor(it)
				}
				return out, nil
			}
		}
		if p.NextCursor == "" {
			return out, nil
		}
		after = p.NextCursor
	}
}

func (s *Service) visiblePostmortem(ctx context.Context, a Actor, id int64) (*Postmortem, error) {
	pm, err := s.store.Postmortem(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.checkPostmortem(ctx, a, pm); err != nil {
		return nil, err
	}
	fillSectionVersions(pm)
	return pm, nil
}

func (s *Service) visibleActionItem(ctx context.Context, a Actor, id int64) (*ActionItem, error) {
	it, err := s.store.ActionItem(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.checkActionItem(ctx, a, it); err != nil {
		return nil, err
	}
	return it, nil
}

// checkRevisionTarget hides the history of records on private incidents.
func (s *Service) checkRevisionTarget(ctx context.Context, a Actor, f RevisionFilter) error {
	if a.Role == RoleAdmin {
		return nil
	}
	if f.EntityID == 0 {
		// Unfiltered history would list private records; only admins see it.
		return Errorf(EForbidden, "entity_id", "Name the record whose history you want.")
	}
	var err error
	switch f.EntityType {
	case EntityIncident:
		_, err = s.visibleIncident(ctx, a, f.EntityID)
	case EntityPostmortem:
		_, err = s.visiblePostmortem(ctx, a, f.EntityID)
	case EntityActionItem:
		_, err = s.visibleActionItem(ctx, a, f.EntityID)
	case EntityTimeline:
		var ev *TimelineEvent
		if ev, err = s.store.TimelineEvent(ctx, f.EntityID); err == nil {
			_, err = s.visibleIncident(ctx, a, ev.IncidentID)
		}
	case EntityIdea:
		err = s.checkIdeaHistory(ctx, a, f.EntityID)
	default:
		return Errorf(EForbidden, "entity_type", "Only admins can read this history.")
	}
	if ErrorCode(err) == ENotFound {
		// A deleted record keeps its history; admins can read it.
		return Errorf(ENotFound, "", "There is no %s %d.", f.EntityType, f.EntityID)
	}
	return err
}

// CanSee reports whether a may see inc, by a's Visibility: admins see every
// incident, others the incidents that are not private or that list them as
// members (MemberKey compares the emails).
func (a Actor) CanSee(inc *Incident) bool {
	return a.Visibility().Allows(inc.Private, func(key string) bool {
		for _, m := range inc.Members {
			if MemberKey(m) == key {
				return true
			}
		}
		return false
	})
}
