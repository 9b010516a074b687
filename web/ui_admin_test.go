package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// adminUIEnv is a server with an admin (ada), a responder (rita) and a
// viewer (vic), each signed in through the form.
type adminUIEnv struct {
	t                 *testing.T
	svc               *debrief.Service
	h                 http.Handler
	ada, rita, vic    *http.Cookie
	adaUser, ritaUser *debrief.User
	sys               context.Context
}

func newAdminUIEnv(t *testing.T, store debrief.Store) *adminUIEnv {
	t.Helper()
	svc := debrief.NewService(store, debrief.WithPasswordHasher(storetest.FastHasher), inputChecks)
	h := New(Config{Service: svc, InsecureCookies: true, PublicURL: "https://debrief.example.com", Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))}).Handler()
	e := &adminUIEnv{t: t, svc: svc, h: h, sys: debrief.WithActor(context.Background(), debrief.SystemActor)}
	users := map[string]*debrief.User{}
	for name, role := range map[string]debrief.Role{"ada": debrief.RoleAdmin, "rita": debrief.RoleResponder, "vic": debrief.RoleViewer} {
		u, err := svc.CreateUser(e.sys, debrief.NewUser{Email: name + "@example.com", Role: role, Password: authPassword})
		if err != nil {
			t.Fatal(err)
		}
		users[name] = u
	}
	e.adaUser, e.ritaUser = users["ada"], users["rita"]
	e.ada, e.rita, e.vic = uiSignIn(t, h, "ada@example.com"), uiSignIn(t, h, "rita@example.com"), uiSignIn(t, h, "vic@example.com")
	return e
}

// forbidden checks that a responder and a viewer get 403 on a page and a post.
func (e *adminUIEnv) forbidden(method, path string, form url.Values) {
	e.t.Helper()
	for name, c := range map[string]*http.Cookie{"responder": e.rita, "viewer": e.vic} {
		if rec := uiRequest(e.h, method, path, form, c); rec.Code != http.StatusForbidden {
			e.t.Errorf("%s %s %s = %d; want 403", name, method, path, rec.Code)
		}
	}
}

