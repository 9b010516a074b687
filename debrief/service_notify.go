package debrief

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
	now := s.Now()
	for _, n := range ns {
		n.Status, n.Attempts, n.CreatedAt = NotificationPending, 0, now
		if n.NextAttemptAt.IsZero() {
			n.NextAttemptAt = now
		}
		n.NextAttemptAt = normTime(n.NextAttemptAt)
	}
	return s.store.EnqueueNotifications(ctx, ns)
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
	return s.store.CreateNotificationChannel(ctx, c)
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
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return err
	}
	return s.store.DeleteNotificationChannel(ctx, id)
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
