package storetest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("ReviewMeeting", testReviewMeeting)
	Register("ReviewMeetingConcurrentFacilitators", testReviewMeetingConcurrent)
	Register("ReviewNudge", testReviewNudge)
}

// meetingFixture opens the review of a new postmortem with three
// participants, one of whom answered the questionnaire.
func meetingFixture(t *testing.T, svc *debrief.Service, ctx context.Context) (*debrief.Postmortem, *debrief.Review) {
	t.Helper()
	inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout API returned 500s", Services: []string{"checkout"}})
	must(t, err, "CreateIncident")
	pm, err := svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "ria@example.com"})
	must(t, err, "CreatePostmortem")
	r, invites, err := svc.OpenReview(ctx, pm.ID, debrief.NewReview{Zone: "UTC", Participants: []debrief.ReviewParticipant{
		{Email: "ria@example.com", Name: "Ria", Required: true}, {Email: "sam@example.com", Name: "Sam", Required: true}, {Email: "dan@example.com"}}})
	must(t, err, "OpenReview")
	for _, in := range invites {
		if in.Email == "sam@example.com" {
			_, err := svc.AnswerReviewByLink(ctx, in.Token, debrief.AnswerInput{WentWell: "The rollback took two minutes.", WouldChange: "Alert on pool saturation."}, 0)
			must(t, err, "AnswerReviewByLink")
		}
	}
	return pm, r
}

