package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// A project postmortem's metrics table and each member's feedback from the
// command line. Each save names the version of its part that was read just
// before, like the web page, so a change someone made meanwhile to the
// same part is refused rather than overwritten.

// PostmortemMetricsCmd shows or replaces a project's metrics table.
type PostmortemMetricsCmd struct {
	ClientFlags `embed:""`
	ID          string `arg:"" help:"Project postmortem ID or key, e.g. PM-7."`
	File        string `help:"Replace the table with this CSV file (columns name,unit,baseline,target,result with that header; an empty number is not known); '-' reads standard input. Without it the table is shown." placeholder:"PATH"`
}

// Run shows the table, or replaces it from the CSV file.
func (c *PostmortemMetricsCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	pm, err := projectPostmortem(env, cl, c.ID)
	if err != nil {
		return err
	}
	if c.File != "" {
		metrics, err := readMetricsCSV(env, c.File)
		if err != nil {
			return err
		}
		var saved debrief.Postmortem
		resp, err := cl.sendJSON(env.Ctx, http.MethodPut, "/api/v1/postmortems/"+ref(c.ID)+"/project/metrics",
			map[string]any{"metrics": metrics, "base_version": pm.Project.MetricsVersion}, 0, &saved)
		if err != nil {
			return err
		}
		if c.JSON {
			return writeJSON(env.Stdout, resp.Body)
		}
		fmt.Fprintf(env.Stdout, "Saved %d metrics of %s.\n\n", len(saved.Project.Metrics), saved.Key)
		pm = &saved
	} else if c.JSON {
		return writeValue(env.Stdout, pm.Project.Metrics)
	}
	if len(pm.Project.Metrics) == 0 {
		fmt.Fprintf(env.Stdout, "%s has no metrics yet. Add them with: debrief postmortem metrics %s --file metrics.csv\n", pm.Key, pm.Key)
		return nil
	}
	t := newTable(env.Stdout, "METRIC", "BASELINE", "TARGET", "RESULT")
	for _, m := range pm.Project.Metrics {
		t.row(clip(m.Name, 60), debrief.FormatMetric(m.Baseline, m.Unit), debrief.FormatMetric(m.Target, m.Unit), debrief.FormatMetric(m.Result, m.Unit))
	}
	return t.flush()
}

// readMetricsCSV reads the metrics table: a header naming the columns,
// then one metric a row. A problem is named by its line.
func readMetricsCSV(env *Env, path string) ([]debrief.Metric, error) {
	var r io.Reader
	if path == "-" {
		r = env.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("cannot read the metrics from %s: %w", path, err)
		}
		defer f.Close()
		r = f
	}
	cr := csv.NewReader(io.LimitReader(r, debrief.MaxTextLen))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s is not CSV: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s is empty; its first line must be the header name,unit,baseline,target,result", path)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	if _, ok := col["name"]; !ok {
		return nil, fmt.Errorf("the first line of %s must be the header name,unit,baseline,target,result; it has no name column", path)
	}
	cell := func(row []string, name string) string {
		if i, ok := col[name]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	out := []debrief.Metric{}
	for n, row := range rows[1:] {
		m := debrief.Metric{Name: cell(row, "name"), Unit: cell(row, "unit")}
		for _, c := range []struct {
			name string
			dst  **float64
		}{{"baseline", &m.Baseline}, {"target", &m.Target}, {"result", &m.Result}} {
			text := cell(row, c.name)
			if text == "" {
				continue
			}
			v, err := strconv.ParseFloat(text, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d of %s: the %s %q is not a number; write it like 3.4 or 1200", n+2, path, c.name, text)
			}
			*c.dst = &v
		}
		out = append(out, m)
	}
	return out, nil
}

// PostmortemFeedbackCmd saves your own feedback on a project.
type PostmortemFeedbackCmd struct {
	ClientFlags `embed:""`
	ID          string `arg:"" help:"Project postmortem ID or key, e.g. PM-7."`
	Text        string `arg:"" optional:"" help:"Your feedback (Markdown). Empty with --file unset shows everyone's."`
	File        string `help:"Take your feedback from this file; '-' reads standard input." placeholder:"PATH"`
}

// Run saves the caller's entry, or lists every member's.
func (c *PostmortemFeedbackCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	pm, err := projectPostmortem(env, cl, c.ID)
	if err != nil {
		return err
	}
	text := c.Text
	switch c.File {
	case "":
	case "-":
		b, err := io.ReadAll(io.LimitReader(env.Stdin, debrief.MaxTextLen+1))
		if err != nil {
			return fmt.Errorf("cannot read your feedback from standard input: %w", err)
		}
		text = string(b)
	default:
		b, err := os.ReadFile(c.File)
		if err != nil {
			return fmt.Errorf("cannot read your feedback from %s: %w", c.File, err)
		}
		text = string(b)
	}
	if text == "" && c.File == "" {
		if c.JSON {
			return writeValue(env.Stdout, pm.Project.Feedback)
		}
		if len(pm.Project.Feedback) == 0 {
			fmt.Fprintf(env.Stdout, "Nobody has given feedback on %s yet. Give yours with: debrief postmortem feedback %s \"…\"\n", pm.Key, pm.Key)
			return nil
		}
		for _, f := range pm.Project.Feedback {
			who := f.Member
			if f.Name != "" {
				who = f.Name + " <" + f.Member + ">"
			}
			fmt.Fprintf(env.Stdout, "%s\n%s\n\n", who, strings.TrimSpace(f.Text))
		}
		return nil
	}
	var me struct {
		Actor debrief.Actor `json:"actor"`
	}
	if _, err := cl.getJSON(env.Ctx, "/api/v1/auth/me", nil, &me); err != nil {
		return err
	}
	base := 0
	if mine := pm.Project.FeedbackOf(me.Actor.Label()); mine != nil {
		base = mine.Version
	}
	var saved debrief.Postmortem
	resp, err := cl.sendJSON(env.Ctx, http.MethodPut, "/api/v1/postmortems/"+ref(c.ID)+"/project/feedback", map[string]any{"text": text, "base_version": base}, 0, &saved)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusConflict {
			return fmt.Errorf("your feedback on %s was changed elsewhere (another tab or command) just now; nothing was overwritten. Run the command again to save this text over it", pm.Key)
		}
		return err
	}
	if c.JSON {
		return writeJSON(env.Stdout, resp.Body)
	}
	if strings.TrimSpace(text) == "" {
		fmt.Fprintf(env.Stdout, "Withdrew your feedback on %s.\n", saved.Key)
	} else {
		n := len(saved.Project.Feedback)
		entries := strconv.Itoa(n) + " entries"
		if n == 1 {
			entries = "1 entry"
		}
		fmt.Fprintf(env.Stdout, "Saved your feedback on %s; it has %s in all.\n", saved.Key, entries)
	}
	return nil
}

// writeValue prints v as indented JSON.
func writeValue(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeJSON(w, b)
}

// projectPostmortem reads a postmortem and checks it is a project's.
func projectPostmortem(env *Env, cl *client, id string) (*debrief.Postmortem, error) {
	var pm debrief.Postmortem
	if _, err := cl.getJSON(env.Ctx, "/api/v1/postmortems/"+ref(id), nil, &pm); err != nil {
		return nil, err
	}
	if pm.Kind != debrief.KindProject {
		return nil, fmt.Errorf("%s is an incident postmortem; only project postmortems have metrics and team feedback", pm.Key)
	}
	if pm.Project == nil {
		pm.Project = &debrief.Project{}
	}
	return &pm, nil
}
