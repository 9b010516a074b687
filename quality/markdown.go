package quality

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/export"
	"gopkg.in/yaml.v3"
)

// MaxMarkdownSize bounds a document ParseMarkdown reads.
const MaxMarkdownSize = 8 << 20

// ParseMarkdown reads a Markdown postmortem into an Input with line numbers,
// so `debrief lint FILE.md` works offline. It reads YAML front matter
// (title, severity, services, customers, status, owner, authors, reviewers,
// template, started_at/detected_at/mitigated_at/resolved_at/published_at,
// contributing_factors, flat or under "incident:" and "postmortem:"), the
// first level-1 heading as the title, every level-1 or level-2 heading after
// it as a section, timelines written as tables or lists with times, and
// action items written as tables or lists.
//
// It never fails on content: text it cannot structure stays in the section
// bodies, where the rules still read it. It fails only on size.
//
// A document Debrief wrote (front matter with a "debrief:" key) is read by
// package export's parser, exactly as `debrief import` reads it, and an
// error in it is returned with its line. Other Markdown is read by the
// heading reader in this file, which is lenient on purpose: a linter must
// say something useful about any postmortem, and it infers what the rules
// need that an importer must not guess (event kinds from their words,
// action item types, "**Label**:" paragraphs as sections). The rules only
// see the Input, so either reader can change without touching them.
func ParseMarkdown(src []byte, name string) (*Input, error) {
	if len(src) > MaxMarkdownSize {
		return nil, debrief.Errorf(debrief.ETooLarge, "markdown", "The document is %d bytes; at most %d are read.", len(src), MaxMarkdownSize)
	}
	if writtenByDebrief(src) {
		doc, err := export.ParseMarkdown(bytes.NewReader(src))
		if err != nil {
			return nil, err
		}
		return FromDocument(doc, name), nil
	}
	p := &mdParser{
		in: &Input{
			Postmortem: &debrief.Postmortem{Kind: debrief.KindIncident, Status: debrief.PostmortemDraft, ContributingFactors: []string{}},
			Source:     &Source{Name: name, Sections: map[string]int{}, SectionBodies: map[string]int{}},
		},
		keys: map[string]bool{},
	}
	text := strings.ReplaceAll(string(bytes.ToValidUTF8(src, []byte("\uFFFD"))), "\r\n", "\n")
	text = strings.TrimPrefix(text, "\uFEFF")
	p.lines = strings.Split(text, "\n")
	p.parse()
	return p.in, nil
}

type mdParser struct {
	in    *Input
	lines []string
	keys  map[string]bool
	fm    map[string]any
	// cur is the section being filled.
	cur    *debrief.Section
	bodies map[*debrief.Section][]string
	// inHeadingSection is set once a heading has started a section: from
	// then on "**Label**:" paragraphs are body text, not sections.
	inHeadingSection bool
	// date is the day timeline entries without a date belong to.
	date time.Time
}

