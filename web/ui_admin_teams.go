package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// adminTeamsPage lists a page of the teams, each in a form that changes
// it, and a form that adds one.
type adminTeamsPage struct {
	layout
	Teams []*teamForm
	Pager pager
	// After is this page's cursor, kept by the teams' forms so that a
	// change comes back to the same page.
	After string
	New   *teamForm
	// Notice is a sentence about the page as a whole.
	Notice string
}

// teamForm is one team's form as shown: the stored team, or what the admin
// typed when the change was refused, with the refusal.
type teamForm struct {
	// ID is 0 for the add form.
	ID       int64
	Ref      string // the stored name, which the form's URL names
	Name     string
	Members  string // one e-mail a line
	Services string // one service a line
	Version  int
	// After is the cursor of the page the form is on (see adminTeamsPage).
	After  string
	Errors formErrors
	Notice string
	// Added says the team was just added (and where it sits in the list).
	Added string
}

func teamFormOf(t *debrief.Team) *teamForm {
	return &teamForm{ID: t.ID, Ref: t.Name, Name: t.Name, Members: strings.Join(t.Members, "\n"), Services: strings.Join(t.Services, "\n"),
		Version: t.Version, Errors: formErrors{}}
}

// formLines splits a text box into entries: one a line, commas also
// separating, blanks dropped.
func formLines(s string) []string {
	out := []string{}
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

func (s *Server) adminTeamsData(r *http.Request) (*adminTeamsPage, error) {
	p := &adminTeamsPage{layout: newLayout(r, "Teams · Admin", "admin"), New: &teamForm{Errors: formErrors{}}}
	p.After = r.URL.Query().Get("after")
	page, err := s.svc.TeamsPage(r.Context(), p.After, uiPageSize)
	if err != nil {
		return nil, err
	}
	for _, t := range page.Items {
		p.Teams = append(p.Teams, p.formOf(t))
	}
	p.Pager = newPager("Pages of teams", "/admin/teams", nil, p.After, page.NextCursor)
	return p, nil
}

// formOf is t's form on this page.
func (p *adminTeamsPage) formOf(t *debrief.Team) *teamForm {
	f := teamFormOf(t)
	f.After = p.After
	return f
}

// teamForm returns the form on p of the team named ref. A team that is not
// on this page (the list moved since it was loaded) is fetched and shown
// first, so what is said about it is seen; nil when there is no such team.
func (s *Server) teamForm(r *http.Request, p *adminTeamsPage, ref string) (*teamForm, error) {
	return formOnPage(&p.Teams, func(f *teamForm) bool { return f.Ref == ref }, func() (*teamForm, error) {
		t, err := s.svc.Team(r.Context(), ref)
		if debrief.ErrorCode(err) == debrief.ENotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return p.formOf(t), nil
	})
}

func (s *Server) uiAdminTeams() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.adminTeamsData(r)
		if err != nil {
			return err
		}
		if added := r.URL.Query().Get("added"); added != "" {
			// A team just added is shown on the page the admin lands on,
			// first when its place by name is on a later page.
			shown := len(p.Teams)
			f, err := s.teamForm(r, p, added)
			if err != nil {
				return err
			}
			if f != nil {
				f.Added = addedNotice("team", len(p.Teams) > shown)
			}
		}
		return s.render(w, r, http.StatusOK, "admin_teams.html", "layout", p)
	}
}

// typedTeam reads a team form as posted.
func typedTeam(r *http.Request) *teamForm {
	f := r.PostForm
	v, _ := strconv.Atoi(f.Get("version"))
	return &teamForm{Name: strings.TrimSpace(f.Get("name")), Members: f.Get("members"), Services: f.Get("services"), Version: v, Errors: formErrors{}}
}