func TestUIAdminUsers(t *testing.T) {
	bothEngines(t, func(t *testing.T, store debrief.Store) {
		e := newAdminUIEnv(t, store)
		// Inviting with a password shows a one-time password that works.
		rec := uiRequest(e.h, "POST", "/admin/users", url.Values{"email": {"Nora@Example.com"}, "name": {"Nora"}, "role": {"responder"}, "sign_in": {"password"}}, e.ada)
		pw := regexp.MustCompile(`id="one-time-password" readonly value="([^"]+)"`).FindStringSubmatch(rec.Body.String())
		if rec.Code != http.StatusCreated || pw == nil || rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("invite = %d; want 201 with the one-time password, not cached:\n%s", rec.Code, rec.Body)
		}
		if login := uiRequest(e.h, "POST", "/login", url.Values{"email": {"nora@example.com"}, "password": {pw[1]}}); login.Code != http.StatusSeeOther {
			t.Errorf("signing in with the one-time password = %d; want 303", login.Code)
		}
		if page := uiRequest(e.h, "GET", "/admin/users", nil, e.ada); page.Code != 200 || strings.Contains(page.Body.String(), pw[1]) || !strings.Contains(page.Body.String(), "nora@example.com") {
			t.Errorf("the users page = %d; want it to list nora and never show the password again", page.Code)
		}
		// A bad address is a sentence by the field, with the text kept.
		rec = uiRequest(e.h, "POST", "/admin/users", url.Values{"email": {"not an address"}, "name": {"Kept Name"}, "role": {"admin"}, "sign_in": {"sso"}}, e.ada)
		body := rec.Body.String()
		if rec.Code != 422 || !strings.Contains(body, `id="email-error"`) || !strings.Contains(body, `value="not an address"`) || !strings.Contains(body, `value="Kept Name"`) ||
			!strings.Contains(body, `<option value="admin" selected>`) || !strings.Contains(body, `value="sso" checked`) {
			t.Errorf("invite with a bad address = %d; want 422, the sentence by the email field and everything kept:\n%s", rec.Code, body)
		}
		rec = uiRequest(e.h, "POST", "/admin/users", url.Values{"email": {"nora@example.com"}, "role": {"viewer"}, "sign_in": {"password"}}, e.ada)
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), "There is already an account for nora@example.com.") {
			t.Errorf("inviting an existing address = %d; want 422 saying so:\n%s", rec.Code, rec.Body)
		}
		nora, err := e.svc.UserByEmail(e.sys, "nora@example.com")
		if err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(nora.ID, 10)
		// Role, disable, enable: each a post and a 303.
		for _, tc := range []struct {
			form  url.Values
			check func(u *debrief.User) bool
		}{
			{url.Values{"action": {"role"}, "role": {"viewer"}}, func(u *debrief.User) bool { return u.Role == debrief.RoleViewer }},
			{url.Values{"action": {"disable"}}, func(u *debrief.User) bool { return u.Disabled }},
			{url.Values{"action": {"enable"}}, func(u *debrief.User) bool { return !u.Disabled }},
		} {
			rec := uiRequest(e.h, "POST", "/admin/users/"+id, tc.form, e.ada)
			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/admin/users?updated="+id {
				t.Errorf("update %v = %d %q; want 303 to the users page", tc.form, rec.Code, rec.Header().Get("Location"))
			}
			if u, _ := e.svc.UserByEmail(e.sys, "nora@example.com"); !tc.check(u) {
				t.Errorf("after %v the account is %+v", tc.form, u)
			}
		}
		// Refused changes are sentences on the row.
		rec = uiRequest(e.h, "POST", "/admin/users/"+strconv.FormatInt(e.adaUser.ID, 10), url.Values{"action": {"role"}, "role": {"viewer"}}, e.ada)
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), "You cannot change your own role") {
			t.Errorf("demoting oneself = %d; want 422 with the sentence:\n%s", rec.Code, rec.Body)
		}
		rec = uiRequest(e.h, "POST", "/admin/users/"+id, url.Values{"action": {"allow_sso"}}, e.ada)
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), "signs in with a password") {
			t.Errorf("allowing SSO on a password account = %d; want 422 with the sentence:\n%s", rec.Code, rec.Body)
		}
		// An account made for single sign-on may link; the admin withdraws and allows again.
		if rec := uiRequest(e.h, "POST", "/admin/users", url.Values{"email": {"sam@example.com"}, "role": {"viewer"}, "sign_in": {"sso"}}, e.ada); rec.Code != 201 || strings.Contains(rec.Body.String(), "one-time-password") {
			t.Fatalf("invite for SSO = %d; want 201 without a password:\n%s", rec.Code, rec.Body)
		}
		sam, _ := e.svc.UserByEmail(e.sys, "sam@example.com")
		if !sam.AllowSSOLink {
			t.Fatal("an account made for single sign-on does not allow a link")
		}
		samID := strconv.FormatInt(sam.ID, 10)
		for _, action := range []string{"deny_sso", "allow_sso"} {
			if rec := uiRequest(e.h, "POST", "/admin/users/"+samID, url.Values{"action": {action}}, e.ada); rec.Code != http.StatusSeeOther {
				t.Errorf("%s = %d", action, rec.Code)
			}
			if u, _ := e.svc.UserByEmail(e.sys, "sam@example.com"); u.AllowSSOLink != (action == "allow_sso") {
				t.Errorf("after %s AllowSSOLink = %v", action, u.AllowSSOLink)
			}
		}
		e.forbidden("GET", "/admin/users", nil)
		e.forbidden("POST", "/admin/users", url.Values{"email": {"eve@example.com"}, "role": {"admin"}, "sign_in": {"password"}})
		e.forbidden("POST", "/admin/users/"+strconv.FormatInt(e.ritaUser.ID, 10), url.Values{"action": {"role"}, "role": {"admin"}})
		if u, _ := e.svc.UserByEmail(e.sys, "rita@example.com"); u.Role != debrief.RoleResponder {
			t.Errorf("after a responder's forged post rita is %s", u.Role)
		}
		if _, err := e.svc.UserByEmail(e.sys, "eve@example.com"); debrief.ErrorCode(err) != debrief.ENotFound {
			t.Errorf("a forged invite made an account: %v", err)
		}
	})
}

