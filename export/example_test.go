package export

import (
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func ptrTime(t time.Time) *time.Time { return &t }
func ptrInt(n int64) *int64          { return &n }

// sampleDocument is a realistic postmortem written for these tests.
func sampleDocument() *Document {
	start := time.Date(2024, 3, 5, 13, 2, 0, 0, time.UTC)
	inc := &debrief.Incident{
		ID: 42, Key: "INC-42", Title: "Checkout API returned 500s for EU customers for 47 minutes", Severity: "SEV2",
		Status: debrief.StatusResolved, Services: []string{"checkout-api", "payments"}, Customers: []string{"EU web shop"},
		Impact: "About 18% of EU checkout requests failed (41,200 requests) between 13:02 and 13:49 UTC.",
		Labels: []string{"database", "deploy"}, Roles: debrief.Roles{Commander: "ana@example.com", Scribe: "li@example.com"},
		StartedAt: start, DetectedAt: ptrTime(start.Add(4 * time.Minute)), AcknowledgedAt: ptrTime(start.Add(6 * time.Minute)),
		MitigatedAt: ptrTime(start.Add(31 * time.Minute)), ResolvedAt: ptrTime(start.Add(47 * time.Minute)),
		Members: []string{}, CreatedBy: "ana@example.com", CreatedAt: start.Add(5 * time.Minute), UpdatedAt: start.Add(2 * time.Hour), Version: 7,
	}
	pm := &debrief.Postmortem{
		ID: 7, Key: "PM-7", IncidentID: ptrInt(42), Kind: debrief.KindIncident,
		Title: "Checkout API returned 500s for EU customers for 47 minutes", Owner: "ana@example.com", Status: debrief.PostmortemInReview,
		Template: "incident", TemplateVersion: 1,
		Sections: []debrief.Section{
			{Key: "summary", Heading: "Summary", Required: true, Guidance: "What happened, for whom, how long.",
				Body: "For 47 minutes on 5 March, **18% of checkout requests** from EU customers failed with HTTP 500.\nThe cause was a connection pool limit lowered by a configuration deploy (see {{incident.title}})."},
			{Key: "root-cause", Heading: "Root cause analysis", Required: true,
				Body: "The pool limit was lowered from 200 to 20 in `payments.yaml`.\n\n## Why it was not caught\n\n- The staging load test uses 5 connections.\n- The config linter does not know pool sizes."},
			{Key: "resolution", Heading: "Diagnosis, assessment and resolution", Required: true,
				Body: "Rolled back the configuration at 13:33 UTC; errors stopped by 13:35."},
			{Key: "timeline", Heading: "Timeline", Required: true, Body: ""},
			{Key: "learnings", Heading: "Learnings and next steps", Required: true, Body: "| What | Notes |\n|---|---|\n| went well | paging |"},
			{Key: "internal-notes", Heading: "Internal notes", Internal: true, Body: "Host db-eu-3.internal (10.2.3.4) was the primary; ask Ana Pérez for details."},
		},
		RootCause: "A configuration change lowered the database pool limit below peak demand.", ContributingFactors: []string{"config", "testing"},
		Lessons:   debrief.Lessons{WentWell: []string{"Alert fired within 4 minutes"}, WentWrong: []string{"Rollback took 20 minutes"}, GotLucky: []string{}},
		CreatedBy: "ana@example.com", CreatedAt: start.Add(3 * time.Hour), UpdatedAt: start.Add(26 * time.Hour), Version: 3,
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	ev := func(id int64, at time.Time, zone string, kind debrief.EventKind, src debrief.EventSource, text, actor string, life debrief.Lifecycle, starred bool) *debrief.TimelineEvent {
		return &debrief.TimelineEvent{ID: id, IncidentID: 42, At: at, Zone: zone, Kind: kind, Source: src, Text: text, Actor: actor, Lifecycle: life, Starred: starred,
			CreatedAt: at.Add(time.Minute), Version: 1}
	}
	_ = berlin
	events := []*debrief.TimelineEvent{
		ev(101, start, "UTC", debrief.KindAction, debrief.SourceDeploy, "Deploy of payments config v231 | pool_max 200 → 20", "deploy-bot", debrief.LifecycleStarted, true),
		ev(102, start.Add(4*time.Minute), "Europe/Berlin", debrief.KindAlert, debrief.SourceAlertmanager, "CheckoutErrorRate firing:\nerror ratio 0.18 > 0.02", "", debrief.LifecycleDetected, true),
		ev(103, start.Add(6*time.Minute), "America/New_York", debrief.KindCommunication, debrief.SourceSlack, "Acknowledged, looking at payments", "li@example.com", debrief.LifecycleAcknowledged, false),
		ev(104, start.Add(31*time.Minute), "+05:30", debrief.KindMitigation, debrief.SourceManual, "Rolled back payments config to v230", "ana@example.com", debrief.LifecycleMitigated, true),
		ev(105, start.Add(47*time.Minute), "UTC", debrief.KindResolution, debrief.SourceManual, "Error rate back under 0.1% for 10 minutes", "ana@example.com", debrief.LifecycleResolved, false),
	}
	events[1].ExternalID = "alertmanager:4f3c9a"
	items := []*debrief.ActionItem{
		{ID: 11, Key: "AI-11", IncidentID: ptrInt(42), PostmortemID: ptrInt(7), Title: "Add a check of pool sizes to the config linter", Owner: "li@example.com",
			DueDate: ptrTime(time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC)), Priority: debrief.PriorityP2, Type: debrief.ActionPrevent, Status: debrief.ActionOpen,
			TrackerURL: "https://tracker.example.com/PAY-311", CreatedBy: "ana@example.com", CreatedAt: start.Add(4 * time.Hour), UpdatedAt: start.Add(4 * time.Hour), Version: 1},
		{ID: 12, Key: "AI-12", IncidentID: ptrInt(42), PostmortemID: ptrInt(7), Title: "Run the staging load test with production pool sizes", Owner: "ana@example.com",
			Priority: debrief.PriorityP3, Type: debrief.ActionDetect, Status: debrief.ActionDone, CompletedAt: ptrTime(start.Add(50 * time.Hour)),
			CreatedBy: "ana@example.com", CreatedAt: start.Add(4 * time.Hour), UpdatedAt: start.Add(50 * time.Hour), Version: 2},
	}
	return &Document{Postmortem: pm, Incident: inc, Timeline: events, ActionItems: items}
}
