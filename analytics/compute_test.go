package analytics_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/debriefhq/debrief/analytics"
	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/quality"
	"github.com/debriefhq/debrief/sqlstore"
	"github.com/debriefhq/debrief/storetest"
)

var seedStart = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func openStore(t *testing.T, engine string) *sqlstore.DB {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "debrief.db")
	if engine == sqlstore.EnginePostgres {
		dsn = storetest.PostgresDSN(t)
	}
	db, err := sqlstore.Open(context.Background(), dsn, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("sqlstore.Open(%s) = %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// seed stores n incidents through the store (one of them private to bob),
// each with one action item, and returns the private one.
func seed(t *testing.T, db debrief.Store, n int) *debrief.Incident {
	t.Helper()
	ctx := context.Background()
	var private *debrief.Incident
	for i := range n {
		started := seedStart.Add(time.Duration(i) * time.Hour)
		inc := &debrief.Incident{Title: "Checkout failed", Severity: "SEV2", Status: debrief.StatusResolved,
			Services: []string{"checkout"}, Members: []string{}, StartedAt: started,
			DetectedAt: ptr(started.Add(time.Duration(i+1) * time.Minute)), ResolvedAt: ptr(started.Add(time.Hour)),
			CreatedBy: "alice@example.com", CreatedAt: started, UpdatedAt: started}
		if i == 0 {
			inc.Private, inc.Members, inc.Services = true, []string{"Bob@Example.com"}, []string{"vault"}
			private = inc
		}
		rev := &debrief.Revision{EntityType: debrief.EntityIncident, Version: 1, Action: "create", Actor: "alice@example.com", At: started}
		if err := db.CreateIncident(ctx, inc, rev); err != nil {
			t.Fatalf("CreateIncident = %v", err)
		}
		it := &debrief.ActionItem{IncidentID: &inc.ID, Title: "Add an alert", Priority: debrief.PriorityP2, Type: debrief.ActionDetect,
			Status: debrief.ActionOpen, CreatedBy: "alice@example.com", CreatedAt: started, UpdatedAt: started}
		if err := db.CreateActionItem(ctx, it, &debrief.Revision{EntityType: debrief.EntityActionItem, Version: 1, Action: "create", Actor: "alice@example.com", At: started}); err != nil {
			t.Fatalf("CreateActionItem = %v", err)
		}
	}
	return private
}

func ptr[T any](v T) *T { return &v }

// TestComputeVisibility checks that the private incident and its item count
// only for those the Service lets see it.
func TestComputeVisibility(t *testing.T) {
	for _, engine := range []string{sqlstore.EngineSQLite, sqlstore.EnginePostgres} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			db := openStore(t, engine)
			seed(t, db, 4)
			svc := debrief.NewService(db, debrief.WithClock(func() time.Time { return seedStart.AddDate(0, 1, 0) }))
			cases := []struct {
				name      string
				actor     debrief.Actor
				incidents int
				services  []analytics.Count
			}{
				{"viewer who is not a member", debrief.Actor{Email: "carol@example.com", Role: debrief.RoleViewer}, 3, []analytics.Count{{Name: "checkout", Count: 3}}},
				{"member (email in another case)", debrief.Actor{Email: "bob@example.com", Role: debrief.RoleViewer}, 4, []analytics.Count{{Name: "checkout", Count: 3}, {Name: "vault", Count: 1}}},
				{"admin", debrief.Actor{Email: "root@example.com", Role: debrief.RoleAdmin}, 4, []analytics.Count{{Name: "checkout", Count: 3}, {Name: "vault", Count: 1}}},
			}
			for _, c := range cases {
				ctx := debrief.WithActor(context.Background(), c.actor)
				r, err := analytics.Compute(ctx, svc, debrief.AnalyticsFilter{})
				if err != nil {
					t.Fatalf("%s: Compute = %v", c.name, err)
				}
				if r.Incidents != c.incidents || r.ActionItems.Total != c.incidents {
					t.Errorf("%s: Compute counts %d incidents and %d action items, want %d of each", c.name, r.Incidents, r.ActionItems.Total, c.incidents)
				}
				if len(r.ByService) != len(c.services) {
					t.Errorf("%s: ByService = %v, want %v", c.name, r.ByService, c.services)
				}
				for i := range min(len(r.ByService), len(c.services)) {
					if r.ByService[i] != c.services[i] {
						t.Errorf("%s: ByService = %v, want %v", c.name, r.ByService, c.services)
					}
				}
			}
		})
	}
}

