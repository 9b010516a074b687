package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// TestListsPaged: the lists that once came back whole (ideas, the
// account's tokens, integrations, templates, users, teams, trackers,
// notification channels) come a page at a time,
// in the API (limit, after, next_cursor) and on their pages (Next page,
// First page), with more records than a page, on both engines; every
// record is seen once; a bad limit or cursor is a 400 that names it (JSON
// in the API, a sentence on a page).
func TestListsPaged(t *testing.T) {
	bothEngines(t, func(t *testing.T, store debrief.Store) {
		e, ada, _, pm := newPagedEnv(t, store)
		const n = uiPageSize + 4
		for i := 0; i < n; i++ {
			if _, _, err := e.svc.CreateToken(ada, debrief.NewAPIToken{Name: fmt.Sprintf("ci-%03d", i), Scope: debrief.ScopeRead}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.svc.CreateIntegration(ada, &debrief.Integration{Name: fmt.Sprintf("grafana-%03d", i), Kind: debrief.IntegrationGrafana}, nil); err != nil {
				t.Fatal(err)
			}
			ct := *debrief.BuiltInCustom(debrief.TemplateIncident)
			ct.Key, ct.Name, ct.BuiltIn = fmt.Sprintf("team-%03d", i), fmt.Sprintf("Team %03d", i), false
			if _, err := e.svc.CreateTemplate(ada, &ct); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.RaiseIdea(ada, pm.ID, debrief.NewIdea{Title: fmt.Sprintf("Canary config change number %03d", i)}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.CreateUser(e.sys, debrief.NewUser{Email: fmt.Sprintf("member%03d@example.com", i), Role: debrief.RoleViewer, Password: authPassword}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.CreateTeam(ada, &debrief.Team{Name: fmt.Sprintf("squad-%03d", i), Services: []string{fmt.Sprintf("service-%03d", i)}}); err != nil {
				t.Fatal(err)
			}
			// Tracker names are any text: the cursor (a name) must travel
			// in a URL as it is.
			if _, err := e.svc.CreateTracker(ada, &debrief.Tracker{Name: fmt.Sprintf("Jira ops & billing #%03d é", i), Kind: debrief.TrackerJira,
				BaseURL: "https://acme.atlassian.net", Project: "OPS", Token: "jira-token"}); err != nil {
				t.Fatal(err)
			}
			if err := e.svc.CreateNotificationChannel(ada, &debrief.NotificationChannel{Kind: debrief.ChannelWebhook, Name: fmt.Sprintf("bridge-%03d", i),
				Target: "https://bridge.example.com/debrief"}); err != nil {
				t.Fatal(err)
			}
		}
		templates := n + len(debrief.BuiltInTemplates())

		// The pages: two of them, each record once, linked both ways.
		for _, c := range []struct {
			path string
			row  *regexp.Regexp
			want int
			bad  string // a cursor no page returns ("bogus cursor" when empty)
		}{
			{"/ideas", regexp.MustCompile(`<li id="idea-(\d+)">`), n, ""},
			{"/account", regexp.MustCompile(`<span class="title">(ci-\d+)</span>`), n, ""},
			{"/admin/integrations", regexp.MustCompile(`<a href="/admin/integrations/(\d+)">`), n, ""},
			{"/admin/templates", regexp.MustCompile(`<a href="/admin/templates/([a-z0-9-]+)">`), templates, ""},
			{"/admin/teams", regexp.MustCompile(`<div class="card" id="team-(\d+)">`), n, ""},
			// "bogus cursor" could be a tracker's name; one with a NUL cannot.
			{"/admin/trackers", regexp.MustCompile(`<div class="card" id="tracker-(\d+)">`), n, "bogus%00cursor"},
		} {
			checkUIPaged(t, e.h, e.ada, c.path, c.row, c.want, c.bad)
		}

		// A change made on the second page of the teams or the trackers,
		// refused or saved, comes back to that page.
		next := regexp.MustCompile(`<a href="([^"]+)" rel="next">Next page</a>`)
		first := regexp.MustCompile(`<a href="([^"]+)">First page</a>`)
		trackers, err := e.svc.ListTrackers(ada)
		if err != nil {
			t.Fatal(err)
		}
		trackerByID := map[string]*debrief.Tracker{}
		firstTracker := ""
		for _, tr := range trackers {
			trackerByID[fmt.Sprint(tr.ID)] = tr
			if tr.Name == "Jira ops & billing #000 é" {
				firstTracker = fmt.Sprint(tr.ID)
			}
		}
		for _, c := range []struct {
			list   string
			action *regexp.Regexp
			form   func(ref string) url.Values
			// onFirst is a record of the first page.
			onFirst string
		}{
			{"/admin/teams", regexp.MustCompile(`<form method="post" action="/admin/teams/([a-z0-9-]+)\?after=([^"]+)" novalidate>`),
				func(ref string) url.Values { return url.Values{"name": {ref}, "services": {"billing-" + ref}} }, "squad-000"},
			{"/admin/trackers", regexp.MustCompile(`<form method="post" action="/admin/trackers/(\d+)\?after=([^"]+)" novalidate>`),
				func(ref string) url.Values {
					tr := trackerByID[ref]
					return url.Values{"name": {tr.Name}, "base_url": {tr.BaseURL}, "project": {"OPS2"}, "issue_type": {tr.IssueType}}
				}, firstTracker},
		} {
			m := next.FindStringSubmatch(uiRequest(e.h, "GET", c.list, nil, e.ada).Body.String())
			if m == nil {
				t.Fatalf("GET %s links to no next page", c.list)
			}
			second := html.UnescapeString(m[1])
			body := uiRequest(e.h, "GET", second, nil, e.ada).Body.String()
			f := c.action.FindStringSubmatch(body)
			u, err := url.Parse(second)
			if err != nil {
				t.Fatal(err)
			}
			if f == nil || unescapeQuery(t, html.UnescapeString(f[2])) != u.Query().Get("after") {
				t.Fatalf("GET %s: a row's form posts to %v; want its change to name the page (after %q)", second, f, u.Query().Get("after"))
			}
			ref, action := f[1], c.list+"/"+f[1]+"?after="+html.UnescapeString(f[2])
			form := c.form(ref)
			form.Set("version", "7")
			rec := uiRequest(e.h, "POST", action, form, e.ada)
			if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "Someone else changed") || !first.MatchString(rec.Body.String()) {
				t.Errorf("stale POST %s = %d; want 409 on the second page with the notice:\n%.600s", action, rec.Code, rec.Body)
			}
			form.Set("version", "1")
			rec = uiRequest(e.h, "POST", action, form, e.ada)
			if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, second+"#") {
				t.Errorf("POST %s = %d to %q; want 303 back to %s", action, rec.Code, loc, second)
			}
			// A record no longer on the page its form names (the list
			// moved) is still found, and the refusal shown on it.
			action = c.list + "/" + url.PathEscape(c.onFirst) + "?after=" + url.QueryEscape(u.Query().Get("after"))
			form = c.form(c.onFirst)
			form.Set("version", "7")
			rec = uiRequest(e.h, "POST", action, form, e.ada)
			if body := rec.Body.String(); rec.Code != http.StatusConflict || !strings.Contains(body, "Someone else changed") || strings.Contains(body, "removed by someone else") {
				t.Errorf("stale POST %s = %d; want 409 with the notice on its form:\n%.600s", action, rec.Code, body)
			}
		}

		// A team or tracker just added is shown where the admin lands:
		// in its place on the first page, or first on it when its place
		// by name is on a later page.
		for _, c := range []struct {
			list string
			form url.Values
			// later: its place is past the first page.
			later bool
		}{
			{"/admin/teams", url.Values{"name": {"aaa-first"}, "services": {"ledger"}}, false},
			{"/admin/teams", url.Values{"name": {"zz-last"}, "services": {"payouts"}}, true},
			{"/admin/trackers", url.Values{"kind": {"github"}, "name": {"AAA first repo"}, "project": {"acme/checkout"}, "token": {"ghp-token"}}, false},
			{"/admin/trackers", url.Values{"kind": {"github"}, "name": {"zz last repo"}, "project": {"acme/payouts"}, "token": {"ghp-token"}}, true},
		} {
			rec := uiRequest(e.h, "POST", c.list, c.form, e.ada)
			loc := rec.Header().Get("Location")
			if rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, c.list+"?added=") {
				t.Fatalf("POST %s (%s) = %d to %q; want 303 to the list naming the new record:\n%.600s", c.list, c.form.Get("name"), rec.Code, loc, rec.Body)
			}
			landing, anchor, _ := strings.Cut(loc, "#")
			body := uiRequest(e.h, "GET", landing, nil, e.ada).Body.String()
			card := strings.Index(body, `<div class="card" id="`+anchor+`">`)
			firstCard := strings.Index(body, `<div class="card" id="`+strings.SplitN(anchor, "-", 2)[0]+`-`)
			want := "Added."
			if c.later {
				want = "this one&#39;s place is on a later page"
			}
			switch {
			case card < 0:
				t.Errorf("GET %s does not show the record just added (#%s)", landing, anchor)
			case !strings.Contains(body[card:], want):
				t.Errorf("GET %s: the record just added says nothing of %q", landing, want)
			case c.later && card != firstCard:
				t.Errorf("GET %s: the record just added, whose place is on a later page, is not shown first", landing)
			case !c.later && strings.Contains(body, "place is on a later page"):
				t.Errorf("GET %s: the record just added in its place on the first page is said to be elsewhere", landing)
			}
		}

		// The API: pages of 20 until next_cursor is absent.
		for _, c := range []struct {
			path, id string
			want     int
		}{
			{"/api/v1/ideas", "id", n},
			{"/api/v1/tokens", "id", n},
			{"/api/v1/integrations", "id", n},
			{"/api/v1/templates", "key", templates},
			{"/api/v1/users", "email", n + 3},
			{"/api/v1/teams", "name", n + 2},
			{"/api/v1/trackers", "name", n + 2},
			{"/api/v1/notification-channels", "id", n},
		} {
			checkAPIPaged(t, e.h, e.ada, c.path, c.id, c.want)
		}
	})
}

