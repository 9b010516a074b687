package web

import (
	"net/http"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// ideasPanel shows, on a postmortem's reading view and in its editor, the
// improvement ideas raised in that postmortem, and lets a responder raise
// one without leaving the page.
type ideasPanel struct {
	PMKey   string
	Ideas   []*debrief.Idea
	CanEdit bool
	// Editor says the panel is in the editor, where raising one returns.
	Editor bool
}

func (s *Server) ideasPanelOf(r *http.Request, pm *debrief.Postmortem, editor bool) (*ideasPanel, error) {
	ideas, err := s.svc.ListIdeas(r.Context(), debrief.IdeaFilter{PostmortemID: &pm.ID})
	if err != nil {
		return nil, err
	}
	l := newLayout(r, "", "")
	return &ideasPanel{PMKey: pm.Key, Ideas: ideas, CanEdit: l.CanEdit(), Editor: editor}, nil
}

// uiRaisePostmortemIdea raises an idea in the postmortem of the path and
// returns to its reading view or editor; a refusal shows the ideas board
// with the text kept and the sentence, as the board's own form does.
func (s *Server) uiRaisePostmortemIdea() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		pm, err := s.svc.PostmortemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		form := map[string]string{"postmortem": pm.Key}
		for _, k := range []string{"title", "detail", "note"} {
			form[k] = r.PostForm.Get(k)
		}
		idea, err := s.svc.RaiseIdea(r.Context(), pm.ID, debrief.NewIdea{Title: form["title"], Detail: form["detail"], Note: form["note"]})
		if err != nil {
			return s.ideaAnswer(w, r, err, form)
		}
		back := "/postmortems/" + pm.Key
		if strings.TrimSpace(r.PostForm.Get("editor")) != "" {
			back += "/edit"
		}
		return seeOther(w, r, back+"#idea-"+idea.Key)
	}
}
