package storetest

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/search"
)

func init() {
	Register("SearchQueries", testSearchQueries)
	Register("SearchRanking", testSearchRanking)
	Register("SearchSnippetsAndFacets", testSearchSnippetsAndFacets)
	Register("SearchPrivate", testSearchPrivate)
	Register("SearchInStep", testSearchInStep)
	Register("SearchReindex", testSearchReindex)
	Register("SearchLongTimeline", testSearchLongTimeline)
	Register("SearchSimilar", testSearchSimilar)
	Register("SearchSimilarBySummary", testSearchSimilarBySummary)
	Register("SearchDigests", testSearchDigests)
}

var (
	searchAdmin  = debrief.Actor{Email: "root@example.com", Role: debrief.RoleAdmin}
	searchViewer = debrief.Actor{Email: "vic@example.com", Role: debrief.RoleViewer}
)

func searchStore(t *testing.T, s debrief.Store) debrief.SearchStore {
	t.Helper()
	ss, ok := s.(debrief.SearchStore)
	if !ok {
		t.Fatalf("store %T does not implement debrief.SearchStore", s)
	}
	return ss
}

// searchCorpus is a small set of records written the way people write
// them. Keys are filled in as they are created.
type searchCorpus struct {
	kafkaTitle, kafkaBody, checkout, checkoutRepeat, private *debrief.Incident
	checkoutPM                                               *debrief.Postmortem
	project                                                  *debrief.Postmortem
}

func searchDay(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, time.UTC)
}

func searchIncident(title, severity string, status debrief.IncidentStatus, started time.Time, services ...string) *debrief.Incident {
	return &debrief.Incident{
		Title: title, Severity: severity, Status: status, Services: services, Customers: []string{}, Labels: []string{},
		Members: []string{}, StartedAt: started, CreatedBy: "alice@example.com", CreatedAt: started, UpdatedAt: started,
	}
}

func searchPostmortem(incidentID *int64, title, summary, rootCause string, factors ...string) *debrief.Postmortem {
	return &debrief.Postmortem{
		IncidentID: incidentID, Kind: debrief.KindIncident, Title: title, Owner: "carol@example.com", Status: debrief.PostmortemDraft,
		Template: "incident", TemplateVersion: 1,
		Sections: []debrief.Section{
			{Key: "summary", Heading: "Summary", Body: summary, Required: true},
			{Key: "root-cause", Heading: "Root cause analysis", Body: rootCause, Required: true},
		},
		RootCause: rootCause, ContributingFactors: factors,
		Lessons:   debrief.Lessons{WentWell: []string{}, WentWrong: []string{}, GotLucky: []string{}},
		CreatedBy: "alice@example.com", CreatedAt: searchDay(2025, 1, 1, 0), UpdatedAt: searchDay(2025, 1, 1, 0),
	}
}

func searchAlertEvent(at time.Time, alert, text string) *debrief.TimelineEvent {
	return &debrief.TimelineEvent{At: at, Zone: "UTC", Source: debrief.SourceAlertmanager, Kind: debrief.KindAlert, Alert: alert, Text: text, CreatedAt: at}
}

