package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// ProducerConfig tunes a Producer; zero fields take the defaults.
type ProducerConfig struct {
	// BaseURL is the server's public address, for links in messages.
	BaseURL string
	// Interval is how often the record is read for new events.
	Interval time.Duration
	// RemindBefore is how long before its due date an action item's owner
	// gets the first reminder.
	RemindBefore time.Duration
	// EscalateAfter is how long after the due date an open action item is
	// escalated to its postmortem's owner.
	EscalateAfter time.Duration
	// Email turns on messages to people (owners) by email; without an SMTP
	// server only channels get messages.
	Email bool
}

func (c *ProducerConfig) defaults() {
	if c.Interval <= 0 {
		c.Interval = 30 * time.Second
	}
	if c.RemindBefore <= 0 {
		c.RemindBefore = 48 * time.Hour
	}
	if c.EscalateAfter <= 0 {
		c.EscalateAfter = 72 * time.Hour
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
}

// Producer turns the record into notifications in the outbox. Every
// notification has a key naming its event (an incident declared, a
// reminder stage of an action item for its due date, a week's summary), and
// the outbox keeps one row per key and target, so the producer can read
// the same changes twice, and several instances can run it at once,
// without anything being sent twice.
type Producer struct {
	svc *debrief.Service
	cfg ProducerConfig
	log *slog.Logger
	// onEnqueue is called after notifications were added (to wake a worker).
	onEnqueue func()
	// pendingCursor is the last revision read by this pass, saved after
	// its notifications are enqueued (RunOnce is never run concurrently).
	pendingCursor int64
	// pendingWeek is the start (unix microseconds) of the week whose
	// summaries this pass made, saved like pendingCursor (reminders.go).
	pendingWeek int64
	// optedOut holds, per lower-case email, the opt-outs read at the start
	// of this pass.
	optedOut map[string]map[debrief.NotificationOptOut]bool

	stop chan struct{}
	done chan struct{}
}

// NewProducer returns a producer; onEnqueue (may be nil) is called when it
// added notifications.
func NewProducer(svc *debrief.Service, cfg ProducerConfig, log *slog.Logger, onEnqueue func()) *Producer {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Producer{svc: svc, cfg: cfg, log: log, onEnqueue: onEnqueue, stop: make(chan struct{}), done: make(chan struct{})}
}

// Start runs the producer every Interval until Stop.
func (p *Producer) Start() {
	go func() {
		defer close(p.done)
		for {
			if _, err := p.RunOnce(context.Background()); err != nil {
				p.log.Error("notification producer", "err", err)
			}
			t := time.NewTimer(p.cfg.Interval)
			select {
			case <-p.stop:
				t.Stop()
				return
			case <-t.C:
			}
		}
	}()
}

// Stop ends the producer after its current pass.
func (p *Producer) Stop() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
}

// RunOnce reads the record once and enqueues what is due; it returns how
// many notifications were new.
func (p *Producer) RunOnce(ctx context.Context) (int, error) {
	ctx = debrief.WithActor(ctx, debrief.SystemActor)
	chans, err := p.svc.ListNotificationChannels(ctx)
	if err != nil {
		return 0, err
	}
	optouts, err := p.svc.NotificationOptOuts(ctx)
	if err != nil {
		return 0, err
	}
	p.optedOut = map[string]map[debrief.NotificationOptOut]bool{}
	for _, o := range optouts {
		if p.optedOut[o.UserEmail] == nil {
			p.optedOut[o.UserEmail] = map[debrief.NotificationOptOut]bool{}
		}
		p.optedOut[o.UserEmail][debrief.NotificationOptOut{Event: o.Event, IncidentID: o.IncidentID}] = true
	}
	now := p.svc.Now()
	var ns []*debrief.Notification
	for _, step := range []func(context.Context, time.Time, []*debrief.NotificationChannel) ([]*debrief.Notification, error){
		p.changes, p.reminders, p.postmortemsOverdue, p.weekly,
	} {
		got, err := step(ctx, now, chans)
		if err != nil {
			return 0, err
		}
		ns = append(ns, got...)
	}
	added := 0
	for len(ns) > 0 {
		// Batches keep one transaction (and one SQLite group commit) short.
		k := min(len(ns), 500)
		n, err := p.svc.EnqueueNotifications(ctx, ns[:k])
		if err != nil {
			return added, err
		}
		added += n
		ns = ns[k:]
	}
	if err := p.saveCursor(ctx); err != nil {
		return added, err
	}
	if added > 0 && p.onEnqueue != nil {
		p.onEnqueue()
	}
	return added, nil
}

