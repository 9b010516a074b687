package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func errorMessage(t *testing.T, body string) string {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatalf("error body %q is not the API's error JSON: %v", body, err)
	}
	return b.Error.Message
}

func auditCount(t *testing.T, e *authEnv, f debrief.AuditFilter) int {
	t.Helper()
	p, err := e.st.ListAudit(context.Background(), f)
	if err != nil {
		t.Fatalf("ListAudit: %v", err)
	}
	return len(p.Items)
}

// TestAuthAttacks checks bad credentials and attacks: each gets the right
// status and a plain message, leaves an audit entry where it matters and
// changes nothing.
func TestAuthAttacks(t *testing.T) {
	bothEngines(t, testAuthAttacks)
}

func testAuthAttacks(t *testing.T, store debrief.Store) {
	e := newAuthEnv(t, store)
	incidents := func() int {
		p, _ := e.svc.ListIncidents(debrief.WithActor(context.Background(), debrief.SystemActor), debrief.IncidentFilter{})
		return len(p.Items)
	}
	before := incidents()
	create := `{"title": "Injected"}`

	t.Run("wrong password then rate limit", func(t *testing.T) {
		sys := debrief.WithActor(context.Background(), debrief.SystemActor)
		if _, err := e.svc.CreateUser(sys, debrief.NewUser{Email: "limited@example.com", Role: debrief.RoleViewer, Password: authPassword}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < loginMaxAccount; i++ {
			rec := e.do("POST", "/api/v1/auth/login", `{"email": "limited@example.com", "password": "wrong password!!"}`, nil)
			if rec.Code != 401 || errorMessage(t, rec.Body.String()) != "The email or password is not right." {
				t.Fatalf("login with a wrong password (try %d) = %d %s; want 401 with a plain message", i+1, rec.Code, rec.Body)
			}
			if len(rec.Result().Cookies()) != 0 {
				t.Errorf("a failed login set a cookie")
			}
		}
		rec := e.do("POST", "/api/v1/auth/login", `{"email": "limited@example.com", "password": "`+authPassword+`"}`, nil)
		if rec.Code != 429 || rec.Header().Get("Retry-After") == "" {
			t.Fatalf("login after %d failures = %d (Retry-After %q); want 429 with Retry-After", loginMaxAccount, rec.Code, rec.Header().Get("Retry-After"))
		}
		if n := auditCount(t, e, debrief.AuditFilter{Action: debrief.AuditLoginFailed}); n != loginMaxAccount {
			t.Errorf("audit has %d failed logins; want %d", n, loginMaxAccount)
		}
		rec = e.do("POST", "/api/v1/auth/login", `{"email": "nobody@example.com", "password": "whatever-it-is"}`, nil)
		if rec.Code != 401 || errorMessage(t, rec.Body.String()) != "The email or password is not right." {
			t.Errorf("login as an unknown email = %d %s; want the same 401 as a wrong password", rec.Code, rec.Body)
		}
	})

	t.Run("expired, revoked and malformed tokens", func(t *testing.T) {
		past := time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC).Add(time.Minute)
		expiring := e.token("responder", debrief.ScopeWrite, &past)
		revoked := e.token("responder", debrief.ScopeWrite, nil)
		id := e.do("GET", "/api/v1/auth/me", "", http.Header{"Authorization": {"Bearer " + revoked}})
		if id.Code != 200 {
			t.Fatalf("GET /auth/me with a fresh token = %d", id.Code)
		}
		toks, _ := e.st.ListTokens(context.Background(), e.users["responder"].ID)
		if _, err := e.svc.RevokeToken(debrief.WithActor(context.Background(), debrief.SystemActor), toks[0].ID); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		// The fixed clock advances a second per call, so a few calls pass the expiry.
		for i := 0; i < 120; i++ {
			e.svc.Now()
		}
		for name, tok := range map[string]string{"expired": expiring, "revoked": revoked, "malformed": "dbt_short", "wrong scheme": ""} {
			h := http.Header{"Authorization": {"Bearer " + tok}}
			if name == "wrong scheme" {
				h = http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}}
			}
			rec := e.do("POST", "/api/v1/incidents", create, h)
			if rec.Code != 401 || errorMessage(t, rec.Body.String()) == "" {
				t.Errorf("%s token POST /api/v1/incidents = %d %s; want 401 with a message", name, rec.Code, rec.Body)
			}
		}
		if n := auditCount(t, e, debrief.AuditFilter{Action: debrief.AuditTokenUse, Actor: "responder@example.com"}); n < 3 {
			t.Errorf("audit has %d token.use entries for the responder; want the first use and the refused expired and revoked ones", n)
		}
	})

	t.Run("scope too small and viewer writes", func(t *testing.T) {
		read := e.token("admin", debrief.ScopeRead, nil)
		rec := e.do("POST", "/api/v1/incidents", create, http.Header{"Authorization": {"Bearer " + read}})
		if rec.Code != 403 || !strings.Contains(errorMessage(t, rec.Body.String()), "viewer") {
			t.Errorf("read-scoped admin token POST /api/v1/incidents = %d %s; want 403 naming the viewer role", rec.Code, rec.Body)
		}
		rec = e.do("GET", "/api/v1/users", "", http.Header{"Authorization": {"Bearer " + read}})
		if rec.Code != 403 {
			t.Errorf("read-scoped admin token GET /api/v1/users = %d; want 403", rec.Code)
		}
		rec = e.do("POST", "/api/v1/incidents", create, nil, e.session("viewer"))
		if rec.Code != 403 {
			t.Errorf("viewer POST /api/v1/incidents = %d; want 403", rec.Code)
		}
		if n := auditCount(t, e, debrief.AuditFilter{Action: debrief.AuditAccessDenied, Actor: "viewer@example.com"}); n == 0 {
			t.Errorf("no access.denied audit entry for the viewer's write")
		}
	})

	t.Run("cross-origin requests", func(t *testing.T) {
		c := e.session("responder")
		for name, h := range map[string]http.Header{
			"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site": {"cross-site"}},
			"foreign Origin":            {"Origin": {"https://evil.example"}},
		} {
			rec := e.do("POST", "/api/v1/incidents", create, h, c)
			if rec.Code != 403 || !strings.Contains(errorMessage(t, rec.Body.String()), "Cross-origin") {
				t.Errorf("%s POST /api/v1/incidents with a session = %d %s; want 403 cross-origin", name, rec.Code, rec.Body)
			}
			rec = e.do("POST", "/api/v1/auth/login", `{"email": "viewer@example.com", "password": "x"}`, h)
			if rec.Code != 403 {
				t.Errorf("%s POST /api/v1/auth/login = %d; want 403 (login CSRF)", name, rec.Code)
			}
		}
		rec := e.do("POST", "/api/v1/incidents", `{"title": "Same origin"}`, http.Header{"Sec-Fetch-Site": {"same-origin"}}, c)
		if rec.Code != 201 {
			t.Errorf("same-origin POST /api/v1/incidents = %d %s; want 201", rec.Code, rec.Body)
		}
		before++
	})

	t.Run("private incident probe", func(t *testing.T) {
		c := e.session("outsider")
		hidden := e.do("GET", "/api/v1/incidents/"+itoa(e.priv.incident), "", nil, c)
		missing := e.do("GET", "/api/v1/incidents/99999", "", nil, c)
		if hidden.Code != 404 || missing.Code != 404 {
			t.Fatalf("non-member GET private = %d, GET missing = %d; want 404 for both", hidden.Code, missing.Code)
		}
		hm, mm := errorMessage(t, hidden.Body.String()), errorMessage(t, missing.Body.String())
		if strings.Replace(hm, "INC-"+itoa(e.priv.incident), "N", 1) != strings.Replace(mm, "INC-99999", "N", 1) {
			t.Errorf("private incident message %q differs from a missing one %q; want them alike", hm, mm)
		}
		list := e.do("GET", "/api/v1/incidents", "", nil, c)
		if strings.Contains(list.Body.String(), `"id":`+itoa(e.priv.incident)+`,`) {
			t.Errorf("non-member's incident list shows the private incident")
		}
	})

	if got := incidents(); got != before {
		t.Errorf("incidents after the attacks = %d; want %d (only the same-origin one added)", got, before)
	}

	t.Run("no secret in logs", func(t *testing.T) {
		tok := e.token("admin", debrief.ScopeAdmin, nil)
		e.do("GET", "/api/v1/incidents", "", http.Header{"Authorization": {"Bearer " + tok}})
		rec := e.do("POST", "/api/v1/tokens", `{"name": "logged?", "scope": "read"}`, nil, e.session("admin"))
		var created tokenCreated
		_ = json.Unmarshal(rec.Body.Bytes(), &created)
		logs := e.logs.String()
		for _, secret := range []string{authPassword, tok, created.Secret, "wrong password!!"} {
			if secret != "" && strings.Contains(logs, secret) {
				t.Errorf("the logs contain a secret (%.8s…)", secret)
			}
		}
		if !strings.Contains(logs, "/api/v1/auth/login") {
			t.Errorf("the logs hold no login request at all; the check above proves nothing")
		}
	})

	t.Run("security headers", func(t *testing.T) {
		rec := e.do("GET", "/healthz", "", nil)
		for k, v := range securityHeaders {
			if got := rec.Header().Get(k); got != v {
				t.Errorf("header %s = %q; want %q", k, got, v)
			}
		}
		// Pages, where framing could serve clickjacking, also say DENY
		// to browsers older than the CSP's frame-ancestors; API answers
		// rely on the CSP alone.
		for path, want := range map[string]string{"/login": "DENY", "/healthz": ""} {
			rec := e.do("GET", path, "", nil)
			if got := rec.Header().Get("X-Frame-Options"); got != want {
				t.Errorf("GET %s: X-Frame-Options = %q; want %q", path, got, want)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("GET %s: Content-Security-Policy = %q; want frame-ancestors 'none'", path, csp)
			}
		}
		c := e.session("viewer")
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("session cookie HttpOnly=%v SameSite=%v; want HttpOnly and Lax", c.HttpOnly, c.SameSite)
		}
	})
}