// hook posts to a webhook with a bearer token.
func hook(h http.Handler, path, token, body string) int {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

func TestUIAdminIntegrations(t *testing.T) {
	bothEngines(t, func(t *testing.T, store debrief.Store) {
		e := newAdminUIEnv(t, store)
		rec := uiRequest(e.h, "POST", "/admin/integrations", url.Values{"name": {"prod-alertmanager"}, "kind": {"alertmanager"}, "matchers": {"severity=~\"critical|warning\"\n"}}, e.ada)
		body := rec.Body.String()
		secret := regexp.MustCompile(`id="new-secret" readonly value="([^"]+)"`).FindStringSubmatch(body)
		if rec.Code != http.StatusCreated || secret == nil {
			t.Fatalf("add = %d; want 201 with the secret:\n%s", rec.Code, body)
		}
		for _, want := range []string{"https://debrief.example.com/hooks/1/alertmanager", "webhook_configs:", "authorization:", "type: Bearer", "credentials: " + secret[1]} {
			if !strings.Contains(body, want) {
				t.Errorf("the new integration's page lacks %q:\n%s", want, body)
			}
		}
		// The secret is the one the webhook takes: a wrong token is refused
		// and counted; the right one gets in (and a bad body is logged).
		if c := hook(e.h, "/hooks/1/alertmanager", "wrong", `{}`); c != 401 {
			t.Errorf("delivery with a wrong token = %d; want 401", c)
		}
		if c := hook(e.h, "/hooks/1/alertmanager", secret[1], `not json`); c != 400 {
			t.Errorf("delivery with the shown token and a bad body = %d; want 400", c)
		}
		page := uiRequest(e.h, "GET", "/admin/integrations/1", nil, e.ada).Body.String()
		if strings.Contains(page, secret[1]) || !strings.Contains(page, "1 delivery was refused") || !strings.Contains(page, "rejected") || !strings.Contains(page, "&lt;the token shown when it was made&gt;") {
			t.Errorf("the integration page must not show the token again, and must show the refusal and the rejected delivery:\n%s", page)
		}
		// Rotating makes a new token and the old one stops working.
		rec = uiRequest(e.h, "POST", "/admin/integrations/1/rotate", url.Values{"version": {"1"}}, e.ada)
		rotated := regexp.MustCompile(`id="new-secret" readonly value="([^"]+)"`).FindStringSubmatch(rec.Body.String())
		if rec.Code != 200 || rotated == nil || rotated[1] == secret[1] || !strings.Contains(rec.Body.String(), "credentials: "+rotated[1]) {
			t.Fatalf("rotate = %d; want the new token in the page and the snippet:\n%s", rec.Code, rec.Body)
		}
		if c := hook(e.h, "/hooks/1/alertmanager", secret[1], `not json`); c != 401 {
			t.Errorf("the old token after rotation = %d; want 401", c)
		}
		// A stale version is a conflict with a sentence, nothing rotated.
		rec = uiRequest(e.h, "POST", "/admin/integrations/1/rotate", url.Values{"version": {"1"}}, e.ada)
		if rec.Code != 409 || !strings.Contains(rec.Body.String(), "Someone else changed this integration") {
			t.Errorf("stale rotate = %d:\n%s", rec.Code, rec.Body)
		}
		if c := hook(e.h, "/hooks/1/alertmanager", rotated[1], `not json`); c != 400 {
			t.Errorf("the rotated token after a refused second rotation = %d; want still valid (400 for the body)", c)
		}
		// Validation errors: sentences by the fields, typed text kept.
		rec = uiRequest(e.h, "POST", "/admin/integrations", url.Values{"name": {"edge"}, "kind": {"alertmanager"}, "matchers": {"severity=~\"(unclosed\""}}, e.ada)
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), `id="matchers-error"`) || !strings.Contains(rec.Body.String(), "(unclosed") || !strings.Contains(rec.Body.String(), `value="edge"`) {
			t.Errorf("bad matcher = %d; want 422 by the matchers field with the text kept:\n%s", rec.Code, rec.Body)
		}
		rec = uiRequest(e.h, "POST", "/admin/integrations", url.Values{"name": {""}, "kind": {"grafana"}}, e.ada)
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), `id="name-error"`) || !strings.Contains(rec.Body.String(), `<option value="grafana" selected>`) {
			t.Errorf("no name = %d; want 422 by the name field with the kind kept:\n%s", rec.Code, rec.Body)
		}
		rec = uiRequest(e.h, "POST", "/admin/integrations", url.Values{"name": {"uptime"}, "kind": {"generic"}, "mapping": {`{"title": `}}, e.ada)
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), `id="mapping-error"`) || !strings.Contains(rec.Body.String(), `{&#34;title&#34;: </textarea>`) {
			t.Errorf("broken mapping = %d; want 422 by the mapping field with the text kept:\n%s", rec.Code, rec.Body)
		}
		if list, _ := e.svc.ListIntegrations(e.sys); len(list) != 1 {
			t.Errorf("after the refused adds there are %d integrations; want 1", len(list))
		}
		// Every kind's snippet names the real URL.
		for _, tc := range []struct {
			kind debrief.IntegrationKind
			want []string
		}{
			{debrief.IntegrationGrafana, []string{"Contact points", "Authorization Header - Scheme:       Bearer", "Credentials:  "}},
			{debrief.IntegrationPagerDuty, []string{"Generic Webhooks (v3)", "incident.triggered", "no signing secret yet"}},
			{debrief.IntegrationOpsgenie, []string{"Authorization: Bearer ", "Create, Acknowledge, AddNote, Close"}},
			{debrief.IntegrationGitHub, []string{"Payload URL:", "Deployment statuses", "Secret:        "}},
		} {
			rec := uiRequest(e.h, "POST", "/admin/integrations", url.Values{"name": {string(tc.kind)}, "kind": {string(tc.kind)}}, e.ada)
			body := rec.Body.String()
			m := regexp.MustCompile(`https://debrief\.example\.com/hooks/(\d+)/` + string(tc.kind)).FindStringSubmatch(body)
			if rec.Code != 201 || m == nil {
				t.Errorf("add %s = %d; want 201 with its absolute URL:\n%s", tc.kind, rec.Code, body)
				continue
			}
			for _, want := range tc.want {
				if !strings.Contains(body, want) {
					t.Errorf("%s snippet lacks %q:\n%s", tc.kind, want, body)
				}
			}
		}
		// PagerDuty: the secret PagerDuty made is pasted in; an empty one is a sentence.
		pd := "/admin/integrations/3"
		rec = uiRequest(e.h, "POST", pd+"/secrets", url.Values{"version": {"1"}, "secret": {""}}, e.ada)
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), "Paste the signing secret PagerDuty showed") {
			t.Errorf("empty PagerDuty secret = %d:\n%s", rec.Code, rec.Body)
		}
		rec = uiRequest(e.h, "POST", pd+"/secrets", url.Values{"version": {"1"}, "secret": {"too short"}}, e.ada)
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), `id="secret-error"`) || !strings.Contains(rec.Body.String(), `value="too short"`) {
			t.Errorf("short PagerDuty secret = %d; want 422 by the field, text kept:\n%s", rec.Code, rec.Body)
		}
		rec = uiRequest(e.h, "POST", pd+"/secrets", url.Values{"version": {"1"}, "secret": {"pagerduty-made-this-secret-0123"}}, e.ada)
		if rec.Code != http.StatusSeeOther {
			t.Errorf("PagerDuty secret = %d:\n%s", rec.Code, rec.Body)
		}
		if in, _ := e.svc.Integration(e.sys, 3); len(in.SigningSecrets) != 1 || in.SigningSecrets[0] != "pagerduty-made-this-secret-0123" {
			t.Errorf("PagerDuty secrets = %q", in.SigningSecrets)
		}
		// Turning it off and on.
		if rec := uiRequest(e.h, "POST", "/admin/integrations/1/enabled", url.Values{"version": {"2"}, "enabled": {"false"}}, e.ada); rec.Code != http.StatusSeeOther {
			t.Errorf("turn off = %d:\n%s", rec.Code, rec.Body)
		}
		if in, _ := e.svc.Integration(e.sys, 1); in.Enabled {
			t.Error("the integration is still on")
		}
		e.forbidden("GET", "/admin/integrations", nil)
		e.forbidden("GET", "/admin/integrations/1", nil)
		e.forbidden("POST", "/admin/integrations", url.Values{"name": {"forged"}, "kind": {"generic"}})
		e.forbidden("POST", "/admin/integrations/1/rotate", url.Values{"version": {"3"}})
		if list, _ := e.svc.ListIntegrations(e.sys); len(list) != 5 {
			t.Errorf("after forged posts there are %d integrations; want 5", len(list))
		}
	})
}

