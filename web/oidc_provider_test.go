package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// The tests in this file sign in against a real OpenID provider: zitadel's
// op package (with its in-memory example storage and login form) on
// loopback. Unlike the hand-made provider of oidc_test.go it behaves as
// providers do: email_verified is left out when false, and the scope claims
// are sent from userinfo only unless the client asks for them in the ID
// token.

// providerUsers is the provider's user directory; password is the same for all.
type providerUsers map[string]*storage.User

const providerPassword = "provider-password"

func (u providerUsers) GetUserByID(id string) *storage.User { return u[id] }
func (u providerUsers) GetUserByUsername(name string) *storage.User {
	for _, x := range u {
		if x.Username == name {
			return x
		}
	}
	return nil
}
func (u providerUsers) ExampleClientID() string { return "service" }

// providerStorage adds a groups claim to the example storage and chooses
// whether the scope claims go into the ID token too.
type providerStorage struct {
	*storage.Storage
	mu sync.Mutex
	// inIDToken asks the provider to put the scope claims (email, profile)
	// and groups into the ID token; otherwise they come from userinfo only.
	inIDToken bool
	groups    map[string][]string
	// userinfoCalls counts answers of the userinfo endpoint.
	userinfoCalls int
}

type claimsClient struct {
	op.Client
	inIDToken bool
}

func (c claimsClient) IDTokenUserinfoClaimsAssertion() bool { return c.inIDToken }

func (p *providerStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := p.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return claimsClient{Client: c, inIDToken: p.inIDToken}, nil
}

func (p *providerStorage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	if err := p.Storage.SetUserinfoFromRequest(ctx, ui, req, scopes); err != nil {
		return err
	}
	if slices.Contains(scopes, oidc.ScopeProfile) { // the ID token carries the profile claims
		p.addGroups(ui, req.GetSubject())
	}
	return nil
}

func (p *providerStorage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := p.Storage.SetUserinfoFromToken(ctx, ui, tokenID, subject, origin); err != nil {
		return err
	}
	p.mu.Lock()
	p.userinfoCalls++
	p.mu.Unlock()
	p.addGroups(ui, ui.Subject)
	return nil
}

func (p *providerStorage) addGroups(ui *oidc.UserInfo, subject string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if g, ok := p.groups[subject]; ok {
		ui.AppendClaims("groups", g)
	}
}

func (p *providerStorage) set(fn func(p *providerStorage)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p)
}

// ssoEnv is a provider and one Debrief server signing in through it.
type ssoEnv struct {
	t     *testing.T
	idp   *httptest.Server
	store *providerStorage
	app   *httptest.Server
	svc   *debrief.Service
	st    debrief.AccountStore
}

func newSSOEnv(t *testing.T, trustUnverified bool) *ssoEnv {
	t.Helper()
	e := &ssoEnv{t: t}
	dbStore := openSQLite(t)
	e.st = dbStore.(debrief.AccountStore)
	e.svc = debrief.NewService(dbStore, debrief.WithPasswordHasher(storetest.FastHasher))
	var srv *Server
	e.app = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srv.Handler().ServeHTTP(w, r) }))
	t.Cleanup(e.app.Close)

	users := providerUsers{}
	for _, u := range []struct {
		sub, email string
		verified   bool
	}{
		{"ada-sub", "ada@example.com", true},
		{"uma-sub", "uma@example.com", true},
		{"carol-sub", "carol@example.com", false},
		{"eve-sub", "boss@example.com", false},     // not verified, an existing account's address
		{"mallory-sub", "boss@example.com", true},  // verified, the same address
		{"pat-sub", "pat@example.com", true},       // an account made by an admin, without a password
		{"pat-again-sub", "pat@example.com", true}, // a second identity for it
		{"dave-sub", "", true},                     // no address at all
	} {
		users[u.sub] = &storage.User{ID: u.sub, Username: strings.TrimSuffix(u.sub, "-sub"), Password: providerPassword,
			FirstName: "Test", LastName: u.sub, Email: u.email, EmailVerified: u.verified}
	}
	client := storage.WebClient("debrief", "s3cret", e.app.URL+"/auth/oidc/callback")
	e.store = &providerStorage{Storage: storage.NewStorageWithClients(users, map[string]*storage.Client{"debrief": client}),
		inIDToken: true, groups: map[string][]string{
			"ada-sub": {"sre"}, "uma-sub": {"sre"}, "carol-sub": {"sre"}, "eve-sub": {"incident-admins"}, "mallory-sub": {"incident-admins"},
			"pat-sub": {"sre"}, "pat-again-sub": {"sre"}, "dave-sub": {"sre"},
		}}
	e.idp = httptest.NewUnstartedServer(nil)
	issuer := "http://" + e.idp.Listener.Addr().String()
	e.idp.Config.Handler = exampleop.SetupServer(issuer, e.store, nil, false)
	e.idp.Start()
	t.Cleanup(e.idp.Close)

	srv = New(Config{Service: e.svc, InsecureCookies: true, Logger: slog.New(slog.DiscardHandler), OIDC: &OIDCConfig{
		Issuer: issuer, ClientID: "debrief", ClientSecret: "s3cret", RedirectURL: e.app.URL + "/auth/oidc/callback",
		AllowedDomains: []string{"example.com"}, RoleClaim: "groups",
		RoleMap:              map[string]debrief.Role{"sre": debrief.RoleResponder, "incident-admins": debrief.RoleAdmin},
		TrustUnverifiedEmail: trustUnverified,
	}})
	return e
}