// TestListsPagedPerRecord: the lists of one record that once came back
// whole (a template's versions, a postmortem's public links, an incident's
// or postmortem's attachments) come a page at a time in the API, in their
// order (versions and links newest first, attachments oldest first); the
// attachments page shows a postmortem's files a page at a time, and the
// editor, its refreshed list and the reading view show the first page with
// links to the rest; on both engines. A private incident's lists stay 404
// to a non-member, with a page asked for or not.
func TestListsPagedPerRecord(t *testing.T) {
	bothEngines(t, func(t *testing.T, store debrief.Store) {
		e, ada, inc, pm := newPagedEnv(t, store)
		const n = uiPageSize + 4
		ct := *debrief.BuiltInCustom(debrief.TemplateIncident)
		ct.Key, ct.Name, ct.BuiltIn = "runbook", "Runbook 1", false
		if _, err := e.svc.CreateTemplate(ada, &ct); err != nil {
			t.Fatal(err)
		}
		wantVersions := []string{"1"}
		for v := 2; v <= n; v++ {
			ct.Name = fmt.Sprintf("Runbook %d", v)
			if _, err := e.svc.UpdateTemplate(ada, "runbook", &ct, v-1); err != nil {
				t.Fatal(err)
			}
			wantVersions = append([]string{strconv.Itoa(v)}, wantVersions...)
		}
		var wantLinks, wantFiles, wantIncFiles []string
		for i := 0; i < n; i++ {
			l, _, err := e.svc.CreatePublicLink(ada, pm.ID)
			if err != nil {
				t.Fatal(err)
			}
			wantLinks = append([]string{strconv.FormatInt(l.ID, 10)}, wantLinks...)
			a, err := e.svc.AddAttachment(ada, debrief.NewAttachment{PostmortemID: &pm.ID, Filename: fmt.Sprintf("note-%03d.txt", i), Data: []byte("Checkout log line")})
			if err != nil {
				t.Fatal(err)
			}
			wantFiles = append(wantFiles, strconv.FormatInt(a.ID, 10))
			if a, err = e.svc.AddAttachment(ada, debrief.NewAttachment{IncidentID: &inc.ID, Filename: fmt.Sprintf("graph-%03d.txt", i), Data: []byte("p99 1.2s")}); err != nil {
				t.Fatal(err)
			}
			wantIncFiles = append(wantIncFiles, strconv.FormatInt(a.ID, 10))
		}
		inOrder := func(what string, got, want []string) {
			t.Helper()
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s in pages = %v; want %v", what, got, want)
			}
		}

		// The API: every list in pages, in its order.
		for _, c := range []struct {
			path, field string
			want        []string
		}{
			{"/api/v1/templates/runbook/versions", "version", wantVersions},
			{"/api/v1/postmortems/" + pm.Key + "/public-links", "id", wantLinks},
			{"/api/v1/postmortems/" + pm.Key + "/attachments", "id", wantFiles},
			{"/api/v1/incidents/" + inc.Key + "/attachments", "id", wantIncFiles},
		} {
			inOrder("GET "+c.path, checkAPIPaged(t, e.h, e.ada, c.path, c.field, len(c.want)), c.want)
		}

		// The attachments page: two pages, oldest first.
		files := "/postmortems/" + pm.Key + "/attachments"
		inOrder("GET "+files, checkUIPaged(t, e.h, e.ada, files, regexp.MustCompile(`<li id="attachment-(\d+)">`), n, ""), wantFiles)

		// The editor, its list refreshed by htmx and the reading view: the
		// first page, then "All attachments" and the next page, on the
		// attachments page.
		shown := regexp.MustCompile(`download>(note-\d+\.txt)</a>`)
		all := `<a href="` + files + `">All attachments</a>`
		next := `<a href="` + files + `?after=` + wantFiles[uiPageSize-1] + `" rel="next">Next page</a>`
		for _, c := range []struct {
			name, path string
			htmx       bool
		}{
			{"the editor", "/postmortems/" + pm.Key + "/edit", false},
			{"the editor's list", files, true},
			{"the reading view", "/postmortems/" + pm.Key, false},
		} {
			req := httptest.NewRequest("GET", c.path, nil)
			req.AddCookie(e.ada)
			if c.htmx {
				req.Header.Set("HX-Request", "true")
			}
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			body := rec.Body.String()
			rows := shown.FindAllStringSubmatch(body, -1)
			if rec.Code != 200 || len(rows) != uiPageSize || rows[0][1] != "note-000.txt" || !strings.Contains(body, all) || !strings.Contains(body, next) {
				t.Errorf("%s (GET %s) = %d with %d files; want 200 with the first %d from note-000.txt, %s and %s", c.name, c.path, rec.Code, len(rows), uiPageSize, all, next)
			}
		}
		// A file just attached, past the first page, is still named with its
		// reference after a plain upload.
		last := wantFiles[n-1]
		rec := uiRequest(e.h, "GET", "/postmortems/"+pm.Key+"/edit?attached="+last, nil, e.ada)
		if body := rec.Body.String(); !strings.Contains(body, "Attached note-"+fmt.Sprintf("%03d", n-1)+".txt. Copy its reference <code class=\"ref\">[note-") {
			t.Errorf("the editor after attaching the %dth file = %d; want the notice naming it with its reference:\n%.2000s", n, rec.Code, body[strings.Index(body, `id="attachments"`):])
		}

		// A private incident: its lists are 404 to a viewer who is not a member.
		priv, err := e.svc.CreateIncident(ada, &debrief.Incident{Title: "Credential leak", Private: true})
		if err != nil {
			t.Fatal(err)
		}
		privPM, err := e.svc.CreatePostmortem(ada, debrief.NewPostmortem{IncidentID: &priv.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{
			"/api/v1/incidents/" + priv.Key + "/attachments", "/api/v1/postmortems/" + privPM.Key + "/attachments",
			"/api/v1/postmortems/" + privPM.Key + "/public-links", "/postmortems/" + privPM.Key + "/attachments",
		} {
			// (A malformed cursor is a 400 before any record is read, the
			// same for every record, so it tells nothing either.)
			for _, q := range []string{"", "?after=" + wantFiles[0], "?limit=1"} {
				if rec := uiRequest(e.h, "GET", path+q, nil, e.vic); rec.Code != http.StatusNotFound {
					t.Errorf("GET %s%s by a viewer outside the private incident = %d; want 404", path, q, rec.Code)
				}
			}
		}
	})
}

// newPagedEnv is a server with ada, rita and vic signed in, ada's actor,
// and an incident with its postmortem for the lists of a record.
func newPagedEnv(t *testing.T, store debrief.Store) (*adminUIEnv, context.Context, *debrief.Incident, *debrief.Postmortem) {
	t.Helper()
	e := newAdminUIEnv(t, store)
	ada := debrief.WithActor(e.sys, e.adaUser.Actor("session"))
	inc, err := e.svc.CreateIncident(ada, &debrief.Incident{Title: "Checkout API returned 500s for 12 minutes"})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := e.svc.CreatePostmortem(ada, debrief.NewPostmortem{IncidentID: &inc.ID})
	if err != nil {
		t.Fatal(err)
	}
	return e, ada, inc, pm
}

// checkUIPaged walks the page at path by its Next page links: two pages,
// each record (row's first group) once, want in all, every page after the
// first linking back to path; a bad cursor (bad, escaped, or "bogus
// cursor" when "") is a 400 with a sentence. It returns the records in the
// order shown.
func checkUIPaged(t *testing.T, h http.Handler, c *http.Cookie, path string, row *regexp.Regexp, want int, bad string) []string {
	t.Helper()
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">Next page</a>`)
	first := regexp.MustCompile(`<a href="([^"]+)">First page</a>`)
	seen := map[string]int{}
	var order []string
	at, pages := path, 0
	for at != "" && pages < 5 {
		pages++
		rec := uiRequest(h, "GET", at, nil, c)
		body := rec.Body.String()
		rows := row.FindAllStringSubmatch(body, -1)
		if rec.Code != http.StatusOK || len(rows) == 0 || len(rows) > uiPageSize {
			t.Fatalf("GET %s = %d with %d rows; want 200 with 1 to %d", at, rec.Code, len(rows), uiPageSize)
		}
		for _, r := range rows {
			seen[r[1]]++
			order = append(order, r[1])
		}
		if pages > 1 {
			m := first.FindStringSubmatch(body)
			if m == nil || html.UnescapeString(m[1]) != path {
				t.Errorf("GET %s links to the first page as %v; want %s", at, m, path)
			}
		}
		at = ""
		if m := next.FindStringSubmatch(body); m != nil {
			at = html.UnescapeString(m[1])
		}
	}
	if pages != 2 || len(seen) != want {
		t.Errorf("%s: %d records over %d pages; want %d over 2", path, len(seen), pages, want)
	}
	for id, times := range seen {
		if times != 1 {
			t.Errorf("%s shows %s %d times over its pages; want once", path, id, times)
		}
	}
	if bad == "" {
		bad = "bogus%20cursor"
	}
	rec := uiRequest(h, "GET", path+"?after="+bad, nil, c)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "is not one this server returned") {
		t.Errorf("GET %s?after=%s = %d; want 400 with a sentence:\n%.400s", path, bad, rec.Code, rec.Body)
	}
	return order
}

