package notify_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/notify"
	"github.com/debriefhq/debrief/sqlstore"
)

func responder() context.Context {
	return debrief.WithActor(context.Background(), debrief.Actor{Email: "rita@example.com", Role: debrief.RoleResponder})
}

// keysOf lists "event_key → target" of the delivery log, sorted.
func keysOf(t *testing.T, svc *debrief.Service) []string {
	t.Helper()
	var out []string
	for _, n := range logOf(t, svc) {
		out = append(out, n.EventKey+" → "+n.Target)
	}
	slices.Sort(out)
	return out
}

func runProducer(t *testing.T, p *notify.Producer, want int) {
	t.Helper()
	n, err := p.RunOnce(context.Background())
	if err != nil || n != want {
		t.Fatalf("Producer.RunOnce = %d new, %v; want %d", n, err, want)
	}
}

// TestProducerEvents declares incidents, changes a severity and publishes a
// postmortem, and checks which channels and people get what, once.
func TestProducerEvents(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			clk := newClock(start)
			svc := debrief.NewService(openDB(t, dsnFor(t, engine)), debrief.WithClock(clk.now))
			for _, c := range []*debrief.NotificationChannel{
				{Kind: debrief.ChannelSlack, Name: "all", Target: "https://hooks.slack.example/all"},
				{Kind: debrief.ChannelWebhook, Name: "declared-only", Target: "https://hooks.example/declared", Events: []string{debrief.EventIncidentDeclared}},
			} {
				if err := svc.CreateNotificationChannel(admin(), c); err != nil {
					t.Fatal(err)
				}
			}
			p := notify.NewProducer(svc, notify.ProducerConfig{BaseURL: "https://debrief.example.com", Email: true}, nil, nil)
			// Monday: last week's summary, to the channel that takes every event.
			runProducer(t, p, 1)
			runProducer(t, p, 0)

			inc, err := svc.CreateIncident(responder(), &debrief.Incident{Title: "Checkout returned 500s", Severity: "SEV2", StartedAt: start,
				Roles: debrief.Roles{Commander: "carol@example.com"}})
			if err != nil {
				t.Fatal(err)
			}
			secret, err := svc.CreateIncident(responder(), &debrief.Incident{Title: "Credentials leaked", Severity: "SEV1", StartedAt: start,
				Private: true, Members: []string{"rita@example.com"}, Roles: debrief.Roles{Commander: "rita@example.com"}})
			if err != nil {
				t.Fatal(err)
			}
			// Declared: both channels and the commander for the public one;
			// only the commander, by email, for the private one.
			runProducer(t, p, 4)
			runProducer(t, p, 0) // read again: nothing new
			sev := "SEV1"
			if _, err := svc.UpdateIncident(responder(), inc.ID, debrief.IncidentPatch{Severity: &sev}, inc.Version); err != nil {
				t.Fatal(err)
			}
			runProducer(t, p, 2) // the Slack channel and the commander
			pm, err := svc.CreatePostmortem(responder(), debrief.NewPostmortem{IncidentID: &inc.ID, Title: "Checkout returned 500s for 42 minutes", Owner: "olga@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			published := debrief.PostmortemPublished
			if _, err := svc.UpdatePostmortem(responder(), pm.ID, debrief.PostmortemPatch{Status: &published}, pm.Version); err != nil {
				t.Fatal(err)
			}
			runProducer(t, p, 1) // the Slack channel
			want := []string{
				"incident.declared:" + inc.Key + " → carol@example.com",
				"incident.declared:" + inc.Key + " → https://hooks.example/declared",
				"incident.declared:" + inc.Key + " → https://hooks.slack.example/all",
				"incident.declared:" + secret.Key + " → rita@example.com",
				"summary.weekly:2026-03-30 → https://hooks.slack.example/all",
			}
			got := keysOf(t, svc)
			for _, w := range want {
				if !slices.Contains(got, w) {
					t.Errorf("delivery log lacks %q; it has %q", w, got)
				}
			}
			if len(got) != 8 {
				t.Errorf("delivery log has %d rows %q, want 8", len(got), got)
			}
			for _, n := range logOf(t, svc) {
				if n.Event == debrief.EventSeverityChanged && n.Message.Subject != inc.Key+" severity changed from SEV2 to SEV1: Checkout returned 500s" {
					t.Errorf("severity message subject = %q", n.Message.Subject)
				}
				if n.Event == debrief.EventIncidentDeclared && n.Message.Link != "https://debrief.example.com/incidents/"+n.EventKey[len("incident.declared:"):] {
					t.Errorf("declared message link = %q", n.Message.Link)
				}
			}
		})
	}
}

