// Package mdread reads a postmortem written in Markdown the way a person
// reads it: its title, its sections by what they mean, its timeline and its
// action items. It is the one reader behind `debrief import` (package
// export), `debrief lint` (package quality) and timeline-table import
// (package ingest), so all three see the same document.
//
// What a heading, table, list or paragraph is comes from goldmark's syntax
// tree (CommonMark plus GFM tables and task lists), not from splitting
// lines by hand. The reader then works on line ranges of the source: every
// line after the front matter belongs to exactly one section (or to the
// title), so a caller that maps some lines to records can keep all the
// others as text.
//
// The package holds no Debrief types: it returns plain values (strings,
// times, line numbers) that callers turn into records and findings.
package mdread

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"gopkg.in/yaml.v3"
)

// Doc is a Markdown postmortem as read.
type Doc struct {
	// Lines is the text split in lines (CRLF read as LF, a BOM dropped);
	// line n of the file is Lines[n-1].
	Lines []string
	// FrontMatter is the YAML block at the top, or nil.
	FrontMatter *FrontMatter
	// Title is the front matter's title, else the first heading that is
	// not a generic word ("Postmortem") or a section name, else the first
	// line of text (TitleFromText is then set).
	Title         string
	TitleLine     int // line of the title heading or text; 0 when it came from the front matter
	TitleEnd      int // last line of the title heading (a setext underline included)
	TitleFromText bool
	// GenericHeadings are the lines of headings such as "Example
	// Postmortem" that name the kind of document; they are the only text
	// no section holds.
	GenericHeadings []int
	// Sections in document order. Text between the title and the first
	// section is a section too (the preamble), named "Summary" when the
	// document has no other summary, else "Introduction".
	Sections []*Section
	blocks   []block
}

// FrontMatter is the YAML between two "---" lines at the top.
type FrontMatter struct {
	Start, End int    // lines of the opening and closing "---"
	Text       string // the YAML
	// Fields is the YAML as a map; nil when it is not a YAML mapping.
	Fields map[string]any
	// entries are its top-level entries with their lines, read with
	// Fields from the same parse.
	entries []fmEntry
}

// Section is a part of the document under one heading or label.
type Section struct {
	Heading string // plain text: emphasis, links and footnote marks removed
	Key     string // unique in the document: the template key for known names, else a slug
	Role    Role   // what the section is for, by meaning; "" when unknown
	Level   int    // the heading's level; 0 for a labelled paragraph or the preamble
	Line    int    // line of the heading or label
	// Labelled is set for sections started by a "**Impact**:" paragraph.
	Labelled bool
	Preamble bool
	// FromFrontMatter is set for sections made from the front matter: its
	// summary, and its fields kept as text.
	FromFrontMatter bool
	// Body is the section's text, line by line, heading excluded. For a
	// labelled section the first line is what follows the label.
	Body     []string
	BodyLine int // line of Body[0]
	Blocks   []Block
}

// BlockKind says what a block of a section's body is.
type BlockKind int

const (
	Paragraph BlockKind = iota
	Heading             // a heading below the section's level
	Table
	List
	Code
	Other // quotes, HTML, thematic breaks
)

// Block is a top-level block of a section's body: Body[Start:End].
type Block struct {
	Kind       BlockKind
	Start, End int
	Level      int    // headings
	Text       string // headings: plain text
	Items      []Item // lists
	node       ast.Node
}

// Item is one top-level list item: Body[Start:End] of its section.
type Item struct {
	Start, End int
	// Task is set for task-list items ("- [ ] …"); Checked says whether
	// the box is ticked.
	Task, Checked bool
}

// block is a top-level block of the whole document with absolute lines
// (0-based indices into Lines).
type block struct {
	kind       BlockKind
	start, end int
	level      int
	text       string // headings: plain text; paragraphs: the first line
	node       ast.Node
	src        []byte // the body the node's offsets refer to
	off        int    // line index of the body's first line in Lines
}

var md = goldmark.New(goldmark.WithExtensions(extension.Table, extension.TaskList))

