package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReviewParticipantCLI is a participant's side of the review from the
// command line, signed in with a token: mark when they can attend, answer
// the questionnaire twice (the second time at the first answer's
// version), and the organiser's new personal link for another
// participant, printed as the page to open in a browser.
func TestReviewParticipantCLI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "review.db")
	if _, err := runAccounts(t, db, "", "user", "add", "--role", "responder", "ana@example.com"); err != nil {
		t.Fatal(err)
	}
	out, err := runAccounts(t, db, "", "token", "create", "--user", "ana@example.com", "--scope", "write", "--name", "cli")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	url := serveAccounts(t, db)
	ana := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(context.Background(), append(args, "--server", url, "--token", token), func(k string) string {
			if k == "TZ" {
				return "UTC"
			}
			return ""
		}, strings.NewReader(""), &out, &errb)
		return out.String(), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := ana(args...)
		if err != nil {
			t.Fatalf("debrief %s = %v", strings.Join(args, " "), err)
		}
		return out
	}
	must("incident", "new", "--title", "Checkout API returned 500s for EU customers")
	must("postmortem", "new", "--incident", "INC-1", "--owner", "ana@example.com")
	// A weekday a week ahead: ana's working hours (09:00–17:00) hold on
	// weekdays only, so a Saturday window would have no slot at all.
	next := time.Now().UTC().AddDate(0, 0, 7)
	for next.Weekday() == time.Saturday || next.Weekday() == time.Sunday {
		next = next.AddDate(0, 0, 1)
	}
	day := next.Format(time.DateOnly)
	opened := must("review", "open", "PM-1", "--from", day, "--to", day, "--participant", "ana@example.com,required,UTC,09:00-17:00", "--participant", "bo@example.com,optional")
	if !strings.Contains(opened, url+"/review/") {
		t.Errorf("debrief review open printed:\n%s\nwant each participant's page link (%s/review/…)", opened, url)
	}

	if _, err := ana("review", "mark", "PM-1"); err == nil || !strings.Contains(err.Error(), "--free") {
		t.Errorf("debrief review mark without times = %v; want a sentence asking for --free", err)
	}
	if _, err := ana("review", "mark", "PM-1", "--free", day+" 14:00"); err == nil || !strings.Contains(err.Error(), "START..END") {
		t.Errorf("debrief review mark with a time, not a range = %v; want a sentence showing START..END", err)
	}
	out = must("review", "mark", "PM-1", "--free", day+" 14:00..15:30", "--free", day+" 16:00..17:00")
	if !strings.Contains(out, "Saved the times of ana@example.com") || !strings.Contains(out, "marked 2") {
		t.Errorf("debrief review mark printed:\n%s\nwant ana's two free times saved", out)
	}
	out = must("review", "propose", "PM-1")
	if !strings.Contains(out, next.Format("2 Jan 2006")) || !strings.Contains(out, "14:00") {
		t.Errorf("debrief review propose after marking printed:\n%s\nwant a slot at 14:00", out)
	}

	out = must("review", "answer", "PM-1", "--went-well", "The rollback took two minutes.")
	if !strings.Contains(out, "version 1") || !strings.Contains(out, "private until the meeting") {
		t.Errorf("debrief review answer printed:\n%s\nwant the first version, kept private", out)
	}
	out = must("review", "answer", "PM-1", "--went-well", "The rollback took two minutes.", "--was-hard", "Finding the dashboard.", "--shared")
	if !strings.Contains(out, "version 2") || !strings.Contains(out, "shared") {
		t.Errorf("debrief review answer again printed:\n%s\nwant version 2, shared", out)
	}

	out = must("review", "link", "PM-1", "bo@example.com")
	if !strings.Contains(out, "bo@example.com") || !strings.Contains(out, url+"/review/") {
		t.Errorf("debrief review link printed:\n%s\nwant bo's new page link", out)
	}
	if _, err := ana("review", "link", "PM-1", "carl@example.com"); err == nil || !strings.Contains(err.Error(), "not invited") {
		t.Errorf("debrief review link for someone not invited = %v; want a sentence saying so", err)
	}
}

// serveAccounts serves db with accounts (no --open) until the test ends and
// returns its address.
func serveAccounts(t *testing.T, db string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout := newOutput()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "error"}, noEnv, strings.NewReader(""), stdout, newOutput())
	}()
	select {
	case url := <-stdout.addr:
		t.Cleanup(func() { cancel(); <-done })
		return url
	case err := <-done:
		cancel()
		t.Fatalf("serve = %v", err)
		return ""
	}
}

// TestReviewUpdateCLI changes a review's plan from the command line:
// another day, someone added (with their page link printed) and someone
// removed; a change naming nobody invited is refused with a sentence.
func TestReviewUpdateCLI(t *testing.T) {
	srv := startServer(t, filepath.Join(t.TempDir(), "debrief.db"))
	mustCLI(t, srv.URL, "incident", "new", "--title", "Checkout API returned 500s for EU customers")
	mustCLI(t, srv.URL, "postmortem", "new", "--incident", "INC-1")
	from := time.Now().UTC().AddDate(0, 0, 7).Format(time.DateOnly)
	to := time.Now().UTC().AddDate(0, 0, 10).Format(time.DateOnly)
	mustCLI(t, srv.URL, "review", "open", "PM-1", "--from", from, "--to", from, "--participant", "ana@example.com", "--participant", "bo@example.com,optional")
	if _, _, err := cli(t, srv.URL, "", nil, "review", "update", "PM-1"); err == nil || !strings.Contains(err.Error(), "say what changes") {
		t.Errorf("debrief review update without changes = %v; want a sentence asking what changes", err)
	}
	if _, _, err := cli(t, srv.URL, "", nil, "review", "update", "PM-1", "--remove", "zed@example.com"); err == nil || !strings.Contains(err.Error(), "not invited") {
		t.Errorf("debrief review update --remove someone not invited = %v; want a sentence saying so", err)
	}
	out := mustCLI(t, srv.URL, "review", "update", "PM-1", "--to", to, "--length", "45", "--add", "kei@example.com,optional,Asia/Tokyo", "--remove", "bo@example.com")
	for _, want := range []string{"Changed the review of PM-1.", "to " + to, "45 minutes", "kei@example.com", "newly invited", srv.URL + "/review/"} {
		if !strings.Contains(out, want) {
			t.Errorf("debrief review update printed:\n%s\nwant it to contain %q", out, want)
		}
	}
	if strings.Contains(out, "bo@example.com") {
		t.Errorf("debrief review update --remove bo printed:\n%s\nwant bo gone", out)
	}
}