// fanOut makes one notification per channel that wants the event (none
// for a private incident: channels are seen by people who may not be its
// members) and one per person by email, unless they opted out of the event
// or muted the incident (incidentID, 0 for none).
func (p *Producer) fanOut(key, event string, msg debrief.Message, private bool, incidentID int64, chans []*debrief.NotificationChannel, people ...string) []*debrief.Notification {
	var out []*debrief.Notification
	if !private {
		for _, c := range chans {
			if c.Wants(event) {
				out = append(out, &debrief.Notification{EventKey: key, Event: event, Channel: c.Kind, ChannelID: &c.ID, Target: c.Target, Message: msg})
			}
		}
	}
	if p.cfg.Email {
		seen := map[string]bool{}
		for _, who := range people {
			a, err := mail.ParseAddress(who)
			if err != nil {
				continue
			}
			addr := strings.ToLower(a.Address)
			if seen[addr] {
				continue
			}
			seen[addr] = true
			if off := p.optedOut[addr]; off[debrief.NotificationOptOut{Event: event}] ||
				(incidentID != 0 && off[debrief.NotificationOptOut{Event: debrief.MuteAllEvents, IncidentID: incidentID}]) {
				continue
			}
			out = append(out, &debrief.Notification{EventKey: key, Event: event, Channel: debrief.ChannelEmail, Target: a.Address, Message: msg})
		}
	}
	return out
}

func (p *Producer) link(path string) string {
	if p.cfg.BaseURL == "" {
		return ""
	}
	return p.cfg.BaseURL + path
}

// message renders one event: the same subject and text for every channel,
// HTML for email, and the event as JSON for generic webhooks.
func (p *Producer) message(event, subject, text, path string, data map[string]any) debrief.Message {
	link := p.link(path)
	data["event"] = event
	data["subject"] = subject
	if link != "" {
		data["link"] = link
	}
	raw, _ := json.Marshal(data)
	h := "<p>" + strings.ReplaceAll(html.EscapeString(text), "\n", "<br>") + "</p>"
	if link != "" {
		h += `<p><a href="` + html.EscapeString(link) + `">Open in Debrief</a></p>`
	}
	return debrief.Message{Subject: subject, Text: text, HTML: h, Link: link, Data: raw}
}

const cursorRevisions = "revisions"

// revisionLookback and lateCommitWindow bound the revisions read again
// below the cursor on every pass: on PostgreSQL an ID is taken when a
// transaction inserts, not when it commits, so a slow transaction can
// commit a lower ID after a higher one was read. Such a revision was
// written moments ago, so only recent ones just below the cursor are read
// again; the outbox's key makes reading one twice harmless.
const (
	revisionLookback = 200
	lateCommitWindow = 2 * time.Minute
)

