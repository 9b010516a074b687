package debrief

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"time"
)

// IntegrationKind names the tool an integration receives webhooks from.
type IntegrationKind string

const (
	IntegrationAlertmanager IntegrationKind = "alertmanager"
	IntegrationPagerDuty    IntegrationKind = "pagerduty"
	IntegrationGrafana      IntegrationKind = "grafana"
	IntegrationOpsgenie     IntegrationKind = "opsgenie"
	IntegrationGitHub       IntegrationKind = "github"
	IntegrationGeneric      IntegrationKind = "generic"
)

// IntegrationKinds lists every kind.
var IntegrationKinds = []IntegrationKind{IntegrationAlertmanager, IntegrationPagerDuty, IntegrationGrafana, IntegrationOpsgenie, IntegrationGitHub, IntegrationGeneric}

// Valid reports whether k is a known kind.
func (k IntegrationKind) Valid() bool {
	for _, v := range IntegrationKinds {
		if k == v {
			return true
		}
	}
	return false
}

// Signed reports whether deliveries of this kind prove themselves with an
// HMAC signature of the body (PagerDuty, GitHub) rather than a bearer token.
func (k IntegrationKind) Signed() bool { return k == IntegrationPagerDuty || k == IntegrationGitHub }

// Source is the timeline source of events this kind adds.
func (k IntegrationKind) Source() EventSource {
	switch k {
	case IntegrationAlertmanager:
		return SourceAlertmanager
	case IntegrationPagerDuty:
		return SourcePagerDuty
	case IntegrationGrafana:
		return SourceGrafana
	case IntegrationOpsgenie:
		return SourceOpsgenie
	case IntegrationGitHub:
		return SourceDeploy
	}
	return SourceAPI
}

// Integration is one configured webhook source.
//
// Secrets: a bearer token is stored only as its SHA-256 (TokenHash), which
// is enough to check it and useless to a reader of the database; the token
// is shown once, when made. An HMAC signing secret (PagerDuty, GitHub) must
// be kept as given, because verifying a signature means computing it again;
// SigningSecrets holds one or two (two while the sender rotates).
type Integration struct {
	ID             int64             `json:"id"`
	Name           string            `json:"name"`
	Kind           IntegrationKind   `json:"kind"`
	Enabled        bool              `json:"enabled"`
	Config         IntegrationConfig `json:"config"`
	TokenHash      string            `json:"-"`
	SigningSecrets []string          `json:"-"`
	CreatedBy      string            `json:"created_by"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
	Version        int               `json:"version"`
	// Refused counts deliveries refused before they were authenticated.
	Refused RefusedDeliveries `json:"refused"`
}

// RefusedDeliveries counts an integration's deliveries that came without
// the right secret or signature. They are counted, not logged: anyone who
// knows the URL can send them, and one log entry each would let a flood
// push the genuine deliveries out of the log.
type RefusedDeliveries struct {
	Count int64 `json:"count"`
	// LastAt, LastFrom (address and user agent) and LastReason describe the
	// latest refusal.
	LastAt     *time.Time `json:"last_at,omitempty"`
	LastFrom   string     `json:"last_from,omitempty"`
	LastReason string     `json:"last_reason,omitempty"`
}

// IntegrationConfig says which alerts open incidents and how they map.
type IntegrationConfig struct {
	// Matchers select the alerts that may open an incident, all of them
	// must match: label=value, label!=value, label=~regex, label!~regex
	// (Alertmanager's syntax; regexes are anchored). Alerts that do not
	// match are still added to an incident their group already has open.
	Matchers []string `json:"matchers,omitempty"`
	// SeverityMap maps the source's severity value (a severity label, a
	// PagerDuty priority or urgency, an Opsgenie priority), compared without
	// regard to case, to a Debrief severity. Values not listed fall back to
	// the built-in map (critical → the most severe level, …) and then to
	// DefaultSeverity.
	SeverityMap map[string]string `json:"severity_map,omitempty"`
	// SeverityLabel is the label that carries the alert's severity
	// (default: severity).
	SeverityLabel string `json:"severity_label,omitempty"`
	// DefaultSeverity is used for alerts whose severity maps to nothing;
	// empty means the least severe level.
	DefaultSeverity string `json:"default_severity,omitempty"`
	// ServiceLabel is the label that names the affected service (default:
	// service, then app, then job).
	ServiceLabel string `json:"service_label,omitempty"`
	// Services maps a deploy's repository (name or owner/name) to the
	// Debrief service whose open incidents get its deploy events.
	Services map[string]string `json:"services,omitempty"`
	// Mapping is the generic webhook's field mapping (see
	// ingest.GenericMapping).
	Mapping json.RawMessage `json:"mapping,omitempty"`
}

// LabelMatcher is one parsed matcher.
type LabelMatcher struct {
	Label string
	Op    string // =, !=, =~, !~
	Value string
	re    *regexp.Regexp
}

var matcherRe = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$`)

