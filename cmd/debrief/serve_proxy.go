package main

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/debriefhq/debrief/web"
)

// ProxyFlags name the reverse proxies in front of the server.
type ProxyFlags struct {
	TrustedProxies []string `name:"trusted-proxies" help:"Addresses or CIDR ranges of your reverse proxies (comma-separated): only requests from them may name the client in X-Forwarded-For; default none, so the client is always the TCP peer." env:"DEBRIEF_TRUSTED_PROXIES"`
}

// webProxies turns the flags into the server's configuration.
func (f *ProxyFlags) webProxies(cfg *web.Config) error {
	ps, err := parsePrefixes("--trusted-proxies", f.TrustedProxies)
	if err != nil {
		return err
	}
	cfg.TrustedProxies = ps
	return nil
}

// parsePrefixes reads a list of addresses (a one-address range) and CIDR
// ranges, skipping empty entries.
func parsePrefixes(flag string, list []string) ([]netip.Prefix, error) {
	var ps []netip.Prefix
	for _, a := range list {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		p, err := netip.ParsePrefix(a)
		if err != nil {
			ip, err2 := netip.ParseAddr(a)
			if err2 != nil {
				return nil, fmt.Errorf("%s %q is not an address or a CIDR range such as 10.0.0.0/8", flag, a)
			}
			p = netip.PrefixFrom(ip, ip.BitLen())
		}
		ps = append(ps, p.Masked())
	}
	return ps, nil
}
