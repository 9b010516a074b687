package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// DefaultConnWait is how long a call waits for a pooled connection unless
// Options.ConnWait says otherwise.
const DefaultConnWait = 5 * time.Second

// Options tunes a store. The zero value is the default.
type Options struct {
	// ConnWait bounds how long a call waits for a connection when every
	// one is in use; it then fails with EUnavailable ("the server is
	// busy"). 0 means DefaultConnWait.
	ConnWait time.Duration
	// ReadConns is the number of connections that serve reads: the read
	// pool on SQLite, the one pool on PostgreSQL. 0 means the default, a
	// few per core.
	ReadConns int
	// NoSearchMemos makes every search cost what it would the first time
	// after a write: the per-query counts and rankings that repeated
	// searches reuse are not kept. For measuring (`debrief bench-growth`).
	NoSearchMemos bool
}

func (o Options) connWait() time.Duration {
	if o.ConnWait > 0 {
		return o.ConnWait
	}
	return DefaultConnWait
}

// gate admits at most as many callers into a pool as the pool has
// connections, and bounds how long a caller waits for its turn.
//
// database/sql has no bound on the wait for a connection other than the
// caller's context, which for a request lives as long as its client
// waits. Every store method enters the gate of the pool it uses before it
// takes a connection and leaves it when it has given the connection back,
// and holds at most one connection of that pool at any moment (the rule in
// docs/ARCHITECTURE.md). So the pool always has a connection for whoever
// is inside, nobody waits inside database/sql, and the only wait, here,
// ends when the context does or after wait, with EUnavailable.
type gate struct {
	slots chan struct{}
	wait  time.Duration
}

func newGate(n int, wait time.Duration) *gate {
	return &gate{slots: make(chan struct{}, n), wait: wait}
}

// errBusy is what a caller gets when no connection came free in time.
func errBusy(wait time.Duration) error {
	return &debrief.Error{Code: debrief.EUnavailable, Message: "The server is busy; try again in a moment.",
		Err: fmt.Errorf("sqlstore: no database connection came free within %v", wait)}
}

// enter waits for a free connection of the gate's pool; the caller must
// leave once it has given the connection back.
func (g *gate) enter(ctx context.Context) error {
	if g.tryEnter() {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlstore: waiting for a connection: %w", err)
	}
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sqlstore: waiting for a connection: %w", ctx.Err())
	case <-t.C:
		return errBusy(g.wait)
	}
}

// tryEnter takes a slot if one is free at once, and never waits: a caller
// already inside may use it for a second connection (leaving it when that
// connection is given back) without breaking the rule that nobody waits
// for a connection while holding one.
func (g *gate) tryEnter() bool {
	select {
	case g.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

// leave gives back the slot enter or tryEnter took.
func (g *gate) leave() { <-g.slots }
