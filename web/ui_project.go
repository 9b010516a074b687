package web

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// The project postmortem: started from the postmortems list (no incident),
// its prose sections written in the editor, and its own parts on the
// project page: the dates it was live, the metrics table (shown as a chart
// too) and one feedback entry per team member, each person editing only
// their own. Each part is saved on its own with its version, so members
// never conflict with each other (debrief.Service.SetProject*).

// projectView is what the reading view and the project page show of a
// project: the dates, the metrics with their chart, and the feedback.
type projectView struct {
	From, Until string // dates in the viewer's zone, "" when not set
	Metrics     []metricRow
	Chart       *metricsChart
	Feedback    []feedbackRow
	// HostDates, HostMetrics and HostFeedback say that a section of the
	// template shows that part in the reading view (projectHosts), so it is
	// not shown again at the end.
	HostDates, HostMetrics, HostFeedback bool
}

// projectHosts names the sections of the built-in project template that
// show a part of the project in the reading view: the dates under "Dates
// live", the metrics under "Results and metrics", the feedback under "Team
// feedback". A custom template without them gets the parts at the end.
var projectHosts = map[string]string{"dates": "dates", "results": "metrics", "feedback": "feedback"}

// metricRow is one metric as the table shows it.
type metricRow struct {
	Name, Unit               string
	Baseline, Target, Result string
	// Met says whether the result reached the target: "met", "not met",
	// or "" when a number is missing.
	Met string
}

// feedbackRow is one member's entry.
type feedbackRow struct {
	Who, Member, When string
	Text              string
	Mine              bool
}

// metricInput is one row of the metrics form, as typed.
type metricInput struct {
	Name, Unit, Baseline, Target, Result string
}

// projectPage is /postmortems/{id}/project.
type projectPage struct {
	layout
	PM   *debrief.Postmortem
	View *projectView
	// The forms, with what the writer typed after a refused save.
	From, Until string
	DatesBase   int
	Rows        []metricInput
	MetricsBase int
	MyText      string
	MyBase      int
	// Errors are keyed by form: dates, metrics, feedback.
	Errors formErrors
	// SavedText is the stored feedback of the writer after a conflict.
	SavedText *string
}

// blankMetricRows is how many empty rows the metrics form offers for
// adding metrics.
const blankMetricRows = 3

