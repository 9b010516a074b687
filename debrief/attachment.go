package debrief

import (
	"bytes"
	"context"
	"encoding/json"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Attachment is a file attached to an incident or a postmortem: a
// screenshot, a graph, a log or a data file. Exactly one of IncidentID and
// PostmortemID is set, and the attachment is as private as that record.
type Attachment struct {
	ID           int64  `json:"id"`
	IncidentID   *int64 `json:"incident_id,omitempty"`
	PostmortemID *int64 `json:"postmortem_id,omitempty"`
	// Filename is the name the file was uploaded with, without any folder.
	Filename string `json:"filename"`
	// ContentType is what the bytes are, detected from them (never taken
	// from the uploader), one of the types AttachmentTypes allows.
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	// SHA256 is the hex SHA-256 of the bytes, so a copy can be checked.
	SHA256     string    `json:"sha256"`
	UploadedBy string    `json:"uploaded_by"`
	CreatedAt  time.Time `json:"created_at"`
	// Data holds the bytes only where they were asked for (the file
	// itself, the JSON export, where it is base64); lists leave it nil.
	Data []byte `json:"data,omitempty"`
}

// Inline reports whether a browser may show the attachment in the page: only
// raster images, which cannot run scripts. Everything else is downloaded.
func (a *Attachment) Inline() bool { return InlineAttachmentType(a.ContentType) }

// IsImage reports whether the attachment is a raster image an export can
// embed.
func (a *Attachment) IsImage() bool { return InlineAttachmentType(a.ContentType) }

// AttachmentFilter selects the attachments of one incident or postmortem.
type AttachmentFilter struct {
	IncidentID   *int64
	PostmortemID *int64
}

// AttachmentStore persists attachments. Methods taking an *AuditEntry append
// it in the same transaction.
type AttachmentStore interface {
	// CreateAttachment inserts a with its Data and assigns its ID. EInvalid
	// when its incident or postmortem no longer exists.
	CreateAttachment(ctx context.Context, a *Attachment, audit *AuditEntry) error
	// Attachment returns one attachment, with Data when withData is true,
	// or ENotFound.
	Attachment(ctx context.Context, id int64, withData bool) (*Attachment, error)
	// ListAttachments returns the attachments of f's record, oldest first,
	// without Data.
	ListAttachments(ctx context.Context, f AttachmentFilter) ([]*Attachment, error)
	// ListAttachmentsAfter returns at most limit attachments of f's record
	// with an ID above after (0 for the first page), oldest first, without
	// Data: one page of its files.
	ListAttachmentsAfter(ctx context.Context, f AttachmentFilter, after int64, limit int) ([]*Attachment, error)
	// DeleteAttachment removes one attachment, or returns ENotFound.
	DeleteAttachment(ctx context.Context, id int64, audit *AuditEntry) error
}

// DefaultMaxAttachment is the largest attachment accepted unless the
// server is configured otherwise (serve --max-attachment).
const DefaultMaxAttachment = 10 << 20

// MaxFilenameLen bounds an attachment's file name, in bytes.
const MaxFilenameLen = 255

// Audit actions for attachments, which have no revisions.
const (
	AuditAttachmentCreate = "attachment.create"
	AuditAttachmentDelete = "attachment.delete"
	TargetAttachment      = "attachment"
)

// attachmentTypes is the allow-list: raster images, PDF and text that a
// browser can be made to show or download safely. SVG is not on it: an SVG
// file is XML that may carry <script> and event handlers, which run when a
// browser opens it from our origin, so a pasted "graph" could act as the
// signed-in viewer. HTML is refused for the same reason.
var attachmentTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"application/pdf": true, "text/plain": true, "text/csv": true, "application/json": true,
}

// AttachmentTypes lists the content types attachments may have.
func AttachmentTypes() []string {
	return []string{"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain", "text/csv", "application/json"}
}

