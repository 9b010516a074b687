package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReviewMeetingCLI runs a review meeting through the CLI against a
// real server: start in a chosen order, a turn with points, a skip with its
// reason, a goal that becomes an action item, and the end, which refuses
// while someone has not spoken.
func TestReviewMeetingCLI(t *testing.T) {
	srv := startServer(t, filepath.Join(t.TempDir(), "debrief.db"))
	mustCLI(t, srv.URL, "incident", "new", "--title", "Checkout API returned 500s for EU customers", "--commander", "ana@example.com")
	mustCLI(t, srv.URL, "postmortem", "new", "--incident", "INC-1")
	from := time.Now().UTC().AddDate(0, 0, 7)
	mustCLI(t, srv.URL, "review", "open", "PM-1", "--zone", "UTC", "--from", from.Format(time.DateOnly), "--to", from.AddDate(0, 0, 7).Format(time.DateOnly),
		"--participant", "ana@example.com,required", "--participant", "bo@example.com,optional")

	out := mustCLI(t, srv.URL, "review", "meeting", "start", "PM-1", "--order", "bo@example.com")
	if !strings.Contains(out, "1. bo@example.com: waiting") || !strings.Contains(out, "/room/") {
		t.Fatalf("debrief review meeting start printed:\n%s\nwant bo first and the room link", out)
	}
	mustCLI(t, srv.URL, "review", "meeting", "step", "PM-1", "next")
	mustCLI(t, srv.URL, "review", "meeting", "step", "PM-1", "points", "--email", "bo@example.com", "--text", "The runbook was stale.")
	if _, _, err := cli(t, srv.URL, "", nil, "review", "meeting", "step", "PM-1", "skip", "--email", "ana@example.com"); err == nil || !strings.Contains(err.Error(), "Say why") {
		t.Errorf("a skip without a reason = %v; want a sentence asking why", err)
	}
	if _, _, err := cli(t, srv.URL, "", nil, "review", "meeting", "end", "PM-1"); err == nil || !strings.Contains(err.Error(), "not spoken yet") {
		t.Errorf("ending with ana waiting = %v; want a sentence naming who has not spoken", err)
	}
	out = mustCLI(t, srv.URL, "review", "meeting", "step", "PM-1", "skip", "--email", "ana@example.com", "--text", "Left for an incident")
	if !strings.Contains(out, "ana@example.com: skipped (Left for an incident)") {
		t.Errorf("after the skip the meeting shows:\n%s", out)
	}
	mustCLI(t, srv.URL, "review", "meeting", "step", "PM-1", "next")
	out = mustCLI(t, srv.URL, "review", "meeting", "goal", "PM-1", "Alert on pool saturation", "--owner", "bo@example.com", "--due", from.Format(time.DateOnly))
	if !strings.Contains(out, "Added the goal as AI-1, owned by bo@example.com.") {
		t.Errorf("debrief review meeting goal printed:\n%s", out)
	}
	out = mustCLI(t, srv.URL, "review", "meeting", "end", "PM-1")
	if !strings.Contains(out, "Ended the meeting") {
		t.Errorf("debrief review meeting end printed:\n%s", out)
	}
	out = mustCLI(t, srv.URL, "postmortem", "show", "PM-1", "--json")
	for _, want := range []string{"review-feedback", "The runbook was stale.", "Skipped by the facilitator: Left for an incident", "Alert on pool saturation"} {
		if !strings.Contains(out, want) {
			t.Errorf("the postmortem after the meeting lacks %q:\n%.3000s", want, out)
		}
	}
}
