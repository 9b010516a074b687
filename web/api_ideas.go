package web

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"

	"github.com/debriefhq/debrief/debrief"
)

// ideaRef is an idea named by ID (3) or key ("IDEA-3").
type ideaRef int64

var ideaRefType = reflect.TypeFor[ideaRef]()

func (r *ideaRef) UnmarshalJSON(b []byte) error {
	id, err := unmarshalRef(b, debrief.IdeaKeyPrefix)
	if err != nil {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: ideaRefType}
	}
	*r = ideaRef(id)
	return nil
}

// ideaList is the answer of GET /ideas: the board, heaviest first.
type ideaList struct {
	Items      []*debrief.Idea `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

// ideaPatchBody is the body of PATCH /ideas/{id}.
type ideaPatchBody struct {
	Title   *string             `json:"title"`
	Detail  *string             `json:"detail"`
	Status  *debrief.IdeaStatus `json:"status"`
	Version *int                `json:"version"`
}

// ideaMentionBody is the body of POST /ideas/{id}/mentions.
type ideaMentionBody struct {
	PostmortemID postmortemRef `json:"postmortem_id"`
	Note         string        `json:"note"`
	Version      *int          `json:"version"`
}

// ideaMergeBody is the body of POST /ideas/{id}/merge.
type ideaMergeBody struct {
	Into        ideaRef `json:"into"`
	Version     *int    `json:"version"`
	IntoVersion int     `json:"into_version"`
}

// ideaPromoteBody is the body of POST /ideas/{id}/promote.
type ideaPromoteBody struct {
	Title    string             `json:"title"`
	Owner    string             `json:"owner"`
	DueDate  *apiDate           `json:"due_date"`
	Priority debrief.Priority   `json:"priority"`
	Type     debrief.ActionType `json:"type"`
	Version  *int               `json:"version"`
}

// ideaPromoted is the answer of POST /ideas/{id}/promote.
type ideaPromoted struct {
	Idea       *debrief.Idea       `json:"idea"`
	ActionItem *debrief.ActionItem `json:"action_item"`
}

func listIdeas(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseQuery(r, "status", "postmortem_id", "limit", "after")
		if err != nil {
			return err
		}
		// The cursor ("weight_id") is checked by the Service.
		limit, after, err := q.pageCursor(func(string) error { return nil })
		if err != nil {
			return err
		}
		var f debrief.IdeaFilter
		for _, st := range q.list("status") {
			f.Status = append(f.Status, debrief.IdeaStatus(st))
		}
		if f.PostmortemID, err = q.ref("postmortem_id", debrief.PostmortemKeyPrefix); err != nil {
			return err
		}
		page, err := svc.IdeasPage(r.Context(), f, after, limit)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ideaList{Items: nonNil(page.Items), NextCursor: page.NextCursor})
		return nil
	}
}

func raiseIdea(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		pm, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		var in debrief.NewIdea
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		idea, err := svc.RaiseIdea(r.Context(), pm, in)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/ideas/"+strconv.FormatInt(idea.ID, 10))
		setETag(w, idea.Version)
		writeJSON(w, http.StatusCreated, idea)
		return nil
	}
}

func getIdea(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		idea, err := svc.IdeaByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		if notModified(w, r, idea.Version) {
			return nil
		}
		setETag(w, idea.Version)
		writeJSON(w, http.StatusOK, idea)
		return nil
	}
}

// ideaChange decodes body for a change to the idea in the path and returns
// its ID and the version the change started from.
func ideaChange(r *http.Request, dec decoder, body any, version func() *int) (int64, int, error) {
	id, err := pathRef(r, "id", debrief.IdeaKeyPrefix)
	if err != nil {
		return 0, 0, err
	}
	if err := dec.decode(r, body); err != nil {
		return 0, 0, err
	}
	v, err := versionFrom(r, version())
	return id, v, err
}

func updateIdea(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var p ideaPatchBody
		id, version, err := ideaChange(r, dec, &p, func() *int { return p.Version })
		if err != nil {
			return err
		}
		idea, err := svc.UpdateIdea(r.Context(), id, debrief.IdeaPatch{Title: p.Title, Detail: p.Detail, Status: p.Status}, version)
		return writeIdea(w, idea, err)
	}
}

func writeIdea(w http.ResponseWriter, idea *debrief.Idea, err error) error {
	if err != nil {
		return err
	}
	setETag(w, idea.Version)
	writeJSON(w, http.StatusOK, idea)
	return nil
}

func addIdeaMention(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var b ideaMentionBody
		id, version, err := ideaChange(r, dec, &b, func() *int { return b.Version })
		if err != nil {
			return err
		}
		idea, err := svc.AddIdeaMention(r.Context(), id, int64(b.PostmortemID), b.Note, version)
		return writeIdea(w, idea, err)
	}
}

func mergeIdea(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var b ideaMergeBody
		id, version, err := ideaChange(r, dec, &b, func() *int { return b.Version })
		if err != nil {
			return err
		}
		if b.Into == 0 {
			return debrief.Errorf(debrief.EInvalid, "into", "Name the idea to merge into, e.g. \"into\": \"IDEA-3\", with its version in into_version.")
		}
		idea, err := svc.MergeIdeas(r.Context(), id, int64(b.Into), version, b.IntoVersion)
		return writeIdea(w, idea, err)
	}
}

func similarIdeas(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.IdeaKeyPrefix)
		if err != nil {
			return err
		}
		list, err := svc.SimilarIdeas(r.Context(), id, 10)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, listBody[debrief.IdeaSuggestion]{Items: nonNil(list)})
		return nil
	}
}

func promoteIdea(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var b ideaPromoteBody
		id, version, err := ideaChange(r, dec, &b, func() *int { return b.Version })
		if err != nil {
			return err
		}
		idea, item, err := svc.PromoteIdea(r.Context(), id, version, &debrief.ActionItem{
			Title: b.Title, Owner: b.Owner, DueDate: b.DueDate.ptr(), Priority: b.Priority, Type: b.Type})
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/action-items/"+strconv.FormatInt(item.ID, 10))
		writeJSON(w, http.StatusCreated, ideaPromoted{Idea: idea, ActionItem: item})
		return nil
	}
}