func newSearchCorpus(t *testing.T, s debrief.Store) *searchCorpus {
	t.Helper()
	ctx := ctxOf(t)
	c := &searchCorpus{}

	c.kafkaTitle = createIncident(t, s, searchIncident("Kafka consumer lag delayed order confirmation emails", "SEV3", debrief.StatusResolved, searchDay(2023, 3, 5, 9), "notifications"))
	c.kafkaBody = createIncident(t, s, searchIncident("Order confirmation emails arrived hours late", "SEV3", debrief.StatusClosed, searchDay(2024, 8, 19, 13), "notifications"))
	body := searchPostmortem(&c.kafkaBody.ID, "Order confirmation emails arrived hours late",
		"Customers received their order confirmations up to four hours late.",
		"A consumer on the Kafka cluster stopped committing offsets after a rebalance.")
	createPostmortem(t, s, body)

	c.checkout = searchIncident("Checkout API returned 500s for EU customers", "SEV1", debrief.StatusResolved, searchDay(2024, 3, 5, 14), "checkout", "payments")
	c.checkout.Labels = []string{"database"}
	c.checkout.Impact = "About 4% of checkouts failed for 42 minutes."
	c.checkout.Roles.Commander = "carol@example.com"
	createIncident(t, s, c.checkout)
	_, err := s.AddTimelineEvents(ctx, c.checkout.ID, []*debrief.TimelineEvent{
		searchAlertEvent(searchDay(2024, 3, 5, 14), "HighErrorRate", "Alert fired: HighErrorRate (instance web-1): checkout 5xx above 2%"),
		newEvent(0, "Rolled back the connection pool change"),
	}, nil, rev(debrief.EntityIncident, c.checkout.ID, 0, "timeline.add"))
	must(t, err, "AddTimelineEvents(checkout)")
	c.checkoutPM = createPostmortem(t, s, searchPostmortem(&c.checkout.ID, "Checkout API returned 500s for 42 minutes",
		"The database connection pool was exhausted, so checkout requests failed with 500s.",
		"A config change lowered the pool limit; retries from the payment worker filled the pool.",
		"Connection pool too small", "Missing alert on pool saturation"))
	createActionItem(t, s, newActionItem(&c.checkout.ID, nil, 1))

	c.checkoutRepeat = createIncident(t, s, searchIncident("Checkout latency spiked during the spring sale", "SEV2", debrief.StatusResolved, searchDay(2025, 4, 2, 10), "checkout"))
	_, err = s.AddTimelineEvents(ctx, c.checkoutRepeat.ID, []*debrief.TimelineEvent{
		searchAlertEvent(searchDay(2025, 4, 2, 10), "HighErrorRate", "Alert fired: HighErrorRate (instance web-3)"),
	}, nil, rev(debrief.EntityIncident, c.checkoutRepeat.ID, 0, "timeline.add"))
	must(t, err, "AddTimelineEvents(checkoutRepeat)")
	createPostmortem(t, s, searchPostmortem(&c.checkoutRepeat.ID, "Checkout latency spiked during the spring sale",
		"Checkout took ten seconds for a third of shoppers.", "The pool filled up again under sale traffic.",
		"connection pool too small"))

	c.private = searchIncident("Payroll export sent salaries to the wrong team", "SEV2", debrief.StatusClosed, searchDay(2025, 3, 5, 8), "payroll")
	c.private.Private, c.private.Members = true, []string{"dana@example.com"}
	createIncident(t, s, c.private)

	pm := searchPostmortem(nil, "Migration to the new billing platform", "We moved all invoices to the new billing platform in six weeks.", "")
	pm.Kind, pm.Template, pm.Status, pm.Owner = debrief.KindProject, "project", debrief.PostmortemPublished, "pat@example.com"
	pm.Project = &debrief.Project{LiveFrom: ptr(searchDay(2025, 2, 10, 0)), Feedback: []debrief.Feedback{}}
	pm.PublishedAt = ptr(searchDay(2025, 5, 6, 12))
	c.project = createPostmortem(t, s, pm)
	return c
}

// runSearch parses and runs q for viewer.
func searchRun(t *testing.T, s debrief.Store, q string, viewer debrief.Actor) *debrief.SearchResults {
	t.Helper()
	parsed, err := search.Parse(q, nil)
	if err != nil {
		t.Fatalf("search.Parse(%q) = %v", q, err)
	}
	res, err := searchStore(t, s).Search(ctxOf(t), parsed, viewer)
	if err != nil {
		t.Fatalf("Search(%q) = %v, want results", q, err)
	}
	return res
}

func searchHitKeys(res *debrief.SearchResults) []string {
	out := []string{}
	for _, h := range res.Hits {
		out = append(out, h.Key)
	}
	return out
}