func (p *mdParser) parse() {
	start := p.frontMatter()
	pm := p.in.Postmortem
	p.bodies = map[*debrief.Section][]string{}
	var secs []*debrief.Section
	fence := ""
	for i := start; i < len(p.lines); i++ {
		line := p.lines[i]
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			p.appendBody(line)
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fence = trimmed[:3]
			p.appendBody(line)
			continue
		}
		level, heading := atxHeading(line)
		setext := false
		if level == 0 && trimmed != "" && i+1 < len(p.lines) && !strings.HasPrefix(trimmed, "|") {
			if u := strings.TrimSpace(p.lines[i+1]); len(u) >= 3 && strings.Trim(u, "=") == "" {
				level, heading, setext = 1, trimmed, true
			} else if len(u) >= 3 && strings.Trim(u, "-") == "" && !isListLine(trimmed) && p.prevBlank(i) {
				level, heading, setext = 2, trimmed, true
			}
		}
		if level == 1 && pm.Title == "" && p.in.Source.Title == 0 {
			pm.Title = plainText(heading)
			p.in.Source.Title = i + 1
			if setext {
				i++
			}
			continue
		}
		if level == 1 || level == 2 {
			if p.in.Source.Title == 0 && pm.Title == "" && len(secs) == 0 && roleOf("", heading) == "" {
				// No level-1 title: the first heading that is not a
				// section name is the title.
				pm.Title = plainText(heading)
				p.in.Source.Title = i + 1
				if setext {
					i++
				}
				continue
			}
			s := p.startSection(plainText(heading), i+1)
			p.inHeadingSection = true
			secs = append(secs, s)
			if setext {
				i++
			}
			p.in.Source.SectionBodies[s.Key] = i + 2
			continue
		}
		// "**Summary**: text" paragraphs (the Google SRE book layout) are
		// sections too.
		if label, rest, ok := boldLabel(trimmed); ok {
			if p.fieldLabel(label, rest) {
				continue
			}
			if roleOf("", label) != "" && !p.inHeadingSection {
				s := p.startSection(label, i+1)
				secs = append(secs, s)
				p.in.Source.SectionBodies[s.Key] = i + 1
				p.appendBody(strings.TrimSpace(rest))
				continue
			}
		}
		if p.cur == nil && trimmed != "" {
			// Text before the first section is the summary.
			s := p.startSection("Summary", i+1)
			secs = append(secs, s)
			p.in.Source.SectionBodies[s.Key] = i + 1
		}
		p.appendBody(line)
	}
	for _, s := range secs {
		lines := p.bodies[s]
		// Blank lines after the heading are not part of the body; the
		// body's first line moves down with them.
		for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
			lines = lines[1:]
			p.in.Source.SectionBodies[s.Key]++
		}
		s.Body = strings.TrimRight(strings.Join(lines, "\n"), "\n \t")
		pm.Sections = append(pm.Sections, *s)
	}
	if pm.Title == "" {
		if t, ok := p.fm["title"].(string); ok {
			pm.Title = t
		}
	}
	p.structure()
}

func (p *mdParser) prevBlank(i int) bool { return i == 0 || strings.TrimSpace(p.lines[i-1]) == "" }

func isListLine(s string) bool { _, ok := stripListMarker(s); return ok }

