package web

import (
	"bytes"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/templates"
)

// adminTemplatesPage lists the postmortem templates and makes a new one
// from YAML.
type adminTemplatesPage struct {
	layout
	Templates []*debrief.CustomTemplate
	Pager     pager
	Form      templateForm
}

// templateForm is the YAML editor: the text as typed, the version it
// started from and where an error is.
type templateForm struct {
	YAML    string
	Version int
	Error   *fieldError
	// Line is the 1-based line the error is at (0: not known); LineText is
	// that line as typed, shown beside the sentence.
	Line     int
	LineText string
	// Saved is the YAML someone else saved meanwhile, after a conflict.
	Saved string
}

func (s *Server) uiAdminTemplates() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.adminTemplatesData(r)
		if err != nil {
			return err
		}
		p.Form.YAML = newTemplateYAML
		return s.render(w, r, http.StatusOK, "admin_templates.html", "layout", p)
	}
}

// newTemplateYAML is where a new template starts: a small valid one to change.
const newTemplateYAML = `key: security-incident
name: Security incident
description: For incidents where data or access was exposed.
kind: incident
policy:
  severities: [SEV1, SEV2]
  due_days: 5
sections:
  - key: summary
    heading: Summary
    guidance: What happened, to whom, for how long, in two or three sentences.
    required: true
    starting_text: "{{incident.title}} lasted {{incident.duration}}."
  - key: exposure
    heading: What was exposed
    guidance: Which data or access, for which accounts, and how we know.
    required: true
`

func (s *Server) adminTemplatesData(r *http.Request) (adminTemplatesPage, error) {
	p := adminTemplatesPage{layout: newLayout(r, "Templates · Admin", "admin")}
	after := r.URL.Query().Get("after")
	page, err := s.svc.TemplatesPage(r.Context(), after, uiPageSize)
	if err != nil {
		return p, err
	}
	p.Templates = page.Items
	p.Pager = newPager("Pages of templates", "/admin/templates", nil, after, page.NextCursor)
	return p, nil
}

// uiAdminCreateTemplate saves a new template from YAML as its version 1.
func (s *Server) uiAdminCreateTemplate() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		text := normalizeNewlines(r.PostForm.Get("yaml"))
		t, err := templates.Parse([]byte(text), nil)
		if err == nil {
			t, err = s.svc.CreateTemplate(r.Context(), t)
		}
		if debrief.ErrorCode(err) == debrief.EConflict {
			err = debrief.Errorf(debrief.EInvalid, "key", "There is already a template with this key; edit it instead, or choose another key.")
		}
		if err != nil {
			if !isFormError(err) {
				return err
			}
			p, perr := s.adminTemplatesData(r)
			if perr != nil {
				return perr
			}
			p.Form = templateFormError(text, err)
			return s.render(w, r, http.StatusUnprocessableEntity, "admin_templates.html", "layout", p)
		}
		return seeOther(w, r, "/admin/templates/"+t.Key+"?saved="+strconv.Itoa(t.Version))
	}
}

// adminTemplatePage edits one template's YAML.
type adminTemplatePage struct {
	layout
	T      *debrief.CustomTemplate
	Form   templateForm
	Notice string
}

func (s *Server) uiAdminTemplate() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := s.svc.TemplateDefinition(r.Context(), r.PathValue("key"))
		if err != nil {
			return err
		}
		data, err := templates.Marshal(t)
		if err != nil {
			return err
		}
		p := adminTemplatePage{layout: newLayout(r, t.Name+" · Templates · Admin", "admin"), T: t, Form: templateForm{YAML: string(data), Version: t.Version}}
		if v := r.URL.Query().Get("saved"); v != "" {
			p.Notice = "Saved as version " + strconv.Itoa(t.Version) + ". New postmortems made from this template use it; earlier ones keep the version they were made from."
		}
		return s.render(w, r, http.StatusOK, "admin_template.html", "layout", p)
	}
}

