package storetest

import (
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// testServiceVersioning drives the rules end to end through debrief.Service
// on the real store: versions, conflicts with the current state, lifecycle
// tags setting incident times, one postmortem per incident, and revisions.
func testServiceVersioning(t *testing.T, open Opener) {
	s := open(t)
	now := base
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return now }))
	ctx := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin})

	inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout API returned 500s", Services: []string{"checkout"}, StartedAt: base.Add(-time.Hour)})
	must(t, err, "Service.CreateIncident")
	got, err := svc.Incident(ctx, inc.ID)
	must(t, err, "Service.Incident")
	wantEqual(t, "Service.Incident after create", inc, got)

	now = now.Add(time.Minute)
	title := "Checkout API returned 500s for EU customers"
	v2, err := svc.UpdateIncident(ctx, inc.ID, debrief.IncidentPatch{Title: &title}, 1)
	must(t, err, "Service.UpdateIncident(v=1)")
	if v2.Version != 2 {
		t.Fatalf("Service.UpdateIncident(v=1) returned version %d, want 2", v2.Version)
	}
	other := "Someone else's title"
	_, err = svc.UpdateIncident(ctx, inc.ID, debrief.IncidentPatch{Title: &other}, 1)
	cur := conflictCurrent(t, err, "Service.UpdateIncident(v=1) at v2")
	wantEqual(t, "EConflict Current", v2, cur)

	// A detected tag sets the empty detection time, bumping the version.
	now = now.Add(time.Minute)
	added, err := svc.AddTimelineEvents(ctx, inc.ID, []*debrief.TimelineEvent{
		{At: base.Add(-50 * time.Minute), Text: "Alert fired", Lifecycle: debrief.LifecycleDetected, Source: debrief.SourceAlertmanager, ExternalID: "fp-1"},
	}, debrief.AddEventsOptions{})
	must(t, err, "Service.AddTimelineEvents")
	if added != 1 {
		t.Fatalf("Service.AddTimelineEvents added %d, want 1", added)
	}
	got, err = svc.Incident(ctx, inc.ID)
	must(t, err, "Service.Incident")
	if got.Version != 3 || got.DetectedAt == nil || !got.DetectedAt.Equal(base.Add(-50*time.Minute)) {
		t.Fatalf("after a detected event the incident is at version %d with detected_at %v, want 3 and %v", got.Version, got.DetectedAt, base.Add(-50*time.Minute))
	}
	// Redelivery adds nothing and changes nothing.
	added, err = svc.AddTimelineEvents(ctx, inc.ID, []*debrief.TimelineEvent{
		{At: base.Add(-50 * time.Minute), Text: "Alert fired", Lifecycle: debrief.LifecycleDetected, Source: debrief.SourceAlertmanager, ExternalID: "fp-1"},
	}, debrief.AddEventsOptions{})
	must(t, err, "Service.AddTimelineEvents(redelivery)")
	if added != 0 {
		t.Errorf("Service.AddTimelineEvents(redelivery) added %d, want 0", added)
	}

	pm, err := svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID})
	must(t, err, "Service.CreatePostmortem")
	_, err = svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID})
	wantCode(t, err, debrief.EConflict, "Service.CreatePostmortem(second)")
	got2, err := svc.Postmortem(ctx, pm.ID)
	must(t, err, "Service.Postmortem")
	wantEqual(t, "Service.Postmortem", pm, got2)

	revs, err := svc.ListRevisions(ctx, debrief.RevisionFilter{EntityType: debrief.EntityIncident, EntityID: inc.ID})
	must(t, err, "Service.ListRevisions")
	if want := []string{"timeline.add", "update", "update", "create"}; !equalStrings(actions(revs.Items), want) {
		t.Errorf("incident revisions = %v, want %v", actions(revs.Items), want)
	}
	must(t, svc.DeleteIncident(ctx, inc.ID, 3), "Service.DeleteIncident(v=3)")
	_, err = svc.Postmortem(ctx, pm.ID)
	wantCode(t, err, debrief.ENotFound, "Service.Postmortem after its incident was deleted")
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
