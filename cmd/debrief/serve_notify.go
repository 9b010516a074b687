package main

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/notify"
	"github.com/debriefhq/debrief/review"
)

// Messaging configures notifications: the mail server and the reminder
// schedule. Links in messages use serve's --public-url, like feeds do.
type Messaging struct {
	Notify        bool          `name:"notify" help:"Run the notification producer and delivery workers (turn off on instances that should only serve requests)." default:"true" negatable:"" env:"DEBRIEF_NOTIFY"`
	SMTPAddr      string        `name:"smtp-addr" help:"Mail server (host:port) for email notifications; empty sends none." env:"DEBRIEF_SMTP_ADDR" placeholder:"HOST:PORT"`
	SMTPUsername  string        `name:"smtp-username" help:"User for SMTP AUTH PLAIN (only ever sent over TLS)." env:"DEBRIEF_SMTP_USERNAME"`
	SMTPPassword  string        `name:"smtp-password" help:"Password for SMTP AUTH (prefer the environment variable)." env:"DEBRIEF_SMTP_PASSWORD"`
	SMTPFrom      string        `name:"smtp-from" help:"Sender of email notifications, e.g. 'Debrief <debrief@example.com>'." env:"DEBRIEF_SMTP_FROM"`
	SMTPStartTLS  bool          `name:"smtp-starttls" help:"Require STARTTLS (otherwise it is used when the server offers it)." default:"true" negatable:"" env:"DEBRIEF_SMTP_STARTTLS"`
	RemindBefore  time.Duration `name:"remind-before" help:"How long before an action item's due date its owner is first reminded." default:"48h" env:"DEBRIEF_REMIND_BEFORE"`
	EscalateAfter time.Duration `name:"escalate-after" help:"How long after the due date an open action item is escalated to its postmortem's owner." default:"72h" env:"DEBRIEF_ESCALATE_AFTER"`
	// NotifyInterval is for tests, which cannot wait half a minute.
	NotifyInterval time.Duration `name:"notify-interval" hidden:"" help:"How often the record is read for new events." default:"30s"`
}

// notifications are the background parts of serve: the producer that turns
// the record into notifications and the worker that sends them. Both are
// fields of this value, started and stopped by serve; nothing is global.
type notifications struct {
	producer *notify.Producer
	worker   *notify.Worker
}

// start builds and starts the workers, or returns nil when --no-notify.
// publicURL is the address people reach the server at, for links.
func (f *Messaging) start(svc *debrief.Service, publicURL string, log *slog.Logger) (*notifications, error) {
	if !f.Notify {
		return nil, nil
	}
	senders := map[string]notify.Sender{
		debrief.ChannelSlack:   &notify.HTTPSender{},
		debrief.ChannelWebhook: &notify.HTTPSender{},
	}
	email := strings.TrimSpace(f.SMTPAddr) != ""
	if email {
		if f.SMTPFrom == "" {
			return nil, fmt.Errorf("--smtp-from is required with --smtp-addr: say who email notifications come from, e.g. 'Debrief <debrief@example.com>'")
		}
		senders[debrief.ChannelEmail] = &notify.SMTPSender{Config: notify.SMTPConfig{Addr: f.SMTPAddr, Username: f.SMTPUsername,
			Password: f.SMTPPassword, From: f.SMTPFrom, StartTLS: f.SMTPStartTLS}}
	}
	n := &notifications{}
	n.worker = notify.NewWorker(svc, senders, notify.WorkerConfig{}, log.With("component", "notify-worker"))
	n.producer = notify.NewProducer(svc, notify.ProducerConfig{BaseURL: publicURL, Interval: f.NotifyInterval, RemindBefore: f.RemindBefore, EscalateAfter: f.EscalateAfter, Email: email},
		log.With("component", "notify-producer"), n.worker.Wake)
	n.worker.Start()
	n.producer.Start()
	return n, nil
}

// stop stops producing, then lets the sends in flight finish.
func (n *notifications) stop() {
	if n == nil {
		return
	}
	n.producer.Stop()
	n.worker.Stop()
}

// reviewMailer returns the notifier that e-mails review invitations and
// reminders, or nil when no e-mail is sent (no --smtp-addr, or --no-notify):
// the Service then refuses reminders and invitations are downloaded.
func (f *Messaging) reviewMailer() *notify.ReviewMailer {
	if !f.Notify || strings.TrimSpace(f.SMTPAddr) == "" {
		return nil
	}
	return &notify.ReviewMailer{Invitation: func(r *debrief.Review, link string, stamp time.Time) ([]byte, string, error) {
		inv, err := review.InvitationFor(r, link, stamp)
		if err != nil {
			return nil, "", err
		}
		b, err := inv.Bytes()
		return b, inv.Method, err
	}}
}

// bindReviewMailer completes m once the address and the worker exist.
func (n *notifications) bindReviewMailer(m *notify.ReviewMailer, publicURL string) {
	if m == nil || n == nil {
		return
	}
	m.BaseURL, m.Wake = publicURL, n.worker.Wake
}
