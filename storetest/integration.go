package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("IntegrationCRUD", testIntegrationCRUD)
	Register("IntegrationRefusedDeliveries", testIntegrationRefusedDeliveries)
	Register("IngestSequence", testIngestSequence)
	Register("IngestAllOrNothing", testIngestAllOrNothing)
	Register("IngestPartial", testIngestPartial)
	Register("IngestDeploys", testIngestDeploys)
	Register("IngestSeverityLabel", testIngestSeverityLabel)
	Register("IngestThroughWrappedStore", testIngestThroughWrappedStore)
}

// wrappedStore is a store as a caching or instrumenting layer wraps it: by
// embedding the debrief.Store interface, which must therefore carry the
// integration methods, or ingestion would be lost behind the wrapper.
type wrappedStore struct{ debrief.Store }

// testIngestThroughWrappedStore runs a delivery through a Service over a
// wrapped store: it must be stored and logged like one over the store itself.
func testIngestThroughWrappedStore(t *testing.T, open Opener) {
	now := base
	svc := debrief.NewService(wrappedStore{open(t)}, debrief.WithClock(func() time.Time { return now }))
	ctx := debrief.WithActor(context.Background(), debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin})
	in, _, err := svc.CreateIntegration(ctx, &debrief.Integration{Name: "am", Kind: debrief.IntegrationAlertmanager}, nil)
	must(t, err, "CreateIntegration through a wrapped store")
	d := ingestAs(t, svc, in, "Ingest through a wrapped store", []debrief.IngestAlert{
		amAlert("g1", "a", debrief.AlertFiring, base, time.Time{}, map[string]string{"severity": "critical"})}, nil)
	if d.EventsAdded != 1 || len(d.Incidents) != 1 {
		t.Fatalf("Ingest through a wrapped store = %d events on %v, want 1 event on one new incident", d.EventsAdded, d.Incidents)
	}
	log, err := svc.ListDeliveries(ctx, debrief.DeliveryFilter{IntegrationID: in.ID})
	must(t, err, "ListDeliveries through a wrapped store")
	if len(log.Items) != 1 || log.Items[0].ID != d.ID {
		t.Fatalf("delivery log through a wrapped store = %d entries, want the one delivery %d", len(log.Items), d.ID)
	}
}

// testIngestSeverityLabel maps a severity read from a configured label.
func testIngestSeverityLabel(t *testing.T, open Opener) {
	svc, ctx, _ := integrationSetup(t, open)
	in, _, err := svc.CreateIntegration(ctx, &debrief.Integration{Name: "am", Kind: debrief.IntegrationAlertmanager,
		Config: debrief.IntegrationConfig{SeverityLabel: "priority", SeverityMap: map[string]string{"urgent": "SEV2"}, DefaultSeverity: "SEV3"}}, nil)
	must(t, err, "CreateIntegration")
	for _, tt := range []struct {
		group, priority, want string
	}{{"g1", "URGENT", "SEV2"}, {"g2", "P1", "SEV1"}, {"g3", "whatever", "SEV3"}} {
		d := ingestAs(t, svc, in, "Ingest(priority="+tt.priority+")", []debrief.IngestAlert{
			amAlert(tt.group, "a", debrief.AlertFiring, base, time.Time{}, map[string]string{"priority": tt.priority, "severity": "info"})}, nil)
		inc, err := svc.Incident(ctx, d.Incidents[0])
		must(t, err, "Incident")
		if inc.Severity != tt.want {
			t.Errorf("alert with priority=%s opened an incident at %s, want %s", tt.priority, inc.Severity, tt.want)
		}
	}
}

func integrationSetup(t *testing.T, open Opener) (*debrief.Service, context.Context, *time.Time) {
	t.Helper()
	s := open(t)
	now := base
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return now }))
	ctx := debrief.WithActor(context.Background(), debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin})
	return svc, ctx, &now
}

