package web

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/quality"
	"github.com/debriefhq/debrief/search"
)

// fieldError is a sentence shown next to the form field it concerns.
type fieldError struct {
	Field   string
	Message string
}

// formErrors maps a field name to its error; "" holds errors about the
// whole form.
type formErrors map[string]*fieldError

// add records err against its field (or the form) and returns true when it
// is a validation error a person can fix; other errors are for the caller.
func (fe formErrors) add(err error) bool {
	switch debrief.ErrorCode(err) {
	case debrief.EInvalid, debrief.EUnprocessable:
	default:
		return false
	}
	f := debrief.ErrorField(err)
	fe[f] = &fieldError{Field: fieldID(f), Message: debrief.ErrorMessage(err)}
	return true
}

func fieldID(f string) string {
	if f == "" {
		return "form"
	}
	return strings.ReplaceAll(f, "_", "-")
}

// actionRow is an action item as lists show it.
type actionRow struct {
	Item        *debrief.ActionItem
	Overdue     bool
	Due         string
	IncidentKey string
}

func actionRows(items []*debrief.ActionItem, now time.Time, loc *time.Location) []actionRow {
	out := make([]actionRow, len(items))
	for i, it := range items {
		row := actionRow{Item: it}
		if it.DueDate != nil {
			row.Due = it.DueDate.UTC().Format("2 Jan 2006")
			row.Overdue = it.Overdue(now) // the domain's rule: open past the end of the due day
		}
		if it.IncidentID != nil {
			row.IncidentKey = debrief.IncidentKey(*it.IncidentID)
		}
		out[i] = row
	}
	return out
}

// --- Home ---

type homePage struct {
	layout
	Open      []*debrief.Incident
	Waiting   []*debrief.Postmortem
	MyItems   []actionRow
	OnThisDay []debrief.DigestEntry
	// MoreOnThisDay says that more incidents started on this day than
	// the list shows; it links to all of them.
	MoreOnThisDay bool
	Recent        []*debrief.Postmortem
}

// homeListSize is how many rows each list on the home page shows; each
// links to its full list.
const homeListSize = 10

type onThisDayPage struct {
	layout
	Day   time.Time
	Items []debrief.DigestEntry
	// Capped says the list stopped at the bound of a digest.
	Capped bool
}

// uiOnThisDay lists every incident that started on today's date in
// earlier years, where the home page shows the newest few.
func (s *Server) uiOnThisDay() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := onThisDayPage{layout: newLayout(r, "On this day", "home")}
		p.Day = s.svc.Now().In(p.Loc)
		var err error
		if p.Items, err = s.svc.OnThisDay(r.Context(), p.Day, 0); err != nil {
			return err
		}
		p.Capped = len(p.Items) >= debrief.DigestLimit
		return s.render(w, r, http.StatusOK, "on_this_day.html", "layout", p)
	}
}

func (s *Server) uiHome() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		p := homePage{layout: newLayout(r, "Home", "home")}
		open, err := s.svc.ListIncidents(ctx, debrief.IncidentFilter{Status: []debrief.IncidentStatus{debrief.StatusInvestigating, debrief.StatusIdentified, debrief.StatusMonitoring}, Limit: homeListSize})
		if err != nil {
			return err
		}
		p.Open = open.Items
		me := p.Actor.Email
		if me != "" {
			waiting, err := s.svc.ListPostmortems(ctx, debrief.PostmortemFilter{Status: []debrief.PostmortemStatus{debrief.PostmortemDraft, debrief.PostmortemInReview}, Owner: me, Limit: homeListSize})
			if err != nil {
				return err
			}
			p.Waiting = waiting.Items
			items, err := s.svc.ListActionItems(ctx, debrief.ActionItemFilter{Status: []debrief.ActionStatus{debrief.ActionOpen, debrief.ActionInProgress}, Owner: me, Limit: 100})
			if err != nil {
				return err
			}
			p.MyItems = actionRows(items.Items, s.svc.Now(), p.Loc)
			// Overdue first, then by due date (none last), then newest.
			sort.SliceStable(p.MyItems, func(i, j int) bool {
				a, b := p.MyItems[i], p.MyItems[j]
				if a.Overdue != b.Overdue {
					return a.Overdue
				}
				if (a.Item.DueDate == nil) != (b.Item.DueDate == nil) {
					return a.Item.DueDate != nil
				}
				if a.Item.DueDate != nil && !a.Item.DueDate.Equal(*b.Item.DueDate) {
					return a.Item.DueDate.Before(*b.Item.DueDate)
				}
				return false
			})
			if len(p.MyItems) > homeListSize {
				p.MyItems = p.MyItems[:homeListSize]
			}
		}
		// One more than shown, to know whether to link to the rest: a team
		// with years of history has dozens on a day, and reading all of them
		// cost the page most of its time at 100,000 incidents.
		if p.OnThisDay, err = s.svc.OnThisDay(ctx, s.svc.Now().In(p.Loc), homeListSize+1); err != nil {
			return err
		}
		if len(p.OnThisDay) > homeListSize {
			p.OnThisDay, p.MoreOnThisDay = p.OnThisDay[:homeListSize], true
		}
		recent, err := s.svc.ListPostmortems(ctx, debrief.PostmortemFilter{Status: []debrief.PostmortemStatus{debrief.PostmortemPublished}, Limit: homeListSize})
		if err != nil {
			return err
		}
		p.Recent = recent.Items
		return s.render(w, r, http.StatusOK, "home.html", "layout", p)
	}
}

