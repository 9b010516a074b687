package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// adminTrackersPage lists a page of the issue trackers, each in a form
// that changes it, and a form that adds one. Tokens are write-only: no form
// ever holds one, not even the one just typed when a change is refused.
type adminTrackersPage struct {
	layout
	Trackers []*trackerForm
	Pager    pager
	// After is this page's cursor, kept by the trackers' forms so that a
	// change comes back to the same page.
	After  string
	New    *trackerForm
	Notice string
}

// trackerForm is one tracker's form: the stored tracker, or what the admin
// typed (but the token) when the change was refused.
type trackerForm struct {
	ID                                       int64
	Ref                                      string // the stored name
	Kind                                     string
	Name, BaseURL, Project, IssueType, Email string
	HasToken                                 bool
	Version                                  int
	// After is the cursor of the page the form is on (see adminTrackersPage).
	After  string
	Errors formErrors
	Notice string
	// Added says the tracker was just added (and where it sits in the list).
	Added string
}

func trackerFormOf(t *debrief.Tracker) *trackerForm {
	return &trackerForm{ID: t.ID, Ref: t.Name, Kind: string(t.Kind), Name: t.Name, BaseURL: t.BaseURL, Project: t.Project, IssueType: t.IssueType,
		Email: t.Email, HasToken: t.HasToken, Version: t.Version, Errors: formErrors{}}
}

func (s *Server) adminTrackersData(r *http.Request) (*adminTrackersPage, error) {
	p := &adminTrackersPage{layout: newLayout(r, "Trackers · Admin", "admin"), New: &trackerForm{Kind: string(debrief.TrackerGitHub), Errors: formErrors{}}}
	p.After = r.URL.Query().Get("after")
	page, err := s.svc.TrackersPage(r.Context(), p.After, uiPageSize)
	if err != nil {
		return nil, err
	}
	for _, t := range page.Items {
		p.Trackers = append(p.Trackers, p.formOf(t))
	}
	p.Pager = newPager("Pages of trackers", "/admin/trackers", nil, p.After, page.NextCursor)
	return p, nil
}

// formOf is t's form on this page.
func (p *adminTrackersPage) formOf(t *debrief.Tracker) *trackerForm {
	f := trackerFormOf(t)
	f.After = p.After
	return f
}

// trackerForm returns the form on p of the tracker id. A tracker that is
// not on this page (renamed meanwhile, or the list moved since it was
// loaded) is looked for among them all, a rare case, and shown first, so
// what is said about it is seen; nil when there is no such tracker.
func (s *Server) trackerForm(r *http.Request, p *adminTrackersPage, id int64) (*trackerForm, error) {
	return formOnPage(&p.Trackers, func(f *trackerForm) bool { return f.ID == id }, func() (*trackerForm, error) {
		all, err := s.svc.ListTrackers(r.Context())
		if err != nil {
			return nil, err
		}
		for _, t := range all {
			if t.ID == id {
				return p.formOf(t), nil
			}
		}
		return nil, nil
	})
}

func (s *Server) uiAdminTrackers() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.adminTrackersData(r)
		if err != nil {
			return err
		}
		if id, err := strconv.ParseInt(r.URL.Query().Get("added"), 10, 64); err == nil && id > 0 {
			// A tracker just added is shown on the page the admin lands
			// on, first when its place by name is on a later page.
			shown := len(p.Trackers)
			f, err := s.trackerForm(r, p, id)
			if err != nil {
				return err
			}
			if f != nil {
				f.Added = addedNotice("tracker", len(p.Trackers) > shown)
			}
		}
		return s.render(w, r, http.StatusOK, "admin_trackers.html", "layout", p)
	}
}

func typedTracker(r *http.Request) (*trackerForm, string) {
	f := r.PostForm
	v, _ := strconv.Atoi(f.Get("version"))
	return &trackerForm{Kind: f.Get("kind"), Name: strings.TrimSpace(f.Get("name")), BaseURL: strings.TrimSpace(f.Get("base_url")),
		Project: strings.TrimSpace(f.Get("project")), IssueType: strings.TrimSpace(f.Get("issue_type")), Email: strings.TrimSpace(f.Get("email")),
		Version: v, Errors: formErrors{}}, f.Get("token")
}

