package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReviewCLI plans a review meeting through the CLI against a real
// server: open, import a calendar, propose, choose the best slot, download
// the invitation, cancel it.
func TestReviewCLI(t *testing.T) {
	srv := startServer(t, filepath.Join(t.TempDir(), "debrief.db"))
	mustCLI(t, srv.URL, "incident", "new", "--title", "Checkout API returned 500s for EU customers", "--commander", "ana@example.com")
	mustCLI(t, srv.URL, "postmortem", "new", "--incident", "INC-1")

	// The server runs on the real clock, so the window starts next week.
	from := time.Now().UTC().AddDate(0, 0, 7)
	to := from.AddDate(0, 0, 11)
	out := mustCLI(t, srv.URL, "review", "open", "PM-1", "--zone", "Europe/Berlin", "--from", from.Format(time.DateOnly), "--to", to.Format(time.DateOnly),
		"--length", "45", "--participant", "ana@example.com,required,Europe/Berlin,09:00-17:00",
		"--participant", "bo@example.com,required,America/New_York,08:00-16:00", "--participant", "kei@example.com,optional,Asia/Tokyo")
	for _, want := range []string{"Opened the review of PM-1.", "Personal links", "/review/", "kei@example.com", "45 minutes"} {
		if !strings.Contains(out, want) {
			t.Errorf("debrief review open printed:\n%s\nwant it to contain %q", out, want)
		}
	}
	if _, _, err := cli(t, srv.URL, "", nil, "review", "open", "PM-1"); err == nil || !strings.Contains(err.Error(), "already has a review meeting") {
		t.Errorf("second debrief review open = %v, want a sentence saying PM-1 already has one", err)
	}

	day := from.Format("20060102")
	ics := filepath.Join(t.TempDir(), "ana.ics")
	cal := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART;TZID=Europe/Berlin:" + day + "T100000\r\nDTEND;TZID=Europe/Berlin:" + day + "T110000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	if err := os.WriteFile(ics, []byte(cal), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, srv.URL, "", nil, "review", "busy", "PM-1", "--file", ics); err == nil || !strings.Contains(err.Error(), "--participant") {
		t.Errorf("debrief review busy without --participant on an open server = %v, want a sentence asking for --participant", err)
	}
	if _, _, err := cli(t, srv.URL, "", nil, "review", "answer", "PM-1", "--went-well", "Paging worked."); err == nil || !strings.Contains(err.Error(), "your own account") {
		t.Errorf("debrief review answer on an open server = %v, want a sentence saying each participant answers with their own account", err)
	}
	out = mustCLI(t, srv.URL, "review", "busy", "PM-1", "--participant", "ana@example.com", "--file", ics)
	if !strings.Contains(out, "busy 1 (ics)") {
		t.Errorf("debrief review busy printed:\n%s\nwant ana with one busy time from the file", out)
	}

	out = mustCLI(t, srv.URL, "review", "propose", "PM-1")
	if !strings.Contains(out, "Earliest:") || !strings.Contains(out, "without kei@example.com") {
		t.Errorf("debrief review propose printed:\n%s\nwant the earliest slot and slots without kei (Tokyo)", out)
	}
	out = mustCLI(t, srv.URL, "review", "choose", "PM-1", "--best")
	if !strings.Contains(out, "Scheduled the review for") || !strings.Contains(out, "Europe/Berlin") {
		t.Errorf("debrief review choose --best printed:\n%s\nwant the slot in the viewer's zone", out)
	}
	inv := filepath.Join(t.TempDir(), "review.ics")
	mustCLI(t, srv.URL, "review", "ics", "PM-1", "-o", inv)
	data, err := os.ReadFile(inv)
	if err != nil || !strings.Contains(string(data), "METHOD:REQUEST\r\n") || !strings.Contains(string(data), "SEQUENCE:0\r\n") {
		t.Fatalf("debrief review ics wrote %q, %v; want a METHOD:REQUEST invitation at sequence 0", data, err)
	}
	mustCLI(t, srv.URL, "review", "cancel", "PM-1")
	out = mustCLI(t, srv.URL, "review", "ics", "PM-1")
	if !strings.Contains(out, "METHOD:CANCEL\r\n") || !strings.Contains(out, "SEQUENCE:1\r\n") {
		t.Errorf("debrief review ics after cancel printed:\n%s\nwant METHOD:CANCEL at sequence 1", out)
	}
	show := mustCLI(t, srv.URL, "review", "show", "PM-1")
	if !strings.Contains(show, "Status:   cancelled") {
		t.Errorf("debrief review show printed:\n%s\nwant it cancelled", show)
	}
	if _, _, err := cli(t, srv.URL, "", nil, "review", "show", "PM-99"); err == nil || !strings.Contains(err.Error(), "PM-99") {
		t.Errorf("debrief review show PM-99 = %v, want a sentence naming PM-99", err)
	}
	if _, _, err := cli(t, srv.URL, "", nil, "review", "choose", "PM-1"); err == nil || !strings.Contains(err.Error(), "--best") {
		t.Errorf("debrief review choose without a time = %v, want a sentence asking for --start or --best", err)
	}
}
