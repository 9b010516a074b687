package ingest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// pdWebhook is a PagerDuty Webhooks v3 delivery: one event per body.
type pdWebhook struct {
	Event *struct {
		ID           string   `json:"id"`
		EventType    string   `json:"event_type"`
		ResourceType string   `json:"resource_type"`
		OccurredAt   string   `json:"occurred_at"`
		Agent        *pdRef   `json:"agent"`
		Data         *pdEvent `json:"data"`
	} `json:"event"`
}

type pdRef struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Summary string `json:"summary"`
	HTMLURL string `json:"html_url"`
}

// pdEvent is the union of the data objects the incident events carry: an
// incident for most, a note (with its incident reference) for annotated.
type pdEvent struct {
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	HTMLURL   string  `json:"html_url"`
	Number    int64   `json:"number"`
	Status    string  `json:"status"`
	Title     string  `json:"title"`
	Urgency   string  `json:"urgency"`
	Service   *pdRef  `json:"service"`
	Priority  *pdRef  `json:"priority"`
	Assignees []pdRef `json:"assignees"`
	// incident.annotated
	Incident *pdRef `json:"incident"`
	Content  string `json:"content"`
}

// ParsePagerDuty parses a PagerDuty Webhooks v3 body. Incident events
// triggered, acknowledged, resolved, annotated, reassigned and
// priority_updated become one alert keyed by the PagerDuty incident; other
// event types (services, ping) are acknowledged and ignored.
func ParsePagerDuty(body []byte) (*Batch, error) {
	var w pdWebhook
	if err := decodePayload(body, &w); err != nil {
		return nil, err
	}
	ev := w.Event
	if ev == nil {
		return nil, payloadError("event", "This is not a PagerDuty v3 webhook body: it has no \"event\" object.")
	}
	b := &Batch{Source: debrief.SourcePagerDuty}
	if ev.EventType == "" {
		return nil, payloadError("event.event_type", "The PagerDuty event has no event_type.")
	}
	if !strings.HasPrefix(ev.EventType, "incident.") {
		b.Ignored = "PagerDuty event " + cleanText(ev.EventType, 80) + " is not about an incident."
		return b, nil
	}
	at, err := parseRFC3339(ev.OccurredAt)
	if err != nil || at.IsZero() {
		return nil, payloadError("event.occurred_at", "The PagerDuty event has no valid occurred_at time.")
	}
	if strings.TrimSpace(ev.ID) == "" {
		return nil, payloadError("event.id", "The PagerDuty event has no id.")
	}
	d := ev.Data
	if d == nil {
		return nil, payloadError("event.data", "The PagerDuty event has no data object.")
	}
	inc := d
	if ev.EventType == "incident.annotated" || d.Incident != nil {
		if d.Incident == nil {
			return nil, payloadError("event.data.incident", "The PagerDuty note has no incident reference.")
		}
		inc = &pdEvent{ID: d.Incident.ID, Title: d.Incident.Summary, HTMLURL: d.Incident.HTMLURL}
	}
	if strings.TrimSpace(inc.ID) == "" {
		return nil, payloadError("event.data.id", "The PagerDuty event names no incident id.")
	}
	incID := cleanText(inc.ID, 200)
	title := cleanText(firstText(inc.Title, "PagerDuty incident "+incID), maxTitleLen)
	agent := ""
	if ev.Agent != nil {
		agent = cleanText(ev.Agent.Summary, debrief.MaxListItemLen)
	}
	a := Alert{
		Source:      debrief.SourcePagerDuty,
		GroupKey:    incID,
		Fingerprint: incID,
		Status:      AlertUpdate,
		Title:       title,
		URL:         cleanText(inc.HTMLURL, 2000),
		StartsAt:    at,
	}
	if inc.Service != nil {
		a.Service = cleanText(inc.Service.Summary, maxLabelLen)
	}
	if inc.Priority != nil && inc.Priority.Summary != "" {
		a.Severity = cleanText(inc.Priority.Summary, maxLabelLen)
	} else {
		a.Severity = cleanText(inc.Urgency, maxLabelLen)
	}
	if inc.Number > 0 || inc.Urgency != "" {
		a.Labels = map[string]string{}
		if inc.Number > 0 {
			a.Labels["number"] = strconv.FormatInt(inc.Number, 10)
		}
		if inc.Urgency != "" {
			a.Labels["urgency"] = cleanText(inc.Urgency, maxLabelLen)
		}
	}
	e := Event{At: at, Actor: agent, ExternalID: eventID("pagerduty", cleanText(ev.ID, 200))}
	switch ev.EventType {
	case "incident.triggered":
		a.Status = AlertFiring
		e.Kind, e.Lifecycle = debrief.KindAlert, debrief.LifecycleDetected
		e.Text = "PagerDuty incident triggered: " + title
	case "incident.acknowledged":
		e.Kind, e.Lifecycle = debrief.KindAction, debrief.LifecycleAcknowledged
		e.Text = "PagerDuty incident acknowledged" + byActor(agent)
	case "incident.unacknowledged":
		e.Kind = debrief.KindAction
		e.Text = "PagerDuty incident acknowledgement timed out; it is triggered again"
	case "incident.resolved":
		a.Status, a.EndsAt = AlertResolved, at
		e.Kind, e.Lifecycle = debrief.KindResolution, debrief.LifecycleResolved
		e.Text = "PagerDuty incident resolved" + byActor(agent)
	case "incident.annotated":
		e.Kind = debrief.KindNote
		e.Text = "PagerDuty note" + byActor(agent) + ": " + cleanText(d.Content, maxTextLen)
	case "incident.reassigned":
		e.Kind = debrief.KindAction
		names := make([]string, 0, len(inc.Assignees))
		for _, r := range inc.Assignees {
			if s := cleanText(r.Summary, debrief.MaxListItemLen); s != "" {
				names = append(names, s)
			}
		}
		e.Text = "PagerDuty incident reassigned to " + firstText(strings.Join(names, ", "), "nobody")
	case "incident.priority_updated":
		e.Kind = debrief.KindNote
		e.Text = "PagerDuty incident priority set to " + firstText(a.Severity, "none")
	case "incident.escalated", "incident.delegated", "incident.reopened", "incident.responder.added", "incident.responder.replied", "incident.status_update_published":
		e.Kind = debrief.KindAction
		e.Text = "PagerDuty " + strings.ReplaceAll(strings.TrimPrefix(ev.EventType, "incident."), "_", " ") + byActor(agent)
		if ev.EventType == "incident.reopened" {
			a.Status = AlertFiring
		}
	default:
		b.Ignored = "PagerDuty event " + cleanText(ev.EventType, 80) + " is not one Debrief records."
		return b, nil
	}
	a.Events = []Event{e}
	a.nameEvents(title)
	b.Alerts = []Alert{a}
	return b, nil
}

