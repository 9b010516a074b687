package export

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"gopkg.in/yaml.v3"
)

// A plain document is Markdown written elsewhere. It is read by its
// headings: the first level-1 heading is the title, each heading of the
// highest level below it starts a section, and headings (or bold labels
// such as "**Impact**:") with well-known names go to the sections Debrief's
// templates use. Timeline tables and lists with times become events, and
// action-item tables and lists become action items; whatever cannot be
// read that way stays in the section body, with a Warning.

// knownSections maps normalised headings to section keys and headings of
// the built-in templates.
var knownSections = map[string]string{
	"summary": "summary", "executive summary": "summary", "tl;dr": "summary", "tldr": "summary", "overview": "summary", "incident summary": "summary",
	"impact": "impact", "customer impact": "impact", "user impact": "impact", "business impact": "impact",
	"timeline": "timeline", "incident timeline": "timeline", "timeline of events": "timeline", "detailed timeline": "timeline",
	"root cause": "root-cause", "root cause analysis": "root-cause", "cause": "root-cause", "rca": "root-cause", "why did it happen": "root-cause",
	"root causes": "root-causes",
	"trigger":     "trigger", "triggers": "trigger",
	"resolution": "resolution", "mitigation": "resolution", "resolution and recovery": "resolution", "recovery": "resolution",
	"diagnosis, assessment and resolution": "resolution", "mitigation and resolution": "resolution",
	"detection": "detection", "how it was detected": "detection",
	"action items": "action-items", "action item": "action-items", "actions": "action-items", "remediation": "action-items",
	"follow-up": "action-items", "follow-ups": "action-items", "follow up": "action-items", "next steps": "action-items",
	"corrective actions": "action-items", "corrective and preventative measures": "action-items", "remediations": "action-items",
	"lessons learned": "lessons-learned", "lessons": "lessons-learned", "learnings": "learnings", "learnings and next steps": "learnings",
	"what went well": "went-well", "what went wrong": "went-wrong", "where we got lucky": "got-lucky",
	"contributing factors": "contributing-factors", "contributing factor": "contributing-factors",
	"supporting information": "supporting-information", "appendix": "supporting-information",
}

// genericTitles are first headings that name the kind of document rather
// than the incident.
var genericTitles = map[string]bool{"example postmortem": true, "postmortem": true, "post-mortem": true, "incident postmortem": true,
	"incident report": true, "post mortem": true, "postmortem report": true, "incident review": true}

// sreKeys are keys only the SRE book layout uses; a document with several
// of them is marked as made from the "sre" template.
var sreKeys = []string{"impact", "root-causes", "trigger", "detection", "action-items", "lessons-learned"}

var (
	atxRe        = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$`)
	boldLabelRe  = regexp.MustCompile(`^\*\*([^*]{1,60}?)(?::\*\*|\*\*\s*:)\s*(.*)$`)
	footnoteRe   = regexp.MustCompile(`\^?\[\[?\d+\]?\]\([^)]*\)\^?`)
	mdLinkRe     = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	listItemRe   = regexp.MustCompile(`^([-*+]|\d{1,3}[.)])[ \t]+(.*)$`)
	isoDateRe    = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})\b`)
	longDateRe   = regexp.MustCompile(`\b(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})\b`)
	zoneNameRe   = regexp.MustCompile(`\b(UTC|GMT|CET|CEST|EET|EEST|WET|WEST|BST|IST|JST|AEST|AEDT|PST|PDT|PT|MST|MDT|CST|CDT|EST|EDT|ET|[A-Z][a-z]+/[A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z_]+)?)\b`)
	leadTimeRe   = regexp.MustCompile(`^(?:(\d{4}-\d{2}-\d{2})[ T])?(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?(?:\s*(Z|UTC|GMT|[A-Z]{2,4}))?\b`)
	monthTimeRe  = regexp.MustCompile(`^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? (\d{1,2})(?:,? (\d{4}))?,? (\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?`)
	checkboxRe   = regexp.MustCompile(`^\[([ xX])\]\s+`)
	doneSuffixRe = regexp.MustCompile(`(?i)\s*\((done|completed|fixed)\)\s*$`)
)

