package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func testPostmortemRoundTrip(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	pm := newPostmortem(&inc.ID)
	pm.PublishedAt = ptr(at(5 * time.Hour))
	pm.Status = debrief.PostmortemPublished
	r := rev(debrief.EntityPostmortem, 0, 1, "create")
	must(t, s.CreatePostmortem(ctx, pm, r), "CreatePostmortem(incident)")
	if pm.ID <= 0 || pm.Version != 1 || pm.Key != fmt.Sprintf("PM-%d", pm.ID) {
		t.Fatalf("CreatePostmortem set ID %d Version %d Key %q, want an ID, 1, PM-<id>", pm.ID, pm.Version, pm.Key)
	}
	if r.ID <= 0 || r.EntityID != pm.ID {
		t.Fatalf("CreatePostmortem left revision ID %d EntityID %d, want a positive ID and %d", r.ID, r.EntityID, pm.ID)
	}
	project := createPostmortem(t, s, newPostmortem(nil))
	bare := newPostmortem(nil)
	bare.Project, bare.Sections, bare.ContributingFactors, bare.Lessons = nil, []debrief.Section{}, []string{}, debrief.Lessons{}
	createPostmortem(t, s, bare)
	for _, want := range []*debrief.Postmortem{pm, project, bare} {
		got, err := s.Postmortem(ctx, want.ID)
		must(t, err, fmt.Sprintf("Postmortem(%d)", want.ID))
		wantEqual(t, fmt.Sprintf("Postmortem(%d)", want.ID), want, got)
	}
	// What a read returns belongs to the caller: changing it changes
	// nothing the next read sees (stores may cache decoded documents).
	for range 2 {
		got, err := s.Postmortem(ctx, project.ID)
		must(t, err, "Postmortem(project)")
		got.Sections[0].Body = "changed by the caller"
		got.ContributingFactors[0] = "changed"
		got.Lessons.WentWell[0] = "changed"
		got.Project.Feedback[0].Text = "changed"
		*got.Project.LiveFrom = at(time.Hour)
	}
	got, err := s.Postmortem(ctx, project.ID)
	must(t, err, "Postmortem(project) after the caller changed an earlier result")
	wantEqual(t, "Postmortem(project) after the caller changed an earlier result", project, got)
	revs := revisionsOf(t, s, debrief.EntityPostmortem, pm.ID)
	if len(revs) != 1 {
		t.Fatalf("revisions of a new postmortem = %d, want 1", len(revs))
	}
	wantEqual(t, "postmortem create revision", r, revs[0])
}

func testPostmortemOnePerIncident(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	other := createIncident(t, s, newIncident(2))
	first := createPostmortem(t, s, newPostmortem(&inc.ID))
	err := s.CreatePostmortem(ctx, newPostmortem(&inc.ID), rev(debrief.EntityPostmortem, 0, 1, "create"))
	cur := conflictCurrent(t, err, "CreatePostmortem(second for one incident)")
	wantEqual(t, "EConflict Current", first, cur)
	// Moving another postmortem onto the same incident conflicts too.
	second := createPostmortem(t, s, newPostmortem(&other.ID))
	moved := *second
	moved.IncidentID = &inc.ID
	wantCode(t, s.UpdatePostmortem(ctx, &moved, 1, rev(debrief.EntityPostmortem, second.ID, 2, "update")), debrief.EConflict, "UpdatePostmortem(onto an incident that has one)")
	// Project postmortems have no incident and are not limited.
	createPostmortem(t, s, newPostmortem(nil))
	createPostmortem(t, s, newPostmortem(nil))
	p, err := s.ListPostmortems(ctx, debrief.PostmortemFilter{})
	must(t, err, "ListPostmortems")
	if len(p.Items) != 4 {
		t.Errorf("ListPostmortems = %d, want 4 (two incident, two project)", len(p.Items))
	}
	if n := len(revisionsOf(t, s, debrief.EntityPostmortem, 0)); n != 4 {
		t.Errorf("postmortem revisions = %d, want 4: rejected creates append none", n)
	}
}

