package storetest

import (
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() { Register("ActionItemWritesPublish", testActionItemWritesPublish) }

// testActionItemWritesPublish: every way an action item is made or changed
// (created, promoted from an idea, exported to a tracker, marked done by
// its tracker) tells the board, the item's incident page and its
// postmortem's pages, as CreateActionItem does.
func testActionItemWritesPublish(t *testing.T, open Opener) {
	s := open(t)
	now := base
	rec := &liveRecorder{}
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return now }), debrief.WithPublisher(rec), debrief.WithTrackerClient(doneTracker{}))
	ctx := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "ada@example.com", Role: debrief.RoleAdmin})
	inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout API returned 500s for 12 minutes"})
	must(t, err, "CreateIncident")
	pm, err := svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID})
	must(t, err, "CreatePostmortem")
	tr, err := svc.CreateTracker(ctx, &debrief.Tracker{Name: "github", Kind: debrief.TrackerGitHub, Project: "acme/platform", Token: "t"})
	must(t, err, "CreateTracker")
	newItem := func() *debrief.ActionItem {
		item, err := svc.CreateActionItem(ctx, &debrief.ActionItem{Title: "Add a canary stage", PostmortemID: &pm.ID})
		must(t, err, "CreateActionItem")
		return item
	}
	cases := []struct {
		name string
		// call makes the change and returns the item it made or changed.
		call func() int64
	}{
		{"CreateActionItem", func() int64 { return newItem().ID }},
		{"PromoteIdea", func() int64 {
			idea, err := svc.RaiseIdea(ctx, pm.ID, debrief.NewIdea{Title: "Canary every config change"})
			must(t, err, "RaiseIdea")
			rec.take()
			_, item, err := svc.PromoteIdea(ctx, idea.ID, idea.Version, &debrief.ActionItem{})
			must(t, err, "PromoteIdea")
			return item.ID
		}},
		{"ExportActionItem", func() int64 {
			item := newItem()
			rec.take()
			_, _, err := svc.ExportActionItem(ctx, item.ID, tr.Name)
			must(t, err, "ExportActionItem")
			return item.ID
		}},
		{"SyncActionItem", func() int64 {
			item := newItem()
			_, _, err := svc.ExportActionItem(ctx, item.ID, tr.Name)
			must(t, err, "ExportActionItem")
			rec.take()
			_, err = svc.SyncActionItem(ctx, item.ID)
			must(t, err, "SyncActionItem")
			if got, err := svc.ActionItem(ctx, item.ID); err != nil || got.Status != debrief.ActionDone {
				t.Fatalf("SyncActionItem of an item whose issue is closed left it %v, %v; want done", got.Status, err)
			}
			return item.ID
		}},
	}
	for _, c := range cases {
		now = now.Add(time.Minute)
		rec.take()
		id := c.call()
		got := map[string]bool{}
		for _, ev := range rec.take() {
			if ev.Kind != debrief.LiveActionItems {
				continue
			}
			if ev.Topic != debrief.ActionItemsTopic && ev.ID != id {
				t.Errorf("%s published %+v; want the item's ID %d", c.name, ev, id)
			}
			got[ev.Topic] = true
		}
		for _, topic := range []string{debrief.ActionItemsTopic, debrief.IncidentTopic(inc.ID), debrief.PostmortemTopic(pm.ID)} {
			if !got[topic] {
				t.Errorf("%s told %v; want an %s event on %s too", c.name, got, debrief.LiveActionItems, topic)
			}
		}
	}
}
