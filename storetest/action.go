package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func testActionItemRoundTrip(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	pm := createPostmortem(t, s, newPostmortem(&inc.ID))
	full := newActionItem(&inc.ID, &pm.ID, 1)
	full.Status, full.CompletedAt = debrief.ActionDone, ptr(at(4*time.Hour))
	full.VerifyRequired, full.Verification = true, "Shipped in https://git.example.com/pay/pull/88"
	r := rev(debrief.EntityActionItem, 0, 1, "create")
	must(t, s.CreateActionItem(ctx, full, r), "CreateActionItem")
	if full.ID <= 0 || full.Version != 1 || full.Key != fmt.Sprintf("AI-%d", full.ID) {
		t.Fatalf("CreateActionItem set ID %d Version %d Key %q, want an ID, 1, AI-<id>", full.ID, full.Version, full.Key)
	}
	if r.ID <= 0 || r.EntityID != full.ID {
		t.Fatalf("CreateActionItem left revision ID %d EntityID %d, want an ID and %d", r.ID, r.EntityID, full.ID)
	}
	sparse := newActionItem(&inc.ID, nil, 2)
	sparse.DueDate, sparse.TrackerURL, sparse.Owner = nil, "", ""
	createActionItem(t, s, sparse)
	project := createPostmortem(t, s, newPostmortem(nil))
	onlyPM := createActionItem(t, s, newActionItem(nil, &project.ID, 3))
	for _, want := range []*debrief.ActionItem{full, sparse, onlyPM} {
		got, err := s.ActionItem(ctx, want.ID)
		must(t, err, fmt.Sprintf("ActionItem(%d)", want.ID))
		wantEqual(t, fmt.Sprintf("ActionItem(%d)", want.ID), want, got)
	}
	if revs := revisionsOf(t, s, debrief.EntityActionItem, full.ID); len(revs) != 1 {
		t.Errorf("revisions of a new action item = %d, want 1", len(revs))
	}
}

func testActionItemUpdateDelete(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	a := createActionItem(t, s, newActionItem(&inc.ID, nil, 1))
	next := *a
	next.Status, next.CompletedAt, next.Owner, next.DueDate = debrief.ActionDone, ptr(at(5*time.Hour)), "erin@example.com", nil
	next.UpdatedAt = at(5 * time.Hour)
	r := rev(debrief.EntityActionItem, a.ID, 2, "update")
	must(t, s.UpdateActionItem(ctx, &next, 1, r), "UpdateActionItem(v=1)")
	if next.Version != 2 || r.ID <= 0 {
		t.Fatalf("UpdateActionItem set Version %d revision ID %d, want 2 and an ID", next.Version, r.ID)
	}
	got, err := s.ActionItem(ctx, a.ID)
	must(t, err, "ActionItem")
	wantEqual(t, "ActionItem after update", &next, got)

	stale := *a
	stale.Title = "stale"
	cur := conflictCurrent(t, s.UpdateActionItem(ctx, &stale, 1, rev(debrief.EntityActionItem, a.ID, 2, "update")), "UpdateActionItem(v=1) at v2")
	wantEqual(t, "EConflict Current", &next, cur)
	conflictCurrent(t, s.DeleteActionItem(ctx, a.ID, 1, nil), "DeleteActionItem(v=1) at v2")
	if n := len(revisionsOf(t, s, debrief.EntityActionItem, a.ID)); n != 2 {
		t.Errorf("revisions after a conflict = %d, want 2", n)
	}
	r = rev(debrief.EntityActionItem, a.ID, 3, "delete")
	must(t, s.DeleteActionItem(ctx, a.ID, 2, r), "DeleteActionItem(v=2)")
	_, err = s.ActionItem(ctx, a.ID)
	wantCode(t, err, debrief.ENotFound, "ActionItem after delete")
	wantCode(t, s.DeleteActionItem(ctx, a.ID, 2, nil), debrief.ENotFound, "DeleteActionItem again")
	wantCode(t, s.UpdateActionItem(ctx, &next, 2, nil), debrief.ENotFound, "UpdateActionItem(deleted)")
	if revs := revisionsOf(t, s, debrief.EntityActionItem, a.ID); len(revs) != 3 || revs[0].Action != "delete" {
		t.Errorf("revisions of a deleted item = %v, want [delete update create]", actions(revs))
	}
}

