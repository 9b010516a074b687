package notify_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	arran "github.com/arran4/golang-ical"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/notify"
	"github.com/debriefhq/debrief/review"
	"github.com/debriefhq/debrief/sqlstore"
)

// invitationMail is what a participant's mail program sees of one message.
type invitationMail struct {
	to, subject, text string
	method            string // of the text/calendar part's Content-Type
	cal               *arran.Calendar
}

func readInvitationMail(t *testing.T, data []byte) invitationMail {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, data)
	}
	var out invitationMail
	out.to = m.Header.Get("To")
	out.subject, _ = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, cp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		b, _ := io.ReadAll(p)
		switch ct {
		case "text/plain":
			out.text = string(b)
		case "text/calendar":
			raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(b), "\r\n", ""))
			if err != nil {
				t.Fatalf("text/calendar part is not base64: %v", err)
			}
			out.method = cp["method"]
			if out.cal, err = arran.ParseCalendar(bytes.NewReader(raw)); err != nil {
				t.Fatalf("golang-ical cannot read the mailed invitation: %v\n%s", err, raw)
			}
		}
	}
	return out
}

// TestReviewInvitationsByEmail wires the Service's ReviewNotifier to the
// outbox as serve does and delivers through a real SMTP server: choosing a
// slot e-mails every participant an invitation (a text/calendar part with
// METHOD:REQUEST), moving it an update with the same UID and a higher
// SEQUENCE, cancelling a METHOD:CANCEL; channels that want it get the
// "review scheduled" event; a nudge mails a new personal link.
func TestReviewInvitationsByEmail(t *testing.T) {
	ms := startMailServer(t)
	hook := newReceiver(t)
	clk := newClock(start)
	svc := debrief.NewService(openDB(t, dsnFor(t, sqlstore.EngineSQLite)), debrief.WithClock(clk.now), debrief.WithReviewNotifier(testMailer()))
	// Channels hear of a scheduled review from the producer, as in serve.
	p := notify.NewProducer(svc, notify.ProducerConfig{BaseURL: "https://debrief.example.com"}, nil, nil)
	w := notify.NewWorker(svc, map[string]notify.Sender{debrief.ChannelEmail: ms.sender(), debrief.ChannelWebhook: &notify.HTTPSender{}}, notify.WorkerConfig{}, nil)
	if err := svc.CreateNotificationChannel(admin(), &debrief.NotificationChannel{Kind: debrief.ChannelWebhook, Name: "reviews", Target: hook.srv.URL,
		Events: []string{debrief.EventReviewScheduled}}); err != nil {
		t.Fatal(err)
	}

	ria := debrief.WithActor(t.Context(), debrief.Actor{Email: "ria@example.com", Role: debrief.RoleResponder})
	pm, r := openMailedReview(t, svc, ria)
	var err error
	deliver := func(want int) []invitationMail {
		t.Helper()
		ms.mu.Lock()
		before := len(ms.messages)
		ms.mu.Unlock()
		if _, err := p.RunOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
		if _, err := w.RunOnce(); err != nil {
			t.Fatal(err)
		}
		ms.mu.Lock()
		defer ms.mu.Unlock()
		if got := len(ms.messages) - before; got != want {
			t.Fatalf("the mail server received %d new messages; want %d", got, want)
		}
		var out []invitationMail
		for _, m := range ms.messages[before:] {
			out = append(out, readInvitationMail(t, m.data))
		}
		return out
	}
	check := func(mails []invitationMail, method, sequence string, start time.Time) string {
		t.Helper()
		uid := ""
		to := map[string]bool{}
		for _, m := range mails {
			to[m.to] = true
			if m.cal == nil || m.method != method {
				t.Fatalf("mail to %s: calendar part method %q; want %s", m.to, m.method, method)
			}
			ev := m.cal.Events()[0]
			if seq := ev.GetProperty(arran.ComponentPropertySequence); seq == nil || seq.Value != sequence {
				t.Errorf("mail to %s: SEQUENCE %v; want %s", m.to, seq, sequence)
			}
			if at, err := ev.GetStartAt(); err != nil || !at.Equal(start) {
				t.Errorf("mail to %s: starts %v (%v); want %v", m.to, at, err, start)
			}
			if uid != "" && ev.Id() != uid {
				t.Errorf("UIDs differ between participants: %s and %s", uid, ev.Id())
			}
			uid = ev.Id()
		}
		if len(to) != 3 {
			t.Errorf("invitations went to %v; want the three participants", to)
		}
		return uid
	}

	// Opening the review brought each participant their personal page.
	for _, m := range deliver(3) {
		i := strings.Index(m.text, "https://debrief.example.com/review/")
		if i < 0 || m.cal != nil {
			t.Fatalf("mail to %s on opening: %q; want their personal link and no calendar", m.to, m.text)
		}
		token := strings.Fields(m.text[i+len("https://debrief.example.com/review/"):])[0]
		if _, email, err := svc.ReviewByLink(t.Context(), token); err != nil || "<"+email+">" != m.to {
			t.Errorf("the link mailed to %s is %s's, %v; want their own working link", m.to, email, err)
		}
	}

	first := time.Date(2026, 4, 8, 8, 0, 0, 0, time.UTC) // 10:00 in Berlin
	if r, err = svc.ChooseReviewSlot(ria, pm.ID, first, r.Version); err != nil {
		t.Fatal(err)
	}
	invited := deliver(3)
	uid := check(invited, "REQUEST", "0", first)
	if !strings.Contains(invited[0].subject, "Invitation:") || !strings.Contains(invited[0].text, "https://debrief.example.com/postmortems/"+pm.Key+"/review") {
		t.Errorf("first invitation: subject %q, text %q; want an invitation linking the review", invited[0].subject, invited[0].text)
	}

	moved := first.Add(26 * time.Hour)
	if r, err = svc.ChooseReviewSlot(ria, pm.ID, moved, r.Version); err != nil {
		t.Fatal(err)
	}
	updated := deliver(3)
	if got := check(updated, "REQUEST", "1", moved); got != uid {
		t.Errorf("updated invitation UID = %s; want the first one's, %s", got, uid)
	}
	if !strings.Contains(updated[0].subject, "Updated invitation") {
		t.Errorf("update subject = %q", updated[0].subject)
	}

	if r, err = svc.CancelReview(ria, pm.ID, r.Version); err != nil {
		t.Fatal(err)
	}
	cancelled := deliver(3)
	if got := check(cancelled, "CANCEL", "2", moved); got != uid {
		t.Errorf("cancellation UID = %s; want %s", got, uid)
	}

	// The channel heard of both schedulings, not of the cancellation.
	if n := hook.count(); n != 2 {
		t.Errorf("webhook channel got %d review.scheduled events; want 2", n)
	}
	hook.mu.Lock()
	if len(hook.bodies) > 0 && !strings.Contains(string(hook.bodies[0]), `"event":"review.scheduled"`) {
		t.Errorf("webhook body = %s; want the review.scheduled event", hook.bodies[0])
	}
	hook.mu.Unlock()

	// A nudge: one mail to the one who has not answered, with a link that works.
	if _, err := svc.NudgeReviewParticipant(ria, pm.ID, "pat@example.com"); debrief.ErrorCode(err) != debrief.EUnprocessable {
		t.Fatalf("NudgeReviewParticipant on a cancelled review = %v; want EUnprocessable", err)
	}
	r2, _, err := svc.OpenReview(ria, mustPostmortem(t, svc, ria), debrief.NewReview{Zone: "UTC", WindowStart: "2026-04-07", WindowEnd: "2026-04-17",
		Participants: []debrief.ReviewParticipant{{Email: "ria@example.com", Required: true}, {Email: "pat@example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	deliver(2) // their personal links
	if _, err := svc.NudgeReviewParticipant(ria, r2.PostmortemID, "pat@example.com"); err != nil {
		t.Fatal(err)
	}
	nudge := deliver(1)[0]
	i := strings.Index(nudge.text, "https://debrief.example.com/review/")
	if nudge.to != "<pat@example.com>" || i < 0 {
		t.Fatalf("reminder to %s: %q; want pat with a personal link", nudge.to, nudge.text)
	}
	token := strings.Fields(nudge.text[i+len("https://debrief.example.com/review/"):])[0]
	if _, email, err := svc.ReviewByLink(t.Context(), token); err != nil || email != "pat@example.com" {
		t.Errorf("the reminder's link = %s, %v; want pat's working link", email, err)
	}
}

// mustPostmortem makes another incident and its postmortem.
func mustPostmortem(t *testing.T, svc *debrief.Service, ctx context.Context) int64 {
	t.Helper()
	inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout API returned 500s again"})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "ria@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return pm.ID
}

// testMailer writes invitations as serve's mailer does.
func testMailer() *notify.ReviewMailer {
	return &notify.ReviewMailer{BaseURL: "https://debrief.example.com", Invitation: func(r *debrief.Review, link string, stamp time.Time) ([]byte, string, error) {
		inv, err := review.InvitationFor(r, link, stamp)
		if err != nil {
			return nil, "", err
		}
		b, err := inv.Bytes()
		return b, inv.Method, err
	}}
}

// sender delivers to the mail server over STARTTLS with a password.
func (ms *mailServer) sender() *notify.SMTPSender {
	return &notify.SMTPSender{Config: notify.SMTPConfig{Addr: ms.addr, Username: "debrief", Password: "hunter2", From: "Debrief <debrief@example.com>",
		StartTLS: true, TLS: &tls.Config{RootCAs: ms.pool, ServerName: "127.0.0.1"}}}
}

// openMailedReview opens the review of a new incident's postmortem owned by
// ctx's actor (ria), with ria and sam required and pat optional, in Berlin.
func openMailedReview(t *testing.T, svc *debrief.Service, ctx context.Context) (*debrief.Postmortem, *debrief.Review) {
	t.Helper()
	inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout API returned 500s"})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "ria@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := svc.OpenReview(ctx, pm.ID, debrief.NewReview{Zone: "Europe/Berlin", WindowStart: "2026-04-07", WindowEnd: "2026-04-17",
		Participants: []debrief.ReviewParticipant{{Email: "ria@example.com", Required: true}, {Email: "sam@example.com", Required: true}, {Email: "pat@example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	return pm, r
}