func testIntegrationRefusedDeliveries(t *testing.T, open Opener) {
	svc, ctx, _ := integrationSetup(t, open)
	s := svc.Store().(debrief.IntegrationStore)
	in, _, err := svc.CreateIntegration(ctx, &debrief.Integration{Name: "prom", Kind: debrief.IntegrationAlertmanager}, nil)
	must(t, err, "CreateIntegration")
	if in.Refused.Count != 0 || in.Refused.LastAt != nil {
		t.Fatalf("new integration's refused deliveries = %+v; want none", in.Refused)
	}
	must(t, s.CountRefusedDelivery(ctx, in.ID, at(time.Minute), "192.0.2.1 curl/8", "no token"), "CountRefusedDelivery")
	must(t, s.CountRefusedDelivery(ctx, in.ID, at(2*time.Minute), "192.0.2.2 curl/8", "wrong token"), "CountRefusedDelivery(2)")
	got, err := s.Integration(ctx, in.ID)
	must(t, err, "Integration")
	want := debrief.RefusedDeliveries{Count: 2, LastAt: ptr(at(2 * time.Minute)), LastFrom: "192.0.2.2 curl/8", LastReason: "wrong token"}
	wantEqual(t, "Integration.Refused", want, got.Refused)
	if got.Version != in.Version {
		t.Errorf("counting refusals changed the version from %d to %d; want it unchanged", in.Version, got.Version)
	}
	page, err := s.ListDeliveries(ctx, debrief.DeliveryFilter{IntegrationID: in.ID})
	must(t, err, "ListDeliveries")
	if len(page.Items) != 0 {
		t.Errorf("the delivery log has %d entries after two refusals; want none", len(page.Items))
	}
	wantCode(t, s.CountRefusedDelivery(ctx, 999, base, "", ""), debrief.ENotFound, "CountRefusedDelivery(999)")
}

func testIntegrationCRUD(t *testing.T, open Opener) {
	svc, ctx, _ := integrationSetup(t, open)
	in, token, err := svc.CreateIntegration(ctx, &debrief.Integration{Name: "prod-alertmanager", Kind: debrief.IntegrationAlertmanager,
		Config: debrief.IntegrationConfig{Matchers: []string{`severity=~"critical|warning"`}, SeverityMap: map[string]string{"critical": "SEV1"}}}, nil)
	must(t, err, "CreateIntegration(alertmanager)")
	if token == "" || in.TokenHash == "" || in.TokenHash == token {
		t.Fatalf("CreateIntegration returned token %q with hash %q, want a token stored only as its hash", token, in.TokenHash)
	}
	got, err := svc.Integration(ctx, in.ID)
	must(t, err, "Integration")
	if !got.CheckToken(token) || got.CheckToken(token+"x") || got.CheckToken("") {
		t.Fatalf("stored integration CheckToken(right/wrong/empty) gave the wrong answers")
	}
	wantEqual(t, "Integration after create", in, got)

	_, _, err = svc.CreateIntegration(ctx, &debrief.Integration{Name: "prod-alertmanager", Kind: debrief.IntegrationGrafana}, nil)
	wantCode(t, err, debrief.EConflict, "CreateIntegration(same name)")
	pd, secret, err := svc.CreateIntegration(ctx, &debrief.Integration{Name: "pd", Kind: debrief.IntegrationPagerDuty}, nil)
	must(t, err, "CreateIntegration(pagerduty without its secret yet)")
	if secret != "" || len(pd.SigningSecrets) != 0 {
		t.Fatalf("CreateIntegration(pagerduty, no secret) = secret %q, stored %v; want none until PagerDuty shows one", secret, pd.SigningSecrets)
	}
	pd, _, err = svc.UpdateIntegration(ctx, pd.ID, debrief.IntegrationPatch{SigningSecrets: []string{"ChL+2LLV4bS0JQbJ0sbFF0GM5a4IMHQk"}}, 1)
	must(t, err, "UpdateIntegration(pagerduty, set the secret)")
	if len(pd.SigningSecrets) != 1 || pd.SigningSecrets[0] != "ChL+2LLV4bS0JQbJ0sbFF0GM5a4IMHQk" {
		t.Fatalf("after setting the secret, stored %v; want the given secret kept", pd.SigningSecrets)
	}
	_, _, err = svc.CreateIntegration(ctx, &debrief.Integration{Name: "gh", Kind: debrief.IntegrationGitHub}, []string{"short"})
	wantCode(t, err, debrief.EInvalid, "CreateIntegration(github, 5-character secret)")
	_, _, err = svc.CreateIntegration(ctx, &debrief.Integration{Name: "bad", Kind: debrief.IntegrationAlertmanager,
		Config: debrief.IntegrationConfig{Matchers: []string{"severity=~("}}}, nil)
	wantCode(t, err, debrief.EInvalid, "CreateIntegration(bad regex matcher)")

	list, err := svc.ListIntegrations(ctx)
	must(t, err, "ListIntegrations")
	if len(list) != 2 || list[0].ID != in.ID || list[1].ID != pd.ID {
		t.Fatalf("ListIntegrations = %d items, want the two created in order", len(list))
	}
	off := false
	upd, newToken, err := svc.UpdateIntegration(ctx, in.ID, debrief.IntegrationPatch{Enabled: &off, RotateToken: true}, 1)
	must(t, err, "UpdateIntegration(v=1)")
	if upd.Version != 2 || upd.Enabled || newToken == "" || upd.CheckToken(token) || !upd.CheckToken(newToken) {
		t.Fatalf("UpdateIntegration(disable, rotate) = version %d enabled %v; want v2, disabled, only the new token valid", upd.Version, upd.Enabled)
	}
	_, _, err = svc.UpdateIntegration(ctx, in.ID, debrief.IntegrationPatch{Enabled: &off}, 1)
	wantCode(t, err, debrief.EConflict, "UpdateIntegration(v=1) at v2")

	viewer := debrief.WithActor(context.Background(), debrief.Actor{Email: "v@example.com", Role: debrief.RoleResponder})
	_, err = svc.ListIntegrations(viewer)
	wantCode(t, err, debrief.EForbidden, "ListIntegrations as a responder")

	must(t, svc.DeleteIntegration(ctx, in.ID), "DeleteIntegration")
	_, err = svc.Integration(ctx, in.ID)
	wantCode(t, err, debrief.ENotFound, "Integration after delete")
}

