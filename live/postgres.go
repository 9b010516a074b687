package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Channel is the PostgreSQL notification channel the instances share.
const Channel = "debrief_live"

// maxPayload keeps a message under PostgreSQL's 8000-byte NOTIFY limit
// with room to spare; a longer one (a very long name) is cut down.
const maxPayload = 4000

// sendQueue bounds the messages waiting for PostgreSQL; past it, new ones
// are dropped (the pages resync when the connection comes back).
const sendQueue = 1024

// Reconnect backoff of the listening connection.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// OpenPostgres returns a hub whose events also reach, and come from, every
// other instance on the PostgreSQL database dsn. One dedicated connection
// per instance LISTENs and reconnects with backoff when PostgreSQL restarts
// or the network drops; while it is away, local events are still delivered
// at once, and when it is back every subscriber is told to resync, since
// what other instances published meanwhile was missed. Sending uses a pool
// of at most two connections, batching what queued up meanwhile into one
// statement. The hub starts even if PostgreSQL is down.
func OpenPostgres(ctx context.Context, dsn string, log *slog.Logger) (*Hub, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	cfg.MaxConns = 2
	cfg.MinConns = 0
	pool, err := pgxpool.NewWithConfig(context.WithoutCancel(ctx), cfg)
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	h := New(log)
	b := &pgBus{hub: h, dsn: dsn, pool: pool, out: make(chan message, sendQueue), ready: make(chan struct{})}
	h.bus = b
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b.cancel = cancel
	h.wg.Add(2)
	go func() { defer h.wg.Done(); b.listen(lctx) }()
	go func() { defer h.wg.Done(); b.sendLoop(lctx) }()
	return h, nil
}

// pgBus carries messages between instances through LISTEN/NOTIFY.
type pgBus struct {
	hub    *Hub
	dsn    string
	pool   *pgxpool.Pool
	out    chan message
	cancel context.CancelFunc

	mu sync.Mutex
	// ready is closed while the listening connection is up; it is replaced
	// by an open channel when the connection is lost.
	ready chan struct{}
	// connects counts successful LISTENs (tests watch reconnections).
	connects int
	// dropped counts messages not sent; logged once in a while.
	dropped int
}

// send queues m for the other instances without blocking.
func (b *pgBus) send(m message) {
	select {
	case b.out <- m:
	default:
		b.mu.Lock()
		b.dropped++
		n := b.dropped
		b.mu.Unlock()
		if n == 1 || n%1000 == 0 {
			b.hub.log.Warn("live: updates for other instances dropped: PostgreSQL is slow or down", "dropped", n)
		}
	}
}

// sendLoop NOTIFYs queued messages, all that queued up in one statement.
func (b *pgBus) sendLoop(ctx context.Context) {
	batch := make([]string, 0, 64)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return
		case m := <-b.out:
			batch = append(batch, payload(m))
		}
	more:
		for len(batch) < cap(batch) {
			select {
			case m := <-b.out:
				batch = append(batch, payload(m))
			default:
				break more
			}
		}
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_, err := b.pool.Exec(sctx, `SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS u(p, n) ORDER BY n`, Channel, batch)
		cancel()
		if err != nil && ctx.Err() == nil {
			// Dropped, not retried: by the time PostgreSQL is back the
			// listeners resync anyway.
			b.hub.log.Warn("live: could not send updates to other instances", "updates", len(batch), "err", err)
		}
	}
}

// payload encodes m, shortening the name and section of an oversized one.
func payload(m message) string {
	p, _ := json.Marshal(m)
	if len(p) > maxPayload {
		m.By, m.Section = cut(m.By, 200), cut(m.Section, 200)
		p, _ = json.Marshal(m)
	}
	return string(p)
}

// cut shortens s to at most n bytes on a character boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// listen keeps one connection LISTENing, reconnecting with backoff.
func (b *pgBus) listen(ctx context.Context) {
	backoff := minBackoff
	for ctx.Err() == nil {
		err := b.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if b.wasUp() {
			backoff = minBackoff
		}
		b.hub.log.Warn("live: lost the PostgreSQL connection for updates from other instances; reconnecting", "err", err, "in", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// wasUp reports (and forgets) whether the last connection got as far as
// LISTEN, so a connection that worked for a while retries quickly.
func (b *pgBus) wasUp() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-b.ready:
		b.ready = make(chan struct{})
		return true
	default:
		return false
	}
}

func (b *pgBus) listenOnce(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.Connect(cctx, b.dsn)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+Channel); err != nil {
		return err
	}
	b.mu.Lock()
	b.connects++
	first := b.connects == 1
	close(b.ready)
	b.mu.Unlock()
	if !first {
		// What other instances published while this one was away is lost:
		// every open page reads its record again.
		b.hub.resyncAll()
		b.hub.log.Info("live: listening for updates from other instances again")
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var m message
		if err := json.Unmarshal([]byte(n.Payload), &m); err != nil {
			b.hub.log.Warn("live: ignored a malformed update", "err", err)
			continue
		}
		b.hub.receive(m)
	}
}

// Ready waits until the hub hears other instances: at once for a hub of one
// process, when the listening connection is up for a PostgreSQL one.
func (h *Hub) Ready(ctx context.Context) error {
	if h.bus == nil {
		return nil
	}
	h.bus.mu.Lock()
	ready := h.bus.ready
	h.bus.mu.Unlock()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-h.done:
		return errors.New("live: the hub is closed")
	}
}

// Connects counts how many times the hub's listening connection has been
// established (1 after the start, more after reconnections).
func (h *Hub) Connects() int {
	if h.bus == nil {
		return 0
	}
	h.bus.mu.Lock()
	defer h.bus.mu.Unlock()
	return h.bus.connects
}
