package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// TeamCmd groups the team commands.
type TeamCmd struct {
	Add    TeamAddCmd    `cmd:"" help:"Add a team: its members' e-mails and the services it owns (admins)."`
	List   TeamListCmd   `cmd:"" help:"List the teams with their members and services."`
	Show   TeamShowCmd   `cmd:"" help:"Show one team."`
	Edit   TeamEditCmd   `cmd:"" help:"Rename a team, or add and remove members and services (admins)."`
	Remove TeamRemoveCmd `cmd:"" help:"Remove a team; its services have no owner afterwards (admins)."`
}

// TeamAddCmd adds a team.
type TeamAddCmd struct {
	ClientFlags `embed:""`
	Name        string   `arg:"" help:"Lower case letters, digits and dashes, e.g. payments-sre."`
	Member      []string `short:"m" help:"A member's e-mail (repeat or separate with commas)."`
	Service     []string `short:"s" help:"A service the team owns, as incidents name it (repeat or separate with commas)."`
}

// Run posts the team.
func (c *TeamAddCmd) Run(env *Env) error {
	var t debrief.Team
	if done, err := c.send(env, http.MethodPost, "/api/v1/teams", map[string]any{"name": c.Name, "members": nonNilList(c.Member), "services": nonNilList(c.Service)}, 0, &t); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "Added team %s: %s, owns %s.\n", t.Name, plural(len(t.Members), "member"), orNoneList(t.Services))
	return nil
}

func nonNilList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func orNoneList(l []string) string {
	if len(l) == 0 {
		return "no services yet"
	}
	return strings.Join(l, ", ")
}

// TeamListCmd lists teams.
type TeamListCmd struct {
	ClientFlags `embed:""`
	PageFlags   `embed:""`
}

// Run prints one page of the teams, by name.
func (c *TeamListCmd) Run(env *Env) error {
	q := url.Values{}
	c.addPage(q)
	var out list[*debrief.Team]
	if done, err := c.get(env, "/api/v1/teams", q, &out); done {
		return err
	}
	if len(out.Items) == 0 {
		fmt.Fprintln(env.Stdout, "No teams yet; an admin adds one with 'debrief team add'.")
		return nil
	}
	t := newTable(env.Stdout, "NAME", "SERVICES", "MEMBERS")
	for _, tm := range out.Items {
		t.row(tm.Name, strings.Join(tm.Services, ", "), strings.Join(tm.Members, ", "))
	}
	if err := t.flush(); err != nil {
		return err
	}
	printMore(env, out.NextCursor)
	return nil
}

// TeamShowCmd shows a team.
type TeamShowCmd struct {
	ClientFlags `embed:""`
	Name        string `arg:"" help:"The team's name or ID."`
}

// Run prints the team.
func (c *TeamShowCmd) Run(env *Env) error {
	var t debrief.Team
	if done, err := c.get(env, "/api/v1/teams/"+ref(c.Name), nil, &t); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "Team %s (version %d)\nServices: %s\nMembers: %s\n", t.Name, t.Version, orNoneList(t.Services), strings.Join(t.Members, ", "))
	return nil
}

// TeamEditCmd changes a team: it reads the team, applies the flags and
// saves with the version read, so a change made meanwhile is not lost.
type TeamEditCmd struct {
	ClientFlags   `embed:""`
	Name          string   `arg:"" help:"The team's name or ID."`
	Rename        string   `help:"A new name." placeholder:"NAME"`
	AddMember     []string `name:"add-member" help:"Members' e-mails to add."`
	RemoveMember  []string `name:"remove-member" help:"Members' e-mails to remove."`
	AddService    []string `name:"add-service" help:"Services to own."`
	RemoveService []string `name:"remove-service" help:"Services to give up."`
}

// Run saves the change.
func (c *TeamEditCmd) Run(env *Env) error {
	cl, t, err := teamToChange(env, &c.ClientFlags, c.Name)
	if err != nil {
		return err
	}
	body := map[string]any{}
	if c.Rename != "" {
		body["name"] = c.Rename
	}
	if len(c.AddMember)+len(c.RemoveMember) > 0 {
		body["members"] = edited(t.Members, c.AddMember, c.RemoveMember, strings.EqualFold)
	}
	if len(c.AddService)+len(c.RemoveService) > 0 {
		body["services"] = edited(t.Services, c.AddService, c.RemoveService, func(a, b string) bool { return a == strings.TrimSpace(b) })
	}
	if len(body) == 0 {
		return fmt.Errorf("say what to change: --rename, --add-member, --remove-member, --add-service or --remove-service")
	}
	var out debrief.Team
	resp, err := cl.sendJSON(env.Ctx, http.MethodPatch, "/api/v1/teams/"+ref(c.Name), body, t.Version, &out)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "Saved team %s: %s, owns %s.\n", out.Name, plural(len(out.Members), "member"), orNoneList(out.Services))
	return nil
}

// teamToChange reads the team named name, whose version a change or a
// removal names so that one made meanwhile is refused, and returns it with
// the client to send that with.
func teamToChange(env *Env, f *ClientFlags, name string) (*client, *debrief.Team, error) {
	cl, err := f.client()
	if err != nil {
		return nil, nil, err
	}
	var t debrief.Team
	if _, err := cl.getJSON(env.Ctx, "/api/v1/teams/"+ref(name), nil, &t); err != nil {
		return nil, nil, err
	}
	return cl, &t, nil
}

// edited returns list with add appended and remove taken out.
func edited(list, add, remove []string, same func(a, b string) bool) []string {
	out := []string{}
	for _, v := range list {
		drop := false
		for _, r := range remove {
			drop = drop || same(v, r)
		}
		if !drop {
			out = append(out, v)
		}
	}
	return append(out, add...)
}

// TeamRemoveCmd removes a team.
type TeamRemoveCmd struct {
	ClientFlags `embed:""`
	Name        string `arg:"" help:"The team's name or ID."`
}

// Run deletes the team at the version read.
func (c *TeamRemoveCmd) Run(env *Env) error {
	cl, t, err := teamToChange(env, &c.ClientFlags, c.Name)
	if err != nil {
		return err
	}
	if _, err := cl.do(env.Ctx, http.MethodDelete, "/api/v1/teams/"+ref(c.Name), nil, nil, t.Version); err != nil {
		return err
	}
	if len(t.Services) == 0 {
		fmt.Fprintf(env.Stdout, "Removed team %s.\n", t.Name)
		return nil
	}
	fmt.Fprintf(env.Stdout, "Removed team %s; no team owns %s now.\n", t.Name, strings.Join(t.Services, ", "))
	return nil
}
