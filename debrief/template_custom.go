package debrief

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"
)

// TemplatePolicy says which incidents a template is for and what it asks of
// their postmortems.
type TemplatePolicy struct {
	// Severities lists the incident severities the template applies to;
	// empty means any.
	Severities []string `json:"severities" yaml:"severities,omitempty"`
	// IncidentTypes lists incident labels (such as "security") the template
	// applies to; empty means any.
	IncidentTypes []string `json:"incident_types" yaml:"incident_types,omitempty"`
	// RequiredFor lists the severities for which a postmortem must be written.
	RequiredFor []string `json:"required_for" yaml:"required_for,omitempty"`
	// DueDays is how many days after the incident is resolved the
	// postmortem is due to be published; 0 means no deadline.
	DueDays int `json:"due_days" yaml:"due_days,omitempty"`
	// VerifyFor lists the severities whose action items need a verification
	// (a note or link showing the fix shipped) before they can be marked done.
	VerifyFor []string `json:"verify_for,omitempty" yaml:"verify_for,omitempty"`
}

// DefaultTemplatePolicy is the policy of the built-in incident templates:
// postmortems are required for the two most severe levels and due within
// five days of resolution, while memories are fresh.
var DefaultTemplatePolicy = TemplatePolicy{RequiredFor: []string{"SEV1", "SEV2"}, DueDays: 5}

// CustomTemplate is one version of a template an installation defined
// beside the built-in ones. Every version is kept, so a postmortem made from
// an older version can still show the template it was created with.
type CustomTemplate struct {
	Template `yaml:",inline"`
	Policy   TemplatePolicy `json:"policy" yaml:"policy"`
	// CreatedBy and CreatedAt say who saved this version and when.
	CreatedBy string    `json:"created_by" yaml:"-"`
	CreatedAt time.Time `json:"created_at" yaml:"-"`
	// Deleted is set on the latest version of a template that was deleted;
	// its versions stay readable for the postmortems made from them.
	Deleted bool `json:"deleted,omitempty" yaml:"-"`
}

// Limits on custom templates, so that one template cannot exhaust storage or
// make every new postmortem unwieldy.
const (
	MaxTemplateSections  = 50
	MaxTemplateGuidance  = 4 << 10
	MaxTemplateStarting  = 64 << 10
	MaxTemplateDueDays   = 365
	MaxTemplateNameLen   = 200
	MaxTemplateDescLen   = 2000
	maxTemplatePolicyLen = 50
)

// BuiltInCustom returns the built-in template with key wrapped with its
// default policy, or nil, so built-in and custom templates can be listed and
// exported the same way.
func BuiltInCustom(key string) *CustomTemplate {
	t := BuiltInTemplate(key)
	if t == nil {
		return nil
	}
	ct := &CustomTemplate{Template: *t}
	if t.Kind == KindIncident {
		ct.Policy = TemplatePolicy{RequiredFor: append([]string(nil), DefaultTemplatePolicy.RequiredFor...), DueDays: DefaultTemplatePolicy.DueDays}
	} else {
		ct.Policy = TemplatePolicy{DueDays: 14}
	}
	ct.Policy.Severities, ct.Policy.IncidentTypes = []string{}, []string{}
	if ct.Policy.RequiredFor == nil {
		ct.Policy.RequiredFor = []string{}
	}
	return ct
}

