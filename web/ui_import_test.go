package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// importPart is one part of the import form: a file (name set) or a field.
type importPart struct{ field, name, body string }

// importRequest posts the import form as a browser does (multipart).
func importRequest(t *testing.T, h http.Handler, c *http.Cookie, parts ...importPart) *httptest.ResponseRecorder {
	t.Helper()
	return multipartRequest(t, h, c, "/postmortems/import", parts...)
}

// multipartRequest posts a multipart form to path as a browser does.
func multipartRequest(t *testing.T, h http.Handler, c *http.Cookie, path string, parts ...importPart) *httptest.ResponseRecorder {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var err error
		if p.name != "" || p.field == "file" {
			var fw interface{ Write([]byte) (int, error) }
			fw, err = mw.CreateFormFile(p.field, p.name)
			if err == nil {
				_, err = fw.Write([]byte(p.body))
			}
		} else {
			err = mw.WriteField(p.field, p.body)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.RemoteAddr = "192.0.2.20:5000"
	req.AddCookie(c)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// hiddenDocRe finds the documents the check page carries; the newline
// after <textarea> is the HTML parser's, not the document's.
var hiddenDocRe = regexp.MustCompile(`(?s)<input type="hidden" name="docname" value="([^"]*)"><textarea name="doc" hidden>\n(.*?)</textarea>`)

// TestUIImportPostmortems: files written elsewhere are checked (nothing
// stored, what each becomes shown), then imported from the check page
// with every field read; a bad file is reported beside its name and does
// not stop the others; a viewer may not import; an empty form is a
// sentence, not an error page.
func TestUIImportPostmortems(t *testing.T) {
	gdocs, err := os.ReadFile(filepath.Join("..", "export", "testdata", "plain", "gdocs-style-example.md"))
	if err != nil {
		t.Fatal(err)
	}
	posthog, err := os.ReadFile(filepath.Join("..", "export", "testdata", "plain", "posthog-2026-01-17-replay-sdk-fetch-wrapper-incident.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			svc, h, c := newUITeam(t, engine.open(t))
			rita := c.cookie["rita"]
			count := func() int {
				t.Helper()
				l, err := svc.ListPostmortems(c.as("rita"), debrief.PostmortemFilter{})
				if err != nil {
					t.Fatal(err)
				}
				return len(l.Items)
			}

			if rec := uiRequest(h, "GET", "/postmortems", nil, rita); !strings.Contains(rec.Body.String(), `href="/postmortems/import"`) {
				t.Errorf("the postmortems page has no link to the import page")
			}
			if rec := uiRequest(h, "GET", "/postmortems/import", nil, rita); rec.Code != 200 || !strings.Contains(rec.Body.String(), `type="file" id="import-files" name="file" multiple`) {
				t.Fatalf("GET /postmortems/import = %d; want the form", rec.Code)
			}
			if rec := uiRequest(h, "GET", "/postmortems/import", nil, c.cookie["vic"]); rec.Code != http.StatusForbidden {
				t.Errorf("GET /postmortems/import as a viewer = %d, want 403", rec.Code)
			}

			// Check: nothing is stored; each file says what it will become.
			bad := "---\ntitle: [unclosed\n---\n"
			rec := importRequest(t, h, rita, importPart{"file", "gdocs.md", string(gdocs)}, importPart{"file", "posthog.md", string(posthog)},
				importPart{"file", "broken.md", bad}, importPart{field: "action", body: "check"})
			body := html.UnescapeString(rec.Body.String())
			if rec.Code != 200 || count() != 0 {
				t.Fatalf("check = %d with %d postmortems stored; want 200 and none", rec.Code, count())
			}
			for _, want := range []string{"Nothing was imported yet. 3 files were read",
				"Postmortem: Checkout API returned 503s for 47 minutes after Redis failover", "10 sections · 6 timeline events · 3 action items · SEV2",
				"Post-Mortem: Changes to SDK fetch() wrapper breaking client sites", "10 timeline events · 7 action items · SEV1", `the severity "Critical" was read as SEV1`,
				"broken.md"} {
				if !strings.Contains(body, want) {
					t.Errorf("the check page lacks %q", want)
				}
			}
			if !regexp.MustCompile(`broken\.md</h2>\s*<p class="field-error">Line \d+: `).MatchString(rec.Body.String()) {
				t.Errorf("the broken file's reason is not beside its name")
			}
			carried := hiddenDocRe.FindAllStringSubmatch(rec.Body.String(), -1)
			if len(carried) != 2 {
				t.Fatalf("the check page carries %d documents to the import, want the 2 readable ones", len(carried))
			}

			// Import what the check carried, as the browser sends it back.
			var parts []importPart
			for _, m := range carried {
				parts = append(parts, importPart{field: "docname", body: html.UnescapeString(m[1])}, importPart{field: "doc", body: strings.ReplaceAll(html.UnescapeString(m[2]), "\n", "\r\n")})
			}
			parts = append(parts, importPart{field: "action", body: "import"})
			rec = importRequest(t, h, rita, parts...)
			body = html.UnescapeString(rec.Body.String())
			if rec.Code != 200 || count() != 2 || !strings.Contains(body, "2 postmortems were imported") {
				t.Fatalf("import = %d with %d stored; want 200 and 2\n%s", rec.Code, count(), body)
			}
			// The incident of the PostHog file got SEV1 from "Critical",
			// and the page says so.
			if !strings.Contains(body, `the severity "Critical" was read as SEV1`) {
				t.Errorf("the result does not say how the severity was read")
			}
			keys := regexp.MustCompile(`href="/postmortems/(PM-\d+)"`).FindAllStringSubmatch(rec.Body.String(), -1)
			if len(keys) != 2 {
				t.Fatalf("the result links %d postmortems, want 2", len(keys))
			}
			pm, err := svc.PostmortemByRef(c.as("rita"), keys[0][1])
			if err != nil {
				t.Fatal(err)
			}
			if pm.Status != debrief.PostmortemPublished || pm.Section("root-causes") == nil || !strings.Contains(pm.Section("root-causes").Body, "go\\-redis") {
				t.Errorf("imported %s: status %q, root causes %+v; want published with the section as written", pm.Key, pm.Status, pm.Section("root-causes"))
			}
			inc, err := svc.Incident(c.as("rita"), *pm.IncidentID)
			if err != nil || inc.Severity != "SEV2" || inc.Roles.Commander != "Tom Okafor" {
				t.Errorf("imported incident = %+v, %v; want SEV2 with Tom Okafor in command", inc, err)
			}
			items, err := svc.ListActionItems(c.as("rita"), debrief.ActionItemFilter{PostmortemID: &pm.ID})
			if err != nil || len(items.Items) != 3 {
				t.Fatalf("imported action items = %d, %v; want 3", len(items.Items), err)
			}

			// Checking the same file again tells that it is stored already.
			rec = importRequest(t, h, rita, importPart{"file", "gdocs.md", string(gdocs)}, importPart{field: "action", body: "check"})
			if want := `A postmortem with this title is stored already: <a href="/postmortems/` + keys[0][1] + `">`; !strings.Contains(html.UnescapeString(rec.Body.String()), want) {
				t.Errorf("checking an imported file again does not say %q:\n%s", want, html.UnescapeString(rec.Body.String()))
			}

			// A pasted document is imported directly; a file that fails
			// leaves the others stored.
			rec = importRequest(t, h, rita, importPart{field: "markdown", body: "# Search was down for 20 minutes on 1 May 2024\r\n\r\n## Summary\r\n\r\nSearch returned 500 to every query.\r\n"},
				importPart{"file", "broken.md", bad}, importPart{field: "action", body: "import"})
			body = html.UnescapeString(rec.Body.String())
			if rec.Code != 200 || count() != 3 || !strings.Contains(body, "1 postmortem was imported; 1 file was not") {
				t.Errorf("pasted + broken import = %d with %d stored; want 200, 3 stored and the failure told\n%s", rec.Code, count(), body)
			}

			// Nothing chosen: a sentence on the form.
			rec = importRequest(t, h, rita, importPart{"file", "", ""}, importPart{field: "markdown", body: "  "}, importPart{field: "action", body: "check"})
			if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(rec.Body.String()), "Choose one or more Markdown files") {
				t.Errorf("an empty form = %d; want 422 with a sentence", rec.Code)
			}
			// Too many files.
			var many []importPart
			for range maxImportFiles + 1 {
				many = append(many, importPart{"file", "a.md", "# A title long enough to find\n"})
			}
			rec = importRequest(t, h, rita, append(many, importPart{field: "action", body: "import"})...)
			if rec.Code != http.StatusBadRequest || count() != 3 || !strings.Contains(html.UnescapeString(rec.Body.String()), "At most 50 files") {
				t.Errorf("%d files = %d with %d stored; want 400, nothing stored", maxImportFiles+1, rec.Code, count())
			}
			// A viewer cannot import.
			if rec := importRequest(t, h, c.cookie["vic"], importPart{"file", "gdocs.md", string(gdocs)}, importPart{field: "action", body: "import"}); rec.Code != http.StatusForbidden || count() != 3 {
				t.Errorf("import as a viewer = %d; want 403 and nothing stored", rec.Code)
			}
		})
	}
}