// ParseMatcher reads one matcher such as severity=~"critical|page".
func ParseMatcher(s string) (LabelMatcher, error) {
	m := matcherRe.FindStringSubmatch(s)
	if m == nil {
		return LabelMatcher{}, Errorf(EInvalid, "config.matchers", "The matcher %q is not label=value, label!=value, label=~regex or label!~regex.", truncate(s, 80))
	}
	lm := LabelMatcher{Label: m[1], Op: m[2], Value: m[3]}
	if len(lm.Value) >= 2 && lm.Value[0] == '"' && lm.Value[len(lm.Value)-1] == '"' {
		lm.Value = lm.Value[1 : len(lm.Value)-1]
	}
	if lm.Op == "=~" || lm.Op == "!~" {
		re, err := regexp.Compile("^(?:" + lm.Value + ")$")
		if err != nil {
			return LabelMatcher{}, Errorf(EInvalid, "config.matchers", "The matcher %q has a regular expression Go cannot read: %s.", truncate(s, 80), err)
		}
		lm.re = re
	}
	return lm, nil
}

// Matches reports whether labels satisfy m; a missing label is "".
func (m LabelMatcher) Matches(labels map[string]string) bool {
	v := labels[m.Label]
	switch m.Op {
	case "=":
		return v == m.Value
	case "!=":
		return v != m.Value
	case "=~":
		return m.re.MatchString(v)
	case "!~":
		return !m.re.MatchString(v)
	}
	return false
}

// Validate checks the config against the configured severities.
func (c *IntegrationConfig) Validate(severities []SeverityLevel) error {
	if len(c.Matchers) > 50 {
		return Errorf(EInvalid, "config.matchers", "At most 50 matchers are allowed.")
	}
	for _, s := range c.Matchers {
		if _, err := ParseMatcher(s); err != nil {
			return err
		}
	}
	for from, to := range c.SeverityMap {
		if !knownSeverity(severities, to) {
			return Errorf(EInvalid, "config.severity_map", "%q maps to %q, which is not a severity; use one of %s.", truncate(from, 40), truncate(to, 40), severityNames(severities))
		}
	}
	if c.DefaultSeverity != "" && !knownSeverity(severities, c.DefaultSeverity) {
		return Errorf(EInvalid, "config.default_severity", "Unknown severity %q; use one of %s.", truncate(c.DefaultSeverity, 40), severityNames(severities))
	}
	if len(c.Mapping) > 16<<10 {
		return Errorf(EInvalid, "config.mapping", "The mapping is too long.")
	}
	return nil
}

// Validate checks an integration's own fields.
func (in *Integration) Validate(severities []SeverityLevel) error {
	if err := CheckStrings(in); err != nil {
		return err
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return Errorf(EInvalid, "name", "Give the integration a name, e.g. 'prod-alertmanager'.")
	}
	if len(in.Name) > 100 {
		return Errorf(EInvalid, "name", "The name is too long (at most 100 characters).")
	}
	if !in.Kind.Valid() {
		return Errorf(EInvalid, "kind", "Unknown integration kind %q; use alertmanager, pagerduty, grafana, opsgenie, github or generic.", truncate(string(in.Kind), 40))
	}
	if in.Kind == IntegrationGeneric && len(in.Config.Mapping) == 0 {
		return Errorf(EInvalid, "config.mapping", "A generic integration needs a mapping, at least {\"title\": \"path.to.title\"}.")
	}
	return in.Config.Validate(severities)
}

// IngestAlert is one normalized alert of a delivery (see package ingest).
type IngestAlert struct {
	GroupKey    string
	Fingerprint string
	// Status is firing, resolved or update.
	Status   string
	Title    string
	Severity string
	Service  string
	Labels   map[string]string
	StartsAt time.Time
	EndsAt   time.Time
	Events   []*TimelineEvent
	// Index is the alert's position in the sender's payload, from 0, so a
	// rejection names the alert the sender knows.
	Index int
}

// Alert statuses as IngestAlert carries them.
const (
	AlertFiring   = "firing"
	AlertResolved = "resolved"
	AlertUpdate   = "update"
)

// IngestDeploy is one deployment of a delivery.
type IngestDeploy struct {
	Service string
	Event   *TimelineEvent
}

// Delivery is the log entry of one webhook delivery.
type Delivery struct {
	ID            int64     `json:"id"`
	IntegrationID int64     `json:"integration_id"`
	ReceivedAt    time.Time `json:"received_at"`
	// Source says who sent it: the remote address and user agent.
	Source string `json:"source"`
	// Status is the HTTP status the delivery was answered with.
	Status int `json:"status"`
	// Outcome says what became of it: accepted, partial (some alerts were
	// rejected, the others stored), ignored or rejected.
	Outcome string `json:"outcome"`
	Error   string `json:"error,omitempty"`
	// Alerts counts the alerts taken from the delivery.
	Alerts int `json:"alerts"`
	// Rejected lists the alerts left out, and why.
	Rejected []RejectedAlert `json:"rejected,omitempty"`
	// EventsAdded counts new timeline events (redeliveries add none).
	EventsAdded int     `json:"events_added"`
	Incidents   []int64 `json:"incidents"`
}

