package web

import (
	"net/http"
	"strconv"

	"github.com/debriefhq/debrief/debrief"
)

// Attachments in the pages: the editor lists a postmortem's files with a
// plain upload form (which works without JavaScript) and a delete button
// for each; static/attach.js adds the picker, drag and drop and paste on
// each section's text, uploading through the API and inserting the
// Markdown reference at the caret. The reading view shows images inline
// (through the Markdown) and lists the files for download. The editor and
// the reading view list the first page of files and link the rest to the
// attachments page, which shows them a page at a time.

// attachmentRow is one file as the pages list it.
type attachmentRow struct {
	ID       int64
	Filename string
	Size     string
	Type     string
	URL      string
	Markdown string
	Image    bool
	By       string
	// Kind is a short label for a file that is not an image ("PDF").
	Kind string
}

// fileKinds labels the types that are not images.
var fileKinds = map[string]string{"application/pdf": "PDF", "text/plain": "TXT", "text/csv": "CSV", "application/json": "JSON"}

func fileKind(contentType string) string {
	if k, ok := fileKinds[contentType]; ok {
		return k
	}
	return "FILE"
}

// attachmentsPanel is a postmortem's files, and what its upload form says.
type attachmentsPanel struct {
	PMKey string
	Items []attachmentRow
	// Max is the largest file accepted, as a sentence part and in bytes
	// (the script checks before sending).
	Max      string
	MaxBytes int64
	// Error is a sentence about a refused upload; Added names the file
	// just attached, and AddedRef is its reference when it is not on the
	// page listed (a page of older files).
	Error, Added, AddedRef string
	CanEdit                bool
	// Pager links the pages of the files on the attachments page; where
	// only the first page is shown (the editor, the reading view), it links
	// to that page: all of them, and the next page.
	Pager pager
}

func attachmentRows(list []*debrief.Attachment) []attachmentRow {
	rows := make([]attachmentRow, len(list))
	for i, a := range list {
		v := viewAttachment(a)
		rows[i] = attachmentRow{ID: a.ID, Filename: a.Filename, Size: debrief.FormatSize(a.Size), Type: a.ContentType, URL: v.URL,
			Markdown: v.Markdown, Image: a.IsImage(), By: a.UploadedBy, Kind: fileKind(a.ContentType)}
	}
	return rows
}

// attachmentsOf builds the panel of one page of pm's files as the viewer
// may see them: on the attachments page (paged) the page after after, with
// links to the first and next pages; elsewhere the first page, with links
// to the attachments page when more files follow.
func (s *Server) attachmentsOf(r *http.Request, pm *debrief.Postmortem, after string, paged bool) (*attachmentsPanel, error) {
	ctx := r.Context()
	f := debrief.AttachmentFilter{PostmortemID: &pm.ID}
	page, err := s.svc.AttachmentsPage(ctx, f, after, uiPageSize)
	if err != nil {
		return nil, err
	}
	p := &attachmentsPanel{PMKey: pm.Key, Items: attachmentRows(page.Items), Max: debrief.FormatSize(s.svc.MaxAttachment()),
		MaxBytes: s.svc.MaxAttachment(), CanEdit: newLayout(r, "", "").CanEdit()}
	path := "/postmortems/" + pm.Key + "/attachments"
	switch {
	case paged:
		p.Pager = newPager("Pages of attachments", path, nil, after, page.NextCursor)
	case page.NextCursor != "":
		p.Pager = newPager("More attachments", path, nil, "", page.NextCursor)
		p.Pager.WholeURL, p.Pager.WholeText = path, "All attachments"
	}
	// After a plain upload the editor names the file just attached, with
	// its reference to paste into a section.
	if id, err := strconv.ParseInt(r.URL.Query().Get("attached"), 10, 64); err == nil && id > 0 {
		for _, row := range p.Items {
			if row.ID == id {
				p.Added = row.Filename
			}
		}
		if p.Added == "" {
			// A new file is the newest, so past the first page of many:
			// the page of one that starts at it.
			from := ""
			if id > 1 {
				from = debrief.EncodeCursor(id - 1)
			}
			one, err := s.svc.AttachmentsPage(ctx, f, from, 1)
			if err != nil {
				return nil, err
			}
			if len(one.Items) == 1 && one.Items[0].ID == id {
				row := attachmentRows(one.Items)[0]
				p.Added, p.AddedRef = row.Filename, row.Markdown
			}
		}
	}
	return p, nil
}

// attachmentsPage is the list of a postmortem's files on its own: the
// fragment the editor refreshes after a scripted upload, or a page.
type attachmentsPage struct {
	layout
	PM    *debrief.Postmortem
	Panel *attachmentsPanel
}

// uiAttachments answers GET /postmortems/{id}/attachments.
func (s *Server) uiAttachments() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		pm, err := s.svc.PostmortemByRef(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		// The editor refreshes its list through htmx: the first page, as it
		// shows; a page of its own is paged.
		panel, err := s.attachmentsOf(r, pm, r.URL.Query().Get("after"), !isHTMX(r))
		if err != nil {
			return err
		}
		if isHTMX(r) {
			return s.render(w, r, http.StatusOK, "attachments.html", "attachments-panel", panel)
		}
		return s.render(w, r, http.StatusOK, "attachments.html", "layout", attachmentsPage{layout: newLayout(r, "Attachments of "+pm.Key+" "+pm.Title, "postmortems"), PM: pm, Panel: panel})
	}
}

// uiUploadAttachment answers POST /postmortems/{id}/attachments, the plain
// upload form: 303 back to the editor's list, or the editor again with a
// sentence next to the form saying why nothing was attached.
func (s *Server) uiUploadAttachment() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		pm, err := s.svc.PostmortemByRef(ctx, r.PathValue("id"))
		if err != nil {
			return err
		}
		name, data, err := readUpload(r, s.svc.MaxAttachment())
		var a *debrief.Attachment
		if err == nil {
			a, err = s.svc.AddAttachment(ctx, debrief.NewAttachment{PostmortemID: &pm.ID, Filename: name, Data: data})
		}
		if err == nil {
			return seeOther(w, r, "/postmortems/"+pm.Key+"/edit?attached="+strconv.FormatInt(a.ID, 10)+"#attachments")
		}
		switch debrief.ErrorCode(err) {
		case debrief.EInvalid, debrief.ETooLarge, debrief.EUnsupported:
		default:
			return err
		}
		p, perr := s.editorPageFor(r, pm)
		if perr != nil {
			return perr
		}
		p.Attachments.Error = debrief.ErrorMessage(err)
		return s.render(w, r, StatusOf(err), "editor.html", "layout", p)
	}
}

// uiDeleteAttachment answers POST /attachments/{id}/delete: 303 back to the
// editor of the postmortem (or the incident) it belonged to.
func (s *Server) uiDeleteAttachment() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := parseForm(w, r, s.maxBody); err != nil {
			return err
		}
		att, err := s.svc.Attachment(ctx, id)
		if err != nil {
			return err
		}
		if err := s.svc.DeleteAttachment(ctx, id); err != nil {
			return err
		}
		switch {
		case att.PostmortemID != nil:
			return seeOther(w, r, "/postmortems/"+debrief.PostmortemKeyPrefix+strconv.FormatInt(*att.PostmortemID, 10)+"/edit#attachments")
		case att.IncidentID != nil:
			return seeOther(w, r, "/incidents/"+debrief.IncidentKeyPrefix+strconv.FormatInt(*att.IncidentID, 10))
		}
		return seeOther(w, r, "/")
	}
}
