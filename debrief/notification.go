package debrief

import (
	"context"
	"encoding/json"
	"net/mail"
	"net/url"
	"strings"
	"time"
)

// Notification events.
const (
	EventIncidentDeclared   = "incident.declared"
	EventSeverityChanged    = "incident.severity_changed"
	EventPostmortemPublish  = "postmortem.published"
	EventActionItemDueSoon  = "action_item.due_soon"
	EventActionItemDue      = "action_item.due"
	EventActionItemOverdue  = "action_item.overdue"
	EventActionItemEscalate = "action_item.escalated"
	EventPostmortemOverdue  = "postmortem.overdue"
	EventWeeklySummary      = "summary.weekly"
	// EventReviewScheduled announces a review meeting's chosen (or moved)
	// slot to channels; participants' invitations are the review's own.
	EventReviewScheduled = "review.scheduled"
	// EventReviewInvitation and EventReviewReminder are messages to a
	// review's participants (the invitation, its updates and cancellation;
	// a reminder to answer the questionnaire), never sent to channels.
	EventReviewInvitation = "review.invitation"
	EventReviewReminder   = "review.reminder"
	// EventReviewLink brings a participant their personal link when they
	// are invited, or when the organiser makes them a new one.
	EventReviewLink = "review.link"
)

// NotificationEvents lists every event, for validation and documentation.
var NotificationEvents = []string{EventIncidentDeclared, EventSeverityChanged, EventPostmortemPublish,
	EventActionItemDueSoon, EventActionItemDue, EventActionItemOverdue, EventActionItemEscalate,
	EventPostmortemOverdue, EventWeeklySummary, EventReviewScheduled}

// Channel kinds.
const (
	ChannelSlack   = "slack"
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
)

// NotificationChannel is a place events are sent to: a Slack incoming
// webhook, a signed generic webhook, or an email address (a team list).
type NotificationChannel struct {
	ID     int64  `json:"id"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	Target string `json:"target"`
	// Secret signs generic webhooks; it is shown once, when made.
	Secret string `json:"secret,omitempty"`
	// Events lists the events sent here; empty means every event.
	Events    []string  `json:"events"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// Wants reports whether the channel takes event.
func (c *NotificationChannel) Wants(event string) bool {
	if len(c.Events) == 0 {
		return true
	}
	for _, e := range c.Events {
		if e == event {
			return true
		}
	}
	return false
}

// Validate checks a channel before it is stored.
func (c *NotificationChannel) Validate() error {
	c.Name = strings.TrimSpace(c.Name)
	c.Target = strings.TrimSpace(c.Target)
	if c.Name == "" || len(c.Name) > MaxListItemLen {
		return Errorf(EInvalid, "name", "Give the channel a name of at most %d characters, e.g. 'incidents-slack'.", MaxListItemLen)
	}
	switch c.Kind {
	case ChannelSlack, ChannelWebhook:
		u, err := url.Parse(c.Target)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return Errorf(EInvalid, "target", "A %s channel needs the http(s) URL to post to.", c.Kind)
		}
	case ChannelEmail:
		if _, err := mail.ParseAddress(c.Target); err != nil {
			return Errorf(EInvalid, "target", "An email channel needs an address, e.g. oncall@example.com.")
		}
	default:
		return Errorf(EInvalid, "kind", "Unknown channel kind %q; use slack, webhook or email.", c.Kind)
	}
	var err error
	if c.Events, err = cleanList("events", c.Events); err != nil {
		return err
	}
	for _, e := range c.Events {
		known := false
		for _, k := range NotificationEvents {
			known = known || e == k
		}
		if !known {
			return Errorf(EInvalid, "events", "Unknown event %q; use %s.", e, strings.Join(NotificationEvents, ", "))
		}
	}
	return nil
}

// Notification statuses.
const (
	NotificationPending = "pending"
	NotificationSending = "sending"
	NotificationSent    = "sent"
	NotificationFailed  = "failed" // gave up after the last attempt
)

// Message is what a notification says, rendered when it is enqueued so a
// retry sends exactly what the first attempt did.
type Message struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
	// Link points at the record in Debrief.
	Link string `json:"link,omitempty"`
	// Unsubscribe is where a person turns these messages off (emails).
	Unsubscribe string `json:"unsubscribe,omitempty"`
	// Data is the event as JSON, the body of generic webhooks.
	Data json.RawMessage `json:"data,omitempty"`
	// Calendar is an iCalendar object (a meeting invitation) that emails
	// carry as a text/calendar part with CalendarMethod (REQUEST, CANCEL).
	Calendar       string `json:"calendar,omitempty"`
	CalendarMethod string `json:"calendar_method,omitempty"`
}

