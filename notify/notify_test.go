package notify_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/notify"
	"github.com/debriefhq/debrief/sqlstore"
	"github.com/debriefhq/debrief/storetest"
)

var engines = []string{sqlstore.EngineSQLite, sqlstore.EnginePostgres}

// dsnFor returns a fresh database of engine for t.
func dsnFor(t testing.TB, engine string) string {
	t.Helper()
	if engine == sqlstore.EnginePostgres {
		return storetest.PostgresDSN(t)
	}
	return filepath.Join(t.TempDir(), "debrief.db")
}

func openDB(t testing.TB, dsn string) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), dsn, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("sqlstore.Open = %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// clock is a settable time for the Service, so back-off and reminders
// are tested without waiting.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock    { c := &clock{}; c.set(t); return c }
func (c *clock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }
func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }

var start = time.Date(2026, 4, 6, 9, 0, 0, 0, time.UTC) // a Monday

func admin() context.Context { return debrief.WithActor(context.Background(), debrief.SystemActor) }

// receiver is a local HTTP endpoint that answers with the statuses it is
// given (then 200) and records each request.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	got      []*http.Request
	bodies   [][]byte
	srv      *httptest.Server
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, req)
		r.bodies = append(r.bodies, body)
		status := 200
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.got) }

func enqueue(t *testing.T, svc *debrief.Service, ns ...*debrief.Notification) {
	t.Helper()
	if _, err := svc.EnqueueNotifications(admin(), ns); err != nil {
		t.Fatalf("EnqueueNotifications = %v", err)
	}
}

func logOf(t *testing.T, svc *debrief.Service) []*debrief.Notification {
	t.Helper()
	var out []*debrief.Notification
	after := ""
	for {
		p, err := svc.ListNotifications(admin(), debrief.NotificationFilter{Limit: debrief.MaxPageSize, After: after})
		if err != nil {
			t.Fatalf("ListNotifications = %v", err)
		}
		out = append(out, p.Items...)
		if p.NextCursor == "" {
			return out
		}
		after = p.NextCursor
	}
}

// TestRetryWithBackoff sends a signed webhook to a receiver that fails
// twice: the worker retries after 30 s, then 60 s, and the third attempt
// is delivered with the same delivery id and a valid signature.
func TestRetryWithBackoff(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			clk := newClock(start)
			svc := debrief.NewService(openDB(t, dsnFor(t, engine)), debrief.WithClock(clk.now))
			rcv := newReceiver(t, 503, 500)
			ch := &debrief.NotificationChannel{Kind: debrief.ChannelWebhook, Name: "hook", Target: rcv.srv.URL, Secret: "s3cret"}
			if err := svc.CreateNotificationChannel(admin(), ch); err != nil {
				t.Fatal(err)
			}
			enqueue(t, svc, &debrief.Notification{EventKey: "incident.declared:INC-1", Event: debrief.EventIncidentDeclared, Channel: debrief.ChannelWebhook,
				ChannelID: &ch.ID, Target: ch.Target, Message: debrief.Message{Subject: "INC-1 declared", Data: []byte(`{"event":"incident.declared","incident":"INC-1"}`)}})
			w := notify.NewWorker(svc, map[string]notify.Sender{debrief.ChannelWebhook: &notify.HTTPSender{Now: clk.now}}, notify.WorkerConfig{Backoff: 30 * time.Second}, nil)

			run := func(wantClaimed int) {
				t.Helper()
				n, err := w.RunOnce()
				if err != nil || n != wantClaimed {
					t.Fatalf("RunOnce at %s = %d, %v; want %d claimed", clk.now().Format(time.TimeOnly), n, err, wantClaimed)
				}
			}
			wantNext := func(status string, attempts int, next time.Time) {
				t.Helper()
				l := logOf(t, svc)
				if len(l) != 1 || l[0].Status != status || l[0].Attempts != attempts || (status == "pending" && !l[0].NextAttemptAt.Equal(next)) {
					t.Fatalf("delivery log = %+v; want %s after %d attempts, next at %s", l[0], status, attempts, next)
				}
			}
			run(1) // 503
			wantNext(debrief.NotificationPending, 1, start.Add(30*time.Second))
			clk.add(29 * time.Second)
			run(0) // still backing off
			clk.add(time.Second)
			run(1) // 500
			wantNext(debrief.NotificationPending, 2, start.Add(30*time.Second+60*time.Second))
			clk.add(60 * time.Second)
			run(1) // 200
			wantNext(debrief.NotificationSent, 3, time.Time{})
			if rcv.count() != 3 {
				t.Fatalf("receiver got %d requests, want 3", rcv.count())
			}
			ids := map[string]bool{}
			for i, req := range rcv.got {
				ids[req.Header.Get(notify.HeaderDelivery)] = true
				sig := req.Header.Get(notify.HeaderSignature)
				ts, _ := strconv.ParseInt(strings.TrimPrefix(strings.Split(sig, ",")[0], "t="), 10, 64)
				if want := notify.Sign("s3cret", time.Unix(ts, 0), rcv.bodies[i]); sig != want || req.Header.Get(notify.HeaderEvent) != debrief.EventIncidentDeclared {
					t.Errorf("attempt %d: signature %q, want %q over t.body", i+1, sig, want)
				}
			}
			if len(ids) != 1 {
				t.Errorf("attempts carried delivery ids %v, want one id for every retry", ids)
			}
			run(0) // sent: nothing more
		})
	}
}