// TestUIImportConcurrent: people importing at once (more requests than the
// database pool holds) each get their postmortems, none lost or doubled.
func TestUIImportConcurrent(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			svc, h, c := newUITeam(t, engine.open(t))
			const clients, files = 16, 3
			var wg sync.WaitGroup
			errs := make(chan string, clients)
			for i := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					cookie := c.cookie[[]string{"rita", "otto"}[i%2]]
					var parts []importPart
					for j := range files {
						parts = append(parts, importPart{"file", fmt.Sprintf("c%d-%d.md", i, j),
							fmt.Sprintf("# Client %d file %d: search returned errors for 20 minutes\n\nDate: 2024-05-01\n\n## Timeline (UTC)\n\n- 10:00 Errors began\n- 10:05 Alert fired\n- 10:20 Back to normal\n", i, j)})
					}
					rec := importRequest(t, h, cookie, append(parts, importPart{field: "action", body: "import"})...)
					if rec.Code != 200 || !strings.Contains(rec.Body.String(), fmt.Sprintf("%d postmortems were imported.", files)) {
						errs <- fmt.Sprintf("client %d: %d", i, rec.Code)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
			seen := map[string]bool{}
			for after := ""; ; {
				l, err := svc.ListPostmortems(c.as("rita"), debrief.PostmortemFilter{After: after, Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				for _, pm := range l.Items {
					if seen[pm.Title] {
						t.Errorf("%q stored twice", pm.Title)
					}
					seen[pm.Title] = true
				}
				if after = l.NextCursor; after == "" {
					break
				}
			}
			if len(seen) != clients*files {
				t.Errorf("%d postmortems stored, want %d", len(seen), clients*files)
			}
		})
	}
}

