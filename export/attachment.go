package export

import (
	"context"
	"encoding/base64"
	"html"
	"html/template"
	"regexp"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// MaxAttachmentBytes bounds the attachment bytes one export carries. The
// JSON export holds each attachment's bytes in base64 (its "data") and the
// HTML and PDF exports embed images as data: URIs, so a document reads the
// same offline; past this budget further attachments are listed without
// their bytes, to be fetched from /api/v1/attachments/{id}.
const MaxAttachmentBytes = 50 << 20

// loadAttachments adds the attachments of the postmortem and of its
// incident to doc, with their bytes while the budget lasts.
func loadAttachments(ctx context.Context, svc *debrief.Service, doc *Document) error {
	filters := []debrief.AttachmentFilter{{PostmortemID: &doc.Postmortem.ID}}
	if doc.Postmortem.IncidentID != nil {
		filters = append(filters, debrief.AttachmentFilter{IncidentID: doc.Postmortem.IncidentID})
	}
	budget := int64(MaxAttachmentBytes)
	for _, f := range filters {
		list, err := svc.Attachments(ctx, f)
		if err != nil {
			return err
		}
		for _, a := range list {
			if a.Size <= budget {
				full, err := svc.Attachment(ctx, a.ID)
				if err != nil {
					return err
				}
				a = full
				budget -= a.Size
			}
			doc.Attachments = append(doc.Attachments, a)
		}
	}
	// Oldest first across both records.
	for i := 1; i < len(doc.Attachments); i++ {
		for j := i; j > 0 && doc.Attachments[j].ID < doc.Attachments[j-1].ID; j-- {
			doc.Attachments[j], doc.Attachments[j-1] = doc.Attachments[j-1], doc.Attachments[j]
		}
	}
	return nil
}

// attachmentRef matches the URL by which a section refers to an
// attachment, relative or absolute: /api/v1/attachments/12.
var attachmentRef = regexp.MustCompile(`^(?:https?://[^/?#]+)?/api/v1/attachments/([0-9]+)$`)

// attachmentID returns the attachment a URL refers to, if it does.
func attachmentID(src string) (int64, bool) {
	m := attachmentRef.FindStringSubmatch(src)
	if m == nil {
		return 0, false
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	return id, err == nil
}

// withAttachments serves images that are attachments of doc from the
// document itself, so they are embedded without any fetch, and leaves
// every other image to next.
func withAttachments(doc *Document, next ImageLoader) ImageLoader {
	byID := map[int64]*debrief.Attachment{}
	for _, a := range doc.Attachments {
		if a.IsImage() && a.Data != nil {
			byID[a.ID] = a
		}
	}
	if len(byID) == 0 {
		return next
	}
	return func(src string) ([]byte, string, error) {
		if id, ok := attachmentID(src); ok {
			if a := byID[id]; a != nil {
				return a.Data, a.ContentType, nil
			}
		}
		if next == nil {
			return nil, "", errNoLoader
		}
		return next(src)
	}
}

type loaderError string

func (e loaderError) Error() string { return string(e) }

const errNoLoader = loaderError("export: images are not fetched")

// referencedAttachments returns the IDs of attachments that texts refer to
// by URL, in Markdown links or images.
func referencedAttachments(texts ...string) map[int64]bool {
	out := map[int64]bool{}
	for _, t := range texts {
		for _, m := range attachmentInText.FindAllStringSubmatch(t, -1) {
			if id, err := strconv.ParseInt(m[1], 10, 64); err == nil {
				out[id] = true
			}
		}
	}
	return out
}

var attachmentInText = regexp.MustCompile(`/api/v1/attachments/([0-9]+)\b`)

// attachmentsSection lists doc's attachments for the HTML export: images
// not already shown in a section are embedded, other files are named with
// their type, size and checksum (the file itself is not in the HTML).
func attachmentsSection(doc *Document, shown map[int64]bool) (template.HTML, bool) {
	if len(doc.Attachments) == 0 {
		return "", false
	}
	var b strings.Builder
	b.WriteString("<ul class=\"attachments\">\n")
	for _, a := range doc.Attachments {
		b.WriteString("<li>")
		if a.IsImage() && a.Data != nil && !shown[a.ID] {
			b.WriteString(`<figure><img src="data:` + a.ContentType + ";base64," + base64.StdEncoding.EncodeToString(a.Data) +
				`" alt="` + html.EscapeString(a.Filename) + `"><figcaption>` + html.EscapeString(a.Filename) + "</figcaption></figure>")
		} else {
			b.WriteString("<strong>" + html.EscapeString(a.Filename) + "</strong> (" + html.EscapeString(a.ContentType) + ", " +
				html.EscapeString(debrief.FormatSize(a.Size)) + `, SHA-256 <code>` + html.EscapeString(a.SHA256) + "</code>)")
			if shown[a.ID] {
				b.WriteString(" — shown above")
			}
		}
		b.WriteString("</li>\n")
	}
	b.WriteString("</ul>\n")
	return template.HTML(b.String()), true
}

// publicAttachments keeps the attachments a public document's sections
// show, and nothing that names who uploaded them or where they belong.
func publicAttachments(doc *Document, redact func(string) string) []*debrief.Attachment {
	var texts []string
	for _, s := range doc.Postmortem.Sections {
		texts = append(texts, s.Body)
	}
	ref := referencedAttachments(texts...)
	var out []*debrief.Attachment
	for _, a := range doc.Attachments {
		if !ref[a.ID] {
			continue
		}
		c := *a
		c.IncidentID, c.PostmortemID, c.UploadedBy = nil, nil, ""
		c.Filename = redact(c.Filename)
		out = append(out, &c)
	}
	return out
}
