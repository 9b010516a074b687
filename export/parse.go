package export

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/debriefhq/debrief/debrief"
	"gopkg.in/yaml.v3"
)

// MaxDocumentSize bounds the Markdown ParseMarkdown reads: a hundred
// sections of the largest body the record allows, and then some.
const MaxDocumentSize = 32 << 20

// ParseMarkdown reads a postmortem from Markdown. A document written by
// Markdown (its front matter starts with "debrief:") is read exactly; any
// other Markdown is read as a plain postmortem by its headings (see
// Document.Warnings for what stayed text). It never changes anything: on
// any problem it returns an *debrief.Error with code EInvalid wrapping a
// *LineError that names the line.
//
// ParseMarkdown checks the structure and the closed vocabularies (kinds,
// statuses, types); rules that depend on configuration, such as the
// severities, are the Service's to check on import.
func ParseMarkdown(r io.Reader) (*Document, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxDocumentSize+1))
	if err != nil {
		return nil, debrief.Errorf(debrief.EInvalid, "markdown", "The document could not be read: %v", err)
	}
	if len(data) > MaxDocumentSize {
		return nil, &debrief.Error{Code: debrief.ETooLarge, Field: "markdown", Message: "The document is larger than " + strconv.Itoa(MaxDocumentSize>>20) + " MB."}
	}
	return parseBytes(data)
}

func parseBytes(data []byte) (*Document, error) {
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalid(data)], []byte("\n"))
		return nil, lineErr(line, "the text is not valid UTF-8; save the file as UTF-8")
	}
	text := strings.TrimPrefix(string(data), "\uFEFF")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if strings.IndexByte(text, 0) >= 0 {
		line := 1 + strings.Count(text[:strings.IndexByte(text, 0)], "\n")
		return nil, lineErr(line, "the text contains a NUL character")
	}
	lines := strings.Split(text, "\n")
	fm, bodyStart, err := splitFrontMatter(lines)
	if err != nil {
		return nil, err
	}
	var doc *Document
	if _, v := lookup(fm, "debrief"); fm != nil && v != nil {
		doc, err = parseDebrief(fm, lines, bodyStart)
	} else {
		doc, err = parsePlain(fm, lines, bodyStart)
	}
	if err != nil {
		return nil, err
	}
	if bodyStart > 0 {
		doc.Source.FrontMatter = 1
	}
	return doc, nil
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// splitFrontMatter parses the YAML between a first line "---" and the next
// "---" (or "..."). It returns the root mapping (nil when there is none)
// and the index of the first line after it.
func splitFrontMatter(lines []string) (*yaml.Node, int, error) {
	if len(lines) == 0 || strings.TrimRight(lines[0], " \t") != "---" {
		return nil, 0, nil
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], " \t")
		if l == "---" || l == "..." {
			end = i
			break
		}
	}
	if end < 0 {
		return nil, 0, lineErr(1, "the front matter that starts here has no closing '---' line")
	}
	var doc yaml.Node
	src := strings.Join(lines[1:end], "\n")
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		return nil, 0, yamlError(err, 1)
	}
	if len(doc.Content) == 0 {
		return nil, end + 1, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, 0, lineErr(2, "the front matter should be a mapping of names to values")
	}
	if hasAlias(root) {
		return nil, 0, lineErr(2, "YAML aliases are not allowed in front matter")
	}
	return root, end + 1, nil
}

func hasAlias(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c) {
			return true
		}
	}
	return false
}

// yamlError turns a yaml.v3 error ("yaml: line 3: …") into a LineError at
// the file's line.
func yamlError(err error, off int) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, r, ok := strings.Cut(rest, ": "); ok {
			if v, err := strconv.Atoi(n); err == nil {
				line, msg = v, r
			}
		}
	}
	return lineErr(line+off, "front matter: %s", msg)
}

// block is a run of lines: a section, or the timeline or action-item table.
type block struct {
	kind   string // "section", "timeline", "action-items"
	key    string
	marker int // index of the marker line
	end    int // index after the last line
}

