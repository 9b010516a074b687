package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// TestUIAdminUsersPaged: the admin's list of accounts shows a page at a
// time with a link to the next; walking the pages shows every account
// once; a change made on a later page comes back to that page with its
// notice; the overview shows only the first accounts.
func TestUIAdminUsersPaged(t *testing.T) {
	bothEngines(t, func(t *testing.T, store debrief.Store) {
		e := newAdminUIEnv(t, store)
		want := map[string]bool{"ada@example.com": true, "rita@example.com": true, "vic@example.com": true}
		for i := 0; i < usersPageSize+5; i++ {
			email := fmt.Sprintf("member%03d@example.com", i)
			if _, err := e.svc.CreateUser(e.sys, debrief.NewUser{Email: email, Role: debrief.RoleViewer, Password: authPassword}); err != nil {
				t.Fatal(err)
			}
			want[email] = true
		}
		row := regexp.MustCompile(`<tr id="user-(\d+)">\s*<td><span class="strong">([^<]+)</span>`)
		next := regexp.MustCompile(`<a href="([^"]+)" rel="next">Next page</a>`)
		seen := map[string]int{}
		path, pages := "/admin/users", 0
		var lastPage, lastID string
		for path != "" && pages < 5 {
			pages++
			rec := uiRequest(e.h, "GET", path, nil, e.ada)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET %s = %d", path, rec.Code)
			}
			body := rec.Body.String()
			rows := row.FindAllStringSubmatch(body, -1)
			if len(rows) == 0 || len(rows) > usersPageSize {
				t.Fatalf("GET %s shows %d accounts; want 1 to %d", path, len(rows), usersPageSize)
			}
			for _, r := range rows {
				seen[r[2]]++
			}
			if pages > 1 && !strings.Contains(body, `<a href="/admin/users">First page</a>`) {
				t.Errorf("GET %s has no link to the first page", path)
			}
			lastPage, lastID = path, rows[len(rows)-1][1]
			path = ""
			if m := next.FindStringSubmatch(body); m != nil {
				path = html.UnescapeString(m[1])
			}
		}
		if pages != 2 {
			t.Errorf("the %d accounts take %d pages; want 2", len(want), pages)
		}
		for email := range want {
			if seen[email] != 1 {
				t.Errorf("%s is shown %d times over the pages; want once", email, seen[email])
			}
		}

		// A change on the second page comes back to it.
		after := strings.TrimPrefix(lastPage, "/admin/users?after=")
		rec := uiRequest(e.h, "POST", "/admin/users/"+lastID+"?after="+url.QueryEscape(after), url.Values{"action": {"disable"}}, e.ada)
		loc := rec.Header().Get("Location")
		if rec.Code != http.StatusSeeOther || !strings.Contains(loc, "after="+url.QueryEscape(after)) || !strings.Contains(loc, "updated="+lastID) {
			t.Fatalf("disable on page 2 = %d to %q; want 303 back to page 2 with the notice", rec.Code, loc)
		}
		if body := uiRequest(e.h, "GET", loc, nil, e.ada).Body.String(); !strings.Contains(body, "was updated.") || !strings.Contains(body, `?after=`+html.EscapeString(url.QueryEscape(after))) {
			t.Errorf("page 2 after the change has no notice, or its forms forget the page")
		}

		// The overview shows the first accounts and says so.
		body := uiRequest(e.h, "GET", "/admin", nil, e.ada).Body.String()
		body, _, _ = strings.Cut(body, `id="audit-h"`)
		if n := strings.Count(body, "@example.com</td>"); n != adminOverviewUsers || !strings.Contains(body, "The first 20 accounts") {
			t.Errorf("the admin overview lists %d accounts (says first 20: %v); want %d", n, strings.Contains(body, "The first 20 accounts"), adminOverviewUsers)
		}
	})
}