// --- Incidents list ---

// incidentFilterForm is the list's GET form, echoed back into its fields.
type incidentFilterForm struct {
	Q, Status, Severity, Service, Label, Owner, From, To, Sort string
}

func (f incidentFilterForm) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"q": f.Q, "status": f.Status, "severity": f.Severity, "service": f.Service, "label": f.Label, "owner": f.Owner, "from": f.From, "to": f.To, "sort": f.Sort} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

type incidentsPage struct {
	layout
	Form       incidentFilterForm
	Severities []debrief.SeverityLevel
	Statuses   []debrief.IncidentStatus
	Sorts      []sortOption
	Errors     formErrors
	// Items is the page of incidents when no search words were given.
	Items []*debrief.Incident
	// Searched is true when the search box was used: Hits and Total then
	// hold the results, in relevance order.
	Searched bool
	Hits     []debrief.SearchHit
	Total    int
	// TotalEstimated says Total was estimated from a sample.
	TotalEstimated bool
	UnderstoodAs   string
	// NextURL and FirstURL page through the list; empty when there is none.
	NextURL, FirstURL string
}

// sortOption is one entry of the list's sort menu.
type sortOption struct {
	Value, Label string
}

var incidentSorts = []sortOption{{"", "Newest declared first"}, {string(debrief.SortStarted), "Most recently started first"}, {string(debrief.SortOldest), "Oldest declared first"}}

// searchPageSize is the number of search hits per page in the UI.
const searchPageSize = 25

func (s *Server) uiIncidents() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		form := incidentFilterForm{Q: q.Get("q"), Status: q.Get("status"), Severity: q.Get("severity"), Service: strings.TrimSpace(q.Get("service")),
			Label: strings.TrimSpace(q.Get("label")), Owner: strings.TrimSpace(q.Get("owner")), From: q.Get("from"), To: q.Get("to"), Sort: q.Get("sort")}
		p := incidentsPage{layout: newLayout(r, "Incidents", "incidents"), Form: form, Severities: s.svc.Severities(),
			Statuses: debrief.IncidentStatuses, Sorts: incidentSorts, Errors: formErrors{}}
		var from, to *time.Time
		for _, d := range []struct {
			name, val string
			dst       **time.Time
		}{{"from", form.From, &from}, {"to", form.To, &to}} {
			if d.val == "" {
				continue
			}
			t, err := time.ParseInLocation("2006-01-02", d.val, p.Loc)
			if err != nil {
				p.Errors[d.name] = &fieldError{Field: d.name, Message: "Enter a date like 2026-03-05."}
				continue
			}
			if d.name == "to" {
				t = t.AddDate(0, 0, 1) // the whole day named is included
			}
			*d.dst = &t
		}
		if len(p.Errors) > 0 {
			return s.render(w, r, http.StatusBadRequest, "incidents.html", "layout", p)
		}
		if strings.TrimSpace(form.Q) != "" {
			return s.incidentSearch(w, r, p, to)
		}
		f := debrief.IncidentFilter{Service: form.Service, Label: form.Label, Owner: form.Owner, From: from, To: to, Sort: debrief.IncidentSort(form.Sort),
			After: q.Get("after"), Limit: debrief.DefaultPageSize}
		switch form.Status {
		case "":
		case "open":
			f.Status = []debrief.IncidentStatus{debrief.StatusInvestigating, debrief.StatusIdentified, debrief.StatusMonitoring}
		default:
			f.Status = []debrief.IncidentStatus{debrief.IncidentStatus(form.Status)}
		}
		if form.Severity != "" {
			f.Severity = []string{form.Severity}
		}
		page, err := s.svc.ListIncidents(r.Context(), f)
		if err != nil {
			if p.Errors.add(err) {
				return s.render(w, r, http.StatusBadRequest, "incidents.html", "layout", p)
			}
			return err
		}
		p.Items = page.Items
		v := form.values()
		if page.NextCursor != "" {
			v.Set("after", page.NextCursor)
			p.NextURL = "/incidents?" + v.Encode()
			v.Del("after")
		}
		if f.After != "" {
			p.FirstURL = "/incidents?" + v.Encode()
		}
		return s.render(w, r, http.StatusOK, "incidents.html", "layout", p)
	}
}

// incidentSearch answers the list when the search box holds words: the
// filters are added to the query in the query language, so the search
// understands them the same way as the API and CLI do.
func (s *Server) incidentSearch(w http.ResponseWriter, r *http.Request, p incidentsPage, to *time.Time) error {
	f := p.Form
	parts := []string{f.Q}
	quoteIf := func(v string) string {
		if strings.ContainsAny(v, " \t,\"") {
			return `"` + strings.ReplaceAll(v, `"`, "") + `"`
		}
		return v
	}
	for _, kv := range [][2]string{{"status", f.Status}, {"severity", f.Severity}, {"service", f.Service}, {"label", f.Label}, {"owner", f.Owner}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+":"+quoteIf(kv[1]))
		}
	}
	if f.From != "" {
		parts = append(parts, "after:"+f.From)
	}
	if f.To != "" {
		parts = append(parts, "before:"+to.Format("2006-01-02"))
	}
	query, err := search.Parse(strings.Join(parts, " "), s.svc.Severities())
	if err != nil {
		p.Errors["q"] = &fieldError{Field: "q", Message: debrief.ErrorMessage(err)}
		return s.render(w, r, http.StatusBadRequest, "incidents.html", "layout", p)
	}
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	if offset < 0 || offset > debrief.MaxSearchOffset {
		offset = 0
	}
	query.Limit, query.Offset = searchPageSize, offset
	res, err := s.svc.Search(r.Context(), query)
	if err != nil {
		if p.Errors.add(err) {
			return s.render(w, r, http.StatusBadRequest, "incidents.html", "layout", p)
		}
		return err
	}
	p.Searched, p.Hits, p.Total, p.UnderstoodAs = true, res.Hits, res.Total, search.Format(query)
	p.TotalEstimated = res.TotalEstimated
	v := f.values()
	if offset+len(res.Hits) < res.Total && offset+searchPageSize <= debrief.MaxSearchOffset {
		v.Set("offset", strconv.Itoa(offset+searchPageSize))
		p.NextURL = "/incidents?" + v.Encode()
		v.Del("offset")
	}
	if offset > 0 {
		p.FirstURL = "/incidents?" + v.Encode()
	}
	return s.render(w, r, http.StatusOK, "incidents.html", "layout", p)
}

