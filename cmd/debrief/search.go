package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// SearchCmd searches incidents and postmortems, or lists the incidents
// most like one.
type SearchCmd struct {
	ClientFlags `embed:""`
	Query       []string `arg:"" optional:"" help:"What to look for: words, \"exact phrases\", -excluded, a OR b, prefix*, and filters severity:1 service:checkout status:resolved label: owner:me kind:incident|project after:2024-01-01 before: has:action-items-open." placeholder:"QUERY"`
	Limit       int      `help:"How many results to show (1 to 500)." default:"20"`
	Offset      int      `help:"Results to skip, for the next page."`
	Similar     string   `help:"Instead of searching, list the past incidents most like this one, with why." placeholder:"INC-42"`
}

// searchAnswer mirrors the API's search response.
type searchAnswer struct {
	Q            string `json:"q"`
	UnderstoodAs string `json:"understood_as"`
	Total        int    `json:"total"`
	// TotalEstimated: the server estimated the total from a sample.
	TotalEstimated bool                 `json:"total_estimated"`
	Offset         int                  `json:"offset"`
	Hits           []debrief.SearchHit  `json:"hits"`
	Facets         debrief.SearchFacets `json:"facets"`
}

// Run asks the server and prints the results, or the server's JSON with --json.
func (c *SearchCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	if c.Similar != "" {
		if len(c.Query) > 0 {
			return &usageError{msg: "Give either a query or --similar, not both."}
		}
		return c.similar(env, cl)
	}
	q := strings.TrimSpace(strings.Join(c.Query, " "))
	if q == "" {
		return &usageError{msg: `Say what to search for, e.g. debrief search 'checkout timeout severity:1'.`}
	}
	params := url.Values{"q": {q}, "limit": {strconv.Itoa(c.Limit)}}
	if c.Offset > 0 {
		params.Set("offset", strconv.Itoa(c.Offset))
	}
	var ans searchAnswer
	resp, err := cl.getJSON(env.Ctx, "/api/v1/search", params, &ans)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Field == "q" {
			// The message already says where in the query the problem is.
			return errors.New(sentence(ae.Message))
		}
		return err
	}
	if c.JSON {
		return writeJSON(env.Stdout, resp.Body)
	}
	printSearch(env.Stdout, &ans)
	return nil
}

func printSearch(w io.Writer, ans *searchAnswer) {
	switch {
	case ans.Total == 0:
		fmt.Fprintf(w, "Nothing matches %s.\n", ans.UnderstoodAs)
		return
	case len(ans.Hits) == 0:
		fmt.Fprintf(w, "%d results for %s; none from number %d on.\n", ans.Total, ans.UnderstoodAs, ans.Offset+1)
		return
	}
	about := ""
	if ans.TotalEstimated {
		about = "About "
	}
	fmt.Fprintf(w, "%s%s for %s", about, plural(ans.Total, "result"), ans.UnderstoodAs)
	if ans.Offset > 0 || len(ans.Hits) < ans.Total {
		fmt.Fprintf(w, " (showing %d to %d)", ans.Offset+1, ans.Offset+len(ans.Hits))
	}
	fmt.Fprintln(w, ":")
	fmt.Fprintln(w)
	for _, h := range ans.Hits {
		sev := h.Severity
		if sev == "" {
			sev = string(h.Kind)
		}
		fmt.Fprintf(w, "%-8s %s  %-8s %s\n", h.Key, h.Date.UTC().Format("2006-01-02"), sev, h.Title)
		if h.Snippet != "" {
			label := h.FieldLabel
			if label == "" {
				label = "Text"
			}
			fmt.Fprintf(w, "         %s: %s\n", label, markHighlights(h.Snippet, h.Highlights))
		}
	}
	fmt.Fprintln(w)
	facet := func(name string, counts []debrief.FacetCount) {
		if len(counts) == 0 {
			return
		}
		parts := make([]string, 0, len(counts))
		for i, f := range counts {
			if i == 8 {
				parts = append(parts, "…")
				break
			}
			parts = append(parts, fmt.Sprintf("%s %d", f.Value, f.Count))
		}
		fmt.Fprintf(w, "%-9s %s\n", name+":", strings.Join(parts, ", "))
	}
	facet("Severity", ans.Facets.Severity)
	facet("Services", ans.Facets.Service)
	facet("Years", ans.Facets.Year)
	facet("Factors", ans.Facets.Factor)
}

// markHighlights wraps each highlighted range of s in *…*, the emphasis a
// terminal reader recognises without colour.
func markHighlights(s string, hs []debrief.SearchRange) string {
	var b strings.Builder
	last := 0
	for _, h := range hs {
		if h.Start < last || h.End > len(s) || h.Start >= h.End {
			continue
		}
		b.WriteString(s[last:h.Start])
		b.WriteString("*" + s[h.Start:h.End] + "*")
		last = h.End
	}
	b.WriteString(s[last:])
	return b.String()
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func (c *SearchCmd) similar(env *Env, cl *client) error {
	var ans struct {
		Items []debrief.SimilarIncident `json:"items"`
	}
	resp, err := cl.getJSON(env.Ctx, "/api/v1/incidents/"+ref(c.Similar)+"/similar", nil, &ans)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	if len(ans.Items) == 0 {
		fmt.Fprintf(env.Stdout, "No earlier incident looks like %s.\n", strings.ToUpper(c.Similar))
		return nil
	}
	t := newTable(env.Stdout, "KEY", "STARTED", "SEVERITY", "SCORE", "TITLE", "WHY")
	for _, s := range ans.Items {
		var why []string
		for _, r := range s.Reasons {
			label := strings.ReplaceAll(r.Kind, "_", " ")
			if len(r.Shared) > 0 {
				label += " (" + strings.Join(r.Shared, ", ") + ")"
			}
			why = append(why, label)
		}
		t.row(s.Incident.Key, s.Incident.StartedAt.UTC().Format("2006-01-02"), s.Incident.Severity,
			strconv.FormatFloat(s.Score, 'f', 2, 64), s.Incident.Title, strings.Join(why, "; "))
	}
	return t.flush()
}
