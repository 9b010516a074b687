package ingest

import (
	"io"
	"path"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// Timeline file formats, as the import's format parameter and the CLI's
// --format name them.
const (
	FormatSlack    = "slack"
	FormatCSV      = "csv"
	FormatJSON     = "json"
	FormatMarkdown = "markdown"
)

// TimelineFormat tells a timeline file's format from its name, else from
// its media type; "" when neither says. It is the one rule the API and
// the CLI use.
func TimelineFormat(name, mediaType string) string {
	switch strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/"))) {
	case ".zip":
		return FormatSlack
	case ".csv", ".tsv":
		return FormatCSV
	case ".json", ".jsonl", ".ndjson":
		return FormatJSON
	case ".md", ".markdown":
		return FormatMarkdown
	}
	switch mediaType {
	case "application/zip", "application/x-zip-compressed":
		return FormatSlack
	case "text/csv", "text/tab-separated-values":
		return FormatCSV
	case "application/x-ndjson", "application/jsonl":
		return FormatJSON
	case "text/markdown":
		return FormatMarkdown
	}
	return ""
}

// ParseTimelineFile reads a timeline file of format csv, json or markdown.
// A Slack export is a zip of many files; ParseSlackExport reads it.
func ParseTimelineFile(format string, r io.Reader, opt TimelineOptions) ([]*debrief.TimelineEvent, error) {
	switch format {
	case FormatCSV:
		return ParseTimelineCSV(r, opt)
	case FormatJSON:
		return ParseTimelineJSON(r, opt)
	case FormatMarkdown:
		return ParseTimelineMarkdown(r, opt)
	}
	return nil, debrief.Errorf(debrief.EInvalid, "format", "Unknown timeline file format %q; use csv, json or markdown.", format)
}