// zoneAbbreviations maps the abbreviations postmortems use to zones.
var zoneAbbreviations = map[string]string{
	"UTC": "UTC", "GMT": "UTC", "Z": "UTC", "CET": "CET", "CEST": "CET", "EET": "EET", "EEST": "EET",
	"WET": "WET", "WEST": "WET", "BST": "Europe/London", "IST": "Asia/Kolkata", "JST": "Asia/Tokyo",
	"AEST": "Australia/Sydney", "AEDT": "Australia/Sydney", "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "PT": "America/Los_Angeles",
	"MST": "America/Denver", "MDT": "America/Denver", "CST": "America/Chicago", "CDT": "America/Chicago",
	"EST": "America/New_York", "EDT": "America/New_York", "ET": "America/New_York",
}

func zoneFromName(name string) (string, *time.Location) {
	if z, ok := zoneAbbreviations[name]; ok {
		name = z
	}
	if name == "UTC" {
		return "UTC", time.UTC
	}
	if !strings.Contains(name, "/") && name != "CET" && name != "EET" && name != "WET" {
		return "", nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return "", nil
	}
	return name, loc
}

// normHeading turns a heading or label into the form knownSections uses.
func normHeading(s string) string {
	s = footnoteRe.ReplaceAllString(s, "")
	s = mdLinkRe.ReplaceAllString(s, "$1")
	s = strings.NewReplacer("**", "", "__", "", "`", "", "*", "", "_", " ").Replace(s)
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	s = strings.TrimRight(s, ":.?! ")
	s = strings.TrimSuffix(s, "(s)")
	if strings.HasSuffix(s, " (s)") {
		s = strings.TrimSuffix(s, " (s)")
	}
	return strings.TrimSpace(s)
}

