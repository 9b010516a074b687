package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("ReviewStore", testReviewStore)
	Register("ReviewService", testReviewService)
	Register("ReviewConcurrentParticipants", testReviewConcurrentParticipants)
	Register("ReviewAnswers", testReviewAnswers)
}

func newReview(pmID int64) *debrief.Review {
	return &debrief.Review{
		PostmortemID: pmID, Owner: "carol@example.com", Title: "Review: checkout outage", Zone: "Europe/Berlin",
		WindowStart: "2026-03-09", WindowEnd: "2026-03-20", LengthMinutes: 60, Status: debrief.ReviewOpen,
		Participants: []debrief.ReviewParticipant{
			{Email: "carol@example.com", Required: true, Zone: "Europe/Berlin", WorkStart: "09:00", WorkEnd: "17:00", Version: 1,
				Available: []debrief.TimeRange{}, Busy: []debrief.TimeRange{{Start: at(time.Hour), End: at(2 * time.Hour)}}, BusySource: "ics"},
			{Email: "sam@example.com", Required: false, Zone: "America/New_York", WorkStart: "08:30", WorkEnd: "16:30", WorkDays: []string{"mon", "tue"},
				Marked: true, Available: []debrief.TimeRange{{Start: at(3 * time.Hour), End: at(4 * time.Hour)}}, Busy: []debrief.TimeRange{}, Version: 1},
		},
		Answers:   []debrief.ReviewAnswer{{Email: "sam@example.com", WentWell: "Rollback took 4 minutes.", Surprised: "The pool limit, again", AnsweredAt: at(time.Hour), Version: 1}},
		CreatedBy: "carol@example.com", CreatedAt: at(0), UpdatedAt: at(0),
	}
}

func reviewLink(email, hash string) *debrief.ReviewLink {
	return &debrief.ReviewLink{Email: email, TokenHash: hash, CreatedAt: at(0), ExpiresAt: at(30 * 24 * time.Hour)}
}

