package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests drive the whole program through run(), serve included: a real
// server on port 0 over a real database, and every client command against it.

// testZone is the viewer's zone in CLI tests, so times print predictably.
const testZone = "Europe/Berlin"

// output collects what a command writes and tells when the server printed
// its address.
type output struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	addr  chan string
	found bool
}

func newOutput() *output { return &output{addr: make(chan string, 1)} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	if !o.found {
		const prefix = "Debrief listening on "
		s := o.buf.String()
		if i := strings.Index(s, prefix); i >= 0 {
			if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
				o.found = true
				o.addr <- strings.TrimSpace(s[i+len(prefix) : i+j])
			}
		}
	}
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// server is a running `debrief serve`.
type server struct {
	URL    string
	Stdout *output
	stop   context.CancelFunc
	done   chan error
}

// startServer runs `debrief serve --addr 127.0.0.1:0 --db dsn extra...` in a
// goroutine and waits until it prints its address.
func startServer(t *testing.T, dsn string, extra ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := newOutput(), newOutput()
	// --open: these tests predate accounts (user_test.go tests signing in).
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", dsn, "--log-level", "warn", "--open"}, extra...)
	s := &server{Stdout: stdout, stop: cancel, done: make(chan error, 1)}
	go func() { s.done <- run(ctx, args, noEnv, strings.NewReader(""), stdout, stderr) }()
	select {
	case s.URL = <-stdout.addr:
	case err := <-s.done:
		cancel()
		t.Fatalf("run(%q) = %v before listening; stderr:\n%s", args, err, stderr)
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatalf("run(%q) printed no address; stdout:\n%s\nstderr:\n%s", args, stdout, stderr)
	}
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// Stop cancels the server's context, as SIGINT does, and checks that it
// shut down cleanly.
func (s *server) Stop(t *testing.T) {
	t.Helper()
	if s.stop == nil {
		return
	}
	s.stop()
	s.stop = nil
	if err := <-s.done; err != nil {
		t.Errorf("serve after cancel = %v, want a clean shutdown (nil)", err)
	}
}

func noEnv(string) string { return "" }

// cli runs one client command against srv with the test zone.
func cli(t *testing.T, srv string, stdin string, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		switch k {
		case "TZ":
			return testZone
		case "DEBRIEF_URL":
			return srv
		}
		return ""
	}
	var out, errOut bytes.Buffer
	err = run(t.Context(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// mustCLI runs a command that must succeed and returns its stdout.
func mustCLI(t *testing.T, srv string, args ...string) string {
	t.Helper()
	out, errOut, err := cli(t, srv, "", nil, args...)
	if err != nil {
		t.Fatalf("debrief %s = %v, want success; stderr:\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// mustJSON runs a command with --json and decodes its output into v.
func mustJSON(t *testing.T, srv string, v any, args ...string) {
	t.Helper()
	out := mustCLI(t, srv, append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("debrief %s --json printed %q, not JSON: %v", strings.Join(args, " "), out, err)
	}
}

// wantLines checks that out contains every want, in order.
func wantLines(t *testing.T, what, out string, want ...string) {
	t.Helper()
	rest := out
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("%s printed:\n%s\nwant it to contain %q (after the earlier expected parts)", what, out, w)
			return
		}
		rest = rest[i+len(w):]
	}
}

// api calls the server's API directly and decodes a JSON answer into v.
func api(t *testing.T, method, url, body string, header map[string]string, v any) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, val := range header {
		req.Header.Set(k, val)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, url, err)
	}
	if v != nil {
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatalf("%s %s answered %d %q, not JSON: %v", method, url, resp.StatusCode, data, err)
		}
	}
	return resp
}

func TestVersionAndHelp(t *testing.T) {
	out, _, err := cli(t, "", "", nil, "version")
	if err != nil || !strings.HasPrefix(out, "debrief ") {
		t.Errorf("debrief version = %q, %v; want \"debrief <version>\"", out, err)
	}
	out, _, err = cli(t, "", "", nil, "--help")
	if err != nil {
		t.Errorf("debrief --help = %v, want nil (help is not an error)", err)
	}
	for _, cmd := range []string{"serve", "migrate", "incident", "timeline", "postmortem", "action"} {
		if !strings.Contains(out, cmd) {
			t.Errorf("debrief --help does not mention %q:\n%s", cmd, out)
		}
	}
	if strings.Contains(out, "bench") {
		t.Errorf("debrief --help lists the hidden bench command:\n%s", out)
	}
	out, _, err = cli(t, "", "", nil, "serve", "--help")
	if err != nil || !strings.Contains(out, "DEBRIEF_DB") || !strings.Contains(out, "DEBRIEF_ADDR") {
		t.Errorf("debrief serve --help = %v, printed:\n%s\nwant the env vars DEBRIEF_DB and DEBRIEF_ADDR named", err, out)
	}
}

func TestMigrate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "m.db")
	out, errOut, err := cli(t, "", "", nil, "migrate", "--db", db)
	if err != nil || !strings.Contains(out, "Applied") {
		t.Fatalf("debrief migrate on a new file = %q, %v (stderr %s); want it to apply migrations", out, err, errOut)
	}
	out, _, err = cli(t, "", "", nil, "migrate", "--db", db)
	if err != nil || !strings.Contains(out, "up to date") {
		t.Errorf("second debrief migrate = %q, %v; want \"up to date\"", out, err)
	}
	// The environment variable works like the flag.
	out, _, err = cli(t, "", "", map[string]string{"DEBRIEF_DB": db}, "migrate")
	if err != nil || !strings.Contains(out, db) {
		t.Errorf("DEBRIEF_DB=%s debrief migrate = %q, %v; want it to name that file", db, out, err)
	}
}

