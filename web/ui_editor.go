package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/diff"
	"github.com/debriefhq/debrief/quality"
)

// The postmortem editor: each section is saved on its own with the
// section's version, so people writing different sections never conflict,
// and a same-section conflict shows both texts side by side for merging.
// The structured fields and the status are saved with the postmortem's
// version, retried over section saves that did not touch them.

// editorSection is one section as the editor shows it.
type editorSection struct {
	PMKey string
	PMID  int64
	Sec   debrief.Section
	// Body is the textarea's text: the stored body, or the writer's text
	// after a conflict or a refused save.
	Body string
	// BaseVersion is the section version the text was started from.
	BaseVersion int
	Findings    []quality.Finding
	Conflict    *conflictView
	// Error is a sentence about a refused save.
	Error string
	// Saved is true right after a successful save (the script then forgets
	// the text it kept in the browser).
	Saved bool
}

// conflictView is a same-section conflict, both texts with the lines only
// one of them has marked.
type conflictView struct {
	Message       string
	TheirsVersion int
	Theirs, Yours []diff.Line
}

// fieldsForm is the structured fields form; lists are one entry a line.
type fieldsForm struct {
	RootCause, Factors, WentWell, WentWrong, GotLucky string
	Version                                           int
	// Hash names the stored fields the writer started from, so a save that
	// only raced with section saves can be applied to the newer version.
	Hash string
}

// editorPage is the postmortem editor.
type editorPage struct {
	layout
	PM       *debrief.Postmortem
	Incident *debrief.Incident
	Sections []editorSection
	Report   *quality.Report
	// General are the findings about no particular section.
	General []quality.Finding
	// Headings names each section key for the quality panel's links.
	Headings    map[string]string
	Fields      fieldsForm
	Saved       *fieldsForm // the stored fields after a fields conflict
	Suggestions []debrief.FactorSuggestion
	Statuses    []statusStep
	Errors      formErrors
	Notice      string
	// Attachments are the postmortem's files (ui_attachments.go).
	Attachments *attachmentsPanel
	// Ideas are the improvement ideas raised in it (ui_pm_ideas.go).
	Ideas *ideasPanel
}

// statusStep is a button that moves the postmortem to another status.
type statusStep struct {
	Status debrief.PostmortemStatus
	Label  string
}

func joinLines(list []string) string { return strings.Join(list, "\n") }

