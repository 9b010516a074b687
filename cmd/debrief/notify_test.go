package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/notify"
)

// TestNotifyEndToEnd runs serve with its notification workers, adds a
// signed webhook channel with the CLI, declares an incident, and waits for
// the delivery at a local receiver; the log command then shows it sent.
func TestNotifyEndToEnd(t *testing.T) {
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, b)
		mu.Unlock()
	}))
	defer rcv.Close()
	s := startServer(t, filepath.Join(t.TempDir(), "debrief.db"), "--notify-interval", "100ms", "--public-url", "https://debrief.example.com")
	out := mustCLI(t, s.URL, "notify", "add", "webhook", "bridge", rcv.URL, "--events", "incident.declared")
	i := strings.Index(out, "Signing secret (shown only now): ")
	if i < 0 {
		t.Fatalf("notify add printed %q, want the signing secret", out)
	}
	secret := strings.TrimSpace(out[i+len("Signing secret (shown only now): "):])
	mustCLI(t, s.URL, "incident", "new", "--title", "Checkout returned 500s for EU customers", "--severity", "SEV2")
	deadline := time.Now().Add(time.Minute)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("receiver got %d deliveries, want 1", len(got))
	}
	sig := got[0].Header.Get(notify.HeaderSignature)
	ts, _ := strconv.ParseInt(strings.TrimPrefix(strings.Split(sig, ",")[0], "t="), 10, 64)
	if sig != notify.Sign(secret, time.Unix(ts, 0), bodies[0]) {
		t.Errorf("signature %q does not verify with the secret the CLI printed", sig)
	}
	if !strings.Contains(string(bodies[0]), `"incident":"INC-1"`) || !strings.Contains(string(bodies[0]), `"link":"https://debrief.example.com/incidents/INC-1"`) {
		t.Errorf("webhook body = %s, want the incident key and its link", bodies[0])
	}
	// Muting is a person's: the open mode's local admin has no address.
	if _, _, err := cli(t, s.URL, "", nil, "notify", "mute", "INC-1"); err == nil || !strings.Contains(err.Error(), "belong to a person") {
		t.Errorf("notify mute INC-1 without an account = %v, want the sentence that preferences belong to a person", err)
	}
	// The log is written just after the receiver answers; wait for it.
	for time.Now().Before(deadline) {
		if log := mustCLI(t, s.URL, "notify", "log", "--status", "sent"); strings.Contains(log, "INC-1 declared") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("debrief notify log --status sent never listed the delivery")
}