func TestServeBadAddress(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.db")
	s := startServer(t, db)
	addr := strings.TrimPrefix(s.URL, "http://")
	_, _, err := cli(t, "", "", nil, "serve", "--addr", addr, "--db", filepath.Join(t.TempDir(), "b.db"), "--log-level", "error")
	if err == nil || !strings.Contains(err.Error(), "cannot listen on "+addr) {
		t.Errorf("serve on a busy address %s = %v, want an error saying it cannot listen there", addr, err)
	}
}

func TestEndToEndSQLite(t *testing.T) {
	s := startServer(t, filepath.Join(t.TempDir(), "debrief.db"))
	exercise(t, s.URL)
	s.Stop(t)
}

// TestServeMaxAttachment checks that serve --max-attachment reaches the
// upload routes: a file one byte over the limit is refused with 413, one
// at the limit is stored.
func TestServeMaxAttachment(t *testing.T) {
	s := startServer(t, filepath.Join(t.TempDir(), "debrief.db"), "--max-attachment", "100")
	var inc struct{ Key string }
	api(t, "POST", s.URL+"/api/v1/incidents", `{"title":"Checkout API returned 500s"}`, nil, &inc)
	url := s.URL + "/api/v1/incidents/" + inc.Key + "/attachments?filename=pool.log"
	text := map[string]string{"Content-Type": "text/plain"}
	if resp := api(t, "POST", url, strings.Repeat("x", 101), text, nil); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("upload of 101 bytes with --max-attachment 100 = %d, want 413", resp.StatusCode)
	}
	if resp := api(t, "POST", url, strings.Repeat("x", 100), text, nil); resp.StatusCode != http.StatusCreated {
		t.Errorf("upload of 100 bytes with --max-attachment 100 = %d, want 201", resp.StatusCode)
	}
}

func TestDemoSQLite(t *testing.T) {
	demo(t, filepath.Join(t.TempDir(), "demo.db"))
}

// demo checks that --demo loads the data set into an empty database, that a
// second start leaves it alone and says so, and that the data is complete.
func demo(t *testing.T, dsn string) {
	s := startServer(t, dsn, "--demo")
	if out := s.Stdout.String(); !strings.Contains(out, "Loaded the demo data set") {
		t.Errorf("first serve --demo printed %q, want it to say it loaded the demo data", out)
	}
	var incs list[map[string]any]
	mustJSON(t, s.URL, &incs, "incident", "list")
	if len(incs.Items) < 3 || len(incs.Items) > 5 {
		t.Errorf("demo has %d incidents, want 3 to 5", len(incs.Items))
	}
	severities, statuses := map[any]bool{}, map[any]bool{}
	for _, inc := range incs.Items {
		severities[inc["severity"]] = true
		statuses[inc["status"]] = true
		var events list[map[string]any]
		mustJSON(t, s.URL, &events, "timeline", "list", inc["key"].(string))
		if n := len(events.Items); n < 8 || n > 15 {
			t.Errorf("demo incident %s has %d timeline events, want 8 to 15", inc["key"], n)
		}
	}
	if len(severities) < 3 || len(statuses) < 3 {
		t.Errorf("demo incidents have severities %v and statuses %v; want at least three of each", severities, statuses)
	}
	var pms list[map[string]any]
	resp := api(t, "GET", s.URL+"/api/v1/postmortems", "", nil, &pms)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/v1/postmortems = %d", resp.StatusCode)
	}
	kinds := map[any]int{}
	for _, pm := range pms.Items {
		kinds[pm["kind"]]++
		written := 0
		for _, sec := range pm["sections"].([]any) {
			if strings.TrimSpace(sec.(map[string]any)["body"].(string)) != "" {
				written++
			}
		}
		if written < 2 {
			t.Errorf("demo postmortem %s has %d written sections, want at least 2", pm["key"], written)
		}
	}
	if kinds["project"] != 1 || kinds["incident"] < 2 {
		t.Errorf("demo postmortem kinds = %v, want one project postmortem and at least two incident postmortems", kinds)
	}
	for _, pm := range pms.Items {
		if pm["kind"] == "project" {
			out := mustCLI(t, s.URL, "postmortem", "show", pm["key"].(string))
			wantLines(t, "postmortem show (demo project)", out, "Kind:", "project postmortem", "Live from:", "## Why we launched it",
				"## Feedback from the team", "Went well:")
		}
	}
	var items list[map[string]any]
	mustJSON(t, s.URL, &items, "action", "list")
	if len(items.Items) < 3 {
		t.Errorf("demo has %d action items, want at least 3", len(items.Items))
	}
	for _, it := range items.Items {
		if it["owner"] == "" || it["due_date"] == nil {
			t.Errorf("demo action item %s has owner %v and due date %v; want both", it["key"], it["owner"], it["due_date"])
		}
	}
	var revs list[map[string]any]
	api(t, "GET", s.URL+"/api/v1/incidents/INC-1/revisions", "", nil, &revs)
	if len(revs.Items) < 2 {
		t.Errorf("demo INC-1 has %d revisions, want the history of its creation and updates", len(revs.Items))
	}
	s.Stop(t)

	s = startServer(t, dsn, "--demo")
	if out := s.Stdout.String(); !strings.Contains(out, "already holds data") {
		t.Errorf("second serve --demo printed %q, want it to say the database already holds data", out)
	}
	var again list[map[string]any]
	mustJSON(t, s.URL, &again, "incident", "list")
	if len(again.Items) != len(incs.Items) {
		t.Errorf("after a second serve --demo there are %d incidents, want still %d", len(again.Items), len(incs.Items))
	}
	s.Stop(t)
}

