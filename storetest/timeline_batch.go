package storetest

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() { Register("TimelineBatchAcrossStatements", testTimelineBatchAcrossStatements) }

// testTimelineBatchAcrossStatements checks AddTimelineEvents on a batch
// larger than one INSERT statement of the store: events without external
// ids, duplicates of stored events and duplicates inside the batch (also in
// different statements) are each matched to the right stored event, in
// the caller's order.
func testTimelineBatchAcrossStatements(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	slack := func(i int) *debrief.TimelineEvent {
		e := newEvent(time.Duration(i)*time.Second, fmt.Sprintf("message %d", i))
		e.Source, e.Kind, e.ExternalID = debrief.SourceSlack, debrief.KindCommunication, fmt.Sprintf("slack:%d", i)
		return e
	}
	// Stored first: every tenth message.
	var first []*debrief.TimelineEvent
	for i := 0; i < 1200; i += 10 {
		first = append(first, slack(i))
	}
	added, err := s.AddTimelineEvents(ctx, inc.ID, first, nil, rev(debrief.EntityIncident, inc.ID, 0, "timeline.add"))
	must(t, err, "AddTimelineEvents(every tenth message)")
	if added != len(first) {
		t.Fatalf("AddTimelineEvents(every tenth message) added %d, want %d", added, len(first))
	}
	stored := map[string]*debrief.TimelineEvent{}
	for _, e := range first {
		stored[e.ExternalID] = e
	}

	// Then all 1,200, with a note without external id after every
	// seventh and message 3 repeated at the end.
	var batch []*debrief.TimelineEvent
	for i := 0; i < 1200; i++ {
		batch = append(batch, slack(i))
		if i%7 == 0 {
			batch = append(batch, newEvent(time.Duration(i)*time.Second, fmt.Sprintf("note %d", i)))
		}
	}
	batch = append(batch, slack(3))
	wantNew := 1200 - len(first) + (1200+6)/7
	added, err = s.AddTimelineEvents(ctx, inc.ID, batch, nil, rev(debrief.EntityIncident, inc.ID, 0, "timeline.add"))
	must(t, err, "AddTimelineEvents(1,200 messages and notes)")
	if added != wantNew {
		t.Fatalf("AddTimelineEvents(1,200 messages and notes) added %d, want %d", added, wantNew)
	}
	ids := map[int64]bool{}
	for i, e := range batch[:len(batch)-1] {
		if old, ok := stored[e.ExternalID]; ok {
			wantEqual(t, fmt.Sprintf("batch event %d (%s, stored before)", i, e.ExternalID), old, e)
			continue
		}
		if e.ID == 0 || ids[e.ID] || e.IncidentID != inc.ID || e.Version != 1 {
			t.Fatalf("batch event %d (%q) came back with ID %d, incident %d, version %d; want a new ID, incident %d, version 1", i, e.Text, e.ID, e.IncidentID, e.Version, inc.ID)
		}
		ids[e.ID] = true
		got, err := s.TimelineEvent(ctx, e.ID)
		must(t, err, fmt.Sprintf("TimelineEvent(%d)", e.ID))
		wantEqual(t, fmt.Sprintf("batch event %d (%q)", i, e.Text), got, e)
	}
	var three *debrief.TimelineEvent
	for _, e := range batch {
		if e.ExternalID == "slack:3" {
			three = e
			break
		}
	}
	if last := batch[len(batch)-1]; last.ID != three.ID || last.Text != "message 3" {
		t.Errorf("message 3 repeated at the end of the batch = ID %d %q, want the first one (ID %d)", last.ID, last.Text, three.ID)
	}
	tl, err := s.ListTimeline(ctx, inc.ID, debrief.TimelineFilter{})
	must(t, err, "ListTimeline")
	if want := len(first) + wantNew; len(tl) != want {
		t.Errorf("ListTimeline holds %d events, want %d", len(tl), want)
	}

	// The external ids a re-run import checks against: every message
	// once, and none for the notes (manual events without ids).
	l, ok := s.(interface {
		TimelineExternalIDs(ctx context.Context, incidentID int64, source debrief.EventSource) ([]string, error)
	})
	if !ok {
		t.Fatalf("the store (%T) has no TimelineExternalIDs method, which re-run imports use", s)
	}
	ext, err := l.TimelineExternalIDs(ctx, inc.ID, debrief.SourceSlack)
	must(t, err, "TimelineExternalIDs(slack)")
	sort.Strings(ext)
	var want []string
	for i := 0; i < 1200; i++ {
		want = append(want, fmt.Sprintf("slack:%d", i))
	}
	sort.Strings(want)
	wantEqual(t, "TimelineExternalIDs(slack)", want, ext)
	ext, err = l.TimelineExternalIDs(ctx, inc.ID, debrief.SourceManual)
	must(t, err, "TimelineExternalIDs(manual)")
	if len(ext) != 0 {
		t.Errorf("TimelineExternalIDs(manual) = %d ids, want none (the notes have no external id)", len(ext))
	}
}

func init() { Register("TimelineImportThroughWrappedStore", testTimelineImportThroughWrappedStore) }

// hiddenMethodsStore hides every method of the store that debrief.Store does not
// name, as a store wrapped by another (a cache, a tracer) would.
type hiddenMethodsStore struct{ debrief.Store }

// testTimelineImportThroughWrappedStore checks that a re-run import adds
// nothing also when the store cannot list external ids alone: the Service
// then reads the timeline instead.
func testTimelineImportThroughWrappedStore(t *testing.T, open Opener) {
	s := hiddenMethodsStore{open(t)}
	svc := debrief.NewService(s)
	ctx := debrief.WithActor(ctxOf(t), debrief.SystemActor)
	inc := createIncident(t, s, newIncident(1))
	n := 600
	added, err := svc.ImportTimeline(ctx, inc.ID, importEvents(n), debrief.AddEventsOptions{})
	must(t, err, "ImportTimeline(wrapped store)")
	if added != n {
		t.Fatalf("ImportTimeline(wrapped store) added %d, want %d", added, n)
	}
	more := importEvents(n + 10)
	added, err = svc.ImportTimeline(ctx, inc.ID, more, debrief.AddEventsOptions{})
	must(t, err, "ImportTimeline(wrapped store, same events and 10 more)")
	if added != 10 {
		t.Errorf("ImportTimeline(wrapped store, same events and 10 more) added %d, want 10", added)
	}
	got, err := svc.ListTimeline(ctx, inc.ID, debrief.TimelineFilter{})
	must(t, err, "ListTimeline")
	if len(got) != n+10 {
		t.Errorf("timeline holds %d events, want %d", len(got), n+10)
	}
}