const testTemplateYAML = `key: security-incident
name: Security incident
kind: incident
sections:
  - key: summary
    heading: Summary
    guidance: What happened.
    required: true
  - key: exposure
    heading: What was exposed
`

func TestUIAdminTemplates(t *testing.T) {
	bothEngines(t, func(t *testing.T, store debrief.Store) {
		e := newAdminUIEnv(t, store)
		rec := uiRequest(e.h, "POST", "/admin/templates", url.Values{"yaml": {testTemplateYAML}}, e.ada)
		if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/admin/templates/security-incident") {
			t.Fatalf("create = %d %q:\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
		}
		page := uiRequest(e.h, "GET", "/admin/templates/security-incident", nil, e.ada).Body.String()
		if !strings.Contains(page, "What was exposed") || !strings.Contains(page, `name="version" value="1"`) {
			t.Fatalf("the template page does not show the YAML and version 1:\n%s", page)
		}
		// A YAML error names its line, and the text is kept.
		bad := strings.Replace(testTemplateYAML, "    required: true", "    requried: true", 1)
		rec = uiRequest(e.h, "POST", "/admin/templates/security-incident", url.Values{"version": {"1"}, "yaml": {bad}}, e.ada)
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), "line 8") || !strings.Contains(rec.Body.String(), `<span class="lineno">8</span>     requried: true`) || !strings.Contains(rec.Body.String(), "requried: true\n  - key: exposure") {
			t.Errorf("unknown field = %d; want 422 naming line 8 and the text kept:\n%s", rec.Code, rec.Body)
		}
		// A validation error is placed at the line of its field.
		empty := strings.Replace(testTemplateYAML, "heading: What was exposed", "heading: \"\"", 1)
		rec = uiRequest(e.h, "POST", "/admin/templates/security-incident", url.Values{"version": {"1"}, "yaml": {empty}}, e.ada)
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), "Line 10: Section &#34;exposure&#34; needs a heading.") {
			t.Errorf("empty heading = %d; want 422 at line 10:\n%s", rec.Code, rec.Body)
		}
		// Saving makes version 2; a save from version 1 is then a conflict
		// that keeps the text and shows the saved version.
		v2 := strings.Replace(testTemplateYAML, "What happened.", "What happened, to whom.", 1)
		if rec := uiRequest(e.h, "POST", "/admin/templates/security-incident", url.Values{"version": {"1"}, "yaml": {v2}}, e.ada); rec.Code != http.StatusSeeOther {
			t.Fatalf("save = %d:\n%s", rec.Code, rec.Body)
		}
		mine := strings.Replace(testTemplateYAML, "What happened.", "My own guidance.", 1)
		rec = uiRequest(e.h, "POST", "/admin/templates/security-incident", url.Values{"version": {"1"}, "yaml": {mine}}, e.ada)
		body := rec.Body.String()
		if rec.Code != 409 || !strings.Contains(body, "My own guidance.") || !strings.Contains(body, "What happened, to whom.") || !strings.Contains(body, `name="version" value="2"`) {
			t.Errorf("stale save = %d; want 409 with my text, the saved version and version 2:\n%s", rec.Code, body)
		}
		if ct, _ := e.svc.TemplateDefinition(e.sys, "security-incident"); ct.Version != 2 || ct.Sections[0].Guidance != "What happened, to whom." {
			t.Errorf("after the stale save the template is version %d %q", ct.Version, ct.Sections[0].Guidance)
		}
		// A new template with a taken key, and built-ins are read-only.
		rec = uiRequest(e.h, "POST", "/admin/templates", url.Values{"yaml": {testTemplateYAML}}, e.ada)
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), "Line 1: There is already a template with this key") {
			t.Errorf("taken key = %d:\n%s", rec.Code, rec.Body)
		}
		if rec := uiRequest(e.h, "GET", "/admin/templates/incident", nil, e.ada); rec.Code != 200 || strings.Contains(rec.Body.String(), "<textarea") {
			t.Errorf("built-in template page = %d; want it read-only", rec.Code)
		}
		e.forbidden("GET", "/admin/templates", nil)
		e.forbidden("POST", "/admin/templates/security-incident", url.Values{"version": {"2"}, "yaml": {mine}})
	})
}

