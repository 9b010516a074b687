package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("SimilarTextRelevance", testSimilarTextRelevance)
}

// testSimilarTextRelevance checks how the text component ranks: a short
// summary about the probe's matter comes before a long one that mentions
// it among many other things, and a text that repeats one of the probe's
// words over and over does not come before one that shares two of them.
func testSimilarTextRelevance(t *testing.T, open Opener) {
	s := open(t)
	ss := searchStore(t, s)
	add := func(title, summary string, day int) *debrief.Incident {
		return similarIncident(t, s, title, summary, searchDay(2025, 7, day, 9))
	}
	long := add("Quarterly platform review findings",
		"The review covered billing exports, onboarding emails, the mobile release train, search ranking, invoice templates, "+
			"translation files, the analytics warehouse, badge printing, office wifi, the holiday rota, expense reports, "+
			"vendor contracts, and also a replication lag on the orders database.", 1)
	repeat := add("Replication checks", strings.Repeat("Replication replication replication. ", 6), 2)
	short := add("Stale reads", "Replication lag reached ten minutes.", 3)
	probe := add("Replication lag", "Replication lag grew to twenty minutes on the orders database.", 4)
	got, err := ss.SimilarIncidents(ctxOf(t), debrief.SimilarProbe{IncidentID: probe.ID, Limit: 5}, searchAdmin)
	must(t, err, "SimilarIncidents")
	rank := map[int64]int{}
	for i, si := range got {
		rank[si.Incident.ID] = i + 1
	}
	if rank[short.ID] != 1 {
		t.Fatalf("SimilarIncidents(%s) = %v, want %s first", probe.Key, similarKeys(got), short.Key)
	}
	for _, other := range []*debrief.Incident{long, repeat} {
		if r := rank[other.ID]; r != 0 && r < rank[short.ID] {
			t.Errorf("SimilarIncidents(%s) = %v: %s before %s", probe.Key, similarKeys(got), other.Key, short.Key)
		}
	}
}

// similarIncident records a closed incident that started at start, with a
// postmortem of the same title and the given summary.
func similarIncident(t *testing.T, s debrief.Store, title, summary string, start time.Time) *debrief.Incident {
	t.Helper()
	inc := createIncident(t, s, searchIncident(title, "SEV2", debrief.StatusClosed, start))
	createPostmortem(t, s, searchPostmortem(&inc.ID, title, summary, ""))
	return inc
}

func similarKeys(list []debrief.SimilarIncident) []string {
	var out []string
	for _, si := range list {
		out = append(out, si.Incident.Key)
	}
	return out
}