// Delivery outcomes.
const (
	DeliveryAccepted = "accepted"
	DeliveryPartial  = "partial"
	DeliveryIgnored  = "ignored"
	DeliveryRejected = "rejected"
)

// RejectedAlert is one alert of a delivery that was left out while the
// delivery's valid alerts were stored: senders such as Alertmanager drop a
// delivery answered with 4xx, so one bad alert must not cost the others.
type RejectedAlert struct {
	// Index is the alert's position in the payload, from 0.
	Index   int    `json:"index"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// DeliveryFilter selects a page of an integration's deliveries, newest first.
type DeliveryFilter struct {
	IntegrationID int64
	Limit         int
	After         string
}

// AlertState is what Debrief last knew about one alert of a group.
type AlertState struct {
	GroupKey    string
	Fingerprint string
	Status      string
	StartsAt    time.Time
	EndsAt      time.Time
	IncidentID  int64
}

// IngestState is what the store loads, inside the delivery's transaction,
// for the Service to decide what the delivery changes.
type IngestState struct {
	// Groups maps a group key to its current incident.
	Groups map[string]*Incident
	// Alerts holds the known states of the delivery's alerts.
	Alerts map[string][]AlertState // by group key
	// Firing counts the firing alerts of each incident in Groups and
	// Incidents, so "has the last alert resolved?" needs no full scan.
	Firing map[int64]int
	// Incidents are the incidents named by Alerts, by ID.
	Incidents map[int64]*Incident
	// OpenByService maps a service to its open incidents, for deploys.
	OpenByService map[string][]*Incident
}

// IngestPlan is everything one delivery writes, in one transaction.
type IngestPlan struct {
	Creates []*IngestCreate
	Adds    []*IngestAdd
	// Alerts are upserted by (group key, fingerprint). A state with
	// IncidentID 0 belongs to the Create with the same group key.
	Alerts []AlertState
	// Delivery is appended to the delivery log; the store fills in
	// Incidents and EventsAdded.
	Delivery *Delivery
}

// IngestCreate opens an incident for a group.
type IngestCreate struct {
	GroupKey string
	Incident *Incident
	Revision *Revision
	Events   []*TimelineEvent
}

// IngestAdd adds events to an existing incident and optionally changes it.
type IngestAdd struct {
	IncidentID int64
	Events     []*TimelineEvent
	Change     *IncidentChange
	Revision   *Revision
}

// IngestRequest names what the store must load for a delivery.
type IngestRequest struct {
	IntegrationID int64
	GroupKeys     []string
	// Alerts lists the fingerprints of the delivery's alerts by group key.
	Alerts   map[string][]string
	Services []string
}

// IntegrationStore persists integrations, their alert state and their
// delivery log.
type IntegrationStore interface {
	// CreateIntegration inserts in, assigning ID and Version 1, and appends
	// audit (its target set to the new ID) in the same transaction; a name
	// already in use is EConflict.
	CreateIntegration(ctx context.Context, in *Integration, audit *AuditEntry) error
	// Integration returns one integration, or ENotFound.
	Integration(ctx context.Context, id int64) (*Integration, error)
	// ListIntegrations returns every integration, by ID.
	ListIntegrations(ctx context.Context) ([]*Integration, error)
	// ListIntegrationsAfter returns at most limit integrations with an ID
	// above after (0 for the first page), oldest first: one page.
	ListIntegrationsAfter(ctx context.Context, after int64, limit int) ([]*Integration, error)
	// UpdateIntegration stores in if its stored version is ifVersion, and
	// appends audit in the same transaction.
	UpdateIntegration(ctx context.Context, in *Integration, ifVersion int, audit *AuditEntry) error
	// DeleteIntegration removes an integration, its state and its log, and
	// appends audit in the same transaction.
	DeleteIntegration(ctx context.Context, id int64, audit *AuditEntry) error
	// Ingest runs one delivery in one transaction: it loads the state req
	// names, calls decide with it, and writes the plan decide returns
	// (incidents, group links, events, alert states, the delivery log
	// entry). Concurrent deliveries of one integration are serialised.
	// Nothing is written when decide or any write fails.
	Ingest(ctx context.Context, req IngestRequest, decide func(*IngestState) (*IngestPlan, error)) (*Delivery, error)
	// RecordDelivery appends a delivery that changed nothing (rejected).
	RecordDelivery(ctx context.Context, d *Delivery) error
	// CountRefusedDelivery adds one to an integration's refused deliveries
	// and records when, from where and why (ENotFound for no integration).
	// It does not change the integration's version.
	CountRefusedDelivery(ctx context.Context, id int64, at time.Time, from, reason string) error
	// ListDeliveries returns an integration's deliveries, newest first.
	ListDeliveries(ctx context.Context, f DeliveryFilter) (Page[*Delivery], error)
}