// exercise drives the API and every client command against a server with
// an empty database.
func exercise(t *testing.T, srv string) {
	// The API directly: create, read with ETag, update with If-Match.
	var created map[string]any
	resp := api(t, "POST", srv+"/api/v1/incidents", `{"title":"Login page timed out for all users","severity":"SEV1","services":["auth"],"started_at":"2026-03-05T13:02:00Z"}`, nil, &created)
	if resp.StatusCode != http.StatusCreated || created["key"] != "INC-1" {
		t.Fatalf("POST /api/v1/incidents = %d %v, want 201 and key INC-1", resp.StatusCode, created)
	}
	resp = api(t, "GET", srv+"/api/v1/incidents/INC-1", "", nil, nil)
	if etag := resp.Header.Get("ETag"); etag != `"1"` {
		t.Errorf("GET /api/v1/incidents/INC-1 ETag = %q, want \"1\"", etag)
	}

	// incident new, table and JSON.
	out := mustCLI(t, srv, "incident", "new", "--title", "Checkout API returned 500s for EU customers", "--severity", "SEV2",
		"--service", "checkout-api,payments", "--customer", "EU shoppers, web and app", "--commander", "amara@example.com",
		"--started", "2026-03-05 14:02", "--detected", "2026-03-05 14:06")
	wantLines(t, "incident new", out, "Declared INC-2.", "INC-2  Checkout API returned 500s for EU customers",
		"Severity:", "SEV2", "Services:", "checkout-api, payments", "Customers:", "EU shoppers, web and app",
		"Commander:", "amara@example.com", "Started:", "2026-03-05 14:02 CET", "Detected:", "2026-03-05 14:06 CET",
		"Time to detect:", "4m")
	var inc3 map[string]any
	mustJSON(t, srv, &inc3, "incident", "new", "--title", "Search results stale", "-s", "SEV3", "--label", "search")
	if inc3["key"] != "INC-3" || inc3["severity"] != "SEV3" || inc3["status"] != "investigating" {
		t.Errorf("incident new --json = %v, want key INC-3, severity SEV3, status investigating", inc3)
	}

	// incident list.
	out = mustCLI(t, srv, "incident", "list")
	wantLines(t, "incident list", out, "KEY", "SEVERITY", "STATUS", "STARTED", "TITLE",
		"INC-3", "SEV3", "investigating", "INC-2", "SEV2", "2026-03-05 14:02 CET", "checkout-api, payments", "INC-1", "SEV1")
	var page list[map[string]any]
	mustJSON(t, srv, &page, "incident", "list", "--severity", "SEV1,SEV2")
	if len(page.Items) != 2 {
		t.Errorf("incident list --severity SEV1,SEV2 --json has %d items, want 2", len(page.Items))
	}
	_, errOut, err := cli(t, srv, "", nil, "incident", "list", "--limit", "1")
	if err != nil || !strings.Contains(errOut, "--cursor") {
		t.Errorf("incident list --limit 1 = %v, stderr %q; want a hint how to get the next page", err, errOut)
	}

	// incident update.
	out = mustCLI(t, srv, "incident", "update", "INC-2", "--status", "identified", "--scribe", "lukas@example.com", "--impact", "38% of checkouts failed.")
	wantLines(t, "incident update", out, "Updated INC-2 (now version 2).", "Status:", "identified", "Impact:", "38% of checkouts failed.",
		"Commander:", "amara@example.com", "Scribe:", "lukas@example.com")
	var upd map[string]any
	mustJSON(t, srv, &upd, "incident", "update", "INC-2", "--mitigated", "2026-03-05T14:49:00+01:00")
	if upd["version"] != float64(3) || upd["mitigated_at"] != "2026-03-05T13:49:00Z" {
		t.Errorf("incident update --mitigated --json = version %v, mitigated_at %v; want 3 and 2026-03-05T13:49:00Z", upd["version"], upd["mitigated_at"])
	}
	out = mustCLI(t, srv, "incident", "update", "INC-3", "--repeat-of", "INC-1", "--private", "--member", "mei@example.com")
	wantLines(t, "incident update --repeat-of", out, "Private:", "yes, members: mei@example.com", "Repeats:", "INC-1")
	var cleared map[string]any
	mustJSON(t, srv, &cleared, "incident", "update", "INC-3", "--clear", "repeat_of", "--private=false")
	if cleared["repeat_of"] != nil || cleared["private"] != false {
		t.Errorf("incident update --clear repeat_of --private=false --json = repeat_of %v, private %v; want both unset", cleared["repeat_of"], cleared["private"])
	}
	_, _, err = cli(t, srv, "", nil, "incident", "update", "INC-2", "--title", "Stale", "--if-version", "1")
	if err == nil || !strings.Contains(err.Error(), "changed by someone else") {
		t.Errorf("incident update --if-version 1 on version 3 = %v, want a conflict saying someone else changed it", err)
	}

	// timeline add and list, one event and a multi-day file.
	out = mustCLI(t, srv, "timeline", "add", "INC-2", "Rolled back deploy 1432", "--at", "2026-03-05 14:40", "--kind", "mitigation", "--star")
	wantLines(t, "timeline add", out, "Added 1 event to INC-2.")
	out = mustCLI(t, srv, "timeline", "list", "INC-2")
	wantLines(t, "timeline list (one day)", out, "Timeline, Thursday 5 March 2026", "TIME", "KIND", "*", "14:40:00 CET", "mitigation", "Rolled back deploy 1432")
	events := `[{"at":"2026-03-05T13:03:00Z","kind":"alert","source":"alertmanager","text":"CheckoutErrorRateHigh firing","external_id":"am-1"},
		{"at":"2026-03-06T09:00:00+01:00","kind":"resolution","text":"Resolved after a quiet night","lifecycle":"resolved"}]`
	out, errOut, err = cli(t, srv, events, nil, "timeline", "add", "INC-2", "--file", "-")
	if err != nil || !strings.Contains(out, "Added 2 events to INC-2.") {
		t.Errorf("timeline add --file - = %q, %v (stderr %s); want 2 events added", out, err, errOut)
	}
	out, _, err = cli(t, srv, events, nil, "timeline", "add", "INC-2", "--file", "-")
	if err != nil || !strings.Contains(out, "1 were already there") {
		t.Errorf("timeline add --file - again = %q, %v; want the event with an external id skipped", out, err)
	}
	out = mustCLI(t, srv, "timeline", "list", "INC-2")
	wantLines(t, "timeline list (two days)", out, "2026-03-05 14:03 CET", "alert", "alertmanager", "CheckoutErrorRateHigh firing",
		"2026-03-05 14:40 CET", "2026-03-06 09:00 CET", "[resolved] Resolved after a quiet night")
	var tl list[map[string]any]
	mustJSON(t, srv, &tl, "timeline", "list", "INC-2", "--starred")
	if len(tl.Items) != 1 {
		t.Errorf("timeline list --starred --json has %d events, want 1", len(tl.Items))
	}
	out = mustCLI(t, srv, "incident", "show", "INC-2")
	wantLines(t, "incident show", out, "INC-2  Checkout API", "Resolved:", "2026-03-06 09:00 CET", "Time to resolve:", "18h 58m",
		"TIME", "2026-03-05 14:03 CET", "CheckoutErrorRateHigh firing")
	var shown map[string]any
	mustJSON(t, srv, &shown, "incident", "show", "INC-2")
	if shown["resolved_at"] != "2026-03-06T08:00:00Z" {
		t.Errorf("incident show --json resolved_at = %v, want 2026-03-06T08:00:00Z (set by the lifecycle tag)", shown["resolved_at"])
	}

	// postmortem new, show, edit.
	out = mustCLI(t, srv, "postmortem", "new", "--incident", "INC-2")
	wantLines(t, "postmortem new", out, "Started PM-1 from the incident template.", "PM-1  Checkout API returned 500s for EU customers",
		"Incident:", "INC-2", "## Summary  [summary] (required)", "(not written yet)")
	var sre map[string]any
	mustJSON(t, srv, &sre, "postmortem", "new", "-i", "INC-3", "--template", "sre", "--owner", "mei@example.com")
	if sre["template"] != "sre" || sre["owner"] != "mei@example.com" {
		t.Errorf("postmortem new --template sre --json = template %v owner %v", sre["template"], sre["owner"])
	}
	var project map[string]any
	mustJSON(t, srv, &project, "postmortem", "new", "--title", "Reorder button pilot", "--live-from", "2026-01-10")
	if project["kind"] != "project" {
		t.Errorf("postmortem new without --incident = kind %v, want project", project["kind"])
	}
	summary := "For 47 minutes, 38% of EU checkouts failed.\n\nA pool setting change exhausted database connections.\n"
	out, errOut, err = cli(t, srv, summary, nil, "postmortem", "edit", "PM-1", "--section", "summary", "--file", "-")
	if err != nil || !strings.Contains(out, `Saved section "summary" of PM-1 (now version 2).`) {
		t.Errorf("postmortem edit --file - = %q, %v (stderr %s); want it saved at version 2", out, err, errOut)
	}
	editor := writeEditor(t, "", "The rollback started at 14:31 and errors stopped at 14:47.")
	out, errOut, err = cli(t, srv, "", map[string]string{"EDITOR": editor}, "postmortem", "edit", "PM-1", "--section", "resolution")
	if err != nil || !strings.Contains(out, `Saved section "resolution"`) {
		t.Errorf("postmortem edit with $EDITOR = %q, %v (stderr %s); want it saved", out, err, errOut)
	}
	out = mustCLI(t, srv, "postmortem", "show", "PM-1")
	wantLines(t, "postmortem show", out, "PM-1", "Version:", "3", "## Summary  [summary]", "For 47 minutes, 38% of EU checkouts failed.",
		"A pool setting change exhausted", "## Diagnosis", "The rollback started at 14:31")
	var pm map[string]any
	mustJSON(t, srv, &pm, "postmortem", "show", "PM-1")
	if pm["version"] != float64(3) {
		t.Errorf("postmortem show --json version = %v, want 3", pm["version"])
	}

	// A conflicting edit: someone saves the same section while the editor
	// is open. The server refuses the stale save and the user's text is
	// kept in a file. A save of another section meanwhile is no conflict.
	gate := filepath.Join(t.TempDir(), "go-on")
	editor = writeEditor(t, gate, "My careful rewrite of the timeline.")
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, _, err := cli(t, srv, "", map[string]string{"EDITOR": editor}, "postmortem", "edit", "PM-1", "--section", "timeline")
		done <- result{out, err}
	}()
	waitFor(t, gate+".opened")
	for _, key := range []string{"learnings", "timeline"} {
		resp = api(t, "PATCH", srv+"/api/v1/postmortems/PM-1/sections/"+key, `{"body":"Someone else's words."}`, map[string]string{"If-Match": `"3"`}, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("PATCH %s at version 3 = %d, want 200", key, resp.StatusCode)
		}
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err == nil || !strings.Contains(r.err.Error(), `someone else changed PM-1 section "timeline"`) {
		t.Fatalf("postmortem edit racing another save = %q, %v; want a conflict saying someone else changed it", r.out, r.err)
	}
	kept := keptFile(r.err.Error())
	if b, err := os.ReadFile(kept); err != nil || string(b) != "My careful rewrite of the timeline.\n" {
		t.Errorf("conflict message %q names %q holding %q (%v); want the user's text kept there", r.err, kept, b, err)
	} else {
		os.Remove(kept)
	}
	mustJSON(t, srv, &pm, "postmortem", "show", "PM-1")
	if secs := pm["sections"].([]any); strings.Contains(fmt.Sprint(secs), "My careful rewrite") || !strings.Contains(fmt.Sprint(secs), "Someone else's words.") {
		t.Errorf("after the conflict the sections are %v; want the other save kept and the stale one not applied", secs)
	}

	// action add, list, done.
	out = mustCLI(t, srv, "action", "add", "Alert when a database uses 80% of its connections", "--incident", "INC-2",
		"--owner", "lukas@example.com", "--due", "2026-03-20", "--priority", "P1", "--type", "detect")
	wantLines(t, "action add", out, "Added AI-1: Alert when a database", "KEY", "PRIORITY", "AI-1", "P1", "open", "2026-03-20", "lukas@example.com", "INC-2")
	var ai map[string]any
	mustJSON(t, srv, &ai, "action", "add", "Load-test pool changes", "-p", "PM-1", "-o", "amara@example.com")
	if ai["postmortem_id"] != float64(1) || ai["incident_id"] != float64(2) {
		t.Errorf("action add -p PM-1 --json = postmortem %v incident %v, want 1 and 2", ai["postmortem_id"], ai["incident_id"])
	}
	out = mustCLI(t, srv, "action", "done", "AI-1")
	wantLines(t, "action done", out, "Marked AI-1 done")
	out = mustCLI(t, srv, "action", "done", "AI-1")
	wantLines(t, "action done twice", out, "AI-1 was already done.")
	out = mustCLI(t, srv, "action", "list", "--incident", "INC-2")
	wantLines(t, "action list", out, "KEY", "AI-2", "open", "amara@example.com", "PM-1", "AI-1", "done", "2026-03-20")
	var items list[map[string]any]
	mustJSON(t, srv, &items, "action", "list", "--status", "done")
	if len(items.Items) != 1 || items.Items[0]["key"] != "AI-1" {
		t.Errorf("action list --status done --json = %v, want only AI-1", items.Items)
	}
	// The verify step: done without the verification the item asks for is
	// refused with a sentence naming the field, and accepted with one.
	out = mustCLI(t, srv, "action", "add", "Cap the pool at 80 connections", "-i", "INC-2", "--verify-required")
	wantLines(t, "action add --verify-required", out, "Added AI-3")
	if _, _, err := cli(t, srv, "", nil, "action", "done", "AI-3"); err == nil || !strings.Contains(err.Error(), "note or a link") || !strings.Contains(err.Error(), `(field "verification")`) {
		t.Errorf("action done AI-3 without --verification = %v, want a sentence asking for a note or a link, naming the field", err)
	}
	out = mustCLI(t, srv, "action", "done", "AI-3", "--verification", "https://git.example.com/db/pull/12")
	wantLines(t, "action done --verification", out, "Marked AI-3 done")

	// Improvement ideas: raise, find the duplicate, merge, list, promote.
	out = mustCLI(t, srv, "idea", "add", "PM-1", "Canary every config change", "--note", "The push went everywhere.")
	wantLines(t, "idea add", out, "Raised IDEA-1: Canary every config change")
	mustCLI(t, srv, "idea", "add", "PM-1", "Canary config changes in one region")
	out = mustCLI(t, srv, "idea", "similar", "IDEA-1")
	wantLines(t, "idea similar", out, "IDEA-2", "debrief idea merge KEY --into IDEA-1")
	out = mustCLI(t, srv, "idea", "merge", "IDEA-2", "--into", "IDEA-1")
	wantLines(t, "idea merge", out, "Merged into IDEA-1")
	out = mustCLI(t, srv, "idea", "list")
	wantLines(t, "idea list", out, "KEY", "WEIGHT", "IDEA-1", "PM-1", "Canary every config change")
	if strings.Contains(out, "IDEA-2") {
		t.Errorf("idea list (open) shows the merged IDEA-2:\n%s", out)
	}
	out = mustCLI(t, srv, "idea", "promote", "IDEA-1", "--owner", "ops@example.com")
	wantLines(t, "idea promote", out, "Promoted IDEA-1 to action item AI-4: Canary every config change")
	if _, _, err := cli(t, srv, "", nil, "idea", "promote", "IDEA-1"); err == nil || !strings.Contains(err.Error(), "Only open ideas can be promoted") {
		t.Errorf("idea promote twice = %v, want a sentence saying only open ideas can be promoted", err)
	}

	// Trackers: added and listed without the token; an export to one that
	// cannot be reached is a sentence and leaves the item exportable.
	out = mustCLI(t, srv, "tracker", "add", "github-platform", "--kind", "github", "--project", "acme/platform", "--base-url", "http://127.0.0.1:1", "--tracker-token", "ghp_not_shown")
	wantLines(t, "tracker add", out, "Added tracker github-platform: github acme/platform at http://127.0.0.1:1")
	out = mustCLI(t, srv, "tracker", "list")
	wantLines(t, "tracker list", out, "NAME", "github-platform", "acme/platform")
	if strings.Contains(out, "ghp_not_shown") {
		t.Errorf("tracker list shows the token:\n%s", out)
	}
	if _, _, err := cli(t, srv, "", nil, "action", "export", "AI-2", "--tracker", "github-platform"); err == nil || !strings.Contains(err.Error(), "Could not reach GitHub at http://127.0.0.1:1") {
		t.Errorf("action export to an unreachable tracker = %v, want a sentence saying GitHub could not be reached", err)
	}
	if _, _, err := cli(t, srv, "", nil, "action", "export", "AI-2", "--tracker", "nope"); err == nil || !strings.Contains(err.Error(), `There is no tracker "nope"`) {
		t.Errorf("action export to an unknown tracker = %v, want a sentence naming it", err)
	}
	out = mustCLI(t, srv, "action", "sync", "AI-2")
	wantLines(t, "action sync (not exported)", out, "AI-2 was not exported to a tracker.")
	out = mustCLI(t, srv, "tracker", "edit", "github-platform", "--project", "acme/payments", "--rename", "github-payments")
	wantLines(t, "tracker edit", out, "Saved tracker github-payments: github acme/payments at http://127.0.0.1:1.")
	out = mustCLI(t, srv, "tracker", "remove", "github-payments")
	wantLines(t, "tracker remove", out, "Removed tracker github-payments")
	if out = mustCLI(t, srv, "tracker", "list"); strings.Contains(out, "github-payments") {
		t.Errorf("tracker list after remove still shows it:\n%s", out)
	}

	// Teams: added, listed, edited (a service another team owns is a
	// sentence), removed.
	out = mustCLI(t, srv, "team", "add", "payments", "-m", "Ana@example.com,bo@example.com", "-s", "checkout")
	wantLines(t, "team add", out, "Added team payments: 2 members, owns checkout.")
	mustCLI(t, srv, "team", "add", "platform", "-s", "edge")
	if _, _, err := cli(t, srv, "", nil, "team", "edit", "platform", "--add-service", "checkout"); err == nil || !strings.Contains(err.Error(), "owned by the team payments") {
		t.Errorf("team edit taking a service payments owns = %v, want a sentence naming payments", err)
	}
	out = mustCLI(t, srv, "team", "edit", "payments", "--remove-service", "checkout", "--add-service", "billing", "--remove-member", "BO@example.com")
	wantLines(t, "team edit", out, "Saved team payments: 1 member, owns billing.")
	out = mustCLI(t, srv, "team", "list")
	wantLines(t, "team list", out, "NAME", "payments", "billing", "ana@example.com", "platform", "edge")
	out = mustCLI(t, srv, "team", "remove", "platform")
	wantLines(t, "team remove", out, "Removed team platform; no team owns edge now.")

	// Every change left a revision.
	var revs list[map[string]any]
	api(t, "GET", srv+"/api/v1/incidents/INC-2/revisions", "", nil, &revs)
	if len(revs.Items) < 4 {
		t.Errorf("INC-2 has %d revisions, want at least 4 (create, two updates, timeline adds)", len(revs.Items))
	}

	badInput(t, srv)
}