// TestGiveUp checks that a refusal (404) is not retried and that the
// attempts stop at MaxAttempts for failures that are.
func TestGiveUp(t *testing.T) {
	clk := newClock(start)
	svc := debrief.NewService(openDB(t, dsnFor(t, sqlstore.EngineSQLite)), debrief.WithClock(clk.now))
	gone := newReceiver(t, 404)
	down := newReceiver(t, 503, 503, 503, 503)
	enqueue(t, svc,
		&debrief.Notification{EventKey: "e:1", Event: debrief.EventIncidentDeclared, Channel: debrief.ChannelSlack, Target: gone.srv.URL, Message: debrief.Message{Subject: "a"}},
		&debrief.Notification{EventKey: "e:2", Event: debrief.EventIncidentDeclared, Channel: debrief.ChannelSlack, Target: down.srv.URL, Message: debrief.Message{Subject: "b"}})
	w := notify.NewWorker(svc, map[string]notify.Sender{debrief.ChannelSlack: &notify.HTTPSender{}}, notify.WorkerConfig{Backoff: time.Second, MaxAttempts: 3}, nil)
	for range 6 {
		if _, err := w.RunOnce(); err != nil {
			t.Fatal(err)
		}
		clk.add(time.Hour)
	}
	if gone.count() != 1 || down.count() != 3 {
		t.Errorf("the 404 receiver got %d requests (want 1), the 503 one %d (want 3 = MaxAttempts)", gone.count(), down.count())
	}
	for _, n := range logOf(t, svc) {
		if n.Status != debrief.NotificationFailed || n.LastError == "" {
			t.Errorf("notification %s = %s %q, want failed with the receiver's answer", n.EventKey, n.Status, n.LastError)
		}
	}
}

// TestRestartLosesNothing enqueues 300 deliveries, stops the first worker
// while it is busy, and starts a second worker in a new process's place (a
// new store on the same database): every delivery arrives exactly once.
// A third "worker" that claims a batch and dies without a word leaves its
// rows to the lease, after which they are delivered too.
func TestRestartLosesNothing(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			dsn := dsnFor(t, engine)
			clk := newClock(start)
			svc1 := debrief.NewService(openDB(t, dsn), debrief.WithClock(clk.now))
			var mu sync.Mutex
			seen := map[string]int{}
			total := atomic.Int64{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				mu.Lock()
				seen[r.Header.Get(notify.HeaderDelivery)]++
				mu.Unlock()
				total.Add(1)
			}))
			defer srv.Close()
			const n = 300
			var ns []*debrief.Notification
			for i := range n {
				ns = append(ns, &debrief.Notification{EventKey: fmt.Sprintf("incident.declared:INC-%d", i), Event: debrief.EventIncidentDeclared,
					Channel: debrief.ChannelWebhook, Target: srv.URL, Message: debrief.Message{Subject: "x", Data: []byte(`{}`)}})
			}
			enqueue(t, svc1, ns...)
			// A worker that dies holding a lease on ten rows.
			dead, err := svc1.ClaimNotifications(admin(), "crashed-worker", time.Minute, 10)
			if err != nil || len(dead) != 10 {
				t.Fatalf("crashed worker's claim = %d, %v", len(dead), err)
			}
			senders := map[string]notify.Sender{debrief.ChannelWebhook: &notify.HTTPSender{}}
			cfg := notify.WorkerConfig{Batch: 10, Parallel: 4, Poll: 10 * time.Millisecond}
			w1 := notify.NewWorker(svc1, senders, cfg, nil)
			// A hang detector, not a timing assertion: a worker that stops
			// delivering fails the test below instead of hanging it.
			deadline := time.Now().Add(2 * time.Minute)
			w1.Start()
			for total.Load() < 60 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			w1.Stop()
			afterStop := total.Load()

			svc2 := debrief.NewService(openDB(t, dsn), debrief.WithClock(clk.now))
			w2 := notify.NewWorker(svc2, senders, cfg, nil)
			w2.Start()
			defer w2.Stop()
			for total.Load() < n-10 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			clk.add(2 * time.Minute) // the crashed worker's lease ends
			w2.Wake()
			for total.Load() < n && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			w2.Stop()
			if afterStop < 60 {
				t.Errorf("first worker delivered %d before stopping, want at least 60 (the test's premise)", afterStop)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != n {
				t.Errorf("receiver saw %d distinct deliveries, want %d", len(seen), n)
			}
			for id, k := range seen {
				if k != 1 {
					t.Errorf("delivery %s arrived %d times, want once", id, k)
				}
			}
			log := logOf(t, svc2)
			if len(log) != n {
				t.Errorf("the log holds %d notifications, want %d", len(log), n)
			}
			for _, x := range log {
				if x.Status != debrief.NotificationSent {
					t.Errorf("notification %s is %s after the restart, want sent", x.EventKey, x.Status)
				}
			}
		})
	}
}
