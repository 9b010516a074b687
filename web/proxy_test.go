package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

func prefixes(ss ...string) []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range ss {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}

func TestForwardedClient(t *testing.T) {
	trusted := prefixes("10.0.0.0/8", "::1/128")
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string // "" means the peer stays the client
	}{
		{"untrusted peer ignores the header", "203.0.113.9:4000", []string{"198.51.100.7"}, ""},
		{"trusted peer, no header", "10.0.0.2:4000", nil, ""},
		{"trusted peer, one hop", "10.0.0.2:4000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"spoofed entry left of the real client", "10.0.0.2:4000", []string{"1.2.3.4, 198.51.100.7"}, "198.51.100.7"},
		{"chain of trusted proxies", "10.0.0.2:4000", []string{"198.51.100.7, 10.9.9.9"}, "198.51.100.7"},
		{"two headers in order", "10.0.0.2:4000", []string{"1.2.3.4", "198.51.100.7, 10.9.9.9"}, "198.51.100.7"},
		{"all trusted: the leftmost", "10.0.0.2:4000", []string{"10.1.1.1, 10.2.2.2"}, "10.1.1.1"},
		{"entry with a port", "10.0.0.2:4000", []string{"198.51.100.7:5555"}, "198.51.100.7"},
		{"IPv6 entry with a port", "10.0.0.2:4000", []string{"[2001:db8::7]:5555"}, "2001:db8::7"},
		{"IPv6 proxy", "[::1]:4000", []string{"2001:db8::7"}, "2001:db8::7"},
		{"IPv4-mapped peer", "[::ffff:10.0.0.2]:4000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"malformed rightmost: peer stays", "10.0.0.2:4000", []string{"198.51.100.7, garbage"}, ""},
		{"malformed left of the client", "10.0.0.2:4000", []string{"garbage, 198.51.100.7"}, "198.51.100.7"},
		{"malformed behind a trusted hop stops there", "10.0.0.2:4000", []string{"garbage, 10.3.3.3"}, "10.3.3.3"},
		{"empty header", "10.0.0.2:4000", []string{""}, ""},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.peer
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		got, ok := forwardedClient(r, trusted)
		switch {
		case tc.want == "" && ok:
			t.Errorf("%s: forwardedClient(peer %s, XFF %q) = %s; want the peer kept", tc.name, tc.peer, tc.xff, got)
		case tc.want != "" && (!ok || got.String() != tc.want):
			t.Errorf("%s: forwardedClient(peer %s, XFF %q) = %s, %v; want %s", tc.name, tc.peer, tc.xff, got, ok, tc.want)
		}
	}
}

// TestTrustedProxiesMetrics checks the client address the metrics allow
// list sees: behind a trusted proxy on loopback, an outside client named
// in X-Forwarded-For is refused; without trusted proxies the header is
// ignored and the loopback peer is allowed.
func TestTrustedProxiesMetrics(t *testing.T) {
	svc := debrief.NewService(openSQLite(t))
	plain := New(Config{Service: svc, Logger: slog.New(slog.DiscardHandler)})
	proxied := New(Config{Service: svc, Logger: slog.New(slog.DiscardHandler), TrustedProxies: prefixes("127.0.0.1/32")})
	for _, tc := range []struct {
		name string
		srv  *Server
		peer string
		xff  string
		want int
	}{
		{"no trusted proxies, header ignored", plain, "127.0.0.1:4000", "203.0.113.9", 200},
		{"trusted proxy, outside client", proxied, "127.0.0.1:4000", "203.0.113.9", 403},
		{"trusted proxy, local client", proxied, "127.0.0.1:4000", "127.0.0.1", 200},
		{"trusted proxy, no header", proxied, "127.0.0.1:4000", "", 200},
		{"untrusted peer claims loopback", proxied, "203.0.113.9:4000", "127.0.0.1", 403},
	} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.RemoteAddr = tc.peer
		if tc.xff != "" {
			req.Header.Set("X-Forwarded-For", tc.xff)
		}
		rec := httptest.NewRecorder()
		tc.srv.Handler().ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("%s: GET /metrics from %s with X-Forwarded-For %q = %d; want %d", tc.name, tc.peer, tc.xff, rec.Code, tc.want)
		}
	}
}

// TestTrustedProxiesSignInLimit fills the per-address sign-in limit from
// one client behind a proxy. With the proxy trusted, another client behind
// it still signs in, and the audit log names that client; without, every
// client shares the proxy's address and is limited together.
func TestTrustedProxiesSignInLimit(t *testing.T) {
	for _, trusted := range []bool{true, false} {
		t.Run(fmt.Sprintf("trusted=%v", trusted), func(t *testing.T) {
			e := newAuthEnv(t, openSQLite(t))
			if trusted {
				// authEnv's requests come from 192.0.2.10, the proxy.
				e.srv = New(Config{Service: e.svc, InsecureCookies: true, Logger: slog.New(slog.DiscardHandler), TrustedProxies: prefixes("192.0.2.0/24")})
				e.h = e.srv.Handler()
			}
			from := func(ip string) http.Header { return http.Header{"X-Forwarded-For": {ip}} }
			for i := range loginMaxIP {
				rec := e.do("POST", "/api/v1/auth/login", fmt.Sprintf(`{"email": "nobody%d@example.com", "password": "wrong password"}`, i), from("203.0.113.5"))
				if rec.Code != http.StatusUnauthorized {
					t.Fatalf("failed sign-in %d from 203.0.113.5 = %d, want 401", i, rec.Code)
				}
			}
			body := `{"email": "viewer@example.com", "password": "` + authPassword + `"}`
			if rec := e.do("POST", "/api/v1/auth/login", body, from("203.0.113.5")); rec.Code != http.StatusTooManyRequests {
				t.Errorf("sign-in from the limited client 203.0.113.5 = %d, want 429", rec.Code)
			}
			rec := e.do("POST", "/api/v1/auth/login", body, from("198.51.100.6"))
			want := http.StatusOK
			if !trusted {
				want = http.StatusTooManyRequests
			}
			if rec.Code != want {
				t.Fatalf("sign-in from another client 198.51.100.6 = %d, want %d", rec.Code, want)
			}
			if !trusted {
				return
			}
			sys := debrief.WithActor(t.Context(), debrief.SystemActor)
			page, err := e.svc.AuditLog(sys, debrief.AuditFilter{Action: "auth.login"})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) == 0 || page.Items[0].IP != "198.51.100.6" {
				t.Errorf("audit of the sign-in = %+v; want it from 198.51.100.6", page.Items)
			}
		})
	}
}
