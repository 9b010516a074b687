package debrief

import (
	"context"
	"strconv"
)

// ImportPostmortem stores a postmortem brought in from a document, with its
// incident, timeline and action items, as new records (IDs, versions and
// bookkeeping times are assigned afresh; times of the incident and its
// events are kept). Every record is checked first and the whole import is
// one transaction, so a bad record anywhere stores nothing.
func (s *Service) ImportPostmortem(ctx context.Context, imp *PostmortemImport) (*PostmortemImport, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	if imp == nil || imp.Postmortem == nil {
		return nil, Errorf(EInvalid, "postmortem", "The document holds no postmortem.")
	}
	if len(imp.Timeline) > MaxImportEvents {
		return nil, Errorf(EInvalid, "timeline", "At most %d timeline events can be imported at once, got %d.", MaxImportEvents, len(imp.Timeline))
	}
	now := s.Now()
	out := &PostmortemImport{}
	pm := *imp.Postmortem
	pm.Sections = append([]Section(nil), imp.Postmortem.Sections...)
	// An imported document starts a new history: every section at version 1.
	for i := range pm.Sections {
		pm.Sections[i].Version = 1
	}
	pm.ID, pm.Key, pm.Version, pm.IncidentID = 0, "", 0, nil
	pm.CreatedBy, pm.CreatedAt, pm.UpdatedAt = a.Label(), now, now
	if pm.Status == "" {
		pm.Status = PostmortemDraft
	}
	pm.PublishedAt = normTimePtr(pm.PublishedAt)
	if pm.Status == PostmortemPublished && pm.PublishedAt == nil {
		pm.PublishedAt = &now
	}
	if pm.Status != PostmortemPublished {
		pm.PublishedAt = nil
	}
	if pm.ContributingFactors == nil {
		pm.ContributingFactors = []string{}
	}
	normLessons(&pm.Lessons)
	if pm.Owner == "" {
		pm.Owner = a.Label()
	}
	if imp.Incident != nil {
		if pm.Kind == "" {
			pm.Kind = KindIncident
		}
		inc := *imp.Incident
		inc.ID, inc.Key, inc.Version, inc.RepeatOf = 0, "", 0, nil
		if inc.Status == "" {
			inc.Status = StatusResolved
		}
		if inc.Severity == "" {
			inc.Severity = s.severities[len(s.severities)-1].Name
		}
		if inc.StartedAt.IsZero() {
			inc.StartedAt = now
		}
		inc.StartedAt = normTime(inc.StartedAt)
		inc.DetectedAt, inc.AcknowledgedAt = normTimePtr(inc.DetectedAt), normTimePtr(inc.AcknowledgedAt)
		inc.MitigatedAt, inc.ResolvedAt = normTimePtr(inc.MitigatedAt), normTimePtr(inc.ResolvedAt)
		for _, p := range []*[]string{&inc.Services, &inc.Customers, &inc.Labels, &inc.Members} {
			if *p == nil {
				*p = []string{}
			}
		}
		if inc.Private && a.Email != "" && !contains(inc.Members, a.Email) {
			inc.Members = append(inc.Members, a.Email)
		}
		if err := inc.Validate(s.severities); err != nil {
			return nil, prefixError(err, "Incident: ")
		}
		inc.CreatedBy, inc.CreatedAt, inc.UpdatedAt = a.Label(), now, now
		out.Incident = &inc
		// The postmortem and action items are checked as if linked; the
		// store links them to the new incident's ID.
		placeholder := int64(1)
		pm.IncidentID = &placeholder
	} else if pm.Kind == "" {
		pm.Kind = KindProject
	}
	if pm.Kind == KindProject {
		if pm.Project == nil {
			pm.Project = &Project{}
		}
		if pm.Project.Feedback == nil {
			pm.Project.Feedback = []Feedback{}
		}
		pm.Project.LiveFrom, pm.Project.LiveUntil = normTimePtr(pm.Project.LiveFrom), normTimePtr(pm.Project.LiveUntil)
	}
	if err := pm.Validate(); err != nil {
		return nil, prefixError(err, "Postmortem: ")
	}
	pm.IncidentID = nil
	out.Postmortem = &pm
	if len(imp.Timeline) > 0 && out.Incident == nil {
		return nil, Errorf(EInvalid, "timeline", "A project postmortem has no incident, so it cannot have a timeline.")
	}
	for i, e := range imp.Timeline {
		ev := *e
		// The document's author wrote the events; the importer did not.
		if err := s.readyEvent(&ev, 0, now, ""); err != nil {
			return nil, prefixError(err, "Timeline event "+strconv.Itoa(i+1)+": ")
		}
		out.Timeline = append(out.Timeline, &ev)
	}
	for i, it := range imp.ActionItems {
		item := *it
		item.ID, item.Key, item.Version = 0, "", 0
		one := int64(1)
		item.IncidentID, item.PostmortemID = nil, &one
		if item.Priority == "" {
			item.Priority = PriorityP3
		}
		if item.Type == "" {
			item.Type = ActionPrevent
		}
		if item.Status == "" {
			item.Status = ActionOpen
		}
		if err := item.Validate(); err != nil {
			return nil, prefixError(err, "Action item "+strconv.Itoa(i+1)+": ")
		}
		item.PostmortemID = nil
		item.CompletedAt = normTimePtr(item.CompletedAt)
		if item.Status.Closed() && item.CompletedAt == nil {
			item.CompletedAt = &now
		}
		if !item.Status.Closed() {
			item.CompletedAt = nil
		}
		item.CreatedBy, item.CreatedAt, item.UpdatedAt = a.Label(), now, now
		out.ActionItems = append(out.ActionItems, &item)
	}
	if err := s.store.ImportPostmortem(ctx, out, a.Label(), now); err != nil {
		return nil, err
	}
	return out, nil
}