// splitLines reads a one-entry-a-line textarea.
func splitLines(s string) []string {
	out := []string{}
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// formText reads a textarea, whose line breaks browsers send as CRLF.
func formText(r *http.Request, name string) string {
	return strings.ReplaceAll(r.PostForm.Get(name), "\r\n", "\n")
}

// fieldsHash fingerprints the structured fields of pm.
func fieldsHash(pm *debrief.Postmortem) string {
	b, _ := json.Marshal([]any{pm.RootCause, pm.ContributingFactors, pm.Lessons})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

func fieldsOf(pm *debrief.Postmortem) fieldsForm {
	return fieldsForm{RootCause: pm.RootCause, Factors: joinLines(pm.ContributingFactors), WentWell: joinLines(pm.Lessons.WentWell),
		WentWrong: joinLines(pm.Lessons.WentWrong), GotLucky: joinLines(pm.Lessons.GotLucky), Version: pm.Version, Hash: fieldsHash(pm)}
}

func statusSteps(cur debrief.PostmortemStatus) []statusStep {
	var out []statusStep
	switch cur {
	case debrief.PostmortemDraft:
		out = append(out, statusStep{debrief.PostmortemInReview, "Send for review"})
	case debrief.PostmortemInReview:
		out = append(out, statusStep{debrief.PostmortemPublished, "Publish"}, statusStep{debrief.PostmortemDraft, "Back to draft"})
	case debrief.PostmortemPublished:
		out = append(out, statusStep{debrief.PostmortemInReview, "Back to review"})
	}
	return out
}

// check runs the quality rules on pm, as the lint API does.
func (s *Server) check(r *http.Request, pm *debrief.Postmortem) (*quality.Report, error) {
	in, err := quality.Gather(r.Context(), s.svc, pm)
	if err != nil {
		return nil, err
	}
	return quality.Check(in, nil), nil
}

func sectionFindings(rep *quality.Report, key string) []quality.Finding {
	var out []quality.Finding
	for _, f := range rep.Findings {
		if f.Section == key {
			out = append(out, f)
		}
	}
	return out
}

// editorPageFor builds the editor for pm as stored.
func (s *Server) editorPageFor(r *http.Request, pm *debrief.Postmortem) (*editorPage, error) {
	ctx := r.Context()
	p := &editorPage{layout: newLayout(r, "Edit "+pm.Key+" "+pm.Title, "postmortems"), PM: pm, Errors: formErrors{},
		Fields: fieldsOf(pm), Statuses: statusSteps(pm.Status), Headings: map[string]string{}}
	// The editor's status follows the postmortem; its sections, the
	// versions the stream sends as it opens (ui_live.go).
	p.LiveAt = liveStamps{debrief.LivePostmortem: versionStamp(pm.Version)}.Encode()
	if pm.IncidentID != nil {
		inc, err := s.svc.Incident(ctx, *pm.IncidentID)
		if err != nil {
			return nil, err
		}
		p.Incident = inc
	}
	rep, err := s.check(r, pm)
	if err != nil {
		return nil, err
	}
	p.Report = rep
	for _, sec := range pm.Sections {
		p.Headings[sec.Key] = sec.Heading
		p.Sections = append(p.Sections, editorSection{PMKey: pm.Key, PMID: pm.ID, Sec: sec, Body: sec.Body, BaseVersion: sec.Version,
			Findings: sectionFindings(rep, sec.Key)})
	}
	for _, f := range rep.Findings {
		if _, ok := p.Headings[f.Section]; !ok {
			p.General = append(p.General, f)
		}
	}
	if p.Suggestions, err = s.svc.FactorSuggestions(ctx, pm.ID); err != nil {
		return nil, err
	}
	if p.Attachments, err = s.attachmentsOf(r, pm, "", false); err != nil {
		return nil, err
	}
	if p.Ideas, err = s.ideasPanelOf(r, pm, true); err != nil {
		return nil, err
	}
	return p, nil
}

// uiEditor answers GET /postmortems/{id}/edit.
func (s *Server) uiEditor() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		pm, err := s.svc.PostmortemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		p, err := s.editorPageFor(r, pm)
		if err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "editor.html", "layout", p)
	}
}

// uiQualityPanel answers GET /postmortems/{id}/quality: the panel alone,
// which the editor refreshes after each save.
func (s *Server) uiQualityPanel() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		pm, err := s.svc.PostmortemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		p := &editorPage{layout: newLayout(r, "Quality check", "postmortems"), PM: pm, Headings: map[string]string{}}
		if p.Report, err = s.check(r, pm); err != nil {
			return err
		}
		for _, sec := range pm.Sections {
			p.Headings[sec.Key] = sec.Heading
		}
		for _, f := range p.Report.Findings {
			if _, ok := p.Headings[f.Section]; !ok {
				p.General = append(p.General, f)
			}
		}
		return s.render(w, r, http.StatusOK, "editor.html", "quality-panel", p)
	}
}

// previewPage is a section's Markdown rendered as the reading view shows it.
type previewPage struct {
	layout
	Body string
}

// uiPreview answers POST /postmortems/{id}/preview with the body rendered.
// It is a POST because the text can be longer than a URL may be.
func (s *Server) uiPreview() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := s.svc.PostmortemByRef(r.Context(), r.PathValue("id")); err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		return s.render(w, r, http.StatusOK, "editor.html", "preview", previewPage{layout: newLayout(r, "Preview", "postmortems"), Body: formText(r, "body")})
	}
}