// uiAdminSaveTemplate saves the edited YAML as the template's next version
// if nobody saved another version since the form was loaded.
func (s *Server) uiAdminSaveTemplate() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		key := r.PathValue("key")
		cur, err := s.svc.TemplateDefinition(r.Context(), key)
		if err != nil {
			return err
		}
		version, err := s.parseVersionedForm(w, r)
		if err != nil {
			return err
		}
		text := normalizeNewlines(r.PostForm.Get("yaml"))
		p := adminTemplatePage{layout: newLayout(r, cur.Name+" · Templates · Admin", "admin"), T: cur, Form: templateForm{YAML: text, Version: version}}
		t, err := templates.Parse([]byte(text), nil)
		if err == nil {
			_, err = s.svc.UpdateTemplate(r.Context(), key, t, version)
		}
		if err == nil {
			return seeOther(w, r, "/admin/templates/"+key+"?saved=1")
		}
		var de *debrief.Error
		switch {
		case debrief.ErrorCode(err) == debrief.EConflict && errors.As(err, &de):
			// Keep the writer's text; show what was saved and take its
			// version, so saving again is a deliberate choice.
			p.Form.Error = &fieldError{Field: "yaml", Message: "Someone else saved version " + strconv.Itoa(cur.Version) + " of this template after you loaded it, so your text was not saved. It is kept below with the saved version beside it; merge them and save again."}
			if saved, merr := templates.Marshal(cur); merr == nil {
				p.Form.Saved = string(saved)
			}
			p.Form.Version = cur.Version
			return s.render(w, r, http.StatusConflict, "admin_template.html", "layout", p)
		case isFormError(err):
			f := templateFormError(text, err)
			f.Version = version
			p.Form = f
			return s.render(w, r, http.StatusUnprocessableEntity, "admin_template.html", "layout", p)
		}
		return err
	}
}

func isFormError(err error) bool {
	switch debrief.ErrorCode(err) {
	case debrief.EInvalid, debrief.EUnprocessable, debrief.ETooLarge:
		return true
	}
	return false
}

func normalizeNewlines(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

// templateFormError keeps text and places err at its line: a YAML error
// names the line in its message; a validation error names a field
// ("sections[2].heading"), found in the text's YAML tree.
func templateFormError(text string, err error) templateForm {
	f := templateForm{YAML: text}
	msg := debrief.ErrorMessage(err)
	line := 0
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
	} else if field := debrief.ErrorField(err); field != "" {
		line = yamlFieldLine([]byte(text), field)
	}
	lines := strings.Split(text, "\n")
	if line > 0 && line <= len(lines) {
		f.Line, f.LineText = line, lines[line-1]
		if !strings.Contains(msg, "line "+strconv.Itoa(line)) {
			msg = "Line " + strconv.Itoa(line) + ": " + msg
		}
	}
	f.Error = &fieldError{Field: "yaml", Message: msg}
	return f
}

var yamlLineRe = regexp.MustCompile(`\bline (\d+)\b`)

// yamlFieldLine returns the line of the value at path ("name",
// "policy.due_days", "sections[2].heading") in the YAML text, or of the
// nearest part of the path that exists; 0 when the text does not parse.
func yamlFieldLine(data []byte, path string) int {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil || len(doc.Content) == 0 {
		return 0
	}
	n := doc.Content[0]
	line := n.Line
	for _, part := range strings.Split(path, ".") {
		name, index := part, -1
		if i := strings.IndexByte(part, '['); i > 0 && strings.HasSuffix(part, "]") {
			name = part[:i]
			index, _ = strconv.Atoi(part[i+1 : len(part)-1])
		}
		next := (*yaml.Node)(nil)
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == name {
					line, next = n.Content[i].Line, n.Content[i+1]
				}
			}
		}
		if next == nil {
			return line
		}
		n = next
		if index >= 0 {
			if n.Kind != yaml.SequenceNode || index >= len(n.Content) {
				return line
			}
			n = n.Content[index]
			line = n.Line
		}
	}
	return line
}