// prefixError says which record of an import a validation error is about.
func prefixError(err error, prefix string) error {
	if e, ok := err.(*Error); ok {
		c := *e
		c.Message = prefix + e.Message
		return &c
	}
	return err
}

// PostmortemDocument returns the postmortem id with its incident, timeline
// and action items, read at one moment, for documents and pages. Whether
// the actor may see it is decided once, on the incident the store read with
// it.
func (s *Service) PostmortemDocument(ctx context.Context, id int64) (*PostmortemDocument, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	doc, err := s.store.PostmortemDocument(ctx, id)
	if err != nil {
		return nil, err
	}
	if doc.Incident != nil && !a.CanSee(doc.Incident) {
		s.AuditDenied(ctx, a, "postmortem "+idString(id), "private incident, not a member")
		return nil, Errorf(ENotFound, "", "There is no postmortem %s%d.", PostmortemKeyPrefix, id)
	}
	// An item may name another incident besides this postmortem; it is
	// shown only to those who may see that incident too.
	v := s.visibility(a)
	items := doc.ActionItems[:0]
	for _, it := range doc.ActionItems {
		if it.IncidentID != nil && doc.Incident != nil && *it.IncidentID == doc.Incident.ID {
			items = append(items, it)
			continue
		}
		ok, err := v.incident(ctx, it.IncidentID)
		if err != nil {
			return nil, err
		}
		if ok {
			items = append(items, it)
		}
	}
	doc.ActionItems = items
	return doc, nil
}

// CreatePublicLink makes a new unguessable public URL token for the public
// version of a postmortem and returns it; the token is shown only now.
func (s *Service) CreatePublicLink(ctx context.Context, postmortemID int64) (*PublicLink, string, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.visiblePostmortem(ctx, a, postmortemID); err != nil {
		return nil, "", err
	}
	token := NewToken()
	l := &PublicLink{PostmortemID: postmortemID, TokenHash: HashToken(token), CreatedBy: a.Label(), CreatedAt: s.Now()}
	audit := s.audit(ctx, a, AuditPublicLinkCreate, TargetPublicLink, "", []Change{change("postmortem", nil, PostmortemKeyPrefix+idString(postmortemID))})
	if err := s.store.CreatePublicLink(ctx, l, audit); err != nil {
		return nil, "", err
	}
	return l, token, nil
}

// RevokePublicLink stops a public link from working.
func (s *Service) RevokePublicLink(ctx context.Context, postmortemID, id int64) (*PublicLink, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	if _, err := s.visiblePostmortem(ctx, a, postmortemID); err != nil {
		return nil, err
	}
	audit := s.audit(ctx, a, AuditPublicLinkRevoke, TargetPublicLink, idString(id), []Change{change("postmortem", nil, PostmortemKeyPrefix+idString(postmortemID))})
	return s.store.RevokePublicLink(ctx, postmortemID, id, s.Now(), audit)
}

// PublicLinkPostmortem returns the ID of the postmortem an active public
// link token shows. It needs no actor: having the token is the permission.
// Unknown and revoked tokens are both ENotFound, so a revoked link reveals
// nothing.
func (s *Service) PublicLinkPostmortem(ctx context.Context, token string) (int64, error) {
	if len(token) < 20 || len(token) > 100 {
		return 0, Errorf(ENotFound, "", "This public link does not exist or was revoked.")
	}
	l, err := s.store.PublicLinkByHash(ctx, HashToken(token))
	if err != nil || !l.Active() {
		if err != nil && !IsCode(err, ENotFound) {
			return 0, err
		}
		return 0, Errorf(ENotFound, "", "This public link does not exist or was revoked.")
	}
	return l.PostmortemID, nil
}
