package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("ServiceProjectParts", testServiceProjectParts)
	Register("ServiceProjectFeedbackConcurrent", testServiceProjectFeedbackConcurrent)
}

func newProjectService(t *testing.T, s debrief.Store) (*debrief.Service, *debrief.Postmortem) {
	t.Helper()
	svc := debrief.NewService(s, debrief.WithClock(tickingClock()))
	pm, err := svc.CreatePostmortem(debrief.WithActor(ctxOf(t), actor("lead@example.com")), debrief.NewPostmortem{Title: "Launch of one-click checkout"})
	must(t, err, "CreatePostmortem(project)")
	return svc, pm
}

// testServiceProjectParts checks a project postmortem's parts: each saves
// against its own version, so saving the dates does not make the metrics
// stale; a stale save of the same part is EConflict with the stored
// postmortem; each person has one feedback entry that only they change;
// bad metrics are refused with nothing written; an incident postmortem has
// no project parts.
func testServiceProjectParts(t *testing.T, open Opener) {
	svc, pm := newProjectService(t, open(t))
	lead := debrief.WithActor(ctxOf(t), actor("lead@example.com"))
	from, until := base.AddDate(0, -2, 0), base.AddDate(0, -1, 0)
	got, err := svc.SetProjectDates(lead, pm.ID, &from, &until, 0)
	must(t, err, "SetProjectDates(base 0)")
	if !got.Project.LiveFrom.Equal(from) || !got.Project.LiveUntil.Equal(until) || got.Project.DatesVersion != got.Version {
		t.Fatalf("SetProjectDates = %+v at v%d; want the dates at the new version", got.Project, got.Version)
	}
	// The metrics were loaded before the dates were saved: not stale.
	f := func(v float64) *float64 { return &v }
	metrics := []debrief.Metric{{Name: " Checkout conversion ", Unit: "%", Baseline: f(2.1), Target: f(3), Result: f(3.4)}, {Name: "p99 latency", Unit: "ms", Baseline: f(900), Target: f(400)}}
	got, err = svc.SetProjectMetrics(lead, pm.ID, metrics, 0)
	must(t, err, "SetProjectMetrics(base 0) after the dates")
	if len(got.Project.Metrics) != 2 || got.Project.Metrics[0].Name != "Checkout conversion" || *got.Project.Metrics[0].Result != 3.4 || got.Project.Metrics[1].Result != nil {
		t.Fatalf("SetProjectMetrics stored %+v", got.Project.Metrics)
	}
	if !got.Project.LiveFrom.Equal(from) {
		t.Fatalf("saving the metrics lost the dates: %+v", got.Project)
	}
	metricsVersion := got.Project.MetricsVersion
	_, err = svc.SetProjectMetrics(lead, pm.ID, metrics[:1], 0)
	if cur, ok := conflictCurrent(t, err, "SetProjectMetrics(stale base 0)").(*debrief.Postmortem); !ok || len(cur.Project.Metrics) != 2 {
		t.Fatalf("the stale metrics save's conflict carries %#v; want the stored postmortem with both metrics", cur)
	}
	_, err = svc.SetProjectDates(lead, pm.ID, nil, nil, 0)
	conflictCurrent(t, err, "SetProjectDates(stale base 0)")

	// Refused input writes nothing.
	for name, bad := range map[string][]debrief.Metric{
		"no name":    {{Name: "  ", Unit: "%"}},
		"long unit":  {{Name: "Conversion", Unit: string(make([]byte, 41))}},
		"NUL":        {{Name: "Conver\x00sion"}},
		"too many":   make([]debrief.Metric, debrief.MaxMetrics+1),
		"not finite": {{Name: "Conversion", Result: f(float64(1) / zero())}},
	} {
		_, err := svc.SetProjectMetrics(lead, pm.ID, bad, metricsVersion)
		wantCode(t, err, debrief.EInvalid, "SetProjectMetrics("+name+")")
	}
	_, err = svc.SetProjectDates(lead, pm.ID, &until, &from, got.Project.DatesVersion)
	wantCode(t, err, debrief.EUnprocessable, "SetProjectDates(ends before it starts)")
	cur, err := svc.Postmortem(lead, pm.ID)
	must(t, err, "Postmortem")
	if cur.Version != got.Version {
		t.Fatalf("refused saves moved the postmortem from v%d to v%d", got.Version, cur.Version)
	}

	// Feedback: one entry a person, each their own.
	people := []string{"ana@example.com", "ben@example.com", "cy@example.com"}
	for i, p := range people {
		_, err := svc.SetProjectFeedback(debrief.WithActor(ctxOf(t), actor(p)), pm.ID, fmt.Sprintf("Feedback %d", i), 0)
		must(t, err, "SetProjectFeedback("+p+", base 0)")
	}
	ana := debrief.WithActor(ctxOf(t), actor(people[0]))
	cur, _ = svc.Postmortem(lead, pm.ID)
	if len(cur.Project.Feedback) != 3 {
		t.Fatalf("after three people's feedback there are %d entries: %+v", len(cur.Project.Feedback), cur.Project.Feedback)
	}
	mine := cur.Project.FeedbackOf(people[0])
	if mine == nil || mine.Text != "Feedback 0" || mine.UpdatedAt == nil || mine.Version == 0 {
		t.Fatalf("ana's entry = %+v; want her text, when and a version", mine)
	}
	// Ana edits hers; a second, stale edit of hers conflicts.
	got, err = svc.SetProjectFeedback(ana, pm.ID, "Feedback 0, revised", mine.Version)
	must(t, err, "SetProjectFeedback(ana, her version)")
	_, err = svc.SetProjectFeedback(ana, pm.ID, "From another tab", mine.Version)
	conflictCurrent(t, err, "SetProjectFeedback(ana, stale version)")
	// Ben's entry is untouched by Ana's saves, and Ben cannot reach Ana's.
	if b := got.Project.FeedbackOf(people[1]); b == nil || b.Text != "Feedback 1" {
		t.Fatalf("ben's entry after ana's edit = %+v", b)
	}
	// Empty text withdraws one's own entry.
	got, err = svc.SetProjectFeedback(ana, pm.ID, "  ", got.Project.FeedbackOf(people[0]).Version)
	must(t, err, "SetProjectFeedback(ana, empty)")
	if got.Project.FeedbackOf(people[0]) != nil || len(got.Project.Feedback) != 2 {
		t.Fatalf("after ana withdrew hers the feedback is %+v", got.Project.Feedback)
	}

	// Each save is a revision in the history.
	revs, err := svc.ListRevisions(lead, debrief.RevisionFilter{EntityType: debrief.EntityPostmortem, EntityID: pm.ID, Limit: 100})
	must(t, err, "ListRevisions")
	if want := 1 + 2 + 3 + 2; len(revs.Items) != want {
		t.Errorf("revisions = %d, want %d (create, dates, metrics, three entries, an edit and a withdrawal)", len(revs.Items), want)
	}

	// A whole-postmortem update cannot rewrite someone's feedback, and a
	// change of the dates through it makes a stale dates save conflict.
	cur, _ = svc.Postmortem(lead, pm.ID)
	forged := cur.Project.Clone()
	forged.Feedback[0].Text = "Rewritten by the lead"
	_, err = svc.UpdatePostmortem(lead, pm.ID, debrief.PostmortemPatch{Project: forged}, cur.Version)
	wantCode(t, err, debrief.EInvalid, "UpdatePostmortem(project with another's feedback changed)")
	datesBase := cur.Project.DatesVersion
	later := until.AddDate(0, 0, 7)
	_, err = svc.UpdatePostmortem(lead, pm.ID, debrief.PostmortemPatch{Project: &debrief.Project{LiveFrom: &from, LiveUntil: &later}}, cur.Version)
	must(t, err, "UpdatePostmortem(project dates, feedback left out)")
	cur, _ = svc.Postmortem(lead, pm.ID)
	if len(cur.Project.Feedback) != 2 || len(cur.Project.Metrics) != 2 || !cur.Project.LiveUntil.Equal(later) {
		t.Fatalf("after a whole-postmortem update of the dates the project is %+v; want the feedback and metrics kept", cur.Project)
	}
	_, err = svc.SetProjectDates(lead, pm.ID, &from, &until, datesBase)
	conflictCurrent(t, err, "SetProjectDates(base before the whole-postmortem update)")

	// A viewer cannot save; an incident postmortem has no project parts.
	viewer := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "vi@example.com", Role: debrief.RoleViewer})
	_, err = svc.SetProjectFeedback(viewer, pm.ID, "Mine", 0)
	wantCode(t, err, debrief.EForbidden, "SetProjectFeedback(viewer)")
	inc, err := svc.CreateIncident(lead, &debrief.Incident{Title: "Checkout API returned 500s", Services: []string{"checkout"}})
	must(t, err, "CreateIncident")
	ipm, err := svc.CreatePostmortem(lead, debrief.NewPostmortem{IncidentID: &inc.ID})
	must(t, err, "CreatePostmortem(incident)")
	_, err = svc.SetProjectMetrics(lead, ipm.ID, metrics, 0)
	wantCode(t, err, debrief.EInvalid, "SetProjectMetrics(incident postmortem)")
}