func searchSortedKeys(res *debrief.SearchResults) []string {
	out := searchHitKeys(res)
	sort.Strings(out)
	return out
}

func searchKeysOf(items ...any) []string {
	out := []string{}
	for _, it := range items {
		switch v := it.(type) {
		case *debrief.Incident:
			out = append(out, v.Key)
		case *debrief.Postmortem:
			out = append(out, v.Key)
		}
	}
	sort.Strings(out)
	return out
}

func testSearchQueries(t *testing.T, open Opener) {
	s := open(t)
	c := newSearchCorpus(t, s)
	tests := []struct {
		q    string
		want []string
	}{
		{"kafka", searchKeysOf(c.kafkaTitle, c.kafkaBody)},
		{"KAFKA consumer", searchKeysOf(c.kafkaTitle, c.kafkaBody)},
		{`"consumer lag"`, searchKeysOf(c.kafkaTitle)},
		{`"lag consumer"`, searchKeysOf()},
		{"kaf*", searchKeysOf(c.kafkaTitle, c.kafkaBody)},
		{"kafka -lag", searchKeysOf(c.kafkaBody)},
		{"kafka OR payroll", searchKeysOf(c.kafkaTitle, c.kafkaBody, c.private)},
		{"checkout", searchKeysOf(c.checkout, c.checkoutRepeat)},
		{"checkout-api", searchKeysOf(c.checkout)},
		{"higherrorrate", searchKeysOf(c.checkout, c.checkoutRepeat)},     // timeline
		{"saturation", searchKeysOf(c.checkout)},                          // contributing factor
		{`"checkout error rate"`, searchKeysOf(c.checkout)},               // action item
		{"invoices", searchKeysOf(c.project)},                             // project summary
		{"severity:1", searchKeysOf(c.checkout)},                          // filter only
		{"severity:SEV3 emails", searchKeysOf(c.kafkaTitle, c.kafkaBody)}, // filter and words
		{"service:checkout", searchKeysOf(c.checkout, c.checkoutRepeat)},  // tag
		{"service:checkout service:payments", searchKeysOf(c.checkout)},   // each list must match
		{"service:payments,notifications", searchKeysOf(c.kafkaTitle, c.kafkaBody, c.checkout)},
		{"label:Database", searchKeysOf(c.checkout)},
		{"status:closed", searchKeysOf(c.kafkaBody, c.private)},
		{"status:published", searchKeysOf(c.project)},
		{"owner:pat@example.com", searchKeysOf(c.project)},
		{"kind:project", searchKeysOf(c.project)},
		{"kind:incident after:2025-01-01", searchKeysOf(c.checkoutRepeat, c.private)},
		{"before:2024 kafka", searchKeysOf(c.kafkaTitle)},
		{"has:action-items-open", searchKeysOf(c.checkout)},
		{"checkout -sale", searchKeysOf(c.checkout)},
		{"-sale service:checkout", searchKeysOf(c.checkout)},
		{"nothingmatchesthis", searchKeysOf()},
		{"zu*", searchKeysOf()},
	}
	for _, tt := range tests {
		res := searchRun(t, s, tt.q, searchAdmin)
		if diff := cmp.Diff(tt.want, searchSortedKeys(res)); diff != "" {
			t.Errorf("Search(%q) keys (-want +got):\n%s", tt.q, diff)
		}
		if res.Total != len(tt.want) {
			t.Errorf("Search(%q).Total = %d, want %d", tt.q, res.Total, len(tt.want))
		}
	}
}