// --- Declare an incident ---

type incidentForm struct {
	Title, Severity, Status, Services, Customers, Labels, Impact, StartedAt string
	Commander, Scribe, Communications                                       string
	DetectedAt, AcknowledgedAt, MitigatedAt, ResolvedAt                     string
	Private                                                                 bool
	Members                                                                 string
	Version                                                                 int
}

// titleCheck is what the quality rules say about a title, with their
// suggested literal title.
type titleCheck struct {
	Title      string
	Findings   []string
	Suggestion string
}

// checkTitle runs the quality package's title rules on a draft incident, so
// the form gives the same advice as the postmortem check will later.
func checkTitle(title string, services []string, impact string) *titleCheck {
	title = strings.TrimSpace(title)
	if title == "" {
		return nil
	}
	in := &quality.Input{
		Postmortem: &debrief.Postmortem{Title: title, Kind: debrief.KindIncident},
		Incident:   &debrief.Incident{Title: title, Services: services, Impact: impact},
	}
	rep := quality.Check(in, nil)
	tc := &titleCheck{Title: title}
	for _, f := range rep.Findings {
		if !strings.HasPrefix(f.Rule, "title.") {
			continue
		}
		tc.Findings = append(tc.Findings, f.Message)
		if tc.Suggestion == "" && f.Suggestion != "" && !strings.Contains(f.Suggestion, "<") {
			tc.Suggestion = f.Suggestion
		}
	}
	return tc
}

type newIncidentPage struct {
	layout
	Form       incidentForm
	Errors     formErrors
	Severities []debrief.SeverityLevel
	Statuses   []debrief.IncidentStatus
	Check      *titleCheck
}

func (s *Server) uiNewIncident() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := newIncidentPage{layout: newLayout(r, "Declare an incident", "incidents"), Errors: formErrors{},
			Severities: s.svc.Severities(), Statuses: debrief.IncidentStatuses}
		p.Form = incidentForm{Status: string(debrief.StatusInvestigating), StartedAt: datetimeLocal(p.Loc, s.svc.Now())}
		if len(p.Severities) > 0 {
			p.Form.Severity = p.Severities[len(p.Severities)/2].Name
		}
		return s.render(w, r, http.StatusOK, "incident_new.html", "layout", p)
	}
}

// uiTitleCheck answers the declare form's as-you-type title check (htmx).
func (s *Server) uiTitleCheck() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		p := newIncidentPage{layout: newLayout(r, "Title check", "incidents"),
			Check: checkTitle(q.Get("title"), splitList(q.Get("services")), q.Get("impact"))}
		return s.render(w, r, http.StatusOK, "incident_new.html", "title-check", p)
	}
}

// readIncidentForm reads the declare and edit forms; times are wall times
// in the viewer's zone.
func readIncidentForm(r *http.Request) incidentForm {
	f := r.PostForm
	return incidentForm{
		Title: f.Get("title"), Severity: f.Get("severity"), Status: f.Get("status"), Services: f.Get("services"),
		Customers: f.Get("customers"), Labels: f.Get("labels"), Impact: f.Get("impact"), StartedAt: f.Get("started_at"),
		Commander: f.Get("commander"), Scribe: f.Get("scribe"), Communications: f.Get("communications"),
		DetectedAt: f.Get("detected_at"), AcknowledgedAt: f.Get("acknowledged_at"), MitigatedAt: f.Get("mitigated_at"), ResolvedAt: f.Get("resolved_at"),
		Private: f.Get("private") == "on", Members: f.Get("members"),
	}
}

// formTime reads an optional datetime-local field into dst; a bad value is
// recorded in errs.
func formTime(errs formErrors, loc *time.Location, field, val string) *time.Time {
	if strings.TrimSpace(val) == "" {
		return nil
	}
	t, err := parseDatetimeLocal(loc, val)
	if err != nil {
		errs[field] = &fieldError{Field: fieldID(field), Message: "Enter a date and time, e.g. 2026-03-05 14:02."}
		return nil
	}
	return &t
}