// checkAPIPaged walks the API list at path in pages of 20 until
// next_cursor is absent: want records (field of each item), none twice;
// without paging parameters it answers the first 50 and a cursor; a bad
// limit or cursor, or an unknown parameter, is a 400 naming it. It returns
// field of every item in the order answered.
func checkAPIPaged(t *testing.T, h http.Handler, c *http.Cookie, path, field string, want int) []string {
	t.Helper()
	seen := map[string]bool{}
	var order []string
	after, pages := "", 0
	for {
		pages++
		at := path + "?limit=20"
		if after != "" {
			at += "&after=" + after
		}
		rec := uiRequest(h, "GET", at, nil, c)
		var body struct {
			Items      []map[string]any `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); rec.Code != 200 || err != nil || len(body.Items) > 20 {
			t.Fatalf("GET %s = %d, %d items (%v); want 200 with at most 20", at, rec.Code, len(body.Items), err)
		}
		for _, it := range body.Items {
			if secret, token := it["secret"], it["token"]; secret != nil || token != nil {
				t.Errorf("GET %s shows a secret %v or a token %v", at, secret, token)
			}
			id := fmt.Sprint(it[field])
			if seen[id] {
				t.Errorf("GET %s repeats %s %s", at, field, id)
			}
			seen[id] = true
			order = append(order, id)
		}
		if body.NextCursor == "" || pages > 10 {
			break
		}
		after = url.QueryEscape(body.NextCursor)
	}
	if len(seen) != want || pages != (want+19)/20 {
		t.Errorf("%s in pages of 20: %d records over %d pages; want %d over %d", path, len(seen), pages, want, (want+19)/20)
	}
	// No paging parameters: the first page of 50, as documented.
	rec := uiRequest(h, "GET", path, nil, c)
	var body struct {
		Items      []json.RawMessage `json:"items"`
		NextCursor string            `json:"next_cursor"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Items) != debrief.DefaultPageSize || body.NextCursor == "" {
		t.Errorf("GET %s = %d items, next %q; want the first %d and a cursor", path, len(body.Items), body.NextCursor, debrief.DefaultPageSize)
	}
	for _, bad := range []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=501", "limit"}, {"limit=ten", "limit"},
		{"after=" + strings.Repeat("x", 400), "after"}, {"page=2", "page"},
	} {
		rec := uiRequest(h, "GET", path+"?"+bad.query, nil, c)
		var x exchange
		x.status, x.body = rec.Code, rec.Body.Bytes()
		if code, field := x.errorCode(); rec.Code != 400 || code != "invalid" || field != bad.field {
			t.Errorf("GET %s?%.20s = %d %s %q; want 400 invalid naming %s", path, bad.query, rec.Code, code, field, bad.field)
		}
	}
	return order
}

