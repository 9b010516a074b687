package ingest

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func TestParseRejectsBadPayloads(t *testing.T) {
	am := func(alert string) string {
		return `{"version":"4","groupKey":"g","status":"firing","alerts":[` + alert + `]}`
	}
	tests := []struct {
		name   string
		parse  func([]byte) (*Batch, error)
		body   string
		field  string
		inText string
	}{
		{"alertmanager empty", ParseAlertmanager, "", "", "empty"},
		{"alertmanager not JSON", ParseAlertmanager, "{", "", "not valid JSON"},
		{"alertmanager no version", ParseAlertmanager, `{"alerts":[]}`, "version", "version"},
		{"alertmanager version 3", ParseAlertmanager, `{"version":"3"}`, "version", "version 4"},
		{"alertmanager no alerts", ParseAlertmanager, `{"version":"4","alerts":[]}`, "alerts", "no alerts"},
		{"alertmanager bad status", ParseAlertmanager, am(`{"status":"pending","startsAt":"2024-01-01T00:00:00Z"}`), "alerts[0].status", "firing"},
		{"alertmanager no status on alert or group", ParseAlertmanager, `{"version":"4","groupKey":"g","alerts":[{"startsAt":"2024-01-01T00:00:00Z"}]}`, "alerts[0].status", "firing"},
		{"alertmanager no startsAt", ParseAlertmanager, am(`{"status":"firing"}`), "alerts[0].startsAt", "startsAt"},
		{"alertmanager zero startsAt", ParseAlertmanager, am(`{"status":"firing","startsAt":"0001-01-01T00:00:00Z"}`), "alerts[0].startsAt", "startsAt"},
		{"alertmanager resolved without end", ParseAlertmanager, am(`{"status":"resolved","startsAt":"2024-01-01T00:00:00Z","endsAt":"0001-01-01T00:00:00Z"}`), "alerts[0].endsAt", "resolved"},
		{"alertmanager ends before start", ParseAlertmanager, am(`{"status":"resolved","startsAt":"2024-01-01T00:00:00Z","endsAt":"2023-01-01T00:00:00Z"}`), "alerts[0].endsAt", "before"},
		{"alertmanager labels of wrong type", ParseAlertmanager, am(`{"status":"firing","startsAt":"2024-01-01T00:00:00Z","labels":{"a":1}}`), "alerts[0].labels", "number"},
		{"alertmanager start before year 1 in UTC", ParseAlertmanager, am(`{"status":"firing","startsAt":"0001-01-01T00:30:00+01:00"}`), "alerts[0].startsAt", "startsAt"},
		{"alertmanager every alert bad", ParseAlertmanager, am(`{"status":"firing"},{"status":"pending","startsAt":"2024-01-01T00:00:00Z"}`), "alerts[0].startsAt", "None of the 2 alerts"},
		{"grafana legacy", ParseGrafana, `{"evalMatches":[],"ruleId":1,"state":"alerting"}`, "", "legacy"},
		{"pagerduty no event", ParsePagerDuty, `{"messages":[]}`, "event", "v3"},
		{"pagerduty no time", ParsePagerDuty, `{"event":{"id":"E1","event_type":"incident.triggered","data":{"id":"P1"}}}`, "event.occurred_at", "occurred_at"},
		{"pagerduty no incident id", ParsePagerDuty, `{"event":{"id":"E1","event_type":"incident.triggered","occurred_at":"2024-01-01T00:00:00Z","data":{"title":"x"}}}`, "event.data.id", "incident id"},
		{"opsgenie float timestamp", ParseOpsgenie, `{"action":"Create","alert":{"alertId":"a","createdAt":1.5e12}}`, "alert.createdAt", "whole number"},
		{"opsgenie no alert", ParseOpsgenie, `{"action":"Create"}`, "alert", "alert"},
		{"opsgenie no time", ParseOpsgenie, `{"action":"Create","alert":{"alertId":"a"}}`, "alert.createdAt", "neither"},
		{"opsgenie empty note", ParseOpsgenie, `{"action":"AddNote","alert":{"alertId":"a","createdAt":1420452191104}}`, "alert.note", "note"},
		{"github missing deployment", func(b []byte) (*Batch, error) { return ParseGitHub("deployment_status", b) }, `{"deployment_status":{"id":1}}`, "deployment_status", "required"},
		{"github missing event header", func(b []byte) (*Batch, error) { return ParseGitHub("", b) }, `{}`, "X-GitHub-Event", "header"},
	}
	for _, tt := range tests {
		b, err := tt.parse([]byte(tt.body))
		if !debrief.IsCode(err, debrief.EInvalid) {
			t.Errorf("%s: parse(%.60q) = %+v, %v; want EInvalid", tt.name, tt.body, b, err)
			continue
		}
		if f := debrief.ErrorField(err); f != tt.field {
			t.Errorf("%s: parse(%.60q) error field = %q, want %q (%v)", tt.name, tt.body, f, tt.field, err)
		}
		if !strings.Contains(debrief.ErrorMessage(err), tt.inText) {
			t.Errorf("%s: parse(%.60q) message = %q, want it to mention %q", tt.name, tt.body, debrief.ErrorMessage(err), tt.inText)
		}
	}
}