func slugKey(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range normHeading(s) {
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

type plainSection struct {
	key, heading string
	headingLine  int
	lines        []string // body lines
	first        int      // line number (1-based) of lines[0]
}

type plainParser struct {
	doc      *Document
	lines    []string
	sections []*plainSection
	keys     map[string]bool
	// day is the date timeline entries without one belong to.
	day      time.Time
	zone     string
	zoneLoc  *time.Location
	warnings []Warning
}

func parsePlain(fm *yaml.Node, lines []string, bodyStart int) (*Document, error) {
	p := &plainParser{lines: lines, keys: map[string]bool{}}
	pm := &debrief.Postmortem{Kind: debrief.KindIncident, Status: debrief.PostmortemDraft, Template: debrief.TemplateIncident, TemplateVersion: 1,
		ContributingFactors: []string{}, Lessons: debrief.Lessons{WentWell: []string{}, WentWrong: []string{}, GotLucky: []string{}}}
	p.doc = &Document{Postmortem: pm, Source: &SourceMap{Plain: true, Sections: map[string]int{}, SectionBodies: map[string]int{}}}
	if _, v := lookup(fm, "title"); v != nil && v.Kind == yaml.ScalarNode {
		pm.Title = strings.TrimSpace(v.Value)
	}

	// Split into headings and bodies, skipping fenced code.
	var cur *plainSection
	var preamble *plainSection
	sectionLevel := 0
	fence := ""
	for i := bodyStart; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		if fence != "" {
			if strings.HasPrefix(t, fence) {
				fence = ""
			}
			p.appendLine(&cur, &preamble, l, i)
			continue
		}
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fence = t[:3]
			p.appendLine(&cur, &preamble, l, i)
			continue
		}
		level, text := 0, ""
		if m := atxRe.FindStringSubmatch(l); m != nil {
			level, text = len(m[1]), strings.TrimSpace(m[2])
		} else if t != "" && i+1 < len(lines) && !isTableLine(l) && !listItemRe.MatchString(t) && (cur == nil || len(cur.lines) == 0 || strings.TrimSpace(cur.lines[len(cur.lines)-1]) == "") {
			u := strings.TrimSpace(lines[i+1])
			if len(u) >= 3 && strings.Trim(u, "=") == "" {
				level, text = 1, t
			} else if len(u) >= 3 && strings.Trim(u, "-") == "" {
				level, text = 2, t
			}
			if level > 0 {
				i++ // the underline
			}
		}
		if level == 0 {
			p.appendLine(&cur, &preamble, l, i)
			continue
		}
		if level == 1 && pm.Title == "" && p.doc.Source.Title == 0 {
			pm.Title = text
			p.doc.Source.Title = i + 1
			continue
		}
		if p.doc.Source.Title == 0 && pm.Title == "" {
			pm.Title = text
			p.doc.Source.Title = i + 1
			continue
		}
		if sectionLevel == 0 || level <= sectionLevel {
			sectionLevel = level
			cur = &plainSection{heading: text, headingLine: i + 1, first: i + 2}
			p.sections = append(p.sections, cur)
			continue
		}
		p.appendLine(&cur, &preamble, l, i)
	}
	if pm.Title == "" {
		// No heading to take the title from: use the first line of text,
		// so real documents still import; the warning says so.
		for i := bodyStart; i < len(lines); i++ {
			t := strings.TrimSpace(strings.Trim(strings.TrimSpace(lines[i]), "*_#>`"))
			if t == "" || t == "---" {
				continue
			}
			if len(t) > 120 {
				cut := strings.LastIndexByte(t[:120], ' ')
				if cut < 40 {
					cut = 120
				}
				t = truncate(t, cut)
			}
			pm.Title = t
			p.doc.Source.Title = i + 1
			p.warn(i+1, "the document has no '# Title' heading; its first line became the title")
			break
		}
	}
	if pm.Title == "" {
		return nil, lineErr(bodyStart+1, "the document has no title; start it with a '# Title' line")
	}
	if genericTitles[normHeading(pm.Title)] && len(p.sections) > 0 && (preamble == nil || strings.TrimSpace(strings.Join(preamble.lines, "")) == "") {
		// "Example Postmortem" over "Shakespeare Search down (incident
		// #465)": the second heading is the real title.
		first := p.sections[0]
		pm.Title = first.heading
		p.doc.Source.Title = first.headingLine
		p.sections = p.sections[1:]
		preamble = &plainSection{first: first.first, lines: first.lines}
	}
	if preamble != nil && strings.TrimSpace(strings.Join(preamble.lines, "\n")) != "" {
		preamble.heading = "Introduction"
		p.sections = append([]*plainSection{preamble}, p.sections...)
	}
	p.splitBoldLabels()
	p.findContext()

	for _, s := range p.sections {
		if s.key == "" {
			s.key = p.uniqueKey(knownKey(s.heading))
		}
	}
	for _, s := range p.sections {
		switch {
		case s.key == "timeline" || strings.Contains(normHeading(s.heading), "timeline"):
			p.timeline(s)
		case s.key == "action-items":
			p.actionItems(s)
		}
	}
	tpl := debrief.BuiltInTemplate(debrief.TemplateIncident)
	sre := 0
	for _, s := range p.sections {
		for _, k := range sreKeys {
			if s.key == k {
				sre++
			}
		}
	}
	if sre >= 3 {
		tpl = debrief.BuiltInTemplate(debrief.TemplateSRE)
		pm.Template = tpl.Key
	}
	pm.Sections = []debrief.Section{}
	for _, s := range p.sections {
		sec := debrief.Section{Key: s.key, Heading: s.heading, Body: strings.Trim(strings.Join(s.lines, "\n"), "\n")}
		for _, ts := range tpl.Sections {
			if ts.Key == s.key {
				sec.Guidance, sec.Required, sec.Internal = ts.Guidance, ts.Required, ts.Internal
			}
		}
		pm.Sections = append(pm.Sections, sec)
		p.doc.Source.Sections[s.key] = s.headingLine
		p.doc.Source.SectionBodies[s.key] = s.first
	}
	inc := &debrief.Incident{Title: pm.Title, Status: debrief.StatusResolved, Services: []string{}, Customers: []string{}, Labels: []string{}, Members: []string{}}
	if len(p.doc.Timeline) > 0 {
		inc.StartedAt = p.doc.Timeline[0].At
		for _, e := range p.doc.Timeline {
			if e.At.Before(inc.StartedAt) {
				inc.StartedAt = e.At
			}
		}
	}
	p.doc.Incident = inc
	p.doc.Warnings = p.warnings
	return p.doc, nil
}

