package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Adding an action item in the browser: a short form on the incident page
// and in the postmortem editor, and a page of its own that the form's
// errors come back on with what was typed. An item belongs to its incident
// and, when one is named (or the incident has exactly one), to its
// postmortem, which is where the reading view lists it.

// newItemForm is the form that adds an action item.
type newItemForm struct {
	// Incident and Postmortem are the keys the item is for; Back is where
	// the browser goes after adding it.
	Incident, Postmortem, Back string
	// Open shows the form unfolded (on its own page).
	Open bool
	// The fields as typed.
	Title, Owner, Due, Priority, Type string
	Errors                            formErrors
	Priorities                        []debrief.Priority
	Types                             []debrief.ActionType
}

var (
	itemPriorities = []debrief.Priority{debrief.PriorityP1, debrief.PriorityP2, debrief.PriorityP3, debrief.PriorityP4}
	itemTypes      = []debrief.ActionType{debrief.ActionPrevent, debrief.ActionDetect, debrief.ActionMitigate, debrief.ActionProcess, debrief.ActionInvestigate}
)

// newItem is the template function that makes the empty form for a page.
func newItem(incident, postmortem, back string) newItemForm {
	return newItemForm{Incident: incident, Postmortem: postmortem, Back: back, Priority: string(debrief.PriorityP3), Type: string(debrief.ActionPrevent),
		Errors: formErrors{}, Priorities: itemPriorities, Types: itemTypes}
}

type newItemPage struct {
	layout
	Form newItemForm
}

// itemBack keeps the browser on the pages that hold the form.
func itemBack(back string) string {
	back = safeNext(back)
	if strings.HasPrefix(back, "/incidents/") || strings.HasPrefix(back, "/postmortems/") {
		return back
	}
	return "/action-items"
}

// uiNewActionItem shows the form on a page of its own
// (GET /action-items/new?incident=INC-1&postmortem=PM-1).
func (s *Server) uiNewActionItem() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		f := newItem(q.Get("incident"), q.Get("postmortem"), itemBack(q.Get("back")))
		f.Open = true
		if _, _, err := s.itemOwners(r, &f); err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "action_item_new.html", "layout", newItemPage{layout: newLayout(r, "Add an action item", "action-items"), Form: f})
	}
}

// itemOwners reads the incident and postmortem the form names, as the
// viewer (a private incident is not found for a non-member); with an
// incident and no postmortem, the incident's only postmortem is taken.
func (s *Server) itemOwners(r *http.Request, f *newItemForm) (incidentID, postmortemID *int64, err error) {
	ctx := r.Context()
	if f.Incident == "" && f.Postmortem == "" {
		return nil, nil, debrief.Errorf(debrief.EInvalid, "incident", "Name the incident or postmortem the action item is for.")
	}
	if f.Incident != "" {
		inc, err := s.svc.IncidentByRef(ctx, f.Incident)
		if err != nil {
			return nil, nil, err
		}
		incidentID, f.Incident = &inc.ID, inc.Key
		if f.Postmortem == "" {
			pms, err := s.svc.ListPostmortems(ctx, debrief.PostmortemFilter{IncidentID: &inc.ID, Limit: 2})
			if err != nil {
				return nil, nil, err
			}
			if len(pms.Items) == 1 {
				f.Postmortem = pms.Items[0].Key
			}
		}
	}
	if f.Postmortem != "" {
		pm, err := s.svc.PostmortemByRef(ctx, f.Postmortem)
		if err != nil {
			return nil, nil, err
		}
		postmortemID, f.Postmortem = &pm.ID, pm.Key
	}
	return incidentID, postmortemID, nil
}

// uiCreateActionItem adds an action item from the form (POST
// /action-items) and goes back to the page it was on; a mistake shows the
// form on its own page with a sentence beside the field and the text kept.
func (s *Server) uiCreateActionItem() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		pf := r.PostForm
		f := newItem(strings.TrimSpace(pf.Get("incident")), strings.TrimSpace(pf.Get("postmortem")), itemBack(pf.Get("back")))
		f.Open = true
		f.Title, f.Owner, f.Due = strings.TrimSpace(pf.Get("title")), strings.TrimSpace(pf.Get("owner")), strings.TrimSpace(pf.Get("due"))
		if v := pf.Get("priority"); v != "" {
			f.Priority = v
		}
		if v := pf.Get("type"); v != "" {
			f.Type = v
		}
		incidentID, postmortemID, err := s.itemOwners(r, &f)
		if err != nil {
			return err
		}
		item := &debrief.ActionItem{IncidentID: incidentID, PostmortemID: postmortemID, Title: f.Title, Owner: f.Owner,
			Priority: debrief.Priority(f.Priority), Type: debrief.ActionType(f.Type)}
		if f.Title == "" {
			f.Errors["title"] = &fieldError{Field: "item-title", Message: "Say what will be done, e.g. 'Alert when the checkout pool is 90% used for 5 minutes'."}
		}
		if f.Due != "" {
			due, err := time.Parse("2006-01-02", f.Due)
			if err != nil {
				f.Errors["due_date"] = &fieldError{Field: "item-due", Message: "Enter the due date as a day, like 2026-03-05."}
			}
			item.DueDate = &due
		}
		if len(f.Errors) == 0 {
			if _, err = s.svc.CreateActionItem(r.Context(), item); err == nil {
				return seeOther(w, r, f.Back)
			}
			if !f.Errors.add(err) {
				return err
			}
		}
		return s.render(w, r, http.StatusUnprocessableEntity, "action_item_new.html", "layout", newItemPage{layout: newLayout(r, "Add an action item", "action-items"), Form: f})
	}
}