// testReviewMeeting runs a meeting through the Service: start (a second
// start joins), the go-around with a skip that needs a reason, goals
// becoming action items, and the end writing the feedback into the
// postmortem as a new version.
func testReviewMeeting(t *testing.T, open Opener) {
	s := open(t)
	now := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	tick := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	svc := debrief.NewService(s, debrief.WithClock(clock))
	ria := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "ria@example.com", Role: debrief.RoleResponder})
	viewer := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "vic@example.com", Role: debrief.RoleViewer})
	pm, _ := meetingFixture(t, svc, ria)

	_, _, err := svc.StartReviewMeeting(viewer, pm.ID, debrief.StartMeeting{})
	wantCode(t, err, debrief.EForbidden, "StartReviewMeeting(viewer)")
	m, room, err := svc.StartReviewMeeting(ria, pm.ID, debrief.StartMeeting{Order: []string{"dan@example.com"}})
	must(t, err, "StartReviewMeeting")
	if m.Version != 1 || len(m.Speakers) != 3 || m.Speakers[0].Email != "dan@example.com" || m.Stage != debrief.StageAgenda {
		t.Fatalf("StartReviewMeeting = version %d, speakers %+v, stage %s; want version 1, dan first of three, agenda", m.Version, m.Speakers, m.Stage)
	}
	if sam := m.Speaker("sam@example.com"); !strings.Contains(sam.Points, "rollback took two minutes") || !strings.Contains(sam.Points, "pool saturation") {
		t.Errorf("Sam's points = %q; want them pre-filled from the questionnaire", sam.Points)
	}
	_, _, err = svc.StartReviewMeeting(ria, pm.ID, debrief.StartMeeting{})
	wantCode(t, err, debrief.EConflict, "StartReviewMeeting(again)")
	got, err := svc.ReviewMeetingByRoom(ctxOf(t), room)
	must(t, err, "ReviewMeetingByRoom")
	wantEqual(t, "ReviewMeetingByRoom", m, got)
	// The wrong token differs from the room's in its first character; a
	// fixed "x" was the room's own token once in 64 runs.
	wrong := "x" + room[1:]
	if room[0] == 'x' {
		wrong = "y" + room[1:]
	}
	_, err = svc.ReviewMeetingByRoom(ctxOf(t), wrong)
	wantCode(t, err, debrief.ENotFound, "ReviewMeetingByRoom(wrong token)")

	step := func(c debrief.MeetingChange) {
		t.Helper()
		next, err := svc.ChangeReviewMeeting(ria, pm.ID, c, m.Version)
		must(t, err, "ChangeReviewMeeting("+c.Action+")")
		m = next
	}
	// A step from a stale page is refused with where the meeting is.
	_, err = svc.ChangeReviewMeeting(ria, pm.ID, debrief.MeetingChange{Action: debrief.MeetingNext}, m.Version+1)
	wantCode(t, err, debrief.EConflict, "ChangeReviewMeeting(stale)")

	step(debrief.MeetingChange{Action: debrief.MeetingNext})
	if cur := m.Current(); cur == nil || cur.Email != "dan@example.com" || m.Stage != debrief.StageRound {
		t.Fatalf("after next: current %+v, stage %s; want dan speaking in the round", cur, m.Stage)
	}
	tick(75 * time.Second)
	step(debrief.MeetingChange{Action: debrief.MeetingPoints, Email: "dan@example.com", Text: "Paging worked; the runbook was stale."})
	step(debrief.MeetingChange{Action: debrief.MeetingNext})
	if d := m.Speaker("dan@example.com"); d.Turn != debrief.TurnSpoke || d.Seconds != 75 {
		t.Errorf("Dan after his turn = %+v; want spoke, 75 seconds", d)
	}
	// Ending now is refused: two people have not spoken.
	_, _, err = svc.EndReviewMeeting(ria, pm.ID, m.Version)
	wantCode(t, err, debrief.EUnprocessable, "EndReviewMeeting(not everyone spoke)")
	// Nobody is skipped without a reason on record.
	_, err = svc.ChangeReviewMeeting(ria, pm.ID, debrief.MeetingChange{Action: debrief.MeetingSkip, Email: "sam@example.com"}, m.Version)
	wantCode(t, err, debrief.EInvalid, "ChangeReviewMeeting(skip without reason)")
	step(debrief.MeetingChange{Action: debrief.MeetingSkip, Email: "sam@example.com", Text: "Left for an incident"})
	step(debrief.MeetingChange{Action: debrief.MeetingSpeak, Email: "ria@example.com"})
	step(debrief.MeetingChange{Action: debrief.MeetingNext})
	if left := m.NotSpoken(); len(left) != 0 {
		t.Fatalf("NotSpoken after everyone's turn = %+v; want none", left)
	}

	_, err = svc.AddMeetingGoal(ria, pm.ID, debrief.MeetingGoal{Text: "Alert on pool saturation", Due: "2026-04-01"}, m.Version)
	wantCode(t, err, debrief.EInvalid, "AddMeetingGoal(no owner)")
	m, err = svc.AddMeetingGoal(ria, pm.ID, debrief.MeetingGoal{Text: "Alert on pool saturation", Owner: "sam@example.com", Due: "2026-04-01"}, m.Version)
	must(t, err, "AddMeetingGoal")
	item, err := svc.ActionItem(ria, m.Goals[0].ActionItemID)
	must(t, err, "ActionItem(goal)")
	if item.Owner != "sam@example.com" || item.DueDate == nil || item.DueDate.Format(time.DateOnly) != "2026-04-01" || item.PostmortemID == nil || *item.PostmortemID != pm.ID {
		t.Errorf("goal's action item = %+v; want owner sam, due 2026-04-01, on %s", item, pm.Key)
	}

	before, err := svc.Postmortem(ria, pm.ID)
	must(t, err, "Postmortem")
	m, after, err := svc.EndReviewMeeting(ria, pm.ID, m.Version)
	must(t, err, "EndReviewMeeting")
	if m.Stage != debrief.StageEnded || m.EndedAt == nil || after.Version != before.Version+1 {
		t.Fatalf("EndReviewMeeting = stage %s ended %v, postmortem version %d; want ended, version %d", m.Stage, m.EndedAt, after.Version, before.Version+1)
	}
	sec := after.Section(debrief.FeedbackSectionKey)
	if sec == nil {
		t.Fatalf("postmortem sections %v; want %s", after.Sections, debrief.FeedbackSectionKey)
	}
	for _, want := range []string{"Paging worked; the runbook was stale.", "Skipped by the facilitator: Left for an incident", "Alert on pool saturation (owner sam@example.com, due 2026-04-01; " + item.Key + ")"} {
		if !strings.Contains(sec.Body, want) {
			t.Errorf("feedback section lacks %q:\n%s", want, sec.Body)
		}
	}
	revs, err := svc.ListRevisions(ria, debrief.RevisionFilter{EntityType: debrief.EntityPostmortem, EntityID: pm.ID})
	must(t, err, "ListRevisions")
	if last := revs.Items[0]; last.Action != "review_feedback" {
		t.Errorf("newest postmortem revision = %s; want review_feedback", last.Action)
	}
	_, err = svc.ChangeReviewMeeting(ria, pm.ID, debrief.MeetingChange{Action: debrief.MeetingNext}, m.Version)
	wantCode(t, err, debrief.EUnprocessable, "ChangeReviewMeeting(after the end)")
}

