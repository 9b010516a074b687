package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/debriefhq/debrief/debrief"
)

// Attachments in the editor and the project postmortem, in the browser on
// both engines: a screenshot pasted into a section is uploaded and shown
// in the preview, the reading view and the HTML and PDF exports; a file
// dropped on the text or chosen with the picker is linked; a refused file
// is a sentence beside the text. A project postmortem is started from the
// postmortems list, its metrics table saved and drawn as a chart, and
// three members sign in one after another to give their own feedback.

func TestAttachBrowserSQLite(t *testing.T) { testAttachBrowser(t, openSQLite(t)) }

func TestAttachBrowserPostgres(t *testing.T) { testAttachBrowser(t, openPostgresOrSkip(t)) }

// dropFiles builds, in the page, a DataTransfer holding one file made of
// the base64 bytes, and fires event (paste or drop) at the element sel as
// the browser would for a pasted screenshot or a dropped file.
func (e *browserEnv) dropFiles(ctx context.Context, sel, event, name, mime string, data []byte) {
	e.t.Helper()
	js := fmt.Sprintf(`(() => {
		const bin = atob(%q), bytes = new Uint8Array(bin.length);
		for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
		const dt = new DataTransfer();
		dt.items.add(new File([bytes], %q, {type: %q}));
		const el = document.querySelector(%q);
		el.focus();
		el.setSelectionRange(el.value.length, el.value.length);
		const ev = %q === 'paste'
			? new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true})
			: new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true});
		return el.dispatchEvent(ev) === false })()`, base64.StdEncoding.EncodeToString(data), name, mime, sel, event)
	if !eval[bool](e, ctx, js) {
		e.t.Fatalf("%s of %s on %s was not taken by the page (not cancelled)", event, name, sel)
	}
}

