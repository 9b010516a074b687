package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/debriefhq/debrief/debrief"
)

// trackerNamed finds a tracker by its name or ID in the list, following
// its pages (of the most a page holds) to the end.
func trackerNamed(env *Env, cl *client, name string) (*debrief.Tracker, error) {
	q := url.Values{"limit": {strconv.Itoa(debrief.MaxPageSize)}}
	for {
		var out list[*debrief.Tracker]
		if _, err := cl.getJSON(env.Ctx, "/api/v1/trackers", q, &out); err != nil {
			return nil, err
		}
		for _, t := range out.Items {
			if t.Name == name || strconv.FormatInt(t.ID, 10) == name {
				return t, nil
			}
		}
		if out.NextCursor == "" {
			return nil, fmt.Errorf("there is no tracker %q; see 'debrief tracker list'", name)
		}
		q.Set("after", out.NextCursor)
	}
}

// TrackerEditCmd changes a tracker at the version read, so a change made
// meanwhile is not overwritten.
type TrackerEditCmd struct {
	ClientFlags  `embed:""`
	Name         string `arg:"" help:"The tracker's name or ID."`
	Rename       string `help:"A new name." placeholder:"NAME"`
	Project      string `help:"owner/repo on GitHub, the project key on Jira."`
	BaseURL      string `name:"base-url" help:"The API's address." placeholder:"URL"`
	IssueType    string `help:"Jira issue type."`
	Email        string `help:"Jira: the account whose API token the token is."`
	TrackerToken string `name:"tracker-token" help:"A new token (prefer DEBRIEF_TRACKER_TOKEN); without it the stored one stays." env:"DEBRIEF_TRACKER_TOKEN"`
}

// Run saves the change.
func (c *TrackerEditCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	t, err := trackerNamed(env, cl, c.Name)
	if err != nil {
		return err
	}
	body := map[string]any{}
	setIf(body, "name", c.Rename)
	setIf(body, "project", c.Project)
	setIf(body, "base_url", c.BaseURL)
	setIf(body, "issue_type", c.IssueType)
	setIf(body, "email", c.Email)
	setIf(body, "token", c.TrackerToken)
	if len(body) == 0 {
		return fmt.Errorf("say what to change: --rename, --project, --base-url, --issue-type, --email or --tracker-token")
	}
	var out debrief.Tracker
	resp, err := cl.sendJSON(env.Ctx, http.MethodPatch, "/api/v1/trackers/"+strconv.FormatInt(t.ID, 10), body, t.Version, &out)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "Saved tracker %s: %s %s at %s.\n", out.Name, out.Kind, out.Project, out.BaseURL)
	return nil
}

// TrackerRemoveCmd removes a tracker.
type TrackerRemoveCmd struct {
	ClientFlags `embed:""`
	Name        string `arg:"" help:"The tracker's name or ID."`
}

// Run deletes the tracker at the version read.
func (c *TrackerRemoveCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	t, err := trackerNamed(env, cl, c.Name)
	if err != nil {
		return err
	}
	if _, err := cl.do(env.Ctx, http.MethodDelete, "/api/v1/trackers/"+strconv.FormatInt(t.ID, 10), nil, nil, t.Version); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Removed tracker %s; items exported to it keep their issue's address.\n", t.Name)
	return nil
}