func byActor(agent string) string {
	if agent == "" {
		return ""
	}
	return " by " + agent
}

// VerifyPagerDuty checks the X-PagerDuty-Signature header of a delivery
// against the integration's signing secrets. The header lists one or more
// "v1=<hex HMAC-SHA256 of the body>" values, several while PagerDuty rotates
// the secret; one matching any secret is enough. Comparisons are constant
// time, so a caller learns nothing from how long a failure took.
func VerifyPagerDuty(body []byte, header string, secrets []string) error {
	if strings.TrimSpace(header) == "" {
		return debrief.Errorf(debrief.EUnauthorized, "X-PagerDuty-Signature", "The X-PagerDuty-Signature header is missing.")
	}
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		hexSig, ok := strings.CutPrefix(part, "v1=")
		if !ok {
			continue
		}
		if sig, err := hex.DecodeString(hexSig); err == nil && len(sig) == sha256.Size {
			sigs = append(sigs, sig)
		}
	}
	if len(sigs) == 0 {
		return debrief.Errorf(debrief.EUnauthorized, "X-PagerDuty-Signature", "The X-PagerDuty-Signature header has no v1 signature.")
	}
	if matchHMAC(body, sigs, secrets) {
		return nil
	}
	return debrief.Errorf(debrief.EUnauthorized, "X-PagerDuty-Signature", "The signature does not match this integration's signing secret.")
}

// matchHMAC reports whether any signature is the HMAC-SHA256 of body under
// any secret. Every pair is compared, so timing does not reveal which.
func matchHMAC(body []byte, sigs [][]byte, secrets []string) bool {
	ok := false
	for _, s := range secrets {
		if s == "" {
			continue
		}
		mac := hmac.New(sha256.New, []byte(s))
		mac.Write(body)
		want := mac.Sum(nil)
		for _, sig := range sigs {
			if hmac.Equal(sig, want) {
				ok = true
			}
		}
	}
	return ok
}

// SignHMAC returns the hex HMAC-SHA256 of body under secret, the value
// PagerDuty and GitHub put in their signature headers.
func SignHMAC(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}
