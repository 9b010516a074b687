package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() { Register("TimelinePaged", testTimelinePaged) }

// testTimelinePaged: a timeline with more events than a page, several at
// the same moment and added out of order (so IDs do not follow time), is
// walked a page at a time by the store and by the Service, with and
// without filters: every event once, in ListTimeline's order, each page
// cut by the store. The summary counts every event and the starred ones
// whichever page is read, and follows a star, an unstar and a delete.
func testTimelinePaged(t *testing.T, open Opener) {
	s := open(t)
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return base }))
	ctx := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "ada@example.com", Role: debrief.RoleResponder})
	inc := createIncident(t, s, newIncident(1))
	other := createIncident(t, s, newIncident(2))

	sources := []debrief.EventSource{debrief.SourceManual, debrief.SourceAlertmanager, debrief.SourceSlack}
	kinds := []debrief.EventKind{debrief.KindNote, debrief.KindAlert, debrief.KindAction, debrief.KindDecision}
	// 23 events over 7 moments, the later moments added first: ties on
	// at are broken by ID, and IDs run against time.
	var events []*debrief.TimelineEvent
	for i := 22; i >= 0; i-- {
		e := newEvent(time.Duration(i/4)*time.Minute, fmt.Sprintf("event %d", i))
		e.Source, e.Kind, e.Starred = sources[i%3], kinds[i%4], i%3 == 1 || i == 0
		events = append(events, e)
	}
	_, err := s.AddTimelineEvents(ctxOf(t), inc.ID, events[:12], nil, nil)
	must(t, err, "AddTimelineEvents(first batch)")
	// Another incident's events, between the two batches, at the same times.
	_, err = s.AddTimelineEvents(ctxOf(t), other.ID, []*debrief.TimelineEvent{newEvent(0, "other 1"), newEvent(3*time.Minute, "other 2")}, nil, nil)
	must(t, err, "AddTimelineEvents(other)")
	_, err = s.AddTimelineEvents(ctxOf(t), inc.ID, events[12:], nil, nil)
	must(t, err, "AddTimelineEvents(second batch)")

	const pageSize = 3
	filters := []struct {
		name string
		f    debrief.TimelineFilter
	}{
		{"all", debrief.TimelineFilter{}},
		{"starred", debrief.TimelineFilter{Starred: true}},
		{"source", debrief.TimelineFilter{Source: debrief.SourceSlack}},
		{"kind", debrief.TimelineFilter{Kind: debrief.KindAlert}},
		{"starred and source", debrief.TimelineFilter{Starred: true, Source: debrief.SourceAlertmanager}},
		{"nothing matches", debrief.TimelineFilter{Kind: debrief.KindResolution}},
	}
	for _, c := range filters {
		want, err := s.ListTimeline(ctxOf(t), inc.ID, c.f)
		must(t, err, "ListTimeline("+c.name+")")
		if c.name == "all" && len(want) != len(events) {
			t.Fatalf("ListTimeline(all) = %d events; want %d", len(want), len(events))
		}

		// The store, page by page: each page at most pageSize, after the
		// previous page's last event.
		got := []*debrief.TimelineEvent{}
		var afterAt time.Time
		var afterID int64
		for pages := 0; ; pages++ {
			if pages > len(events) {
				t.Fatalf("ListTimelineAfter(%s): more than %d pages", c.name, len(events))
			}
			page, err := s.ListTimelineAfter(ctxOf(t), inc.ID, c.f, afterAt, afterID, pageSize)
			must(t, err, fmt.Sprintf("ListTimelineAfter(%s, after %d)", c.name, afterID))
			if len(page) > pageSize {
				t.Fatalf("ListTimelineAfter(%s, limit %d) = %d events", c.name, pageSize, len(page))
			}
			got = append(got, page...)
			if len(page) < pageSize {
				break
			}
			last := page[len(page)-1]
			afterAt, afterID = last.At, last.ID
		}
		wantEqual(t, "ListTimelineAfter("+c.name+") in pages of 3", want, got)

		// The Service, following its cursors.
		got = got[:0]
		after := ""
		for pages := 0; ; pages++ {
			if pages > len(events) {
				t.Fatalf("TimelinePage(%s): more than %d pages", c.name, len(events))
			}
			page, err := svc.TimelinePage(ctx, inc.ID, c.f, after, pageSize)
			must(t, err, fmt.Sprintf("TimelinePage(%s, after %q)", c.name, after))
			if len(page.Items) > pageSize || (page.NextCursor != "" && len(page.Items) != pageSize) {
				t.Fatalf("TimelinePage(%s, after %q, limit %d) = %d events with cursor %q", c.name, after, pageSize, len(page.Items), page.NextCursor)
			}
			got = append(got, page.Items...)
			if page.NextCursor == "" {
				break
			}
			after = page.NextCursor
		}
		wantEqual(t, "TimelinePage("+c.name+") in pages of 3", want, got)
	}

	// Without a limit, the page holds DefaultTimelinePageSize: all 23.
	whole, err := svc.TimelinePage(ctx, inc.ID, debrief.TimelineFilter{}, "", 0)
	must(t, err, "TimelinePage(no limit)")
	if len(whole.Items) != len(events) || whole.NextCursor != "" {
		t.Errorf("TimelinePage(no limit) = %d events, cursor %q; want all %d and no cursor", len(whole.Items), whole.NextCursor, len(events))
	}
	// A page that ends exactly at the end names no next page.
	exact, err := svc.TimelinePage(ctx, inc.ID, debrief.TimelineFilter{}, "", len(events))
	must(t, err, "TimelinePage(limit = length)")
	if len(exact.Items) != len(events) || exact.NextCursor != "" {
		t.Errorf("TimelinePage(limit %d) = %d events, cursor %q; want all and no cursor", len(events), len(exact.Items), exact.NextCursor)
	}
	// The other incident's timeline is its own.
	o, err := svc.TimelinePage(ctx, other.ID, debrief.TimelineFilter{}, "", 1)
	must(t, err, "TimelinePage(other, limit 1)")
	if len(o.Items) != 1 || o.Items[0].Text != "other 1" || o.NextCursor == "" {
		t.Errorf("TimelinePage(other, limit 1) = %d events, cursor %q; want its first event and a cursor", len(o.Items), o.NextCursor)
	}
	for _, bad := range []string{"x", "12", "12_", "_5", "12_0", "12_-3", "1e3_4"} {
		_, err := svc.TimelinePage(ctx, inc.ID, debrief.TimelineFilter{}, bad, pageSize)
		wantCode(t, err, debrief.EInvalid, fmt.Sprintf("TimelinePage(after %q)", bad))
		if de, ok := err.(*debrief.Error); !ok || de.Field != "after" {
			t.Errorf("TimelinePage(after %q) = %v; want the field after named", bad, err)
		}
	}
	_, err = svc.TimelinePage(ctx, 1<<40, debrief.TimelineFilter{}, "", pageSize)
	wantCode(t, err, debrief.ENotFound, "TimelinePage(no such incident)")

	// The summary.
	starred := 0
	first, last := events[0].At, events[0].At
	for _, e := range events {
		if e.Starred {
			starred++
		}
		if e.At.Before(first) {
			first = e.At
		}
		if e.At.After(last) {
			last = e.At
		}
	}
	sum, err := svc.TimelineSummary(ctx, inc.ID)
	must(t, err, "TimelineSummary")
	wantEqual(t, "TimelineSummary", debrief.TimelineSummary{Events: len(events), Starred: starred, First: first, Last: last}, sum)
	empty := createIncident(t, s, newIncident(3))
	none, err := s.TimelineSummary(ctxOf(t), empty.ID)
	must(t, err, "TimelineSummary(no events)")
	wantEqual(t, "TimelineSummary(no events)", debrief.TimelineSummary{}, none)
	nothing, err := s.ListTimelineAfter(ctxOf(t), empty.ID, debrief.TimelineFilter{}, time.Time{}, 0, pageSize)
	must(t, err, "ListTimelineAfter(no events)")
	if nothing == nil || len(nothing) != 0 {
		t.Errorf("ListTimelineAfter(no events) = %#v; want an empty non-nil list", nothing)
	}

	// A star, an unstar and a delete move the counts; the last event
	// deleted moves the last time.
	var plain, star *debrief.TimelineEvent
	for _, e := range events[1:] { // not the latest, deleted below
		if !e.Starred && plain == nil {
			plain = e
		}
		if e.Starred && star == nil {
			star = e
		}
	}
	yes, no := true, false
	_, err = svc.UpdateTimelineEvent(ctx, inc.ID, plain.ID, debrief.TimelineEventPatch{Starred: &yes}, plain.Version)
	must(t, err, "UpdateTimelineEvent(star)")
	sum, err = svc.TimelineSummary(ctx, inc.ID)
	must(t, err, "TimelineSummary after a star")
	if sum.Starred != starred+1 || sum.Events != len(events) {
		t.Errorf("TimelineSummary after a star = %d events, %d starred; want %d, %d", sum.Events, sum.Starred, len(events), starred+1)
	}
	_, err = svc.UpdateTimelineEvent(ctx, inc.ID, star.ID, debrief.TimelineEventPatch{Starred: &no}, star.Version)
	must(t, err, "UpdateTimelineEvent(unstar)")
	latest := events[0] // added first, at the latest moment
	must(t, svc.DeleteTimelineEvent(ctx, inc.ID, latest.ID, latest.Version), "DeleteTimelineEvent")
	sum, err = svc.TimelineSummary(ctx, inc.ID)
	must(t, err, "TimelineSummary after an unstar and a delete")
	wantStarred := starred
	if latest.Starred {
		wantStarred--
	}
	if sum.Starred != wantStarred || sum.Events != len(events)-1 {
		t.Errorf("TimelineSummary after an unstar and a delete = %d events, %d starred; want %d, %d", sum.Events, sum.Starred, len(events)-1, wantStarred)
	}
	if !sum.Last.Equal(last) {
		// Two other events share the latest moment.
		t.Errorf("TimelineSummary after deleting one of the latest events: last = %v; want %v", sum.Last, last)
	}

	// One event by its incident; another incident's event is not found.
	one, err := svc.TimelineEvent(ctx, inc.ID, plain.ID)
	must(t, err, "TimelineEvent")
	if one.ID != plain.ID || !one.Starred {
		t.Errorf("TimelineEvent(%d) = event %d starred %v; want event %d, starred", plain.ID, one.ID, one.Starred, plain.ID)
	}
	_, err = svc.TimelineEvent(ctx, other.ID, plain.ID)
	wantCode(t, err, debrief.ENotFound, "TimelineEvent(another incident's event)")
}