func (s *Server) uiCreateIncident() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		p := newIncidentPage{layout: newLayout(r, "Declare an incident", "incidents"), Errors: formErrors{},
			Severities: s.svc.Severities(), Statuses: debrief.IncidentStatuses, Form: readIncidentForm(r)}
		f := p.Form
		inc := &debrief.Incident{Title: f.Title, Severity: f.Severity, Status: debrief.IncidentStatus(f.Status),
			Services: splitList(f.Services), Customers: splitList(f.Customers), Labels: splitList(f.Labels), Impact: f.Impact,
			Roles: debrief.Roles{Commander: strings.TrimSpace(f.Commander)}, Private: f.Private, Members: splitList(f.Members)}
		if t := formTime(p.Errors, p.Loc, "started_at", f.StartedAt); t != nil {
			inc.StartedAt = *t
		} else if f.StartedAt == "" {
			inc.StartedAt = s.svc.Now()
		}
		if len(p.Errors) == 0 {
			created, err := s.svc.CreateIncident(r.Context(), inc)
			if err == nil {
				return seeOther(w, r, "/incidents/"+created.Key)
			}
			if !p.Errors.add(err) {
				return err
			}
		}
		p.Check = checkTitle(f.Title, inc.Services, f.Impact)
		return s.render(w, r, http.StatusUnprocessableEntity, "incident_new.html", "layout", p)
	}
}

// --- Incident page ---

// timelineRow is one event with what the page shows around it.
type timelineRow struct {
	Ev *debrief.TimelineEvent
	// Day is set on the first event of each day when the timeline spans
	// more than one day in the viewer's zone.
	Day string
	// FromSource names where an imported event came from ("" for manual).
	FromSource string
	// Edit is true for the event being edited in place.
	Edit bool
}

// eventForm is the one-line add-event form, kept on an error.
type eventForm struct {
	Text, Kind, At string
	Starred        bool
}

type incidentPage struct {
	layout
	Inc          *debrief.Incident
	Timeline     []timelineRow
	OnlyStarred  bool
	StarredCount int
	EventCount   int
	Kinds        []debrief.EventKind
	EventForm    eventForm
	Errors       formErrors
	// Notice is a sentence shown above the timeline (a conflict explained).
	Notice string
	// Imported and ImportError say how importing a timeline file went
	// (ui_timeline_import.go).
	Imported, ImportError string
	Items                 []actionRow
	Similar               []debrief.SimilarIncident
	Postmortems           []*debrief.Postmortem
	// ReviewStates says where each postmortem's review meeting stands,
	// by postmortem ID.
	ReviewStates map[int64]string
	Templates    []*debrief.Template
	History      []historyRow
	HistoryMore  bool
	// Teams own the services the incident names.
	Teams []*debrief.Team
	// TimelineStamp is the stamp of the page of the timeline shown and of
	// the summary of the whole (ui_live_stamps.go).
	TimelineStamp string
	// After is the cursor the page of the timeline starts after ("" for
	// the first); PageParams are the parameters that name the page shown
	// (after, starred), encoded, for the addresses that must come back
	// to it.
	After      string
	PageParams template.URL
	Pager      pager
	// AddedElsewhere is the event just added from this page when it falls
	// on another page of the timeline, and AddedURL the page that starts
	// with it.
	AddedElsewhere *debrief.TimelineEvent
	AddedURL       string
}

// historyRow is one revision told as a sentence: who did what, and for
// short values what changed from and to.
type historyRow struct {
	At      time.Time
	Actor   string
	What    string
	Changes []historyChange
}

type historyChange struct {
	Field, Old, New string
}

func historyRows(revs []*debrief.Revision) []historyRow {
	out := make([]historyRow, 0, len(revs))
	for _, r := range revs {
		row := historyRow{At: r.At, Actor: r.Actor}
		if what, told := revisionAction(r, "declared the incident"); told {
			row.What = what
		} else {
			row.What = "changed"
			for _, c := range r.Changes {
				hc := historyChange{Field: humanize(c.Field)}
				hc.Old, hc.New = shortValue(c.Old), shortValue(c.New)
				if (hc.Old == "" && hasValue(c.Old)) || (hc.New == "" && hasValue(c.New)) {
					// Too long to repeat here: name the field only (the
					// history page shows the change line by line), never
					// "empty" for a value that is not.
					hc.Old, hc.New = "", ""
				}
				row.Changes = append(row.Changes, hc)
			}
		}
		out = append(out, row)
	}
	return out
}

// hasValue reports whether a revision's value holds something.
func hasValue(raw json.RawMessage) bool {
	s := string(raw)
	return s != "" && s != "null" && s != `""` && s != "[]" && s != "{}"
}

// shortValue shows a changed value when it is a short string or a time;
// longer values (an impact statement) are named but not repeated.
func shortValue(raw json.RawMessage) string {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return ""
	}
	switch v := v.(type) {
	case string:
		if len(v) <= 80 {
			return v
		}
	case []any:
		parts := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				parts = append(parts, s)
			}
		}
		if s := strings.Join(parts, ", "); len(s) <= 80 {
			return s
		}
	case bool:
		if v {
			return "yes"
		}
		return "no"
	}
	return ""
}

// loadIncident reads the incident named in the path; a private incident is
// ENotFound to a non-member, so its existence is not revealed.
func (s *Server) loadIncident(r *http.Request) (*debrief.Incident, error) {
	return s.svc.IncidentByRef(r.Context(), r.PathValue("id"))
}

