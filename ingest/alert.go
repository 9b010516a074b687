// Package ingest turns what other tools send or export into Debrief records.
// It holds parsers only: payload bytes in, normalized values out, with no
// storage and no clock, so every parser can be tested on real samples with
// golden outputs and fuzzed. Package debrief is imported for its types.
package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/debriefhq/debrief/debrief"
)

// AlertStatus is where an alert is in its life at its source.
type AlertStatus string

const (
	// AlertFiring means the alert condition holds (or the source incident was
	// triggered); it opens an incident when the integration's matchers allow.
	AlertFiring AlertStatus = "firing"
	// AlertResolved means the condition no longer holds.
	AlertResolved AlertStatus = "resolved"
	// AlertUpdate is any other news about an alert: acknowledged, annotated,
	// reassigned, priority changed. It adds events but changes no state.
	AlertUpdate AlertStatus = "update"
)

// Batch is what one webhook delivery carries, normalized.
type Batch struct {
	Source debrief.EventSource `json:"source"`
	// Alerts are in the order the payload gave them.
	Alerts []Alert `json:"alerts,omitempty"`
	// Deploys are deployments reported by a CI or deploy tool.
	Deploys []Deploy `json:"deploys,omitempty"`
	// Truncated is how many alerts the sender left out of this delivery
	// (Alertmanager's and Grafana's truncatedAlerts).
	Truncated int `json:"truncated,omitempty"`
	// Ignored explains why a delivery carries nothing to record (a ping, a
	// test notification); the receiver acknowledges it without changes.
	Ignored string `json:"ignored,omitempty"`
	// Rejected are the payload's invalid alerts, left out of Alerts. A
	// parser returns an error instead when no alert is valid.
	Rejected []debrief.RejectedAlert `json:"rejected,omitempty"`
}

// reject leaves alert i out of b, keeping the reason for the answer.
func (b *Batch) reject(i int, err error) {
	b.Rejected = append(b.Rejected, debrief.RejectedAlert{Index: i, Field: debrief.ErrorField(err), Message: debrief.ErrorMessage(err)})
}

// settle returns b, or the reason as an error when every alert was
// rejected: a delivery with nothing valid is a bad payload.
func (b *Batch) settle() (*Batch, error) {
	if len(b.Alerts) > 0 || len(b.Rejected) == 0 {
		return b, nil
	}
	r := b.Rejected[0]
	if len(b.Rejected) == 1 {
		return nil, payloadError(r.Field, "%s", r.Message)
	}
	return nil, payloadError(r.Field, "None of the %d alerts is valid; the first: %s", len(b.Rejected), r.Message)
}

