package web

import (
	"encoding/json"
	"net/http"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/quality"
)

// lintRequest is what POST /api/v1/lint checks: a Markdown document, or a
// stored postmortem with the editor's unsaved section bodies laid over it.
type lintRequest struct {
	Markdown     *string           `json:"markdown,omitempty"`
	PostmortemID *postmortemRef    `json:"postmortem_id,omitempty"`
	Sections     map[string]string `json:"section_bodies,omitempty"`
	Title        *string           `json:"title,omitempty"`
	// Config holds rule settings as in a config file (JSON form).
	Config json.RawMessage `json:"config,omitempty"`
	// Name is the file name used in SARIF locations.
	Name string `json:"name,omitempty"`
}

// lintConfig reads the rule settings a request carries.
func lintConfig(raw json.RawMessage) (*quality.Config, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	return quality.ParseConfig(raw)
}

// writeLint answers with the report as JSON, or as SARIF with ?format=sarif.
func writeLint(w http.ResponseWriter, r *http.Request, rep *quality.Report, name string) error {
	q, err := parseQuery(r, "format")
	if err != nil {
		return err
	}
	format, err := q.one("format")
	if err != nil {
		return err
	}
	switch format {
	case "", "json":
		writeJSON(w, http.StatusOK, rep)
	case "sarif":
		writeJSON(w, http.StatusOK, quality.SARIF(rep, name))
	default:
		return debrief.Errorf(debrief.EInvalid, "format", "Unknown format %q; use json or sarif.", truncate(format, 20))
	}
	return nil
}

func lintDocument(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in lintRequest
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		cfg, err := lintConfig(in.Config)
		if err != nil {
			return err
		}
		var input *quality.Input
		switch {
		case in.Markdown != nil && in.PostmortemID != nil:
			return debrief.Errorf(debrief.EInvalid, "markdown", "Send either markdown or postmortem_id, not both.")
		case in.Markdown != nil:
			if len(in.Sections) > 0 || in.Title != nil {
				return debrief.Errorf(debrief.EInvalid, "section_bodies", "section_bodies and title go with postmortem_id; put them in the Markdown instead.")
			}
			name := in.Name
			if name == "" {
				name = "postmortem.md"
			}
			if input, err = quality.ParseMarkdown([]byte(*in.Markdown), name); err != nil {
				return err
			}
			input.Now = svc.Now()
		case in.PostmortemID != nil:
			pm, err := svc.Postmortem(r.Context(), int64(*in.PostmortemID))
			if err != nil {
				return err
			}
			draft := *pm
			draft.Sections = append([]debrief.Section(nil), pm.Sections...)
			for key, body := range in.Sections {
				s := draft.Section(key)
				if s == nil {
					return debrief.Errorf(debrief.EInvalid, "section_bodies", "Postmortem %s has no section %q.", pm.Key, truncate(key, 70))
				}
				s.Body = body
			}
			if in.Title != nil {
				draft.Title = *in.Title
			}
			if input, err = quality.Gather(r.Context(), svc, &draft); err != nil {
				return err
			}
			if in.Name == "" {
				in.Name = pm.Key
			}
		default:
			return debrief.Errorf(debrief.EInvalid, "markdown", "Send markdown (a postmortem as Markdown) or postmortem_id.")
		}
		return writeLint(w, r, quality.Check(input, cfg), in.Name)
	}
}

func lintPostmortem(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		pm, err := svc.PostmortemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		input, err := quality.Gather(r.Context(), svc, pm)
		if err != nil {
			return err
		}
		return writeLint(w, r, quality.Check(input, nil), pm.Key)
	}
}

func listLintRules() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := parseQuery(r); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, listBody[quality.Rule]{Items: quality.Rules()})
		return nil
	}
}