// testReviewMeetingConcurrent has more facilitator devices than the pool
// has connections press "next" from the same version: exactly one wins and
// the others get the meeting as it is.
func testReviewMeetingConcurrent(t *testing.T, open Opener) {
	s := open(t)
	svc := debrief.NewService(s)
	ria := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "ria@example.com", Role: debrief.RoleResponder})
	pm, _ := meetingFixture(t, svc, ria)
	m, _, err := svc.StartReviewMeeting(ria, pm.ID, debrief.StartMeeting{})
	must(t, err, "StartReviewMeeting")
	const n = 24
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, conflicts := 0, 0
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.ChangeReviewMeeting(ria, pm.ID, debrief.MeetingChange{Action: debrief.MeetingNext}, m.Version)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case debrief.IsCode(err, debrief.EConflict):
				conflicts++
			default:
				t.Errorf("ChangeReviewMeeting = %v; want success or EConflict", err)
			}
		}()
	}
	wg.Wait()
	if won != 1 || conflicts != n-1 {
		t.Fatalf("%d devices pressed next: %d won, %d conflicts; want 1 and %d", n, won, conflicts, n-1)
	}
	cur, err := svc.ReviewMeeting(ria, pm.ID)
	must(t, err, "ReviewMeeting")
	if cur.Version != 2 || cur.Current() == nil || cur.Current().Email != m.Speakers[0].Email {
		t.Errorf("meeting after the race = version %d, current %+v; want version 2 and the first speaker's turn", cur.Version, cur.Current())
	}
}

// testReviewNudge checks the reminder rule: the organiser only, not after
// an answer, once per NudgeInterval, and a new personal link each time.
func testReviewNudge(t *testing.T, open Opener) {
	s := open(t)
	now := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ria := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "ria@example.com", Role: debrief.RoleResponder})
	viewer := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "vic@example.com", Role: debrief.RoleViewer})

	plain := debrief.NewService(s, debrief.WithClock(clock))
	pm, _ := meetingFixture(t, plain, ria)
	_, err := plain.NudgeReviewParticipant(ria, pm.ID, "dan@example.com")
	wantCode(t, err, debrief.EUnprocessable, "NudgeReviewParticipant(no mail server)")

	n := &countingNotifier{}
	svc := debrief.NewService(s, debrief.WithClock(clock), debrief.WithReviewNotifier(n))
	_, err = svc.NudgeReviewParticipant(viewer, pm.ID, "dan@example.com")
	wantCode(t, err, debrief.EForbidden, "NudgeReviewParticipant(viewer)")
	_, err = svc.NudgeReviewParticipant(ria, pm.ID, "sam@example.com")
	wantCode(t, err, debrief.EUnprocessable, "NudgeReviewParticipant(answered)")
	r, err := svc.NudgeReviewParticipant(ria, pm.ID, "dan@example.com")
	must(t, err, "NudgeReviewParticipant")
	if p := r.Participant("dan@example.com"); p.NudgedAt == nil || !p.NudgedAt.Equal(now) || n.nudges != 1 {
		t.Fatalf("after a nudge: nudged at %v, %d reminders queued; want %v and 1", p.NudgedAt, n.nudges, now)
	}
	_, err = svc.NudgeReviewParticipant(ria, pm.ID, "dan@example.com")
	wantCode(t, err, debrief.ETooManyRequests, "NudgeReviewParticipant(again at once)")
	mu.Lock()
	now = now.Add(debrief.NudgeInterval)
	mu.Unlock()
	_, err = svc.NudgeReviewParticipant(ria, pm.ID, "dan@example.com")
	must(t, err, "NudgeReviewParticipant(after the interval)")
	if n.nudges != 2 {
		t.Errorf("reminders queued = %d; want 2", n.nudges)
	}
	// An update of the plan keeps when people were reminded.
	title := "Review: checkout, again"
	cur, err := svc.Review(ria, pm.ID)
	must(t, err, "Review")
	next, _, err := svc.UpdateReview(ria, pm.ID, debrief.ReviewPatch{Title: &title, Participants: &cur.Participants}, cur.Version)
	must(t, err, "UpdateReview")
	if p := next.Participant("dan@example.com"); p.NudgedAt == nil {
		t.Errorf("UpdateReview dropped Dan's reminder time")
	}
}
