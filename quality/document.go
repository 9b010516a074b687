package quality

import (
	"bytes"
	"strings"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/export"
)

// FromDocument builds the Input for a document read by package export
// (export.ParseMarkdown), keeping its line numbers. name is the file name
// shown in reports.
func FromDocument(doc *export.Document, name string) *Input {
	in := &Input{Postmortem: doc.Postmortem, Incident: doc.Incident, Timeline: doc.Timeline, ActionItems: doc.ActionItems,
		Source: &Source{Name: name, Sections: map[string]int{}, SectionBodies: map[string]int{}}}
	if in.Postmortem == nil {
		in.Postmortem = &debrief.Postmortem{Kind: debrief.KindIncident}
	}
	if sm := doc.Source; sm != nil {
		in.Source.Title = sm.Title
		for k, v := range sm.Sections {
			in.Source.Sections[k] = v
		}
		for k, v := range sm.SectionBodies {
			in.Source.SectionBodies[k] = v
		}
		in.Source.Timeline = append([]int(nil), sm.Timeline...)
		in.Source.ActionItems = append([]int(nil), sm.ActionItems...)
		if !sm.Plain {
			in.Source.FrontMatter = 1
		}
	}
	return in
}

// writtenByDebrief reports whether src starts with front matter that has a
// top-level "debrief:" key, the mark of a document export.Markdown wrote.
func writtenByDebrief(src []byte) bool {
	text := string(bytes.TrimPrefix(src, []byte("\uFEFF")))
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if !strings.HasPrefix(text, "---\n") {
		return false
	}
	rest := text[4:]
	for len(rest) > 0 {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if strings.TrimSpace(line) == "---" {
			return false
		}
		if strings.HasPrefix(line, "debrief:") {
			return true
		}
	}
	return false
}
