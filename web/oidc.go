package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
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
	// RoleClaim names the ID token (or userinfo) claim (a string or a list of strings)
	// that RoleMap maps to Debrief roles; the highest match wins.
	RoleClaim string
	RoleMap   map[string]debrief.Role
	// DefaultRole is given when no claim value maps; empty refuses sign-in.
	DefaultRole debrief.Role
	// TrustUnverifiedEmail counts an e-mail address as verified when the
	// provider does not say (no email_verified claim), for providers known
	// to verify every address; an explicit false is refused all the same.
	// Off by default: without the claim anyone could type the address.
	TrustUnverifiedEmail bool
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
			return s.oidcPageFor(w, r, refuseOIDC(debrief.ENotFound, "not_configured"))
		}
		_, oc, err := s.oidc.discover(r.Context())
		if err != nil {
			return s.oidcPageFor(w, r, refuseOIDC(debrief.EUnavailable, "unavailable"))
		}
		state, verifier, nonce := randomString(), oauth2.GenerateVerifier(), randomString()
		// The page that asked for sign-in rides in the round-trip cookie
		// (checked again on the way back), not in the provider's state.
		next := base64.RawURLEncoding.EncodeToString([]byte(safeNext(r.URL.Query().Get("next"))))
		http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: state + "." + verifier + "." + nonce + "." + next, Path: "/auth/oidc/",
			HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 600})
		http.Redirect(w, r, oc.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)), http.StatusFound)
		return nil
	}
}

// oidcMessages are the sentences a person reads when single sign-on fails,
// by reason, in one table so that the sign-in page can show the same ones.
// A %s is filled with the e-mail address or domain the reason is about.
// The reasons from debrief.SignInSSO (debrief.SSORefusal) are here too.
var oidcMessages = map[string]string{
	"not_configured":                      "Single sign-on is not configured on this server.",
	"unavailable":                         "The single sign-on provider cannot be reached; try again or sign in with a password.",
	"expired":                             "The single sign-on round trip expired or was started in another browser; sign in again.",
	"state":                               "The single sign-on answer does not belong to this sign-in (its state differs); sign in again.",
	"provider_refused":                    "The single sign-on provider refused the sign-in (%s).",
	"code":                                "The single sign-on provider did not accept the sign-in code; sign in again.",
	"no_id_token":                         "The single sign-on provider sent no ID token.",
	"id_token_invalid":                    "The single sign-on ID token is not valid for this server.",
	"nonce":                               "The single sign-on ID token was issued for another sign-in (its nonce differs); sign in again.",
	"claims":                              "The single sign-on ID token's claims cannot be read.",
	"userinfo":                            "The single sign-on provider's user information cannot be read; try again.",
	"userinfo_subject":                    "The single sign-on provider's user information is about someone other than its ID token; the sign-in is refused.",
	"no_email":                            "The single sign-on provider sent no e-mail address; ask its administrator to release the e-mail address (scope \"email\") to Debrief.",
	"email_invalid":                       "The e-mail address the single sign-on provider sent is not valid.",
	"domain":                              "Accounts of %s may not sign in to this server.",
	string(debrief.SSOEmailUnverified):    "The single sign-on provider does not say that the e-mail address %s is verified; verify it there and sign in again.",
	string(debrief.SSONoRole):             "Your single sign-on account has no Debrief role; ask an admin.",
	string(debrief.SSOAccountHasPassword): "An account with the e-mail address %s exists and signs in with a password; sign in with the password.",
	string(debrief.SSOAccountLinked):      "The account %s is linked to another single sign-on identity; ask an admin.",
	string(debrief.SSOLinkNotAllowed):     "An account with the e-mail address %s exists but is not linked to this single sign-on identity; ask an admin to allow it (debrief user allow-sso %s).",
}

// oidcRefusal is a failed single sign-on: the reason (a key of
// oidcMessages), the sentence, and the status of the page that says it.
type oidcRefusal struct {
	reason string
	code   string // a debrief error code, for the status
	msg    string
	// audited is set when debrief.SignInSSO already audited the refusal.
	audited bool
}

func (r *oidcRefusal) Error() string { return r.msg }

