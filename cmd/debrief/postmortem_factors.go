package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// PostmortemFactorsCmd suggests contributing factors for a postmortem.
type PostmortemFactorsCmd struct {
	ClientFlags `embed:""`
	ID          string `arg:"" help:"Postmortem ID or key, e.g. PM-7."`
}

// Run prints the suggestions: the factor, how often the team has used it
// and the words that suggested it. Accepting one is an edit of the
// postmortem's contributing factors.
func (c *PostmortemFactorsCmd) Run(env *Env) error {
	var body struct {
		Items []debrief.FactorSuggestion `json:"items"`
	}
	if done, err := c.get(env, "/api/v1/postmortems/"+ref(c.ID)+"/factor-suggestions", nil, &body); done {
		return err
	}
	if len(body.Items) == 0 {
		fmt.Fprintln(env.Stdout, "No contributing factors to suggest: the text names none this reader knows, or the postmortem has them already.")
		return nil
	}
	t := newTable(env.Stdout, "FACTOR", "USED", "BECAUSE OF")
	for _, f := range body.Items {
		used := "new"
		if f.Used > 0 {
			used = strconv.Itoa(f.Used) + "×"
		}
		t.row(f.Factor, used, clip(strings.Join(f.Words, ", "), 80))
	}
	return t.flush()
}
