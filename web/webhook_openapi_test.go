package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/ingest"
)

// TestEveryWebhookRouteIsDocumented walks the route table's webhook routes,
// which TestEveryAPIRouteIsDocumented leaves out: each must be in
// openapi.yaml with its security, its body and every status it answers.
func TestEveryWebhookRouteIsDocumented(t *testing.T) {
	doc := loadOpenAPI(t)
	srv := New(Config{Service: debrief.NewService(nil)})
	n := 0
	for _, rt := range srv.Routes() {
		if rt.Kind != KindWebhook {
			continue
		}
		n++
		method, path, _ := strings.Cut(rt.Pattern, " ")
		item := doc.Paths.Value(path)
		if item == nil {
			t.Errorf("webhook route %q: path %s is not in openapi.yaml", rt.Pattern, path)
			continue
		}
		op := item.GetOperation(method)
		if op == nil {
			t.Errorf("webhook route %q: openapi.yaml describes %s but not its %s", rt.Pattern, path, method)
			continue
		}
		if op.Security == nil || len(*op.Security) == 0 {
			t.Errorf("webhook route %q: openapi.yaml gives no security (bearer token or signature headers)", rt.Pattern)
		}
		if op.RequestBody == nil {
			t.Errorf("webhook route %q: openapi.yaml gives no request body", rt.Pattern)
		}
		for _, code := range []int{200, 400, 401, 403, 404, 413, 415, 422, 503} {
			if op.Responses.Status(code) == nil {
				t.Errorf("webhook route %q: openapi.yaml does not describe the %d answer", rt.Pattern, code)
			}
		}
	}
	if n == 0 {
		t.Fatalf("the route table has no webhook route, want POST /hooks/{id}/{kind}")
	}
}

func TestWebhookAnswersMatchOpenAPISQLite(t *testing.T) {
	testWebhookAnswersMatchOpenAPI(t, openSQLite(t))
}

func TestWebhookAnswersMatchOpenAPIPostgres(t *testing.T) {
	testWebhookAnswersMatchOpenAPI(t, openPostgres(t))
}