// testSearchRanking checks that a title match outranks a body match and
// that filters alone list newest first.
func testSearchRanking(t *testing.T, open Opener) {
	s := open(t)
	c := newSearchCorpus(t, s)
	if got, want := searchHitKeys(searchRun(t, s, "kafka", searchAdmin)), []string{c.kafkaTitle.Key, c.kafkaBody.Key}; !cmp.Equal(got, want) {
		t.Errorf("Search(kafka) order = %v, want the title match %s before the body match %s", got, c.kafkaTitle.Key, c.kafkaBody.Key)
	}
	if got, want := searchHitKeys(searchRun(t, s, "service:notifications", searchAdmin)), []string{c.kafkaBody.Key, c.kafkaTitle.Key}; !cmp.Equal(got, want) {
		t.Errorf("Search(service:notifications) order = %v, want newest first %v", got, want)
	}
	parsed, _ := search.Parse("service:checkout,notifications", nil)
	parsed.Limit, parsed.Offset = 2, 2
	res, err := searchStore(t, s).Search(ctxOf(t), parsed, searchAdmin)
	must(t, err, "Search(page 2)")
	// Newest first: checkoutRepeat, kafkaBody, checkout, kafkaTitle.
	if got, want := searchHitKeys(res), []string{c.checkout.Key, c.kafkaTitle.Key}; !cmp.Equal(got, want) || res.Total != 4 {
		t.Errorf("Search(service:checkout,notifications limit 2 offset 2) = %v of %d, want %v of 4", got, res.Total, want)
	}
}

func testSearchSnippetsAndFacets(t *testing.T, open Opener) {
	s := open(t)
	c := newSearchCorpus(t, s)
	res := searchRun(t, s, "saturation", searchAdmin)
	if len(res.Hits) != 1 {
		t.Fatalf("Search(saturation) = %v, want one hit", searchHitKeys(res))
	}
	h := res.Hits[0]
	if h.Field != "contributing_factors" || h.Title != c.checkoutPM.Title || h.PostmortemID == nil || *h.PostmortemID != c.checkoutPM.ID {
		t.Errorf("Search(saturation) hit field %q title %q postmortem %v, want contributing_factors, %q, %d", h.Field, h.Title, h.PostmortemID, c.checkoutPM.Title, c.checkoutPM.ID)
	}
	if len(h.Highlights) != 1 || h.Snippet[h.Highlights[0].Start:h.Highlights[0].End] != "saturation" {
		t.Errorf("Search(saturation) snippet %q highlights %v, want one highlight on 'saturation'", h.Snippet, h.Highlights)
	}
	if res := searchRun(t, s, "kafka", searchAdmin); res.Hits[0].Field != "title" || res.Hits[1].Field != "section:root-cause" {
		t.Errorf("Search(kafka) fields = %q, %q; want title then section:root-cause", res.Hits[0].Field, res.Hits[1].Field)
	}

	res = searchRun(t, s, "kind:incident", searchAdmin)
	want := debrief.SearchFacets{
		Severity: []debrief.FacetCount{{Value: "SEV2", Count: 2}, {Value: "SEV3", Count: 2}, {Value: "SEV1", Count: 1}},
		Service: []debrief.FacetCount{{Value: "checkout", Count: 2}, {Value: "notifications", Count: 2},
			{Value: "payments", Count: 1}, {Value: "payroll", Count: 1}},
		Year:   []debrief.FacetCount{{Value: "2025", Count: 2}, {Value: "2024", Count: 2}, {Value: "2023", Count: 1}},
		Factor: []debrief.FacetCount{{Value: "connection pool too small", Count: 2}, {Value: "missing alert on pool saturation", Count: 1}},
	}
	if diff := cmp.Diff(want, res.Facets); diff != "" {
		t.Errorf("Search(kind:incident) facets (-want +got):\n%s", diff)
	}
}

