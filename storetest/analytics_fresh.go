package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("AnalyticsScanFollowsWrites", testAnalyticsScanFollowsWrites)
}

// testAnalyticsScanFollowsWrites checks that every scan sees every write
// committed before it, however the store serves scans (the SQL store keeps
// a copy of the rows and re-reads what changed): each step writes and then
// scans at once.
func testAnalyticsScanFollowsWrites(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	a := createIncident(t, s, newIncident(1))
	scanned := func(step string) (map[int64]debrief.AnalyticsRecord, map[int64]debrief.ActionItem) {
		t.Helper()
		incs, items := analyticsScan(t, s, debrief.AnalyticsFilter{})
		t.Logf("%s: %d incidents, %d items", step, len(incs), len(items))
		return incs, items
	}
	scanned("first scan")

	// A new incident.
	b := createIncident(t, s, newIncident(2))
	if incs, _ := scanned("incident created"); len(incs) != 2 {
		t.Fatalf("after CreateIncident: ScanAnalytics streamed incidents %v, want %d and %d", slices.Sorted(mapKeys(incs)), a.ID, b.ID)
	}

	// A changed incident.
	next := *b
	next.Severity, next.Status, next.ResolvedAt = "SEV1", debrief.StatusResolved, ptr(at(5*time.Hour))
	next.UpdatedAt = at(5 * time.Hour)
	must(t, s.UpdateIncident(ctx, &next, 1, rev(debrief.EntityIncident, b.ID, 2, "update")), "UpdateIncident")
	if incs, _ := scanned("incident updated"); incs[b.ID].Incident.Severity != "SEV1" || incs[b.ID].Incident.ResolvedAt == nil {
		t.Errorf("after UpdateIncident: ScanAnalytics incident %d = %+v, want SEV1 and resolved", b.ID, incs[b.ID].Incident)
	}
	// The filter sees the change too.
	if incs, _ := analyticsScan(t, s, debrief.AnalyticsFilter{Severities: []string{"SEV1"}}); len(incs) != 1 || incs[b.ID].Incident.ID != b.ID {
		t.Errorf("after UpdateIncident: ScanAnalytics(severity SEV1) = %v, want only %d", slices.Sorted(mapKeys(incs)), b.ID)
	}

	// A postmortem, then its publication.
	pm := createPostmortem(t, s, newPostmortem(&b.ID))
	if incs, _ := scanned("postmortem created"); incs[b.ID].Postmortem == nil || incs[b.ID].Postmortem.Status != pm.Status {
		t.Fatalf("after CreatePostmortem: ScanAnalytics postmortem of %d = %+v, want status %s", b.ID, incs[b.ID].Postmortem, pm.Status)
	}
	pub := *pm
	pub.Status, pub.PublishedAt, pub.UpdatedAt = debrief.PostmortemPublished, ptr(at(30*time.Hour)), at(30*time.Hour)
	must(t, s.UpdatePostmortem(ctx, &pub, pm.Version, rev(debrief.EntityPostmortem, pm.ID, pm.Version+1, "update")), "UpdatePostmortem")
	if incs, _ := scanned("postmortem published"); incs[b.ID].Postmortem == nil || incs[b.ID].Postmortem.Status != debrief.PostmortemPublished {
		t.Errorf("after UpdatePostmortem: ScanAnalytics postmortem of %d = %+v, want published", b.ID, incs[b.ID].Postmortem)
	}

	// Items: one naming only the postmortem, one naming the incident.
	viaPM := createActionItem(t, s, newActionItem(nil, &pm.ID, 1))
	direct := createActionItem(t, s, newActionItem(&a.ID, nil, 2))
	if _, items := scanned("items created"); len(items) != 2 || *items[viaPM.ID].IncidentID != b.ID || *items[direct.ID].IncidentID != a.ID {
		t.Fatalf("after CreateActionItem twice: ScanAnalytics items = %+v, want %d on %d and %d on %d", items, viaPM.ID, b.ID, direct.ID, a.ID)
	}
	done := *viaPM
	done.Status, done.CompletedAt, done.UpdatedAt = debrief.ActionDone, ptr(at(40*time.Hour)), at(40*time.Hour)
	must(t, s.UpdateActionItem(ctx, &done, 1, rev(debrief.EntityActionItem, viaPM.ID, 2, "update")), "UpdateActionItem")
	if _, items := scanned("item done"); items[viaPM.ID].Status != debrief.ActionDone || items[viaPM.ID].CompletedAt == nil {
		t.Errorf("after UpdateActionItem: ScanAnalytics item %d = %+v, want done with a completion time", viaPM.ID, items[viaPM.ID])
	}
	must(t, s.DeleteActionItem(ctx, direct.ID, 1, rev(debrief.EntityActionItem, direct.ID, 2, "delete")), "DeleteActionItem")
	if _, items := scanned("item deleted"); len(items) != 1 {
		t.Errorf("after DeleteActionItem: ScanAnalytics items = %v, want only %d", slices.Sorted(mapKeys(items)), viaPM.ID)
	}

	// Deleting the postmortem keeps its incident's item (it still
	// belongs to nothing once its postmortem is gone, as the record says).
	must(t, s.DeletePostmortem(ctx, pm.ID, pm.Version+1, rev(debrief.EntityPostmortem, pm.ID, pm.Version+2, "delete")), "DeletePostmortem")
	incs, items := scanned("postmortem deleted")
	if incs[b.ID].Postmortem != nil {
		t.Errorf("after DeletePostmortem: ScanAnalytics postmortem of %d = %+v, want none", b.ID, incs[b.ID].Postmortem)
	}
	if _, kept := items[viaPM.ID]; kept {
		t.Errorf("after DeletePostmortem: ScanAnalytics still streams item %d, which now names neither incident nor postmortem", viaPM.ID)
	}

	// A deleted incident is gone.
	cur, err := s.Incident(ctx, b.ID)
	must(t, err, "Incident")
	must(t, s.DeleteIncident(ctx, b.ID, cur.Version, rev(debrief.EntityIncident, b.ID, cur.Version+1, "delete")), "DeleteIncident")
	if incs, _ := scanned("incident deleted"); len(incs) != 1 || incs[a.ID].Incident.ID != a.ID {
		t.Errorf("after DeleteIncident: ScanAnalytics incidents = %v, want only %d", slices.Sorted(mapKeys(incs)), a.ID)
	}
}
