package ingest

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// ogWebhook is an Opsgenie outgoing webhook body. Its updatedAt and
// insertedAt are Unix times in nanoseconds, integers above 2^53 that a
// float64 would round, so numbers are decoded as json.Number and parsed as
// int64.
type ogWebhook struct {
	Action          string `json:"action"`
	IntegrationName string `json:"integrationName"`
	Alert           *struct {
		AlertID   string          `json:"alertId"`
		Message   string          `json:"message"`
		Alias     string          `json:"alias"`
		TinyID    string          `json:"tinyId"`
		Entity    string          `json:"entity"`
		Source    string          `json:"source"`
		Username  string          `json:"username"`
		Note      string          `json:"note"`
		Owner     string          `json:"owner"`
		Tags      []string        `json:"tags"`
		Priority  json.RawMessage `json:"priority"`
		CreatedAt json.Number     `json:"createdAt"`
		UpdatedAt json.Number     `json:"updatedAt"`
	} `json:"alert"`
}

// ParseOpsgenie parses an Opsgenie webhook body. Create opens (firing),
// Close resolves, Acknowledge and AddNote add events; other actions are
// recorded as plain events on the alert's incident.
func ParseOpsgenie(body []byte) (*Batch, error) {
	var w ogWebhook
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, payloadError("", "The request body is empty; send the JSON payload.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&w); err != nil {
		return nil, payloadJSONError(err)
	}
	if dec.More() {
		return nil, payloadError("", "The body holds more than one JSON value.")
	}
	if w.Alert == nil {
		return nil, payloadError("alert", "This is not an Opsgenie webhook body: it has no \"alert\" object.")
	}
	if strings.TrimSpace(w.Action) == "" {
		return nil, payloadError("action", "The Opsgenie webhook has no action.")
	}
	al := w.Alert
	id := cleanText(al.AlertID, 200)
	if id == "" {
		return nil, payloadError("alert.alertId", "The Opsgenie alert has no alertId.")
	}
	created, err := unixCount(al.CreatedAt, time.Millisecond)
	if err != nil {
		return nil, payloadError("alert.createdAt", "The Opsgenie alert's createdAt is not a Unix time in milliseconds: %s.", err)
	}
	updated, err := unixCount(al.UpdatedAt, time.Nanosecond)
	if err != nil {
		return nil, payloadError("alert.updatedAt", "The Opsgenie alert's updatedAt is not a Unix time in nanoseconds: %s.", err)
	}
	if created.IsZero() && updated.IsZero() {
		return nil, payloadError("alert.createdAt", "The Opsgenie alert has neither createdAt nor updatedAt, so Debrief cannot place it in time.")
	}
	if created.IsZero() {
		created = updated
	}
	at := updated
	if at.IsZero() {
		at = created
	}
	title := cleanText(firstText(al.Message, "Opsgenie alert "+firstText(al.TinyID, id)), maxTitleLen)
	labels := map[string]string{}
	for _, t := range al.Tags {
		if t = cleanText(t, maxLabelLen); t != "" && len(labels) < maxLabels {
			labels["tag:"+t] = "true"
		}
	}
	if al.TinyID != "" {
		labels["tiny_id"] = cleanText(al.TinyID, maxLabelLen)
	}
	if al.Source != "" {
		labels["source"] = cleanText(al.Source, maxLabelLen)
	}
	if len(labels) == 0 {
		labels = nil
	}
	user := cleanText(firstText(al.Username, al.Owner), debrief.MaxListItemLen)
	a := Alert{
		Source:      debrief.SourceOpsgenie,
		GroupKey:    cleanText(firstText(al.Alias, al.AlertID), 500),
		Fingerprint: id,
		Status:      AlertUpdate,
		Title:       title,
		Severity:    opsgeniePriority(al.Priority),
		Service:     cleanText(al.Entity, maxLabelLen),
		Labels:      labels,
		StartsAt:    created,
	}
	action := cleanText(w.Action, 80)
	e := Event{At: at, Actor: user, ExternalID: eventID("opsgenie", id, strings.ToLower(action), stampNano(at))}
	switch strings.ToLower(action) {
	case "create":
		a.Status = AlertFiring
		e.At = created
		e.ExternalID = eventID("opsgenie", id, "create")
		e.Kind, e.Lifecycle = debrief.KindAlert, debrief.LifecycleDetected
		e.Text = "Opsgenie alert created: " + title
	case "close":
		a.Status, a.EndsAt = AlertResolved, at
		e.Kind = debrief.KindAlert
		e.Text = "Opsgenie alert closed" + byActor(user) + ": " + title
	case "acknowledge":
		e.Kind, e.Lifecycle = debrief.KindAction, debrief.LifecycleAcknowledged
		e.Text = "Opsgenie alert acknowledged" + byActor(user)
	case "addnote":
		note := cleanText(al.Note, maxTextLen)
		if note == "" {
			return nil, payloadError("alert.note", "The Opsgenie AddNote webhook has no note text.")
		}
		e.Kind = debrief.KindNote
		e.Text = "Opsgenie note" + byActor(user) + ": " + note
	default:
		e.Kind = debrief.KindAction
		e.Text = "Opsgenie " + action + byActor(user)
	}
	if e.At.Before(created) {
		// Opsgenie's millisecond createdAt can be later than the exact
		// updatedAt of the same moment; keep the timeline in order.
		e.At = created
	}
	a.Events = []Event{e}
	a.nameEvents(title)
	return &Batch{Source: debrief.SourceOpsgenie, Alerts: []Alert{a}}, nil
}

// unixTime parses an integer count of unit since the Unix epoch exactly;
// an empty number is the zero time.
func unixCount(n json.Number, unit time.Duration) (time.Time, error) {
	if n == "" {
		return time.Time{}, nil
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		return time.Time{}, reasonError(cleanText(string(n), 40) + " is not a whole number that fits 64 bits")
	}
	if v <= 0 {
		return time.Time{}, reasonError("it must be positive")
	}
	var t time.Time
	switch unit {
	case time.Nanosecond:
		t = time.Unix(0, v).UTC()
	case time.Millisecond:
		t = time.UnixMilli(v).UTC()
	default:
		t = time.Unix(v, 0).UTC()
	}
	if t.Year() > 9999 {
		return time.Time{}, reasonError("it is after the year 9999")
	}
	return t, nil
}

// opsgeniePriority reads priority as Opsgenie sends it ("P1".."P5") or as
// some senders do (a bare number).
func opsgeniePriority(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return cleanText(s, maxLabelLen)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if _, err := strconv.Atoi(string(n)); err == nil {
			return "P" + string(n)
		}
	}
	return ""
}

type reasonError string

func (e reasonError) Error() string { return string(e) }
