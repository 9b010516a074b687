package web

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

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
		e := newAdminUIEnv(t, store)
		ada := debrief.WithActor(e.sys, e.adaUser.Actor("session"))
		const n = uiPageSize + 4
		inc, err := e.svc.CreateIncident(ada, &debrief.Incident{Title: "Checkout API returned 500s for 12 minutes"})
		if err != nil {
			t.Fatal(err)
		}
		pm, err := e.svc.CreatePostmortem(ada, debrief.NewPostmortem{IncidentID: &inc.ID})
		if err != nil {
			t.Fatal(err)
		}
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
		next := regexp.MustCompile(`<a href="([^"]+)" rel="next">Next page</a>`)
		first := regexp.MustCompile(`<a href="([^"]+)">First page</a>`)
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
			seen := map[string]int{}
			path, pages := c.path, 0
			for path != "" && pages < 5 {
				pages++
				rec := uiRequest(e.h, "GET", path, nil, e.ada)
				body := rec.Body.String()
				rows := c.row.FindAllStringSubmatch(body, -1)
				if rec.Code != http.StatusOK || len(rows) == 0 || len(rows) > uiPageSize {
					t.Fatalf("GET %s = %d with %d rows; want 200 with 1 to %d", path, rec.Code, len(rows), uiPageSize)
				}
				for _, r := range rows {
					seen[r[1]]++
				}
				if pages > 1 {
					m := first.FindStringSubmatch(body)
					if m == nil || html.UnescapeString(m[1]) != c.path {
						t.Errorf("GET %s links to the first page as %v; want %s", path, m, c.path)
					}
				}
				path = ""
				if m := next.FindStringSubmatch(body); m != nil {
					path = html.UnescapeString(m[1])
				}
			}
			if pages != 2 || len(seen) != c.want {
				t.Errorf("%s: %d records over %d pages; want %d over 2", c.path, len(seen), pages, c.want)
			}
			for id, times := range seen {
				if times != 1 {
					t.Errorf("%s shows %s %d times over its pages; want once", c.path, id, times)
				}
			}
			bad := "bogus%20cursor"
			if c.bad != "" {
				bad = c.bad
			}
			rec := uiRequest(e.h, "GET", c.path+"?after="+bad, nil, e.ada)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "is not one this server returned") {
				t.Errorf("GET %s?after=%s = %d; want 400 with a sentence:\n%.400s", c.path, bad, rec.Code, rec.Body)
			}
		}

		// A change made on the second page of the teams or the trackers,
		// refused or saved, comes back to that page.
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
			{"/api/v1/teams", "name", n},
			{"/api/v1/trackers", "name", n},
			{"/api/v1/notification-channels", "id", n},
		} {
			seen := map[string]bool{}
			after, pages := "", 0
			for {
				pages++
				path := c.path + "?limit=20"
				if after != "" {
					path += "&after=" + after
				}
				rec := uiRequest(e.h, "GET", path, nil, e.ada)
				var body struct {
					Items      []map[string]any `json:"items"`
					NextCursor string           `json:"next_cursor"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &body); rec.Code != 200 || err != nil || len(body.Items) > 20 {
					t.Fatalf("GET %s = %d, %d items (%v); want 200 with at most 20", path, rec.Code, len(body.Items), err)
				}
				for _, it := range body.Items {
					if secret, token := it["secret"], it["token"]; secret != nil || token != nil {
						t.Errorf("GET %s shows a secret %v or a token %v", path, secret, token)
					}
					id := fmt.Sprint(it[c.id])
					if seen[id] {
						t.Errorf("GET %s repeats %s %s", path, c.id, id)
					}
					seen[id] = true
				}
				if body.NextCursor == "" || pages > 10 {
					break
				}
				after = url.QueryEscape(body.NextCursor)
			}
			if len(seen) != c.want || pages != (c.want+19)/20 {
				t.Errorf("%s in pages of 20: %d records over %d pages; want %d over %d", c.path, len(seen), pages, c.want, (c.want+19)/20)
			}
			// No paging parameters: the first page of 50, as documented.
			rec := uiRequest(e.h, "GET", c.path, nil, e.ada)
			var body struct {
				Items      []json.RawMessage `json:"items"`
				NextCursor string            `json:"next_cursor"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Items) != debrief.DefaultPageSize || body.NextCursor == "" {
				t.Errorf("GET %s = %d items, next %q; want the first %d and a cursor", c.path, len(body.Items), body.NextCursor, debrief.DefaultPageSize)
			}
			for _, bad := range []struct{ query, field string }{
				{"limit=0", "limit"}, {"limit=501", "limit"}, {"limit=ten", "limit"},
				{"after=" + strings.Repeat("x", 400), "after"}, {"page=2", "page"},
			} {
				rec := uiRequest(e.h, "GET", c.path+"?"+bad.query, nil, e.ada)
				var x exchange
				x.status, x.body = rec.Code, rec.Body.Bytes()
				if code, field := x.errorCode(); rec.Code != 400 || code != "invalid" || field != bad.field {
					t.Errorf("GET %s?%.20s = %d %s %q; want 400 invalid naming %s", c.path, bad.query, rec.Code, code, field, bad.field)
				}
			}
		}
	})
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
