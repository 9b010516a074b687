package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("SearchRankingAlike", testSearchRankingAlike)
}

// testSearchRankingAlike holds every engine to one ranking rule on a
// fixture corpus: documents that match in the title or summary first, a
// match in the title above one in the summary, then the others, a match in
// the body above one in the timeline. The wanted order is written out, so
// every store ranks the same query the same way.
func testSearchRankingAlike(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	day := searchDay(2024, 6, 3, 9)
	// Each record: title, summary (the postmortem's, "" for none), body
	// (its root cause) and a timeline line; all the same length, so that
	// where a word stands decides, not how long the document is.
	records := []struct{ name, title, summary, body, timeline string }{
		{"timeline", "Orders page was slow for shoppers", "Shoppers waited on the orders page.", "A cache node restarted.", "Replication alert fired on the standby"},
		{"title+summary", "Replication stalled on the orders database", "Replication to the standby stopped for an hour.", "A cache node restarted.", "Paged the on-call engineer"},
		{"body", "Reports were stale for two hours", "Reports showed old numbers all morning.", "Replication to the reporting standby stopped.", "Paged the on-call engineer"},
		{"summary", "Dashboards showed old numbers", "Replication to the reporting standby stopped.", "A cache node restarted.", "Paged the on-call engineer"},
		{"title", "Replication lag on the reporting standby", "Reports showed old numbers all morning.", "A cache node restarted.", "Paged the on-call engineer"},
		{"body, often", "Reports lagged behind", "Reports showed old numbers.", "Replication broke, replication retried, replication failed.", "Paged the on-call engineer"},
		{"none", "Checkout failed for card payments", "Card payments failed for an hour.", "A cache node restarted.", "Paged the on-call engineer"},
	}
	keys := map[string]string{}
	for i, r := range records {
		inc := createIncident(t, s, searchIncident(r.title, "SEV2", debrief.StatusResolved, day.AddDate(0, 0, i), "orders"))
		keys[r.name] = inc.Key
		_, err := s.AddTimelineEvents(ctx, inc.ID, []*debrief.TimelineEvent{newEvent(0, r.timeline)}, nil, rev(debrief.EntityIncident, inc.ID, 0, "timeline.add"))
		must(t, err, "AddTimelineEvents("+r.name+")")
		createPostmortem(t, s, searchPostmortem(&inc.ID, r.title, r.summary, r.body))
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		// A word three times in the body is still below one in the summary.
		{"replication", []string{"title+summary", "title", "summary", "body, often", "body", "timeline"}},
		// Both words in the title beat one in the title, one in the summary.
		{"replication standby", []string{"title", "title+summary", "summary", "body", "timeline"}},
		// The phrase is in two summaries alike (the newer first), then a body.
		{`"replication to"`, []string{"summary", "title+summary", "body"}},
		{"replic*", []string{"title+summary", "title", "summary", "body, often", "body", "timeline"}},
	} {
		var want []string
		for _, name := range tc.want {
			want = append(want, keys[name])
		}
		got := searchHitKeys(searchRun(t, s, tc.q, searchAdmin))
		if !cmp.Equal(got, want) {
			t.Errorf("Search(%q) order = %v, want %v (%v)", tc.q, got, want, tc.want)
		}
	}
}
