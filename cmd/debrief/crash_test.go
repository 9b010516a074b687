package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // to run PRAGMA integrity_check on the server's file
)

// TestCrashKeepsAcknowledgedWrites kills the server process with SIGKILL in
// the middle of concurrent writes, restarts it, and checks that every write
// answered with 2xx survived and that the SQLite file passes its integrity
// check. It runs the real binary, because only a separate process can be
// killed without warning.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it several times; skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "debrief")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -o %s . = %v\n%s", bin, err, out)
	}
	db := filepath.Join(dir, "crash.db")
	acked := newAckLog()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	rounds := 4
	if os.Getenv("DEBRIEF_SOAK") != "" {
		rounds = 20 // make soak
	}
	for round := 1; round <= rounds; round++ {
		proc, url := startProcess(t, bin, db)
		// Everything acknowledged before this start must have survived the
		// previous kill.
		acked.verify(t, url, round)
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		for w := 0; w < 16; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				write(ctx, url, acked, round, w)
			}(w)
		}
		// Kill at a random moment while writes are in flight, once this
		// round has had a write acknowledged: on a loaded machine the
		// server may take longer than the random delay to answer its
		// first, and a kill before any answer proves nothing.
		before := acked.count()
		for wait := time.Now().Add(60 * time.Second); acked.count() == before && time.Now().Before(wait); {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(time.Duration(150+rng.IntN(400)) * time.Millisecond)
		if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("round %d: kill -9: %v", round, err)
		}
		_ = proc.Wait()
		cancel()
		wg.Wait()
		if n := acked.count(); n == 0 {
			t.Fatalf("round %d: no write was acknowledged before the kill; the test proves nothing", round)
		}
		integrityCheck(t, db, round)
	}
	proc, url := startProcess(t, bin, db)
	acked.verify(t, url, rounds+1)
	// A clean stop (SIGTERM) after the last check.
	if err := proc.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := proc.Wait(); err != nil {
		t.Errorf("serve after SIGTERM exited with %v, want a clean exit", err)
	}
	integrityCheck(t, db, rounds+1)
	t.Logf("%d acknowledged incidents and timeline events survived %d kills", acked.count(), rounds)
}

// startProcess starts `debrief serve` on port 0 and reads its address.
func startProcess(t *testing.T, bin, db string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "error", "--open")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "Debrief listening on "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return cmd, addr
		}
	}
	t.Fatalf("%s serve exited without printing its address", bin)
	return nil, ""
}

// ackLog records every write the server acknowledged: per incident, the
// title and version of the last acknowledged change.
type ackLog struct {
	mu sync.Mutex
	m  map[int64]ack
	// events holds the external ids of acknowledged timeline events per incident.
	events map[int64][]string
}

type ack struct {
	title   string
	version int
}

func newAckLog() *ackLog { return &ackLog{m: map[int64]ack{}, events: map[int64][]string{}} }

func (a *ackLog) event(incident int64, externalID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events[incident] = append(a.events[incident], externalID)
}

func (a *ackLog) set(id int64, title string, version int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if cur, ok := a.m[id]; !ok || version > cur.version {
		a.m[id] = ack{title, version}
	}
}

func (a *ackLog) pick(rng *rand.Rand) (int64, ack, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.m) == 0 {
		return 0, ack{}, false
	}
	n := rng.IntN(len(a.m))
	for id, v := range a.m {
		if n == 0 {
			return id, v, true
		}
		n--
	}
	return 0, ack{}, false
}

func (a *ackLog) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := len(a.m)
	for _, ev := range a.events {
		n += len(ev)
	}
	return n
}