func (s *Server) incidentPageData(r *http.Request, inc *debrief.Incident) (incidentPage, error) {
	ctx := r.Context()
	p := incidentPage{layout: newLayout(r, inc.Key+" "+inc.Title, "incidents"), Inc: inc, Kinds: debrief.EventKinds, Errors: formErrors{}}
	if err := s.fillTimeline(r, &p); err != nil {
		return p, err
	}
	items, err := s.svc.ListActionItems(ctx, debrief.ActionItemFilter{IncidentID: &inc.ID, Limit: debrief.MaxPageSize})
	if err != nil {
		return p, err
	}
	p.Items = actionRows(items.Items, s.svc.Now(), p.Loc)
	if p.Similar, err = s.svc.SimilarIncidents(ctx, inc.ID); err != nil {
		return p, err
	}
	var pmStamp string
	if p.Postmortems, p.ReviewStates, pmStamp, err = s.incidentPostmortems(ctx, inc.ID, p.Loc); err != nil {
		return p, err
	}
	p.LiveAt = liveStamps{debrief.LiveIncident: versionStamp(inc.Version), debrief.LiveTimeline: p.TimelineStamp,
		debrief.LiveActionItems: itemsStamp(items.Items), debrief.LivePostmortem: pmStamp}.Encode()
	if p.Teams, err = s.svc.IncidentTeams(ctx, inc); err != nil {
		return p, err
	}
	if len(p.Postmortems) == 0 && p.CanEdit() {
		ts, err := s.svc.Templates(ctx)
		if err != nil {
			return p, err
		}
		for _, t := range ts {
			if t.Kind == debrief.KindIncident || t.Kind == "" {
				p.Templates = append(p.Templates, t)
			}
		}
	}
	revs, err := s.svc.ListRevisions(ctx, debrief.RevisionFilter{EntityType: debrief.EntityIncident, EntityID: inc.ID, Limit: 20})
	if err != nil {
		return p, err
	}
	p.History, p.HistoryMore = historyRows(revs.Items), revs.NextCursor != ""
	p.EventForm = eventForm{Kind: string(debrief.KindNote)}
	return p, nil
}

// uiTimelinePageSize is how many events a page of an incident's timeline
// shows: enough for the whole timeline of most incidents, few enough that
// an alert storm's thousands of events do not make a page of megabytes.
const uiTimelinePageSize = 200

// timelineParams are the parameters of the incident page that say which
// page of its timeline is shown (after, starred), taken from q: the live
// refresh, the forms of the timeline and the event editor carry them, so
// the viewer stays on the page they were on.
func timelineParams(q url.Values) url.Values {
	keep := url.Values{}
	if after := q.Get("after"); after != "" {
		keep.Set("after", after)
	}
	if q.Get("starred") == "1" {
		keep.Set("starred", "1")
	}
	return keep
}

// eventPageParams name the page of the timeline that starts with ev: of
// the starred events when the viewer shows only those and ev is one.
func eventPageParams(ev *debrief.TimelineEvent, onlyStarred bool) url.Values {
	params := url.Values{"after": {debrief.TimelineCursorBefore(ev)}}
	if onlyStarred && ev.Starred {
		params.Set("starred", "1")
	}
	return params
}

// timelinePageURL is the address of the incident page showing the page
// of its timeline that params name, ending in fragment.
func timelinePageURL(inc *debrief.Incident, params url.Values, fragment string) string {
	u := "/incidents/" + inc.Key
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	return u + fragment
}

// fillTimeline reads the page of the timeline the request names (after,
// starred) and the summary of the whole timeline: the header's counts,
// and whether it spans several days in the viewer's zone, which decides
// the date headings of every page.
func (s *Server) fillTimeline(r *http.Request, p *incidentPage) error {
	ctx := r.Context()
	q := r.URL.Query()
	params := timelineParams(q)
	p.After, p.OnlyStarred = params.Get("after"), params.Get("starred") == "1"
	p.PageParams = template.URL(params.Encode())
	sum, err := s.svc.TimelineSummary(ctx, p.Inc.ID)
	if err != nil {
		return err
	}
	page, err := s.svc.TimelinePage(ctx, p.Inc.ID, debrief.TimelineFilter{Starred: p.OnlyStarred}, p.After, uiTimelinePageSize)
	if err != nil {
		return err
	}
	p.EventCount, p.StarredCount = sum.Events, sum.Starred
	p.TimelineStamp = timelinePageStamp(sum, page.Items)
	multiDay := sum.Events > 0 && !sameDay(sum.First.In(p.Loc), sum.Last.In(p.Loc))
	p.Timeline = timelineRows(page.Items, p.Loc, multiDay)
	p.Pager = newPager("Pages of the timeline", "/incidents/"+p.Inc.Key, params, p.After, page.NextCursor).within("#timeline")
	p.Pager.NextLabel, p.Pager.FirstLabel = "Later events", "First events"
	return nil
}

// wholeTimeline reads all of the incident's timeline as rows, for the
// postmortem's reading view, which shows it whole as the exports do, and
// the stamp of what it read.
func (s *Server) wholeTimeline(ctx context.Context, inc *debrief.Incident, loc *time.Location) ([]timelineRow, string, error) {
	events, err := s.svc.ListTimeline(ctx, inc.ID, debrief.TimelineFilter{})
	if err != nil {
		return nil, "", err
	}
	multiDay := len(events) > 0 && !sameDay(events[0].At.In(loc), events[len(events)-1].At.In(loc))
	return timelineRows(events, loc, multiDay), timelineStamp(events), nil
}

