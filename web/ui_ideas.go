package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// ideasPage is the ideas board: improvement ideas raised in postmortems,
// heaviest first, with what can be done with each.
type ideasPage struct {
	layout
	Status   string
	Statuses []debrief.IdeaStatus
	// Postmortem narrows the board to the ideas one postmortem raised
	// ("PM-7"), as linked from elsewhere.
	Postmortem string
	Rows       []ideaRow
	Pager      pager
	// Open lists the open ideas, the choices of a merge.
	Open []*debrief.Idea
	// Form holds what the writer typed in the raise form, kept on an error.
	Form   map[string]string
	Notice string
	Errors formErrors
}

// ideaRow is one idea on the board, with its mentions' postmortem keys and
// the open ideas that likely say the same.
type ideaRow struct {
	Idea       *debrief.Idea
	Raised     []string
	LikelySame []*debrief.Idea
	// MergeInto is the idea the merge form offers first: the likeliest
	// duplicate, when there is one.
	MergeInto int64
}

var ideaStatuses = []debrief.IdeaStatus{debrief.IdeaOpen, debrief.IdeaPromoted, debrief.IdeaMerged, debrief.IdeaDropped}

func (s *Server) ideasData(r *http.Request) (ideasPage, error) {
	p := ideasPage{layout: newLayout(r, "Improvement ideas", "ideas"), Status: r.URL.Query().Get("status"), Statuses: ideaStatuses,
		Form: map[string]string{}, Errors: formErrors{}}
	if p.Status == "" {
		p.Status = string(debrief.IdeaOpen)
	}
	var f debrief.IdeaFilter
	if p.Status != "all" {
		f.Status = []debrief.IdeaStatus{debrief.IdeaStatus(p.Status)}
	}
	if pm := strings.TrimSpace(r.URL.Query().Get("postmortem")); pm != "" {
		id, err := debrief.ParseRef(pm, debrief.PostmortemKeyPrefix)
		if err != nil {
			return p, debrief.Errorf(debrief.EInvalid, "postmortem", "%q is not a postmortem key like PM-7.", pm)
		}
		p.Postmortem = debrief.PostmortemKeyPrefix + strconv.FormatInt(id, 10)
		f.PostmortemID = &id
		p.Form["postmortem"] = p.Postmortem
	}
	after := r.URL.Query().Get("after")
	page, err := s.svc.IdeasPage(r.Context(), f, after, uiPageSize)
	if err != nil {
		return p, err
	}
	q := url.Values{}
	if r.URL.Query().Get("status") != "" {
		q.Set("status", p.Status)
	}
	if p.Postmortem != "" {
		q.Set("postmortem", p.Postmortem)
	}
	p.Pager = newPager("Pages of ideas", "/ideas", q, after, page.NextCursor)
	// The merge choices: the heaviest open ideas, and each row's likely
	// duplicates (added below), not every open idea there is.
	open, err := s.svc.IdeasPage(r.Context(), debrief.IdeaFilter{Status: []debrief.IdeaStatus{debrief.IdeaOpen}}, "", uiPageSize)
	if err != nil {
		return p, err
	}
	p.Open = open.Items
	offered := map[int64]bool{}
	for _, idea := range p.Open {
		offered[idea.ID] = true
	}
	for _, idea := range page.Items {
		row := ideaRow{Idea: idea}
		for _, m := range idea.Mentions {
			row.Raised = append(row.Raised, debrief.PostmortemKeyPrefix+strconv.FormatInt(m.PostmortemID, 10))
		}
		if idea.Status == debrief.IdeaOpen {
			sugg, err := s.svc.SimilarIdeas(r.Context(), idea.ID, 3)
			if err != nil {
				return p, err
			}
			for _, x := range sugg {
				row.LikelySame = append(row.LikelySame, x.Idea)
				if !offered[x.Idea.ID] {
					offered[x.Idea.ID] = true
					p.Open = append(p.Open, x.Idea)
				}
			}
			if len(sugg) > 0 {
				row.MergeInto = sugg[0].Idea.ID
			}
		}
		p.Rows = append(p.Rows, row)
	}
	return p, nil
}

