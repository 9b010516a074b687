package main

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// ReviewUpdateCmd changes the plan of a review: title, window, length,
// zone and who is invited. A scheduled meeting whose invitation changes
// gets an updated invitation (same UID, higher SEQUENCE).
type ReviewUpdateCmd struct {
	ClientFlags `embed:""`
	Postmortem  string   `arg:"" help:"The postmortem, e.g. PM-7."`
	Title       string   `help:"A new title." placeholder:"TITLE"`
	Zone        string   `help:"The organiser's time zone." placeholder:"ZONE"`
	From        string   `help:"First day, YYYY-MM-DD." placeholder:"DATE"`
	To          string   `help:"Last day, YYYY-MM-DD." placeholder:"DATE"`
	Length      int      `help:"Meeting length in minutes." placeholder:"MINUTES"`
	Add         []string `help:"Invite someone else: email[,required|optional][,Zone/Name][,09:00-17:00] (repeat)." sep:"none" placeholder:"SPEC"`
	Remove      []string `help:"No longer invite this email (repeat); their personal link stops working." sep:"none" placeholder:"EMAIL"`
}

// Run sends the changes at the review's current version and prints the
// personal links of those newly invited.
func (c *ReviewUpdateCmd) Run(env *Env) error {
	var patch debrief.ReviewPatch
	for _, f := range []struct {
		dst **string
		v   string
	}{{&patch.Title, c.Title}, {&patch.Zone, c.Zone}, {&patch.WindowStart, c.From}, {&patch.WindowEnd, c.To}} {
		if f.v != "" {
			v := f.v
			*f.dst = &v
		}
	}
	if c.Length != 0 {
		patch.LengthMinutes = &c.Length
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	var cur debrief.Review
	if _, err := cl.getJSON(env.Ctx, reviewPath(c.Postmortem), nil, &cur); err != nil {
		return err
	}
	if len(c.Add) > 0 || len(c.Remove) > 0 {
		removed := map[string]bool{}
		for _, e := range c.Remove {
			if cur.Participant(e) == nil {
				return fmt.Errorf("--remove %s: not invited to the review of %s", e, strings.ToUpper(c.Postmortem))
			}
			removed[strings.ToLower(strings.TrimSpace(e))] = true
		}
		people := []debrief.ReviewParticipant{}
		for _, p := range cur.Participants {
			if !removed[strings.ToLower(p.Email)] {
				people = append(people, p)
			}
		}
		for _, spec := range c.Add {
			p, err := parseParticipant(spec)
			if err != nil {
				return err
			}
			people = append(people, p)
		}
		patch.Participants = &people
	}
	if patch == (debrief.ReviewPatch{}) {
		return fmt.Errorf("say what changes: --title, --zone, --from, --to, --length, --add or --remove")
	}
	body := struct {
		debrief.ReviewPatch
		Version int `json:"version"`
	}{patch, cur.Version}
	var out reviewWithInvites
	resp, err := cl.sendJSON(env.Ctx, http.MethodPatch, reviewPath(c.Postmortem), body, 0, &out)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	loc := viewerZone(env.Getenv)
	fmt.Fprintf(env.Stdout, "Changed the review of %s.\n\n", strings.ToUpper(c.Postmortem))
	printReview(env.Stdout, &out.Review, loc)
	return printInvites(env.Stdout, "Personal links of those newly invited (shown only now):", out.Invites, loc)
}