// Parse reads src. It never fails: text it cannot structure stays in the
// section bodies. Invalid UTF-8 is read with replacement characters;
// callers that must refuse it check first.
func Parse(src []byte) *Doc {
	s := string(src)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.TrimPrefix(s, "\uFEFF")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	d := &Doc{Lines: strings.Split(s, "\n")}
	bodyStart := d.frontMatter()
	d.readBlocks(bodyStart)
	d.sections(bodyStart)
	return d
}

func (d *Doc) frontMatter() int {
	if len(d.Lines) == 0 || strings.TrimRight(d.Lines[0], " \t") != "---" {
		return 0
	}
	for i := 1; i < len(d.Lines); i++ {
		if t := strings.TrimRight(d.Lines[i], " \t"); t == "---" || t == "..." {
			fm := &FrontMatter{Start: 1, End: i + 1, Text: strings.Join(d.Lines[1:i], "\n")}
			func() {
				defer func() { _ = recover() }() // yaml.v3 panics on some hostile input
				// Aliases are refused before decoding: a few lines of them
				// expand to gigabytes ("billion laughs").
				var n yaml.Node
				var m map[string]any
				if yaml.Unmarshal([]byte(fm.Text), &n) == nil && !hasAlias(&n) && n.Decode(&m) == nil {
					fm.Fields = m
					fm.entries = entriesOf(&n, strings.Count(fm.Text, "\n")+2)
				}
			}()
			d.FrontMatter = fm
			return i + 1
		}
	}
	return 0
}

// readBlocks parses the body with goldmark and records each top-level
// block with the lines it spans: from its first line to the line before
// the next block, so blank lines, fences and setext underlines stay with
// the block they follow.
func (d *Doc) readBlocks(bodyStart int) {
	body := []byte(strings.Join(d.Lines[bodyStart:], "\n"))
	root := md.Parser().Parse(text.NewReader(body))
	lineStarts := []int{0}
	for i, c := range body {
		if c == '\n' {
			lineStarts = append(lineStarts, i+1)
		}
	}
	lineOf := func(off int) int {
		lo, hi := 0, len(lineStarts)-1
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if lineStarts[mid] <= off {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		return lo
	}
	for n := root.FirstChild(); n != nil; n = n.NextSibling() {
		off := startOffset(n)
		if off < 0 {
			continue // no position (an empty heading, a thematic break): its lines join the block before
		}
		b := block{start: bodyStart + lineOf(off), node: n, src: body, off: bodyStart}
		if len(d.blocks) > 0 && b.start <= d.blocks[len(d.blocks)-1].start {
			continue
		}
		switch n := n.(type) {
		case *ast.Heading:
			b.kind, b.level = Heading, n.Level
			b.text = Plain(string(n.Lines().Value(body)))
		case *ast.Paragraph:
			b.kind = Paragraph
		case *extast.Table:
			b.kind = Table
		case *ast.List:
			b.kind = List
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			b.kind = Code
		default:
			b.kind = Other
		}
		d.blocks = append(d.blocks, b)
	}
	for i := range d.blocks {
		if i+1 < len(d.blocks) {
			d.blocks[i].end = d.blocks[i+1].start
		} else {
			d.blocks[i].end = len(d.Lines)
		}
	}
}

// startOffset is the byte offset where n starts in the source, or -1.
func startOffset(n ast.Node) int {
	if p := n.Pos(); p >= 0 {
		return p
	}
	if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
		return n.Lines().At(0).Start
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if p := startOffset(c); p >= 0 {
			return p
		}
	}
	return -1
}

// headingEnd is the line after a heading block's own lines (its text and,
// for a setext heading, the underline).
func (d *Doc) headingEnd(b block) int {
	end := b.start + 1
	if h, ok := b.node.(*ast.Heading); ok && h.Lines().Len() > 1 {
		end = b.start + h.Lines().Len()
	}
	if end < b.end && end < len(d.Lines) {
		if u := strings.TrimSpace(d.Lines[end]); u != "" && (strings.Trim(u, "=") == "" || strings.Trim(u, "-") == "") && !isATX(d.Lines[b.start]) {
			end++
		}
	}
	return min(end, b.end)
}

func isATX(l string) bool { return strings.HasPrefix(strings.TrimLeft(l, " "), "#") }