func testSearchPrivate(t *testing.T, open Opener) {
	s := open(t)
	c := newSearchCorpus(t, s)
	for _, tt := range []struct {
		who    debrief.Actor
		want   []string
		reason string
	}{
		{searchAdmin, searchKeysOf(c.private), "admins see every incident"},
		{debrief.Actor{Email: "Dana@Example.com", Role: debrief.RoleViewer}, searchKeysOf(c.private), "members see private incidents"},
		{searchViewer, searchKeysOf(), "others do not"},
		{debrief.Actor{Role: debrief.RoleResponder}, searchKeysOf(), "an actor without an email is no member"},
	} {
		res := searchRun(t, s, "payroll", tt.who)
		if diff := cmp.Diff(tt.want, searchSortedKeys(res)); diff != "" || res.Total != len(tt.want) {
			t.Errorf("Search(payroll) as %s = %v (total %d), want %v: %s", tt.who.Email, searchSortedKeys(res), res.Total, tt.want, tt.reason)
		}
		facetTotal := 0
		for _, f := range searchRun(t, s, "after:2000", tt.who).Facets.Service {
			if f.Value == "payroll" {
				facetTotal += f.Count
			}
		}
		if facetTotal != len(tt.want) {
			t.Errorf("Search(after:2000) as %s counts payroll %d times in facets, want %d: %s", tt.who.Email, facetTotal, len(tt.want), tt.reason)
		}
	}
}

// testSearchInStep checks that every kind of write changes what search
// finds, in the same transaction (no reindex in between).
func testSearchInStep(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	find := func(q string) []string {
		t.Helper()
		return searchSortedKeys(searchRun(t, s, q, searchAdmin))
	}
	expect := func(step, q string, want []string) {
		t.Helper()
		if got := find(q); !cmp.Equal(got, want) {
			t.Errorf("after %s: Search(%q) = %v, want %v", step, q, got, want)
		}
	}
	inc := createIncident(t, s, searchIncident("Redis failover dropped sessions", "SEV2", debrief.StatusInvestigating, searchDay(2025, 1, 2, 3), "sessions"))
	expect("CreateIncident", "redis", searchKeysOf(inc))

	old := *inc
	inc.Title = "Memcached failover dropped sessions"
	must(t, s.UpdateIncident(ctx, inc, old.Version, rev(debrief.EntityIncident, inc.ID, 2, "update")), "UpdateIncident")
	expect("UpdateIncident", "redis", searchKeysOf())
	expect("UpdateIncident", "memcached", searchKeysOf(inc))

	_, err := s.AddTimelineEvents(ctx, inc.ID, []*debrief.TimelineEvent{newEvent(0, "Paged the storage on-call about sentinel quorum")}, nil,
		rev(debrief.EntityIncident, inc.ID, 0, "timeline.add"))
	must(t, err, "AddTimelineEvents")
	expect("AddTimelineEvents", "sentinel", searchKeysOf(inc))
	events, err := s.ListTimeline(ctx, inc.ID, debrief.TimelineFilter{})
	must(t, err, "ListTimeline")
	ev := events[0]
	ev.Text = "Paged the storage on-call about replica quorum"
	must(t, s.UpdateTimelineEvent(ctx, ev, ev.Version, rev(debrief.EntityTimeline, ev.ID, ev.Version+1, "update")), "UpdateTimelineEvent")
	expect("UpdateTimelineEvent", "sentinel", searchKeysOf())
	expect("UpdateTimelineEvent", "replica", searchKeysOf(inc))
	must(t, s.DeleteTimelineEvent(ctx, ev.ID, ev.Version, rev(debrief.EntityTimeline, ev.ID, 0, "delete")), "DeleteTimelineEvent")
	expect("DeleteTimelineEvent", "replica", searchKeysOf())

	pm := createPostmortem(t, s, searchPostmortem(&inc.ID, "Memcached failover dropped sessions", "Sessions were lost.", "Keepalived flapped.", "No failover drill"))
	expect("CreatePostmortem", "keepalived", searchKeysOf(inc))
	pm.RootCause = "A firewall rule blocked VRRP."
	pm.Sections[1].Body = pm.RootCause
	must(t, s.UpdatePostmortem(ctx, pm, pm.Version, rev(debrief.EntityPostmortem, pm.ID, pm.Version+1, "update")), "UpdatePostmortem")
	expect("UpdatePostmortem", "keepalived", searchKeysOf())
	expect("UpdatePostmortem", "vrrp", searchKeysOf(inc))

	item := newActionItem(&inc.ID, nil, 7)
	item.Title = "Run a quarterly failover drill"
	createActionItem(t, s, item)
	expect("CreateActionItem", "quarterly", searchKeysOf(inc))
	expect("CreateActionItem", "has:action-items-open memcached", searchKeysOf(inc))
	item.Status = debrief.ActionDone
	must(t, s.UpdateActionItem(ctx, item, item.Version, rev(debrief.EntityActionItem, item.ID, item.Version+1, "update")), "UpdateActionItem")
	expect("UpdateActionItem(done)", "has:action-items-open memcached", searchKeysOf())
	must(t, s.DeleteActionItem(ctx, item.ID, item.Version, rev(debrief.EntityActionItem, item.ID, 0, "delete")), "DeleteActionItem")
	expect("DeleteActionItem", "quarterly", searchKeysOf())

	must(t, s.DeletePostmortem(ctx, pm.ID, pm.Version, rev(debrief.EntityPostmortem, pm.ID, 0, "delete")), "DeletePostmortem")
	expect("DeletePostmortem", "vrrp", searchKeysOf())
	expect("DeletePostmortem", "memcached", searchKeysOf(inc))

	must(t, s.DeleteIncident(ctx, inc.ID, inc.Version, rev(debrief.EntityIncident, inc.ID, 0, "delete")), "DeleteIncident")
	expect("DeleteIncident", "memcached", searchKeysOf())
	expect("DeleteIncident", "service:sessions", searchKeysOf())

	project := searchPostmortem(nil, "Warehouse scanner rollout", "We replaced every handheld scanner.", "")
	project.Kind, project.Template = debrief.KindProject, "project"
	project.Project = &debrief.Project{Feedback: []debrief.Feedback{}}
	createPostmortem(t, s, project)
	expect("CreatePostmortem(project)", "scanner", searchKeysOf(project))
	must(t, s.DeletePostmortem(ctx, project.ID, project.Version, rev(debrief.EntityPostmortem, project.ID, 0, "delete")), "DeletePostmortem(project)")
	expect("DeletePostmortem(project)", "scanner", searchKeysOf())
}