// badInput checks that mistakes give a plain sentence and a non-zero exit,
// and change nothing.
func badInput(t *testing.T, srv string) {
	before := snapshot(t, srv)
	cases := []struct {
		name  string
		args  []string
		stdin string
		usage bool   // a mistake in the command line itself (exit 2)
		want  string // part of the message
	}{
		{"unknown flag", []string{"incident", "new", "--title", "x", "--sevrity", "SEV1"}, "", true, "Unknown flag --sevrity"},
		{"unknown command", []string{"incidnet", "list"}, "", true, "Unexpected argument incidnet"},
		{"bad severity", []string{"incident", "new", "--title", "Disk full", "--severity", "SEV9"}, "", false, `Unknown severity "SEV9"`},
		{"missing title", []string{"incident", "new", "--severity", "SEV1"}, "", false, "The title is required"},
		{"bad status", []string{"incident", "update", "INC-2", "--status", "fixed"}, "", false, `Unknown status "fixed"`},
		{"out-of-order times", []string{"incident", "update", "INC-2", "--detected", "2026-03-05 13:00"}, "", false, "must be in order"},
		{"nothing to update", []string{"incident", "update", "INC-2"}, "", true, "Nothing to update"},
		{"bad time", []string{"incident", "new", "--title", "x", "--started", "yesterday-ish"}, "", false, "is not a time I can read"},
		{"no such incident", []string{"incident", "show", "INC-999"}, "", false, ""},
		{"bad reference", []string{"incident", "show", "PM-1"}, "", false, "is not an ID"},
		{"event without text", []string{"timeline", "add", "INC-2"}, "", true, "Say what happened"},
		{"bad event kind", []string{"timeline", "add", "INC-2", "Paged", "--kind", "page"}, "", false, `Unknown kind "page"`},
		{"events file not JSON", []string{"timeline", "add", "INC-2", "--file", "-"}, "at 14:02 it broke", false, "not valid JSON"},
		{"second bad event in a batch", []string{"timeline", "add", "INC-2", "--file", "-"}, `[{"at":"2026-03-05T13:00:00Z","text":"ok"},{"at":"2026-03-05T13:01:00Z","text":""}]`, false, "Event 2"},
		{"unknown section", []string{"postmortem", "edit", "PM-1", "--section", "nope", "--file", "-"}, "text", false, `no section "nope"`},
		{"section required", []string{"postmortem", "edit", "PM-1"}, "", true, "--section"},
		{"second postmortem for an incident", []string{"postmortem", "new", "--incident", "INC-2"}, "", false, "already has a postmortem"},
		{"bad template", []string{"postmortem", "new", "--incident", "INC-1", "--template", "five-whys"}, "", false, `no template "five-whys"`},
		{"action without title", []string{"action", "add", "--incident", "INC-2"}, "", false, "The title is required"},
		{"action without incident", []string{"action", "add", "Do a thing"}, "", false, "belongs to an incident or a postmortem"},
		{"bad due date", []string{"action", "add", "Do a thing", "-i", "INC-2", "--due", "next week"}, "", false, "is not a date"},
		{"bad priority", []string{"action", "add", "Do a thing", "-i", "INC-2", "--priority", "urgent"}, "", false, `Unknown priority "urgent"`},
		{"unreachable server", []string{"incident", "list", "--server", "http://127.0.0.1:1"}, "", false, "Cannot reach the Debrief server at http://127.0.0.1:1"},
		{"server not a URL", []string{"incident", "list", "--server", "localhost:8080"}, "", false, "is not an http:// or https:// URL"},
		{"bad log format", []string{"serve", "--log-format", "xml"}, "", true, "--log-format"},
		{"attachment limit of zero", []string{"serve", "--max-attachment", "0"}, "", false, "--max-attachment must be a positive number"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := cli(t, srv, tc.stdin, nil, tc.args...)
			cmd := "debrief " + strings.Join(tc.args, " ")
			if err == nil {
				t.Fatalf("%s succeeded with %q, want an error", cmd, out)
			}
			// main prints sentence(err): it must read as plain text, with
			// no Go error chain or formatting mistakes in it.
			msg := sentence(err.Error())
			if strings.ContainsAny(msg, "\n\t") || strings.Contains(msg, "%!") || strings.Contains(msg, "<nil>") || len(msg) > 400 {
				t.Errorf("%s = %q, want one plain sentence", cmd, msg)
			}
			if tc.want != "" && !strings.Contains(msg, tc.want) {
				t.Errorf("%s = %q, want it to contain %q", cmd, msg, tc.want)
			}
			var ue *usageError
			if got := errors.As(err, &ue); got != tc.usage {
				t.Errorf("%s: usage error (exit 2) = %v, want %v (error %q)", cmd, got, tc.usage, err)
			}
		})
	}
	if after := snapshot(t, srv); after != before {
		t.Errorf("bad input changed the data:\nbefore: %s\nafter:  %s", before, after)
	}
}