// Validate checks a custom template and normalises it: trimmed text, keys
// lowercase, lists without duplicates. severities are the configured levels
// that Policy may name (nil skips that check).
func (t *CustomTemplate) Validate(severities []SeverityLevel) error {
	if err := CheckStrings(t); err != nil {
		return err
	}
	t.Key = strings.TrimSpace(t.Key)
	if !validKey(t.Key) {
		return Errorf(EInvalid, "key", "The template key %q must be 1 to 64 lowercase letters, digits, '-' or '_', e.g. security-incident.", truncate(t.Key, 70))
	}
	if BuiltInTemplate(t.Key) != nil {
		return Errorf(EInvalid, "key", "%q is a built-in template; choose another key for your own template.", t.Key)
	}
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" {
		return Errorf(EInvalid, "name", "The template needs a name people will recognise, e.g. 'Security incident'.")
	}
	if len(t.Name) > MaxTemplateNameLen {
		return Errorf(EInvalid, "name", "The name is too long (at most %d characters).", MaxTemplateNameLen)
	}
	t.Description = strings.TrimSpace(t.Description)
	if len(t.Description) > MaxTemplateDescLen {
		return Errorf(EInvalid, "description", "The description is too long (at most %d characters).", MaxTemplateDescLen)
	}
	if t.Kind == "" {
		t.Kind = KindIncident
	}
	if t.Kind != KindIncident && t.Kind != KindProject {
		return Errorf(EInvalid, "kind", "Unknown kind %q; use incident or project.", truncate(string(t.Kind), 40))
	}
	t.BuiltIn = false
	if len(t.Sections) == 0 {
		return Errorf(EInvalid, "sections", "A template needs at least one section.")
	}
	if len(t.Sections) > MaxTemplateSections {
		return Errorf(EInvalid, "sections", "A template may have at most %d sections; it has %d.", MaxTemplateSections, len(t.Sections))
	}
	seen := map[string]bool{}
	for i := range t.Sections {
		s := &t.Sections[i]
		s.Key = strings.TrimSpace(s.Key)
		field := "sections[" + strconv.Itoa(i) + "]"
		if !validKey(s.Key) {
			return Errorf(EInvalid, field+".key", "Section %d: the key %q must be 1 to 64 lowercase letters, digits, '-' or '_'.", i+1, truncate(s.Key, 70))
		}
		if seen[s.Key] {
			return Errorf(EInvalid, field+".key", "Section key %q appears twice; each section needs its own key.", s.Key)
		}
		seen[s.Key] = true
		s.Heading = strings.TrimSpace(s.Heading)
		if s.Heading == "" {
			return Errorf(EInvalid, field+".heading", "Section %q needs a heading.", s.Key)
		}
		if len(s.Heading) > MaxTemplateNameLen || strings.ContainsAny(s.Heading, "\r\n") {
			return Errorf(EInvalid, field+".heading", "Section %q: the heading must be one line of at most %d characters.", s.Key, MaxTemplateNameLen)
		}
		s.Guidance = strings.TrimSpace(s.Guidance)
		if len(s.Guidance) > MaxTemplateGuidance {
			return Errorf(EInvalid, field+".guidance", "Section %q: the guidance is too long (at most %d bytes).", s.Key, MaxTemplateGuidance)
		}
		if len(s.StartingText) > MaxTemplateStarting {
			return Errorf(EInvalid, field+".starting_text", "Section %q: the starting text is too long (at most %d bytes).", s.Key, MaxTemplateStarting)
		}
	}
	p := &t.Policy
	if p.DueDays < 0 || p.DueDays > MaxTemplateDueDays {
		return Errorf(EInvalid, "policy.due_days", "due_days must be between 0 (no deadline) and %d; got %d.", MaxTemplateDueDays, p.DueDays)
	}
	var err error
	if p.Severities, err = cleanPolicyList("policy.severities", p.Severities, severities, true); err != nil {
		return err
	}
	if p.RequiredFor, err = cleanPolicyList("policy.required_for", p.RequiredFor, severities, true); err != nil {
		return err
	}
	if p.IncidentTypes, err = cleanPolicyList("policy.incident_types", p.IncidentTypes, nil, false); err != nil {
		return err
	}
	if p.VerifyFor, err = cleanPolicyList("policy.verify_for", p.VerifyFor, severities, true); err != nil {
		return err
	}
	if t.Kind == KindProject && (len(p.Severities) > 0 || len(p.IncidentTypes) > 0 || len(p.RequiredFor) > 0 || len(p.VerifyFor) > 0) {
		return Errorf(EInvalid, "policy", "A project template has no incidents, so it cannot apply to severities or incident types.")
	}
	return nil
}

func cleanPolicyList(field string, in []string, severities []SeverityLevel, isSeverity bool) ([]string, error) {
	if len(in) > maxTemplatePolicyLen {
		return nil, Errorf(EInvalid, field, "At most %d entries are allowed in %s.", maxTemplatePolicyLen, field)
	}
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, v := range in {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if len(v) > MaxListItemLen {
			return nil, Errorf(EInvalid, field, "%q is too long for an entry of %s.", truncate(v, 40), field)
		}
		if isSeverity {
			v = strings.ToUpper(v)
			if severities != nil && !knownSeverity(severities, v) {
				return nil, Errorf(EInvalid, field, "Unknown severity %q in %s; use %s.", truncate(v, 40), field, severityNames(severities))
			}
		}
		if seen[strings.ToLower(v)] {
			continue
		}
		seen[strings.ToLower(v)] = true
		out = append(out, v)
	}
	return out, nil
}

