package debrief

import (
	"context"
	"strings"
	"time"
)

// NewPostmortem is what it takes to start a postmortem.
type NewPostmortem struct {
	// IncidentID is nil for a project postmortem.
	IncidentID *int64 `json:"incident_id,omitempty"`
	// Template is a template key; it defaults to "incident", or "project"
	// when there is no incident.
	Template string   `json:"template,omitempty"`
	Title    string   `json:"title,omitempty"`
	Owner    string   `json:"owner,omitempty"`
	Project  *Project `json:"project,omitempty"`
}

// TemplateSource finds templates beyond the built-in ones. The template
// package of a later capability plugs custom templates in through it.
type TemplateSource interface {
	Template(ctx context.Context, key string) (*Template, error)
	Templates(ctx context.Context) ([]*Template, error)
}

// WithTemplates makes the Service find templates in src as well as the
// built-in ones.
func WithTemplates(src TemplateSource) Option { return func(s *Service) { s.templates = src } }

// Template returns the template with key: a custom one first, then a built-in one.
func (s *Service) Template(ctx context.Context, key string) (*Template, error) {
	if s.templates != nil {
		t, err := s.templates.Template(ctx, key)
		if err == nil {
			return t, nil
		}
		if !IsCode(err, ENotFound) {
			return nil, err
		}
	}
	if t := BuiltInTemplate(key); t != nil {
		return t, nil
	}
	return nil, Errorf(ENotFound, "template", "There is no template %q; the built-in ones are incident, sre and project.", key)
}

// Templates lists every template, built-in ones first.
func (s *Service) Templates(ctx context.Context) ([]*Template, error) {
	if _, err := s.require(ctx, RoleViewer); err != nil {
		return nil, err
	}
	out := BuiltInTemplates()
	if s.templates != nil {
		custom, err := s.templates.Templates(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, custom...)
	}
	return out, nil
}

