package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// boardTracker stands in for GitHub in the web tests (the tracker package's
// tests hold GitHub and Jira to their published API): the tracker named
// "down" cannot be reached, any other creates issue #12.
type boardTracker struct{}

func (boardTracker) CreateIssue(_ context.Context, t *debrief.Tracker, _ *debrief.ActionItem, _ string) (debrief.TrackerIssue, error) {
	if t.Name == "down" {
		return debrief.TrackerIssue{}, debrief.Errorf(debrief.EUnavailable, "", "Could not reach GitHub at %s; check the tracker's address, or try again later.", t.BaseURL)
	}
	return debrief.TrackerIssue{Key: t.Project + "#12", URL: "https://github.com/" + t.Project + "/issues/12"}, nil
}

func (boardTracker) Issue(_ context.Context, t *debrief.Tracker, key string) (debrief.TrackerIssue, error) {
	return debrief.TrackerIssue{Key: key, URL: "https://github.com/" + t.Project + "/issues/12", Done: true}, nil
}

// TestUITrackers adds and changes trackers on the admin page, where a token
// is never written into a page, then exports an item from the board, shows
// its issue and reads its state back, and shows an unreachable tracker's
// refusal as a sentence, on both engines.
func TestUITrackers(t *testing.T) {
	bothEngines(t, func(t *testing.T, store debrief.Store) {
		svc := debrief.NewService(store, debrief.WithPasswordHasher(storetest.FastHasher), inputChecks, debrief.WithTrackerClient(boardTracker{}))
		h := New(Config{Service: svc, InsecureCookies: true, Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))}).Handler()
		sys := debrief.WithActor(context.Background(), debrief.SystemActor)
		for email, role := range map[string]debrief.Role{"ada@example.com": debrief.RoleAdmin, "rita@example.com": debrief.RoleResponder, "vic@example.com": debrief.RoleViewer} {
			if _, err := svc.CreateUser(sys, debrief.NewUser{Email: email, Role: role, Password: authPassword}); err != nil {
				t.Fatal(err)
			}
		}
		ada, rita, vic := uiSignIn(t, h, "ada@example.com"), uiSignIn(t, h, "rita@example.com"), uiSignIn(t, h, "vic@example.com")
		if rec := uiRequest(h, "GET", "/admin/trackers", nil, rita); rec.Code != http.StatusForbidden {
			t.Errorf("responder GET /admin/trackers = %d, want 403", rec.Code)
		}

		rec := uiRequest(h, "POST", "/admin/trackers", url.Values{"kind": {"github"}, "name": {"github-platform"}, "project": {"not a repository"}, "token": {"ghp_first_secret"}}, ada)
		body := rec.Body.String()
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "owner/name") || strings.Contains(body, "ghp_first_secret") ||
			!strings.Contains(body, "type it again") || !strings.Contains(body, `value="not a repository"`) {
			t.Fatalf("POST /admin/trackers with a bad project = %d, want 422 with a sentence, the project kept and the token not:\n%s", rec.Code, body)
		}
		for _, form := range []url.Values{
			{"kind": {"github"}, "name": {"github-platform"}, "project": {"acme/platform"}, "token": {"ghp_first_secret"}},
			{"kind": {"github"}, "name": {"down"}, "project": {"acme/down"}, "base_url": {"http://127.0.0.1:1"}, "token": {"t"}},
		} {
			if rec := uiRequest(h, "POST", "/admin/trackers", form, ada); rec.Code != http.StatusSeeOther {
				t.Fatalf("POST /admin/trackers %v = %d, want 303:\n%s", form, rec.Code, rec.Body)
			}
		}
		list, err := svc.ListTrackers(sys)
		if err != nil || len(list) != 2 {
			t.Fatalf("ListTrackers = %v, %v; want 2", list, err)
		}
		gh := list[1]
		rec = uiRequest(h, "GET", "/admin/trackers", nil, ada)
		if body := rec.Body.String(); rec.Code != 200 || strings.Contains(body, "ghp_first_secret") || !strings.Contains(body, "a token is stored") {
			t.Fatalf("GET /admin/trackers = %d, want the trackers without their tokens:\n%s", rec.Code, body)
		}
		// Saving with the token box empty keeps the token.
		rec = uiRequest(h, "POST", "/admin/trackers/"+itoa(gh.ID), url.Values{"name": {"github-platform"}, "project": {"acme/payments"}, "base_url": {gh.BaseURL},
			"token": {""}, "version": {"1"}}, ada)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("POST /admin/trackers/%d = %d, want 303:\n%s", gh.ID, rec.Code, rec.Body)
		}
		if stored, _ := store.Tracker(sys, gh.ID); stored.Token != "ghp_first_secret" || stored.Project != "acme/payments" {
			t.Fatalf("tracker after saving with an empty token = %+v, want the project changed and the token kept", stored)
		}

		inc, err := svc.CreateIncident(sys, &debrief.Incident{Title: "Checkout API returned 500s"})
		if err != nil {
			t.Fatal(err)
		}
		item, err := svc.CreateActionItem(sys, &debrief.ActionItem{Title: "Add a canary stage", IncidentID: &inc.ID, Owner: "rita@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		rec = uiRequest(h, "GET", "/action-items", nil, rita)
		if body := rec.Body.String(); !strings.Contains(body, "Export to github-platform") || !strings.Contains(body, "Export to down") {
			t.Fatalf("board for a responder lacks the export buttons:\n%s", body)
		}
		if body := uiRequest(h, "GET", "/action-items", nil, vic).Body.String(); strings.Contains(body, "Export to") {
			t.Errorf("board for a viewer shows export buttons")
		}
		rec = uiRequest(h, "POST", "/action-items/"+item.Key+"/export", url.Values{"tracker": {"down"}, "back": {"/action-items?status=open"}}, rita)
		if body := rec.Body.String(); rec.Code != http.StatusServiceUnavailable || !strings.Contains(body, item.Key+": Could not reach GitHub at http://127.0.0.1:1") ||
			!strings.Contains(body, `action="/action-items/`+item.Key+`"`) {
			t.Fatalf("export to an unreachable tracker = %d, want 503 with the sentence on the board:\n%s", rec.Code, body)
		}
		rec = uiRequest(h, "POST", "/action-items/"+item.Key+"/export", url.Values{"tracker": {"github-platform"}, "back": {"/action-items?status=open"}}, rita)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/action-items?status=open#item-"+itoa(item.ID) {
			t.Fatalf("export = %d to %q, want 303 back to the board at the item", rec.Code, rec.Header().Get("Location"))
		}
		body = uiRequest(h, "GET", "/action-items", nil, rita).Body.String()
		if !strings.Contains(body, `href="https://github.com/acme/payments/issues/12"`) || !strings.Contains(body, "acme/payments#12</a>\n(open") ||
			strings.Contains(body, "Export to github-platform") || !strings.Contains(body, "Read state back") {
			t.Fatalf("board after export lacks the issue link and its state, or still offers the export:\n%s", body)
		}
		rec = uiRequest(h, "POST", "/action-items/"+item.Key+"/sync", url.Values{"back": {"/action-items?status=all"}}, rita)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("sync = %d, want 303:\n%s", rec.Code, rec.Body)
		}
		body = uiRequest(h, "GET", "/action-items?status=all", nil, rita).Body.String()
		if !strings.Contains(body, "(closed, so done here") {
			t.Fatalf("board after the issue was closed does not say so:\n%s", body)
		}
		if got, _ := svc.ActionItem(sys, item.ID); got.Status != debrief.ActionDone {
			t.Errorf("item after its issue closed = %s, want done", got.Status)
		}
	})
}