func inputNumber(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// metMark says whether m reached its target, which lies above or below
// the baseline: higher or lower is better accordingly.
func metMark(m debrief.Metric) string {
	if m.Baseline == nil || m.Target == nil || m.Result == nil || *m.Target == *m.Baseline {
		return ""
	}
	if (*m.Target > *m.Baseline && *m.Result >= *m.Target) || (*m.Target < *m.Baseline && *m.Result <= *m.Target) {
		return "met"
	}
	return "not met"
}

func (s *Server) projectViewOf(r *http.Request, pm *debrief.Postmortem) *projectView {
	if pm.Project == nil {
		return &projectView{}
	}
	l := newLayout(r, "", "")
	pr := pm.Project
	v := &projectView{}
	if pr.LiveFrom != nil {
		v.From = formatDate(l.Loc, *pr.LiveFrom)
	}
	if pr.LiveUntil != nil {
		v.Until = formatDate(l.Loc, *pr.LiveUntil)
	}
	for _, m := range pr.Metrics {
		v.Metrics = append(v.Metrics, metricRow{Name: m.Name, Unit: m.Unit, Baseline: debrief.FormatMetric(m.Baseline, m.Unit),
			Target: debrief.FormatMetric(m.Target, m.Unit), Result: debrief.FormatMetric(m.Result, m.Unit), Met: metMark(m)})
	}
	v.Chart = chartOf(pr.Metrics)
	for _, f := range pr.Feedback {
		row := feedbackRow{Who: f.Name, Member: f.Member, Text: f.Text, Mine: f.Member == l.Actor.Label()}
		if row.Who == "" {
			row.Who = f.Member
		}
		if f.UpdatedAt != nil {
			row.When = formatDateTime(l.Loc, *f.UpdatedAt) + " " + l.Zone
		}
		v.Feedback = append(v.Feedback, row)
	}
	return v
}

// hostProjectParts gives each part of the project to the section that
// shows it in the reading view.
func hostProjectParts(sections []pmSection, v *projectView) {
	for i := range sections {
		part, ok := projectHosts[sections[i].Key]
		if !ok {
			continue
		}
		sections[i].Part, sections[i].Project = part, v
		switch part {
		case "dates":
			v.HostDates = true
		case "metrics":
			v.HostMetrics = true
		case "feedback":
			v.HostFeedback = true
		}
	}
}

// Chart geometry, in the SVG's own units: the chart is scaled to the width
// it is given, so these fix proportions, not pixels.
const (
	chartWidth    = 300
	chartLabelW   = 58
	chartBarMax   = 170
	chartBarH     = 12
	chartBarGap   = 18
	chartHeadH    = 22
	chartBlockGap = 14
)

// metricsChart is the metrics table drawn as bars: one block a metric, each
// with its own scale, since metrics come in different units and one axis
// for all would compare what cannot be compared.
type metricsChart struct {
	Width, Height int
	Blocks        []chartBlock
}

type chartBlock struct {
	Y     int
	Title string
	// Lines is Title broken to fit the chart's width, one <tspan> each.
	Lines []chartLine
	Bars  []chartBar
}

// chartLine is one line of a block's title, DY below the one before.
type chartLine struct {
	Text string
	DY   int
}

// chartTitleChars is how many characters of a title fit on one line of the
// chart (13 px bold in 300 units), and chartLineH the height of a line.
const (
	chartTitleChars = 38
	chartLineH      = 16
)

// chartTitleLines breaks title at spaces into lines that fit the chart; a
// word longer than a line stays whole (the SVG clips it, the table beside
// the chart holds every name in full).
func chartTitleLines(title string) []chartLine {
	var lines []chartLine
	cur := ""
	for _, w := range strings.Fields(title) {
		if cur != "" && len([]rune(cur))+1+len([]rune(w)) > chartTitleChars {
			lines = append(lines, chartLine{Text: cur})
			cur = w
			continue
		}
		if cur != "" {
			cur += " "
		}
		cur += w
	}
	lines = append(lines, chartLine{Text: cur})
	for i := 1; i < len(lines); i++ {
		lines[i].DY = chartLineH
	}
	return lines
}

// chartBar is one of baseline, target and result: Class picks its look
// (solid, outlined, strong), which tells them apart without colour.
type chartBar struct {
	Class, Label, Value string
	Y, W, TextX         int
}

// chartOf draws metrics that have at least one number; nil when none has.
func chartOf(metrics []debrief.Metric) *metricsChart {
	c := &metricsChart{Width: chartWidth}
	y := 0
	for _, m := range metrics {
		vals := []*float64{m.Baseline, m.Target, m.Result}
		top := 0.0
		any := false
		for _, v := range vals {
			if v != nil {
				any = true
				top = math.Max(top, math.Abs(*v))
			}
		}
		if !any {
			continue
		}
		title := m.Name
		if m.Unit != "" {
			title += " (" + m.Unit + ")"
		}
		b := chartBlock{Y: y + 14, Title: title, Lines: chartTitleLines(title)}
		extra := (len(b.Lines) - 1) * chartLineH
		for i, name := range []string{"Baseline", "Target", "Result"} {
			bar := chartBar{Class: strings.ToLower(name), Label: name, Y: y + extra + chartHeadH + i*chartBarGap, Value: "not set"}
			if v := vals[i]; v != nil {
				bar.Value = debrief.FormatMetric(v, m.Unit)
				if top > 0 && *v > 0 {
					bar.W = int(math.Round(*v / top * chartBarMax))
				}
			}
			bar.TextX = chartLabelW + bar.W + 6
			b.Bars = append(b.Bars, bar)
		}
		c.Blocks = append(c.Blocks, b)
		y += extra + chartHeadH + 3*chartBarGap + chartBlockGap
	}
	if len(c.Blocks) == 0 {
		return nil
	}
	c.Height = y - chartBlockGap + 4
	return c
}

// projectPageFor builds the project page of pm as stored.
func (s *Server) projectPageFor(r *http.Request, pm *debrief.Postmortem) *projectPage {
	p := &projectPage{layout: newLayout(r, pm.Key+" "+pm.Title+": dates, metrics and team feedback", "postmortems"), PM: pm,
		View: s.projectViewOf(r, pm), Errors: formErrors{}}
	pr := pm.Project
	if pr == nil {
		pr = &debrief.Project{}
	}
	if pr.LiveFrom != nil {
		p.From = pr.LiveFrom.In(p.Loc).Format(time.DateOnly)
	}
	if pr.LiveUntil != nil {
		p.Until = pr.LiveUntil.In(p.Loc).Format(time.DateOnly)
	}
	p.DatesBase, p.MetricsBase = pr.DatesVersion, pr.MetricsVersion
	for _, m := range pr.Metrics {
		p.Rows = append(p.Rows, metricInput{Name: m.Name, Unit: m.Unit, Baseline: inputNumber(m.Baseline), Target: inputNumber(m.Target), Result: inputNumber(m.Result)})
	}
	p.Rows = append(p.Rows, make([]metricInput, blankMetricRows)...)
	if mine := pr.FeedbackOf(p.Actor.Label()); mine != nil {
		p.MyText, p.MyBase = mine.Text, mine.Version
	}
	return p
}

// loadProject reads the project postmortem the path names.
func (s *Server) loadProject(r *http.Request) (*debrief.Postmortem, error) {
	pm, err := s.svc.PostmortemByRef(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if pm.Kind != debrief.KindProject {
		return nil, debrief.Errorf(debrief.ENotFound, "", "%s is an incident postmortem; only project postmortems have dates live, metrics and team feedback.", pm.Key)
	}
	return pm, nil
}

// uiProject answers GET /postmortems/{id}/project.
func (s *Server) uiProject() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		pm, err := s.loadProject(r)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "project.html", "layout", s.projectPageFor(r, pm))
	}
}

