package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestExportImportCLI exports a postmortem in every format through the
// CLI, imports the Markdown back as a new postmortem, and checks the errors
// a user sees for a bad file and a missing Chromium.
func TestExportImportCLI(t *testing.T) {
	srv := startServer(t, filepath.Join(t.TempDir(), "debrief.db"))
	mustCLI(t, srv.URL, "incident", "new", "--title", "Checkout API returned 500s for EU customers", "--severity", "SEV2")
	mustCLI(t, srv.URL, "postmortem", "new", "--incident", "INC-1")
	dir := t.TempDir()

	md := filepath.Join(dir, "pm.md")
	mustCLI(t, srv.URL, "export", "PM-1", "-o", md)
	data, err := os.ReadFile(md)
	if err != nil || !bytes.HasPrefix(data, []byte("---\ndebrief: 1\n")) {
		t.Fatalf("debrief export PM-1 -o pm.md wrote %q, %v; want Markdown with Debrief front matter", truncateBytes(data), err)
	}
	out := mustCLI(t, srv.URL, "import", md)
	if !strings.Contains(out, "Imported PM-2 (incident INC-2)") {
		t.Errorf("debrief import pm.md printed %q, want it to name the new postmortem and incident", out)
	}
	again := mustCLI(t, srv.URL, "export", "PM-2")
	if strings.Count(again, "<!-- debrief:section ") != strings.Count(string(data), "<!-- debrief:section ") {
		t.Errorf("the imported postmortem has other sections than the exported one")
	}

	for _, f := range []string{"html", "json"} {
		out := mustCLI(t, srv.URL, "export", "--format", f, "PM-1")
		if !strings.Contains(out, "Checkout API returned 500s for EU customers") {
			t.Errorf("debrief export --format %s PM-1 lacks the title", f)
		}
	}
	pdf := filepath.Join(dir, "pm.pdf")
	chromium := os.Getenv("DEBRIEF_TEST_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, errOut, err := cli(t, srv.URL, "", map[string]string{"DEBRIEF_CHROMIUM": chromium}, "export", "--format", "pdf", "-o", pdf, "PM-1"); err != nil {
		t.Fatalf("debrief export --format pdf = %v; stderr %s", err, errOut)
	}
	text, err := exec.Command("pdftotext", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	for _, want := range []string{"Checkout API returned 500s for EU customers", "Summary", "Root cause analysis", "Page 1 of"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("the exported PDF lacks %q", want)
		}
	}
	_, _, err = cli(t, srv.URL, "", map[string]string{"DEBRIEF_CHROMIUM": "/nonexistent/chromium"}, "export", "--format", "pdf", "PM-1")
	if err == nil || !strings.Contains(err.Error(), "PDF export needs Chromium") || !strings.Contains(err.Error(), "apt-get install chromium") {
		t.Errorf("export --format pdf without Chromium = %v, want a message saying how to install it", err)
	}

	bad := filepath.Join(dir, "bad.md")
	os.WriteFile(bad, bytes.Replace(data, []byte("status: draft"), []byte("status: [draft"), 1), 0o644)
	_, _, err = cli(t, srv.URL, "", nil, "import", bad)
	if err == nil || !strings.HasPrefix(err.Error(), bad+":") {
		t.Errorf("debrief import bad.md = %v, want an error starting %s:LINE", err, bad)
	}
	out = mustCLI(t, srv.URL, "import", "--dry-run", md)
	if !strings.Contains(out, "Nothing was sent") {
		t.Errorf("debrief import --dry-run printed %q", out)
	}
	if _, _, err := cli(t, srv.URL, "", nil, "export", "PM-3"); err == nil || !strings.Contains(err.Error(), "PM-3") && !strings.Contains(strings.ToLower(err.Error()), "not found") {
		t.Errorf("after one import, a failed one and a dry run, debrief export PM-3 = %v; want no such postmortem", err)
	}
}

func truncateBytes(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}

