package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTimelineCommandsPrintEveryPage: a timeline longer than the API's
// largest page (1,203 events, three pages of 500) is printed whole by
// timeline list, with --starred and --json, and by incident show: the
// commands follow next_cursor, so no event is dropped.
func TestTimelineCommandsPrintEveryPage(t *testing.T) {
	s := startServer(t, filepath.Join(t.TempDir(), "debrief.db"))
	var inc map[string]any
	if res := api(t, "POST", s.URL+"/api/v1/incidents", `{"title":"Alert storm on checkout-api","severity":"SEV2"}`, nil, &inc); res.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/incidents = %d; want 201", res.StatusCode)
	}
	key := inc["key"].(string)
	const n = 1203
	start := time.Date(2026, 3, 5, 22, 0, 0, 0, time.UTC)
	var b strings.Builder
	b.WriteString(`{"events":[`)
	starred := 0
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		// Three events a minute, over two days in the test zone; every
		// hundredth starred.
		star := i%100 == 0
		if star {
			starred++
		}
		fmt.Fprintf(&b, `{"at":%q,"kind":"alert","source":"alertmanager","external_id":"am-%d","text":"Storm alert %04d","starred":%v}`,
			start.Add(time.Duration(i/3)*time.Minute).Format(time.RFC3339), i, i, star)
	}
	b.WriteString(`]}`)
	var added struct {
		Added int `json:"added"`
	}
	if res := api(t, "POST", s.URL+"/api/v1/incidents/"+key+"/timeline", b.String(), nil, &added); res.StatusCode != http.StatusCreated || added.Added != n {
		t.Fatalf("POST %d events = %d, added %d; want 201 and all added", n, res.StatusCode, added.Added)
	}
	var first list[map[string]any]
	api(t, "GET", s.URL+"/api/v1/incidents/"+key+"/timeline", "", nil, &first)
	if len(first.Items) != 500 || first.NextCursor == "" {
		t.Fatalf("GET the timeline without a limit = %d events, cursor %q; want the first 500 and a cursor (else this test pages nothing)", len(first.Items), first.NextCursor)
	}

	var tl list[map[string]any]
	mustJSON(t, s.URL, &tl, "timeline", "list", key)
	if len(tl.Items) != n || tl.NextCursor != "" {
		t.Fatalf("timeline list --json = %d events, cursor %q; want all %d and no cursor", len(tl.Items), tl.NextCursor, n)
	}
	for i, e := range tl.Items {
		if want := fmt.Sprintf("Storm alert %04d", i); e["text"] != want {
			t.Fatalf("timeline list --json: event %d is %q; want %q (every event once, oldest first)", i, e["text"], want)
		}
	}
	mustJSON(t, s.URL, &tl, "timeline", "list", key, "--starred")
	if len(tl.Items) != starred {
		t.Errorf("timeline list --starred --json = %d events; want %d", len(tl.Items), starred)
	}

	out := mustCLI(t, s.URL, "timeline", "list", key)
	if rows := strings.Count(out, "Storm alert "); rows != n {
		t.Errorf("timeline list printed %d events; want %d", rows, n)
	}
	wantLines(t, "timeline list", out, "Storm alert 0000", "Storm alert 0499", "Storm alert 0500", "Storm alert 1202")
	out = mustCLI(t, s.URL, "incident", "show", key)
	if rows := strings.Count(out, "Storm alert "); rows != n {
		t.Errorf("incident show printed %d events; want %d", rows, n)
	}
	wantLines(t, "incident show", out, key+"  Alert storm", "Storm alert 0000", "Storm alert 1202")
}
