package ingest

import (
	"bytes"
	"encoding/json"

	"github.com/debriefhq/debrief/debrief"
)

// ParseGrafana parses a Grafana unified alerting webhook body (Grafana 8 to
// 11): Alertmanager's shape with version "1". Each alert is taken on its own
// status, so a "firing" group carrying resolved alerts is handled per alert.
//
// The legacy (pre-8) dashboard alerting body, with "evalMatches" and
// "ruleId", is rejected with a message saying so: it carries no alert times
// or identities to build a timeline from, and Grafana 11 removed it.
func ParseGrafana(body []byte) (*Batch, error) {
	var probe struct {
		Version     *string         `json:"version"`
		EvalMatches json.RawMessage `json:"evalMatches"`
		RuleID      json.RawMessage `json:"ruleId"`
		Alerts      json.RawMessage `json:"alerts"`
	}
	if err := decodePayload(body, &probe); err != nil {
		return nil, err
	}
	if probe.Alerts == nil && (probe.EvalMatches != nil || probe.RuleID != nil) {
		return nil, payloadError("", "This is Grafana's legacy dashboard-alerting notification (before Grafana 8). Debrief reads unified alerting: in Grafana, use Alerting → Contact points → Webhook.")
	}
	var m amMessage
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&m); err != nil {
		return nil, payloadJSONError(err)
	}
	if m.Version == "" {
		return nil, payloadError("version", "This is not a Grafana alerting webhook body: it has no \"version\" field.")
	}
	return m.batch(debrief.SourceGrafana)
}
