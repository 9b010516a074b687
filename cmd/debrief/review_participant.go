package main

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// The participant's side of the review from the command line: marking when
// they can attend, answering the questionnaire, and the organiser making a
// participant a new personal link. Each names the version it started from,
// read just before, so a change made elsewhere meanwhile is refused rather
// than overwritten.

// ReviewMarkCmd marks a participant's free times.
type ReviewMarkCmd struct {
	ClientFlags `embed:""`
	Postmortem  string   `arg:"" help:"The postmortem, e.g. PM-7."`
	Free        []string `help:"A time the participant can attend, START..END ('2026-03-10 14:00..16:00', in your zone or RFC 3339; END may be a time of the same day). Repeat for several." sep:"none" placeholder:"RANGE"`
	None        bool     `help:"The participant cannot attend at any time in the window."`
	Zone        string   `help:"The participant's time zone, e.g. Europe/Berlin." placeholder:"ZONE"`
	Hours       string   `help:"The participant's working hours, e.g. 09:00-17:00." placeholder:"HH:MM-HH:MM"`
	Participant string   `help:"Whose times (default: yours)." placeholder:"EMAIL"`
}

// parseRange reads START..END; END may be a time of START's day.
func parseRange(s string, loc *time.Location) (debrief.TimeRange, error) {
	from, to, ok := strings.Cut(s, "..")
	if !ok {
		return debrief.TimeRange{}, fmt.Errorf("--free %q: write a range as START..END, e.g. '2026-03-10 14:00..16:00'", s)
	}
	start, err := parseTime(from, loc, time.Now())
	if err != nil {
		return debrief.TimeRange{}, fmt.Errorf("--free: %w", err)
	}
	end, err := parseTime(to, loc, start)
	if err != nil {
		return debrief.TimeRange{}, fmt.Errorf("--free: %w", err)
	}
	if !end.After(start) {
		return debrief.TimeRange{}, fmt.Errorf("--free %q ends before it starts", s)
	}
	return debrief.TimeRange{Start: start, End: end}, nil
}

// Run sends the participant's times at their entry's version.
func (c *ReviewMarkCmd) Run(env *Env) error {
	if len(c.Free) == 0 && !c.None && c.Zone == "" && c.Hours == "" {
		return fmt.Errorf("say when the participant can attend with --free '2026-03-10 14:00..16:00' (repeat it), or --none, or change --zone or --hours")
	}
	if len(c.Free) > 0 && c.None {
		return fmt.Errorf("give --free times or --none, not both")
	}
	loc := viewerZone(env.Getenv)
	var change debrief.AvailabilityChange
	if len(c.Free) > 0 || c.None {
		free := []debrief.TimeRange{}
		for _, s := range c.Free {
			r, err := parseRange(s, loc)
			if err != nil {
				return err
			}
			free = append(free, r)
		}
		change.Available = &free
	}
	if c.Zone != "" {
		change.Zone = &c.Zone
	}
	if c.Hours != "" {
		from, to, ok := strings.Cut(c.Hours, "-")
		if !ok {
			return fmt.Errorf("--hours %q: write working hours as 09:00-17:00", c.Hours)
		}
		from, to = strings.TrimSpace(from), strings.TrimSpace(to)
		change.WorkStart, change.WorkEnd = &from, &to
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	r, p, err := reviewParticipant(env.Ctx, cl, c.Postmortem, c.Participant)
	if err != nil {
		return err
	}
	body := struct {
		Participant string `json:"participant"`
		debrief.AvailabilityChange
		Version int `json:"version"`
	}{p.Email, change, p.Version}
	resp, err := cl.sendJSON(env.Ctx, http.MethodPut, reviewPath(c.Postmortem)+"/availability", body, 0, r)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "Saved the times of %s.\n\n", p.Email)
	printReview(env.Stdout, r, loc)
	return nil
}

// ReviewAnswerCmd answers the questionnaire.
type ReviewAnswerCmd struct {
	ClientFlags `embed:""`
	Postmortem  string `arg:"" help:"The postmortem, e.g. PM-7."`
	WentWell    string `help:"What went well." placeholder:"TEXT"`
	WasHard     string `help:"What was hard." placeholder:"TEXT"`
	Surprised   string `help:"What surprised you." placeholder:"TEXT"`
	WouldChange string `help:"What you would change." placeholder:"TEXT"`
	Shared      bool   `help:"Show the answers to the others now, not only once the meeting starts."`
}

// Run stores the caller's answers at their answer's version.
func (c *ReviewAnswerCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	me, err := whoAmI(env.Ctx, cl)
	if err == errAnonymous {
		return fmt.Errorf("each participant answers the questionnaire themself: use your own account's token (--token), or the page of your personal link")
	}
	if err != nil {
		return err
	}
	var all debrief.ReviewAnswers
	if _, err := cl.getJSON(env.Ctx, reviewPath(c.Postmortem)+"/answers", nil, &all); err != nil {
		return err
	}
	version := 0
	for _, a := range all.Answers {
		if strings.EqualFold(a.Email, me) {
			version = a.Version
		}
	}
	body := struct {
		debrief.AnswerInput
		Version int `json:"version"`
	}{debrief.AnswerInput{WentWell: c.WentWell, WasHard: c.WasHard, Surprised: c.Surprised, WouldChange: c.WouldChange, Shared: c.Shared}, version}
	var ans debrief.ReviewAnswer
	resp, err := cl.sendJSON(env.Ctx, http.MethodPut, reviewPath(c.Postmortem)+"/answers", body, 0, &ans)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	seen := "kept private until the meeting starts"
	if ans.Shared {
		seen = "shared with the other participants"
	}
	fmt.Fprintf(env.Stdout, "Saved your answers to the questionnaire of %s (version %d, %s).\n", strings.ToUpper(c.Postmortem), ans.Version, seen)
	return nil
}

// ReviewLinkCmd makes a participant a new personal link.
type ReviewLinkCmd struct {
	ClientFlags `embed:""`
	Postmortem  string `arg:"" help:"The postmortem, e.g. PM-7."`
	Email       string `arg:"" help:"The participant."`
}

// Run prints the new link, which is shown only now.
func (c *ReviewLinkCmd) Run(env *Env) error {
	var in reviewInvite
	if done, err := c.send(env, http.MethodPost, reviewPath(c.Postmortem)+"/links", map[string]any{"email": c.Email}, 0, &in); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "A new personal link for %s (the old one no longer works; shown only now), until %s:\n  %s\n",
		in.Email, in.ExpiresAt.In(viewerZone(env.Getenv)).Format("2 Jan 2006"), in.PageURL)
	return nil
}
