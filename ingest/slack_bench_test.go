package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// benchExportBytes is the size of the generated export: the 100 MB of the
// speed target.
const benchExportBytes = 100 << 20

const benchChannel = "inc-bench"

// writeSlackExport writes a Slack export of about size bytes into dir, in
// the shape of real exports: users.json with profiles and zones, one
// channel with a file per day, messages with rich-text blocks, threads,
// reactions, edits, joins and bot posts. Everything is in one channel so
// that an import of it reads every byte.
func writeSlackExport(dir string, size int64) (int64, error) {
	rng := rand.New(rand.NewPCG(1, 2))
	zones := []string{"Europe/Copenhagen", "America/New_York", "Asia/Tokyo", "UTC", "Europe/London"}
	type user struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		RealName string `json:"real_name"`
		TZ       string `json:"tz"`
		Profile  struct {
			RealName    string `json:"real_name"`
			DisplayName string `json:"display_name"`
			Email       string `json:"email"`
			Image72     string `json:"image_72"`
		} `json:"profile"`
		IsBot bool `json:"is_bot"`
	}
	users := make([]user, 200)
	for i := range users {
		u := &users[i]
		u.ID = fmt.Sprintf("U%08d", i)
		u.Name = fmt.Sprintf("responder%d", i)
		u.RealName = fmt.Sprintf("Responder Number %d", i)
		u.TZ = zones[i%len(zones)]
		u.Profile.RealName, u.Profile.DisplayName = u.RealName, u.Name
		u.Profile.Email = u.Name + "@example.com"
		u.Profile.Image72 = "https://avatars.example.com/" + u.ID + ".png"
	}
	write := func(name string, v any) (int64, error) {
		b, err := json.MarshalIndent(v, "", "    ")
		if err != nil {
			return 0, err
		}
		return int64(len(b)), os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	total, err := write("users.json", users)
	if err != nil {
		return 0, err
	}
	n, err := write("channels.json", []map[string]any{{"id": "C0BENCH", "name": benchChannel, "created": 1709251200, "members": []string{users[0].ID}}})
	if err != nil {
		return 0, err
	}
	total += n
	if err := os.MkdirAll(filepath.Join(dir, benchChannel), 0o755); err != nil {
		return 0, err
	}
	words := []string{"checkout", "rollback", "deploy", "latency", "p99", "database", "replica", "lag", "error", "rate",
		"is", "the", "we", "see", "back", "to", "normal", "paging", "on-call", "customer", "impact", "EU", "region",
		"config", "flag", "disabled", "dashboards", "show", "spike", "since", "restart", "pods", "queue", "depth"}
	sentence := func() string {
		n := 8 + rng.IntN(30)
		b := make([]byte, 0, n*8)
		for i := range n {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, words[rng.IntN(len(words))]...)
		}
		return string(b)
	}
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	seq := 0
	for total < size {
		f, err := os.Create(filepath.Join(dir, benchChannel, day.Format("2006-01-02")+".json"))
		if err != nil {
			return 0, err
		}
		w := bufio.NewWriter(f)
		w.WriteString("[\n")
		var parents []string
		for i := range 2000 {
			seq++
			u := users[rng.IntN(len(users))]
			at := day.Add(time.Duration(i) * 40 * time.Second)
			ts := fmt.Sprintf("%d.%06d", at.Unix(), seq%1000000)
			text := sentence()
			m := map[string]any{"type": "message", "ts": ts, "user": u.ID, "text": text, "team": "T0BENCH",
				"client_msg_id": fmt.Sprintf("%08x-aaaa-4bbb-8ccc-%012x", seq, seq),
				"user_team":     "T0BENCH", "source_team": "T0BENCH",
				"user_profile": map[string]any{"avatar_hash": "g0123456789a", "image_72": u.Profile.Image72, "first_name": "Responder", "real_name": u.RealName, "display_name": u.Name, "team": "T0BENCH", "name": u.Name, "is_restricted": false, "is_ultra_restricted": false},
				"blocks": []any{map[string]any{"type": "rich_text", "block_id": fmt.Sprintf("b%d", seq), "elements": []any{
					map[string]any{"type": "rich_text_section", "elements": []any{map[string]any{"type": "text", "text": text}}}}}},
			}
			switch r := rng.IntN(100); {
			case r < 3:
				m = map[string]any{"type": "message", "subtype": "channel_join", "ts": ts, "user": u.ID, "text": "<@" + u.ID + "> has joined the channel"}
			case r < 5:
				m = map[string]any{"type": "message", "subtype": "bot_message", "ts": ts, "bot_id": "B0BENCH", "username": "alertbot",
					"attachments": []any{map[string]any{"fallback": "[FIRING:1] " + text, "color": "danger", "text": text}}}
			case r < 25 && len(parents) > 0:
				m["thread_ts"] = parents[rng.IntN(len(parents))]
				m["parent_user_id"] = users[0].ID
			case r < 35:
				m["reactions"] = []any{map[string]any{"name": "eyes", "users": []string{users[1].ID}, "count": 1}}
			case r < 37:
				m["edited"] = map[string]any{"user": u.ID, "ts": ts}
			default:
				if rng.IntN(10) == 0 {
					parents = append(parents, ts)
					m["thread_ts"] = ts
				}
			}
			b, err := json.MarshalIndent(m, "    ", "    ")
			if err != nil {
				return 0, err
			}
			if i > 0 {
				w.WriteString(",\n")
			}
			w.WriteString("    ")
			w.Write(b)
		}
		w.WriteString("\n]\n")
		if err := w.Flush(); err != nil {
			return 0, err
		}
		if err := f.Close(); err != nil {
			return 0, err
		}
		info, err := os.Stat(f.Name())
		if err != nil {
			return 0, err
		}
		total += info.Size()
		day = day.AddDate(0, 0, 1)
	}
	return total, nil
}