// amAlert builds an Alertmanager-like alert with its events, the way
// package ingest produces them.
func amAlert(group, fp, status string, starts, ends time.Time, labels map[string]string) debrief.IngestAlert {
	a := debrief.IngestAlert{GroupKey: group, Fingerprint: fp, Status: status, Title: "Checkout 5xx rate above 20%",
		Severity: labels["severity"], Service: labels["service"], Labels: labels, StartsAt: starts, EndsAt: ends}
	id := fmt.Sprintf("alert/%s/%s", fp, starts.Format(time.RFC3339Nano))
	a.Events = append(a.Events, &debrief.TimelineEvent{At: starts, Kind: debrief.KindAlert, Text: "Alert fired: " + fp,
		ExternalID: id + "/fired", Lifecycle: debrief.LifecycleDetected})
	if status == debrief.AlertResolved {
		a.Events = append(a.Events, &debrief.TimelineEvent{At: ends, Kind: debrief.KindAlert, Text: "Alert resolved: " + fp, ExternalID: id + "/resolved"})
	}
	return a
}

func ingestAs(t *testing.T, svc *debrief.Service, in *debrief.Integration, call string, alerts []debrief.IngestAlert, deploys []debrief.IngestDeploy) *debrief.Delivery {
	t.Helper()
	ctx := debrief.WithActor(context.Background(), debrief.IntegrationActor(in))
	d, err := svc.Ingest(ctx, in, alerts, deploys, &debrief.Delivery{Source: "127.0.0.1 test"})
	must(t, err, call)
	return d
}

