package notify

import (
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// ReviewMailer is the Service's debrief.ReviewNotifier: it writes review
// invitations (and their updates and cancellations) and questionnaire
// reminders for each participant, which the Service stores in the outbox
// in the same transaction as the change that sends them, so no crash or
// failed write between the two loses one. The outbox's key names the
// review and the invitation's SEQUENCE (a reminder's, its time), so an
// update is a new message and a repeat of the same change is not sent
// twice. Channels hear of a scheduled review from the Producer.
type ReviewMailer struct {
	// BaseURL is the server's public address, for links.
	BaseURL string
	// Invitation renders the review's iCalendar invitation (REQUEST or
	// CANCEL by its status); main passes review.InvitationFor's bytes, so
	// this package does not depend on the calendar code.
	Invitation func(r *debrief.Review, link string, stamp time.Time) (calendar []byte, method string, err error)
	// Wake is called after messages were queued (the worker's Wake).
	Wake func()
}

// Queued wakes the worker: messages were committed with a change.
func (m *ReviewMailer) Queued() {
	if m.Wake != nil {
		m.Wake()
	}
}

func (m *ReviewMailer) link(path string) string {
	return strings.TrimRight(m.BaseURL, "/") + path
}

// ReviewInvitation writes the invitation to every participant. Channels
// hear of the scheduled review from the notification producer, which reads
// it from the review's revision whether or not e-mail is configured.
func (m *ReviewMailer) ReviewInvitation(r *debrief.Review, method string) ([]*debrief.Notification, error) {
	if m.Invitation == nil {
		return nil, fmt.Errorf("notify: the review mailer has no invitation renderer")
	}
	pmKey := debrief.PostmortemKeyPrefix + fmt.Sprint(r.PostmortemID)
	link := m.link("/postmortems/" + pmKey + "/review")
	cal, calMethod, err := m.Invitation(r, link, r.UpdatedAt)
	if err != nil {
		return nil, err
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
	return ns, nil
}

// ReviewLinks writes to each of invites their personal link: the page
// where they mark when they can attend and answer the questionnaire,
// without an account. The key names the link by the start of its
// token's hash (which the store keeps anyway, and which reveals nothing of
// the token), so a new link is a new message.
func (m *ReviewMailer) ReviewLinks(r *debrief.Review, invites []debrief.ReviewInvite) ([]*debrief.Notification, error) {
	var ns []*debrief.Notification
	for _, in := range invites {
		link := m.link("/review/" + in.Token)
		text := "You are invited to the postmortem review " + r.Title + ". Please mark when you can attend and answer four short questions (what went well, what was hard, what surprised you, what you would change) on your personal page, which needs no account and works until " +
			in.ExpiresAt.UTC().Format("2 January 2006") + " (it replaces any earlier link): " + link
		msg := debrief.Message{Subject: "When can you attend: " + r.Title, Text: text, Link: link, HTML: "<p>" + html.EscapeString(text) + "</p>"}
		key := fmt.Sprintf("%s:%s%d:%s:%s", debrief.EventReviewLink, debrief.PostmortemKeyPrefix, r.PostmortemID, in.Email, debrief.HashToken(in.Token)[:16])
		ns = append(ns, &debrief.Notification{EventKey: key, Event: debrief.EventReviewLink, Channel: debrief.ChannelEmail, Target: in.Email, Message: msg})
	}
	return ns, nil
}

// ReviewNudge writes a reminder to answer the questionnaire, with the
// participant's new personal link.
func (m *ReviewMailer) ReviewNudge(r *debrief.Review, email, token string) ([]*debrief.Notification, error) {
	p := r.Participant(email)
	if p == nil || p.NudgedAt == nil {
		return nil, fmt.Errorf("notify: %s is not a participant reminded just now", email)
	}
	link := m.link("/review/" + token)
	text := "Before the postmortem review " + r.Title + ", please answer four short questions (what went well, what was hard, what surprised you, what you would change) and mark when you can attend. Your personal link (it replaces any earlier one): " + link
	msg := debrief.Message{Subject: "Reminder: your view before " + r.Title, Text: text, Link: link,
		HTML: "<p>" + html.EscapeString(text) + "</p>"}
	key := fmt.Sprintf("%s:%s%d:%s", debrief.EventReviewReminder, debrief.PostmortemKeyPrefix, r.PostmortemID, p.NudgedAt.Format(time.RFC3339))
	return []*debrief.Notification{{EventKey: key, Event: debrief.EventReviewReminder, Channel: debrief.ChannelEmail, Target: email, Message: msg}}, nil
}
