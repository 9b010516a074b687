package web

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// The live streams' rules, on both engines: a private incident's stream is
// 404 to a non-member as its page is; a stream ends when its viewer's
// session ends; the editor's presence names a section of the postmortem
// only, and another viewer's stream shows it.
func TestLiveStreams(t *testing.T) {
	bothEngines(t, testLiveStreams)
}

func testLiveStreams(t *testing.T, store debrief.Store) {
	// A short heartbeat, so a revoked session is noticed quickly.
	ls := newLiveServer(t, store, map[string]debrief.Role{"mia": debrief.RoleResponder, "otis": debrief.RoleResponder}, 50*time.Millisecond, inputChecks)
	svc, ts, hub := ls.svc, ls.ts, ls.hub
	mia := debrief.WithActor(context.Background(), debrief.Actor{Email: "mia@example.com", Role: debrief.RoleResponder})
	private, err := svc.CreateIncident(mia, &debrief.Incident{Title: "Payroll export leaked salaries to a shared folder", Severity: "SEV1",
		Private: true, Members: []string{"mia@example.com"}, StartedAt: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	pm, err := svc.CreatePostmortem(mia, debrief.NewPostmortem{IncidentID: &private.ID, Owner: "mia@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	miaCookie, otisCookie := signInAPI(t, ts.URL, "mia@example.com"), signInAPI(t, ts.URL, "otis@example.com")

	get := func(path string, c *http.Cookie, accept string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.AddCookie(c)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for _, path := range []string{"/incidents/" + private.Key + "/live?page=p1", "/postmortems/" + pm.Key + "/live?page=p1"} {
		res := get(path, otisCookie, "text/event-stream")
		res.Body.Close()
		if res.StatusCode != 404 {
			t.Errorf("non-member GET %s = %d; want 404", path, res.StatusCode)
		}
	}
	res := get("/incidents/"+private.Key+"/live?page=p1", miaCookie, "text/html")
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Errorf("GET a stream without Accept: text/event-stream = %d; want 400", res.StatusCode)
	}
	res = get("/incidents/"+private.Key+"/live?page=bad%20page", miaCookie, "text/event-stream")
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Errorf("GET a stream with a malformed page id = %d; want 400", res.StatusCode)
	}

	// Presence in the editor: Mia's second page sees her first editing.
	res = get("/postmortems/"+pm.Key+"/live?page=watcher", miaCookie, "text/event-stream")
	if res.StatusCode != 200 {
		t.Fatalf("member GET the postmortem's stream = %d; want 200", res.StatusCode)
	}
	lines := make(chan string, 256)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	presence := func(form url.Values) int {
		req, _ := http.NewRequest("POST", ts.URL+"/postmortems/"+pm.Key+"/presence", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(miaCookie)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	if st := presence(url.Values{"page": {"editor"}, "section": {"no-such-section"}}); st != 400 {
		t.Errorf("presence naming a section the postmortem lacks = %d; want 400", st)
	}
	key := pm.Sections[0].Key
	if st := presence(url.Values{"page": {"editor"}, "section": {key}}); st != 204 {
		t.Fatalf("presence naming section %s = %d; want 204", key, st)
	}
	if v := hub.Viewers(debrief.PostmortemTopic(pm.ID)); len(v) != 2 {
		t.Errorf("viewers after a stream and a presence post = %+v; want the watcher and the editor", v)
	}

	// Mia signs out: her session ends, and so does her stream.
	req, _ := http.NewRequest("POST", ts.URL+"/api/v1/auth/logout", nil)
	req.AddCookie(miaCookie)
	out, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out.Body.Close()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case _, open := <-lines:
			if !open {
				res.Body.Close()
				return
			}
		case <-timeout:
			res.Body.Close()
			t.Fatal("the stream of a signed-out session was still open after 20 s")
		}
	}
}
