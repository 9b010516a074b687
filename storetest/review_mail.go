package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() { Register("ReviewMailCommitsWithTheChange", testReviewMailCommitsWithTheChange) }

// countingNotifier writes one e-mail per participant for an invitation and
// one for a reminder, keyed as the real mailer keys them (the review, the
// invitation's sequence and method; the reminder's time), and counts what
// it wrote and how often it was told messages committed.
type countingNotifier struct {
	mu                  sync.Mutex
	invitations, nudges int
	links               int
	methods             []string
	queued              int
}

func (c *countingNotifier) ReviewInvitation(r *debrief.Review, method string) ([]*debrief.Notification, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.invitations++
	c.methods = append(c.methods, method)
	key := fmt.Sprintf("%s:%d:seq%d:%s", debrief.EventReviewInvitation, r.ID, r.Sequence, method)
	var ns []*debrief.Notification
	for _, p := range r.Participants {
		ns = append(ns, &debrief.Notification{EventKey: key, Event: debrief.EventReviewInvitation, Channel: debrief.ChannelEmail, Target: p.Email,
			Message: debrief.Message{Subject: method + " " + r.Title, Text: "sequence " + fmt.Sprint(r.Sequence)}})
	}
	return ns, nil
}

func (c *countingNotifier) ReviewNudge(r *debrief.Review, email, token string) ([]*debrief.Notification, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nudges++
	key := fmt.Sprintf("%s:%d:%s:%s", debrief.EventReviewReminder, r.ID, email, r.Participant(email).NudgedAt.Format(time.RFC3339))
	return []*debrief.Notification{{EventKey: key, Event: debrief.EventReviewReminder, Channel: debrief.ChannelEmail, Target: email,
		Message: debrief.Message{Subject: "Reminder", Text: "/review/" + token}}}, nil
}

func (c *countingNotifier) ReviewLinks(r *debrief.Review, invites []debrief.ReviewInvite) ([]*debrief.Notification, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ns []*debrief.Notification
	for _, in := range invites {
		c.links++
		key := fmt.Sprintf("%s:%d:%s:%s", debrief.EventReviewLink, r.PostmortemID, in.Email, debrief.HashToken(in.Token)[:16])
		ns = append(ns, &debrief.Notification{EventKey: key, Event: debrief.EventReviewLink, Channel: debrief.ChannelEmail, Target: in.Email,
			Message: debrief.Message{Subject: "Your personal link", Text: "/review/" + in.Token}})
	}
	return ns, nil
}

func (c *countingNotifier) Queued() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queued++
}

