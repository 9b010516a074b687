package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("IdeaBoard", testIdeaBoard)
	Register("IdeaConcurrentMentions", testIdeaConcurrentMentions)
}

// newIdeaEnv returns a Service on the real store, an admin's and a
// responder's contexts, and three postmortems, the last on a private
// incident the responder may not see.
func newIdeaEnv(t *testing.T, open Opener) (*debrief.Service, context.Context, context.Context, [3]int64) {
	s := open(t)
	now := base
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { now = now.Add(time.Second); return now }))
	admin := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin})
	viewer := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "vic@example.com", Role: debrief.RoleResponder})
	var pms [3]int64
	for k, inc := range []*debrief.Incident{
		{Title: "Checkout API returned 500s after a config push"},
		{Title: "Login failed after a config push"},
		{Title: "Credential leak in the payments API", Private: true, Members: []string{"sec@example.com"}},
	} {
		created, err := svc.CreateIncident(admin, inc)
		must(t, err, "CreateIncident")
		pm, err := svc.CreatePostmortem(admin, debrief.NewPostmortem{IncidentID: &created.ID})
		must(t, err, "CreatePostmortem")
		pms[k] = pm.ID
	}
	return svc, admin, viewer, pms
}

// testIdeaBoard raises ideas in postmortems, merges a duplicate, checks
// the board ranks by weight and hides private mentions, suggests likely
// duplicates by their words, and promotes an idea to an action item.
func testIdeaBoard(t *testing.T, open Opener) {
	svc, admin, viewer, pms := newIdeaEnv(t, open)
	canary, err := svc.RaiseIdea(viewer, pms[0], debrief.NewIdea{Title: "Canary every config change before it reaches all regions", Note: "The push went everywhere at once."})
	must(t, err, "RaiseIdea(canary)")
	if canary.Key != debrief.IdeaKey(canary.ID) || canary.Version != 1 || canary.Weight != 1 || canary.Status != debrief.IdeaOpen {
		t.Fatalf("RaiseIdea = %+v, want key IDEA-<id>, version 1, weight 1, open", canary)
	}
	again, err := svc.RaiseIdea(viewer, pms[1], debrief.NewIdea{Title: "Canary config changes in one region first"})
	must(t, err, "RaiseIdea(canary again)")
	runbook, err := svc.RaiseIdea(viewer, pms[1], debrief.NewIdea{Title: "Write a runbook for rotating login keys"})
	must(t, err, "RaiseIdea(runbook)")
	_, err = svc.RaiseIdea(viewer, pms[2], debrief.NewIdea{Title: "Anything"})
	wantCode(t, err, debrief.ENotFound, "RaiseIdea(private postmortem the caller cannot see)")
	_, err = svc.RaiseIdea(viewer, pms[0], debrief.NewIdea{Title: "  "})
	wantCode(t, err, debrief.EInvalid, "RaiseIdea(blank title)")

	// Likely duplicates are suggested by their words; unrelated ones are not.
	sugg, err := svc.SimilarIdeas(viewer, canary.ID, 5)
	must(t, err, "SimilarIdeas")
	if len(sugg) != 1 || sugg[0].Idea.ID != again.ID {
		t.Fatalf("SimilarIdeas(%s) = %v, want only %s", canary.Key, suggestionKeys(sugg), again.Key)
	}

	// The admin raises the canary idea in the private postmortem too.
	withSecret, err := svc.AddIdeaMention(admin, canary.ID, pms[2], "Same config push.", canary.Version)
	must(t, err, "AddIdeaMention(private postmortem)")
	if withSecret.Weight != 2 {
		t.Fatalf("AddIdeaMention: admin sees weight %d, want 2", withSecret.Weight)
	}
	_, err = svc.AddIdeaMention(admin, canary.ID, pms[2], "", withSecret.Version)
	wantCode(t, err, debrief.EInvalid, "AddIdeaMention(same postmortem twice)")
	_, err = svc.AddIdeaMention(admin, canary.ID, pms[1], "", canary.Version)
	conflictCurrent(t, err, "AddIdeaMention(stale version)")

	// Merging moves the mentions: weight 3 for the admin, 2 for a viewer
	// who cannot see the private postmortem.
	merged, err := svc.MergeIdeas(viewer, again.ID, canary.ID, again.Version, withSecret.Version)
	must(t, err, "MergeIdeas")
	if merged.ID != canary.ID || merged.Weight != 2 || len(merged.Mentions) != 2 {
		t.Fatalf("MergeIdeas as a viewer = %s weight %d mentions %d, want %s weight 2 (private mention hidden)", merged.Key, merged.Weight, len(merged.Mentions), canary.Key)
	}
	for _, m := range merged.Mentions {
		if m.PostmortemID == pms[2] {
			t.Fatalf("MergeIdeas showed a viewer the mention in a private postmortem")
		}
	}
	full, err := svc.Idea(admin, canary.ID)
	must(t, err, "Idea(admin)")
	if full.Weight != 3 || full.Version != withSecret.Version+1 {
		t.Fatalf("after the merge the admin sees weight %d version %d, want 3 and %d", full.Weight, full.Version, withSecret.Version+1)
	}
	old, err := svc.Idea(viewer, again.ID)
	must(t, err, "Idea(merged one)")
	if old.Status != debrief.IdeaMerged || old.MergedInto == nil || *old.MergedInto != canary.ID {
		t.Fatalf("the merged idea reads %s merged into %v, want merged into %d", old.Status, old.MergedInto, canary.ID)
	}
	_, err = svc.MergeIdeas(viewer, again.ID, runbook.ID, old.Version, runbook.Version)
	wantCode(t, err, debrief.EInvalid, "MergeIdeas(an idea already merged)")
	_, err = svc.MergeIdeas(viewer, runbook.ID, runbook.ID, runbook.Version, runbook.Version)
	wantCode(t, err, debrief.EInvalid, "MergeIdeas(into itself)")

	// The board ranks by weight; an idea raised only in a private
	// postmortem is not on a viewer's board at all.
	secretOnly, err := svc.RaiseIdea(admin, pms[2], debrief.NewIdea{Title: "Rotate payment keys monthly"})
	must(t, err, "RaiseIdea(private only)")
	board, err := svc.ListIdeas(viewer, debrief.IdeaFilter{Status: []debrief.IdeaStatus{debrief.IdeaOpen}})
	must(t, err, "ListIdeas(open)")
	if got := ideaKeys(board); len(got) != 2 || got[0] != canary.Key || got[1] != runbook.Key {
		t.Fatalf("viewer's board = %v, want [%s %s]", got, canary.Key, runbook.Key)
	}
	_, err = svc.Idea(viewer, secretOnly.ID)
	wantCode(t, err, debrief.ENotFound, "Idea(private only, as a viewer)")
	byPM, err := svc.ListIdeas(admin, debrief.IdeaFilter{PostmortemID: &pms[1]})
	must(t, err, "ListIdeas(postmortem)")
	if got := ideaKeys(byPM); len(got) != 3 {
		t.Fatalf("ideas of postmortem %d = %v, want the canary idea, the merged one and the runbook", pms[1], got)
	}

	// Promoting makes an action item on the first postmortem that raised it.
	promoted, item, err := svc.PromoteIdea(viewer, canary.ID, full.Version, &debrief.ActionItem{Owner: "ops@example.com"})
	must(t, err, "PromoteIdea")
	if promoted.Status != debrief.IdeaPromoted || promoted.ActionItemID == nil || *promoted.ActionItemID != item.ID {
		t.Fatalf("PromoteIdea = %s action item %v, want promoted to %d", promoted.Status, promoted.ActionItemID, item.ID)
	}
	if item.Title != canary.Title || item.PostmortemID == nil || *item.PostmortemID != pms[0] || item.Owner != "ops@example.com" {
		t.Fatalf("PromoteIdea made item %+v, want the idea's title on postmortem %d", item, pms[0])
	}
	stored, err := svc.ActionItem(viewer, item.ID)
	must(t, err, "ActionItem(promoted)")
	if stored.Title != canary.Title {
		t.Fatalf("stored action item title %q", stored.Title)
	}
	_, _, err = svc.PromoteIdea(viewer, canary.ID, promoted.Version, &debrief.ActionItem{})
	wantCode(t, err, debrief.EInvalid, "PromoteIdea(twice)")
	revs, err := svc.ListRevisions(admin, debrief.RevisionFilter{EntityType: debrief.EntityIdea, EntityID: canary.ID})
	must(t, err, "ListRevisions(idea)")
	if got := revisionActions(revs.Items); len(got) != 4 || got[0] != "promote" || got[1] != "merge" || got[2] != "mention" || got[3] != "create" {
		t.Fatalf("revisions of %s = %v, want [promote merge mention create]", canary.Key, got)
	}
	// A failed promotion (an unknown priority) stores nothing.
	_, _, err = svc.PromoteIdea(viewer, runbook.ID, runbook.Version, &debrief.ActionItem{Priority: "P9"})
	wantCode(t, err, debrief.EInvalid, "PromoteIdea(bad priority)")
	if cur, _ := svc.Idea(viewer, runbook.ID); cur.Status != debrief.IdeaOpen || cur.Version != runbook.Version {
		t.Fatalf("a refused promotion left %s %s at version %d", cur.Key, cur.Status, cur.Version)
	}
}