// timelineRows marks where sources and days change among events. When
// the timeline spans several days, the first event of each day, and the
// first of the page, carry the day's date.
func timelineRows(events []*debrief.TimelineEvent, loc *time.Location, multiDay bool) []timelineRow {
	rows := make([]timelineRow, 0, len(events))
	lastDay := ""
	for _, e := range events {
		row := timelineRow{Ev: e}
		if e.Source != debrief.SourceManual && e.Source != debrief.SourceAPI {
			row.FromSource = string(e.Source)
		}
		if day := formatDate(loc, e.At); multiDay && day != lastDay {
			row.Day, lastDay = day, day
		}
		rows = append(rows, row)
	}
	return rows
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

func (s *Server) uiIncident() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		inc, err := s.loadIncident(r)
		if err != nil {
			return err
		}
		p, err := s.incidentPageData(r, inc)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "incident.html", "layout", p)
	}
}

// timelineAnswer ends a timeline form post: htmx gets the timeline section
// re-rendered in place; a plain form post is redirected to the incident
// page, or, when the form needs correcting, gets the whole page with the
// sentence and the text kept. Either way the page of the timeline is the
// one the form was posted from, which its address names (after, starred).
// added is the event the post added, if any: when it falls on another
// page, htmx's answer says so and links to it.
func (s *Server) timelineAnswer(w http.ResponseWriter, r *http.Request, inc *debrief.Incident, status int, form eventForm, errs formErrors, notice string, added *debrief.TimelineEvent) error {
	if status == http.StatusSeeOther && !isHTMX(r) {
		return seeOther(w, r, timelinePageURL(inc, timelineParams(r.URL.Query()), "#timeline"))
	}
	p, err := s.incidentPageData(r, inc)
	if err != nil {
		return err
	}
	if errs != nil {
		p.Errors = errs
	}
	p.Notice = notice
	if added != nil && !slices.ContainsFunc(p.Timeline, func(row timelineRow) bool { return row.Ev.ID == added.ID }) {
		p.AddedElsewhere, p.AddedURL = added, timelinePageURL(inc, eventPageParams(added, p.OnlyStarred), "#event-"+strconv.FormatInt(added.ID, 10))
	}
	if status != http.StatusSeeOther {
		p.EventForm = form
	}
	if isHTMX(r) {
		if status == http.StatusSeeOther {
			status = http.StatusOK
		}
		return s.render(w, r, status, "incident.html", "timeline", p)
	}
	return s.render(w, r, status, "incident.html", "layout", p)
}

func (s *Server) uiAddEvent() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		inc, err := s.loadIncident(r)
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		loc := pageZone(r)
		form := eventForm{Text: r.PostForm.Get("text"), Kind: r.PostForm.Get("kind"), At: r.PostForm.Get("at"), Starred: r.PostForm.Get("starred") == "on"}
		errs := formErrors{}
		at := s.svc.Now()
		if t := formTime(errs, loc, "at", form.At); t != nil {
			at = *t
		}
		if len(errs) == 0 {
			ev := &debrief.TimelineEvent{At: at.In(loc), Zone: loc.String(), Source: debrief.SourceManual, Kind: debrief.EventKind(form.Kind), Text: form.Text, Starred: form.Starred}
			if a, ok := debrief.ActorFrom(r.Context()); ok {
				ev.Actor = a.Label()
			}
			_, err = s.svc.AddTimelineEvents(r.Context(), inc.ID, []*debrief.TimelineEvent{ev}, debrief.AddEventsOptions{})
			if err == nil {
				return s.timelineAnswer(w, r, inc, http.StatusSeeOther, eventForm{}, nil, "", ev)
			}
			if !errs.add(err) {
				return err
			}
		}
		return s.timelineAnswer(w, r, inc, http.StatusUnprocessableEntity, form, errs, "", nil)
	}
}

// parseVersionedForm parses an edit form and reads its version field, the
// first two steps of every handler that saves over a versioned record.
func (s *Server) parseVersionedForm(w http.ResponseWriter, r *http.Request) (int, error) {
	if err := parseForm(w, r, s.maxBody); err != nil {
		return 0, err
	}
	return formVersion(r)
}

// formVersion reads the hidden version field every edit form carries.
func formVersion(r *http.Request) (int, error) {
	v, err := strconv.Atoi(r.PostForm.Get("version"))
	if err != nil || v <= 0 {
		return 0, debrief.Errorf(debrief.EInvalid, "version", "The form has no record version; reload the page and try again.")
	}
	return v, nil
}

func eventRef(r *http.Request) (int64, error) { return debrief.ParseRef(r.PathValue("event"), "") }

// conflictNotice explains a version conflict on a timeline event.
const conflictNotice = "Someone else changed this event after you loaded the page, so your change was not applied. The timeline below shows it as it is now; make your change again if it still applies."

func (s *Server) uiStarEvent() HandlerFunc {
	return s.uiEventAction(conflictNotice, func(r *http.Request, incID, id int64, version int) error {
		starred := r.PostForm.Get("starred") == "true"
		_, err := s.svc.UpdateTimelineEvent(r.Context(), incID, id, debrief.TimelineEventPatch{Starred: &starred}, version)
		return err
	})
}

func (s *Server) uiDeleteEvent() HandlerFunc {
	return s.uiEventAction("Someone else changed this event after you loaded the page, so it was not deleted. Check it below and delete it again if it should go.",
		func(r *http.Request, incID, id int64, version int) error {
			return s.svc.DeleteTimelineEvent(r.Context(), incID, id, version)
		})
}

