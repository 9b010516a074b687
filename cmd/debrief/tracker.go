package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// TrackerCmd groups the issue tracker commands.
type TrackerCmd struct {
	Add  TrackerAddCmd  `cmd:"" help:"Add a GitHub repository or Jira Cloud project to export action items to (admins)."`
	List TrackerListCmd `cmd:"" help:"List the trackers action items can be exported to."`
	// Edit and Remove are in tracker_edit.go.
	Edit   TrackerEditCmd   `cmd:"" help:"Change a tracker: its name, address, project or token (admins)."`
	Remove TrackerRemoveCmd `cmd:"" help:"Remove a tracker; exported items keep their issue's address (admins)."`
}

// TrackerAddCmd adds a tracker.
type TrackerAddCmd struct {
	ClientFlags `embed:""`
	Name        string `arg:"" help:"A name to choose it by, e.g. github-platform."`
	Kind        string `required:"" enum:"github,jira" help:"github or jira."`
	Project     string `required:"" help:"owner/repo on GitHub, the project key on Jira (e.g. OPS)."`
	BaseURL     string `name:"base-url" help:"The API's address: https://api.github.com (default for GitHub), a GitHub Enterprise server's /api/v3, or https://example.atlassian.net." placeholder:"URL"`
	IssueType   string `help:"Jira issue type (default Task)."`
	Email       string `help:"Jira: the account whose API token --token is (basic authentication); without it the token is sent as a bearer token."`
	// TrackerToken is not --token, which is the Debrief API token of
	// every client command.
	TrackerToken string `name:"tracker-token" required:"" help:"A token that may create issues there (prefer DEBRIEF_TRACKER_TOKEN)." env:"DEBRIEF_TRACKER_TOKEN"`
}

// Run posts the tracker.
func (c *TrackerAddCmd) Run(env *Env) error {
	body := map[string]any{"name": c.Name, "kind": c.Kind, "project": c.Project, "token": c.TrackerToken}
	setIf(body, "base_url", c.BaseURL)
	setIf(body, "issue_type", c.IssueType)
	setIf(body, "email", c.Email)
	var t debrief.Tracker
	if done, err := c.send(env, http.MethodPost, "/api/v1/trackers", body, 0, &t); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "Added tracker %s: %s %s at %s. Export an item with: debrief action export AI-3 --tracker %s\n", t.Name, t.Kind, t.Project, t.BaseURL, t.Name)
	return nil
}

// TrackerListCmd lists trackers.
type TrackerListCmd struct {
	ClientFlags `embed:""`
	PageFlags   `embed:""`
}

// Run prints one page of the trackers, by name.
func (c *TrackerListCmd) Run(env *Env) error {
	q := url.Values{}
	c.addPage(q)
	var out list[*debrief.Tracker]
	if done, err := c.get(env, "/api/v1/trackers", q, &out); done {
		return err
	}
	if len(out.Items) == 0 {
		fmt.Fprintln(env.Stdout, "No trackers yet; an admin adds one with 'debrief tracker add'.")
		return nil
	}
	t := newTable(env.Stdout, "NAME", "KIND", "PROJECT", "BASE URL")
	for _, tr := range out.Items {
		t.row(tr.Name, string(tr.Kind), tr.Project, tr.BaseURL)
	}
	if err := t.flush(); err != nil {
		return err
	}
	printMore(env, out.NextCursor)
	return nil
}

// ActionExportCmd exports an action item to a tracker.
type ActionExportCmd struct {
	ClientFlags `embed:""`
	ID          string `arg:"" help:"Action item ID or key, e.g. AI-3."`
	Tracker     string `required:"" help:"The tracker's name (see 'debrief tracker list')."`
}

// Run exports the item (once: exporting again prints the link it has).
func (c *ActionExportCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	var link debrief.TrackerLink
	resp, err := cl.sendJSON(env.Ctx, http.MethodPost, "/api/v1/action-items/"+ref(c.ID)+"/export", map[string]any{"tracker": c.Tracker}, 0, &link)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	verb := "Exported"
	if resp.Status == http.StatusOK {
		verb = "Already exported"
	}
	fmt.Fprintf(env.Stdout, "%s %s as %s: %s\n", verb, strings.ToUpper(ref(c.ID)), link.ExternalKey, link.URL)
	return nil
}

// ActionSyncCmd reads an item's issues back.
type ActionSyncCmd struct {
	ClientFlags `embed:""`
	ID          string `arg:"" help:"Action item ID or key, e.g. AI-3."`
}

// Run syncs and prints each link's state.
func (c *ActionSyncCmd) Run(env *Env) error {
	var out list[*debrief.TrackerLink]
	if done, err := c.send(env, http.MethodPost, "/api/v1/action-items/"+ref(c.ID)+"/sync", nil, 0, &out); done {
		return err
	}
	if len(out.Items) == 0 {
		fmt.Fprintf(env.Stdout, "%s was not exported to a tracker.\n", c.ID)
		return nil
	}
	t := newTable(env.Stdout, "ISSUE", "STATE", "URL", "PROBLEM")
	for _, l := range out.Items {
		t.row(l.ExternalKey, string(l.State), l.URL, l.LastError)
	}
	return t.flush()
}
