package export

import (
	"context"

	"github.com/debriefhq/debrief/debrief"
)

// Load gathers the document of one postmortem through the Service (so its
// permission rules apply): the postmortem, its incident, the incident's
// timeline and the action items of the postmortem or its incident, all read
// at one moment (debrief.Service.PostmortemDocument), and the attachments of
// both.
func Load(ctx context.Context, svc *debrief.Service, postmortemID int64) (*Document, error) {
	d, err := svc.PostmortemDocument(ctx, postmortemID)
	if err != nil {
		return nil, err
	}
	doc := &Document{Postmortem: d.Postmortem, Incident: d.Incident}
	if d.Incident != nil {
		doc.Timeline = d.Timeline
	}
	if len(d.ActionItems) > 0 {
		// Oldest first, as a reader expects a list of commitments.
		doc.ActionItems = d.ActionItems
	}
	if err := loadAttachments(ctx, svc, doc); err != nil {
		return nil, err
	}
	return doc, nil
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