// formBase reads the base version of a project part's form.
func formBase(r *http.Request) (int, error) {
	v, err := strconv.Atoi(r.PostForm.Get("base_version"))
	if err != nil || v < 0 {
		return 0, debrief.Errorf(debrief.EInvalid, "base_version", "The form has no version; reload the page and try again.")
	}
	return v, nil
}

// projectSave runs one part's save from its form: 303 back to the page on
// success; otherwise the page again, with the writer's input kept by keep
// and a sentence in the part's place (conflicts included).
func (s *Server) projectSave(part string, save func(r *http.Request, pm *debrief.Postmortem, loc *time.Location, base int) (*debrief.Postmortem, error), keep func(r *http.Request, p *projectPage)) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		pm, err := s.loadProject(r)
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		base, err := formBase(r)
		if err == nil {
			_, err = save(r, pm, pageZone(r), base)
		}
		if err == nil {
			return seeOther(w, r, "/postmortems/"+pm.Key+"/project#"+part)
		}
		status := StatusOf(err)
		switch debrief.ErrorCode(err) {
		case debrief.EConflict:
			var de *debrief.Error
			if errors.As(err, &de) {
				if cur, ok := de.Current.(*debrief.Postmortem); ok {
					pm = cur
				}
			}
		case debrief.EInvalid, debrief.EUnprocessable:
		default:
			return err
		}
		p := s.projectPageFor(r, pm)
		stored := p.MyText
		keep(r, p)
		p.Errors[part] = &fieldError{Field: part, Message: debrief.ErrorMessage(err)}
		if part == "feedback" && debrief.ErrorCode(err) == debrief.EConflict {
			p.SavedText = &stored
		}
		return s.render(w, r, status, "project.html", "layout", p)
	}
}

// parseFormDate reads a date field (YYYY-MM-DD) as midnight in loc.
func parseFormDate(r *http.Request, name string, loc *time.Location) (*time.Time, error) {
	v := strings.TrimSpace(r.PostForm.Get(name))
	if v == "" {
		return nil, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		return nil, debrief.Errorf(debrief.EInvalid, name, "%q is not a date; write it as 2026-03-05.", truncate(v, 40))
	}
	return &t, nil
}

func (s *Server) uiSaveProjectDates() HandlerFunc {
	return s.projectSave("dates", func(r *http.Request, pm *debrief.Postmortem, loc *time.Location, base int) (*debrief.Postmortem, error) {
		from, err := parseFormDate(r, "live_from", loc)
		if err != nil {
			return nil, err
		}
		until, err := parseFormDate(r, "live_until", loc)
		if err != nil {
			return nil, err
		}
		return s.svc.SetProjectDates(r.Context(), pm.ID, from, until, base)
	}, func(r *http.Request, p *projectPage) {
		p.From, p.Until = r.PostForm.Get("live_from"), r.PostForm.Get("live_until")
	})
}

// metricInputs reads the metrics form's rows, as typed.
func metricInputs(r *http.Request) []metricInput {
	f := r.PostForm
	n := len(f["name"])
	rows := make([]metricInput, n)
	at := func(key string, i int) string {
		if vs := f[key]; i < len(vs) {
			return strings.TrimSpace(vs[i])
		}
		return ""
	}
	for i := range rows {
		rows[i] = metricInput{Name: at("name", i), Unit: at("unit", i), Baseline: at("baseline", i), Target: at("target", i), Result: at("result", i)}
	}
	return rows
}

