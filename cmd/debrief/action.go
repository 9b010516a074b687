package main

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// ActionCmd groups the action item commands.
type ActionCmd struct {
	Add  ActionAddCmd  `cmd:"" help:"Add an action item to an incident or postmortem."`
	List ActionListCmd `cmd:"" help:"List action items, newest first."`
	Done ActionDoneCmd `cmd:"" help:"Mark an action item done."`
	// Export and Sync are in tracker.go.
	Export ActionExportCmd `cmd:"" help:"Create the action item's issue in GitHub or Jira and keep the link."`
	Sync   ActionSyncCmd   `cmd:"" help:"Read the item's issues back now (done there marks it done here)."`
}

// ActionAddCmd adds an action item.
type ActionAddCmd struct {
	ClientFlags    `embed:""`
	Title          string `arg:"" optional:"" help:"What changes, starting with a verb, e.g. 'Alert when checkout errors exceed 2%'."`
	Incident       string `short:"i" help:"The incident it follows from, e.g. INC-42."`
	Postmortem     string `short:"p" help:"The postmortem it belongs to, e.g. PM-7."`
	Owner          string `short:"o" help:"Who will do it."`
	Due            string `help:"Due date, YYYY-MM-DD." placeholder:"DATE"`
	Priority       string `help:"P1 (most urgent) to P4; default P3."`
	Type           string `help:"prevent (default), detect, mitigate, process or investigate."`
	Tracker        string `help:"Link to the ticket in your issue tracker." placeholder:"URL"`
	VerifyRequired bool   `help:"Marking the item done will need a verification (a note or link showing the fix shipped)."`
}

// Run posts the action item.
func (c *ActionAddCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	body := map[string]any{"title": c.Title}
	if c.Incident != "" {
		id, err := debrief.ParseRef(c.Incident, debrief.IncidentKeyPrefix)
		if err != nil {
			return fmt.Errorf("--incident: %q is not an incident ID or a key like INC-42", c.Incident)
		}
		body["incident_id"] = id
	}
	if c.Postmortem != "" {
		id, err := debrief.ParseRef(c.Postmortem, debrief.PostmortemKeyPrefix)
		if err != nil {
			return fmt.Errorf("--postmortem: %q is not a postmortem ID or a key like PM-7", c.Postmortem)
		}
		body["postmortem_id"] = id
	}
	setIf(body, "owner", c.Owner)
	setIf(body, "priority", c.Priority)
	setIf(body, "type", c.Type)
	setIf(body, "tracker_url", c.Tracker)
	if c.VerifyRequired {
		body["verify_required"] = true
	}
	if c.Due != "" {
		d, err := parseDate(c.Due)
		if err != nil {
			return fmt.Errorf("--due: %w", err)
		}
		body["due_date"] = d
	}
	var a debrief.ActionItem
	resp, err := cl.sendJSON(env.Ctx, http.MethodPost, "/api/v1/action-items", body, 0, &a)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "Added %s: %s\n", a.Key, a.Title)
	return printActionItems(env, []*debrief.ActionItem{&a})
}

// ActionListCmd lists action items.
type ActionListCmd struct {
	ClientFlags `embed:""`
	Status      []string `help:"Only these statuses: open, in_progress, done, wont_do (repeat or separate with commas)."`
	Owner       string   `short:"o" help:"Only this owner's items."`
	Incident    string   `short:"i" help:"Only items of this incident, e.g. INC-42."`
	Postmortem  string   `short:"p" help:"Only items of this postmortem, e.g. PM-7."`
	PageFlags   `embed:""`
}

// Run fetches one page and prints it.
func (c *ActionListCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	q := url.Values{}
	for _, s := range c.Status {
		q.Add("status", s)
	}
	addIf(q, "owner", c.Owner)
	if c.Incident != "" {
		id, err := debrief.ParseRef(c.Incident, debrief.IncidentKeyPrefix)
		if err != nil {
			return fmt.Errorf("--incident: %q is not an incident ID or a key like INC-42", c.Incident)
		}
		q.Set("incident_id", strconv.FormatInt(id, 10))
	}
	if c.Postmortem != "" {
		id, err := debrief.ParseRef(c.Postmortem, debrief.PostmortemKeyPrefix)
		if err != nil {
			return fmt.Errorf("--postmortem: %q is not a postmortem ID or a key like PM-7", c.Postmortem)
		}
		q.Set("postmortem_id", strconv.FormatInt(id, 10))
	}
	c.addPage(q)
	var page list[*debrief.ActionItem]
	resp, err := cl.getJSON(env.Ctx, "/api/v1/action-items", q, &page)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	if len(page.Items) == 0 {
		fmt.Fprintln(env.Stdout, "No action items match.")
		return nil
	}
	if err := printActionItems(env, page.Items); err != nil {
		return err
	}
	printMore(env, page.NextCursor)
	return nil
}

func printActionItems(env *Env, items []*debrief.ActionItem) error {
	now := time.Now()
	t := newTable(env.Stdout, "KEY", "PRIORITY", "STATUS", "DUE", "OWNER", "FOR", "TITLE")
	for _, a := range items {
		due := showDate(a.DueDate)
		if a.Overdue(now) {
			due += " (overdue)"
		}
		var of string
		switch {
		case a.PostmortemID != nil:
			of = debrief.PostmortemKeyPrefix + strconv.FormatInt(*a.PostmortemID, 10)
		case a.IncidentID != nil:
			of = debrief.IncidentKey(*a.IncidentID)
		}
		t.row(a.Key, string(a.Priority), string(a.Status), due, clip(a.Owner, 30), of, clip(a.Title, 70))
	}
	return t.flush()
}

// ActionDoneCmd marks an action item done.
type ActionDoneCmd struct {
	ClientFlags  `embed:""`
	ID           string `arg:"" help:"Action item ID or key, e.g. AI-3."`
	Verification string `help:"A note or link showing the fix shipped, e.g. the merged pull request (required when the item or its template's policy asks for one)." placeholder:"NOTE-OR-URL"`
}

// Run reads the item's version and sets its status to done under it.
func (c *ActionDoneCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	var cur debrief.ActionItem
	resp, err := cl.getJSON(env.Ctx, "/api/v1/action-items/"+ref(c.ID), nil, &cur)
	if err != nil {
		return err
	}
	if cur.Status == debrief.ActionDone {
		if c.JSON {
			return writeJSON(env.Stdout, resp.Body)
		}
		fmt.Fprintf(env.Stdout, "%s was already done.\n", cur.Key)
		return nil
	}
	version := resp.Version
	if version == 0 {
		version = cur.Version
	}
	var a debrief.ActionItem
	body := map[string]any{"status": debrief.ActionDone}
	setIf(body, "verification", c.Verification)
	resp, err = cl.sendJSON(env.Ctx, http.MethodPatch, "/api/v1/action-items/"+ref(c.ID), body, version, &a)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusConflict {
			return fmt.Errorf("%s was changed by someone else just now; nothing was saved. Run the command again", cur.Key)
		}
		return err
	}
	if c.JSON {
		return writeJSON(env.Stdout, resp.Body)
	}
	fmt.Fprintf(env.Stdout, "Marked %s done: %s\n", a.Key, a.Title)
	return nil
}
