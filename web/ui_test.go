package web

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// uiRequest sends one request to h as a browser would (Accept: text/html).
func uiRequest(h http.Handler, method, path string, form url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	req.RemoteAddr = "192.0.2.20:5000"
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestSafeNext(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "/"},
		{"/incidents/INC-4", "/incidents/INC-4"},
		{"/incidents?status=open&q=db", "/incidents?status=open&q=db"},
		{"//evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"incidents", "/"},
		{"/login?next=/x", "/"},
		{"/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"}, // stays a path on this site
		{"/\r\nLocation: https://evil.example", "/"},
	} {
		if got := safeNext(tc.in); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAssetsAreHashedCachedAndGzipped(t *testing.T) {
	srv := New(Config{Service: debrief.NewService(openSQLite(t)), Open: true})
	home := uiRequest(srv.Handler(), "GET", "/", nil)
	if home.Code != 200 {
		t.Fatalf("GET / = %d %s", home.Code, home.Body)
	}
	css := regexp.MustCompile(`href="(/static/app\.[0-9a-f]{8}\.css)"`).FindStringSubmatch(home.Body.String())
	if css == nil {
		t.Fatalf("GET / links no content-hashed stylesheet:\n%s", home.Body)
	}
	req := httptest.NewRequest("GET", css[1], nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" || rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("GET %s = %d, Cache-Control %q, Content-Encoding %q; want 200, immutable, gzip", css[1], rec.Code, rec.Header().Get("Cache-Control"), rec.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatalf("gzip body: %v", err)
	}
	plain, _ := io.ReadAll(zr)
	if !strings.Contains(string(plain), "--space-1") {
		t.Errorf("GET %s decompressed has no design tokens", css[1])
	}
	// Without Accept-Encoding the same asset comes plain.
	rec = httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", css[1], nil))
	if rec.Header().Get("Content-Encoding") != "" || !strings.Contains(rec.Body.String(), "--space-1") {
		t.Errorf("GET %s without gzip = Content-Encoding %q", css[1], rec.Header().Get("Content-Encoding"))
	}
	// A stale or made-up name is a 404, never another version's content.
	if rec := uiRequest(srv.Handler(), "GET", "/static/app.00000000.css", nil); rec.Code != 404 {
		t.Errorf("GET stale asset = %d, want 404", rec.Code)
	}
}

func TestUIErrorPages(t *testing.T) {
	store := openSQLite(t)
	svc := debrief.NewService(store, debrief.WithPasswordHasher(storetest.FastHasher))
	srv := New(Config{Service: svc, InsecureCookies: true})
	h := srv.Handler()

	// A page that needs sign-in sends a browser to sign in, and back.
	rec := uiRequest(h, "GET", "/incidents?status=open", nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login?next="+url.QueryEscape("/incidents?status=open") {
		t.Fatalf("anonymous GET /incidents = %d Location %q; want 303 to /login?next=…", rec.Code, rec.Header().Get("Location"))
	}
	// A client that is not a browser page gets 401, as HTML.
	req := httptest.NewRequest("GET", "/incidents", nil)
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, req)
	if rr.Code != 401 || !strings.HasPrefix(rr.Header().Get("Content-Type"), "text/html") {
		t.Errorf("anonymous non-browser GET /incidents = %d %q; want 401 text/html", rr.Code, rr.Header().Get("Content-Type"))
	}

	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	if _, err := svc.CreateUser(sys, debrief.NewUser{Email: "vera@example.com", Role: debrief.RoleViewer, Password: authPassword}); err != nil {
		t.Fatal(err)
	}
	// Sign in through the form, going back to next.
	rec = uiRequest(h, "POST", "/login", url.Values{"email": {"vera@example.com"}, "password": {"wrong password"}, "next": {"/incidents"}})
	if rec.Code != 401 || !strings.Contains(rec.Body.String(), "The email or password is not right.") || !strings.Contains(rec.Body.String(), `value="vera@example.com"`) {
		t.Fatalf("POST /login with a wrong password = %d; want 401 with the sentence and the email kept:\n%s", rec.Code, rec.Body)
	}
	rec = uiRequest(h, "POST", "/login", url.Values{"email": {"vera@example.com"}, "password": {authPassword}, "next": {"https://evil.example/"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Fatalf("POST /login next=https://evil.example/ = %d Location %q; want 303 to /", rec.Code, rec.Header().Get("Location"))
	}
	var session *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == SessionCookie {
			session = c
		}
	}
	if session == nil {
		t.Fatal("POST /login set no session cookie")
	}

	for _, tc := range []struct {
		name, method, path string
		form               url.Values
		status             int
		want               string
	}{
		{"unknown path", "GET", "/no/such/page", nil, 404, "Page not found"},
		{"unknown incident", "GET", "/incidents/INC-999", nil, 404, "Page not found"},
		{"viewer declares", "GET", "/incidents/new", nil, 403, "needs the responder role"},
		{"viewer forges a post", "POST", "/incidents/new", url.Values{"title": {"Checkout failed"}}, 403, "needs the responder role"},
	} {
		rec := uiRequest(h, tc.method, tc.path, tc.form, session)
		if rec.Code != tc.status || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%s: %s %s = %d %q; want %d HTML saying %q:\n%s", tc.name, tc.method, tc.path, rec.Code, rec.Header().Get("Content-Type"), tc.status, tc.want, rec.Body)
		}
		if strings.Contains(rec.Body.String(), `{"error":{`) {
			t.Errorf("%s: the page shows JSON", tc.name)
		}
		if !strings.Contains(rec.Body.String(), `<nav aria-label="Main">`) {
			t.Errorf("%s: the error page has no navigation for a signed-in reader", tc.name)
		}
	}
	// An htmx request whose session ended is sent to sign in and back.
	req = httptest.NewRequest("POST", "/incidents/INC-1/timeline", strings.NewReader("text=x"))
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-Current-URL", "http://example.com/incidents/INC-1?starred=1")
	rr = httptest.NewRecorder()
	h.ServeHTTP(rr, req)
	if rr.Code != 401 || rr.Header().Get("HX-Redirect") != "/login?next="+url.QueryEscape("/incidents/INC-1?starred=1") {
		t.Errorf("htmx post without a session = %d HX-Redirect %q; want 401 and a redirect to sign in and back", rr.Code, rr.Header().Get("HX-Redirect"))
	}

	// A cross-site form post is refused before it reaches the handler.
	req = httptest.NewRequest("POST", "/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Accept", "text/html")
	req.AddCookie(session)
	rr = httptest.NewRecorder()
	h.ServeHTTP(rr, req)
	if rr.Code != 403 {
		t.Errorf("cross-site POST /logout = %d, want 403", rr.Code)
	}
	if rec := uiRequest(h, "GET", "/", nil, session); rec.Code != 200 {
		t.Errorf("after the refused cross-site sign-out, GET / = %d; want the session still valid", rec.Code)
	}
	// Sign out ends the session.
	if rec := uiRequest(h, "POST", "/logout", url.Values{}, session); rec.Code != http.StatusSeeOther {
		t.Fatalf("POST /logout = %d, want 303", rec.Code)
	}
	if rec := uiRequest(h, "GET", "/", nil, session); rec.Code != http.StatusSeeOther {
		t.Errorf("GET / after sign-out = %d, want 303 to sign in", rec.Code)
	}
}

// TestFeedLinksUsePublicURL: absolute links come from Config.PublicURL, not
// from headers a client controls.
func TestFeedLinksUsePublicURL(t *testing.T) {
	store := openSQLite(t)
	now := time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC)
	svc := debrief.NewService(store, debrief.WithClock(func() time.Time { return now }))
	srv := New(Config{Service: svc, Open: true, PublicURL: "https://debrief.example.com/"})
	admin := debrief.WithActor(context.Background(), debrief.SystemActor)
	inc, err := svc.CreateIncident(admin, &debrief.Incident{Title: "Checkout API returned 500s", StartedAt: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := svc.CreatePostmortem(admin, debrief.NewPostmortem{IncidentID: &inc.ID})
	if err != nil {
		t.Fatal(err)
	}
	published := debrief.PostmortemPublished
	if _, err := svc.UpdatePostmortem(admin, pm.ID, debrief.PostmortemPatch{Status: &published}, pm.Version); err != nil {
		t.Fatal(err)
	}
	for _, feed := range []string{"/feeds/weekly.atom", "/feeds/weekly.rss"} {
		req := httptest.NewRequest("GET", feed, nil)
		req.Host = "attacker.example"
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-Host", "attacker.example")
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != 200 || strings.Contains(body, "attacker.example") || !strings.Contains(body, "https://debrief.example.com/incidents/1&") {
			t.Errorf("GET %s = %d; want links on https://debrief.example.com only:\n%s", feed, rec.Code, body)
		}
	}
	// The feeds link records by number; the pages answer to numbers and keys.
	for _, path := range []string{"/incidents/1", "/incidents/INC-1", "/postmortems/1", "/postmortems/PM-1"} {
		if rec := uiRequest(srv.Handler(), "GET", path, nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Checkout API returned 500s") {
			t.Errorf("GET %s = %d; want the page", path, rec.Code)
		}
	}
}

// TestIncidentListSort: the API and the list page take sort, and a bad one
// is a 400 naming the field.
func TestIncidentListSort(t *testing.T) {
	store := openSQLite(t)
	svc := debrief.NewService(store)
	h := New(Config{Service: svc, Open: true}).Handler()
	admin := debrief.WithActor(context.Background(), debrief.SystemActor)
	base := time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)
	// Declared in one order, started in another.
	for i, title := range []string{"Login failed for EU customers", "Search returned stale prices", "Checkout API returned 500s"} {
		started := base.Add(time.Duration([]int{2, 0, 1}[i]) * time.Hour)
		if _, err := svc.CreateIncident(admin, &debrief.Incident{Title: title, StartedAt: started}); err != nil {
			t.Fatal(err)
		}
	}
	order := func(body string, titles ...string) bool {
		last := -1
		for _, ti := range titles {
			i := strings.Index(body, ti)
			if i < last || i < 0 {
				return false
			}
			last = i
		}
		return true
	}
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/api/v1/incidents?sort=started&limit=1", []string{"Login failed"}},
		{"/api/v1/incidents?sort=oldest", []string{"Login failed", "Search returned", "Checkout API"}},
		{"/incidents?sort=started", []string{"Login failed", "Checkout API", "Search returned"}},
		{"/incidents", []string{"Checkout API", "Search returned", "Login failed"}},
	} {
		rec := uiRequest(h, "GET", tc.path, nil)
		if rec.Code != 200 || !order(rec.Body.String(), tc.want...) {
			t.Errorf("GET %s = %d; want %q in this order:\n%s", tc.path, rec.Code, tc.want, rec.Body)
		}
	}
	rec := uiRequest(h, "GET", "/api/v1/incidents?sort=severity", nil)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"field":"sort"`) {
		t.Errorf("GET ?sort=severity = %d %s; want 400 naming sort", rec.Code, rec.Body)
	}
	// The next page of a started-order list continues in that order.
	rec = uiRequest(h, "GET", "/api/v1/incidents?sort=started&limit=2", nil)
	cursor := regexp.MustCompile(`"next_cursor":"([^"]+)"`).FindStringSubmatch(rec.Body.String())
	if cursor == nil {
		t.Fatalf("first page has no cursor: %s", rec.Body)
	}
	rec = uiRequest(h, "GET", "/api/v1/incidents?sort=started&limit=2&after="+url.QueryEscape(cursor[1]), nil)
	if !strings.Contains(rec.Body.String(), "Search returned") || strings.Contains(rec.Body.String(), "Login failed") {
		t.Errorf("second page of sort=started = %s; want only the earliest started", rec.Body)
	}
}