// testSearchLongTimeline: an alert storm's timeline is longer than the
// index keeps of a document (40,000 tokens of timeline and action items);
// the action items, written after the storm, must still be found, as must
// the early events, and a snippet shows the match.
func testSearchLongTimeline(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, searchIncident("Disk alerts flooded the pager", "SEV2", debrief.StatusInvestigating, searchDay(2025, 3, 1, 0), "storage"))
	events := make([]*debrief.TimelineEvent, 0, 6000)
	for i := range 6000 {
		alert, text := "DiskFull", fmt.Sprintf("Alert fired: DiskFull (instance storage-%d): volume usage above ninety percent on the node", i)
		if i == 0 {
			alert, text = "ZfsScrubStalled", "Alert fired: ZfsScrubStalled (instance storage-0): scrub made no progress"
		}
		events = append(events, searchAlertEvent(searchDay(2025, 3, 1, 0).Add(time.Duration(i)*time.Second), alert, text))
	}
	_, err := s.AddTimelineEvents(ctx, inc.ID, events, nil, rev(debrief.EntityIncident, inc.ID, 0, "timeline.add"))
	must(t, err, "AddTimelineEvents(6,000 events)")
	item := newActionItem(&inc.ID, nil, 1)
	item.Title = "Throttle duplicate disk pages with inhibition rules"
	createActionItem(t, s, item)
	for _, q := range []string{"inhibition", "zfsscrubstalled", "storage-17", "diskfull"} {
		res := searchRun(t, s, q, searchAdmin)
		if got := searchHitKeys(res); !cmp.Equal(got, searchKeysOf(inc)) {
			t.Errorf("Search(%q) over a 6,000-event timeline = %v, want %v", q, got, searchKeysOf(inc))
		}
	}
	res := searchRun(t, s, "inhibition", searchAdmin)
	if len(res.Hits) == 1 && (res.Hits[0].Field != "action_items" || !strings.Contains(res.Hits[0].Snippet, "inhibition")) {
		t.Errorf("Search(inhibition) hit field %q snippet %q, want the action item", res.Hits[0].Field, res.Hits[0].Snippet)
	}
}