func testActionItemList(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	incA := createIncident(t, s, newIncident(1))
	incB := createIncident(t, s, newIncident(2))
	pmA := createPostmortem(t, s, newPostmortem(&incA.ID))
	statuses := []debrief.ActionStatus{debrief.ActionOpen, debrief.ActionInProgress, debrief.ActionDone, debrief.ActionWontDo}
	var all []*debrief.ActionItem
	for i := range 16 {
		var a *debrief.ActionItem
		switch i % 3 {
		case 0:
			a = newActionItem(&incA.ID, &pmA.ID, i)
		case 1:
			a = newActionItem(&incA.ID, nil, i)
		default:
			a = newActionItem(&incB.ID, nil, i)
		}
		a.Status = statuses[i%4]
		a.Owner = fmt.Sprintf("owner-%d@example.com", i%2)
		if i%5 == 0 {
			a.DueDate = nil
		} else {
			a.DueDate = ptr(time.Date(2026, 4, i, 0, 0, 0, 0, time.UTC))
		}
		all = append(all, createActionItem(t, s, a))
	}
	due := time.Date(2026, 4, 8, 0, 0, 0, 0, time.UTC)
	is := func(p *int64, id int64) bool { return p != nil && *p == id }
	cases := []struct {
		name string
		f    debrief.ActionItemFilter
		keep func(*debrief.ActionItem) bool
	}{
		{"all", debrief.ActionItemFilter{}, func(*debrief.ActionItem) bool { return true }},
		{"status", debrief.ActionItemFilter{Status: []debrief.ActionStatus{debrief.ActionOpen, debrief.ActionInProgress}},
			func(a *debrief.ActionItem) bool { return !a.Status.Closed() }},
		{"owner", debrief.ActionItemFilter{Owner: "owner-1@example.com"}, func(a *debrief.ActionItem) bool { return a.Owner == "owner-1@example.com" }},
		{"incident", debrief.ActionItemFilter{IncidentID: &incA.ID}, func(a *debrief.ActionItem) bool { return is(a.IncidentID, incA.ID) }},
		{"postmortem", debrief.ActionItemFilter{PostmortemID: &pmA.ID}, func(a *debrief.ActionItem) bool { return is(a.PostmortemID, pmA.ID) }},
		{"due before", debrief.ActionItemFilter{DueBefore: &due}, func(a *debrief.ActionItem) bool { return a.DueDate != nil && a.DueDate.Before(due) }},
		{"open, due before, owner", debrief.ActionItemFilter{Status: []debrief.ActionStatus{debrief.ActionOpen}, DueBefore: ptr(due.AddDate(0, 0, 20)), Owner: "owner-0@example.com"},
			func(a *debrief.ActionItem) bool {
				return a.Status == debrief.ActionOpen && a.DueDate != nil && a.DueDate.Before(due.AddDate(0, 0, 20)) && a.Owner == "owner-0@example.com"
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
		f.Limit = 3
		for pages := 0; ; pages++ {
			p, err := s.ListActionItems(ctx, f)
			must(t, err, "ListActionItems("+c.name+")")
			if pages > 0 && len(p.Items) == 0 {
				t.Fatalf("ListActionItems(%s) returned an empty page after a cursor", c.name)
			}
			for _, a := range p.Items {
				got = append(got, a.ID)
			}
			if p.NextCursor == "" {
				break
			}
			f.After = p.NextCursor
		}
		if !slices.Equal(got, want) {
			t.Errorf("ListActionItems(%s) paged by 3 = %v, want %v", c.name, got, want)
		}
	}
	p, err := s.ListActionItems(ctx, debrief.ActionItemFilter{Limit: 1})
	must(t, err, "ListActionItems(limit 1)")
	wantEqual(t, "ListActionItems item", all[len(all)-1], p.Items[0])
	_, err = s.ListActionItems(ctx, debrief.ActionItemFilter{After: "x"})
	wantCode(t, err, debrief.EInvalid, "ListActionItems(After: x)")
}
