package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/ingest"
	"github.com/debriefhq/debrief/sqlstore"
	"github.com/debriefhq/debrief/web"
)

// TestIntegrationAPI walks the integrations API as an admin and as a
// responder: create, read, change with versions, rotate the token, delete.
func TestIntegrationAPI(t *testing.T) {
	db, err := sqlstore.Open(context.Background(), filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := debrief.NewService(db, debrief.WithChecks(debrief.Checks{IntegrationConfig: ingest.CheckIntegrationConfig}), debrief.WithClock(func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) }))
	srv := httptest.NewServer(web.New(web.Config{Service: svc, Authenticate: func(r *http.Request) (debrief.Actor, error) {
		if r.Header.Get("X-Test-Role") == "responder" {
			return debrief.Actor{Email: "r@example.com", Role: debrief.RoleResponder}, nil
		}
		return debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin}, nil
	}}).Handler())
	t.Cleanup(srv.Close)
	e := &hookEnv{t: t, db: db, svc: svc, srv: srv}

	path, token, id := e.addIntegration(`{"name":"am","kind":"alertmanager"}`)
	ids := ftoa(id)
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		want                     int
		inBody                   string
	}{
		{"responder may not list", "GET", "/api/v1/integrations", "", map[string]string{"X-Test-Role": "responder"}, 403, "admin"},
		{"list", "GET", "/api/v1/integrations", "", nil, 200, `"webhook_path":"` + path + `"`},
		{"read", "GET", "/api/v1/integrations/" + ids, "", nil, 200, `"auth":"bearer"`},
		{"never shows the token", "GET", "/api/v1/integrations/" + ids, "", nil, 200, `"kind":"alertmanager"`},
		{"unknown kind", "POST", "/api/v1/integrations", `{"name":"x","kind":"nagios"}`, nil, 400, "Unknown integration kind"},
		{"duplicate name", "POST", "/api/v1/integrations", `{"name":"am","kind":"grafana"}`, nil, 409, "already exists"},
		{"bad matcher", "POST", "/api/v1/integrations", `{"name":"y","kind":"alertmanager","config":{"matchers":["severity critical"]}}`, nil, 400, "matcher"},
		{"unknown severity", "POST", "/api/v1/integrations", `{"name":"y","kind":"alertmanager","config":{"severity_map":{"critical":"P0"}}}`, nil, 400, "not a severity"},
		{"patch without version", "PATCH", "/api/v1/integrations/" + ids, `{"enabled":false}`, nil, 400, "version"},
		{"patch stale version", "PATCH", "/api/v1/integrations/" + ids, `{"enabled":false,"version":7}`, nil, 409, "changed by someone else"},
		{"signing secrets on a token integration", "PATCH", "/api/v1/integrations/" + ids, `{"signing_secrets":["abcdefghijklmnopq"],"version":1}`, nil, 400, "bearer token"},
		{"deliveries of a missing integration", "GET", "/api/v1/integrations/999/deliveries", "", nil, 404, "no integration"},
	}
	for _, tt := range tests {
		st, raw := e.raw(tt.method, tt.path, tt.body, tt.header)
		if st != tt.want || !strings.Contains(raw, tt.inBody) {
			t.Errorf("%s: %s %s = %d %s, want %d mentioning %q", tt.name, tt.method, tt.path, st, raw, tt.want, tt.inBody)
		}
		if strings.Contains(raw, token) {
			t.Errorf("%s: %s %s shows the token", tt.name, tt.method, tt.path)
		}
	}

	st, out := e.do("PATCH", "/api/v1/integrations/"+ids, []byte(`{"rotate_token":true,"version":1}`), nil)
	newToken, _ := out["secret"].(string)
	if st != 200 || newToken == "" || newToken == token {
		t.Fatalf("PATCH rotate_token = %d %v, want 200 with a new secret", st, out)
	}
	body := sample(t, "alertmanager/02-firing-single.json")
	e.post("old token after rotation", path, body, bearer(token), 401)
	e.post("new token", path, body, bearer(newToken), 200)
	st, _ = e.do("PATCH", "/api/v1/integrations/"+ids, []byte(`{"enabled":false,"version":2}`), nil)
	if st != 200 {
		t.Fatalf("PATCH enabled=false = %d, want 200", st)
	}
	e.post("disabled integration", path, body, bearer(newToken), 403)
	if st, _ := e.do("DELETE", "/api/v1/integrations/"+ids, nil, nil); st != 204 {
		t.Fatalf("DELETE = %d, want 204", st)
	}
	e.post("deleted integration", path, body, bearer(newToken), 404)
	if n := len(e.incidents()); n != 1 {
		t.Fatalf("after deleting the integration there are %d incidents, want its 1 kept", n)
	}
}

func (e *hookEnv) raw(method, path, body string, header map[string]string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, sb.String()
}
