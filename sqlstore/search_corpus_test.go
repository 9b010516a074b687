package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// The search benchmarks run on a generated corpus of postmortems written
// the way teams write them: a summary, impact, root cause, resolution and
// lessons (about 2 KB), a timeline of alerts and chat, contributing
// factors and action items, spread over seven years and thirty services.
// Common words (database, timeout) appear in many documents, identifiers
// (hosts, error codes, versions) in a few, like in real postmortems.

var (
	corpusServices = []string{"checkout", "payments", "ledger", "search", "notifications", "auth", "sessions", "inventory",
		"shipping", "pricing", "catalog", "cart", "orders", "billing", "invoicing", "recommendations", "media", "uploads",
		"gateway", "dns", "cdn", "kafka", "postgres", "redis", "scheduler", "webhooks", "mobile-api", "reporting", "identity", "fraud"}
	corpusComponents = []string{"connection pool", "load balancer", "cache cluster", "message queue", "database primary",
		"read replica", "DNS resolver", "TLS certificate", "feature flag service", "config service", "deploy pipeline",
		"autoscaler", "rate limiter", "job scheduler", "object store", "service mesh sidecar", "cron job", "search index",
		"schema migration", "CDN edge", "Kubernetes node pool", "Redis sentinel", "Kafka consumer group", "memcached tier",
		"API gateway", "OAuth token service", "payment processor integration", "email relay", "image resizer", "Elasticsearch cluster"}
	corpusFailures = []string{"was exhausted", "expired", "was misconfigured", "saturated", "deadlocked", "timed out",
		"crashed repeatedly", "leaked memory until it was killed", "filled its disk", "dropped connections",
		"returned stale data", "rejected most requests", "was throttled by the provider", "lost quorum", "flapped between healthy and unhealthy",
		"ran out of file descriptors", "fell behind by several hours", "served errors to every region"}
	corpusTriggers = []string{"the deploy of %s", "a config change to %s", "a traffic spike from a marketing email",
		"the yearly certificate rotation", "a kernel upgrade on the %s hosts", "a failover drill", "a schema migration on %s",
		"maintenance by the cloud provider", "a dependency upgrade in %s", "bot traffic from a scraper", "a retry storm after a brief network blip",
		"a cron job that started at midnight UTC", "a flag flip that reached 100% at once"}
	corpusImpacts = []string{"customers could not complete checkout", "orders were charged twice", "login failed for mobile users",
		"search returned empty results", "notifications arrived hours late", "dashboards showed no data", "uploads failed with 500s",
		"invoices were not generated", "the API returned 503s", "pages took over ten seconds to load"}
	corpusFactors = []string{"connection pool too small", "missing alert on saturation", "no canary for config changes",
		"runbook out of date", "retry storm from clients", "single point of failure in DNS", "alert routed to the wrong team",
		"dashboards missing the key metric", "rollback took too long", "load test did not cover peak traffic",
		"timeouts longer than the caller's", "no circuit breaker", "manual step in the deploy", "capacity planning out of date",
		"on-call not paged for SEV2", "feature flag without a kill switch", "shared database between services",
		"certificate expiry not monitored", "backups never restored in a drill", "unclear ownership of the service"}
	corpusAlerts = []string{"HighErrorRate", "HighLatencyP99", "DiskAlmostFull", "PodCrashLooping", "ReplicationLag",
		"CertificateExpiringSoon", "QueueBacklogGrowing", "Http5xxRateHigh", "NodeNotReady", "MemoryPressure",
		"ConsumerLagHigh", "ProbeFailed", "SaturationHigh", "ErrorBudgetBurn"}
	corpusPeople = []string{"ana@example.com", "bob@example.com", "carol@example.com", "dev@example.com", "eve@example.com",
		"femi@example.com", "grace@example.com", "hiro@example.com", "ines@example.com", "jon@example.com"}
	corpusFiller = []string{"The on-call engineer was paged and joined the incident channel within minutes.",
		"We declared an incident and assigned a commander and a scribe.",
		"Customer support reported a rise in tickets before the alert fired.",
		"The graphs showed the error rate climbing steadily over twenty minutes.",
		"A rollback was attempted first but did not help because the change had already propagated.",
		"We communicated on the status page every thirty minutes until the incident was resolved.",
		"The team checked recent deploys, config changes and provider status pages in parallel.",
		"Traffic was shifted to the healthy region while we investigated.",
		"Once the cause was clear the fix took less than ten minutes to roll out.",
		"We kept the incident open for another hour to watch for a recurrence.",
		"Nobody had touched this part of the system for months, so knowledge was thin.",
		"The dependency graph was not documented, which slowed down the diagnosis.",
		"Several engineers joined to help, which made coordination harder at first.",
		"We confirmed recovery with synthetic checks and by asking support to verify with customers."}
)

