package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// TestAuditAPI reads the audit log through the API: changes made by API
// calls are there with who, what and from where; JSON lines export every
// entry; only admins may read it.
func TestAuditAPI(t *testing.T) {
	e := newAuthEnv(t, openSQLite(t))
	admin := e.session("admin")
	if rec := e.do("POST", "/api/v1/incidents", `{"title": "Search was slow"}`, http.Header{"User-Agent": {"audit-test/1"}}, admin); rec.Code != 201 {
		t.Fatalf("POST /api/v1/incidents = %d %s", rec.Code, rec.Body)
	}
	if rec := e.do("POST", "/api/v1/integrations", `{"name": "grafana", "kind": "grafana"}`, nil, admin); rec.Code != 201 {
		t.Fatalf("POST /api/v1/integrations = %d %s", rec.Code, rec.Body)
	}
	rec := e.do("GET", "/api/v1/audit?actor=admin@example.com", "", nil, admin)
	if rec.Code != 200 {
		t.Fatalf("GET /api/v1/audit = %d %s", rec.Code, rec.Body)
	}
	var page debrief.Page[*debrief.AuditEntry]
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
		t.Fatal(err)
	}
	byAction := map[string]*debrief.AuditEntry{}
	for _, en := range page.Items {
		if byAction[en.Action] == nil {
			byAction[en.Action] = en
		}
	}
	for _, want := range []string{debrief.AuditLogin, "incident.create", debrief.AuditIntegrationCreate} {
		if byAction[want] == nil {
			t.Errorf("GET /api/v1/audit?actor=admin has no %s entry; got %v", want, auditActions(page.Items))
		}
	}
	if l := byAction[debrief.AuditLogin]; l != nil && (l.IP != "192.0.2.10" || l.ActorID != e.users["admin"].ID) {
		t.Errorf("login audit entry = %+v; want the client address and the admin's id", l)
	}
	// The Service writes the integration's entry; the request's origin
	// reaches it through the context.
	if l := byAction[debrief.AuditIntegrationCreate]; l != nil && (l.IP != "192.0.2.10" || l.TargetType != debrief.TargetIntegration || l.TargetID == "") {
		t.Errorf("integration.create audit entry = %+v; want the client address and the new integration as target", l)
	}
	rec = e.do("GET", "/api/v1/audit?format=jsonl", "", nil, admin)
	lines := strings.Split(strings.TrimSpace(rec.Body.String()), "\n")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/jsonl" || len(lines) < len(page.Items) {
		t.Fatalf("GET /api/v1/audit?format=jsonl = %d %s with %d lines; want JSON lines of every entry", rec.Code, rec.Header().Get("Content-Type"), len(lines))
	}
	for _, l := range lines {
		var en debrief.AuditEntry
		if err := json.Unmarshal([]byte(l), &en); err != nil || en.Action == "" {
			t.Fatalf("JSON line %q: %v", l, err)
		}
	}
	if rec := e.do("GET", "/api/v1/audit", "", nil, e.session("responder")); rec.Code != 403 {
		t.Errorf("responder GET /api/v1/audit = %d; want 403", rec.Code)
	}
	if rec := e.do("GET", "/api/v1/audit?since=yesterday", "", nil, admin); rec.Code != 400 {
		t.Errorf("GET /api/v1/audit?since=yesterday = %d; want 400", rec.Code)
	}
}

func auditActions(es []*debrief.AuditEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Action
	}
	return out
}

// TestSessionLifecycle: logout ends the session server-side, a password
// change ends every session, an expired session is refused.
func TestSessionLifecycle(t *testing.T) {
	e := newAuthEnv(t, openSQLite(t))
	c := e.session("viewer")
	if rec := e.do("GET", "/api/v1/auth/me", "", nil, c); rec.Code != 200 {
		t.Fatalf("GET /auth/me with a session = %d", rec.Code)
	}
	if rec := e.do("POST", "/api/v1/auth/logout", "", nil, c); rec.Code != 204 {
		t.Fatalf("POST /auth/logout = %d", rec.Code)
	}
	if rec := e.do("GET", "/api/v1/auth/me", "", nil, c); rec.Code != 401 {
		t.Errorf("GET /auth/me with a logged-out cookie = %d; want 401 (the session is gone from the database)", rec.Code)
	}
	c1, c2 := e.session("viewer"), e.session("viewer")
	rec := e.do("POST", "/api/v1/auth/password", `{"current_password": "wrong-wrong-wrong", "new_password": "another long passphrase"}`, nil, c1)
	if rec.Code != 400 {
		t.Errorf("password change with a wrong current password = %d; want 400", rec.Code)
	}
	rec = e.do("POST", "/api/v1/auth/password", `{"current_password": "`+authPassword+`", "new_password": "another long passphrase"}`, nil, c1)
	if rec.Code != 204 {
		t.Fatalf("password change = %d %s", rec.Code, rec.Body)
	}
	if rec := e.do("GET", "/api/v1/auth/me", "", nil, c2); rec.Code != 401 {
		t.Errorf("another session after a password change = %d; want 401", rec.Code)
	}
	if rec := e.do("POST", "/api/v1/auth/login", `{"email": "viewer@example.com", "password": "another long passphrase"}`, nil); rec.Code != 200 {
		t.Errorf("login with the new password = %d; want 200", rec.Code)
	}
	// An expired session: the clock passes the TTL.
	c3 := e.session("admin")
	short := New(Config{Service: debrief.NewService(e.svc.Store(), debrief.WithClock(func() time.Time { return farFuture }),
		debrief.WithPasswordHasher(nil)), InsecureCookies: true})
	rr := httptestDo(short.Handler(), "GET", "/api/v1/auth/me", c3)
	if rr != 401 {
		t.Errorf("GET /auth/me with a session past its expiry = %d; want 401", rr)
	}
}

