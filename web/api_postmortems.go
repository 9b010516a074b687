package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

func listPostmortems(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseQuery(r, "status", "kind", "incident_id", "owner", "from", "to", "limit", "after")
		if err != nil {
			return err
		}
		var f debrief.PostmortemFilter
		for _, st := range q.list("status") {
			f.Status = append(f.Status, debrief.PostmortemStatus(st))
		}
		kind, err := q.one("kind")
		if err != nil {
			return err
		}
		f.Kind = debrief.PostmortemKind(kind)
		if f.IncidentID, err = q.ref("incident_id", debrief.IncidentKeyPrefix); err != nil {
			return err
		}
		if f.Owner, err = q.one("owner"); err != nil {
			return err
		}
		if f.From, f.To, err = q.timeRange(); err != nil {
			return err
		}
		if f.Limit, f.After, err = q.page(); err != nil {
			return err
		}
		page, err := svc.ListPostmortems(r.Context(), f)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, listBody[*debrief.Postmortem]{Items: nonNil(page.Items), NextCursor: page.NextCursor})
		return nil
	}
}

func createPostmortem(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in postmortemCreate
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		pm, err := svc.CreatePostmortem(r.Context(), debrief.NewPostmortem{
			IncidentID: refPtr(in.IncidentID), Template: in.Template, Title: in.Title,
			Owner: in.Owner, Project: in.Project.project(),
		})
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/postmortems/"+strconv.FormatInt(pm.ID, 10))
		setETag(w, pm.Version)
		writeJSON(w, http.StatusCreated, pm)
		return nil
	}
}

func getPostmortem(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		pm, err := svc.PostmortemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		if notModified(w, r, pm.Version) {
			return nil
		}
		setETag(w, pm.Version)
		writeJSON(w, http.StatusOK, pm)
		return nil
	}
}

func updatePostmortem(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		var p postmortemPatch
		if err := dec.decode(r, &p); err != nil {
			return err
		}
		version, err := versionFrom(r, p.Version)
		if err != nil {
			return err
		}
		pm, err := svc.UpdatePostmortem(r.Context(), id, p.patch(), version)
		if err != nil {
			return err
		}
		setETag(w, pm.Version)
		writeJSON(w, http.StatusOK, pm)
		return nil
	}
}

func deletePostmortem(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		version, err := deleteVersion(r, dec)
		if err != nil {
			return err
		}
		if err := svc.DeletePostmortem(r.Context(), id, version); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func listSections(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		pm, err := svc.PostmortemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		setETag(w, pm.Version)
		writeJSON(w, http.StatusOK, sectionsJSON{Items: nonNil(pm.Sections), Version: pm.Version})
		return nil
	}
}

// updateSection changes one section's body or heading under the
// postmortem's version, and answers the whole postmortem (with its new
// version). A body-only change goes through section_bodies, so it touches
// nothing else; a heading change replaces the section list with the one
// read here, which the version check makes safe: if anything changed since,
// the update is refused.
func updateSection(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		key := r.PathValue("key")
		var p sectionPatch
		if err := dec.decode(r, &p); err != nil {
			return err
		}
		version, err := versionFrom(r, p.Version)
		if err != nil {
			return err
		}
		if p.Body == nil && p.Heading == nil {
			return debrief.Errorf(debrief.EInvalid, "body", "Give the section's new body, heading or both.")
		}
		if p.Heading != nil && strings.TrimSpace(*p.Heading) == "" {
			return debrief.Errorf(debrief.EInvalid, "heading", "A section needs a heading.")
		}
		cur, err := svc.Postmortem(r.Context(), id)
		if err != nil {
			return err
		}
		if cur.Section(key) == nil {
			return debrief.Errorf(debrief.ENotFound, "key", "%s has no section %q.", cur.Key, truncate(key, 70))
		}
		var patch debrief.PostmortemPatch
		if p.Heading == nil {
			patch.SectionBodies = map[string]string{key: *p.Body}
		} else {
			sections := append([]debrief.Section(nil), cur.Sections...)
			for i := range sections {
				if sections[i].Key != key {
					continue
				}
				sections[i].Heading = strings.TrimSpace(*p.Heading)
				if p.Body != nil {
					sections[i].Body = *p.Body
				}
			}
			patch.Sections = &sections
		}
		pm, err := svc.UpdatePostmortem(r.Context(), id, patch, version)
		if err != nil {
			return err
		}
		setETag(w, pm.Version)
		writeJSON(w, http.StatusOK, pm)
		return nil
	}
}
