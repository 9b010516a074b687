package storetest

import (
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("ImportPostmortem", testImportPostmortem)
	Register("ImportPostmortemAllOrNothing", testImportPostmortemAllOrNothing)
	Register("PublicLinks", testPublicLinks)
}

// sampleImport is a postmortem as a document brings it in.
func sampleImport() *debrief.PostmortemImport {
	return &debrief.PostmortemImport{
		Incident: &debrief.Incident{Title: "Checkout API returned 500s for 47 minutes", Severity: "SEV2", Status: debrief.StatusResolved,
			Services: []string{"checkout"}, StartedAt: at(0), MitigatedAt: ptr(at(31 * time.Minute)), ResolvedAt: ptr(at(47 * time.Minute))},
		Timeline: []*debrief.TimelineEvent{
			{At: at(0), Zone: "Europe/Berlin", Text: "Deploy of payments config v231", Kind: debrief.KindAction, Source: debrief.SourceDeploy},
			{At: at(4 * time.Minute), Zone: "UTC", Text: "Error rate alert fired", Kind: debrief.KindAlert, Source: debrief.SourceAlertmanager, ExternalID: "am:1", Alert: "HighErrorRate"},
		},
		Postmortem: &debrief.Postmortem{Kind: debrief.KindIncident, Title: "Checkout API returned 500s for 47 minutes", Status: debrief.PostmortemDraft,
			Template: "incident", TemplateVersion: 1, Sections: []debrief.Section{{Key: "summary", Heading: "Summary", Body: "It broke."}}},
		ActionItems: []*debrief.ActionItem{{Title: "Add a pool size check to the config linter", Owner: "li@example.com", DueDate: ptr(at(0))}},
	}
}

func testImportPostmortem(t *testing.T, open Opener) {
	s := open(t)
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return at(48 * time.Hour) }))
	ctx := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "ana@example.com", Role: debrief.RoleResponder})
	out, err := svc.ImportPostmortem(ctx, sampleImport())
	must(t, err, "ImportPostmortem(sample)")
	if out.Incident.ID == 0 || out.Postmortem.ID == 0 || out.Postmortem.IncidentID == nil || *out.Postmortem.IncidentID != out.Incident.ID {
		t.Fatalf("ImportPostmortem(sample) = incident %d, postmortem %d linked to %v; want both stored and linked", out.Incident.ID, out.Postmortem.ID, out.Postmortem.IncidentID)
	}
	pm, err := svc.Postmortem(ctx, out.Postmortem.ID)
	must(t, err, "Postmortem(imported)")
	if pm.Title != "Checkout API returned 500s for 47 minutes" || len(pm.Sections) != 1 || pm.Sections[0].Body != "It broke." || pm.CreatedBy != "ana@example.com" {
		t.Errorf("imported postmortem = %+v, want the document's title and sections, created by the importer", pm)
	}
	events, err := svc.ListTimeline(ctx, out.Incident.ID, debrief.TimelineFilter{})
	must(t, err, "ListTimeline(imported)")
	if len(events) != 2 || events[0].Zone != "Europe/Berlin" || !events[1].At.Equal(at(4*time.Minute)) || events[1].Alert != "HighErrorRate" || events[0].Actor != "" {
		t.Errorf("imported timeline = %+v, want the document's 2 with zones, times and alert name kept, and no actor made up", events)
	}
	items, err := svc.ListActionItems(ctx, debrief.ActionItemFilter{PostmortemID: &out.Postmortem.ID})
	must(t, err, "ListActionItems(imported)")
	if len(items.Items) != 1 || items.Items[0].IncidentID == nil || *items.Items[0].IncidentID != out.Incident.ID || items.Items[0].Priority != debrief.PriorityP3 {
		t.Errorf("imported action items = %+v, want one linked to the incident with the default priority", items.Items)
	}
	revs := revisionsOf(t, s, debrief.EntityPostmortem, out.Postmortem.ID)
	if len(revs) != 1 || revs[0].Action != "import" || revs[0].Actor != "ana@example.com" {
		t.Errorf("revisions of the imported postmortem = %+v, want one import by ana@example.com", revs)
	}
	// A project postmortem has no incident.
	proj := &debrief.PostmortemImport{Postmortem: &debrief.Postmortem{Title: "Launch of the new checkout", Sections: []debrief.Section{}}}
	out, err = svc.ImportPostmortem(ctx, proj)
	must(t, err, "ImportPostmortem(project)")
	if out.Postmortem.Kind != debrief.KindProject || out.Postmortem.IncidentID != nil {
		t.Errorf("ImportPostmortem(project) = kind %q incident %v, want a project postmortem without incident", out.Postmortem.Kind, out.Postmortem.IncidentID)
	}
}