// uiEventAction is the shared shape of the one-click timeline buttons (star,
// delete): read the event and its version from the form, apply, and answer
// with the timeline, or with onConflict above it when the event moved on.
func (s *Server) uiEventAction(onConflict string, apply func(r *http.Request, incID, id int64, version int) error) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		inc, err := s.loadIncident(r)
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		id, err := eventRef(r)
		if err != nil {
			return err
		}
		version, err := formVersion(r)
		if err != nil {
			return err
		}
		err = apply(r, inc.ID, id, version)
		if debrief.ErrorCode(err) == debrief.EConflict {
			return s.timelineAnswer(w, r, inc, http.StatusConflict, eventForm{Kind: string(debrief.KindNote)}, nil, onConflict, nil)
		}
		if err != nil {
			return err
		}
		return s.timelineAnswer(w, r, inc, http.StatusSeeOther, eventForm{}, nil, "", nil)
	}
}

// eventEditPage edits one timeline event.
type eventEditPage struct {
	layout
	Inc     *debrief.Incident
	Ev      *debrief.TimelineEvent
	Form    eventForm
	Version int
	Kinds   []debrief.EventKind
	Errors  formErrors
	// Current is the event as someone else saved it, shown beside the
	// writer's own text after a conflict.
	Current *debrief.TimelineEvent
	// PageParams name the page of the timeline the editor was opened
	// from (after, starred), which saving or cancelling goes back to
	// (Back, at the event).
	PageParams template.URL
	Back       string
}

// loadEvent reads the event the path names, which must be the path's
// incident's.
func (s *Server) loadEvent(r *http.Request, inc *debrief.Incident) (*debrief.TimelineEvent, error) {
	id, err := eventRef(r)
	if err != nil {
		return nil, err
	}
	return s.svc.TimelineEvent(r.Context(), inc.ID, id)
}

func (s *Server) uiEditEventForm() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		inc, err := s.loadIncident(r)
		if err != nil {
			return err
		}
		ev, err := s.loadEvent(r, inc)
		if err != nil {
			return err
		}
		params := timelineParams(r.URL.Query())
		p := eventEditPage{layout: newLayout(r, "Edit timeline event · "+inc.Key, "incidents"), Inc: inc, Ev: ev, Version: ev.Version, Kinds: debrief.EventKinds, Errors: formErrors{},
			PageParams: template.URL(params.Encode()), Back: timelinePageURL(inc, params, "#event-"+strconv.FormatInt(ev.ID, 10))}
		p.Form = eventForm{Text: ev.Text, Kind: string(ev.Kind), At: datetimeLocal(p.Loc, ev.At), Starred: ev.Starred}
		return s.render(w, r, http.StatusOK, "event_edit.html", "layout", p)
	}
}

func (s *Server) uiEditEvent() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		inc, err := s.loadIncident(r)
		if err != nil {
			return err
		}
		ev, err := s.loadEvent(r, inc)
		if err != nil {
			return err
		}
		version, err := s.parseVersionedForm(w, r)
		if err != nil {
			return err
		}
		params := timelineParams(r.URL.Query())
		p := eventEditPage{layout: newLayout(r, "Edit timeline event · "+inc.Key, "incidents"), Inc: inc, Ev: ev, Version: version, Kinds: debrief.EventKinds, Errors: formErrors{},
			PageParams: template.URL(params.Encode()), Back: timelinePageURL(inc, params, "#event-"+strconv.FormatInt(ev.ID, 10))}
		p.Form = eventForm{Text: r.PostForm.Get("text"), Kind: r.PostForm.Get("kind"), At: r.PostForm.Get("at"), Starred: r.PostForm.Get("starred") == "on"}
		var at *time.Time
		switch {
		case p.Form.At == datetimeLocal(p.Loc, ev.At):
			// Left as shown (to the minute): the stored seconds stay.
		case strings.TrimSpace(p.Form.At) == "":
			p.Errors["at"] = &fieldError{Field: "at", Message: "The event time is required."}
		default:
			at = formTime(p.Errors, p.Loc, "at", p.Form.At)
		}
		if len(p.Errors) == 0 {
			kind := debrief.EventKind(p.Form.Kind)
			patch := debrief.TimelineEventPatch{Text: &p.Form.Text, Kind: &kind, At: at, Starred: &p.Form.Starred}
			_, err = s.svc.UpdateTimelineEvent(r.Context(), inc.ID, ev.ID, patch, version)
			if err == nil {
				return seeOther(w, r, p.Back)
			}
			var de *debrief.Error
			if debrief.ErrorCode(err) == debrief.EConflict && errors.As(err, &de) {
				// Keep what the writer typed; show what is saved now, and
				// take its version so saving again is a deliberate choice.
				cur, _ := de.Current.(*debrief.TimelineEvent)
				if cur == nil {
					cur = ev
				}
				p.Current, p.Version = cur, cur.Version
				p.Errors[""] = &fieldError{Field: "form", Message: "Someone else saved this event while you were editing it. Your text is kept below and was not saved; the saved version is shown beside it. Save again to replace it with yours."}
				return s.render(w, r, http.StatusConflict, "event_edit.html", "layout", p)
			}
			if !p.Errors.add(err) {
				return err
			}
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "event_edit.html", "layout", p)
	}
}

// --- Edit an incident ---

type incidentEditPage struct {
	layout
	Inc        *debrief.Incident
	Form       incidentForm
	Errors     formErrors
	Severities []debrief.SeverityLevel
	Statuses   []debrief.IncidentStatus
	// Current is the incident as someone else saved it, after a conflict.
	Current *incidentForm
}

