package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// TestUIEditorPlainForms drives the postmortem editor without JavaScript:
// section saves answer 303, a same-section conflict keeps both texts and
// saves on the second try, different sections never conflict, the fields
// save over section saves, and a viewer cannot edit.
func TestUIEditorPlainForms(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			svc, h, team := newUITeam(t, engine.open(t))
			rita := team.as("rita")
			inc, err := svc.CreateIncident(rita, &debrief.Incident{Title: "Checkout API returned 500s for 40 minutes", StartedAt: time.Now().Add(-time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			pm, err := svc.CreatePostmortem(rita, debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "rita@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			if len(pm.Sections) < 2 {
				t.Fatalf("the default template gave %d sections; the test needs two", len(pm.Sections))
			}
			a, b := pm.Sections[0], pm.Sections[1]
			ritaC, ottoC, vicC := team.cookie["rita"], team.cookie["otto"], team.cookie["vic"]

			page := uiRequest(h, "GET", "/postmortems/"+pm.Key+"/edit", nil, ritaC)
			if page.Code != 200 || !strings.Contains(page.Body.String(), `action="/postmortems/`+pm.Key+`/sections/`+a.Key+`"`) ||
				(a.Guidance != "" && !strings.Contains(page.Body.String(), "guidance-"+a.Key)) || !strings.Contains(page.Body.String(), `id="quality-score"`) {
				t.Fatalf("GET the editor = %d; want the section forms, guidance and the quality score:\n%s", page.Code, page.Body)
			}
			save := func(c *http.Cookie, key string, base int, body string) *httpResult {
				rec := uiRequest(h, "POST", "/postmortems/"+pm.Key+"/sections/"+key, url.Values{"base_version": {strconv.Itoa(base)}, "body": {body}}, c)
				return &httpResult{rec.Code, rec.Header().Get("Location"), rec.Body.String()}
			}

			body := func(key string) string {
				cur, err := svc.Postmortem(rita, pm.ID)
				if err != nil {
					t.Fatal(err)
				}
				return cur.Section(key).Body
			}

			// Two people save different sections from the same page load.
			ritaText, ottoText := "Rita wrote the summary.\r\nSecond line.", "Otto wrote the impact."
			if r := save(ritaC, a.Key, a.Version, ritaText); r.code != http.StatusSeeOther || r.location != "/postmortems/"+pm.Key+"/edit#section-"+a.Key {
				t.Fatalf("rita saves %s = %d to %q; want 303 back to the section", a.Key, r.code, r.location)
			}
			if r := save(ottoC, b.Key, b.Version, ottoText); r.code != http.StatusSeeOther {
				t.Fatalf("otto saves the other section %s from the same load = %d; want 303 (different sections never conflict):\n%s", b.Key, r.code, r.body)
			}
			cur, _ := svc.Postmortem(rita, pm.ID)
			if got := cur.Section(a.Key).Body; got != "Rita wrote the summary.\nSecond line." {
				t.Fatalf("section %s = %q; want rita's text with LF line breaks", a.Key, got)
			}
			if got := cur.Section(b.Key).Body; got != ottoText {
				t.Fatalf("section %s = %q; want otto's text", b.Key, got)
			}

			// Otto saves section a from his old load: a conflict with both texts.
			r := save(ottoC, a.Key, a.Version, "Otto's summary.\nSecond line.")
			m := regexp.MustCompile(`name="base_version" value="(\d+)"`).FindAllStringSubmatch(r.body, -1)
			if r.code != http.StatusConflict || !strings.Contains(r.body, "Someone else saved this section") ||
				!strings.Contains(r.body, "<del>Rita wrote the summary.</del>") || !strings.Contains(r.body, "<ins>Otto&#39;s summary.</ins>") ||
				!strings.Contains(r.body, ">Otto&#39;s summary.\nSecond line.</textarea>") {
				t.Fatalf("otto's stale save of %s = %d; want 409 with both texts marked and his text in the box:\n%s", a.Key, r.code, r.body)
			}
			if cur, _ := svc.Postmortem(rita, pm.ID); cur.Section(a.Key).Body != "Rita wrote the summary.\nSecond line." {
				t.Fatalf("after the conflict section %s = %q; want rita's text untouched", a.Key, cur.Section(a.Key).Body)
			}
			newBase := -1
			for _, x := range m {
				if v, _ := strconv.Atoi(x[1]); v > a.Version {
					newBase = v
				}
			}
			if newBase < 0 {
				t.Fatalf("the conflict form carries no newer base version: %v", m)
			}
			merged := "Rita wrote the summary.\nOtto's summary.\nSecond line."
			if r := save(ottoC, a.Key, newBase, merged); r.code != http.StatusSeeOther {
				t.Fatalf("otto saves the merge with base %d = %d:\n%s", newBase, r.code, r.body)
			}
			if cur, _ := svc.Postmortem(rita, pm.ID); cur.Section(a.Key).Body != merged {
				t.Fatalf("after the merge section %s = %q; want %q", a.Key, cur.Section(a.Key).Body, merged)
			}

			// htmx gets the section alone, marked saved, and a trigger for the quality panel.
			cur, _ = svc.Postmortem(rita, pm.ID)
			rec := uiRequestHTMX(h, "/postmortems/"+pm.Key+"/sections/"+b.Key, url.Values{"base_version": {strconv.Itoa(cur.Section(b.Key).Version)}, "body": {"Otto's impact, longer."}}, ottoC)
			if rec.Code != 200 || rec.Header().Get("HX-Trigger") != "section-saved" || strings.Contains(rec.Body.String(), "<html") || !strings.Contains(rec.Body.String(), "data-saved") {
				t.Fatalf("htmx section save = %d, HX-Trigger %q; want 200, the section alone marked saved, section-saved:\n%s", rec.Code, rec.Header().Get("HX-Trigger"), rec.Body)
			}

			// An autosave from a stale base saves nothing and leaves the box
			// alone: it answers only a sentence, swapped out of band.
			rec = uiRequestHTMX(h, "/postmortems/"+pm.Key+"/sections/"+b.Key+"?autosave=1", url.Values{"base_version": {strconv.Itoa(b.Version)}, "body": {"Stale autosave"}}, ritaC)
			if rec.Code != http.StatusConflict || strings.Contains(rec.Body.String(), "<textarea") || !strings.Contains(rec.Body.String(), `hx-swap-oob="true"`) ||
				!strings.Contains(rec.Body.String(), "press Save to see both texts") {
				t.Fatalf("stale autosave = %d; want 409 with an out-of-band sentence and no textarea:\n%s", rec.Code, rec.Body)
			}
			if got := body(b.Key); got != "Otto's impact, longer." {
				t.Fatalf("after the stale autosave %s = %q; want otto's text", b.Key, got)
			}
			cur, _ = svc.Postmortem(rita, pm.ID)
			rec = uiRequestHTMX(h, "/postmortems/"+pm.Key+"/sections/"+b.Key+"?autosave=1", url.Values{"base_version": {strconv.Itoa(cur.Section(b.Key).Version)}, "body": {"Autosaved impact"}}, ritaC)
			if rec.Code != 200 || strings.Contains(rec.Body.String(), "<textarea") || body(b.Key) != "Autosaved impact" {
				t.Fatalf("autosave = %d, section %q; want 200 without a textarea and the text saved:\n%s", rec.Code, body(b.Key), rec.Body)
			}
			if want := `name="base_version" value="` + strconv.Itoa(cur.Version+1) + `" id="base-` + b.Key + `" hx-swap-oob="true"`; !strings.Contains(rec.Body.String(), want) {
				t.Fatalf("autosave answer does not move the base version on (%s):\n%s", want, rec.Body)
			}

			// The fields form was loaded before all those section saves;
			// nobody changed the fields, so it saves.
			hash := regexp.MustCompile(`name="hash" value="([0-9a-f]+)"`).FindStringSubmatch(page.Body.String())
			if hash == nil {
				t.Fatal("the editor has no fields hash")
			}
			fields := url.Values{"version": {strconv.Itoa(pm.Version)}, "hash": {hash[1]}, "root_cause": {"The pool's idle timeout dropped to 30 s."},
				"factors": {"configuration change\r\n\r\n missing alert "}, "went_well": {"Rollback took 4 minutes"}, "went_wrong": {""}, "got_lucky": {"Low traffic"}}
			if rec := uiRequest(h, "POST", "/postmortems/"+pm.Key+"/fields", fields, ritaC); rec.Code != http.StatusSeeOther {
				t.Fatalf("fields save over section saves = %d; want 303:\n%s", rec.Code, rec.Body)
			}
			cur, _ = svc.Postmortem(rita, pm.ID)
			if cur.RootCause != "The pool's idle timeout dropped to 30 s." || strings.Join(cur.ContributingFactors, "|") != "configuration change|missing alert" ||
				strings.Join(cur.Lessons.GotLucky, "|") != "Low traffic" {
				t.Fatalf("after the fields save: root cause %q, factors %q, lessons %+v", cur.RootCause, cur.ContributingFactors, cur.Lessons)
			}
			// The same stale form again: the fields changed since, so it is a conflict.
			fields.Set("root_cause", "Something else entirely")
			if rec := uiRequest(h, "POST", "/postmortems/"+pm.Key+"/fields", fields, ottoC); rec.Code != http.StatusConflict ||
				!strings.Contains(rec.Body.String(), "Something else entirely") || !strings.Contains(rec.Body.String(), "Saved: The pool&#39;s idle timeout") {
				t.Fatalf("stale fields save = %d; want 409 with both root causes:\n%s", rec.Code, rec.Body)
			}

			// Status: draft → in review from a stale load still applies.
			if rec := uiRequest(h, "POST", "/postmortems/"+pm.Key+"/status", url.Values{"version": {strconv.Itoa(pm.Version)}, "from": {"draft"}, "status": {"in_review"}}, ritaC); rec.Code != http.StatusSeeOther {
				t.Fatalf("status to in_review = %d:\n%s", rec.Code, rec.Body)
			}
			if cur, _ := svc.Postmortem(rita, pm.ID); cur.Status != debrief.PostmortemInReview {
				t.Fatalf("status = %s; want in_review", cur.Status)
			}

			// Many writers at once on one section from the same base (more
			// than either pool holds): exactly one is saved, every other
			// gets the conflict with its own text kept.
			cur, _ = svc.Postmortem(rita, pm.ID)
			start := cur.Section(a.Key).Version
			const writers = 24
			codes := make([]int, writers)
			kept := make([]bool, writers)
			var wg sync.WaitGroup
			for i := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					text := "Writer " + strconv.Itoa(i) + " was here."
					r := save(ritaC, a.Key, start, text)
					codes[i], kept[i] = r.code, strings.Contains(r.body, ">"+text+"</textarea>")
				}()
			}
			wg.Wait()
			won := -1
			for i, c := range codes {
				switch {
				case c == http.StatusSeeOther && won < 0:
					won = i
				case c == http.StatusConflict && kept[i]:
				default:
					t.Errorf("concurrent writer %d = %d (text kept %v); want one 303 and the rest 409 with their text", i, c, kept[i])
				}
			}
			if won < 0 || body(a.Key) != "Writer "+strconv.Itoa(won)+" was here." {
				t.Fatalf("after %d concurrent saves, writer %d won and %s holds %q", writers, won, a.Key, body(a.Key))
			}

			// A viewer cannot open the editor or save.
			if rec := uiRequest(h, "GET", "/postmortems/"+pm.Key+"/edit", nil, vicC); rec.Code != http.StatusForbidden {
				t.Errorf("viewer GET editor = %d; want 403", rec.Code)
			}
			if r := save(vicC, a.Key, 100, "Viewer text"); r.code != http.StatusForbidden {
				t.Errorf("viewer section save = %d; want 403", r.code)
			}
			// A section that does not exist is a 404, a missing base a 400.
			if r := save(ritaC, "no-such-section", 1, "x"); r.code != http.StatusNotFound {
				t.Errorf("save of an unknown section = %d; want 404", r.code)
			}
			if rec := uiRequest(h, "POST", "/postmortems/"+pm.Key+"/sections/"+a.Key, url.Values{"body": {"x"}}, ritaC); rec.Code != http.StatusBadRequest ||
				!strings.Contains(rec.Body.String(), "reload the page") {
				t.Errorf("save without base_version = %d; want 400 with a sentence", rec.Code)
			}
		})
	}
}

type httpResult struct {
	code     int
	location string
	body     string
}

// uiRequestHTMX posts form as htmx does.
func uiRequestHTMX(h http.Handler, path string, form url.Values, c *http.Cookie) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("HX-Request", "true")
	req.RemoteAddr = "192.0.2.20:5000"
	req.AddCookie(c)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