func zero() float64 { return 0 }

// testServiceProjectFeedbackConcurrent has more people than any pool holds
// save their feedback at once, while the lead saves the metrics: every
// save lands, because none of them is about another's part.
func testServiceProjectFeedbackConcurrent(t *testing.T, open Opener) {
	svc, pm := newProjectService(t, open(t))
	const n = 24
	var wg sync.WaitGroup
	errs := make([]error, n+1)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := debrief.WithActor(ctxOf(t), actor(fmt.Sprintf("member%d@example.com", i)))
			<-start
			_, errs[i] = svc.SetProjectFeedback(ctx, pm.ID, fmt.Sprintf("Member %d's view.", i), 0)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-start
		_, errs[n] = svc.SetProjectMetrics(debrief.WithActor(ctxOf(t), actor("lead@example.com")), pm.ID, []debrief.Metric{{Name: "Adoption", Unit: "%"}}, 0)
	}()
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d = %v, want success (nobody saved another's part)", i, err)
		}
	}
	got, err := svc.Postmortem(debrief.WithActor(ctxOf(t), actor("lead@example.com")), pm.ID)
	must(t, err, "Postmortem")
	if len(got.Project.Feedback) != n || len(got.Project.Metrics) != 1 || got.Version != pm.Version+n+1 {
		t.Fatalf("after %d feedback saves and the metrics: %d entries, %d metrics, v%d; want %d, 1, v%d", n, len(got.Project.Feedback), len(got.Project.Metrics), got.Version, n, pm.Version+n+1)
	}
	for i := range n {
		if f := got.Project.FeedbackOf(fmt.Sprintf("member%d@example.com", i)); f == nil || f.Text != fmt.Sprintf("Member %d's view.", i) {
			t.Errorf("member %d's entry = %+v", i, f)
		}
	}
}