// testReviewStore checks the store's contract: round trip, one review per
// postmortem, versions with the current state on conflict, links replaced
// and dropped with their participant, revisions and their audit entries.
func testReviewStore(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	inc := createIncident(t, s, newIncident(1))
	pm := createPostmortem(t, s, newPostmortem(&inc.ID))
	r := newReview(pm.ID)
	links := []*debrief.ReviewLink{reviewLink("carol@example.com", "hash-carol"), reviewLink("sam@example.com", "hash-sam")}
	must(t, s.CreateReview(ctx, r, links, rev(debrief.EntityReview, 0, 1, "create"), nil), "CreateReview")
	if r.ID == 0 || r.Version != 1 || links[0].ReviewID != r.ID {
		t.Fatalf("CreateReview assigned id %d version %d, link review %d; want an id, version 1 and the links tied to it", r.ID, r.Version, links[0].ReviewID)
	}
	got, err := s.Review(ctx, r.ID)
	must(t, err, "Review")
	wantEqual(t, "Review after create", r, got)
	got, err = s.ReviewByPostmortem(ctx, pm.ID)
	must(t, err, "ReviewByPostmortem")
	wantEqual(t, "ReviewByPostmortem after create", r, got)

	_, err = s.ReviewByPostmortem(ctx, pm.ID+1000)
	wantCode(t, err, debrief.ENotFound, "ReviewByPostmortem(missing)")
	_, err = s.Review(ctx, r.ID+1000)
	wantCode(t, err, debrief.ENotFound, "Review(missing)")
	dup := newReview(pm.ID)
	cur := conflictCurrent(t, s.CreateReview(ctx, dup, nil, rev(debrief.EntityReview, 0, 1, "create"), nil), "CreateReview(second for the postmortem)")
	wantEqual(t, "EConflict Current", r, cur)
	wantCode(t, s.CreateReview(ctx, newReview(pm.ID+1000), nil, rev(debrief.EntityReview, 0, 1, "create"), nil), debrief.ENotFound, "CreateReview(missing postmortem)")

	l, err := s.ReviewLinkByHash(ctx, "hash-sam")
	must(t, err, "ReviewLinkByHash")
	if l.ReviewID != r.ID || l.Email != "sam@example.com" || !l.ExpiresAt.Equal(at(30*24*time.Hour)) {
		t.Errorf("ReviewLinkByHash = %+v, want sam's link on review %d", l, r.ID)
	}
	_, err = s.ReviewLinkByHash(ctx, "no-such-hash")
	wantCode(t, err, debrief.ENotFound, "ReviewLinkByHash(unknown)")

	// Schedule; replace carol's link; a stale version conflicts.
	next := *got
	next.Chosen = &debrief.TimeRange{Start: at(48 * time.Hour), End: at(49 * time.Hour)}
	next.Status, next.Sequence, next.UpdatedAt = debrief.ReviewScheduled, 1, at(time.Hour)
	must(t, s.UpdateReview(ctx, &next, 1, []*debrief.ReviewLink{reviewLink("carol@example.com", "hash-carol-2")}, rev(debrief.EntityReview, r.ID, 2, "schedule"), nil), "UpdateReview(v=1)")
	if next.Version != 2 {
		t.Errorf("UpdateReview(v=1) left version %d, want 2", next.Version)
	}
	got, err = s.Review(ctx, r.ID)
	must(t, err, "Review after update")
	wantEqual(t, "Review after update", &next, got)
	_, err = s.ReviewLinkByHash(ctx, "hash-carol")
	wantCode(t, err, debrief.ENotFound, "ReviewLinkByHash(replaced link)")
	stale := *got
	stale.Title = "Someone else's title"
	cur = conflictCurrent(t, s.UpdateReview(ctx, &stale, 1, nil, rev(debrief.EntityReview, r.ID, 2, "update"), nil), "UpdateReview(v=1) at v2")
	wantEqual(t, "EConflict Current", got, cur)

	// Dropping sam drops sam's link; a failed update changed nothing.
	drop := *got
	drop.Participants = drop.Participants[:1]
	must(t, s.UpdateReview(ctx, &drop, 2, nil, rev(debrief.EntityReview, r.ID, 3, "update"), nil), "UpdateReview(drop sam)")
	_, err = s.ReviewLinkByHash(ctx, "hash-sam")
	wantCode(t, err, debrief.ENotFound, "ReviewLinkByHash(link of a dropped participant)")
	all, err := s.ReviewLinks(ctx, r.ID)
	must(t, err, "ReviewLinks")
	if len(all) != 1 || all[0].TokenHash != "hash-carol-2" {
		t.Errorf("ReviewLinks = %+v, want carol's new link only", all)
	}

	revs := revisionsOf(t, s, debrief.EntityReview, r.ID)
	if len(revs) != 3 || revs[0].Version != 3 || revs[2].Action != "create" {
		t.Errorf("revisions of the review = %d (%+v), want create, schedule and update", len(revs), revs)
	}
	audit, err := s.ListAudit(ctx, debrief.AuditFilter{TargetType: debrief.EntityReview, TargetID: fmt.Sprint(r.ID)})
	must(t, err, "ListAudit(review)")
	if len(audit.Items) != 3 || audit.Items[2].Action != "review.create" {
		t.Errorf("audit of the review = %+v, want review.create, review.schedule, review.update", audit.Items)
	}

	// Deleting the postmortem takes its review and links with it.
	must(t, s.DeletePostmortem(ctx, pm.ID, pm.Version, rev(debrief.EntityPostmortem, pm.ID, 2, "delete")), "DeletePostmortem")
	_, err = s.Review(ctx, r.ID)
	wantCode(t, err, debrief.ENotFound, "Review after its postmortem was deleted")
	_, err = s.ReviewLinkByHash(ctx, "hash-carol-2")
	wantCode(t, err, debrief.ENotFound, "ReviewLinkByHash after the postmortem was deleted")
}

