package review

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Fetcher downloads a calendar from its secret URL on behalf of a
// participant. Because the server makes the request, a URL could be used
// to probe the internal network; so every connection's resolved address is
// checked when it is dialled (after DNS, so a name that resolves to a
// public address once and a private one later gains nothing), redirects are
// followed only a few times and pass the same check, no proxy from the
// environment is used, and the answer is bounded in size and time.
type Fetcher struct {
	// AllowPrivate lets the server fetch from loopback, private and
	// link-local addresses: an admin's choice for a calendar server inside
	// their own network.
	AllowPrivate bool
	// MaxBytes bounds the calendar's size; 0 means 2 MiB.
	MaxBytes int64
	// Timeout bounds the whole fetch, redirects included; 0 means 10 s.
	Timeout time.Duration
}

// ErrRefusedAddress is returned (wrapped) when a URL leads to an address
// the fetcher may not reach.
var ErrRefusedAddress = errors.New("the address is loopback, private or link-local")

// Fetch returns the body of rawURL (http, https or webcal).
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("the calendar URL is not a URL such as https://calendar.example.com/private-…/basic.ics")
	}
	switch strings.ToLower(u.Scheme) {
	case "webcal", "webcals":
		u.Scheme = "https"
	case "http", "https":
	default:
		return nil, fmt.Errorf("the calendar URL must start with https://, http:// or webcal://")
	}
	if u.User != nil {
		return nil, fmt.Errorf("the calendar URL must not carry a user name or password")
	}
	max := f.MaxBytes
	if max <= 0 {
		max = 2 << 20
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dialer := &net.Dialer{Timeout: timeout, Control: f.control}
	client := &http.Client{
		Transport: &http.Transport{
			Proxy:                  nil, // a proxy would dial for us, past the check
			DialContext:            dialer.DialContext,
			TLSHandshakeTimeout:    timeout,
			ResponseHeaderTimeout:  timeout,
			MaxResponseHeaderBytes: 64 << 10,
			DisableKeepAlives:      true,
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return fmt.Errorf("the calendar URL redirects more than 3 times")
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("the calendar URL redirects to a %s URL", req.URL.Scheme)
			}
			return nil
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("the calendar URL cannot be requested: %v", err)
	}
	req.Header.Set("Accept", "text/calendar, */*;q=0.5")
	req.Header.Set("User-Agent", "Debrief calendar import")
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, ErrRefusedAddress) {
			return nil, fmt.Errorf("the calendar URL leads to an internal address, which this server may not fetch (an admin can allow it)")
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("the calendar server did not answer within %s", timeout)
		}
		return nil, fmt.Errorf("the calendar could not be fetched: %v", unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the calendar server answered %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("the calendar server did not send the calendar within %s", timeout)
		}
		return nil, fmt.Errorf("the calendar could not be read: %v", err)
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("the calendar is larger than %d KiB", max>>10)
	}
	return body, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// control runs for every connection after DNS resolution, with the
// address about to be dialled.
func (f *Fetcher) control(network, address string, _ syscall.RawConn) error {
	if f.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrRefusedAddress, address)
	}
	if !PublicAddress(ap.Addr()) {
		return fmt.Errorf("%w: %s", ErrRefusedAddress, ap.Addr())
	}
	return nil
}

// PublicAddress reports whether ip may be fetched from without the admin's
// permission: not loopback, private (RFC 1918, fc00::/7), link-local,
// unspecified, multicast, shared address space (100.64.0.0/10) or an IPv4
// address hidden in IPv6.
func PublicAddress(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() || !ip.IsValid() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64 could reach any IPv4 address
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2002::/16"),      // 6to4 embeds an IPv4 address
	netip.MustParsePrefix("::ffff:0:0/96"),  // IPv4-mapped (also unmapped above)
	netip.MustParsePrefix("100::/64"),       // discard-only
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
}