// failSecondImport is a store whose second postmortem import fails as a
// database that went away would.
type failSecondImport struct {
	debrief.Store
	n atomic.Int32
}

func (f *failSecondImport) ImportPostmortem(ctx context.Context, imp *debrief.PostmortemImport, by string, at time.Time) error {
	if f.n.Add(1) == 2 {
		return errors.New("connection reset by peer")
	}
	return f.Store.ImportPostmortem(ctx, imp, by, at)
}

// TestUIImportServerFailureMidway: when the store fails on one file after
// others were stored, the page lists what was stored and says this file
// was not, instead of an error page that hides them.
func TestUIImportServerFailureMidway(t *testing.T) {
	store := &failSecondImport{Store: openSQLite(t)}
	svc, h, c := newUITeam(t, store)
	var parts []importPart
	for i := range 3 {
		parts = append(parts, importPart{"file", fmt.Sprintf("f%d.md", i), fmt.Sprintf("# File %d: search returned errors for 20 minutes\n\n## Summary\n\nErrors.\n", i)})
	}
	rec := importRequest(t, h, c.cookie["rita"], append(parts, importPart{field: "action", body: "import"})...)
	body := html.UnescapeString(rec.Body.String())
	if rec.Code != 200 || !strings.Contains(body, "2 postmortems were imported; 1 file was not") ||
		!strings.Contains(body, "Not imported: the server could not store it (internal error); try this file again.") || strings.Contains(body, "connection reset") {
		t.Errorf("import with a failure midway = %d:\n%s", rec.Code, body)
	}
	l, err := svc.ListPostmortems(c.as("rita"), debrief.PostmortemFilter{})
	if err != nil || len(l.Items) != 2 {
		t.Errorf("%d postmortems stored, %v; want 2", len(l.Items), err)
	}
}