func parseDebrief(fm *yaml.Node, lines []string, bodyStart int) (*Document, error) {
	const off = 1 // YAML line 1 is the file's line 2
	kv, v := lookup(fm, "debrief")
	var version int
	if v.Kind != yaml.ScalarNode || v.Decode(&version) != nil || version < 1 {
		return nil, lineErr(kv.Line+off, "debrief: the format version should be a whole number like 1")
	}
	if version > FormatVersion {
		return nil, lineErr(kv.Line+off, "this document was written by a newer Debrief (format %d; this one reads up to %d)", version, FormatVersion)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(fm.Content); i += 2 {
		k := fm.Content[i]
		switch k.Value {
		case "debrief", "postmortem", "incident", "timeline", "action_items":
		default:
			return nil, lineErr(k.Line+off, "front matter: unknown entry %q; the entries are debrief, postmortem, incident, timeline and action_items", k.Value)
		}
		if seen[k.Value] {
			return nil, lineErr(k.Line+off, "front matter: %q appears twice", k.Value)
		}
		seen[k.Value] = true
	}
	doc := &Document{Source: &SourceMap{Sections: map[string]int{}, SectionBodies: map[string]int{}}}

	pk, pmNode := lookup(fm, "postmortem")
	if pmNode == nil {
		return nil, lineErr(2, "front matter: the postmortem entry is missing")
	}
	if pmNode.Kind != yaml.MappingNode {
		return nil, lineErr(pk.Line+off, "front matter: postmortem should be a mapping")
	}
	pmCopy := *pmNode
	pmCopy.Content = append([]*yaml.Node(nil), pmNode.Content...)
	secKey, secNode := lookup(&pmCopy, "sections")
	removeKey(&pmCopy, "sections")
	pm := &debrief.Postmortem{}
	if err := decodeNode(&pmCopy, pm, off, "postmortem"); err != nil {
		return nil, err
	}
	_, titleNode := lookup(&pmCopy, "title")
	doc.Postmortem = pm

	var metas []sectionMeta
	metaByKey := map[string]int{}
	sectionsNull := secNode == nil || secNode.Tag == "!!null"
	if !sectionsNull {
		if err := decodeNode(secNode, &metas, off, "postmortem.sections"); err != nil {
			return nil, err
		}
		for i, m := range metas {
			if _, dup := metaByKey[m.Key]; dup {
				return nil, lineErr(secNode.Content[i].Line+off, "postmortem.sections: section %q is listed twice", m.Key)
			}
			metaByKey[m.Key] = i
		}
	}

	if _, n := lookup(fm, "incident"); n != nil && n.Tag != "!!null" {
		inc := &debrief.Incident{}
		if err := decodeNode(n, inc, off, "incident"); err != nil {
			return nil, err
		}
		doc.Incident = inc
	}
	eventMetas := map[string]eventMeta{}
	if _, n := lookup(fm, "timeline"); n != nil && n.Tag != "!!null" {
		if err := decodeNode(n, &eventMetas, off, "timeline"); err != nil {
			return nil, err
		}
	}
	actionMetas := map[string]actionMeta{}
	if _, n := lookup(fm, "action_items"); n != nil && n.Tag != "!!null" {
		if err := decodeNode(n, &actionMetas, off, "action_items"); err != nil {
			return nil, err
		}
	}

	// The text: the title, then blocks that each start at a marker.
	i := bodyStart
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	if i < len(lines) && !isMarker(lines[i]) {
		l := lines[i]
		if !strings.HasPrefix(l, "# ") && l != "#" {
			return nil, lineErr(i+1, "expected the title as a '# Title' line after the front matter")
		}
		doc.Source.Title = i + 1
		if titleNode == nil {
			pm.Title = strings.TrimSpace(strings.TrimPrefix(l, "#"))
		}
		i++
	}
	if titleNode == nil && doc.Source.Title == 0 {
		return nil, lineErr(bodyStart+1, "the title is missing: write it as a '# Title' line after the front matter")
	}
	var blocks []block
	for ; i < len(lines); i++ {
		l := lines[i]
		if isMarker(l) {
			b, err := parseMarker(l, i)
			if err != nil {
				return nil, err
			}
			if len(blocks) > 0 {
				blocks[len(blocks)-1].end = i
			}
			blocks = append(blocks, b)
			continue
		}
		if len(blocks) == 0 && strings.TrimSpace(l) != "" {
			return nil, lineErr(i+1, "text before the first section; put it into a section (after a '<!-- debrief:section key -->' line and a '## Heading')")
		}
	}
	if len(blocks) > 0 {
		blocks[len(blocks)-1].end = len(lines)
	}

	var sections []debrief.Section
	seenSection := map[string]bool{}
	haveTimeline, haveActions := false, false
	for bi := range blocks {
		b := &blocks[bi]
		next := bi+1 < len(blocks)
		body := lines[b.marker+1 : b.end]
		switch b.kind {
		case "section":
			if seenSection[b.key] {
				return nil, lineErr(b.marker+1, "section %q appears twice", b.key)
			}
			seenSection[b.key] = true
			s, err := parseSection(b, lines, next)
			if err != nil {
				return nil, err
			}
			if mi, ok := metaByKey[b.key]; ok {
				m := metas[mi]
				s.Guidance, s.Required, s.Internal = m.Guidance, m.Required, m.Internal
				if m.Heading != nil {
					s.Heading = *m.Heading
				}
				if m.Body != nil {
					if s.Body != "" {
						return nil, lineErr(b.marker+3, "section %q has a body both here and in the front matter; keep one", b.key)
					}
					s.Body = *m.Body
				}
			}
			doc.Source.Sections[b.key] = b.marker + 2
			doc.Source.SectionBodies[b.key] = b.marker + 4
			sections = append(sections, s)
		case "timeline":
			if haveTimeline {
				return nil, lineErr(b.marker+1, "a second timeline table; a document has one")
			}
			haveTimeline = true
			events, at, err := parseTimelineBlock(body, b.marker+1, doc, eventMetas)
			if err != nil {
				return nil, err
			}
			doc.Timeline, doc.Source.Timeline = events, at
		case "action-items":
			if haveActions {
				return nil, lineErr(b.marker+1, "a second action-item table; a document has one")
			}
			haveActions = true
			items, at, err := parseActionBlock(body, b.marker+1, actionMetas)
			if err != nil {
				return nil, err
			}
			doc.ActionItems, doc.Source.ActionItems = items, at
		}
	}
	for _, m := range metas {
		if !seenSection[m.Key] {
			return nil, lineErr(secKey.Line+off, "postmortem.sections lists %q but the text has no '<!-- debrief:section %s -->' line; add the section or remove the entry", m.Key, m.Key)
		}
	}
	if sections == nil && !sectionsNull {
		sections = []debrief.Section{}
	}
	pm.Sections = sections
	return doc, nil
}

func parseMarker(l string, i int) (block, error) {
	t := strings.TrimSpace(l)
	switch {
	case t == markerTimeline:
		return block{kind: "timeline", marker: i}, nil
	case t == markerActionItems:
		return block{kind: "action-items", marker: i}, nil
	case t == markerProject:
		// Written from the front matter, which is what is read back.
		return block{kind: "project", marker: i}, nil
	case strings.HasPrefix(t, markerSection) && strings.HasSuffix(t, markerSuffix):
		key := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(t, markerSection), markerSuffix))
		if key == "" || strings.ContainsAny(key, " \t") {
			return block{}, lineErr(i+1, "a section marker needs one key: '<!-- debrief:section root-cause -->'")
		}
		return block{kind: "section", key: key, marker: i}, nil
	}
	return block{}, lineErr(i+1, "unknown marker %q; the markers are '<!-- debrief:section key -->', '%s', '%s' and '%s'", truncate(t, 60), markerTimeline, markerActionItems, markerProject)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// parseSection reads "## Heading", a blank line, the body and (before the
