package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

func TestPublicBesideInternalSQLite(t *testing.T) { testPublicBesideInternal(t, openSQLite(t)) }

func TestPublicBesideInternalPostgres(t *testing.T) {
	testPublicBesideInternal(t, openPostgresOrSkip(t))
}

// testPublicBesideInternal: the page shows each part in both versions, the
// public one as export.Public makes it with each redaction marked, and an
// internal section as left out; a private incident's postmortem is as
// hidden here as anywhere.
func testPublicBesideInternal(t *testing.T, store debrief.Store) {
	svc := debrief.NewService(store, debrief.WithPasswordHasher(storetest.FastHasher))
	h := New(Config{Service: svc, InsecureCookies: true}).Handler()
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	for name, role := range map[string]debrief.Role{"rita": debrief.RoleResponder, "vic": debrief.RoleViewer} {
		if _, err := svc.CreateUser(sys, debrief.NewUser{Email: name + "@example.com", Role: role, Password: authPassword}); err != nil {
			t.Fatal(err)
		}
	}
	rita, vic := signInCookie(t, h, "rita@example.com"), signInCookie(t, h, "vic@example.com")
	ctx := debrief.WithActor(context.Background(), debrief.Actor{Email: "rita@example.com", Role: debrief.RoleResponder})
	inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout API returned 500s for 42 minutes", Severity: "SEV2",
		StartedAt: time.Now().Add(-time.Hour), Roles: debrief.Roles{Commander: "Rita Lopez"}, Impact: "Payments failed for **all** customers."})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID})
	if err != nil {
		t.Fatal(err)
	}
	secs := append([]debrief.Section(nil), pm.Sections...)
	secs[0].Body = "Rita Lopez restarted db-01.prod.internal at 10.0.0.12 and mailed ops@example.com.\n\n<script>window.__xss=1</script>"
	secs = append(secs, debrief.Section{Key: "team-notes", Heading: "Team notes", Internal: true, Body: "Dashboard notes only the team should read."})
	if _, err := svc.UpdatePostmortem(ctx, pm.ID, debrief.PostmortemPatch{Sections: &secs}, pm.Version); err != nil {
		t.Fatal(err)
	}

	rec := uiRequest(h, "GET", "/postmortems/"+pm.Key+"/public", nil, rita)
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("GET /postmortems/%s/public = %d:\n%s", pm.Key, rec.Code, body)
	}
	for _, want := range []string{
		// The internal column as written.
		"<p>Rita Lopez restarted db-01.prod.internal at 10.0.0.12 and mailed <a href=\"mailto:ops@example.com\"",
		"Dashboard notes only the team should read.",
		// The public column, each redaction marked with what it hid.
		`<span class="redacted" title="Redacted: a name">[name]</span>`,
		`<span class="redacted" title="Redacted: a host name">[host]</span>`,
		`<span class="redacted" title="Redacted: an IP address">[ip address]</span>`,
		`<span class="redacted" title="Redacted: an e-mail address">[email]</span>`,
		"Left out: this section is marked internal.",
		"Payments failed for <strong>all</strong> customers.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the public comparison lacks %q:\n%s", want, mainOf(body))
		}
	}
	// The internal section's text appears once: in the internal column.
	if n := strings.Count(body, "Dashboard notes only"); n != 1 {
		t.Errorf("the internal section's text appears %d times; want once (internal column only)", n)
	}
	if strings.Contains(body, "<script>window.__xss") {
		t.Errorf("a script from a section reached the page")
	}
	if !strings.Contains(uiRequest(h, "GET", "/postmortems/"+pm.Key, nil, rita).Body.String(), `href="/postmortems/`+pm.Key+`/public"`) {
		t.Errorf("the reading view does not link to the public version")
	}

	// Private: a viewer who is not a member gets 404, like the record.
	members := []string{"rita@example.com"}
	priv := true
	cur, err := svc.Incident(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpdateIncident(ctx, inc.ID, debrief.IncidentPatch{Private: &priv, Members: &members}, cur.Version); err != nil {
		t.Fatal(err)
	}
	if rec := uiRequest(h, "GET", "/postmortems/"+pm.Key+"/public", nil, vic); rec.Code != 404 {
		t.Errorf("GET the public comparison of a private incident's postmortem as a non-member = %d; want 404", rec.Code)
	}
	if rec := uiRequest(h, "GET", "/postmortems/"+pm.Key+"/public", nil, rita); rec.Code != 200 {
		t.Errorf("GET it as a member = %d; want 200", rec.Code)
	}
}
