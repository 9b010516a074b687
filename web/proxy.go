package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// withTrustedProxies makes the client address of a request that arrives
// from one of the trusted proxies the one the proxies name in
// X-Forwarded-For, so that sign-in limits, the audit log, the metrics allow
// list and the delivery log see the real client behind a reverse proxy.
// It rewrites r.RemoteAddr once, at the edge, so every reader of the
// client address (clientIP) agrees. A request from any other peer keeps
// its TCP peer: anyone can send the header, so it is believed only from a
// proxy the operator named. With no trusted proxies the handler is next.
func withTrustedProxies(trusted []netip.Prefix, next http.Handler) http.Handler {
	if len(trusted) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ip, ok := forwardedClient(r, trusted); ok {
			r = r.WithContext(r.Context()) // a shallow copy: never change the caller's request
			r.RemoteAddr = netip.AddrPortFrom(ip, 0).String()
		}
		next.ServeHTTP(w, r)
	})
}

// forwardedClient returns the client address that trusted proxies put in
// X-Forwarded-For, when the TCP peer is one of them. Each proxy appends the
// address it received the request from, so the list is read from the right:
// the first address that is not a trusted proxy is the client, and
// everything left of it was written by the client and is not believed.
// When every address is a trusted proxy the leftmost one is the client. A
// malformed entry ends the walk at the last address believed, since nothing
// left of it can be trusted either.
func forwardedClient(r *http.Request, trusted []netip.Prefix) (netip.Addr, bool) {
	peer, ok := parseHostAddr(r.RemoteAddr)
	if !ok || !inPrefixes(trusted, peer) {
		return netip.Addr{}, false
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	client, found := peer, false
	for i := len(hops) - 1; i >= 0; i-- {
		ip, ok := parseHostAddr(hops[i])
		if !ok {
			break
		}
		client, found = ip, true
		if !inPrefixes(trusted, ip) {
			break
		}
	}
	return client, found
}

// parseHostAddr reads an address with or without a port ("203.0.113.9",
// "203.0.113.9:4711", "[2001:db8::1]:4711", "2001:db8::1"), as proxies
// write them, and unmaps IPv4-in-IPv6 so that 10.0.0.0/8 matches
// ::ffff:10.1.2.3.
func parseHostAddr(s string) (netip.Addr, bool) {
	if ip, err := netip.ParseAddr(s); err == nil {
		return ip.Unmap().WithZone(""), true
	}
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		return netip.Addr{}, false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap().WithZone(""), true
}

func inPrefixes(prefixes []netip.Prefix, ip netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
