package notify

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// ReviewMailer is the Service's debrief.ReviewNotifier: it puts review
// invitations (and their updates and cancellations) and questionnaire
// reminders in the outbox for each participant, and the "review scheduled"
// event for the channels that want it. The outbox's key names the review
// and the invitation's SEQUENCE, so an update is a new message and a
// repeat of the same change is not sent twice.
type ReviewMailer struct {
	// BaseURL is the server's public address, for links.
	BaseURL string
	// Invitation renders the review's iCalendar invitation (REQUEST or
	// CANCEL by its status); main passes review.InvitationFor's bytes, so
	// this package does not depend on the calendar code.
	Invitation func(r *debrief.Review, link string, stamp time.Time) (calendar []byte, method string, err error)
	// Wake is called after messages were queued (the worker's Wake).
	Wake func()

	svc *debrief.Service
}

// Bind gives the mailer the Service it queues through; main calls it once
// the Service exists (the Service is built with the mailer).
func (m *ReviewMailer) Bind(svc *debrief.Service) { m.svc = svc }

func (m *ReviewMailer) link(path string) string {
	return strings.TrimRight(m.BaseURL, "/") + path
}

// ReviewInvitation queues the invitation for every participant. Channels
// hear of the scheduled review from the notification producer, which reads
// it from the review's revision whether or not e-mail is configured.
func (m *ReviewMailer) ReviewInvitation(ctx context.Context, r *debrief.Review, method string) error {
	if m.svc == nil || m.Invitation == nil {
		return fmt.Errorf("notify: review mailer not bound")
	}
	pmKey := debrief.PostmortemKeyPrefix + fmt.Sprint(r.PostmortemID)
	link := m.link("/postmortems/" + pmKey + "/review")
	cal, calMethod, err := m.Invitation(r, link, r.UpdatedAt)
	if err != nil {
		return err
	}
	when := ""
	if r.Chosen != nil {
		if loc, err := time.LoadLocation(r.Zone); err == nil {
			when = r.Chosen.Start.In(loc).Format("Monday 2 January 2006, 15:04") + " (" + r.Zone + ")"
		}
	}
	subject, text := "Invitation: "+r.Title+", "+when, "You are invited to the postmortem review "+r.Title+" on "+when+"."
	switch {
	case method == "CANCEL":
		subject, text = "Cancelled: "+r.Title, "The postmortem review "+r.Title+" on "+when+" is cancelled."
	case r.Sequence > 0:
		subject, text = "Updated invitation: "+r.Title+", "+when, "The postmortem review "+r.Title+" changed; it is now on "+when+"."
	}
	msg := debrief.Message{Subject: subject, Text: text, Link: link, Calendar: string(cal), CalendarMethod: calMethod,
		HTML: "<p>" + html.EscapeString(text) + `</p><p><a href="` + html.EscapeString(link) + `">Open the review in Debrief</a></p>`}
	key := fmt.Sprintf("%s:%s:seq%d:%s", debrief.EventReviewInvitation, pmKey, r.Sequence, method)
	var ns []*debrief.Notification
	for _, p := range r.Participants {
		ns = append(ns, &debrief.Notification{EventKey: key, Event: debrief.EventReviewInvitation, Channel: debrief.ChannelEmail, Target: p.Email, Message: msg})
	}
	return m.enqueue(ctx, ns)
}

// ReviewNudge queues a reminder to answer the questionnaire, with the
// participant's new personal link.
func (m *ReviewMailer) ReviewNudge(ctx context.Context, r *debrief.Review, email, token string) error {
	if m.svc == nil {
		return fmt.Errorf("notify: review mailer not bound")
	}
	link := m.link("/review/" + token)
	text := "Before the postmortem review " + r.Title + ", please answer four short questions (what went well, what was hard, what surprised you, what you would change) and mark when you can attend. Your personal link (it replaces any earlier one): " + link
	msg := debrief.Message{Subject: "Reminder: your view before " + r.Title, Text: text, Link: link,
		HTML: "<p>" + html.EscapeString(text) + "</p>"}
	key := fmt.Sprintf("%s:%s%d:%s", debrief.EventReviewReminder, debrief.PostmortemKeyPrefix, r.PostmortemID, r.Participant(email).NudgedAt.Format(time.RFC3339))
	return m.enqueue(ctx, []*debrief.Notification{{EventKey: key, Event: debrief.EventReviewReminder, Channel: debrief.ChannelEmail, Target: email, Message: msg}})
}

// private reports whether the review's incident is private (or cannot be
// read): channels are seen by people who may not be its members.
func (m *ReviewMailer) private(ctx context.Context, postmortemID int64) bool {
	st := m.svc.Store()
	pm, err := st.Postmortem(ctx, postmortemID)
	if err != nil {
		return true
	}
	if pm.IncidentID == nil {
		return false
	}
	inc, err := st.Incident(ctx, *pm.IncidentID)
	return err != nil || inc.Private
}

func (m *ReviewMailer) enqueue(ctx context.Context, ns []*debrief.Notification) error {
	if len(ns) == 0 {
		return nil
	}
	// The messages follow from a change the caller made and was allowed
	// to make; queueing them is the system's work, as the producer's is.
	added, err := m.svc.EnqueueNotifications(debrief.WithActor(ctx, debrief.SystemActor), ns)
	if err != nil {
		return err
	}
	if added > 0 && m.Wake != nil {
		m.Wake()
	}
	return nil
}
