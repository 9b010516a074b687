package web

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// TestListsPaged: the lists that once came back whole (ideas, the
// account's tokens, integrations, templates, users) come a page at a time,
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
		}
		templates := n + len(debrief.BuiltInTemplates())

		// The pages: two of them, each record once, linked both ways.
		next := regexp.MustCompile(`<a href="([^"]+)" rel="next">Next page</a>`)
		first := regexp.MustCompile(`<a href="([^"]+)">First page</a>`)
		for _, c := range []struct {
			path string
			row  *regexp.Regexp
			want int
		}{
			{"/ideas", regexp.MustCompile(`<li id="idea-(\d+)">`), n},
			{"/account", regexp.MustCompile(`<span class="title">(ci-\d+)</span>`), n},
			{"/admin/integrations", regexp.MustCompile(`<a href="/admin/integrations/(\d+)">`), n},
			{"/admin/templates", regexp.MustCompile(`<a href="/admin/templates/([a-z0-9-]+)">`), templates},
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
			rec := uiRequest(e.h, "GET", c.path+"?after=bogus%20cursor", nil, e.ada)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "is not one this server returned") {
				t.Errorf("GET %s?after=bogus = %d; want 400 with a sentence:\n%.400s", c.path, rec.Code, rec.Body)
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
					id := fmt.Sprint(it[c.id])
					if seen[id] {
						t.Errorf("GET %s repeats %s %s", path, c.id, id)
					}
					seen[id] = true
				}
				if body.NextCursor == "" || pages > 10 {
					break
				}
				after = strings.ReplaceAll(body.NextCursor, "@", "%40")
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
