package web

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// The review's streams, on both engines: the room link's stream is the
// room token's (no sign-in), hears each step of the meeting, never names
// who else is looking, and ends when the link is replaced (and cannot be
// opened again); the signed-in stream is 404 to a non-member of a private
// incident, as the review's pages are.
func TestReviewStreams(t *testing.T) {
	bothEngines(t, testReviewStreams)
}

// sseReader reads a stream's lines in the background.
type sseReader struct {
	res   *http.Response
	lines chan string
}

func (s *sseReader) close() { s.res.Body.Close() }

// until reads lines until one equals want; false when the stream ended or
// 20 s passed (a bound on a hang, not a speed assertion).
func (s *sseReader) until(want string, seen *[]string) bool {
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l, open := <-s.lines:
			if !open {
				return false
			}
			if seen != nil {
				*seen = append(*seen, l)
			}
			if l == want {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

// ended reports whether the stream ends within 20 s.
func (s *sseReader) ended() bool {
	timeout := time.After(20 * time.Second)
	for {
		select {
		case _, open := <-s.lines:
			if !open {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

func testReviewStreams(t *testing.T, store debrief.Store) {
	// A short heartbeat, so a replaced link is noticed quickly.
	ls := newLiveServer(t, store, map[string]debrief.Role{"mia": debrief.RoleResponder, "otis": debrief.RoleResponder}, 50*time.Millisecond, inputChecks)
	svc, ts := ls.svc, ls.ts
	mia := debrief.WithActor(context.Background(), debrief.Actor{Email: "mia@example.com", Role: debrief.RoleResponder})
	inc, err := svc.CreateIncident(mia, &debrief.Incident{Title: "Payroll export failed for two hours", Private: true, Members: []string{"mia@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := svc.CreatePostmortem(mia, debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "mia@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.OpenReview(mia, pm.ID, debrief.NewReview{Participants: []debrief.ReviewParticipant{{Email: "mia@example.com", Required: true}, {Email: "sam@example.com"}}}); err != nil {
		t.Fatal(err)
	}
	m, token, err := svc.StartReviewMeeting(mia, pm.ID, debrief.StartMeeting{})
	if err != nil {
		t.Fatal(err)
	}
	miaCookie, otisCookie := signInAPI(t, ts.URL, "mia@example.com"), signInAPI(t, ts.URL, "otis@example.com")

	open := func(path string, c *http.Cookie, accept string) (*sseReader, int) {
		t.Helper()
		return openSSE(t, ts.URL+path, c, accept)
	}
	reviewLive := "/postmortems/" + pm.Key + "/review/live?page=p1"
	if _, st := open(reviewLive, otisCookie, "text/event-stream"); st != 404 {
		t.Errorf("non-member GET %s = %d; want 404", reviewLive, st)
	}
	if _, st := open("/room/"+token+"/live?page=p1", nil, "text/html"); st != 400 {
		t.Errorf("GET the room's stream without Accept: text/event-stream = %d; want 400", st)
	}
	if _, st := open("/room/"+strings.Repeat("x", 43)+"/live?page=p1", nil, "text/event-stream"); st != 404 {
		t.Errorf("GET the stream of a room link that does not exist = %d; want 404", st)
	}

	// Mia facilitates with her page's stream open; the room follows by link.
	mine, st := open(reviewLive, miaCookie, "text/event-stream")
	if st != 200 {
		t.Fatalf("member GET %s = %d; want 200", reviewLive, st)
	}
	defer mine.close()
	room, st := open("/room/"+token+"/live?page=r1", nil, "text/event-stream")
	if st != 200 {
		t.Fatalf("GET the room's stream by link = %d; want 200", st)
	}
	defer room.close()
	var seen []string
	if !mine.until(`data: <span class="muted">Also here:</span> <span class="viewer">room link</span>`, nil) {
		t.Errorf("the facilitator's stream never showed the room link among those present")
	}
	if _, err := svc.ChangeReviewMeeting(mia, pm.ID, debrief.MeetingChange{Action: debrief.MeetingNext}, m.Version); err != nil {
		t.Fatal(err)
	}
	if !room.until("event: review", &seen) {
		t.Fatalf("the room's stream never heard the step; it read %q", seen)
	}
	for _, l := range seen {
		if strings.Contains(l, "presence") || strings.Contains(l, "Mia") {
			t.Errorf("the room link's stream told who is looking: %q", l)
		}
	}

	// A new room link: the old one's stream ends, and cannot be opened again.
	cur, err := svc.ReviewMeeting(mia, pm.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.NewReviewRoomLink(mia, pm.ID, cur.Version); err != nil {
		t.Fatal(err)
	}
	if !room.ended() {
		t.Errorf("the stream of a replaced room link was still open after 20 s")
	}
	if _, st := open("/room/"+token+"/live?page=r1", nil, "text/event-stream"); st != 404 {
		t.Errorf("reopening the stream of a replaced room link = %d; want 404", st)
	}
}

// openSSE opens url as a browser's EventSource would, with cookie c
// when not nil; a stream answered with anything but 200 is closed.
func openSSE(t *testing.T, url string, c *http.Cookie, accept string) (*sseReader, int) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if c != nil {
		req.AddCookie(c)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		res.Body.Close()
		return nil, res.StatusCode
	}
	s := &sseReader{res: res, lines: make(chan string, 256)}
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	return s, 200
}

// TestReviewRoomAcrossInstances: the room follows a meeting facilitated on
// another instance of the same PostgreSQL database (LISTEN/NOTIFY).
func TestReviewRoomAcrossInstances(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	a, b := startInstance(t, dsn), startInstance(t, dsn)
	ria := debrief.WithActor(context.Background(), debrief.Actor{Email: "ria@example.com", Role: debrief.RoleResponder})
	inc, err := a.svc.CreateIncident(ria, &debrief.Incident{Title: "Checkout API returned 500s"})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := a.svc.CreatePostmortem(ria, debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "ria@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.svc.OpenReview(ria, pm.ID, debrief.NewReview{Participants: []debrief.ReviewParticipant{{Email: "ria@example.com", Required: true}}}); err != nil {
		t.Fatal(err)
	}
	m, token, err := a.svc.StartReviewMeeting(ria, pm.ID, debrief.StartMeeting{})
	if err != nil {
		t.Fatal(err)
	}
	room, st := openSSE(t, b.url+"/room/"+token+"/live?page=r1", nil, "text/event-stream")
	if st != 200 {
		t.Fatalf("the room's stream on the other instance = %d; want 200", st)
	}
	defer room.close()
	if !room.until("retry: 1000", nil) {
		t.Fatal("the room's stream never started")
	}
	if _, err := a.svc.ChangeReviewMeeting(ria, pm.ID, debrief.MeetingChange{Action: debrief.MeetingNext}, m.Version); err != nil {
		t.Fatal(err)
	}
	var seen []string
	if !room.until("event: review", &seen) {
		t.Fatalf("the room on the other instance never heard the step; it read %q", seen)
	}
}
