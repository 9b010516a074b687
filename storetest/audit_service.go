package storetest

import (
	"context"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() { Register("AuditEveryChange", testAuditEveryChange) }

// auditEnv is what the cases of testAuditEveryChange share: a Service on
// the real store and records made before each case runs.
type auditEnv struct {
	t     *testing.T
	svc   *debrief.Service
	store debrief.Store
	admin debrief.Actor
}

// auditCase says what one Service method is. A method that changes state
// has run, which calls it once with valid input and returns how many audit
// entries that call must leave (revisions count: a trigger mirrors each
// into the audit log). A method that changes nothing names why instead.
// A method that only the background workers call to keep their own
// records (the notification outbox, its cursors) names in machinery why
// that is no person's change: the people's changes those records follow
// from are audited where they were made.
type auditCase struct {
	run       func(e *auditEnv) int
	read      string
	machinery string
}

// testAuditEveryChange calls every state-changing method of
// debrief.Service once and checks the audit log grew by exactly the entries
// the change owes, whichever door the call would come through: the Service
// is the door the API and the CLI share. Every method must be in the table,
// so a new one cannot be added without deciding how it is audited.
func testAuditEveryChange(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxOf(t)
	now := base
	rec := &liveRecorder{}
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return now }), debrief.WithPasswordHasher(FastHasher),
		debrief.WithTrackerClient(doneTracker{}), debrief.WithPublisher(rec))
	admin := debrief.Actor{Email: "root@example.com", Role: debrief.RoleAdmin, Via: "cli"}
	actx := debrief.WithActor(debrief.WithRequestMeta(ctx, debrief.RequestMeta{IP: "192.0.2.7", UserAgent: "audit-test"}), admin)
	e := &auditEnv{t: t, svc: svc, store: s, admin: admin}

	newIncident := func() *debrief.Incident {
		inc, err := svc.CreateIncident(actx, &debrief.Incident{Title: "Checkout API returned 500s", Services: []string{"checkout"}})
		must(e.t, err, "CreateIncident")
		return inc
	}
	newPostmortem := func() *debrief.Postmortem {
		inc := newIncident()
		pm, err := svc.CreatePostmortem(actx, debrief.NewPostmortem{IncidentID: &inc.ID})
		must(e.t, err, "CreatePostmortem")
		return pm
	}
	newTracker := func() *debrief.Tracker {
		tr, err := svc.CreateTracker(actx, &debrief.Tracker{Name: "gh-" + debrief.NewToken()[:8], Kind: debrief.TrackerGitHub, Project: "acme/platform", Token: "t"})
		must(e.t, err, "CreateTracker")
		return tr
	}
	teams := 0
	newTeam := func() *debrief.Team {
		teams++
		tm, err := svc.CreateTeam(actx, &debrief.Team{Name: "team-" + strconv.Itoa(teams), Services: []string{"service-" + strconv.Itoa(teams)}})
		must(e.t, err, "CreateTeam")
		return tm
	}
	exported := func() *debrief.ActionItem {
		inc := newIncident()
		item, err := svc.CreateActionItem(actx, &debrief.ActionItem{Title: "Add a canary stage", IncidentID: &inc.ID})
		must(e.t, err, "CreateActionItem")
		_, _, err = svc.ExportActionItem(actx, item.ID, newTracker().Name)
		must(e.t, err, "ExportActionItem")
		return item
	}
	newIdea := func() *debrief.Idea {
		pm := newPostmortem()
		idea, err := svc.RaiseIdea(actx, pm.ID, debrief.NewIdea{Title: "Canary every config change"})
		must(e.t, err, "RaiseIdea")
		return idea
	}
	newProject := func() *debrief.Postmortem {
		pm, err := svc.CreatePostmortem(actx, debrief.NewPostmortem{Title: "Launch of one-click checkout"})
		must(e.t, err, "CreatePostmortem")
		return pm
	}
	newUser := func(email, pw string) *debrief.User {
		u, err := svc.CreateUser(actx, debrief.NewUser{Email: email, Name: "Test", Role: debrief.RoleResponder, Password: pw})
		must(e.t, err, "CreateUser")
		return u
	}
	newIntegration := func(kind debrief.IntegrationKind) *debrief.Integration {
		in, _, err := svc.CreateIntegration(actx, &debrief.Integration{Name: "probe-" + debrief.NewToken()[:8], Kind: kind}, nil)
		must(e.t, err, "CreateIntegration")
		return in
	}
	// newReview opens the review of a new postmortem with the admin and one
	// other participant invited: three entries (incident, postmortem,
	// review).
	newReview := func() (*debrief.Postmortem, *debrief.Review, []debrief.ReviewInvite) {
		pm := newPostmortem()
		r, invites, err := svc.OpenReview(actx, pm.ID, debrief.NewReview{Participants: []debrief.ReviewParticipant{
			{Email: admin.Email, Required: true}, {Email: "sre@example.com"}}})
		must(e.t, err, "OpenReview")
		return pm, r, invites
	}
	linkOf := func(invites []debrief.ReviewInvite, email string) string {
		for _, in := range invites {
			if in.Email == email {
				return in.Token
			}
		}
		e.t.Fatalf("no personal link for %s in %v", email, invites)
		return ""
	}
	newMeeting := func() (*debrief.Postmortem, *debrief.ReviewMeeting) {
		pm, _, _ := newReview()
		m, _, err := svc.StartReviewMeeting(actx, pm.ID, debrief.StartMeeting{})
		must(e.t, err, "StartReviewMeeting")
		return pm, m
	}
	answer := debrief.AnswerInput{WentWell: "The rollback took two minutes.", Shared: true}
	template := func(key string) *debrief.CustomTemplate { return sampleTemplate(key, "Template "+key) }
	const pw = "correct horse battery staple"

	cases := map[string]auditCase{
		"Store":      {read: "returns the store"},
		"Now":        {read: "reads the clock"},
		"Severities": {read: "returns configuration"},

		"CreateIncident": {run: func(e *auditEnv) int { newIncident(); return 1 }},
		"UpdateIncident": {run: func(e *auditEnv) int {
			inc := newIncident()
			title := "Checkout API returned 500s for EU customers"
			_, err := svc.UpdateIncident(actx, inc.ID, debrief.IncidentPatch{Title: &title}, inc.Version)
			must(e.t, err, "UpdateIncident")
			return 2
		}},
		"DeleteIncident": {run: func(e *auditEnv) int {
			inc := newIncident()
			must(e.t, svc.DeleteIncident(actx, inc.ID, inc.Version), "DeleteIncident")
			return 2
		}},
		"AddTimelineEvents": {run: func(e *auditEnv) int {
			inc := newIncident()
			_, err := svc.AddTimelineEvents(actx, inc.ID, []*debrief.TimelineEvent{{At: base, Text: "Rolled back"}}, debrief.AddEventsOptions{})
			must(e.t, err, "AddTimelineEvents")
			return 2
		}},
		"ImportTimeline": {run: func(e *auditEnv) int {
			inc := newIncident()
			_, err := svc.ImportTimeline(actx, inc.ID, []*debrief.TimelineEvent{{At: base, Text: "Rolled back", Source: debrief.SourceSlack, ExternalID: "1"}, {At: base, Text: "Recovered", Source: debrief.SourceSlack, ExternalID: "2"}}, debrief.AddEventsOptions{})
			must(e.t, err, "ImportTimeline")
			return 2
		}},
		"UpdateTimelineEvent": {run: func(e *auditEnv) int {
			inc := newIncident()
			_, err := svc.AddTimelineEvents(actx, inc.ID, []*debrief.TimelineEvent{{At: base, Text: "Rolled back"}}, debrief.AddEventsOptions{})
			must(e.t, err, "AddTimelineEvents")
			evs, err := svc.ListTimeline(actx, inc.ID, debrief.TimelineFilter{})
			must(e.t, err, "ListTimeline")
			text := "Rolled back to v41"
			_, err = svc.UpdateTimelineEvent(actx, inc.ID, evs[0].ID, debrief.TimelineEventPatch{Text: &text}, evs[0].Version)
			must(e.t, err, "UpdateTimelineEvent")
			return 3
		}},
		"DeleteTimelineEvent": {run: func(e *auditEnv) int {
			inc := newIncident()
			_, err := svc.AddTimelineEvents(actx, inc.ID, []*debrief.TimelineEvent{{At: base, Text: "Rolled back"}}, debrief.AddEventsOptions{})
			must(e.t, err, "AddTimelineEvents")
			evs, err := svc.ListTimeline(actx, inc.ID, debrief.TimelineFilter{})
			must(e.t, err, "ListTimeline")
			must(e.t, svc.DeleteTimelineEvent(actx, inc.ID, evs[0].ID, evs[0].Version), "DeleteTimelineEvent")
			return 3
		}},
		"UpdateSection": {run: func(e *auditEnv) int {
			pm := newPostmortem()
			body := "Checkout returned 500s for 42 minutes."
			_, err := svc.UpdateSection(actx, pm.ID, pm.Sections[0].Key, debrief.SectionEdit{Body: &body, BaseVersion: pm.Version})
			must(e.t, err, "UpdateSection")
			return 3 // its incident, the postmortem, the section's revision
		}},
		"AddAttachment": {run: func(e *auditEnv) int {
			inc := newIncident()
			_, err := svc.AddAttachment(actx, debrief.NewAttachment{IncidentID: &inc.ID, Filename: "notes.txt", Data: []byte("error rate 12%\n")})
			must(e.t, err, "AddAttachment")
			return 2
		}},
		"DeleteAttachment": {run: func(e *auditEnv) int {
			inc := newIncident()
			at, err := svc.AddAttachment(actx, debrief.NewAttachment{IncidentID: &inc.ID, Filename: "notes.txt", Data: []byte("error rate 12%\n")})
			must(e.t, err, "AddAttachment")
			must(e.t, svc.DeleteAttachment(actx, at.ID), "DeleteAttachment")
			return 3
		}},
		"CreatePostmortem": {run: func(e *auditEnv) int { newPostmortem(); return 2 /* its incident and itself */ }},
		"UpdatePostmortem": {run: func(e *auditEnv) int {
			pm := newPostmortem()
			title := "Checkout outage"
			_, err := svc.UpdatePostmortem(actx, pm.ID, debrief.PostmortemPatch{Title: &title}, pm.Version)
			must(e.t, err, "UpdatePostmortem")
			return 3
		}},
		// A project postmortem's parts: one entry for it, one for the save.
		"SetProjectDates": {run: func(e *auditEnv) int {
			pm := newProject()
			from := base.AddDate(0, -1, 0)
			_, err := svc.SetProjectDates(actx, pm.ID, &from, nil, 0)
			must(e.t, err, "SetProjectDates")
			return 2
		}},
		"SetProjectMetrics": {run: func(e *auditEnv) int {
			pm := newProject()
			_, err := svc.SetProjectMetrics(actx, pm.ID, []debrief.Metric{{Name: "Checkout conversion", Unit: "%"}}, 0)
			must(e.t, err, "SetProjectMetrics")
			return 2
		}},
		"SetProjectFeedback": {run: func(e *auditEnv) int {
			pm := newProject()
			_, err := svc.SetProjectFeedback(actx, pm.ID, "The launch checklist saved us a day.", 0)
			must(e.t, err, "SetProjectFeedback")
			return 2
		}},
		"DeletePostmortem": {run: func(e *auditEnv) int {
			pm := newPostmortem()
			must(e.t, svc.DeletePostmortem(actx, pm.ID, pm.Version), "DeletePostmortem")
			return 3
		}},
		"CreateActionItem": {run: func(e *auditEnv) int {
			inc := newIncident()
			_, err := svc.CreateActionItem(actx, &debrief.ActionItem{Title: "Add an alert on checkout errors", IncidentID: &inc.ID})
			must(e.t, err, "CreateActionItem")
			return 2
		}},
		"UpdateActionItem": {run: func(e *auditEnv) int {
			inc := newIncident()
			it, err := svc.CreateActionItem(actx, &debrief.ActionItem{Title: "Add an alert on checkout errors", IncidentID: &inc.ID})
			must(e.t, err, "CreateActionItem")
			title := "Add an alert on checkout error rate"
			_, err = svc.UpdateActionItem(actx, it.ID, debrief.ActionItemPatch{Title: &title}, it.Version)
			must(e.t, err, "UpdateActionItem")
			return 3
		}},
		"DeleteActionItem": {run: func(e *auditEnv) int {
			inc := newIncident()
			it, err := svc.CreateActionItem(actx, &debrief.ActionItem{Title: "Add an alert on checkout errors", IncidentID: &inc.ID})
			must(e.t, err, "CreateActionItem")
			must(e.t, svc.DeleteActionItem(actx, it.ID, it.Version), "DeleteActionItem")
			return 3
		}},
		"RaiseIdea": {run: func(e *auditEnv) int {
			newIdea()
			return 3 // incident, postmortem, idea
		}},
		"AddIdeaMention": {run: func(e *auditEnv) int {
			idea := newIdea()
			pm := newPostmortem()
			_, err := svc.AddIdeaMention(actx, idea.ID, pm.ID, "Again.", idea.Version)
			must(e.t, err, "AddIdeaMention")
			return 6
		}},
		"UpdateIdea": {run: func(e *auditEnv) int {
			idea := newIdea()
			dropped := debrief.IdeaDropped
			_, err := svc.UpdateIdea(actx, idea.ID, debrief.IdeaPatch{Status: &dropped}, idea.Version)
			must(e.t, err, "UpdateIdea")
			return 4
		}},
		"MergeIdeas": {run: func(e *auditEnv) int {
			a, b := newIdea(), newIdea()
			_, err := svc.MergeIdeas(actx, a.ID, b.ID, a.Version, b.Version)
			must(e.t, err, "MergeIdeas")
			return 8 // two ideas with their postmortems, then one revision each
		}},
		"PromoteIdea": {run: func(e *auditEnv) int {
			idea := newIdea()
			_, _, err := svc.PromoteIdea(actx, idea.ID, idea.Version, &debrief.ActionItem{})
			must(e.t, err, "PromoteIdea")
			return 5 // the idea's three, the action item and the idea's promotion
		}},
		"CreateTeam": {run: func(e *auditEnv) int { newTeam(); return 1 }},
		"UpdateTeam": {run: func(e *auditEnv) int {
			tm := newTeam()
			members := []string{"ana@example.com"}
			_, err := svc.UpdateTeam(actx, tm.Name, debrief.TeamPatch{Members: &members}, tm.Version)
			must(e.t, err, "UpdateTeam")
			return 2
		}},
		"DeleteTeam": {run: func(e *auditEnv) int {
			tm := newTeam()
			must(e.t, svc.DeleteTeam(actx, tm.Name, tm.Version), "DeleteTeam")
			return 2
		}},
		"Team":          {read: "reads a team"},
		"ListTeams":     {read: "lists teams"},
		"TeamsPage":     {read: "lists a page of teams"},
		"IncidentTeams": {read: "lists the teams owning an incident's services"},
		"CreateTracker": {run: func(e *auditEnv) int { newTracker(); return 1 }},
		"UpdateTracker": {run: func(e *auditEnv) int {
			tr := newTracker()
			project, token := "acme/payments", "a new token"
			_, err := svc.UpdateTracker(actx, tr.ID, debrief.TrackerPatch{Project: &project, Token: &token}, tr.Version)
			must(e.t, err, "UpdateTracker")
			return 2
		}},
		"DeleteTracker": {run: func(e *auditEnv) int {
			tr := newTracker()
			must(e.t, svc.DeleteTracker(actx, tr.ID, tr.Version), "DeleteTracker")
			return 2
		}},
		"ListTrackers":   {read: "lists trackers"},
		"TrackersPage":   {read: "lists a page of trackers"},
		"TrackerLinksOf": {read: "lists the tracker links of action items"},
		"ExportActionItem": {run: func(e *auditEnv) int {
			exported()
			return 4 // incident, item, tracker, the item's tracker_url
		}},
		"SyncActionItem": {run: func(e *auditEnv) int {
			item := exported()
			_, err := svc.SyncActionItem(actx, item.ID)
			must(e.t, err, "SyncActionItem")
			return 5 // and the item marked done
		}},
		"SyncTrackers":    {machinery: "the periodic job reads trackers back; the items it marks done get revisions (tracker tests check them)"},
		"ActionItemLinks": {read: "lists an item's tracker links"},
		"Idea":            {read: "reads an idea"},
		"IdeaByRef":       {read: "reads an idea"},
		"ListIdeas":       {read: "lists ideas"},
		"SimilarIdeas":    {read: "compares ideas"},
		"ImportPostmortem": {run: func(e *auditEnv) int {
			_, err := svc.ImportPostmortem(actx, &debrief.PostmortemImport{
				Incident:   &debrief.Incident{Title: "Checkout API returned 500s"},
				Postmortem: &debrief.Postmortem{Title: "Checkout outage"},
			})
			must(e.t, err, "ImportPostmortem")
			return 2 // one revision per record imported
		}},
		"CreatePublicLink": {run: func(e *auditEnv) int {
			pm := newPostmortem()
			_, _, err := svc.CreatePublicLink(actx, pm.ID)
			must(e.t, err, "CreatePublicLink")
			return 3
		}},
		"RevokePublicLink": {run: func(e *auditEnv) int {
			pm := newPostmortem()
			l, _, err := svc.CreatePublicLink(actx, pm.ID)
			must(e.t, err, "CreatePublicLink")
			_, err = svc.RevokePublicLink(actx, pm.ID, l.ID)
			must(e.t, err, "RevokePublicLink")
			return 4
		}},
		// Every change of a review appends one revision, which the trigger
		// mirrors into the audit log.
		"OpenReview": {run: func(e *auditEnv) int { newReview(); return 3 }},
		"UpdateReview": {run: func(e *auditEnv) int {
			pm, r, _ := newReview()
			title := "Review: checkout outage"
			_, _, err := svc.UpdateReview(actx, pm.ID, debrief.ReviewPatch{Title: &title}, r.Version)
			must(e.t, err, "UpdateReview")
			return 4
		}},
		"NewReviewLink": {run: func(e *auditEnv) int {
			pm, _, _ := newReview()
			_, err := svc.NewReviewLink(actx, pm.ID, "sre@example.com")
			must(e.t, err, "NewReviewLink")
			return 4
		}},
		"MarkAvailability": {run: func(e *auditEnv) int {
			pm, r, _ := newReview()
			zone := "Europe/Berlin"
			_, err := svc.MarkAvailability(actx, pm.ID, "", debrief.AvailabilityChange{Zone: &zone}, r.Participant(admin.Email).Version)
			must(e.t, err, "MarkAvailability")
			return 4
		}},
		"MarkAvailabilityByLink": {run: func(e *auditEnv) int {
			_, r, invites := newReview()
			zone := "America/New_York"
			_, _, err := svc.MarkAvailabilityByLink(ctx, linkOf(invites, "sre@example.com"), debrief.AvailabilityChange{Zone: &zone}, r.Participant("sre@example.com").Version)
			must(e.t, err, "MarkAvailabilityByLink")
			return 4
		}},
		"ChooseReviewSlot": {run: func(e *auditEnv) int {
			pm, r, _ := newReview()
			from, _, err := r.Window()
			must(e.t, err, "Window")
			_, err = svc.ChooseReviewSlot(actx, pm.ID, from.Add(10*time.Hour), r.Version)
			must(e.t, err, "ChooseReviewSlot")
			return 4
		}},
		"CancelReview": {run: func(e *auditEnv) int {
			pm, r, _ := newReview()
			_, err := svc.CancelReview(actx, pm.ID, r.Version)
			must(e.t, err, "CancelReview")
			return 4
		}},
		"AnswerReview": {run: func(e *auditEnv) int {
			pm, _, _ := newReview()
			_, err := svc.AnswerReview(actx, pm.ID, answer, 0)
			must(e.t, err, "AnswerReview")
			return 4
		}},
		"AnswerReviewByLink": {run: func(e *auditEnv) int {
			_, _, invites := newReview()
			_, err := svc.AnswerReviewByLink(ctx, linkOf(invites, "sre@example.com"), answer, 0)
			must(e.t, err, "AnswerReviewByLink")
			return 4
		}},
		// The meeting held: each step is one revision of the meeting
		// (review_meeting), on top of the three of newReview.
		"StartReviewMeeting": {run: func(e *auditEnv) int { newMeeting(); return 4 }},
		"NewReviewRoomLink": {run: func(e *auditEnv) int {
			pm, m := newMeeting()
			_, _, err := svc.NewReviewRoomLink(actx, pm.ID, m.Version)
			must(e.t, err, "NewReviewRoomLink")
			return 5
		}},
		"ChangeReviewMeeting": {run: func(e *auditEnv) int {
			pm, m := newMeeting()
			_, err := svc.ChangeReviewMeeting(actx, pm.ID, debrief.MeetingChange{Action: debrief.MeetingNext}, m.Version)
			must(e.t, err, "ChangeReviewMeeting")
			return 5
		}},
		"AddMeetingGoal": {run: func(e *auditEnv) int {
			pm, m := newMeeting()
			_, err := svc.AddMeetingGoal(actx, pm.ID, debrief.MeetingGoal{Text: "Alert on the pool's saturation", Owner: "sre@example.com", Due: "2026-04-01"}, m.Version)
			must(e.t, err, "AddMeetingGoal")
			return 6 // the action item and the meeting
		}},
		"EndReviewMeeting": {run: func(e *auditEnv) int {
			pm, m := newMeeting()
			for _, who := range []string{admin.Email, "sre@example.com"} {
				var err error
				m, err = svc.ChangeReviewMeeting(actx, pm.ID, debrief.MeetingChange{Action: debrief.MeetingSkip, Email: who, Text: "not in the room"}, m.Version)
				must(e.t, err, "ChangeReviewMeeting(skip)")
			}
			_, _, err := svc.EndReviewMeeting(actx, pm.ID, m.Version)
			must(e.t, err, "EndReviewMeeting")
			return 8 // two skips, the postmortem's feedback section, the end
		}},
		"NudgeReviewParticipant": {run: func(e *auditEnv) int {
			pm, _, _ := newReview()
			// Reminders need a way to send them; this one only counts.
			nsvc := debrief.NewService(s, debrief.WithClock(func() time.Time { return now }), debrief.WithReviewNotifier(&countingNotifier{}), debrief.WithPublisher(rec))
			_, err := nsvc.NudgeReviewParticipant(actx, pm.ID, "sre@example.com")
			must(e.t, err, "NudgeReviewParticipant")
			return 4
		}},
		"CreateIntegration": {run: func(e *auditEnv) int { newIntegration(debrief.IntegrationGrafana); return 1 }},
		"UpdateIntegration": {run: func(e *auditEnv) int {
			in := newIntegration(debrief.IntegrationGitHub)
			_, _, err := svc.UpdateIntegration(actx, in.ID, debrief.IntegrationPatch{SigningSecrets: []string{"a-new-signing-secret-of-some-length"}}, in.Version)
			must(e.t, err, "UpdateIntegration(rotate signing secret)")
			return 2
		}},
		"DeleteIntegration": {run: func(e *auditEnv) int {
			in := newIntegration(debrief.IntegrationGrafana)
			must(e.t, svc.DeleteIntegration(actx, in.ID), "DeleteIntegration")
			return 2
		}},
		"Ingest": {run: func(e *auditEnv) int {
			in := newIntegration(debrief.IntegrationGrafana)
			ictx := debrief.WithActor(ctx, debrief.IntegrationActor(in))
			_, err := svc.Ingest(ictx, in, []debrief.IngestAlert{{GroupKey: "g1", Fingerprint: "f1", Status: debrief.AlertFiring, Title: "Checkout errors above 2%", StartsAt: base}}, nil, &debrief.Delivery{IntegrationID: in.ID})
			must(e.t, err, "Ingest")
			return 2 // the integration, the incident it opened
		}},
		"RecordRejectedDelivery": {read: "appends to the integration's delivery log, which is its own record of refused deliveries and changes nothing else"},
		"CreateTemplate": {run: func(e *auditEnv) int {
			_, err := svc.CreateTemplate(actx, template("security"))
			must(e.t, err, "CreateTemplate")
			return 1
		}},
		"UpdateTemplate": {run: func(e *auditEnv) int {
			tpl, err := svc.CreateTemplate(actx, template("billing"))
			must(e.t, err, "CreateTemplate")
			next := template("billing")
			next.Name = "Billing incidents"
			_, err = svc.UpdateTemplate(actx, "billing", next, tpl.Version)
			must(e.t, err, "UpdateTemplate")
			return 2
		}},
		"ApplyTemplate": {run: func(e *auditEnv) int {
			_, _, err := svc.ApplyTemplate(actx, template("payments"))
			must(e.t, err, "ApplyTemplate")
			return 1
		}},
		"DeleteTemplate": {run: func(e *auditEnv) int {
			tpl, err := svc.CreateTemplate(actx, template("legacy"))
			must(e.t, err, "CreateTemplate")
			must(e.t, svc.DeleteTemplate(actx, "legacy", tpl.Version), "DeleteTemplate")
			return 2
		}},
		"Reindex": {run: func(e *auditEnv) int {
			_, err := svc.Reindex(actx)
			must(e.t, err, "Reindex")
			return 1
		}},

		"CreateUser": {run: func(e *auditEnv) int { newUser("ada@example.com", pw); return 1 }},
		"UpdateUser": {run: func(e *auditEnv) int {
			u := newUser("bea@example.com", pw)
			role := debrief.RoleViewer
			_, err := svc.UpdateUser(actx, u.ID, debrief.UserPatch{Role: &role})
			must(e.t, err, "UpdateUser")
			return 2
		}},
		"SetPassword": {run: func(e *auditEnv) int {
			u := newUser("cid@example.com", pw)
			must(e.t, svc.SetPassword(actx, u.ID, "another horse battery staple"), "SetPassword")
			return 2
		}},
		"ChangePassword": {run: func(e *auditEnv) int {
			u := newUser("dee@example.com", pw)
			uctx := debrief.WithActor(ctx, u.Actor("session"))
			must(e.t, svc.ChangePassword(uctx, pw, "another horse battery staple", false), "ChangePassword")
			return 2
		}},
		"Login": {run: func(e *auditEnv) int {
			newUser("eve@example.com", pw)
			_, _, err := svc.Login(ctx, "eve@example.com", pw)
			must(e.t, err, "Login")
			return 2
		}},
		"StartSession": {run: func(e *auditEnv) int {
			u := newUser("fay@example.com", pw)
			_, _, err := svc.StartSession(ctx, u, "oidc")
			must(e.t, err, "StartSession")
			return 2
		}},
		"Logout": {run: func(e *auditEnv) int {
			newUser("gus@example.com", pw)
			u, cookie, err := svc.Login(ctx, "gus@example.com", pw)
			must(e.t, err, "Login")
			must(e.t, svc.Logout(debrief.WithActor(ctx, u.Actor("session")), cookie), "Logout")
			return 3
		}},
		"SignInSSO": {run: func(e *auditEnv) int {
			_, err := svc.SignInSSO(ctx, debrief.SSOClaims{Issuer: "https://sso.example.com", Subject: "hal", Email: "hal@example.com", EmailVerified: true, Name: "Hal", Role: debrief.RoleViewer})
			must(e.t, err, "SignInSSO")
			return 2 // the new account and its link to the identity
		}},
		"CreateToken": {run: func(e *auditEnv) int {
			u := newUser("jo@example.com", pw)
			_, _, err := svc.CreateToken(actx, debrief.NewAPIToken{UserID: u.ID, Name: "ci", Scope: debrief.ScopeRead})
			must(e.t, err, "CreateToken")
			return 2
		}},
		"RevokeToken": {run: func(e *auditEnv) int {
			u := newUser("kim@example.com", pw)
			tok, _, err := svc.CreateToken(actx, debrief.NewAPIToken{UserID: u.ID, Name: "ci", Scope: debrief.ScopeRead})
			must(e.t, err, "CreateToken")
			_, err = svc.RevokeToken(actx, tok.ID)
			must(e.t, err, "RevokeToken")
			return 3
		}},
		"TokenActor": {run: func(e *auditEnv) int {
			u := newUser("ivy@example.com", pw)
			_, secret, err := svc.CreateToken(debrief.WithActor(ctx, u.Actor("session")), debrief.NewAPIToken{Name: "ci", Scope: debrief.ScopeRead})
			must(e.t, err, "CreateToken")
			_, err = svc.TokenActor(ctx, secret)
			must(e.t, err, "TokenActor")
			return 3 // the user, the token, its first use
		}},
		"AuditDenied": {run: func(e *auditEnv) int {
			svc.AuditDenied(actx, admin, "probe", "test")
			return 1
		}},

		"SessionActor":              {read: "checks a session cookie"},
		"Users":                     {read: "lists"},
		"UsersPage":                 {read: "lists"},
		"TokensPage":                {read: "lists"},
		"IntegrationsPage":          {read: "lists"},
		"TemplatesPage":             {read: "lists"},
		"IdeasPage":                 {read: "lists"},
		"UserByEmail":               {read: "reads"},
		"Tokens":                    {read: "lists"},
		"AuditLog":                  {read: "lists"},
		"Incident":                  {read: "reads"},
		"IncidentByRef":             {read: "reads"},
		"ListIncidents":             {read: "lists"},
		"ListRevisions":             {read: "lists"},
		"ListTimeline":              {read: "lists"},
		"TimelinePage":              {read: "lists a page of a timeline"},
		"TimelineSummary":           {read: "counts a timeline"},
		"TimelineEvent":             {read: "reads"},
		"Postmortem":                {read: "reads"},
		"PostmortemByRef":           {read: "reads"},
		"PostmortemStampByRef":      {read: "reads a stamp"},
		"PostmortemDocument":        {read: "reads"},
		"ListPostmortems":           {read: "lists"},
		"ActionItem":                {read: "reads"},
		"ActionItemByRef":           {read: "reads"},
		"ListActionItems":           {read: "lists"},
		"PublicLinksPage":           {read: "lists"},
		"PublicLinkPostmortem":      {read: "reads"},
		"Integration":               {read: "reads"},
		"WebhookIntegration":        {read: "reads"},
		"ListIntegrations":          {read: "lists"},
		"ListDeliveries":            {read: "lists"},
		"Search":                    {read: "searches"},
		"SimilarIncidents":          {read: "searches"},
		"OnThisDay":                 {read: "lists"},
		"WeeklyDigests":             {read: "lists"},
		"Template":                  {read: "reads"},
		"Templates":                 {read: "lists"},
		"TemplateDefinition":        {read: "reads"},
		"TemplateDefinitions":       {read: "lists"},
		"TemplateAtVersion":         {read: "reads"},
		"TemplateVersionsPage":      {read: "lists"},
		"TemplateForIncident":       {read: "reads"},
		"PostmortemRequirementFor":  {read: "reads"},
		"PostmortemTemplate":        {read: "reads"},
		"Attachment":                {read: "reads"},
		"Attachments":               {read: "lists"},
		"AttachmentsPage":           {read: "lists"},
		"MaxAttachment":             {read: "returns configuration"},
		"FactorSuggestions":         {read: "suggests from what is stored"},
		"KnownAddress":              {read: "reads the audit log"},
		"Review":                    {read: "reads"},
		"ReviewAnswers":             {read: "reads"},
		"ReviewByLink":              {read: "reads"},
		"ReviewMeeting":             {read: "reads"},
		"ReviewDefaults":            {read: "proposes a plan without storing it"},
		"ReviewMeetingByRoom":       {read: "reads"},
		"ReviewParticipantFor":      {read: "checks who may mark a participant's times; a refusal is audited by AuditDenied"},
		"AnalyticsVersion":          {read: "reads"},
		"ScanAnalytics":             {read: "reads"},
		"ListNotifications":         {read: "lists"},
		"ListNotificationChannels":  {read: "lists"},
		"NotificationChannelsPage":  {read: "lists"},
		"MyNotificationPreferences": {read: "reads"},
		"NotificationOptOuts":       {read: "lists"},
		"NotifyCursor":              {read: "reads"},
		"RevisionsSince":            {read: "lists"},

		"EnqueueNotifications": {machinery: "the producers queue messages about changes that are audited themselves; the outbox is the log of what was sent"},
		"ClaimNotifications":   {machinery: "a worker leases queued messages to send them"},
		"FinishNotification":   {machinery: "a worker records a delivery in the outbox, which is the delivery log"},
		"RetryNotification":    {machinery: "a worker records a failed delivery attempt in the outbox; no person calls it (there is no retry route)"},
		"SetNotifyCursor":      {machinery: "a producer saves how far it has read"},

		"CreateNotificationChannel": {run: func(e *auditEnv) int {
			must(e.t, svc.CreateNotificationChannel(actx, &debrief.NotificationChannel{Kind: debrief.ChannelSlack, Name: "incidents", Target: "https://hooks.slack.example/T1"}), "CreateNotificationChannel")
			return 1
		}},
		"DeleteNotificationChannel": {run: func(e *auditEnv) int {
			c := &debrief.NotificationChannel{Kind: debrief.ChannelEmail, Name: "oncall", Target: "oncall@example.com"}
			must(e.t, svc.CreateNotificationChannel(actx, c), "CreateNotificationChannel")
			must(e.t, svc.DeleteNotificationChannel(actx, c.ID), "DeleteNotificationChannel")
			return 2
		}},
		"MuteIncident": {run: func(e *auditEnv) int {
			inc := newIncident()
			must(e.t, svc.MuteIncident(actx, inc.ID, true), "MuteIncident")
			must(e.t, svc.MuteIncident(actx, inc.ID, false), "MuteIncident(unmute)")
			return 3 // the incident, the mute, the unmute
		}},
		"SetOptedOutEvents": {run: func(e *auditEnv) int {
			_, err := svc.SetOptedOutEvents(actx, []string{debrief.EventWeeklySummary})
			must(e.t, err, "SetOptedOutEvents")
			return 1
		}},

		// Refused webhook deliveries are counted on the integration, not
		// audited one by one, so a flood cannot fill the audit log.
		"RecordRefusedDelivery": {read: "counts a refused delivery"},
	}

	typ := reflect.TypeOf(svc)
	var names []string
	for i := 0; i < typ.NumMethod(); i++ {
		names = append(names, typ.Method(i).Name)
	}
	sort.Strings(names)
	present := map[string]bool{}
	for _, name := range names {
		present[name] = true
		c, ok := cases[name]
		if !ok {
			t.Errorf("debrief.Service.%s is not in testAuditEveryChange's table: add a case that calls it and counts its audit entries, or say why it changes nothing", name)
			continue
		}
		if c.run == nil {
			continue
		}
		t.Run(name, func(t *testing.T) {
			e.t = t
			now = now.Add(time.Minute)
			start := count(e)
			rec.take()
			want := c.run(e)
			got := newEntries(e, start)
			if len(got) != want {
				t.Errorf("Service.%s left %d audit entries %v; want %d", name, len(got), auditActions(got), want)
			}
			checkLiveTold(t, name, got, rec.take())
			for _, en := range got {
				// Revisions are mirrored by a trigger that cannot know the
				// request; the entries the Service writes itself carry it.
				if en.Actor == admin.Label() && serviceTargets[en.TargetType] && (en.IP != "192.0.2.7" || en.UserAgent != "audit-test") {
					t.Errorf("Service.%s audit entry %s has ip %q, user agent %q; want the request's", name, en.Action, en.IP, en.UserAgent)
				}
			}
		})
	}
	for name := range cases {
		if !present[name] && cases[name].read == "" && cases[name].machinery == "" {
			t.Errorf("testAuditEveryChange has a case for %s, which debrief.Service does not have", name)
		}
	}
}

