package quality

import (
	"bytes"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/export"
	"github.com/debriefhq/debrief/mdread"
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
	// dated counts the timeline entries that gave their own date.
	dated int
}

// parse builds the Input from what package mdread read: the same title,
// sections, front matter and field lines `debrief import` stores, so lint
// and import agree on every document. Lint reads a little more than import
// keeps: authors and reviewers, event kinds from their words and action
// item types inferred from their titles.
func (p *mdParser) parse() {
	pm := p.in.Postmortem
	if fm := p.doc.FrontMatter; fm != nil {
		p.in.Source.FrontMatter = 1
		p.fm = fm.Fields
	}
	m := p.doc.Meta()
	p.apply(m)
	p.in.StatusUnknown = m.Status == ""
	if pm.Title == "" || p.doc.TitleLine > 0 {
		pm.Title = p.doc.Title
	}
	p.in.Source.Title = p.doc.TitleLine
	for _, s := range p.doc.Sections {
		pm.Sections = append(pm.Sections, debrief.Section{Key: s.Key, Heading: s.Heading, Body: s.Text()})
		p.in.Source.Sections[s.Key] = s.Line
		p.in.Source.SectionBodies[s.Key] = s.BodyLine
	}
	if m.StartedAt != nil {
		t := m.StartedAt
		p.date = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	} else if d, ok := p.doc.Day(); ok {
		p.date = d
	}
	p.structure()
}

// apply copies what the document says of itself into the Input: what
// import stores (export.ApplyMeta), and what only lint reads (authors,
// reviewers, owner, template).
func (p *mdParser) apply(m *mdread.Meta) {
	pm := p.in.Postmortem
	var inc *debrief.Incident
	if m.HasIncident {
		inc = p.ensureIncident()
	}
	export.ApplyMeta(m, pm, inc)
	pm.Title = m.Title
	pm.Owner, pm.CreatedBy = m.Owner, m.CreatedBy
	if m.Kind == string(debrief.KindProject) || m.Template == debrief.TemplateProject {
		pm.Kind = debrief.KindProject
	}
	pm.Template, pm.TemplateVersion = m.Template, m.TemplateVersion
	pm.PublishedAt = m.PublishedAt
	p.in.Authors = append(p.in.Authors, m.Authors...)
	p.in.Reviewers = append(p.in.Reviewers, m.Reviewers...)
	if inc != nil && strings.HasPrefix(m.IncidentKey, debrief.IncidentKeyPrefix) {
		inc.Key = m.IncidentKey
	}
}

func (p *mdParser) ensureIncident() *debrief.Incident {
	if p.in.Incident == nil {
		p.in.Incident = &debrief.Incident{Services: []string{}, Customers: []string{}, Labels: []string{}}
	}
	return p.in.Incident
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
	if realDay || p.dated > 0 && p.dated == len(p.in.Timeline) {
		// Times are real when the document gives the day, or when every
		// entry carries its own date ("2021-06-22 08:21").
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
			if e.HasDate {
				p.dated++
			}
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