func refuseOIDC(code, reason string, args ...any) *oidcRefusal {
	msg := oidcMessages[reason]
	if len(args) > 0 {
		n := strings.Count(msg, "%s")
		for len(args) < n {
			args = append(args, args[0])
		}
		msg = fmt.Sprintf(msg, args[:n]...)
	}
	return &oidcRefusal{reason: reason, code: code, msg: msg}
}

// oidcIdentity is what the provider said about the person, from the ID
// token and, where it left something out, from userinfo.
type oidcIdentity struct {
	subject string
	email   string
	// verified is nil when the provider did not say; only a JSON true
	// counts as verified (not "true", not 1).
	verified *bool
	name     string
	role     any // the role claim's raw value, nil when absent
}

func (id *oidcIdentity) fill(claims map[string]any, roleClaim string) {
	if id.email == "" {
		if e, _ := claims["email"].(string); e != "" {
			id.email, id.verified = e, verifiedClaim(claims)
		}
	} else if id.verified == nil {
		if e, _ := claims["email"].(string); strings.EqualFold(e, id.email) {
			id.verified = verifiedClaim(claims)
		}
	}
	if id.name == "" {
		id.name, _ = claims["name"].(string)
	}
	if id.role == nil && roleClaim != "" {
		id.role = claims[roleClaim]
	}
}

func verifiedClaim(claims map[string]any) *bool {
	v, ok := claims["email_verified"]
	if !ok || v == nil {
		return nil
	}
	b, _ := v.(bool)
	return &b
}

func (s *Server) oidcCallback() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "no-store")
		if s.oidc == nil {
			return s.oidcRefused(w, r, refuseOIDC(debrief.ENotFound, "not_configured"))
		}
		// The round-trip cookie is single use.
		http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/auth/oidc/", HttpOnly: true, Secure: s.secureCookies, MaxAge: -1})
		u, err := s.oidcUser(r)
		if err == nil {
			_, secret, err2 := s.svc.StartSession(r.Context(), u, "oidc")
			if err2 != nil && debrief.ErrorCode(err2) != debrief.EForbidden {
				return err2
			}
			if err2 == nil {
				s.setSessionCookie(w, secret, s.sessionTTL)
				http.Redirect(w, r, oidcNext(r), http.StatusFound)
				return nil
			}
			err = err2
		}
		var ref *oidcRefusal
		if errors.As(err, &ref) {
			return s.oidcRefused(w, r, ref)
		}
		var reason debrief.SSORefusal
		if errors.As(err, &reason) {
			// Refused and audited by the Service; the page says it in words.
			return s.oidcPageFor(w, r, &oidcRefusal{reason: string(reason), code: debrief.ErrorCode(err), msg: debrief.ErrorMessage(err)})
		}
		if c := debrief.ErrorCode(err); c == debrief.EForbidden || c == debrief.EInvalid || c == debrief.EUnavailable {
			return s.oidcPageFor(w, r, &oidcRefusal{reason: c, code: c, msg: debrief.ErrorMessage(err)})
		}
		return err
	}
}

// oidcRefused audits a refusal the web layer decided and shows its page.
func (s *Server) oidcRefused(w http.ResponseWriter, r *http.Request, ref *oidcRefusal) error {
	if ref.audited {
		return s.oidcPageFor(w, r, ref)
	}
	s.svc.AuditDenied(r.Context(), debrief.Actor{Name: "oidc"}, "GET /auth/oidc/callback", ref.reason+": "+ref.msg)
	return s.oidcPageFor(w, r, ref)
}

// oidcPageFor shows the refusal on the sign-in page, where the person can
// sign in another way.
func (s *Server) oidcPageFor(w http.ResponseWriter, r *http.Request, ref *oidcRefusal) error {
	p := loginPage{layout: newLayout(r, "Sign in", ""), Next: oidcNext(r), SSOError: ref.msg, OIDC: s.oidc != nil}
	return s.render(w, r, StatusOf(debrief.Errorf(ref.code, "", "%s", ref.msg)), "login.html", "layout", p)
}

