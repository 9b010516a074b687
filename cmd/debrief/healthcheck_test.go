package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	s := startServer(t, filepath.Join(t.TempDir(), "debrief.db"))
	addr := strings.TrimPrefix(s.URL, "http://")
	out, _, err := cli(t, "", "", nil, "healthcheck", "--addr", addr)
	if err != nil || !strings.Contains(out, "200 OK") {
		t.Errorf("debrief healthcheck against a running server = %q, %v; want 200 OK", out, err)
	}
	_, port, _ := net.SplitHostPort(addr)
	out, _, err = cli(t, "", "", map[string]string{"DEBRIEF_ADDR": "0.0.0.0:" + port}, "healthcheck")
	if err != nil {
		t.Errorf("DEBRIEF_ADDR=0.0.0.0:%s debrief healthcheck = %q, %v; want it to ask loopback", port, out, err)
	}
	s.Stop(t)
	_, _, err = cli(t, "", "", nil, "healthcheck", "--addr", addr)
	if err == nil || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("debrief healthcheck after the server stopped = %v, want an error saying it does not answer", err)
	}
}