func (s *Server) uiIdeas() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.ideasData(r)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "ideas.html", "layout", p)
	}
}

// ideaAnswer shows the board again after a change: 303 to it when err is
// nil, else the board with what went wrong in a sentence (and the raise
// form's text kept), for the errors a writer can fix.
func (s *Server) ideaAnswer(w http.ResponseWriter, r *http.Request, err error, form map[string]string) error {
	if err == nil {
		return seeOther(w, r, "/ideas")
	}
	code := debrief.ErrorCode(err)
	if code != debrief.EConflict && code != debrief.EInvalid && code != debrief.ENotFound {
		return err
	}
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = ""
	p, perr := s.ideasData(r2)
	if perr != nil {
		return perr
	}
	p.Notice = debrief.ErrorMessage(err)
	if form != nil {
		p.Form = form
	}
	status := http.StatusUnprocessableEntity
	if code == debrief.EConflict {
		status = http.StatusConflict
		p.Notice = "Someone else changed this idea after you loaded the board, so your change was not applied. The board below shows it as it is now; try again if it still applies."
	}
	return s.render(w, r, status, "ideas.html", "layout", p)
}

// uiRaiseIdea raises a new idea in the postmortem the form names.
func (s *Server) uiRaiseIdea() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		form := map[string]string{}
		for _, k := range []string{"postmortem", "title", "detail", "note"} {
			form[k] = r.PostForm.Get(k)
		}
		pm, err := debrief.ParseRef(form["postmortem"], debrief.PostmortemKeyPrefix)
		if err != nil {
			return s.ideaAnswer(w, r, debrief.Errorf(debrief.EInvalid, "postmortem", "Name the postmortem that raised the idea, e.g. PM-7."), form)
		}
		_, err = s.svc.RaiseIdea(r.Context(), pm, debrief.NewIdea{Title: form["title"], Detail: form["detail"], Note: form["note"]})
		return s.ideaAnswer(w, r, err, form)
	}
}

// uiIdeaAction answers the board's per-idea forms: merge, promote, drop.
func (s *Server) uiIdeaAction() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.IdeaKeyPrefix)
		if err != nil {
			return err
		}
		version, err := s.parseVersionedForm(w, r)
		if err != nil {
			return s.ideaAnswer(w, r, err, nil)
		}
		ctx := r.Context()
		switch r.PathValue("action") {
		case "merge":
			into, perr := debrief.ParseRef(r.PostForm.Get("into"), debrief.IdeaKeyPrefix)
			if perr != nil {
				return s.ideaAnswer(w, r, debrief.Errorf(debrief.EInvalid, "into", "Choose the idea this one is the same as."), nil)
			}
			target, gerr := s.svc.Idea(ctx, into)
			if gerr != nil {
				return s.ideaAnswer(w, r, gerr, nil)
			}
			// The target's version is the one the board showed, when it sent it.
			intoVersion := target.Version
			if v, cerr := strconv.Atoi(r.PostForm.Get("into_version_" + strconv.FormatInt(into, 10))); cerr == nil {
				intoVersion = v
			}
			_, err = s.svc.MergeIdeas(ctx, id, into, version, intoVersion)
		case "promote":
			_, _, err = s.svc.PromoteIdea(ctx, id, version, &debrief.ActionItem{Owner: strings.TrimSpace(r.PostForm.Get("owner"))})
		case "drop":
			dropped := debrief.IdeaDropped
			_, err = s.svc.UpdateIdea(ctx, id, debrief.IdeaPatch{Status: &dropped}, version)
		default:
			return debrief.Errorf(debrief.ENotFound, "", "There is no such action on an idea.")
		}
		return s.ideaAnswer(w, r, err, nil)
	}
}
