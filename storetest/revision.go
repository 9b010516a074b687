package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func testRevisions(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	other := createIncident(t, s, newIncident(2))
	cur := inc
	var want []*debrief.Revision
	want = append(want, revisionsOf(t, s, debrief.EntityIncident, inc.ID)...)
	for i := range 12 {
		next := *cur
		next.Title = fmt.Sprintf("Title %d", i)
		r := rev(debrief.EntityIncident, inc.ID, cur.Version+1, "update")
		r.At = at(time.Duration(i) * time.Second)
		r.Changes = []debrief.Change{{Field: "title", Old: []byte(fmt.Sprintf("%q", cur.Title)), New: []byte(fmt.Sprintf("%q", next.Title))}}
		must(t, s.UpdateIncident(ctx, &next, cur.Version, r), "UpdateIncident")
		want = append([]*debrief.Revision{r}, want...)
		cur = &next
	}
	// A revision without changes round-trips as well.
	otherNext := *other
	otherNext.Title = "Other"
	r := rev(debrief.EntityIncident, other.ID, 2, "update")
	r.Changes = nil
	must(t, s.UpdateIncident(ctx, &otherNext, 1, r), "UpdateIncident(other)")

	var got []*debrief.Revision
	f := debrief.RevisionFilter{EntityType: debrief.EntityIncident, EntityID: inc.ID, Limit: 5}
	for pages := 0; ; pages++ {
		p, err := s.ListRevisions(ctx, f)
		must(t, err, "ListRevisions")
		if pages > 0 && len(p.Items) == 0 {
			t.Fatalf("ListRevisions returned an empty page after a cursor")
		}
		got = append(got, p.Items...)
		if p.NextCursor == "" {
			break
		}
		f.After = p.NextCursor
	}
	wantEqual(t, "ListRevisions paged by 5 (newest first)", want, got)
	p, err := s.ListRevisions(ctx, debrief.RevisionFilter{EntityType: debrief.EntityIncident, EntityID: other.ID})
	must(t, err, "ListRevisions(other)")
	if len(p.Items) != 2 {
		t.Fatalf("ListRevisions(other) = %d, want 2", len(p.Items))
	}
	wantEqual(t, "revision without changes", r, p.Items[0])
	p, err = s.ListRevisions(ctx, debrief.RevisionFilter{EntityType: debrief.EntityPostmortem, EntityID: inc.ID})
	must(t, err, "ListRevisions(postmortem with the incident's ID)")
	if len(p.Items) != 0 {
		t.Errorf("ListRevisions(postmortem %d) returned the incident's revisions", inc.ID)
	}
	_, err = s.ListRevisions(ctx, debrief.RevisionFilter{After: "abc"})
	wantCode(t, err, debrief.EInvalid, "ListRevisions(After: abc)")
}

// testConcurrentUpdates starts 20 updates of one incident from the same
// version at once: exactly one may win, the rest must get EConflict, and the
// history must show exactly one update.
func testConcurrentUpdates(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := *inc
			next.Title = fmt.Sprintf("Writer %d", i)
			next.Services = []string{fmt.Sprintf("svc-%d", i)}
			<-start
			errs[i] = s.UpdateIncident(ctx, &next, 1, rev(debrief.EntityIncident, inc.ID, 2, "update"))
		}()
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch debrief.ErrorCode(err) {
		case "":
			if winner >= 0 {
				t.Fatalf("writers %d and %d both updated version 1", winner, i)
			}
			winner = i
		case debrief.EConflict:
		default:
			t.Fatalf("writer %d: UpdateIncident(v=1) = %v, want success or EConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatalf("none of %d concurrent UpdateIncident(v=1) calls succeeded, want exactly one", n)
	}
	got, err := s.Incident(ctx, inc.ID)
	must(t, err, "Incident")
	if got.Version != 2 || got.Title != fmt.Sprintf("Writer %d", winner) {
		t.Errorf("after the race the incident is %q at version %d, want the winner's %q at 2", got.Title, got.Version, fmt.Sprintf("Writer %d", winner))
	}
	if !slices.Equal(got.Services, []string{fmt.Sprintf("svc-%d", winner)}) {
		t.Errorf("after the race the services are %v, want the winner's", got.Services)
	}
	p, err := s.ListIncidents(ctx, debrief.IncidentFilter{Service: fmt.Sprintf("svc-%d", winner)})
	must(t, err, "ListIncidents(winner's service)")
	if len(p.Items) != 1 {
		t.Errorf("the winner's service finds %d incidents, want 1", len(p.Items))
	}
	if revs := revisionsOf(t, s, debrief.EntityIncident, inc.ID); len(revs) != 2 {
		t.Errorf("revisions after the race = %v, want [update create]", actions(revs))
	}
}

// testConcurrentCreates creates records from many goroutines at once; all
// must succeed with distinct IDs (writers queue, they do not fail busy).
func testConcurrentCreates(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	const n = 40
	var wg sync.WaitGroup
	ids := make([]int64, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inc := newIncident(i)
			if errs[i] = s.CreateIncident(ctx, inc, rev(debrief.EntityIncident, 0, 1, "create")); errs[i] != nil {
				return
			}
			ids[i] = inc.ID
			_, errs[i] = s.AddTimelineEvents(ctx, inc.ID, []*debrief.TimelineEvent{newEvent(0, "x")}, nil, nil)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		must(t, err, fmt.Sprintf("goroutine %d: CreateIncident+AddTimelineEvents", i))
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != n {
		t.Errorf("%d concurrent creates produced duplicate IDs: %v", n, ids)
	}
	p, err := s.ListIncidents(ctx, debrief.IncidentFilter{Limit: 100})
	must(t, err, "ListIncidents")
	if len(p.Items) != n {
		t.Errorf("ListIncidents after %d concurrent creates = %d", n, len(p.Items))
	}
}