// testReviewService drives the review through the Service: defaults from
// the incident, permissions, personal links that work without an account
// and expire, choosing, moving and cancelling with the sequence rising.
func testReviewService(t *testing.T, open Opener) {
	s := open(t)
	var mu sync.Mutex
	now := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	svc := debrief.NewService(s, debrief.WithClock(clock))
	responder := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "ria@example.com", Role: debrief.RoleResponder})
	viewerOwner := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "olga@example.com", Role: debrief.RoleViewer})
	viewer := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "vic@example.com", Role: debrief.RoleViewer})
	sam := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "sam@example.com", Role: debrief.RoleViewer})

	inc, err := svc.CreateIncident(responder, &debrief.Incident{Title: "Checkout API returned 500s", StartedAt: now.Add(-48 * time.Hour),
		Roles: debrief.Roles{Commander: "Carol@Example.com", Scribe: "sam@example.com"}, Members: []string{"dan@example.com"}})
	must(t, err, "CreateIncident")
	owner := "olga@example.com"
	pm, err := svc.CreatePostmortem(responder, debrief.NewPostmortem{IncidentID: &inc.ID, Owner: owner})
	must(t, err, "CreatePostmortem")

	// A viewer who does not own the postmortem may not open its review.
	_, _, err = svc.OpenReview(viewer, pm.ID, debrief.NewReview{})
	wantCode(t, err, debrief.EForbidden, "OpenReview(viewer, not owner)")
	_, _, err = svc.OpenReview(viewerOwner, pm.ID, debrief.NewReview{Zone: "Mars/Olympus"})
	wantCode(t, err, debrief.EInvalid, "OpenReview(bad zone)")
	_, _, err = svc.OpenReview(viewerOwner, pm.ID, debrief.NewReview{Zone: "UTC", WindowStart: "2026-02-01", WindowEnd: "2026-02-10"})
	wantCode(t, err, debrief.EInvalid, "OpenReview(window in the past)")
	_, err = svc.Review(viewer, pm.ID)
	wantCode(t, err, debrief.ENotFound, "Review(before opening)")

	// The owner opens it, even as a viewer; participants default to the
	// owner and the incident's responders.
	r, invites, err := svc.OpenReview(viewerOwner, pm.ID, debrief.NewReview{Zone: "Europe/Berlin"})
	must(t, err, "OpenReview(owner)")
	var emails []string
	for _, p := range r.Participants {
		emails = append(emails, fmt.Sprintf("%s/%v", p.Email, p.Required))
	}
	wantEqual(t, "default participants", []string{"olga@example.com/true", "carol@example.com/true", "sam@example.com/true", "dan@example.com/false"}, emails)
	if r.WindowStart != "2026-03-06" || r.WindowEnd != "2026-03-19" || r.LengthMinutes != 60 || r.Status != debrief.ReviewOpen || r.Title != "Review: Checkout API returned 500s" {
		t.Errorf("OpenReview defaults = window %s–%s, %d min, %s, %q; want tomorrow for two weeks, 60 min, open, the postmortem's title", r.WindowStart, r.WindowEnd, r.LengthMinutes, r.Status, r.Title)
	}
	if len(invites) != 4 || invites[1].Email != "carol@example.com" || len(invites[1].Token) < 40 {
		t.Fatalf("OpenReview invites = %+v, want a token per participant", invites)
	}
	links, err := s.ReviewLinks(ctxOf(t), r.ID)
	must(t, err, "ReviewLinks")
	if len(links) != len(invites) {
		t.Fatalf("the store holds %d review links, want one per invite (%d)", len(links), len(invites))
	}
	for _, l := range links {
		for _, in := range invites {
			if l.TokenHash == in.Token {
				t.Fatalf("the store holds the token itself for %s; it must keep only a hash", l.Email)
			}
		}
	}
	_, _, err = svc.OpenReview(responder, pm.ID, debrief.NewReview{})
	wantCode(t, err, debrief.EConflict, "OpenReview(second)")

	// Sam marks times signed in; Carol through her link, without an account.
	avail := []debrief.TimeRange{{Start: time.Date(2026, 3, 10, 13, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 10, 16, 0, 0, 0, time.UTC)}}
	_, err = svc.MarkAvailability(sam, pm.ID, "", debrief.AvailabilityChange{Available: &avail}, 1)
	must(t, err, "MarkAvailability(sam, own)")
	_, err = svc.MarkAvailability(sam, pm.ID, "", debrief.AvailabilityChange{Available: &avail}, 1)
	wantCode(t, err, debrief.EConflict, "MarkAvailability(sam, stale version)")
	_, err = svc.MarkAvailability(sam, pm.ID, "carol@example.com", debrief.AvailabilityChange{Available: &avail}, 1)
	wantCode(t, err, debrief.EForbidden, "MarkAvailability(sam for carol)")
	_, err = svc.MarkAvailability(viewer, pm.ID, "", debrief.AvailabilityChange{Available: &avail}, 1)
	wantCode(t, err, debrief.EForbidden, "MarkAvailability(not invited)")
	badZone := "Nowhere/Special"
	_, err = svc.MarkAvailability(sam, pm.ID, "", debrief.AvailabilityChange{Zone: &badZone}, 2)
	wantCode(t, err, debrief.EInvalid, "MarkAvailability(bad zone)")

	busy := []debrief.TimeRange{{Start: time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)}}
	got, email, err := svc.MarkAvailabilityByLink(ctxOf(t), invites[1].Token, debrief.AvailabilityChange{Busy: &busy, BusySource: "ics"}, 1)
	must(t, err, "MarkAvailabilityByLink(carol)")
	if email != "carol@example.com" || got.Participant("carol@example.com").Version != 2 || len(got.Participant("carol@example.com").Busy) != 1 {
		t.Errorf("MarkAvailabilityByLink = %s, %+v; want carol's busy time stored at her version 2", email, got.Participant("carol@example.com"))
	}
	// A token one character off; the swap must change it (a random token
	// may itself start with the replacement).
	wrong := "x" + invites[1].Token[1:]
	if wrong == invites[1].Token {
		wrong = "y" + invites[1].Token[1:]
	}
	_, _, err = svc.MarkAvailabilityByLink(ctxOf(t), wrong, debrief.AvailabilityChange{Busy: &busy}, 2)
	wantCode(t, err, debrief.ENotFound, "MarkAvailabilityByLink(wrong token)")
	revs := revisionsOf(t, s, debrief.EntityReview, r.ID)
	if revs[0].Actor != "carol@example.com (personal link)" || revs[0].Action != "availability" || revs[1].Actor != "sam@example.com" {
		t.Errorf("latest revisions = %+v, want carol's by personal link and sam's before it", revs[:2])
	}

	// A new link replaces the old one.
	inv, err := svc.NewReviewLink(responder, pm.ID, "carol@example.com")
	must(t, err, "NewReviewLink")
	_, _, err = svc.ReviewByLink(ctxOf(t), invites[1].Token)
	wantCode(t, err, debrief.ENotFound, "ReviewByLink(replaced token)")
	_, _, err = svc.ReviewByLink(ctxOf(t), inv.Token)
	must(t, err, "ReviewByLink(new token)")

	// Choose a slot, move it, cancel: the sequence rises with each change
	// after the first invitation.
	cur, err := svc.Review(viewer, pm.ID)
	must(t, err, "Review")
	slot := time.Date(2026, 3, 10, 13, 0, 0, 0, time.UTC)
	_, err = svc.ChooseReviewSlot(viewer, pm.ID, slot, cur.Version)
	wantCode(t, err, debrief.EForbidden, "ChooseReviewSlot(viewer)")
	_, err = svc.ChooseReviewSlot(responder, pm.ID, time.Date(2026, 4, 10, 13, 0, 0, 0, time.UTC), cur.Version)
	wantCode(t, err, debrief.EInvalid, "ChooseReviewSlot(outside the window)")
	sched, err := svc.ChooseReviewSlot(viewerOwner, pm.ID, slot, cur.Version)
	must(t, err, "ChooseReviewSlot(owner)")
	if sched.Status != debrief.ReviewScheduled || sched.Sequence != 0 || !sched.Chosen.End.Equal(slot.Add(time.Hour)) {
		t.Errorf("after choosing: status %s sequence %d chosen %+v; want scheduled, 0, one hour", sched.Status, sched.Sequence, sched.Chosen)
	}
	_, err = svc.ChooseReviewSlot(responder, pm.ID, slot.Add(24*time.Hour), cur.Version)
	wantCode(t, err, debrief.EConflict, "ChooseReviewSlot(stale version)")
	moved, err := svc.ChooseReviewSlot(responder, pm.ID, slot.Add(24*time.Hour), sched.Version)
	must(t, err, "ChooseReviewSlot(move)")
	if moved.Sequence != 1 {
		t.Errorf("moving the meeting left sequence %d, want 1", moved.Sequence)
	}
	// Changing what the invitation says sends an updated one; a window
	// that leaves the meeting out is refused.
	longer := 90
	moved, _, err = svc.UpdateReview(responder, pm.ID, debrief.ReviewPatch{LengthMinutes: &longer}, moved.Version)
	must(t, err, "UpdateReview(length 90 while scheduled)")
	if moved.Sequence != 2 || !moved.Chosen.End.Equal(slot.Add(24*time.Hour+90*time.Minute)) {
		t.Errorf("after lengthening: sequence %d chosen %+v, want 2 and a 90-minute meeting", moved.Sequence, moved.Chosen)
	}
	late := "2026-03-15"
	_, _, err = svc.UpdateReview(responder, pm.ID, debrief.ReviewPatch{WindowStart: &late}, moved.Version)
	wantCode(t, err, debrief.EInvalid, "UpdateReview(window without the scheduled meeting)")
	cancelled, err := svc.CancelReview(responder, pm.ID, moved.Version)
	must(t, err, "CancelReview")
	if cancelled.Status != debrief.ReviewCancelled || cancelled.Sequence != 3 {
		t.Errorf("after cancelling: status %s sequence %d, want cancelled, 3", cancelled.Status, cancelled.Sequence)
	}
	_, err = svc.CancelReview(responder, pm.ID, cancelled.Version)
	wantCode(t, err, debrief.EUnprocessable, "CancelReview(again)")

	// The link expires the day after the window.
	mu.Lock()
	now = time.Date(2026, 3, 21, 0, 0, 0, 0, time.UTC)
	mu.Unlock()
	_, _, err = svc.ReviewByLink(ctxOf(t), inv.Token)
	wantCode(t, err, debrief.EForbidden, "ReviewByLink(expired)")
}

