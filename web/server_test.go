package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/debriefhq/debrief/debrief"
)

func TestRequestLogs(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	f := seed(t, e)
	secret := "tok_3f9a1c-very-secret"
	x := e.do("PATCH", e.expand(f, "/api/v1/incidents/{inc}"), `{"impact":"customer wrote: my card number is 4111"}`, map[string]string{
		"Authorization": "Bearer " + secret, "Cookie": "session=" + secret, "If-Match": `"1"`, "X-Request-Id": "req-from-proxy-1",
	})
	if x.status != 200 {
		t.Fatalf("PATCH = %d %s, want 200", x.status, x.body)
	}
	if got := x.header.Get("X-Request-Id"); got != "req-from-proxy-1" {
		t.Errorf("X-Request-Id = %q, want the caller's req-from-proxy-1", got)
	}
	logs := e.logs.String()
	for _, leak := range []string{secret, "4111"} {
		if strings.Contains(logs, leak) {
			t.Errorf("request log contains %q (a credential or body content):\n%s", leak, logs)
		}
	}
	var entry map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == "request" && m["request_id"] == "req-from-proxy-1" {
			entry = m
		}
	}
	if entry == nil {
		t.Fatalf("no request log entry with request_id req-from-proxy-1 in:\n%s", logs)
	}
	want := map[string]any{"method": "PATCH", "route": "PATCH /api/v1/incidents/{id}", "status": float64(200)}
	for k, v := range want {
		if entry[k] != v {
			t.Errorf("log entry %s = %v, want %v (entry %v)", k, entry[k], v, entry)
		}
	}
	if _, ok := entry["duration"]; !ok {
		t.Errorf("log entry lacks duration: %v", entry)
	}

	// An id a proxy sends that is not plain is replaced, not echoed.
	x = e.do("GET", "/healthz", "", map[string]string{"X-Request-Id": "evil\r\nSet-Cookie: x"})
	if got := x.header.Get("X-Request-Id"); got == "" || strings.ContainsAny(got, "\r\n ") {
		t.Errorf("X-Request-Id for a bad incoming id = %q, want a fresh plain id", got)
	}
}

func TestMetricsByRoutePattern(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, openSQLite(t), Config{Registry: reg})
	f := seed(t, e)
	e.do("GET", e.expand(f, "/api/v1/incidents/{inc}"), "", nil)
	e.do("GET", "/api/v1/incidents/99999", "", nil)
	e.do("GET", "/no/such/page", "", nil)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]float64{}
	for _, mf := range families {
		if mf.GetName() != "debrief_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			counts[labels["method"]+" "+labels["route"]+" "+labels["status"]] += m.GetCounter().GetValue()
		}
	}
	for key, want := range map[string]float64{
		"GET GET /api/v1/incidents/{id} 200": 1,
		"GET GET /api/v1/incidents/{id} 404": 1,
		"GET unmatched 404":                  1,
	} {
		if counts[key] != want {
			t.Errorf("debrief_http_requests_total{%s} = %v, want %v (all: %v)", key, counts[key], want, counts)
		}
	}
	// A second server on the same registry shares the collectors.
	New(Config{Service: e.svc, Open: true, Registry: reg})
}

func TestPanicBecomes500(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	h := e.srv.middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("nil map write in a handler")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/incidents", nil))
	var b errorBody
	_ = json.Unmarshal(rec.Body.Bytes(), &b)
	id := rec.Header().Get("X-Request-Id")
	if rec.Code != 500 || b.Error.Code != "internal" || !strings.Contains(b.Error.Message, id) {
		t.Errorf("panicking handler answered %d %s, want 500 internal naming request id %s", rec.Code, rec.Body, id)
	}
	if strings.Contains(rec.Body.String(), "nil map") {
		t.Errorf("500 body leaks the panic: %s", rec.Body)
	}
	if !strings.Contains(e.logs.String(), "nil map write in a handler") {
		t.Errorf("the panic is not logged:\n%s", e.logs)
	}
}

func TestInternalErrorsAreLoggedNotShown(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/api/v1/incidents", nil)
	e.srv.middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.srv.renderError(w, r, errors.New("sqlite: disk I/O error at page 7"))
	})).ServeHTTP(rec, r)
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "sqlite") {
		t.Errorf("uncoded error answered %d %s, want 500 without detail", rec.Code, rec.Body)
	}
	if !strings.Contains(e.logs.String(), "disk I/O error at page 7") {
		t.Errorf("the internal error is not logged in full:\n%s", e.logs)
	}
}

func TestAuthenticationAndRoles(t *testing.T) {
	store := openSQLite(t)
	cases := []struct {
		name         string
		auth         func(*http.Request) (debrief.Actor, error)
		method, path string
		body         string
		status       int
		code         string
	}{
		{"no credentials", func(*http.Request) (debrief.Actor, error) {
			return debrief.Actor{}, debrief.Errorf(debrief.EUnauthorized, "", "Sign in or send an API token.")
		}, "GET", "/api/v1/incidents", "", 401, "unauthorized"},
		{"viewer reads", func(*http.Request) (debrief.Actor, error) {
			return debrief.Actor{Email: "v@example.com", Role: debrief.RoleViewer}, nil
		}, "GET", "/api/v1/incidents", "", 200, ""},
		{"viewer cannot create", func(*http.Request) (debrief.Actor, error) {
			return debrief.Actor{Email: "v@example.com", Role: debrief.RoleViewer}, nil
		}, "POST", "/api/v1/incidents", `{"title":"DNS outage"}`, 403, "forbidden"},
		{"responder cannot delete incidents", func(*http.Request) (debrief.Actor, error) {
			return debrief.Actor{Email: "r@example.com", Role: debrief.RoleResponder}, nil
		}, "DELETE", "/api/v1/incidents/1", "", 403, "forbidden"},
		{"health needs no credentials", func(*http.Request) (debrief.Actor, error) {
			return debrief.Actor{}, debrief.Errorf(debrief.EUnauthorized, "", "Sign in.")
		}, "GET", "/healthz", "", 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, store, Config{Authenticate: c.auth})
			x := e.do(c.method, c.path, c.body, map[string]string{"If-Match": `"1"`})
			code, _ := x.errorCode()
			if x.status != c.status || code != c.code {
				t.Errorf("%s %s = %d %q, want %d %q", c.method, c.path, x.status, code, c.status, c.code)
			}
			if c.status == 401 && x.header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
}

func TestReadyzWhenDatabaseIsGone(t *testing.T) {
	store := openSQLite(t)
	e := newEnv(t, store, Config{})
	e.must(200, "GET", "/readyz", "", nil)
	store.Close()
	x := e.do("GET", "/readyz", "", nil)
	if code, _ := x.errorCode(); x.status != 503 || code != "unavailable" {
		t.Errorf("GET /readyz on a closed database = %d %q, want 503 unavailable", x.status, code)
	}
	e.must(200, "GET", "/healthz", "", nil)
}
