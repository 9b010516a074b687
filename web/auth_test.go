package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// authEnv is a server with real accounts: an admin, a responder, a viewer
// and an outsider (a responder who is not a member of the private incident),
// a public and a private incident with a timeline event, postmortem and
// action item each.
type authEnv struct {
	t    *testing.T
	svc  *debrief.Service
	srv  *Server
	h    http.Handler
	logs *bytes.Buffer
	st   debrief.AccountStore
	// ids of the seeded records
	users           map[string]*debrief.User
	pub, priv       seeded
	integrationID   int64
	adminTokenID    int64
	outsiderTokenID int64
}

type seeded struct {
	incident, event, postmortem, item, link, attachment int64
	section                                             string
}

const authPassword = "correct horse battery staple"

func newAuthEnv(t *testing.T, store debrief.Store) *authEnv {
	t.Helper()
	logs := &bytes.Buffer{}
	svc := debrief.NewService(store, inputChecks, debrief.WithClock(fixedClock()), debrief.WithPasswordHasher(storetest.FastHasher))
	srv := New(Config{Service: svc, InsecureCookies: true, Logger: slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, nil))})
	e := &authEnv{t: t, svc: svc, srv: srv, h: srv.Handler(), logs: logs, st: store.(debrief.AccountStore), users: map[string]*debrief.User{}}
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	for name, role := range map[string]debrief.Role{"admin": debrief.RoleAdmin, "responder": debrief.RoleResponder, "viewer": debrief.RoleViewer, "outsider": debrief.RoleResponder} {
		u, err := svc.CreateUser(sys, debrief.NewUser{Email: name + "@example.com", Role: role, Password: authPassword})
		if err != nil {
			t.Fatalf("CreateUser(%s): %v", name, err)
		}
		e.users[name] = u
	}
	member := debrief.WithActor(context.Background(), e.users["responder"].Actor("test"))
	seed := func(private bool) seeded {
		var s seeded
		inc, err := svc.CreateIncident(member, &debrief.Incident{Title: "Checkout returned 500s", Private: private})
		if err != nil {
			t.Fatalf("CreateIncident: %v", err)
		}
		s.incident = inc.ID
		if _, err := svc.AddTimelineEvents(member, inc.ID, []*debrief.TimelineEvent{{At: inc.StartedAt, Text: "Alert fired"}}, debrief.AddEventsOptions{}); err != nil {
			t.Fatalf("AddTimelineEvents: %v", err)
		}
		evs, _ := svc.ListTimeline(member, inc.ID, debrief.TimelineFilter{})
		s.event = evs[0].ID
		pm, err := svc.CreatePostmortem(member, debrief.NewPostmortem{IncidentID: &inc.ID})
		if err != nil {
			t.Fatalf("CreatePostmortem: %v", err)
		}
		s.postmortem, s.section = pm.ID, pm.Sections[0].Key
		it, err := svc.CreateActionItem(member, &debrief.ActionItem{Title: "Add a canary stage", IncidentID: &inc.ID})
		if err != nil {
			t.Fatalf("CreateActionItem: %v", err)
		}
		s.item = it.ID
		l, _, err := svc.CreatePublicLink(member, pm.ID)
		if err != nil {
			t.Fatalf("CreatePublicLink: %v", err)
		}
		s.link = l.ID
		att, err := svc.AddAttachment(member, debrief.NewAttachment{IncidentID: &inc.ID, Filename: "pool.log", Data: []byte("pool exhausted")})
		if err != nil {
			t.Fatalf("AddAttachment: %v", err)
		}
		s.attachment = att.ID
		return s
	}
	e.pub, e.priv = seed(false), seed(true)
	in, _, err := svc.CreateIntegration(sys, &debrief.Integration{Name: "prom", Kind: debrief.IntegrationKind("alertmanager")}, nil)
	if err != nil {
		t.Fatalf("CreateIntegration: %v", err)
	}
	e.integrationID = in.ID
	tok, _, err := svc.CreateToken(sys, debrief.NewAPIToken{UserID: e.users["admin"].ID, Name: "admin", Scope: debrief.ScopeAdmin})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	e.adminTokenID = tok.ID
	tok, _, err = svc.CreateToken(sys, debrief.NewAPIToken{UserID: e.users["outsider"].ID, Name: "outsider", Scope: debrief.ScopeWrite})
	if err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	e.outsiderTokenID = tok.ID
	return e
}

