package main

import (
	"context"
	"fmt"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// The demo data set: four incidents of different severities and states with
// their timelines, three incident postmortems at different stages, action
// items, and one project postmortem. Everything goes through the Service, so
// the data obeys every rule and has revisions like data entered by hand.
// Times are relative to now so that the set always looks recent. The people
// and companies are invented.

var (
	demoAmara = debrief.Actor{Email: "amara.okafor@example.com", Name: "Amara Okafor", Role: debrief.RoleAdmin, Via: "demo"}
	demoLukas = debrief.Actor{Email: "lukas.berg@example.com", Name: "Lukas Berg", Role: debrief.RoleResponder, Via: "demo"}
	demoMei   = debrief.Actor{Email: "mei.tanaka@example.com", Name: "Mei Tanaka", Role: debrief.RoleResponder, Via: "demo"}
	demoDiego = debrief.Actor{Email: "diego.ramos@example.com", Name: "Diego Ramos", Role: debrief.RoleResponder, Via: "demo"}
)

type demoEvent struct {
	after     time.Duration // after the incident started
	kind      debrief.EventKind
	source    debrief.EventSource
	actor     string
	text      string
	lifecycle debrief.Lifecycle
	starred   bool
	// alert names the alert the event is about, as ingestion names it (an
	// Alertmanager alertname, a Grafana rule): similar incidents compare
	// alerts by this name. Empty for events not about an alert.
	alert string
}

type demoAction struct {
	title    string
	owner    string
	dueDays  int // after the incident started
	priority debrief.Priority
	typ      debrief.ActionType
	status   debrief.ActionStatus
}

type demoIncident struct {
	by        debrief.Actor
	ago       time.Duration // how long before now it started
	inc       debrief.Incident
	events    []demoEvent
	final     debrief.IncidentStatus
	template  string
	pmStatus  debrief.PostmortemStatus
	sections  map[string]string
	rootCause string
	factors   []string
	lessons   debrief.Lessons
	actions   []demoAction
}

// loadDemo fills an empty database with the demo data set. It reports
// whether it loaded anything: a database that holds any incident or
// postmortem is left alone.
func loadDemo(ctx context.Context, svc *debrief.Service) (bool, error) {
	sys := debrief.WithActor(ctx, debrief.SystemActor)
	incs, err := svc.ListIncidents(sys, debrief.IncidentFilter{Limit: 1})
	if err != nil {
		return false, err
	}
	pms, err := svc.ListPostmortems(sys, debrief.PostmortemFilter{Limit: 1})
	if err != nil {
		return false, err
	}
	if len(incs.Items) > 0 || len(pms.Items) > 0 {
		return false, nil
	}
	now := svc.Now().Truncate(time.Minute)
	for _, d := range demoIncidents() {
		if err := d.load(ctx, svc, now); err != nil {
			return false, fmt.Errorf("incident %q: %w", d.inc.Title, err)
		}
	}
	if err := loadDemoProject(ctx, svc, now); err != nil {
		return false, fmt.Errorf("project postmortem: %w", err)
	}
	if err := loadDemoTeams(sys, svc); err != nil {
		return false, fmt.Errorf("teams: %w", err)
	}
	return true, nil
}

// loadDemoTeams makes the teams owning the demo incidents' services, so
// the team filter and the weekly summaries have something to show.
func loadDemoTeams(ctx context.Context, svc *debrief.Service) error {
	for _, t := range []*debrief.Team{
		{Name: "payments", Members: []string{"lukas.berg@example.com"}, Services: []string{"checkout-api", "payments-gateway", "postgres-eu-1"}},
		{Name: "platform", Members: []string{"amara@example.com"}, Services: []string{"notifications", "auth", "image-cdn"}},
		{Name: "discovery", Services: []string{"search-indexer", "catalogue"}},
	} {
		if _, err := svc.CreateTeam(ctx, t); err != nil {
			return err
		}
	}
	return nil
}

func (d *demoIncident) load(ctx context.Context, svc *debrief.Service, now time.Time) error {
	actx := debrief.WithActor(ctx, d.by)
	start := now.Add(-d.ago)
	in := d.inc
	in.StartedAt = start
	in.Status = debrief.StatusInvestigating
	inc, err := svc.CreateIncident(actx, &in)
	if err != nil {
		return err
	}
	events := make([]*debrief.TimelineEvent, len(d.events))
	for i, e := range d.events {
		events[i] = &debrief.TimelineEvent{
			At: start.Add(e.after), Zone: "Europe/Berlin", Kind: e.kind, Source: e.source, Actor: e.actor, Alert: e.alert,
			Text: e.text, Lifecycle: e.lifecycle, Starred: e.starred,
			ExternalID: fmt.Sprintf("demo-%d", i+1),
		}
	}
	if _, err := svc.AddTimelineEvents(actx, inc.ID, events, debrief.AddEventsOptions{SetLifecycle: true}); err != nil {
		return err
	}
	if d.final != debrief.StatusInvestigating {
		cur, err := svc.Incident(actx, inc.ID)
		if err != nil {
			return err
		}
		st := d.final
		if _, err := svc.UpdateIncident(actx, inc.ID, debrief.IncidentPatch{Status: &st}, cur.Version); err != nil {
			return err
		}
	}
	var pmID *int64
	if d.template != "" {
		pm, err := svc.CreatePostmortem(actx, debrief.NewPostmortem{IncidentID: &inc.ID, Template: d.template, Owner: inc.Roles.Commander})
		if err != nil {
			return err
		}
		p := debrief.PostmortemPatch{SectionBodies: d.sections, RootCause: &d.rootCause, ContributingFactors: &d.factors, Lessons: &d.lessons}
		pm, err = svc.UpdatePostmortem(actx, pm.ID, p, pm.Version)
		if err != nil {
			return err
		}
		// Review and publication are separate steps, as they are in practice.
		for _, st := range []debrief.PostmortemStatus{debrief.PostmortemInReview, debrief.PostmortemPublished} {
			if d.pmStatus == debrief.PostmortemDraft || (st == debrief.PostmortemPublished && d.pmStatus != debrief.PostmortemPublished) {
				break
			}
			st := st
			if pm, err = svc.UpdatePostmortem(actx, pm.ID, debrief.PostmortemPatch{Status: &st}, pm.Version); err != nil {
				return err
			}
		}
		pmID = &pm.ID
	}
	for _, a := range d.actions {
		due := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, a.dueDays)
		item := &debrief.ActionItem{IncidentID: &inc.ID, PostmortemID: pmID, Title: a.title, Owner: a.owner,
			DueDate: &due, Priority: a.priority, Type: a.typ}
		created, err := svc.CreateActionItem(actx, item)
		if err != nil {
			return err
		}
		if a.status != "" && a.status != debrief.ActionOpen {
			st := a.status
			if _, err := svc.UpdateActionItem(actx, created.ID, debrief.ActionItemPatch{Status: &st}, created.Version); err != nil {
				return err
			}
		}
	}
	return nil
}

