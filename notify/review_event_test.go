package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/notify"
)

// TestReviewScheduledEvent chooses a review meeting's slot and moves it:
// each is announced once to the channels that take review.scheduled, with
// the time in the organiser's zone, and to nobody by e-mail (participants
// get the invitation itself).
func TestReviewScheduledEvent(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			clk := newClock(start)
			svc := debrief.NewService(openDB(t, dsnFor(t, engine)), debrief.WithClock(clk.now))
			if err := svc.CreateNotificationChannel(admin(), &debrief.NotificationChannel{Kind: debrief.ChannelSlack, Name: "reviews",
				Target: "https://hooks.slack.example/reviews", Events: []string{debrief.EventReviewScheduled}}); err != nil {
				t.Fatal(err)
			}
			p := notify.NewProducer(svc, notify.ProducerConfig{BaseURL: "https://debrief.example.com", Email: true}, nil, nil)
			inc, err := svc.CreateIncident(responder(), &debrief.Incident{Title: "Checkout returned 500s", StartedAt: start})
			if err != nil {
				t.Fatal(err)
			}
			pm, err := svc.CreatePostmortem(responder(), debrief.NewPostmortem{IncidentID: &inc.ID, Owner: "rita@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			r, _, err := svc.OpenReview(responder(), pm.ID, debrief.NewReview{Zone: "Europe/Berlin", WindowStart: "2026-04-07", WindowEnd: "2026-04-10",
				Participants: []debrief.ReviewParticipant{{Email: "rita@example.com", Required: true}, {Email: "sam@example.com"}}})
			if err != nil {
				t.Fatal(err)
			}
			runProducer(t, p, 0) // opened, not scheduled
			r, err = svc.ChooseReviewSlot(responder(), pm.ID, time.Date(2026, 4, 8, 12, 0, 0, 0, time.UTC), r.Version)
			if err != nil {
				t.Fatal(err)
			}
			runProducer(t, p, 1)
			runProducer(t, p, 0)
			if _, err := svc.ChooseReviewSlot(responder(), pm.ID, time.Date(2026, 4, 9, 8, 0, 0, 0, time.UTC), r.Version); err != nil {
				t.Fatal(err)
			}
			runProducer(t, p, 1)
			var subjects []string
			for _, n := range logOf(t, svc) {
				if n.Event != debrief.EventReviewScheduled || n.Target != "https://hooks.slack.example/reviews" {
					t.Errorf("unexpected notification %s → %s", n.EventKey, n.Target)
				}
				subjects = append(subjects, n.Message.Subject)
			}
			want := []string{
				"Review of " + pm.Key + " scheduled for Wednesday 8 April 2026 14:00 (Europe/Berlin)",
				"Review of " + pm.Key + " scheduled for Thursday 9 April 2026 10:00 (Europe/Berlin)",
			}
			for _, w := range want {
				found := false
				for _, s := range subjects {
					found = found || strings.HasPrefix(s, w)
				}
				if !found {
					t.Errorf("no notification says %q; subjects %q", w, subjects)
				}
			}
		})
	}
}
