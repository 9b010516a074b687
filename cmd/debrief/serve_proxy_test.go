package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeTrustedProxies checks that --trusted-proxies reaches the server:
// /metrics (loopback only by default) refuses an outside client named in
// X-Forwarded-For by a trusted proxy on loopback, and ignores the header
// when no proxy is trusted.
func TestServeTrustedProxies(t *testing.T) {
	metrics := func(url string) int {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", url+"/metrics", nil)
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	plain := startServer(t, filepath.Join(t.TempDir(), "a.db"))
	if got := metrics(plain.URL); got != 200 {
		t.Errorf("without --trusted-proxies, GET /metrics from loopback with X-Forwarded-For = %d, want 200 (header ignored)", got)
	}
	plain.Stop(t)
	proxied := startServer(t, filepath.Join(t.TempDir(), "b.db"), "--trusted-proxies", "127.0.0.1,::1")
	if got := metrics(proxied.URL); got != 403 {
		t.Errorf("with --trusted-proxies 127.0.0.1, GET /metrics for client 203.0.113.9 = %d, want 403", got)
	}
	proxied.Stop(t)

	_, _, err := cli(t, "", "", nil, "serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "c.db"), "--open", "--trusted-proxies", "proxy.internal")
	if err == nil || !strings.Contains(err.Error(), `--trusted-proxies "proxy.internal" is not an address or a CIDR range`) {
		t.Errorf("serve --trusted-proxies proxy.internal = %v, want a sentence saying it is not an address", err)
	}
}
