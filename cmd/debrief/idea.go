package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/debriefhq/debrief/debrief"
)

// IdeaCmd groups the improvement idea commands.
type IdeaCmd struct {
	Add     IdeaAddCmd     `cmd:"" help:"Raise an improvement idea in a postmortem (not yet an action item)."`
	List    IdeaListCmd    `cmd:"" help:"Print the ideas board: the ideas raised in most postmortems first."`
	Raise   IdeaRaiseCmd   `cmd:"" help:"Record that another postmortem raised an existing idea again (it gains weight)."`
	Similar IdeaSimilarCmd `cmd:"" help:"Show open ideas that likely say the same as one (candidates to merge)."`
	Merge   IdeaMergeCmd   `cmd:"" help:"Merge an idea into another that says the same; the other gains its mentions."`
	Promote IdeaPromoteCmd `cmd:"" help:"Turn an open idea into an action item on the postmortem that first raised it."`
	Drop    IdeaDropCmd    `cmd:"" help:"Decide against an idea (it leaves the board)."`
}

// IdeaAddCmd raises a new idea.
type IdeaAddCmd struct {
	ClientFlags `embed:""`
	Postmortem  string `arg:"" help:"The postmortem that raises it, e.g. PM-7."`
	Title       string `arg:"" help:"What would change, e.g. 'Canary every config change'."`
	Detail      string `help:"More about the idea."`
	Note        string `help:"How it came up in this postmortem."`
}

// Run posts the idea.
func (c *IdeaAddCmd) Run(env *Env) error {
	body := map[string]any{"title": c.Title}
	setIf(body, "detail", c.Detail)
	setIf(body, "note", c.Note)
	var idea debrief.Idea
	if done, err := c.send(env, http.MethodPost, "/api/v1/postmortems/"+ref(c.Postmortem)+"/ideas", body, 0, &idea); done {
		return err
	}
	fmt.Fprintf(env.Stdout, "Raised %s: %s\n", idea.Key, idea.Title)
	return nil
}

// IdeaListCmd prints the board.
type IdeaListCmd struct {
	ClientFlags `embed:""`
	Status      []string `help:"Only these statuses: open (default), promoted, merged, dropped, or all." default:"open"`
	Postmortem  string   `short:"p" help:"Only the ideas this postmortem raised, e.g. PM-7."`
	PageFlags   `embed:""`
}

// Run fetches the ideas and prints them heaviest first.
func (c *IdeaListCmd) Run(env *Env) error {
	q := url.Values{}
	for _, s := range c.Status {
		if s != "all" {
			q.Add("status", s)
		}
	}
	addIf(q, "postmortem_id", c.Postmortem)
	c.addPage(q)
	var out list[*debrief.Idea]
	if done, err := c.get(env, "/api/v1/ideas", q, &out); done {
		return err
	}
	if len(out.Items) == 0 {
		fmt.Fprintln(env.Stdout, "No ideas match.")
		return nil
	}
	if err := printIdeas(env, out.Items); err != nil {
		return err
	}
	printMore(env, out.NextCursor)
	return nil
}

func printIdeas(env *Env, ideas []*debrief.Idea) error {
	t := newTable(env.Stdout, "KEY", "WEIGHT", "STATUS", "RAISED IN", "TITLE")
	for _, i := range ideas {
		in := ""
		for k, m := range i.Mentions {
			if k > 0 {
				in += ","
			}
			in += debrief.PostmortemKeyPrefix + strconv.FormatInt(m.PostmortemID, 10)
		}
		status := string(i.Status)
		if i.MergedInto != nil {
			status += " into " + debrief.IdeaKey(*i.MergedInto)
		}
		if i.ActionItemID != nil {
			status += " as " + debrief.ActionItemKeyPrefix + strconv.FormatInt(*i.ActionItemID, 10)
		}
		t.row(i.Key, strconv.Itoa(i.Weight), status, clip(in, 40), clip(i.Title, 70))
	}
	return t.flush()
}

// ideaVersion reads the idea's current version, so a change names the
// version it started from.
func ideaVersion(env *Env, cl *client, id string) (debrief.Idea, int, error) {
	var cur debrief.Idea
	resp, err := cl.getJSON(env.Ctx, "/api/v1/ideas/"+ref(id), nil, &cur)
	if err != nil {
		return cur, 0, err
	}
	v := resp.Version
	if v == 0 {
		v = cur.Version
	}
	return cur, v, nil
}

// ideaChange posts body to the idea's path (after /ideas/{id}) at its
// current version and prints what says.
func ideaChange(env *Env, flags ClientFlags, id, method, path string, body map[string]any, says func(out []byte) (string, error)) error {
	cl, err := flags.client()
	if err != nil {
		return err
	}
	_, v, err := ideaVersion(env, cl, id)
	if err != nil {
		return err
	}
	body["version"] = v
	resp, err := cl.sendJSON(env.Ctx, method, "/api/v1/ideas/"+ref(id)+path, body, 0, nil)
	if err != nil {
		return err
	}
	if flags.JSON {
		return writeJSON(env.Stdout, resp.Body)
	}
	line, err := says(resp.Body)
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, line)
	return nil
}