func testSearchReindex(t *testing.T, open Opener) {
	s := open(t)
	newSearchCorpus(t, s)
	queries := []string{"kafka", "checkout", "service:checkout", "kind:project", "invoices", "higherrorrate"}
	before := map[string][]string{}
	for _, q := range queries {
		before[q] = searchHitKeys(searchRun(t, s, q, searchAdmin))
	}
	n, err := searchStore(t, s).Reindex(ctxOf(t))
	must(t, err, "Reindex")
	if n != 6 {
		t.Errorf("Reindex() = %d documents, want 6 (5 incidents and 1 project postmortem)", n)
	}
	for _, q := range queries {
		if got := searchHitKeys(searchRun(t, s, q, searchAdmin)); !cmp.Equal(got, before[q]) {
			t.Errorf("Search(%q) after Reindex = %v, before %v; want the same", q, got, before[q])
		}
	}
}

func testSearchSimilar(t *testing.T, open Opener) {
	s := open(t)
	c := newSearchCorpus(t, s)
	ss := searchStore(t, s)
	got, err := ss.SimilarIncidents(ctxOf(t), debrief.SimilarProbe{IncidentID: c.checkoutRepeat.ID, Limit: 5}, searchAdmin)
	must(t, err, "SimilarIncidents(checkoutRepeat)")
	if len(got) == 0 || got[0].Incident.ID != c.checkout.ID {
		t.Fatalf("SimilarIncidents(%s) = %+v, want %s first", c.checkoutRepeat.Key, got, c.checkout.Key)
	}
	kinds := map[string][]string{}
	for _, r := range got[0].Reasons {
		kinds[r.Kind] = r.Shared
	}
	wantReasons := map[string][]string{"services": {"checkout"}, "contributing_factors": {"connection pool too small"}, "alerts": {"higherrorrate"}, "text": nil}
	if diff := cmp.Diff(wantReasons, kinds); diff != "" {
		t.Errorf("SimilarIncidents(%s)[0] reasons (-want +got):\n%s", c.checkoutRepeat.Key, diff)
	}
	for _, si := range got {
		if si.Incident.ID == c.checkoutRepeat.ID || !si.Incident.StartedAt.Before(c.checkoutRepeat.StartedAt) {
			t.Errorf("SimilarIncidents(%s) includes %s, which is not a past incident", c.checkoutRepeat.Key, si.Incident.Key)
		}
	}
	// The earliest incident has no past.
	got, err = ss.SimilarIncidents(ctxOf(t), debrief.SimilarProbe{IncidentID: c.kafkaTitle.ID, Limit: 5}, searchAdmin)
	must(t, err, "SimilarIncidents(first)")
	if len(got) != 0 {
		t.Errorf("SimilarIncidents(%s) = %d incidents, want none before the first", c.kafkaTitle.Key, len(got))
	}
	// Later incidents find earlier ones by text and service.
	got, err = ss.SimilarIncidents(ctxOf(t), debrief.SimilarProbe{IncidentID: c.kafkaBody.ID, Limit: 5}, searchAdmin)
	must(t, err, "SimilarIncidents(kafkaBody)")
	if len(got) != 1 || got[0].Incident.ID != c.kafkaTitle.ID {
		t.Errorf("SimilarIncidents(%s) = %+v, want %s", c.kafkaBody.Key, got, c.kafkaTitle.Key)
	}
	_, err = ss.SimilarIncidents(ctxOf(t), debrief.SimilarProbe{IncidentID: 999999, Limit: 5}, searchAdmin)
	wantCode(t, err, debrief.ENotFound, "SimilarIncidents(999999)")
}