// oidcNext returns the page that asked for sign-in, kept in the round-trip
// cookie by oidcLogin, validated again as a path on this site (the cookie
// came back from the browser), or "/" when there is none.
func oidcNext(r *http.Request) string {
	c, err := r.Cookie(oidcCookie)
	if err != nil {
		return "/"
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 4 {
		return "/"
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil {
		return "/"
	}
	return safeNext(string(b))
}

func (s *Server) oidcUser(r *http.Request) (*debrief.User, error) {
	c, err := r.Cookie(oidcCookie)
	if err != nil {
		return nil, refuseOIDC(debrief.EInvalid, "expired")
	}
	parts := strings.Split(c.Value, ".")
	q := r.URL.Query()
	if (len(parts) != 3 && len(parts) != 4) || subtle.ConstantTimeCompare([]byte(parts[0]), []byte(q.Get("state"))) != 1 {
		return nil, refuseOIDC(debrief.EInvalid, "state")
	}
	if e := q.Get("error"); e != "" {
		return nil, refuseOIDC(debrief.EForbidden, "provider_refused", truncate(e, 60))
	}
	provider, oc, err := s.oidc.discover(r.Context())
	if err != nil {
		return nil, refuseOIDC(debrief.EUnavailable, "unavailable")
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	tok, err := oc.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(parts[1]))
	if err != nil {
		return nil, refuseOIDC(debrief.EInvalid, "code")
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return nil, refuseOIDC(debrief.EInvalid, "no_id_token")
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: s.oidc.cfg.ClientID}).Verify(ctx, raw)
	if err != nil {
		return nil, refuseOIDC(debrief.EInvalid, "id_token_invalid")
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(parts[2])) != 1 {
		return nil, refuseOIDC(debrief.EInvalid, "nonce")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return nil, refuseOIDC(debrief.EInvalid, "claims")
	}
	cfg := s.oidc.cfg
	id := oidcIdentity{subject: idt.Subject}
	id.fill(claims, cfg.RoleClaim)
	// OpenID Connect Core 5.4 lets a provider answer the scope claims from
	// userinfo only (the default of several provider libraries for the
	// code flow), so what the ID token left out is asked there, with the
	// access token, from the same person (the same subject).
	// A provider without a userinfo endpoint has said all it will say.
	if (id.email == "" || id.verified == nil || (cfg.RoleClaim != "" && id.role == nil)) && provider.UserInfoEndpoint() != "" {
		ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return nil, refuseOIDC(debrief.EUnavailable, "userinfo")
		}
		if ui.Subject != idt.Subject {
			return nil, refuseOIDC(debrief.EForbidden, "userinfo_subject")
		}
		var more map[string]any
		if err := ui.Claims(&more); err != nil {
			return nil, refuseOIDC(debrief.EInvalid, "userinfo")
		}
		id.fill(more, cfg.RoleClaim)
	}
	if id.email == "" {
		return nil, refuseOIDC(debrief.EForbidden, "no_email")
	}
	email, err := debrief.NormalizeEmail(id.email)
	if err != nil {
		return nil, refuseOIDC(debrief.EForbidden, "email_invalid")
	}
	// An address the provider did not call verified is anyone's to type:
	// only an explicit true counts, unless the operator trusts a provider
	// that verifies every address and never says so. An explicit false is
	// refused either way.
	if (id.verified != nil && !*id.verified) || (id.verified == nil && !cfg.TrustUnverifiedEmail) {
		return nil, refuseOIDC(debrief.EForbidden, string(debrief.SSOEmailUnverified), email)
	}
	if !s.oidc.domainAllowed(email) {
		return nil, refuseOIDC(debrief.EForbidden, "domain", email[strings.LastIndex(email, "@")+1:])
	}
	u, err := s.svc.SignInSSO(r.Context(), debrief.SSOClaims{Issuer: idt.Issuer, Subject: idt.Subject, Email: email,
		EmailVerified: true, Name: id.name, Role: s.oidc.role(id.role)})
	var reason debrief.SSORefusal
	if errors.As(err, &reason) && oidcMessages[string(reason)] != "" {
		return nil, &oidcRefusal{reason: string(reason), code: debrief.ErrorCode(err), msg: refuseOIDC("", string(reason), email).msg, audited: true}
	}
	return u, err
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
func (c *oidcClient) role(claim any) debrief.Role {
	var values []string
	switch v := claim.(type) {
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
