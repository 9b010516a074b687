package main

import (
	"fmt"
	"net"

	"github.com/debriefhq/debrief/web"
)

// AuthFlags configure how the server authenticates requests.
type AuthFlags struct {
	Open         bool   `help:"Run without accounts: every request acts as a local admin. Allowed only on a loopback address." env:"DEBRIEF_OPEN"`
	CookieSecure string `name:"cookie-secure" help:"Secure attribute of the session cookie: on, off, or auto (off only when listening on a loopback address, for plain-HTTP localhost)." enum:"auto,on,off" default:"auto" env:"DEBRIEF_COOKIE_SECURE"`
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