func testPostmortemUpdateDelete(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	pm := createPostmortem(t, s, newPostmortem(&inc.ID))
	next := *pm
	next.Sections = append([]debrief.Section{}, pm.Sections...)
	next.Sections[0].Body = "Checkout failed for 42 minutes."
	next.Sections = append(next.Sections, debrief.Section{Key: "lessons", Heading: "Lessons", Body: "Alert earlier."})
	next.Status, next.PublishedAt, next.UpdatedAt = debrief.PostmortemPublished, ptr(at(9*time.Hour)), at(9*time.Hour)
	next.Lessons.GotLucky = []string{"it was a Sunday"}
	r := rev(debrief.EntityPostmortem, pm.ID, 2, "update")
	must(t, s.UpdatePostmortem(ctx, &next, 1, r), "UpdatePostmortem(v=1)")
	if next.Version != 2 || r.ID <= 0 {
		t.Fatalf("UpdatePostmortem set Version %d revision ID %d, want 2 and an ID", next.Version, r.ID)
	}
	got, err := s.Postmortem(ctx, pm.ID)
	must(t, err, "Postmortem")
	wantEqual(t, "Postmortem after update", &next, got)

	stale := *pm
	stale.Title = "stale"
	cur := conflictCurrent(t, s.UpdatePostmortem(ctx, &stale, 1, rev(debrief.EntityPostmortem, pm.ID, 2, "update")), "UpdatePostmortem(v=1) at v2")
	wantEqual(t, "EConflict Current", &next, cur)
	conflictCurrent(t, s.DeletePostmortem(ctx, pm.ID, 1, nil), "DeletePostmortem(v=1) at v2")
	if n := len(revisionsOf(t, s, debrief.EntityPostmortem, pm.ID)); n != 2 {
		t.Errorf("revisions after a conflict = %d, want 2", n)
	}
	missing := next
	missing.ID = 987654
	wantCode(t, s.UpdatePostmortem(ctx, &missing, 1, nil), debrief.ENotFound, "UpdatePostmortem(missing)")
	wantCode(t, s.DeletePostmortem(ctx, missing.ID, 1, nil), debrief.ENotFound, "DeletePostmortem(missing)")

	// Deleting an incident's postmortem keeps the incident's action items;
	// a project postmortem's items go with it.
	item := createActionItem(t, s, newActionItem(&inc.ID, &pm.ID, 1))
	project := createPostmortem(t, s, newPostmortem(nil))
	projectItem := createActionItem(t, s, newActionItem(nil, &project.ID, 2))
	must(t, s.DeletePostmortem(ctx, pm.ID, 2, rev(debrief.EntityPostmortem, pm.ID, 3, "delete")), "DeletePostmortem(v=2)")
	_, err = s.Postmortem(ctx, pm.ID)
	wantCode(t, err, debrief.ENotFound, "Postmortem after delete")
	kept, err := s.ActionItem(ctx, item.ID)
	must(t, err, "ActionItem of the incident after its postmortem was deleted")
	if kept.PostmortemID != nil || kept.IncidentID == nil || *kept.IncidentID != inc.ID {
		t.Errorf("action item after its postmortem was deleted: incident %v postmortem %v, want incident %d and no postmortem", kept.IncidentID, kept.PostmortemID, inc.ID)
	}
	must(t, s.DeletePostmortem(ctx, project.ID, 1, nil), "DeletePostmortem(project)")
	_, err = s.ActionItem(ctx, projectItem.ID)
	wantCode(t, err, debrief.ENotFound, "ActionItem of a deleted project postmortem")
	// The incident may have a new postmortem now.
	createPostmortem(t, s, newPostmortem(&inc.ID))
}

