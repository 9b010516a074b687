package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/storetest"
)

// TestMigrateDataRoundTrip moves a rich installation (the demo data set
// with its revisions, an account with a token, an integration, a private
// incident and an attachment) from SQLite to PostgreSQL and back to a new
// SQLite file with migrate-data, and checks that every hop prints the same
// rows and checksums, that both ends export the same bytes, and that the
// final copy serves the token, the private incident and the attachment.
func TestMigrateDataRoundTrip(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "first.db")
	if _, err := runAccounts(t, first, "a-long-password-1\n", "user", "add", "--admin", "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	out, err := runAccounts(t, first, "", "token", "create", "--user", "ada@example.com", "--scope", "admin", "--name", "ci")
	token := regexp.MustCompile(`dbt_\S+`).FindString(out)
	if err != nil || token == "" {
		t.Fatalf("token create = %q, %v", out, err)
	}
	mustCLI(t, "", "integration", "add", "alertmanager", "--name", "prod-alertmanager", "--db", first)
	s := startServer(t, first, "--demo")
	var inc struct {
		Key string `json:"key"`
	}
	if resp := api(t, "POST", s.URL+"/api/v1/incidents", `{"title":"Payroll export leaked salaries to a shared folder","private":true}`, nil, &inc); resp.StatusCode != 201 {
		t.Fatalf("create a private incident = %d", resp.StatusCode)
	}
	// Larger than the export's write buffer, so that a load that stops
	// early leaves the export waiting on the pipe.
	attachment := []byte(strings.Repeat("error rate 42% between 09:12 and 09:54\n", 10000))
	var att struct {
		URL string `json:"url"`
	}
	if resp := api(t, "POST", s.URL+"/api/v1/incidents/"+inc.Key+"/attachments?filename=graph.txt", string(attachment), map[string]string{"Content-Type": "text/plain"}, &att); resp.StatusCode != 201 {
		t.Fatalf("upload an attachment = %d", resp.StatusCode)
	}
	s.Stop(t)

	pg := storetest.PostgresDSN(t)
	toPG, errOut, err := cli(t, "", "", nil, "migrate-data", "--from", "sqlite:"+first, "--to", pg, "--log-level", "warn")
	if err != nil {
		t.Fatalf("migrate-data SQLite → PostgreSQL = %v; stderr:\n%s", err, errOut)
	}
	if !strings.Contains(errOut, "Copied incidents: 5 rows.") {
		t.Errorf("migrate-data reported on stderr:\n%s\nwant a line per table, e.g. 5 incidents", errOut)
	}
	back := filepath.Join(dir, "back.db")
	toSQLite := mustCLI(t, "", "migrate-data", "--from", pg, "--to", back, "--log-level", "warn")
	if sumsOf(toPG) == "" || sumsOf(toPG) != sumsOf(toSQLite) {
		t.Fatalf("the two hops printed different sums:\n%s\nand\n%s", toPG, toSQLite)
	}
	for _, table := range []string{"users", "api_tokens", "integrations", "incidents", "revisions", "attachments", "audit_log"} {
		if regexp.MustCompile(`(?m)^  ` + table + ` +0 rows`).MatchString(toPG) {
			t.Errorf("migrate-data copied no %s:\n%s", table, toPG)
		}
	}
	if strings.Contains(toPG, "debrief:debrief@") {
		t.Errorf("migrate-data printed the PostgreSQL password:\n%s", toPG)
	}

	// Both ends export the same rows, byte for byte.
	a, b := filepath.Join(dir, "first.jsonl.gz"), filepath.Join(dir, "back.jsonl")
	mustCLI(t, "", "dump", "--db", first, a, "--log-level", "warn")
	mustCLI(t, "", "dump", "--db", back, b, "--log-level", "warn")
	if ra, rb := dumpRowsOf(t, a), dumpRowsOf(t, b); ra != rb {
		t.Errorf("the exports of the first and the final database differ")
	}
	// The export loads into a third database of its own.
	third := filepath.Join(dir, "third.db")
	if out := mustCLI(t, "", "load", "--db", third, a, "--log-level", "warn"); sumsOf(out) != sumsOf(toPG) {
		t.Errorf("debrief load printed\n%s\nwant the sums of the move\n%s", out, toPG)
	}

	// A missing source is refused rather than created empty and copied.
	_, _, err = cli(t, "", "", nil, "migrate-data", "--from", "sqlite:"+filepath.Join(dir, "typo.db"), "--to", filepath.Join(dir, "fourth.db"), "--log-level", "warn")
	if err == nil || !strings.Contains(err.Error(), "no SQLite database") {
		t.Errorf("migrate-data from a missing file = %v, want a refusal", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "typo.db")); err == nil {
		t.Errorf("migrate-data from a missing file created it")
	}

	// A target with records is refused, and nothing is changed.
	_, _, err = cli(t, "", "", nil, "migrate-data", "--from", first, "--to", back, "--log-level", "warn")
	if err == nil || !strings.Contains(err.Error(), "--replace") {
		t.Errorf("migrate-data into a database with records = %v, want a refusal naming --replace", err)
	}

	// The copy serves the private incident and the attachment; the
	// token's row has the checksum of the first database's.
	s = startServer(t, back)
	resp, err := http.Get(s.URL + att.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, attachment) {
		t.Errorf("GET %s on the copy = %d %q, want 200 and the attachment", att.URL, resp.StatusCode, got)
	}
	var copied struct {
		Title   string `json:"title"`
		Private bool   `json:"private"`
	}
	if resp := api(t, "GET", s.URL+"/api/v1/incidents/"+inc.Key, "", nil, &copied); resp.StatusCode != 200 || !copied.Private {
		t.Errorf("GET the private incident on the copy = %d %+v, want it, private", resp.StatusCode, copied)
	}
}

// sumsOf returns the table of rows and checksums a dump, load or
// migrate-data printed.
func sumsOf(out string) string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, " rows  sha256 ") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// dumpRowsOf reads an export and drops its header and trailer, which name
// the engine and the time.
func dumpRowsOf(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		if r, err = gzip.NewReader(f); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) < 3 {
		t.Fatalf("%s holds %d lines, want a header, rows and a trailer", path, len(lines))
	}
	return strings.Join(lines[1:len(lines)-2], "")
}