// demoMetrics is the pilot's results against its goals, the project
// postmortem's metrics table (drawn as a chart on its page).
func demoMetrics() []debrief.Metric {
	n := func(v float64) *float64 { return &v }
	return []debrief.Metric{
		{Name: "Repeat orders placed from the app", Unit: "%", Baseline: n(31), Target: n(40), Result: n(38)},
		{Name: "Median time to pay for a repeat order", Unit: "s", Baseline: n(290), Target: n(120), Result: n(70)},
		{Name: "Reorders with a substituted item returned", Unit: "%", Baseline: n(2.6), Target: n(1.5), Result: n(2.1)},
	}
}

func loadDemoProject(ctx context.Context, svc *debrief.Service, now time.Time) error {
	actx := debrief.WithActor(ctx, demoMei)
	from := now.AddDate(0, -3, 0).Truncate(24 * time.Hour)
	until := now.AddDate(0, 0, -10).Truncate(24 * time.Hour)
	pm, err := svc.CreatePostmortem(actx, debrief.NewPostmortem{
		Template: debrief.TemplateProject,
		Title:    "One-tap reorder in the mobile app: three-month pilot",
		Owner:    demoMei.Email,
		Project: &debrief.Project{LiveFrom: &from, LiveUntil: &until, Metrics: demoMetrics(), Feedback: []debrief.Feedback{
			{Member: "Mei Tanaka (product)", Text: "We proved the demand fast. I wish we had agreed on the success metric before launch instead of in week three."},
			{Member: "Diego Ramos (mobile)", Text: "The feature flag setup paid off: we could switch the button off per country when the Dutch catalogue had stale prices."},
			{Member: "Lukas Berg (backend)", Text: "The reorder endpoint reused the cart service, which kept it small, but the cart's rate limits were never sized for it."},
			{Member: "Amara Okafor (support)", Text: "Support heard about the price mismatch from customers before we heard about it from monitoring."},
		}},
	})
	if err != nil {
		return err
	}
	sections := map[string]string{
		"dates": fmt.Sprintf("Live for %d%% of iOS and Android users from %s to %s, then rolled out to everyone.",
			20, from.Format("2 January 2006"), until.Format("2 January 2006")),
		"why": "Repeat customers told us that rebuilding last week's basket took them five minutes of scrolling. " +
			"The goal was to raise the share of repeat orders placed from the app from 31% to 40% within the pilot.",
		"what": "A **Reorder** button on every past order in the app. It copies the order into the cart, " +
			"swaps out-of-stock items for the closest match and shows what changed before checkout.",
		"results": "- Repeat orders placed from the app: 31% → 38% (goal 40%).\n" +
			"- Median time from opening the app to paying for a repeat order: 4m 50s → 1m 10s.\n" +
			"- 2.1% of reorders had a substituted item returned, against 1.4% for normal orders.",
		"feedback": "See the team feedback recorded with this postmortem: product, mobile, backend and support each gave theirs.",
		"why-results": "The button was found by people who already reordered often, so adoption among occasional " +
			"customers stayed low; we never showed it outside the order history. Substitutions were right most " +
			"of the time, but the ones that were wrong were very visible. Next time we agree on the metric before " +
			"launch and test placement early.",
	}
	factors := []string{"metric agreed late", "discoverability", "substitution quality"}
	lessons := debrief.Lessons{
		WentWell:  []string{"Feature flags per country let us contain the stale-price problem within minutes."},
		WentWrong: []string{"Support learned about price mismatches from customers before monitoring showed them."},
		GotLucky:  []string{"The cart service had spare capacity during the launch week's promotion."},
	}
	pm, err = svc.UpdatePostmortem(actx, pm.ID, debrief.PostmortemPatch{SectionBodies: sections, ContributingFactors: &factors, Lessons: &lessons}, pm.Version)
	if err != nil {
		return err
	}
	st := debrief.PostmortemInReview
	_, err = svc.UpdatePostmortem(actx, pm.ID, debrief.PostmortemPatch{Status: &st}, pm.Version)
	return err
}

