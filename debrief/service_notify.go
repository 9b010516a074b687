package debrief

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// The outbox and the channels are the administrators' (and the background
// workers', which act as SystemActor): the delivery log holds message text
// about any incident, private ones included, and channel secrets.

// EnqueueNotifications stores ns for delivery, skipping events already
// enqueued for the same target.
func (s *Service) EnqueueNotifications(ctx context.Context, ns []*Notification) (int, error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return 0, err
	}
	s.readyNotifications(ns)
	return s.store.EnqueueNotifications(ctx, ns)
}

// readyNotifications makes ns new pending notifications, due now unless
// they say when.
func (s *Service) readyNotifications(ns []*Notification) {
	now := s.Now()
	for _, n := range ns {
		n.Status, n.Attempts, n.CreatedAt = NotificationPending, 0, now
		if n.NextAttemptAt.IsZero() {
			n.NextAttemptAt = now
		}
		n.NextAttemptAt = normTime(n.NextAttemptAt)
	}
}

// ClaimNotifications leases due notifications to worker (see NotificationStore).
func (s *Service) ClaimNotifications(ctx context.Context, worker string, lease time.Duration, limit int) ([]*Notification, error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return nil, err
	}
	return s.store.ClaimNotifications(ctx, worker, s.Now(), lease, limit)
}

// FinishNotification marks a claimed notification sent.
func (s *Service) FinishNotification(ctx context.Context, id int64, worker string) error {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return err
	}
	return s.store.FinishNotification(ctx, id, worker, s.Now())
}

// RetryNotification records a failed attempt; next nil gives up.
func (s *Service) RetryNotification(ctx context.Context, id int64, worker, lastError string, next *time.Time) error {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return err
	}
	if len(lastError) > 2000 {
		lastError = lastError[:2000]
	}
	return s.store.RetryNotification(ctx, id, worker, lastError, normTimePtr(next))
}

// ListNotifications returns the delivery log, newest first.
func (s *Service) ListNotifications(ctx context.Context, f NotificationFilter) (Page[*Notification], error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return Page[*Notification]{}, err
	}
	for _, st := range f.Status {
		switch st {
		case NotificationPending, NotificationSending, NotificationSent, NotificationFailed:
		default:
			return Page[*Notification]{}, Errorf(EInvalid, "status", "Unknown status %q; use pending, sending, sent or failed.", st)
		}
	}
	if _, err := DecodeCursor(f.After); err != nil {
		return Page[*Notification]{}, err
	}
	f.Limit = PageLimit(f.Limit)
	return s.store.ListNotifications(ctx, f)
}

// CreateNotificationChannel stores a channel.
func (s *Service) CreateNotificationChannel(ctx context.Context, c *NotificationChannel) error {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return err
	}
	if err := CheckStrings(c); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	c.CreatedBy, c.CreatedAt = a.Label(), s.Now()
	if c.Kind == ChannelWebhook && c.Secret == "" {
		// Every generic webhook is signed, so a receiver can tell our
		// deliveries from anyone else's posts to its URL.
		var b [32]byte
		rand.Read(b[:])
		c.Secret = hex.EncodeToString(b[:])
	}
	if c.Kind != ChannelWebhook {
		c.Secret = ""
	}
	if c.Events == nil {
		c.Events = []string{}
	}
	audit := s.audit(ctx, a, AuditChannelCreate, TargetNotificationChannel, "",
		[]Change{change("kind", nil, c.Kind), change("name", nil, c.Name), change("target", nil, c.Target), change("events", nil, c.Events)})
	return s.store.CreateNotificationChannel(ctx, c, audit)
}

// ListNotificationChannels lists the channels, secrets included (admins).
func (s *Service) ListNotificationChannels(ctx context.Context) ([]*NotificationChannel, error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return nil, err
	}
	return s.store.ListNotificationChannels(ctx)
}

// DeleteNotificationChannel removes a channel; its delivery log stays.
func (s *Service) DeleteNotificationChannel(ctx context.Context, id int64) error {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return err
	}
	return s.store.DeleteNotificationChannel(ctx, id, s.audit(ctx, a, AuditChannelDelete, TargetNotificationChannel, idString(id), nil))
}

