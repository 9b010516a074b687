package web

import (
	"net/http"

	"github.com/debriefhq/debrief/debrief"
)

// teamBody is the body of POST /teams.
type teamBody struct {
	Name     string   `json:"name"`
	Members  []string `json:"members"`
	Services []string `json:"services"`
}

// teamPatch is the body of PATCH /teams/{team}.
type teamPatch struct {
	debrief.TeamPatch
	Version *int `json:"version,omitempty"`
}

func listTeams(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		// The cursor is the last team's name.
		limit, after, err := pageChecked(r)
		if err != nil {
			return err
		}
		page, err := svc.TeamsPage(r.Context(), after, limit)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, listBody[*debrief.Team]{Items: page.Items, NextCursor: page.NextCursor})
		return nil
	}
}

func createTeam(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in teamBody
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		t, err := svc.CreateTeam(r.Context(), &debrief.Team{Name: in.Name, Members: in.Members, Services: in.Services})
		if err != nil {
			return err
		}
		setETag(w, t.Version)
		writeJSON(w, http.StatusCreated, t)
		return nil
	}
}

func getTeam(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := svc.Team(r.Context(), r.PathValue("team"))
		if err != nil {
			return err
		}
		if notModified(w, r, t.Version) {
			return nil
		}
		setETag(w, t.Version)
		writeJSON(w, http.StatusOK, t)
		return nil
	}
}

func updateTeam(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var p teamPatch
		if err := dec.decode(r, &p); err != nil {
			return err
		}
		version, err := versionFrom(r, p.Version)
		if err != nil {
			return err
		}
		t, err := svc.UpdateTeam(r.Context(), r.PathValue("team"), p.TeamPatch, version)
		if err != nil {
			return err
		}
		setETag(w, t.Version)
		writeJSON(w, http.StatusOK, t)
		return nil
	}
}

func deleteTeam(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		version, err := deleteVersion(r, dec)
		if err != nil {
			return err
		}
		if err := svc.DeleteTeam(r.Context(), r.PathValue("team"), version); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