func demoIncidents() []*demoIncident {
	m := time.Minute
	h := time.Hour
	return []*demoIncident{
		{
			by:  demoAmara,
			ago: 16*24*h + 5*h,
			inc: debrief.Incident{
				Title:     "Checkout API returned 500s for EU customers for 47 minutes",
				Severity:  "SEV1",
				Services:  []string{"checkout-api", "payments-gateway", "postgres-eu-1"},
				Customers: []string{"All EU web and app customers"},
				Impact:    "About 38% of EU checkout attempts failed with a 500 error between the first alert and the rollback; roughly 9,400 orders were not placed. No payments were taken without an order.",
				Labels:    []string{"database", "config-change", "eu"},
				Roles:     debrief.Roles{Commander: "amara.okafor@example.com", Scribe: "lukas.berg@example.com", Communications: "mei.tanaka@example.com"},
			},
			events: []demoEvent{
				{0, debrief.KindAction, debrief.SourceDeploy, "deploy-bot", "Deploy 2024.11.3 of checkout-api rolled out to eu-west: lowers the database pool's idle timeout from 300s to 30s.", debrief.LifecycleStarted, true, ""},
				{4 * m, debrief.KindAlert, debrief.SourceAlertmanager, "alertmanager", "CheckoutErrorRateHigh firing: 5xx ratio 12% on checkout-api eu-west (threshold 2%).", debrief.LifecycleDetected, true, "CheckoutErrorRateHigh"},
				{6 * m, debrief.KindAction, debrief.SourcePagerDuty, "amara.okafor@example.com", "Amara Okafor acknowledged the page and declared a SEV1.", debrief.LifecycleAcknowledged, false, ""},
				{9 * m, debrief.KindCommunication, debrief.SourceSlack, "mei.tanaka@example.com", "Status page updated: 'Some customers in Europe cannot complete checkout. We are investigating.'", "", false, ""},
				{13 * m, debrief.KindNote, debrief.SourceSlack, "lukas.berg@example.com", "checkout-api logs show 'pq: sorry, too many clients already' from postgres-eu-1.", "", true, ""},
				{17 * m, debrief.KindDecision, debrief.SourceSlack, "amara.okafor@example.com", "Decided not to raise max_connections on the primary: a restart would take checkout down completely.", "", false, ""},
				{22 * m, debrief.KindNote, debrief.SourceSlack, "lukas.berg@example.com", "Connections per pod went from 20 to over 120: with the short idle timeout the pool closes and reopens connections faster than the server frees them.", "", true, ""},
				{26 * m, debrief.KindDecision, debrief.SourceSlack, "amara.okafor@example.com", "Roll back checkout-api to 2024.11.2.", "", true, ""},
				{31 * m, debrief.KindAction, debrief.SourceDeploy, "deploy-bot", "Rollback to 2024.11.2 started in eu-west.", "", false, ""},
				{47 * m, debrief.KindMitigation, debrief.SourceAlertmanager, "alertmanager", "CheckoutErrorRateHigh resolved: 5xx ratio back under 0.2%.", debrief.LifecycleMitigated, true, "CheckoutErrorRateHigh"},
				{55 * m, debrief.KindCommunication, debrief.SourceSlack, "mei.tanaka@example.com", "Status page: 'Checkout is working again for all customers. We will publish a postmortem.'", "", false, ""},
				{2*h + 10*m, debrief.KindResolution, debrief.SourceManual, "amara.okafor@example.com", "Connection counts stable for over an hour; incident resolved. Follow-up on pool settings in the postmortem.", debrief.LifecycleResolved, false, ""},
			},
			final:    debrief.StatusClosed,
			template: debrief.TemplateIncident,
			pmStatus: debrief.PostmortemPublished,
			sections: map[string]string{
				"summary": "For 47 minutes, 38% of checkout attempts from EU customers failed with an error. A configuration " +
					"change to checkout-api made each pod open far more database connections than before, and the EU " +
					"primary database ran out of connection slots. Rolling the change back restored service. About 9,400 " +
					"orders were not placed; no customer was charged without an order.",
				"root-cause": "The deploy lowered the connection pool's idle timeout from 300 to 30 seconds to free connections " +
					"faster at night. Under daytime load, connections were closed while idle for a few seconds and " +
					"immediately reopened. Closed connections stay counted by PostgreSQL until their backend exits, so " +
					"the number of connections in use climbed from about 20 to over 120 per pod and hit max_connections.\n\n" +
					"Why was this not caught? The staging environment runs two pods at a tenth of production traffic, " +
					"where the churn never reaches the limit, and there was no alert on connection count per database.",
				"resolution": "1. The error-rate alert fired 4 minutes after the deploy; the on-call engineer declared a SEV1 two minutes later.\n" +
					"2. Logs pointed at the database within 13 minutes. Raising max_connections was rejected because it needs a restart of the primary.\n" +
					"3. Comparing connection counts per pod before and after the deploy tied the problem to the new pool setting.\n" +
					"4. The rollback started at minute 31 and errors stopped at minute 47, as the old pods drained.",
				"timeline": "All times Europe/Berlin. See the incident timeline for every event; the starred ones are the turning points: " +
					"the deploy, the first alert, the 'too many clients' log line, the decision to roll back, and recovery.",
				"learnings": "**Went well:** the alert fired within minutes and the status page went out within ten.\n\n" +
					"**Went wrong:** nobody on the incident knew the pool settings had changed; it took 22 minutes to connect the deploy to the database.\n\n" +
					"**Where we got lucky:** the incident started after the lunch peak.\n\n" +
					"Action items are tracked below, each with an owner and a due date.",
			},
			rootCause: "A shorter connection-pool idle timeout made checkout-api churn database connections faster than PostgreSQL released them, exhausting max_connections.",
			factors:   []string{"config change without load test", "no connection-count alert", "staging much smaller than production"},
			lessons: debrief.Lessons{
				WentWell:  []string{"Alert fired 4 minutes after the deploy.", "Status page updated within 10 minutes."},
				WentWrong: []string{"Took 22 minutes to link the deploy to the database errors.", "The rollback took 16 minutes to drain the old pods."},
				GotLucky:  []string{"The incident started after the lunch peak."},
			},
			actions: []demoAction{
				{"Alert when any database uses more than 80% of max_connections", "lukas.berg@example.com", 7, debrief.PriorityP1, debrief.ActionDetect, debrief.ActionDone},
				{"Put PgBouncer in front of postgres-eu-1 so pods cannot exhaust connection slots", "lukas.berg@example.com", 30, debrief.PriorityP2, debrief.ActionPrevent, debrief.ActionInProgress},
				{"Show recent config changes next to every SEV1/SEV2 page", "diego.ramos@example.com", 21, debrief.PriorityP2, debrief.ActionMitigate, debrief.ActionOpen},
				{"Load-test connection pool changes in staging at production pod count", "amara.okafor@example.com", 14, debrief.PriorityP3, debrief.ActionProcess, debrief.ActionOpen},
			},
		},
		{
			by:  demoLukas,
			ago: 9*24*h + 2*h,
			inc: debrief.Incident{
				Title:     "Password reset emails delayed by up to 3 hours",
				Severity:  "SEV2",
				Services:  []string{"notifications", "auth"},
				Customers: []string{"Customers resetting their password"},
				Impact:    "About 2,300 customers waited between 20 minutes and 3 hours for a password reset email; 410 contacted support.",
				Labels:    []string{"email", "third-party"},
				Roles:     debrief.Roles{Commander: "lukas.berg@example.com", Scribe: "diego.ramos@example.com"},
			},
			events: []demoEvent{
				{0, debrief.KindNote, debrief.SourceManual, "lukas.berg@example.com", "Marketing newsletter to 1.2 million addresses starts sending through the shared email queue.", debrief.LifecycleStarted, true, ""},
				{50 * m, debrief.KindDetection, debrief.SourceManual, "amara.okafor@example.com", "Support reports a wave of tickets: password reset emails not arriving.", debrief.LifecycleDetected, true, ""},
				{58 * m, debrief.KindAction, debrief.SourceManual, "lukas.berg@example.com", "Lukas Berg takes the incident as commander.", debrief.LifecycleAcknowledged, false, ""},
				{1*h + 10*m, debrief.KindNote, debrief.SourceGrafana, "grafana", "Email queue depth at 410,000 and growing; the provider is answering 429 Too Many Requests.", "", true, ""},
				{1*h + 25*m, debrief.KindDecision, debrief.SourceSlack, "lukas.berg@example.com", "Pause the newsletter campaign to let transactional email through.", "", true, ""},
				{1*h + 40*m, debrief.KindAction, debrief.SourceSlack, "diego.ramos@example.com", "Newsletter paused. Queue still holds 380,000 messages ahead of the resets.", "", false, ""},
				{2*h + 5*m, debrief.KindAction, debrief.SourceDeploy, "deploy-bot", "Hotfix deployed: transactional emails go to a separate, higher-priority queue.", "", false, ""},
				{2*h + 20*m, debrief.KindMitigation, debrief.SourceGrafana, "grafana", "New password reset emails delivered within 30 seconds again.", debrief.LifecycleMitigated, true, ""},
				{3*h + 5*m, debrief.KindCommunication, debrief.SourceManual, "amara.okafor@example.com", "Support macro sent to everyone who wrote in: reset links sent during the delay still work for 24 hours.", "", false, ""},
				{26 * h, debrief.KindResolution, debrief.SourceManual, "lukas.berg@example.com", "Backlog drained overnight; newsletter resumed at a throttled rate. Resolved.", debrief.LifecycleResolved, false, ""},
			},
			final:    debrief.StatusResolved,
			template: debrief.TemplateSRE,
			pmStatus: debrief.PostmortemInReview,
			sections: map[string]string{
				"summary": "Password reset emails waited behind a marketing newsletter in a shared queue and arrived up to three hours late.",
				"impact":  "2,300 customers were affected; 410 contacted support. No data was lost and every delayed link still worked when it arrived.",
				"root-causes": "Transactional and marketing email shared one queue and one sending rate with the provider. " +
					"Nothing gave password resets priority over bulk mail.",
				"trigger":    "A newsletter to 1.2 million addresses was scheduled on a weekday morning, the busiest time for password resets.",
				"resolution": "Pausing the newsletter slowed the growth of the backlog; a hotfix moved transactional email to its own queue, which fixed the delay for new resets.",
				"detection":  "Support noticed first, 50 minutes in. We alert on queue errors but not on queue age, which would have caught this within minutes.",
				"action-items": "- Alert on the age of the oldest message in each email queue.\n" +
					"- Keep transactional and marketing email on separate queues and provider accounts.",
				"lessons-learned": "Shared infrastructure needs explicit priorities. Support is our fastest detector for customer-facing email problems: give them a direct way to page.",
				"timeline":        "See the incident timeline; it spans two days because the backlog drained overnight.",
			},
			rootCause: "Transactional and marketing email shared one queue with no priority.",
			factors:   []string{"shared queue", "no queue-age alert"},
			lessons: debrief.Lessons{
				WentWell:  []string{"The hotfix for a separate queue was small and safe."},
				WentWrong: []string{"Customers and support noticed 50 minutes before we did."},
				GotLucky:  []string{"Reset links were valid for 24 hours, so the late ones still worked."},
			},
			actions: []demoAction{
				{"Alert when the oldest message in an email queue is older than 5 minutes", "diego.ramos@example.com", 10, debrief.PriorityP2, debrief.ActionDetect, debrief.ActionOpen},
				{"Give support a one-click way to page the on-call engineer", "amara.okafor@example.com", 20, debrief.PriorityP3, debrief.ActionProcess, debrief.ActionOpen},
			},
		},
		{
			by:  demoMei,
			ago: 2*24*h + 6*h,
			inc: debrief.Incident{
				Title:     "Search showed stale prices and stock for about 20% of the catalogue",
				Severity:  "SEV3",
				Services:  []string{"search-indexer", "catalogue"},
				Customers: []string{"Web and app shoppers using search"},
				Impact:    "For 5 hours, search results showed out-of-date prices or stock for about 20% of products. Product pages and checkout used correct prices.",
				Labels:    []string{"search", "migration"},
				Roles:     debrief.Roles{Commander: "mei.tanaka@example.com"},
			},
			events: []demoEvent{
				{0, debrief.KindAction, debrief.SourceDeploy, "deploy-bot", "Catalogue schema migration 0142 adds a 'unit_price' column.", debrief.LifecycleStarted, true, ""},
				{2*h + 30*m, debrief.KindAlert, debrief.SourceGrafana, "grafana", "Search indexer lag above 30 minutes on shard 3.", debrief.LifecycleDetected, true, "SearchIndexerLag"},
				{2*h + 45*m, debrief.KindAction, debrief.SourceOpsgenie, "mei.tanaka@example.com", "Mei Tanaka acknowledged the alert.", debrief.LifecycleAcknowledged, false, "SearchIndexerLag"},
				{3 * h, debrief.KindNote, debrief.SourceManual, "mei.tanaka@example.com", "Indexer on shard 3 is failing on every batch that contains a product with the new column set.", "", true, ""},
				{3*h + 40*m, debrief.KindDecision, debrief.SourceManual, "mei.tanaka@example.com", "Skip the new column in the indexer until the mapping is updated.", "", false, ""},
				{4*h + 20*m, debrief.KindAction, debrief.SourceDeploy, "deploy-bot", "Indexer 3.8.1 deployed with the column skipped.", "", false, ""},
				{5 * h, debrief.KindMitigation, debrief.SourceGrafana, "grafana", "Indexer lag back under 1 minute on all shards.", debrief.LifecycleMitigated, true, "SearchIndexerLag"},
				{5*h + 15*m, debrief.KindAction, debrief.SourceManual, "mei.tanaka@example.com", "Full reindex of shard 3 started to correct anything indexed during the failure.", "", false, ""},
				{7 * h, debrief.KindNote, debrief.SourceManual, "mei.tanaka@example.com", "Reindex finished; watching for another day before resolving.", "", false, ""},
			},
			final:    debrief.StatusMonitoring,
			template: debrief.TemplateIncident,
			pmStatus: debrief.PostmortemDraft,
			sections: map[string]string{
				"summary": "A catalogue schema change broke the search indexer for one shard, so search showed stale prices and stock for about a fifth of products for five hours.",
				"root-cause": "The indexer's field mapping is strict: it rejects a whole batch when a document has a field it does not know. " +
					"The migration added a column that the catalogue started sending at once.",
			},
			rootCause: "",
			factors:   []string{"strict index mapping"},
			actions: []demoAction{
				{"Make the indexer skip unknown fields and report them instead of failing the batch", "mei.tanaka@example.com", 12, debrief.PriorityP2, debrief.ActionPrevent, debrief.ActionOpen},
			},
		},
		{
			by:  demoDiego,
			ago: 3 * h,
			inc: debrief.Incident{
				Title:     "Intermittent 502s from the image CDN in ap-southeast-1",
				Severity:  "SEV4",
				Services:  []string{"image-cdn"},
				Customers: []string{"Customers in Singapore and Australia"},
				Impact:    "About 1% of product images fail to load on first try in South-East Asia; retries succeed.",
				Labels:    []string{"cdn", "apac"},
				Roles:     debrief.Roles{Commander: "diego.ramos@example.com"},
			},
			events: []demoEvent{
				{0, debrief.KindAlert, debrief.SourceAlertmanager, "alertmanager", "ImageCDN5xxRatio warning: 1.1% of responses are 502 in ap-southeast-1.", debrief.LifecycleStarted, false, "ImageCDN5xxRatio"},
				{5 * m, debrief.KindDetection, debrief.SourceAlertmanager, "alertmanager", "Warning persisted for 5 minutes; ticket opened automatically.", debrief.LifecycleDetected, true, "ImageCDN5xxRatio"},
				{40 * m, debrief.KindAction, debrief.SourceManual, "diego.ramos@example.com", "Diego Ramos picked up the ticket.", debrief.LifecycleAcknowledged, false, ""},
				{55 * m, debrief.KindNote, debrief.SourceManual, "diego.ramos@example.com", "502s come from one origin shield node; other regions are clean.", "", true, ""},
				{1*h + 10*m, debrief.KindCommunication, debrief.SourceManual, "diego.ramos@example.com", "Opened a support case with the CDN provider with sample request ids.", "", false, ""},
				{1*h + 30*m, debrief.KindDecision, debrief.SourceManual, "diego.ramos@example.com", "No customer-visible impact beyond slow retries; wait for the provider rather than fail over.", "", false, ""},
				{2 * h, debrief.KindNote, debrief.SourceManual, "diego.ramos@example.com", "Provider confirms a faulty shield node and is draining it.", "", false, ""},
				{2*h + 30*m, debrief.KindNote, debrief.SourceAlertmanager, "alertmanager", "502 ratio down to 0.4% and falling.", "", false, "ImageCDN5xxRatio"},
			},
			final: debrief.StatusInvestigating,
		},
	}
}
