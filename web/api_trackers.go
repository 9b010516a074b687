package web

import (
	"net/http"

	"github.com/debriefhq/debrief/debrief"
)

// trackerCreate is the body of POST /trackers; the token is taken here and
// never answered.
type trackerCreate struct {
	Name      string              `json:"name"`
	Kind      debrief.TrackerKind `json:"kind"`
	BaseURL   string              `json:"base_url"`
	Project   string              `json:"project"`
	IssueType string              `json:"issue_type"`
	Email     string              `json:"email"`
	Token     string              `json:"token"`
}

// trackerExport is the body of POST /action-items/{id}/export.
type trackerExport struct {
	Tracker string `json:"tracker"`
}

func listTrackers(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		// The cursor is the last tracker's name.
		limit, after, err := pageChecked(r)
		if err != nil {
			return err
		}
		page, err := svc.TrackersPage(r.Context(), after, limit)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, listBody[*debrief.Tracker]{Items: page.Items, NextCursor: page.NextCursor})
		return nil
	}
}

func createTracker(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in trackerCreate
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		t, err := svc.CreateTracker(r.Context(), &debrief.Tracker{Name: in.Name, Kind: in.Kind, BaseURL: in.BaseURL, Project: in.Project,
			IssueType: in.IssueType, Email: in.Email, Token: in.Token})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, t)
		return nil
	}
}

func exportActionItem(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.ActionItemKeyPrefix)
		if err != nil {
			return err
		}
		var in trackerExport
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		link, created, err := svc.ExportActionItem(r.Context(), id, in.Tracker)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		writeJSON(w, status, link)
		return nil
	}
}

func actionItemLinks(svc *debrief.Service, sync bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.ActionItemKeyPrefix)
		if err != nil {
			return err
		}
		var links []*debrief.TrackerLink
		if sync {
			links, err = svc.SyncActionItem(r.Context(), id)
		} else {
			links, err = svc.ActionItemLinks(r.Context(), id)
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, listBody[*debrief.TrackerLink]{Items: nonNil(links)})
		return nil
	}
}

// trackerPatch is the body of PATCH /trackers/{id}; an empty or absent
// token keeps the stored one.
type trackerPatch struct {
	debrief.TrackerPatch
	Version *int `json:"version,omitempty"`
}

func updateTracker(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", "")
		if err != nil {
			return err
		}
		var p trackerPatch
		if err := dec.decode(r, &p); err != nil {
			return err
		}
		version, err := versionFrom(r, p.Version)
		if err != nil {
			return err
		}
		t, err := svc.UpdateTracker(r.Context(), id, p.TrackerPatch, version)
		if err != nil {
			return err
		}
		setETag(w, t.Version)
		writeJSON(w, http.StatusOK, t)
		return nil
	}
}

func deleteTracker(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", "")
		if err != nil {
			return err
		}
		version, err := deleteVersion(r, dec)
		if err != nil {
			return err
		}
		if err := svc.DeleteTracker(r.Context(), id, version); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