func (d *Doc) sections(bodyStart int) {
	fmTitle := ""
	if d.FrontMatter != nil {
		if t, ok := d.FrontMatter.Fields["title"].(string); ok {
			fmTitle = strings.TrimSpace(t)
		}
	}
	d.Title = fmTitle
	// The title heading: skip generic headings; the first other heading
	// is the title unless it names a section. With a title in the front
	// matter, a first heading saying the same is its heading.
	used := map[int]bool{} // block indices consumed as title or generic headings
	for i, b := range d.blocks {
		if b.kind != Heading {
			if strings.TrimSpace(strings.Join(d.Lines[b.start:b.end], "")) != "" {
				break
			}
			continue
		}
		if b.text == "" {
			break // an empty "#": no title here
		}
		if IsGeneric(b.text) {
			used[i] = true
			d.GenericHeadings = append(d.GenericHeadings, b.start+1)
			continue
		}
		if IsSectionName(b.text) && !(fmTitle != "" && sameText(b.text, fmTitle)) && !d.aboveDeeper(i) {
			break
		}
		if fmTitle == "" || sameText(b.text, fmTitle) {
			if fmTitle == "" {
				d.Title = b.text
			}
			d.TitleLine, d.TitleEnd = b.start+1, d.headingEnd(b)
			used[i] = true
		}
		break
	}

	keys := map[string]bool{}
	var secs []*Section
	var pre *Section
	sectionLevel := 0
	for i, b := range d.blocks {
		if used[i] {
			// The title's own lines; anything after the heading (blank
			// lines) joins the preamble.
			if end := d.headingEnd(b); end < b.end && !blank(d.Lines[end:b.end]) {
				pre = d.extend(pre, nil, end, b.end)
			}
			continue
		}
		if b.kind == Heading && (sectionLevel == 0 || b.level <= sectionLevel) {
			sectionLevel = b.level
			end := d.headingEnd(b)
			s := &Section{Heading: b.text, Level: b.level, Line: b.start + 1, BodyLine: end + 1, Body: append([]string(nil), d.Lines[end:b.end]...)}
			secs = append(secs, s)
			continue
		}
		if len(secs) == 0 {
			pre = d.extend(pre, &b, b.start, b.end)
			continue
		}
		d.extend(secs[len(secs)-1], &b, b.start, b.end)
	}
	// Lines before the first block with a position (a thematic break at
	// the top) join the preamble, so no text is lost.
	first := len(d.Lines)
	if len(d.blocks) > 0 {
		first = d.blocks[0].start
	}
	if pre != nil {
		pre.Preamble = true
		secs = append([]*Section{pre}, secs...)
	}
	if first > bodyStart && !blank(d.Lines[bodyStart:first]) {
		lead := &Section{Line: bodyStart + 1, BodyLine: bodyStart + 1, Body: append([]string(nil), d.Lines[bodyStart:first]...), Preamble: true}
		secs = append([]*Section{lead}, secs...)
	}
	secs = splitLabels(secs)
	if d.Title == "" {
		d.titleFromText(secs)
	}
	// Drop sections left with nothing but blank lines by the label split
	// (a preamble whose text all moved to labelled sections).
	out := secs[:0]
	for _, s := range secs {
		if s.Preamble && blank(s.Body) {
			continue
		}
		out = append(out, s)
	}
	secs = out
	hasSummary := false
	for _, s := range secs {
		if !s.Preamble {
			s.Role = RoleOf(s.Heading)
			hasSummary = hasSummary || s.Role == RoleSummary
		}
	}
	var fmSummary *Section
	if !hasSummary {
		// A summary in the front matter (as static-site postmortems keep
		// it) is the document's summary when no heading gives one.
		if fmSummary = d.frontMatterSummary(); fmSummary != nil {
			hasSummary = true
		}
	}
	for _, s := range secs {
		if s.Preamble {
			s.Heading = "Introduction"
			if !hasSummary {
				s.Heading, s.Role = "Summary", RoleSummary
			}
		}
		s.Key = uniqueKey(keys, KeyOf(s.Heading))
		trimBlankTop(s)
	}
	if fmSummary != nil {
		fmSummary.Key = uniqueKey(keys, "summary")
		secs = append([]*Section{fmSummary}, secs...)
	}
	if fm := d.FrontMatter; fm != nil {
		// Front matter beyond what Meta reads into records (a team's own
		// fields: links, owners, keywords) is kept as a section of its
		// own, as written, so an importer loses none of it.
		if kept := d.frontMatterKept(fmSummary != nil); len(kept) > 0 {
			body := append([]string{"```yaml"}, kept...)
			body = append(body, "```")
			secs = append(secs, &Section{Heading: "Front matter", Key: uniqueKey(keys, "front-matter"), Line: fm.Start, BodyLine: fm.Start,
				Body: body, Blocks: []Block{{Kind: Code, Start: 0, End: len(body)}}, FromFrontMatter: true})
		}
	}
	d.Sections = secs
}

