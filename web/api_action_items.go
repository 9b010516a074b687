package web

import (
	"net/http"
	"strconv"

	"github.com/debriefhq/debrief/debrief"
)

func listActionItems(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseQuery(r, "status", "owner", "incident_id", "postmortem_id", "due_before", "limit", "after")
		if err != nil {
			return err
		}
		var f debrief.ActionItemFilter
		for _, st := range q.list("status") {
			f.Status = append(f.Status, debrief.ActionStatus(st))
		}
		if f.Owner, err = q.one("owner"); err != nil {
			return err
		}
		if f.IncidentID, err = q.ref("incident_id", debrief.IncidentKeyPrefix); err != nil {
			return err
		}
		if f.PostmortemID, err = q.ref("postmortem_id", debrief.PostmortemKeyPrefix); err != nil {
			return err
		}
		if f.DueBefore, err = q.time("due_before"); err != nil {
			return err
		}
		if f.Limit, f.After, err = q.page(); err != nil {
			return err
		}
		page, err := svc.ListActionItems(r.Context(), f)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, listBody[*debrief.ActionItem]{Items: nonNil(page.Items), NextCursor: page.NextCursor})
		return nil
	}
}

func createActionItem(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in actionItemCreate
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		item, err := svc.CreateActionItem(r.Context(), in.item())
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/action-items/"+strconv.FormatInt(item.ID, 10))
		setETag(w, item.Version)
		writeJSON(w, http.StatusCreated, item)
		return nil
	}
}

func getActionItem(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		item, err := svc.ActionItemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		if notModified(w, r, item.Version) {
			return nil
		}
		setETag(w, item.Version)
		writeJSON(w, http.StatusOK, item)
		return nil
	}
}

func updateActionItem(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.ActionItemKeyPrefix)
		if err != nil {
			return err
		}
		var p actionItemPatch
		if err := dec.decode(r, &p); err != nil {
			return err
		}
		version, err := versionFrom(r, p.Version)
		if err != nil {
			return err
		}
		item, err := svc.UpdateActionItem(r.Context(), id, p.patch(), version)
		if err != nil {
			return err
		}
		setETag(w, item.Version)
		writeJSON(w, http.StatusOK, item)
		return nil
	}
}

func deleteActionItem(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.ActionItemKeyPrefix)
		if err != nil {
			return err
		}
		version, err := deleteVersion(r, dec)
		if err != nil {
			return err
		}
		if err := svc.DeleteActionItem(r.Context(), id, version); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