// TestParseKeepsValidAlerts checks that a payload whose alerts are partly
// invalid yields the valid ones and names each rejected one with its
// position and reason, since a 4xx answer would make Alertmanager drop the
// whole delivery.
func TestParseKeepsValidAlerts(t *testing.T) {
	const good = `{"status":"firing","startsAt":"2024-01-01T00:00:00Z","labels":{"alertname":"A%d"}}`
	generic := func(b []byte) (*Batch, error) {
		return ParseGeneric(GenericMapping{Items: "checks", Title: "name", Time: "at"}, b, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	}
	tests := []struct {
		name         string
		parse        func([]byte) (*Batch, error)
		body         string
		wantAlerts   []int // payload positions kept
		wantRejected []debrief.RejectedAlert
	}{
		{"alertmanager one bad of three", ParseAlertmanager,
			`{"version":"4","groupKey":"g","alerts":[` + fmt.Sprintf(good, 0) + `,{"status":"firing"},` + fmt.Sprintf(good, 2) + `]}`,
			[]int{0, 2}, []debrief.RejectedAlert{{Index: 1, Field: "alerts[1].startsAt", Message: "Alert 2 has no valid startsAt time (RFC 3339, e.g. 2024-03-05T14:02:00Z)."}}},
		{"alertmanager mistyped and null alerts", ParseAlertmanager,
			`{"version":"4","groupKey":"g","alerts":[{"status":"firing","startsAt":"2024-01-01T00:00:00Z","labels":[1]},null,` + fmt.Sprintf(good, 2) + `]}`,
			[]int{2}, []debrief.RejectedAlert{
				{Index: 0, Field: "alerts[0].labels", Message: `Alert 1: The field "labels" has a array where a map[string]string was expected.`},
				{Index: 1, Field: "alerts[1].status", Message: `Alert 2 has status ""; it must be "firing" or "resolved".`}}},
		{"grafana one bad of two", ParseGrafana,
			`{"version":"1","groupKey":"g","alerts":[{"status":"resolved","startsAt":"2024-01-01T00:00:00Z"},` + fmt.Sprintf(good, 1) + `]}`,
			[]int{1}, []debrief.RejectedAlert{{Index: 0, Field: "alerts[0].endsAt", Message: "Alert 1 is resolved but has no endsAt time, so Debrief cannot tell when it resolved."}}},
		{"generic one without title", generic,
			`{"checks":[{"name":"api down","at":"2024-01-01T00:00:00Z"},{"at":"2024-01-01T00:00:00Z"}]}`,
			[]int{0}, []debrief.RejectedAlert{{Index: 1, Field: "checks.1.name", Message: `Alert 2 has no title at "name".`}}},
	}
	for _, tt := range tests {
		b, err := tt.parse([]byte(tt.body))
		if err != nil {
			t.Errorf("%s: parse = %v, want the valid alerts kept", tt.name, err)
			continue
		}
		var got []int
		for _, a := range b.Alerts {
			got = append(got, a.Index)
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.wantAlerts) {
			t.Errorf("%s: parse kept alerts at %v, want %v", tt.name, got, tt.wantAlerts)
		}
		if fmt.Sprintf("%+v", b.Rejected) != fmt.Sprintf("%+v", tt.wantRejected) {
			t.Errorf("%s: parse rejected %+v, want %+v", tt.name, b.Rejected, tt.wantRejected)
		}
	}
}

// TestOpsgenieNanosecondsExact checks that updatedAt values above 2^53 keep
// every digit: a float64 decode would round 1420452275002000962 to …000960.
func TestOpsgenieNanosecondsExact(t *testing.T) {
	body, err := os.ReadFile("testdata/opsgenie/addnote.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseOpsgenie(body)
	if err != nil {
		t.Fatal(err)
	}
	got := b.Alerts[0].Events[0].At
	if got.UnixNano() != 1420452275002000962 {
		t.Errorf("ParseOpsgenie(addnote) event time = %d ns, want 1420452275002000962", got.UnixNano())
	}
}

func TestAlertmanagerPerAlertStatus(t *testing.T) {
	body, err := os.ReadFile("testdata/alertmanager/03-group-firing-with-one-resolved.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseAlertmanager(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Alerts) != 2 || b.Alerts[0].Status != AlertResolved || b.Alerts[1].Status != AlertFiring {
		t.Fatalf("ParseAlertmanager(group firing with one resolved) statuses = %v, want [resolved firing]", statuses(b))
	}
	if !b.Alerts[1].EndsAt.IsZero() {
		t.Errorf("firing alert EndsAt = %v, want the zero time (not ended)", b.Alerts[1].EndsAt)
	}
	want := time.Date(2026, 11, 24, 10, 36, 50, 0, time.UTC)
	if !b.Alerts[0].EndsAt.Equal(want) {
		t.Errorf("resolved alert EndsAt = %v, want %v", b.Alerts[0].EndsAt, want)
	}
	if b.Alerts[0].GroupKey != b.Alerts[1].GroupKey {
		t.Errorf("alerts of one group have group keys %q and %q, want one", b.Alerts[0].GroupKey, b.Alerts[1].GroupKey)
	}
	// The captured redelivery of the same alerts must produce the same ids.
	first, err := os.ReadFile("testdata/alertmanager/01-firing-group-of-2.json")
	if err != nil {
		t.Fatal(err)
	}
	b1, err := ParseAlertmanager(first)
	if err != nil {
		t.Fatal(err)
	}
	if b1.Alerts[0].Events[0].ExternalID != b.Alerts[0].Events[0].ExternalID {
		t.Errorf("fired event id changed between deliveries: %q then %q", b1.Alerts[0].Events[0].ExternalID, b.Alerts[0].Events[0].ExternalID)
	}
}

func TestGrafanaAcceptedByAlertmanagerParser(t *testing.T) {
	body, err := os.ReadFile("testdata/grafana/unified-v9-mixed-firing-resolved.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseAlertmanager(body)
	if err != nil {
		t.Fatalf("ParseAlertmanager(Grafana v9 body) = %v, want it accepted", err)
	}
	if got := statuses(b); strings.Join(got, ",") != "resolved,resolved,firing" {
		t.Errorf("statuses = %v, want resolved,resolved,firing", got)
	}
}

func statuses(b *Batch) []string {
	var s []string
	for _, a := range b.Alerts {
		s = append(s, string(a.Status))
	}
	return s
}