// Alert is one alert (or one alerting-tool incident) at one moment.
type Alert struct {
	Source debrief.EventSource `json:"source"`
	// GroupKey decides which Debrief incident the alert belongs to: alerts of
	// one integration with the same group key share an incident.
	GroupKey string `json:"group_key"`
	// Fingerprint identifies the alert within its group across deliveries
	// (Alertmanager fingerprint, PagerDuty incident id, Opsgenie alert id).
	Fingerprint string      `json:"fingerprint"`
	Status      AlertStatus `json:"status"`
	Title       string      `json:"title"`
	// Severity is the source's own severity value (a label, a priority, an
	// urgency); the integration's configuration maps it to a Debrief level.
	Severity string            `json:"severity,omitempty"`
	Service  string            `json:"service,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	// StartsAt is when the alert began firing; EndsAt when it resolved, the
	// zero time while it has not (Alertmanager's 0001-01-01T00:00:00Z).
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	URL      string    `json:"url,omitempty"`
	// Events are the timeline events this alert contributes, each with an
	// external id that is the same on every redelivery.
	Events []Event `json:"events"`
	// Index is the alert's position in the payload, from 0.
	Index int `json:"-"`
}

// Event is a timeline event an ingested record contributes.
type Event struct {
	At         time.Time         `json:"at"`
	Kind       debrief.EventKind `json:"kind"`
	Text       string            `json:"text"`
	Actor      string            `json:"actor,omitempty"`
	ExternalID string            `json:"external_id"`
	// Alert names the alert the event is about (see
	// debrief.TimelineEvent.Alert); empty for a deploy.
	Alert string `json:"alert,omitempty"`
	// Lifecycle hints at the incident moment this event marks; the service
	// decides whether it sets or only suggests a time.
	Lifecycle debrief.Lifecycle `json:"lifecycle,omitempty"`
}

// Deploy is one deployment state change.
type Deploy struct {
	Source      debrief.EventSource `json:"source"`
	ExternalID  string              `json:"external_id"`
	Service     string              `json:"service"`
	Environment string              `json:"environment,omitempty"`
	// State is the deploy tool's word: success, failure, error, pending, …
	State   string    `json:"state"`
	At      time.Time `json:"at"`
	Ref     string    `json:"ref,omitempty"`
	SHA     string    `json:"sha,omitempty"`
	Creator string    `json:"creator,omitempty"`
	URL     string    `json:"url,omitempty"`
	Event   Event     `json:"event"`
}

// TimelineEvent returns e as a debrief timeline event from source.
func (e Event) TimelineEvent(source debrief.EventSource) *debrief.TimelineEvent {
	return &debrief.TimelineEvent{At: e.At, Zone: "UTC", Source: source, Kind: e.Kind, Text: e.Text,
		Actor: e.Actor, ExternalID: e.ExternalID, Alert: e.Alert, Lifecycle: e.Lifecycle}
}

// nameEvents gives every event of the alert the alert's name: what it is
// called at its source (an alerting rule's name, an alerting tool's
// incident title), cut to a title's length.
func (a *Alert) nameEvents(name string) {
	name = cleanText(name, maxTitleLen)
	for i := range a.Events {
		a.Events[i].Alert = name
	}
}

// invalid returns the error for a payload a sender must fix; field names the
// JSON path so the message says where the problem is.
func payloadError(field, format string, args ...any) error {
	return debrief.Errorf(debrief.EInvalid, field, format, args...)
}

// Limits that keep one delivery from filling the database with junk.
const (
	maxTitleLen  = debrief.MaxTitleLen
	maxLabelLen  = 1000
	maxLabels    = 200
	maxTextLen   = 16 << 10
	maxExtIDLen  = 400
	maxAlertsPer = 10000
)

// cleanText trims s and cuts it to at most max bytes at a rune boundary.
// It leaves NUL characters and bytes that are not UTF-8 as the sender sent
// them: whether text is acceptable is debrief's rule (debrief.CheckText),
// applied by the Service to every alert, which it rejects and logs rather
// than store something the sender did not write.
func cleanText(s string, max int) string {
	s = strings.TrimSpace(s)
	if len(s) <= max {
		return s
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// cleanLabels copies labels through clean, dropping empty names.
func cleanLabels(in map[string]string) map[string]string {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		k = cleanText(k, maxLabelLen)
		if k == "" {
			continue
		}
		if len(out) >= maxLabels {
			break
		}
		out[k] = cleanText(v, maxLabelLen)
	}
	return out
}

// externalID keeps ids under the stored limit: long ones are replaced by a
// hash, which stays equal across redeliveries.
func eventID(parts ...string) string {
	id := strings.Join(parts, "/")
	id = strings.ToValidUTF8(strings.ReplaceAll(id, "\x00", ""), "\uFFFD")
	if len(id) <= maxExtIDLen {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// labelsFingerprint identifies an alert by its label set when the sender
// gave no fingerprint of its own.
func labelsFingerprint(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(labels[k]))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// stamp formats t for external ids: exact, so two firings of one alert that
// start at different times are two events.
func stampNano(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// notEnded reports whether t is Alertmanager's "not ended" value.
func notEnded(t time.Time) bool { return t.IsZero() }

// firstNonEmpty returns the first argument that is not blank.
func firstText(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// Domain returns the batch as the Service ingests it. Each call makes new
// events, so a retried ingest never sees a previous attempt's changes.
func (b *Batch) Domain() ([]debrief.IngestAlert, []debrief.IngestDeploy) {
	alerts := make([]debrief.IngestAlert, 0, len(b.Alerts))
	for _, a := range b.Alerts {
		da := debrief.IngestAlert{GroupKey: a.GroupKey, Fingerprint: a.Fingerprint, Status: string(a.Status), Title: a.Title,
			Severity: a.Severity, Service: a.Service, Labels: a.Labels, StartsAt: a.StartsAt, EndsAt: a.EndsAt,
			Events: make([]*debrief.TimelineEvent, len(a.Events)), Index: a.Index}
		for i, e := range a.Events {
			da.Events[i] = e.TimelineEvent(a.Source)
		}
		alerts = append(alerts, da)
	}
	deploys := make([]debrief.IngestDeploy, 0, len(b.Deploys))
	for _, d := range b.Deploys {
		deploys = append(deploys, debrief.IngestDeploy{Service: d.Service, Event: d.Event.TimelineEvent(d.Source)})
	}
	return alerts, deploys
}
