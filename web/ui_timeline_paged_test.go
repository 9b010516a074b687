package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

var (
	// timelineRowRe matches, in order, a day heading or an event of the
	// incident page's timeline.
	timelineRowRe  = regexp.MustCompile(`<li class="day"[^>]*><h3 class="small">([^<]+)</h3></li>|<li class="event( starred)?" id="event-(\d+)">`)
	laterEventsRe  = regexp.MustCompile(`<a href="([^"]+)" rel="next">Later events</a>`)
	firstEventsRe  = regexp.MustCompile(`<a href="([^"]+)">First events</a>`)
	timelineHeadRe = regexp.MustCompile(`<h2 id="timeline-h">Timeline <span class="small muted">\((\d+) events?, times in ([^)]+)\)</span></h2>`)
)

// shownTimeline is what one page of an incident's timeline shows.
type shownTimeline struct {
	ids  []int64
	days map[int64]string // the date heading shown above an event
	body string
}

func readTimelinePage(t *testing.T, body string) shownTimeline {
	t.Helper()
	s := shownTimeline{days: map[int64]string{}, body: body}
	day := ""
	for _, m := range timelineRowRe.FindAllStringSubmatch(body, -1) {
		if m[1] != "" {
			day = m[1]
			continue
		}
		id, _ := strconv.ParseInt(m[3], 10, 64)
		s.ids = append(s.ids, id)
		if day != "" {
			s.days[id], day = day, ""
		}
	}
	return s
}

