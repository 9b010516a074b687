package web

import (
	"compress/gzip"
	"context"
	_ "embed"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/debriefhq/debrief/debrief"
)

// The browser tests drive Debian's Chromium (DEBRIEF_TEST_CHROMIUM, else
// /usr/bin/chromium) against the real server on a real database, on SQLite
// and on PostgreSQL. With DEBRIEF_SCREENSHOTS=dir they also save a
// screenshot of every page at desktop and phone width, light and dark.

//go:embed testdata/axe/axe.min.js
var axeSource string

func TestBrowserSQLite(t *testing.T) { testBrowser(t, openSQLite(t)) }

func TestBrowserPostgres(t *testing.T) { testBrowser(t, openPostgresOrSkip(t)) }

// chromiumPath is the browser the tests use; an unset variable with no
// browser at the default place skips, a set variable that names nothing fails.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("DEBRIEF_TEST_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
		if _, err := os.Stat(path); err != nil {
			t.Skip("no Chromium at /usr/bin/chromium and DEBRIEF_TEST_CHROMIUM is not set")
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("DEBRIEF_TEST_CHROMIUM=%s: %v", path, err)
	}
	return path
}

// browserEnv is a server on port 0 and one headless Chromium. Tests that
// cut the pages' connections or tell them to resync use the server's ts
// and hub.
type browserEnv struct {
	*liveServer
	t       *testing.T
	base    string
	browser context.Context
	shots   string // screenshot folder, "" for none

	// mu guards problems: uncaught exceptions and Content-Security-Policy
	// violations any tab reported, which fail the test at its end.
	mu       sync.Mutex
	problems []string
}

const browserPassword = "a long browser test password"

