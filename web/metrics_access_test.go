package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// TestMetricsAccess checks who may read /metrics (issue 17, point 8): the
// allowed addresses (loopback by default) and callers with the token;
// everyone else is refused.
func TestMetricsAccess(t *testing.T) {
	svc := debrief.NewService(openSQLite(t))
	get := func(srv *Server, addr, auth string) int {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.RemoteAddr = addr
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code == 200 && !strings.Contains(rec.Body.String(), "go_goroutines") {
			t.Errorf("GET /metrics from %s answered 200 without the metrics", addr)
		}
		return rec.Code
	}
	def := New(Config{Service: svc, Logger: slog.New(slog.DiscardHandler)})
	withToken := New(Config{Service: svc, Logger: slog.New(slog.DiscardHandler), MetricsToken: "m3trics-t0ken",
		MetricsAllow: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}})
	for _, tc := range []struct {
		name       string
		srv        *Server
		addr, auth string
		want       int
	}{
		{"default, loopback v4", def, "127.0.0.1:4000", "", 200},
		{"default, loopback v6", def, "[::1]:4000", "", 200},
		{"default, another address", def, "203.0.113.9:4000", "", 403},
		{"token, allowed range", withToken, "10.1.2.3:4000", "", 200},
		{"token, loopback not listed", withToken, "127.0.0.1:4000", "", 401},
		{"token, right token", withToken, "203.0.113.9:4000", "Bearer m3trics-t0ken", 200},
		{"token, wrong token", withToken, "10.1.2.3:4000", "Bearer nope", 401},
	} {
		if got := get(tc.srv, tc.addr, tc.auth); got != tc.want {
			t.Errorf("%s: GET /metrics from %s = %d; want %d", tc.name, tc.addr, got, tc.want)
		}
	}
}

// TestNoStore checks that what a signed-in caller reads, and the sign-in
// answer, carry Cache-Control: no-store (issue 17, point 8).
func TestNoStore(t *testing.T) {
	e := newAuthEnv(t, openSQLite(t))
	rec := e.do("POST", "/api/v1/auth/login", `{"email": "viewer@example.com", "password": "`+authPassword+`"}`, nil)
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("POST /api/v1/auth/login = %d, Cache-Control %q; want 200, no-store", rec.Code, rec.Header().Get("Cache-Control"))
	}
	c := e.session("viewer")
	for _, path := range []string{"/api/v1/auth/me", "/api/v1/incidents", "/api/v1/incidents/" + idStr(e.pub.incident),
		"/api/v1/postmortems/" + idStr(e.pub.postmortem) + "/export?format=markdown", "/api/v1/tokens"} {
		rec := e.do("GET", path, "", nil, c)
		if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s = %d, Cache-Control %q; want 200, no-store", path, rec.Code, rec.Header().Get("Cache-Control"))
		}
	}
	if rec := e.do("GET", "/api/v1/openapi.json", "", nil); rec.Header().Get("Cache-Control") == "no-store" {
		t.Errorf("GET /api/v1/openapi.json is no-store; the public description may be cached")
	}
}

