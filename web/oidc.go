package web

// OIDCConfig configures single sign-on (oidc.go is filled in by the OIDC step).
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string
}

type oidcClient struct{ cfg OIDCConfig }

func newOIDCClient(cfg OIDCConfig) *oidcClient { return &oidcClient{cfg: cfg} }
