package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/debriefhq/debrief/analytics"
	"github.com/debriefhq/debrief/debrief"
)

// analyticsPage shows every figure of a report as a chart (the API's SVG)
// with its table and CSV download, under a filter form.
type analyticsPage struct {
	layout
	// From, To, Severity, Service and Team are the filter as typed.
	From, To, Severity, Service, Team string
	Severities                        []debrief.SeverityLevel
	// Teams are the choices of the team filter.
	Teams   []*debrief.Team
	Error   string
	Report  *analytics.Report
	Figures []analyticsFigure
	// Missing lists, per response time, the incidents left out for lack
	// of a timestamp, so they can be corrected.
	Missing []analyticsMissing
}

type analyticsFigure struct {
	Table    *analytics.Table
	ChartURL string
	CSVURL   string
}

type analyticsMissing struct {
	Measure string
	Count   int
	Keys    []string
}

// parseDay reads a date field of the filter form (YYYY-MM-DD, UTC).
func parseDay(field, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return nil, debrief.Errorf(debrief.EInvalid, field, "The %s date must look like 2026-03-05.", field)
	}
	return &d, nil
}

func (s *Server) uiAnalytics() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		p := analyticsPage{layout: newLayout(r, "Analytics", "analytics"), From: q.Get("from"), To: q.Get("to"),
			Severity: q.Get("severity"), Service: strings.TrimSpace(q.Get("service")), Team: strings.TrimSpace(q.Get("team")), Severities: s.svc.Severities()}
		teams, err := s.svc.ListTeams(r.Context())
		if err != nil {
			return err
		}
		p.Teams = teams
		f, err := p.filter()
		if err == nil {
			p.Report, err = s.analytics.Report(r.Context(), f)
		}
		if err != nil {
			if code := debrief.ErrorCode(err); code != debrief.EInvalid {
				return err
			}
			p.Error = debrief.ErrorMessage(err)
			return s.render(w, r, http.StatusBadRequest, "analytics.html", "layout", p)
		}
		// The charts and downloads take the same filter as the API.
		api := url.Values{}
		if f.From != nil {
			api.Set("from", f.From.Format(time.RFC3339))
		}
		if f.To != nil {
			api.Set("to", f.To.Format(time.RFC3339))
		}
		if p.Severity != "" {
			api.Set("severity", p.Severity)
		}
		if p.Service != "" {
			api.Set("service", p.Service)
		}
		if p.Team != "" {
			api.Set("team", p.Team)
		}
		suffix := ""
		if len(api) > 0 {
			suffix = "?" + api.Encode()
		}
		for _, name := range analytics.TableNames {
			t, err := p.Report.Table(name)
			if err != nil {
				return err
			}
			p.Figures = append(p.Figures, analyticsFigure{Table: t,
				ChartURL: "/api/v1/analytics/charts/" + name + ".svg" + suffix, CSVURL: "/api/v1/analytics/tables/" + name + ".csv" + suffix})
		}
		rt := p.Report.Response
		for _, m := range []struct {
			name string
			st   analytics.DurationStat
		}{{"Time to detect", rt.Detect}, {"Time to acknowledge", rt.Acknowledge}, {"Time to mitigate", rt.Mitigate}, {"Time to resolve", rt.Resolve}} {
			if m.st.Missing > 0 {
				p.Missing = append(p.Missing, analyticsMissing{Measure: m.name, Count: m.st.Missing, Keys: m.st.MissingKeys})
			}
		}
		return s.render(w, r, http.StatusOK, "analytics.html", "layout", p)
	}
}

// filter is the page's form as an analytics filter; To is the day after
// the date typed, so the range includes it.
func (p *analyticsPage) filter() (debrief.AnalyticsFilter, error) {
	var f debrief.AnalyticsFilter
	var err error
	if f.From, err = parseDay("from", p.From); err != nil {
		return f, err
	}
	if f.To, err = parseDay("to", p.To); err != nil {
		return f, err
	}
	if f.To != nil {
		end := f.To.AddDate(0, 0, 1)
		f.To = &end
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return f, debrief.Errorf(debrief.EInvalid, "to", "The range ends before it starts; pick a 'to' date on or after the 'from' date.")
	}
	if p.Severity != "" {
		f.Severities = []string{p.Severity}
	}
	if p.Service != "" {
		f.Services = []string{p.Service}
	}
	f.Team = p.Team
	return f, nil
}
