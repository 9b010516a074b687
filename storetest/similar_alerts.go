package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/ingest"
)

func init() {
	Register("SimilarAlertsByName", testSimilarAlertsByName)
}

// testSimilarAlertsByName delivers real webhook bodies through the parsers
// and the Service and checks that similar incidents compare alerts by the
// name each parser gave the events, not by their text: two firings of one
// Alertmanager rule whose summaries differ share the alert, and two
// PagerDuty incidents about different things share none, though both
// events' texts start "PagerDuty incident triggered:".
func testSimilarAlertsByName(t *testing.T, open Opener) {
	svc, ctx, _ := integrationSetup(t, open)
	am, _, err := svc.CreateIntegration(ctx, &debrief.Integration{Name: "am", Kind: debrief.IntegrationAlertmanager}, nil)
	must(t, err, "CreateIntegration(alertmanager)")
	pd, _, err := svc.CreateIntegration(ctx, &debrief.Integration{Name: "pd", Kind: debrief.IntegrationPagerDuty}, nil)
	must(t, err, "CreateIntegration(pagerduty)")

	deliver := func(in *debrief.Integration, body string) int64 {
		t.Helper()
		parse := ingest.ParseAlertmanager
		if in.Kind == debrief.IntegrationPagerDuty {
			parse = ingest.ParsePagerDuty
		}
		b, err := parse([]byte(body))
		must(t, err, "parse "+string(in.Kind))
		alerts, deploys := b.Domain()
		d := ingestAs(t, svc, in, "Ingest("+string(in.Kind)+")", alerts, deploys)
		if len(d.Incidents) != 1 {
			t.Fatalf("delivery to %s touched incidents %v; want one new incident", in.Name, d.Incidents)
		}
		return d.Incidents[0]
	}
	amBody := func(group, summary string, starts time.Time) string {
		return fmt.Sprintf(`{"version":"4","groupKey":%q,"status":"firing","receiver":"debrief","groupLabels":{},"commonLabels":{},
"commonAnnotations":{},"externalURL":"","alerts":[{"status":"firing","labels":{"alertname":"HighErrorRate","instance":%q},
"annotations":{"summary":%q},"startsAt":%q,"endsAt":"0001-01-01T00:00:00Z","fingerprint":%q}]}`,
			group, group, summary, starts.Format(time.RFC3339), group)
	}
	pdBody := func(id, title string, at time.Time) string {
		return fmt.Sprintf(`{"event":{"id":"ev-%s","event_type":"incident.triggered","resource_type":"incident","occurred_at":%q,
"data":{"id":%q,"type":"incident","number":1,"status":"triggered","title":%q,"urgency":"high"}}}`, id, at.Format(time.RFC3339), id, title)
	}
	amFirst := deliver(am, amBody("web-1", "Checkout answered 5xx to 3% of requests", base.Add(-72*time.Hour)))
	amSecond := deliver(am, amBody("web-7", "Search API error ratio 12% on eu-west", base.Add(-2*time.Hour)))
	pdFirst := deliver(pd, pdBody("PFIRST", "Disk full on billing-db-2", base.Add(-70*time.Hour)))
	pdSecond := deliver(pd, pdBody("PSECOND", "Certificate expired on api gateway", base.Add(-time.Hour)))

	events, err := svc.ListTimeline(ctx, amSecond, debrief.TimelineFilter{})
	must(t, err, "ListTimeline(second alertmanager incident)")
	if len(events) != 1 || events[0].Alert != "HighErrorRate" {
		t.Fatalf("second Alertmanager incident's events = %+v; want one whose alert is HighErrorRate", events)
	}
	events, err = svc.ListTimeline(ctx, pdSecond, debrief.TimelineFilter{})
	must(t, err, "ListTimeline(second PagerDuty incident)")
	if len(events) != 1 || events[0].Alert != "Certificate expired on api gateway" {
		t.Fatalf("second PagerDuty incident's events = %+v; want one whose alert is the incident's title", events)
	}

	sharedAlerts := func(probe, other int64) []string {
		t.Helper()
		similar, err := svc.SimilarIncidents(ctx, probe)
		must(t, err, "SimilarIncidents")
		for _, s := range similar {
			if s.Incident.ID != other {
				continue
			}
			for _, r := range s.Reasons {
				if r.Kind == "alerts" {
					return r.Shared
				}
			}
		}
		return nil
	}
	if got := sharedAlerts(amSecond, amFirst); len(got) != 1 || got[0] != "higherrorrate" {
		t.Errorf("SimilarIncidents(second HighErrorRate firing): shared alerts with the first = %q; want [higherrorrate]", got)
	}
	if got := sharedAlerts(pdSecond, pdFirst); len(got) != 0 {
		t.Errorf("SimilarIncidents(PagerDuty certificate incident): shared alerts with the disk incident = %q; want none", got)
	}
}
