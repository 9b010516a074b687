package web

import (
	"context"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// reviewState says in a few words where the review meeting of postmortem
// pmID stands, in the viewer's zone, for the pages that link to it (the
// incident's page lists it beside each postmortem). A review that cannot
// be read says nothing rather than break the page around it.
func (s *Server) reviewState(ctx context.Context, pmID int64, loc *time.Location) string {
	rv, err := s.svc.Review(ctx, pmID)
	if debrief.IsCode(err, debrief.ENotFound) {
		return "not planned yet"
	}
	if err != nil {
		return ""
	}
	if m, err := s.svc.ReviewMeeting(ctx, pmID); err == nil {
		if m.EndedAt != nil {
			return "held on " + m.EndedAt.In(loc).Format("2 January 2006") + "; its feedback is in the postmortem"
		}
		return "under way now"
	}
	switch {
	case rv.Status == debrief.ReviewCancelled:
		return "cancelled"
	case rv.Chosen != nil:
		return "scheduled for " + slotLabel(loc, rv.Chosen.Start, rv.Chosen.End)
	}
	return "open: participants are marking when they can attend"
}
