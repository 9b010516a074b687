package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/debriefhq/debrief/debrief"
)

// Importing postmortems in the browser, on both engines: from the
// postmortems list, three files are chosen with the picker (a Google Docs
// export, a real PostHog postmortem and a file that cannot be read),
// checked (nothing stored, what each becomes shown, the bad one's reason
// beside it), then imported; the results link the new postmortems, whose
// pages show what was read into their fields.

func TestImportBrowserSQLite(t *testing.T) { testImportBrowser(t, openSQLite(t)) }

func TestImportBrowserPostgres(t *testing.T) { testImportBrowser(t, openPostgresOrSkip(t)) }

func testImportBrowser(t *testing.T, store debrief.Store) {
	e := newBrowserEnv(t, store)
	a11y := map[string][]axeViolation{}
	dir := t.TempDir()
	var files []string
	for _, f := range []string{"gdocs-style-example.md", "posthog-2026-01-17-replay-sdk-fetch-wrapper-incident.md"} {
		b, err := os.ReadFile(filepath.Join("..", "export", "testdata", "plain", f))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, filepath.Join(dir, f))
		if err := os.WriteFile(files[len(files)-1], b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	broken := filepath.Join(dir, "broken.md")
	if err := os.WriteFile(broken, []byte("---\ntitle: [unclosed\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, broken)

	rita := e.signedInTab("rita")
	if st := e.open(rita, "/postmortems"); st != 200 {
		t.Fatalf("GET /postmortems = %d", st)
	}
	e.click(rita, "open the import page", `a[href="/postmortems/import"]`, 200)
	e.checkAccessibility(rita, "import form", a11y)
	e.screenshot(rita, "import-form")
	e.do(rita, "choose the files", chromedp.SetUploadFiles(chromedp.ID("import-files"), files))
	e.click(rita, "check the files", `button[value="check"]`, 200)
	text := e.mainText(rita)
	for _, want := range []string{"Nothing was imported yet. 3 files were read", "10 sections · 6 timeline events · 3 action items · SEV2",
		"10 timeline events · 7 action items · SEV1", `the severity "Critical" was read as SEV1`, "broken.md"} {
		if !strings.Contains(text, want) {
			t.Errorf("the check page lacks %q; it shows:\n%s", want, text)
		}
	}
	list, err := e.svc.ListPostmortems(e.asUser("rita"), debrief.PostmortemFilter{})
	if err != nil || len(list.Items) != 0 {
		t.Fatalf("after the check %d postmortems are stored (%v); want none", len(list.Items), err)
	}
	e.checkAccessibility(rita, "import check", a11y)
	e.screenshot(rita, "import-check")

	e.click(rita, "import the checked files", `button[value="import"]`, 200)
	text = e.mainText(rita)
	if !strings.Contains(text, "2 postmortems were imported") || !strings.Contains(text, `the severity "Critical" was read as SEV1`) {
		t.Errorf("the result page shows:\n%s", text)
	}
	e.checkAccessibility(rita, "import result", a11y)
	e.screenshot(rita, "import-result")

	// The list shows them, with the way to import more.
	if st := e.open(rita, "/postmortems"); st != 200 {
		t.Fatalf("GET /postmortems = %d", st)
	}
	e.screenshot(rita, "postmortems-after-import")
	e.open(rita, "/postmortems/import")
	e.do(rita, "choose the files again", chromedp.SetUploadFiles(chromedp.ID("import-files"), files[:2]))
	e.click(rita, "check them", `button[value="check"]`, 200)
	if text := e.mainText(rita); strings.Count(text, "A postmortem with this title is stored already") != 2 {
		t.Errorf("checking the imported files again does not say both are stored already:\n%s", text)
	}
	e.screenshot(rita, "import-check-again")
	e.click(rita, "import them", `button[value="import"]`, 200)
	// The first result opens its postmortem, as imported.
	e.click(rita, "open the first imported postmortem", `.import-title a`, 200)
	page := e.mainText(rita)
	for _, want := range []string{"Checkout API returned 503s for 47 minutes after Redis failover", "Upgrade the Redis client to re-resolve the master on READONLY errors"} {
		if !strings.Contains(page, want) {
			t.Errorf("the imported postmortem's page lacks %q", want)
		}
	}
	if strings.Contains(page, `re\-resolve`) {
		t.Errorf("the imported action item kept its Markdown escape")
	}

	// On the imported incident's page, a CSV timeline is imported from a
	// file: the events are added and the page says how many.
	inc := strings.TrimPrefix(eval[string](e, rita, `document.querySelector('a[href^="/incidents/INC-"]').getAttribute('href')`), "/incidents/")
	if st := e.open(rita, "/incidents/"+inc); st != 200 {
		t.Fatalf("GET /incidents/%s = %d", inc, st)
	}
	csvPath, err := filepath.Abs(filepath.Join("..", "ingest", "testdata", "import", "csv", "header-utc.csv"))
	if err != nil {
		t.Fatal(err)
	}
	e.do(rita, "open the timeline import", chromedp.Click(chromedp.CSS("details.import-timeline summary")))
	e.do(rita, "choose the CSV", chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{csvPath}))
	e.checkAccessibility(rita, "timeline import form", a11y)
	e.screenshot(rita, "incident-timeline-import-form")
	e.click(rita, "import the CSV", `details.import-timeline button[type="submit"]`, 200)
	if text := e.mainText(rita); !strings.Contains(text, "Added 5 events from header-utc.csv.") {
		t.Errorf("after the timeline import the page shows:\n%s", text)
	}
	e.screenshot(rita, "incident-timeline-imported")
	e.report(a11y)
}