// uiSaveSection answers POST /postmortems/{id}/sections/{key}: 303 back to
// the editor (or the section alone for htmx); on a conflict, the section
// with both texts side by side and the writer's text still in the form.
func (s *Server) uiSaveSection() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		pm, err := s.svc.PostmortemByRef(ctx, r.PathValue("id"))
		if err != nil {
			return err
		}
		key := r.PathValue("key")
		sec := pm.Section(key)
		if sec == nil {
			return debrief.Errorf(debrief.ENotFound, "key", "%s has no section %q.", pm.Key, truncate(key, 70))
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		base, err := strconv.Atoi(r.PostForm.Get("base_version"))
		if err != nil || base < 0 {
			return debrief.Errorf(debrief.EInvalid, "base_version", "The form has no section version; reload the page and try again.")
		}
		body := formText(r, "body")
		es := editorSection{PMKey: pm.Key, PMID: pm.ID, Sec: *sec, Body: body, BaseVersion: base}
		status := http.StatusOK
		saved, err := s.svc.UpdateSection(ctx, pm.ID, key, debrief.SectionEdit{Body: &body, BaseVersion: base})
		var de *debrief.Error
		switch {
		case err == nil:
			if !isHTMX(r) {
				return seeOther(w, r, "/postmortems/"+pm.Key+"/edit#section-"+key)
			}
			pm = saved
			cur := pm.Section(key)
			es.Sec, es.Body, es.BaseVersion, es.Saved = *cur, cur.Body, cur.Version, true
			// The quality panel listens for this and refreshes itself.
			w.Header().Set("HX-Trigger", "section-saved")
		case debrief.ErrorCode(err) == debrief.EConflict && errors.As(err, &de):
			c, ok := de.Current.(*debrief.SectionConflict)
			if !ok || c.Theirs.Key == "" {
				return err
			}
			pm = c.Postmortem
			es.Sec, es.BaseVersion = c.Theirs, c.Theirs.Version
			es.Conflict = &conflictView{TheirsVersion: c.Theirs.Version,
				Message: "Someone else saved this section after you started editing it, so your text was not saved. " +
					"Both versions are shown below, with the lines only one of them has marked. Your text is still in the box: merge their changes into it and save again."}
			for _, l := range diff.Lines(c.Theirs.Body, body) {
				if l.Op != diff.Insert {
					es.Conflict.Theirs = append(es.Conflict.Theirs, l)
				}
				if l.Op != diff.Delete {
					es.Conflict.Yours = append(es.Conflict.Yours, l)
				}
			}
			status = http.StatusConflict
		default:
			fe := formErrors{}
			if !fe.add(err) {
				return err
			}
			es.Error = debrief.ErrorMessage(err)
			status = http.StatusUnprocessableEntity
		}
		if isHTMX(r) && r.URL.Query().Get("autosave") == "1" {
			// An autosave leaves the text being typed alone: it only moves
			// the form's base version on, or says why it did not save.
			if es.Conflict != nil {
				// Keep the writer's base: their next Save shows the conflict.
				es.BaseVersion = base
			}
			return s.render(w, r, status, "editor.html", "autosaved", es)
		}
		if isHTMX(r) {
			rep, err := s.check(r, pm)
			if err != nil {
				return err
			}
			es.Findings = sectionFindings(rep, key)
			return s.render(w, r, status, "editor.html", "editor-section", es)
		}
		p, err := s.editorPageFor(r, pm)
		if err != nil {
			return err
		}
		for i := range p.Sections {
			if p.Sections[i].Sec.Key == key {
				es.Findings = p.Sections[i].Findings
				p.Sections[i] = es
			}
		}
		return s.render(w, r, status, "editor.html", "layout", p)
	}
}

// maxFieldRetries bounds how often a fields or status save is retried
// over section saves that happened meanwhile.
const maxFieldRetries = 10

