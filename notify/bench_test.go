package notify_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/notify"
	"github.com/debriefhq/debrief/sqlstore"
	"github.com/debriefhq/debrief/storetest"
)

// BenchmarkReminders queues the reminders of DEBRIEF_BENCH_REMINDERS
// action items (default 10,000) that are all overdue, and delivers them as
// webhooks to a local receiver, on both engines; it reports how long the
// producer took to queue them and how long until the receiver had them all:
//
//	go test ./notify -run '^$' -bench Reminders -benchtime 1x
func BenchmarkReminders(b *testing.B) {
	n := 10000
	if s := os.Getenv("DEBRIEF_BENCH_REMINDERS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	for _, engine := range engines {
		b.Run(engine, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				dsn := filepath.Join(b.TempDir(), "debrief.db")
				if engine == sqlstore.EnginePostgres {
					dsn = storetest.PostgresDSN(b)
				}
				clk := newClock(start)
				svc := debrief.NewService(openDB(b, dsn), debrief.WithClock(clk.now))
				var got atomic.Int64
				rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					io.Copy(io.Discard, r.Body)
					got.Add(1)
				}))
				ch := &debrief.NotificationChannel{Kind: debrief.ChannelWebhook, Name: "reminders", Target: rcv.URL,
					Events: []string{debrief.EventActionItemOverdue}}
				if err := svc.CreateNotificationChannel(admin(), ch); err != nil {
					b.Fatal(err)
				}
				inc, err := svc.CreateIncident(responder(), &debrief.Incident{Title: "Checkout returned 500s", Severity: "SEV3", StartedAt: start})
				if err != nil {
					b.Fatal(err)
				}
				due := start.AddDate(0, 0, -3)
				for i := range n {
					if _, err := svc.CreateActionItem(responder(), &debrief.ActionItem{IncidentID: &inc.ID, Title: fmt.Sprintf("Add alert %d", i), Owner: "dana", DueDate: &due}); err != nil {
						b.Fatal(err)
					}
				}
				p := notify.NewProducer(svc, notify.ProducerConfig{}, nil, nil)
				w := notify.NewWorker(svc, map[string]notify.Sender{debrief.ChannelWebhook: &notify.HTTPSender{}}, notify.WorkerConfig{Poll: 10 * time.Millisecond}, nil)
				b.StartTimer()
				t0 := time.Now()
				added, err := p.RunOnce(context.Background())
				if err != nil || added != n {
					b.Fatalf("RunOnce = %d, %v; want %d", added, err, n)
				}
				queued := time.Since(t0)
				w.Start()
				for got.Load() < int64(n) {
					time.Sleep(5 * time.Millisecond)
				}
				total := time.Since(t0)
				b.StopTimer()
				w.Stop()
				rcv.Close()
				b.ReportMetric(queued.Seconds(), "queue-s")
				b.ReportMetric(total.Seconds(), "queued+delivered-s")
			}
		})
	}
}
