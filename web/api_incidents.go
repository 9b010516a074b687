package web

import (
	"net/http"
	"strconv"

	"github.com/debriefhq/debrief/debrief"
)

// pathRef reads a path value that names a record by ID or key.
func pathRef(r *http.Request, name, prefix string) (int64, error) {
	return debrief.ParseRef(r.PathValue(name), prefix)
}

// notModified answers a conditional GET whose If-None-Match names the
// current version, saving the body.
func notModified(w http.ResponseWriter, r *http.Request, version int) bool {
	inm := r.Header.Get("If-None-Match")
	if inm == "" {
		return false
	}
	if v, ok := parseETag(inm); ok && v == version {
		setETag(w, version)
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	return false
}

func listIncidents(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseQuery(r, "status", "severity", "service", "label", "owner", "from", "to", "sort", "limit", "after")
		if err != nil {
			return err
		}
		var f debrief.IncidentFilter
		for _, st := range q.list("status") {
			f.Status = append(f.Status, debrief.IncidentStatus(st))
		}
		f.Severity = q.list("severity")
		if f.Service, err = q.one("service"); err != nil {
			return err
		}
		if f.Label, err = q.one("label"); err != nil {
			return err
		}
		if f.Owner, err = q.one("owner"); err != nil {
			return err
		}
		sort, err := q.one("sort")
		if err != nil {
			return err
		}
		f.Sort = debrief.IncidentSort(sort)
		if f.From, f.To, err = q.timeRange(); err != nil {
			return err
		}
		f.Limit, f.After, err = q.pageCursor(func(c string) error {
			_, _, err := debrief.DecodeIncidentCursor(c, f.Sort)
			return err
		})
		if err != nil {
			return err
		}
		page, err := svc.ListIncidents(r.Context(), f)
		if err != nil {
			return err
		}
		items := make([]incidentJSON, len(page.Items))
		for i, inc := range page.Items {
			items[i] = incidentView(inc)
		}
		writeJSON(w, http.StatusOK, listBody[incidentJSON]{Items: items, NextCursor: page.NextCursor})
		return nil
	}
}

func createIncident(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in incidentCreate
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		inc, err := svc.CreateIncident(r.Context(), in.incident())
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/incidents/"+strconv.FormatInt(inc.ID, 10))
		setETag(w, inc.Version)
		writeJSON(w, http.StatusCreated, incidentView(inc))
		return nil
	}
}

func getIncident(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		inc, err := svc.IncidentByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		if notModified(w, r, inc.Version) {
			return nil
		}
		setETag(w, inc.Version)
		writeJSON(w, http.StatusOK, incidentView(inc))
		return nil
	}
}

func updateIncident(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.IncidentKeyPrefix)
		if err != nil {
			return err
		}
		var p incidentPatch
		if err := dec.decode(r, &p); err != nil {
			return err
		}
		version, err := versionFrom(r, p.Version)
		if err != nil {
			return err
		}
		inc, err := svc.UpdateIncident(r.Context(), id, p.patch(), version)
		if err != nil {
			return err
		}
		setETag(w, inc.Version)
		writeJSON(w, http.StatusOK, incidentView(inc))
		return nil
	}
}

func deleteIncident(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.IncidentKeyPrefix)
		if err != nil {
			return err
		}
		version, err := deleteVersion(r, dec)
		if err != nil {
			return err
		}
		if err := svc.DeleteIncident(r.Context(), id, version); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// deleteVersion reads the version a DELETE names: If-Match, or a JSON body
// {"version": n}.
func deleteVersion(r *http.Request, dec decoder) (int, error) {
	var body versionBody
	if _, err := dec.decodeOptional(r, &body); err != nil {
		return 0, err
	}
	return versionFrom(r, body.Version)
}

func listRevisions(svc *debrief.Service, entity, prefix string) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", prefix)
		if err != nil {
			return err
		}
		q, err := parseQuery(r, "limit", "after")
		if err != nil {
			return err
		}
		f := debrief.RevisionFilter{EntityType: entity, EntityID: id}
		if f.Limit, f.After, err = q.page(); err != nil {
			return err
		}
		// The record must exist (or have existed and be readable) for its
		// history to be shown; a typo in the id gets 404, not an empty list.
		switch entity {
		case debrief.EntityIncident:
			_, err = svc.Incident(r.Context(), id)
		case debrief.EntityPostmortem:
			_, err = svc.Postmortem(r.Context(), id)
		}
		if err != nil {
			return err
		}
		page, err := svc.ListRevisions(r.Context(), f)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, listBody[*debrief.Revision]{Items: nonNil(page.Items), NextCursor: page.NextCursor})
		return nil
	}
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](items []T) []T {
	if items == nil {
		return []T{}
	}
	return items
}
