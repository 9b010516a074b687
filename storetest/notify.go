package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("NotificationOutbox", testNotificationOutbox)
	Register("NotificationConcurrentClaims", testNotificationConcurrentClaims)
	Register("NotificationChannels", testNotificationChannels)
	Register("NotificationOptOuts", testNotificationOptOuts)
}

func newNotification(key, target string, due time.Time) *debrief.Notification {
	return &debrief.Notification{EventKey: key, Event: debrief.EventIncidentDeclared, Channel: debrief.ChannelWebhook, Target: target,
		Message: debrief.Message{Subject: "INC-1 declared", Text: "Checkout failed", Data: []byte(`{"event":"incident.declared"}`)},
		Status:  debrief.NotificationPending, NextAttemptAt: due, CreatedAt: base}
}

func testNotificationOutbox(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	added, err := s.EnqueueNotifications(ctx, []*debrief.Notification{
		newNotification("incident.declared:INC-1", "https://a.example/hook", base),
		newNotification("incident.declared:INC-1", "https://b.example/hook", base),
	})
	must(t, err, "EnqueueNotifications")
	if added != 2 {
		t.Fatalf("EnqueueNotifications(2 new) added %d, want 2", added)
	}
	// The same event for the same target again: nothing new.
	added, err = s.EnqueueNotifications(ctx, []*debrief.Notification{newNotification("incident.declared:INC-1", "https://a.example/hook", base)})
	must(t, err, "EnqueueNotifications again")
	if added != 0 {
		t.Fatalf("EnqueueNotifications(a duplicate) added %d, want 0", added)
	}
	// Not yet due: nothing to claim.
	got, err := s.ClaimNotifications(ctx, "w1", base.Add(-time.Second), time.Minute, 10)
	must(t, err, "ClaimNotifications before due")
	if len(got) != 0 {
		t.Fatalf("ClaimNotifications before they are due = %d rows, want 0", len(got))
	}
	got, err = s.ClaimNotifications(ctx, "w1", base, time.Minute, 10)
	must(t, err, "ClaimNotifications")
	if len(got) != 2 || got[0].Attempts != 1 || got[0].Status != debrief.NotificationSending || string(got[0].Message.Data) != `{"event":"incident.declared"}` {
		t.Fatalf("ClaimNotifications = %+v, want both, sending, attempt 1, message intact", got)
	}
	// Leased: a second worker gets nothing until the lease expires.
	other, err := s.ClaimNotifications(ctx, "w2", base.Add(30*time.Second), time.Minute, 10)
	must(t, err, "ClaimNotifications by w2 during the lease")
	if len(other) != 0 {
		t.Fatalf("w2 claimed %d leased rows, want 0", len(other))
	}
	a, b := got[0], got[1]
	wantCode(t, s.FinishNotification(ctx, a.ID, "w2", base), debrief.EConflict, "FinishNotification by a worker without the lease")
	must(t, s.FinishNotification(ctx, a.ID, "w1", base.Add(time.Second)), "FinishNotification")
	next := base.Add(10 * time.Minute)
	must(t, s.RetryNotification(ctx, b.ID, "w1", "503 Service Unavailable", &next), "RetryNotification")
	// Backed off: not due before next.
	got, err = s.ClaimNotifications(ctx, "w2", next.Add(-time.Second), time.Minute, 10)
	must(t, err, "ClaimNotifications during back-off")
	if len(got) != 0 {
		t.Fatalf("claimed %d rows during the back-off, want 0", len(got))
	}
	got, err = s.ClaimNotifications(ctx, "w2", next, time.Minute, 10)
	must(t, err, "ClaimNotifications after back-off")
	if len(got) != 1 || got[0].ID != b.ID || got[0].Attempts != 2 {
		t.Fatalf("after the back-off claimed %+v, want %d at attempt 2", got, b.ID)
	}
	// w2 dies holding the lease; after it expires w3 gets the row.
	got, err = s.ClaimNotifications(ctx, "w3", next.Add(2*time.Minute), time.Minute, 10)
	must(t, err, "ClaimNotifications after the lease expired")
	if len(got) != 1 || got[0].ID != b.ID || got[0].Attempts != 3 {
		t.Fatalf("after w2's lease expired w3 claimed %+v, want %d at attempt 3", got, b.ID)
	}
	wantCode(t, s.FinishNotification(ctx, b.ID, "w2", next), debrief.EConflict, "FinishNotification by the worker whose lease expired")
	must(t, s.RetryNotification(ctx, b.ID, "w3", "gave up", nil), "RetryNotification(give up)")

	log, err := s.ListNotifications(ctx, debrief.NotificationFilter{Limit: 10})
	must(t, err, "ListNotifications")
	if len(log.Items) != 2 || log.Items[0].ID != b.ID || log.Items[0].Status != debrief.NotificationFailed || log.Items[0].LastError != "gave up" ||
		log.Items[1].Status != debrief.NotificationSent || log.Items[1].SentAt == nil {
		t.Fatalf("ListNotifications = %+v, want the failed one then the sent one", log.Items)
	}
	sent, err := s.ListNotifications(ctx, debrief.NotificationFilter{Status: []string{debrief.NotificationSent}, Limit: 10})
	must(t, err, "ListNotifications(sent)")
	if len(sent.Items) != 1 || sent.Items[0].ID != a.ID {
		t.Fatalf("ListNotifications(sent) = %+v, want only %d", sent.Items, a.ID)
	}

	_, ok, err := s.NotifyCursor(ctx, "revisions")
	must(t, err, "NotifyCursor")
	if ok {
		t.Fatalf("NotifyCursor before any was saved = found, want none")
	}
	must(t, s.SetNotifyCursor(ctx, "revisions", 42), "SetNotifyCursor")
	must(t, s.SetNotifyCursor(ctx, "revisions", 43), "SetNotifyCursor again")
	v, ok, err := s.NotifyCursor(ctx, "revisions")
	if err != nil || !ok || v != 43 {
		t.Fatalf("NotifyCursor = %d, %v, %v; want 43", v, ok, err)
	}
}