// ssoResult is how a sign-in through the provider ended.
type ssoResult struct {
	client *http.Client
	status int    // of Debrief's callback
	body   string // the page when refused
	// callback is the URL the provider sent the browser back to.
	callback string
}

// signIn goes through the provider's login form as username and returns
// how Debrief's callback answered.
func (e *ssoEnv) signIn(username string) ssoResult {
	e.t.Helper()
	return e.signInFrom(username, "/auth/oidc/login", "/")
}

// signInFrom starts single sign-on at start (a path on Debrief) and
// fails the test unless a successful callback redirects to want.
func (e *ssoEnv) signInFrom(username, start, want string) ssoResult {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	var res ssoResult
	res.client = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), e.app.URL+"/auth/oidc/callback") {
			res.callback = req.URL.String()
		}
		if strings.HasPrefix(req.URL.String(), e.app.URL) && !strings.HasPrefix(req.URL.Path, "/auth/oidc/") {
			return http.ErrUseLastResponse // signed in; the web UI is not part of this test
		}
		return nil
	}}
	resp, err := res.client.Get(e.app.URL + start)
	if err != nil {
		e.t.Fatalf("GET %s: %v", start, err)
	}
	resp.Body.Close()
	id := resp.Request.URL.Query().Get("authRequestID")
	if resp.StatusCode != 200 || id == "" {
		e.t.Fatalf("the provider's login form answered %d at %s; want 200 with an authRequestID", resp.StatusCode, resp.Request.URL)
	}
	resp, err = res.client.PostForm(e.idp.URL+"/login/username", url.Values{"username": {username}, "password": {providerPassword}, "id": {id}})
	if err != nil {
		e.t.Fatalf("POST the provider's login form: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if res.callback == "" {
		e.t.Fatalf("the provider did not send %s back to Debrief: %d %s", username, resp.StatusCode, b)
	}
	res.status, res.body = resp.StatusCode, string(b)
	if resp.StatusCode == http.StatusFound && resp.Header.Get("Location") != want {
		e.t.Fatalf("Debrief's callback redirected to %q; want %q", resp.Header.Get("Location"), want)
	}
	return res
}

func (e *ssoEnv) me(c *http.Client) (int, meJSON) {
	e.t.Helper()
	resp, err := c.Get(e.app.URL + "/api/v1/auth/me")
	if err != nil {
		e.t.Fatalf("GET /api/v1/auth/me: %v", err)
	}
	defer resp.Body.Close()
	var m meJSON
	if resp.StatusCode == 200 {
		decodeJSON(e.t, resp.Body, &m)
	}
	return resp.StatusCode, m
}

func (e *ssoEnv) audits(action string) []*debrief.AuditEntry {
	e.t.Helper()
	p, err := e.st.ListAudit(context.Background(), debrief.AuditFilter{Action: action})
	if err != nil {
		e.t.Fatalf("ListAudit: %v", err)
	}
	return p.Items
}

