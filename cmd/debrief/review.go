package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// ReviewCmd groups the review meeting commands.
type ReviewCmd struct {
	Open    ReviewOpenCmd    `cmd:"" help:"Open the review meeting of a postmortem: participants, window, length."`
	Show    ReviewShowCmd    `cmd:"" help:"Show a postmortem's review meeting and who has marked their times."`
	Propose ReviewProposeCmd `cmd:"" help:"List the best slots, or who blocks the nearest ones when there is none."`
	Busy    ReviewBusyCmd    `cmd:"" help:"Import a participant's busy times from an .ics file or a calendar's secret URL."`
	Choose  ReviewChooseCmd  `cmd:"" help:"Schedule the meeting at a start time (or the best proposal with --best)."`
	Cancel  ReviewCancelCmd  `cmd:"" help:"Call the meeting off; its invitation becomes a cancellation."`
	Ics     ReviewIcsCmd     `cmd:"" name:"ics" help:"Write the meeting's iCalendar invitation (or cancellation)."`
	Nudge   ReviewNudgeCmd   `cmd:"" help:"Remind a participant by e-mail to answer the questionnaire (needs a mail server)."`
	Mark    ReviewMarkCmd    `cmd:"" help:"Mark when a participant can attend (their free times in the window, zone and working hours)."`
	Answer  ReviewAnswerCmd  `cmd:"" help:"Answer the questionnaire before the meeting: what went well, was hard, surprised you, you would change."`
	Link    ReviewLinkCmd    `cmd:"" help:"Make a participant a new personal link (the old one stops working)."`
	Update  ReviewUpdateCmd  `cmd:"" help:"Change the plan: title, window, length, zone, who is invited."`
	Meeting ReviewMeetingCmd `cmd:"" help:"Run the meeting: start, steps, goals, end."`
}

func reviewPath(pm string) string { return "/api/v1/postmortems/" + ref(pm) + "/review" }

// ReviewOpenCmd opens a review meeting.
type ReviewOpenCmd struct {
	ClientFlags `embed:""`
	Postmortem  string   `arg:"" help:"The postmortem, e.g. PM-7."`
	Participant []string `help:"A participant: email[,required|optional][,Zone/Name][,09:00-17:00] (repeat; default: the postmortem's owner and the incident's responders)." sep:"none" placeholder:"SPEC"`
	Zone        string   `help:"The organiser's time zone: the window's days are days there (default UTC)." placeholder:"ZONE"`
	From        string   `help:"First day the meeting may take place, YYYY-MM-DD (default tomorrow)." placeholder:"DATE"`
	To          string   `help:"Last day, YYYY-MM-DD (default two weeks from today)." placeholder:"DATE"`
	Length      int      `help:"Meeting length in minutes (default 60)." placeholder:"MINUTES"`
	Title       string   `help:"Meeting title (default 'Review: ' and the postmortem's title)."`
}

// parseParticipant reads email[,required|optional][,zone][,HH:MM-HH:MM].
func parseParticipant(spec string) (debrief.ReviewParticipant, error) {
	parts := strings.Split(spec, ",")
	p := debrief.ReviewParticipant{Email: strings.TrimSpace(parts[0]), Required: true}
	for _, f := range parts[1:] {
		f = strings.TrimSpace(f)
		switch {
		case strings.EqualFold(f, "required"):
			p.Required = true
		case strings.EqualFold(f, "optional"):
			p.Required = false
		case strings.Contains(f, "-") && strings.Contains(f, ":"):
			p.WorkStart, p.WorkEnd, _ = strings.Cut(f, "-")
		case f != "":
			p.Zone = f
		}
	}
	if p.Email == "" {
		return p, fmt.Errorf("--participant %q has no email address; write it as ana@example.com,required,Europe/Berlin,09:00-17:00", spec)
	}
	return p, nil
}

// Run opens the review and prints each participant's personal link.
func (c *ReviewOpenCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	body := debrief.NewReview{Title: c.Title, Zone: c.Zone, WindowStart: c.From, WindowEnd: c.To, LengthMinutes: c.Length}
	for _, spec := range c.Participant {
		p, err := parseParticipant(spec)
		if err != nil {
			return err
		}
		body.Participants = append(body.Participants, p)
	}
	var out reviewWithInvites
	resp, err := cl.sendJSON(env.Ctx, http.MethodPost, reviewPath(c.Postmortem), body, 0, &out)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	loc := viewerZone(env.Getenv)
	fmt.Fprintf(env.Stdout, "Opened the review of %s.\n\n", strings.ToUpper(c.Postmortem))
	printReview(env.Stdout, &out.Review, loc)
	return printInvites(env.Stdout, "Personal links (each works without an account; shown only now):", out.Invites, loc)
}

