package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
)

// BenchBareCmd serves one file's bytes from a bare net/http handler: the
// ceiling the request path is measured against (docs/PERFORMANCE.md,
// "Request path"), in the same binary so that both run the same Go and
// HTTP code.
type BenchBareCmd struct {
	Addr string `help:"Address to listen on (loopback)." default:"127.0.0.1:18802"`
	File string `arg:"" help:"The bytes to answer every request with, e.g. a postmortem's JSON saved with curl." type:"existingfile"`
}

// Run serves until the context ends.
func (c *BenchBareCmd) Run(env *Env) error {
	body, err := os.ReadFile(c.File)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Serving %d bytes on http://%s/\n", len(body), ln.Addr())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})}
	go func() {
		<-env.Ctx.Done()
		srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