// teamRefused shows the page again with the admin's text kept in the form
// it came from and the refusal as a sentence, for the errors a person can
// act on (bad input, a service another team owns, a stale version, a team
// removed meanwhile); any other error is the caller's.
func (s *Server) teamRefused(w http.ResponseWriter, r *http.Request, typed *teamForm, ref string, err error) error {
	code := debrief.ErrorCode(err)
	if code != debrief.EInvalid && code != debrief.EConflict && code != debrief.ENotFound {
		return err
	}
	p, perr := s.adminTeamsData(r)
	if perr != nil {
		return perr
	}
	form := p.New
	if ref != "" {
		f, err := s.teamForm(r, p, ref)
		if err != nil {
			return err
		}
		if f != nil {
			form = f
		}
	}
	if ref != "" && form == p.New {
		// Removed by someone else meanwhile: the text goes to the add form.
		p.Notice = "The team " + ref + " was removed by someone else after you loaded this page. What you typed is in the form to add a team below."
		typed.Version = 0
	} else {
		typed.ID, typed.Ref = form.ID, form.Ref
		switch {
		case debrief.ErrorField(err) == "version":
			typed.Notice = "Someone else changed this team after you loaded the page. It now has the members " + orNoneText(strings.ReplaceAll(form.Members, "\n", ", ")) +
				" and the services " + orNoneText(strings.ReplaceAll(form.Services, "\n", ", ")) + ". Your text is kept below: save again to apply it over theirs."
			typed.Version = form.Version
		default:
			f := debrief.ErrorField(err)
			typed.Errors[f] = &fieldError{Field: fieldID(f), Message: debrief.ErrorMessage(err)}
			if ref != "" {
				typed.Version = form.Version
			}
		}
	}
	if form != p.New {
		typed.After = p.After
	}
	*form = *typed
	status := http.StatusUnprocessableEntity
	if code == debrief.EConflict {
		status = http.StatusConflict
	}
	return s.render(w, r, status, "admin_teams.html", "layout", p)
}

func orNoneText(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(none)"
	}
	return s
}

func (s *Server) uiAdminCreateTeam() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		typed := typedTeam(r)
		t, err := s.svc.CreateTeam(r.Context(), &debrief.Team{Name: typed.Name, Members: formLines(typed.Members), Services: formLines(typed.Services)})
		if err != nil {
			return s.teamRefused(w, r, typed, "", err)
		}
		return seeOther(w, r, "/admin/teams?added="+url.QueryEscape(t.Name)+"#team-"+strconv.FormatInt(t.ID, 10))
	}
}

func (s *Server) uiAdminSaveTeam() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		ref := r.PathValue("team")
		typed := typedTeam(r)
		members, services := formLines(typed.Members), formLines(typed.Services)
		t, err := s.svc.UpdateTeam(r.Context(), ref, debrief.TeamPatch{Name: &typed.Name, Members: &members, Services: &services}, typed.Version)
		if err != nil {
			return s.teamRefused(w, r, typed, ref, err)
		}
		return seeOther(w, r, pageAt("/admin/teams", r.URL.Query().Get("after"))+"#team-"+strconv.FormatInt(t.ID, 10))
	}
}

func (s *Server) uiAdminDeleteTeam() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		ref := r.PathValue("team")
		v, _ := strconv.Atoi(r.PostForm.Get("version"))
		if err := s.svc.DeleteTeam(r.Context(), ref, v); err != nil {
			if debrief.ErrorCode(err) == debrief.ENotFound {
				// Removed already: what was asked is done.
				return seeOther(w, r, pageAt("/admin/teams", r.URL.Query().Get("after")))
			}
			if debrief.ErrorField(err) != "version" {
				return err
			}
			p, perr := s.adminTeamsData(r)
			if perr != nil {
				return perr
			}
			f, err := s.teamForm(r, p, ref)
			if err != nil {
				return err
			}
			if f != nil {
				f.Notice = "Someone else changed this team after you loaded the page, so it was not removed. It is shown as it is now; remove it again if you still mean to."
			}
			return s.render(w, r, http.StatusConflict, "admin_teams.html", "layout", p)
		}
		return seeOther(w, r, pageAt("/admin/teams", r.URL.Query().Get("after")))
	}
}