// changes turns new revisions into incident and postmortem events.
func (p *Producer) changes(ctx context.Context, now time.Time, chans []*debrief.NotificationChannel) ([]*debrief.Notification, error) {
	cursor, ok, err := p.svc.NotifyCursor(ctx, cursorRevisions)
	if err != nil {
		return nil, err
	}
	var out []*debrief.Notification
	add := func(r *debrief.Revision) error {
		got, err := p.revision(ctx, r, chans)
		out = append(out, got...)
		return err
	}
	since, after := time.Time{}, cursor
	if !ok {
		// A new installation, or one upgraded to notifications: the
		// last few minutes count, earlier history is not news.
		since, after = now.Add(-10*time.Minute), 0
	} else {
		late, err := p.svc.RevisionsSince(ctx, now.Add(-lateCommitWindow), max(0, cursor-revisionLookback), revisionLookback)
		if err != nil {
			return nil, err
		}
		for _, r := range late {
			if r.ID > cursor {
				break // read below as new
			}
			if err := add(r); err != nil {
				return nil, err
			}
		}
	}
	last := cursor
	for {
		revs, err := p.svc.RevisionsSince(ctx, since, after, 500)
		if err != nil {
			return nil, err
		}
		for _, r := range revs {
			if err := add(r); err != nil {
				return nil, err
			}
			after, last = r.ID, max(last, r.ID)
		}
		if len(revs) < 500 {
			break
		}
	}
	p.pendingCursor = last
	return out, nil
}

func (p *Producer) saveCursor(ctx context.Context) error {
	if p.pendingWeek != 0 {
		if err := p.svc.SetNotifyCursor(ctx, cursorWeekly, p.pendingWeek); err != nil {
			return err
		}
		p.pendingWeek = 0
	}
	if p.pendingCursor == 0 {
		return nil
	}
	return p.svc.SetNotifyCursor(ctx, cursorRevisions, p.pendingCursor)
}

func changed(r *debrief.Revision, field string) (old, new string, ok bool) {
	for _, c := range r.Changes {
		if c.Field == field {
			_ = json.Unmarshal(c.Old, &old)
			_ = json.Unmarshal(c.New, &new)
			return old, new, true
		}
	}
	return "", "", false
}

func (p *Producer) revision(ctx context.Context, r *debrief.Revision, chans []*debrief.NotificationChannel) ([]*debrief.Notification, error) {
	switch {
	case r.EntityType == debrief.EntityIncident && r.Action == "create":
		inc, err := p.svc.Incident(ctx, r.EntityID)
		if debrief.ErrorCode(err) == debrief.ENotFound {
			return nil, nil // deleted since
		}
		if err != nil {
			return nil, err
		}
		subject := fmt.Sprintf("%s declared (%s): %s", inc.Key, inc.Severity, inc.Title)
		text := fmt.Sprintf("%s was declared at %s by %s.\nServices: %s\nImpact: %s", inc.Key, inc.CreatedAt.UTC().Format("2006-01-02 15:04 MST"), inc.CreatedBy,
			orNone(strings.Join(inc.Services, ", ")), orNone(inc.Impact))
		msg := p.message(debrief.EventIncidentDeclared, subject, text, "/incidents/"+inc.Key,
			map[string]any{"incident": inc.Key, "severity": inc.Severity, "title": inc.Title, "services": inc.Services})
		return p.fanOut(debrief.EventIncidentDeclared+":"+inc.Key, debrief.EventIncidentDeclared, msg, inc.Private, inc.ID, chans, inc.Roles.Commander), nil
	case r.EntityType == debrief.EntityIncident:
		old, new, ok := changed(r, "severity")
		if !ok {
			return nil, nil
		}
		inc, err := p.svc.Incident(ctx, r.EntityID)
		if debrief.ErrorCode(err) == debrief.ENotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		subject := fmt.Sprintf("%s severity changed from %s to %s: %s", inc.Key, old, new, inc.Title)
		text := fmt.Sprintf("%s changed the severity of %s from %s to %s.", r.Actor, inc.Key, old, new)
		msg := p.message(debrief.EventSeverityChanged, subject, text, "/incidents/"+inc.Key,
			map[string]any{"incident": inc.Key, "old_severity": old, "severity": new, "title": inc.Title})
		return p.fanOut(fmt.Sprintf("%s:%s:r%d", debrief.EventSeverityChanged, inc.Key, r.ID), debrief.EventSeverityChanged, msg, inc.Private, inc.ID, chans, inc.Roles.Commander), nil
	case r.EntityType == debrief.EntityPostmortem:
		_, new, ok := changed(r, "status")
		if !ok || new != string(debrief.PostmortemPublished) {
			return nil, nil
		}
		pm, err := p.svc.Postmortem(ctx, r.EntityID)
		if debrief.ErrorCode(err) == debrief.ENotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		private, incidentID, err := p.postmortemIncident(ctx, pm)
		if err != nil {
			return nil, err
		}
		subject := fmt.Sprintf("%s published: %s", pm.Key, pm.Title)
		text := fmt.Sprintf("%s published the postmortem %s.", r.Actor, pm.Key)
		msg := p.message(debrief.EventPostmortemPublish, subject, text, "/postmortems/"+pm.Key,
			map[string]any{"postmortem": pm.Key, "title": pm.Title})
		return p.fanOut(fmt.Sprintf("%s:%s:r%d", debrief.EventPostmortemPublish, pm.Key, r.ID), debrief.EventPostmortemPublish, msg, private, incidentID, chans), nil
	case r.EntityType == debrief.EntityReview && r.Action == "schedule":
		return p.reviewScheduled(ctx, r, chans)
	}
	return nil, nil
}