// IdeaRaiseCmd adds a mention.
type IdeaRaiseCmd struct {
	ClientFlags `embed:""`
	ID          string `arg:"" help:"The idea, e.g. IDEA-3."`
	Postmortem  string `arg:"" help:"The postmortem that raised it again, e.g. PM-9."`
	Note        string `help:"How it came up there."`
}

// Run records the mention.
func (c *IdeaRaiseCmd) Run(env *Env) error {
	pm, err := debrief.ParseRef(c.Postmortem, debrief.PostmortemKeyPrefix)
	if err != nil {
		return fmt.Errorf("%q is not a postmortem ID or a key like PM-7", c.Postmortem)
	}
	body := map[string]any{"postmortem_id": pm}
	setIf(body, "note", c.Note)
	return ideaChange(env, c.ClientFlags, c.ID, http.MethodPost, "/mentions", body, ideaSays("%s was raised in %d postmortems now."))
}

// ideaSays prints a sentence about the idea in an answer: its key and
// weight.
func ideaSays(format string) func([]byte) (string, error) {
	return func(b []byte) (string, error) {
		var i debrief.Idea
		if err := json.Unmarshal(b, &i); err != nil {
			return "", err
		}
		return fmt.Sprintf(format, i.Key, i.Weight), nil
	}
}

// IdeaSimilarCmd lists likely duplicates.
type IdeaSimilarCmd struct {
	ClientFlags `embed:""`
	ID          string `arg:"" help:"The idea, e.g. IDEA-3."`
}

// Run prints the suggestions.
func (c *IdeaSimilarCmd) Run(env *Env) error {
	var out struct {
		Items []debrief.IdeaSuggestion `json:"items"`
	}
	if done, err := c.get(env, "/api/v1/ideas/"+ref(c.ID)+"/similar", nil, &out); done {
		return err
	}
	if len(out.Items) == 0 {
		fmt.Fprintln(env.Stdout, "No open idea looks like this one.")
		return nil
	}
	t := newTable(env.Stdout, "KEY", "ALIKE", "WEIGHT", "TITLE")
	for _, s := range out.Items {
		t.row(s.Idea.Key, strconv.Itoa(int(s.Score*100+0.5))+"%", strconv.Itoa(s.Idea.Weight), clip(s.Idea.Title, 70))
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Merge one with: debrief idea merge KEY --into %s\n", c.ID)
	return nil
}

// IdeaMergeCmd merges one idea into another.
type IdeaMergeCmd struct {
	ClientFlags `embed:""`
	ID          string `arg:"" help:"The idea that is the same as another, e.g. IDEA-4."`
	Into        string `required:"" help:"The idea it is merged into, e.g. IDEA-3."`
}

// Run merges at both ideas' current versions.
func (c *IdeaMergeCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	into, intoVersion, err := ideaVersion(env, cl, c.Into)
	if err != nil {
		return err
	}
	body := map[string]any{"into": into.ID, "into_version": intoVersion}
	return ideaChange(env, c.ClientFlags, c.ID, http.MethodPost, "/merge", body, ideaSays("Merged into %s, now raised in %d postmortems."))
}

// IdeaPromoteCmd makes an action item of an idea.
type IdeaPromoteCmd struct {
	ClientFlags `embed:""`
	ID          string `arg:"" help:"The idea, e.g. IDEA-3."`
	Title       string `help:"The action item's title (default: the idea's)."`
	Owner       string `short:"o" help:"Who will do it."`
	Due         string `help:"Due date, YYYY-MM-DD." placeholder:"DATE"`
	Priority    string `help:"P1 (most urgent) to P4; default P3."`
}

// Run promotes the idea at its current version.
func (c *IdeaPromoteCmd) Run(env *Env) error {
	body := map[string]any{}
	setIf(body, "title", c.Title)
	setIf(body, "owner", c.Owner)
	setIf(body, "priority", c.Priority)
	if c.Due != "" {
		d, err := parseDate(c.Due)
		if err != nil {
			return fmt.Errorf("--due: %w", err)
		}
		body["due_date"] = d
	}
	return ideaChange(env, c.ClientFlags, c.ID, http.MethodPost, "/promote", body, func(b []byte) (string, error) {
		var p struct {
			Idea       debrief.Idea       `json:"idea"`
			ActionItem debrief.ActionItem `json:"action_item"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			return "", err
		}
		return fmt.Sprintf("Promoted %s to action item %s: %s", p.Idea.Key, p.ActionItem.Key, p.ActionItem.Title), nil
	})
}

// IdeaDropCmd drops an idea.
type IdeaDropCmd struct {
	ClientFlags `embed:""`
	ID          string `arg:"" help:"The idea, e.g. IDEA-3."`
}

// Run sets the idea's status to dropped.
func (c *IdeaDropCmd) Run(env *Env) error {
	return ideaChange(env, c.ClientFlags, c.ID, http.MethodPatch, "", map[string]any{"status": debrief.IdeaDropped}, ideaSays("Dropped %s (it was raised in %d postmortems)."))
}
