package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestAnalyticsCommand prints the figures of the demo data set as tables,
// one table as CSV, and refuses a bad date with a sentence.
func TestAnalyticsCommand(t *testing.T) {
	s := startServer(t, filepath.Join(t.TempDir(), "debrief.db"), "--demo")
	out := mustCLI(t, s.URL, "analytics")
	wantLines(t, "debrief analytics", out, "incidents", "Incidents by severity", "severity", "SEV1", "Response times (minutes)",
		"measure", "detect", "Action items", "Postmortem quality score by month created (UTC)", "median_score", "Postmortems:", "Not included: Action items of project postmortems")
	csv := mustCLI(t, s.URL, "analytics", "--table", "by_severity", "--severity", "SEV1")
	if !strings.HasPrefix(csv, "severity,incidents\nSEV1,") {
		t.Errorf("debrief analytics --table by_severity = %q, want CSV starting with the header and SEV1", csv)
	}
	_, _, err := cli(t, s.URL, "", nil, "analytics", "--from", "last week")
	if err == nil || !strings.Contains(err.Error(), "--from") || !strings.Contains(err.Error(), "YYYY-MM-DD") {
		t.Errorf("debrief analytics --from 'last week' = %v, want an error naming --from and the date format", err)
	}
	_, _, err = cli(t, s.URL, "", nil, "analytics", "--severity", "SEV9")
	if err == nil || !strings.Contains(err.Error(), "Unknown severity") {
		t.Errorf("debrief analytics --severity SEV9 = %v, want the server's sentence about the unknown severity", err)
	}
	csv = mustCLI(t, s.URL, "analytics", "--table", "by_service", "--team", "discovery")
	if !strings.Contains(csv, "search-indexer,") || strings.Contains(csv, "checkout-api") {
		t.Errorf("debrief analytics --table by_service --team discovery = %q, want the discovery team's services only", csv)
	}
	_, _, err = cli(t, s.URL, "", nil, "analytics", "--team", "nobody")
	if err == nil || !strings.Contains(err.Error(), `There is no team "nobody"`) {
		t.Errorf("debrief analytics --team nobody = %v, want the server's sentence about the unknown team", err)
	}
}