// TestTimelinePagedOnTheIncidentPage: an incident with more events than a
// page shows a page of them with the pager, on SQLite and PostgreSQL; the
// later pages are reachable and show the right events with the right date
// headings in the viewer's zone; the header counts every event and the
// starred ones whichever page is shown; the starred filter pages too; the
// live refresh, the forms and the editor keep the viewer on their page; an
// event added from a page it does not fall on is announced with a link to
// the page that starts with it; a bad cursor is a 400 with a sentence.
func TestTimelinePagedOnTheIncidentPage(t *testing.T) {
	bothEngines(t, func(t *testing.T, store debrief.Store) {
		e := newAdminUIEnv(t, store)
		ada := debrief.WithActor(e.sys, e.adaUser.Actor("session"))
		inc, err := e.svc.CreateIncident(ada, &debrief.Incident{Title: "Alert storm on checkout-api for 26 hours", Severity: "SEV2"})
		if err != nil {
			t.Fatal(err)
		}
		const n = 2*uiTimelinePageSize + 50
		start := time.Date(2026, 3, 5, 20, 0, 0, 0, time.UTC)
		events := make([]*debrief.TimelineEvent, n)
		for i := range events {
			// Two events every 7 minutes, over two days in Tokyo; every
			// other one starred.
			events[i] = &debrief.TimelineEvent{At: start.Add(time.Duration(i/2) * 7 * time.Minute), Text: fmt.Sprintf("Storm alert %03d", i), Starred: i%2 == 0}
		}
		if _, err := e.svc.AddTimelineEvents(ada, inc.ID, events, debrief.AddEventsOptions{}); err != nil {
			t.Fatal(err)
		}
		tokyo, err := time.LoadLocation("Asia/Tokyo")
		if err != nil {
			t.Fatal(err)
		}
		zone := &http.Cookie{Name: zoneCookie, Value: "Asia/Tokyo"}
		get := func(path string, want int) string {
			t.Helper()
			path, _, _ = strings.Cut(path, "#") // a browser does not send the fragment
			rec := uiRequest(e.h, "GET", path, nil, e.rita, zone)
			if rec.Code != want {
				t.Fatalf("GET %s = %d; want %d:\n%.600s", path, rec.Code, want, rec.Body)
			}
			return rec.Body.String()
		}
		incPath := "/incidents/" + inc.Key

		// walk follows "Later events" from path and checks each page
		// against want, the filter's events in the timeline's order.
		walk := func(path string, want []*debrief.TimelineEvent, starred bool) []string {
			t.Helper()
			var pages []string
			first := path
			for i := 0; path != ""; i++ {
				if i > len(want)/uiTimelinePageSize+1 {
					t.Fatalf("more than %d pages of %d events", i, len(want))
				}
				body := get(path, http.StatusOK)
				shown := readTimelinePage(t, body)
				lo, hi := i*uiTimelinePageSize, min((i+1)*uiTimelinePageSize, len(want))
				if len(shown.ids) != hi-lo {
					t.Fatalf("GET %s shows %d events; want %d (events %d to %d)", path, len(shown.ids), hi-lo, lo, hi-1)
				}
				for j, id := range shown.ids {
					if id != want[lo+j].ID {
						t.Fatalf("GET %s: row %d is event %d; want %d (every event once, by time then ID)", path, j, id, want[lo+j].ID)
					}
				}
				// Dates: above the first event of the page and wherever
				// the day changes in Tokyo, since the timeline spans days.
				for j := lo; j < hi; j++ {
					wantDay := ""
					if day := formatDate(tokyo, want[j].At); j == lo || day != formatDate(tokyo, want[j-1].At) {
						wantDay = day
					}
					if got := shown.days[want[j].ID]; got != wantDay {
						t.Errorf("GET %s: event %d is headed %q; want %q", path, want[j].ID, got, wantDay)
					}
				}
				// The header counts the whole timeline.
				m := timelineHeadRe.FindStringSubmatch(body)
				if m == nil || m[1] != strconv.Itoa(n) || m[2] != "Asia/Tokyo" {
					t.Errorf("GET %s: timeline header %v; want %d events, times in Asia/Tokyo", path, m, n)
				}
				if !starred && !strings.Contains(body, fmt.Sprintf("Show only starred (%d)", n/2)) {
					t.Errorf("GET %s does not offer the %d starred events", path, n/2)
				}
				f := firstEventsRe.FindStringSubmatch(body)
				if i == 0 && f != nil {
					t.Errorf("GET %s, the first page, links to the first events", path)
				}
				if wantFirst := strings.Split(first, "#")[0] + "#timeline"; i > 0 && (f == nil || html.UnescapeString(f[1]) != wantFirst) {
					t.Errorf("GET %s links to the first events as %v; want %s", path, f, wantFirst)
				}
				pages = append(pages, path)
				path = ""
				if m := laterEventsRe.FindStringSubmatch(body); m != nil {
					path = html.UnescapeString(m[1])
					if u, err := url.Parse(path); err != nil || u.Fragment != "timeline" || (u.Query().Get("starred") == "1") != starred {
						t.Errorf("Later events links to %s; want the timeline of the same filter", path)
					}
				}
			}
			if len(pages) != (len(want)+uiTimelinePageSize-1)/uiTimelinePageSize {
				t.Errorf("%d pages of %d events; want %d", len(pages), len(want), (len(want)+uiTimelinePageSize-1)/uiTimelinePageSize)
			}
			return pages
		}
		all, err := e.svc.ListTimeline(ada, inc.ID, debrief.TimelineFilter{})
		if err != nil {
			t.Fatal(err)
		}
		pages := walk(incPath, all, false)
		stars, err := e.svc.ListTimeline(ada, inc.ID, debrief.TimelineFilter{Starred: true})
		if err != nil {
			t.Fatal(err)
		}
		walk(incPath+"?starred=1", stars, true)

		// The second page: its live refresh, its stream, its forms and
		// its editor all name it.
		second := strings.TrimSuffix(pages[1], "#timeline")
		after := mustQuery(t, second).Get("after")
		body := get(second, http.StatusOK)
		shown := readTimelinePage(t, body)
		q := url.Values{"after": {after}}.Encode()
		ev := shown.ids[3]
		for _, want := range []string{
			`<div id="timeline-events" hx-get="` + html.EscapeString(incPath+"?"+q) + `"`,
			`hx-select-oob="#timeline-head"`,
			fmt.Sprintf(`action="%s/timeline/%d/star?%s"`, incPath, ev, html.EscapeString(q)),
			fmt.Sprintf(`action="%s/timeline/%d/delete?%s"`, incPath, ev, html.EscapeString(q)),
			fmt.Sprintf(`href="%s/timeline/%d/edit?%s"`, incPath, ev, html.EscapeString(q)),
			fmt.Sprintf(`action="%s/timeline?%s"`, incPath, html.EscapeString(q)),
		} {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s does not contain %s", second, want)
			}
		}
		if m := sseConnect.FindStringSubmatch(body); m == nil || !strings.Contains(html.UnescapeString(m[1]), "&"+q) {
			t.Errorf("GET %s: its stream's address %v does not name the page (%s)", second, m, q)
		}
		cur := func(id int64) *debrief.TimelineEvent {
			t.Helper()
			got, err := e.svc.TimelineEvent(ada, inc.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		// Starring without JavaScript comes back to the page.
		rec := uiRequest(e.h, "POST", fmt.Sprintf("%s/timeline/%d/star?%s", incPath, ev, q), url.Values{"version": {"1"}, "starred": {strconv.FormatBool(!cur(ev).Starred)}}, e.rita, zone)
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != second+"#timeline" {
			t.Errorf("POST star from the second page = %d to %q; want 303 to %s#timeline", rec.Code, loc, second)
		}
		// With htmx, the timeline section of the same page, its header
		// counting the star.
		ev2 := shown.ids[4]
		form := url.Values{"version": {"1"}, "starred": {strconv.FormatBool(!cur(ev2).Starred)}}
		rec = uiRequestHTMX(e.h, fmt.Sprintf("%s/timeline/%d/star?%s", incPath, ev2, q), form, e.rita)
		if got := readTimelinePage(t, rec.Body.String()); rec.Code != http.StatusOK || fmt.Sprint(got.ids) != fmt.Sprint(shown.ids) {
			t.Errorf("htmx POST star from the second page = %d showing %d events; want 200 with the second page's %d", rec.Code, len(got.ids), len(shown.ids))
		}
		starredNow, err := e.svc.TimelineSummary(ada, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("Show only starred (%d)", starredNow.Starred); !strings.Contains(rec.Body.String(), want) {
			t.Errorf("htmx POST star answers without %q", want)
		}
		// The editor, opened from the second page, goes back to it.
		edit := fmt.Sprintf("%s/timeline/%d/edit?%s", incPath, ev, q)
		back := second + "#event-" + strconv.FormatInt(ev, 10)
		if body := get(edit, http.StatusOK); !strings.Contains(body, `href="`+html.EscapeString(back)+`">Cancel</a>`) || !strings.Contains(body, `action="`+html.EscapeString(edit)+`"`) {
			t.Errorf("GET %s: Cancel or the form does not go back to %s", edit, back)
		}
		e1 := cur(ev)
		rec = uiRequest(e.h, "POST", edit, url.Values{"version": {strconv.Itoa(e1.Version)}, "text": {"Storm alert, acknowledged by Amara"}, "kind": {string(e1.Kind)},
			"at": {datetimeLocal(tokyo, e1.At)}}, e.rita, zone)
		if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || loc != back {
			t.Errorf("POST %s = %d to %q; want 303 to %s", edit, rec.Code, loc, back)
		}

		// An event added from the first page that falls on the last is
		// announced, with a link to the page it starts.
		rec = uiRequestHTMX(e.h, incPath+"/timeline", url.Values{"text": {"Rolled back checkout-api to v812"}, "kind": {"action"}, "at": {"2026-03-09T10:00"}}, e.rita)
		addBody := rec.Body.String()
		link := regexp.MustCompile(`It is on another page of the timeline: <a href="([^"]+)">show it</a>`).FindStringSubmatch(addBody)
		if rec.Code != http.StatusOK || link == nil {
			t.Fatalf("htmx POST an event from the first page = %d without a link to its page:\n%.800s", rec.Code, addBody)
		}
		if got := readTimelinePage(t, addBody); len(got.ids) != uiTimelinePageSize || got.ids[0] != all[0].ID {
			t.Errorf("htmx POST an event from the first page shows %d events from %v; want the first page", len(got.ids), got.ids[:1])
		}
		there := html.UnescapeString(link[1])
		if got := readTimelinePage(t, get(strings.Split(there, "#")[0], http.StatusOK)); len(got.ids) != 1 || "#event-"+strconv.FormatInt(got.ids[0], 10) != "#"+strings.Split(there, "#")[1] {
			t.Errorf("GET %s shows %v; want the page starting with the added event, the last", there, got.ids)
		}

		// An event's history links back to the timeline where the event
		// is: the first page for one on it, else the page it starts.
		backRe := regexp.MustCompile(`<a href="([^"]+)">← ` + inc.Key + ` timeline</a>`)
		for _, c := range []struct {
			ev        int64
			firstPage bool
		}{{all[3].ID, true}, {all[2*uiTimelinePageSize+10].ID, false}} {
			history := fmt.Sprintf("%s/timeline/%d/history", incPath, c.ev)
			m := backRe.FindStringSubmatch(get(history, http.StatusOK))
			if m == nil {
				t.Fatalf("GET %s has no link back to the timeline", history)
			}
			to := html.UnescapeString(m[1])
			at, fragment, _ := strings.Cut(to, "#")
			if fragment != "event-"+strconv.FormatInt(c.ev, 10) || (at == incPath) != c.firstPage {
				t.Errorf("GET %s links back to %s; want the event on the timeline's first page: %v", history, to, c.firstPage)
				continue
			}
			if got := readTimelinePage(t, get(at, http.StatusOK)); !slices.Contains(got.ids, c.ev) {
				t.Errorf("GET %s, the history's way back, does not show event %d", at, c.ev)
			}
		}

		// A cursor no page gives is a sentence.
		if body := get(incPath+"?after=bogus", http.StatusBadRequest); !strings.Contains(body, "is not one this server returned") {
			t.Errorf("GET %s?after=bogus says:\n%.400s", incPath, body)
		}
	})
}

func mustQuery(t *testing.T, path string) url.Values {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// TestTimelinePageLiveStamp: the incident page's stamp of its timeline is
// of the page it shows and of the whole timeline's counts: rendered on its
// second page, a change made before its stream opens reaches it when it is
// an event added on another page (the header counts it) or an event of
// the page edited, and not when it is an event of another page edited
// (the next event the stream sends is then the next live change).
func TestTimelinePageLiveStamp(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		testTimelinePageLiveStamp(t, startInstance(t, filepath.Join(t.TempDir(), "debrief.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(storetest.PostgresEnv) == "" {
			t.Skip(storetest.PostgresEnv + " is not set")
		}
		testTimelinePageLiveStamp(t, startInstance(t, storetest.PostgresDSN(t)))
	})
}

func testTimelinePageLiveStamp(t *testing.T, a *instance) {
	ctx, token := signInAdmin(t, a)
	inc, err := a.svc.CreateIncident(ctx, &debrief.Incident{Title: "Alert storm on checkout-api for 4 hours", Severity: "SEV2"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 5, 13, 0, 0, 0, time.UTC)
	events := make([]*debrief.TimelineEvent, uiTimelinePageSize+20)
	for i := range events {
		events[i] = &debrief.TimelineEvent{At: start.Add(time.Duration(i) * time.Minute), Text: fmt.Sprintf("Storm alert %03d", i)}
	}
	if _, err := a.svc.AddTimelineEvents(ctx, inc.ID, events, debrief.AddEventsOptions{}); err != nil {
		t.Fatal(err)
	}
	page := a.url + "/incidents/" + inc.Key + "?after=" + url.QueryEscape(debrief.TimelineCursor(events[uiTimelinePageSize-1]))
	firstPageEvent, secondPageEvent := events[5], events[uiTimelinePageSize+5]
	edit := func(ev *debrief.TimelineEvent) func() {
		return func() {
			cur, err := a.svc.TimelineEvent(ctx, inc.ID, ev.ID)
			if err != nil {
				t.Fatal(err)
			}
			if st := call(t, "PATCH", a.url+"/api/v1/incidents/"+inc.Key+"/timeline/"+strconv.FormatInt(ev.ID, 10), token,
				`{"text":"`+cur.Text+` (checked)","version":`+strconv.Itoa(cur.Version)+`}`, nil); st != 200 {
				t.Fatalf("PATCH a timeline event = %d; want 200", st)
			}
		}
	}
	addEarly := func() {
		if st := call(t, "POST", a.url+"/api/v1/incidents/"+inc.Key+"/timeline", token, `{"at":"2026-03-05T12:00:00Z","text":"Deploy 4521 of checkout-api"}`, nil); st != 201 {
			t.Fatalf("POST a timeline event = %d; want 201", st)
		}
	}
	for _, c := range []struct {
		name   string
		change func()
		heard  bool
	}{
		{"an event added on the first page", addEarly, true},
		{"an event of the second page edited", edit(secondPageEvent), true},
		{"an event of the first page edited", edit(firstPageEvent), false},
	} {
		stream := renderedStream(t, page, token)
		if !strings.Contains(stream, "&after=") {
			t.Fatalf("the second page's stream %s does not name the page", stream)
		}
		c.change()
		events := openStream(t, a.url+stream, token)
		if c.heard {
			waitEvent(t, events, debrief.LiveTimeline)
			continue
		}
		waitEvent(t, events, "presence")
		patchImpact(t, a, ctx, token, inc)
		if before := eventsBefore(t, events, debrief.LiveIncident); slices.Contains(before, debrief.LiveTimeline) {
			t.Errorf("%s, then the second page's stream opened: it sent %q; want nothing for a change the page does not show", c.name, debrief.LiveTimeline)
		}
	}
}