// frontMatterSummary is a section holding the front matter's summary, or
// nil when it has none.
func (d *Doc) frontMatterSummary() *Section {
	fm := d.FrontMatter
	if fm == nil {
		return nil
	}
	text, _ := fm.Fields["summary"].(string)
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	line := fm.Start + 1
	for _, e := range fm.entries {
		if e.key == "summary" {
			line = fm.Start + e.start
		}
	}
	body := strings.Split(text, "\n")
	return &Section{Heading: "Summary", Role: RoleSummary, Line: line, BodyLine: line, Body: body,
		Blocks: []Block{{Kind: Paragraph, Start: 0, End: len(body)}}, FromFrontMatter: true}
}

// fmEntry is a top-level entry of the front matter: its key and its lines
// in the YAML text (1-based, end exclusive).
type fmEntry struct {
	key        string
	start, end int
}

// entriesOf lists the top-level entries of a parsed YAML mapping with
// their lines; lines is one past the text's last line.
func entriesOf(n *yaml.Node, lines int) []fmEntry {
	if len(n.Content) == 0 || n.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	c := n.Content[0].Content
	var out []fmEntry
	for i := 0; i+1 < len(c); i += 2 {
		e := fmEntry{key: c[i].Value, start: c[i].Line, end: lines}
		if i+2 < len(c) {
			e.end = c[i+2].Line
		}
		out = append(out, e)
	}
	return out
}

// frontMatterKept returns the front matter's lines but those of the
// entries Meta reads into records (and the summary when it became a
// section): the title, the incident's fields, the root cause, factors
// and status. Nothing when only those were there.
func (d *Doc) frontMatterKept(summaryTaken bool) []string {
	fm := d.FrontMatter
	all := d.Lines[fm.Start : fm.End-1]
	entries := fm.entries
	if entries == nil {
		if strings.TrimSpace(fm.Text) == "" {
			return nil
		}
		return all
	}
	drop := map[int]bool{}
	for _, e := range entries {
		if recordKeys[e.key] || e.key == "summary" && summaryTaken {
			for l := e.start; l < e.end; l++ {
				drop[l] = true
			}
		}
	}
	var kept []string
	for i, l := range all {
		if !drop[i+1] {
			kept = append(kept, l)
		}
	}
	if blank(kept) {
		return nil
	}
	return kept
}

// aboveDeeper reports whether the heading block i is a level-1 heading
// followed by deeper ones, the shape of a title over its sections.
func (d *Doc) aboveDeeper(i int) bool {
	if d.blocks[i].level != 1 {
		return false
	}
	for _, b := range d.blocks[i+1:] {
		if b.kind == Heading {
			return b.level > 1
		}
	}
	return false
}

// extend adds lines [start,end) of the document to s (making the preamble
// when s is nil), with b as a block of its body.
func (d *Doc) extend(s *Section, b *block, start, end int) *Section {
	if s == nil {
		s = &Section{Line: start + 1, BodyLine: start + 1}
	}
	if b != nil {
		at := len(s.Body)
		s.Blocks = append(s.Blocks, d.bodyBlock(*b, at))
	}
	s.Body = append(s.Body, d.Lines[start:end]...)
	return s
}

