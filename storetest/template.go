package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("TemplateVersions", testTemplateVersions)
	Register("TemplateDeleteKeepsVersions", testTemplateDeleteKeepsVersions)
	Register("TemplateService", testTemplateService)
}

func sampleTemplate(key, name string) *debrief.CustomTemplate {
	return &debrief.CustomTemplate{
		Template: debrief.Template{Key: key, Name: name, Description: "For incidents where data may have been exposed.", Kind: debrief.KindIncident,
			Sections: []debrief.TemplateSection{
				{Key: "summary", Heading: "Summary", Guidance: "What happened.", Required: true, StartingText: "{{incident.title}} lasted {{incident.duration}}."},
				{Key: "exposure", Heading: "Data exposure", Guidance: "What was exposed.", Required: true, Internal: true},
			}},
		Policy:    debrief.TemplatePolicy{Severities: []string{"SEV1", "SEV2"}, IncidentTypes: []string{"security"}, RequiredFor: []string{"SEV1"}, DueDays: 3},
		CreatedBy: "admin@example.com", CreatedAt: at(0),
	}
}

func templateStore(t *testing.T, open Opener) debrief.TemplateStore {
	t.Helper()
	ts, ok := open(t).(debrief.TemplateStore)
	if !ok {
		t.Fatalf("the store does not implement debrief.TemplateStore")
	}
	return ts
}

func testTemplateVersions(t *testing.T, open Opener) {
	ctx := context.Background()
	ts := templateStore(t, open)
	v1 := sampleTemplate("security", "Security incident")
	must(t, ts.CreateTemplate(ctx, v1, nil), "CreateTemplate(security)")
	if v1.Version != 1 {
		t.Fatalf("CreateTemplate set Version = %d, want 1", v1.Version)
	}
	got, err := ts.CustomTemplate(ctx, "security")
	must(t, err, "CustomTemplate(security)")
	if diff := cmp.Diff(v1, got); diff != "" {
		t.Errorf("CustomTemplate(security) differs from what was created (-want +got):\n%s", diff)
	}
	wantCode(t, ts.CreateTemplate(ctx, sampleTemplate("security", "Again"), nil), debrief.EConflict, "CreateTemplate(existing key)")

	v2 := sampleTemplate("security", "Security incident (v2)")
	v2.Sections = append(v2.Sections, debrief.TemplateSection{Key: "notification", Heading: "Customer notification", Required: true})
	v2.CreatedAt = at(time.Hour)
	must(t, ts.UpdateTemplate(ctx, v2, 1, nil), "UpdateTemplate(security, 1)")
	if v2.Version != 2 {
		t.Fatalf("UpdateTemplate set Version = %d, want 2", v2.Version)
	}
	stale := sampleTemplate("security", "Stale edit")
	err = ts.UpdateTemplate(ctx, stale, 1, nil)
	wantCode(t, err, debrief.EConflict, "UpdateTemplate(security, stale 1)")
	if cur, ok := err.(*debrief.Error).Current.(*debrief.CustomTemplate); !ok || cur.Version != 2 {
		t.Errorf("UpdateTemplate(stale) Current = %#v, want version 2", err.(*debrief.Error).Current)
	}
	wantCode(t, ts.UpdateTemplate(ctx, sampleTemplate("nope", "N"), 1, nil), debrief.ENotFound, "UpdateTemplate(unknown key)")

	old, err := ts.CustomTemplateVersion(ctx, "security", 1)
	must(t, err, "CustomTemplateVersion(security, 1)")
	if diff := cmp.Diff(v1, old); diff != "" {
		t.Errorf("version 1 changed after an update (-want +got):\n%s", diff)
	}
	latest, err := ts.CustomTemplate(ctx, "security")
	must(t, err, "CustomTemplate(security)")
	if diff := cmp.Diff(v2, latest); diff != "" {
		t.Errorf("CustomTemplate after update (-want +got):\n%s", diff)
	}
	versions, err := ts.ListTemplateVersionsAfter(ctx, "security", 0, 10)
	must(t, err, "ListTemplateVersionsAfter(security)")
	if len(versions) != 2 || versions[0].Version != 2 || versions[1].Version != 1 {
		t.Errorf("ListTemplateVersionsAfter = %d versions, want 2 then 1", len(versions))
	}
	_, err = ts.CustomTemplateVersion(ctx, "security", 3)
	wantCode(t, err, debrief.ENotFound, "CustomTemplateVersion(security, 3)")
	_, err = ts.CustomTemplate(ctx, "nope")
	wantCode(t, err, debrief.ENotFound, "CustomTemplate(nope)")
	_, err = ts.ListTemplateVersionsAfter(ctx, "nope", 0, 10)
	wantCode(t, err, debrief.ENotFound, "ListTemplateVersionsAfter(nope)")
	_, err = ts.ListTemplateVersionsAfter(ctx, "nope", 5, 10)
	wantCode(t, err, debrief.ENotFound, "ListTemplateVersionsAfter(nope, after 5)")
	if past, err := ts.ListTemplateVersionsAfter(ctx, "security", 1, 10); err != nil || len(past) != 0 {
		t.Errorf("ListTemplateVersionsAfter(security, after 1) = %d versions, %v; want none past the oldest", len(past), err)
	}

	must(t, ts.CreateTemplate(ctx, sampleTemplate("billing", "Billing incident"), nil), "CreateTemplate(billing)")
	list, err := ts.ListCustomTemplates(ctx)
	must(t, err, "ListCustomTemplates")
	if len(list) != 2 || list[0].Key != "billing" || list[1].Key != "security" || list[1].Version != 2 {
		t.Errorf("ListCustomTemplates = %v, want billing v1 then security v2", keysOf(list))
	}
}