// testReviewMailCommitsWithTheChange checks that a review's e-mails are
// stored with the change that sends them, in its transaction: a chosen
// slot's invitations, a move's updates and a cancellation are in the
// outbox as soon as the change returns; a refused change (a stale version)
// leaves none; the same change stored again adds none (the outbox's key);
// a reminder is stored with the new link it carries.
func testReviewMailCommitsWithTheChange(t *testing.T, open Opener) {
	s := open(t)
	now := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	n := &countingNotifier{}
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return now }), debrief.WithReviewNotifier(n))
	ria := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "ria@example.com", Role: debrief.RoleResponder})
	pm, r := meetingFixture(t, svc, ria)
	r, err := svc.Review(ria, r.PostmortemID)
	must(t, err, "Review")
	// Opening it brought each participant their personal link.
	opened := map[string]bool{}
	for _, x := range outboxOf(t, svc, debrief.EventReviewLink) {
		if _, email, err := svc.ReviewByLink(ctxOf(t), x.Message.Text[len("/review/"):]); err == nil && email == x.Target {
			opened[email] = true
		}
	}
	if len(opened) != 3 || n.queued != 1 {
		t.Errorf("after OpenReview: working links mailed to %v, told %d times; want all three and once", opened, n.queued)
	}
	n.mu.Lock()
	n.queued = 0
	n.mu.Unlock()
	outbox := func(event string) []*debrief.Notification { return outboxOf(t, svc, event) }
	count := func(method string) int {
		n := 0
		for _, x := range outbox(debrief.EventReviewInvitation) {
			if x.Message.Subject == method+" "+r.Title {
				n++
			}
		}
		return n
	}

	from, _, err := r.Window()
	must(t, err, "Window")
	scheduled, err := svc.ChooseReviewSlot(ria, pm.ID, from.Add(9*time.Hour), r.Version)
	must(t, err, "ChooseReviewSlot")
	if got := count("REQUEST"); got != 3 || n.queued != 1 {
		t.Fatalf("after ChooseReviewSlot: %d invitations in the outbox, told %d times; want 3 (one per participant) and once", got, n.queued)
	}
	// A second facilitator's page, still at the old version, chooses
	// another time: refused, and nothing is sent.
	_, err = svc.ChooseReviewSlot(ria, pm.ID, from.Add(10*time.Hour), r.Version)
	wantCode(t, err, debrief.EConflict, "ChooseReviewSlot(stale version)")
	if got := len(outbox(debrief.EventReviewInvitation)); got != 3 || n.queued != 1 {
		t.Errorf("after a refused ChooseReviewSlot: %d invitations, told %d times; want still 3 and once", got, n.queued)
	}
	// The store refuses a stale write together with its mail.
	stale := *scheduled
	mail, err := n.ReviewInvitation(&stale, "CANCEL")
	must(t, err, "ReviewInvitation")
	for _, m := range mail {
		m.Status, m.NextAttemptAt, m.CreatedAt = debrief.NotificationPending, now, now
	}
	rev := &debrief.Revision{EntityType: debrief.EntityReview, EntityID: r.ID, Version: r.Version + 1, Action: "cancel", Actor: "test", At: now}
	wantCode(t, s.UpdateReview(ctxOf(t), &stale, r.Version, nil, rev, mail), debrief.EConflict, "UpdateReview(stale version, with mail)")
	if got := count("CANCEL"); got != 0 {
		t.Errorf("a refused review write left %d cancellations in the outbox; want none", got)
	}
	// The same invitations stored again with a later write add nothing.
	again, err := n.ReviewInvitation(scheduled, "REQUEST")
	must(t, err, "ReviewInvitation")
	for _, m := range again {
		m.Status, m.NextAttemptAt, m.CreatedAt = debrief.NotificationPending, now, now
	}
	same := *scheduled
	rev = &debrief.Revision{EntityType: debrief.EntityReview, EntityID: r.ID, Version: scheduled.Version + 1, Action: "update", Actor: "test", At: now}
	must(t, s.UpdateReview(ctxOf(t), &same, scheduled.Version, nil, rev, again), "UpdateReview(with the invitations already sent)")
	if got := count("REQUEST"); got != 3 {
		t.Errorf("after storing the same invitations again: %d in the outbox; want 3 (the outbox's key)", got)
	}

	moved, err := svc.ChooseReviewSlot(ria, pm.ID, from.Add(26*time.Hour), same.Version)
	must(t, err, "ChooseReviewSlot(move)")
	if got := count("REQUEST"); got != 6 || moved.Sequence != 1 {
		t.Errorf("after moving the meeting: %d invitations at sequence %d; want 6 (3 updates) at sequence 1", got, moved.Sequence)
	}
	if _, err := svc.CancelReview(ria, pm.ID, moved.Version); err != nil {
		t.Fatal(err)
	}
	if got := count("CANCEL"); got != 3 || n.queued != 3 {
		t.Errorf("after CancelReview: %d cancellations, told %d times; want 3 and three times", got, n.queued)
	}

	// A reminder is stored with the new link it carries.
	pm2, _ := meetingFixture(t, svc, ria)
	if _, err := svc.NudgeReviewParticipant(ria, pm2.ID, "dan@example.com"); err != nil {
		t.Fatal(err)
	}
	reminders := outbox(debrief.EventReviewReminder)
	if len(reminders) != 1 || reminders[0].Target != "dan@example.com" {
		t.Fatalf("reminders in the outbox = %+v; want one to dan", reminders)
	}
	token := reminders[0].Message.Text[len("/review/"):]
	if _, email, err := svc.ReviewByLink(ctxOf(t), token); err != nil || email != "dan@example.com" {
		t.Errorf("the reminder's link = %s, %v; want dan's working link", email, err)
	}

	// A new personal link made by the organiser is mailed with it.
	before := len(outboxOf(t, svc, debrief.EventReviewLink))
	if _, err := svc.NewReviewLink(ria, pm2.ID, "sam@example.com"); err != nil {
		t.Fatal(err)
	}
	links := outboxOf(t, svc, debrief.EventReviewLink)
	if len(links) != before+1 {
		t.Fatalf("after NewReviewLink: %d personal links in the outbox; want %d", len(links), before+1)
	}
	working := 0
	for _, x := range links {
		if rv, email, err := svc.ReviewByLink(ctxOf(t), x.Message.Text[len("/review/"):]); err == nil && email == "sam@example.com" && rv.PostmortemID == pm2.ID {
			working++
		}
	}
	if working != 1 {
		t.Errorf("working links of sam to the second review in the outbox = %d; want 1 (the new one; the old one stopped working)", working)
	}
}

// outboxOf returns the notifications of event in the outbox.
func outboxOf(t *testing.T, svc *debrief.Service, event string) []*debrief.Notification {
	t.Helper()
	p, err := svc.ListNotifications(debrief.WithActor(ctxOf(t), debrief.SystemActor), debrief.NotificationFilter{Event: event, Limit: debrief.MaxPageSize})
	must(t, err, "ListNotifications")
	return p.Items
}