// SameContent reports whether t and u define the same template, ignoring
// version and bookkeeping, so applying an unchanged file adds no version.
func (t *CustomTemplate) SameContent(u *CustomTemplate) bool {
	a, b := *t, *u
	a.Version, b.Version = 0, 0
	a.CreatedBy, b.CreatedBy = "", ""
	a.CreatedAt, b.CreatedAt = time.Time{}, time.Time{}
	a.Deleted, b.Deleted = false, false
	ja, errA := json.Marshal(&a)
	jb, errB := json.Marshal(&b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// Applies reports how well the template's policy fits an incident: 0 when it
// does not apply, higher when it names the incident's type and severity, so
// the most specific template wins.
func (p TemplatePolicy) Applies(severity string, labels []string) int {
	score := 1
	if len(p.Severities) > 0 {
		if !containsFold(p.Severities, severity) {
			return 0
		}
		score++
	}
	if len(p.IncidentTypes) > 0 {
		match := false
		for _, l := range labels {
			if containsFold(p.IncidentTypes, l) {
				match = true
				break
			}
		}
		if !match {
			return 0
		}
		score += 2
	}
	return score
}

// Requires reports whether the policy requires a postmortem for severity.
func (p TemplatePolicy) Requires(severity string) bool { return containsFold(p.RequiredFor, severity) }

// VerifiesDone reports whether the policy makes action items of incidents
// of severity need a verification before they are marked done.
func (p TemplatePolicy) VerifiesDone(severity string) bool {
	return containsFold(p.VerifyFor, severity)
}

// DueAt returns when a postmortem for an incident resolved at resolved is
// due, or nil when the policy sets no deadline or the incident is not resolved.
func (p TemplatePolicy) DueAt(resolved *time.Time) *time.Time {
	if p.DueDays <= 0 || resolved == nil {
		return nil
	}
	d := resolved.UTC().AddDate(0, 0, p.DueDays)
	return &d
}

func containsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}

// ChooseTemplate picks, among custom templates, the one that fits an incident
// best (see TemplatePolicy.Applies; ties go to the lower key so the choice
// is stable), or nil when none applies.
func ChooseTemplate(custom []*CustomTemplate, severity string, labels []string) *CustomTemplate {
	list := append([]*CustomTemplate(nil), custom...)
	sort.Slice(list, func(i, j int) bool { return list[i].Key < list[j].Key })
	var best *CustomTemplate
	bestScore := 0
	for _, t := range list {
		if t.Kind != KindIncident || t.Deleted {
			continue
		}
		// A template that names neither severities nor types is chosen by
		// key only, never automatically.
		if len(t.Policy.Severities) == 0 && len(t.Policy.IncidentTypes) == 0 {
			continue
		}
		if s := t.Policy.Applies(severity, labels); s > bestScore {
			best, bestScore = t, s
		}
	}
	return best
}

// TemplateStore keeps custom templates and every version of each.
type TemplateStore interface {
	// CreateTemplate inserts t as version 1 of a new key (or, when the key
	// was deleted, as the version after the last one), setting t.Version.
	// A key that exists and is not deleted gets EConflict. Each change
	// appends its audit entry in the same transaction.
	CreateTemplate(ctx context.Context, t *CustomTemplate, audit *AuditEntry) error
	// UpdateTemplate appends t as version ifVersion+1 if the latest version
	// of t.Key is ifVersion and not deleted; otherwise EConflict (with the
	// latest version as Current) or ENotFound.
	UpdateTemplate(ctx context.Context, t *CustomTemplate, ifVersion int, audit *AuditEntry) error
	// DeleteTemplate marks the template deleted if its latest version is
	// ifVersion; its versions stay readable.
	DeleteTemplate(ctx context.Context, key string, ifVersion int, audit *AuditEntry) error
	// CustomTemplate returns the latest version of a template that is not
	// deleted, or ENotFound.
	CustomTemplate(ctx context.Context, key string) (*CustomTemplate, error)
	// CustomTemplateVersion returns one version, deleted or not, or ENotFound.
	CustomTemplateVersion(ctx context.Context, key string, version int) (*CustomTemplate, error)
	// ListCustomTemplates returns the latest version of every template that
	// is not deleted, by key.
	ListCustomTemplates(ctx context.Context) ([]*CustomTemplate, error)
	// ListCustomTemplatesAfter returns at most limit custom templates
	// whose key sorts after after ("" for the first page), by key.
	ListCustomTemplatesAfter(ctx context.Context, after string, limit int) ([]*CustomTemplate, error)
	// ListTemplateVersionsAfter returns at most limit versions of a
	// template numbered below after (0 for the first page), newest first:
	// one page of its history; ENotFound when the key never existed.
	ListTemplateVersionsAfter(ctx context.Context, key string, after, limit int) ([]*CustomTemplate, error)
}
