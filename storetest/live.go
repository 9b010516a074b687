package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("ServiceLivePublishes", testServiceLivePublishes)
}

// liveRecorder is a debrief.Publisher that keeps what it is told.
type liveRecorder struct {
	mu     sync.Mutex
	events []debrief.LiveEvent
}

func (r *liveRecorder) Publish(ev debrief.LiveEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

// take returns and forgets what was published.
func (r *liveRecorder) take() []debrief.LiveEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// testServiceLivePublishes checks that each change open pages show is
// published once it committed, on the record's topic, with who made it;
// and that a refused change (a stale version) or one that changed nothing
// (a redelivered event) publishes nothing.
func testServiceLivePublishes(t *testing.T, open Opener) {
	rec := &liveRecorder{}
	svc := debrief.NewService(open(t), debrief.WithPublisher(rec))
	ctx := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "ada@example.com", Role: debrief.RoleAdmin})
	expect := func(what string, want ...debrief.LiveEvent) {
		t.Helper()
		got := rec.take()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s published %+v; want %+v", what, got, want)
		}
	}
	inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout API returned 500s for 12 minutes", Severity: "SEV2", StartedAt: at(0)})
	if err != nil {
		t.Fatal(err)
	}
	rec.take()
	topic := debrief.IncidentTopic(inc.ID)

	ev := &debrief.TimelineEvent{At: at(time.Minute), Text: "Paged the on-call engineer", Source: debrief.SourceManual, ExternalID: "note-1"}
	if _, err := svc.AddTimelineEvents(ctx, inc.ID, []*debrief.TimelineEvent{ev}, debrief.AddEventsOptions{}); err != nil {
		t.Fatal(err)
	}
	expect("AddTimelineEvents", debrief.LiveEvent{Topic: topic, Kind: debrief.LiveTimeline, By: "ada@example.com"})
	again := &debrief.TimelineEvent{At: at(time.Minute), Text: "Paged the on-call engineer", Source: debrief.SourceManual, ExternalID: "note-1"}
	if n, err := svc.AddTimelineEvents(ctx, inc.ID, []*debrief.TimelineEvent{again}, debrief.AddEventsOptions{}); err != nil || n != 0 {
		t.Fatalf("AddTimelineEvents(the same event again) = %d, %v; want 0 added", n, err)
	}
	expect("AddTimelineEvents of an event already there")

	events, err := svc.ListTimeline(ctx, inc.ID, debrief.TimelineFilter{})
	if err != nil || len(events) != 1 {
		t.Fatalf("ListTimeline = %d events, %v; want 1", len(events), err)
	}
	id := events[0].ID
	text := "Paged the on-call engineer twice"
	if _, err := svc.UpdateTimelineEvent(ctx, inc.ID, id, debrief.TimelineEventPatch{Text: &text}, 99); !debrief.IsCode(err, debrief.EConflict) {
		t.Fatalf("UpdateTimelineEvent(stale version) = %v; want EConflict", err)
	}
	expect("UpdateTimelineEvent with a stale version")
	upd, err := svc.UpdateTimelineEvent(ctx, inc.ID, id, debrief.TimelineEventPatch{Text: &text}, events[0].Version)
	if err != nil {
		t.Fatal(err)
	}
	expect("UpdateTimelineEvent", debrief.LiveEvent{Topic: topic, Kind: debrief.LiveTimeline, ID: id, Version: upd.Version, By: "ada@example.com"})
	if err := svc.DeleteTimelineEvent(ctx, inc.ID, id, upd.Version); err != nil {
		t.Fatal(err)
	}
	expect("DeleteTimelineEvent", debrief.LiveEvent{Topic: topic, Kind: debrief.LiveTimeline, ID: id, By: "ada@example.com"})

	resolved := debrief.StatusResolved
	next, err := svc.UpdateIncident(ctx, inc.ID, debrief.IncidentPatch{Status: &resolved}, inc.Version)
	if err != nil {
		t.Fatal(err)
	}
	expect("UpdateIncident", debrief.LiveEvent{Topic: topic, Kind: debrief.LiveIncident, ID: inc.ID, Version: next.Version, By: "ada@example.com"})
	if _, err := svc.UpdateIncident(ctx, inc.ID, debrief.IncidentPatch{Status: &resolved}, inc.Version); !debrief.IsCode(err, debrief.EConflict) {
		t.Fatalf("UpdateIncident(stale version) = %v; want EConflict", err)
	}
	expect("UpdateIncident with a stale version")

	pm, err := svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	pmTopic := debrief.PostmortemTopic(pm.ID)
	// The incident page lists its postmortem: it hears of it as it starts.
	expect("CreatePostmortem",
		debrief.LiveEvent{Topic: pmTopic, Kind: debrief.LivePostmortem, ID: pm.ID, Version: 1, By: "ada@example.com"},
		debrief.LiveEvent{Topic: topic, Kind: debrief.LivePostmortem, ID: pm.ID, Version: 1, By: "ada@example.com"})
	key := pm.Sections[0].Key
	body := "Between 14:02 and 14:14 UTC checkouts failed."
	saved, err := svc.UpdateSection(ctx, pm.ID, key, debrief.SectionEdit{Body: &body, BaseVersion: pm.Section(key).Version})
	if err != nil {
		t.Fatal(err)
	}
	expect("UpdateSection", debrief.LiveEvent{Topic: pmTopic, Kind: debrief.LiveSection, ID: pm.ID, Version: saved.Section(key).Version, Section: key, By: "ada@example.com"})
	other := "Someone else's summary"
	if _, err := svc.UpdateSection(ctx, pm.ID, key, debrief.SectionEdit{Body: &other, BaseVersion: pm.Section(key).Version}); !debrief.IsCode(err, debrief.EConflict) {
		t.Fatalf("UpdateSection(stale base) = %v; want EConflict", err)
	}
	expect("UpdateSection with a stale base")
	review := debrief.PostmortemInReview
	cur, err := svc.Postmortem(ctx, pm.ID)
	if err != nil {
		t.Fatal(err)
	}
	done, err := svc.UpdatePostmortem(ctx, pm.ID, debrief.PostmortemPatch{Status: &review}, cur.Version)
	if err != nil {
		t.Fatal(err)
	}
	expect("UpdatePostmortem",
		debrief.LiveEvent{Topic: pmTopic, Kind: debrief.LivePostmortem, ID: pm.ID, Version: done.Version, By: "ada@example.com"},
		debrief.LiveEvent{Topic: topic, Kind: debrief.LivePostmortem, ID: pm.ID, Version: done.Version, By: "ada@example.com"})
	if _, err := svc.UpdatePostmortem(ctx, pm.ID, debrief.PostmortemPatch{Status: &review}, cur.Version); !debrief.IsCode(err, debrief.EConflict) {
		t.Fatalf("UpdatePostmortem(stale version) = %v; want EConflict", err)
	}
	expect("UpdatePostmortem with a stale version")
	if err := svc.DeletePostmortem(ctx, pm.ID, done.Version); err != nil {
		t.Fatal(err)
	}
	expect("DeletePostmortem",
		debrief.LiveEvent{Topic: pmTopic, Kind: debrief.LivePostmortem, ID: pm.ID, By: "ada@example.com"},
		debrief.LiveEvent{Topic: topic, Kind: debrief.LivePostmortem, ID: pm.ID, By: "ada@example.com"})
}
