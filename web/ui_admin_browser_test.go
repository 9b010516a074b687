package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/debriefhq/debrief/debrief"
)

// The admin pages in a real browser: adding an integration (with scripts
// off, as a plain form post) shows its snippet with the real URL and
// secret; inviting a user shows the one-time password; every admin page
// passes axe-core at desktop and phone width.

func TestBrowserAdminSQLite(t *testing.T) { testBrowserAdmin(t, openSQLite(t)) }

func TestBrowserAdminPostgres(t *testing.T) { testBrowserAdmin(t, openPostgresOrSkip(t)) }

func testBrowserAdmin(t *testing.T, store debrief.Store) {
	e := newBrowserEnv(t, store)
	a11y := map[string][]axeViolation{}
	ada := e.signedInTab("ada")

	// Add an Alertmanager integration without JavaScript.
	if _, err := chromedp.Call(ada, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	e.open(ada, "/admin/integrations")
	e.do(ada, "fill the integration form",
		chromedp.SendKeys(chromedp.ID("name"), "prod-alertmanager"),
		chromedp.SetValue(chromedp.ID("kind"), "alertmanager"),
		chromedp.SendKeys(chromedp.ID("matchers"), `severity=~"critical|warning"`))
	if st := e.navigate(ada, "add the integration", chromedp.Submit(chromedp.ID("name"))); st != 201 {
		t.Fatalf("adding the integration answered %d; want 201", st)
	}
	if _, err := chromedp.Call(ada, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
		t.Fatal(err)
	}
	secret := eval[string](e, ada, `document.getElementById('new-secret').value`)
	snippet := eval[string](e, ada, `document.getElementById('snippet').innerText`)
	for _, want := range []string{"webhook_configs:", "url: " + e.base + "/hooks/1/alertmanager", "type: Bearer", "credentials: " + secret} {
		if secret == "" || !strings.Contains(snippet, want) {
			t.Errorf("the new integration's snippet lacks %q:\n%s", want, snippet)
		}
	}
	e.checkAccessibility(ada, "admin integration (new)", a11y)
	e.screenshot(ada, "admin-integration-new")

	// Deliveries: one partly invalid, one refused for its token; the page
	// shows the log with the reason and the refusal count.
	alert := func(fp string) string {
		return `{"status":"firing","labels":{"alertname":"HighLatency","severity":"critical","service":"checkout-api","instance":"` + fp + `"},"annotations":{"summary":"p99 latency above 2s"},"startsAt":"2026-11-24T10:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"` + fp + `"}`
	}
	hookURL := e.base + "/hooks/1/alertmanager"
	for _, d := range []struct {
		token, body string
		want        int
	}{
		{secret, `{"version":"4","groupKey":"{}:{alertname=\"HighLatency\"}","status":"firing","receiver":"debrief","alerts":[` + alert("web-1") + `,{"status":"firing","labels":{"alertname":"HighLatency"},"fingerprint":"bad"}]}`, 200},
		{"not-the-token", `{}`, 401},
	} {
		req, _ := http.NewRequest("POST", hookURL, strings.NewReader(d.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+d.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != d.want {
			t.Fatalf("delivery = %d; want %d", resp.StatusCode, d.want)
		}
	}
	e.open(ada, "/admin/integrations/1")
	log := eval[string](e, ada, `document.getElementById('deliveries').innerText`)
	for _, want := range []string{"1 delivery was refused", "partial", "Alert 2 has no valid startsAt"} {
		if !strings.Contains(log, want) {
			t.Errorf("the delivery log lacks %q:\n%s", want, log)
		}
	}

	// Invite a user; the one-time password is on the answer.
	e.open(ada, "/admin/users")
	e.do(ada, "fill the invite form",
		chromedp.SendKeys(chromedp.ID("email"), "nora@example.com"),
		chromedp.SendKeys(chromedp.ID("name"), "Nora"),
		chromedp.SetValue(chromedp.ID("role"), "responder"))
	if st := e.navigate(ada, "invite", chromedp.Submit(chromedp.ID("email"))); st != 201 {
		t.Fatalf("inviting answered %d; want 201", st)
	}
	pw := eval[string](e, ada, `document.getElementById('one-time-password').value`)
	if u, err := e.svc.UserByEmail(debrief.WithActor(context.Background(), debrief.SystemActor), "nora@example.com"); err != nil || u.Role != debrief.RoleResponder || len(pw) < 16 {
		t.Fatalf("after the invite: %+v, %v, password %q", u, err, pw)
	}
	e.checkAccessibility(ada, "admin users (invited)", a11y)
	e.screenshot(ada, "admin-users-invited")

	// A custom template, and an edit with an error at its line.
	if st := e.open(ada, "/admin/templates"); st != 200 {
		t.Fatalf("GET /admin/templates = %d", st)
	}
	if st := e.navigate(ada, "create the starting template", chromedp.Submit(chromedp.ID("yaml"))); st != 200 {
		t.Fatalf("creating the template ended at %d", st)
	}
	if loc := e.location(ada); !strings.HasPrefix(loc, "/admin/templates/security-incident") {
		t.Fatalf("after creating the template the browser is at %s", loc)
	}
	e.do(ada, "break the YAML", chromedp.SetValue(chromedp.ID("yaml"), "key: security-incident\nname: Security incident\nsections:\n  - key: summary\n    heading: Summary\n    colour: red\n"))
	if st := e.navigate(ada, "save the broken template", chromedp.Submit(chromedp.ID("yaml"))); st != 422 {
		t.Errorf("saving broken YAML answered %d; want 422", st)
	}
	if msg := eval[string](e, ada, `document.getElementById('yaml-error').innerText`); !strings.Contains(msg, "line 6") {
		t.Errorf("the YAML error %q does not name line 6", msg)
	}
	if sel := eval[string](e, ada, `(t => t.value.substring(t.selectionStart, t.selectionEnd))(document.getElementById('yaml'))`); sel != "    colour: red" {
		t.Errorf("the editor selects %q after the error; want line 6", sel)
	}
	e.checkAccessibility(ada, "admin template (error)", a11y)
	e.screenshot(ada, "admin-template-error")

	for _, p := range []struct{ name, path string }{
		{"admin", "/admin"},
		{"admin-users", "/admin/users"},
		{"admin-integrations", "/admin/integrations"},
		{"admin-integration", "/admin/integrations/1"},
		{"admin-templates", "/admin/templates"},
		{"admin-template", "/admin/templates/security-incident"},
		{"admin-template-builtin", "/admin/templates/incident"},
		{"admin-audit", "/admin/audit"},
		{"admin-audit-filtered", "/admin/audit?action=user.create&since=2000-01-01"},
	} {
		if st := e.open(ada, p.path); st != 200 {
			t.Errorf("GET %s = %d", p.path, st)
		}
		if title := eval[string](e, ada, `document.title`); !strings.HasSuffix(title, " · Debrief") || eval[int](e, ada, `document.querySelectorAll('h1').length`) != 1 {
			t.Errorf("%s: title %q; want a clear title and one h1", p.path, title)
		}
		e.checkAccessibility(ada, p.name, a11y)
		e.screenshot(ada, p.name)
	}
	rita := e.signedInTab("rita")
	for _, path := range []string{"/admin/users", "/admin/integrations", "/admin/templates", "/admin/audit"} {
		if st := e.open(rita, path); st != 403 {
			t.Errorf("responder GET %s = %d; want 403", path, st)
		}
	}

	e.report(a11y)
}