func keysOf(list []*debrief.CustomTemplate) []string {
	var out []string
	for _, t := range list {
		out = append(out, t.Key)
	}
	return out
}

func testTemplateDeleteKeepsVersions(t *testing.T, open Opener) {
	ctx := context.Background()
	ts := templateStore(t, open)
	must(t, ts.CreateTemplate(ctx, sampleTemplate("security", "S"), nil), "CreateTemplate")
	must(t, ts.UpdateTemplate(ctx, sampleTemplate("security", "S2"), 1, nil), "UpdateTemplate")
	wantCode(t, ts.DeleteTemplate(ctx, "security", 1, nil), debrief.EConflict, "DeleteTemplate(stale version)")
	must(t, ts.DeleteTemplate(ctx, "security", 2, nil), "DeleteTemplate(security, 2)")
	wantCode(t, ts.DeleteTemplate(ctx, "security", 2, nil), debrief.ENotFound, "DeleteTemplate(deleted)")
	_, err := ts.CustomTemplate(ctx, "security")
	wantCode(t, err, debrief.ENotFound, "CustomTemplate(deleted)")
	wantCode(t, ts.UpdateTemplate(ctx, sampleTemplate("security", "S3"), 2, nil), debrief.ENotFound, "UpdateTemplate(deleted)")
	if list, err := ts.ListCustomTemplates(ctx); err != nil || len(list) != 0 {
		t.Errorf("ListCustomTemplates after delete = %v, %v; want none", keysOf(list), err)
	}
	// Postmortems made from a deleted template can still show it.
	v2, err := ts.CustomTemplateVersion(ctx, "security", 2)
	must(t, err, "CustomTemplateVersion(deleted, 2)")
	if v2.Name != "S2" || !v2.Deleted {
		t.Errorf("CustomTemplateVersion(deleted, 2) = %q deleted=%v, want S2 marked deleted", v2.Name, v2.Deleted)
	}
	v1, err := ts.CustomTemplateVersion(ctx, "security", 1)
	must(t, err, "CustomTemplateVersion(deleted, 1)")
	if v1.Name != "S" || v1.Deleted {
		t.Errorf("CustomTemplateVersion(deleted, 1) = %q deleted=%v, want S not marked deleted", v1.Name, v1.Deleted)
	}
	// Creating the key again continues the numbering, so versions are never reused.
	again := sampleTemplate("security", "S again")
	must(t, ts.CreateTemplate(ctx, again, nil), "CreateTemplate(after delete)")
	if again.Version != 3 {
		t.Errorf("CreateTemplate after delete set Version = %d, want 3", again.Version)
	}
	if versions, err := ts.ListTemplateVersionsAfter(ctx, "security", 0, 10); err != nil || len(versions) != 3 {
		t.Errorf("ListTemplateVersionsAfter = %d, %v; want 3 versions", len(versions), err)
	}
}