func suggestionKeys(s []debrief.IdeaSuggestion) []string {
	var out []string
	for _, x := range s {
		out = append(out, x.Idea.Key)
	}
	return out
}

func ideaKeys(list []*debrief.Idea) []string {
	var out []string
	for _, i := range list {
		out = append(out, i.Key)
	}
	return out
}

func revisionActions(revs []*debrief.Revision) []string {
	var out []string
	for _, r := range revs {
		out = append(out, r.Action)
	}
	return out
}

// testIdeaConcurrentMentions raises one idea again from many postmortems
// at once, more callers than a pool holds, each retrying on a conflict:
// every mention lands exactly once and the version counts them.
func testIdeaConcurrentMentions(t *testing.T, open Opener) {
	s := open(t)
	svc := debrief.NewService(s)
	ctx := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin})
	const callers = 24
	pms := make([]int64, callers+1)
	for k := range pms {
		inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Queue backlog grew for an hour"})
		must(t, err, "CreateIncident")
		pm, err := svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID})
		must(t, err, "CreatePostmortem")
		pms[k] = pm.ID
	}
	idea, err := svc.RaiseIdea(ctx, pms[0], debrief.NewIdea{Title: "Alert on queue age, not length"})
	must(t, err, "RaiseIdea")
	var wg sync.WaitGroup
	errs := make([]error, callers)
	for k := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				cur, err := svc.Idea(ctx, idea.ID)
				if err != nil {
					errs[k] = err
					return
				}
				_, err = svc.AddIdeaMention(ctx, idea.ID, pms[k+1], "", cur.Version)
				if debrief.ErrorCode(err) == debrief.EConflict {
					continue
				}
				errs[k] = err
				return
			}
		}()
	}
	wg.Wait()
	for k, err := range errs {
		must(t, err, "AddIdeaMention(caller "+string(rune('A'+k))+")")
	}
	got, err := svc.Idea(ctx, idea.ID)
	must(t, err, "Idea")
	if got.Weight != callers+1 || got.Version != callers+1 {
		t.Fatalf("after %d concurrent mentions: weight %d version %d, want %d and %d", callers, got.Weight, got.Version, callers+1, callers+1)
	}
}
