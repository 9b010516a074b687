package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProjectCLI starts a project postmortem, replaces its metrics from a
// CSV file, gives feedback, edits it, and lists it; a bad number is named
// by its line and an incident postmortem is refused.
func TestProjectCLI(t *testing.T) {
	srv := startServer(t, filepath.Join(t.TempDir(), "debrief.db"))
	mustCLI(t, srv.URL, "postmortem", "new", "--title", "One-click checkout for returning customers", "--live-from", "2026-03-01")
	if out := mustCLI(t, srv.URL, "postmortem", "metrics", "PM-1"); !strings.Contains(out, "no metrics yet") {
		t.Errorf("metrics of a new project printed:\n%s", out)
	}
	dir := t.TempDir()
	csv := filepath.Join(dir, "metrics.csv")
	if err := os.WriteFile(csv, []byte("name,unit,baseline,target,result\nCheckout conversion,%,2.1,3,3.4\np99 latency,ms,900,400,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustCLI(t, srv.URL, "postmortem", "metrics", "PM-1", "--file", csv)
	for _, want := range []string{"Saved 2 metrics of PM-1.", "Checkout conversion", "3.4%", "900 ms"} {
		if !strings.Contains(out, want) {
			t.Errorf("debrief postmortem metrics --file printed:\n%s\nwant %q", out, want)
		}
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("name,unit,baseline,target,result\nAdoption,%,ten,,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cli(t, srv.URL, "", nil, "postmortem", "metrics", "PM-1", "--file", bad); err == nil || !strings.Contains(err.Error(), `line 2 of`) || !strings.Contains(err.Error(), `"ten" is not a number`) {
		t.Errorf("a bad number = %v; want the line and the value named", err)
	}
	if out := mustCLI(t, srv.URL, "postmortem", "feedback", "PM-1", "The launch checklist saved us a day."); !strings.Contains(out, "Saved your feedback on PM-1; it has 1 entry in all.") {
		t.Errorf("feedback printed:\n%s", out)
	}
	// Saving again edits the same entry: still one.
	if out := mustCLI(t, srv.URL, "postmortem", "feedback", "PM-1", "The checklist saved us a day; load tests would have saved another."); !strings.Contains(out, "1 entry in all") {
		t.Errorf("second feedback printed:\n%s", out)
	}
	if out := mustCLI(t, srv.URL, "postmortem", "feedback", "PM-1"); !strings.Contains(out, "load tests would have saved another") || strings.Contains(out, "saved us a day.\n") {
		t.Errorf("the feedback list printed:\n%s", out)
	}
	mustCLI(t, srv.URL, "incident", "new", "--title", "Checkout API returned 500s for EU customers")
	mustCLI(t, srv.URL, "postmortem", "new", "--incident", "INC-1")
	if _, _, err := cli(t, srv.URL, "", nil, "postmortem", "feedback", "PM-2", "Mine"); err == nil || !strings.Contains(err.Error(), "incident postmortem") {
		t.Errorf("feedback on an incident postmortem = %v; want a sentence saying only projects have it", err)
	}
}
