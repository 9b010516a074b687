package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("Teams", testTeams)
	Register("TeamsRaceForAService", testTeamsRaceForAService)
	Register("TeamAnalyticsFilter", testTeamAnalyticsFilter)
}

// testTeams creates, reads, changes and deletes teams through the Service:
// names and members are normalised, a service has one owning team, stale
// versions conflict, every change leaves a revision, and an incident's
// teams follow its services.
func testTeams(t *testing.T, open Opener) {
	s := open(t)
	now := base
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { now = now.Add(time.Second); return now }))
	admin := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin})
	responder := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "ana@example.com", Role: debrief.RoleResponder})

	pay, err := svc.CreateTeam(admin, &debrief.Team{Name: "payments", Members: []string{"Ana@Example.com", "bo@example.com", "ana@example.com"}, Services: []string{"checkout", "billing"}})
	must(t, err, "CreateTeam(payments)")
	if pay.ID == 0 || pay.Version != 1 || fmt.Sprint(pay.Members) != "[ana@example.com bo@example.com]" || fmt.Sprint(pay.Services) != "[billing checkout]" {
		t.Fatalf("CreateTeam = %+v, want ID, version 1, members lower case without repeats, services sorted", pay)
	}
	_, err = svc.CreateTeam(responder, &debrief.Team{Name: "sre"})
	wantCode(t, err, debrief.EForbidden, "CreateTeam(as responder)")
	_, err = svc.CreateTeam(admin, &debrief.Team{Name: "Payments Team"})
	wantCode(t, err, debrief.EInvalid, "CreateTeam(name with spaces)")
	_, err = svc.CreateTeam(admin, &debrief.Team{Name: "42"})
	wantCode(t, err, debrief.EInvalid, "CreateTeam(digits only, which would read as an ID)")
	_, err = svc.CreateTeam(admin, &debrief.Team{Name: "sre", Members: []string{"not an address"}})
	wantCode(t, err, debrief.EInvalid, "CreateTeam(bad member)")
	_, err = svc.CreateTeam(admin, &debrief.Team{Name: "payments"})
	wantCode(t, err, debrief.EConflict, "CreateTeam(name in use)")
	_, err = svc.CreateTeam(admin, &debrief.Team{Name: "platform", Services: []string{"edge", "checkout"}})
	wantCode(t, err, debrief.EConflict, "CreateTeam(service owned by payments)")
	if e, ok := err.(*debrief.Error); !ok || e.Field != "services" {
		t.Errorf("CreateTeam(service owned elsewhere) = %v, want an error on field services", err)
	}
	plat, err := svc.CreateTeam(admin, &debrief.Team{Name: "platform", Members: []string{"cy@example.com"}, Services: []string{"edge"}})
	must(t, err, "CreateTeam(platform)")

	got, err := svc.Team(responder, "payments")
	must(t, err, "Team(payments)")
	if got.ID != pay.ID || fmt.Sprint(got.Services) != "[billing checkout]" || fmt.Sprint(got.Members) != "[ana@example.com bo@example.com]" {
		t.Errorf("Team(payments) = %+v, want the team as created", got)
	}
	if _, err := svc.Team(responder, fmt.Sprint(plat.ID)); err != nil {
		t.Errorf("Team(by ID) = %v", err)
	}
	_, err = svc.Team(responder, "nobody")
	wantCode(t, err, debrief.ENotFound, "Team(unknown)")
	list, err := svc.ListTeams(responder)
	must(t, err, "ListTeams")
	if len(list) != 2 || list[0].Name != "payments" || list[1].Name != "platform" || fmt.Sprint(list[1].Services) != "[edge]" {
		t.Errorf("ListTeams = %v, want payments then platform with their services", list)
	}

	// An incident's teams come from its services.
	inc, err := svc.CreateIncident(admin, &debrief.Incident{Title: "Checkout timed out behind the edge", Services: []string{"edge", "checkout", "search"}})
	must(t, err, "CreateIncident")
	teams, err := svc.IncidentTeams(responder, inc)
	must(t, err, "IncidentTeams")
	if len(teams) != 2 || teams[0].Name != "payments" || teams[1].Name != "platform" {
		t.Errorf("IncidentTeams(edge, checkout, search) = %v, want payments and platform", teams)
	}

	// Moving a service: taken from payments, then given to platform.
	services := []string{"checkout", "edge"}
	_, err = svc.UpdateTeam(admin, "platform", debrief.TeamPatch{Services: &services}, plat.Version)
	wantCode(t, err, debrief.EConflict, "UpdateTeam(take checkout while payments owns it)")
	billing := []string{"billing"}
	pay2, err := svc.UpdateTeam(admin, "payments", debrief.TeamPatch{Services: &billing}, pay.Version)
	must(t, err, "UpdateTeam(payments gives checkout away)")
	if pay2.Version != 2 {
		t.Errorf("UpdateTeam version = %d, want 2", pay2.Version)
	}
	plat2, err := svc.UpdateTeam(admin, "platform", debrief.TeamPatch{Services: &services}, plat.Version)
	must(t, err, "UpdateTeam(platform takes checkout)")
	_, err = svc.UpdateTeam(admin, "payments", debrief.TeamPatch{Services: &services}, pay.Version)
	wantCode(t, err, debrief.EConflict, "UpdateTeam(stale version)")
	name := "payments-sre"
	renamed, err := svc.UpdateTeam(admin, "payments", debrief.TeamPatch{Name: &name}, pay2.Version)
	must(t, err, "UpdateTeam(rename)")
	if renamed.Name != name || fmt.Sprint(renamed.Services) != "[billing]" {
		t.Errorf("UpdateTeam(rename) = %+v, want payments-sre owning billing", renamed)
	}
	revs, err := svc.ListRevisions(admin, debrief.RevisionFilter{EntityType: debrief.EntityTeam, EntityID: pay.ID})
	must(t, err, "ListRevisions(team)")
	if len(revs.Items) != 3 {
		t.Errorf("revisions of the team = %d, want 3 (create, two updates)", len(revs.Items))
	}

	err = svc.DeleteTeam(admin, "platform", plat.Version)
	wantCode(t, err, debrief.EConflict, "DeleteTeam(stale version)")
	must(t, svc.DeleteTeam(admin, "platform", plat2.Version), "DeleteTeam(platform)")
	_, err = svc.Team(responder, "platform")
	wantCode(t, err, debrief.ENotFound, "Team(deleted)")
	// Its services are free again.
	_, err = svc.CreateTeam(admin, &debrief.Team{Name: "edge", Services: []string{"edge", "checkout"}})
	must(t, err, "CreateTeam(services of a deleted team)")
}

