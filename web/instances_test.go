package web

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/live"
	"github.com/debriefhq/debrief/sqlstore"
	"github.com/debriefhq/debrief/storetest"
)

// Two Debrief instances on one PostgreSQL database, as behind a load
// balancer: each has its own store (pool), Service, live hub (its own
// listening connection) and HTTP server. What one accepts, the other shows
// at once: records, search, a revoked token, a disabled account, and live
// updates to a page open on the other.

// instance is one Debrief server of a pair.
type instance struct {
	url string
	svc *debrief.Service
	hub *live.Hub
}

// startInstance starts an instance on the database dsn, as serve does.
func startInstance(t testing.TB, dsn string) *instance {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sqlstore.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatalf("sqlstore.Open = %v", err)
	}
	t.Cleanup(func() { db.Close() })
	hub := live.New(nil)
	if sqlstore.EngineOf(dsn) == sqlstore.EnginePostgres {
		if hub, err = live.OpenPostgres(ctx, dsn, nil); err != nil {
			t.Fatalf("live.OpenPostgres = %v", err)
		}
	}
	t.Cleanup(hub.Close)
	if err := hub.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	svc := debrief.NewService(db, debrief.WithPublisher(hub), debrief.WithPasswordHasher(storetest.FastHasher), inputChecks)
	srv := New(Config{Service: svc, Live: hub, InsecureCookies: true, Logger: slog.New(slog.DiscardHandler)})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &instance{url: ts.URL, svc: svc, hub: hub}
}

// eventsBefore waits for the event name on events and returns the events
// that came before it; after 20 s without it, the test fails.
func eventsBefore(t testing.TB, events <-chan string, name string) (before []string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case got := <-events:
			if got == name {
				return before
			}
			before = append(before, got)
		case <-timeout:
			t.Fatalf("no %q event on the stream after 20 s", name)
		}
	}
}

// newAccount makes a user of role on a, with an API token of scope named
// tokenName, and returns the user, the token and its secret.
func newAccount(t testing.TB, a *instance, email, name string, role debrief.Role, tokenName string, scope debrief.TokenScope) (*debrief.User, *debrief.APIToken, string) {
	t.Helper()
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	u, err := a.svc.CreateUser(sys, debrief.NewUser{Email: email, Name: name, Role: role, Password: browserPassword})
	if err != nil {
		t.Fatal(err)
	}
	tok, secret, err := a.svc.CreateToken(debrief.WithActor(context.Background(), u.Actor("test")), debrief.NewAPIToken{Name: tokenName, Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	return u, tok, secret
}

// signInAdmin makes Ada, an admin, on a and returns her context and an
// admin API token.
func signInAdmin(t testing.TB, a *instance) (context.Context, string) {
	t.Helper()
	ada, _, secret := newAccount(t, a, "ada@example.com", "Ada", debrief.RoleAdmin, "ops", debrief.ScopeAdmin)
	return debrief.WithActor(context.Background(), ada.Actor("test")), secret
}

// patchImpact changes inc's impact through a's API at its current
// version: a change of the incident's own part of its page.
func patchImpact(t testing.TB, a *instance, ctx context.Context, token string, inc *debrief.Incident) {
	t.Helper()
	cur, err := a.svc.Incident(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st := call(t, "PATCH", a.url+"/api/v1/incidents/"+inc.Key, token, `{"impact":"Card payments failed `+strconv.Itoa(cur.Version)+` times.","version":`+strconv.Itoa(cur.Version)+`}`, nil); st != 200 {
		t.Fatalf("PATCH the incident = %d; want 200", st)
	}
}

// call sends one API request with a bearer token and decodes a JSON answer
// into out (when not nil); it returns the status.
func call(t testing.TB, method, url, token, body string, out any) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, url, b, err)
		}
	}
	return res.StatusCode
}

