package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSearchCLI walks debrief search (table, --json, a malformed query,
// --similar) and debrief reindex against a real server on SQLite.
func TestSearchCLI(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "debrief.db")
	srv := startServer(t, dsn).URL
	mustCLI(t, srv, "incident", "new", "--title", "Zookeeper quorum loss stalled the ledger", "-s", "SEV1", "--service", "ledger", "--started", "2024-03-05T08:00:00Z")
	mustCLI(t, srv, "incident", "new", "--title", "Zookeeper quorum loss again stalled the ledger", "-s", "SEV2", "--service", "ledger", "--started", "2025-03-05T08:00:00Z")
	mustCLI(t, srv, "incident", "new", "--title", "Checkout returned 500s", "-s", "SEV2", "--service", "checkout")

	out := mustCLI(t, srv, "search", "zookeeper", "severity:1")
	for _, want := range []string{"1 result for zookeeper severity:SEV1", "INC-1", "2024-03-05", "Title: *Zookeeper* quorum loss", "Services: ledger 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("debrief search zookeeper severity:1 printed:\n%s\nwant it to contain %q", out, want)
		}
	}
	var ans searchAnswer
	mustJSON(t, srv, &ans, "search", "service:ledger")
	if ans.Total != 2 || len(ans.Hits) != 2 || ans.Hits[0].Key != "INC-2" {
		t.Errorf("debrief search service:ledger --json = %+v, want INC-2 then INC-1", ans)
	}
	if out := mustCLI(t, srv, "search", "nothingmatchesthis"); !strings.Contains(out, "Nothing matches nothingmatchesthis.") {
		t.Errorf("debrief search nothingmatchesthis printed %q, want 'Nothing matches'", out)
	}
	_, _, err := cli(t, srv, "", nil, "search", `"quorum loss`)
	if err == nil || !strings.Contains(err.Error(), "quote at column 1 is never closed") {
		t.Errorf(`debrief search '"quorum loss' = %v, want the unclosed quote and its column`, err)
	}
	if _, _, err := cli(t, srv, "", nil, "search"); err == nil {
		t.Errorf("debrief search with no query succeeded, want a usage error")
	}
	out = mustCLI(t, srv, "search", "--similar", "INC-2")
	if !strings.Contains(out, "INC-1") || !strings.Contains(out, "services (ledger)") {
		t.Errorf("debrief search --similar INC-2 printed:\n%s\nwant INC-1 with the shared service", out)
	}

	out = mustCLI(t, srv, "reindex", "--db", dsn)
	if !strings.Contains(out, "3 documents") {
		t.Errorf("debrief reindex printed %q, want 3 documents", out)
	}
	if out := mustCLI(t, srv, "search", "zookeeper"); !strings.Contains(out, "2 results") {
		t.Errorf("debrief search zookeeper after reindex printed:\n%s\nwant 2 results", out)
	}
}
