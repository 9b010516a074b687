package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// WorkerConfig tunes a Worker; zero fields take the defaults.
type WorkerConfig struct {
	// Poll is how long an idle worker waits before looking again.
	Poll time.Duration
	// Batch is how many notifications one claim takes.
	Batch int
	// Parallel is how many sends run at once.
	Parallel int
	// Lease is how long a claim lasts; a worker that dies holding one
	// leaves the rows to others when it ends. It must exceed a send's
	// timeout.
	Lease time.Duration
	// MaxAttempts is how many times a notification is tried before it is
	// marked failed.
	MaxAttempts int
	// Backoff is the wait after the first failure; each further failure
	// doubles it, up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
}

func (c *WorkerConfig) defaults() {
	if c.Poll <= 0 {
		c.Poll = 2 * time.Second
	}
	if c.Batch <= 0 {
		c.Batch = 50
	}
	if c.Parallel <= 0 {
		c.Parallel = 8
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.Backoff <= 0 {
		c.Backoff = 30 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 2 * time.Hour
	}
}

// BackoffAfter returns the wait after the given number of failed attempts:
// Backoff, then doubling, capped at MaxBackoff.
func (c WorkerConfig) BackoffAfter(attempts int) time.Duration {
	c.defaults()
	d := c.Backoff
	for i := 1; i < attempts && d < c.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, c.MaxBackoff)
}

// Worker sends the outbox's notifications. Start it once; Stop waits for
// the sends in flight, so a stopped worker leaves nothing half done: every
// row it claimed is either marked sent, or back to pending, or (if the
// process died instead) leased until its lease ends.
type Worker struct {
	svc     *debrief.Service
	senders map[string]Sender
	cfg     WorkerConfig
	log     *slog.Logger
	// id names this worker in leases; random, so two processes never
	// share one.
	id string

	stop chan struct{}
	done chan struct{}
	// wake makes an idle worker look at once (after an enqueue).
	wake chan struct{}
}

// NewWorker returns a worker that sends through senders (by channel kind).
func NewWorker(svc *debrief.Service, senders map[string]Sender, cfg WorkerConfig, log *slog.Logger) *Worker {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var b [6]byte
	rand.Read(b[:])
	return &Worker{svc: svc, senders: senders, cfg: cfg, log: log, id: "worker-" + hex.EncodeToString(b[:]),
		stop: make(chan struct{}), done: make(chan struct{}), wake: make(chan struct{}, 1)}
}

// ID returns the name the worker leases rows under.
func (w *Worker) ID() string { return w.id }

// Start runs the worker until Stop.
func (w *Worker) Start() { go w.run() }

// Stop stops claiming, waits for the sends in flight and returns.
func (w *Worker) Stop() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
}

// Wake asks an idle worker to look for work now.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Worker) run() {
	defer close(w.done)
	for {
		select {
		case <-w.stop:
			return
		default:
		}
		n, err := w.RunOnce()
		if err != nil {
			w.log.Error("notification worker", "err", err)
		}
		if n > 0 && err == nil {
			continue // more may be waiting
		}
		t := time.NewTimer(w.cfg.Poll)
		select {
		case <-w.stop:
			t.Stop()
			return
		case <-w.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// RunOnce claims one batch and sends it, returning how many it claimed.
// Sends use a context of their own, not the caller's: a send that started
// finishes (within its timeout) and is recorded, so stopping never leaves
// a delivered message marked as pending.
func (w *Worker) RunOnce() (int, error) {
	ctx := debrief.WithActor(context.Background(), debrief.SystemActor)
	batch, err := w.svc.ClaimNotifications(ctx, w.id, w.cfg.Lease, w.cfg.Batch)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	secrets, err := w.secrets(ctx)
	if err != nil {
		return len(batch), err
	}
	sem := make(chan struct{}, w.cfg.Parallel)
	var wg sync.WaitGroup
	for _, n := range batch {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			w.deliver(ctx, n, secrets)
		}()
	}
	wg.Wait()
	return len(batch), nil
}

func (w *Worker) secrets(ctx context.Context) (map[int64]string, error) {
	chans, err := w.svc.ListNotificationChannels(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(chans))
	for _, c := range chans {
		out[c.ID] = c.Secret
	}
	return out, nil
}

func (w *Worker) deliver(ctx context.Context, n *debrief.Notification, secrets map[int64]string) {
	var secret string
	if n.ChannelID != nil {
		secret = secrets[*n.ChannelID]
	}
	sender := w.senders[n.Channel]
	var err error
	if sender == nil {
		err = &PermanentError{errors.New("no sender is configured for " + n.Channel + " notifications")}
	} else {
		sctx, cancel := context.WithTimeout(ctx, w.cfg.Lease/2)
		err = sender.Send(sctx, n, secret)
		cancel()
	}
	if err == nil {
		if err := w.svc.FinishNotification(ctx, n.ID, w.id); err != nil {
			w.log.Error("recording a sent notification", "id", n.ID, "err", err)
		}
		return
	}
	var perm *PermanentError
	var next *time.Time
	if !errors.As(err, &perm) && n.Attempts < w.cfg.MaxAttempts {
		t := w.svc.Now().Add(w.cfg.BackoffAfter(n.Attempts))
		next = &t
	}
	w.log.Warn("notification not delivered", "id", n.ID, "event", n.Event, "channel", n.Channel, "attempt", n.Attempts, "retry", next != nil, "err", err)
	if err := w.svc.RetryNotification(ctx, n.ID, w.id, err.Error(), next); err != nil {
		w.log.Error("recording a failed notification", "id", n.ID, "err", err)
	}
}