// testTemplateService drives templates through the Service on the real
// store: a postmortem keeps the template version it was created with.
func testTemplateService(t *testing.T, open Opener) {
	store := open(t)
	ts := store.(debrief.TemplateStore)
	now := at(0)
	svc := debrief.NewService(store, debrief.WithClock(func() time.Time { return now }), debrief.WithTemplates(debrief.StoreTemplates(ts)))
	admin := debrief.WithActor(context.Background(), debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin})
	responder := debrief.WithActor(context.Background(), debrief.Actor{Email: "r@example.com", Role: debrief.RoleResponder})

	_, err := svc.CreateTemplate(responder, sampleTemplate("security", "S"))
	wantCode(t, err, debrief.EForbidden, "CreateTemplate(as responder)")
	_, err = svc.CreateTemplate(admin, sampleTemplate("incident", "Mine"))
	wantCode(t, err, debrief.EInvalid, "CreateTemplate(built-in key)")
	v1, err := svc.CreateTemplate(admin, sampleTemplate("security", "S"))
	must(t, err, "CreateTemplate(security)")

	inc, err := svc.CreateIncident(admin, &debrief.Incident{Title: "Customer emails visible to other accounts", Severity: "SEV2",
		StartedAt: at(-time.Hour), Labels: []string{"security"}})
	must(t, err, "CreateIncident")
	chosen, err := svc.TemplateForIncident(admin, inc)
	must(t, err, "TemplateForIncident")
	if chosen.Key != "security" {
		t.Errorf("TemplateForIncident(SEV2, security) = %q, want security", chosen.Key)
	}
	pm, err := svc.CreatePostmortem(admin, debrief.NewPostmortem{IncidentID: &inc.ID, Template: "security"})
	must(t, err, "CreatePostmortem(security)")
	if pm.Template != "security" || pm.TemplateVersion != v1.Version || len(pm.Sections) != 2 || !pm.Sections[1].Internal {
		t.Fatalf("CreatePostmortem = template %s v%d with %d sections, want security v1 with its 2 sections", pm.Template, pm.TemplateVersion, len(pm.Sections))
	}

	// Without a template named, the one whose policy fits the incident is used.
	inc2, err := svc.CreateIncident(admin, &debrief.Incident{Title: "Access tokens logged in plain text", Severity: "SEV1",
		StartedAt: at(-time.Hour), Labels: []string{"Security"}})
	must(t, err, "CreateIncident(second)")
	pm2, err := svc.CreatePostmortem(admin, debrief.NewPostmortem{IncidentID: &inc2.ID})
	must(t, err, "CreatePostmortem(no template)")
	if pm2.Template != "security" {
		t.Errorf("CreatePostmortem(SEV1 security incident, no template) used %q, want security", pm2.Template)
	}
	inc3, err := svc.CreateIncident(admin, &debrief.Incident{Title: "Search results were slow for 20 minutes", Severity: "SEV1", StartedAt: at(-time.Hour)})
	must(t, err, "CreateIncident(third)")
	pm3, err := svc.CreatePostmortem(admin, debrief.NewPostmortem{IncidentID: &inc3.ID})
	must(t, err, "CreatePostmortem(no template, no label)")
	if pm3.Template != debrief.TemplateIncident {
		t.Errorf("CreatePostmortem(SEV1 without labels, no template) used %q, want incident", pm3.Template)
	}

	// Applying the same content changes nothing; new content adds a version.
	_, changed, err := svc.ApplyTemplate(admin, sampleTemplate("security", "S"))
	must(t, err, "ApplyTemplate(same)")
	if changed {
		t.Errorf("ApplyTemplate(same content) changed = true, want false")
	}
	v2in := sampleTemplate("security", "S")
	v2in.Sections = v2in.Sections[:1]
	v2, changed, err := svc.ApplyTemplate(admin, v2in)
	must(t, err, "ApplyTemplate(changed)")
	if !changed || v2.Version != 2 {
		t.Errorf("ApplyTemplate(changed) = v%d changed=%v, want v2 changed", v2.Version, changed)
	}
	_, err = svc.UpdateTemplate(admin, "security", sampleTemplate("security", "S3"), 1)
	wantCode(t, err, debrief.EConflict, "UpdateTemplate(stale)")

	// The postmortem still shows the version it was made from.
	got, err := svc.PostmortemTemplate(admin, pm)
	must(t, err, "PostmortemTemplate")
	if got.Version != 1 || len(got.Sections) != 2 {
		t.Errorf("PostmortemTemplate = v%d with %d sections, want v1 with 2", got.Version, len(got.Sections))
	}
	must(t, svc.DeleteTemplate(admin, "security", 2), "DeleteTemplate")
	got, err = svc.PostmortemTemplate(admin, pm)
	must(t, err, "PostmortemTemplate(after delete)")
	if got.Version != 1 {
		t.Errorf("PostmortemTemplate after delete = v%d, want v1", got.Version)
	}
	all, err := svc.TemplateDefinitions(admin)
	must(t, err, "TemplateDefinitions")
	if len(all) != 3 {
		t.Errorf("TemplateDefinitions after delete = %d templates, want the 3 built-in ones", len(all))
	}
	_, err = svc.CreatePostmortem(admin, debrief.NewPostmortem{IncidentID: &inc.ID, Template: "security"})
	wantCode(t, err, debrief.EInvalid, "CreatePostmortem(deleted template)")
	req, err := svc.PostmortemRequirementFor(admin, inc)
	must(t, err, "PostmortemRequirementFor")
	if req.Template != debrief.TemplateIncident || !req.Required {
		t.Errorf("PostmortemRequirementFor(SEV2) = %+v, want the incident template, required", req)
	}
}