func TestUIAdminAudit(t *testing.T) {
	bothEngines(t, func(t *testing.T, store debrief.Store) {
		e := newAdminUIEnv(t, store)
		for i := range 55 {
			if _, err := e.svc.CreateUser(e.sys, debrief.NewUser{Email: "user" + strconv.Itoa(i) + "@example.com", Role: debrief.RoleViewer}); err != nil {
				t.Fatal(err)
			}
		}
		rec := uiRequest(e.h, "GET", "/admin/audit?action=user.create", nil, e.ada)
		body := rec.Body.String()
		next := regexp.MustCompile(`href="(/admin/audit\?[^"]+)" rel="next"`).FindStringSubmatch(body)
		if rec.Code != 200 || next == nil || strings.Contains(body, "<code>auth.login</code>") || strings.Count(body, "<code>user.create</code>") != 50 {
			t.Fatalf("audit filtered by action = %d, %d entries; want 200, a page of 50 user.create entries and a next link:\n%s", rec.Code, strings.Count(body, "<code>user.create</code>"), body)
		}
		link := strings.ReplaceAll(next[1], "&amp;", "&")
		rec = uiRequest(e.h, "GET", link, nil, e.ada)
		if n := strings.Count(rec.Body.String(), "<code>user.create</code>"); rec.Code != 200 || n != 8 || !strings.Contains(rec.Body.String(), "Newest entries") {
			t.Errorf("second page = %d with %d entries; want the 8 left (55 + 3 from setup) and a link back", rec.Code, n)
		}
		rec = uiRequest(e.h, "GET", "/admin/audit?actor=nobody@example.com", nil, e.ada)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "No audit entries match") || !strings.Contains(rec.Body.String(), `value="nobody@example.com"`) {
			t.Errorf("audit for an unknown actor = %d:\n%s", rec.Code, rec.Body)
		}
		rec = uiRequest(e.h, "GET", "/admin/audit?since=yesterday&target_type=user", nil, e.ada)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), `id="since-error"`) || !strings.Contains(rec.Body.String(), `value="yesterday"`) || !strings.Contains(rec.Body.String(), `value="user"`) {
			t.Errorf("bad since = %d; want 400 with the sentence by the field and the filters kept:\n%s", rec.Code, rec.Body)
		}
		rec = uiRequest(e.h, "GET", "/admin/audit?since=2000-01-01&until=2000-01-02", nil, e.ada)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "No audit entries match") {
			t.Errorf("audit for days long past = %d; want none:\n%s", rec.Code, rec.Body)
		}
		rec = uiRequest(e.h, "GET", "/admin/audit?after=bogus", nil, e.ada)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "is not one this server returned") {
			t.Errorf("bad cursor = %d:\n%s", rec.Code, rec.Body)
		}
		e.forbidden("GET", "/admin/audit", nil)
	})
}

// testWriter sends the server's log to the test's log, shown on failure.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
