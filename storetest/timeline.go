package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func eventIDs(events []*debrief.TimelineEvent) []int64 {
	out := make([]int64, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func testTimelineAddAndList(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	other := createIncident(t, s, newIncident(2))
	// Added out of order, with two events at the same moment.
	events := []*debrief.TimelineEvent{
		newEvent(10*time.Minute, "Rolled back the config change"),
		newEvent(time.Minute, "Alert: checkout error rate above 5%"),
		newEvent(5*time.Minute, "Paged the database on-call"),
		newEvent(5*time.Minute, "Opened the incident channel"),
	}
	events[1].Source, events[1].Kind, events[1].ExternalID = debrief.SourceAlertmanager, debrief.KindAlert, "fp-123"
	events[1].Lifecycle, events[1].Starred, events[1].Zone = debrief.LifecycleDetected, true, "+02:00"
	events[0].Text = "Multi-line\ntext with 'quotes' and ünïcode"
	r := rev(debrief.EntityIncident, inc.ID, 0, "timeline.add")
	added, err := s.AddTimelineEvents(ctx, inc.ID, events, nil, r)
	must(t, err, "AddTimelineEvents")
	if added != 4 {
		t.Fatalf("AddTimelineEvents(4 new) added %d, want 4", added)
	}
	if r.ID <= 0 {
		t.Errorf("AddTimelineEvents did not fill the revision ID")
	}
	for i, e := range events {
		if e.ID <= 0 || e.Version != 1 || e.IncidentID != inc.ID {
			t.Fatalf("event %d after AddTimelineEvents has ID %d Version %d IncidentID %d, want an ID, 1, %d", i, e.ID, e.Version, e.IncidentID, inc.ID)
		}
	}
	_, err = s.AddTimelineEvents(ctx, other.ID, []*debrief.TimelineEvent{newEvent(0, "other incident")}, nil, nil)
	must(t, err, "AddTimelineEvents(other, no revision)")

	got, err := s.ListTimeline(ctx, inc.ID, debrief.TimelineFilter{})
	must(t, err, "ListTimeline")
	want := []*debrief.TimelineEvent{events[1], events[2], events[3], events[0]}
	if events[3].ID < events[2].ID {
		want[1], want[2] = events[3], events[2]
	}
	wantEqual(t, "ListTimeline (oldest first, ties by ID)", want, got)
	for _, e := range events {
		one, err := s.TimelineEvent(ctx, e.ID)
		must(t, err, fmt.Sprintf("TimelineEvent(%d)", e.ID))
		wantEqual(t, fmt.Sprintf("TimelineEvent(%d)", e.ID), e, one)
	}
	empty := createIncident(t, s, newIncident(3))
	none, err := s.ListTimeline(ctx, empty.ID, debrief.TimelineFilter{})
	must(t, err, "ListTimeline(empty)")
	if none == nil || len(none) != 0 {
		t.Errorf("ListTimeline(no events) = %#v, want an empty non-nil list", none)
	}
}

func testTimelineIdempotent(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	other := createIncident(t, s, newIncident(2))
	alert := func(id, text string) *debrief.TimelineEvent {
		e := newEvent(time.Minute, text)
		e.Source, e.Kind, e.ExternalID = debrief.SourceAlertmanager, debrief.KindAlert, id
		return e
	}
	first := []*debrief.TimelineEvent{alert("a", "alert a"), alert("b", "alert b"), newEvent(0, "manual note")}
	added, err := s.AddTimelineEvents(ctx, inc.ID, first, nil, rev(debrief.EntityIncident, inc.ID, 0, "timeline.add"))
	must(t, err, "AddTimelineEvents(first)")
	if added != 3 {
		t.Fatalf("AddTimelineEvents(first) added %d, want 3", added)
	}
	// Redelivery: a and b again (with other text), one new alert, a manual
	// note without external id (always new), the same id from another
	// source (new), and c twice in one batch (added once).
	pd := alert("a", "pagerduty a")
	pd.Source = debrief.SourcePagerDuty
	again := []*debrief.TimelineEvent{alert("a", "alert a redelivered"), alert("b", "alert b redelivered"), alert("c", "alert c"),
		newEvent(0, "manual note"), pd, alert("c", "alert c again")}
	added, err = s.AddTimelineEvents(ctx, inc.ID, again, nil, rev(debrief.EntityIncident, inc.ID, 0, "timeline.add"))
	must(t, err, "AddTimelineEvents(redelivery)")
	if added != 3 {
		t.Fatalf("AddTimelineEvents(redelivery) added %d, want 3 (c, the manual note, the pagerduty event)", added)
	}
	wantEqual(t, "skipped duplicate a", first[0], again[0])
	wantEqual(t, "skipped duplicate b", first[1], again[1])
	if again[5].ID != again[2].ID || again[5].Text != "alert c" {
		t.Errorf("the second c in one batch = ID %d %q, want the first c (ID %d, %q)", again[5].ID, again[5].Text, again[2].ID, "alert c")
	}
	tl, err := s.ListTimeline(ctx, inc.ID, debrief.TimelineFilter{})
	must(t, err, "ListTimeline")
	if len(tl) != 6 {
		t.Errorf("ListTimeline after redelivery has %d events, want 6", len(tl))
	}
	// The same external id on another incident is another event.
	added, err = s.AddTimelineEvents(ctx, other.ID, []*debrief.TimelineEvent{alert("a", "alert a")}, nil, rev(debrief.EntityIncident, other.ID, 0, "timeline.add"))
	must(t, err, "AddTimelineEvents(other incident)")
	if added != 1 {
		t.Errorf("AddTimelineEvents(same external id, other incident) added %d, want 1", added)
	}
	// A batch of nothing but duplicates adds nothing and no revision.
	before := len(revisionsOf(t, s, debrief.EntityIncident, inc.ID))
	added, err = s.AddTimelineEvents(ctx, inc.ID, []*debrief.TimelineEvent{alert("a", "x"), alert("b", "y")}, nil, rev(debrief.EntityIncident, inc.ID, 0, "timeline.add"))
	must(t, err, "AddTimelineEvents(only duplicates)")
	if added != 0 {
		t.Errorf("AddTimelineEvents(only duplicates) added %d, want 0", added)
	}
	if after := len(revisionsOf(t, s, debrief.EntityIncident, inc.ID)); after != before {
		t.Errorf("AddTimelineEvents(only duplicates) appended %d revisions, want 0", after-before)
	}
}

func testTimelineFilters(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	var events []*debrief.TimelineEvent
	sources := []debrief.EventSource{debrief.SourceManual, debrief.SourceSlack, debrief.SourceGrafana}
	kinds := []debrief.EventKind{debrief.KindNote, debrief.KindAction, debrief.KindDecision, debrief.KindAlert}
	for i := range 12 {
		e := newEvent(time.Duration(i)*time.Minute, fmt.Sprintf("event %d", i))
		e.Source, e.Kind, e.Starred = sources[i%3], kinds[i%4], i%5 == 0
		events = append(events, e)
	}
	_, err := s.AddTimelineEvents(ctx, inc.ID, events, nil, nil)
	must(t, err, "AddTimelineEvents")
	for _, c := range []struct {
		name string
		f    debrief.TimelineFilter
		keep func(*debrief.TimelineEvent) bool
	}{
		{"all", debrief.TimelineFilter{}, func(*debrief.TimelineEvent) bool { return true }},
		{"starred", debrief.TimelineFilter{Starred: true}, func(e *debrief.TimelineEvent) bool { return e.Starred }},
		{"source", debrief.TimelineFilter{Source: debrief.SourceSlack}, func(e *debrief.TimelineEvent) bool { return e.Source == debrief.SourceSlack }},
		{"kind", debrief.TimelineFilter{Kind: debrief.KindDecision}, func(e *debrief.TimelineEvent) bool { return e.Kind == debrief.KindDecision }},
		{"source and kind", debrief.TimelineFilter{Source: debrief.SourceManual, Kind: debrief.KindNote},
			func(e *debrief.TimelineEvent) bool {
				return e.Source == debrief.SourceManual && e.Kind == debrief.KindNote
			}},
		{"starred and source", debrief.TimelineFilter{Starred: true, Source: debrief.SourceGrafana},
			func(e *debrief.TimelineEvent) bool { return e.Starred && e.Source == debrief.SourceGrafana }},
	} {
		var want []int64
		for _, e := range events {
			if c.keep(e) {
				want = append(want, e.ID)
			}
		}
		got, err := s.ListTimeline(ctx, inc.ID, c.f)
		must(t, err, "ListTimeline("+c.name+")")
		wantEqual(t, "ListTimeline("+c.name+") IDs", want, nilIfEmpty(eventIDs(got)))
	}
}

func nilIfEmpty(ids []int64) []int64 {
	if len(ids) == 0 {
		return nil
	}
	return ids
}

func testTimelineUpdateDelete(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	ev := newEvent(time.Minute, "Paged on-call")
	ev.ExternalID, ev.Source = "x-1", debrief.SourceSlack
	_, err := s.AddTimelineEvents(ctx, inc.ID, []*debrief.TimelineEvent{ev}, nil, nil)
	must(t, err, "AddTimelineEvents")

	next := *ev
	next.Text, next.Starred, next.Kind, next.At, next.Zone = "Paged the database on-call", true, debrief.KindAction, at(2*time.Minute), "UTC"
	next.Lifecycle, next.Actor = debrief.LifecycleAcknowledged, "bob@example.com"
	r := rev(debrief.EntityTimeline, ev.ID, 2, "update")
	must(t, s.UpdateTimelineEvent(ctx, &next, 1, r), "UpdateTimelineEvent(v=1)")
	if next.Version != 2 || r.ID <= 0 {
		t.Fatalf("UpdateTimelineEvent set Version %d, revision ID %d; want 2 and a positive ID", next.Version, r.ID)
	}
	got, err := s.TimelineEvent(ctx, ev.ID)
	must(t, err, "TimelineEvent")
	wantEqual(t, "TimelineEvent after update", &next, got)

	stale := *ev
	stale.Text = "stale"
	cur := conflictCurrent(t, s.UpdateTimelineEvent(ctx, &stale, 1, rev(debrief.EntityTimeline, ev.ID, 2, "update")), "UpdateTimelineEvent(v=1) at v2")
	wantEqual(t, "EConflict Current", &next, cur)
	conflictCurrent(t, s.DeleteTimelineEvent(ctx, ev.ID, 1, rev(debrief.EntityTimeline, ev.ID, 2, "delete")), "DeleteTimelineEvent(v=1) at v2")
	if n := len(revisionsOf(t, s, debrief.EntityTimeline, ev.ID)); n != 1 {
		t.Errorf("revisions of the event after one update and two conflicts = %d, want 1", n)
	}

	must(t, s.DeleteTimelineEvent(ctx, ev.ID, 2, rev(debrief.EntityTimeline, ev.ID, 3, "delete")), "DeleteTimelineEvent(v=2)")
	_, err = s.TimelineEvent(ctx, ev.ID)
	wantCode(t, err, debrief.ENotFound, "TimelineEvent after delete")
	wantCode(t, s.DeleteTimelineEvent(ctx, ev.ID, 2, nil), debrief.ENotFound, "DeleteTimelineEvent again")
	wantCode(t, s.UpdateTimelineEvent(ctx, &next, 2, nil), debrief.ENotFound, "UpdateTimelineEvent(deleted)")
	if revs := revisionsOf(t, s, debrief.EntityTimeline, ev.ID); len(revs) != 2 || revs[0].Action != "delete" {
		t.Errorf("revisions of the deleted event = %v, want [delete update]", actions(revs))
	}
	// Once deleted, the same external id may be ingested again.
	again := newEvent(time.Minute, "Paged on-call")
	again.ExternalID, again.Source = "x-1", debrief.SourceSlack
	added, err := s.AddTimelineEvents(ctx, inc.ID, []*debrief.TimelineEvent{again}, nil, nil)
	must(t, err, "AddTimelineEvents(after delete)")
	if added != 1 {
		t.Errorf("AddTimelineEvents of a deleted event's external id added %d, want 1", added)
	}
}

func testTimelineLifecycleChange(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	detected := newEvent(3*time.Minute, "Alert fired")
	detected.Lifecycle = debrief.LifecycleDetected
	next := *inc
	next.DetectedAt = ptr(detected.At)
	next.UpdatedAt = at(time.Hour)
	change := &debrief.IncidentChange{Incident: &next, IfVersion: 1, Revision: rev(debrief.EntityIncident, inc.ID, 2, "update")}
	r := rev(debrief.EntityIncident, inc.ID, 0, "timeline.add")
	added, err := s.AddTimelineEvents(ctx, inc.ID, []*debrief.TimelineEvent{detected}, change, r)
	must(t, err, "AddTimelineEvents(with change at v1)")
	if added != 1 || next.Version != 2 || change.Revision.ID <= 0 || r.ID <= 0 {
		t.Fatalf("AddTimelineEvents(with change) added %d, incident version %d, revision IDs %d/%d; want 1, 2, positive IDs", added, next.Version, change.Revision.ID, r.ID)
	}
	got, err := s.Incident(ctx, inc.ID)
	must(t, err, "Incident")
	wantEqual(t, "Incident after a lifecycle change", &next, got)

	// A change made from a stale version rolls back everything: no events,
	// no incident change, no revisions.
	revsBefore := len(revisionsOf(t, s, debrief.EntityIncident, inc.ID))
	mitigated := newEvent(20*time.Minute, "Rolled back")
	mitigated.Lifecycle = debrief.LifecycleMitigated
	stale := *inc
	stale.MitigatedAt = ptr(mitigated.At)
	change = &debrief.IncidentChange{Incident: &stale, IfVersion: 1, Revision: rev(debrief.EntityIncident, inc.ID, 2, "update")}
	_, err = s.AddTimelineEvents(ctx, inc.ID, []*debrief.TimelineEvent{mitigated, newEvent(0, "another")}, change, rev(debrief.EntityIncident, inc.ID, 0, "timeline.add"))
	cur := conflictCurrent(t, err, "AddTimelineEvents(with change at stale v1)")
	wantEqual(t, "EConflict Current", &next, cur)
	if mitigated.ID != 0 || stale.Version != 1 {
		t.Errorf("a rolled-back AddTimelineEvents changed the caller's values: event ID %d, incident version %d; want 0 and 1", mitigated.ID, stale.Version)
	}
	tl, err := s.ListTimeline(ctx, inc.ID, debrief.TimelineFilter{})
	must(t, err, "ListTimeline")
	if len(tl) != 1 {
		t.Errorf("ListTimeline after a conflicting add has %d events, want 1: the events roll back with the change", len(tl))
	}
	got, err = s.Incident(ctx, inc.ID)
	must(t, err, "Incident")
	wantEqual(t, "Incident after a conflicting lifecycle change", &next, got)
	if n := len(revisionsOf(t, s, debrief.EntityIncident, inc.ID)); n != revsBefore {
		t.Errorf("a conflicting AddTimelineEvents appended %d revisions, want 0", n-revsBefore)
	}
}
