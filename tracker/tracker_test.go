package tracker_test

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
	"github.com/debriefhq/debrief/storetest"
	"github.com/debriefhq/debrief/tracker"
)

var engines = []string{sqlstore.EngineSQLite, sqlstore.EnginePostgres}

// newService returns a Service on a fresh database of engine with the
// real tracker client, an admin's context and an action item to export.
func newService(t *testing.T, engine string) (*debrief.Service, context.Context, *debrief.ActionItem) {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "debrief.db")
	if engine == sqlstore.EnginePostgres {
		dsn = storetest.PostgresDSN(t)
	}
	db, err := sqlstore.Open(context.Background(), dsn, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("sqlstore.Open = %v", err)
	}
	t.Cleanup(func() { db.Close() })
	svc := debrief.NewService(db, debrief.WithTrackerClient(&tracker.Client{HTTP: &http.Client{}}), debrief.WithBaseURL("https://debrief.example.com"))
	ctx := debrief.WithActor(t.Context(), debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin})
	inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout API returned 500s"})
	if err != nil {
		t.Fatal(err)
	}
	item, err := svc.CreateActionItem(ctx, &debrief.ActionItem{IncidentID: &inc.ID, Title: "Add a canary stage to checkout deploys", Owner: "ops@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return svc, ctx, item
}

// TestGitHubExportAndSync exports an item to the strict GitHub fake twice
// (one issue), closes the issue there and syncs: the item is done with the
// issue's link as its verification.
func TestGitHubExportAndSync(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			gh := newFakeGitHub(t, "acme/platform", "ghp_secret")
			svc, ctx, item := newService(t, engine)
			tr, err := svc.CreateTracker(ctx, &debrief.Tracker{Name: "github-platform", Kind: debrief.TrackerGitHub, BaseURL: gh.srv.URL, Project: "acme/platform", Token: "ghp_secret"})
			if err != nil {
				t.Fatalf("CreateTracker = %v", err)
			}
			link, created, err := svc.ExportActionItem(ctx, item.ID, "github-platform")
			if err != nil || !created {
				t.Fatalf("ExportActionItem = %v, created %v", err, created)
			}
			if link.ExternalKey != "acme/platform#1" || link.URL != "https://github.com/acme/platform/issues/1" || link.State != debrief.LinkOpen {
				t.Fatalf("ExportActionItem link = %+v", link)
			}
			if body := gh.issues[1].Body; !strings.Contains(body, item.Key) || !strings.Contains(body, "https://debrief.example.com/action-items") || !strings.Contains(body, "ops@example.com") {
				t.Errorf("the issue's body %q does not name the item, its owner and the way back", body)
			}
			got, _ := svc.ActionItem(ctx, item.ID)
			if got.TrackerURL != link.URL || got.Version != item.Version+1 {
				t.Errorf("after export the item's tracker_url is %q at version %d, want %q at %d", got.TrackerURL, got.Version, link.URL, item.Version+1)
			}
			// Exporting again (by ID this time) creates nothing.
			again, created, err := svc.ExportActionItem(ctx, item.ID, itoa(tr.ID))
			if err != nil || created || again.ExternalKey != link.ExternalKey || gh.created != 1 {
				t.Fatalf("second export = %+v created %v (%v); the tracker made %d issues, want the same link and 1", again, created, err, gh.created)
			}
			// Still open there: nothing changes.
			if n, err := svc.SyncTrackers(ctx); err != nil || n != 0 {
				t.Fatalf("SyncTrackers with the issue open = %d, %v", n, err)
			}
			gh.close(1, "completed")
			if n, err := svc.SyncTrackers(ctx); err != nil || n != 1 {
				t.Fatalf("SyncTrackers after closing = %d, %v; want 1", n, err)
			}
			done, _ := svc.ActionItem(ctx, item.ID)
			if done.Status != debrief.ActionDone || done.Verification != link.URL || done.CompletedAt == nil {
				t.Fatalf("after sync the item is %s with verification %q; want done verified by %s", done.Status, done.Verification, link.URL)
			}
			links, err := svc.ActionItemLinks(ctx, item.ID)
			if err != nil || len(links) != 1 || links[0].State != debrief.LinkClosed {
				t.Fatalf("ActionItemLinks after sync = %+v, %v", links, err)
			}
			revs, _ := svc.ListRevisions(ctx, debrief.RevisionFilter{EntityType: debrief.EntityActionItem, EntityID: item.ID})
			if len(revs.Items) != 3 || revs.Items[0].Action != "sync" || revs.Items[1].Action != "export" {
				t.Errorf("revisions of the item = %d, want [sync export create]", len(revs.Items))
			}
		})
	}
}