// testWebhookAnswersMatchOpenAPI sends deliveries that get each documented
// answer and checks request and answer against openapi.yaml.
func testWebhookAnswersMatchOpenAPI(t *testing.T, store debrief.Store) {
	e := newEnv(t, store, Config{})
	type created struct {
		ID          int64  `json:"id"`
		WebhookPath string `json:"webhook_path"`
		Secret      string `json:"secret"`
		Version     int    `json:"version"`
	}
	add := func(body string) created {
		x := e.do("POST", "/api/v1/integrations", body, nil)
		if x.status != http.StatusCreated {
			t.Fatalf("POST /api/v1/integrations %s = %d %s, want 201", body, x.status, x.body)
		}
		var c created
		x.decode(t, &c)
		return c
	}
	am := add(`{"name":"am","kind":"alertmanager"}`)
	gh := add(`{"name":"gh","kind":"github"}`)
	off := add(`{"name":"off","kind":"alertmanager"}`)
	if x := e.do("PATCH", "/api/v1/integrations/"+strconv.FormatInt(off.ID, 10), `{"enabled":false,"version":1}`, nil); x.status != 200 {
		t.Fatalf("PATCH (disable) = %d %s, want 200", x.status, x.body)
	}
	bad := add(`{"name":"bad-mapping","kind":"generic","config":{"mapping":{"title":"name"}}}`)
	// A mapping broken after it was stored (the API refuses to store one)
	// is the admin's to fix: 422.
	in, err := e.svc.WebhookIntegration(context.Background(), bad.ID)
	if err != nil {
		t.Fatal(err)
	}
	in.Config.Mapping = []byte(`"not a mapping object"`)
	if err := store.UpdateIntegration(context.Background(), in, in.Version, nil); err != nil {
		t.Fatal(err)
	}

	sample, err := os.ReadFile("../ingest/testdata/alertmanager/01-firing-group-of-2.json")
	if err != nil {
		t.Fatal(err)
	}
	partial := `{"version":"4","groupKey":"g","alerts":[{"status":"firing","labels":{"alertname":"A","severity":"critical"},"startsAt":"2026-11-24T10:00:00Z"},{"status":"firing"}]}`
	ping := `{"zen":"Keep it logically awesome.","hook_id":1}`
	bearer := map[string]string{"Authorization": "Bearer " + am.Secret}
	tests := []struct {
		name, path, body string
		header           map[string]string
		want             int
		inBody           string
	}{
		{"accepted", am.WebhookPath, string(sample), bearer, 200, `"outcome":"accepted"`},
		{"redelivered", am.WebhookPath, string(sample), bearer, 200, `"events_added":0`},
		{"partial", am.WebhookPath, partial, bearer, 200, `"rejected":[{"index":1,"field":"alerts[1].startsAt"`},
		{"github ping", gh.WebhookPath, ping, map[string]string{"X-GitHub-Event": "ping", "X-Hub-Signature-256": "sha256=" + ingest.SignHMAC([]byte(ping), gh.Secret)}, 200, `"ignored"`},
		{"not JSON", am.WebhookPath, `{"version":"4",`, bearer, 400, `"code":"invalid"`},
		{"no token", am.WebhookPath, string(sample), nil, 401, `"code":"unauthorized"`},
		{"bad signature", gh.WebhookPath, ping, map[string]string{"X-GitHub-Event": "ping", "X-Hub-Signature-256": "sha256=00"}, 401, `"code":"unauthorized"`},
		{"disabled", off.WebhookPath, string(sample), map[string]string{"Authorization": "Bearer " + off.Secret}, 403, `disabled`},
		{"wrong kind", strings.Replace(am.WebhookPath, "alertmanager", "grafana", 1), string(sample), bearer, 404, `"code":"not_found"`},
		{"no such integration", "/hooks/999999/alertmanager", string(sample), bearer, 404, `"code":"not_found"`},
		{"too large", am.WebhookPath, strings.Repeat(" ", MaxWebhookBytes+1), bearer, 413, `larger than`},
		{"form-encoded (GitHub's default)", am.WebhookPath, "payload=%7B%7D", map[string]string{"Authorization": "Bearer " + am.Secret, "Content-Type": "application/x-www-form-urlencoded"}, 415, `application/json`},
		{"broken mapping", bad.WebhookPath, `{"name":"x"}`, map[string]string{"Authorization": "Bearer " + bad.Secret}, 422, `mapping`},
	}
	for _, tt := range tests {
		x := e.do("POST", tt.path, tt.body, tt.header)
		if x.status != tt.want || !strings.Contains(string(x.body), tt.inBody) {
			t.Errorf("%s: POST %s = %d %s, want %d with %s", tt.name, tt.path, x.status, truncate(string(x.body), 300), tt.want, tt.inBody)
		}
		checkWebhookOpenAPI(t, e, tt.path, tt.body, tt.header, x)
	}
	// A storage failure is 503, so the sender retries.
	store.Close()
	x := e.do("POST", am.WebhookPath, string(sample), bearer)
	if x.status != http.StatusServiceUnavailable {
		t.Errorf("POST %s with the database closed = %d %s, want 503", am.WebhookPath, x.status, x.body)
	}
	checkWebhookOpenAPI(t, e, am.WebhookPath, string(sample), bearer, x)
}

// checkWebhookOpenAPI validates one webhook exchange against openapi.yaml:
// the answer always, the request when it was accepted. (testEnv.do checks
// only /api/v1 paths.)
func checkWebhookOpenAPI(t *testing.T, e *testEnv, path, body string, header map[string]string, x exchange) {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	route, params, err := e.router.FindRoute(req)
	if err != nil {
		t.Errorf("POST %s is not described in openapi.yaml: %v", path, err)
		return
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	ctx := context.Background()
	if x.status < 400 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("POST %s answered %d, but openapi.yaml rejects the request: %v", path, x.status, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: x.status, Header: x.header, Options: opts}
	out.SetBodyBytes(x.body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("POST %s answered %d %s, which openapi.yaml does not describe: %v", path, x.status, truncate(string(x.body), 300), err)
	}
}