// unescapeQuery decodes one escaped query value, as a server reads it.
func unescapeQuery(t *testing.T, s string) string {
	t.Helper()
	v, err := url.QueryUnescape(s)
	if err != nil {
		t.Fatalf("url.QueryUnescape(%q) = %v", s, err)
	}
	return v
}

// TestListsPagedTimeline: GET /api/v1/incidents/{id}/timeline answers a
// page at a time, on both engines, each answer checked against
// openapi.yaml: a walk in pages of 100 (and of the starred events in pages
// of 7) sees every event once, in the timeline's order, ties on the time
// included; without a limit the first 500 come with a cursor; a bad limit
// or cursor is a 400 naming it.
func TestListsPagedTimeline(t *testing.T) {
	bothEngines(t, func(t *testing.T, store debrief.Store) {
		e := newEnv(t, store, Config{})
		inc, err := e.svc.CreateIncident(e.ctx(), &debrief.Incident{Title: "Alert storm on checkout-api for 3 hours", Severity: "SEV2"})
		if err != nil {
			t.Fatal(err)
		}
		const n = 523
		start := time.Date(2026, 3, 5, 13, 0, 0, 0, time.UTC)
		events := make([]*debrief.TimelineEvent, n)
		for i := range events {
			// Three events a minute, added latest first, so IDs run
			// against time; every tenth starred, every third from
			// Alertmanager.
			j := n - 1 - i
			events[i] = &debrief.TimelineEvent{At: start.Add(time.Duration(j/3) * time.Minute), Text: fmt.Sprintf("Storm alert %03d", j),
				Starred: j%10 == 0, Source: debrief.SourceManual}
			if j%3 == 0 {
				events[i].Source, events[i].ExternalID = debrief.SourceAlertmanager, fmt.Sprint("am-", j)
			}
		}
		if _, err := e.svc.AddTimelineEvents(e.ctx(), inc.ID, events, debrief.AddEventsOptions{}); err != nil {
			t.Fatal(err)
		}
		base := "/api/v1/incidents/" + inc.Key + "/timeline"
		type page struct {
			Items      []*debrief.TimelineEvent `json:"items"`
			NextCursor string                   `json:"next_cursor"`
		}
		walk := func(query string, limit int) (texts []string, pages int) {
			t.Helper()
			after := ""
			for pages = 1; pages <= n; pages++ {
				path := base + "?" + query + "&limit=" + fmt.Sprint(limit)
				if after != "" {
					path += "&after=" + url.QueryEscape(after)
				}
				var p page
				e.must(http.StatusOK, "GET", path, "", nil).decode(t, &p)
				if len(p.Items) > limit || (p.NextCursor != "" && len(p.Items) != limit) {
					t.Fatalf("GET %s = %d events, cursor %q; want %d before a cursor", path, len(p.Items), p.NextCursor, limit)
				}
				for _, ev := range p.Items {
					texts = append(texts, ev.Text)
				}
				if after = p.NextCursor; after == "" {
					return texts, pages
				}
			}
			t.Fatalf("GET %s?%s: more than %d pages", base, query, n)
			return nil, 0
		}
		// The timeline's order: by time, then by ID, which within a
		// minute runs against j (the later j was added first).
		wantTexts := func(keep func(j int) bool) []string {
			var out []string
			for minute := 0; minute <= (n-1)/3; minute++ {
				for j := min(minute*3+2, n-1); j >= minute*3; j-- {
					if keep(j) {
						out = append(out, fmt.Sprintf("Storm alert %03d", j))
					}
				}
			}
			return out
		}
		for _, c := range []struct {
			query string
			limit int
			keep  func(j int) bool
			pages int
		}{
			{"", 100, func(int) bool { return true }, 6},
			{"starred=true", 7, func(j int) bool { return j%10 == 0 }, 8},
			{"source=alertmanager&kind=note", 50, func(j int) bool { return j%3 == 0 }, 4},
		} {
			got, pages := walk(c.query, c.limit)
			want := wantTexts(c.keep)
			if len(got) != len(want) || pages != c.pages {
				t.Errorf("GET %s?%s in pages of %d: %d events over %d pages; want %d over %d", base, c.query, c.limit, len(got), pages, len(want), c.pages)
			}
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Errorf("GET %s?%s in pages of %d: event %d is %q; want %q (every event once, by time, then ID)", base, c.query, c.limit, i, got[i], want[i])
					break
				}
			}
		}

		// No limit: the first 500, with a cursor to the other 23.
		var p page
		e.must(http.StatusOK, "GET", base, "", nil).decode(t, &p)
		if len(p.Items) != debrief.DefaultTimelinePageSize || p.NextCursor == "" {
			t.Fatalf("GET %s = %d events, cursor %q; want the first %d and a cursor", base, len(p.Items), p.NextCursor, debrief.DefaultTimelinePageSize)
		}
		var rest page
		e.must(http.StatusOK, "GET", base+"?after="+url.QueryEscape(p.NextCursor), "", nil).decode(t, &rest)
		if len(rest.Items) != n-debrief.DefaultTimelinePageSize || rest.NextCursor != "" || rest.Items[len(rest.Items)-1].Text != "Storm alert 522" {
			t.Errorf("GET %s after the first page = %d events, cursor %q; want the last %d and no cursor", base, len(rest.Items), rest.NextCursor, n-debrief.DefaultTimelinePageSize)
		}

		for _, bad := range []struct{ query, field string }{
			{"limit=0", "limit"}, {"limit=501", "limit"}, {"limit=ten", "limit"},
			{"after=bogus", "after"}, {"after=1772715600000000", "after"}, {"after=1772715600000000_0", "after"},
			{"after=" + strings.Repeat("9", 400) + "_1", "after"}, {"page=2", "page"},
		} {
			x := e.do("GET", base+"?"+bad.query, "", nil)
			if code, field := x.errorCode(); x.status != http.StatusBadRequest || code != "invalid" || field != bad.field {
				t.Errorf("GET %s?%.30s = %d %s %q; want 400 invalid naming %s", base, bad.query, x.status, code, field, bad.field)
			}
		}
		if x := e.do("GET", "/api/v1/incidents/99999/timeline?limit=5", "", nil); x.status != http.StatusNotFound {
			t.Errorf("GET the timeline of a missing incident = %d; want 404", x.status)
		}
	})
}
