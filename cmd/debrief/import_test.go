package main

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// importSamples holds the importers' samples (see its SOURCES.md).
var importSamples = filepath.Join("..", "..", "ingest", "testdata", "import")

// TestImportSQLite and TestImportPostgres import files and a Slack export
// through the CLI into a running server.
func TestImportSQLite(t *testing.T) {
	s := startServer(t, filepath.Join(t.TempDir(), "debrief.db"))
	importRun(t, s.URL)
	s.Stop(t)
}

func TestImportPostgres(t *testing.T) {
	s := startServer(t, storetest.PostgresDSN(t))
	importRun(t, s.URL)
	s.Stop(t)
}

// zipExport packs the sample Slack export into a zip file like Slack's.
func zipExport(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(importSamples, "slack", "incident-export")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	if err := zw.AddFS(os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "slack-export.zip")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func importRun(t *testing.T, srv string) {
	mustCLI(t, srv, "incident", "new", "--title", "Checkout returned 500s after the v2.31.0 deploy", "--severity", "SEV2", "--started", "2024-03-05T07:58:00Z")
	countEvents := func() int {
		t.Helper()
		var tl struct {
			Items []*debrief.TimelineEvent `json:"items"`
		}
		mustJSON(t, srv, &tl, "timeline", "list", "INC-1")
		return len(tl.Items)
	}

	// A file with a bad line is refused with its name and line, and
	// nothing is written.
	bad := filepath.Join(importSamples, "markdown", "dfds-PM2020-003.md")
	_, _, err := cli(t, srv, "", nil, "timeline", "import", bad, "--incident", "INC-1")
	if err == nil || !strings.HasPrefix(err.Error(), "Nothing was imported: dfds-PM2020-003.md:14: ") {
		t.Errorf("debrief timeline import %s = %v, want an error starting with the file and line", bad, err)
	}
	if n := countEvents(); n != 0 {
		t.Fatalf("a refused import left %d events, want none", n)
	}

	// A CSV timeline, then the same again: nothing is added twice.
	csvFile := filepath.Join(importSamples, "csv", "header-utc.csv")
	out := mustCLI(t, srv, "timeline", "import", csvFile, "--incident", "INC-1")
	wantLines(t, "timeline import (first)", out, "Imported 5 new events into INC-1.")
	out = mustCLI(t, srv, "timeline", "import", csvFile, "--incident", "INC-1")
	wantLines(t, "timeline import (again)", out, "Imported 0 new events into INC-1; 5 were already there.")

	// A Markdown table whose zone is named above it; a time-only table with
	// the day given.
	out = mustCLI(t, srv, "timeline", "import", filepath.Join(importSamples, "markdown", "dfds-PM2020-007.md"), "--incident", "INC-1")
	wantLines(t, "timeline import (markdown)", out, "Imported 5 new events into INC-1.")
	stdin := "| Time | Event |\n|---|---|\n| 10:00 | Cache flushed |\n| 10:05 | Hit rate recovered |\n"
	out, errOut, err := cli(t, srv, stdin, nil, "timeline", "import", "-", "--format", "markdown", "--zone", "UTC", "--date", "2024-03-05", "--incident", "INC-1")
	if err != nil {
		t.Fatalf("timeline import - (markdown from stdin) = %v; stderr %s", err, errOut)
	}
	wantLines(t, "timeline import (stdin)", out, "Imported 2 new events into INC-1.")

	// A Slack export zip, a window in UTC; then its folder: nothing new.
	zipPath := zipExport(t)
	slackArgs := []string{"--incident", "INC-1", "--channel", "#inc-4821-checkout-500s", "--from", "2024-03-05 08:00", "--to", "2024-03-05 09:00", "--zone", "UTC"}
	out, errOut, err = cli(t, srv, "", nil, append([]string{"slack", "import", zipPath}, slackArgs...)...)
	if err != nil {
		t.Fatalf("slack import = %v; stderr %s", err, errOut)
	}
	wantLines(t, "slack import (zip)", out, "Imported 9 new events from #inc-4821-checkout-500s into INC-1.")
	wantLines(t, "slack import stderr", errOut, "Read 9 messages from #inc-4821-checkout-500s", "left out: ", "3 join or leave")
	out = mustCLI(t, srv, append([]string{"slack", "import", filepath.Join(importSamples, "slack", "incident-export")}, slackArgs...)...)
	wantLines(t, "slack import (folder, again)", out, "Imported 0 new events from #inc-4821-checkout-500s into INC-1; 9 were already there.")

	// A dry run sends nothing.
	before := countEvents()
	out = mustCLI(t, srv, "slack", "import", zipPath, "--incident", "INC-1", "--channel", "inc-4821-checkout-500s", "--dry-run")
	wantLines(t, "slack import --dry-run", out, "Heads up: payment provider")
	if after := countEvents(); after != before {
		t.Errorf("slack import --dry-run changed the timeline from %d to %d events", before, after)
	}

	// Mistakes on the command line.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"slack", "import", zipPath, "--incident", "INC-1", "--channel", "nope"}, `no channel "nope"`},
		{[]string{"slack", "import", csvFile, "--incident", "INC-1", "--channel", "x"}, "is not a zip archive"},
		{[]string{"slack", "import", zipPath, "--incident", "INC-1", "--channel", "x", "--from", "yesterday"}, "--from:"},
		{[]string{"timeline", "import", filepath.Join(importSamples, "csv", "no-zone.csv"), "--incident", "INC-1"}, "--zone"},
		{[]string{"timeline", "import", csvFile, "--incident", "INC-1", "--zone", "Mars/Base"}, "Unknown time zone"},
		{[]string{"timeline", "import", "missing.csv", "--incident", "INC-1"}, "cannot read missing.csv"},
		{[]string{"timeline", "import", csvFile, "--incident", "INC-99"}, ""},
	} {
		_, _, err := cli(t, srv, "", nil, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("debrief %s = %v, want an error containing %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	if after := countEvents(); after != before {
		t.Errorf("refused imports changed the timeline from %d to %d events", before, after)
	}
}
