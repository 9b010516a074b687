package storetest

import (
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("FactorSuggestions", testFactorSuggestions)
}

// testFactorSuggestions checks the team's factor vocabulary (counted over
// postmortems, private incidents left out) and the suggestions built from
// it and from a postmortem's text and timeline.
func testFactorSuggestions(t *testing.T, open Opener) {
	s := open(t)
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return base }))
	ctx := ctxOf(t)
	ada := debrief.WithActor(ctx, debrief.Actor{Email: "ada@example.com", Role: debrief.RoleResponder})

	tagged := func(title string, private bool, factors ...string) *debrief.Postmortem {
		t.Helper()
		inc, err := svc.CreateIncident(ada, &debrief.Incident{Title: title, Private: private})
		must(t, err, "CreateIncident")
		pm, err := svc.CreatePostmortem(ada, debrief.NewPostmortem{IncidentID: &inc.ID})
		must(t, err, "CreatePostmortem")
		if len(factors) > 0 {
			pm, err = svc.UpdatePostmortem(ada, pm.ID, debrief.PostmortemPatch{ContributingFactors: &factors}, pm.Version)
			must(t, err, "UpdatePostmortem(factors)")
		}
		return pm
	}
	tagged("Queue backlog after a worker upgrade", false, "queue-backlog", "deploy")
	tagged("Queue backlog again", false, "queue-backlog")
	tagged("Leaked key", true, "leaked-signing-key")

	counts, err := s.ContributingFactorCounts(ctx)
	must(t, err, "ContributingFactorCounts")
	want := []debrief.FacetCount{{Value: "queue-backlog", Count: 2}, {Value: "deploy", Count: 1}}
	wantEqual(t, "ContributingFactorCounts (private incident left out)", want, counts)

	pm := tagged("Invoices late for 3 hours", false)
	sections := pm.Sections
	sections[0].Body = "The invoice queue backlog grew after the TLS certificate of the billing API expired."
	pm, err = svc.UpdatePostmortem(ada, pm.ID, debrief.PostmortemPatch{Sections: &sections}, pm.Version)
	must(t, err, "UpdatePostmortem(summary)")
	_, err = svc.AddTimelineEvents(ada, *pm.IncidentID, []*debrief.TimelineEvent{{At: base, Text: "Rolled back the worker deploy"}}, debrief.AddEventsOptions{})
	must(t, err, "AddTimelineEvents")

	got, err := svc.FactorSuggestions(ada, pm.ID)
	must(t, err, "FactorSuggestions")
	byName := map[string]debrief.FactorSuggestion{}
	for _, f := range got {
		byName[f.Factor] = f
	}
	if f, ok := byName["queue-backlog"]; !ok || f.Used != 2 {
		t.Errorf("FactorSuggestions = %+v, want the team's queue-backlog (used twice)", got)
	}
	if f, ok := byName["certificate"]; !ok || !equalStrings(f.Words[:1], []string{"certificate"}) {
		t.Errorf("FactorSuggestions = %+v, want certificate triggered by \"certificate\"", got)
	}
	if f, ok := byName["deploy"]; !ok || f.Used != 1 {
		t.Errorf("FactorSuggestions = %+v, want deploy (from the timeline) with the team's count 1", got)
	}
	if _, ok := byName["leaked-signing-key"]; ok {
		t.Errorf("FactorSuggestions suggests a factor only a private incident uses: %+v", got)
	}

	viewer := debrief.WithActor(ctx, debrief.Actor{Email: "vic@example.com", Role: debrief.RoleViewer})
	_, err = svc.FactorSuggestions(viewer, 999999)
	wantCode(t, err, debrief.ENotFound, "FactorSuggestions(missing postmortem)")
}