func TestComputeErrors(t *testing.T) {
	db := openStore(t, sqlstore.EngineSQLite)
	svc := debrief.NewService(db)
	viewer := debrief.WithActor(context.Background(), debrief.Actor{Email: "v@example.com", Role: debrief.RoleViewer})
	from, to := seedStart, seedStart.Add(-time.Hour)
	cases := []struct {
		name  string
		ctx   context.Context
		f     debrief.AnalyticsFilter
		code  string
		field string
	}{
		{"no actor", context.Background(), debrief.AnalyticsFilter{}, debrief.EUnauthorized, ""},
		{"range backwards", viewer, debrief.AnalyticsFilter{From: &from, To: &to}, debrief.EInvalid, "from"},
		{"unknown severity", viewer, debrief.AnalyticsFilter{Severities: []string{"SEV9"}}, debrief.EInvalid, "severity"},
	}
	for _, c := range cases {
		_, err := analytics.Compute(c.ctx, svc, c.f)
		if debrief.ErrorCode(err) != c.code || debrief.ErrorField(err) != c.field {
			t.Errorf("%s: Compute = %v (code %q, field %q), want code %q field %q", c.name, err, debrief.ErrorCode(err), debrief.ErrorField(err), c.code, c.field)
		}
	}
}

// TestCollector checks the metrics against the seeded data: the private
// incident is left out (the scrape is anonymous), and a second scrape
// within the TTL serves the cached figures.
func TestCollector(t *testing.T) {
	db := openStore(t, sqlstore.EngineSQLite)
	seed(t, db, 4)
	svc := debrief.NewService(db, debrief.WithClock(func() time.Time { return seedStart.AddDate(0, 1, 0) }))
	c := analytics.NewCollector(svc, nil)
	want := `
# HELP debrief_incidents_by_service Incidents (not private) that touched each service.
# TYPE debrief_incidents_by_service gauge
debrief_incidents_by_service{service="checkout"} 3
# HELP debrief_action_items Action items of incidents, by status (open includes in progress).
# TYPE debrief_action_items gauge
debrief_action_items{status="done"} 0
debrief_action_items{status="open"} 3
debrief_action_items{status="wont_do"} 0
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "debrief_incidents_by_service", "debrief_action_items"); err != nil {
		t.Errorf("metrics differ: %v", err)
	}
	// Cached: incidents added now (one of them public) do not show until
	// the TTL passes.
	seed(t, db, 2)
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "debrief_incidents_by_service", "debrief_action_items"); err != nil {
		t.Errorf("second scrape within the TTL differs: %v", err)
	}
}

// TestCache serves a report again while nothing changed, recomputes after a
// write or once the TTL has passed, and never serves one person's view of
// private incidents to another.
func TestCache(t *testing.T) {
	db := openStore(t, sqlstore.EngineSQLite)
	seed(t, db, 4) // one private to bob
	svc := debrief.NewService(db, debrief.WithClock(func() time.Time { return seedStart.AddDate(0, 1, 0) }))
	c := analytics.NewCache(svc)
	clock := time.Now()
	analytics.SetCacheClock(c, func() time.Time { return clock })
	carol := debrief.WithActor(context.Background(), debrief.Actor{Email: "carol@example.com", Role: debrief.RoleViewer})
	bob := debrief.WithActor(context.Background(), debrief.Actor{Email: "bob@example.com", Role: debrief.RoleViewer})
	report := func(ctx context.Context) *analytics.Report {
		t.Helper()
		r, err := c.Report(ctx, debrief.AnalyticsFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := report(carol)
	if report(carol) != first {
		t.Errorf("second report with nothing changed was computed again, want the cached one")
	}
	if r := report(bob); r.Incidents != 4 || first.Incidents != 3 {
		t.Errorf("bob's report counts %d incidents, carol's %d; want 4 (bob is a member of the private one) and 3", r.Incidents, first.Incidents)
	}
	seed(t, db, 2) // a write: one more public incident
	if r := report(carol); r == first || r.Incidents != 4 {
		t.Errorf("after a write carol's report counts %d (cached: %v), want a new report with 4", r.Incidents, r == first)
	}
	again := report(carol)
	clock = clock.Add(analytics.CacheTTL)
	if report(carol) == again {
		t.Errorf("a report older than the TTL was served, want it computed again")
	}
	if _, err := c.Report(context.Background(), debrief.AnalyticsFilter{}); debrief.ErrorCode(err) != debrief.EUnauthorized {
		t.Errorf("Report without an actor = %v, want EUnauthorized even with reports cached", err)
	}
}

// TestQualityScoresStoredOnSave checks the whole path of the quality
// figure: the Service scores a postmortem with package quality each time
// it is saved, the store keeps the score, and the report shows the score
// of the text as last saved, on both engines.
func TestQualityScoresStoredOnSave(t *testing.T) {
	for _, engine := range []string{sqlstore.EngineSQLite, sqlstore.EnginePostgres} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			db := openStore(t, engine)
			now := seedStart.AddDate(0, 0, 2)
			svc := debrief.NewService(db, debrief.WithClock(func() time.Time { return now }), debrief.WithPostmortemScorer(quality.Score))
			ctx := debrief.WithActor(context.Background(), debrief.Actor{Email: "alice@example.com", Role: debrief.RoleAdmin})
			inc, err := svc.CreateIncident(ctx, &debrief.Incident{Title: "Checkout API returned 500s for 42 minutes", Services: []string{"checkout"},
				StartedAt: seedStart, MitigatedAt: ptr(seedStart.Add(40 * time.Minute)), ResolvedAt: ptr(seedStart.Add(42 * time.Minute)), Status: debrief.StatusResolved})
			if err != nil {
				t.Fatalf("CreateIncident = %v", err)
			}
			pm, err := svc.CreatePostmortem(ctx, debrief.NewPostmortem{IncidentID: &inc.ID})
			if err != nil {
				t.Fatalf("CreatePostmortem = %v", err)
			}
			score := func() int {
				t.Helper()
				cur, err := svc.Postmortem(ctx, pm.ID)
				if err != nil {
					t.Fatal(err)
				}
				s, err := quality.Score(ctx, svc, cur)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
			report := func() analytics.QualityScores {
				t.Helper()
				r, err := analytics.Compute(ctx, svc, debrief.AnalyticsFilter{})
				if err != nil {
					t.Fatalf("Compute = %v", err)
				}
				return r.Quality
			}
			empty := score()
			if q := report(); q.Scored != 1 || q.Unscored != 0 || q.MedianScore == nil || *q.MedianScore != float64(empty) {
				t.Fatalf("after CreatePostmortem: Quality = %+v, want one postmortem scored %d", q, empty)
			}
			// A fuller text scores differently, and the report follows.
			rc := "A configuration push removed the database pool limit, so checkout exhausted its connections."
			if _, err := svc.UpdatePostmortem(ctx, pm.ID, debrief.PostmortemPatch{RootCause: &rc}, pm.Version); err != nil {
				t.Fatalf("UpdatePostmortem = %v", err)
			}
			written := score()
			if written == empty {
				t.Fatalf("quality.Score did not change with a root cause written (%d): the test cannot tell the scores apart", written)
			}
			q := report()
			if q.Scored != 1 || *q.MedianScore != float64(written) || len(q.ByMonth) != 1 || q.ByMonth[0].Month != "2026-03" {
				t.Errorf("after UpdatePostmortem: Quality = %+v, want one postmortem in 2026-03 scored %d", q, written)
			}
			// A score computed for an older version is not stored.
			if err := db.SetPostmortemQualityScore(context.Background(), pm.ID, pm.Version, 3); err != nil {
				t.Fatalf("SetPostmortemQualityScore(stale version) = %v", err)
			}
			if q := report(); *q.MedianScore != float64(written) {
				t.Errorf("after a stale SetPostmortemQualityScore: median = %v, want %d still", *q.MedianScore, written)
			}
		})
	}
}
