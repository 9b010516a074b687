package export

import (
	"context"

	"github.com/debriefhq/debrief/debrief"
)

// Load gathers the document of one postmortem through the Service (so its
// permission rules apply): the postmortem, its incident, the incident's
// timeline, the action items of the postmortem or its incident, and the
// attachments of both.
func Load(ctx context.Context, svc *debrief.Service, postmortemID int64) (*Document, error) {
	pm, err := svc.Postmortem(ctx, postmortemID)
	if err != nil {
		return nil, err
	}
	doc := &Document{Postmortem: pm}
	if pm.IncidentID != nil {
		if doc.Incident, err = svc.Incident(ctx, *pm.IncidentID); err != nil {
			return nil, err
		}
		if doc.Timeline, err = svc.ListTimeline(ctx, *pm.IncidentID, debrief.TimelineFilter{}); err != nil {
			return nil, err
		}
	}
	seen := map[int64]bool{}
	collect := func(f debrief.ActionItemFilter) error {
		f.Limit = debrief.MaxPageSize
		for {
			page, err := svc.ListActionItems(ctx, f)
			if err != nil {
				return err
			}
			for _, a := range page.Items {
				if !seen[a.ID] {
					seen[a.ID] = true
					doc.ActionItems = append(doc.ActionItems, a)
				}
			}
			if page.NextCursor == "" {
				return nil
			}
			f.After = page.NextCursor
		}
	}
	if err := collect(debrief.ActionItemFilter{PostmortemID: &pm.ID}); err != nil {
		return nil, err
	}
	if pm.IncidentID != nil {
		if err := collect(debrief.ActionItemFilter{IncidentID: pm.IncidentID}); err != nil {
			return nil, err
		}
	}
	// Oldest first, as a reader expects a list of commitments.
	sortByID(doc.ActionItems)
	if err := loadAttachments(ctx, svc, doc); err != nil {
		return nil, err
	}
	return doc, nil
}

func sortByID(items []*debrief.ActionItem) {
	for i := 1; i < len(items); i++ {
		for j := i; j > 0 && items[j].ID < items[j-1].ID; j-- {
			items[j], items[j-1] = items[j-1], items[j]
		}
	}
}

// Import stores doc as new records through the Service, all or nothing,
// and returns the stored document (with its new IDs).
func Import(ctx context.Context, svc *debrief.Service, doc *Document) (*Document, error) {
	if doc == nil || doc.Postmortem == nil {
		return nil, debrief.Errorf(debrief.EInvalid, "markdown", "The document holds no postmortem.")
	}
	out, err := svc.ImportPostmortem(ctx, &debrief.PostmortemImport{Incident: doc.Incident, Timeline: doc.Timeline,
		Postmortem: doc.Postmortem, ActionItems: doc.ActionItems})
	if err != nil {
		return nil, err
	}
	return &Document{Postmortem: out.Postmortem, Incident: out.Incident, Timeline: out.Timeline, ActionItems: out.ActionItems}, nil
}