// snapshot summarises everything a bad command could have changed.
func snapshot(t *testing.T, srv string) string {
	t.Helper()
	var b strings.Builder
	for _, path := range []string{"/api/v1/incidents?limit=500", "/api/v1/postmortems?limit=500", "/api/v1/action-items?limit=500", "/api/v1/incidents/INC-2/timeline"} {
		var page list[map[string]any]
		api(t, "GET", srv+path, "", nil, &page)
		fmt.Fprintf(&b, "%s:", path)
		for _, it := range page.Items {
			fmt.Fprintf(&b, " %v@%v", it["id"], it["version"])
		}
		b.WriteString("; ")
	}
	return b.String()
}

// writeEditor writes a shell script to use as $EDITOR: it replaces the file
// with text, first waiting for gate to exist when gate is not "" (after
// creating gate.opened, so the test knows the editor is open).
func writeEditor(t *testing.T, gate, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "editor.sh")
	script := "#!/bin/sh\nset -e\n"
	if gate != "" {
		script += fmt.Sprintf("touch '%s.opened'\nwhile [ ! -e '%s' ]; do sleep 0.05; done\n", gate, gate)
	}
	script += fmt.Sprintf("printf '%%s\\n' '%s' > \"$1\"\n", text)
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitFor waits until path exists (the editor script is running).
func waitFor(t *testing.T, path string) {
	t.Helper()
	for i := 0; i < 6000; i++ {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never appeared: the editor did not start", path)
}

// keptFile finds the path of the kept text in a conflict message.
func keptFile(msg string) string {
	const marker = "Your text is kept in "
	i := strings.Index(msg, marker)
	if i < 0 {
		return ""
	}
	rest := msg[i+len(marker):]
	if j := strings.IndexAny(rest, ": "); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// TestBench runs the load generator with small bounds against a real
// server, so that it keeps working as the API changes.
func TestBench(t *testing.T) {
	s := startServer(t, filepath.Join(t.TempDir(), "bench.db"))
	out, errOut, err := cli(t, s.URL, "", nil, "bench", "--clients", "4", "--creates", "30", "--postmortems", "40",
		"--requests", "60", "--duration", "30s", "--server-pid", strconv.Itoa(os.Getpid()))
	if err != nil {
		t.Fatalf("debrief bench = %v; stderr:\n%s", err, errOut)
	}
	wantLines(t, "debrief bench", out, "PHASE", "ERRORS", "SERVER CPU/REQ",
		"create incident", "30", " 0 ", "read one postmortem", "60", " 0 ",
		"list 50 postmortems", "60", " 0 ", "list 50 postmortems", "60", " 0 ")
	var pms list[map[string]any]
	api(t, "GET", s.URL+"/api/v1/postmortems?limit=500", "", nil, &pms)
	if len(pms.Items) != 40 {
		t.Errorf("after bench --postmortems 40 there are %d postmortems, want 40", len(pms.Items))
	}
	for _, bad := range [][]string{{"--clients", "0"}, {"--duration", "0s"}, {"--postmortems", "0"}} {
		if _, _, err := cli(t, s.URL, "", nil, append([]string{"bench"}, bad...)...); err == nil {
			t.Errorf("debrief bench %v succeeded, want a usage error", bad)
		}
	}
}

// TestGracefulShutdownFinishesRequests stops the server (as SIGINT does)
// while a request is half sent, and checks that the request still completes
// and is stored. "Expect: 100-continue" makes the order certain: the server
// answers "100 Continue" only once the handler has started reading the body.
func TestGracefulShutdownFinishesRequests(t *testing.T) {
	db := filepath.Join(t.TempDir(), "graceful.db")
	s := startServer(t, db)
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"title":"Created while the server was stopping","severity":"SEV4"}`
	fmt.Fprintf(conn, "POST /api/v1/incidents HTTP/1.1\r\nHost: debrief\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", len(body))
	rd := bufio.NewReader(conn)
	line, err := rd.ReadString('\n')
	if err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("server answered %q, %v to Expect: 100-continue; want 100 Continue", line, err)
	}
	if _, err := rd.ReadString('\n'); err != nil { // the blank line after 100 Continue
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	first := s
	go func() { first.Stop(t); close(stopped) }()
	// Shutdown has begun: new connections are refused from here on.
	waitRefused(t, s.URL)
	if _, err := io.WriteString(conn, body); err != nil {
		t.Fatalf("sending the rest of the body during shutdown: %v", err)
	}
	resp, err := http.ReadResponse(rd, nil)
	if err != nil {
		t.Fatalf("reading the answer during shutdown: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("POST during shutdown = %d, want 201", resp.StatusCode)
	}
	<-stopped
	s = startServer(t, db)
	var inc map[string]any
	api(t, "GET", s.URL+"/api/v1/incidents/INC-1", "", nil, &inc)
	if inc["title"] != "Created while the server was stopping" {
		t.Errorf("after restart INC-1 = %v, want the incident created during shutdown", inc)
	}
}

// waitRefused waits until the server stops accepting connections.
func waitRefused(t *testing.T, url string) {
	t.Helper()
	addr := strings.TrimPrefix(url, "http://")
	for i := 0; i < 6000; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s still accepts connections after shutdown began", url)
}
