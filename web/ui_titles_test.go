package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// TestUIPagesHaveTitles: every page without a record in its address has a
// clear title of its own, also when a form comes back with an error (a
// page's form field once took the place of the page's title).
func TestUIPagesHaveTitles(t *testing.T) {
	e := newAdminUIEnv(t, openSQLite(t))
	title := regexp.MustCompile(`<title>([^<]*)</title>`)
	check := func(what string, body string) {
		t.Helper()
		m := title.FindStringSubmatch(body)
		if m == nil || !strings.HasSuffix(m[1], " · Debrief") || strings.TrimSpace(strings.TrimSuffix(m[1], " · Debrief")) == "" {
			t.Errorf("%s: title %q; want a title of its own", what, m)
		}
	}
	srv := New(Config{Service: e.svc, InsecureCookies: true})
	for _, rt := range srv.routeTable() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if rt.Kind != KindUI || method != http.MethodGet || strings.Contains(path, "{") || strings.HasSuffix(path, "/live") ||
			strings.HasPrefix(path, "/feeds/") || strings.HasSuffix(path, "title-check") {
			continue
		}
		rec := uiRequest(e.h, "GET", path, nil, e.ada)
		if rec.Code != http.StatusOK {
			continue // pages that need a query (a form's own page) are checked by their tests
		}
		check("GET "+path, rec.Body.String())
	}
	rec := uiRequest(e.h, "POST", "/postmortems/new", url.Values{"title": {""}, "template": {string(debrief.TemplateProject)}}, e.rita)
	check("POST /postmortems/new without a title", rec.Body.String())
}