// genRecord is one incident with everything that belongs to it.
type genRecord struct {
	inc     *debrief.Incident
	pm      *debrief.Postmortem
	events  []*debrief.TimelineEvent
	actions []*debrief.ActionItem
}

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// genCorpusRecord returns record n of the corpus; the same n always gives
// the same record, so every run benchmarks the same documents.
func genCorpusRecord(n int) genRecord {
	r := rand.New(rand.NewPCG(uint64(n), 0x5eed))
	started := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(7 * 365 * 24 * time.Hour)))).Truncate(time.Second)
	svc := pick(r, corpusServices)
	services := []string{svc}
	if r.IntN(3) == 0 {
		if other := pick(r, corpusServices); other != svc {
			services = append(services, other)
		}
	}
	comp := pick(r, corpusComponents)
	fail := pick(r, corpusFailures)
	impact := pick(r, corpusImpacts)
	host := fmt.Sprintf("%s-%03d", strings.SplitN(svc, "-", 2)[0], r.IntN(400))
	version := fmt.Sprintf("v%d.%d.%d", 1+r.IntN(4), r.IntN(60), r.IntN(20))
	errCode := fmt.Sprintf("E%05d", r.IntN(60000))
	trigger := pick(r, corpusTriggers)
	if strings.Contains(trigger, "%s") {
		trigger = fmt.Sprintf(trigger, pick(r, []string{version, svc, host}))
	}
	minutes := 5 + r.IntN(300)
	sev := "SEV4"
	switch x := r.IntN(100); {
	case x < 5:
		sev = "SEV1"
	case x < 25:
		sev = "SEV2"
	case x < 70:
		sev = "SEV3"
	}
	title := fmt.Sprintf("%s: %s because the %s %s", strings.ToUpper(svc[:1])+svc[1:], impact, comp, fail)
	if len(title) > 200 {
		title = title[:200]
	}
	filler := func(k int) string {
		var parts []string
		for range k {
			parts = append(parts, pick(r, corpusFiller))
		}
		return strings.Join(parts, " ")
	}
	factors := []string{pick(r, corpusFactors), pick(r, corpusFactors)}
	if factors[0] == factors[1] {
		factors = factors[:1]
	}
	alert := pick(r, corpusAlerts)
	commander := pick(r, corpusPeople)
	inc := &debrief.Incident{
		Title: title, Severity: sev, Status: debrief.StatusClosed, Services: services, Customers: []string{},
		Impact: fmt.Sprintf("For %d minutes %s. About %d%% of requests to %s failed.", minutes, impact, 1+r.IntN(60), svc),
		Labels: []string{pick(r, []string{"database", "network", "capacity", "deploy", "config", "third-party", "security"})},
		Roles:  debrief.Roles{Commander: commander}, StartedAt: started, Members: []string{},
		CreatedBy: commander, CreatedAt: started.Add(10 * time.Minute), UpdatedAt: started.Add(48 * time.Hour),
	}
	mitigated := started.Add(time.Duration(minutes) * time.Minute)
	inc.ResolvedAt = &mitigated
	if r.IntN(50) == 0 {
		inc.Private, inc.Members = true, []string{commander}
	}
	rootCause := fmt.Sprintf("The %s %s after %s. Error %s appeared in the logs of %s. %s %s",
		comp, fail, trigger, errCode, host, pick(r, corpusFiller), pick(r, corpusFiller))
	published := started.Add(time.Duration(3+r.IntN(20)) * 24 * time.Hour)
	pm := &debrief.Postmortem{
		Kind: debrief.KindIncident, Title: title, Owner: pick(r, corpusPeople), Status: debrief.PostmortemPublished,
		Template: "incident", TemplateVersion: 1,
		Sections: []debrief.Section{
			{Key: "summary", Heading: "Summary", Required: true, Body: fmt.Sprintf("On %s, %s for %d minutes. The %s %s after %s. %s",
				started.Format("2 January 2006"), impact, minutes, comp, fail, trigger, filler(2))},
			{Key: "root-cause", Heading: "Root cause analysis", Required: true, Body: rootCause + " " + filler(2)},
			{Key: "resolution", Heading: "Diagnosis and resolution", Required: true, Body: fmt.Sprintf("The %s alert fired on %s. %s We mitigated by restarting the %s and rolling back %s. %s",
				alert, host, filler(2), comp, version, filler(1))},
			{Key: "lessons", Heading: "What we learned", Body: filler(3)},
		},
		RootCause: rootCause, ContributingFactors: factors,
		Lessons:   debrief.Lessons{WentWell: []string{pick(r, corpusFiller)}, WentWrong: []string{pick(r, corpusFiller)}, GotLucky: []string{}},
		CreatedBy: commander, CreatedAt: started.Add(24 * time.Hour), UpdatedAt: published,
	}
	if r.IntN(5) == 0 {
		pm.Status = debrief.PostmortemDraft
	} else {
		pm.PublishedAt = &published
	}
	var events []*debrief.TimelineEvent
	at := started
	events = append(events, &debrief.TimelineEvent{At: at, Zone: "UTC", Source: debrief.SourceAlertmanager, Kind: debrief.KindAlert,
		Alert: alert, Text: fmt.Sprintf("Alert fired: %s (instance %s): %s above threshold", alert, host, svc), ExternalID: fmt.Sprintf("am:%d", n), CreatedAt: at})
	for i := range 6 + r.IntN(8) {
		at = at.Add(time.Duration(1+r.IntN(15)) * time.Minute)
		events = append(events, &debrief.TimelineEvent{At: at, Zone: "UTC", Source: debrief.SourceSlack, Kind: debrief.KindCommunication,
			Text: pick(r, corpusFiller), Actor: pick(r, corpusPeople), ExternalID: fmt.Sprintf("slack:%d:%d", n, i), CreatedAt: at})
	}
	var actions []*debrief.ActionItem
	for i := range 1 + r.IntN(3) {
		status := debrief.ActionDone
		if r.IntN(4) == 0 {
			status = debrief.ActionOpen
		}
		actions = append(actions, &debrief.ActionItem{
			Title: fmt.Sprintf("Add an alert on %s %s (%d)", svc, pick(r, []string{"saturation", "error rate", "latency", "queue depth"}), i),
			Owner: pick(r, corpusPeople), Priority: debrief.PriorityP2, Type: debrief.ActionDetect, Status: status,
			CreatedBy: commander, CreatedAt: published, UpdatedAt: published,
		})
	}
	return genRecord{inc: inc, pm: pm, events: events, actions: actions}
}

