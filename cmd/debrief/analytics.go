package main

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/debriefhq/debrief/analytics"
)

// AnalyticsCmd prints the analytics figures as tables.
type AnalyticsCmd struct {
	ClientFlags `embed:""`
	From        string   `help:"Only incidents that started on or after this date (YYYY-MM-DD, UTC)." placeholder:"DATE"`
	To          string   `help:"Only incidents that started before this date (YYYY-MM-DD, UTC)." placeholder:"DATE"`
	Service     []string `short:"s" help:"Only incidents that touched these services (repeat or separate with commas)."`
	Severity    []string `help:"Only incidents of these severities (repeat or separate with commas)."`
	Team        string   `help:"Only incidents of this team: those that touched a service it owns (see 'debrief team list')." placeholder:"NAME"`
	Table       string   `help:"Print one table as CSV instead: by_severity, by_service, by_label, by_month, response_times, action_items, postmortems, top_contributing_factors or repeat_incidents_by_service." placeholder:"NAME"`
}

// Run fetches the report and prints it.
func (c *AnalyticsCmd) Run(env *Env) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	q := url.Values{}
	for flag, v := range map[string]string{"from": c.From, "to": c.To} {
		if v == "" {
			continue
		}
		d, err := parseDate(v)
		if err != nil {
			return fmt.Errorf("--%s: %w", flag, err)
		}
		q.Set(flag, d.Format(time.RFC3339))
	}
	for _, s := range c.Service {
		q.Add("service", s)
	}
	for _, s := range c.Severity {
		q.Add("severity", s)
	}
	if c.Team != "" {
		q.Set("team", c.Team)
	}
	if c.Table != "" {
		resp, err := cl.do(env.Ctx, "GET", "/api/v1/analytics/tables/"+url.PathEscape(c.Table)+".csv", q, nil, 0)
		if err != nil {
			return err
		}
		_, err = env.Stdout.Write(resp.Body)
		return err
	}
	var r analytics.Report
	resp, err := cl.getJSON(env.Ctx, "/api/v1/analytics", q, &r)
	if done, err := c.answered(env, resp, err); done {
		return err
	}
	return printReport(env, &r)
}

func printReport(env *Env, r *analytics.Report) error {
	w := env.Stdout
	fmt.Fprintf(w, "%d incidents\n", r.Incidents)
	for _, name := range analytics.TableNames {
		t, err := r.Table(name)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "\n%s\n", t.Title)
		if len(t.Rows) == 0 {
			fmt.Fprintln(w, "  (none)")
			continue
		}
		tab := newTable(w, t.Columns...)
		for _, row := range t.Rows {
			cells := make([]string, len(row))
			for i, v := range row {
				cells[i] = v
				if v == "" {
					cells[i] = "-"
				}
			}
			tab.row(cells...)
		}
		if err := tab.flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	rate := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
	}
	a, p := r.ActionItems, r.Postmortems
	fmt.Fprintf(w, "Action items: %d, %s complete, %d overdue", a.Total, rate(a.CompletionRate), a.Overdue)
	if a.MedianOpenAgeDays != nil {
		fmt.Fprintf(w, ", open ones %.1f days old (median)", *a.MedianOpenAgeDays)
	}
	fmt.Fprintf(w, ".\nPostmortems: %s of %d resolved incidents published", rate(p.CompletionRate), p.ResolvedIncidents)
	if p.TimeToPublish.MedianSeconds != nil {
		fmt.Fprintf(w, ", %.1f days after resolution (median of %d)", *p.TimeToPublish.MedianSeconds/86400, p.TimeToPublish.Count)
	}
	fmt.Fprintln(w, ".")
	for _, m := range []struct {
		name string
		st   analytics.DurationStat
	}{{"detect", r.Response.Detect}, {"acknowledge", r.Response.Acknowledge}, {"mitigate", r.Response.Mitigate}, {"resolve", r.Response.Resolve}} {
		if len(m.st.MissingKeys) > 0 {
			fmt.Fprintf(w, "Left out of time to %s for lack of a timestamp: %d incidents, e.g. %s.\n", m.name, m.st.Missing, joinMax(m.st.MissingKeys, 10))
		}
	}
	for _, s := range r.LeftOut {
		fmt.Fprintf(w, "Not included: %s\n", s)
	}
	return nil
}

func joinMax(s []string, n int) string {
	out := ""
	for i, v := range s {
		if i == n {
			return out + ", …"
		}
		if i > 0 {
			out += ", "
		}
		out += v
	}
	return out
}