// serviceTargets are the targets of the entries the Service writes itself.
var serviceTargets = map[string]bool{debrief.TargetIntegration: true, debrief.TargetTemplate: true, debrief.TargetPublicLink: true,
	debrief.TargetSearchIndex: true, debrief.TargetUser: true, debrief.TargetToken: true,
	debrief.TargetNotificationChannel: true, debrief.TargetNotificationPrefs: true}

// count returns the number of audit entries so far.
func count(e *auditEnv) int {
	e.t.Helper()
	return len(allAudit(e))
}

// newEntries returns the entries appended after the first start ones.
func newEntries(e *auditEnv, start int) []*debrief.AuditEntry {
	return allAudit(e)[start:]
}

func allAudit(e *auditEnv) []*debrief.AuditEntry {
	e.t.Helper()
	as := accounts(e.t, e.store)
	var out []*debrief.AuditEntry
	f := debrief.AuditFilter{Limit: debrief.MaxPageSize}
	for {
		p, err := as.ListAudit(e.t.Context(), f)
		must(e.t, err, "ListAudit")
		out = append(out, p.Items...)
		if p.NextCursor == "" {
			break
		}
		f.After = p.NextCursor
	}
	// ListAudit is newest first; oldest first makes the tail the new ones.
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// doneTracker is a tracker client that answers without a network: every
// issue it creates exists, and every issue is done.
type doneTracker struct{}

func (doneTracker) CreateIssue(_ context.Context, t *debrief.Tracker, item *debrief.ActionItem, _ string) (debrief.TrackerIssue, error) {
	return debrief.TrackerIssue{Key: t.Project + "#" + strconv.FormatInt(item.ID, 10), URL: "https://github.com/" + t.Project + "/issues/" + strconv.FormatInt(item.ID, 10)}, nil
}

func (doneTracker) Issue(_ context.Context, t *debrief.Tracker, key string) (debrief.TrackerIssue, error) {
	return debrief.TrackerIssue{Key: key, URL: "https://github.com/" + t.Project + "/issues/1", Done: true}, nil
}

// checkLiveTold checks that a change open pages show was told to them: each
// audited change of a record that a live page shows (an incident, its
// timeline, a postmortem, an action item, a review) must come with an event
// on that page's topic, of a kind that page refreshes on, one event for
// each entry. The cases of
// testAuditEveryChange call every change of debrief.Service, so a new
// method, or one that forgets, fails here. Making an incident or a
// postmortem needs no event: no page of it can be open yet.
func checkLiveTold(t *testing.T, method string, entries []*debrief.AuditEntry, events []debrief.LiveEvent) {
	t.Helper()
	// Each entry takes its own event, so that the events of a case's
	// setup cannot stand in for the change it calls.
	used := make([]bool, len(events))
	told := func(topic string, kinds ...string) bool {
		for i, ev := range events {
			if !used[i] && (topic == "" || ev.Topic == topic) && slices.Contains(kinds, ev.Kind) {
				used[i] = true
				return true
			}
		}
		return false
	}
	for _, en := range entries {
		entity, action, _ := strings.Cut(en.Action, ".")
		id := en.TargetID
		made := action == "create" || action == "import"
		var topic string
		var kinds []string
		switch {
		case entity == debrief.EntityIncident && strings.HasPrefix(action, "timeline."):
			topic, kinds = "incident:"+id, []string{debrief.LiveTimeline}
		case entity == debrief.EntityIncident:
			if made {
				continue
			}
			topic, kinds = "incident:"+id, []string{debrief.LiveIncident}
		case entity == debrief.EntityTimeline:
			kinds = []string{debrief.LiveTimeline}
		case entity == debrief.EntityPostmortem:
			if made {
				continue
			}
			topic, kinds = "postmortem:"+id, []string{debrief.LivePostmortem, debrief.LiveSection}
		case entity == debrief.EntityActionItem:
			topic, kinds = debrief.ActionItemsTopic, []string{debrief.LiveActionItems}
		case entity == debrief.EntityReview || entity == debrief.EntityReviewMeeting:
			kinds = []string{debrief.LiveReview}
		default:
			continue
		}
		if !told(topic, kinds...) {
			t.Errorf("Service.%s audited %s %s but told the pages that show it nothing (published %+v); want an event of kind %v on %q", method, en.Action, id, events, kinds, topic)
		}
	}
}
