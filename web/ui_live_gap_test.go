package web

import (
	"html"
	"io"
	"net/http"
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

// TestLiveGapBetweenRenderAndStream: a change made after a live page was
// rendered but before its stream opened reaches the page as the stream
// opens, for every live page, on SQLite and across two instances on
// PostgreSQL (rendered by one, streamed by the other, so nothing is
// remembered in memory); on one instance, a page rendered after the change
// hears nothing about it.
func TestLiveGapBetweenRenderAndStream(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		a := startInstance(t, filepath.Join(t.TempDir(), "debrief.db"))
		testLiveGap(t, a, a)
	})
	t.Run("postgres-two-instances", func(t *testing.T) {
		if os.Getenv(storetest.PostgresEnv) == "" {
			t.Skip(storetest.PostgresEnv + " is not set")
		}
		dsn := storetest.PostgresDSN(t)
		testLiveGap(t, startInstance(t, dsn), startInstance(t, dsn))
	})
}

var sseConnect = regexp.MustCompile(`sse-connect="([^"]+)"`)

func testLiveGap(t *testing.T, a, b *instance) {
	ctx, token := signInAdmin(t, a)
	inc, err := a.svc.CreateIncident(ctx, &debrief.Incident{Title: "Payments API returned 502s for 9 minutes", Severity: "SEV2"})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := a.svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	ref := strconv.FormatInt(inc.ID, 10)
	addEvent := func() {
		if st := call(t, "POST", a.url+"/api/v1/incidents/"+inc.Key+"/timeline", token, `{"at":"`+time.Now().UTC().Format(time.RFC3339)+`","text":"Rolled back payments-api to v812"}`, nil); st != 201 {
			t.Fatalf("POST a timeline event = %d; want 201", st)
		}
	}
	patchIncident := func() { patchImpact(t, a, ctx, token, inc) }
	addItem := func() {
		if st := call(t, "POST", a.url+"/api/v1/action-items", token, `{"title":"Alert on 502s from payments-api","incident_id":`+ref+`,"postmortem_id":`+strconv.FormatInt(pm.ID, 10)+`}`, nil); st != 201 {
			t.Fatalf("POST an action item = %d; want 201", st)
		}
	}
	saveSection := func() {
		cur, err := a.svc.Postmortem(ctx, pm.ID)
		if err != nil {
			t.Fatal(err)
		}
		key := cur.Sections[0].Key
		if st := call(t, "PATCH", a.url+"/api/v1/postmortems/"+pm.Key+"/sections/"+key, token, `{"body":"Card payments failed for nine minutes (v`+strconv.Itoa(cur.Version)+`).","base_version":`+strconv.Itoa(cur.Sections[0].Version)+`}`, nil); st != 200 {
			t.Fatalf("PATCH a section = %d; want 200", st)
		}
	}
	reviewed := false
	openReview := func() {
		if reviewed {
			cur, err := a.svc.Review(ctx, pm.ID)
			if err != nil {
				t.Fatal(err)
			}
			title := "Review " + strconv.Itoa(cur.Version)
			if _, _, err := a.svc.UpdateReview(ctx, pm.ID, debrief.ReviewPatch{Title: &title}, cur.Version); err != nil {
				t.Fatal(err)
			}
			return
		}
		reviewed = true
		if _, _, err := a.svc.OpenReview(ctx, pm.ID, debrief.NewReview{}); err != nil {
			t.Fatal(err)
		}
	}
	openReview() // the review page has a stream once there is a review
	retitle := func() {
		cur, err := a.svc.Postmortem(ctx, pm.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st := call(t, "PATCH", a.url+"/api/v1/postmortems/"+pm.Key, token, `{"title":"Payments API 502s (`+strconv.Itoa(cur.Version)+`)","version":`+strconv.Itoa(cur.Version)+`}`, nil); st != 200 {
			t.Fatalf("PATCH the postmortem = %d; want 200", st)
		}
	}
	// An incident without a postmortem: its page hears of one started.
	bare, err := a.svc.CreateIncident(ctx, &debrief.Incident{Title: "Search returned stale results for 20 minutes", Severity: "SEV3"})
	if err != nil {
		t.Fatal(err)
	}
	startPostmortem := func() {
		if st := call(t, "POST", a.url+"/api/v1/postmortems", token, `{"incident_id":`+strconv.FormatInt(bare.ID, 10)+`}`, nil); st != 201 {
			t.Fatalf("POST a postmortem = %d; want 201", st)
		}
	}
	// The meeting's pages: the facilitator's, the room view signed in and
	// the room view by link.
	var room string
	startMeeting := func() {
		_, token, err := a.svc.StartReviewMeeting(ctx, pm.ID, debrief.StartMeeting{})
		if err != nil {
			t.Fatal(err)
		}
		room = token
	}
	takeNotes := func() {
		m, err := a.svc.ReviewMeeting(ctx, pm.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.svc.ChangeReviewMeeting(ctx, pm.ID, debrief.MeetingChange{Action: debrief.MeetingNotes, Text: "Notes " + strconv.Itoa(m.Version)}, m.Version); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		page   string
		change func()
		want   string
		// other is a change of another part of the page, heard live
		// after the stream opened on a page rendered after change.
		other func()
		event string
	}{
		{"/incidents/" + inc.Key, addEvent, debrief.LiveTimeline, patchIncident, debrief.LiveIncident},
		{"/incidents/" + inc.Key, patchIncident, debrief.LiveIncident, addEvent, debrief.LiveTimeline},
		{"/incidents/" + inc.Key, addItem, debrief.LiveActionItems, addEvent, debrief.LiveTimeline},
		{"/incidents/" + inc.Key, retitle, debrief.LivePostmortem, addEvent, debrief.LiveTimeline},
		{"/incidents/" + inc.Key, openReview, debrief.LivePostmortem, addEvent, debrief.LiveTimeline},
		{"/incidents/" + inc.Key, addEvent, debrief.LiveTimeline, retitle, debrief.LivePostmortem},
		{"/incidents/" + bare.Key, startPostmortem, debrief.LivePostmortem, nil, ""},
		{"/postmortems/" + pm.Key, saveSection, debrief.LivePostmortem, addEvent, debrief.LiveTimeline},
		{"/postmortems/" + pm.Key, addEvent, debrief.LiveTimeline, saveSection, debrief.LiveSection},
		{"/postmortems/" + pm.Key, addItem, debrief.LiveActionItems, saveSection, debrief.LiveSection},
		{"/postmortems/" + pm.Key + "/edit", saveSection, debrief.LivePostmortem, addItem, debrief.LiveActionItems},
		{"/action-items", addItem, debrief.LiveActionItems, nil, ""},
		{"/postmortems/" + pm.Key + "/review", openReview, debrief.LiveReview, nil, ""},
		{"/postmortems/" + pm.Key + "/review/meeting", takeNotes, debrief.LiveReview, nil, ""},
		{"/postmortems/" + pm.Key + "/review/room", takeNotes, debrief.LiveReview, nil, ""},
		{"/room/{room}", takeNotes, debrief.LiveReview, nil, ""},
	}
	for _, c := range cases {
		if strings.Contains(c.page, "/review/meeting") && room == "" {
			startMeeting()
		}
		c.page = strings.Replace(c.page, "{room}", room, 1)
		// The gap: rendered by A, changed, streamed by B.
		stream := renderedStream(t, a.url+c.page, token)
		c.change()
		events := openStream(t, b.url+stream, token)
		waitEvent(t, events, c.want)

		// No gap: a page rendered after the change is told nothing of it;
		// the next event it hears is the next change, made live. Only on
		// one instance: across two, the change's own notification may
		// reach B after the new stream subscribed, a harmless refresh.
		if c.other == nil || a != b {
			continue
		}
		stream = renderedStream(t, a.url+c.page, token)
		events = openStream(t, b.url+stream, token)
		waitEvent(t, events, "presence")
		c.other()
		if before := eventsBefore(t, events, c.event); slices.Contains(before, c.want) {
			t.Errorf("%s rendered after its change, then streamed: the stream sent %q before the live %q; want nothing for a part the page already shows", c.page, c.want, c.event)
		}
	}

	// A stamp the server did not make is refused, as a malformed page id is.
	req, _ := http.NewRequest("GET", b.url+"/incidents/"+inc.Key+"/live?page=p1&at=timeline:%3Cscript%3E", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Errorf("GET a stream with a malformed at = %d; want 400", res.StatusCode)
	}
}

// renderedStream renders page and returns the address of its stream, as
// the page names it (with the stamps it was rendered from).
func renderedStream(t *testing.T, page, token string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", page, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := sseConnect.FindSubmatch(body)
	if res.StatusCode != 200 || m == nil {
		t.Fatalf("GET %s = %d without a stream address", page, res.StatusCode)
	}
	return html.UnescapeString(string(m[1]))
}