// TestAccountHardening covers the account points of issue 17, point 8: an
// account without a password costs a password check like any other, a
// re-enabled account's old tokens stay dead, and a password change can
// revoke the account's tokens.
func TestAccountHardening(t *testing.T) {
	e := newAuthEnv(t, openSQLite(t))
	sys := debrief.WithActor(t.Context(), debrief.SystemActor)
	if _, err := e.svc.CreateUser(sys, debrief.NewUser{Email: "sso@example.com", Role: debrief.RoleViewer}); err != nil {
		t.Fatal(err)
	}
	counting := &countingHasher{PasswordHasher: storetest.FastHasher}
	svc := debrief.NewService(e.svc.Store(), debrief.WithPasswordHasher(counting))
	for _, who := range []string{"sso@example.com", "viewer@example.com", "nobody@example.com"} {
		before := counting.verifies
		if _, _, err := svc.Login(t.Context(), who, "not the password at all"); debrief.ErrorCode(err) != debrief.EUnauthorized {
			t.Fatalf("Login(%s, wrong) = %v; want unauthorized", who, err)
		}
		if n := counting.verifies - before; n != 1 {
			t.Errorf("Login(%s, wrong) checked %d password hashes; want 1, as for every account", who, n)
		}
	}

	// Disable and enable: the token live at disable time stays revoked.
	tok := http.Header{"Authorization": {"Bearer " + e.token("viewer", debrief.ScopeRead, nil)}}
	id := e.users["viewer"].ID
	for _, disabled := range []bool{true, false} {
		if _, err := e.svc.UpdateUser(sys, id, debrief.UserPatch{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
	}
	if rec := e.do("GET", "/api/v1/auth/me", "", tok); rec.Code != 401 {
		t.Errorf("a token live when its account was disabled, after enabling = %d; want 401", rec.Code)
	}

	// A password change that revokes the tokens, audited.
	tok = http.Header{"Authorization": {"Bearer " + e.token("responder", debrief.ScopeWrite, nil)}}
	keep := http.Header{"Authorization": {"Bearer " + e.token("admin", debrief.ScopeWrite, nil)}}
	c := e.session("responder")
	rec := e.do("POST", "/api/v1/auth/password", `{"current_password": "`+authPassword+`", "new_password": "another long passphrase", "revoke_tokens": true}`, nil, c)
	if rec.Code != 204 {
		t.Fatalf("password change with revoke_tokens = %d %s; want 204", rec.Code, rec.Body)
	}
	if rec := e.do("GET", "/api/v1/auth/me", "", tok); rec.Code != 401 {
		t.Errorf("the responder's token after a password change with revoke_tokens = %d; want 401", rec.Code)
	}
	if rec := e.do("GET", "/api/v1/auth/me", "", keep); rec.Code != 200 {
		t.Errorf("another user's token after the responder's password change = %d; want 200", rec.Code)
	}
	p, _ := e.st.ListAudit(t.Context(), debrief.AuditFilter{Action: debrief.AuditTokensRevoke})
	reasons := map[string]bool{}
	for _, a := range p.Items {
		reasons[string(mustMarshal(a.Changes))] = true
	}
	if len(p.Items) != 2 {
		t.Errorf("audit has %d %s entries %v; want 2 (the disable, the password change)", len(p.Items), debrief.AuditTokensRevoke, reasons)
	}
}

// countingHasher counts password checks.
type countingHasher struct {
	debrief.PasswordHasher
	verifies int
}

func (h *countingHasher) Verify(hash, password string) (bool, error) {
	h.verifies++
	return h.PasswordHasher.Verify(hash, password)
}

// TestImportNeedsSameOrigin checks the import routes against forms on other
// sites (issue 17, point 8): a body type a form can send without a
// preflight, with the session cookie, must come from Debrief's own pages.
func TestImportNeedsSameOrigin(t *testing.T) {
	e := newAuthEnv(t, openSQLite(t))
	c := e.session("responder")
	doc := "---\ntitle: Checkout returned 500s\n---\n\n# Summary\n\nThe checkout API failed.\n"
	post := func(path, ct, body string, hdr http.Header, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.RemoteAddr = "192.0.2.10:4711"
		req.Header.Set("Content-Type", ct)
		for k, v := range hdr {
			req.Header[k] = v
		}
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		return rec
	}
	timeline := "/api/v1/incidents/" + idStr(e.pub.incident) + "/timeline/import?format=json"
	multipartBody := "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.json\"\r\nContent-Type: application/json\r\n\r\n[{\"at\": \"2026-03-05T13:00:00Z\", \"text\": \"Probe\"}]\r\n--b--\r\n"
	for _, tc := range []struct {
		name, path, ct, body string
		hdr                  http.Header
		token                bool
		want                 int
	}{
		{"markdown as text/plain, no origin headers", "/api/v1/postmortems/import", "text/plain", doc, nil, false, 403},
		{"timeline as multipart, no origin headers", timeline, "multipart/form-data; boundary=b", multipartBody, nil, false, 403},
		{"markdown as text/plain, same-origin", "/api/v1/postmortems/import", "text/plain", doc, http.Header{"Sec-Fetch-Site": {"same-origin"}}, false, 201},
		{"timeline as multipart, Origin of this host", timeline, "multipart/form-data; boundary=b", multipartBody, http.Header{"Origin": {"http://example.com"}}, false, 201},
		{"markdown as text/markdown", "/api/v1/postmortems/import", "text/markdown", strings.Replace(doc, "500s", "502s", 1), nil, false, 201},
		{"markdown as text/plain with a token", "/api/v1/postmortems/import", "text/plain", strings.Replace(doc, "500s", "503s", 1), nil, true, 201},
	} {
		var rec *httptest.ResponseRecorder
		if tc.token {
			hdr := http.Header{"Authorization": {"Bearer " + e.token("responder", debrief.ScopeWrite, nil)}}
			rec = post(tc.path, tc.ct, tc.body, hdr)
		} else {
			rec = post(tc.path, tc.ct, tc.body, tc.hdr, c)
		}
		if rec.Code != tc.want {
			t.Errorf("%s: POST %s = %d %s; want %d", tc.name, tc.path, rec.Code, rec.Body, tc.want)
		}
	}
}
