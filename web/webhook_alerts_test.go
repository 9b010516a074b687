package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/ingest"
	"github.com/debriefhq/debrief/sqlstore"
	"github.com/debriefhq/debrief/storetest"
	"github.com/debriefhq/debrief/web"
)

// samples are the real payloads package ingest keeps in its testdata.
const samples = "../ingest/testdata/"

type hookEnv struct {
	t   *testing.T
	db  *sqlstore.DB
	svc *debrief.Service
	srv *httptest.Server
}

func newHookEnv(t *testing.T, dsn string) *hookEnv {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("sqlstore.Open = %v", err)
	}
	t.Cleanup(func() { db.Close() })
	now := time.Date(2026, 11, 24, 11, 0, 0, 0, time.UTC)
	svc := debrief.NewService(db, debrief.WithChecks(debrief.Checks{IntegrationConfig: ingest.CheckIntegrationConfig}), debrief.WithClock(func() time.Time { return now }))
	srv := httptest.NewServer(web.New(web.Config{Service: svc, Open: true}).Handler())
	t.Cleanup(srv.Close)
	return &hookEnv{t: t, db: db, svc: svc, srv: srv}
}

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samples, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// do sends a request and returns the status and decoded JSON body.
func (e *hookEnv) do(method, path string, body []byte, header map[string]string) (int, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			e.t.Fatalf("%s %s answered non-JSON %q", method, path, raw)
		}
	}
	return resp.StatusCode, out
}

