package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/search"
	"github.com/google/go-cmp/cmp"
)

// TestVisibilityAgrees checks that the search index hides private
// incidents exactly as Actor.CanSee does, for every kind of actor, on both
// engines and on every path a search can take: a text search ranked in
// one pass, one ranked in tiers (from SQLite's fact cache, or in SQL on
// PostgreSQL), a search by filters alone, each the engine's default way
// too (on PostgreSQL, on the server), similar incidents and a digest.
func TestVisibilityAgrees(t *testing.T) {
	actors := []struct {
		name  string
		actor debrief.Actor
	}{
		{"anonymous", debrief.Actor{}},
		{"public link", debrief.Actor{Via: "public"}},
		{"blank email", debrief.Actor{Email: "  ", Role: debrief.RoleViewer}},
		{"viewer", debrief.Actor{Email: "vic@example.com", Role: debrief.RoleViewer}},
		{"viewer member, other case", debrief.Actor{Email: "ANA@example.com", Role: debrief.RoleViewer}},
		{"responder member", debrief.Actor{Email: "bob@example.com", Role: debrief.RoleResponder}},
		{"responder", debrief.Actor{Email: "rita@example.com", Role: debrief.RoleResponder}},
		{"admin", debrief.Actor{Email: "root@example.com", Role: debrief.RoleAdmin}},
		{"admin's read token", debrief.Actor{Email: "root@example.com", Role: debrief.RoleViewer, Via: "token", Scope: debrief.ScopeRead}},
		{"member's write token", debrief.Actor{Email: "ana@example.com", Role: debrief.RoleResponder, Via: "token", Scope: debrief.ScopeWrite}},
		{"member's read token", debrief.Actor{Email: "bob@example.com", Role: debrief.RoleViewer, Via: "token", Scope: debrief.ScopeRead}},
	}
	members := [][]string{
		nil,
		{"Ana@Example.com", " bob@example.com "},
		{"carol@example.com"},
		{},
	}
	for _, engine := range testEngines {
		t.Run(engine.name, func(t *testing.T) {
			db := engine.open(t, Options{})
			ctx := context.Background()
			var incidents []*debrief.Incident
			start := time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)
			for i := range 12 {
				m := members[i%len(members)]
				inc := &debrief.Incident{
					Title: fmt.Sprintf("Checkout outage %d: payments failed", i), Severity: "SEV2", Status: debrief.StatusClosed,
					Services: []string{"checkout"}, Customers: []string{}, Labels: []string{}, Members: append([]string{}, m...),
					Private: m != nil, StartedAt: start.AddDate(-i, 0, 0), CreatedBy: "t@example.com", CreatedAt: start, UpdatedAt: start,
				}
				if err := db.CreateIncident(ctx, inc, &debrief.Revision{EntityType: "incident", Action: "create", Actor: "t", At: start}); err != nil {
					t.Fatalf("CreateIncident(%d) = %v", i, err)
				}
				incidents = append(incidents, inc)
			}
			waitFactCache(t, db)
			for _, a := range actors {
				var want []string
				for _, inc := range incidents {
					if a.actor.CanSee(inc) {
						want = append(want, inc.Key)
					}
				}
				slices.Sort(want)
				if len(want) == 0 || len(want) == len(incidents) && a.actor.Role != debrief.RoleAdmin {
					t.Fatalf("%s: CanSee allows %d of %d incidents; the fixture must tell visible from hidden", a.name, len(want), len(incidents))
				}
				for _, path := range []struct {
					name      string
					q         string
					threshold int
				}{
					{"text, one pass", "outage", 1_000_000},
					{"text, in tiers", "outage", 1},
					{"filters alone", "service:checkout", 1_000_000},
					{"text, the engine's way", "outage", -1},
					{"filters alone, the engine's way", "service:checkout", -1},
				} {
					db.tune = storeTuning(db)
					if path.threshold >= 0 {
						db.tune.tierAlways, db.tune.tierThreshold = false, path.threshold
					}
					p, err := search.Parse(path.q, nil)
					if err != nil {
						t.Fatal(err)
					}
					p.Limit = 100
					res, err := db.Search(ctx, p, a.actor)
					if err != nil {
						t.Fatalf("%s: Search(%q, %s) = %v", a.name, path.q, path.name, err)
					}
					var got []string
					for _, h := range res.Hits {
						got = append(got, h.Key)
					}
					slices.Sort(got)
					if !cmp.Equal(got, want) || res.Total != len(want) {
						t.Errorf("%s: Search(%q, %s) = %v (total %d), want what CanSee allows: %v", a.name, path.q, path.name, got, res.Total, want)
					}
				}
				db.tune = storeTuning(db)
				day, err := db.IncidentsOnDay(ctx, start.Month(), start.Day(), start.AddDate(1, 0, 0), a.actor, 0)
				if err != nil {
					t.Fatalf("%s: IncidentsOnDay = %v", a.name, err)
				}
				var got []string
				for _, e := range day {
					got = append(got, e.Key)
				}
				slices.Sort(got)
				if !cmp.Equal(got, want) {
					t.Errorf("%s: IncidentsOnDay = %v, want what CanSee allows: %v", a.name, got, want)
				}
				similar, err := db.SimilarIncidents(ctx, debrief.SimilarProbe{IncidentID: incidents[0].ID, Limit: 100}, a.actor)
				if err != nil {
					t.Fatalf("%s: SimilarIncidents = %v", a.name, err)
				}
				for _, s := range similar {
					inc := incidents[slices.IndexFunc(incidents, func(inc *debrief.Incident) bool { return inc.ID == s.Incident.ID })]
					if !a.actor.CanSee(inc) {
						t.Errorf("%s: SimilarIncidents shows %s, which CanSee hides", a.name, inc.Key)
					}
				}
			}
		})
	}
}
