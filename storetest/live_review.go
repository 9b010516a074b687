package storetest

import (
	"reflect"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() { Register("ReviewChangesPublish", testReviewChangesPublish) }

// reviewMethod matches the Service methods of the review meeting: each must
// be named in testReviewChangesPublish, as a change that publishes or as a
// read, so a new one cannot forget the pages that follow the meeting live.
var reviewMethod = regexp.MustCompile(`Review|Meeting|Availability|Nudge`)

// testReviewChangesPublish calls every change of a review and of its
// meeting once and checks it told the review's pages, on the review's
// topic, with who made it; a refused change (a stale version) tells
// nobody. Ending the meeting also tells the postmortem's pages, whose
// feedback section it wrote.
func testReviewChangesPublish(t *testing.T, open Opener) {
	s := open(t)
	now := time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)
	rec := &liveRecorder{}
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return now }), debrief.WithPublisher(rec),
		debrief.WithReviewNotifier(&countingNotifier{}))
	ria := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "ria@example.com", Role: debrief.RoleResponder})

	// fixture opens a review (Sam answered by link) and returns it with
	// the personal links, forgetting what that published.
	type fixture struct {
		pm      *debrief.Postmortem
		r       *debrief.Review
		invites map[string]string
	}
	open1 := func() fixture {
		inc, err := svc.CreateIncident(ria, &debrief.Incident{Title: "Checkout API returned 500s"})
		must(t, err, "CreateIncident")
		pm, err := svc.CreatePostmortem(ria, debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "ria@example.com"})
		must(t, err, "CreatePostmortem")
		r, invites, err := svc.OpenReview(ria, pm.ID, debrief.NewReview{Zone: "UTC", Participants: []debrief.ReviewParticipant{
			{Email: "ria@example.com", Required: true}, {Email: "sam@example.com"}, {Email: "dan@example.com"}}})
		must(t, err, "OpenReview")
		f := fixture{pm: pm, r: r, invites: map[string]string{}}
		for _, in := range invites {
			f.invites[in.Email] = in.Token
		}
		rec.take()
		return f
	}
	meeting := func() (fixture, *debrief.ReviewMeeting) {
		f := open1()
		m, _, err := svc.StartReviewMeeting(ria, f.pm.ID, debrief.StartMeeting{})
		must(t, err, "StartReviewMeeting")
		rec.take()
		return f, m
	}
	// expect checks that the call published exactly one review event and
	// its incident's (and the postmortem's events when pmVersion > 0) for
	// postmortem pm at version, by who; version 0 means nothing at all.
	expect := func(call string, pm *debrief.Postmortem, reviewID int64, version int, by string, pmVersion int) {
		t.Helper()
		var want []debrief.LiveEvent
		if version > 0 {
			// The incident page, which says where the review stands, hears
			// of it as of a change of its postmortem.
			at := pm.Version
			if pmVersion > 0 {
				at = pmVersion
			}
			want = append(want, debrief.LiveEvent{Topic: debrief.ReviewTopic(pm.ID), Kind: debrief.LiveReview, ID: reviewID, Version: version, By: by},
				debrief.LiveEvent{Topic: debrief.IncidentTopic(*pm.IncidentID), Kind: debrief.LivePostmortem, ID: pm.ID, Version: at, By: by})
		}
		if pmVersion > 0 {
			want = append([]debrief.LiveEvent{{Topic: debrief.PostmortemTopic(pm.ID), Kind: debrief.LivePostmortem, ID: pm.ID, Version: pmVersion, By: by},
				{Topic: debrief.IncidentTopic(*pm.IncidentID), Kind: debrief.LivePostmortem, ID: pm.ID, Version: pmVersion, By: by}}, want...)
		}
		if got := rec.take(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s published %+v; want %+v", call, got, want)
		}
	}
	slot := func(r *debrief.Review) time.Time {
		from, _, err := r.Window()
		must(t, err, "Window")
		return from.Add(10 * time.Hour)
	}
	changes := map[string]func(){
		"OpenReview": func() {
			inc, err := svc.CreateIncident(ria, &debrief.Incident{Title: "Search returned stale results"})
			must(t, err, "CreateIncident")
			pm, err := svc.CreatePostmortem(ria, debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "ria@example.com"})
			must(t, err, "CreatePostmortem")
			rec.take()
			r, _, err := svc.OpenReview(ria, pm.ID, debrief.NewReview{})
			must(t, err, "OpenReview")
			expect("OpenReview", pm, r.ID, 1, "ria@example.com", 0)
		},
		"UpdateReview": func() {
			f := open1()
			title := "Review: checkout outage"
			_, _, err := svc.UpdateReview(ria, f.pm.ID, debrief.ReviewPatch{Title: &title}, f.r.Version+1)
			wantCode(t, err, debrief.EConflict, "UpdateReview(stale)")
			expect("UpdateReview with a stale version", f.pm, 0, 0, "", 0)
			next, _, err := svc.UpdateReview(ria, f.pm.ID, debrief.ReviewPatch{Title: &title}, f.r.Version)
			must(t, err, "UpdateReview")
			expect("UpdateReview", f.pm, f.r.ID, next.Version, "ria@example.com", 0)
		},
		"NewReviewLink": func() {
			f := open1()
			_, err := svc.NewReviewLink(ria, f.pm.ID, "dan@example.com")
			must(t, err, "NewReviewLink")
			expect("NewReviewLink", f.pm, f.r.ID, f.r.Version+1, "ria@example.com", 0)
		},
		"MarkAvailability": func() {
			f := open1()
			zone := "Europe/Berlin"
			next, err := svc.MarkAvailability(ria, f.pm.ID, "", debrief.AvailabilityChange{Zone: &zone}, 1)
			must(t, err, "MarkAvailability")
			expect("MarkAvailability", f.pm, f.r.ID, next.Version, "ria@example.com", 0)
		},
		"MarkAvailabilityByLink": func() {
			f := open1()
			zone := "America/New_York"
			next, _, err := svc.MarkAvailabilityByLink(ctxOf(t), f.invites["dan@example.com"], debrief.AvailabilityChange{Zone: &zone}, 1)
			must(t, err, "MarkAvailabilityByLink")
			expect("MarkAvailabilityByLink", f.pm, f.r.ID, next.Version, "dan@example.com (personal link)", 0)
		},
		"AnswerReview": func() {
			f := open1()
			_, err := svc.AnswerReview(ria, f.pm.ID, debrief.AnswerInput{WentWell: "The rollback was quick."}, 0)
			must(t, err, "AnswerReview")
			expect("AnswerReview", f.pm, f.r.ID, f.r.Version+1, "ria@example.com", 0)
		},
		"AnswerReviewByLink": func() {
			f := open1()
			_, err := svc.AnswerReviewByLink(ctxOf(t), f.invites["sam@example.com"], debrief.AnswerInput{WasHard: "Finding the dashboard."}, 0)
			must(t, err, "AnswerReviewByLink")
			expect("AnswerReviewByLink", f.pm, f.r.ID, f.r.Version+1, "sam@example.com (personal link)", 0)
		},
		"ChooseReviewSlot": func() {
			f := open1()
			next, err := svc.ChooseReviewSlot(ria, f.pm.ID, slot(f.r), f.r.Version)
			must(t, err, "ChooseReviewSlot")
			expect("ChooseReviewSlot", f.pm, f.r.ID, next.Version, "ria@example.com", 0)
			_, err = svc.ChooseReviewSlot(ria, f.pm.ID, slot(f.r), next.Version)
			must(t, err, "ChooseReviewSlot(the same slot again)")
			expect("ChooseReviewSlot of the slot already chosen", f.pm, 0, 0, "", 0)
		},
		"CancelReview": func() {
			f := open1()
			next, err := svc.CancelReview(ria, f.pm.ID, f.r.Version)
			must(t, err, "CancelReview")
			expect("CancelReview", f.pm, f.r.ID, next.Version, "ria@example.com", 0)
		},
		"NudgeReviewParticipant": func() {
			f := open1()
			next, err := svc.NudgeReviewParticipant(ria, f.pm.ID, "dan@example.com")
			must(t, err, "NudgeReviewParticipant")
			expect("NudgeReviewParticipant", f.pm, f.r.ID, next.Version, "ria@example.com", 0)
		},
		"StartReviewMeeting": func() {
			f := open1()
			m, _, err := svc.StartReviewMeeting(ria, f.pm.ID, debrief.StartMeeting{})
			must(t, err, "StartReviewMeeting")
			expect("StartReviewMeeting", f.pm, f.r.ID, m.Version, "ria@example.com", 0)
		},
		"NewReviewRoomLink": func() {
			f, m := meeting()
			next, _, err := svc.NewReviewRoomLink(ria, f.pm.ID, m.Version)
			must(t, err, "NewReviewRoomLink")
			expect("NewReviewRoomLink", f.pm, f.r.ID, next.Version, "ria@example.com", 0)
		},
		"ChangeReviewMeeting": func() {
			f, m := meeting()
			_, err := svc.ChangeReviewMeeting(ria, f.pm.ID, debrief.MeetingChange{Action: debrief.MeetingNext}, m.Version+1)
			wantCode(t, err, debrief.EConflict, "ChangeReviewMeeting(stale)")
			expect("ChangeReviewMeeting with a stale version", f.pm, 0, 0, "", 0)
			next, err := svc.ChangeReviewMeeting(ria, f.pm.ID, debrief.MeetingChange{Action: debrief.MeetingNext}, m.Version)
			must(t, err, "ChangeReviewMeeting")
			expect("ChangeReviewMeeting", f.pm, f.r.ID, next.Version, "ria@example.com", 0)
		},
		"AddMeetingGoal": func() {
			f, m := meeting()
			next, err := svc.AddMeetingGoal(ria, f.pm.ID, debrief.MeetingGoal{Text: "Alert on pool saturation", Owner: "sam@example.com"}, m.Version)
			must(t, err, "AddMeetingGoal")
			// The goal becomes an action item, which the board and the
			// incident's and postmortem's pages hear of as of any new item;
			// the review's pages hear of the meeting.
			var items, others []debrief.LiveEvent
			for _, ev := range rec.take() {
				if ev.Kind == debrief.LiveActionItems {
					items = append(items, ev)
				} else {
					others = append(others, ev)
				}
			}
			topics := map[string]bool{}
			for _, ev := range items {
				topics[ev.Topic] = true
			}
			want := []debrief.LiveEvent{{Topic: debrief.ReviewTopic(f.pm.ID), Kind: debrief.LiveReview, ID: f.r.ID, Version: next.Version, By: "ria@example.com"},
				{Topic: debrief.IncidentTopic(*f.pm.IncidentID), Kind: debrief.LivePostmortem, ID: f.pm.ID, Version: f.pm.Version, By: "ria@example.com"}}
			if !reflect.DeepEqual(others, want) || !topics[debrief.ActionItemsTopic] || !topics[debrief.PostmortemTopic(f.pm.ID)] {
				t.Errorf("AddMeetingGoal published %+v besides the action item events on %v; want %+v and the item on the board and the postmortem", others, topics, want)
			}
		},
		"EndReviewMeeting": func() {
			f, m := meeting()
			for _, who := range []string{"ria@example.com", "sam@example.com", "dan@example.com"} {
				var err error
				m, err = svc.ChangeReviewMeeting(ria, f.pm.ID, debrief.MeetingChange{Action: debrief.MeetingSkip, Email: who, Text: "not in the room"}, m.Version)
				must(t, err, "ChangeReviewMeeting(skip)")
			}
			rec.take()
			next, pm, err := svc.EndReviewMeeting(ria, f.pm.ID, m.Version)
			must(t, err, "EndReviewMeeting")
			expect("EndReviewMeeting", f.pm, f.r.ID, next.Version, "ria@example.com", pm.Version)
		},
	}
	reads := map[string]string{
		"Review": "reads", "ReviewAnswers": "reads", "ReviewByLink": "reads", "ReviewDefaults": "reads",
		"ReviewMeeting": "reads", "ReviewMeetingByRoom": "reads", "ReviewParticipantFor": "reads (a check before a change)",
	}
	var missing []string
	st := reflect.TypeOf(svc)
	for i := 0; i < st.NumMethod(); i++ {
		name := st.Method(i).Name
		if !reviewMethod.MatchString(name) {
			continue
		}
		if _, ok := reads[name]; ok {
			continue
		}
		run, ok := changes[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		t.Run(name, func(*testing.T) { run() })
	}
	sort.Strings(missing)
	for _, name := range missing {
		t.Errorf("Service.%s is a review method this test does not know: add it to changes (and make it publish) or to reads", name)
	}
}