func itoa(n int64) string { return formatID(n) }

func formatID(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestPrivateIncidentProbes checks routes that name a second incident: a
// private incident the caller may not see answers exactly as a missing one,
// and no error names its key (issue 17, point 7).
func TestPrivateIncidentProbes(t *testing.T) {
	bothEngines(t, testPrivateIncidentProbes)
}

func testPrivateIncidentProbes(t *testing.T, store debrief.Store) {
	e := newAuthEnv(t, store)
	outsider := e.session("outsider")
	const missing = 987654
	privKey := debrief.IncidentKeyPrefix + strconv.FormatInt(e.priv.incident, 10)
	pub := strconv.FormatInt(e.pub.incident, 10)
	same := func(what string, private, absent *httptest.ResponseRecorder, privID, absentID int64) {
		t.Helper()
		norm := func(body string, id int64) string {
			return strings.ReplaceAll(body, strconv.FormatInt(id, 10), "N")
		}
		if private.Code != absent.Code || norm(private.Body.String(), privID) != norm(absent.Body.String(), absentID) {
			t.Errorf("%s: private incident = %d %s; missing one = %d %s; want the same answer", what, private.Code, private.Body, absent.Code, absent.Body)
		}
		if strings.Contains(private.Body.String(), privKey) {
			t.Errorf("%s: the answer names the private incident %s: %s", what, privKey, private.Body)
		}
	}
	body := func(id int64) string {
		return `{"title": "Checkout failed again", "repeat_of": ` + strconv.FormatInt(id, 10) + `}`
	}
	same("POST /api/v1/incidents with repeat_of",
		e.do("POST", "/api/v1/incidents", body(e.priv.incident), nil, outsider),
		e.do("POST", "/api/v1/incidents", body(missing), nil, outsider), e.priv.incident, missing)
	patch := func(id int64) string { return `{"repeat_of": ` + strconv.FormatInt(id, 10) + `, "version": 1}` }
	same("PATCH /api/v1/incidents/{id} with repeat_of",
		e.do("PATCH", "/api/v1/incidents/"+pub, patch(e.priv.incident), nil, outsider),
		e.do("PATCH", "/api/v1/incidents/"+pub, patch(missing), nil, outsider), e.priv.incident, missing)
	for _, method := range []string{"PATCH", "DELETE"} {
		ev := `{"text": "Probe", "version": 1}`
		same(method+" a private incident's event through a public incident's path",
			e.do(method, "/api/v1/incidents/"+pub+"/timeline/"+strconv.FormatInt(e.priv.event, 10), ev, http.Header{"If-Match": {`"1"`}}, outsider),
			e.do(method, "/api/v1/incidents/"+pub+"/timeline/"+strconv.Itoa(missing), ev, http.Header{"If-Match": {`"1"`}}, outsider), e.priv.event, missing)
	}
	admin := debrief.WithActor(context.Background(), debrief.SystemActor)
	if inc, _ := e.svc.Incident(admin, e.pub.incident); inc.RepeatOf != nil || inc.Version != 1 {
		t.Errorf("public incident after the probes: repeat_of %v, version %d; want unchanged", inc.RepeatOf, inc.Version)
	}
}

// TestStrangerCannotLockOutOwner checks the sign-in limits (issue 17,
// point 6) on both doors, the API and the sign-in page: failures from a
// stranger's address lock out unknown addresses, not the owner at an
// address they signed in from before.
func TestStrangerCannotLockOutOwner(t *testing.T) {
	doors := []struct {
		name    string
		request func(password string) *http.Request
		ok      int
	}{
		{"api", func(password string) *http.Request {
			req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"email": "admin@example.com", "password": "`+password+`"}`))
			req.Header.Set("Content-Type", "application/json")
			return req
		}, 200},
		{"page", func(password string) *http.Request {
			form := url.Values{"email": {"admin@example.com"}, "password": {password}}
			req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return req
		}, 303},
	}
	for _, door := range doors {
		t.Run(door.name, func(t *testing.T) {
			e := newAuthEnv(t, openSQLite(t))
			from := func(addr, password string) *httptest.ResponseRecorder {
				req := door.request(password)
				req.RemoteAddr = addr + ":5000"
				rec := httptest.NewRecorder()
				e.h.ServeHTTP(rec, req)
				return rec
			}
			if rec := from("192.0.2.10", authPassword); rec.Code != door.ok {
				t.Fatalf("owner's first sign-in = %d %s", rec.Code, rec.Body)
			}
			for i := 0; i < loginMaxAccount; i++ {
				if rec := from("198.51.100.7", "a wrong guess!!"); rec.Code != 401 {
					t.Fatalf("stranger's wrong password (try %d) = %d; want 401", i+1, rec.Code)
				}
			}
			if rec := from("198.51.100.7", authPassword); rec.Code != 429 {
				t.Errorf("stranger with the right password after %d failures = %d; want 429", loginMaxAccount, rec.Code)
			}
			if rec := from("203.0.113.5", authPassword); rec.Code != 429 {
				t.Errorf("another unknown address while the account is limited = %d; want 429", rec.Code)
			}
			if rec := from("192.0.2.10", authPassword); rec.Code != door.ok {
				t.Errorf("owner at their known address while strangers are locked out = %d %s; want %d", rec.Code, rec.Body, door.ok)
			}
			// The owner's success did not give the stranger fresh tries.
			if rec := from("198.51.100.7", authPassword); rec.Code != 429 {
				t.Errorf("stranger after the owner signed in = %d; want still 429", rec.Code)
			}
			// The per-address limit still holds at the known address.
			for i := 0; i < loginMaxIP; i++ {
				from("192.0.2.10", "a wrong guess!!")
			}
			if rec := from("192.0.2.10", authPassword); rec.Code != 429 {
				t.Errorf("known address after %d failures = %d; want 429 (the per-address limit)", loginMaxIP, rec.Code)
			}
		})
	}
}
