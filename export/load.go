package export

import (
	"context"
	"strings"
	"unicode"

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
	KnownSeverity(svc, doc)
	out, err := svc.ImportPostmortem(ctx, &debrief.PostmortemImport{Incident: doc.Incident, Timeline: doc.Timeline,
		Postmortem: doc.Postmortem, ActionItems: doc.ActionItems})
	if err != nil {
		return nil, err
	}
	return &Document{Postmortem: out.Postmortem, Incident: out.Incident, Timeline: out.Timeline, ActionItems: out.ActionItems}, nil
}

// KnownSeverity matches a plain document's severity to this installation's
// levels: by name, whatever its case ("sev2" is SEV2), else by the word
// that starts a level's description ("Critical" is SEV1 when SEV1 is
// described as "Critical: the product is down…"), with a warning saying
// so. One it cannot match is dropped with a warning: the document is
// imported with the lowest level rather than refused for a word a person
// can fix afterwards. Import calls it; a caller showing what a file will
// become may call it first (a second call changes nothing).
func KnownSeverity(svc *debrief.Service, doc *Document) {
	if doc.Source == nil || !doc.Source.Plain || doc.Incident == nil || doc.Incident.Severity == "" {
		return
	}
	inc := doc.Incident
	levels := svc.Severities()
	line := doc.Source.Title
	if doc.Source.FrontMatter > 0 {
		line = doc.Source.FrontMatter
	}
	var names []string
	for _, l := range levels {
		if strings.EqualFold(l.Name, inc.Severity) {
			inc.Severity = l.Name
			return
		}
		names = append(names, l.Name)
	}
	if w := firstWord(inc.Severity); w != "" {
		for _, l := range levels {
			if strings.EqualFold(firstWord(l.Description), w) {
				doc.Warnings = append(doc.Warnings, Warning{Line: line, Message: sprintf("the severity %q was read as %s (%s)",
					truncate(inc.Severity, 40), l.Name, truncate(l.Description, 60))})
				inc.Severity = l.Name
				return
			}
		}
	}
	doc.Warnings = append(doc.Warnings, Warning{Line: line, Message: sprintf("the severity %q is not one of this installation's levels (%s); the incident got the lowest, %s",
		truncate(inc.Severity, 40), strings.Join(names, ", "), names[len(names)-1])})
	inc.Severity = ""
}

// firstWord is the first run of letters of s.
func firstWord(s string) string {
	s = strings.TrimLeftFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
	if i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }); i >= 0 {
		s = s[:i]
	}
	return s
}
