package web

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/export"
	"github.com/debriefhq/debrief/search"
)

// Importing postmortems written elsewhere in the browser: a team arriving
// with years of Markdown postmortems (Google Docs exports, wiki pages, the
// SRE book's layout, Debrief's own exports) picks the files, sees what
// each will become (title, sections by meaning, timeline events, action
// items, warnings) and imports them. Each file is stored all or nothing,
// through the same reader and Service call as `debrief import` and
// POST /api/v1/postmortems/import; one bad file does not stop the others.

// Import limits: the files of one submission and their total size. Each
// file is bounded by export.MaxDocumentSize like the API's.
const (
	maxImportFiles = 50
	maxImportTotal = 64 << 20
)

// importDoc is one file of a submission: what was sent, what was read and,
// after importing, what was stored.
type importDoc struct {
	Name string
	Text string // the Markdown, carried from the check to the import
	Err  string // why it cannot be imported ("line 3: …")
	// What was read.
	Title      string
	Plain      bool
	Sections   []string // headings, with what each was read as
	Events     int
	Items      int
	Severity   string
	Warnings   []export.Warning
	Postmortem string // the key stored, after importing
	Incident   string
	// Existing is a postmortem already stored under the same title (a
	// file imported before), told at the check.
	Existing string
}

type importPage struct {
	layout
	Docs []*importDoc
	// Checked is set when the files were read but not stored.
	Checked bool
	// Stored and Failed count the results of an import.
	Stored, Failed int
	Error          string
	MaxFiles       int
}

// uiImportForm shows the form (GET /postmortems/import).
func (s *Server) uiImportForm() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.render(w, r, http.StatusOK, "postmortem_import.html", "layout", importPage{layout: newLayout(r, "Import postmortems", "postmortems"), MaxFiles: maxImportFiles})
	}
}

// uiImport reads the files of the form and, with action=check, shows what
// each would become; with action=import, stores each one (POST
// /postmortems/import).
func (s *Server) uiImport() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := importPage{layout: newLayout(r, "Import postmortems", "postmortems"), MaxFiles: maxImportFiles}
		docs, action, err := readImportForm(w, r)
		if err != nil {
			switch debrief.ErrorCode(err) {
			case debrief.EInvalid, debrief.ETooLarge:
				p.Error = debrief.ErrorMessage(err)
				return s.render(w, r, StatusOf(err), "postmortem_import.html", "layout", p)
			}
			return err
		}
		if len(docs) == 0 {
			p.Error = "Choose one or more Markdown files, or paste a postmortem, then check or import it."
			return s.render(w, r, http.StatusUnprocessableEntity, "postmortem_import.html", "layout", p)
		}
		p.Docs = docs
		parsed := make([]*export.Document, len(docs))
		for i, d := range docs {
			if d.Err == "" {
				parsed[i] = readImportDoc(s.svc, d)
			}
		}
		if action != "import" {
			p.Checked = true
			for _, d := range docs {
				if d.Err == "" {
					d.Existing = s.sameTitle(r, d.Title)
				}
			}
			return s.render(w, r, http.StatusOK, "postmortem_import.html", "layout", p)
		}
		for i, d := range docs {
			if parsed[i] == nil {
				p.Failed++
				continue
			}
			stored, err := export.Import(r.Context(), s.svc, parsed[i])
			if err != nil {
				switch debrief.ErrorCode(err) {
				case debrief.EInvalid, debrief.ETooLarge, debrief.EConflict, debrief.EUnprocessable:
					d.Err = debrief.ErrorMessage(err)
				default:
					if p.Stored == 0 {
						return err // nothing stored yet: the error page says it
					}
					// Some files are stored: say which, and that this one
					// is not, rather than an error page that hides them.
					s.log.LogAttrs(r.Context(), slog.LevelError, "import a postmortem", slog.String("file", d.Name), slog.String("error", err.Error()))
					d.Err = "Not imported: the server could not store it (" + debrief.ErrorMessage(err) + "); try this file again."
				}
				p.Failed++
				continue
			}
			d.Postmortem = stored.Postmortem.Key
			if stored.Incident != nil {
				d.Incident, d.Severity = stored.Incident.Key, stored.Incident.Severity
			}
			p.Stored++
		}
		status := http.StatusOK
		if p.Stored == 0 {
			status = http.StatusUnprocessableEntity
		}
		return s.render(w, r, status, "postmortem_import.html", "layout", p)
	}
}

// readImportDoc reads one file as `debrief import` does and notes what
// was read on d, the severity as this installation will store it; nil
// when it cannot be imported (d.Err says why).
func readImportDoc(svc *debrief.Service, d *importDoc) *export.Document {
	doc, err := export.ParseMarkdown(strings.NewReader(d.Text))
	if err != nil {
		var le *export.LineError
		if errors.As(err, &le) {
			d.Err = "Line " + strconv.Itoa(le.Line) + ": " + le.Message
		} else {
			d.Err = debrief.ErrorMessage(err)
		}
		return nil
	}
	export.KnownSeverity(svc, doc)
	d.Title = doc.Postmortem.Title
	d.Plain = doc.Source != nil && doc.Source.Plain
	for _, sec := range doc.Postmortem.Sections {
		d.Sections = append(d.Sections, sec.Heading)
	}
	d.Events, d.Items = len(doc.Timeline), len(doc.ActionItems)
	if doc.Incident != nil {
		d.Severity = doc.Incident.Severity
	}
	d.Warnings = doc.Warnings
	return doc
}

