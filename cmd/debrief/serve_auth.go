package main

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/debriefhq/debrief/debrief"

	"github.com/debriefhq/debrief/web"
)

// AuthFlags configure how the server authenticates requests.
type AuthFlags struct {
	Open         bool   `help:"Run without accounts: every request acts as a local admin. Allowed only on a loopback address." env:"DEBRIEF_OPEN"`
	CookieSecure string `name:"cookie-secure" help:"Secure attribute of the session cookie: on, off, or auto (off only when listening on a loopback address, for plain-HTTP localhost)." enum:"auto,on,off" default:"auto" env:"DEBRIEF_COOKIE_SECURE"`

	MetricsToken string   `name:"metrics-token" help:"Serve /metrics to any address that sends \"Authorization: Bearer TOKEN\" (prefer the environment variable)." env:"DEBRIEF_METRICS_TOKEN"`
	MetricsAllow []string `name:"metrics-allow" help:"Addresses or CIDR ranges that read /metrics without the token (comma-separated); default loopback only." default:"127.0.0.0/8,::1/128" env:"DEBRIEF_METRICS_ALLOW"`

	OIDCIssuer          string   `name:"oidc-issuer" help:"OpenID Connect issuer URL; enables single sign-on at /auth/oidc/login." env:"DEBRIEF_OIDC_ISSUER" placeholder:"URL"`
	OIDCClientID        string   `name:"oidc-client-id" help:"OpenID Connect client id." env:"DEBRIEF_OIDC_CLIENT_ID"`
	OIDCClientSecret    string   `name:"oidc-client-secret" help:"OpenID Connect client secret (prefer the environment variable)." env:"DEBRIEF_OIDC_CLIENT_SECRET"`
	OIDCRedirectURL     string   `name:"oidc-redirect-url" help:"This server's callback as registered with the provider, e.g. https://debrief.example.com/auth/oidc/callback." env:"DEBRIEF_OIDC_REDIRECT_URL" placeholder:"URL"`
	OIDCAllowedDomains  []string `name:"oidc-allowed-domains" help:"Email domains allowed to sign in (comma-separated); empty allows any the provider vouches for." env:"DEBRIEF_OIDC_ALLOWED_DOMAINS"`
	OIDCRoleClaim       string   `name:"oidc-role-claim" help:"ID token claim (string or list) mapped to roles." default:"groups" env:"DEBRIEF_OIDC_ROLE_CLAIM"`
	OIDCRoleMap         []string `name:"oidc-role-map" help:"Claim values to roles, e.g. sre=responder,incident-admins=admin." env:"DEBRIEF_OIDC_ROLE_MAP"`
	OIDCDefaultRole     string   `name:"oidc-default-role" help:"Role when no claim value maps (viewer, responder, admin); empty refuses the sign-in." env:"DEBRIEF_OIDC_DEFAULT_ROLE"`
	OIDCTrustUnverified bool     `name:"oidc-trust-unverified-email" help:"Count an e-mail address as verified when the provider sends no email_verified claim. Only for a provider that verifies every address; an explicit false is refused all the same." env:"DEBRIEF_OIDC_TRUST_UNVERIFIED_EMAIL"`
}

// isLoopback reports whether addr (host:port) listens only on loopback.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// webAuth turns the flags into the server's configuration.
func (f *AuthFlags) webAuth(cfg *web.Config, addr string) error {
	if f.Open && !isLoopback(addr) {
		return fmt.Errorf("--open runs without any sign-in, so it is refused on %s; listen on 127.0.0.1 or create an admin with `debrief user add --admin EMAIL`", addr)
	}
	cfg.Open = f.Open
	cfg.MetricsToken = f.MetricsToken
	if f.MetricsAllow != nil {
		ps, err := parsePrefixes("--metrics-allow", f.MetricsAllow)
		if err != nil {
			return err
		}
		cfg.MetricsAllow = append([]netip.Prefix{}, ps...) // an empty list allows no address: the token only
	}
	if f.OIDCIssuer != "" {
		if f.OIDCClientID == "" || f.OIDCRedirectURL == "" {
			return fmt.Errorf("--oidc-issuer needs --oidc-client-id and --oidc-redirect-url too")
		}
		oc := &web.OIDCConfig{Issuer: f.OIDCIssuer, ClientID: f.OIDCClientID, ClientSecret: f.OIDCClientSecret,
			RedirectURL: f.OIDCRedirectURL, AllowedDomains: f.OIDCAllowedDomains, RoleClaim: f.OIDCRoleClaim,
			RoleMap: map[string]debrief.Role{}, DefaultRole: debrief.Role(f.OIDCDefaultRole),
			TrustUnverifiedEmail: f.OIDCTrustUnverified}
		if oc.DefaultRole != "" && !oc.DefaultRole.Valid() {
			return fmt.Errorf("--oidc-default-role %q is not viewer, responder or admin", f.OIDCDefaultRole)
		}
		for _, m := range f.OIDCRoleMap {
			k, v, ok := strings.Cut(m, "=")
			if !ok || !debrief.Role(v).Valid() {
				return fmt.Errorf("--oidc-role-map entry %q is not VALUE=ROLE with ROLE viewer, responder or admin", m)
			}
			oc.RoleMap[strings.TrimSpace(k)] = debrief.Role(v)
		}
		cfg.OIDC = oc
	}
	switch f.CookieSecure {
	case "off":
		cfg.InsecureCookies = true
	case "auto", "":
		// Browsers drop Secure cookies on http://localhost in some versions;
		// anything reachable from elsewhere should be behind TLS.
		cfg.InsecureCookies = isLoopback(addr)
	}
	return nil
}