func testIngestSequence(t *testing.T, open Opener) {
	svc, ctx, now := integrationSetup(t, open)
	in, _, err := svc.CreateIntegration(ctx, &debrief.Integration{Name: "am", Kind: debrief.IntegrationAlertmanager,
		Config: debrief.IntegrationConfig{Matchers: []string{"severity!=info"}}}, nil)
	must(t, err, "CreateIntegration")
	crit := map[string]string{"alertname": "HighErrorRate", "service": "checkout", "severity": "critical"}
	t0 := base.Add(-10 * time.Minute)
	const g = `{}:{alertname="HighErrorRate"}`

	// 1. Two alerts fire: one incident, two events.
	*now = now.Add(time.Second)
	d := ingestAs(t, svc, in, "Ingest(fire a, b)", []debrief.IngestAlert{
		amAlert(g, "a", debrief.AlertFiring, t0, time.Time{}, crit),
		amAlert(g, "b", debrief.AlertFiring, t0.Add(time.Second), time.Time{}, crit),
	}, nil)
	if d.EventsAdded != 2 || len(d.Incidents) != 1 {
		t.Fatalf("Ingest(fire a, b) = %d events on incidents %v, want 2 events on one incident", d.EventsAdded, d.Incidents)
	}
	incID := d.Incidents[0]
	inc, err := svc.Incident(ctx, incID)
	must(t, err, "Incident")
	if inc.Severity != "SEV1" || !inc.StartedAt.Equal(t0) || inc.DetectedAt == nil || len(inc.Services) != 1 || inc.Services[0] != "checkout" {
		t.Fatalf("opened incident = severity %s started %v services %v, want SEV1 started at the first alert on checkout", inc.Severity, inc.StartedAt, inc.Services)
	}

	// 2. The same delivery again (Alertmanager's re-notification or retry).
	d = ingestAs(t, svc, in, "Ingest(redelivery)", []debrief.IngestAlert{
		amAlert(g, "a", debrief.AlertFiring, t0, time.Time{}, crit),
		amAlert(g, "b", debrief.AlertFiring, t0.Add(time.Second), time.Time{}, crit),
	}, nil)
	if d.EventsAdded != 0 || len(d.Incidents) != 0 {
		t.Fatalf("Ingest(redelivery) added %d events to %v, want nothing", d.EventsAdded, d.Incidents)
	}

	// 3. Out of order: c's resolve arrives before its fire.
	ingestAs(t, svc, in, "Ingest(resolve c)", []debrief.IngestAlert{amAlert(g, "c", debrief.AlertResolved, t0.Add(2*time.Second), t0.Add(3*time.Minute), crit)}, nil)
	ingestAs(t, svc, in, "Ingest(late fire c)", []debrief.IngestAlert{amAlert(g, "c", debrief.AlertFiring, t0.Add(2*time.Second), time.Time{}, crit)}, nil)

	// 4. An info alert of the group joins the open incident though the
	// matchers would not let it open one.
	info := map[string]string{"alertname": "HighErrorRate", "service": "checkout", "severity": "info"}
	ingestAs(t, svc, in, "Ingest(info alert d)", []debrief.IngestAlert{amAlert(g, "d", debrief.AlertFiring, t0.Add(4*time.Second), time.Time{}, info)}, nil)
	// …but alone, in its own group, it opens nothing.
	d = ingestAs(t, svc, in, "Ingest(info alert in a new group)", []debrief.IngestAlert{amAlert("other", "e", debrief.AlertFiring, t0, time.Time{}, info)}, nil)
	if len(d.Incidents) != 0 {
		t.Fatalf("Ingest(info alert, matchers severity!=info) opened incidents %v, want none", d.Incidents)
	}

	// 5. All resolve; the last resolve suggests the mitigated time.
	ingestAs(t, svc, in, "Ingest(resolve a, b, d)", []debrief.IngestAlert{
		amAlert(g, "a", debrief.AlertResolved, t0, t0.Add(5*time.Minute), crit),
		amAlert(g, "b", debrief.AlertResolved, t0.Add(time.Second), t0.Add(6*time.Minute), crit),
		amAlert(g, "d", debrief.AlertResolved, t0.Add(4*time.Second), t0.Add(5*time.Minute), info),
	}, nil)
	// A stale firing of a after its resolve changes nothing.
	d = ingestAs(t, svc, in, "Ingest(stale fire a)", []debrief.IngestAlert{amAlert(g, "a", debrief.AlertFiring, t0, time.Time{}, crit)}, nil)
	if d.EventsAdded != 0 {
		t.Fatalf("Ingest(stale fire a) added %d events, want 0", d.EventsAdded)
	}

	events, err := svc.ListTimeline(ctx, incID, debrief.TimelineFilter{})
	must(t, err, "ListTimeline")
	// fired a, b, c, d + resolved a, b, c, d
	if len(events) != 8 {
		t.Fatalf("ListTimeline = %d events, want 8 (4 fired, 4 resolved):\n%s", len(events), eventList(events))
	}
	var mitigated []*debrief.TimelineEvent
	for _, e := range events {
		if e.Lifecycle == debrief.LifecycleMitigated {
			mitigated = append(mitigated, e)
		}
	}
	if len(mitigated) != 1 || !mitigated[0].At.Equal(t0.Add(6*time.Minute)) {
		t.Fatalf("mitigated suggestions = %v, want one, on b's resolve at %v:\n%s", mitigated, t0.Add(6*time.Minute), eventList(events))
	}
	inc, err = svc.Incident(ctx, incID)
	must(t, err, "Incident")
	if inc.MitigatedAt != nil || inc.Status != debrief.StatusInvestigating {
		t.Fatalf("incident after all alerts resolved: mitigated %v status %s; want the time only suggested", inc.MitigatedAt, inc.Status)
	}

	// 6. A person resolves the incident; the group firing again opens a new one.
	st := debrief.StatusResolved
	_, err = svc.UpdateIncident(ctx, incID, debrief.IncidentPatch{Status: &st}, inc.Version)
	must(t, err, "UpdateIncident(resolved)")
	d = ingestAs(t, svc, in, "Ingest(re-fire a later)", []debrief.IngestAlert{amAlert(g, "a", debrief.AlertFiring, t0.Add(time.Hour), time.Time{}, crit)}, nil)
	if len(d.Incidents) != 1 || d.Incidents[0] == incID {
		t.Fatalf("Ingest(re-fire after the incident was resolved) touched %v, want one new incident", d.Incidents)
	}

	page, err := svc.ListDeliveries(ctx, debrief.DeliveryFilter{IntegrationID: in.ID, Limit: 3})
	must(t, err, "ListDeliveries")
	if len(page.Items) != 3 || page.NextCursor == "" || page.Items[0].ID < page.Items[1].ID {
		t.Fatalf("ListDeliveries(limit 3) = %d items, cursor %q; want 3 newest first and a next page", len(page.Items), page.NextCursor)
	}
	if page.Items[0].Status != 200 || page.Items[0].Alerts != 1 || page.Items[0].Source != "127.0.0.1 test" {
		t.Fatalf("newest delivery = %+v, want status 200, 1 alert, the source", page.Items[0])
	}
	rest, err := svc.ListDeliveries(ctx, debrief.DeliveryFilter{IntegrationID: in.ID, After: page.NextCursor})
	must(t, err, "ListDeliveries(next page)")
	if len(rest.Items) != 6 {
		t.Fatalf("ListDeliveries(next page) = %d items, want 6 (9 deliveries in all)", len(rest.Items))
	}
}