// session signs name in through the API and returns its cookie.
func (e *authEnv) session(name string) *http.Cookie {
	e.t.Helper()
	rec := e.do("POST", "/api/v1/auth/login", `{"email": "`+name+`@example.com", "password": "`+authPassword+`"}`, nil)
	if rec.Code != 200 {
		e.t.Fatalf("login as %s = %d %s", name, rec.Code, rec.Body)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	e.t.Fatalf("login as %s set no %s cookie", name, SessionCookie)
	return nil
}

func (e *authEnv) do(method, path, body string, hdr http.Header, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	req.RemoteAddr = "192.0.2.10:4711"
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range hdr {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func (e *authEnv) token(name string, scope debrief.TokenScope, exp *time.Time) string {
	e.t.Helper()
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	_, secret, err := e.svc.CreateToken(sys, debrief.NewAPIToken{UserID: e.users[name].ID, Name: "t-" + string(scope), Scope: scope, ExpiresAt: exp})
	if err != nil {
		e.t.Fatalf("CreateToken(%s, %s): %v", name, scope, err)
	}
	return secret
}

// publicRoutes may be called without signing in; anything else in the
// route table must name a role. A new public route has to be added here on
// purpose.
var publicRoutes = map[string]bool{
	"GET /healthz": true, "GET /readyz": true, "GET /metrics": true, "GET /api/v1/openapi.json": true,
	"POST /api/v1/auth/login": true, "GET /public/{token}": true, "POST /hooks/{id}/{kind}": true,
	"GET /auth/oidc/login": true, "GET /auth/oidc/callback": true,
	// A review participant's personal link: the token is the permission.
	"GET /api/v1/review-invites/{token}": true, "PUT /api/v1/review-invites/{token}/availability": true,
	"POST /api/v1/review-invites/{token}/busy": true, "PUT /api/v1/review-invites/{token}/answers": true,
	"GET /static/{path...}": true, "GET /login": true, "POST /login": true, "/": true,
	// The same personal link's pages, and a meeting's read-only room link.
	"GET /review/{token}": true, "POST /review/{token}": true, "POST /review/{token}/busy": true, "POST /review/{token}/answers": true,
	"GET /room/{token}": true, "GET /room/{token}/live": true,
}

// ownerRoutes are open to viewers by role, but the record decides: only the
// postmortem's owner (or a responder) plans its review, and only a
// participant marks their own times. The seeded viewer is neither, so
// these must refuse them with 403.
var ownerRoutes = map[string]bool{
	"POST /api/v1/postmortems/{id}/review": true, "PATCH /api/v1/postmortems/{id}/review": true,
	"PUT /api/v1/postmortems/{id}/review/availability": true, "POST /api/v1/postmortems/{id}/review/busy": true,
	"POST /api/v1/postmortems/{id}/review/links": true, "POST /api/v1/postmortems/{id}/review/choose": true,
	"POST /api/v1/postmortems/{id}/review/cancel": true,
	"POST /api/v1/postmortems/{id}/review/nudge":  true, "POST /api/v1/postmortems/{id}/review/meeting": true,
	"POST /api/v1/postmortems/{id}/review/meeting/steps": true, "POST /api/v1/postmortems/{id}/review/meeting/goals": true,
	"POST /api/v1/postmortems/{id}/review/meeting/end": true,
	"POST /postmortems/{id}/review/link":               true, "POST /postmortems/{id}/review/nudge": true, "POST /postmortems/{id}/review/meeting": true,
}

// participantRoutes are a participant's own page and forms, signed in:
// whoever is not invited (the seeded viewer and admin; the responder owns
// the postmortem and is invited by default) is refused with 403.
var participantRoutes = map[string]bool{
	"GET /postmortems/{id}/review/availability": true, "POST /postmortems/{id}/review/availability": true,
	"POST /postmortems/{id}/review/availability/busy": true, "POST /postmortems/{id}/review/availability/answers": true,
}

// path fills in a route's pattern with the records of s.
func (e *authEnv) path(pattern string, s seeded) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	id := strconv.FormatInt(s.incident, 10)
	switch {
	case strings.HasPrefix(path, "/api/v1/postmortems/"), strings.HasPrefix(path, "/postmortems/"):
		id = strconv.FormatInt(s.postmortem, 10)
	case strings.HasPrefix(path, "/api/v1/action-items/"), strings.HasPrefix(path, "/action-items/"):
		id = strconv.FormatInt(s.item, 10)
	case strings.HasPrefix(path, "/api/v1/attachments/"), strings.HasPrefix(path, "/attachments/"):
		id = strconv.FormatInt(s.attachment, 10)
	case strings.HasPrefix(path, "/api/v1/integrations/"), strings.HasPrefix(path, "/hooks/"):
		id = strconv.FormatInt(e.integrationID, 10)
	case strings.HasPrefix(path, "/api/v1/tokens/"):
		id = strconv.FormatInt(e.outsiderTokenID, 10)
	case strings.HasPrefix(path, "/api/v1/users/"):
		id = strconv.FormatInt(e.users["viewer"].ID, 10)
	}
	key := s.section
	if strings.HasPrefix(path, "/api/v1/templates/") {
		key = "default"
	}
	r := strings.NewReplacer("{id}", id, "{event}", strconv.FormatInt(s.event, 10), "{key}", key,
		"{version}", "1", "{link}", strconv.FormatInt(s.link, 10), "{kind}", "alertmanager", "{token}", "x")
	path = strings.TrimSuffix(r.Replace(path), "{$}")
	if strings.HasSuffix(path, "/timeline/import") {
		path += "?format=json"
	}
	if method == "POST" && strings.HasSuffix(path, "/attachments") {
		path += "?filename=probe.json"
	}
	return method, path
}

// bodyFor is a plausible body for a route, so that a caller who may use it
// gets past validation to the permission and visibility checks.
func bodyFor(pattern string) string {
	switch pattern {
	case "PATCH /api/v1/incidents/{id}", "PATCH /api/v1/postmortems/{id}", "PATCH /api/v1/action-items/{id}":
		return `{"title": "Renamed by the matrix", "version": 1}`
	case "POST /api/v1/incidents/{id}/timeline":
		return `{"at": "2026-03-05T13:00:00Z", "text": "Probe"}`
	case "PATCH /api/v1/incidents/{id}/timeline/{event}":
		return `{"text": "Probe", "version": 1}`
	case "PATCH /api/v1/postmortems/{id}/sections/{key}":
		return `{"body": "Probe", "version": 1}`
	case "POST /api/v1/incidents/{id}/timeline/import":
		return `[{"at": "2026-03-05T13:00:00Z", "text": "Probe"}]`
	case "PUT /api/v1/postmortems/{id}/review/availability":
		// The responder owns the postmortem and so is invited by default.
		return `{"participant": "responder@example.com", "available": [], "version": 1}`
	case "PUT /api/v1/postmortems/{id}/project/dates":
		return `{"base_version": 0}`
	case "PUT /api/v1/postmortems/{id}/project/metrics":
		return `{"metrics": [], "base_version": 0}`
	case "PUT /api/v1/postmortems/{id}/project/feedback":
		return `{"text": "Probe", "base_version": 0}`
	case "PUT /api/v1/postmortems/{id}/review/answers":
		return `{"went_well": "Probe", "version": 0}`
	case "POST /api/v1/postmortems/{id}/review/busy":
		// A loopback URL: refused before any request leaves the test.
		return `{"participant": "responder@example.com", "url": "http://127.0.0.1:1/cal.ics", "version": 1}`
	}
	return `{}`
}

// TestPermissionMatrix walks every route of the route table as anonymous,
// viewer, responder and admin, and as a non-member on a private incident,
// and checks each status: 401 without credentials, 403 below the route's
// role, neither at or above it, and 404 for a private incident's records
// to a non-member.
func TestPermissionMatrix(t *testing.T) {
	bothEngines(t, testPermissionMatrix)
}

func testPermissionMatrix(t *testing.T, store debrief.Store) {
	e := newAuthEnv(t, store)
	roles := []string{"viewer", "responder", "admin"}
	rank := map[debrief.Role]int{debrief.RoleViewer: 0, debrief.RoleResponder: 1, debrief.RoleAdmin: 2}
	walked := 0
	for _, rt := range e.srv.Routes() {
		if rt.Role == "" {
			if !publicRoutes[rt.Pattern] {
				t.Errorf("route %q has no role and is not a known public route; give it a role or add it to publicRoutes on purpose", rt.Pattern)
			}
			continue
		}
		walked++
		method, path := e.path(rt.Pattern, e.pub)
		body := bodyFor(rt.Pattern)
		ifMatch := http.Header{"If-Match": {`"1"`}}
		if rec := e.do(method, path, body, ifMatch); rec.Code != 401 {
			t.Errorf("anonymous %s %s = %d; want 401", method, path, rec.Code)
		}
		if rec := e.do(method, path, body, http.Header{"If-Match": {`"1"`}, "Authorization": {"Bearer dbt_not-a-token"}}); rec.Code != 401 {
			t.Errorf("bad token %s %s = %d; want 401", method, path, rec.Code)
		}
		for i, name := range roles {
			rec := e.do(method, path, body, ifMatch, e.session(name))
			if i < rank[rt.Role] || (name == "viewer" && ownerRoutes[rt.Pattern]) || (name != "responder" && participantRoutes[rt.Pattern]) {
				if rec.Code != 403 {
					t.Errorf("%s %s %s = %d %s; want 403 (route needs %s)", name, method, path, rec.Code, rec.Body, rt.Role)
				}
			} else if rec.Code == 401 || rec.Code == 403 || rec.Code >= 500 {
				t.Errorf("%s %s %s = %d %s; want it allowed (route needs %s)", name, method, path, rec.Code, rec.Body, rt.Role)
			}
		}
		// Records of the private incident, to someone who is not a member.
		if strings.Contains(rt.Pattern, "{id}") && (strings.Contains(rt.Pattern, "/incidents/") || strings.Contains(rt.Pattern, "/postmortems/") || strings.Contains(rt.Pattern, "/action-items/") || strings.Contains(rt.Pattern, "/attachments/")) {
			method, path := e.path(rt.Pattern, e.priv)
			rec := e.do(method, path, body, ifMatch, e.session("outsider"))
			want := 404
			if rt.Role == debrief.RoleAdmin {
				want = 403 // the same for every id, so it reveals nothing
			}
			if rec.Code != want {
				t.Errorf("non-member %s %s (private) = %d %s; want %d", method, path, rec.Code, rec.Body, want)
			}
		}
	}
	if walked < 40 {
		t.Errorf("walked %d routes with a role; want the whole table", walked)
	}
	// Nothing of the private incident changed.
	admin := debrief.WithActor(context.Background(), debrief.SystemActor)
	inc, err := e.svc.Incident(admin, e.priv.incident)
	if err != nil || inc.Version != 1 || inc.Title != "Checkout returned 500s" {
		t.Errorf("private incident after the non-member's requests = %+v, %v; want it unchanged at version 1", inc, err)
	}
	probes, _ := e.st.ListAudit(context.Background(), debrief.AuditFilter{Action: debrief.AuditAccessDenied, Actor: "outsider@example.com"})
	if len(probes.Items) == 0 {
		t.Errorf("no %s audit entries for the non-member's probes; want them recorded", debrief.AuditAccessDenied)
	}
}

// TestTokenScopeBoundsEveryRoute walks the route table with an admin's
// read-scope token: it reads what a viewer reads and changes nothing, the
// account routes open to every role included (password, token revocation).
func TestTokenScopeBoundsEveryRoute(t *testing.T) {
	bothEngines(t, testTokenScopeBoundsEveryRoute)
}

func testTokenScopeBoundsEveryRoute(t *testing.T, store debrief.Store) {
	e := newAuthEnv(t, store)
	read := http.Header{"Authorization": {"Bearer " + e.token("admin", debrief.ScopeRead, nil)}, "If-Match": {`"1"`}}
	for _, rt := range e.srv.Routes() {
		if rt.Role == "" {
			continue
		}
		method, path := e.path(rt.Pattern, e.pub)
		rec := e.do(method, path, bodyFor(rt.Pattern), read)
		switch {
		case method != "GET" && !readOnlyPosts[rt.Pattern]:
			if rec.Code != 403 {
				t.Errorf("read token %s %s = %d %s; want 403 (a read token changes nothing)", method, path, rec.Code, rec.Body)
			}
		case rt.Role != debrief.RoleViewer:
			if rec.Code != 403 {
				t.Errorf("read token %s %s = %d; want 403 (route needs %s)", method, path, rec.Code, rt.Role)
			}
		case rec.Code == 401 || rec.Code == 403 || rec.Code >= 500:
			t.Errorf("read token %s %s = %d %s; want it allowed (a viewer route that changes nothing)", method, path, rec.Code, rec.Body)
		}
	}
	// No token was revoked, the admin token still works, and the password
	// is the old one.
	admin := e.token("admin", debrief.ScopeAdmin, nil)
	ctx := debrief.WithActor(context.Background(), debrief.SystemActor)
	toks, _ := e.svc.Tokens(ctx, true)
	for _, tok := range toks {
		if tok.RevokedAt != nil {
			t.Errorf("token %d (%s) was revoked by a read token's requests", tok.ID, tok.Name)
		}
	}
	if rec := e.do("GET", "/api/v1/auth/me", "", http.Header{"Authorization": {"Bearer " + admin}}); rec.Code != 200 {
		t.Errorf("admin token after the read token's requests = %d; want 200", rec.Code)
	}
	e.session("admin") // signs in with the original password or fails

	// Tokens of any scope cannot change their owner's password.
	for _, scope := range []debrief.TokenScope{debrief.ScopeRead, debrief.ScopeWrite, debrief.ScopeAdmin} {
		tok := http.Header{"Authorization": {"Bearer " + e.token("viewer", scope, nil)}}
		rec := e.do("POST", "/api/v1/auth/password", `{"current_password": "`+authPassword+`", "new_password": "a brand new passphrase"}`, tok)
		if rec.Code != 403 {
			t.Errorf("%s token POST /api/v1/auth/password with the right current password = %d %s; want 403", scope, rec.Code, rec.Body)
		}
	}
	e.session("viewer")
}

// TestChangePasswordLimited checks that wrong current passwords count
// toward the sign-in limits: a stolen session cannot guess without bound.
func TestChangePasswordLimited(t *testing.T) {
	e := newAuthEnv(t, openSQLite(t))
	c := e.session("viewer")
	var last int
	for i := 0; i < loginMaxIP+1; i++ {
		rec := e.do("POST", "/api/v1/auth/password", `{"current_password": "guess number `+strconv.Itoa(i)+`", "new_password": "a brand new passphrase"}`, nil, c)
		last = rec.Code
		if last == 429 {
			if rec.Header().Get("Retry-After") == "" {
				t.Errorf("429 without Retry-After")
			}
			break
		}
		if last != 400 {
			t.Fatalf("wrong current password (try %d) = %d %s; want 400", i+1, rec.Code, rec.Body)
		}
	}
	if last != 429 {
		t.Fatalf("after %d wrong current passwords the answer is %d; want 429", loginMaxIP+1, last)
	}
	rec := e.do("POST", "/api/v1/auth/password", `{"current_password": "`+authPassword+`", "new_password": "a brand new passphrase"}`, nil, c)
	if rec.Code != 429 {
		t.Errorf("right current password while limited = %d; want 429 (the guess is not checked)", rec.Code)
	}
}
