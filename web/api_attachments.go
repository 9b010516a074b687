package web

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// Attachments are uploaded to the record they belong to
// (POST /api/v1/incidents/{id}/attachments or …/postmortems/{id}/attachments),
// listed there, and read and deleted by their own ID under
// /api/v1/attachments/{id}, which is also the URL a Markdown image
// reference in a section uses.

// attachmentView is an attachment as the API shows it: its facts, the URL
// of its bytes and a ready Markdown reference to paste into a section.
type attachmentView struct {
	*debrief.Attachment
	URL      string `json:"url"`
	Markdown string `json:"markdown"`
}

// AttachmentURL is the path of an attachment's bytes; section bodies refer
// to attachments by it, and exports find them by it.
func AttachmentURL(id int64) string { return "/api/v1/attachments/" + strconv.FormatInt(id, 10) }

func viewAttachment(a *debrief.Attachment) attachmentView {
	c := *a
	c.Data = nil
	url := AttachmentURL(a.ID)
	md := "[" + escapeLinkText(a.Filename) + "](" + url + ")"
	if a.IsImage() {
		md = "!" + md
	}
	return attachmentView{Attachment: &c, URL: url, Markdown: md}
}

// escapeLinkText escapes what would end or change a Markdown link's text.
func escapeLinkText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\[]()*_<>!`+"`", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// attachmentOwner reads the record named by the path: an incident or a
// postmortem, by number or key.
func attachmentOwner(r *http.Request, postmortem bool) (debrief.AttachmentFilter, error) {
	if postmortem {
		id, err := pathRef(r, "id", debrief.PostmortemKeyPrefix)
		return debrief.AttachmentFilter{PostmortemID: &id}, err
	}
	id, err := pathRef(r, "id", debrief.IncidentKeyPrefix)
	return debrief.AttachmentFilter{IncidentID: &id}, err
}

func listAttachments(svc *debrief.Service, postmortem bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := attachmentOwner(r, postmortem)
		if err != nil {
			return err
		}
		limit, after, err := pageOnly(r)
		if err != nil {
			return err
		}
		page, err := svc.AttachmentsPage(r.Context(), f, after, limit)
		if err != nil {
			return err
		}
		items := make([]attachmentView, len(page.Items))
		for i, a := range page.Items {
			items[i] = viewAttachment(a)
		}
		writeJSON(w, http.StatusOK, listBody[attachmentView]{Items: items, NextCursor: page.NextCursor})
		return nil
	}
}

func uploadAttachment(svc *debrief.Service, postmortem bool) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := attachmentOwner(r, postmortem)
		if err != nil {
			return err
		}
		// Check the record first, so a missing or hidden one answers 404
		// before a large body is read.
		if _, err := svc.AttachmentsPage(r.Context(), f, "", 1); err != nil {
			return err
		}
		name, data, err := readUpload(r, svc.MaxAttachment())
		if err != nil {
			return err
		}
		a, err := svc.AddAttachment(r.Context(), debrief.NewAttachment{IncidentID: f.IncidentID, PostmortemID: f.PostmortemID, Filename: name, Data: data})
		if err != nil {
			return err
		}
		w.Header().Set("Location", AttachmentURL(a.ID))
		writeJSON(w, http.StatusCreated, viewAttachment(a))
		return nil
	}
}

// maxFormParts bounds the parts of a multipart upload read looking for
// the file, and maxFormField the bytes of each other part.
const (
	maxFormParts = 16
	maxFormField = 64 << 10
)

// readUpload reads an uploaded file: the part named "file" of a
// multipart/form-data body (its filename is the file's), or else the whole
// body with the name in ?filename=. It reads at most max+1 bytes of the
// file, so a file over the limit is refused without being held whole.
func readUpload(r *http.Request, max int64) (string, []byte, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil && mt == "multipart/form-data" {
		if params["boundary"] == "" {
			return "", nil, debrief.Errorf(debrief.EInvalid, "file", "The multipart/form-data body has no boundary; let the HTTP client build the form.")
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		for range maxFormParts {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return "", nil, debrief.Errorf(debrief.EInvalid, "file", "The multipart/form-data body is malformed: %s.", truncate(err.Error(), 100))
			}
			if p.FormName() != "file" {
				if _, err := io.Copy(io.Discard, io.LimitReader(p, maxFormField)); err != nil {
					return "", nil, debrief.Errorf(debrief.EInvalid, "file", "The multipart/form-data body is malformed: %s.", truncate(err.Error(), 100))
				}
				continue
			}
			name := p.FileName()
			if name == "" {
				// FileName is empty for a field without filename=; the
				// name may still come from the query, as for a raw body.
				name = r.URL.Query().Get("filename")
			}
			data, err := readLimited(p, max, name)
			return name, data, err
		}
		return "", nil, debrief.Errorf(debrief.EInvalid, "file", "The form has no file: send it in a field named \"file\".")
	}
	name := r.URL.Query().Get("filename")
	if strings.TrimSpace(name) == "" {
		return "", nil, debrief.Errorf(debrief.EInvalid, "filename", "Give the file's name with ?filename=, e.g. ?filename=error-rate.png, or upload it as multipart/form-data.")
	}
	data, err := readLimited(r.Body, max, name)
	return name, data, err
}

func readLimited(rd io.Reader, max int64, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(rd, max+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLargeUpload(name, max)
		}
		return nil, debrief.Errorf(debrief.EInvalid, "file", "The upload was cut off before its end (%s); nothing was attached.", truncate(err.Error(), 80))
	}
	if int64(len(data)) > max {
		return nil, tooLargeUpload(name, max)
	}
	return data, nil
}

func tooLargeUpload(name string, max int64) error {
	if name == "" {
		name = "file"
	}
	return debrief.Errorf(debrief.ETooLarge, "file", "The file %s is larger than %s, the most an attachment may be; nothing was attached.", strconv.Quote(truncate(name, 80)), debrief.FormatSize(max))
}

// getAttachment serves an attachment's bytes under the type detected at
// upload, never one a browser guesses: nosniff, and a sandbox CSP so that
// even a file opened directly runs no script and reaches no cookie. Raster
// images are shown inline; everything else is a download.
func getAttachment(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		a, err := svc.Attachment(r.Context(), id)
		if err != nil {
			return err
		}
		h := w.Header()
		ct := a.ContentType
		if strings.HasPrefix(ct, "text/") || ct == "application/json" {
			ct += "; charset=utf-8"
		}
		h.Set("Content-Type", ct)
		h.Set("Content-Disposition", contentDisposition(a))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "sandbox")
		h.Set("Cache-Control", "private, no-cache")
		etag := `"sha256-` + a.SHA256 + `"`
		h.Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		h.Set("Content-Length", strconv.Itoa(len(a.Data)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(a.Data)
		}
		return nil
	}
}

// contentDisposition names the file for the browser: inline for raster
// images, attachment otherwise, with the name encoded as RFC 6266 says
// (quoted, or filename* in UTF-8 when it is not plain ASCII).
func contentDisposition(a *debrief.Attachment) string {
	disp := "attachment"
	if a.Inline() {
		disp = "inline"
	}
	if v := mime.FormatMediaType(disp, map[string]string{"filename": a.Filename}); v != "" {
		return v
	}
	return disp
}

func deleteAttachment(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := svc.DeleteAttachment(r.Context(), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