// verify checks every acknowledged write is in the restarted server: each
// incident exists, at the acknowledged version or later (a write that
// committed but whose answer was lost to the kill may have moved it on),
// with the acknowledged title when the version is the same.
func (a *ackLog) verify(t *testing.T, url string, round int) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	for id, want := range a.m {
		resp, err := http.Get(fmt.Sprintf("%s/api/v1/incidents/%d", url, id))
		if err != nil {
			t.Fatalf("round %d: GET incident %d: %v", round, id, err)
		}
		var got struct {
			Title   string `json:"title"`
			Version int    `json:"version"`
		}
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		switch {
		case resp.StatusCode != http.StatusOK || err != nil:
			t.Errorf("round %d: acknowledged incident %d answers %d (%v) after the crash, want 200", round, id, resp.StatusCode, err)
		case got.Version < want.version:
			t.Errorf("round %d: incident %d is at version %d after the crash, want at least the acknowledged %d", round, id, got.Version, want.version)
		case got.Version == want.version && got.Title != want.title:
			t.Errorf("round %d: incident %d at version %d has title %q, want the acknowledged %q", round, id, got.Version, got.Title, want.title)
		}
		// The server's answer is the new truth for later rounds.
		a.m[id] = ack{got.Title, got.Version}
	}
	for id, want := range a.events {
		// Every page of the timeline, following next_cursor.
		have := map[string]bool{}
		for after := ""; ; {
			resp, err := http.Get(fmt.Sprintf("%s/api/v1/incidents/%d/timeline?after=%s", url, id, after))
			if err != nil {
				t.Fatalf("round %d: GET timeline of %d: %v", round, id, err)
			}
			var page struct {
				Items []struct {
					ExternalID string `json:"external_id"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			err = json.NewDecoder(resp.Body).Decode(&page)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("round %d: timeline of %d: %v", round, id, err)
			}
			for _, e := range page.Items {
				have[e.ExternalID] = true
			}
			if after = page.NextCursor; after == "" {
				break
			}
		}
		for _, x := range want {
			if !have[x] {
				t.Errorf("round %d: acknowledged timeline event %s of incident %d is missing after the crash", round, x, id)
			}
		}
	}
}

// write creates and updates incidents until ctx ends or the server dies,
// recording each 2xx answer.
func write(ctx context.Context, url string, acked *ackLog, round, worker int) {
	rng := rand.New(rand.NewPCG(uint64(round), uint64(worker)))
	client := &http.Client{Timeout: 10 * time.Second}
	for i := 0; ctx.Err() == nil; i++ {
		var req *http.Request
		var title string
		id, cur, ok := acked.pick(rng)
		op := rng.IntN(3)
		if ok && op == 2 {
			// A timeline event, which also appends a revision of the incident.
			ext := fmt.Sprintf("r%d-w%d-e%d", round, worker, i)
			body := fmt.Sprintf(`{"at":"2026-03-05T13:%02d:00Z","kind":"note","source":"api","external_id":%q,"text":"Event %s"}`, i%60, ext, ext)
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/api/v1/incidents/%d/timeline", url, id), strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusCreated {
				acked.event(id, ext)
			}
			continue
		}
		if ok && op == 1 {
			title = fmt.Sprintf("Round %d worker %d update %d", round, worker, i)
			req, _ = http.NewRequestWithContext(ctx, http.MethodPatch, fmt.Sprintf("%s/api/v1/incidents/%d", url, id), strings.NewReader(`{"title":`+strconv.Quote(title)+`}`))
			req.Header.Set("If-Match", strconv.Quote(strconv.Itoa(cur.version)))
		} else {
			title = fmt.Sprintf("Round %d worker %d incident %d", round, worker, i)
			req, _ = http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/v1/incidents", strings.NewReader(`{"title":`+strconv.Quote(title)+`,"severity":"SEV3"}`))
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return // the server is gone
		}
		var got struct {
			ID      int64  `json:"id"`
			Title   string `json:"title"`
			Version int    `json:"version"`
		}
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err == nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
			acked.set(got.ID, got.Title, got.Version)
		}
	}
}

// integrityCheck opens the SQLite file directly and runs PRAGMA integrity_check.
func integrityCheck(t *testing.T, path string, round int) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var result string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&result); err != nil {
		t.Fatalf("round %d: PRAGMA integrity_check: %v", round, err)
	}
	if result != "ok" {
		t.Errorf("round %d: PRAGMA integrity_check = %q, want ok", round, result)
	}
}