var benchExport struct {
	once sync.Once
	dir  string
	size int64
	err  error
}

// slackBenchExport generates the benchmark export once per process (it
// takes seconds) in a temporary folder that is reused while it exists.
func slackBenchExport(b *testing.B) (string, int64) {
	b.Helper()
	benchExport.once.Do(func() {
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("debrief-slack-bench-%dMB", benchExportBytes>>20))
		done := filepath.Join(dir, ".complete")
		if _, err := os.Stat(done); err != nil {
			os.RemoveAll(dir)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				benchExport.err = err
				return
			}
			if _, err := writeSlackExport(dir, benchExportBytes); err != nil {
				benchExport.err = err
				return
			}
			if err := os.WriteFile(done, nil, 0o644); err != nil {
				benchExport.err = err
				return
			}
		}
		benchExport.dir = dir
		benchExport.size, benchExport.err = dirSize(dir)
	})
	if benchExport.err != nil {
		b.Fatal(benchExport.err)
	}
	return benchExport.dir, benchExport.size
}

func dirSize(dir string) (int64, error) {
	var total int64
	err := filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			total += info.Size()
		}
		return err
	})
	return total, err
}

// peakHeap samples the heap while a benchmark runs and reports the highest
// in-use heap seen, in MB: the figure the 200 MB memory target is about.
type peakHeap struct {
	stop chan struct{}
	done chan struct{}
	peak uint64
	cpu  time.Duration // process CPU time at the start
}

// cpuTime is the CPU time the process has used. The machine the figures
// come from is shared, so wall-clock MB/s depends on the neighbours; MB
// per CPU-second does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startPeakHeap() *peakHeap {
	runtime.GC()
	p := &peakHeap{stop: make(chan struct{}), done: make(chan struct{}), cpu: cpuTime()}
	go func() {
		defer close(p.done)
		var ms runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			p.peak = max(p.peak, ms.HeapInuse)
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

func (p *peakHeap) report(b *testing.B, bytes int64) {
	cpu := cpuTime() - p.cpu
	close(p.stop)
	<-p.done
	if cpu > 0 {
		b.ReportMetric(float64(bytes)*float64(b.N)/(1<<20)/cpu.Seconds(), "MB/cpu-s")
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(p.peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(ms.Sys)/(1<<20), "sys-MB")
}

// BenchmarkParseSlackExport reads a 100 MB export whose one channel holds
// every message, so every byte is decoded. MB/s is of the export's size.
func BenchmarkParseSlackExport(b *testing.B) {
	dir, size := slackBenchExport(b)
	fsys := os.DirFS(dir)
	b.SetBytes(size)
	b.ReportAllocs()
	heap := startPeakHeap()
	var events int
	for b.Loop() {
		res, err := ParseSlackExport(fsys, SlackOptions{Channel: benchChannel})
		if err != nil {
			b.Fatal(err)
		}
		events = len(res.Events)
	}
	heap.report(b, size)
	b.ReportMetric(float64(events), "events")
}
