package debrief

import (
	"context"
	"strconv"
	"strings"
)

// CreateTeam adds a team (admins). A service another team owns is refused
// with a sentence naming that team.
func (s *Service) CreateTeam(ctx context.Context, in *Team) (*Team, error) {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return nil, err
	}
	t := &Team{Name: in.Name, Members: in.Members, Services: in.Services}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkServiceOwners(ctx, t); err != nil {
		return nil, err
	}
	now := s.Now()
	t.CreatedBy, t.CreatedAt, t.UpdatedAt = a.Label(), now, now
	if err := s.store.CreateTeam(ctx, t, s.revision(a, EntityTeam, 0, 1, "create", Snapshot(t))); err != nil {
		return nil, err
	}
	return t, nil
}

// checkServiceOwners refuses t when another team owns one of its services,
// naming that team, so the admin knows where to remove it first. The store
// enforces the same rule for changes that race past this check.
func (s *Service) checkServiceOwners(ctx context.Context, t *Team) error {
	teams, err := s.store.ListTeams(ctx)
	if err != nil {
		return err
	}
	for _, other := range teams {
		if other.ID == t.ID {
			continue
		}
		for _, svc := range t.Services {
			if other.Owns(svc) {
				return Errorf(EConflict, "services", "The service %q is owned by the team %s already; a service has one owning team, so remove it there first.", truncate(svc, 60), other.Name)
			}
		}
	}
	return nil
}

// Team returns the team named by ref: its name or its ID.
func (s *Service) Team(ctx context.Context, ref string) (*Team, error) {
	if _, err := s.require(ctx, RoleViewer); err != nil {
		return nil, err
	}
	return s.teamByRef(ctx, ref)
}

func (s *Service) teamByRef(ctx context.Context, ref string) (*Team, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		return s.store.Team(ctx, id)
	}
	teams, err := s.store.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		if t.Name == strings.ToLower(ref) {
			return t, nil
		}
	}
	return nil, Errorf(ENotFound, "team", "There is no team %q; see the list of teams (an admin adds one with 'debrief team add').", truncate(ref, 60))
}

// ListTeams returns every team, by name.
func (s *Service) ListTeams(ctx context.Context) ([]*Team, error) {
	if _, err := s.require(ctx, RoleViewer); err != nil {
		return nil, err
	}
	return s.store.ListTeams(ctx)
}

// UpdateTeam changes the team named by ref if it is still at ifVersion
// (admins); a stale version gets EConflict with the team as it is.
func (s *Service) UpdateTeam(ctx context.Context, ref string, p TeamPatch, ifVersion int) (*Team, error) {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return nil, err
	}
	cur, err := s.teamByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if cur.Version != ifVersion {
		return nil, Conflict("team", cur, cur.Version)
	}
	next := *cur
	if p.Name != nil {
		next.Name = *p.Name
	}
	if p.Members != nil {
		next.Members = *p.Members
	}
	if p.Services != nil {
		next.Services = *p.Services
	}
	if err := next.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkServiceOwners(ctx, &next); err != nil {
		return nil, err
	}
	changes := Diff(cur, &next)
	if len(changes) == 0 {
		return cur, nil
	}
	next.UpdatedAt = s.Now()
	if err := s.store.UpdateTeam(ctx, &next, ifVersion, s.revision(a, EntityTeam, cur.ID, ifVersion+1, "update", changes)); err != nil {
		return nil, err
	}
	return &next, nil
}

// DeleteTeam removes the team named by ref if it is still at ifVersion
// (admins). Incidents are untouched: they name services, not teams.
func (s *Service) DeleteTeam(ctx context.Context, ref string, ifVersion int) error {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return err
	}
	cur, err := s.teamByRef(ctx, ref)
	if err != nil {
		return err
	}
	if cur.Version != ifVersion {
		return Conflict("team", cur, cur.Version)
	}
	return s.store.DeleteTeam(ctx, cur.ID, ifVersion, s.revision(a, EntityTeam, cur.ID, ifVersion+1, "delete", Snapshot(cur)))
}

// IncidentTeams returns the teams that own the services inc touched, by
// name: an incident's teams are derived, never stored on it.
func (s *Service) IncidentTeams(ctx context.Context, inc *Incident) ([]*Team, error) {
	if _, err := s.require(ctx, RoleViewer); err != nil {
		return nil, err
	}
	teams, err := s.store.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Team
	for _, t := range teams {
		if t.OwnsAny(inc.Services) {
			out = append(out, t)
		}
	}
	return out, nil
}

// resolveTeamFilter replaces f.Team by the team's services (kept to those
// also in f.Services when both are given). none is true when no service is
// left, so no incident can match: a team without services has no
// incidents, where an empty Services would mean every incident.
func (s *Service) resolveTeamFilter(ctx context.Context, f *AnalyticsFilter) (none bool, err error) {
	if strings.TrimSpace(f.Team) == "" {
		f.Team = ""
		return false, nil
	}
	t, err := s.teamByRef(ctx, f.Team)
	if IsCode(err, ENotFound) {
		return false, Errorf(EInvalid, "team", "There is no team %q; pick one of the teams an admin made.", truncate(f.Team, 60))
	}
	if err != nil {
		return false, err
	}
	services := t.Services
	if len(f.Services) > 0 {
		services = nil
		for _, svc := range f.Services {
			if t.Owns(svc) {
				services = append(services, svc)
			}
		}
	}
	f.Team, f.Services = "", services
	return len(services) == 0, nil
}