var farFuture = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)

func httptestDo(h http.Handler, method, path string, c *http.Cookie) int {
	req := httptest.NewRequest(method, path, nil)
	req.AddCookie(c)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// TestUsersAndTokensAPI: admins add users (a one-time password when none
// is given), cannot demote themselves; a user's token is shown once and
// revoked tokens stop working; non-admins cannot revoke others' tokens.
func TestUsersAndTokensAPI(t *testing.T) {
	e := newAuthEnv(t, openSQLite(t))
	admin := e.session("admin")
	rec := e.do("POST", "/api/v1/users", `{"email": "Carol@Example.com", "role": "responder"}`, nil, admin)
	var created userCreated
	if err := json.Unmarshal(rec.Body.Bytes(), &created); rec.Code != 201 || err != nil || created.OneTimePassword == "" || created.User.Email != "carol@example.com" {
		t.Fatalf("POST /api/v1/users = %d %s; want 201 with a one-time password and the email lowercased", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "argon2") {
		t.Errorf("the user answer holds the password hash")
	}
	if rec := e.do("POST", "/api/v1/auth/login", `{"email": "carol@example.com", "password": "`+created.OneTimePassword+`"}`, nil); rec.Code != 200 {
		t.Errorf("login with the one-time password = %d; want 200", rec.Code)
	}
	if rec := e.do("POST", "/api/v1/users", `{"email": "carol@example.com", "role": "viewer"}`, nil, admin); rec.Code != 409 {
		t.Errorf("POST /api/v1/users with an existing email = %d; want 409", rec.Code)
	}
	if rec := e.do("PATCH", "/api/v1/users/"+itoa(e.users["admin"].ID), `{"role": "viewer"}`, nil, admin); rec.Code != 422 {
		t.Errorf("admin demoting themself = %d; want 422", rec.Code)
	}
	if rec := e.do("PATCH", "/api/v1/users/"+itoa(created.User.ID), `{"role": "root"}`, nil, admin); rec.Code != 400 {
		t.Errorf("PATCH role root = %d; want 400", rec.Code)
	}

	viewer := e.session("viewer")
	rec = e.do("POST", "/api/v1/tokens", `{"name": "laptop", "scope": "admin"}`, nil, viewer)
	var tc tokenCreated
	if err := json.Unmarshal(rec.Body.Bytes(), &tc); rec.Code != 201 || err != nil || tc.Secret == "" {
		t.Fatalf("POST /api/v1/tokens = %d %s", rec.Code, rec.Body)
	}
	bearer := http.Header{"Authorization": {"Bearer " + tc.Secret}}
	me := e.do("GET", "/api/v1/auth/me", "", bearer)
	if !strings.Contains(me.Body.String(), `"role":"viewer"`) {
		t.Errorf("an admin-scoped token of a viewer acts as %s; want viewer (never more than the user)", me.Body)
	}
	list := e.do("GET", "/api/v1/tokens", "", nil, viewer)
	if strings.Contains(list.Body.String(), tc.Secret) || !strings.Contains(list.Body.String(), "laptop") {
		t.Errorf("GET /api/v1/tokens = %s; want the token listed without its secret", list.Body)
	}
	if rec := e.do("GET", "/api/v1/tokens?all=true", "", nil, viewer); rec.Code != 403 {
		t.Errorf("viewer GET /api/v1/tokens?all=true = %d; want 403", rec.Code)
	}
	if rec := e.do("DELETE", "/api/v1/tokens/"+itoa(e.adminTokenID), "", nil, viewer); rec.Code != 404 {
		t.Errorf("viewer revoking the admin's token = %d; want 404", rec.Code)
	}
	if rec := e.do("DELETE", "/api/v1/tokens/"+itoa(tc.Token.ID), "", nil, viewer); rec.Code != 200 {
		t.Errorf("revoking one's own token = %d; want 200", rec.Code)
	}
	if rec := e.do("GET", "/api/v1/auth/me", "", bearer); rec.Code != 401 {
		t.Errorf("a revoked token = %d; want 401", rec.Code)
	}
}