// postmortemIncident returns the incident of pm (0 for none) and whether it
// is private, so that a postmortem's notifications reach only those who
// may see the incident; an incident deleted since counts as not private.
func (p *Producer) postmortemIncident(ctx context.Context, pm *debrief.Postmortem) (private bool, incidentID int64, err error) {
	if pm.IncidentID == nil {
		return false, 0, nil
	}
	inc, err := p.svc.Incident(ctx, *pm.IncidentID)
	if err != nil && debrief.ErrorCode(err) != debrief.ENotFound {
		return false, 0, err
	}
	return err == nil && inc.Private, *pm.IncidentID, nil
}

// reviewScheduled announces a review's chosen slot to the channels. The
// participants get the invitation itself (the review's ReviewNotifier), so
// no one is e-mailed twice; a slot moved again is announced again (the key
// names the revision).
func (p *Producer) reviewScheduled(ctx context.Context, r *debrief.Revision, chans []*debrief.NotificationChannel) ([]*debrief.Notification, error) {
	stored, err := p.svc.Store().Review(ctx, r.EntityID)
	if debrief.ErrorCode(err) == debrief.ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// Read again through the Service, so its rules decide what is shown.
	rv, err := p.svc.Review(ctx, stored.PostmortemID)
	if debrief.ErrorCode(err) == debrief.ENotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if rv.Chosen == nil {
		return nil, nil // cancelled since
	}
	pm, err := p.svc.Postmortem(ctx, rv.PostmortemID)
	if err != nil {
		if debrief.ErrorCode(err) == debrief.ENotFound {
			return nil, nil
		}
		return nil, err
	}
	private, incidentID, err := p.postmortemIncident(ctx, pm)
	if err != nil {
		return nil, err
	}
	when := rv.Chosen.Start.UTC().Format("Monday 2 January 2006 15:04 MST")
	if loc, err := time.LoadLocation(rv.Zone); err == nil {
		when = rv.Chosen.Start.In(loc).Format("Monday 2 January 2006 15:04") + " (" + rv.Zone + ")"
	}
	subject := fmt.Sprintf("Review of %s scheduled for %s: %s", pm.Key, when, pm.Title)
	text := fmt.Sprintf("%s scheduled the review meeting of %s for %s, %d minutes.", r.Actor, pm.Key, when, int(rv.Chosen.End.Sub(rv.Chosen.Start).Minutes()))
	msg := p.message(debrief.EventReviewScheduled, subject, text, "/postmortems/"+pm.Key,
		map[string]any{"postmortem": pm.Key, "title": pm.Title, "start": rv.Chosen.Start.UTC().Format(time.RFC3339), "end": rv.Chosen.End.UTC().Format(time.RFC3339), "zone": rv.Zone})
	return p.fanOut(fmt.Sprintf("%s:%s:r%d", debrief.EventReviewScheduled, pm.Key, r.ID), debrief.EventReviewScheduled, msg, private, incidentID, chans), nil
}

func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(none given)"
	}
	return s
}