func pmIDs(items []*debrief.Postmortem) []int64 {
	out := make([]int64, 0, len(items))
	for _, p := range items {
		out = append(out, p.ID)
	}
	return out
}

func testPostmortemList(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	var all []*debrief.Postmortem
	statuses := []debrief.PostmortemStatus{debrief.PostmortemDraft, debrief.PostmortemInReview, debrief.PostmortemPublished}
	for i := range 15 {
		var pm *debrief.Postmortem
		if i%4 == 3 {
			pm = newPostmortem(nil)
		} else {
			inc := createIncident(t, s, newIncident(i))
			pm = newPostmortem(&inc.ID)
		}
		pm.Status = statuses[i%3]
		pm.Owner = fmt.Sprintf("owner-%d@example.com", i%2)
		pm.CreatedAt = at(time.Duration(i) * time.Hour)
		all = append(all, createPostmortem(t, s, pm))
	}
	from, to := at(4*time.Hour), at(11*time.Hour)
	cases := []struct {
		name string
		f    debrief.PostmortemFilter
		keep func(*debrief.Postmortem) bool
	}{
		{"all", debrief.PostmortemFilter{}, func(*debrief.Postmortem) bool { return true }},
		{"status", debrief.PostmortemFilter{Status: []debrief.PostmortemStatus{debrief.PostmortemPublished}},
			func(p *debrief.Postmortem) bool { return p.Status == debrief.PostmortemPublished }},
		{"two statuses", debrief.PostmortemFilter{Status: []debrief.PostmortemStatus{debrief.PostmortemDraft, debrief.PostmortemInReview}},
			func(p *debrief.Postmortem) bool { return p.Status != debrief.PostmortemPublished }},
		{"kind", debrief.PostmortemFilter{Kind: debrief.KindProject}, func(p *debrief.Postmortem) bool { return p.Kind == debrief.KindProject }},
		{"incident", debrief.PostmortemFilter{IncidentID: all[5].IncidentID},
			func(p *debrief.Postmortem) bool { return p.IncidentID != nil && *p.IncidentID == *all[5].IncidentID }},
		{"owner", debrief.PostmortemFilter{Owner: "owner-1@example.com"}, func(p *debrief.Postmortem) bool { return p.Owner == "owner-1@example.com" }},
		{"from and to", debrief.PostmortemFilter{From: &from, To: &to},
			func(p *debrief.Postmortem) bool { return !p.CreatedAt.Before(from) && p.CreatedAt.Before(to) }},
		{"combined", debrief.PostmortemFilter{Kind: debrief.KindIncident, Owner: "owner-0@example.com", From: &from},
			func(p *debrief.Postmortem) bool {
				return p.Kind == debrief.KindIncident && p.Owner == "owner-0@example.com" && !p.CreatedAt.Before(from)
			}},
	}
	for _, c := range cases {
		var want []int64
		for i := len(all) - 1; i >= 0; i-- {
			if c.keep(all[i]) {
				want = append(want, all[i].ID)
			}
		}
		var got []int64
		f := c.f
		f.Limit = 2
		for {
			p, err := s.ListPostmortems(ctx, f)
			must(t, err, "ListPostmortems("+c.name+")")
			got = append(got, pmIDs(p.Items)...)
			if p.NextCursor == "" {
				break
			}
			f.After = p.NextCursor
		}
		if !slices.Equal(got, want) {
			t.Errorf("ListPostmortems(%s) paged by 2 = %v, want %v", c.name, got, want)
		}
	}
	p, err := s.ListPostmortems(ctx, debrief.PostmortemFilter{Limit: 1})
	must(t, err, "ListPostmortems(limit 1)")
	wantEqual(t, "ListPostmortems item", all[len(all)-1], p.Items[0])
	_, err = s.ListPostmortems(ctx, debrief.PostmortemFilter{After: "-3"})
	wantCode(t, err, debrief.EInvalid, "ListPostmortems(After: -3)")
}
