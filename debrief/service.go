package debrief

import (
	"context"
	"strconv"
	"time"
)

// Service is the only caller of the Store. It enforces the rules that hold
// whichever database is used: validation, permissions, versions, time and
// revisions.
type Service struct {
	store      Store
	now        func() time.Time
	severities []SeverityLevel
	templates  TemplateSource
	// auth configures accounts (service_auth.go).
	auth authOptions
	// reviewNotifier is told about review invitations (service_review.go).
	reviewNotifier ReviewNotifier
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock, so tests control time.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithSeverities replaces the default severity levels.
func WithSeverities(levels []SeverityLevel) Option {
	return func(s *Service) {
		if len(levels) > 0 {
			s.severities = levels
		}
	}
}

// NewService returns a Service over store.
func NewService(store Store, opts ...Option) *Service {
	s := &Service{store: store, now: time.Now, severities: DefaultSeverities}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Store returns the underlying store, for adapters that extend the Service
// in their own packages (they must keep its rules).
func (s *Service) Store() Store { return s.store }

// Now returns the current time from the Service's clock, in UTC, truncated to
// microseconds because that is what PostgreSQL keeps.
func (s *Service) Now() time.Time { return normTime(s.now()) }

// Severities returns the configured severity levels, most severe first.
func (s *Service) Severities() []SeverityLevel { return s.severities }

func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func normTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	n := normTime(*t)
	return &n
}

// require returns EUnauthorized when ctx has no actor and EForbidden when the
// actor's role does not include want.
func (s *Service) require(ctx context.Context, want Role) (Actor, error) {
	a, ok := ActorFrom(ctx)
	if !ok {
		return Actor{}, Errorf(EUnauthorized, "", "Sign in or send an API token.")
	}
	if !a.Role.Includes(want) {
		return a, Errorf(EForbidden, "", "Your role (%s) cannot do this; it needs the %s role.", a.Role, want)
	}
	return a, nil
}

func (s *Service) revision(a Actor, entity string, id int64, version int, action string, changes []Change) *Revision {
	return &Revision{EntityType: entity, EntityID: id, Version: version, Action: action, Actor: a.Label(), At: s.Now(), Changes: changes}
}

// conflict builds the EConflict error for a stale version.
func conflict(what string, current any, version int) error {
	return &Error{Code: EConflict, Field: "version", Current: current,
		Message: "This " + what + " was changed by someone else since you loaded it (it is now at version " + strconv.Itoa(version) + "). Reload, merge your change and try again."}
}