func atxHeading(line string) (int, string) {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 {
		return 0, ""
	}
	n := 0
	for n < len(t) && t[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || n < len(t) && t[n] != ' ' && t[n] != '\t' {
		return 0, ""
	}
	h := strings.TrimSpace(t[n:])
	h = strings.TrimSpace(strings.TrimRight(h, "#"))
	return n, h
}

var boldLabelRe = regexp.MustCompile(`^\*\*([^*]{1,60}?)(?::\*\*|\*\*\s*:)\s*(.*)$`)

func boldLabel(s string) (label, rest string, ok bool) {
	m := boldLabelRe.FindStringSubmatch(s)
	if m == nil {
		return "", "", false
	}
	// Drop footnote markers like ^[163](…)^.
	rest = m[2]
	if strings.HasPrefix(rest, "^[") {
		if j := strings.Index(rest, ")^"); j >= 0 {
			rest = strings.TrimSpace(rest[j+2:])
		}
	}
	return strings.TrimSpace(m[1]), rest, true
}

// fieldLabel takes "**Authors**: a, b", "**Status**: Complete" and
// "**Date**: 2015-10-21" as record fields rather than sections.
func (p *mdParser) fieldLabel(label, rest string) bool {
	switch strings.ToLower(label) {
	case "authors", "author", "owner", "owners":
		for _, a := range strings.Split(rest, ",") {
			if a = strings.TrimSpace(plainText(a)); a != "" {
				p.in.Authors = append(p.in.Authors, a)
			}
		}
		return true
	case "reviewers", "reviewed by", "shared with":
		for _, a := range strings.Split(rest, ",") {
			if a = strings.TrimSpace(plainText(a)); a != "" {
				p.in.Reviewers = append(p.in.Reviewers, a)
			}
		}
		return true
	case "status":
		p.setStatus(rest)
		return true
	case "date":
		if t, ok := parseDate(strings.TrimSpace(rest)); ok && p.date.IsZero() {
			p.date = t
		}
		return true
	case "severity":
		p.ensureIncident().Severity = normSeverity(rest)
		return true
	}
	return false
}

func (p *mdParser) setStatus(s string) {
	l := strings.ToLower(s)
	switch {
	case strings.Contains(l, "publish") || strings.Contains(l, "complete") || strings.Contains(l, "final"):
		p.in.Postmortem.Status = debrief.PostmortemPublished
	case strings.Contains(l, "review"):
		p.in.Postmortem.Status = debrief.PostmortemInReview
	}
}

var sevRe = regexp.MustCompile(`(?i)\bsev\s*-?\s*([0-9])\b`)

func normSeverity(s string) string {
	if m := sevRe.FindStringSubmatch(s); m != nil {
		return "SEV" + m[1]
	}
	return strings.TrimSpace(plainText(s))
}

func (p *mdParser) ensureIncident() *debrief.Incident {
	if p.in.Incident == nil {
		p.in.Incident = &debrief.Incident{Services: []string{}, Customers: []string{}, Labels: []string{}}
	}
	return p.in.Incident
}

func (p *mdParser) startSection(heading string, line int) *debrief.Section {
	key := p.uniqueKey(slug(heading))
	s := &debrief.Section{Key: key, Heading: heading}
	p.cur = s
	p.in.Source.Sections[key] = line
	return s
}

func (p *mdParser) appendBody(line string) {
	if p.cur != nil {
		p.bodies[p.cur] = append(p.bodies[p.cur], line)
	}
}

func (p *mdParser) uniqueKey(k string) string {
	if k == "" {
		k = "section"
	}
	key := k
	for n := 2; p.keys[key]; n++ {
		key = k + "-" + strconv.Itoa(n)
	}
	p.keys[key] = true
	return key
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

// ---- front matter ----

func (p *mdParser) frontMatter() int {
	if len(p.lines) == 0 || strings.TrimSpace(p.lines[0]) != "---" {
		return 0
	}
	end := -1
	for i := 1; i < len(p.lines); i++ {
		if t := strings.TrimSpace(p.lines[i]); t == "---" || t == "..." {
			end = i
			break
		}
	}
	if end < 0 {
		return 0
	}
	p.in.Source.FrontMatter = 1
	var m map[string]any
	func() {
		defer func() { _ = recover() }()
		_ = yaml.Unmarshal([]byte(strings.Join(p.lines[1:end], "\n")), &m)
	}()
	p.fm = m
	if m != nil {
		p.applyFrontMatter(m)
		if inc, ok := m["incident"].(map[string]any); ok {
			p.applyIncident(inc)
		}
		if pm, ok := m["postmortem"].(map[string]any); ok {
			p.applyFrontMatter(pm)
		}
		p.applyIncident(m)
	}
	return end + 1
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int, int64, float64, bool:
		return strings.TrimSpace(yamlScalar(x))
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	}
	return ""
}

func yamlScalar(v any) string {
	b, _ := yaml.Marshal(v)
	return string(b)
}

func strList(v any) []string {
	switch x := v.(type) {
	case []any:
		var out []string
		for _, e := range x {
			if s := strings.TrimSpace(str(e)); s != "" {
				out = append(out, s)
			}
		}
		return out
	case string:
		var out []string
		for _, s := range strings.Split(x, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func timeOf(v any) *time.Time {
	switch x := v.(type) {
	case time.Time:
		t := x.UTC()
		return &t
	case string:
		if t, ok := parseDateTime(x); ok {
			return &t
		}
	}
	return nil
}

func (p *mdParser) applyFrontMatter(m map[string]any) {
	pm := p.in.Postmortem
	if s := str(m["title"]); s != "" {
		pm.Title = s
	}
	if s := str(m["owner"]); s != "" {
		pm.Owner = s
	}
	if s := str(m["created_by"]); s != "" {
		pm.CreatedBy = s
	}
	if s := str(m["status"]); s != "" {
		st := debrief.PostmortemStatus(strings.ToLower(s))
		if st.Valid() {
			pm.Status = st
		} else {
			p.setStatus(s)
		}
	}
	if s := str(m["kind"]); s == string(debrief.KindProject) {
		pm.Kind = debrief.KindProject
	}
	if s := str(m["template"]); s != "" {
		pm.Template = s
		if s == debrief.TemplateProject {
			pm.Kind = debrief.KindProject
		}
	}
	if v, ok := m["template_version"].(int); ok {
		pm.TemplateVersion = v
	}
	if t := timeOf(m["published_at"]); t != nil {
		pm.PublishedAt = t
	}
	if l := strList(m["contributing_factors"]); len(l) > 0 {
		pm.ContributingFactors = l
	}
	if s := str(m["root_cause"]); s != "" {
		pm.RootCause = s
	}
	p.in.Authors = append(p.in.Authors, strList(m["authors"])...)
	p.in.Reviewers = append(p.in.Reviewers, strList(m["reviewers"])...)
	p.in.Reviewers = append(p.in.Reviewers, strList(m["shared_with"])...)
}

func (p *mdParser) applyIncident(m map[string]any) {
	has := false
	for _, k := range []string{"severity", "services", "customers", "started_at", "detected_at", "mitigated_at", "resolved_at", "impact", "labels", "commander"} {
		if _, ok := m[k]; ok {
			has = true
		}
	}
	if !has {
		return
	}
	inc := p.ensureIncident()
	if s := str(m["severity"]); s != "" {
		inc.Severity = normSeverity(s)
	}
	if l := strList(m["services"]); len(l) > 0 {
		inc.Services = l
	}
	if l := strList(m["customers"]); len(l) > 0 {
		inc.Customers = l
	}
	if l := strList(m["labels"]); len(l) > 0 {
		inc.Labels = l
	}
	if s := str(m["impact"]); s != "" {
		inc.Impact = s
	}
	if s := str(m["key"]); s != "" && strings.HasPrefix(s, debrief.IncidentKeyPrefix) {
		inc.Key = s
	}
	if s := str(m["commander"]); s != "" {
		inc.Roles.Commander = s
	}
	if roles, ok := m["roles"].(map[string]any); ok {
		inc.Roles.Commander = str(roles["commander"])
		inc.Roles.Scribe = str(roles["scribe"])
		inc.Roles.Communications = str(roles["communications"])
	}
	if t := timeOf(m["started_at"]); t != nil {
		inc.StartedAt = *t
		if p.date.IsZero() {
			p.date = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		}
	}
	inc.DetectedAt = orTime(timeOf(m["detected_at"]), inc.DetectedAt)
	inc.MitigatedAt = orTime(timeOf(m["mitigated_at"]), inc.MitigatedAt)
	inc.ResolvedAt = orTime(timeOf(m["resolved_at"]), inc.ResolvedAt)
}

func orTime(a, b *time.Time) *time.Time {
	if a != nil {
		return a
	}
	return b
}

// ---- dates and times ----

var dateLayouts = []string{"2006-01-02", "January 2, 2006", "January 2 2006", "Jan 2, 2006", "Jan 2 2006", "2 January 2006", "Monday 2. January 2006", "Monday, January 2, 2006", "2006/01/02"}

func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(strings.TrimRight(s, ".:"))
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

var dateTimeLayouts = []string{time.RFC3339, "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02"}

func parseDateTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range dateTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// entryTimeRe finds a time at the start of a timeline entry:
// "2023-02-14 10:29", "10:29", "16:58 UTC", "10:29:33".
var entryTimeRe = regexp.MustCompile(`^(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*(?:[AaPp][Mm]))?(?:\s*(?:UTC|GMT|Z|CET|CEST|PST|PDT|EST|EDT|[A-Z]{2,4}|[+-]\d{2}:?\d{2}))?\b`)

var dayHeadingRe = regexp.MustCompile(`(?i)\b(\d{4}-\d{2}-\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})\b`)

// ---- timeline and action items ----

func (p *mdParser) structure() {
	pm := p.in.Postmortem
	src := p.in.Source
	if p.date.IsZero() {
		// Times without a day still need one to be ordered.
		p.date = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		if m := dayHeadingRe.FindString(pm.Title); m != "" {
			if t, ok := parseDate(m); ok {
				p.date = t
			}
		}
	}
	for i := range pm.Sections {
		s := &pm.Sections[i]
		bodyLn := src.SectionBodies[s.Key]
		switch roleOf(s.Key, s.Heading) {
		case roleTimeline:
			p.timeline(s, bodyLn)
		case roleActionItems:
			p.actionItems(s, bodyLn)
		case roleContributing:
			if len(pm.ContributingFactors) == 0 {
				for _, l := range strings.Split(s.Body, "\n") {
					if item, ok := stripListMarker(l); ok && strings.TrimSpace(item) != "" {
						pm.ContributingFactors = append(pm.ContributingFactors, limit(plainText(item), 200))
					}
				}
			}
		}
	}
	p.deriveIncidentTimes()
}

func (p *mdParser) timeline(s *debrief.Section, bodyLn int) {
	day := p.date
	var prev time.Time
	lines := strings.Split(s.Body, "\n")
	fence := false
	for k, raw := range lines {
		t := strings.TrimSpace(raw)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = !fence
			continue
		}
		if fence || t == "" {
			continue
		}
		if lvl, h := atxHeading(t); lvl > 0 {
			if m := dayHeadingRe.FindString(h); m != "" {
				if d, ok := parseDate(m); ok {
					day, prev = d, time.Time{}
				}
			}
			continue
		}
		var when, text string
		if strings.HasPrefix(t, "|") {
			cells := tableCells(t)
			if len(cells) < 2 || isSeparatorRow(cells) {
				continue
			}
			when, text = plainText(cells[0]), strings.Join(cells[1:], " — ")
		} else if item, ok := stripListMarker(t); ok {
			item = plainText(item)
			loc := entryTimeRe.FindStringIndex(item)
			if loc == nil {
				continue
			}
			when, text = item[:loc[1]], strings.TrimLeft(item[loc[1]:], " -–—:|")
		} else {
			plain := plainText(t)
			loc := entryTimeRe.FindStringIndex(plain)
			if loc == nil {
				continue
			}
			when, text = plain[:loc[1]], strings.TrimLeft(plain[loc[1]:], " -–—:|")
		}
		m := entryTimeRe.FindStringSubmatch(strings.TrimSpace(when))
		if m == nil {
			continue
		}
		d := day
		if m[1] != "" {
			if dd, err := time.Parse("2006-01-02", m[1]); err == nil {
				d, day = dd, dd
			}
		}
		h, _ := strconv.Atoi(m[2])
		mi, _ := strconv.Atoi(m[3])
		sec, _ := strconv.Atoi(m[4])
		if h > 23 || mi > 59 || sec > 59 {
			continue
		}
		at := time.Date(d.Year(), d.Month(), d.Day(), h, mi, sec, 0, time.UTC)
		if m[1] == "" && !prev.IsZero() && prev.Sub(at) > 6*time.Hour {
			// A time-only entry far before the previous one is the next day.
			at = at.AddDate(0, 0, 1)
			day = day.AddDate(0, 0, 1)
		}
		prev = at
		ev := &debrief.TimelineEvent{At: at, Zone: "UTC", Source: debrief.SourceManual, Kind: debrief.KindNote, Text: limit(strings.TrimSpace(text), 2000)}
		switch momentOfText(text) {
		case momentDetection:
			ev.Kind = debrief.KindDetection
		case momentMitigation:
			ev.Kind = debrief.KindMitigation
		case momentResolution:
			ev.Kind = debrief.KindResolution
		}
		p.in.Timeline = append(p.in.Timeline, ev)
		p.in.Source.Timeline = append(p.in.Source.Timeline, bodyLn+k)
	}
}

func (p *mdParser) deriveIncidentTimes() {
	if len(p.in.Timeline) == 0 || p.date.Year() == 2000 {
		return // without a real date the times say nothing about deadlines
	}
	inc := p.ensureIncident()
	for _, e := range p.in.Timeline {
		at := e.At
		switch e.Kind {
		case debrief.KindDetection:
			if inc.DetectedAt == nil {
				inc.DetectedAt = &at
			}
		case debrief.KindMitigation:
			if inc.MitigatedAt == nil {
				inc.MitigatedAt = &at
			}
		case debrief.KindResolution:
			inc.ResolvedAt = &at // the last one counts
		}
	}
	if inc.StartedAt.IsZero() {
		inc.StartedAt = p.in.Timeline[0].At
	}
}

func tableCells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	row = strings.TrimSuffix(row, "|")
	parts := strings.Split(row, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func isSeparatorRow(cells []string) bool {
	for _, c := range cells {
		if strings.Trim(c, ":- ") != "" {
			return false
		}
	}
	return true
}

var (
	ownerRe = regexp.MustCompile(`(?i)(?:\bowner|\bassignee|\bassigned to|\bwho)\s*[:=]\s*([^,;()\]\n]+)|\((@?[\w.-]+(?:\s[\w.-]+)?)\)\s*$|(?:^|\s)(@[\w.-]+)`)
	dueRe   = regexp.MustCompile(`(?i)(?:\bdue|\bby|\bdeadline|\bbefore)\s*[:=]?\s*(\d{4}-\d{2}-\d{2})|\b(\d{4}-\d{2}-\d{2})\b`)
	typeRe  = regexp.MustCompile(`(?i)\[(prevent|detect|mitigate|process|investigate)\]|\btype\s*[:=]\s*(prevent|detect|mitigate|process|investigate)\b`)
	doneRe  = regexp.MustCompile(`(?i)\((?:done|completed?|fixed)\)|\[x\]|~~|✅|✔`)
)

func (p *mdParser) actionItems(s *debrief.Section, bodyLn int) {
	lines := strings.Split(s.Body, "\n")
	var header []string
	doneGroup := false
	for k, raw := range lines {
		t := strings.TrimSpace(raw)
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "|") {
			cells := tableCells(t)
			if isSeparatorRow(cells) {
				continue
			}
			if header == nil {
				header = make([]string, len(cells))
				for i, c := range cells {
					header[i] = strings.ToLower(plainText(c))
				}
				continue
			}
			p.tableItem(header, cells, bodyLn+k)
			continue
		}
		header = nil
		if lvl, h := atxHeading(t); lvl > 0 {
			l := strings.ToLower(h)
			doneGroup = strings.Contains(l, "completed") || strings.Contains(l, "(done)") || strings.Contains(l, "already done")
			continue
		}
		// Only top-level list items are action items; nested ones add detail.
		if indent := len(raw) - len(strings.TrimLeft(raw, " \t")); indent >= 2 {
			continue
		}
		item, ok := stripListMarker(t)
		if !ok || strings.TrimSpace(item) == "" {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(plainText(item), "✅✔☑ "))
		a := &debrief.ActionItem{Title: limit(title, debrief.MaxTitleLen), Status: debrief.ActionOpen, Priority: debrief.PriorityP3}
		if doneRe.MatchString(raw) || doneGroup {
			a.Status = debrief.ActionDone
		}
		if m := ownerRe.FindStringSubmatch(item); m != nil {
			a.Owner = strings.TrimSpace(m[1] + m[2] + m[3])
		}
		if m := dueRe.FindStringSubmatch(item); m != nil {
			if d, err := time.Parse("2006-01-02", m[1]+m[2]); err == nil {
				a.DueDate = &d
			}
		}
		a.Type = itemType(item, "")
		p.in.ActionItems = append(p.in.ActionItems, a)
		p.in.Source.ActionItems = append(p.in.Source.ActionItems, bodyLn+k)
	}
}

func (p *mdParser) tableItem(header, cells []string, line int) {
	a := &debrief.ActionItem{Status: debrief.ActionOpen, Priority: debrief.PriorityP3}
	typ := ""
	for i, c := range cells {
		if i >= len(header) {
			break
		}
		v := plainText(c)
		h := header[i]
		switch {
		case strings.Contains(h, "owner") || strings.Contains(h, "assignee") || h == "who" || strings.Contains(h, "responsible"):
			a.Owner = v
		case strings.Contains(h, "due") || strings.Contains(h, "deadline") || h == "date" || h == "when":
			if d, ok := parseDate(v); ok {
				a.DueDate = &d
			}
		case h == "type" || strings.Contains(h, "kind") || strings.Contains(h, "category"):
			typ = strings.ToLower(v)
		case strings.Contains(h, "status") || h == "state":
			l := strings.ToLower(v)
			if strings.Contains(l, "done") || strings.Contains(l, "complete") || strings.Contains(l, "fixed") || strings.Contains(l, "closed") {
				a.Status = debrief.ActionDone
			}
		case strings.Contains(h, "priority"):
			if pr := debrief.Priority(strings.ToUpper(v)); pr.Valid() {
				a.Priority = pr
			}
		case strings.Contains(h, "ticket") || strings.Contains(h, "link") || strings.Contains(h, "bug") || strings.Contains(h, "issue") && a.Title != "":
		default:
			if a.Title == "" {
				a.Title = limit(v, debrief.MaxTitleLen)
			}
		}
	}
	if strings.TrimSpace(a.Title) == "" {
		return
	}
	a.Type = itemType(a.Title, typ)
	p.in.ActionItems = append(p.in.ActionItems, a)
	p.in.Source.ActionItems = append(p.in.Source.ActionItems, line)
}

// itemType takes the type from a column or an inline tag; without either it
// is inferred from the words, defaulting to prevent.
func itemType(text, column string) debrief.ActionType {
	if t := debrief.ActionType(column); t.Valid() {
		return t
	}
	if column == "repair" || column == "fix" {
		return debrief.ActionPrevent
	}
	if column != "" {
		return debrief.ActionProcess // "other" and unknown types are not preventive
	}
	if m := typeRe.FindStringSubmatch(text); m != nil {
		return debrief.ActionType(strings.ToLower(m[1] + m[2]))
	}
	l := " " + strings.Join(tokenWords(text), " ") + " "
	switch {
	case strings.Contains(l, " alert") || strings.Contains(l, " monitor") || strings.Contains(l, " dashboard") || strings.Contains(l, " detect"):
		return debrief.ActionDetect
	case strings.Contains(l, " runbook") || strings.Contains(l, " playbook") || strings.Contains(l, " document") || strings.Contains(l, " train") || strings.Contains(l, " drill") || strings.Contains(l, " process "):
		return debrief.ActionProcess
	case strings.HasPrefix(l, " investigate") || strings.HasPrefix(l, " look into") || strings.HasPrefix(l, " analy"):
		return debrief.ActionInvestigate
	}
	return debrief.ActionPrevent
}