// TestUIAccount: a token is shown once and works; revoking it ends it; a
// password change signs out everywhere.
func TestUIAccount(t *testing.T) {
	svc := debrief.NewService(openSQLite(t), debrief.WithPasswordHasher(storetest.FastHasher))
	h := New(Config{Service: svc, InsecureCookies: true}).Handler()
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	if _, err := svc.CreateUser(sys, debrief.NewUser{Email: "vera@example.com", Role: debrief.RoleViewer, Password: authPassword}); err != nil {
		t.Fatal(err)
	}
	cookie := uiSignIn(t, h, "vera@example.com")
	rec := uiRequest(h, "POST", "/account/tokens", url.Values{"name": {"CI pipeline"}, "scope": {"read"}, "days": {"30"}}, cookie)
	secret := regexp.MustCompile(`id="secret" readonly value="([^"]+)"`).FindStringSubmatch(rec.Body.String())
	if rec.Code != http.StatusCreated || secret == nil || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("create token = %d, Cache-Control %q; want 201 showing the secret once, not cached:\n%s", rec.Code, rec.Header().Get("Cache-Control"), rec.Body)
	}
	api := func() int {
		req := httptest.NewRequest("GET", "/api/v1/incidents", nil)
		req.Header.Set("Authorization", "Bearer "+secret[1])
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, req)
		return rr.Code
	}
	if c := api(); c != 200 {
		t.Fatalf("the new token answers %d on the API; want 200", c)
	}
	if rec := uiRequest(h, "GET", "/account", nil, cookie); strings.Contains(rec.Body.String(), secret[1]) || !strings.Contains(rec.Body.String(), "CI pipeline") {
		t.Errorf("the account page shows the secret again, or not the token's name")
	}
	id := regexp.MustCompile(`/account/tokens/(\d+)/revoke`).FindStringSubmatch(uiRequest(h, "GET", "/account", nil, cookie).Body.String())
	if id == nil {
		t.Fatal("no revoke form on the account page")
	}
	if rec := uiRequest(h, "POST", "/account/tokens/"+id[1]+"/revoke", url.Values{}, cookie); rec.Code != http.StatusSeeOther {
		t.Fatalf("revoke = %d", rec.Code)
	}
	if c := api(); c != 401 {
		t.Errorf("the revoked token answers %d; want 401", c)
	}
	// Password: mismatch and wrong current password are sentences by the field.
	rec = uiRequest(h, "POST", "/account/password", url.Values{"current_password": {authPassword}, "new_password": {"a new long password 1"}, "repeat_password": {"something else"}}, cookie)
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "not the same") {
		t.Errorf("mismatched new passwords = %d:\n%s", rec.Code, rec.Body)
	}
	rec = uiRequest(h, "POST", "/account/password", url.Values{"current_password": {"wrong"}, "new_password": {"a new long password 1"}, "repeat_password": {"a new long password 1"}}, cookie)
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "The current password is not right.") {
		t.Errorf("wrong current password = %d:\n%s", rec.Code, rec.Body)
	}
	rec = uiRequest(h, "POST", "/account/password", url.Values{"current_password": {authPassword}, "new_password": {"a new long password 1"}, "repeat_password": {"a new long password 1"}}, cookie)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("password change = %d:\n%s", rec.Code, rec.Body)
	}
	if rec := uiRequest(h, "GET", "/", nil, cookie); rec.Code != http.StatusSeeOther {
		t.Errorf("after the password change the old session answers %d; want 303 to sign in", rec.Code)
	}
}

// TestUIListErrorsAreSentences: a bad filter or cursor in a list's URL is
// a sentence on the page, not an error page or an empty list.
func TestUIListErrorsAreSentences(t *testing.T) {
	h := New(Config{Service: debrief.NewService(openSQLite(t)), Open: true}).Handler()
	for _, tc := range []struct{ path, want string }{
		{"/incidents?after=bogus", "is not one this server returned"},
		{"/incidents?sort=bogus", "Unknown sort"},
		{"/incidents?status=bogus", "Unknown status"},
		{"/incidents?from=yesterday", "Enter a date like"},
		{"/incidents?q=severity:9", "Unknown severity"},
		{"/postmortems?status=bogus", "bogus"},
		{"/search?q=%22unclosed", "quote"},
	} {
		rec := uiRequest(h, "GET", tc.path, nil)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), tc.want) || !strings.Contains(rec.Body.String(), "<form") {
			t.Errorf("GET %s = %d; want 400, the form and a sentence with %q:\n%s", tc.path, rec.Code, tc.want, rec.Body)
		}
	}
}