// testReviewConcurrentParticipants has more participants mark their times
// at once than the store's pool holds: each names only their own version,
// so every one of them succeeds and nothing is lost.
func testReviewConcurrentParticipants(t *testing.T, open Opener) {
	s := open(t)
	now := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return now }))
	admin := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin})
	pm, err := svc.CreatePostmortem(admin, debrief.NewPostmortem{Title: "Launch of the new checkout"})
	must(t, err, "CreatePostmortem(project)")
	const n = 24
	var people []debrief.ReviewParticipant
	for i := range n {
		people = append(people, debrief.ReviewParticipant{Email: fmt.Sprintf("p%02d@example.com", i), Required: i%2 == 0})
	}
	r, invites, err := svc.OpenReview(admin, pm.ID, debrief.NewReview{Zone: "UTC", Participants: people})
	must(t, err, "OpenReview")
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
			av := []debrief.TimeRange{{Start: at, End: at.Add(time.Hour)}}
			<-start
			if i%2 == 0 {
				_, _, errs[i] = svc.MarkAvailabilityByLink(ctxOf(t), invites[i].Token, debrief.AvailabilityChange{Available: &av}, 1)
			} else {
				ctx := debrief.WithActor(ctxOf(t), debrief.Actor{Email: people[i].Email, Role: debrief.RoleViewer})
				_, errs[i] = svc.MarkAvailability(ctx, pm.ID, "", debrief.AvailabilityChange{Available: &av}, 1)
			}
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		must(t, err, fmt.Sprintf("participant %d MarkAvailability", i))
	}
	got, err := svc.Review(admin, pm.ID)
	must(t, err, "Review")
	if got.Version != r.Version+n {
		t.Errorf("review version = %d after %d changes, want %d", got.Version, n, r.Version+n)
	}
	for i, p := range got.Participants {
		want := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
		if !p.Marked || p.Version != 2 || len(p.Available) != 1 || !p.Available[0].Start.Equal(want) {
			t.Errorf("participant %s = marked %v version %d available %+v; want their own time %v kept", p.Email, p.Marked, p.Version, p.Available, want)
		}
	}
}

