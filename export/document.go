// Package export turns a postmortem record into portable documents —
// Markdown with YAML front matter, self-contained HTML, PDF (printed by
// headless Chromium), JSON and a redacted public version — and reads
// Markdown back into a record.
//
// The Markdown written by Markdown is read back by ParseMarkdown without
// loss: exporting, importing and exporting again gives identical bytes.
// ParseMarkdown also reads postmortems written elsewhere ("plain" Markdown
// with headings like Summary, Impact, Timeline, Root cause and Action items)
// into the matching sections, timeline events and action items.
//
// Variables in section bodies ({{incident.title}}, {{incident.duration}}, …)
// stay as written in Markdown, so a document keeps them through a round
// trip; HTML and PDF resolve them from the live record with
// templates.Render when they are rendered.
package export

import (
	"fmt"
	"strconv"

	"github.com/debriefhq/debrief/debrief"
)

// FormatVersion is the version of the Markdown layout written by Markdown,
// stored in the front matter as `debrief: 1`.
const FormatVersion = 1

// Document is one postmortem with everything that belongs to it: the record
// that every export format is rendered from and that ParseMarkdown returns.
type Document struct {
	Postmortem *debrief.Postmortem `json:"postmortem"`
	// Incident is nil for project postmortems.
	Incident *debrief.Incident `json:"incident,omitempty"`
	// Timeline holds the incident's events in the order they are shown
	// (oldest first as the store lists them).
	Timeline    []*debrief.TimelineEvent `json:"timeline"`
	ActionItems []*debrief.ActionItem    `json:"action_items"`
	// Attachments are the files of the postmortem and of its incident,
	// oldest first, with their bytes (base64 in JSON) within
	// MaxAttachmentBytes; see loadAttachments.
	Attachments []*debrief.Attachment `json:"attachments,omitempty"`

	// Source says where things were found in the Markdown a Document was
	// parsed from; it is nil for documents built from the store.
	Source *SourceMap `json:"-"`
	// Warnings lists what ParseMarkdown could not turn into structure in a
	// plain (not Debrief-written) document; such text is kept in the
	// section bodies, so nothing is lost.
	Warnings []Warning `json:"-"`
}

// SourceMap gives 1-based line numbers in the parsed Markdown, so checks on
// a file (debrief lint FILE.md) can point at the line to fix. A zero line
// means "not in the text" (for example a title taken from front matter).
type SourceMap struct {
	// Plain is true when the document was not written by Debrief and was
	// read by matching its headings.
	Plain bool
	// FrontMatter is the line of the front matter's opening "---", 0 when
	// the document has none.
	FrontMatter int
	Title       int
	// Sections maps a section key to the line of its heading.
	Sections map[string]int
	// SectionBodies maps a section key to the line its body starts on.
	SectionBodies map[string]int
	// Timeline and ActionItems hold the line of each event and item, in the
	// same order as Document.Timeline and Document.ActionItems.
	Timeline    []int
	ActionItems []int
}

// Warning is something in a plain document that was kept as text instead
// of being turned into structure.
type Warning struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

func (w Warning) String() string { return "line " + itoa(w.Line) + ": " + w.Message }

// LineError is a problem at one line of a Markdown document. ParseMarkdown
// returns it wrapped in a *debrief.Error with code EInvalid, so callers can
// print "file.md:12: message" with errors.As.
type LineError struct {
	Line    int
	Message string
}

func (e *LineError) Error() string { return "line " + itoa(e.Line) + ": " + e.Message }

func lineErr(line int, format string, args ...any) error {
	le := &LineError{Line: line, Message: sprintf(format, args...)}
	return &debrief.Error{Code: debrief.EInvalid, Field: "markdown", Message: le.Error(), Err: le}
}

func itoa(n int) string { return strconv.Itoa(n) }

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
