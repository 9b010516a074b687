package web

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// testIdP is a hand-made OpenID Connect provider run inside the test, for
// what a real provider will not do (TestOIDCRealProvider covers the rest): discovery,
// JWKS, /authorize (which signs the user in at once) and /token, issuing
// RS256 ID tokens. Its fields choose the identity and how to misbehave.
type testIdP struct {
	srv *httptest.Server
	key *rsa.PrivateKey
	// other signs tokens when badSignature is set: a key not in the JWKS.
	other *rsa.PrivateKey

	mu           sync.Mutex
	email        string
	groups       []string
	audience     string
	badSignature bool
	// breakPKCE stores a different challenge, as if the code had been
	// stolen and redeemed with another verifier.
	breakPKCE bool
	// userinfoOnly leaves the e-mail out of the ID token, so Debrief asks
	// userinfo, which answers about userinfoSub (the ID token's subject
	// when empty).
	userinfoOnly bool
	userinfoSub  string
	codes        map[string]authRequest
}

type authRequest struct{ challenge, nonce, clientID string }

func newTestIdP(t *testing.T) *testIdP {
	k1, _ := rsa.GenerateKey(rand.Reader, 2048)
	k2, _ := rsa.GenerateKey(rand.Reader, 2048)
	p := &testIdP{key: k1, other: k2, codes: map[string]authRequest{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		u := p.srv.URL
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": u, "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token", "jwks_uri": u + "/jwks", "userinfo_endpoint": u + "/userinfo",
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /userinfo", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		sub := p.email
		if p.userinfoSub != "" {
			sub = p.userinfoSub
		}
		info := map[string]any{"sub": sub, "email": p.email, "email_verified": true, "groups": p.groups}
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(info)
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			http.Error(w, "PKCE required", 400)
			return
		}
		code := randomString()
		p.mu.Lock()
		ch := q.Get("code_challenge")
		if p.breakPKCE {
			ch = "tampered" + ch
		}
		p.codes[code] = authRequest{challenge: ch, nonce: q.Get("nonce"), clientID: q.Get("client_id")}
		p.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+code+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, _ := r.BasicAuth()
		if err := r.ParseForm(); err != nil || id != "debrief" || secret != "s3cret" {
			w.WriteHeader(401)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client"})
			return
		}
		p.mu.Lock()
		req, ok := p.codes[r.Form.Get("code")]
		delete(p.codes, r.Form.Get("code"))
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.Form.Get("code_verifier")))
		if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != req.challenge {
			w.WriteHeader(400)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
			return
		}
		p.mu.Lock()
		aud, key := req.clientID, p.key
		if p.audience != "" {
			aud = p.audience
		}
		if p.badSignature {
			key = p.other
		}
		claims := map[string]any{"iss": p.srv.URL, "sub": p.email, "aud": aud, "exp": time.Now().Add(5 * time.Minute).Unix(),
			"iat": time.Now().Unix(), "nonce": req.nonce, "email": p.email, "email_verified": true, "name": "Ada Lovelace", "groups": p.groups}
		if p.userinfoOnly {
			delete(claims, "email")
			delete(claims, "email_verified")
		}
		p.mu.Unlock()
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1", Algorithm: "RS256"}}, (&jose.SignerOptions{}).WithType("JWT"))
		if err != nil {
			t.Errorf("NewSigner: %v", err)
			return
		}
		payload, _ := json.Marshal(claims)
		obj, err := signer.Sign(payload)
		if err != nil {
			t.Errorf("Sign: %v", err)
			return
		}
		raw, _ := obj.CompactSerialize()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at-" + randomString(), "token_type": "Bearer", "expires_in": 300, "id_token": raw})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *testIdP) set(fn func(p *testIdP)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.email, p.groups, p.audience, p.badSignature, p.breakPKCE = "ada@example.com", []string{"sre"}, "", false, false
	p.userinfoOnly, p.userinfoSub = false, ""
	fn(p)
}

