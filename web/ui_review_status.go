package web

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// reviewState says where postmortem pmID's review meeting stands, in loc,
// for the incident page ("" when it cannot be read), with the stamp of
// what it was read from (the review's and its meeting's versions), which
// the page's live stream compares.
func (s *Server) reviewState(ctx context.Context, pmID int64, loc *time.Location) (state, stamp string) {
	rv, err := s.svc.Review(ctx, pmID)
	if debrief.IsCode(err, debrief.ENotFound) {
		return "not planned yet", reviewStamp(nil, nil)
	}
	if err != nil {
		return "", ""
	}
	if m, err := s.svc.ReviewMeeting(ctx, pmID); err == nil {
		if m.EndedAt != nil {
			return "held on " + m.EndedAt.In(loc).Format("2 January 2006") + "; its feedback is in the postmortem", reviewStamp(rv, m)
		}
		return "under way now", reviewStamp(rv, m)
	}
	stamp = reviewStamp(rv, nil)
	switch {
	case rv.Status == debrief.ReviewCancelled:
		return "cancelled", stamp
	case rv.Chosen != nil:
		return "scheduled for " + slotLabel(loc, rv.Chosen.Start, rv.Chosen.End), stamp
	}
	return "open: participants are marking when they can attend", stamp
}

// postmortemsStamp is the stamp of the incident page's postmortem card:
// what it shows of each postmortem (its title and status, not its
// version, which every section saved moves) and its review's stamp.
func postmortemsStamp(pms []*debrief.Postmortem, reviews map[int64]string) string {
	h := fnv.New64a()
	for _, pm := range pms {
		fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s\x00", pm.ID, pm.Title, pm.Status, reviews[pm.ID])
	}
	return strconv.FormatUint(h.Sum64(), 36) + "n" + strconv.Itoa(len(pms))
}

// incidentPostmortems reads the postmortems incident id's page lists (an
// incident has one at most; a few are shown should that ever change) with
// where each one's review stands, and the card's stamp.
func (s *Server) incidentPostmortems(ctx context.Context, id int64, loc *time.Location) (pms []*debrief.Postmortem, states map[int64]string, stamp string, err error) {
	page, err := s.svc.ListPostmortems(ctx, debrief.PostmortemFilter{IncidentID: &id, Limit: 10})
	if err != nil {
		return nil, nil, "", err
	}
	states, stamps := map[int64]string{}, map[int64]string{}
	for _, pm := range page.Items {
		states[pm.ID], stamps[pm.ID] = s.reviewState(ctx, pm.ID, loc)
	}
	return page.Items, states, postmortemsStamp(page.Items, stamps), nil
}