// wantRefused checks a refused sign-in: its status, a readable page with
// the sentence and a way back, and no session.
func (e *ssoEnv) wantRefused(who string, r ssoResult, status int, sentence string) {
	e.t.Helper()
	if r.status != status || !strings.Contains(r.body, sentence) || !strings.Contains(r.body, `<a href="/login">Back to sign in</a>`) {
		e.t.Errorf("sign-in of %s = %d %q; want %d with a page saying %q and a link back to sign in", who, r.status, r.body, status, sentence)
	}
	if inlineScriptOrStyle(r.body) {
		e.t.Errorf("the refusal page of %s has inline script or style, which the CSP blocks", who)
	}
	if code, _ := e.me(r.client); code != 401 {
		e.t.Errorf("GET /auth/me after the refused sign-in of %s = %d; want 401", who, code)
	}
}

func TestOIDCRealProvider(t *testing.T) {
	e := newSSOEnv(t, false)
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	boss, err := e.svc.CreateUser(sys, debrief.NewUser{Email: "boss@example.com", Role: debrief.RoleViewer, Password: authPassword})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("claims in the ID token", func(t *testing.T) {
		e.store.set(func(p *providerStorage) { p.inIDToken, p.userinfoCalls = true, 0 })
		r := e.signIn("ada")
		if r.status != http.StatusFound {
			t.Fatalf("sign-in of ada = %d %s; want 302 to /", r.status, r.body)
		}
		if code, m := e.me(r.client); code != 200 || m.Actor.Email != "ada@example.com" || m.Actor.Role != debrief.RoleResponder {
			t.Fatalf("GET /auth/me after signing in = %d %+v; want ada as responder (group sre)", code, m.Actor)
		}
		if e.store.userinfoCalls != 0 {
			t.Errorf("userinfo was asked %d times although the ID token had every claim; want 0", e.store.userinfoCalls)
		}
		if n := len(e.audits(debrief.AuditSSOLink)); n != 1 {
			t.Errorf("audit has %d %s entries; want 1 for ada's new account", n, debrief.AuditSSOLink)
		}
	})

	t.Run("claims from userinfo", func(t *testing.T) {
		e.store.set(func(p *providerStorage) { p.inIDToken, p.userinfoCalls = false, 0 })
		r := e.signIn("uma")
		if r.status != http.StatusFound {
			t.Fatalf("sign-in of uma with claims only in userinfo = %d %s; want 302 to /", r.status, r.body)
		}
		if code, m := e.me(r.client); code != 200 || m.Actor.Email != "uma@example.com" || m.Actor.Role != debrief.RoleResponder {
			t.Fatalf("GET /auth/me = %d %+v; want uma as responder, role from userinfo's groups", code, m.Actor)
		}
		if e.store.userinfoCalls != 1 {
			t.Errorf("userinfo was asked %d times; want once", e.store.userinfoCalls)
		}
	})

	for _, inIDToken := range []bool{true, false} {
		e.store.set(func(p *providerStorage) { p.inIDToken = inIDToken })
		where := map[bool]string{true: "ID token", false: "userinfo"}[inIDToken]
		t.Run("email_verified left out ("+where+")", func(t *testing.T) {
			e.wantRefused("carol", e.signIn("carol"), 403, "does not say that the e-mail address carol@example.com is verified")
			if _, err := e.st.UserByEmail(context.Background(), "carol@example.com"); debrief.ErrorCode(err) != debrief.ENotFound {
				t.Errorf("UserByEmail(carol) after the refusal = %v; want no account", err)
			}
		})
		t.Run("unverified address of an existing account ("+where+")", func(t *testing.T) {
			e.wantRefused("eve", e.signIn("eve"), 403, "is verified")
			u, _ := e.st.User(context.Background(), boss.ID)
			if u.Role != debrief.RoleViewer {
				t.Errorf("boss's role after eve's attempt = %s; want viewer unchanged", u.Role)
			}
		})
		t.Run("no e-mail address ("+where+")", func(t *testing.T) {
			e.wantRefused("dave", e.signIn("dave"), 403, "sent no e-mail address")
		})
	}
	e.store.set(func(p *providerStorage) { p.inIDToken = true })

	t.Run("verified address of an account with a password", func(t *testing.T) {
		e.wantRefused("mallory", e.signIn("mallory"), 403, "signs in with a password")
		u, _ := e.st.User(context.Background(), boss.ID)
		if u.Role != debrief.RoleViewer {
			t.Errorf("boss's role after mallory's attempt = %s; want viewer unchanged", u.Role)
		}
		refused := e.audits(debrief.AuditSSORefused)
		if len(refused) == 0 || refused[0].TargetID != idStr(boss.ID) {
			t.Errorf("audit of the refusal = %+v; want an %s entry naming boss's account", refused, debrief.AuditSSORefused)
		}
	})

	t.Run("role follows the claim of a linked identity", func(t *testing.T) {
		e.store.set(func(p *providerStorage) { p.groups["ada-sub"] = []string{"sre", "incident-admins"} })
		r := e.signIn("ada")
		if code, m := e.me(r.client); code != 200 || m.Actor.Role != debrief.RoleAdmin {
			t.Fatalf("ada after joining incident-admins = %d %+v; want admin", code, m.Actor)
		}
		e.store.set(func(p *providerStorage) { p.inIDToken = false; p.groups["ada-sub"] = []string{"sre"} })
		r = e.signIn("ada")
		if code, m := e.me(r.client); code != 200 || m.Actor.Role != debrief.RoleResponder {
			t.Fatalf("ada after leaving incident-admins (claims from userinfo) = %d %+v; want responder", code, m.Actor)
		}
		changes := 0
		for _, a := range e.audits(debrief.AuditUserUpdate) {
			if a.Actor == "oidc" && strings.Contains(string(mustMarshal(a.Changes)), "single sign-on claim") {
				changes++
			}
		}
		if changes != 2 {
			t.Errorf("audit has %d role changes from the claim; want 2", changes)
		}
		e.store.set(func(p *providerStorage) { p.inIDToken = true; p.groups["ada-sub"] = []string{"marketing"} })
		e.wantRefused("ada without a mapped group", e.signIn("ada"), 403, "no Debrief role")
		e.store.set(func(p *providerStorage) { p.groups["ada-sub"] = []string{"sre"} })
	})

	t.Run("linking an existing account needs an admin's permission", func(t *testing.T) {
		pat, err := e.svc.CreateUser(sys, debrief.NewUser{Email: "pat@example.com", Role: debrief.RoleViewer})
		if err != nil {
			t.Fatal(err)
		}
		no := false
		if _, err := e.svc.UpdateUser(sys, pat.ID, debrief.UserPatch{AllowSSOLink: &no}); err != nil {
			t.Fatal(err)
		}
		e.wantRefused("pat before the admin allowed it", e.signIn("pat"), 403, "debrief user allow-sso pat@example.com")
		yes := true
		if _, err := e.svc.UpdateUser(sys, pat.ID, debrief.UserPatch{AllowSSOLink: &yes}); err != nil {
			t.Fatal(err)
		}
		r := e.signIn("pat")
		if code, m := e.me(r.client); code != 200 || m.Actor.UserID != pat.ID || m.Actor.Role != debrief.RoleResponder {
			t.Fatalf("pat after the admin allowed linking = %d %+v; want pat's account (id %d) as responder", code, m.Actor, pat.ID)
		}
		if u, _ := e.st.User(context.Background(), pat.ID); u.AllowSSOLink {
			t.Errorf("pat's permission to link is still set after the link; want it used up")
		}
		e.wantRefused("a second identity with pat's address", e.signIn("pat-again"), 403, "linked to another single sign-on identity")
		if _, err := e.svc.UpdateUser(sys, boss.ID, debrief.UserPatch{AllowSSOLink: &yes}); debrief.ErrorCode(err) != debrief.EUnprocessable {
			t.Errorf("allowing single sign-on for an account with a password = %v; want %s", err, debrief.EUnprocessable)
		}
	})

	t.Run("replayed callback and wrong state", func(t *testing.T) {
		r := e.signIn("uma")
		if r.status != http.StatusFound {
			t.Fatalf("sign-in of uma = %d", r.status)
		}
		// The same answer again in the same browser: the round-trip cookie was used up.
		resp, err := r.client.Get(r.callback)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(b), "expired or was started in another browser") {
			t.Errorf("replayed callback = %d %s; want 400 saying the round trip expired", resp.StatusCode, b)
		}
		// In a browser that started another sign-in: the state differs.
		jar, _ := cookiejar.New(nil)
		other := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err = other.Get(e.app.URL + "/auth/oidc/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		resp, err = other.Get(r.callback)
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(b), "its state differs") {
			t.Errorf("callback with another sign-in's state = %d %s; want 400 saying the state differs", resp.StatusCode, b)
		}
	})
}