// TestReminders walks the clock past an action item's due date: the owner
// hears before, on and after it, once each, and the postmortem's owner
// hears when it is three days late.
func TestReminders(t *testing.T) {
	clk := newClock(start)
	svc := debrief.NewService(openDB(t, dsnFor(t, sqlstore.EngineSQLite)), debrief.WithClock(clk.now))
	inc, err := svc.CreateIncident(responder(), &debrief.Incident{Title: "Checkout returned 500s", Severity: "SEV3", StartedAt: start})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreatePostmortem(responder(), debrief.NewPostmortem{IncidentID: &inc.ID, Title: "Checkout returned 500s for 42 minutes", Owner: "olga@example.com"}); err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC) // Friday
	it, err := svc.CreateActionItem(responder(), &debrief.ActionItem{IncidentID: &inc.ID, Title: "Add an alert on checkout errors", Owner: "dana@example.com", DueDate: &due})
	if err != nil {
		t.Fatal(err)
	}
	p := notify.NewProducer(svc, notify.ProducerConfig{Email: true, RemindBefore: 48 * time.Hour, EscalateAfter: 72 * time.Hour}, nil, nil)
	steps := []struct {
		at   time.Time
		want []string // new keys
	}{
		{time.Date(2026, 4, 7, 12, 0, 0, 0, time.UTC), nil},
		{time.Date(2026, 4, 8, 0, 0, 0, 0, time.UTC), []string{"action_item.due_soon"}},
		{time.Date(2026, 4, 9, 12, 0, 0, 0, time.UTC), nil},
		{time.Date(2026, 4, 10, 8, 0, 0, 0, time.UTC), []string{"action_item.due"}},
		{time.Date(2026, 4, 11, 0, 0, 0, 0, time.UTC), []string{"action_item.overdue"}},
		{time.Date(2026, 4, 13, 23, 0, 0, 0, time.UTC), nil},
		{time.Date(2026, 4, 14, 0, 0, 0, 0, time.UTC), []string{"action_item.escalated"}},
		{time.Date(2026, 4, 20, 0, 0, 0, 0, time.UTC), nil},
	}
	seen := 0
	for _, s := range steps {
		clk.set(s.at)
		runProducer(t, p, len(s.want))
		log := logOf(t, svc)
		for i, w := range s.want {
			n := log[len(s.want)-1-i] // newest first
			wantKey := w + ":" + it.Key + ":2026-04-10"
			wantTo := "dana@example.com"
			if w == debrief.EventActionItemEscalate {
				wantTo = "olga@example.com"
			}
			if n.EventKey != wantKey || n.Target != wantTo {
				t.Errorf("at %s: enqueued %s → %s, want %s → %s", s.at, n.EventKey, n.Target, wantKey, wantTo)
			}
		}
		seen += len(s.want)
		if len(log) != seen {
			t.Fatalf("at %s the log has %d rows, want %d", s.at, len(log), seen)
		}
	}
	// Done: no more reminders, even for a new due date's stages.
	done := debrief.ActionDone
	if _, err := svc.UpdateActionItem(responder(), it.ID, debrief.ActionItemPatch{Status: &done}, it.Version); err != nil {
		t.Fatal(err)
	}
	clk.add(24 * time.Hour)
	runProducer(t, p, 0)
}

