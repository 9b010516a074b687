package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
	"github.com/debriefhq/debrief/web"
)

// amPayload builds an Alertmanager v4 body for one group with n new firing
// alerts, shaped like the captured deliveries in ingest/testdata.
func amPayload(group string, seq, n int) []byte {
	type alert struct {
		Status       string            `json:"status"`
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
		StartsAt     string            `json:"startsAt"`
		EndsAt       string            `json:"endsAt"`
		GeneratorURL string            `json:"generatorURL"`
		Fingerprint  string            `json:"fingerprint"`
	}
	start := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC).Add(time.Duration(seq) * time.Millisecond)
	alerts := make([]alert, n)
	for i := range alerts {
		alerts[i] = alert{Status: "firing",
			Labels:       map[string]string{"alertname": "HighErrorRate", "service": group, "instance": fmt.Sprintf("web-%d-%d:8080", seq, i), "severity": "critical"},
			Annotations:  map[string]string{"summary": "Checkout 5xx rate above 20%", "description": "5xx ratio is 0.27 for 5m"},
			StartsAt:     start.Format(time.RFC3339Nano),
			EndsAt:       "0001-01-01T00:00:00Z",
			GeneratorURL: "http://prometheus.local:9090/graph?g0.expr=rate",
			Fingerprint:  fmt.Sprintf("%08x%08x", seq, i)}
	}
	b, _ := json.Marshal(map[string]any{"receiver": "debrief", "status": "firing", "alerts": alerts,
		"groupLabels": map[string]string{"alertname": "HighErrorRate", "service": group}, "commonLabels": map[string]string{"alertname": "HighErrorRate"},
		"commonAnnotations": map[string]string{}, "externalURL": "http://alertmanager:9093", "version": "4",
		"groupKey": `{}:{alertname="HighErrorRate", service="` + group + `"}`, "truncatedAlerts": 0})
	return b
}

// BenchmarkAlertmanagerWebhook posts batched Alertmanager deliveries over
// HTTP to a server on a SQLite file, from several concurrent senders; every
// answer comes after the delivery's transaction committed. It reports
// alert events (new timeline events) per second.
func BenchmarkAlertmanagerWebhook(b *testing.B) {
	for _, batch := range []int{10, 100, 500} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			db, err := sqlstore.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			svc := debrief.NewService(db)
			ctx := debrief.WithActor(context.Background(), debrief.SystemActor)
			in, token, err := svc.CreateIntegration(ctx, &debrief.Integration{Name: "bench", Kind: debrief.IntegrationAlertmanager}, nil)
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(web.New(web.Config{Service: svc}).Handler())
			defer srv.Close()
			url := srv.URL + web.WebhookPath(in)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			// Payloads are made before the clock starts: the senders'
			// JSON encoding is not what is measured.
			payloads := make([][]byte, b.N)
			for i := range payloads {
				payloads[i] = amPayload(fmt.Sprintf("svc-%d", i%50), i, batch)
			}
			var seq atomic.Int64
			b.SetParallelism(4)
			b.ResetTimer()
			start, cpuStart := time.Now(), cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					body := payloads[seq.Add(1)-1]
					req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+token)
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("POST = %d", resp.StatusCode)
						return
					}
				}
			})
			elapsed, cpu := time.Since(start), cpuTime()-cpuStart
			b.StopTimer()
			// The machine is shared: CPU time says what the work costs
			// whatever else runs; senders run in this process too.
			b.ReportMetric(float64(b.N*batch)/cpu.Seconds(), "alerts/cpu-s")
			b.ReportMetric(float64(b.N*batch)/elapsed.Seconds(), "alerts/s")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
		})
	}
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
