package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/debriefhq/debrief/debrief"
)

// OIDCConfig configures single sign-on with an OpenID Connect provider
// (authorization code flow with PKCE).
type OIDCConfig struct {
	// Issuer is the provider's issuer URL; its discovery document is read
	// from Issuer/.well-known/openid-configuration on first use.
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this server's /auth/oidc/callback as the provider knows it.
	RedirectURL string
	// AllowedDomains limits sign-in to these email domains; empty allows any.
	AllowedDomains []string
	// RoleClaim names the ID token claim (a string or a list of strings)
	// that RoleMap maps to Debrief roles; the highest match wins.
	RoleClaim string
	RoleMap   map[string]debrief.Role
	// DefaultRole is given when no claim value maps; empty refuses sign-in.
	DefaultRole debrief.Role
}

// oidcCookie carries state, PKCE verifier and nonce across the round trip
// to the provider. It is HttpOnly and lives ten minutes; SameSite=Lax lets
// the provider's top-level redirect back carry it.
const oidcCookie = "debrief_oidc"

type oidcClient struct {
	cfg      OIDCConfig
	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDCClient(cfg OIDCConfig) *oidcClient { return &oidcClient{cfg: cfg} }

// discover reads the provider's configuration once; a provider that is
// down at start-up does not stop the server, only sign-in through it.
func (c *oidcClient) discover(ctx context.Context) (*oidc.Provider, *oauth2.Config, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider == nil {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		p, err := oidc.NewProvider(ctx, c.cfg.Issuer)
		if err != nil {
			return nil, nil, &debrief.Error{Code: debrief.EUnavailable, Message: "The single sign-on provider cannot be reached; try again or sign in with a password.", Err: err}
		}
		c.provider = p
	}
	oc := &oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, RedirectURL: c.cfg.RedirectURL,
		Endpoint: c.provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
	return c.provider, oc, nil
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) oidcLogin() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.oidc == nil {
			return debrief.Errorf(debrief.ENotFound, "", "Single sign-on is not configured on this server.")
		}
		_, oc, err := s.oidc.discover(r.Context())
		if err != nil {
			return err
		}
		state, verifier, nonce := randomString(), oauth2.GenerateVerifier(), randomString()
		http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: state + "." + verifier + "." + nonce, Path: "/auth/oidc/",
			HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 600})
		http.Redirect(w, r, oc.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)), http.StatusFound)
		return nil
	}
}

type oidcClaims struct {
	Email         string `json:"email"`
	EmailVerified *bool  `json:"email_verified"`
	Name          string `json:"name"`
}

func (s *Server) oidcCallback() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.oidc == nil {
			return debrief.Errorf(debrief.ENotFound, "", "Single sign-on is not configured on this server.")
		}
		// The round-trip cookie is single use.
		http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/auth/oidc/", HttpOnly: true, Secure: s.secureCookies, MaxAge: -1})
		u, err := s.oidcUser(r)
		if err != nil {
			if debrief.ErrorCode(err) == debrief.EUnauthorized || debrief.ErrorCode(err) == debrief.EForbidden {
				s.svc.AuditDenied(r.Context(), debrief.Actor{Name: "oidc"}, "GET /auth/oidc/callback", debrief.ErrorMessage(err))
			}
			return err
		}
		_, secret, err := s.svc.StartSession(r.Context(), u, "oidc")
		if err != nil {
			return err
		}
		s.setSessionCookie(w, secret, s.sessionTTL)
		http.Redirect(w, r, "/", http.StatusFound)
		return nil
	}
}

func (s *Server) oidcUser(r *http.Request) (*debrief.User, error) {
	refused := func(msg string) (*debrief.User, error) {
		return nil, debrief.Errorf(debrief.EUnauthorized, "", "%s", msg)
	}
	c, err := r.Cookie(oidcCookie)
	if err != nil {
		return refused("The single sign-on round trip expired or was started elsewhere; sign in again.")
	}
	parts := strings.Split(c.Value, ".")
	q := r.URL.Query()
	if len(parts) != 3 || subtle.ConstantTimeCompare([]byte(parts[0]), []byte(q.Get("state"))) != 1 {
		return refused("The single sign-on answer does not match this sign-in (state); sign in again.")
	}
	if e := q.Get("error"); e != "" {
		return refused("The single sign-on provider refused the sign-in (" + truncate(e, 60) + ").")
	}
	provider, oc, err := s.oidc.discover(r.Context())
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	tok, err := oc.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(parts[1]))
	if err != nil {
		return refused("The single sign-on provider did not accept the sign-in code; sign in again.")
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return refused("The single sign-on provider sent no ID token.")
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: s.oidc.cfg.ClientID}).Verify(ctx, raw)
	if err != nil {
		return refused("The single sign-on ID token is not valid for this server.")
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(parts[2])) != 1 {
		return refused("The single sign-on ID token was issued for another sign-in (nonce).")
	}
	var claims oidcClaims
	var all map[string]any
	if err := idt.Claims(&claims); err != nil {
		return refused("The single sign-on ID token's claims cannot be read.")
	}
	_ = idt.Claims(&all)
	if claims.Email == "" || (claims.EmailVerified != nil && !*claims.EmailVerified) {
		return refused("The single sign-on account has no verified email address.")
	}
	email, err := debrief.NormalizeEmail(claims.Email)
	if err != nil {
		return refused("The single sign-on account's email address is not valid.")
	}
	if !s.oidc.domainAllowed(email) {
		return nil, debrief.Errorf(debrief.EForbidden, "", "Accounts of %s may not sign in to this server.", email[strings.LastIndex(email, "@")+1:])
	}
	return s.svc.ProvisionUser(r.Context(), email, claims.Name, s.oidc.role(all))
}

func (c *oidcClient) domainAllowed(email string) bool {
	if len(c.cfg.AllowedDomains) == 0 {
		return true
	}
	domain := email[strings.LastIndex(email, "@")+1:]
	for _, d := range c.cfg.AllowedDomains {
		if strings.EqualFold(strings.TrimPrefix(strings.TrimSpace(d), "@"), domain) {
			return true
		}
	}
	return false
}

// role maps the role claim to the highest Debrief role it names.
func (c *oidcClient) role(claims map[string]any) debrief.Role {
	var values []string
	switch v := claims[c.cfg.RoleClaim].(type) {
	case string:
		values = []string{v}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				values = append(values, s)
			}
		}
	}
	best := debrief.Role("")
	for _, v := range values {
		if r, ok := c.cfg.RoleMap[v]; ok && r.Valid() && (best == "" || r.Includes(best)) {
			best = r
		}
	}
	if best == "" {
		return c.cfg.DefaultRole
	}
	return best
}

func (s *Server) oidcRoutes() []Route {
	return []Route{
		{Pattern: "GET /auth/oidc/login", Kind: KindUI, Handler: s.oidcLogin()},
		{Pattern: "GET /auth/oidc/callback", Kind: KindUI, Handler: s.oidcCallback()},
	}
}