func testImportPostmortemAllOrNothing(t *testing.T, open Opener) {
	s := open(t)
	svc := debrief.NewService(s)
	ctx := debrief.WithActor(ctxOf(t), debrief.SystemActor)
	for _, tc := range []struct {
		name   string
		break_ func(*debrief.PostmortemImport)
		code   string
	}{
		{"bad severity", func(i *debrief.PostmortemImport) { i.Incident.Severity = "SEV9" }, debrief.EInvalid},
		{"blank event", func(i *debrief.PostmortemImport) { i.Timeline[1].Text = " " }, debrief.EInvalid},
		{"bad action type", func(i *debrief.PostmortemImport) { i.ActionItems[0].Type = "maybe" }, debrief.EInvalid},
		{"duplicate section", func(i *debrief.PostmortemImport) {
			i.Postmortem.Sections = append(i.Postmortem.Sections, i.Postmortem.Sections[0])
		}, debrief.EInvalid},
		// Passes validation, fails in the store: the same external ID twice.
		{"duplicate external id", func(i *debrief.PostmortemImport) {
			i.Timeline[0].Source, i.Timeline[0].ExternalID = i.Timeline[1].Source, i.Timeline[1].ExternalID
		}, debrief.EInvalid},
	} {
		imp := sampleImport()
		tc.break_(imp)
		_, err := svc.ImportPostmortem(ctx, imp)
		wantCode(t, err, tc.code, "ImportPostmortem("+tc.name+")")
		incs, err := svc.ListIncidents(ctx, debrief.IncidentFilter{})
		must(t, err, "ListIncidents")
		pms, err := svc.ListPostmortems(ctx, debrief.PostmortemFilter{})
		must(t, err, "ListPostmortems")
		items, err := svc.ListActionItems(ctx, debrief.ActionItemFilter{})
		must(t, err, "ListActionItems")
		if len(incs.Items)+len(pms.Items)+len(items.Items) != 0 {
			t.Fatalf("ImportPostmortem(%s) failed but stored %d incidents, %d postmortems, %d action items", tc.name, len(incs.Items), len(pms.Items), len(items.Items))
		}
	}
}

func testPublicLinks(t *testing.T, open Opener) {
	s := open(t)
	now := at(0)
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return now }))
	ctx := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "ana@example.com", Role: debrief.RoleResponder})
	inc := createIncident(t, s, newIncident(1))
	pm := createPostmortem(t, s, newPostmortem(&inc.ID))

	l1, tok1, err := svc.CreatePublicLink(ctx, pm.ID)
	must(t, err, "CreatePublicLink")
	l2, tok2, err := svc.CreatePublicLink(ctx, pm.ID)
	must(t, err, "CreatePublicLink (second)")
	if tok1 == tok2 || len(tok1) < 40 || l1.TokenHash == tok1 {
		t.Fatalf("CreatePublicLink tokens %q and %q: want two different, long tokens stored only as hashes", tok1, tok2)
	}
	for _, tok := range []string{tok1, tok2} {
		id, err := svc.PublicLinkPostmortem(ctxOf(t), tok) // no actor: the token is the permission
		must(t, err, "PublicLinkPostmortem")
		if id != pm.ID {
			t.Errorf("PublicLinkPostmortem(token) = %d, want %d", id, pm.ID)
		}
	}
	links, err := svc.PublicLinksPage(ctx, pm.ID, "", 0)
	must(t, err, "PublicLinksPage")
	if len(links.Items) != 2 || links.Items[0].ID != l2.ID || links.Items[0].CreatedBy != "ana@example.com" || !links.Items[0].CreatedAt.Equal(now) {
		t.Errorf("PublicLinksPage = %+v, want both links, newest first", links.Items)
	}

	now = at(time.Hour)
	revoked, err := svc.RevokePublicLink(ctx, pm.ID, l1.ID)
	must(t, err, "RevokePublicLink")
	if revoked.RevokedAt == nil || !revoked.RevokedAt.Equal(now) {
		t.Errorf("RevokePublicLink = %+v, want revoked at %v", revoked, now)
	}
	_, err = svc.PublicLinkPostmortem(ctxOf(t), tok1)
	wantCode(t, err, debrief.ENotFound, "PublicLinkPostmortem(revoked token)")
	if _, err := svc.PublicLinkPostmortem(ctxOf(t), tok2); err != nil {
		t.Errorf("PublicLinkPostmortem(other token) after revoking the first = %v, want it to keep working", err)
	}
	now = at(2 * time.Hour)
	again, err := svc.RevokePublicLink(ctx, pm.ID, l1.ID)
	must(t, err, "RevokePublicLink (again)")
	if !again.RevokedAt.Equal(at(time.Hour)) {
		t.Errorf("revoking twice moved the revocation time to %v, want it kept at %v", again.RevokedAt, at(time.Hour))
	}
	_, err = svc.PublicLinkPostmortem(ctxOf(t), "no-such-token-but-long-enough-to-look-real")
	wantCode(t, err, debrief.ENotFound, "PublicLinkPostmortem(unknown token)")
	_, err = svc.RevokePublicLink(ctx, pm.ID, 999)
	wantCode(t, err, debrief.ENotFound, "RevokePublicLink(unknown link)")
	_, _, err = svc.CreatePublicLink(ctx, 999)
	wantCode(t, err, debrief.ENotFound, "CreatePublicLink(unknown postmortem)")
	viewer := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "v@example.com", Role: debrief.RoleViewer})
	_, _, err = svc.CreatePublicLink(viewer, pm.ID)
	wantCode(t, err, debrief.EForbidden, "CreatePublicLink(as viewer)")

	// Deleting the postmortem takes its links with it.
	must(t, svc.DeletePostmortem(debrief.WithActor(ctxOf(t), debrief.SystemActor), pm.ID, pm.Version), "DeletePostmortem")
	_, err = svc.PublicLinkPostmortem(ctxOf(t), tok2)
	wantCode(t, err, debrief.ENotFound, "PublicLinkPostmortem(token of a deleted postmortem)")
}