// TestOIDCTrustUnverifiedEmail checks the opt-out for providers that
// verify every address and never say so.
func TestOIDCTrustUnverifiedEmail(t *testing.T) {
	e := newSSOEnv(t, true)
	r := e.signIn("carol")
	if code, m := e.me(r.client); r.status != http.StatusFound || code != 200 || m.Actor.Email != "carol@example.com" {
		t.Fatalf("sign-in of carol (no email_verified) with the opt-out = %d, me %d %+v; want signed in", r.status, code, m.Actor)
	}
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	if _, err := e.svc.CreateUser(sys, debrief.NewUser{Email: "boss@example.com", Role: debrief.RoleViewer, Password: authPassword}); err != nil {
		t.Fatal(err)
	}
	// Even trusted, an address does not take over an account with a password.
	e.wantRefused("eve", e.signIn("eve"), 403, "signs in with a password")
}

func decodeJSON(t *testing.T, r io.Reader, v any) {
	t.Helper()
	if err := json.NewDecoder(r).Decode(v); err != nil {
		t.Fatalf("decode JSON: %v", err)
	}
}

func mustMarshal(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

// TestSignInSSOConcurrent runs first sign-ins at once, more than the
// connection pools hold: one identity signing in many times gets one
// account, and identities racing for one admin permission link one only.
func TestSignInSSOConcurrent(t *testing.T) {
	bothEngines(t, testSignInSSOConcurrent)
}

func testSignInSSOConcurrent(t *testing.T, store debrief.Store) {
	svc := debrief.NewService(store, debrief.WithPasswordHasher(storetest.FastHasher))
	ctx := context.Background()
	const n = 32
	run := func(claims func(i int) debrief.SSOClaims) ([]*debrief.User, []error) {
		users, errs := make([]*debrief.User, n), make([]error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				users[i], errs[i] = svc.SignInSSO(ctx, claims(i))
			}()
		}
		wg.Wait()
		return users, errs
	}
	users, errs := run(func(int) debrief.SSOClaims {
		return debrief.SSOClaims{Issuer: "https://idp.example.com", Subject: "ada", Email: "ada@example.com", EmailVerified: true, Role: debrief.RoleResponder}
	})
	for i := range users {
		if errs[i] != nil || users[i].ID != users[0].ID {
			t.Fatalf("concurrent first sign-in %d = %v, %v; want every one signed in to one account", i, users[i], errs[i])
		}
	}

	sys := debrief.WithActor(ctx, debrief.SystemActor)
	pat, err := svc.CreateUser(sys, debrief.NewUser{Email: "pat@example.com", Role: debrief.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	users, errs = run(func(i int) debrief.SSOClaims {
		return debrief.SSOClaims{Issuer: "https://idp.example.com", Subject: "pat-" + strconv.Itoa(i), Email: "pat@example.com", EmailVerified: true, Role: debrief.RoleViewer}
	})
	linked := 0
	for i := range users {
		var reason debrief.SSORefusal
		switch {
		case errs[i] == nil && users[i].ID == pat.ID:
			linked++
		case errors.As(errs[i], &reason) && reason == debrief.SSOAccountLinked:
		default:
			t.Errorf("identity %d racing for pat's permission = %v, %v; want linked or refused as linked elsewhere", i, users[i], errs[i])
		}
	}
	ids, _ := store.(debrief.AccountStore).UserSSOIdentities(ctx, pat.ID)
	if linked != 1 || len(ids) != 1 {
		t.Errorf("%d identities signed in to pat and %d are linked; want exactly one", linked, len(ids))
	}
}

// inlineScriptOrStyle reports whether page has a script element without a
// src (inline code) or a style attribute, both of which the CSP blocks.
func inlineScriptOrStyle(page string) bool {
	for rest := page; ; {
		i := strings.Index(rest, "<script")
		if i < 0 {
			break
		}
		tag, _, _ := strings.Cut(rest[i:], ">")
		if !strings.Contains(tag, " src=") {
			return true
		}
		rest = rest[i+len("<script"):]
	}
	return strings.Contains(page, "style=")
}