// TestPostmortemFactorsCLI asks for factor suggestions through the CLI.
func TestPostmortemFactorsCLI(t *testing.T) {
	srv := startServer(t, filepath.Join(t.TempDir(), "debrief.db"))
	mustCLI(t, srv.URL, "incident", "new", "--title", "Checkout failed after the TLS certificate expired")
	mustCLI(t, srv.URL, "postmortem", "new", "--incident", "INC-1")
	out := mustCLI(t, srv.URL, "postmortem", "factors", "PM-1")
	if !strings.Contains(out, "certificate") || !strings.Contains(out, "BECAUSE OF") {
		t.Errorf("debrief postmortem factors PM-1 printed %q, want certificate with the words behind it", out)
	}
}

// TestImportWrittenElsewhereCLI imports every postmortem written elsewhere
// that the tests keep (real dfds and PostHog documents, our SRE-shaped
// example) into a server, so what the reader finds is also what the
// Service accepts, and lints the stored SRE-shaped one.
func TestImportWrittenElsewhereCLI(t *testing.T) {
	srv := startServer(t, filepath.Join(t.TempDir(), "debrief.db"))
	var files []string
	for _, pattern := range []string{"../../export/testdata/plain/*.md", "../../quality/testdata/real/*.md", "../../quality/testdata/sre-shape.md"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("found %d sample postmortems, want at least 10", len(files))
	}
	for _, f := range files {
		out, errOut, err := cli(t, srv.URL, "", nil, "import", f)
		if err != nil || !strings.Contains(out, "Imported PM-") {
			t.Errorf("debrief import %s = %q, %q, %v; want it imported", filepath.Base(f), out, errOut, err)
		}
		// What only the server can tell (the installation's severity
		// levels) is printed once, like the reader's own warnings.
		if strings.Contains(f, "replay-sdk-fetch-wrapper") && strings.Count(errOut, `warning: the severity "Critical" was read as SEV1`) != 1 {
			t.Errorf("debrief import %s printed %q, want one warning that Critical was read as SEV1", filepath.Base(f), errOut)
		}
	}
	n := strconv.Itoa(len(files)) // the SRE-shaped example came last
	out, _, _ := cli(t, srv.URL, "", nil, "lint", "--fail-on", "never", "PM-"+n)
	if !strings.Contains(out, "score") {
		t.Fatalf("debrief lint PM-%s printed %q", n, out)
	}
	var score int
	if i := strings.LastIndex(out, "score "); i >= 0 {
		fmt.Sscanf(out[i:], "score %d/100", &score)
	}
	if score < 75 {
		t.Errorf("the stored SRE-shaped postmortem lints %d, want >= 75:\n%s", score, out)
	}
}

// TestImportSeveralFilesCLI: several files in one command are imported one
// by one; a file that cannot be read is reported and the others are
// stored; the command then fails, saying how many were not imported.
func TestImportSeveralFilesCLI(t *testing.T) {
	srv := startServer(t, filepath.Join(t.TempDir(), "debrief.db"))
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good1 := write("a.md", "# Search returned errors for 20 minutes\n\n## Summary\n\nErrors for 20 minutes.\n")
	bad := write("b.md", "---\ntitle: [unclosed\n---\n")
	good2 := write("c.md", "# Checkout failed for 12 minutes\n\n## Summary\n\n5% of orders failed.\n")
	out, errOut, err := cli(t, srv.URL, "", nil, "import", good1, bad, good2)
	if err == nil || !strings.Contains(err.Error(), "2 of 3 files were imported; 1 was not") {
		t.Errorf("import of 3 files with a bad one: err %v; want it to say 2 of 3 were imported", err)
	}
	if strings.Count(out, "Imported PM-") != 2 || !strings.Contains(errOut, "b.md:2: front matter") {
		t.Errorf("import printed %q and %q; want two imported and the bad file's line", out, errOut)
	}
	out, _, err = cli(t, srv.URL, "", nil, "import", good1, good2)
	if err != nil || !strings.Contains(out, "All 2 files were imported.") {
		t.Errorf("import of 2 good files = %q, %v", out, err)
	}
}