// uiSaveFields answers POST /postmortems/{id}/fields: root cause,
// contributing factors and lessons.
func (s *Server) uiSaveFields() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		pm, err := s.svc.PostmortemByRef(ctx, r.PathValue("id"))
		if err != nil {
			return err
		}
		version, err := s.parseVersionedForm(w, r)
		if err != nil {
			return err
		}
		f := fieldsForm{RootCause: formText(r, "root_cause"), Factors: formText(r, "factors"), WentWell: formText(r, "went_well"),
			WentWrong: formText(r, "went_wrong"), GotLucky: formText(r, "got_lucky"), Version: version, Hash: r.PostForm.Get("hash")}
		factors := splitLines(f.Factors)
		patch := debrief.PostmortemPatch{RootCause: &f.RootCause, ContributingFactors: &factors,
			Lessons: &debrief.Lessons{WentWell: splitLines(f.WentWell), WentWrong: splitLines(f.WentWrong), GotLucky: splitLines(f.GotLucky)}}
		for attempt := 0; ; attempt++ {
			_, err = s.svc.UpdatePostmortem(ctx, pm.ID, patch, version)
			var de *debrief.Error
			if debrief.ErrorCode(err) != debrief.EConflict || !errors.As(err, &de) {
				break
			}
			cur, ok := de.Current.(*debrief.Postmortem)
			if !ok || fieldsHash(cur) != f.Hash || attempt >= maxFieldRetries {
				// Someone else changed these fields: show theirs, keep ours.
				if ok {
					pm = cur
				}
				p, perr := s.editorPageFor(r, pm)
				if perr != nil {
					return perr
				}
				saved := fieldsOf(pm)
				p.Saved = &saved
				f.Version, f.Hash = pm.Version, saved.Hash
				p.Fields = f
				p.Errors[""] = &fieldError{Field: "fields", Message: "Someone else changed these fields after you loaded the page, so yours were not saved. Your text is kept in the form and the saved values are shown under each field; save again to apply yours."}
				return s.render(w, r, http.StatusConflict, "editor.html", "layout", p)
			}
			// Only sections changed meanwhile: apply the fields to the newer version.
			version = cur.Version
		}
		if err == nil {
			return seeOther(w, r, "/postmortems/"+pm.Key+"/edit#fields")
		}
		p, perr := s.editorPageFor(r, pm)
		if perr != nil {
			return perr
		}
		if !p.Errors.add(err) {
			return err
		}
		p.Fields = f
		return s.render(w, r, http.StatusUnprocessableEntity, "editor.html", "layout", p)
	}
}

// uiSetStatus answers POST /postmortems/{id}/status.
func (s *Server) uiSetStatus() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		pm, err := s.svc.PostmortemByRef(ctx, r.PathValue("id"))
		if err != nil {
			return err
		}
		version, err := s.parseVersionedForm(w, r)
		if err != nil {
			return err
		}
		to, from := debrief.PostmortemStatus(r.PostForm.Get("status")), debrief.PostmortemStatus(r.PostForm.Get("from"))
		for attempt := 0; ; attempt++ {
			_, err = s.svc.UpdatePostmortem(ctx, pm.ID, debrief.PostmortemPatch{Status: &to}, version)
			var de *debrief.Error
			if debrief.ErrorCode(err) != debrief.EConflict || !errors.As(err, &de) {
				break
			}
			cur, ok := de.Current.(*debrief.Postmortem)
			if !ok || cur.Status != from || attempt >= maxFieldRetries {
				if ok {
					pm = cur
				}
				p, perr := s.editorPageFor(r, pm)
				if perr != nil {
					return perr
				}
				p.Errors[""] = &fieldError{Field: "status", Message: "Someone else changed the status to " + humanize(string(pm.Status)) + " after you loaded the page, so yours was not applied. Choose again if it still should change."}
				return s.render(w, r, http.StatusConflict, "editor.html", "layout", p)
			}
			version = cur.Version
		}
		if err != nil {
			p, perr := s.editorPageFor(r, pm)
			if perr != nil {
				return perr
			}
			if !p.Errors.add(err) {
				return err
			}
			return s.render(w, r, http.StatusUnprocessableEntity, "editor.html", "layout", p)
		}
		return seeOther(w, r, "/postmortems/"+pm.Key+"/edit")
	}
}