// readImportForm reads the multipart form: uploaded files ("file", any
// number), documents carried from the check ("doc" with "docname" before
// it), a pasted one ("markdown") and the action. Empty file fields (a form
// sent with no file chosen) are skipped.
func readImportForm(w http.ResponseWriter, r *http.Request) ([]*importDoc, string, error) {
	var docs []*importDoc
	action, docName := "", ""
	total := 0
	tooBig := func() error {
		return debrief.Errorf(debrief.ETooLarge, "file", "These files come to more than %d MB; import them in several goes.", maxImportTotal>>20)
	}
	err := eachFormPart(w, r, maxImportTotal+1<<20, tooBig, func(part *multipart.Part) error {
		field := part.FormName()
		limit := int64(export.MaxDocumentSize)
		if field == "action" || field == "docname" {
			limit = 512
		}
		data, err := io.ReadAll(io.LimitReader(part, limit+1))
		if err != nil {
			return err
		}
		if int64(len(data)) > limit {
			name := part.FileName()
			if name == "" {
				name = docName
			}
			return debrief.Errorf(debrief.ETooLarge, "file", "%s is larger than %d MB, the most one postmortem may be.", orDefault(name, "The pasted text"), export.MaxDocumentSize>>20)
		}
		if total += len(data); total > maxImportTotal {
			return tooBig()
		}
		var d *importDoc
		switch field {
		case "action":
			action = string(data)
		case "docname":
			docName = string(data)
		case "file":
			if part.FileName() != "" || len(data) > 0 { // else no file chosen
				d = &importDoc{Name: part.FileName(), Text: string(data)}
			}
		case "doc":
			d = &importDoc{Name: docName, Text: string(data)}
			docName = ""
		case "markdown":
			if len(bytes.TrimSpace(data)) > 0 {
				d = &importDoc{Name: "Pasted text", Text: string(data)}
			}
		}
		if d == nil {
			return nil
		}
		if len(docs) == maxImportFiles {
			return debrief.Errorf(debrief.EInvalid, "file", "At most %d files are imported at once; import the others in another go.", maxImportFiles)
		}
		// Line endings as a browser sends a textarea (CRLF) read as LF.
		d.Text = strings.ReplaceAll(d.Text, "\r\n", "\n")
		if strings.TrimSpace(d.Text) == "" {
			d.Err = "The file is empty."
		}
		docs = append(docs, d)
		return nil
	})
	return docs, action, err
}

// eachFormPart calls fn with each part of the request's multipart/form-data
// body, in order, reading at most limit bytes in all (the page's forms
// with file pickers). A body over the limit is tooBig's error, a malformed
// one a sentence asking to reload the page; an error with a code that fn
// returns is returned as it is, and so is a failure of the server's own
// file system (a temporary file), which is not the form's fault.
func eachFormPart(w http.ResponseWriter, r *http.Request, limit int64, tooBig func() error, fn func(*multipart.Part) error) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return debrief.Errorf(debrief.EInvalid, "file", "The form could not be read; reload the page and try again.")
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	mr := multipart.NewReader(r.Body, params["boundary"])
	formError := func(err error) error {
		var mbe *http.MaxBytesError
		var de *debrief.Error
		var pe *fs.PathError
		switch {
		case errors.As(err, &de), errors.As(err, &pe):
			return err // a sentence already, or the server's own file system
		case errors.As(err, &mbe) || strings.Contains(err.Error(), "request body too large"):
			return tooBig()
		}
		return debrief.Errorf(debrief.EInvalid, "file", "The form could not be read (%s); reload the page and try again.", truncate(err.Error(), 80))
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return formError(err)
		}
		if err := fn(part); err != nil {
			return formError(err)
		}
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// sameTitle returns the key of a postmortem the viewer may see whose title
// is title (whatever the case), found by searching for it as a phrase;
// "" when there is none or the search fails (the check still shows the
// rest).
func (s *Server) sameTitle(r *http.Request, title string) string {
	phrase := strings.Join(strings.Fields(strings.ReplaceAll(title, `"`, " ")), " ")
	if phrase == "" {
		return ""
	}
	q, err := search.Parse(`"`+phrase+`"`, s.svc.Severities())
	if err != nil {
		return ""
	}
	q.Limit = 20
	res, err := s.svc.Search(r.Context(), q)
	if err != nil {
		return ""
	}
	for _, h := range res.Hits {
		if h.PostmortemID != nil && strings.EqualFold(strings.TrimSpace(h.Title), strings.TrimSpace(title)) {
			return debrief.PostmortemKeyPrefix + strconv.FormatInt(*h.PostmortemID, 10)
		}
	}
	return ""
}