// testReviewAnswers checks the questionnaire: each participant answers
// their own, private answers stay with their author until the meeting
// starts, shared ones are open, and the organiser sees who has not answered.
func testReviewAnswers(t *testing.T, open Opener) {
	s := open(t)
	var mu sync.Mutex
	now := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now }))
	as := func(email string, role debrief.Role) context.Context {
		return debrief.WithActor(ctxOf(t), debrief.Actor{Email: email, Role: role})
	}
	owner := as("olga@example.com", debrief.RoleResponder)
	pm, err := svc.CreatePostmortem(owner, debrief.NewPostmortem{Title: "Launch of the new checkout"})
	must(t, err, "CreatePostmortem")
	_, invites, err := svc.OpenReview(owner, pm.ID, debrief.NewReview{Zone: "UTC", WindowStart: "2026-03-09", WindowEnd: "2026-03-13", Participants: []debrief.ReviewParticipant{
		{Email: "olga@example.com", Required: true}, {Email: "sam@example.com", Required: true}, {Email: "kim@example.com"}}})
	must(t, err, "OpenReview")

	_, err = svc.AnswerReview(as("vic@example.com", debrief.RoleAdmin), pm.ID, debrief.AnswerInput{WentWell: "x"}, 0)
	wantCode(t, err, debrief.EUnprocessable, "AnswerReview(not invited)")
	_, err = svc.AnswerReview(as("sam@example.com", debrief.RoleViewer), pm.ID, debrief.AnswerInput{WentWell: "  "}, 0)
	wantCode(t, err, debrief.EInvalid, "AnswerReview(empty)")
	ans, err := svc.AnswerReview(as("sam@example.com", debrief.RoleViewer), pm.ID, debrief.AnswerInput{WentWell: "The rollback", WasHard: "Finding the config diff"}, 0)
	must(t, err, "AnswerReview(sam, private)")
	if ans.Version != 1 || ans.Shared {
		t.Errorf("AnswerReview = %+v, want version 1, private", ans)
	}
	_, err = svc.AnswerReview(as("sam@example.com", debrief.RoleViewer), pm.ID, debrief.AnswerInput{WentWell: "again"}, 0)
	wantCode(t, err, debrief.EConflict, "AnswerReview(sam, stale version)")
	_, err = svc.AnswerReviewByLink(ctxOf(t), invites[2].Token, debrief.AnswerInput{Surprised: "How calm it was", Shared: true}, 0)
	must(t, err, "AnswerReviewByLink(kim, shared)")

	seen := func(ctx context.Context) *debrief.ReviewAnswers {
		t.Helper()
		a, err := svc.ReviewAnswers(ctx, pm.ID)
		must(t, err, "ReviewAnswers")
		return a
	}
	o := seen(owner)
	if len(o.Answers) != 1 || o.Answers[0].Email != "kim@example.com" || o.Private != 1 {
		t.Errorf("the organiser sees %+v (%d private), want kim's shared answer only and sam's kept private", o.Answers, o.Private)
	}
	wantEqual(t, "unanswered", []string{"olga@example.com"}, o.Unanswered)
	if a := seen(as("sam@example.com", debrief.RoleViewer)); len(a.Answers) != 2 || a.Private != 0 {
		t.Errorf("sam sees %+v, want their own and kim's", a.Answers)
	}
	rv, err := svc.Review(owner, pm.ID)
	must(t, err, "Review")
	answered := 0
	for _, r := range revisionsOf(t, s, debrief.EntityReview, rv.ID) {
		if r.Action == "answer" {
			answered++
		}
		if len(r.Changes) > 0 && strings.Contains(strings.ToLower(string(r.Changes[0].New)), "rollback") {
			t.Errorf("revision %+v holds the text of a private answer", r)
		}
	}
	if answered != 2 {
		t.Errorf("%d answer revisions, want 2", answered)
	}
	// Once the meeting starts, every answer is open to the room.
	_, err = svc.ChooseReviewSlot(owner, pm.ID, time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC), rv.Version)
	must(t, err, "ChooseReviewSlot")
	mu.Lock()
	now = time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC)
	mu.Unlock()
	if a := seen(owner); len(a.Answers) != 2 || a.Private != 0 {
		t.Errorf("at the meeting the organiser sees %d answers (%d private), want both", len(a.Answers), a.Private)
	}
}