func testAttachBrowser(t *testing.T, store debrief.Store) {
	e := newBrowserEnv(t, store)
	a11y := map[string][]axeViolation{}
	rita := e.asUser("rita")
	_, pm := e.checkoutPostmortem()
	key := pm.Sections[0].Key
	ta := "#body-" + key
	edit := "/postmortems/" + pm.Key + "/edit"
	ritaTab := e.signedInTab("rita")
	if st := e.open(ritaTab, edit); st != 200 {
		t.Fatalf("GET %s = %d", edit, st)
	}
	e.waitFor(ritaTab, "attach controls shown", fmt.Sprintf(`document.querySelector('#section-%s [data-attach][data-ready]:not([hidden])')`, key))

	// --- Paste a screenshot into the text: uploaded, referenced at the
	// caret, shown in the preview, listed, saved. ---
	e.typeInto(ritaTab, ta, "The error rate on the checkout dashboard:")
	shot := graphPNG(t, 480, 160)
	e.dropFiles(ritaTab, ta, "paste", "image.png", "image/png", shot)
	e.waitFor(ritaTab, "screenshot referenced", fmt.Sprintf(`/!\[screenshot-\d{8}-\d{6}\.png\]\(\/api\/v1\/attachments\/\d+\)/.test(document.querySelector(%q).value)`, ta))
	e.waitFor(ritaTab, "screenshot in the preview", fmt.Sprintf(`(() => { const img = document.querySelector('#preview-%s img'); return img && img.complete && img.naturalWidth === 480 })()`, key))
	e.waitFor(ritaTab, "screenshot listed", `document.querySelector('#attachments .attachment-list img')`)
	if got := eval[string](e, ritaTab, fmt.Sprintf(`document.querySelector('#section-%s [data-attach-status]').textContent`, key)); !strings.HasPrefix(got, "Attached screenshot-") {
		t.Errorf("after the paste the status says %q; want it attached", got)
	}
	if v := eval[string](e, ritaTab, fmt.Sprintf(`document.querySelector(%q).value`, ta)); !strings.HasPrefix(v, "The error rate on the checkout dashboard:\n\n![screenshot-") || !strings.HasSuffix(v, ")\n") {
		t.Errorf("the reference is not a paragraph of its own after the text: %q", v)
	}
	list, err := e.svc.Attachments(rita, debrief.AttachmentFilter{PostmortemID: &pm.ID})
	if err != nil || len(list) != 1 || list[0].ContentType != "image/png" || list[0].Size != int64(len(shot)) {
		t.Fatalf("after the paste the postmortem's files = %+v, %v; want the one PNG", list, err)
	}
	// The autosave keeps the reference.
	e.waitFor(ritaTab, "autosaved", fmt.Sprintf(`document.getElementById('autosave-%s').innerText.includes('Saved automatically')`, key))
	cur, _ := e.svc.Postmortem(rita, pm.ID)
	if body := cur.Section(key).Body; !strings.Contains(body, AttachmentURL(list[0].ID)) {
		t.Fatalf("the saved section does not refer to the screenshot: %q", body)
	}

	// --- Drop a data file: a link, not an image. ---
	csv := []byte("minute,errors\n14:02,310\n14:03,920\n")
	e.dropFiles(ritaTab, ta, "drop", "errors.csv", "text/csv", csv)
	e.waitFor(ritaTab, "CSV linked", fmt.Sprintf(`/(^|[^!])\[errors\.csv\]\(\/api\/v1\/attachments\/\d+\)/.test(document.querySelector(%q).value)`, ta))

	// --- The picker: a file chosen in the dialog. ---
	dir := t.TempDir()
	notes := filepath.Join(dir, "rollback-notes.txt")
	if err := os.WriteFile(notes, []byte("Rolled back at 14:40 UTC.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.do(ritaTab, "choose a file", chromedp.SetUploadFiles(chromedp.CSS(fmt.Sprintf(`#section-%s [data-attach-input]`, key)), []string{notes}))
	e.waitFor(ritaTab, "picked file linked", fmt.Sprintf(`document.querySelector(%q).value.includes('[rollback-notes.txt](/api/v1/attachments/')`, ta))

	// --- Refused files: a sentence beside the text, nothing stored. ---
	e.dropFiles(ritaTab, ta, "drop", "page.html", "text/html", []byte("<!doctype html><html><script>window.__xss=1</script></html>"))
	e.waitFor(ritaTab, "type refused", fmt.Sprintf(`(() => { const p = document.querySelector('#section-%s [data-attach-error]'); return !p.hidden && p.textContent.includes('cannot be attached') })()`, key))
	big := append(append([]byte(nil), shot...), make([]byte, 11<<20)...)
	e.dropFiles(ritaTab, ta, "drop", "huge.png", "image/png", big)
	e.waitFor(ritaTab, "too large refused", fmt.Sprintf(`(() => { const p = document.querySelector('#section-%s [data-attach-error]'); return !p.hidden && p.textContent.includes('at most 10.0 MiB') })()`, key))
	if list, _ := e.svc.Attachments(rita, debrief.AttachmentFilter{PostmortemID: &pm.ID}); len(list) != 3 {
		t.Errorf("after the refused files the postmortem has %d files; want 3", len(list))
	}
	e.checkAccessibility(ritaTab, "editor with attachments", a11y)
	e.screenshot(ritaTab, "editor-attachments")
	e.do(ritaTab, "save", chromedp.Click(chromedp.CSS("#section-"+key+` button[type=submit]`)))
	e.waitFor(ritaTab, "saved", fmt.Sprintf(`document.querySelector('#section-%s[data-saved][data-ready]')`, key))

	// --- The reading view shows the screenshot; the exports carry it. ---
	e.open(ritaTab, "/postmortems/"+pm.Key)
	e.waitFor(ritaTab, "screenshot in the reading view", fmt.Sprintf(`(() => { const img = document.querySelector('#section-%s img'); return img && img.complete && img.naturalWidth === 480 })()`, key))
	if n := eval[int](e, ritaTab, `document.querySelectorAll('#attachments li').length`); n != 3 {
		t.Errorf("the reading view lists %d files; want 3", n)
	}
	e.checkAccessibility(ritaTab, "reading view with attachments", a11y)
	e.screenshot(ritaTab, "postmortem-attachments")
	cookie := e.sessionCookie("rita")
	get := func(path string) []byte {
		req, _ := http.NewRequest("GET", e.base+path, nil)
		req.AddCookie(cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s = %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	html := get("/api/v1/postmortems/" + pm.Key + "/export?format=html")
	if !bytes.Contains(html, []byte("data:image/png;base64,"+base64.StdEncoding.EncodeToString(shot))) {
		t.Error("the HTML export does not embed the pasted screenshot")
	}
	pdf := get("/api/v1/postmortems/" + pm.Key + "/export?format=pdf")
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("/Subtype /Image")) {
		t.Errorf("the PDF export (%d bytes) holds no image", len(pdf))
	}

	testProjectBrowser(e, a11y)

	e.report(a11y)
}

// testProjectBrowser starts a project postmortem from the list, saves its
// metrics (the chart shows them) and has three members, signed in one
// after another in one tab, each give their own feedback.
func testProjectBrowser(e *browserEnv, a11y map[string][]axeViolation) {
	t := e.t
	tab := e.signedInTab("rita")
	e.open(tab, "/postmortems")
	e.navigate(tab, "new project postmortem", chromedp.Click(chromedp.CSS(`main a[href="/postmortems/new"]`)))
	e.checkAccessibility(tab, "new project postmortem", a11y)
	e.screenshot(tab, "project-new")
	e.do(tab, "fill the form",
		chromedp.SendKeys(chromedp.ID("title"), "One-click checkout for returning customers"),
		chromedp.SetValue(chromedp.ID("live-from"), "2026-02-02"),
		chromedp.SetValue(chromedp.ID("live-until"), "2026-03-02"))
	if st := e.navigate(tab, "start it", chromedp.Submit(chromedp.ID("title"))); st != 200 {
		t.Fatalf("starting the project postmortem ended at %d", st)
	}
	page := e.location(tab)
	if !strings.HasSuffix(page, "/project") {
		t.Fatalf("after starting it the browser is at %s; want its project page", page)
	}
	key := strings.TrimSuffix(strings.TrimPrefix(page, "/postmortems/"), "/project")

	// The metrics table, typed into the form's rows.
	rows := [][]string{{"Checkout conversion", "%", "2.1", "3", "3.4"}, {"p99 checkout latency", "ms", "900", "400", "520"}, {"Support tickets a week", "", "310", "200", "140"}}
	for i, r := range rows {
		for j, name := range []string{"name", "unit", "baseline", "target", "result"} {
			eval[bool](e, tab, fmt.Sprintf(`(() => { const el = document.querySelectorAll('#metrics table.metrics-form tbody tr')[%d].querySelector('input[name=%s]');
				el.value = %q; el.dispatchEvent(new Event('input', {bubbles: true})); return true })()`, i, name, r[j]))
		}
	}
	if st := e.navigate(tab, "save the metrics", chromedp.Click(chromedp.CSS(`#metrics button[type=submit]`))); st != 200 {
		t.Fatalf("saving the metrics ended at %d", st)
	}
	e.waitFor(tab, "chart drawn", `document.querySelectorAll('#metrics-chart .bar.result').length === 3 &&
		Array.from(document.querySelectorAll('#metrics-chart .bar.result')).every(r => r.getBoundingClientRect().width > 0)`)
	table := eval[string](e, tab, `document.querySelector('table.metrics').innerText`)
	for _, want := range []string{"Checkout conversion", "3.4%", "520 ms", "✓ target met", "✗ target not met"} {
		if !strings.Contains(table, want) {
			t.Errorf("the metrics table does not show %q:\n%s", want, table)
		}
	}

	// Three members, one after another in the same tab.
	said := map[string]string{
		"rita": "The launch checklist saved us a day.",
		"otto": "We should have load tested the payment step before the launch.",
		"ada":  "Support was told a week ahead, which is why tickets fell.",
	}
	for i, name := range []string{"rita", "otto", "ada"} {
		if i > 0 {
			e.navigate(tab, "sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)))
			e.open(tab, page)
			e.signIn(tab, name)
			if loc := e.location(tab); loc != page {
				t.Fatalf("after %s signed in the browser is at %s; want back at %s", name, loc, page)
			}
		}
		if v := eval[string](e, tab, `document.getElementById('my-feedback').value`); v != "" {
			t.Errorf("%s's feedback box holds %q before they wrote; want their own entry only", name, v)
		}
		e.do(tab, name+" writes", chromedp.SendKeys(chromedp.ID("my-feedback"), said[name]))
		e.navigate(tab, name+" saves", chromedp.Click(chromedp.CSS(`#feedback button[type=submit]`)))
		if n := eval[int](e, tab, `document.querySelectorAll('.feedback-list li').length`); n != i+1 {
			t.Errorf("after %s's feedback the list has %d entries; want %d", name, n, i+1)
		}
	}
	list := eval[string](e, tab, `document.querySelector('.feedback-list').innerText`)
	for name, text := range said {
		if !strings.Contains(list, strings.ToUpper(name[:1])+name[1:]) || !strings.Contains(list, text) {
			t.Errorf("the feedback list does not show %s's entry:\n%s", name, list)
		}
	}
	if !strings.Contains(list, "you") {
		t.Errorf("the feedback list does not mark the viewer's own entry:\n%s", list)
	}
	pm, err := e.svc.PostmortemByRef(e.asUser("rita"), key)
	if err != nil || len(pm.Project.Feedback) != 3 || len(pm.Project.Metrics) != 3 {
		t.Fatalf("stored project = %+v, %v; want 3 metrics and 3 entries", pm.Project, err)
	}
	// Each entry says when it was written, in the viewer's zone: the
	// stored time, not this moment's year (a new year may have begun).
	loc, err := time.LoadLocation(eval[string](e, tab, `document.documentElement.dataset.zone`))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range pm.Project.Feedback {
		if f.UpdatedAt == nil || !strings.Contains(list, formatDateTime(loc, *f.UpdatedAt)) {
			t.Errorf("the feedback list does not say when %s wrote (%v):\n%s", f.Member, f.UpdatedAt, list)
		}
	}
	e.checkAccessibility(tab, "project postmortem", a11y)
	// At a phone's width nothing is wider than the screen.
	e.do(tab, "phone width", chromedp.EmulateViewport(375, 800))
	if w := eval[int](e, tab, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("at 375 px the project page is %d px wide; want no sideways scrolling", w)
	}
	e.do(tab, "desktop width", chromedp.EmulateViewport(1280, 900))
	e.screenshot(tab, "project")
	e.open(tab, "/postmortems/"+key)
	e.waitFor(tab, "chart in the reading view", `document.querySelectorAll('#section-results #metrics-chart .bar.result').length === 3`)
	e.checkAccessibility(tab, "project reading view", a11y)
	// What was launched, with a screenshot pasted into the section.
	e.open(tab, "/postmortems/"+key+"/edit")
	e.waitFor(tab, "attach controls shown", `document.querySelector('#section-what [data-attach][data-ready]:not([hidden])')`)
	e.typeInto(tab, "#body-what", "Returning customers pay with one click from the basket:")
	e.dropFiles(tab, "#body-what", "paste", "image.png", "image/png", graphPNG(t, 320, 120))
	e.waitFor(tab, "screenshot referenced", `/!\[screenshot-[^\]]+\]\(\/api\/v1\/attachments\/\d+\)/.test(document.querySelector('#body-what').value)`)
	e.do(tab, "save what was launched", chromedp.Click(chromedp.CSS(`#section-what button[type=submit]`)))
	e.waitFor(tab, "saved", `document.querySelector('#section-what[data-saved][data-ready]')`)
	e.checkAccessibility(tab, "project editor", a11y)
	e.open(tab, "/postmortems/"+key)
	e.waitFor(tab, "screenshot of what was launched", `(() => { const img = document.querySelector('#section-what img'); return img && img.complete && img.naturalWidth === 320 })()`)
	e.screenshot(tab, "project-reading")
}
