package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// ReviewNudgeCmd reminds a participant to answer the questionnaire.
type ReviewNudgeCmd struct {
	ClientFlags `embed:""`
	Postmortem  string `arg:"" help:"The postmortem, e.g. PM-7."`
	Email       string `arg:"" help:"The participant to remind."`
}

// Run asks the server to e-mail the reminder.
func (c *ReviewNudgeCmd) Run(env *Env) error {
	var r debrief.Review
	if done, err := c.send(env, http.MethodPost, reviewPath(c.Postmortem)+"/nudge", map[string]any{"email": c.Email}, 0, &r); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "A reminder is on its way to %s, with a new personal link.\n", c.Email)
	return nil
}

// ReviewMeetingCmd groups the commands that run the meeting itself, the
// same steps as the facilitation page.
type ReviewMeetingCmd struct {
	Show  ReviewMeetingShowCmd  `cmd:"" help:"Show the meeting: stage, speakers and their turns, goals."`
	Start ReviewMeetingStartCmd `cmd:"" help:"Start the meeting, in a chosen or random order; prints the read-only room link."`
	Step  ReviewMeetingStepCmd  `cmd:"" help:"One facilitator step: stage, speak, next, skip (with --text as the reason), points, shuffle, notes, timer."`
	Goal  ReviewMeetingGoalCmd  `cmd:"" help:"Add a goal; it becomes an action item with its owner and due date."`
	End   ReviewMeetingEndCmd   `cmd:"" help:"End the meeting; everyone's feedback and the goals go into the postmortem."`
}

func meetingPath(pm string) string { return reviewPath(pm) + "/meeting" }

// printMeeting writes the meeting as a person reads it.
func printMeeting(w io.Writer, m *debrief.ReviewMeeting) {
	fmt.Fprintf(w, "Stage: %s (version %d)\n", m.Stage, m.Version)
	for i, sp := range m.Speakers {
		line := fmt.Sprintf("%d. %s: %s", i+1, sp.Label(), sp.Turn)
		if sp.Turn == debrief.TurnSkipped {
			line += " (" + sp.SkipReason + ")"
		}
		fmt.Fprintln(w, line)
	}
	for _, g := range m.Goals {
		fmt.Fprintf(w, "Goal %s: %s (owner %s%s)\n", g.ActionItemKey, g.Text, g.Owner, map[bool]string{true: ", due " + g.Due}[g.Due != ""])
	}
}

// ReviewMeetingShowCmd shows the meeting.
type ReviewMeetingShowCmd struct {
	ClientFlags `embed:""`
	Postmortem  string `arg:"" help:"The postmortem, e.g. PM-7."`
}

// Run reads the meeting.
func (c *ReviewMeetingShowCmd) Run(env *Env) error {
	var m debrief.ReviewMeeting
	if done, err := c.get(env, meetingPath(c.Postmortem), nil, &m); done {
		return err
	}
	printMeeting(env.Stdout, &m)
	return nil
}

// ReviewMeetingStartCmd starts the meeting.
type ReviewMeetingStartCmd struct {
	ClientFlags `embed:""`
	Postmortem  string   `arg:"" help:"The postmortem, e.g. PM-7."`
	Order       []string `help:"Emails in the go-around's order (the others follow)." placeholder:"EMAIL"`
	Shuffle     bool     `help:"Draw the go-around's order at random."`
}

// Run starts it.
func (c *ReviewMeetingStartCmd) Run(env *Env) error {
	var out struct {
		Meeting debrief.ReviewMeeting `json:"meeting"`
		RoomURL string                `json:"room_url"`
	}
	if done, err := c.send(env, http.MethodPost, meetingPath(c.Postmortem), debrief.StartMeeting{Order: c.Order, Shuffle: c.Shuffle}, 0, &out); done {
		return err
	}
	printMeeting(env.Stdout, &out.Meeting)
	fmt.Fprintf(env.Stdout, "Room link (read-only, shown only now): %s\n", out.RoomURL)
	return nil
}

// changeMeeting posts body to the meeting's path with suffix, naming the
// meeting's current version as each change must, and decodes the answer
// into out; done and err are as ClientFlags.answered gives them.
func (f *ClientFlags) changeMeeting(env *Env, pm, suffix string, body map[string]any, out any) (done bool, err error) {
	cl, err := f.client()
	if err != nil {
		return true, err
	}
	var m debrief.ReviewMeeting
	if _, err := cl.getJSON(env.Ctx, meetingPath(pm), nil, &m); err != nil {
		return true, err
	}
	body["version"] = m.Version
	resp, err := cl.sendJSON(env.Ctx, http.MethodPost, meetingPath(pm)+suffix, body, 0, out)
	return f.answered(env, resp, err)
}

// ReviewMeetingStepCmd takes one step.
type ReviewMeetingStepCmd struct {
	ClientFlags `embed:""`
	Postmortem  string `arg:"" help:"The postmortem, e.g. PM-7."`
	Action      string `arg:"" help:"stage, speak, next, skip, points, shuffle, notes or timer."`
	Stage       string `help:"For stage: agenda, round, analytics or goals."`
	Email       string `help:"For speak, skip and points: the speaker."`
	Text        string `help:"For skip the reason, for points the points, for notes the notes."`
	Seconds     int    `help:"For timer: each speaker's time in seconds."`
}

// Run applies the step at the meeting's current version.
func (c *ReviewMeetingStepCmd) Run(env *Env) error {
	body := map[string]any{"action": c.Action, "stage": c.Stage, "email": c.Email, "text": c.Text, "seconds": c.Seconds}
	var m debrief.ReviewMeeting
	if done, err := c.changeMeeting(env, c.Postmortem, "/steps", body, &m); done {
		return err
	}
	printMeeting(env.Stdout, &m)
	return nil
}

// ReviewMeetingGoalCmd adds a goal.
type ReviewMeetingGoalCmd struct {
	ClientFlags `embed:""`
	Postmortem  string `arg:"" help:"The postmortem, e.g. PM-7."`
	Text        string `arg:"" help:"The goal, e.g. 'Alert on pool saturation'."`
	Owner       string `required:"" help:"Who agreed to it."`
	Due         string `help:"Due date, YYYY-MM-DD." placeholder:"DATE"`
}

// Run adds it at the meeting's current version.
func (c *ReviewMeetingGoalCmd) Run(env *Env) error {
	var m debrief.ReviewMeeting
	if done, err := c.changeMeeting(env, c.Postmortem, "/goals", map[string]any{"text": c.Text, "owner": c.Owner, "due": c.Due}, &m); done {
		return err
	}
	g := m.Goals[len(m.Goals)-1]
	fmt.Fprintf(env.Stdout, "Added the goal as %s, owned by %s.\n", g.ActionItemKey, g.Owner)
	return nil
}

// ReviewMeetingEndCmd ends the meeting.
type ReviewMeetingEndCmd struct {
	ClientFlags `embed:""`
	Postmortem  string `arg:"" help:"The postmortem, e.g. PM-7."`
}

// Run ends it at its current version.
func (c *ReviewMeetingEndCmd) Run(env *Env) error {
	var out struct {
		Postmortem debrief.Postmortem `json:"postmortem"`
	}
	if done, err := c.changeMeeting(env, c.Postmortem, "/end", map[string]any{}, &out); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "Ended the meeting; the feedback is in %s, section %q (version %d).\n", strings.ToUpper(c.Postmortem), debrief.FeedbackSectionKey, out.Postmortem.Version)
	return nil
}