// bulkImport writes records in one transaction, the way an import of many
// postmortems would; the search index is rebuilt for all of them once,
// just before the commit.
func bulkImport(ctx context.Context, db *DB, recs []genRecord) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		insEvent, err := tx.PrepareContext(ctx, `INSERT INTO timeline_events (incident_id, at, zone, source, kind, text, actor,
	external_id, starred, lifecycle, created_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1)`)
		if err != nil {
			return err
		}
		defer insEvent.Close()
		// The store's own statement, so the columns stay those of actionItemArgs.
		insAction, err := tx.PrepareContext(ctx, actionItemInsert)
		if err != nil {
			return err
		}
		defer insAction.Close()
		for _, rec := range recs {
			args, err := db.incidentArgs(rec.inc)
			if err != nil {
				return err
			}
			var id int64
			if err := db.queryRow(ctx, tx, `INSERT INTO incidents (title, severity, status, services, customers, impact, labels,
	commander, scribe, communications, started_at, detected_at, acknowledged_at, mitigated_at, resolved_at,
	private, members, repeat_of, created_by, created_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, 1) RETURNING id`, args...).Scan(&id); err != nil {
				return err
			}
			rec.inc.ID = id
			if err := db.writeIncidentTags(ctx, tx, id, rec.inc, false); err != nil {
				return err
			}
			for _, e := range rec.events {
				if _, err := insEvent.ExecContext(ctx, id, db.d.t(e.At), e.Zone, string(e.Source), string(e.Kind), e.Text, e.Actor,
					e.ExternalID, e.Starred, string(e.Lifecycle), db.d.t(e.CreatedAt)); err != nil {
					return err
				}
			}
			rec.pm.IncidentID = &id
			pargs, err := db.postmortemArgs(rec.pm)
			if err != nil {
				return err
			}
			var pmID int64
			if err := db.queryRow(ctx, tx, `INSERT INTO postmortems (incident_id, kind, title, owner, status, template, template_version,
	sections, root_cause, contributing_factors, lessons, project, published_at, created_by, created_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1) RETURNING id`, pargs...).Scan(&pmID); err != nil {
				return err
			}
			for _, a := range rec.actions {
				a.IncidentID, a.PostmortemID = &id, &pmID
				if _, err := insAction.ExecContext(ctx, db.actionItemArgs(a)...); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
