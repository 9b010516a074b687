package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// amMessage is the body Prometheus Alertmanager POSTs to a webhook receiver
// (webhook format version 4). Grafana's unified alerting sends the same shape
// with version "1" and a few extra fields (see grafana.go).
type amMessage struct {
	Version         string `json:"version"`
	GroupKey        string `json:"groupKey"`
	TruncatedAlerts int    `json:"truncatedAlerts"`
	Receiver        string `json:"receiver"`
	Status          string `json:"status"`
	// Alerts are decoded one by one, so a mistyped field in one alert
	// rejects that alert and not the delivery.
	Alerts            []json.RawMessage `json:"alerts"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
}

type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
	// Grafana only.
	DashboardURL string `json:"dashboardURL"`
	PanelURL     string `json:"panelURL"`
}

// ParseAlertmanager parses an Alertmanager webhook body (format version 4).
// It also accepts Grafana's Alertmanager-compatible body (version "1"), so a
// Grafana contact point can point at an Alertmanager integration. Each alert
// is taken on its own status: a group whose status is "firing" may carry
// resolved alerts. An alert without a status of its own (older
// Alertmanager versions) takes the group's.
func ParseAlertmanager(body []byte) (*Batch, error) {
	var m amMessage
	if err := decodePayload(body, &m); err != nil {
		return nil, err
	}
	switch m.Version {
	case "4":
	case "1":
		// Grafana unified alerting.
	case "":
		return nil, payloadError("version", "This is not an Alertmanager webhook body: it has no \"version\" field (Alertmanager sends \"4\").")
	default:
		return nil, payloadError("version", "Alertmanager webhook format version %q is not supported; Debrief reads version 4 (Alertmanager 0.16 and later).", cleanText(m.Version, 20))
	}
	return m.batch(debrief.SourceAlertmanager)
}

// batch turns a parsed Alertmanager-shaped message into a Batch.
func (m *amMessage) batch(source debrief.EventSource) (*Batch, error) {
	if len(m.Alerts) == 0 {
		return nil, payloadError("alerts", "The body has no alerts.")
	}
	if len(m.Alerts) > maxAlertsPer {
		return nil, payloadError("alerts", "The body has %d alerts; at most %d are accepted per delivery (set max_alerts on the receiver).", len(m.Alerts), maxAlertsPer)
	}
	groupKey := m.GroupKey
	if strings.TrimSpace(groupKey) == "" {
		// Older senders omit the key; the group labels are what Alertmanager
		// builds it from, so they group the same way.
		groupKey = "{}:" + labelsString(m.GroupLabels)
	}
	groupKey = eventID(cleanText(groupKey, 1<<20))
	b := &Batch{Source: source, Truncated: max(m.TruncatedAlerts, 0)}
	for i, raw := range m.Alerts {
		var in amAlert
		if err := json.Unmarshal(raw, &in); err != nil {
			b.reject(i, alertJSONError(i, err))
			continue
		}
		if in.Status == "" {
			// Alertmanager before 0.16 put the status on the group only;
			// every alert of such a delivery shares it.
			in.Status = m.Status
		}
		a, err := in.alert(source, groupKey, i)
		if err != nil {
			b.reject(i, err)
			continue
		}
		a.Index = i
		b.Alerts = append(b.Alerts, a)
	}
	return b.settle()
}

// alertJSONError says which alert of the payload has a field of the wrong
// type.
func alertJSONError(i int, err error) error {
	pe := payloadJSONError(err)
	field := fmt.Sprintf("alerts[%d]", i)
	if f := debrief.ErrorField(pe); f != "" {
		field += "." + f
	}
	return payloadError(field, "Alert %d: %s", i+1, debrief.ErrorMessage(pe))
}

func (in *amAlert) alert(source debrief.EventSource, groupKey string, i int) (Alert, error) {
	field := func(name string) string { return fmt.Sprintf("alerts[%d].%s", i, name) }
	status := AlertStatus(in.Status)
	if status != AlertFiring && status != AlertResolved {
		return Alert{}, payloadError(field("status"), "Alert %d has status %q; it must be \"firing\" or \"resolved\".", i+1, cleanText(in.Status, 40))
	}
	starts, err := parseRFC3339(in.StartsAt)
	if err != nil || starts.IsZero() {
		return Alert{}, payloadError(field("startsAt"), "Alert %d has no valid startsAt time (RFC 3339, e.g. 2024-03-05T14:02:00Z).", i+1)
	}
	var ends time.Time
	if in.EndsAt != "" {
		if ends, err = parseRFC3339(in.EndsAt); err != nil {
			return Alert{}, payloadError(field("endsAt"), "Alert %d has an endsAt time that is not RFC 3339: %q.", i+1, cleanText(in.EndsAt, 40))
		}
	}
	if status == AlertResolved && notEnded(ends) {
		return Alert{}, payloadError(field("endsAt"), "Alert %d is resolved but has no endsAt time, so Debrief cannot tell when it resolved.", i+1)
	}
	if status == AlertFiring {
		// A firing alert's endsAt is when Alertmanager would time it out,
		// not when it ended.
		ends = time.Time{}
	}
	if !notEnded(ends) && ends.Before(starts) {
		return Alert{}, payloadError(field("endsAt"), "Alert %d ends (%s) before it starts (%s).", i+1, stampNano(ends), stampNano(starts))
	}
	labels := cleanLabels(in.Labels)
	fp := cleanText(in.Fingerprint, 200)
	if fp == "" {
		fp = labelsFingerprint(labels)
	}
	title := cleanText(firstText(in.Annotations["summary"], in.Annotations["title"], labels["alertname"], "Alert "+fp), maxTitleLen)
	a := Alert{
		Source:      source,
		GroupKey:    groupKey,
		Fingerprint: fp,
		Status:      status,
		Title:       title,
		Severity:    labels["severity"],
		Service:     firstText(labels["service"], labels["app"], labels["job"]),
		Labels:      labels,
		StartsAt:    starts,
		EndsAt:      ends,
		URL:         cleanText(firstText(in.GeneratorURL, in.PanelURL, in.DashboardURL), 2000),
	}
	detail := alertDetail(labels, in.Annotations["description"])
	// The fired event exists for a resolved alert too: a resolve that
	// arrives before its fire (or without it) still shows when it began.
	a.Events = append(a.Events, Event{
		At: starts, Kind: debrief.KindAlert, Text: "Alert fired: " + title + detail,
		ExternalID: eventID("alert", fp, stampNano(starts), "fired"), Lifecycle: debrief.LifecycleDetected,
	})
	if status == AlertResolved {
		a.Events = append(a.Events, Event{
			At: ends, Kind: debrief.KindAlert, Text: "Alert resolved: " + title + alertWhere(labels),
			ExternalID: eventID("alert", fp, stampNano(starts), "resolved"),
		})
	}
	// The rule's name says which alert this is; the summary annotation
	// (the title) often carries values that change from firing to firing.
	a.nameEvents(firstText(labels["alertname"], title))
	return a, nil
}

// alertWhere names the instance or host an alert is about, which is what a
// reader of a timeline needs to tell two alerts of one rule apart.
func alertWhere(labels map[string]string) string {
	for _, k := range []string{"instance", "host", "pod", "node"} {
		if v := labels[k]; v != "" {
			return " (" + k + " " + v + ")"
		}
	}
	return ""
}

func alertDetail(labels map[string]string, description string) string {
	s := alertWhere(labels)
	if d := cleanText(description, maxTextLen); d != "" {
		s += ": " + d
	}
	return s
}

// labelsString renders labels the way Alertmanager writes a group key.
func labelsString(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	sb.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%s=%q", k, labels[k])
	}
	sb.WriteByte('}')
	return sb.String()
}

// parseTime reads an RFC 3339 time (fractional seconds allowed) into UTC.
func parseRFC3339(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, err
	}
	t = t.UTC()
	// An offset can carry year 0000 or 9999 out of the range a time can be
	// stored and written as JSON in.
	if y := t.Year(); y < 1 || y > 9999 {
		return time.Time{}, reasonError("the time " + cleanText(s, 40) + " is outside the years 1 to 9999 in UTC")
	}
	return t, nil
}

// decodeJSON unmarshals body into v, turning syntax and type errors into
// EInvalid errors that say where the body is wrong.
func decodePayload(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return payloadError("", "The request body is empty; send the JSON payload.")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return payloadJSONError(err)
	}
	return nil
}

func payloadJSONError(err error) error {
	switch e := err.(type) {
	case *json.SyntaxError:
		return payloadError("", "The body is not valid JSON (at byte %d: %s).", e.Offset, e.Error())
	case *json.UnmarshalTypeError:
		return payloadError(e.Field, "The field %q has a %s where a %s was expected.", e.Field, e.Value, e.Type.String())
	}
	return payloadError("", "The body is not valid JSON: %s.", cleanText(err.Error(), 200))
}