// NotifyCursor returns a producer's saved position.
func (s *Service) NotifyCursor(ctx context.Context, name string) (int64, bool, error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return 0, false, err
	}
	return s.store.NotifyCursor(ctx, name)
}

// SetNotifyCursor saves a producer's position.
func (s *Service) SetNotifyCursor(ctx context.Context, name string, value int64) error {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return err
	}
	return s.store.SetNotifyCursor(ctx, name, value)
}

// RevisionsSince returns revisions for the notification producers.
func (s *Service) RevisionsSince(ctx context.Context, since time.Time, afterID int64, limit int) ([]*Revision, error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return nil, err
	}
	return s.store.RevisionsSince(ctx, since, afterID, limit)
}

// me returns the signed-in person's email in lower case, which opt-outs
// are keyed by, or an error for an actor without one (a token of a
// system, the local open mode).
func (s *Service) me(ctx context.Context) (string, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return "", err
	}
	if a.Email == "" || !strings.Contains(a.Email, "@") {
		return "", Errorf(EInvalid, "", "Notification preferences belong to a person; sign in with an account that has an email address.")
	}
	return strings.ToLower(a.Email), nil
}

// MuteIncident stops (or, with muted false, resumes) every message to the
// actor about an incident they can see.
func (s *Service) MuteIncident(ctx context.Context, id int64, muted bool) error {
	user, err := s.me(ctx)
	if err != nil {
		return err
	}
	a, _ := ActorFrom(ctx)
	if _, err := s.visibleIncident(ctx, a, id); err != nil {
		return err
	}
	action := AuditIncidentMute
	if !muted {
		action = AuditIncidentUnmute
	}
	audit := s.audit(ctx, a, action, TargetNotificationPrefs, user, []Change{change("incident", nil, IncidentKey(id))})
	return s.store.SetNotificationOptOut(ctx, NotificationOptOut{UserEmail: user, Event: MuteAllEvents, IncidentID: id}, muted, audit)
}

// SetOptedOutEvents replaces the events the actor receives no messages
// about.
func (s *Service) SetOptedOutEvents(ctx context.Context, events []string) (NotificationPreferences, error) {
	user, err := s.me(ctx)
	if err != nil {
		return NotificationPreferences{}, err
	}
	if err := CheckStrings(struct {
		OptedOutEvents []string `json:"opted_out_events"`
	}{events}); err != nil {
		return NotificationPreferences{}, err
	}
	want := []string{}
	for _, e := range events {
		if !slices.Contains(NotificationEvents, e) {
			return NotificationPreferences{}, Errorf(EInvalid, "opted_out_events", "Unknown event %q; use %s.", e, strings.Join(NotificationEvents, ", "))
		}
		if !slices.Contains(want, e) {
			want = append(want, e)
		}
	}
	slices.Sort(want)
	before, err := s.MyNotificationPreferences(ctx)
	if err != nil {
		return NotificationPreferences{}, err
	}
	a, _ := ActorFrom(ctx)
	audit := s.audit(ctx, a, AuditOptedOutEvents, TargetNotificationPrefs, user, []Change{change("opted_out_events", before.OptedOutEvents, want)})
	if err := s.store.SetOptedOutEvents(ctx, user, want, audit); err != nil {
		return NotificationPreferences{}, err
	}
	return s.MyNotificationPreferences(ctx)
}

// MyNotificationPreferences returns the actor's opt-outs.
func (s *Service) MyNotificationPreferences(ctx context.Context) (NotificationPreferences, error) {
	user, err := s.me(ctx)
	if err != nil {
		return NotificationPreferences{}, err
	}
	list, err := s.store.ListNotificationOptOuts(ctx, user)
	if err != nil {
		return NotificationPreferences{}, err
	}
	p := NotificationPreferences{OptedOutEvents: []string{}, MutedIncidents: []string{}}
	for _, o := range list {
		if o.IncidentID != 0 {
			p.MutedIncidents = append(p.MutedIncidents, IncidentKey(o.IncidentID))
		} else {
			p.OptedOutEvents = append(p.OptedOutEvents, o.Event)
		}
	}
	return p, nil
}

// NotificationOptOuts returns everyone's opt-outs, for the producers.
func (s *Service) NotificationOptOuts(ctx context.Context) ([]NotificationOptOut, error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return nil, err
	}
	return s.store.ListNotificationOptOuts(ctx, "")
}