// trackerRefused shows the page again with the admin's text (but the
// token) kept in the form it came from and the refusal as a sentence.
func (s *Server) trackerRefused(w http.ResponseWriter, r *http.Request, typed *trackerForm, id int64, tokenTyped bool, err error) error {
	code := debrief.ErrorCode(err)
	if code != debrief.EInvalid && code != debrief.EConflict && code != debrief.ENotFound {
		return err
	}
	p, perr := s.adminTrackersData(r)
	if perr != nil {
		return perr
	}
	form := p.New
	if id != 0 {
		f, err := s.trackerForm(r, p, id)
		if err != nil {
			return err
		}
		if f != nil {
			form = f
		}
	}
	if id != 0 && form == p.New {
		p.Notice = "This tracker was removed by someone else after you loaded the page. What you typed is in the form to add a tracker below."
		typed.Version = 0
	} else {
		typed.ID, typed.Ref, typed.HasToken = form.ID, form.Ref, form.HasToken
		if id != 0 {
			typed.Kind = form.Kind
		}
		if debrief.ErrorField(err) == "version" {
			typed.Notice = "Someone else changed this tracker after you loaded the page (it now names " + form.Project + " at " + form.BaseURL +
				"). Your text is kept below: save again to apply it over theirs."
			typed.Version = form.Version
		} else {
			f := debrief.ErrorField(err)
			typed.Errors[f] = &fieldError{Field: fieldID(f), Message: debrief.ErrorMessage(err)}
			typed.Version = form.Version
		}
	}
	if tokenTyped {
		// The token is never written into a page, so it must be typed again.
		msg := "The token you typed was not kept, since tokens are never shown; type it again."
		if e := typed.Errors["token"]; e != nil {
			msg = e.Message + " " + msg
		}
		typed.Errors["token"] = &fieldError{Field: "token", Message: msg}
	}
	if form != p.New {
		typed.After = p.After
	}
	*form = *typed
	status := http.StatusUnprocessableEntity
	if code == debrief.EConflict {
		status = http.StatusConflict
	}
	return s.render(w, r, status, "admin_trackers.html", "layout", p)
}

func (s *Server) uiAdminCreateTracker() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		typed, token := typedTracker(r)
		t, err := s.svc.CreateTracker(r.Context(), &debrief.Tracker{Name: typed.Name, Kind: debrief.TrackerKind(typed.Kind), BaseURL: typed.BaseURL,
			Project: typed.Project, IssueType: typed.IssueType, Email: typed.Email, Token: token})
		if err != nil {
			return s.trackerRefused(w, r, typed, 0, strings.TrimSpace(token) != "", err)
		}
		id := strconv.FormatInt(t.ID, 10)
		return seeOther(w, r, "/admin/trackers?added="+id+"#tracker-"+id)
	}
}

func (s *Server) uiAdminSaveTracker() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", "")
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		typed, token := typedTracker(r)
		t, err := s.svc.UpdateTracker(r.Context(), id, debrief.TrackerPatch{Name: &typed.Name, BaseURL: &typed.BaseURL, Project: &typed.Project,
			IssueType: &typed.IssueType, Email: &typed.Email, Token: &token}, typed.Version)
		if err != nil {
			return s.trackerRefused(w, r, typed, id, strings.TrimSpace(token) != "", err)
		}
		return seeOther(w, r, pageAt("/admin/trackers", r.URL.Query().Get("after"))+"#tracker-"+strconv.FormatInt(t.ID, 10))
	}
}

func (s *Server) uiAdminDeleteTracker() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", "")
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		v, _ := strconv.Atoi(r.PostForm.Get("version"))
		if err := s.svc.DeleteTracker(r.Context(), id, v); err != nil {
			if debrief.ErrorCode(err) == debrief.ENotFound {
				return seeOther(w, r, pageAt("/admin/trackers", r.URL.Query().Get("after")))
			}
			if debrief.ErrorField(err) != "version" {
				return err
			}
			p, perr := s.adminTrackersData(r)
			if perr != nil {
				return perr
			}
			f, err := s.trackerForm(r, p, id)
			if err != nil {
				return err
			}
			if f != nil {
				f.Notice = "Someone else changed this tracker after you loaded the page, so it was not removed. It is shown as it is now; remove it again if you still mean to."
			}
			return s.render(w, r, http.StatusConflict, "admin_trackers.html", "layout", p)
		}
		return seeOther(w, r, pageAt("/admin/trackers", r.URL.Query().Get("after")))
	}
}

// trackerField is one text field of a tracker's form.
type trackerField struct {
	ID, Name, Label, Value, Placeholder, Hint string
	Error                                     *fieldError
}

// Fields lists the form's text fields; Jira's own only for Jira trackers
// and the add form.
func (f *trackerForm) Fields() []trackerField {
	prefix := "new"
	if f.ID != 0 {
		prefix = "tracker-" + strconv.FormatInt(f.ID, 10)
	}
	field := func(name, label, value, placeholder, hint string) trackerField {
		return trackerField{ID: prefix + "-" + strings.ReplaceAll(name, "_", "-"), Name: name, Label: label, Value: value, Placeholder: placeholder, Hint: hint, Error: f.Errors[name]}
	}
	out := []trackerField{
		field("name", "Name", f.Name, "github-platform", ""),
		field("project", "Project", f.Project, "acme/platform or OPS", "owner/repo on GitHub, the project key on Jira"),
		field("base_url", "API address", f.BaseURL, "https://api.github.com", "GitHub: empty for github.com; Jira: https://example.atlassian.net"),
	}
	if f.ID == 0 || f.Kind == string(debrief.TrackerJira) {
		out = append(out, field("issue_type", "Jira issue type", f.IssueType, "Task", "Jira only; default Task"),
			field("email", "Jira account e-mail", f.Email, "bot@example.com", "Jira only: basic authentication with the token as API token"))
	}
	return out
}
