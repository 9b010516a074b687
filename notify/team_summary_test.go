package notify_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/notify"
)

// TestWeeklyTeamSummary gives two teams their services and members, and
// checks Monday's summaries on both engines: each team's members get their
// team's open and overdue items by e-mail (not a member who opted out of
// summaries), the channel that takes summaries gets each team's, named,
// items of other teams' incidents and of private incidents are left out,
// and running again sends nothing twice.
func TestWeeklyTeamSummary(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			week := start.AddDate(0, 0, -5) // the Wednesday before
			clk := newClock(week)
			svc := debrief.NewService(openDB(t, dsnFor(t, engine)), debrief.WithClock(clk.now))
			ctx := admin()
			if err := svc.CreateNotificationChannel(ctx, &debrief.NotificationChannel{Kind: debrief.ChannelWebhook, Name: "summaries",
				Target: "https://hooks.example/summaries", Events: []string{debrief.EventWeeklySummary}}); err != nil {
				t.Fatal(err)
			}
			pay, err := svc.CreateTeam(ctx, &debrief.Team{Name: "payments", Members: []string{"ana@example.com", "bo@example.com"}, Services: []string{"checkout"}})
			if err != nil {
				t.Fatal(err)
			}
			plat, err := svc.CreateTeam(ctx, &debrief.Team{Name: "platform", Members: []string{"cy@example.com"}, Services: []string{"edge"}})
			if err != nil {
				t.Fatal(err)
			}
			bo := debrief.WithActor(context.Background(), debrief.Actor{Email: "bo@example.com", Role: debrief.RoleResponder})
			if _, err := svc.SetOptedOutEvents(bo, []string{debrief.EventWeeklySummary}); err != nil {
				t.Fatal(err)
			}
			checkout, err := svc.CreateIncident(responder(), &debrief.Incident{Title: "Checkout returned 500s", Severity: "SEV2", StartedAt: week, Services: []string{"checkout"}})
			if err != nil {
				t.Fatal(err)
			}
			edge, err := svc.CreateIncident(responder(), &debrief.Incident{Title: "Edge dropped TLS handshakes", Severity: "SEV3", StartedAt: week, Services: []string{"edge"}})
			if err != nil {
				t.Fatal(err)
			}
			secret, err := svc.CreateIncident(responder(), &debrief.Incident{Title: "Card numbers in checkout logs", Severity: "SEV1", StartedAt: week,
				Services: []string{"checkout"}, Private: true, Members: []string{"rita@example.com"}})
			if err != nil {
				t.Fatal(err)
			}
			past, later := week.AddDate(0, 0, 1), start.AddDate(0, 0, 10)
			for _, it := range []*debrief.ActionItem{
				{IncidentID: &checkout.ID, Title: "Alert on checkout error rate", Owner: "ana@example.com", DueDate: &past},
				{IncidentID: &checkout.ID, Title: "Load test the payment provider", DueDate: &later},
				{IncidentID: &edge.ID, Title: "Rotate the edge certificates", DueDate: &past},
				{IncidentID: &secret.ID, Title: "Scrub card numbers from the logs", DueDate: &past},
			} {
				if _, err := svc.CreateActionItem(responder(), it); err != nil {
					t.Fatal(err)
				}
			}
			clk.set(start)
			p := notify.NewProducer(svc, notify.ProducerConfig{Email: true}, nil, nil)
			if _, err := p.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			var summaries []string
			byKey := map[string]*debrief.Notification{}
			for _, n := range logOf(t, svc) {
				if n.Event == debrief.EventWeeklySummary {
					summaries = append(summaries, n.EventKey+" → "+n.Target)
					byKey[n.EventKey+" → "+n.Target] = n
				}
			}
			slices.Sort(summaries)
			payKey, platKey := "summary.weekly:2026-03-30:team-"+itoa(pay.ID), "summary.weekly:2026-03-30:team-"+itoa(plat.ID)
			want := []string{
				"summary.weekly:2026-03-30 → https://hooks.example/summaries",
				payKey + " → ana@example.com",
				payKey + " → https://hooks.example/summaries",
				platKey + " → cy@example.com",
				platKey + " → https://hooks.example/summaries",
			}
			slices.Sort(want)
			if !slices.Equal(summaries, want) {
				t.Fatalf("weekly summaries = %q\nwant %q (bo opted out)", summaries, want)
			}
			n := byKey[payKey+" → ana@example.com"]
			if n.Message.Subject != "Debrief weekly summary for team payments, week of 2026-03-30: 2 open, 1 overdue" {
				t.Errorf("payments subject = %q", n.Message.Subject)
			}
			text := n.Message.Text
			for _, w := range []string{"Team payments", "Services owned: checkout", "Incidents declared: 1", checkout.Key, "Action items open: 2, overdue: 1", "Alert on checkout error rate"} {
				if !strings.Contains(text, w) {
					t.Errorf("payments summary lacks %q:\n%s", w, text)
				}
			}
			for _, no := range []string{"Rotate the edge", "Scrub card numbers", secret.Key, edge.Key} {
				if strings.Contains(text, no) {
					t.Errorf("payments summary shows %q, which is another team's or private:\n%s", no, text)
				}
			}
			var data map[string]any
			if err := json.Unmarshal(byKey[platKey+" → https://hooks.example/summaries"].Message.Data, &data); err != nil {
				t.Fatal(err)
			}
			if data["team"] != "platform" || data["action_items_overdue"] != float64(1) || data["action_items_open"] != float64(1) {
				t.Errorf("platform webhook data = %v, want team platform with 1 open, 1 overdue", data)
			}
			runProducer(t, p, 0)
			// The week is summarised once: a team made later waits for the
			// next week, when every team gets the new week's summary.
			if _, err := svc.CreateTeam(ctx, &debrief.Team{Name: "search", Members: []string{"dee@example.com"}, Services: []string{"search"}}); err != nil {
				t.Fatal(err)
			}
			runProducer(t, p, 0)
			clk.add(7 * 24 * time.Hour)
			runProducer(t, p, 7) // for everyone to the channel, and three teams to the channel and one member each
		})
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