// Two incidents whose titles share no word are alike by what their
// summaries say (a generator that did not start in a power loss); a third
// is about something else. Similar incidents used to read only the
// probe's title and found nothing.
func testSearchSimilarBySummary(t *testing.T, open Opener) {
	s := open(t)
	ss := searchStore(t, s)
	add := func(title, summary string, day int) *debrief.Incident {
		return similarIncident(t, s, title, summary, searchDay(2025, 6, day, 9))
	}
	other := add("Slow checkout pages", "A new cache setting made the checkout pages slow for an hour.", 1)
	power := add("Storage nodes went offline", "The generator failed to start during a utility power loss in the east datacenter.", 2)
	probe := add("Cluster unreachable for two hours", "Utility power loss; the backup generator did not start and the racks lost power.", 3)
	got, err := ss.SimilarIncidents(ctxOf(t), debrief.SimilarProbe{IncidentID: probe.ID, Limit: 5}, searchAdmin)
	must(t, err, "SimilarIncidents")
	if len(got) == 0 || got[0].Incident.ID != power.ID {
		t.Fatalf("SimilarIncidents(%s) = %+v, want %s first", probe.Key, got, power.Key)
	}
	for _, si := range got {
		if si.Incident.ID == other.ID {
			t.Errorf("SimilarIncidents(%s) includes %s, which shares no telling word", probe.Key, other.Key)
		}
	}
}

func testSearchDigests(t *testing.T, open Opener) {
	s := open(t)
	c := newSearchCorpus(t, s)
	ss := searchStore(t, s)
	now := searchDay(2026, 3, 5, 12)
	for _, tt := range []struct {
		who  debrief.Actor
		want []string
	}{
		{searchAdmin, []string{c.private.Key, c.checkout.Key, c.kafkaTitle.Key}},
		{searchViewer, []string{c.checkout.Key, c.kafkaTitle.Key}},
	} {
		got, err := ss.IncidentsOnDay(ctxOf(t), time.March, 5, now, tt.who, 0)
		must(t, err, "IncidentsOnDay")
		var keys []string
		var years []int
		for _, e := range got {
			keys = append(keys, e.Key)
			years = append(years, e.YearsAgo)
		}
		if !cmp.Equal(keys, tt.want) {
			t.Errorf("IncidentsOnDay(March 5, 2026) as %s = %v, want %v", tt.who.Email, keys, tt.want)
		}
		if tt.who == searchAdmin && !cmp.Equal(years, []int{1, 2, 3}) {
			t.Errorf("IncidentsOnDay years ago = %v, want [1 2 3]", years)
		}
		// A limit keeps the newest, after visibility: the home page asks for
		// one more than it shows, to know whether to link to the rest.
		first, err := ss.IncidentsOnDay(ctxOf(t), time.March, 5, now, tt.who, 1)
		must(t, err, "IncidentsOnDay limit 1")
		if len(first) != 1 || first[0].Key != tt.want[0] {
			t.Errorf("IncidentsOnDay(March 5, 2026, limit 1) as %s = %v, want %s", tt.who.Email, first, tt.want[0])
		}
	}
	got, err := ss.PublishedPostmortems(ctxOf(t), searchDay(2025, 5, 1, 0), searchDay(2025, 5, 8, 0), searchViewer)
	must(t, err, "PublishedPostmortems")
	if len(got) != 1 || got[0].Key != c.project.Key || !strings.Contains(got[0].Summary, "billing platform") || got[0].PublishedAt == nil {
		t.Errorf("PublishedPostmortems(week of May 1 2025) = %+v, want %s with its summary", got, c.project.Key)
	}
	got, err = ss.PublishedPostmortems(ctxOf(t), searchDay(2025, 5, 8, 0), searchDay(2025, 5, 15, 0), searchViewer)
	must(t, err, "PublishedPostmortems(next week)")
	if len(got) != 0 {
		t.Errorf("PublishedPostmortems(week of May 8 2025) = %d entries, want none", len(got))
	}
}
