package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// TimelineCmd groups the timeline commands.
type TimelineCmd struct {
	Add  TimelineAddCmd  `cmd:"" help:"Add an event (or a file of events) to an incident's timeline."`
	List TimelineListCmd `cmd:"" help:"List an incident's timeline, oldest first."`
	// Import is in import.go.
	Import TimelineImportCmd `cmd:"" help:"Import a CSV, JSON or Markdown timeline file into an incident's timeline."`
}

// TimelineAddCmd adds events.
type TimelineAddCmd struct {
	ClientFlags `embed:""`
	Incident    string `arg:"" help:"Incident ID or key, e.g. INC-42."`
	Text        string `arg:"" optional:"" help:"What happened, e.g. 'Rolled back deploy 1432'."`
	At          string `help:"When it happened (default now): RFC 3339, '2026-03-05 14:02' in your zone, '14:02' or 'now'." placeholder:"TIME"`
	Kind        string `short:"k" help:"alert, detection, action, decision, communication, mitigation, resolution or note (default)."`
	Actor       string `help:"Who did it (default: you)."`
	Star        bool   `help:"Mark the event as significant."`
	Lifecycle   string `help:"Let the event set the incident's started, detected, acknowledged, mitigated or resolved time." placeholder:"TAG"`
	File        string `help:"Add the events in this JSON file (an array, or {\"events\":[…]}); '-' reads standard input." placeholder:"PATH" type:"path"`
}

// Run posts one event or a batch.
func (c *TimelineAddCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	var body any
	if c.File != "" {
		if c.Text != "" {
			return &usageError{msg: "Give either the event text or --file, not both."}
		}
		events, err := readEvents(env, c.File)
		if err != nil {
			return err
		}
		body = map[string]any{"events": events}
	} else {
		if strings.TrimSpace(c.Text) == "" {
			return &usageError{msg: `Say what happened: debrief timeline add INC-42 "Rolled back deploy 1432". Run "debrief timeline add --help" to see the options.`}
		}
		at := time.Now()
		if c.At != "" {
			at, err = parseTime(c.At, viewerZone(env.Getenv), time.Now())
			if err != nil {
				return fmt.Errorf("--at: %w", err)
			}
		}
		ev := map[string]any{"text": c.Text, "at": at.Format(time.RFC3339Nano), "starred": c.Star}
		setIf(ev, "kind", c.Kind)
		setIf(ev, "actor", c.Actor)
		setIf(ev, "lifecycle", c.Lifecycle)
		body = ev
	}
	var out struct {
		Added  int                      `json:"added"`
		Events []*debrief.TimelineEvent `json:"events"`
	}
	resp, err := cl.sendJSON(env.Ctx, http.MethodPost, "/api/v1/incidents/"+ref(c.Incident)+"/timeline", body, 0, &out)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	skipped := len(out.Events) - out.Added
	switch {
	case out.Added == 1 && skipped == 0:
		fmt.Fprintf(env.Stdout, "Added 1 event to %s.\n", c.Incident)
	case skipped > 0:
		fmt.Fprintf(env.Stdout, "Added %d events to %s; %d were already there.\n", out.Added, c.Incident, skipped)
	default:
		fmt.Fprintf(env.Stdout, "Added %d events to %s.\n", out.Added, c.Incident)
	}
	return nil
}

// readEvents reads a JSON array of events or {"events":[...]} from path.
func readEvents(env *Env, path string) ([]json.RawMessage, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(io.LimitReader(env.Stdin, 64<<20))
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the events file: %w", err)
	}
	data = bytes.TrimSpace(data)
	var events []json.RawMessage
	if len(data) > 0 && data[0] == '[' {
		err = json.Unmarshal(data, &events)
	} else {
		var wrapped struct {
			Events []json.RawMessage `json:"events"`
		}
		err = json.Unmarshal(data, &wrapped)
		events = wrapped.Events
	}
	if err != nil {
		return nil, fmt.Errorf("the events file %s is not valid JSON (%v); give an array of events or {\"events\":[…]}", path, err)
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("the events file %s holds no events", path)
	}
	return events, nil
}

// TimelineListCmd lists an incident's timeline.
type TimelineListCmd struct {
	ClientFlags `embed:""`
	Incident    string `arg:"" help:"Incident ID or key, e.g. INC-42."`
	Starred     bool   `help:"Only starred (significant) events."`
}

// Run fetches the whole timeline, page after page, and prints it; with
// --json it writes every event as one {"items": [...]} answer.
func (c *TimelineListCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	q := url.Values{}
	if c.Starred {
		q.Set("starred", "true")
	}
	events, err := wholeTimeline(env, cl, c.Incident, q)
	if err != nil {
		return err
	}
	if c.JSON {
		body, err := json.Marshal(list[*debrief.TimelineEvent]{Items: events})
		if err != nil {
			return err
		}
		return writeJSON(env.Stdout, body)
	}
	return printTimeline(env, events, viewerZone(env.Getenv))
}

// wholeTimeline reads every event of the incident's timeline that q
// selects, following next_cursor from page to page, so that no event is
// left out of what is printed. It names no limit: the server's default
// page is the largest, and a server from before timelines were paged,
// which refuses parameters it does not know, answers whole.
func wholeTimeline(env *Env, cl *client, incident string, q url.Values) ([]*debrief.TimelineEvent, error) {
	events := []*debrief.TimelineEvent{}
	for {
		var page list[*debrief.TimelineEvent]
		if _, err := cl.getJSON(env.Ctx, "/api/v1/incidents/"+ref(incident)+"/timeline", q, &page); err != nil {
			return nil, err
		}
		events = append(events, page.Items...)
		if page.NextCursor == "" || len(page.Items) == 0 {
			return events, nil
		}
		q.Set("after", page.NextCursor)
	}
}

// printTimeline writes events in loc. A timeline that spans several days in
// loc shows the date on every row; one within a day names the day once.
func printTimeline(env *Env, events []*debrief.TimelineEvent, loc *time.Location) error {
	if len(events) == 0 {
		fmt.Fprintln(env.Stdout, "The timeline is empty.")
		return nil
	}
	first := events[0].At.In(loc)
	multiDay := false
	for _, e := range events {
		t := e.At.In(loc)
		if t.Year() != first.Year() || t.YearDay() != first.YearDay() {
			multiDay = true
			break
		}
	}
	layout := "15:04:05 MST"
	if multiDay {
		layout = "2006-01-02 15:04 MST"
	} else {
		fmt.Fprintf(env.Stdout, "Timeline, %s\n", first.Format("Monday 2 January 2006"))
	}
	t := newTable(env.Stdout, "", "TIME", "KIND", "SOURCE", "ACTOR", "TEXT")
	for _, e := range events {
		star := " "
		if e.Starred {
			star = "*"
		}
		text := e.Text
		if e.Lifecycle != "" {
			text = "[" + string(e.Lifecycle) + "] " + text
		}
		t.row(star, e.At.In(loc).Format(layout), string(e.Kind), string(e.Source), clip(e.Actor, 24), clip(text, 100))
	}
	return t.flush()
}