// testNotificationConcurrentClaims has more workers than the pool has
// connections claim one queue at once: every notification is claimed by
// exactly one of them.
func testNotificationConcurrentClaims(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	const n, workers = 300, 24
	var ns []*debrief.Notification
	for i := range n {
		ns = append(ns, newNotification(fmt.Sprintf("incident.declared:INC-%d", i), "https://a.example/hook", base))
	}
	_, err := s.EnqueueNotifications(ctx, ns)
	must(t, err, "EnqueueNotifications")
	var mu sync.Mutex
	claimed := map[int64]string{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("w%d", w)
			for {
				got, err := s.ClaimNotifications(ctx, name, base, time.Hour, 7)
				if debrief.ErrorCode(err) == debrief.EUnavailable {
					continue // a serialization failure: try again
				}
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, g := range got {
					if prev, dup := claimed[g.ID]; dup {
						errs <- fmt.Errorf("notification %d claimed by %s and %s", g.ID, prev, name)
					}
					claimed[g.ID] = name
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(claimed) != n {
		t.Errorf("%d workers claimed %d notifications, want all %d", workers, len(claimed), n)
	}
}

func testNotificationChannels(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	c := &debrief.NotificationChannel{Kind: debrief.ChannelSlack, Name: "incidents", Target: "https://hooks.slack.example/T1", Events: []string{debrief.EventIncidentDeclared},
		CreatedBy: "admin@example.com", CreatedAt: base}
	must(t, s.CreateNotificationChannel(ctx, c, nil), "CreateNotificationChannel")
	dup := *c
	wantCode(t, s.CreateNotificationChannel(ctx, &dup, nil), debrief.EConflict, "CreateNotificationChannel with a taken name")
	list, err := s.ListNotificationChannels(ctx)
	must(t, err, "ListNotificationChannels")
	wantEqual(t, "ListNotificationChannels", []*debrief.NotificationChannel{c}, list)
	must(t, s.DeleteNotificationChannel(ctx, c.ID, nil), "DeleteNotificationChannel")
	wantCode(t, s.DeleteNotificationChannel(ctx, c.ID, nil), debrief.ENotFound, "DeleteNotificationChannel twice")
}

func testNotificationOptOuts(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	mute := debrief.NotificationOptOut{UserEmail: "bob@example.com", Event: debrief.MuteAllEvents, IncidentID: 7}
	event := debrief.NotificationOptOut{UserEmail: "bob@example.com", Event: debrief.EventWeeklySummary}
	other := debrief.NotificationOptOut{UserEmail: "amy@example.com", Event: debrief.EventActionItemDue}
	for _, o := range []debrief.NotificationOptOut{mute, event, event, other} {
		must(t, s.SetNotificationOptOut(ctx, o, true, nil), "SetNotificationOptOut(on)")
	}
	bob, err := s.ListNotificationOptOuts(ctx, "bob@example.com")
	must(t, err, "ListNotificationOptOuts(bob)")
	wantEqual(t, "ListNotificationOptOuts(bob)", []debrief.NotificationOptOut{mute, event}, bob)
	must(t, s.SetNotificationOptOut(ctx, mute, false, nil), "SetNotificationOptOut(off)")
	all, err := s.ListNotificationOptOuts(ctx, "")
	must(t, err, "ListNotificationOptOuts(all)")
	wantEqual(t, "ListNotificationOptOuts(all)", []debrief.NotificationOptOut{other, event}, all)

	// SetOptedOutEvents replaces bob's event opt-outs and nobody else's,
	// and keeps his mutes.
	must(t, s.SetNotificationOptOut(ctx, mute, true, nil), "SetNotificationOptOut(on)")
	due := debrief.NotificationOptOut{UserEmail: "bob@example.com", Event: debrief.EventActionItemDue}
	must(t, s.SetOptedOutEvents(ctx, "bob@example.com", []string{debrief.EventActionItemDue}, nil), "SetOptedOutEvents")
	bob, err = s.ListNotificationOptOuts(ctx, "bob@example.com")
	must(t, err, "ListNotificationOptOuts(bob)")
	wantEqual(t, "ListNotificationOptOuts(bob) after SetOptedOutEvents", []debrief.NotificationOptOut{mute, due}, bob)
	amy, err := s.ListNotificationOptOuts(ctx, "amy@example.com")
	must(t, err, "ListNotificationOptOuts(amy)")
	wantEqual(t, "ListNotificationOptOuts(amy) after bob's SetOptedOutEvents", []debrief.NotificationOptOut{other}, amy)
}
