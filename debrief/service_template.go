package debrief

import (
	"context"
	"sort"
	"time"
)

// StoreTemplates returns a TemplateSource over the custom templates in ts,
// for WithTemplates: new postmortems then take the latest version of a
// custom template and record that version.
func StoreTemplates(ts TemplateStore) TemplateSource { return storeTemplates{ts} }

type storeTemplates struct{ ts TemplateStore }

func (s storeTemplates) Template(ctx context.Context, key string) (*Template, error) {
	ct, err := s.ts.CustomTemplate(ctx, key)
	if err != nil {
		return nil, err
	}
	t := ct.Template
	return &t, nil
}

func (s storeTemplates) Templates(ctx context.Context) ([]*Template, error) {
	list, err := s.ts.ListCustomTemplates(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Template, len(list))
	for i, ct := range list {
		t := ct.Template
		out[i] = &t
	}
	return out, nil
}

func noTemplate(key string) error {
	return Errorf(ENotFound, "template", "There is no template %q; the built-in ones are incident, sre and project.", truncate(key, 70))
}

// TemplateDefinition returns the latest version of a template with its
// policy: a custom one, or a built-in one with its default policy.
func (s *Service) TemplateDefinition(ctx context.Context, key string) (*CustomTemplate, error) {
	if _, err := s.require(ctx, RoleViewer); err != nil {
		return nil, err
	}
	return s.templateDefinition(ctx, key)
}

func (s *Service) templateDefinition(ctx context.Context, key string) (*CustomTemplate, error) {
	if ct := BuiltInCustom(key); ct != nil {
		return ct, nil
	}
	ct, err := s.store.CustomTemplate(ctx, key)
	if err == nil || !IsCode(err, ENotFound) {
		return ct, err
	}
	return nil, noTemplate(key)
}

// TemplateDefinitions lists every template with its policy, built-in ones
// first, then custom ones by key.
func (s *Service) TemplateDefinitions(ctx context.Context) ([]*CustomTemplate, error) {
	if _, err := s.require(ctx, RoleViewer); err != nil {
		return nil, err
	}
	var out []*CustomTemplate
	for _, t := range BuiltInTemplates() {
		out = append(out, BuiltInCustom(t.Key))
	}
	custom, err := s.store.ListCustomTemplates(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(custom, func(i, j int) bool { return custom[i].Key < custom[j].Key })
	return append(out, custom...), nil
}

// TemplateAtVersion returns one version of a template, even one since
// changed or deleted, so a postmortem can show the template it was made from.
func (s *Service) TemplateAtVersion(ctx context.Context, key string, version int) (*CustomTemplate, error) {
	if _, err := s.require(ctx, RoleViewer); err != nil {
		return nil, err
	}
	return s.templateAtVersion(ctx, key, version)
}

func (s *Service) templateAtVersion(ctx context.Context, key string, version int) (*CustomTemplate, error) {
	if ct := BuiltInCustom(key); ct != nil {
		if version != ct.Version {
			return nil, Errorf(ENotFound, "version", "The built-in template %q has only version %d.", key, ct.Version)
		}
		return ct, nil
	}
	ts := s.store
	return ts.CustomTemplateVersion(ctx, key, version)
}

// CreateTemplate saves a new custom template as version 1. Only admins
// manage templates because they shape every team's postmortems.
func (s *Service) CreateTemplate(ctx context.Context, in *CustomTemplate) (*CustomTemplate, error) {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return nil, err
	}
	ts := s.store
	t := cloneTemplate(in)
	if err := t.Validate(s.severities); err != nil {
		return nil, err
	}
	if err := s.checkTemplate(t); err != nil {
		return nil, err
	}
	t.CreatedBy, t.CreatedAt, t.Deleted = a.Label(), s.Now(), false
	if err := ts.CreateTemplate(ctx, t, s.audit(ctx, a, AuditTemplateCreate, TargetTemplate, t.Key, nil)); err != nil {
		return nil, err
	}
	return t, nil
}

// UpdateTemplate saves in as the next version of template key if its latest
// version is ifVersion; older versions are kept unchanged.
func (s *Service) UpdateTemplate(ctx context.Context, key string, in *CustomTemplate, ifVersion int) (*CustomTemplate, error) {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return nil, err
	}
	if BuiltInTemplate(key) != nil {
		return nil, Errorf(EInvalid, "key", "Built-in templates cannot be changed; export %q, change the key and apply it as your own.", key)
	}
	ts := s.store
	cur, err := ts.CustomTemplate(ctx, key)
	if err != nil {
		return nil, err
	}
	if cur.Version != ifVersion {
		return nil, Conflict("template", cur, cur.Version)
	}
	t := cloneTemplate(in)
	if t.Key == "" {
		t.Key = key
	}
	if t.Key != key {
		return nil, Errorf(EInvalid, "key", "A template's key cannot change (it is %q); create a new template instead.", key)
	}
	if err := t.Validate(s.severities); err != nil {
		return nil, err
	}
	if err := s.checkTemplate(t); err != nil {
		return nil, err
	}
	if t.SameContent(cur) {
		return cur, nil
	}
	t.CreatedBy, t.CreatedAt, t.Deleted = a.Label(), s.Now(), false
	audit := s.audit(ctx, a, AuditTemplateUpdate, TargetTemplate, key, []Change{change("version", ifVersion, ifVersion+1)})
	if err := ts.UpdateTemplate(ctx, t, ifVersion, audit); err != nil {
		return nil, err
	}
	return t, nil
}