func eventList(events []*debrief.TimelineEvent) string {
	s := ""
	for _, e := range events {
		s += fmt.Sprintf("  %s %-10s %s [%s]\n", e.At.Format(time.RFC3339), e.Lifecycle, e.Text, e.ExternalID)
	}
	return s
}

func testIngestAllOrNothing(t *testing.T, open Opener) {
	svc, ctx, _ := integrationSetup(t, open)
	in, _, err := svc.CreateIntegration(ctx, &debrief.Integration{Name: "am", Kind: debrief.IntegrationAlertmanager}, nil)
	must(t, err, "CreateIntegration")
	labels := map[string]string{"severity": "warning"}
	bad1 := amAlert("g1", "a", debrief.AlertFiring, base, time.Time{}, labels)
	bad1.Events[0].Text = " "
	bad2 := amAlert("g2", "b", debrief.AlertFiring, base, time.Time{}, labels)
	bad2.Events[0].Text = ""
	bad2.Index = 1
	actx := debrief.WithActor(context.Background(), debrief.IntegrationActor(in))
	d := &debrief.Delivery{}
	_, err = svc.Ingest(actx, in, []debrief.IngestAlert{bad1, bad2}, nil, d)
	wantCode(t, err, debrief.EInvalid, "Ingest(two alerts with empty text)")
	if msg := debrief.ErrorMessage(err); !strings.Contains(msg, "None of the 2 alerts") || len(d.Rejected) != 2 {
		t.Fatalf("Ingest(two alerts with empty text) = %q with %d rejections, want both named", msg, len(d.Rejected))
	}

	// A failure inside the transaction, after the plan's first writes,
	// leaves nothing behind either.
	st := svc.Store()
	boom := errors.New("boom")
	_, err = st.Ingest(ctx, debrief.IngestRequest{IntegrationID: in.ID, GroupKeys: []string{"g1"}}, func(*debrief.IngestState) (*debrief.IngestPlan, error) {
		inc := &debrief.Incident{Title: "x", Severity: "SEV4", Status: debrief.StatusInvestigating, StartedAt: base, CreatedBy: "t", CreatedAt: base, UpdatedAt: base,
			Services: []string{}, Customers: []string{}, Labels: []string{}, Members: []string{}}
		return &debrief.IngestPlan{
			Creates: []*debrief.IngestCreate{{GroupKey: "g1", Incident: inc, Revision: rev(debrief.EntityIncident, 0, 1, "create")}},
			Adds:    []*debrief.IngestAdd{{IncidentID: 999999, Events: []*debrief.TimelineEvent{{At: base, Source: debrief.SourceAlertmanager, Kind: debrief.KindAlert, Text: "x", ExternalID: "x", CreatedAt: base}}}},
		}, nil
	})
	if err == nil {
		t.Fatalf("Ingest(plan adding to a missing incident) = nil, want an error")
	}
	_, err = st.Ingest(ctx, debrief.IngestRequest{IntegrationID: in.ID}, func(*debrief.IngestState) (*debrief.IngestPlan, error) { return nil, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Ingest(decide fails) = %v, want the decide error", err)
	}
	page, err := svc.ListIncidents(ctx, debrief.IncidentFilter{})
	must(t, err, "ListIncidents")
	if len(page.Items) != 0 {
		t.Fatalf("after failed ingests there are %d incidents, want 0", len(page.Items))
	}
	dl, err := svc.ListDeliveries(ctx, debrief.DeliveryFilter{IntegrationID: in.ID})
	must(t, err, "ListDeliveries")
	if len(dl.Items) != 0 {
		t.Fatalf("after failed ingests the log has %d deliveries, want 0 (the web layer logs rejections)", len(dl.Items))
	}
}

// testIngestPartial sends a delivery with one valid and one invalid alert:
// the valid one is stored (idempotently, in one transaction) and the
// delivery is logged as partial with the rejected alert and its reason.
func testIngestPartial(t *testing.T, open Opener) {
	svc, ctx, _ := integrationSetup(t, open)
	in, _, err := svc.CreateIntegration(ctx, &debrief.Integration{Name: "am", Kind: debrief.IntegrationAlertmanager}, nil)
	must(t, err, "CreateIntegration")
	labels := map[string]string{"severity": "critical"}
	delivery := func() []debrief.IngestAlert {
		good := amAlert("g1", "a", debrief.AlertFiring, base, time.Time{}, labels)
		bad := amAlert("g1", "b", debrief.AlertFiring, base, time.Time{}, labels)
		bad.Events[0].Text = " "
		bad.Index = 1
		return []debrief.IngestAlert{good, bad}
	}
	var incident int64
	for i, call := range []string{"Ingest(good alert, alert with empty text)", "Ingest(same delivery again)"} {
		d := ingestAs(t, svc, in, call, delivery(), nil)
		if d.Outcome != debrief.DeliveryPartial || d.Status != 200 || d.Alerts != 1 || len(d.Rejected) != 1 || d.EventsAdded != 1-i {
			t.Fatalf("%s = outcome %q status %d, %d alerts taken, rejected %+v, %d events added; want partial, 200, 1 taken, the empty-text alert rejected, %d added",
				call, d.Outcome, d.Status, d.Alerts, d.Rejected, d.EventsAdded, 1-i)
		}
		if i == 0 {
			if len(d.Incidents) != 1 {
				t.Fatalf("%s opened incidents %v, want one", call, d.Incidents)
			}
			incident = d.Incidents[0]
		}
		if r := d.Rejected[0]; r.Index != 1 || !strings.HasPrefix(r.Message, "Alert 2, event 1: ") || r.Field == "" {
			t.Fatalf("%s rejected %+v, want alert index 1 with its field and a message naming alert 2", call, r)
		}
		events, err := svc.ListTimeline(ctx, incident, debrief.TimelineFilter{})
		must(t, err, "ListTimeline")
		if len(events) != 1 {
			t.Fatalf("after %s the incident has %d events, want 1 (the valid alert's, once)", call, len(events))
		}
	}
	ingestAs(t, svc, in, "Ingest(valid alert)", []debrief.IngestAlert{amAlert("g2", "c", debrief.AlertFiring, base, time.Time{}, labels)}, nil)
	must(t, svc.RecordRejectedDelivery(ctx, &debrief.Delivery{IntegrationID: in.ID, Status: 400, Error: "The body is not valid JSON."}), "RecordRejectedDelivery(400)")
	must(t, svc.RecordRejectedDelivery(ctx, &debrief.Delivery{IntegrationID: in.ID, Status: 200, Error: "ping"}), "RecordRejectedDelivery(ping)")
	log, err := svc.ListDeliveries(ctx, debrief.DeliveryFilter{IntegrationID: in.ID})
	must(t, err, "ListDeliveries")
	var outcomes []string
	for _, d := range log.Items {
		outcomes = append(outcomes, d.Outcome)
	}
	if want := "[ignored rejected accepted partial partial]"; fmt.Sprint(outcomes) != want {
		t.Fatalf("delivery log outcomes = %v, want %s", outcomes, want)
	}
	p := log.Items[3]
	if len(p.Rejected) != 1 || p.Rejected[0].Index != 1 || !strings.HasPrefix(p.Rejected[0].Message, "Alert 2, event 1: ") || !strings.Contains(p.Error, "1 of 2 alerts") {
		t.Fatalf("logged partial delivery = error %q, rejected %+v; want the count and the rejected alert with its reason", p.Error, p.Rejected)
	}
	if log.Items[2].Rejected != nil {
		t.Fatalf("logged accepted delivery has rejected %+v, want none", log.Items[2].Rejected)
	}
}

func testIngestDeploys(t *testing.T, open Opener) {
	svc, ctx, _ := integrationSetup(t, open)
	gh, _, err := svc.CreateIntegration(ctx, &debrief.Integration{Name: "gh", Kind: debrief.IntegrationGitHub,
		Config: debrief.IntegrationConfig{Services: map[string]string{"checkout-api": "checkout"}}}, nil)
	must(t, err, "CreateIntegration(github)")
	open1, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout errors", Services: []string{"checkout"}, StartedAt: base})
	must(t, err, "CreateIncident(open, checkout)")
	closed := debrief.StatusClosed
	old, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Old checkout incident", Services: []string{"checkout"}, StartedAt: base.Add(-48 * time.Hour), Status: closed})
	must(t, err, "CreateIncident(closed, checkout)")
	other, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Search slow", Services: []string{"search"}, StartedAt: base})
	must(t, err, "CreateIncident(open, search)")
	deploy := func() []debrief.IngestDeploy {
		return []debrief.IngestDeploy{{Service: "checkout-api", Event: &debrief.TimelineEvent{At: base.Add(-5 * time.Minute), Kind: debrief.KindAction,
			Text: "Deploy succeeded: acme/checkout-api@main (9f2c1e4) to production", Actor: "mona", ExternalID: "github/deployment_status/1"}}}
	}
	d := ingestAs(t, svc, gh, "Ingest(deploy)", nil, deploy())
	if d.EventsAdded != 1 || len(d.Incidents) != 1 || d.Incidents[0] != open1.ID {
		t.Fatalf("Ingest(deploy of checkout) = %d events on %v, want 1 on the open checkout incident %d (not %d or %d)", d.EventsAdded, d.Incidents, open1.ID, old.ID, other.ID)
	}
	d = ingestAs(t, svc, gh, "Ingest(deploy redelivered)", nil, deploy())
	if d.EventsAdded != 0 {
		t.Fatalf("Ingest(deploy redelivered) added %d events, want 0", d.EventsAdded)
	}
	events, err := svc.ListTimeline(ctx, open1.ID, debrief.TimelineFilter{Source: debrief.SourceDeploy})
	must(t, err, "ListTimeline(deploy)")
	if len(events) != 1 || events[0].Actor != "mona" {
		t.Fatalf("deploy events on the open incident = %s, want one by mona", eventList(events))
	}
}