func incidentToForm(inc *debrief.Incident, loc *time.Location) incidentForm {
	opt := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return datetimeLocal(loc, *t)
	}
	return incidentForm{Title: inc.Title, Severity: inc.Severity, Status: string(inc.Status), Services: strings.Join(inc.Services, ", "),
		Customers: strings.Join(inc.Customers, ", "), Labels: strings.Join(inc.Labels, ", "), Impact: inc.Impact,
		StartedAt: datetimeLocal(loc, inc.StartedAt), DetectedAt: opt(inc.DetectedAt), AcknowledgedAt: opt(inc.AcknowledgedAt),
		MitigatedAt: opt(inc.MitigatedAt), ResolvedAt: opt(inc.ResolvedAt),
		Commander: inc.Roles.Commander, Scribe: inc.Roles.Scribe, Communications: inc.Roles.Communications,
		Private: inc.Private, Members: strings.Join(inc.Members, ", "), Version: inc.Version}
}

func (s *Server) uiEditIncidentForm() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		inc, err := s.loadIncident(r)
		if err != nil {
			return err
		}
		p := incidentEditPage{layout: newLayout(r, "Edit "+inc.Key, "incidents"), Inc: inc, Errors: formErrors{},
			Severities: s.svc.Severities(), Statuses: debrief.IncidentStatuses}
		p.Form = incidentToForm(inc, p.Loc)
		return s.render(w, r, http.StatusOK, "incident_edit.html", "layout", p)
	}
}

func (s *Server) uiEditIncident() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		inc, err := s.loadIncident(r)
		if err != nil {
			return err
		}
		version, err := s.parseVersionedForm(w, r)
		if err != nil {
			return err
		}
		p := incidentEditPage{layout: newLayout(r, "Edit "+inc.Key, "incidents"), Inc: inc, Errors: formErrors{},
			Severities: s.svc.Severities(), Statuses: debrief.IncidentStatuses, Form: readIncidentForm(r)}
		p.Form.Version = version
		f := p.Form
		status := debrief.IncidentStatus(f.Status)
		services, customers, labels, members := splitList(f.Services), splitList(f.Customers), splitList(f.Labels), splitList(f.Members)
		patch := debrief.IncidentPatch{Title: &f.Title, Severity: &f.Severity, Status: &status, Services: &services, Customers: &customers,
			Labels: &labels, Impact: &f.Impact, Roles: &debrief.Roles{Commander: strings.TrimSpace(f.Commander), Scribe: strings.TrimSpace(f.Scribe), Communications: strings.TrimSpace(f.Communications)},
			Private: &f.Private, Members: &members}
		started := inc.StartedAt
		for _, tf := range []struct {
			name, val string
			stored    *time.Time
			dst       **time.Time
		}{
			{"started_at", f.StartedAt, &started, &patch.StartedAt},
			{"detected_at", f.DetectedAt, inc.DetectedAt, &patch.DetectedAt},
			{"acknowledged_at", f.AcknowledgedAt, inc.AcknowledgedAt, &patch.AcknowledgedAt},
			{"mitigated_at", f.MitigatedAt, inc.MitigatedAt, &patch.MitigatedAt},
			{"resolved_at", f.ResolvedAt, inc.ResolvedAt, &patch.ResolvedAt},
		} {
			// The form shows minutes: a time left as shown keeps its
			// seconds, an emptied one is cleared, a changed one is set.
			switch {
			case tf.stored != nil && tf.val == datetimeLocal(p.Loc, *tf.stored):
			case strings.TrimSpace(tf.val) == "":
				if tf.stored != nil && tf.name != "started_at" {
					patch.Clear = append(patch.Clear, tf.name)
				} else if tf.name == "started_at" {
					p.Errors[tf.name] = &fieldError{Field: fieldID(tf.name), Message: "The start time is required."}
				}
			default:
				*tf.dst = formTime(p.Errors, p.Loc, tf.name, tf.val)
			}
		}
		if len(p.Errors) == 0 {
			_, err := s.svc.UpdateIncident(r.Context(), inc.ID, patch, version)
			if err == nil {
				return seeOther(w, r, "/incidents/"+inc.Key)
			}
			var de *debrief.Error
			if debrief.ErrorCode(err) == debrief.EConflict && errors.As(err, &de) {
				cur, _ := de.Current.(*debrief.Incident)
				if cur == nil {
					cur = inc
				}
				cf := incidentToForm(cur, p.Loc)
				p.Current, p.Form.Version = &cf, cur.Version
				p.Errors[""] = &fieldError{Field: "form", Message: "Someone else saved this incident while you were editing it. Your changes are kept below and were not saved; where the saved values differ they are shown under each field. Save again to apply yours."}
				return s.render(w, r, http.StatusConflict, "incident_edit.html", "layout", p)
			}
			if !p.Errors.add(err) {
				return err
			}
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "incident_edit.html", "layout", p)
	}
}

// uiStartPostmortem answers POST /incidents/{id}/postmortem: a postmortem
// from the chosen template, linked to the incident.
func (s *Server) uiStartPostmortem() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		inc, err := s.loadIncident(r)
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		a, _ := debrief.ActorFrom(r.Context())
		pm, err := s.svc.CreatePostmortem(r.Context(), debrief.NewPostmortem{IncidentID: &inc.ID, Template: r.PostForm.Get("template"), Owner: a.Email})
		if err != nil {
			return err
		}
		return seeOther(w, r, "/postmortems/"+pm.Key)
	}
}
