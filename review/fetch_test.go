package review

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const calendarBody = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"

func calendarServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// TestFetchRefusesLoopbackUnlessAllowed fetches from a real server on
// 127.0.0.1: refused by default, by IP and by a name that resolves to it,
// and served when the admin allows private addresses.
func TestFetchRefusesLoopbackUnlessAllowed(t *testing.T) {
	var hits atomic.Int32
	srv := calendarServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/calendar")
		w.Write([]byte(calendarBody))
	})
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	for _, u := range []string{srv.URL + "/basic.ics", "http://localhost:" + port + "/basic.ics", "webcal://127.0.0.1:" + port + "/x"} {
		_, err := (&Fetcher{}).Fetch(t.Context(), u)
		if err == nil || !strings.Contains(err.Error(), "internal address") {
			t.Errorf("Fetch(%s) = %v, want a refusal of the internal address", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the server was reached %d times although every fetch was refused", n)
	}
	body, err := (&Fetcher{AllowPrivate: true}).Fetch(t.Context(), srv.URL+"/basic.ics")
	if err != nil || string(body) != calendarBody {
		t.Fatalf("Fetch(allowed) = %q, %v; want the calendar", body, err)
	}
}

// TestFetchRedirectsAreChecked follows a redirect and stops a loop after
// three. (Every hop is dialled through the same Control check; a public
// server redirecting inward cannot be staged here, where all servers are
// on loopback.)
func TestFetchRedirectsAreChecked(t *testing.T) {
	inner := calendarServer(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(calendarBody)) })
	var loops atomic.Int32
	outer := calendarServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/loop" {
			loops.Add(1)
			http.Redirect(w, r, "/loop", http.StatusFound)
			return
		}
		http.Redirect(w, r, inner.URL+"/cal.ics", http.StatusFound)
	})
	if body, err := (&Fetcher{AllowPrivate: true}).Fetch(t.Context(), outer.URL); err != nil || string(body) != calendarBody {
		t.Errorf("Fetch(redirect, allowed) = %q, %v; want the calendar", body, err)
	}
	if _, err := (&Fetcher{AllowPrivate: true}).Fetch(t.Context(), outer.URL+"/loop"); err == nil || !strings.Contains(err.Error(), "redirects more than 3") {
		t.Errorf("Fetch(redirect loop) = %v, want it stopped", err)
	}
	if n := loops.Load(); n != 3 {
		t.Errorf("redirect loop was followed %d times, want 3", n)
	}
}

func TestFetchLimits(t *testing.T) {
	big := calendarServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("X", 5000)))
	})
	if _, err := (&Fetcher{AllowPrivate: true, MaxBytes: 4096}).Fetch(t.Context(), big.URL); err == nil || !strings.Contains(err.Error(), "larger than 4 KiB") {
		t.Errorf("Fetch(5000 bytes, limit 4096) = %v, want a size error", err)
	}
	release := make(chan struct{})
	slow := calendarServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	if _, err := (&Fetcher{AllowPrivate: true, Timeout: 200 * time.Millisecond}).Fetch(t.Context(), slow.URL); err == nil || !strings.Contains(err.Error(), "did not answer") {
		t.Errorf("Fetch(server that never answers) = %v, want a time-out", err)
	}
	gone := calendarServer(t, func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	if _, err := (&Fetcher{AllowPrivate: true}).Fetch(t.Context(), gone.URL); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("Fetch(404) = %v, want the status named", err)
	}
	for _, u := range []string{"ftp://example.com/cal.ics", "file:///etc/passwd", "not a url", "https://user:pw@example.com/cal.ics"} {
		if _, err := (&Fetcher{}).Fetch(context.Background(), u); err == nil {
			t.Errorf("Fetch(%q) = nil error, want a refusal", u)
		}
	}
}

func TestPublicAddress(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "169.254.169.254": false,
		"100.64.0.1": false, "0.0.0.0": false, "::1": false, "fe80::1": false, "fd00::1": false, "::ffff:127.0.0.1": false,
		"::ffff:10.0.0.1": false, "64:ff9b::a00:1": false, "224.0.0.1": false, "255.255.255.255": false,
		"8.8.8.8": true, "1.1.1.1": true, "2606:4700:4700::1111": true, "::ffff:8.8.8.8": true,
	} {
		if got := PublicAddress(netip.MustParseAddr(addr)); got != want {
			t.Errorf("PublicAddress(%s) = %v, want %v", addr, got, want)
		}
	}
}
