package debrief

import (
	"strings"
	"testing"
	"time"
)

func validTemplate() *CustomTemplate {
	return &CustomTemplate{
		Template: Template{Key: "security", Name: "Security incident", Sections: []TemplateSection{{Key: "summary", Heading: "Summary", Required: true}}},
		Policy:   TemplatePolicy{Severities: []string{"sev1", "SEV1", " SEV2 "}, IncidentTypes: []string{"security"}, RequiredFor: []string{"SEV1"}, DueDays: 3},
	}
}

func TestCustomTemplateValidate(t *testing.T) {
	ct := validTemplate()
	if err := ct.Validate(DefaultSeverities); err != nil {
		t.Fatalf("Validate(valid) = %v", err)
	}
	if ct.Kind != KindIncident || strings.Join(ct.Policy.Severities, ",") != "SEV1,SEV2" {
		t.Errorf("Validate did not normalise: kind %q, severities %v; want incident and SEV1,SEV2", ct.Kind, ct.Policy.Severities)
	}
	cases := []struct {
		name  string
		edit  func(*CustomTemplate)
		field string
	}{
		{"bad key", func(c *CustomTemplate) { c.Key = "Security Team" }, "key"},
		{"built-in key", func(c *CustomTemplate) { c.Key = TemplateSRE }, "key"},
		{"no name", func(c *CustomTemplate) { c.Name = " " }, "name"},
		{"bad kind", func(c *CustomTemplate) { c.Kind = "meeting" }, "kind"},
		{"no sections", func(c *CustomTemplate) { c.Sections = nil }, "sections"},
		{"duplicate section", func(c *CustomTemplate) { c.Sections = append(c.Sections, c.Sections[0]) }, "sections[1].key"},
		{"multi-line heading", func(c *CustomTemplate) { c.Sections[0].Heading = "A\nB" }, "sections[0].heading"},
		{"negative due days", func(c *CustomTemplate) { c.Policy.DueDays = -1 }, "policy.due_days"},
		{"unknown severity", func(c *CustomTemplate) { c.Policy.RequiredFor = []string{"SEV7"} }, "policy.required_for"},
		{"project with policy", func(c *CustomTemplate) { c.Kind = KindProject }, "policy"},
	}
	for _, tc := range cases {
		ct := validTemplate()
		tc.edit(ct)
		err := ct.Validate(DefaultSeverities)
		if !IsCode(err, EInvalid) || ErrorField(err) != tc.field {
			t.Errorf("Validate(%s) = %v (field %q), want EInvalid on %q", tc.name, err, ErrorField(err), tc.field)
		}
	}
}

func TestTemplatePolicy(t *testing.T) {
	sec := &CustomTemplate{Template: Template{Key: "security", Kind: KindIncident}, Policy: TemplatePolicy{IncidentTypes: []string{"security"}}}
	sev1Sec := &CustomTemplate{Template: Template{Key: "sev1-security", Kind: KindIncident}, Policy: TemplatePolicy{Severities: []string{"SEV1"}, IncidentTypes: []string{"security"}}}
	major := &CustomTemplate{Template: Template{Key: "major", Kind: KindIncident}, Policy: TemplatePolicy{Severities: []string{"SEV1", "SEV2"}}}
	byKey := &CustomTemplate{Template: Template{Key: "any", Kind: KindIncident}}
	all := []*CustomTemplate{byKey, major, sec, sev1Sec}
	cases := []struct {
		severity string
		labels   []string
		want     string
	}{
		{"SEV1", []string{"Security"}, "sev1-security"},
		{"SEV2", []string{"security"}, "security"},
		{"SEV2", nil, "major"},
		{"SEV3", []string{"billing"}, ""},
	}
	for _, tc := range cases {
		got := ""
		if ct := ChooseTemplate(all, tc.severity, tc.labels); ct != nil {
			got = ct.Key
		}
		if got != tc.want {
			t.Errorf("ChooseTemplate(%s, %v) = %q, want %q", tc.severity, tc.labels, got, tc.want)
		}
	}
	p := TemplatePolicy{RequiredFor: []string{"SEV1"}, DueDays: 5}
	if !p.Requires("sev1") || p.Requires("SEV2") {
		t.Errorf("Requires: want SEV1 (any case) only")
	}
	resolved := time.Date(2026, 3, 10, 14, 49, 0, 0, time.UTC)
	if due := p.DueAt(&resolved); due == nil || !due.Equal(resolved.AddDate(0, 0, 5)) {
		t.Errorf("DueAt = %v, want five days after resolution", due)
	}
	if (TemplatePolicy{}).DueAt(&resolved) != nil || p.DueAt(nil) != nil {
		t.Errorf("DueAt without a deadline or a resolution should be nil")
	}
	a, b := validTemplate(), validTemplate()
	b.Version, b.CreatedBy, b.CreatedAt = 4, "x", resolved
	if !a.SameContent(b) {
		t.Errorf("SameContent ignoring bookkeeping = false, want true")
	}
	b.Sections[0].Guidance = "new"
	if a.SameContent(b) {
		t.Errorf("SameContent with changed guidance = true, want false")
	}
}
