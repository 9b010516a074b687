package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// HealthcheckCmd asks a running server's /healthz whether it is alive, for
// container health checks in images that have no curl (distroless).
type HealthcheckCmd struct {
	Addr    string        `help:"The server's listen address; 0.0.0.0 and :: are asked on loopback." default:"127.0.0.1:8080" env:"DEBRIEF_ADDR"`
	Timeout time.Duration `help:"How long to wait for the answer." default:"5s"`
}

// Run exits 0 when /healthz answers 200 and with an error otherwise.
func (c *HealthcheckCmd) Run(env *Env) error {
	url := "http://" + loopbackFor(c.Addr) + "/healthz"
	ctx, cancel := context.WithTimeout(env.Ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("cannot ask %s: %v", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("the server at %s does not answer: %v", url, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the server at %s answered %s", url, resp.Status)
	}
	fmt.Fprintf(env.Stdout, "%s answered 200 OK.\n", url)
	return nil
}

// loopbackFor turns a listen address into one to connect to: a wildcard
// host (all interfaces) is reached on loopback.
func loopbackFor(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::", "[::]":
		host = "::1"
	}
	return net.JoinHostPort(host, port)
}