// testTeamsRaceForAService has more admins than the pool holds each try to
// make a team owning the same service at once: exactly one wins and the
// others get EConflict, never two owners.
func testTeamsRaceForAService(t *testing.T, open Opener) {
	s := open(t)
	svc := debrief.NewService(s)
	admin := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin})
	const n = 24
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.CreateTeam(admin, &debrief.Team{Name: fmt.Sprintf("team-%d", i), Services: []string{"checkout"}})
		}()
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case debrief.ErrorCode(err) != debrief.EConflict:
			t.Errorf("CreateTeam(team-%d) = %v, want success or EConflict", i, err)
		}
	}
	list, err := svc.ListTeams(admin)
	must(t, err, "ListTeams")
	owners := 0
	for _, tm := range list {
		if tm.Owns("checkout") {
			owners++
		}
	}
	if won != 1 || owners != 1 {
		t.Errorf("%d concurrent CreateTeam(checkout): %d won, %d teams own it; want exactly one", n, won, owners)
	}
}

// testTeamAnalyticsFilter checks that the analytics team filter keeps the
// incidents that touched a service the team owns, narrowed by a service
// filter when both are given, that a team without services keeps none
// (not all), and that an unknown team is a sentence on field team.
func testTeamAnalyticsFilter(t *testing.T, open Opener) {
	s := open(t)
	svc := debrief.NewService(s)
	admin := debrief.WithActor(ctxOf(t), debrief.Actor{Email: "admin@example.com", Role: debrief.RoleAdmin})
	byService := map[string]int64{}
	for _, service := range []string{"checkout", "billing", "edge"} {
		inc, err := svc.CreateIncident(admin, &debrief.Incident{Title: "Trouble in " + service, Services: []string{service}})
		must(t, err, "CreateIncident")
		byService[service] = inc.ID
	}
	_, err := svc.CreateTeam(admin, &debrief.Team{Name: "payments", Services: []string{"checkout", "billing"}})
	must(t, err, "CreateTeam(payments)")
	_, err = svc.CreateTeam(admin, &debrief.Team{Name: "new-team"})
	must(t, err, "CreateTeam(new-team)")
	scan := func(f debrief.AnalyticsFilter) ([]int64, error) {
		var ids []int64
		err := svc.ScanAnalytics(admin, f, func(r *debrief.AnalyticsRecord) error { ids = append(ids, r.Incident.ID); return nil },
			func(*debrief.ActionItem) error { return nil })
		slices.Sort(ids)
		return ids, err
	}
	for _, c := range []struct {
		name string
		f    debrief.AnalyticsFilter
		want []int64
	}{
		{"team", debrief.AnalyticsFilter{Team: "payments"}, []int64{byService["checkout"], byService["billing"]}},
		{"team and service", debrief.AnalyticsFilter{Team: "payments", Services: []string{"billing", "edge"}}, []int64{byService["billing"]}},
		{"team and another team's service", debrief.AnalyticsFilter{Team: "payments", Services: []string{"edge"}}, nil},
		{"team without services", debrief.AnalyticsFilter{Team: "new-team"}, nil},
	} {
		got, err := scan(c.f)
		must(t, err, "ScanAnalytics("+c.name+")")
		slices.Sort(c.want)
		if !slices.Equal(got, c.want) {
			t.Errorf("ScanAnalytics(%s) incidents = %v, want %v", c.name, got, c.want)
		}
	}
	_, err = scan(debrief.AnalyticsFilter{Team: "nobody"})
	wantCode(t, err, debrief.EInvalid, "ScanAnalytics(unknown team)")
	if e, ok := err.(*debrief.Error); !ok || e.Field != "team" {
		t.Errorf("ScanAnalytics(unknown team) = %v, want an error on field team", err)
	}
}