// Notification is one message to one target, and the log of its delivery.
type Notification struct {
	ID int64 `json:"id"`
	// EventKey names the event (incident.declared:INC-42); with Channel
	// and Target it is unique, so nothing is sent twice for one event.
	EventKey      string     `json:"event_key"`
	Event         string     `json:"event"`
	Channel       string     `json:"channel"`
	ChannelID     *int64     `json:"channel_id,omitempty"`
	Target        string     `json:"target"`
	Message       Message    `json:"message"`
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	LastError     string     `json:"last_error,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
}

// NotificationFilter selects notifications for the delivery log.
type NotificationFilter struct {
	Status []string
	Event  string
	Limit  int
	After  string
}

// MuteAllEvents is the event of an opt-out that mutes one incident.
const MuteAllEvents = "*"

// NotificationOptOut is something a person turned off for themselves: one
// event everywhere (IncidentID 0), or every event of one incident (Event
// MuteAllEvents). It applies to messages to that person, not to channels.
type NotificationOptOut struct {
	UserEmail  string `json:"-"`
	Event      string `json:"event"`
	IncidentID int64  `json:"incident_id,omitempty"`
}

// NotificationPreferences are one person's opt-outs.
type NotificationPreferences struct {
	// OptedOutEvents are events never sent to them.
	OptedOutEvents []string `json:"opted_out_events"`
	// MutedIncidents are incidents they hear nothing more about.
	MutedIncidents []string `json:"muted_incidents"`
}

// NotificationStore is the outbox and the channels.
type NotificationStore interface {
	// EnqueueNotifications inserts ns, skipping any whose (EventKey,
	// Channel, Target) is already stored; it returns how many were new.
	EnqueueNotifications(ctx context.Context, ns []*Notification) (added int, err error)
	// ClaimNotifications leases up to limit notifications that are due at
	// now (pending, or sending with an expired lease) to worker until
	// now+lease, counting an attempt for each. Concurrent claimers (other
	// instances) never get the same row.
	ClaimNotifications(ctx context.Context, worker string, now time.Time, lease time.Duration, limit int) ([]*Notification, error)
	// FinishNotification marks a claimed notification sent, if worker
	// still holds its lease; otherwise it returns EConflict.
	FinishNotification(ctx context.Context, id int64, worker string, at time.Time) error
	// RetryNotification records a failed attempt by worker: pending again
	// from next, or failed for good when next is nil.
	RetryNotification(ctx context.Context, id int64, worker, lastError string, next *time.Time) error
	// ListNotifications returns the delivery log, newest first.
	ListNotifications(ctx context.Context, f NotificationFilter) (Page[*Notification], error)

	CreateNotificationChannel(ctx context.Context, c *NotificationChannel, audit *AuditEntry) error
	// ListNotificationChannels returns every channel with its secret, by ID.
	ListNotificationChannels(ctx context.Context) ([]*NotificationChannel, error)
	// ListNotificationChannelsAfter returns at most limit channels with an
	// ID above after (0 for the first page), by ID: one page.
	ListNotificationChannelsAfter(ctx context.Context, after int64, limit int) ([]*NotificationChannel, error)
	DeleteNotificationChannel(ctx context.Context, id int64, audit *AuditEntry) error

	// SetNotificationOptOut adds o, or removes it when on is false.
	SetNotificationOptOut(ctx context.Context, o NotificationOptOut, on bool, audit *AuditEntry) error
	// SetOptedOutEvents replaces user's opt-outs of whole events (those
	// without an incident) by events; mutes of incidents stay.
	SetOptedOutEvents(ctx context.Context, user string, events []string, audit *AuditEntry) error
	// ListNotificationOptOuts returns the opt-outs of user, or of everyone
	// when user is "".
	ListNotificationOptOuts(ctx context.Context, user string) ([]NotificationOptOut, error)

	// NotifyCursor returns a producer's saved position (unix
	// microseconds), and false when there is none yet.
	NotifyCursor(ctx context.Context, name string) (int64, bool, error)
	SetNotifyCursor(ctx context.Context, name string, value int64) error
	// RevisionsSince returns revisions at or after since with an ID above
	// afterID, oldest first, at most limit.
	RevisionsSince(ctx context.Context, since time.Time, afterID int64, limit int) ([]*Revision, error)
}