// bodyBlock turns a document block into a Block of a section body whose
// first line is at index at.
func (d *Doc) bodyBlock(b block, at int) Block {
	out := Block{Kind: b.kind, Start: at, End: at + b.end - b.start, Level: b.level, Text: b.text, node: b.node}
	if l, ok := b.node.(*ast.List); ok {
		var starts []int
		var tasks [][2]bool
		for it := l.FirstChild(); it != nil; it = it.NextSibling() {
			off := startOffset(it)
			if off < 0 {
				continue
			}
			line := bytes.Count(b.src[:off], []byte("\n")) + b.off
			task, checked := false, false
			if p := it.FirstChild(); p != nil {
				if c, ok := p.FirstChild().(*extast.TaskCheckBox); ok {
					task, checked = true, c.IsChecked
				}
			}
			if len(starts) > 0 && line <= starts[len(starts)-1] {
				continue
			}
			starts = append(starts, line)
			tasks = append(tasks, [2]bool{task, checked})
		}
		for k, ln := range starts {
			end := b.end
			if k+1 < len(starts) {
				end = starts[k+1]
			}
			// The marker is on the line of the item's first content, or
			// just above it for an item starting with a blank line.
			out.Items = append(out.Items, Item{Start: at + ln - b.start, End: at + end - b.start, Task: tasks[k][0], Checked: tasks[k][1]})
		}
	}
	return out
}

func (d *Doc) titleFromText(secs []*Section) {
	for _, s := range secs {
		for k, l := range s.Body {
			t := strings.TrimSpace(strings.Trim(strings.TrimSpace(l), "*_#>`"))
			if t == "" || strings.Trim(t, "-=") == "" {
				continue
			}
			if len(t) > 120 {
				cut := strings.LastIndexByte(t[:120], ' ')
				if cut < 40 {
					cut = 120
				}
				t = strings.TrimSpace(truncate(t, cut))
			}
			d.Title, d.TitleLine, d.TitleEnd, d.TitleFromText = Plain(t), s.BodyLine+k, s.BodyLine+k, true
			return
		}
		if s.Heading != "" {
			// A document of headings only: the first heading names it.
			d.Title, d.TitleLine, d.TitleEnd, d.TitleFromText = s.Heading, s.Line, s.Line, true
			return
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func blank(lines []string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			return false
		}
	}
	return true
}

// trimBlankTop moves BodyLine past blank lines at the top of the body, so
// BodyLine is the line of the first text. The blank lines are dropped
// from Body; every block index moves with them.
func trimBlankTop(s *Section) {
	n := 0
	for n < len(s.Body) && strings.TrimSpace(s.Body[n]) == "" {
		n++
	}
	if n == 0 {
		return
	}
	s.Body = s.Body[n:]
	s.BodyLine += n
	out := s.Blocks[:0]
	for _, b := range s.Blocks {
		b.Start, b.End = max(b.Start-n, 0), b.End-n
		for k := range b.Items {
			b.Items[k].Start, b.Items[k].End = max(b.Items[k].Start-n, 0), b.Items[k].End-n
		}
		if b.End > 0 {
			out = append(out, b)
		}
	}
	s.Blocks = out
}

func sameText(a, b string) bool { return normName(a) == normName(b) }

func uniqueKey(keys map[string]bool, k string) string {
	if k == "" {
		k = "section"
	}
	key := k
	for n := 2; keys[key]; n++ {
		key = k + "-" + itoa(n)
	}
	keys[key] = true
	return key
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Text is the section's body as one string, blank lines at the end
// trimmed.
func (s *Section) Text() string {
	return strings.TrimRight(strings.Join(s.Body, "\n"), "\n \t")
}

// Tables returns every table of the document with the nearest heading
// above it (the title included) and up to five lines of text between that
// heading and the table.
func (d *Doc) Tables() []TableAt {
	var out []TableAt
	heading := ""
	var above []string
	for _, b := range d.blocks {
		switch b.kind {
		case Heading:
			heading, above = b.text, nil
			continue
		case Table:
			rows := d.Lines[b.start:b.end]
			t := ReadTable(rows)
			if t == nil {
				continue
			}
			t.Line = b.start + 1
			if len(above) > 5 {
				above = above[len(above)-5:]
			}
			out = append(out, TableAt{Heading: heading, Above: strings.Join(above, "\n"), Table: t})
			above = nil
			continue
		case Code:
			continue
		}
		for _, l := range d.Lines[b.start:b.end] {
			if t := strings.TrimSpace(l); t != "" {
				above = append(above, t)
			}
		}
	}
	return out
}

// TableAt is a table with its context.
type TableAt struct {
	Heading string
	Above   string
	Table   *TableData
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
