package web

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/chromedp/chromedp"

	"github.com/debriefhq/debrief/debrief"
)

// writePostmortem is the middle of the main browser flow, all through the
// pages: write sections in the editor (the quality score rises), paste a
// screenshot into one, add an action item, publish, find the postmortem by
// search and in the list, and export it as PDF with the screenshot in it.
func (e *browserEnv) writePostmortem(tab context.Context, incKey, pmKey string, pm *debrief.Postmortem) {
	t := e.t
	t.Helper()
	edit := "/postmortems/" + pmKey + "/edit"
	if st := e.open(tab, edit); st != 200 {
		t.Fatalf("GET %s = %d", edit, st)
	}
	score := func() int {
		n, _ := strconv.Atoi(strings.TrimSpace(eval[string](e, tab, `document.getElementById('quality-score').textContent`)))
		return n
	}
	before := score()
	texts := []string{
		"Between 09:30 and 10:12 JST, **38%** of checkout attempts failed.\n\n" + xssProbe,
		"## What happened\n\nThe pool's idle timeout dropped from 300 s to 30 s.\n\n| Metric | Before | After |\n|---|---|---|\n| Connections per pod | 20 | 120 |",
	}
	for i, text := range texts {
		if i >= len(pm.Sections) {
			break
		}
		key := pm.Sections[i].Key
		e.typeInto(tab, "#body-"+key, text)
		e.do(tab, "save "+key, chromedp.Click(chromedp.CSS("#section-"+key+" button[type=submit]")))
		e.waitFor(tab, key+" saved", fmt.Sprintf(`document.querySelector('#section-%s[data-saved][data-ready]')`, key))
	}
	e.waitFor(tab, "the quality score rises", fmt.Sprintf(`parseInt(document.getElementById('quality-score').textContent, 10) > %d`, before))
	t.Logf("main flow: quality score %d before writing, %d after", before, score())

	// A screenshot pasted into the second section: uploaded, referenced,
	// shown in the preview, saved with the section.
	key := pm.Sections[1].Key
	ta := "#body-" + key
	e.waitFor(tab, "attach controls ready", fmt.Sprintf(`document.querySelector('#section-%s [data-attach][data-ready]:not([hidden])')`, key))
	e.dropFiles(tab, ta, "paste", "image.png", "image/png", graphPNG(t, 320, 120))
	e.waitFor(tab, "screenshot referenced", fmt.Sprintf(`/!\[screenshot-\d{8}-\d{6}\.png\]\(\/api\/v1\/attachments\/\d+\)/.test(document.querySelector(%q).value)`, ta))
	e.waitFor(tab, "screenshot in the preview", fmt.Sprintf(`(() => { const img = document.querySelector('#preview-%s img'); return img && img.complete && img.naturalWidth === 320 })()`, key))
	e.do(tab, "save the section with the screenshot", chromedp.Click(chromedp.CSS("#section-"+key+" button[type=submit]")))
	e.waitFor(tab, "section with the screenshot saved", fmt.Sprintf(`document.querySelector('#section-%s[data-saved][data-ready]') && /!\[screenshot-/.test(document.querySelector(%q).value)`, key, ta))

	// An action item, added from the editor.
	// The form folds away under its summary; unfold it as a click would.
	eval[bool](e, tab, `(() => { document.querySelector('#editor-items details').open = true; return true })()`)
	e.waitFor(tab, "the action item form is shown", `document.getElementById('item-title').offsetParent !== null`)
	e.do(tab, "fill the action item",
		chromedp.SendKeys(chromedp.ID("item-title"), "Alert on connections per database"),
		chromedp.SendKeys(chromedp.ID("item-owner"), "rita@example.com"))
	if st := e.navigate(tab, "add the action item", chromedp.Submit(chromedp.ID("item-title"))); st != 200 {
		t.Fatalf("adding the action item ended at status %d", st)
	}
	if loc := e.location(tab); !strings.HasPrefix(loc, edit) {
		t.Errorf("after adding the action item the browser is at %s; want back in the editor", loc)
	}

	// Publish: send for review, then publish.
	for _, status := range []string{"in_review", "published"} {
		sel := fmt.Sprintf(`#status form:has(input[name=status][value=%q]) button`, status)
		if st := e.navigate(tab, "move to "+status, chromedp.Click(chromedp.CSS(sel))); st != 200 {
			t.Fatalf("moving to %s ended at status %d", status, st)
		}
	}
	e.open(tab, "/postmortems/"+pmKey)
	read := eval[string](e, tab, `document.querySelector('main').innerText`)
	for _, want := range []string{"Published", "Alert on connections per database", "Connections per pod"} {
		if !strings.Contains(read, want) {
			t.Errorf("the reading view after publishing does not show %q", want)
		}
	}
	if !eval[bool](e, tab, `(() => { const img = document.querySelector('main article img[src^="/api/v1/attachments/"]'); return img && img.complete && img.naturalWidth === 320 })()`) {
		t.Error("the reading view does not show the pasted screenshot")
	}

	// Found by search and in the list.
	e.open(tab, "/search?q="+strings.ReplaceAll("idle timeout", " ", "+"))
	// Search finds incidents by their postmortems' text too.
	e.waitFor(tab, "found by search", fmt.Sprintf(`document.querySelector('main a[href="/postmortems/%s"], main a[href="/incidents/%s"]') && document.querySelector('main').innerText.includes('idle timeout dropped')`, pmKey, incKey))
	e.open(tab, "/postmortems?status=published")
	e.waitFor(tab, "in the list of published postmortems", fmt.Sprintf(`document.querySelector('main a[href="/postmortems/%s"]')`, pmKey))

	// Export PDF from the reading view's button: a PDF with the image.
	e.open(tab, "/postmortems/"+pmKey)
	pdf := eval[string](e, tab, `(async () => { const a = [...document.querySelectorAll('a[download]')].find(a => a.textContent.trim() === 'PDF');
		const r = await fetch(a.href); const b = new Uint8Array(await r.arrayBuffer());
		return r.status + ' ' + new TextDecoder('latin1').decode(b) })()`)
	if !strings.HasPrefix(pdf, "200 %PDF-") || !strings.Contains(pdf, "/Subtype /Image") {
		t.Errorf("the PDF export (%d bytes, %q…) is not a PDF holding the screenshot", len(pdf), pdf[:min(len(pdf), 20)])
	}
}