// addIntegration creates an integration through the API and returns its
// webhook path and secret.
func (e *hookEnv) addIntegration(body string) (path, secret string, id float64) {
	e.t.Helper()
	st, out := e.do("POST", "/api/v1/integrations", []byte(body), nil)
	if st != http.StatusCreated {
		e.t.Fatalf("POST /api/v1/integrations %s = %d %v, want 201", body, st, out)
	}
	return out["webhook_path"].(string), out["secret"].(string), out["id"].(float64)
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

// post delivers a payload and checks the status; it returns the delivery.
func (e *hookEnv) post(call, path string, body []byte, header map[string]string, want int) map[string]any {
	e.t.Helper()
	st, out := e.do("POST", path, body, header)
	if st != want {
		e.t.Fatalf("%s: POST %s = %d %v, want %d", call, path, st, out, want)
	}
	if d, ok := out["delivery"].(map[string]any); ok {
		return d
	}
	return out
}

func (e *hookEnv) incidents() []*debrief.Incident {
	e.t.Helper()
	ctx := debrief.WithActor(context.Background(), debrief.SystemActor)
	page, err := e.svc.ListIncidents(ctx, debrief.IncidentFilter{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return page.Items
}

func (e *hookEnv) timeline(id int64) []*debrief.TimelineEvent {
	e.t.Helper()
	ctx := debrief.WithActor(context.Background(), debrief.SystemActor)
	events, err := e.svc.ListTimeline(ctx, id, debrief.TimelineFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return events
}

func byTitle(list []*debrief.Incident, title string) *debrief.Incident {
	for _, inc := range list {
		if inc.Title == title {
			return inc
		}
	}
	return nil
}

func TestWebhooksSQLite(t *testing.T) {
	testWebhooks(t, filepath.Join(t.TempDir(), "debrief.db"))
}

func TestWebhooksPostgres(t *testing.T) {
	testWebhooks(t, storetest.PostgresDSN(t))
}

// testWebhooks posts real payload sequences (fire, re-fire, resolve,
// redeliver, out of order) from every source and checks the incidents and
// timelines that result.
func testWebhooks(t *testing.T, dsn string) {
	e := newHookEnv(t, dsn)

	// Alertmanager, with the captured v0.28.1 deliveries.
	am, token, amID := e.addIntegration(`{"name":"prod-alertmanager","kind":"alertmanager","config":{"matchers":["severity=~\"critical|warning\""]}}`)
	e.post("no token", am, sample(t, "alertmanager/01-firing-group-of-2.json"), nil, 401)
	e.post("wrong token", am, sample(t, "alertmanager/01-firing-group-of-2.json"), bearer(token+"x"), 401)
	e.post("wrong kind in path", strings.Replace(am, "alertmanager", "grafana", 1), sample(t, "alertmanager/01-firing-group-of-2.json"), bearer(token), 404)
	if n := len(e.incidents()); n != 0 {
		t.Fatalf("after rejected deliveries there are %d incidents, want 0", n)
	}
	// Out of order: the mixed delivery (web-1 resolved) arrives first.
	d := e.post("mixed group first", am, sample(t, "alertmanager/03-group-firing-with-one-resolved.json"), bearer(token), 200)
	if d["events_added"].(float64) != 3 {
		t.Fatalf("mixed delivery added %v events, want 3 (fired+resolved web-1, fired web-2)", d["events_added"])
	}
	d = e.post("late first firing", am, sample(t, "alertmanager/01-firing-group-of-2.json"), bearer(token), 200)
	if d["events_added"].(float64) != 0 {
		t.Fatalf("late firing delivery added %v events, want 0", d["events_added"])
	}
	e.post("redelivery", am, sample(t, "alertmanager/03-group-firing-with-one-resolved.json"), bearer(token), 200)
	e.post("disk full fires", am, sample(t, "alertmanager/02-firing-single.json"), bearer(token), 200)
	e.post("disk full resolves", am, sample(t, "alertmanager/04-resolved.json"), bearer(token), 200)
	e.post("disk full resolve redelivered", am, sample(t, "alertmanager/04-resolved.json"), bearer(token), 200)
	e.post("retried after restart", am, sample(t, "alertmanager/05-firing-delivered-after-receiver-restart.json"), bearer(token), 200)
	e.post("Grafana's variant on the Alertmanager hook", am, sample(t, "grafana/unified-v11-firing-with-values.json"), bearer(token), 200)
	bad := e.post("bad payload", am, []byte(`{"version":"4","alerts":[{"status":"firing"}]}`), bearer(token), 400)
	if msg := bad["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "startsAt") {
		t.Fatalf("bad payload answered %q, want the reason (startsAt)", msg)
	}

	incs := e.incidents()
	checkout := byTitle(incs, "Checkout 5xx rate above 20%")
	disk := byTitle(incs, "Disk 95% full on db-1")
	lag := byTitle(incs, "Replica lag 300s")
	if checkout == nil || disk == nil || lag == nil || len(incs) != 3 {
		t.Fatalf("incidents = %v, want checkout, disk and replication lag (Grafana's alert has no severity the matchers take)", incs)
	}
	if checkout.Severity != "SEV1" || disk.Severity != "SEV3" || checkout.Services[0] != "checkout" {
		t.Fatalf("severities = %s, %s; want critical → SEV1, warning → SEV3", checkout.Severity, disk.Severity)
	}
	if n := len(e.timeline(checkout.ID)); n != 3 {
		t.Fatalf("checkout timeline has %d events, want 3", n)
	}
	diskEvents := e.timeline(disk.ID)
	if len(diskEvents) != 2 || diskEvents[1].Lifecycle != debrief.LifecycleMitigated || disk.MitigatedAt != nil {
		t.Fatalf("disk timeline = %d events, last tagged %q, incident mitigated %v; want the resolve suggesting mitigated", len(diskEvents), diskEvents[len(diskEvents)-1].Lifecycle, disk.MitigatedAt)
	}

	_, log := e.do("GET", "/api/v1/integrations/"+ftoa(amID)+"/deliveries", nil, nil)
	items := log["items"].([]any)
	newest := items[0].(map[string]any)
	if len(items) != 9 || newest["status"].(float64) != 400 || !strings.Contains(newest["error"].(string), "startsAt") {
		t.Fatalf("delivery log = %d entries, newest %v; want 9 (the 404 names no integration, the two 401s are counted, not logged) with the 400 and its reason first", len(items), newest)
	}
	statuses := map[float64]int{}
	for _, it := range items {
		statuses[it.(map[string]any)["status"].(float64)]++
	}
	if statuses[401] != 0 || statuses[200] != 8 {
		t.Fatalf("delivery log statuses = %v, want eight 200 and no 401", statuses)
	}
	_, amOut := e.do("GET", "/api/v1/integrations/"+ftoa(amID), nil, nil)
	if refused, _ := amOut["refused"].(map[string]any); refused == nil || refused["count"].(float64) != 2 || !strings.Contains(refused["last_reason"].(string), "not this integration's token") {
		t.Fatalf("integration's refused deliveries = %v; want a count of 2, the last one's reason the wrong token", amOut["refused"])
	}

	// PagerDuty, signed; secrets rotate.
	const pdSecret = "pd-signing-secret-0123456789"
	pd, _, _ := e.addIntegration(`{"name":"pagerduty","kind":"pagerduty","secrets":["` + pdSecret + `"]}`)
	sign := func(body []byte, secrets ...string) map[string]string {
		var sigs []string
		for _, s := range secrets {
			sigs = append(sigs, "v1="+ingest.SignHMAC(body, s))
		}
		return map[string]string{"X-PagerDuty-Signature": strings.Join(sigs, ",")}
	}
	trig := sample(t, "pagerduty/incident.triggered.json")
	e.post("pd unsigned", pd, trig, nil, 401)
	e.post("pd wrong secret", pd, trig, sign(trig, "another-secret-0123456789"), 401)
	e.post("pd triggered", pd, trig, sign(trig, "old-secret-0123456789", pdSecret), 200)
	for _, name := range []string{"written-incident.reassigned.json", "written-incident.priority_updated.json", "incident.resolved.json", "incident.annotated.json", "incident.acknowledged.json"} {
		body := sample(t, "pagerduty/"+name)
		e.post("pd "+name, pd, body, sign(body, pdSecret), 200)
	}
	e.post("pd redelivery", pd, trig, sign(trig, pdSecret), 200)
	pdInc := byTitle(e.incidents(), "Test Incident 3")
	if pdInc == nil || pdInc.Severity != "SEV2" {
		t.Fatalf("PagerDuty incident = %v, want 'Test Incident 3' at SEV2 (urgency high when it opened; later priority changes are events, not overwrites)", pdInc)
	}
	if n := len(e.timeline(pdInc.ID)); n != 3 {
		t.Fatalf("PagerDuty incident timeline has %d events, want 3 (triggered, reassigned, priority)", n)
	}

	// GitHub deploys land on the open checkout incident.
	gh, ghSecret, _ := e.addIntegration(`{"name":"github","kind":"github"}`)
	dep := sample(t, "github/deployment_status-success.json")
	e.post("github wrong signature", gh, dep, map[string]string{"X-GitHub-Event": "deployment_status", "X-Hub-Signature-256": "sha256=" + ingest.SignHMAC(dep, "nope")}, 401)
	d = e.post("github deploy", gh, dep, map[string]string{"X-GitHub-Event": "deployment_status", "X-Hub-Signature-256": "sha256=" + ingest.SignHMAC(dep, ghSecret)}, 200)
	if inc := d["incidents"].([]any); len(inc) != 1 || int64(inc[0].(float64)) != checkout.ID {
		t.Fatalf("deploy of checkout went to incidents %v, want [%d]", inc, checkout.ID)
	}
	ping := []byte(`{"zen":"Design for failure."}`)
	e.post("github ping", gh, ping, map[string]string{"X-GitHub-Event": "ping", "X-Hub-Signature-256": "sha256=" + ingest.SignHMAC(ping, ghSecret)}, 200)

	// Opsgenie (create, note with nanosecond time, close), Grafana, generic.
	og, ogToken, _ := e.addIntegration(`{"name":"opsgenie","kind":"opsgenie"}`)
	for _, name := range []string{"create.json", "addnote.json", "written-acknowledge.json", "close.json"} {
		e.post("opsgenie "+name, og, sample(t, "opsgenie/"+name), bearer(ogToken), 200)
	}
	note := byTitle(e.incidents(), "test alert")
	if note == nil {
		t.Fatalf("no incident for the Opsgenie alert 'test alert'")
	}
	ev := e.timeline(note.ID)
	if len(ev) != 3 || ev[1].At.UnixNano() != 1420452275002000000 {
		t.Fatalf("Opsgenie timeline = %d events, note at %d; want 3 with the note at the exact microsecond", len(ev), ev[1].At.UnixNano())
	}
	gf, gfToken, _ := e.addIntegration(`{"name":"grafana","kind":"grafana"}`)
	e.post("grafana mixed", gf, sample(t, "grafana/unified-v9-mixed-firing-resolved.json"), bearer(gfToken), 200)
	e.post("grafana legacy", gf, sample(t, "grafana/legacy-pre-v8-alerting.json"), bearer(gfToken), 400)
	mapping, _ := os.ReadFile(filepath.Join(samples, "generic/uptime-checker.mapping.json"))
	gen, genToken, _ := e.addIntegration(`{"name":"uptime","kind":"generic","config":{"mapping":` + string(mapping) + `}}`)
	e.post("generic", gen, sample(t, "generic/uptime-checker.json"), bearer(genToken), 200)
	if byTitle(e.incidents(), "Checkout API health check failed from 3 of 4 regions (HTTP 503)") == nil {
		t.Fatalf("no incident from the generic webhook")
	}
	e.do("POST", "/api/v1/integrations", []byte(`{"name":"bad-mapping","kind":"generic","config":{"mapping":{"title":"a..b"}}}`), nil)
	if st, _ := e.do("POST", "/api/v1/integrations", []byte(`{"name":"bad-mapping","kind":"generic","config":{"mapping":{"title":"a..b"}}}`), nil); st != 400 {
		t.Fatalf("creating a generic integration with a bad path = %d, want 400", st)
	}

	// A storage failure answers 503 so the sender retries.
	e.db.Close()
	e.post("database closed", am, sample(t, "alertmanager/02-firing-single.json"), bearer(token), 503)
}

func ftoa(f float64) string {
	return strings.TrimSuffix(strings.TrimSuffix(json.Number(jsonNum(f)).String(), ".0"), ".")
}

func jsonNum(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func TestWebhookConcurrentDeliveriesSQLite(t *testing.T) {
	testWebhookConcurrentDeliveries(t, filepath.Join(t.TempDir(), "debrief.db"))
}

func TestWebhookConcurrentDeliveriesPostgres(t *testing.T) {
	testWebhookConcurrentDeliveries(t, storetest.PostgresDSN(t))
}

// testWebhookConcurrentDeliveries sends the same new group many times at
// once, as an Alertmanager cluster's peers or a retrying sender can: one
// incident, each event once.
func testWebhookConcurrentDeliveries(t *testing.T, dsn string) {
	e := newHookEnv(t, dsn)
	am, token, _ := e.addIntegration(`{"name":"am","kind":"alertmanager"}`)
	body := sample(t, "alertmanager/01-firing-group-of-2.json")
	const n = 12
	errs := make(chan error, n)
	for range n {
		go func() {
			req, _ := http.NewRequest("POST", e.srv.URL+am, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != 200 {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("concurrent POST %s: %v", am, err)
		}
	}
	incs := e.incidents()
	if len(incs) != 1 {
		t.Fatalf("%d concurrent deliveries of one group opened %d incidents, want 1", n, len(incs))
	}
	if ev := e.timeline(incs[0].ID); len(ev) != 2 {
		t.Fatalf("timeline after %d concurrent deliveries has %d events, want 2", n, len(ev))
	}
}

func TestWebhookPartialDeliverySQLite(t *testing.T) {
	testWebhookPartialDelivery(t, filepath.Join(t.TempDir(), "debrief.db"))
}

func TestWebhookPartialDeliveryPostgres(t *testing.T) {
	testWebhookPartialDelivery(t, storetest.PostgresDSN(t))
}

// testWebhookPartialDelivery posts an Alertmanager delivery with one invalid
// alert between two valid ones. Alertmanager drops a delivery answered with
// 4xx, so the valid alerts must be stored and the answer be 2xx listing the
// rejected alert; only a payload with nothing valid gets 400.
func testWebhookPartialDelivery(t *testing.T, dsn string) {
	e := newHookEnv(t, dsn)
	am, token, id := e.addIntegration(`{"name":"am","kind":"alertmanager"}`)
	alert := func(fp string) string {
		return `{"status":"firing","labels":{"alertname":"HighLatency","severity":"critical","instance":"` + fp + `"},"annotations":{"summary":"p99 latency above 2s"},"startsAt":"2026-11-24T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"` + fp + `"}`
	}
	body := []byte(`{"version":"4","groupKey":"{}:{alertname=\"HighLatency\"}","status":"firing","receiver":"debrief","alerts":[` +
		alert("web-1") + `,{"status":"firing","labels":{"alertname":"HighLatency"},"fingerprint":"bad"},` + alert("web-2") + `]}`)

	for i, call := range []string{"partly invalid delivery", "same delivery redelivered"} {
		st, out := e.do("POST", am, body, bearer(token))
		if st != http.StatusOK {
			t.Fatalf("%s: POST %s = %d %v, want 200 (the valid alerts are stored)", call, am, st, out)
		}
		rejected, _ := out["rejected"].([]any)
		if len(rejected) != 1 {
			t.Fatalf("%s: answer rejected = %v, want the one invalid alert", call, out["rejected"])
		}
		r := rejected[0].(map[string]any)
		if r["index"].(float64) != 1 || r["field"] != "alerts[1].startsAt" || !strings.Contains(r["message"].(string), "Alert 2 has no valid startsAt") {
			t.Fatalf("%s: rejected alert = %v, want index 1, field alerts[1].startsAt and the reason", call, r)
		}
		d := out["delivery"].(map[string]any)
		if d["outcome"] != "partial" || d["alerts"].(float64) != 2 || d["events_added"].(float64) != float64(2*(1-i)) {
			t.Fatalf("%s: delivery = %v, want outcome partial, 2 alerts taken, %d events added", call, d, 2*(1-i))
		}
	}
	incs := e.incidents()
	if len(incs) != 1 || len(e.timeline(incs[0].ID)) != 2 {
		t.Fatalf("after the partly invalid delivery (twice) there are %d incidents, want 1 with the 2 valid alerts' events", len(incs))
	}

	allBad := []byte(`{"version":"4","groupKey":"g","alerts":[{"status":"firing"},{"status":"pending","startsAt":"2026-11-24T10:00:00Z"}]}`)
	bad := e.post("every alert invalid", am, allBad, bearer(token), 400)
	if msg := bad["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "None of the 2 alerts") || !strings.Contains(msg, "startsAt") {
		t.Fatalf("every alert invalid: answered %q, want the reason", msg)
	}
	e.post("not JSON", am, []byte(`{"version":"4","alerts":[`), bearer(token), 400)
	e.post("wrong shape", am, []byte(`{"version":"4","alerts":{"status":"firing"}}`), bearer(token), 400)
	if n := len(e.incidents()); n != 1 {
		t.Fatalf("after rejected payloads there are %d incidents, want still 1", n)
	}

	_, log := e.do("GET", "/api/v1/integrations/"+ftoa(id)+"/deliveries", nil, nil)
	var got []string
	for _, it := range log["items"].([]any) {
		d := it.(map[string]any)
		got = append(got, fmt.Sprintf("%v %v", d["status"], d["outcome"]))
	}
	if want := "[400 rejected 400 rejected 400 rejected 200 partial 200 partial]"; fmt.Sprint(got) != want {
		t.Fatalf("delivery log = %v, want %s", got, want)
	}
	partial := log["items"].([]any)[3].(map[string]any)
	rej, _ := partial["rejected"].([]any)
	if len(rej) != 1 || rej[0].(map[string]any)["field"] != "alerts[1].startsAt" || !strings.Contains(partial["error"].(string), "1 of 3 alerts") {
		t.Fatalf("logged partial delivery = %v, want the count and the rejected alert with its reason", partial)
	}
	if msg := log["items"].([]any)[2].(map[string]any)["error"].(string); !strings.Contains(msg, "None of the 2 alerts") {
		t.Fatalf("logged rejected delivery error = %q, want the reason", msg)
	}
}

// readRecorder is a request body that remembers whether it was read.
type readRecorder struct {
	r    io.Reader
	read bool
}

func (b *readRecorder) Read(p []byte) (int, error) {
	b.read = true
	return b.r.Read(p)
}

// TestWebhookRefusalsAreCounted checks deliveries without the right secret
// (issue 17, point 5): they are counted on the integration instead of
// logged, so a flood does not push genuine deliveries out of the log, and a
// bearer token is checked before the body is read.
func TestWebhookRefusalsAreCounted(t *testing.T) {
	e := newHookEnv(t, filepath.Join(t.TempDir(), "debrief.db"))
	am, token, amID := e.addIntegration(`{"name":"prom","kind":"alertmanager"}`)
	body := sample(t, "alertmanager/01-firing-group-of-2.json")
	e.post("genuine", am, body, bearer(token), 200)
	for i := 0; i < 40; i++ {
		hdr := bearer(fmt.Sprintf("guess-%d", i))
		if i%2 == 0 {
			hdr = nil
		}
		e.post("flood", am, body, hdr, 401)
	}
	_, log := e.do("GET", "/api/v1/integrations/"+ftoa(amID)+"/deliveries", nil, nil)
	if items := log["items"].([]any); len(items) != 1 || items[0].(map[string]any)["status"].(float64) != 200 {
		t.Fatalf("delivery log after 40 refused deliveries = %d entries; want only the genuine one", len(items))
	}
	_, in := e.do("GET", "/api/v1/integrations/"+ftoa(amID), nil, nil)
	refused, _ := in["refused"].(map[string]any)
	if refused == nil || refused["count"].(float64) != 40 || refused["last_at"] == nil || !strings.HasPrefix(refused["last_from"].(string), "127.0.0.1") {
		t.Fatalf("integration's refused deliveries = %v; want a count of 40 with the last time and address", in["refused"])
	}

	// The body of a delivery with a wrong token is never read.
	h := web.New(web.Config{Service: e.svc, Open: true}).Handler()
	for name, hdr := range map[string]string{"no token": "", "wrong token": "Bearer " + token + "x"} {
		rb := &readRecorder{r: bytes.NewReader(body)}
		req := httptest.NewRequest("POST", am, rb)
		req.Header.Set("Content-Type", "application/json")
		if hdr != "" {
			req.Header.Set("Authorization", hdr)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 401 || rb.read {
			t.Errorf("delivery with %s = %d, body read %v; want 401 without reading the body", name, rec.Code, rb.read)
		}
	}
}