// TestOIDCLogin signs in end to end over loopback HTTP: Debrief redirects
// to the provider, which redirects back with a code that Debrief exchanges
// (with the PKCE verifier) for a signed ID token. Bad signatures, another
// audience, a domain not allowed and a PKCE mismatch are refused.
func TestOIDCLogin(t *testing.T) {
	idp := newTestIdP(t)
	store := openSQLite(t)
	svc := debrief.NewService(store, debrief.WithPasswordHasher(storetest.FastHasher))
	var srv *Server
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { srv.Handler().ServeHTTP(w, r) }))
	defer app.Close()
	srv = New(Config{Service: svc, InsecureCookies: true, Logger: slog.New(slog.DiscardHandler), OIDC: &OIDCConfig{
		Issuer: idp.srv.URL, ClientID: "debrief", ClientSecret: "s3cret", RedirectURL: app.URL + "/auth/oidc/callback",
		AllowedDomains: []string{"example.com"}, RoleClaim: "groups",
		RoleMap: map[string]debrief.Role{"sre": debrief.RoleResponder, "incident-admins": debrief.RoleAdmin},
	}})

	signIn := func(t *testing.T) (*http.Client, *http.Response) {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Path == "/" {
				return http.ErrUseLastResponse // signed in; the web UI is not part of this test
			}
			return nil
		}}
		resp, err := c.Get(app.URL + "/auth/oidc/login")
		if err != nil {
			t.Fatalf("GET /auth/oidc/login: %v", err)
		}
		resp.Body.Close()
		return c, resp
	}
	me := func(t *testing.T, c *http.Client) (int, meJSON) {
		resp, err := c.Get(app.URL + "/api/v1/auth/me")
		if err != nil {
			t.Fatalf("GET /api/v1/auth/me: %v", err)
		}
		defer resp.Body.Close()
		var m meJSON
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}

	t.Run("good", func(t *testing.T) {
		idp.set(func(p *testIdP) {})
		c, resp := signIn(t)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
			t.Fatalf("OIDC sign-in ended with %d to %q; want 302 to /", resp.StatusCode, resp.Header.Get("Location"))
		}
		code, m := me(t, c)
		if code != 200 || m.Actor.Email != "ada@example.com" || m.Actor.Role != debrief.RoleResponder || m.Actor.Via != "session" {
			t.Fatalf("GET /auth/me after OIDC = %d %+v; want ada as responder (group sre)", code, m.Actor)
		}
		// The claim changes: the next sign-in follows it.
		idp.set(func(p *testIdP) { p.groups = []string{"sre", "incident-admins"} })
		c, _ = signIn(t)
		if _, m := me(t, c); m.Actor.Role != debrief.RoleAdmin {
			t.Errorf("after joining incident-admins the role is %s; want admin", m.Actor.Role)
		}
	})

	for _, tc := range []struct {
		name string
		set  func(p *testIdP)
		want int
	}{
		{"bad signature", func(p *testIdP) { p.badSignature = true }, 400},
		{"wrong audience", func(p *testIdP) { p.audience = "someone-else" }, 400},
		{"domain not allowed", func(p *testIdP) { p.email = "eve@evil.example" }, 403},
		{"PKCE mismatch", func(p *testIdP) { p.breakPKCE = true }, 400},
		{"no role", func(p *testIdP) { p.email, p.groups = "bob@example.com", []string{"marketing"} }, 403},
		{"userinfo about someone else", func(p *testIdP) { p.email, p.userinfoOnly, p.userinfoSub = "carl@example.com", true, "mallory" }, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idp.set(tc.set)
			c, resp := signIn(t)
			if resp.StatusCode != tc.want {
				t.Errorf("OIDC sign-in with %s ended with %d; want %d", tc.name, resp.StatusCode, tc.want)
			}
			if code, _ := me(t, c); code != 401 {
				t.Errorf("GET /auth/me after a refused OIDC sign-in (%s) = %d; want 401", tc.name, code)
			}
		})
	}

	// A callback without the round-trip cookie (forged or replayed) is refused.
	resp, err := http.Get(app.URL + "/auth/oidc/callback?code=x&state=y")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("callback without the state cookie = %d; want 400", resp.StatusCode)
	}
	users, _ := store.(debrief.AccountStore).ListUsers(t.Context())
	for _, u := range users {
		if !strings.HasSuffix(u.Email, "@example.com") || u.Email == "bob@example.com" || u.Email == "carl@example.com" {
			t.Errorf("user %s was created by a refused sign-in", u.Email)
		}
	}
}