// ApplyTemplate makes the stored template match in, as `debrief template
// apply` does for files kept in git: it creates the template, adds a version
// when the content differs, and changes nothing when it is the same.
func (s *Service) ApplyTemplate(ctx context.Context, in *CustomTemplate) (t *CustomTemplate, changed bool, err error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return nil, false, err
	}
	ts := s.store
	probe := cloneTemplate(in)
	if err := probe.Validate(s.severities); err != nil {
		return nil, false, err
	}
	if err := s.checkTemplate(probe); err != nil {
		return nil, false, err
	}
	cur, err := ts.CustomTemplate(ctx, probe.Key)
	if IsCode(err, ENotFound) {
		t, err := s.CreateTemplate(ctx, probe)
		return t, err == nil, err
	}
	if err != nil {
		return nil, false, err
	}
	if probe.SameContent(cur) {
		return cur, false, nil
	}
	t, err = s.UpdateTemplate(ctx, probe.Key, probe, cur.Version)
	return t, err == nil, err
}

// DeleteTemplate removes a custom template from use if its latest version is
// ifVersion. Its versions stay readable for the postmortems made from them.
func (s *Service) DeleteTemplate(ctx context.Context, key string, ifVersion int) error {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return err
	}
	if BuiltInTemplate(key) != nil {
		return Errorf(EInvalid, "key", "Built-in templates cannot be deleted.")
	}
	ts := s.store
	cur, err := ts.CustomTemplate(ctx, key)
	if err != nil {
		return err
	}
	if cur.Version != ifVersion {
		return Conflict("template", cur, cur.Version)
	}
	return ts.DeleteTemplate(ctx, key, ifVersion, s.audit(ctx, a, AuditTemplateDelete, TargetTemplate, key, nil))
}

// TemplateForIncident returns the template a new postmortem of inc should
// use: the custom template whose policy fits the incident's severity and
// labels best, else the built-in incident template.
func (s *Service) TemplateForIncident(ctx context.Context, inc *Incident) (*CustomTemplate, error) {
	if _, err := s.require(ctx, RoleViewer); err != nil {
		return nil, err
	}
	custom, err := s.store.ListCustomTemplates(ctx)
	if err != nil {
		return nil, err
	}
	if ct := ChooseTemplate(custom, inc.Severity, inc.Labels); ct != nil {
		return ct, nil
	}
	return BuiltInCustom(TemplateIncident), nil
}

// templateKeyFor returns the key of the custom template whose policy fits
// the incident best, or "" when none does (or the incident cannot be read:
// CreatePostmortem reports that itself).
func (s *Service) templateKeyFor(ctx context.Context, incidentID int64) string {
	ts := s.store
	inc, err := s.store.Incident(ctx, incidentID)
	if err != nil {
		return ""
	}
	custom, err := ts.ListCustomTemplates(ctx)
	if err != nil {
		return ""
	}
	if ct := ChooseTemplate(custom, inc.Severity, inc.Labels); ct != nil {
		return ct.Key
	}
	return ""
}

// PostmortemRequirement says whether inc needs a postmortem and when it is
// due, by the policy of the template that applies to it.
type PostmortemRequirement struct {
	Template string     `json:"template"`
	Required bool       `json:"required"`
	DueAt    *time.Time `json:"due_at,omitempty"`
}

// PostmortemRequirementFor applies the policy of the template chosen for inc.
func (s *Service) PostmortemRequirementFor(ctx context.Context, inc *Incident) (PostmortemRequirement, error) {
	ct, err := s.TemplateForIncident(ctx, inc)
	if err != nil {
		return PostmortemRequirement{}, err
	}
	return PostmortemRequirement{Template: ct.Key, Required: ct.Policy.Requires(inc.Severity), DueAt: ct.Policy.DueAt(inc.ResolvedAt)}, nil
}

// PostmortemTemplate returns the template version pm was created from, with
// its policy; when that version is gone (a template from another
// installation) it falls back to the latest one, then to the built-in
// incident template, so checks and rendering always have one.
func (s *Service) PostmortemTemplate(ctx context.Context, pm *Postmortem) (*CustomTemplate, error) {
	if _, err := s.require(ctx, RoleViewer); err != nil {
		return nil, err
	}
	ct, err := s.templateAtVersion(ctx, pm.Template, pm.TemplateVersion)
	if err == nil {
		return ct, nil
	}
	if !IsCode(err, ENotFound) {
		return nil, err
	}
	if ct, err := s.templateDefinition(ctx, pm.Template); err == nil {
		return ct, nil
	}
	if pm.Kind == KindProject {
		return BuiltInCustom(TemplateProject), nil
	}
	return BuiltInCustom(TemplateIncident), nil
}

func cloneTemplate(in *CustomTemplate) *CustomTemplate {
	t := *in
	t.Sections = append([]TemplateSection(nil), in.Sections...)
	t.Policy.Severities = append([]string(nil), in.Policy.Severities...)
	t.Policy.IncidentTypes = append([]string(nil), in.Policy.IncidentTypes...)
	t.Policy.RequiredFor = append([]string(nil), in.Policy.RequiredFor...)
	return &t
}