// CreatePostmortem starts a postmortem from a template. An incident has at
// most one postmortem, so everyone edits the same document.
func (s *Service) CreatePostmortem(ctx context.Context, in NewPostmortem) (*Postmortem, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	key := in.Template
	if key == "" {
		key = TemplateIncident
		if in.IncidentID == nil {
			key = TemplateProject
		}
	}
	if in.Template == "" && in.IncidentID != nil {
		// A custom template whose policy fits the incident wins over the default.
		if k := s.templateKeyFor(ctx, *in.IncidentID); k != "" {
			key = k
		}
	}
	tpl, err := s.Template(ctx, key)
	if err != nil {
		if IsCode(err, ENotFound) {
			return nil, Errorf(EInvalid, "template", "There is no template %q; the built-in ones are incident, sre and project.", key)
		}
		return nil, err
	}
	pm := &Postmortem{
		Kind: tpl.Kind, Title: in.Title, Owner: strings.TrimSpace(in.Owner), Status: PostmortemDraft,
		Template: tpl.Key, TemplateVersion: tpl.Version, Sections: tpl.NewSections(),
		ContributingFactors: []string{}, Lessons: Lessons{WentWell: []string{}, WentWrong: []string{}, GotLucky: []string{}},
	}
	for i := range pm.Sections {
		pm.Sections[i].Version = 1
	}
	if in.IncidentID != nil {
		if tpl.Kind == KindProject {
			return nil, Errorf(EInvalid, "template", "The %q template is for project postmortems, which have no incident.", tpl.Key)
		}
		inc, err := s.visibleIncident(ctx, a, *in.IncidentID)
		if err != nil {
			if IsCode(err, ENotFound) {
				return nil, Errorf(EInvalid, "incident_id", "Incident %d does not exist.", *in.IncidentID)
			}
			return nil, err
		}
		existing, err := s.store.ListPostmortems(ctx, PostmortemFilter{IncidentID: &inc.ID, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(existing.Items) > 0 {
			return nil, &Error{Code: EConflict, Field: "incident_id", Current: existing.Items[0],
				Message: inc.Key + " already has a postmortem (" + existing.Items[0].Key + "); edit that one."}
		}
		pm.IncidentID = &inc.ID
		if strings.TrimSpace(pm.Title) == "" {
			pm.Title = inc.Title
		}
		if pm.Owner == "" {
			pm.Owner = inc.Roles.Commander
		}
	} else {
		if tpl.Kind != KindProject {
			return nil, Errorf(EInvalid, "incident_id", "The %q template is for incidents: give incident_id, or use the project template.", tpl.Key)
		}
		pm.Project = in.Project
		if pm.Project == nil {
			pm.Project = &Project{}
		}
		pm.Project.LiveFrom = normTimePtr(pm.Project.LiveFrom)
		pm.Project.LiveUntil = normTimePtr(pm.Project.LiveUntil)
		if pm.Project.Feedback == nil {
			pm.Project.Feedback = []Feedback{}
		}
	}
	if pm.Owner == "" {
		pm.Owner = a.Label()
	}
	if err := pm.Validate(); err != nil {
		return nil, err
	}
	now := s.Now()
	pm.CreatedBy = a.Label()
	pm.CreatedAt, pm.UpdatedAt = now, now
	if err := s.store.CreatePostmortem(ctx, pm, s.revision(a, EntityPostmortem, 0, 1, "create", Snapshot(pm))); err != nil {
		return nil, err
	}
	s.publishPostmortem(nil, pm, a.Label())
	s.storeQualityScore(ctx, pm)
	return pm, nil
}

// Postmortem returns one postmortem.
func (s *Service) Postmortem(ctx context.Context, id int64) (*Postmortem, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	return s.visiblePostmortem(ctx, a, id)
}

// PostmortemByRef returns the postmortem named by "7" or "PM-7".
func (s *Service) PostmortemByRef(ctx context.Context, ref string) (*Postmortem, error) {
	id, err := ParseRef(ref, PostmortemKeyPrefix)
	if err != nil {
		return nil, err
	}
	return s.Postmortem(ctx, id)
}

// PostmortemPatch names the fields an update changes.
type PostmortemPatch struct {
	Title  *string           `json:"title,omitempty"`
	Owner  *string           `json:"owner,omitempty"`
	Status *PostmortemStatus `json:"status,omitempty"`
	// Sections replaces all sections (to add, remove or reorder them).
	Sections *[]Section `json:"sections,omitempty"`
	// SectionBodies sets the bodies of existing sections by key. It is
	// checked against the whole postmortem's version; UpdateSection checks
	// one section's version instead.
	SectionBodies       map[string]string `json:"section_bodies,omitempty"`
	RootCause           *string           `json:"root_cause,omitempty"`
	ContributingFactors *[]string         `json:"contributing_factors,omitempty"`
	Lessons             *Lessons          `json:"lessons,omitempty"`
	Project             *Project          `json:"project,omitempty"`
}

// UpdatePostmortem applies p if the postmortem is still at ifVersion.
// Sections it changes (or adds) take the postmortem's new version; the
// versions a caller sends in p.Sections are ignored.
func (s *Service) UpdatePostmortem(ctx context.Context, id int64, p PostmortemPatch, ifVersion int) (*Postmortem, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	cur, err := s.visiblePostmortem(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if cur.Version != ifVersion {
		return nil, Conflict("postmortem", cur, cur.Version)
	}
	next := *cur
	next.Sections = append([]Section(nil), cur.Sections...)
	if p.Title != nil {
		next.Title = *p.Title
	}
	if p.Owner != nil {
		next.Owner = strings.TrimSpace(*p.Owner)
	}
	if p.Sections != nil {
		next.Sections = append([]Section(nil), (*p.Sections)...)
	}
	for key, body := range p.SectionBodies {
		sec := next.Section(key)
		if sec == nil {
			return nil, Errorf(EInvalid, "section_bodies", "This postmortem has no section %q.", key)
		}
		sec.Body = body
	}
	if p.RootCause != nil {
		next.RootCause = *p.RootCause
	}
	if p.ContributingFactors != nil {
		next.ContributingFactors = *p.ContributingFactors
	}
	if p.Lessons != nil {
		next.Lessons = *p.Lessons
	}
	if p.Project != nil {
		if next.Kind != KindProject {
			return nil, Errorf(EInvalid, "project", "Only project postmortems have project details.")
		}
		pr, err := s.projectPatch(cur, p.Project)
		if err != nil {
			return nil, err
		}
		next.Project = pr
	}
	now := s.Now()
	if p.Status != nil {
		next.Status = *p.Status
		if next.Status == PostmortemPublished && cur.Status != PostmortemPublished {
			next.PublishedAt = &now
		}
		if next.Status != PostmortemPublished {
			next.PublishedAt = nil
		}
	}
	normLessons(&next.Lessons)
	if err := next.Validate(); err != nil {
		return nil, err
	}
	stampSections(cur, next.Sections)
	changes := Diff(cur, &next)
	if len(changes) == 0 {
		return cur, nil
	}
	next.UpdatedAt = now
	if err := s.store.UpdatePostmortem(ctx, &next, ifVersion, s.revision(a, EntityPostmortem, id, ifVersion+1, "update", changes)); err != nil {
		return nil, err
	}
	s.publishPostmortem(nil, &next, a.Label())
	s.storeQualityScore(ctx, &next)
	return &next, nil
}

func normLessons(l *Lessons) {
	if l.WentWell == nil {
		l.WentWell = []string{}
	}
	if l.WentWrong == nil {
		l.WentWrong = []string{}
	}
	if l.GotLucky == nil {
		l.GotLucky = []string{}
	}
}

// DeletePostmortem removes a postmortem if it is still at ifVersion.
func (s *Service) DeletePostmortem(ctx context.Context, id int64, ifVersion int) error {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return err
	}
	cur, err := s.visiblePostmortem(ctx, a, id)
	if err != nil {
		return err
	}
	if cur.Version != ifVersion {
		return Conflict("postmortem", cur, cur.Version)
	}
	err = s.store.DeletePostmortem(ctx, id, ifVersion, s.revision(a, EntityPostmortem, id, ifVersion+1, "delete", nil))
	gone := *cur
	gone.Version = 0 // no version follows a delete
	s.publishPostmortem(err, &gone, a.Label())
	return err
}

// ListPostmortems returns a page of postmortems.
func (s *Service) ListPostmortems(ctx context.Context, f PostmortemFilter) (Page[*Postmortem], error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return Page[*Postmortem]{}, err
	}
	for _, st := range f.Status {
		if !st.Valid() {
			return Page[*Postmortem]{}, Errorf(EInvalid, "status", "Unknown status %q; use draft, in_review or published.", st)
		}
	}
	if f.Kind != "" && f.Kind != KindIncident && f.Kind != KindProject {
		return Page[*Postmortem]{}, Errorf(EInvalid, "kind", "Unknown kind %q; use incident or project.", f.Kind)
	}
	if _, err := DecodeCursor(f.After); err != nil {
		return Page[*Postmortem]{}, err
	}
	f.Limit = PageLimit(f.Limit)
	var page Page[*Postmortem]
	if a.Role == RoleAdmin {
		page, err = s.store.ListPostmortems(ctx, f)
	} else {
		v := s.visibility(a)
		page, err = filterPage(f.After, f.Limit, func(after string) (Page[*Postmortem], error) {
			g := f
			g.After = after
			return s.store.ListPostmortems(ctx, g)
		}, func(pm *Postmortem) (bool, error) { return v.incident(ctx, pm.IncidentID) }, func(pm *Postmortem) string { return EncodeCursor(pm.ID) })
	}
	for _, pm := range page.Items {
		fillSectionVersions(pm)
	}
	return page, err
}

// CreateActionItem records an action item for an incident or postmortem.
func (s *Service) CreateActionItem(ctx context.Context, in *ActionItem) (*ActionItem, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	item, err := s.newActionItem(ctx, a, in)
	if err != nil {
		return nil, err
	}
	if err := s.store.CreateActionItem(ctx, item, s.revision(a, EntityActionItem, 0, 1, "create", Snapshot(item))); err != nil {
		return nil, err
	}
	s.publishActionItem(nil, a, item)
	return item, nil
}

// newActionItem checks in as a new action item made by a and returns it
// ready to store, with its defaults, links and times filled in.
func (s *Service) newActionItem(ctx context.Context, a Actor, in *ActionItem) (*ActionItem, error) {
	item := *in
	item.ID, item.Key, item.Version, item.CompletedAt = 0, "", 0, nil
	// An item may not be attached to a private incident (or its postmortem)
	// the caller cannot see; it reads as a missing one.
	if err := s.checkActionItem(ctx, a, &item); err != nil {
		return nil, Errorf(EInvalid, "incident_id", "The incident or postmortem this item is for does not exist.")
	}
	if item.Priority == "" {
		item.Priority = PriorityP3
	}
	if item.Type == "" {
		item.Type = ActionPrevent
	}
	if item.Status == "" {
		item.Status = ActionOpen
	}
	if err := s.linkActionItem(ctx, &item); err != nil {
		return nil, err
	}
	if err := item.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkVerification(ctx, nil, &item); err != nil {
		return nil, err
	}
	now := s.Now()
	if item.Status.Closed() {
		item.CompletedAt = &now
	}
	item.CreatedBy = a.Label()
	item.CreatedAt, item.UpdatedAt = now, now
	return &item, nil
}

// linkActionItem checks the item's incident and postmortem exist and agree,
// filling the incident from the postmortem when only that is given.
func (s *Service) linkActionItem(ctx context.Context, item *ActionItem) error {
	if item.PostmortemID != nil {
		pm, err := s.store.Postmortem(ctx, *item.PostmortemID)
		if err != nil {
			if IsCode(err, ENotFound) {
				return Errorf(EInvalid, "postmortem_id", "Postmortem %d does not exist.", *item.PostmortemID)
			}
			return err
		}
		if pm.IncidentID != nil {
			if item.IncidentID != nil && *item.IncidentID != *pm.IncidentID {
				return Errorf(EInvalid, "incident_id", "Postmortem %s is about incident %d, not %d.", pm.Key, *pm.IncidentID, *item.IncidentID)
			}
			id := *pm.IncidentID
			item.IncidentID = &id
		}
	}
	if item.IncidentID != nil {
		if _, err := s.store.Incident(ctx, *item.IncidentID); err != nil {
			if IsCode(err, ENotFound) {
				return Errorf(EInvalid, "incident_id", "Incident %d does not exist.", *item.IncidentID)
			}
			return err
		}
	}
	return nil
}

// ActionItem returns one action item.
func (s *Service) ActionItem(ctx context.Context, id int64) (*ActionItem, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	return s.visibleActionItem(ctx, a, id)
}

// ActionItemByRef returns the action item named by "3" or "AI-3".
func (s *Service) ActionItemByRef(ctx context.Context, ref string) (*ActionItem, error) {
	id, err := ParseRef(ref, ActionItemKeyPrefix)
	if err != nil {
		return nil, err
	}
	return s.ActionItem(ctx, id)
}

// ActionItemPatch names the fields an update changes.
type ActionItemPatch struct {
	Title      *string       `json:"title,omitempty"`
	Owner      *string       `json:"owner,omitempty"`
	DueDate    *time.Time    `json:"due_date,omitempty"`
	Priority   *Priority     `json:"priority,omitempty"`
	Type       *ActionType   `json:"type,omitempty"`
	Status     *ActionStatus `json:"status,omitempty"`
	TrackerURL *string       `json:"tracker_url,omitempty"`
	// VerifyRequired and Verification: see ActionItem.
	VerifyRequired *bool   `json:"verify_required,omitempty"`
	Verification   *string `json:"verification,omitempty"`
	// Clear lists optional fields to unset: due_date, tracker_url, verification.
	Clear []string `json:"clear,omitempty"`
}

// UpdateActionItem applies p if the item is still at ifVersion.
func (s *Service) UpdateActionItem(ctx context.Context, id int64, p ActionItemPatch, ifVersion int) (*ActionItem, error) {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return nil, err
	}
	cur, err := s.visibleActionItem(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if cur.Version != ifVersion {
		return nil, Conflict("action item", cur, cur.Version)
	}
	next := *cur
	if p.Title != nil {
		next.Title = *p.Title
	}
	if p.Owner != nil {
		next.Owner = strings.TrimSpace(*p.Owner)
	}
	if p.DueDate != nil {
		next.DueDate = normTimePtr(p.DueDate)
	}
	if p.Priority != nil {
		next.Priority = *p.Priority
	}
	if p.Type != nil {
		next.Type = *p.Type
	}
	if p.Status != nil {
		next.Status = *p.Status
	}
	if p.TrackerURL != nil {
		next.TrackerURL = strings.TrimSpace(*p.TrackerURL)
	}
	if p.VerifyRequired != nil {
		next.VerifyRequired = *p.VerifyRequired
	}
	if p.Verification != nil {
		next.Verification = *p.Verification
	}
	for _, f := range p.Clear {
		switch f {
		case "due_date":
			next.DueDate = nil
		case "tracker_url":
			next.TrackerURL = ""
		case "verification":
			next.Verification = ""
		default:
			return nil, Errorf(EInvalid, "clear", "%q cannot be cleared; only due_date, tracker_url and verification can.", f)
		}
	}
	if err := next.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkVerification(ctx, cur, &next); err != nil {
		return nil, err
	}
	now := s.Now()
	switch {
	case next.Status.Closed() && !cur.Status.Closed():
		next.CompletedAt = &now
	case !next.Status.Closed():
		next.CompletedAt = nil
	}
	changes := Diff(cur, &next)
	if len(changes) == 0 {
		return cur, nil
	}
	next.UpdatedAt = now
	if err := s.store.UpdateActionItem(ctx, &next, ifVersion, s.revision(a, EntityActionItem, id, ifVersion+1, "update", changes)); err != nil {
		return nil, err
	}
	s.publishActionItem(nil, a, &next)
	return &next, nil
}

// DeleteActionItem removes an action item if it is still at ifVersion.
func (s *Service) DeleteActionItem(ctx context.Context, id int64, ifVersion int) error {
	a, err := s.require(ctx, RoleResponder)
	if err != nil {
		return err
	}
	cur, err := s.visibleActionItem(ctx, a, id)
	if err != nil {
		return err
	}
	if cur.Version != ifVersion {
		return Conflict("action item", cur, cur.Version)
	}
	err = s.store.DeleteActionItem(ctx, id, ifVersion, s.revision(a, EntityActionItem, id, ifVersion+1, "delete", Snapshot(cur)))
	s.publishActionItem(err, a, cur)
	return err
}

// ListActionItems returns a page of action items.
func (s *Service) ListActionItems(ctx context.Context, f ActionItemFilter) (Page[*ActionItem], error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return Page[*ActionItem]{}, err
	}
	for _, st := range f.Status {
		if !st.Valid() {
			return Page[*ActionItem]{}, Errorf(EInvalid, "status", "Unknown status %q; use open, in_progress, done or wont_do.", st)
		}
	}
	if _, err := DecodeCursor(f.After); err != nil {
		return Page[*ActionItem]{}, err
	}
	f.Limit = PageLimit(f.Limit)
	if a.Role == RoleAdmin {
		return s.store.ListActionItems(ctx, f)
	}
	v := s.visibility(a)
	return filterPage(f.After, f.Limit, func(after string) (Page[*ActionItem], error) {
		g := f
		g.After = after
		return s.store.ListActionItems(ctx, g)
	}, func(it *ActionItem) (bool, error) {
		if ok, err := v.incident(ctx, it.IncidentID); !ok || err != nil {
			return false, err
		}
		return v.postmortem(ctx, it.PostmortemID)
	},
		func(it *ActionItem) string { return EncodeCursor(it.ID) })
}
