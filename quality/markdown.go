package quality

import (
	"bytes"
	"regexp"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/export"
	"github.com/debriefhq/debrief/mdread"
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
	doc := mdread.Parse(src)
	p := &mdParser{
		in: &Input{
			Postmortem:     &debrief.Postmortem{Kind: debrief.KindIncident, Status: debrief.PostmortemDraft, ContributingFactors: []string{}},
			Source:         &Source{Name: name, Sections: map[string]int{}, SectionBodies: map[string]int{}},
			KindsFromWords: true,
		},
		doc: doc,
	}
	p.parse()
	return p.in, nil
}

type mdParser struct {
	in  *Input
	doc *mdread.Doc
	fm  map[string]any
	// date is the day timeline entries without a date belong to.
	date time.Time
}

// parse builds the Input from what package mdread read: the same title
// and sections `debrief import` stores, so lint and import agree on every
// document. Lint reads a little more than import keeps: "**Authors**:"
// style paragraphs as record fields, event kinds from their words and
// action item types inferred from their titles.
func (p *mdParser) parse() {
	pm := p.in.Postmortem
	if fm := p.doc.FrontMatter; fm != nil {
		p.in.Source.FrontMatter = 1
		p.fm = fm.Fields
		if m := fm.Fields; m != nil {
			p.applyFrontMatter(m)
			if inc, ok := m["incident"].(map[string]any); ok {
				p.applyIncident(inc)
			}
			if pmm, ok := m["postmortem"].(map[string]any); ok {
				p.applyFrontMatter(pmm)
			}
			p.applyIncident(m)
		}
	}
	if pm.Title == "" || p.doc.TitleLine > 0 {
		pm.Title = p.doc.Title
	}
	p.in.Source.Title = p.doc.TitleLine
	for _, s := range p.doc.Sections {
		for _, l := range s.Body {
			if label, rest, ok := boldLabel(strings.TrimSpace(l)); ok {
				p.fieldLabel(label, rest)
			}
		}
		pm.Sections = append(pm.Sections, debrief.Section{Key: s.Key, Heading: s.Heading, Body: s.Text()})
		p.in.Source.Sections[s.Key] = s.Line
		p.in.Source.SectionBodies[s.Key] = s.BodyLine
	}
	if p.date.IsZero() {
		if d, ok := p.doc.Day(); ok {
			p.date = d
		}
	}
	p.structure()
}

var boldLabelRe = regexp.MustCompile(`^\*\*([^*]{1,60}?)(?::\*\*|\*\*\s*:)\s*(.*)$`)

func boldLabel(s string) (label, rest string, ok bool) {
	m := boldLabelRe.FindStringSubmatch(s)
	if m == nil {
		return "", "", false
	}
	return strings.TrimSpace(m[1]), strings.TrimSpace(m[2]), true
}

// fieldLabel takes "**Authors**: a, b", "**Status**: Complete" and
// "**Date**: 2015-10-21" as record fields; the paragraphs stay text.
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

// ---- front matter ----

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

// ---- timeline and action items ----

func (p *mdParser) structure() {
	pm := p.in.Postmortem
	realDay := !p.date.IsZero()
	if !realDay {
		// Times without a day still need one to be ordered.
		p.date = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	for _, s := range p.doc.Sections {
		switch roleOf(s.Key, s.Heading) {
		case roleTimeline:
			p.timeline(s)
		case roleActionItems:
			p.actionItems(s)
		case roleContributing:
			if len(pm.ContributingFactors) == 0 {
				for _, l := range s.Body {
					if item, ok := stripListMarker(l); ok && strings.TrimSpace(item) != "" && strings.TrimLeft(l, " \t") == l {
						pm.ContributingFactors = append(pm.ContributingFactors, limit(plainText(item), 200))
					}
				}
			}
		}
	}
	if realDay {
		p.deriveIncidentTimes()
	}
}

// timeline takes every entry whose time was read, in tables, lists and
// time-led lines; entries with a blank or unreadable time are left to the
// rules that read the section's text.
func (p *mdParser) timeline(s *mdread.Section) {
	for _, tb := range s.Timeline(mdread.Clock{Day: p.date}) {
		for _, e := range tb.Entries {
			if !e.Readable || e.DateOnly {
				continue
			}
			text := e.Text
			if len(e.Extra) > 0 {
				text += " — " + strings.Join(e.Extra, " — ")
			}
			zone := e.At.Location().String()
			if zone == "Local" {
				zone = "UTC"
			}
			ev := &debrief.TimelineEvent{At: e.At.UTC(), Zone: zone, Source: debrief.SourceManual, Kind: debrief.KindNote, Text: limit(strings.TrimSpace(plainText(text)), 2000), Actor: e.Actor}
			switch momentOfText(text) {
			case momentDetection:
				ev.Kind = debrief.KindDetection
			case momentMitigation:
				ev.Kind = debrief.KindMitigation
			case momentResolution:
				ev.Kind = debrief.KindResolution
			}
			p.in.Timeline = append(p.in.Timeline, ev)
			p.in.Source.Timeline = append(p.in.Source.Timeline, s.BodyLine+e.Start)
		}
	}
}

func (p *mdParser) deriveIncidentTimes() {
	if len(p.in.Timeline) == 0 {
		return
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

// actionItems takes every table row and top-level list item mdread read
// as an action item, with the type from its column or inferred from its
// words.
func (p *mdParser) actionItems(s *mdread.Section) {
	for _, ab := range s.ActionItems() {
		for _, a := range ab.Items {
			it := &debrief.ActionItem{Title: limit(a.Title, debrief.MaxTitleLen), Owner: a.Owner, DueDate: a.Due, Status: debrief.ActionOpen, Priority: debrief.PriorityP3}
			if a.Done {
				it.Status = debrief.ActionDone
			}
			if pr := debrief.Priority(strings.ToUpper(a.Priority)); pr.Valid() {
				it.Priority = pr
			}
			it.Type = itemType(a.Title, a.Type)
			p.in.ActionItems = append(p.in.ActionItems, it)
			p.in.Source.ActionItems = append(p.in.Source.ActionItems, s.BodyLine+a.Start)
		}
	}
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