// TestGitHubNotPlannedIsNotDone: an issue closed as not planned shipped
// nothing, so the item stays open.
func TestGitHubNotPlannedIsNotDone(t *testing.T) {
	gh := newFakeGitHub(t, "acme/platform", "tok")
	svc, ctx, item := newService(t, sqlstore.EngineSQLite)
	if _, err := svc.CreateTracker(ctx, &debrief.Tracker{Name: "gh", Kind: debrief.TrackerGitHub, BaseURL: gh.srv.URL, Project: "acme/platform", Token: "tok"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.ExportActionItem(ctx, item.ID, "gh"); err != nil {
		t.Fatal(err)
	}
	gh.close(1, "not_planned")
	if _, err := svc.SyncActionItem(ctx, item.ID); err != nil {
		t.Fatalf("SyncActionItem = %v", err)
	}
	if got, _ := svc.ActionItem(ctx, item.ID); got.Status.Closed() {
		t.Fatalf("an issue closed as not planned made the item %s", got.Status)
	}
}

// TestJiraExportAndSync does the same against the strict Jira Cloud fake,
// with basic authentication and then a bearer token.
func TestJiraExportAndSync(t *testing.T) {
	for _, engine := range engines {
		for _, email := range []string{"bot@example.com", ""} {
			t.Run(engine+"/email="+email, func(t *testing.T) {
				jira := newFakeJira(t, "OPS", email, "jira-token")
				svc, ctx, item := newService(t, engine)
				if _, err := svc.CreateTracker(ctx, &debrief.Tracker{Name: "jira", Kind: debrief.TrackerJira, BaseURL: jira.srv.URL + "/", Project: "OPS", Email: email, Token: "jira-token"}); err != nil {
					t.Fatalf("CreateTracker = %v", err)
				}
				link, _, err := svc.ExportActionItem(ctx, item.ID, "jira")
				if err != nil {
					t.Fatalf("ExportActionItem = %v", err)
				}
				if link.ExternalKey != "OPS-1" || link.URL != jira.srv.URL+"/browse/OPS-1" {
					t.Fatalf("link = %+v", link)
				}
				jira.setCategory("OPS-1", "indeterminate")
				if n, _ := svc.SyncTrackers(ctx); n != 0 {
					t.Fatalf("SyncTrackers with the issue in progress marked %d done", n)
				}
				jira.setCategory("OPS-1", "done")
				if n, err := svc.SyncTrackers(ctx); err != nil || n != 1 {
					t.Fatalf("SyncTrackers after done = %d, %v", n, err)
				}
				if got, _ := svc.ActionItem(ctx, item.ID); got.Status != debrief.ActionDone || got.Verification != link.URL {
					t.Fatalf("after sync: %s verified by %q", got.Status, got.Verification)
				}
			})
		}
	}
}

// TestTrackerErrorsAreSentences: a wrong token, an unknown repository and
// an unreachable server each give a sentence, store no link, and leave the
// item exportable once fixed.
func TestTrackerErrorsAreSentences(t *testing.T) {
	gh := newFakeGitHub(t, "acme/platform", "right")
	svc, ctx, item := newService(t, sqlstore.EngineSQLite)
	for _, tr := range []*debrief.Tracker{
		{Name: "wrong-token", Kind: debrief.TrackerGitHub, BaseURL: gh.srv.URL, Project: "acme/platform", Token: "wrong"},
		{Name: "wrong-repo", Kind: debrief.TrackerGitHub, BaseURL: gh.srv.URL, Project: "acme/nothing", Token: "right"},
		{Name: "unreachable", Kind: debrief.TrackerGitHub, BaseURL: "http://127.0.0.1:1", Project: "acme/platform", Token: "right"},
		{Name: "right", Kind: debrief.TrackerGitHub, BaseURL: gh.srv.URL, Project: "acme/platform", Token: "right"},
	} {
		if _, err := svc.CreateTracker(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{
		"wrong-token": "GitHub refused the tracker's token; check that it is right and has not expired (HTTP 401): Bad credentials.",
		"wrong-repo":  "GitHub has no acme/nothing, or the tracker's token cannot see it (HTTP 404): Not Found.",
		"unreachable": "Could not reach GitHub at http://127.0.0.1:1",
	} {
		_, _, err := svc.ExportActionItem(ctx, item.ID, name)
		if err == nil || !strings.HasPrefix(debrief.ErrorMessage(err), want) {
			t.Errorf("export to %s = %v, want a sentence starting %q", name, err, want)
		}
	}
	if links, _ := svc.ActionItemLinks(ctx, item.ID); len(links) != 0 {
		t.Fatalf("failed exports left links %+v", links)
	}
	if _, _, err := svc.ExportActionItem(ctx, item.ID, "right"); err != nil {
		t.Fatalf("export after the failures = %v", err)
	}
	// Bad configuration is refused before anything is stored.
	for _, bad := range []struct {
		tr    debrief.Tracker
		field string
	}{
		{debrief.Tracker{Name: "x", Kind: debrief.TrackerGitHub, Project: "platform", Token: "t"}, "project"},
		{debrief.Tracker{Name: "x", Kind: debrief.TrackerJira, BaseURL: "https://example.atlassian.net", Project: "ops", Token: "t"}, "project"},
		{debrief.Tracker{Name: "x", Kind: "gitlab", Project: "a/b", Token: "t"}, "kind"},
		{debrief.Tracker{Name: "x", Kind: debrief.TrackerGitHub, BaseURL: "ftp://x", Project: "a/b", Token: "t"}, "base_url"},
		{debrief.Tracker{Name: "x", Kind: debrief.TrackerGitHub, Project: "a/b"}, "token"},
		{debrief.Tracker{Name: "right", Kind: debrief.TrackerGitHub, Project: "a/b", Token: "t"}, "name"},
	} {
		_, err := svc.CreateTracker(ctx, &bad.tr)
		if e, ok := err.(*debrief.Error); !ok || e.Field != bad.field {
			t.Errorf("CreateTracker(%+v) = %v, want an error on %s", bad.tr, err, bad.field)
		}
	}
}

// TestConcurrentExportsCreateOneIssue races more exports of one item than
// a pool holds: the tracker gets exactly one issue and every caller either
// gets its link or is told the export is under way.
func TestConcurrentExportsCreateOneIssue(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			gh := newFakeGitHub(t, "acme/platform", "tok")
			svc, ctx, item := newService(t, engine)
			if _, err := svc.CreateTracker(ctx, &debrief.Tracker{Name: "gh", Kind: debrief.TrackerGitHub, BaseURL: gh.srv.URL, Project: "acme/platform", Token: "tok"}); err != nil {
				t.Fatal(err)
			}
			const callers = 32
			var wg sync.WaitGroup
			errs := make([]error, callers)
			made := make([]bool, callers)
			for i := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, made[i], errs[i] = svc.ExportActionItem(ctx, item.ID, "gh")
				}()
			}
			wg.Wait()
			creators := 0
			for i, err := range errs {
				if err != nil && debrief.ErrorCode(err) != debrief.EConflict {
					t.Errorf("export %d = %v, want its link or EConflict", i, err)
				}
				if made[i] {
					creators++
				}
			}
			if gh.created != 1 || creators != 1 {
				t.Fatalf("%d concurrent exports made %d issues (%d callers say they made one), want 1", callers, gh.created, creators)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