func (p *plainParser) appendLine(cur, preamble **plainSection, l string, i int) {
	if *cur == nil {
		if *preamble == nil {
			*preamble = &plainSection{key: "", first: i + 1}
		}
		(*preamble).lines = append((*preamble).lines, l)
		return
	}
	(*cur).lines = append((*cur).lines, l)
}

func knownKey(heading string) string {
	n := normHeading(heading)
	if k, ok := knownSections[n]; ok {
		return k
	}
	return slugKey(heading)
}

func (p *plainParser) uniqueKey(k string) string {
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

// splitBoldLabels turns paragraphs such as "**Impact**: 1.2B queries lost"
// in sections with unknown headings into sections of their own, the way the
// SRE book's example lays out its first page.
func (p *plainParser) splitBoldLabels() {
	var out []*plainSection
	for _, s := range p.sections {
		if _, known := knownSections[normHeading(s.heading)]; known && s.heading != "Introduction" {
			out = append(out, s)
			continue
		}
		cur := s
		out = append(out, s)
		var keep []string
		for j, l := range s.lines {
			m := boldLabelRe.FindStringSubmatch(strings.TrimSpace(l))
			if m != nil && (j == 0 || strings.TrimSpace(s.lines[j-1]) == "") {
				if _, ok := knownSections[normHeading(m[1])]; ok {
					cur = &plainSection{heading: strings.TrimSpace(m[1]), headingLine: s.first + j, first: s.first + j}
					rest := footnoteRe.ReplaceAllString(m[2], "")
					cur.lines = []string{strings.TrimSpace(rest)}
					out = append(out, cur)
					continue
				}
			}
			if cur == s {
				keep = append(keep, l)
			} else {
				cur.lines = append(cur.lines, l)
			}
		}
		s.lines = keep
	}
	// Drop sections left empty by the split (an unknown heading whose whole
	// body moved), keeping their heading only if it had text.
	p.sections = p.sections[:0]
	for _, s := range out {
		if s.heading == "Introduction" && strings.TrimSpace(strings.Join(s.lines, "")) == "" {
			continue
		}
		p.sections = append(p.sections, s)
	}
}

// findContext finds the day and zone a timeline's bare times belong to: a
// "Date:" line, or a date in the title.
func (p *plainParser) findContext() {
	candidates := []string{}
	for _, s := range p.sections {
		for _, l := range s.lines {
			n := normHeading(l)
			if strings.HasPrefix(n, "date") {
				candidates = append(candidates, l)
			}
		}
	}
	candidates = append(candidates, p.doc.Postmortem.Title)
	for _, c := range candidates {
		if d, ok := findDate(c); ok {
			p.day = d
			return
		}
	}
}

func findDate(s string) (time.Time, bool) {
	if m := isoDateRe.FindString(s); m != "" {
		if t, err := time.Parse("2006-01-02", m); err == nil {
			return t, true
		}
	}
	if m := longDateRe.FindStringSubmatch(s); m != nil {
		mon := m[1]
		if len(mon) > 3 {
			mon = mon[:3]
		}
		if t, err := time.Parse("Jan 2 2006", mon+" "+m[2]+" "+m[3]); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (p *plainParser) warn(line int, format string, args ...any) {
	p.warnings = append(p.warnings, Warning{Line: line, Message: sprintf(format, args...)})
}

// sectionZone finds the zone a timeline section names ("All times UTC",
// "Time (UTC)", "Date and Time in CET").
func sectionZone(text string) (string, *time.Location) {
	for _, m := range zoneNameRe.FindAllString(text, -1) {
		if z, loc := zoneFromName(m); loc != nil {
			return z, loc
		}
	}
	return "", nil
}

// stamp is a time read from the start of a timeline entry.
type stamp struct {
	t       time.Time
	hasDate bool
}

// readStamp reads a time at the start of s: "2023-02-14 10:29",
// "14:51", "10:18 AM", "Jan 14, 10:18 AM", "**16:58 UTC**". It returns the
// rest of s after the time.
func (p *plainParser) readStamp(s string, loc *time.Location, day time.Time) (stamp, string, bool) {
	s = strings.TrimSpace(s)
	clean := strings.TrimLeft(s, "*_`")
	wrap := s[:len(s)-len(clean)] // emphasis around the time, as in "**16:58 UTC**"
	restAfter := func(r string) string {
		r = strings.TrimPrefix(r, wrap)
		return strings.TrimSpace(strings.TrimLeft(r, " \t-–—:|"))
	}
	if m := monthTimeRe.FindStringSubmatch(clean); m != nil {
		year := day.Year()
		if m[3] != "" {
			year, _ = strconv.Atoi(m[3])
		} else if day.IsZero() {
			return stamp{}, s, false
		}
		mon := m[1][:3]
		d, err := time.Parse("Jan 2 2006", mon+" "+m[2]+" "+strconv.Itoa(year))
		if err != nil {
			return stamp{}, s, false
		}
		h, _ := strconv.Atoi(m[4])
		mi, _ := strconv.Atoi(m[5])
		sec, _ := strconv.Atoi(m[6])
		if h, ok := hour12(h, m[7]); ok {
			t := time.Date(d.Year(), d.Month(), d.Day(), h, mi, sec, 0, loc)
			return stamp{t: t, hasDate: true}, restAfter(clean[len(m[0]):]), true
		}
		return stamp{}, s, false
	}
	m := leadTimeRe.FindStringSubmatch(clean)
	if m == nil {
		return stamp{}, s, false
	}
	h, _ := strconv.Atoi(m[2])
	mi, _ := strconv.Atoi(m[3])
	sec, _ := strconv.Atoi(m[4])
	h, ok := hour12(h, m[5])
	if !ok || mi > 59 || sec > 59 {
		return stamp{}, s, false
	}
	if m[6] != "" {
		if _, l := zoneFromName(m[6]); l != nil {
			loc = l
		}
	}
	st := stamp{}
	if m[1] != "" {
		d, err := time.Parse("2006-01-02", m[1])
		if err != nil {
			return stamp{}, s, false
		}
		day, st.hasDate = d, true
	} else if day.IsZero() {
		return stamp{}, s, false
	}
	st.t = time.Date(day.Year(), day.Month(), day.Day(), h, mi, sec, 0, loc)
	return st, restAfter(clean[len(m[0]):]), true
}

func hour12(h int, ampm string) (int, bool) {
	switch strings.ToLower(ampm) {
	case "":
		return h, h <= 23
	case "am":
		if h < 1 || h > 12 {
			return 0, false
		}
		return h % 12, true
	default:
		if h < 1 || h > 12 {
			return 0, false
		}
		return h%12 + 12, true
	}
}

// timeline turns the section's timeline tables and lists into events.
func (p *plainParser) timeline(s *plainSection) {
	text := s.heading + "\n" + strings.Join(s.lines, "\n")
	zone, loc := sectionZone(text)
	if loc == nil {
		zone, loc = p.zone, p.zoneLoc
	}
	if loc == nil {
		zone, loc = "UTC", time.UTC
		if len(s.lines) > 0 {
			p.warn(s.headingLine, "the timeline names no time zone; its times were read as UTC")
		}
	}
	day := p.day
	var events []*debrief.TimelineEvent
	var eventLines []int
	remove := map[int]bool{}
	for i := 0; i < len(s.lines); i++ {
		l := s.lines[i]
		t := strings.TrimSpace(l)
		if d, ok := findDate(t); ok && !isTableLine(l) && !listItemRe.MatchString(t) {
			day = d // a date line or "### October 21, 2025 - …" sub-heading
			continue
		}
		if isTableLine(l) && i+1 < len(s.lines) && isDelimiterRow(s.lines[i+1]) {
			n := i + 2
			for n < len(s.lines) && isTableLine(s.lines[n]) {
				n++
			}
			evs, at, ok := p.timelineTable(s.lines[i:n], s.first+i, zone, loc, day)
			if ok {
				events = append(events, evs...)
				eventLines = append(eventLines, at...)
				for k := i; k < n; k++ {
					remove[k] = true
				}
			}
			i = n - 1
			continue
		}
		if m := listItemRe.FindStringSubmatch(t); m != nil && strings.TrimLeft(l, " ") == l {
			// A run of list items, each with its continuation lines.
			var items [][2]int // start, end (exclusive)
			n := i
			for n < len(s.lines) {
				lt := strings.TrimSpace(s.lines[n])
				if listItemRe.MatchString(lt) && strings.TrimLeft(s.lines[n], " ") == s.lines[n] {
					end := n + 1
					for end < len(s.lines) && strings.HasPrefix(s.lines[end], "  ") && strings.TrimSpace(s.lines[end]) != "" {
						end++
					}
					items = append(items, [2]int{n, end})
					n = end
					continue
				}
				if lt == "" && n+1 < len(s.lines) && listItemRe.MatchString(strings.TrimSpace(s.lines[n+1])) {
					n++
					continue
				}
				break
			}
			var evs []*debrief.TimelineEvent
			var at []int
			ok := true
			prev := time.Time{}
			for _, it := range items {
				first := listItemRe.FindStringSubmatch(strings.TrimSpace(s.lines[it[0]]))[2]
				st, rest, good := p.readStamp(first, loc, day)
				if !good {
					ok = false
					p.warn(s.first+it[0], "the timeline entry %q does not start with a time this reader knows; the list was kept as text", truncate(first, 40))
					break
				}
				at1 := st.t
				if !st.hasDate && !prev.IsZero() && at1.Before(prev.Add(-12*time.Hour)) {
					at1 = at1.AddDate(0, 0, 1) // past midnight
				}
				if st.hasDate {
					day = time.Date(at1.Year(), at1.Month(), at1.Day(), 0, 0, 0, 0, time.UTC)
				}
				prev = at1
				textParts := []string{rest}
				for k := it[0] + 1; k < it[1]; k++ {
					textParts = append(textParts, strings.TrimSpace(s.lines[k]))
				}
				txt := strings.TrimSpace(strings.Join(textParts, "\n"))
				if txt == "" {
					txt = "(no text)"
				}
				e := &debrief.TimelineEvent{At: at1.UTC(), Zone: zone, Source: debrief.SourceManual, Kind: debrief.KindNote, Text: txt}
				markLifecycle(e)
				evs = append(evs, e)
				at = append(at, s.first+it[0])
			}
			if ok && len(evs) > 0 {
				events = append(events, evs...)
				eventLines = append(eventLines, at...)
				for _, it := range items {
					for k := it[0]; k < it[1]; k++ {
						remove[k] = true
					}
				}
			}
			i = n - 1
		}
	}
	p.doc.Timeline = append(p.doc.Timeline, events...)
	p.doc.Source.Timeline = append(p.doc.Source.Timeline, eventLines...)
	if len(remove) > 0 {
		var keep []string
		for i, l := range s.lines {
			if !remove[i] {
				keep = append(keep, l)
			}
		}
		s.lines = collapseBlank(keep)
	}
}

// lifecycleMarkers are the capitalised milestones the SRE book's layout
// writes into timeline entries ("**OUTAGE MITIGATED**").
var lifecycleMarkers = []struct {
	word      string
	kind      debrief.EventKind
	lifecycle debrief.Lifecycle
}{
	{"OUTAGE BEGINS", debrief.KindNote, debrief.LifecycleStarted},
	{"OUTAGE MITIGATED", debrief.KindMitigation, debrief.LifecycleMitigated},
	{"OUTAGE ENDS", debrief.KindResolution, debrief.LifecycleResolved},
	{"INCIDENT ENDS", debrief.KindResolution, ""},
}

func markLifecycle(e *debrief.TimelineEvent) {
	for _, m := range lifecycleMarkers {
		if strings.Contains(e.Text, m.word) {
			e.Kind, e.Lifecycle = m.kind, m.lifecycle
			e.Starred = true
			return
		}
	}
}

// collapseBlank removes runs of blank lines left where converted tables or
// lists were.
func collapseBlank(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.TrimSpace(l) == "" && len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" {
			continue
		}
		out = append(out, l)
	}
	return out
}

func (p *plainParser) timelineTable(lines []string, first int, zone string, loc *time.Location, day time.Time) ([]*debrief.TimelineEvent, []int, bool) {
	t, _, err := readTable(lines, first)
	if err != nil {
		return nil, nil, false
	}
	cTime := -1
	for i, h := range t.header {
		if strings.Contains(h, "time") || strings.Contains(h, "date") || h == "when" {
			cTime = i
			break
		}
	}
	if cTime < 0 {
		return nil, nil, false
	}
	if z, l := sectionZone(strings.ToUpper(t.header[cTime])); l != nil {
		zone, loc = z, l
	} else if z, l := sectionZone(strings.Join(splitRow(lines[0]), " ")); l != nil {
		zone, loc = z, l
	}
	cText := t.col("event", "description", "what", "what happened", "details", "action", "notes")
	if cText < 0 {
		for i := range t.header {
			if i != cTime {
				cText = i
				break
			}
		}
	}
	cActor := t.col("who", "actor", "owner", "by")
	var events []*debrief.TimelineEvent
	prev := time.Time{}
	for ri, row := range t.rows {
		st, _, ok := p.readStamp(t.cell(row, cTime), loc, day)
		if !ok {
			p.warn(t.lines[ri], "the time %q is not one this reader knows; the timeline table was kept as text", truncate(t.cell(row, cTime), 40))
			return nil, nil, false
		}
		at := st.t
		if !st.hasDate && !prev.IsZero() && at.Before(prev.Add(-12*time.Hour)) {
			at = at.AddDate(0, 0, 1)
		}
		if st.hasDate {
			day = time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
		}
		prev = at
		text := strings.TrimSpace(t.cell(row, cText))
		if text == "" {
			text = "(no text)"
		}
		e := &debrief.TimelineEvent{At: at.UTC(), Zone: zone, Source: debrief.SourceManual, Kind: debrief.KindNote,
			Text: text, Actor: strings.TrimSpace(t.cell(row, cActor))}
		markLifecycle(e)
		events = append(events, e)
	}
	return events, t.lines, len(events) > 0
}

// actionItems turns the section's action-item tables and simple lists
// into action items.
func (p *plainParser) actionItems(s *plainSection) {
	remove := map[int]bool{}
	for i := 0; i < len(s.lines); i++ {
		l := s.lines[i]
		if isTableLine(l) && i+1 < len(s.lines) && isDelimiterRow(s.lines[i+1]) {
			n := i + 2
			for n < len(s.lines) && isTableLine(s.lines[n]) {
				n++
			}
			if items, at, ok := p.actionTable(s.lines[i:n], s.first+i); ok {
				p.doc.ActionItems = append(p.doc.ActionItems, items...)
				p.doc.Source.ActionItems = append(p.doc.Source.ActionItems, at...)
				for k := i; k < n; k++ {
					remove[k] = true
				}
			}
			i = n - 1
			continue
		}
		t := strings.TrimSpace(l)
		if listItemRe.MatchString(t) && strings.TrimLeft(l, " ") == l {
			n := i
			var starts []int
			simple := true
			for n < len(s.lines) {
				lt := strings.TrimSpace(s.lines[n])
				if listItemRe.MatchString(lt) && strings.TrimLeft(s.lines[n], " ") == s.lines[n] {
					starts = append(starts, n)
					n++
					continue
				}
				if lt == "" && n+1 < len(s.lines) && listItemRe.MatchString(strings.TrimSpace(s.lines[n+1])) && strings.TrimLeft(s.lines[n+1], " ") == s.lines[n+1] {
					n++
					continue
				}
				if lt != "" && strings.HasPrefix(s.lines[n], " ") {
					simple = false // nested lists or continuation text: keep as written
				}
				break
			}
			var items []*debrief.ActionItem
			var at []int
			for _, k := range starts {
				title := listItemRe.FindStringSubmatch(strings.TrimSpace(s.lines[k]))[2]
				a := &debrief.ActionItem{}
				if m := checkboxRe.FindStringSubmatch(title); m != nil {
					title = title[len(m[0]):]
					if m[1] != " " {
						a.Status = debrief.ActionDone
					}
				}
				if doneSuffixRe.MatchString(title) {
					title = doneSuffixRe.ReplaceAllString(title, "")
					a.Status = debrief.ActionDone
				}
				a.Title = strings.TrimSpace(title)
				if a.Title == "" || len(a.Title) > debrief.MaxTitleLen {
					simple = false
					break
				}
				items = append(items, a)
				at = append(at, s.first+k)
			}
			if simple && len(items) > 0 {
				p.doc.ActionItems = append(p.doc.ActionItems, items...)
				p.doc.Source.ActionItems = append(p.doc.Source.ActionItems, at...)
				for k := i; k < n; k++ {
					if strings.TrimSpace(s.lines[k]) != "" {
						remove[k] = true
					}
				}
			} else if len(starts) > 0 {
				p.warn(s.first+i, "this list of action items has nested text or very long items; it was kept as text")
			}
			i = n - 1
		}
	}
	if len(remove) > 0 {
		var keep []string
		for i, l := range s.lines {
			if !remove[i] {
				keep = append(keep, l)
			}
		}
		s.lines = collapseBlank(keep)
	}
}

var actionTypeWords = map[string]debrief.ActionType{
	"prevent": debrief.ActionPrevent, "prevention": debrief.ActionPrevent, "preventive": debrief.ActionPrevent,
	"detect": debrief.ActionDetect, "detection": debrief.ActionDetect, "mitigate": debrief.ActionMitigate, "mitigation": debrief.ActionMitigate,
	"process": debrief.ActionProcess, "investigate": debrief.ActionInvestigate, "investigation": debrief.ActionInvestigate,
}

var actionStatusWords = map[string]debrief.ActionStatus{
	"open": debrief.ActionOpen, "todo": debrief.ActionOpen, "to do": debrief.ActionOpen, "not started": debrief.ActionOpen,
	"in progress": debrief.ActionInProgress, "in_progress": debrief.ActionInProgress, "started": debrief.ActionInProgress, "doing": debrief.ActionInProgress,
	"done": debrief.ActionDone, "completed": debrief.ActionDone, "complete": debrief.ActionDone, "fixed": debrief.ActionDone, "closed": debrief.ActionDone, "✅": debrief.ActionDone,
	"won't do": debrief.ActionWontDo, "wont_do": debrief.ActionWontDo, "wontfix": debrief.ActionWontDo, "won't fix": debrief.ActionWontDo,
}

func (p *plainParser) actionTable(lines []string, first int) ([]*debrief.ActionItem, []int, bool) {
	t, _, err := readTable(lines, first)
	if err != nil {
		return nil, nil, false
	}
	cTitle := -1
	for i, h := range t.header {
		if strings.Contains(h, "action") || strings.Contains(h, "item") || strings.Contains(h, "task") || h == "title" || h == "description" || h == "what" {
			cTitle = i
			break
		}
	}
	if cTitle < 0 {
		return nil, nil, false
	}
	cOwner, cType, cStatus := t.col("owner", "who", "assignee"), t.col("type", "kind", "category"), t.col("status", "state")
	cDue, cPrio := t.col("due", "due date", "deadline", "by"), t.col("priority", "prio")
	cLink := t.col("tracker", "link", "ticket", "issue", "bug")
	var items []*debrief.ActionItem
	for ri, row := range t.rows {
		a := &debrief.ActionItem{Title: strings.TrimSpace(t.cell(row, cTitle)), Owner: strings.TrimSpace(t.cell(row, cOwner))}
		if a.Title == "" || len(a.Title) > debrief.MaxTitleLen {
			p.warn(t.lines[ri], "an action item without a title (or over %d characters); the table was kept as text", debrief.MaxTitleLen)
			return nil, nil, false
		}
		if w := strings.ToLower(strings.TrimSpace(t.cell(row, cType))); w != "" {
			if ty, ok := actionTypeWords[w]; ok {
				a.Type = ty
			} else {
				p.warn(t.lines[ri], "the action type %q is not prevent, detect, mitigate, process or investigate; the default was used", truncate(w, 30))
			}
		}
		if w := strings.ToLower(strings.TrimSpace(t.cell(row, cStatus))); w != "" {
			if st, ok := actionStatusWords[w]; ok {
				a.Status = st
			}
		}
		if w := strings.ToUpper(strings.TrimSpace(t.cell(row, cPrio))); debrief.Priority(w).Valid() {
			a.Priority = debrief.Priority(w)
		}
		if d, ok := findDate(t.cell(row, cDue)); ok {
			a.DueDate = &d
		}
		if u := strings.TrimSpace(t.cell(row, cLink)); strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
			a.TrackerURL = u
		}
		items = append(items, a)
	}
	return items, t.lines, len(items) > 0
}
