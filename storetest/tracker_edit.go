package storetest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

func init() { Register("TrackerEdit", testTrackerEdit) }

// testTrackerEdit changes and removes a tracker: an empty token keeps the
// stored one, a new one replaces it and the audit entry says so without
// the token, the kind's rules still hold, stale versions conflict, a name
// in use conflicts, and removing keeps the exported item's tracker_url.
func testTrackerEdit(t *testing.T, open Opener) {
	s := open(t)
	svc := debrief.NewService(s, debrief.WithTrackerClient(doneTracker{}))
	admin := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin})
	responder := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "rita@example.com", Role: debrief.RoleResponder})
	gh, err := svc.CreateTracker(admin, &debrief.Tracker{Name: "github-platform", Kind: debrief.TrackerGitHub, Project: "acme/platform", Token: "first-token"})
	must(t, err, "CreateTracker")
	_, err = svc.CreateTracker(admin, &debrief.Tracker{Name: "jira-ops", Kind: debrief.TrackerJira, BaseURL: "https://acme.atlassian.net", Project: "OPS", Token: "j"})
	must(t, err, "CreateTracker(jira)")

	project, empty := "acme/payments", ""
	_, err = svc.UpdateTracker(responder, gh.ID, debrief.TrackerPatch{Project: &project}, gh.Version)
	wantCode(t, err, debrief.EForbidden, "UpdateTracker(as responder)")
	got, err := svc.UpdateTracker(admin, gh.ID, debrief.TrackerPatch{Project: &project, Token: &empty}, gh.Version)
	must(t, err, "UpdateTracker(project, empty token)")
	if got.Project != project || got.Version != 2 || !got.HasToken || got.Token != "" {
		t.Fatalf("UpdateTracker = %+v, want the new project at version 2, a token kept and not shown", got)
	}
	stored, err := s.Tracker(ctxOf(t), gh.ID)
	must(t, err, "Tracker")
	if stored.Token != "first-token" {
		t.Errorf("token after an edit with an empty token = %q, want the first one kept", stored.Token)
	}
	bad := "not a repository"
	_, err = svc.UpdateTracker(admin, gh.ID, debrief.TrackerPatch{Project: &bad}, got.Version)
	wantCode(t, err, debrief.EInvalid, "UpdateTracker(bad project)")
	_, err = svc.UpdateTracker(admin, gh.ID, debrief.TrackerPatch{Project: &project}, gh.Version)
	wantCode(t, err, debrief.EConflict, "UpdateTracker(stale version)")
	taken := "jira-ops"
	_, err = svc.UpdateTracker(admin, gh.ID, debrief.TrackerPatch{Name: &taken}, got.Version)
	wantCode(t, err, debrief.EConflict, "UpdateTracker(name in use)")
	token := "second-token"
	got, err = svc.UpdateTracker(admin, gh.ID, debrief.TrackerPatch{Token: &token}, got.Version)
	must(t, err, "UpdateTracker(token)")
	if stored, _ = s.Tracker(ctxOf(t), gh.ID); stored.Token != token {
		t.Errorf("token after replacing it = %q, want %q", stored.Token, token)
	}
	page, err := svc.AuditLog(admin, debrief.AuditFilter{TargetType: debrief.TargetTracker})
	must(t, err, "ListAudit")
	updates := 0
	for _, e := range page.Items {
		b, _ := json.Marshal(e)
		if strings.Contains(string(b), "second-token") || strings.Contains(string(b), "first-token") {
			t.Errorf("audit entry %s shows the token: %s", e.Action, b)
		}
		if e.Action == debrief.AuditTrackerUpdate {
			updates++
		}
	}
	if updates != 2 {
		t.Errorf("tracker.update audit entries = %d, want 2", updates)
	}

	inc, err := svc.CreateIncident(admin, &debrief.Incident{Title: "Checkout API returned 500s"})
	must(t, err, "CreateIncident")
	item, err := svc.CreateActionItem(admin, &debrief.ActionItem{Title: "Add a canary stage", IncidentID: &inc.ID})
	must(t, err, "CreateActionItem")
	link, _, err := svc.ExportActionItem(admin, item.ID, "github-platform")
	must(t, err, "ExportActionItem")
	// The board reads the links of many items at once, and only of items
	// the reader may see.
	secret, err := svc.CreateIncident(admin, &debrief.Incident{Title: "Card numbers in logs", Members: []string{"sec@example.com"}})
	must(t, err, "CreateIncident(secret)")
	hidden, err := svc.CreateActionItem(admin, &debrief.ActionItem{Title: "Scrub the logs", IncidentID: &secret.ID})
	must(t, err, "CreateActionItem(hidden)")
	_, _, err = svc.ExportActionItem(admin, hidden.ID, "github-platform")
	must(t, err, "ExportActionItem(hidden)")
	private := true
	_, err = svc.UpdateIncident(admin, secret.ID, debrief.IncidentPatch{Private: &private}, secret.Version)
	must(t, err, "UpdateIncident(private)")
	byItem, err := svc.TrackerLinksOf(responder, []int64{item.ID, hidden.ID, 999999})
	must(t, err, "TrackerLinksOf")
	if len(byItem) != 1 || len(byItem[item.ID]) != 1 || byItem[item.ID][0].URL != link.URL {
		t.Errorf("TrackerLinksOf(as responder) = %v, want only %s's link (the other item's incident is private)", byItem, item.Key)
	}
	if byItem, err = svc.TrackerLinksOf(admin, []int64{item.ID, hidden.ID}); err != nil || len(byItem) != 2 {
		t.Errorf("TrackerLinksOf(as admin) = %v, %v; want both items' links", byItem, err)
	}
	wantCode(t, svc.DeleteTracker(admin, gh.ID, gh.Version), debrief.EConflict, "DeleteTracker(stale version)")
	must(t, svc.DeleteTracker(admin, gh.ID, got.Version), "DeleteTracker")
	list, err := svc.ListTrackers(admin)
	must(t, err, "ListTrackers")
	if len(list) != 1 || list[0].Name != "jira-ops" {
		t.Errorf("ListTrackers after removing = %v, want only jira-ops", list)
	}
	after, err := svc.ActionItem(admin, item.ID)
	must(t, err, "ActionItem")
	if after.TrackerURL != link.URL {
		t.Errorf("tracker_url after removing the tracker = %q, want the issue's %q", after.TrackerURL, link.URL)
	}
}
