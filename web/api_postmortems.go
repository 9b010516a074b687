package web

import (
	"context"
	"net/http"
	"strconv"

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

// postmortemStampAhead asks an API token's check to read the stamp of the
// postmortem getPostmortem answers in the same statement.
func postmortemStampAhead(ctx context.Context, r *http.Request) context.Context {
	return debrief.WithPostmortemStampAhead(ctx, r.PathValue("id"))
}

// getPostmortem answers one postmortem. The encoded answer is the same for
// everyone who may read it, so it is kept (answers) and sent again while
// the postmortem's stamp, read on every request after the Service's
// checks, has not moved.
func getPostmortem(svc *debrief.Service, answers *answerCache) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ref := r.PathValue("id")
		stamp, ok, err := svc.PostmortemStampByRef(r.Context(), ref)
		if err != nil {
			return err
		}
		if ok {
			if notModified(w, r, stamp.Version) {
				return nil
			}
			if a, ok := answers.get(stamp); ok {
				a.write(w)
				return nil
			}
		}
		pm, err := svc.PostmortemByRef(r.Context(), ref)
		if err != nil {
			return err
		}
		if notModified(w, r, pm.Version) {
			return nil
		}
		body, err := encodeJSON(pm)
		if err != nil {
			return err
		}
		answers.put(pm.Stamp(), body)
		setETag(w, pm.Version)
		writeJSONBytes(w, http.StatusOK, body)
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

// updateSection saves one section under that section's own version, so
// people writing different sections of one postmortem never conflict. The
// base is base_version (the section's version the writer read) or, as
// before sections had versions, the postmortem's version from If-Match or
// "version": either way the save is refused only if this section changed
// after it, with both texts and the base in the 409's current.
func updateSection(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		if err != nil {
			return err
		}
		var p sectionPatch
		if err := dec.decode(r, &p); err != nil {
			return err
		}
		var base int
		if p.BaseVersion != nil {
			if p.Version != nil || r.Header.Get("If-Match") != "" {
				return debrief.Errorf(debrief.EInvalid, "base_version", "Send base_version, or the postmortem's version in If-Match or \"version\", not both.")
			}
			base = *p.BaseVersion
		} else if p.Version == nil && r.Header.Get("If-Match") == "" {
			return debrief.Errorf(debrief.EInvalid, "base_version", "Say which version of the section you started from: send its \"base_version\" (or the postmortem's ETag in If-Match).")
		} else if base, err = versionFrom(r, p.Version); err != nil {
			return err
		}
		pm, err := svc.UpdateSection(r.Context(), id, r.PathValue("key"), debrief.SectionEdit{Body: p.Body, Heading: p.Heading, BaseVersion: base})
		if err != nil {
			return err
		}
		setETag(w, pm.Version)
		writeJSON(w, http.StatusOK, pm)
		return nil
	}
}