// TestPostmortemOverdue: a SEV1 (the built-in template requires a
// postmortem, due five days after resolution) with none published gets
// one reminder to its commander after the fifth day; a SEV4 gets none.
func TestPostmortemOverdue(t *testing.T) {
	clk := newClock(start)
	svc := debrief.NewService(openDB(t, dsnFor(t, sqlstore.EngineSQLite)), debrief.WithClock(clk.now))
	resolved := start.Add(time.Hour)
	for _, sev := range []string{"SEV1", "SEV4"} {
		st := debrief.StatusResolved
		_, err := svc.CreateIncident(responder(), &debrief.Incident{Title: "Checkout returned 500s", Severity: sev, Status: st, StartedAt: start,
			MitigatedAt: &resolved, ResolvedAt: &resolved, Roles: debrief.Roles{Commander: "carol@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	p := notify.NewProducer(svc, notify.ProducerConfig{Email: true}, nil, nil)
	clk.set(resolved.Add(5*24*time.Hour - time.Minute))
	runProducer(t, p, 0)
	clk.set(resolved.Add(5*24*time.Hour + time.Minute))
	runProducer(t, p, 1)
	clk.add(24 * time.Hour)
	runProducer(t, p, 0)
	if got := keysOf(t, svc); len(got) != 1 || got[0] != "postmortem.overdue:INC-1 → carol@example.com" {
		t.Errorf("delivery log = %q, want one reminder for INC-1 to carol@example.com", got)
	}
}

// TestLateCommit: a revision at or below the cursor (as a transaction that
// took its ID before a later one but committed after it leaves it) is
// still read while it is recent, and not once it is old.
func TestLateCommit(t *testing.T) {
	for _, late := range []time.Duration{time.Minute, 3 * time.Minute} {
		clk := newClock(start)
		svc := debrief.NewService(openDB(t, dsnFor(t, sqlstore.EngineSQLite)), debrief.WithClock(clk.now))
		if err := svc.CreateNotificationChannel(admin(), &debrief.NotificationChannel{Kind: debrief.ChannelSlack, Name: "all", Target: "https://hooks.slack.example/all",
			Events: []string{debrief.EventIncidentDeclared}}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateIncident(responder(), &debrief.Incident{Title: "Checkout returned 500s", Severity: "SEV2", StartedAt: start}); err != nil {
			t.Fatal(err)
		}
		revs, err := svc.RevisionsSince(admin(), time.Time{}, 0, 10)
		if err != nil || len(revs) == 0 {
			t.Fatalf("RevisionsSince = %v, %v", revs, err)
		}
		// The cursor has passed the revision without reading it.
		if err := svc.SetNotifyCursor(admin(), "revisions", revs[len(revs)-1].ID); err != nil {
			t.Fatal(err)
		}
		clk.add(late)
		want := 0
		if late < 2*time.Minute {
			want = 1
		}
		p := notify.NewProducer(svc, notify.ProducerConfig{}, nil, nil)
		runProducer(t, p, want)
	}
}

// TestOptOuts: a person who muted an incident, or opted out of an event,
// gets no email for it; the channels still do.
func TestOptOuts(t *testing.T) {
	clk := newClock(start.Add(time.Hour)) // after Monday's summary would matter
	svc := debrief.NewService(openDB(t, dsnFor(t, sqlstore.EngineSQLite)), debrief.WithClock(clk.now))
	if err := svc.CreateNotificationChannel(admin(), &debrief.NotificationChannel{Kind: debrief.ChannelSlack, Name: "declared", Target: "https://hooks.slack.example/x",
		Events: []string{debrief.EventIncidentDeclared, debrief.EventSeverityChanged}}); err != nil {
		t.Fatal(err)
	}
	carol := debrief.WithActor(context.Background(), debrief.Actor{Email: "carol@example.com", Role: debrief.RoleResponder})
	p := notify.NewProducer(svc, notify.ProducerConfig{Email: true}, nil, nil)
	runProducer(t, p, 0)
	a, err := svc.CreateIncident(carol, &debrief.Incident{Title: "Checkout returned 500s", Severity: "SEV2", StartedAt: start, Roles: debrief.Roles{Commander: "Carol@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	runProducer(t, p, 2) // the channel and carol
	if err := svc.MuteIncident(carol, a.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetOptedOutEvents(carol, []string{debrief.EventIncidentDeclared}); err != nil {
		t.Fatal(err)
	}
	sev := "SEV1"
	if _, err := svc.UpdateIncident(carol, a.ID, debrief.IncidentPatch{Severity: &sev}, a.Version); err != nil {
		t.Fatal(err)
	}
	b, err := svc.CreateIncident(carol, &debrief.Incident{Title: "Search lagged", Severity: "SEV3", StartedAt: start, Roles: debrief.Roles{Commander: "carol@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	// A's severity change: the channel only (carol muted A). B declared:
	// the channel only (carol opted out of declarations).
	runProducer(t, p, 2)
	for _, k := range keysOf(t, svc) {
		if strings.HasSuffix(k, "carol@example.com") && !strings.HasPrefix(k, "incident.declared:"+a.Key+" ") {
			t.Errorf("carol got %q after muting %s and opting out of declarations", k, a.Key)
		}
	}
	if !slices.Contains(keysOf(t, svc), "incident.declared:"+b.Key+" → https://hooks.slack.example/x") {
		t.Errorf("the channel did not get %s declared", b.Key)
	}
}