func TestTwoInstancesOnOnePostgres(t *testing.T) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		t.Skip(storetest.PostgresEnv + " is not set")
	}
	dsn := storetest.PostgresDSN(t)
	a, b := startInstance(t, dsn), startInstance(t, dsn)
	_, adminToken := signInAdmin(t, a)

	// --- Records: created on A, read and changed on B, read on A. ---
	var inc debrief.Incident
	if st := call(t, "POST", a.url+"/api/v1/incidents", adminToken, `{"title":"Payments API returned 502s for 9 minutes","severity":"SEV2","services":["payments"],"impact":"Card payments failed: quokkaflux."}`, &inc); st != 201 {
		t.Fatalf("POST incident on A = %d", st)
	}
	var got debrief.Incident
	if st := call(t, "GET", b.url+"/api/v1/incidents/"+inc.Key, adminToken, "", &got); st != 200 || got.Title != inc.Title {
		t.Fatalf("GET %s on B = %d %+v; want the incident A created", inc.Key, st, got)
	}
	if st := call(t, "PATCH", b.url+"/api/v1/incidents/"+inc.Key, adminToken, `{"title":"Payments API returned 502s for 11 minutes","version":`+strconv.Itoa(got.Version)+`}`, &got); st != 200 {
		t.Fatalf("PATCH on B = %d", st)
	}
	var back debrief.Incident
	if call(t, "GET", a.url+"/api/v1/incidents/"+inc.Key, adminToken, "", &back); back.Title != got.Title || back.Version != got.Version {
		t.Errorf("A reads %q v%d after B's change; want %q v%d", back.Title, back.Version, got.Title, got.Version)
	}
	// A stale version sent to A after B's change is a conflict, not a lost update.
	if st := call(t, "PATCH", a.url+"/api/v1/incidents/"+inc.Key, adminToken, `{"title":"Stale","version":`+strconv.Itoa(inc.Version)+`}`, nil); st != 409 {
		t.Errorf("PATCH with the version from before B's change on A = %d; want 409", st)
	}

	// --- Search: what A indexed, B finds. ---
	var found struct {
		Hits []struct {
			Key string `json:"key"`
		} `json:"hits"`
	}
	if st := call(t, "GET", b.url+"/api/v1/search?q=quokkaflux", adminToken, "", &found); st != 200 || len(found.Hits) != 1 || found.Hits[0].Key != inc.Key {
		t.Errorf("search on B for a word A wrote = %d %+v; want %s", st, found, inc.Key)
	}

	// --- Live: a page open on B hears an event added through A. ---
	events := openStream(t, b.url+"/incidents/"+inc.Key+"/live?page=twoinstances", adminToken)
	waitEvent(t, events, "presence")
	start := time.Now()
	if st := call(t, "POST", a.url+"/api/v1/incidents/"+inc.Key+"/timeline", adminToken, `{"at":"`+time.Now().UTC().Format(time.RFC3339)+`","text":"Rolled back payments-api to v812"}`, nil); st != 201 {
		t.Fatalf("add event on A = %d", st)
	}
	waitEvent(t, events, debrief.LiveTimeline)
	t.Logf("an event added on A reached a stream on B %v after the request started", time.Since(start).Round(time.Millisecond))

	// --- A token revoked on A is refused by B on the next request. ---
	victim, tok, secret := newAccount(t, a, "vic@example.com", "Vic", debrief.RoleResponder, "laptop", debrief.ScopeWrite)
	if st := call(t, "GET", b.url+"/api/v1/incidents", secret, "", nil); st != 200 {
		t.Fatalf("B with vic's token = %d; want 200", st)
	}
	if st := call(t, "DELETE", a.url+"/api/v1/tokens/"+strconv.FormatInt(tok.ID, 10), secret, "", nil); st != 200 && st != 204 {
		t.Fatalf("revoke on A = %d", st)
	}
	if st := call(t, "GET", b.url+"/api/v1/incidents", secret, "", nil); st != 401 {
		t.Errorf("B with the token revoked on A = %d; want 401", st)
	}

	// --- A user disabled on A loses their session on B at once. ---
	cookie := signInAPI(t, b.url, "vic@example.com")
	me := func() int {
		req, _ := http.NewRequest("GET", b.url+"/api/v1/auth/me", nil)
		req.AddCookie(cookie)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if st := me(); st != 200 {
		t.Fatalf("vic's session on B = %d; want 200", st)
	}
	if st := call(t, "PATCH", a.url+"/api/v1/users/"+strconv.FormatInt(victim.ID, 10), adminToken, `{"disabled":true}`, nil); st != 200 {
		t.Fatalf("disable vic on A = %d", st)
	}
	if st := me(); st != 401 {
		t.Errorf("vic's session on B after A disabled the account = %d; want 401", st)
	}
}

// signInAPI signs in through the API and returns the session cookie.
func signInAPI(t *testing.T, base, email string) *http.Cookie {
	t.Helper()
	res, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"email":"`+email+`","password":"`+browserPassword+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	t.Fatalf("sign-in as %s = %d without a session cookie", email, res.StatusCode)
	return nil
}

// openStream opens a live stream and returns the names of its events as
// they arrive; the stream closes with the test.
func openStream(t testing.TB, url, token string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		t.Fatalf("GET %s = %d %s %q; want an event stream", url, res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	out := make(chan string, 64)
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if name, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
				select {
				case out <- name:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

// waitEvent waits for an event named name, skipping others.
func waitEvent(t testing.TB, events <-chan string, name string) {
	t.Helper()
	eventsBefore(t, events, name)
}