// reviewWithInvites is the API's answer to opening or changing a review:
// the review, and the personal links just made.
type reviewWithInvites struct {
	Review  debrief.Review `json:"review"`
	Invites []reviewInvite `json:"invites"`
}

// reviewInvite is a personal link as the API shows it once.
type reviewInvite struct {
	Email     string    `json:"email"`
	PageURL   string    `json:"page_url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// printInvites lists personal links, each the page its holder opens.
func printInvites(w io.Writer, heading string, invites []reviewInvite, loc *time.Location) error {
	if len(invites) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\n"+heading)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, in := range invites {
		fmt.Fprintf(tw, "  %s\t%s\tuntil %s\n", in.Email, in.PageURL, in.ExpiresAt.In(loc).Format("2 Jan 2006"))
	}
	return tw.Flush()
}

// ReviewShowCmd shows a review.
type ReviewShowCmd struct {
	ClientFlags `embed:""`
	Postmortem  string `arg:"" help:"The postmortem, e.g. PM-7."`
}

// Run prints the review.
func (c *ReviewShowCmd) Run(env *Env) error {
	var r debrief.Review
	if done, err := c.get(env, reviewPath(c.Postmortem), nil, &r); done {
		return err
	}
	printReview(env.Stdout, &r, viewerZone(env.Getenv))
	return nil
}

func printReview(w io.Writer, r *debrief.Review, loc *time.Location) {
	fmt.Fprintf(w, "%s\n", r.Title)
	fmt.Fprintf(w, "Status:   %s (version %d, invitation sequence %d)\n", r.Status, r.Version, r.Sequence)
	fmt.Fprintf(w, "Window:   %s to %s (%s), %d minutes\n", r.WindowStart, r.WindowEnd, r.Zone, r.LengthMinutes)
	if r.Chosen != nil {
		fmt.Fprintf(w, "Chosen:   %s\n", slotText(r.Chosen.Start, r.Chosen.End, loc))
	}
	fmt.Fprintln(w, "Participants:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  EMAIL\tROLE\tZONE\tHOURS\tTIMES")
	for _, p := range r.Participants {
		role := "optional"
		if p.Required {
			role = "required"
		}
		times := "not marked"
		switch {
		case p.Marked:
			times = fmt.Sprintf("marked %d", len(p.Available))
		case len(p.Busy) > 0:
			times = ""
		}
		if len(p.Busy) > 0 {
			times = strings.TrimSpace(times + fmt.Sprintf(" busy %d (%s)", len(p.Busy), p.BusySource))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s–%s\t%s\n", p.Email, role, p.Zone, p.WorkStart, p.WorkEnd, times)
	}
	tw.Flush()
}

// slotText shows a slot in the viewer's zone, naming the zone, and in UTC.
func slotText(start, end time.Time, loc *time.Location) string {
	s, e := start.In(loc), end.In(loc)
	return fmt.Sprintf("%s–%s %s (%s UTC)", s.Format("Mon 2 Jan 2006 15:04"), e.Format("15:04"), loc, start.UTC().Format("15:04"))
}

// ReviewProposeCmd lists proposals.
type ReviewProposeCmd struct {
	ClientFlags `embed:""`
	Postmortem  string `arg:"" help:"The postmortem, e.g. PM-7."`
	Limit       int    `help:"How many slots to list (1 to 50)." default:"5"`
}

type proposals struct {
	Earliest *struct {
		Start time.Time `json:"start"`
		End   time.Time `json:"end"`
	} `json:"earliest"`
	Slots []struct {
		Start    time.Time `json:"start"`
		End      time.Time `json:"end"`
		Optional []string  `json:"optional"`
		Missing  []string  `json:"missing"`
	} `json:"slots"`
	NearMisses []struct {
		Start    time.Time `json:"start"`
		End      time.Time `json:"end"`
		Blockers []string  `json:"blockers"`
	} `json:"near_misses"`
	Version int `json:"version"`
}

func getProposals(ctx context.Context, cl *client, pm string, limit int) (*proposals, *response, error) {
	var p proposals
	resp, err := cl.getJSON(ctx, reviewPath(pm)+"/proposals", url.Values{"limit": {strconv.Itoa(limit)}}, &p)
	return &p, resp, err
}

// Run prints the proposals.
func (c *ReviewProposeCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	p, resp, err := getProposals(env.Ctx, cl, c.Postmortem, c.Limit)
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(env.Stdout, resp.Body)
	}
	loc := viewerZone(env.Getenv)
	if len(p.Slots) == 0 {
		fmt.Fprintln(env.Stdout, "No time in the window suits every required participant. The nearest misses:")
		for _, nm := range p.NearMisses {
			fmt.Fprintf(env.Stdout, "  %s  blocked by %s\n", slotText(nm.Start, nm.End, loc), strings.Join(nm.Blockers, ", "))
		}
		return nil
	}
	if p.Earliest != nil {
		fmt.Fprintf(env.Stdout, "Earliest: %s\n", slotText(p.Earliest.Start, p.Earliest.End, loc))
	}
	fmt.Fprintln(env.Stdout, "Best slots (most optional participants first):")
	for i, s := range p.Slots {
		line := fmt.Sprintf("  %d. %s", i+1, slotText(s.Start, s.End, loc))
		if len(s.Missing) > 0 {
			line += "  without " + strings.Join(s.Missing, ", ")
		}
		fmt.Fprintln(env.Stdout, line)
	}
	return nil
}

// ReviewBusyCmd imports busy times.
type ReviewBusyCmd struct {
	ClientFlags `embed:""`
	Postmortem  string `arg:"" help:"The postmortem, e.g. PM-7."`
	File        string `help:"An .ics file exported from a calendar." placeholder:"PATH" xor:"source"`
	URL         string `name:"url" help:"A calendar's secret address; the server fetches it once and does not keep it." placeholder:"URL" xor:"source"`
	Participant string `help:"Whose times (default: yours)." placeholder:"EMAIL"`
}

// Run uploads or names the calendar, naming the participant's version.
func (c *ReviewBusyCmd) Run(env *Env) error {
	if c.File == "" && c.URL == "" {
		return fmt.Errorf("give the calendar with --file cal.ics or --url https://…")
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	r, p, err := reviewParticipant(env.Ctx, cl, c.Postmortem, c.Participant)
	if err != nil {
		return err
	}
	var resp *response
	if c.URL != "" {
		body := map[string]any{"url": c.URL, "participant": p.Email, "version": p.Version}
		resp, err = cl.sendJSON(env.Ctx, http.MethodPost, reviewPath(c.Postmortem)+"/busy", body, 0, r)
	} else {
		data, rerr := os.ReadFile(c.File)
		if rerr != nil {
			return fmt.Errorf("cannot read %s: %v", c.File, rerr)
		}
		q := url.Values{"version": {strconv.Itoa(p.Version)}, "participant": {p.Email}}
		resp, err = cl.send(env.Ctx, http.MethodPost, reviewPath(c.Postmortem)+"/busy", q, "text/calendar", bytes.NewReader(data), 0)
		if err == nil {
			err = decode(resp, r)
		}
	}
	if err != nil {
		return err
	}
	if c.JSON {
		return writeJSON(env.Stdout, resp.Body)
	}
	fmt.Fprintf(env.Stdout, "Imported the busy times.\n\n")
	printReview(env.Stdout, r, viewerZone(env.Getenv))
	return nil
}

// reviewParticipant reads the review of pm and the entry of participant
// who (the caller when empty), with its version.
func reviewParticipant(ctx context.Context, cl *client, pm, who string) (*debrief.Review, *debrief.ReviewParticipant, error) {
	var r debrief.Review
	if _, err := cl.getJSON(ctx, reviewPath(pm), nil, &r); err != nil {
		return nil, nil, err
	}
	if who == "" {
		var err error
		if who, err = whoAmI(ctx, cl); err != nil {
			return nil, nil, err
		}
	}
	p := r.Participant(who)
	if p == nil {
		return nil, nil, fmt.Errorf("%s is not invited to the review of %s", who, strings.ToUpper(pm))
	}
	return &r, p, nil
}

// errAnonymous is whoAmI's answer on a server that does not know who the
// caller is (one run with --open); participant commands that need it have
// a flag to say whom they are about.
var errAnonymous = fmt.Errorf("this server does not know who you are; say whose times these are with --participant")

// whoAmI asks the server whose token this is.
func whoAmI(ctx context.Context, cl *client) (string, error) {
	// The answer names the caller as the actor: {"actor": {"email": …}}.
	var me struct {
		Actor struct {
			Email string `json:"email"`
		} `json:"actor"`
	}
	if _, err := cl.getJSON(ctx, "/api/v1/auth/me", nil, &me); err != nil {
		return "", err
	}
	if me.Actor.Email == "" || !strings.Contains(me.Actor.Email, "@") {
		return "", errAnonymous
	}
	return me.Actor.Email, nil
}

// ReviewChooseCmd schedules the meeting.
type ReviewChooseCmd struct {
	ClientFlags `embed:""`
	Postmortem  string `arg:"" help:"The postmortem, e.g. PM-7."`
	Start       string `help:"When the meeting starts: RFC 3339, or '2026-03-10 14:00' in your zone." placeholder:"TIME" xor:"when"`
	Best        bool   `help:"Take the best proposal (most optional participants, then earliest)." xor:"when"`
}

// Run chooses the slot at the review's current version.
func (c *ReviewChooseCmd) Run(env *Env) error {
	if c.Start == "" && !c.Best {
		return fmt.Errorf("say when: --start '2026-03-10 14:00' or --best")
	}
	cl, err := c.client()
	if err != nil {
		return err
	}
	loc := viewerZone(env.Getenv)
	var start time.Time
	version := 0
	if c.Best {
		p, _, err := getProposals(env.Ctx, cl, c.Postmortem, 1)
		if err != nil {
			return err
		}
		if len(p.Slots) == 0 {
			return fmt.Errorf("no time in the window suits every required participant; see 'debrief review propose %s' for who blocks the nearest ones", c.Postmortem)
		}
		start, version = p.Slots[0].Start, p.Version
	} else {
		if start, err = parseTime(c.Start, loc, time.Now()); err != nil {
			return fmt.Errorf("--start: %w", err)
		}
		var r debrief.Review
		if _, err := cl.getJSON(env.Ctx, reviewPath(c.Postmortem), nil, &r); err != nil {
			return err
		}
		version = r.Version
	}
	var r debrief.Review
	resp, err := cl.sendJSON(env.Ctx, http.MethodPost, reviewPath(c.Postmortem)+"/choose", map[string]any{"start": start, "version": version}, 0, &r)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "Scheduled the review for %s.\nDownload the invitation with 'debrief review ics %s -o review.ics'.\n", slotText(r.Chosen.Start, r.Chosen.End, loc), c.Postmortem)
	return nil
}

// ReviewCancelCmd cancels the meeting.
type ReviewCancelCmd struct {
	ClientFlags `embed:""`
	Postmortem  string `arg:"" help:"The postmortem, e.g. PM-7."`
}

// Run cancels at the review's current version.
func (c *ReviewCancelCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	var r debrief.Review
	if _, err := cl.getJSON(env.Ctx, reviewPath(c.Postmortem), nil, &r); err != nil {
		return err
	}
	resp, err := cl.sendJSON(env.Ctx, http.MethodPost, reviewPath(c.Postmortem)+"/cancel", map[string]any{"version": r.Version}, 0, &r)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "Cancelled the review of %s.", strings.ToUpper(c.Postmortem))
	if r.Chosen != nil {
		fmt.Fprintf(env.Stdout, " Send the cancellation from 'debrief review ics %s'.", c.Postmortem)
	}
	fmt.Fprintln(env.Stdout)
	return nil
}

// ReviewIcsCmd writes the invitation.
type ReviewIcsCmd struct {
	ClientFlags `embed:""`
	Postmortem  string `arg:"" help:"The postmortem, e.g. PM-7."`
	Output      string `short:"o" help:"Write to this file instead of standard output." placeholder:"PATH"`
}

// Run downloads the invitation.
func (c *ReviewIcsCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	resp, err := cl.do(env.Ctx, http.MethodGet, reviewPath(c.Postmortem)+"/invitation.ics", nil, nil, 0)
	if err != nil {
		return err
	}
	if c.Output == "" {
		_, err = env.Stdout.Write(resp.Body)
		return err
	}
	if err := os.WriteFile(c.Output, resp.Body, 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %v", c.Output, err)
	}
	fmt.Fprintf(env.Stdout, "Wrote the invitation to %s.\n", c.Output)
	return nil
}