func newBrowserEnv(t *testing.T, store debrief.Store, opts ...debrief.Option) *browserEnv {
	t.Helper()
	ls := newLiveServer(t, store, map[string]debrief.Role{"rita": debrief.RoleResponder, "vic": debrief.RoleViewer, "otto": debrief.RoleResponder, "ada": debrief.RoleAdmin}, 0, opts...)
	e := &browserEnv{liveServer: ls, t: t, base: ls.ts.URL}
	copts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
		chromedp.WindowSize(1280, 900),
	)
	// The browser's whole life in one test, a bound on a hang like
	// browserWait: generous, for a loaded machine.
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	t.Cleanup(cancel)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, copts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	e.browser = browser
	if dir := os.Getenv("DEBRIEF_SCREENSHOTS"); dir != "" {
		e.shots = filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "-"))
		if err := os.MkdirAll(e.shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// checkoutPostmortem makes, as Rita, an incident (checkout-api failing
// for EU customers, started three hours ago) and its postmortem, owned by
// her, from the default template: what the editor tests write into.
func (e *browserEnv) checkoutPostmortem() (*debrief.Incident, *debrief.Postmortem) {
	e.t.Helper()
	rita := e.asUser("rita")
	inc, err := e.svc.CreateIncident(rita, &debrief.Incident{Title: "Checkout API returned 500s for 42 minutes", Services: []string{"checkout-api"},
		Impact: "EU customers could not pay", StartedAt: time.Now().Add(-3 * time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	pm, err := e.svc.CreatePostmortem(rita, debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "rita@example.com"})
	if err != nil {
		e.t.Fatal(err)
	}
	return inc, pm
}

// report ends a browser test: each problem a tab reported fails it, and
// the axe-core findings in a11y (nil for none) are logged with their page.
func (e *browserEnv) report(a11y map[string][]axeViolation) {
	e.t.Helper()
	e.mu.Lock()
	for _, p := range e.problems {
		e.t.Errorf("browser console: %s", p)
	}
	e.mu.Unlock()
	for page, vs := range a11y {
		for _, v := range vs {
			e.t.Logf("axe-core %s: %s (%s) %s", page, v.ID, v.Impact, v.Help)
		}
	}
}

// tab opens a fresh browser context: its own cookies, like another person.
func (e *browserEnv) tab() context.Context {
	ctx, cancel := chromedp.NewContext(e.browser, chromedp.WithNewBrowserContext())
	e.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		e.t.Fatalf("open a tab: %v", err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleException || strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "htmx") {
				e.mu.Lock()
				e.problems = append(e.problems, string(m.Type)+": "+m.Text+" at "+m.URL)
				e.mu.Unlock()
			}
		}
	}()
	return ctx
}

// do runs browser steps, failing the test with what was being done.
func (e *browserEnv) do(ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	e.t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// navigate loads a page, or follows a click or a form submission, and
// returns the HTTP status of the document.
//
// A step that loads no page (a click that landed on nothing) would wait
// for the browser's whole life; it is bounded by stepWait instead, and the
// failure says where the tab was and what it showed.
func (e *browserEnv) navigate(ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) int {
	e.t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepWait)
	defer cancel()
	resp, err := chromedp.RunResponse(sctx, steps...)
	if err != nil {
		where, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " (" + document.readyState + ", " + performance.getEntriesByType("navigation").map(function (n) { return n.type; }).join() + "): " + (document.querySelector('main') || document.body).innerText`))
		e.t.Fatalf("%s: %v; the tab is at %s", what, err, where)
	}
	return int(resp.Status)
}

func (e *browserEnv) open(ctx context.Context, path string) int {
	e.t.Helper()
	return e.navigate(ctx, "open "+path, chromedp.Navigate(e.base+path))
}

func eval[T any](e *browserEnv, ctx context.Context, js string) T {
	e.t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		e.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// browserWait is how long a browser test waits for a page to show what it
// should before it fails. It bounds a hang, not a speed: on a machine whose
// two cores run Chromium, two servers and other suites, a step that takes
// milliseconds alone can take seconds, so the bound is generous.
const browserWait = 30 * time.Second

// stepWait bounds one page load (a navigation, a click that submits a
// form), for the same reason as browserWait.
const stepWait = 2 * time.Minute

// waitFor polls a JavaScript condition until it holds, for up to
// browserWait (a bound on a hang, not an assertion about speed).
func (e *browserEnv) waitFor(ctx context.Context, what, cond string) {
	e.t.Helper()
	deadline := time.Now().Add(browserWait)
	for {
		if eval[bool](e, ctx, "!!("+cond+")") {
			return
		}
		if time.Now().After(deadline) {
			html := eval[string](e, ctx, "document.querySelector('main') ? document.querySelector('main').innerText : document.body.innerText")
			e.t.Fatalf("%s: %s never held; the page shows:\n%s", what, cond, html)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (e *browserEnv) location(ctx context.Context) string {
	e.t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, e.base)
}

// signIn goes through the sign-in form from wherever the tab is.
func (e *browserEnv) signIn(ctx context.Context, name string) {
	e.t.Helper()
	e.do(ctx, "fill the sign-in form",
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), name+"@example.com"),
		chromedp.SendKeys(chromedp.ID("password"), browserPassword))
	if st := e.navigate(ctx, "sign in as "+name, chromedp.Submit(chromedp.ID("password"))); st != 200 {
		e.t.Fatalf("sign in as %s: the page after = %d", name, st)
	}
}

func (e *browserEnv) signedInTab(name string) context.Context {
	ctx := e.tab()
	e.open(ctx, "/login")
	e.signIn(ctx, name)
	return ctx
}

// xssProbe is text that would run script if any of it got through: each
// part sets window.__xss, which must stay unset.
const xssProbe = "Probe <script>window.__xss=1</script> <img src=x onerror=\"window.__xss=2\">\n\n" +
	"[details](javascript:window.__xss=3) <a href=\"#\" onclick=\"window.__xss=4\">click</a> " +
	"<div onmouseover=\"window.__xss=5\">hover</div> <svg onload=\"window.__xss=6\"></svg> " +
	"<iframe src=\"javascript:parent.__xss=7\"></iframe> <style>body{display:none}</style>"

// checkNoScriptRan fails if the probe's script ran, or if an event handler
// or javascript: URL survived into the page (the CSP would block them, but
// the sanitiser must not rely on it).
func (e *browserEnv) checkNoScriptRan(ctx context.Context, page string) {
	e.t.Helper()
	// Poke everything a user might: hover, click links.
	eval[bool](e, ctx, `(() => { document.querySelectorAll('main *').forEach(el => el.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})));
		document.querySelectorAll('main .prose a, main .text a').forEach(a => { if (!a.href.startsWith('http')) a.click(); }); return true })()`)
	if v := eval[string](e, ctx, `String(window.__xss)`); v != "undefined" {
		e.t.Errorf("%s: injected script ran (window.__xss = %s)", page, v)
	}
	found := eval[[]string](e, ctx, `Array.from(document.querySelectorAll('*')).flatMap(el => Array.from(el.attributes)
		.filter(a => /^on/i.test(a.name) || /^\s*javascript:/i.test(a.value)).map(a => el.tagName + ' ' + a.name + '=' + a.value))
		.concat(Array.from(document.querySelectorAll('main script, main iframe, main style, main svg')).map(el => el.tagName))`)
	if len(found) > 0 {
		e.t.Errorf("%s: the page holds script carriers from user content: %q", page, found)
	}
}

// axeViolation is what the tests keep of an axe-core finding.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// checkAccessibility runs axe-core on the page at desktop and phone width;
// serious and critical violations fail the test.
func (e *browserEnv) checkAccessibility(ctx context.Context, page string, report map[string][]axeViolation) {
	e.t.Helper()
	for _, width := range []int64{1280, 375} {
		e.do(ctx, "resize", chromedp.EmulateViewport(width, 900))
		if !eval[bool](e, ctx, `typeof window.axe !== 'undefined'`) {
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeSource+";true")); err != nil {
				e.t.Fatalf("load axe-core: %v", err)
			}
		}
		vs := eval[[]axeViolation](e, ctx, `axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => ({
			id: v.id, impact: v.impact || '', help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))`)
		key := fmt.Sprintf("%s @%d", page, width)
		report[key] = vs
		for _, v := range vs {
			if v.Impact == "serious" || v.Impact == "critical" {
				e.t.Errorf("axe-core on %s at %d px: %s (%s): %s at %v", page, width, v.ID, v.Impact, v.Help, v.Targets)
			}
		}
	}
	e.do(ctx, "resize back", chromedp.EmulateViewport(1280, 900))
}

// screenshot saves the page at desktop and phone width, light and dark,
// when DEBRIEF_SCREENSHOTS names a folder.
func (e *browserEnv) screenshot(ctx context.Context, name string) {
	e.t.Helper()
	if e.shots == "" {
		return
	}
	for _, scheme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}); err != nil {
			e.t.Fatal(err)
		}
		for _, size := range []struct {
			label string
			width int64
		}{{"desktop", 1280}, {"phone", 375}} {
			e.do(ctx, "resize", chromedp.EmulateViewport(size.width, 800))
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				e.t.Fatalf("screenshot %s: %v", name, err)
			}
			if err := os.WriteFile(filepath.Join(e.shots, fmt.Sprintf("%s-%s-%s.png", name, size.label, scheme)), png, 0o644); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	e.do(ctx, "resize back", chromedp.EmulateViewport(1280, 900))
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		e.t.Fatal(err)
	}
}

func testBrowser(t *testing.T, store debrief.Store) {
	e := newBrowserEnv(t, store)
	a11y := map[string][]axeViolation{}

	// --- A responder in Tokyo: sign in on the way to declaring, declare,
	// add timeline events (one backdated, one starred), see them. ---
	rita := e.tab()
	if _, err := chromedp.Call(rita, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"}); err != nil {
		t.Fatal(err)
	}
	if st := e.open(rita, "/incidents/new"); st != 200 {
		t.Fatalf("GET /incidents/new signed out ended at status %d", st)
	}
	if loc := e.location(rita); loc != "/login?next=%2Fincidents%2Fnew" {
		t.Fatalf("signed out, /incidents/new went to %s; want the sign-in page with next", loc)
	}
	e.checkAccessibility(rita, "sign in", a11y)
	e.screenshot(rita, "login")
	e.signIn(rita, "rita")
	if loc := e.location(rita); loc != "/incidents/new" {
		t.Fatalf("after sign-in the browser is at %s; want back at /incidents/new", loc)
	}
	// The browser's zone reached the server through the tz cookie.
	e.waitFor(rita, "zone shown", `document.documentElement.dataset.zone === 'Asia/Tokyo'`)

	// The title check suggests a literal title, one click away.
	e.do(rita, "type a vague title",
		chromedp.SendKeys(chromedp.ID("services"), "checkout-api"),
		chromedp.SendKeys(chromedp.ID("impact"), "EU customers could not pay for 40 minutes"),
		chromedp.SendKeys(chromedp.ID("title"), "Outage"))
	e.waitFor(rita, "title check", `document.querySelector('#title-check [data-use-title]')`)
	e.checkAccessibility(rita, "declare incident (title check)", a11y)
	e.screenshot(rita, "incident-new")
	suggestion := eval[string](e, rita, `document.querySelector('#title-check [data-use-title]').dataset.useTitle`)
	e.do(rita, "use the suggested title", chromedp.Click(chromedp.CSS("#title-check [data-use-title]")))
	if got := eval[string](e, rita, `document.getElementById('title').value`); got != suggestion || suggestion == "" {
		t.Fatalf("after 'Use this title' the title is %q; want the suggestion %q", got, suggestion)
	}
	e.waitFor(rita, "title accepted", `document.querySelector('#title-check') && !document.querySelector('#title-check .notice')`)
	if st := e.navigate(rita, "declare", chromedp.Submit(chromedp.ID("title"))); st != 200 {
		t.Fatalf("declaring ended at status %d", st)
	}
	loc := e.location(rita)
	m := regexp.MustCompile(`^/incidents/(INC-\d+)$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("after declaring the browser is at %s; want the incident page", loc)
	}
	key := m[1]
	inc, err := e.svc.IncidentByRef(e.asUser("rita"), key)
	if err != nil || inc.Title != suggestion || len(inc.Services) != 1 || inc.Services[0] != "checkout-api" {
		t.Fatalf("declared incident = %+v, %v; want title %q and service checkout-api", inc, err, suggestion)
	}

	// Add an event without leaving the page (htmx swaps the timeline).
	eval[bool](e, rita, `window.__samePage = true`)
	e.do(rita, "add an event",
		chromedp.SendKeys(chromedp.ID("event-text"), "Paged the on-call engineer for checkout-api"),
		chromedp.Click(chromedp.CSS(`#timeline form.add-event button[type=submit]`)))
	e.waitFor(rita, "first event shown", `document.querySelector('#timeline').innerText.includes('Paged the on-call engineer')`)
	e.waitFor(rita, "form emptied", `document.getElementById('event-text').value === ''`)
	if !eval[bool](e, rita, `window.__samePage === true`) {
		t.Error("adding an event reloaded the page; want htmx to swap the timeline in place")
	}
	// A backdated, starred event: the time is a wall time in Tokyo.
	e.do(rita, "add a backdated starred event",
		chromedp.SendKeys(chromedp.ID("event-text"), "Deploy 2024.11.3 of checkout-api rolled out"),
		chromedp.SetValue(chromedp.ID("event-at"), "2026-03-01T09:30"),
		chromedp.Click(chromedp.CSS(`#timeline input[name=starred]`)),
		chromedp.Click(chromedp.CSS(`#timeline form.add-event button[type=submit]`)))
	e.waitFor(rita, "backdated event shown", `document.querySelector('#timeline').innerText.includes('Deploy 2024.11.3')`)
	events, err := e.svc.ListTimeline(e.asUser("rita"), inc.ID, debrief.TimelineFilter{})
	if err != nil || len(events) != 2 {
		t.Fatalf("timeline after two adds = %d events, %v", len(events), err)
	}
	backdated, paged := events[0], events[1]
	if want := time.Date(2026, 3, 1, 0, 30, 0, 0, time.UTC); !backdated.At.Equal(want) || backdated.Zone != "Asia/Tokyo" || !backdated.Starred {
		t.Errorf("backdated event = at %s zone %q starred %v; want %s (09:30 in Tokyo), zone Asia/Tokyo, starred", backdated.At, backdated.Zone, backdated.Starred, want)
	}
	if paged.Starred || paged.Actor != "rita@example.com" {
		t.Errorf("first event = starred %v actor %q; want unstarred, by rita@example.com", paged.Starred, paged.Actor)
	}
	// The timeline spans days, so it shows dates; times are in Tokyo.
	text := eval[string](e, rita, `document.querySelector('#timeline').innerText`)
	for _, want := range []string{"Sun 1 Mar 2026", "09:30", "Asia/Tokyo", "★ starred"} {
		if !strings.Contains(text, want) {
			t.Errorf("timeline does not show %q:\n%s", want, text)
		}
	}
	// Star the first event in place.
	e.do(rita, "star the first event", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#event-%d form[action$="/star"] button`, paged.ID))))
	e.waitFor(rita, "event starred", fmt.Sprintf(`document.querySelector('#event-%d.starred')`, paged.ID))
	// Filter to starred events.
	e.open(rita, "/incidents/"+key+"?starred=1")
	if n := eval[int](e, rita, `document.querySelectorAll('#timeline li.event').length`); n != 2 {
		t.Errorf("starred filter shows %d events; want 2", n)
	}

	// Every form works without JavaScript: a plain post and a redirect.
	if _, err := chromedp.Call(rita, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	e.open(rita, "/incidents/"+key)
	e.do(rita, "type an event with scripts off", chromedp.SendKeys(chromedp.ID("event-text"), "Rolled back checkout-api without JavaScript"))
	if st := e.navigate(rita, "post the event form", chromedp.Submit(chromedp.ID("event-text"))); st != 200 {
		t.Errorf("plain form post ended at status %d", st)
	}
	if loc := e.location(rita); loc != "/incidents/"+key+"#timeline" {
		t.Errorf("after a plain post the browser is at %s; want the incident page", loc)
	}
	if !eval[bool](e, rita, `document.querySelector('#timeline').innerText.includes('without JavaScript')`) {
		t.Error("the event posted without JavaScript is not shown")
	}
	if _, err := chromedp.Call(rita, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
		t.Fatal(err)
	}

	// Start the postmortem from the incident's template, write a little,
	// and read it.
	e.open(rita, "/incidents/"+key)
	if st := e.navigate(rita, "start the postmortem", chromedp.Submit(chromedp.ID("template"))); st != 200 {
		t.Fatalf("starting the postmortem ended at status %d", st)
	}
	pmKey := strings.TrimPrefix(e.location(rita), "/postmortems/")
	pm, err := e.svc.PostmortemByRef(e.asUser("rita"), pmKey)
	if err != nil {
		t.Fatalf("postmortem %s after starting it: %v", pmKey, err)
	}
	e.writePostmortem(rita, key, pmKey, pm)

	// --- Script in titles, Markdown and timeline text never runs. ---
	hostile, err := e.svc.CreateIncident(e.asUser("rita"), &debrief.Incident{
		Title: `Checkout <img src=x onerror="window.__xss=9"> failed <script>window.__xss=10</script>`, Services: []string{"checkout-api"},
		Impact: xssProbe, StartedAt: time.Now().Add(-2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddTimelineEvents(e.asUser("rita"), hostile.ID, []*debrief.TimelineEvent{{At: time.Now().Add(-time.Hour), Text: xssProbe}}, debrief.AddEventsOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/incidents/" + hostile.Key, "/incidents", "/", "/postmortems/" + pmKey, "/incidents?q=checkout"} {
		e.open(rita, path)
		e.checkNoScriptRan(rita, path)
	}

	// --- Every page: axe-core at both widths, screenshots. ---
	pages := []struct{ name, path string }{
		{"home", "/"},
		{"incidents", "/incidents"},
		{"incidents-search", "/incidents?q=checkout"},
		{"incident", "/incidents/" + key},
		{"incident-edit", "/incidents/" + key + "/edit"},
		{"event-edit", "/incidents/" + key + "/timeline/" + strconv.FormatInt(paged.ID, 10) + "/edit"},
		{"postmortem", "/postmortems/" + pmKey},
		{"postmortems", "/postmortems"},
		{"action-items", "/action-items"},
		{"search", "/search?q=checkout"},
		{"search-empty", "/search"},
		{"account", "/account"},
		{"not-found", "/no/such/page"},
	}
	for _, p := range pages {
		st := e.open(rita, p.path)
		if want := 200; p.name == "not-found" {
			if st != 404 {
				t.Errorf("GET %s = %d, want 404", p.path, st)
			}
		} else if st != want {
			t.Errorf("GET %s = %d, want %d", p.path, st, want)
		}
		if title := eval[string](e, rita, `document.title`); !strings.HasSuffix(title, " · Debrief") || eval[int](e, rita, `document.querySelectorAll('h1').length`) != 1 {
			t.Errorf("%s: title %q and %d h1; want a clear title and one h1", p.path, title, eval[int](e, rita, `document.querySelectorAll('h1').length`))
		}
		e.checkAccessibility(rita, p.name, a11y)
		e.screenshot(rita, p.name)
	}

	// The admin page, as an admin.
	ada := e.signedInTab("ada")
	if st := e.open(ada, "/admin"); st != 200 {
		t.Errorf("admin GET /admin = %d", st)
	}
	e.checkAccessibility(ada, "admin", a11y)
	e.screenshot(ada, "admin")
	if st := e.open(rita, "/admin"); st != 403 {
		t.Errorf("responder GET /admin = %d; want 403", st)
	}

	// --- A viewer sees no edit controls and gets 403 on a forged post. ---
	vic := e.signedInTab("vic")
	e.open(vic, "/incidents/"+key)
	if n := eval[int](e, vic, `document.querySelectorAll('main form, main a[href$="/edit"], a[href="/incidents/new"]').length`); n != 0 {
		t.Errorf("a viewer's incident page has %d edit controls; want none", n)
	}
	status := eval[int](e, vic, fmt.Sprintf(`fetch('/incidents/%s/timeline', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'text=Forged+by+a+viewer'}).then(r => r.status)`, key))
	if status != 403 {
		t.Errorf("viewer's forged timeline post = %d; want 403", status)
	}
	if evs, _ := e.svc.ListTimeline(e.asUser("rita"), inc.ID, debrief.TimelineFilter{}); len(evs) != 3 {
		t.Errorf("after the viewer's forged post the timeline has %d events; want 3", len(evs))
	}
	if st := e.open(vic, "/incidents/new"); st != 403 {
		t.Errorf("viewer GET /incidents/new = %d; want 403", st)
	}
	e.checkAccessibility(vic, "forbidden", a11y)
	e.screenshot(vic, "forbidden")

	// --- A private incident is 404 to a non-member. ---
	private, err := e.svc.CreateIncident(e.asUser("rita"), &debrief.Incident{Title: "Payroll export leaked to the wrong bucket", Private: true,
		Members: []string{"rita@example.com"}, StartedAt: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	otto := e.signedInTab("otto")
	if st := e.open(otto, "/incidents/"+private.Key); st != 404 {
		t.Errorf("non-member GET /incidents/%s = %d; want 404", private.Key, st)
	}
	if body := eval[string](e, otto, `document.body.innerText`); strings.Contains(body, "Payroll") {
		t.Error("the 404 page shows the private incident's title")
	}
	e.open(otto, "/incidents")
	if body := eval[string](e, otto, `document.body.innerText`); strings.Contains(body, "Payroll") {
		t.Error("the incident list shows a private incident to a non-member")
	}
	if st := e.open(rita, "/incidents/"+private.Key); st != 200 {
		t.Errorf("member GET /incidents/%s = %d; want 200", private.Key, st)
	}

	e.report(a11y)
	e.pageWeight(key)
}

// asUser returns a context acting as one of the test users.
func (e *browserEnv) asUser(name string) context.Context {
	return debrief.WithActor(context.Background(), e.users[name].Actor("test"))
}

// pageWeight logs the bytes the incident page costs with gzip: its HTML and
// every stylesheet and script it links.
func (e *browserEnv) pageWeight(key string) {
	e.t.Helper()
	jar := e.sessionCookie("rita")
	get := func(path string) (int, string) {
		req, _ := http.NewRequest("GET", e.base+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		req.Header.Set("Accept", "text/html")
		req.AddCookie(jar)
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			e.t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		plain := string(b)
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(strings.NewReader(plain))
			if err == nil {
				u, _ := io.ReadAll(zr)
				plain = string(u)
			}
		}
		return len(b), plain
	}
	htmlBytes, html := get("/incidents/" + key)
	total, assets := htmlBytes, 0
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllStringSubmatch(html, -1) {
		n, _ := get(m[1])
		assets += n
	}
	total += assets
	e.t.Logf("incident page weight, gzipped: HTML %d B, CSS+JS %d B, total %d B", htmlBytes, assets, total)
}

// sessionCookie signs in through the API for plain HTTP requests.
func (e *browserEnv) sessionCookie(name string) *http.Cookie {
	resp, err := http.Post(e.base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"email":"`+name+`@example.com","password":"`+browserPassword+`"}`))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	e.t.Fatalf("API sign-in as %s set no cookie (status %d)", name, resp.StatusCode)
	return nil
}