// metricsOf turns the form's rows into metrics: an empty row is skipped
// (that is how a metric is removed); a number that is not one is refused
// with the metric and column named.
func metricsOf(rows []metricInput) ([]debrief.Metric, error) {
	out := []debrief.Metric{}
	for _, row := range rows {
		if row == (metricInput{}) || (row.Name == "" && row.Baseline == "" && row.Target == "" && row.Result == "") {
			continue
		}
		m := debrief.Metric{Name: row.Name, Unit: row.Unit}
		for _, c := range []struct {
			label, text string
			dst         **float64
		}{{"baseline", row.Baseline, &m.Baseline}, {"target", row.Target, &m.Target}, {"result", row.Result, &m.Result}} {
			if c.text == "" {
				continue
			}
			v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSuffix(c.text, "%"), ",", ""), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				name := row.Name
				if name == "" {
					name = "a metric without a name"
				}
				return nil, debrief.Errorf(debrief.EInvalid, "metrics", "The %s of %s, %q, is not a number; write it like 3.4 or 1200.", c.label, name, truncate(c.text, 40))
			}
			*c.dst = &v
		}
		out = append(out, m)
	}
	return out, nil
}

func (s *Server) uiSaveProjectMetrics() HandlerFunc {
	return s.projectSave("metrics", func(r *http.Request, pm *debrief.Postmortem, _ *time.Location, base int) (*debrief.Postmortem, error) {
		metrics, err := metricsOf(metricInputs(r))
		if err != nil {
			return nil, err
		}
		return s.svc.SetProjectMetrics(r.Context(), pm.ID, metrics, base)
	}, func(r *http.Request, p *projectPage) {
		p.Rows = append(metricInputs(r), make([]metricInput, 1)...)
	})
}

func (s *Server) uiSaveProjectFeedback() HandlerFunc {
	return s.projectSave("feedback", func(r *http.Request, pm *debrief.Postmortem, _ *time.Location, base int) (*debrief.Postmortem, error) {
		return s.svc.SetProjectFeedback(r.Context(), pm.ID, formText(r, "text"), base)
	}, func(r *http.Request, p *projectPage) {
		p.MyText = formText(r, "text")
	})
}

// newProjectPage is the form that starts a project postmortem.
type newProjectPage struct {
	layout
	Templates []*debrief.Template
	// PMTitle is the title as typed (Title is the page's, from layout).
	PMTitle, Template, Owner string
	From, Until              string
	Errors                   formErrors
}

func (s *Server) projectTemplates(r *http.Request) ([]*debrief.Template, error) {
	all, err := s.svc.Templates(r.Context())
	if err != nil {
		return nil, err
	}
	var out []*debrief.Template
	for _, t := range all {
		if t.Kind == debrief.KindProject {
			out = append(out, t)
		}
	}
	return out, nil
}

// uiNewProject answers GET /postmortems/new.
func (s *Server) uiNewProject() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ts, err := s.projectTemplates(r)
		if err != nil {
			return err
		}
		p := newProjectPage{layout: newLayout(r, "New project postmortem", "postmortems"), Templates: ts, Template: debrief.TemplateProject, Errors: formErrors{}}
		p.Owner = p.Actor.Email
		return s.render(w, r, http.StatusOK, "project_new.html", "layout", p)
	}
}

// uiCreateProject answers POST /postmortems/new: 303 to the new
// postmortem's project page, or the form again with the sentence.
func (s *Server) uiCreateProject() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		ts, err := s.projectTemplates(r)
		if err != nil {
			return err
		}
		p := newProjectPage{layout: newLayout(r, "New project postmortem", "postmortems"), Templates: ts, Errors: formErrors{},
			PMTitle: r.PostForm.Get("title"), Template: r.PostForm.Get("template"), Owner: r.PostForm.Get("owner"),
			From: r.PostForm.Get("live_from"), Until: r.PostForm.Get("live_until")}
		loc := pageZone(r)
		project := &debrief.Project{}
		if project.LiveFrom, err = parseFormDate(r, "live_from", loc); err == nil {
			project.LiveUntil, err = parseFormDate(r, "live_until", loc)
		}
		var pm *debrief.Postmortem
		if err == nil {
			pm, err = s.svc.CreatePostmortem(r.Context(), debrief.NewPostmortem{Template: p.Template, Title: p.PMTitle, Owner: p.Owner, Project: project})
		}
		if err == nil {
			return seeOther(w, r, "/postmortems/"+pm.Key+"/project")
		}
		if !p.Errors.add(err) {
			return err
		}
		return s.render(w, r, StatusOf(err), "project_new.html", "layout", p)
	}
}