// next marker) one blank line, as Markdown writes them.
func parseSection(b *block, lines []string, next bool) (debrief.Section, error) {
	s := debrief.Section{Key: b.key}
	h := b.marker + 1
	if h >= b.end || !strings.HasPrefix(lines[h], "## ") && lines[h] != "##" {
		return s, lineErr(h+1, "section %q: expected its heading as a '## Heading' line right after the marker", b.key)
	}
	s.Heading = strings.TrimSpace(strings.TrimPrefix(lines[h], "##"))
	chunk := lines[h+1 : b.end]
	if next {
		// The blank line that separates the section from the next marker.
		if len(chunk) > 0 && chunk[len(chunk)-1] == "" {
			chunk = chunk[:len(chunk)-1]
		}
	}
	if len(chunk) == 0 {
		return s, nil
	}
	// Exactly as Markdown writes it: a blank line, then the body, then (at
	// the end of the file) the newline that ends the body's last line.
	if next && chunk[0] == "" {
		s.Body = strings.Join(chunk[1:], "\n")
		return s, nil
	}
	if !next && len(chunk) >= 2 && chunk[0] == "" && chunk[len(chunk)-1] == "" {
		s.Body = strings.Join(chunk[1:len(chunk)-1], "\n")
		return s, nil
	}
	// Edited by hand: take the text without surrounding blank lines.
	s.Body = strings.Trim(strings.Join(chunk, "\n"), "\n")
	return s, nil
}
