package web

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Page weight budgets from issue 11: the incident page and the editor
// under 100 KB transferred (images aside), and all of Debrief's JavaScript
// and CSS under 60 KB compressed. Sizes are deterministic, so unlike
// speed they are checked by a test.
const (
	pageBudget   = 100 << 10
	assetsBudget = 60 << 10
)

// seedBusyIncident makes an incident as a long one looks: 120 timeline
// events over two days, 12 action items, a postmortem with every section
// written, and a dozen changes in its history.
func seedBusyIncident(tb testing.TB, svc *debrief.Service, ctx context.Context) (*debrief.Incident, *debrief.Postmortem) {
	tb.Helper()
	start := time.Date(2026, 3, 4, 22, 0, 0, 0, time.UTC)
	inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout API returned 500s for 42 minutes", Severity: "SEV1",
		Services: []string{"checkout", "payments"}, Labels: []string{"busy"}, StartedAt: start,
		Roles:  debrief.Roles{Commander: "ana@example.com", Scribe: "bo@example.com"},
		Impact: strings.Repeat("EU customers could not pay; 5,200 orders failed and support received 310 tickets. ", 3)})
	if err != nil {
		tb.Fatal(err)
	}
	events := make([]*debrief.TimelineEvent, 0, 120)
	for i := 0; i < 120; i++ {
		events = append(events, &debrief.TimelineEvent{At: start.Add(time.Duration(i) * 23 * time.Minute), Kind: debrief.KindNote, Starred: i%9 == 0,
			Text: fmt.Sprintf("Step %d: checked the connection pool of checkout-api pod %d; saturation at %d%%, p99 latency %d ms.", i, i%7, 60+i%40, 200+i*3)})
	}
	if _, err := svc.AddTimelineEvents(ctx, inc.ID, events, debrief.AddEventsOptions{}); err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < 12; i++ {
		cur, err := svc.Incident(ctx, inc.ID)
		if err != nil {
			tb.Fatal(err)
		}
		impact := cur.Impact + fmt.Sprintf(" Update %d.", i)
		if _, err := svc.UpdateIncident(ctx, inc.ID, debrief.IncidentPatch{Impact: &impact}, cur.Version); err != nil {
			tb.Fatal(err)
		}
	}
	pm, err := svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID})
	if err != nil {
		tb.Fatal(err)
	}
	bodies := map[string]string{}
	for _, s := range pm.Sections {
		bodies[s.Key] = strings.Repeat("The "+s.Heading+" of this incident, in plain words with numbers and times: at 14:02 UTC the pool reached 200 connections. ", 8)
	}
	if pm, err = svc.UpdatePostmortem(ctx, pm.ID, debrief.PostmortemPatch{SectionBodies: bodies}, pm.Version); err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < 12; i++ {
		if _, err := svc.CreateActionItem(ctx, &debrief.ActionItem{Title: fmt.Sprintf("Alert when the checkout pool passes %d%% for five minutes", 70+i),
			Owner: "ana@example.com", IncidentID: &inc.ID, PostmortemID: &pm.ID}); err != nil {
			tb.Fatal(err)
		}
	}
	return inc, pm
}

// transferred returns the bytes path costs with gzip, and the page itself.
func transferred(t testing.TB, h http.Handler, path string) (int, string) {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	r.Header.Set("Accept", "text/html")
	r.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != 200 {
		t.Fatalf("GET %s = %d", path, rec.Code)
	}
	b := rec.Body.Bytes()
	plain := b
	if rec.Header().Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		plain, _ = io.ReadAll(zr)
	}
	return len(b), string(plain)
}

func TestPageWeight(t *testing.T) {
	svc := debrief.NewService(openSQLite(t))
	srv := New(Config{Service: svc, Open: true})
	h := srv.Handler()
	inc, pm := seedBusyIncident(t, svc, debrief.WithActor(context.Background(), debrief.SystemActor))

	// Every script and stylesheet Debrief serves, compressed as served.
	assets := 0
	for path := range srv.ui.assets {
		n, _ := transferred(t, h, path)
		assets += n
	}
	t.Logf("all JavaScript and CSS, gzipped: %d B", assets)
	if assets > assetsBudget {
		t.Errorf("all JavaScript and CSS weigh %d B gzipped; the budget is %d B", assets, assetsBudget)
	}
	linked := regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)
	for _, page := range []string{"/incidents/" + inc.Key, "/postmortems/" + pm.Key + "/edit", "/postmortems/" + pm.Key} {
		n, html := transferred(t, h, page)
		total := n
		for _, m := range linked.FindAllStringSubmatch(html, -1) {
			a, _ := transferred(t, h, m[1])
			total += a
		}
		t.Logf("%s: HTML %d B gzipped (%d B plain), with its scripts and styles %d B", page, n, len(html), total)
		if total > pageBudget {
			t.Errorf("%s costs %d B gzipped with its scripts and styles; the budget is %d B", page, total, pageBudget)
		}
	}
}
