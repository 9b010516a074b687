package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() { Register("TimelineImport", testTimelineImport) }

// importEvents returns n events as an importer makes them: Slack messages
// a second apart with external ids.
func importEvents(n int) []*debrief.TimelineEvent {
	events := make([]*debrief.TimelineEvent, n)
	for i := range events {
		events[i] = &debrief.TimelineEvent{At: at(time.Duration(i) * time.Second), Zone: "Europe/Copenhagen",
			Source: debrief.SourceSlack, Kind: debrief.KindCommunication, Actor: "alice",
			Text: fmt.Sprintf("message %d", i), ExternalID: fmt.Sprintf("slack:C0INC:%d.000100", 1709625600+i)}
	}
	return events
}

// testTimelineImport checks Service.ImportTimeline on the store: an import
// larger than one AddTimelineEvents batch goes in whole, a bad event
// anywhere writes nothing, and running the same import again adds nothing.
func testTimelineImport(t *testing.T, open Opener) {
	s := open(t)
	svc := debrief.NewService(s)
	ctx := debrief.WithActor(ctxOf(t), debrief.SystemActor)
	inc := createIncident(t, s, newIncident(1))
	n := debrief.MaxTimelineBatch + 1500

	bad := importEvents(n)
	bad[n-1].Text = "   "
	_, err := svc.ImportTimeline(ctx, inc.ID, bad, debrief.AddEventsOptions{})
	wantCode(t, err, debrief.EInvalid, "ImportTimeline(last event blank)")
	got, err := svc.ListTimeline(ctx, inc.ID, debrief.TimelineFilter{})
	must(t, err, "ListTimeline")
	if len(got) != 0 {
		t.Fatalf("ImportTimeline(last event blank) wrote %d events, want none", len(got))
	}

	_, err = svc.AddTimelineEvents(ctx, inc.ID, importEvents(n), debrief.AddEventsOptions{})
	wantCode(t, err, debrief.EInvalid, fmt.Sprintf("AddTimelineEvents(%d events)", n))

	added, err := svc.ImportTimeline(ctx, inc.ID, importEvents(n), debrief.AddEventsOptions{})
	must(t, err, fmt.Sprintf("ImportTimeline(%d events)", n))
	if added != n {
		t.Fatalf("ImportTimeline(%d events) added %d, want %d", n, added, n)
	}
	again, err := svc.ImportTimeline(ctx, inc.ID, importEvents(n), debrief.AddEventsOptions{})
	must(t, err, "ImportTimeline(same events again)")
	if again != 0 {
		t.Errorf("ImportTimeline(same events again) added %d, want 0", again)
	}
	got, err = svc.ListTimeline(ctx, inc.ID, debrief.TimelineFilter{})
	must(t, err, "ListTimeline")
	if len(got) != n {
		t.Fatalf("timeline holds %d events after importing %d twice, want %d", len(got), n, n)
	}
	if first := got[0]; first.Source != debrief.SourceSlack || first.Zone != "Europe/Copenhagen" || first.ExternalID != "slack:C0INC:1709625600.000100" || !first.At.Equal(at(0)) {
		t.Errorf("first imported event = %+v, want source slack, zone Europe/Copenhagen, its external id and time", first)
	}
	revs := revisionsOf(t, s, debrief.EntityIncident, inc.ID)
	imports := 0
	for _, r := range revs {
		if r.Action == "timeline.import" {
			imports++
		}
	}
	if imports != 1 {
		t.Errorf("revisions hold %d timeline.import entries, want 1 (the re-run added nothing)", imports)
	}
}
