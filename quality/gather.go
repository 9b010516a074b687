package quality

import (
	"context"

	"github.com/debriefhq/debrief/debrief"
)

// maxGatheredItems bounds how many action items a check reads, so one
// postmortem with an unbounded list cannot make the check slow.
const maxGatheredItems = 2000

// Gather reads everything the rules need about a stored postmortem through
// the Service, so the caller's permissions apply: its incident, timeline,
// action items and the template version it was created with. The check
// time is the Service's clock.
func Gather(ctx context.Context, svc *debrief.Service, pm *debrief.Postmortem) (*Input, error) {
	in := &Input{Postmortem: pm, Now: svc.Now()}
	tpl, err := svc.PostmortemTemplate(ctx, pm)
	if err != nil {
		return nil, err
	}
	in.Template = tpl
	f := debrief.ActionItemFilter{PostmortemID: &pm.ID, Limit: debrief.MaxPageSize}
	if pm.IncidentID != nil {
		if in.Incident, err = svc.Incident(ctx, *pm.IncidentID); err != nil {
			return nil, err
		}
		if in.Timeline, err = svc.ListTimeline(ctx, *pm.IncidentID, debrief.TimelineFilter{}); err != nil {
			return nil, err
		}
		// Items recorded on the incident belong to its postmortem too.
		f = debrief.ActionItemFilter{IncidentID: pm.IncidentID, Limit: debrief.MaxPageSize}
	}
	for len(in.ActionItems) < maxGatheredItems {
		page, err := svc.ListActionItems(ctx, f)
		if err != nil {
			return nil, err
		}
		in.ActionItems = append(in.ActionItems, page.Items...)
		if page.NextCursor == "" {
			break
		}
		f.After = page.NextCursor
	}
	// Oldest first, as they were written down.
	for i, j := 0, len(in.ActionItems)-1; i < j; i, j = i+1, j-1 {
		in.ActionItems[i], in.ActionItems[j] = in.ActionItems[j], in.ActionItems[i]
	}
	return in, nil
}
