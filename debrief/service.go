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
	auth   authOptions
	checks Checks
	// attachments configures attachments (service_attachment.go).
	attachments attachmentOptions
	// reviewNotifier is told about review invitations (service_review.go).
	reviewNotifier ReviewNotifier
	// tokens caches verified API tokens (service_token_cache.go).
	tokens tokenCache
	// publisher hears about committed changes, for live pages (live.go).
	publisher Publisher
	// trackerClient exports action items to issue trackers and baseURL is
	// where their issues link back to (service_tracker.go).
	trackerClient TrackerClient
	baseURL       string
	// scorer scores postmortems as they are saved (service_quality_score.go).
	scorer PostmortemScorer
}

// Checks are rules on input that need a parser this package does not hold
// (it imports only the standard library). The package that owns each
// concept provides it and main wires it in with WithChecks, so every door
// (API, CLI) gets the same answer from the Service.
type Checks struct {
	// IntegrationConfig checks what only the payload parsers know of an
	// integration's config, such as a generic integration's mapping.
	IntegrationConfig func(IntegrationKind, IntegrationConfig) error
	// Template checks a custom template's text, such as the {{variables}}
	// its starting text uses.
	Template func(*CustomTemplate) error
}

// WithChecks sets the checks the Service applies to integrations and
// templates before it stores them.
func WithChecks(c Checks) Option { return func(s *Service) { s.checks = c } }

func (s *Service) checkIntegrationConfig(kind IntegrationKind, c IntegrationConfig) error {
	if s.checks.IntegrationConfig == nil {
		return nil
	}
	return s.checks.IntegrationConfig(kind, c)
}

func (s *Service) checkTemplate(t *CustomTemplate) error {
	if s.checks.Template == nil {
		return nil
	}
	return s.checks.Template(t)
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

// Conflict returns the EConflict error for a change that started from a
// stale version of a record (what names it: "incident", "template"), with
// current, the record as it is now, so the caller can merge. The Service
// and the stores answer a stale version with it alike.
func Conflict(what string, current any, version int) error {
	return &Error{Code: EConflict, Field: "version", Current: current,
		Message: "This " + what + " was changed by someone else since you loaded it (it is now at version " + strconv.Itoa(version) + "). Reload, merge your change and try again."}
}
