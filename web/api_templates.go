package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// templateBody is a custom template as the API accepts it: the fields a
// YAML file holds, in JSON. Version and authorship come from the server.
type templateBody struct {
	Key         string                    `json:"key"`
	Name        string                    `json:"name"`
	Description string                    `json:"description"`
	Kind        debrief.PostmortemKind    `json:"kind"`
	Policy      debrief.TemplatePolicy    `json:"policy"`
	Sections    []debrief.TemplateSection `json:"sections"`
	// Version, when given, is the version a PUT starts from (like If-Match).
	Version *int `json:"version,omitempty"`
}

func (b templateBody) template() *debrief.CustomTemplate {
	return &debrief.CustomTemplate{
		Template: debrief.Template{Key: b.Key, Name: b.Name, Description: b.Description, Kind: b.Kind, Sections: b.Sections},
		Policy:   b.Policy,
	}
}

func createTemplate(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in templateBody
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		ct, err := svc.CreateTemplate(r.Context(), in.template())
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/templates/"+ct.Key)
		setETag(w, ct.Version)
		writeJSON(w, http.StatusCreated, ct)
		return nil
	}
}

// putTemplate applies a template like `debrief template apply`: created
// when new, a new version when changed, nothing when the same. With
// If-Match (or "version") it changes only that version.
func putTemplate(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in templateBody
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		key := r.PathValue("key")
		if in.Key == "" {
			in.Key = key
		}
		if in.Key != key {
			return debrief.Errorf(debrief.EInvalid, "key", "The body names template %q but the URL names %q.", truncate(in.Key, 70), truncate(key, 70))
		}
		t := in.template()
		if r.Header.Get("If-Match") != "" || in.Version != nil {
			version, err := versionFrom(r, in.Version)
			if err != nil {
				return err
			}
			ct, err := svc.UpdateTemplate(r.Context(), key, t, version)
			if err != nil {
				return err
			}
			setETag(w, ct.Version)
			writeJSON(w, http.StatusOK, ct)
			return nil
		}
		ct, changed, err := svc.ApplyTemplate(r.Context(), t)
		if err != nil {
			return err
		}
		setETag(w, ct.Version)
		status := http.StatusOK
		if changed && ct.Version == 1 {
			status = http.StatusCreated
		}
		writeJSON(w, status, ct)
		return nil
	}
}

func deleteTemplate(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		version, err := deleteVersion(r, dec)
		if err != nil {
			return err
		}
		if err := svc.DeleteTemplate(r.Context(), r.PathValue("key"), version); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// listTemplateVersions answers one page of a template's versions, newest
// first; the cursor is a version number.
func listTemplateVersions(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		limit, after, err := pageOnly(r)
		if err != nil {
			return err
		}
		page, err := svc.TemplateVersionsPage(r.Context(), r.PathValue("key"), after, limit)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, listBody[*debrief.CustomTemplate]{Items: page.Items, NextCursor: page.NextCursor})
		return nil
	}
}

// getTemplateVersion returns one version with its policy; "latest" names
// the newest one.
func getTemplateVersion(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		key, v := r.PathValue("key"), strings.TrimSpace(r.PathValue("version"))
		var ct *debrief.CustomTemplate
		var err error
		if v == "latest" {
			ct, err = svc.TemplateDefinition(r.Context(), key)
		} else {
			n, convErr := strconv.Atoi(v)
			if convErr != nil || n < 1 {
				return debrief.Errorf(debrief.EInvalid, "version", "The version must be a positive number or \"latest\"; got %q.", truncate(v, 20))
			}
			ct, err = svc.TemplateAtVersion(r.Context(), key, n)
		}
		if err != nil {
			return err
		}
		setETag(w, ct.Version)
		writeJSON(w, http.StatusOK, ct)
		return nil
	}
}

// postmortemRequirement says which template applies to an incident, whether
// its severity requires a postmortem and when that is due.
func postmortemRequirement(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := parseQuery(r); err != nil {
			return err
		}
		inc, err := svc.IncidentByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		req, err := svc.PostmortemRequirementFor(r.Context(), inc)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, req)
		return nil
	}
}
