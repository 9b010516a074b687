package debrief

import (
	"context"
	"net/mail"
	"regexp"
	"sort"
	"strings"
	"time"
)

// EntityTeam names teams in revisions and the audit log.
const EntityTeam = "team"

// Team is a group of people who own services. Incidents carry no team:
// an incident belongs to the teams that own the services it touched, so
// moving a service to another team moves its history with it and no
// incident has to be rewritten. A service is owned by at most one team, so
// ownership is never ambiguous.
type Team struct {
	ID int64 `json:"id"`
	// Name is how people and URLs name the team: lower case letters,
	// digits and dashes, e.g. "payments-sre".
	Name string `json:"name"`
	// Members are the e-mail addresses of the team's people; the weekly
	// summary of the team goes to each of them (unless they opted out).
	Members []string `json:"members"`
	// Services are the services the team owns, named as incidents name
	// them.
	Services  []string  `json:"services"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	Version   int       `json:"version"`
}

var teamNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Validate checks the rules that hold for every team and normalises it:
// members lower case and sorted, services sorted, both without repeats.
func (t *Team) Validate() error {
	t.Name = strings.TrimSpace(t.Name)
	// A name of digits alone would read as an ID wherever a team is named.
	if !teamNameRe.MatchString(t.Name) || strings.Trim(t.Name, "0123456789") == "" {
		return Errorf(EInvalid, "name", "A team name is 1 to 63 lower case letters, digits and dashes, with a letter, e.g. 'payments-sre'.")
	}
	members := make([]string, 0, len(t.Members))
	for _, m := range t.Members {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		a, err := mail.ParseAddress(m)
		if err != nil || a.Name != "" || len(m) > MaxListItemLen {
			return Errorf(EInvalid, "members", "%q is not an e-mail address; list members as addresses, e.g. ana@example.com.", truncate(m, 60))
		}
		members = append(members, strings.ToLower(a.Address))
	}
	var err error
	if t.Members, err = cleanList("members", members); err != nil {
		return err
	}
	if t.Services, err = cleanList("services", t.Services); err != nil {
		return err
	}
	sort.Strings(t.Members)
	sort.Strings(t.Services)
	return CheckStrings(t)
}

// Owns reports whether the team owns service.
func (t *Team) Owns(service string) bool {
	for _, s := range t.Services {
		if s == service {
			return true
		}
	}
	return false
}

// OwnsAny reports whether the team owns any of services (an incident's).
func (t *Team) OwnsAny(services []string) bool {
	for _, s := range services {
		if t.Owns(s) {
			return true
		}
	}
	return false
}

// TeamPatch changes some fields of a team; nil fields stay as they are.
type TeamPatch struct {
	Name     *string   `json:"name,omitempty"`
	Members  *[]string `json:"members,omitempty"`
	Services *[]string `json:"services,omitempty"`
}

// TeamStore keeps teams. A service belongs to at most one team: the store
// refuses (EConflict, field services) a team that would own a service
// another team owns, also when two changes race.
type TeamStore interface {
	// CreateTeam inserts t with rev, assigning ID and Version 1; a name in
	// use or a service owned by another team is EConflict.
	CreateTeam(ctx context.Context, t *Team, rev *Revision) error
	// Team returns one team, or ENotFound.
	Team(ctx context.Context, id int64) (*Team, error)
	// ListTeams returns every team, by name.
	ListTeams(ctx context.Context) ([]*Team, error)
	// ListTeamsAfter returns at most limit teams whose name sorts after
	// after ("" for the first page), by name: one page of the teams.
	ListTeamsAfter(ctx context.Context, after string, limit int) ([]*Team, error)
	// UpdateTeam stores t with rev if its stored version is ifVersion;
	// otherwise EConflict with the stored team.
	UpdateTeam(ctx context.Context, t *Team, ifVersion int, rev *Revision) error
	// DeleteTeam removes the team if its stored version is ifVersion,
	// appending rev.
	DeleteTeam(ctx context.Context, id int64, ifVersion int, rev *Revision) error
}