// InlineAttachmentType reports whether contentType is a raster image,
// the only kind shown inline.
func InlineAttachmentType(contentType string) bool {
	switch contentType {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return false
}

// allowedSentence names what may be attached, for refusals.
const allowedSentence = "attach a PNG, JPEG, GIF or WebP image, a PDF, or a plain text, CSV or JSON file"

// DetectAttachmentType says what data is from its first bytes (the
// signatures browsers use to sniff content) and, for text, from whether it
// is well-formed UTF-8; the file name only tells CSV from other text. It
// returns EUnsupported, with a sentence naming the type found, for anything
// off the allow-list, so a file is never stored under a type it does not have.
func DetectAttachmentType(data []byte, filename string) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", nil
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return "image/jpeg", nil
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "image/gif", nil
	case len(data) >= 12 && bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:12]) == "WEBP":
		return "image/webp", nil
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "application/pdf", nil
	}
	if t := binaryType(data); t != "" {
		return "", Errorf(EUnsupported, "file", "This file is %s, which cannot be attached; %s.", t, allowedSentence)
	}
	if !isText(data) {
		return "", Errorf(EUnsupported, "file", "This file is binary data (application/octet-stream) of no type Debrief accepts; %s.", allowedSentence)
	}
	lead := strings.ToLower(string(bytes.TrimLeft(bytes.TrimPrefix(data[:min(len(data), 1024)], []byte("\xef\xbb\xbf")), " \t\r\n")))
	switch {
	case strings.HasPrefix(lead, "<svg") || (strings.HasPrefix(lead, "<?xml") || strings.HasPrefix(lead, "<!doctype svg")) && strings.Contains(lead, "<svg"):
		return "", Errorf(EUnsupported, "file", "This file is an SVG image (image/svg+xml), which cannot be attached: SVG can carry scripts that would run in the viewer's browser. Export the graph as PNG instead.")
	case looksLikeHTML(lead):
		return "", Errorf(EUnsupported, "file", "This file is an HTML page (text/html), which cannot be attached: a page can carry scripts. Attach a screenshot or print it to PDF instead.")
	case strings.HasPrefix(lead, "<?xml"):
		return "", Errorf(EUnsupported, "file", "This file is XML (text/xml), which cannot be attached; %s.", allowedSentence)
	}
	if (lead != "" && (lead[0] == '{' || lead[0] == '[')) && json.Valid(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))) {
		return "application/json", nil
	}
	if strings.EqualFold(path.Ext(filename), ".csv") {
		return "text/csv", nil
	}
	return "text/plain", nil
}

// binaryType names common binary formats that are refused, so the refusal
// can say what the file is.
func binaryType(data []byte) string {
	sigs := []struct{ prefix, name string }{
		{"PK\x03\x04", "a ZIP archive (application/zip)"},
		{"\x1f\x8b", "a gzip archive (application/gzip)"},
		{"\x7fELF", "a program (application/x-executable)"},
		{"MZ", "a Windows program (application/x-msdownload)"},
		{"BM", "a BMP image (image/bmp)"},
		{"II*\x00", "a TIFF image (image/tiff)"},
		{"MM\x00*", "a TIFF image (image/tiff)"},
		{"\x00\x00\x01\x00", "an icon (image/x-icon)"},
		{"OggS", "an Ogg file (application/ogg)"},
		{"ID3", "an MP3 file (audio/mpeg)"},
		{"Rar!", "a RAR archive (application/x-rar-compressed)"},
		{"7z\xbc\xaf\x27\x1c", "a 7-Zip archive (application/x-7z-compressed)"},
		{"\x1a\x45\xdf\xa3", "a WebM video (video/webm)"},
	}
	for _, s := range sigs {
		if bytes.HasPrefix(data, []byte(s.prefix)) {
			return s.name
		}
	}
	if len(data) >= 12 && string(data[4:8]) == "ftyp" {
		return "an MP4 video (video/mp4)"
	}
	return ""
}

// isText reports whether data is UTF-8 text: no invalid sequences and no
// control characters but tab, line breaks, form feed and escape (logs
// keep their colours).
func isText(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	for _, r := range string(data) {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' && r != 0x1b || r == 0x7f {
			return false
		}
	}
	return true
}

func looksLikeHTML(lead string) bool {
	for _, p := range []string{"<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<style", "<title", "<a ", "<div", "<img", "<table", "<p>", "<!--"} {
		if strings.HasPrefix(lead, p) {
			return true
		}
	}
	return false
}

// CleanFilename returns the name to keep for an uploaded file: its last
// path element (browsers and tools send folders, with either slash),
// invalid UTF-8 and control characters replaced, at most MaxFilenameLen
// bytes with the extension kept. EInvalid when nothing is left.
func CleanFilename(name string) (string, error) {
	name = strings.ToValidUTF8(name, "\uFFFD")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\u202e' || r == '\u202d' {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		name = ""
	}
	if name == "" {
		return "", Errorf(EInvalid, "filename", "Give the file's name, e.g. error-rate.png.")
	}
	if len(name) > MaxFilenameLen {
		ext := path.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		keep := MaxFilenameLen - len(ext)
		for keep > 0 && !utf8.RuneStart(name[keep]) {
			keep--
		}
		name = name[:keep] + ext
	}
	return name, nil
}
