package export

import (
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/mdread"
	"gopkg.in/yaml.v3"
)

// A plain document is Markdown written elsewhere. package mdread reads it
// (title, sections by meaning, timeline entries, action items); this file
// turns what it read into records. Timeline tables and lists whose every
// time was read become events, action-item tables and lists become action
// items, and every other line stays in its section's body, so nothing the
// author wrote is dropped; a Warning says what stayed text and why.

// sreKeys are keys only the SRE book layout uses; a document with several
// of them is marked as made from the "sre" template.
var sreKeys = []string{"impact", "root-causes", "trigger", "detection", "action-items", "lessons-learned"}

type plainParser struct {
	doc      *Document
	warnings []Warning
}

func parsePlain(_ *yaml.Node, lines []string, _ int) (*Document, error) {
	md := mdread.Parse([]byte(strings.Join(lines, "\n")))
	p := &plainParser{}
	pm := &debrief.Postmortem{Kind: debrief.KindIncident, Status: debrief.PostmortemDraft, Template: debrief.TemplateIncident, TemplateVersion: 1,
		ContributingFactors: []string{}, Lessons: debrief.Lessons{WentWell: []string{}, WentWrong: []string{}, GotLucky: []string{}}}
	p.doc = &Document{Postmortem: pm, Source: &SourceMap{Plain: true, Sections: map[string]int{}, SectionBodies: map[string]int{}}}
	pm.Title = strings.TrimSpace(md.Title)
	if pm.Title == "" {
		return nil, lineErr(1, "the document has no title; start it with a '# Title' line")
	}
	p.doc.Source.Title = md.TitleLine
	if md.FrontMatter != nil {
		p.doc.Source.FrontMatter = 1
	}
	if md.TitleFromText {
		p.warn(md.TitleLine, "the document has no '# Title' heading; its first line became the title")
	}
	day, _ := md.Day()

	tpl := debrief.BuiltInTemplate(debrief.TemplateIncident)
	sre := 0
	for _, s := range md.Sections {
		for _, k := range sreKeys {
			if s.Key == k {
				sre++
			}
		}
	}
	if sre >= 3 {
		tpl = debrief.BuiltInTemplate(debrief.TemplateSRE)
		pm.Template = tpl.Key
	}
	pm.Sections = []debrief.Section{}
	for _, s := range md.Sections {
		remove := map[int]bool{}
		switch s.Role {
		case mdread.RoleTimeline:
			p.timeline(s, day, remove)
		case mdread.RoleActionItems:
			p.actionItems(s, remove)
		}
		var keep []string
		for i, l := range s.Body {
			if !remove[i] {
				keep = append(keep, l)
			}
		}
		sec := debrief.Section{Key: s.Key, Heading: s.Heading, Body: strings.Trim(strings.Join(collapseBlank(keep), "\n"), "\n")}
		for _, ts := range tpl.Sections {
			if ts.Key == s.Key {
				sec.Guidance, sec.Required, sec.Internal = ts.Guidance, ts.Required, ts.Internal
			}
		}
		pm.Sections = append(pm.Sections, sec)
		p.doc.Source.Sections[s.Key] = s.Line
		p.doc.Source.SectionBodies[s.Key] = s.BodyLine
	}
	inc := &debrief.Incident{Title: pm.Title, Status: debrief.StatusResolved, Services: []string{}, Customers: []string{}, Labels: []string{}, Members: []string{}}
	for i, e := range p.doc.Timeline {
		if i == 0 || e.At.Before(inc.StartedAt) {
			inc.StartedAt = e.At
		}
	}
	ApplyMeta(md.Meta(), pm, inc)
	p.keepOrder(inc)
	p.timesFromTimeline(inc)
	p.doc.Incident = inc
	p.doc.Warnings = p.warnings
	return p.doc, nil
}

func (p *plainParser) warn(line int, format string, args ...any) {
	p.warnings = append(p.warnings, Warning{Line: line, Message: sprintf(format, args...)})
}

// timeline turns the section's timeline blocks whose every time was read
// into events; the others stay text, with a warning.
func (p *plainParser) timeline(s *mdread.Section, day time.Time, remove map[int]bool) {
	loc := s.TimelineZone()
	zone := "UTC"
	if loc != nil {
		zone = loc.String()
	}
	warnedZone := false
	for _, tb := range s.Timeline(mdread.Clock{Day: day, Zone: loc}) {
		if !tb.Complete {
			e := tb.Entries[tb.Bad]
			what := "the timeline table was kept as text"
			if !tb.Table {
				what = "the list was kept as text"
			}
			when := e.When
			if when == "" {
				when = e.Text
			}
			switch {
			case day.IsZero() && !e.DateOnly && timeWithoutDay(when, loc):
				p.warn(s.BodyLine+e.Start, "the timeline gives times but no date (%q); add a line such as 'Date: 2024-03-05' above it, or dates to its entries; %s", truncate(when, 40), what)
			case e.DateOnly:
				p.warn(s.BodyLine+e.Start, "the entry %q has a date but no time; %s", truncate(e.When, 40), what)
			case tb.Table:
				p.warn(s.BodyLine+e.Start, "the time %q is not one this reader knows; %s", truncate(e.When, 40), what)
			default:
				p.warn(s.BodyLine+e.Start, "the timeline entry %q does not start with a time this reader knows; %s", truncate(e.Text, 40), what)
			}
			continue
		}
		if loc == nil && !warnedZone {
			p.warn(s.Line, "the timeline names no time zone; its times were read as UTC")
			warnedZone = true
		}
		for _, e := range tb.Entries {
			text := e.Text
			if text == "" {
				text = "(no text)"
			}
			ez := zone
			if e.At.Location() != time.UTC && e.At.Location() != loc {
				ez = e.At.Location().String() // the entry named its own zone
			}
			if len(e.Extra) > 0 {
				text += "\n" + strings.Join(e.Extra, "\n") // the table's other columns
			}
			ev := &debrief.TimelineEvent{At: e.At.UTC(), Zone: ez, Source: debrief.SourceManual, Kind: debrief.KindNote, Text: text, Actor: e.Actor}
			markLifecycle(ev)
			p.doc.Timeline = append(p.doc.Timeline, ev)
			p.doc.Source.Timeline = append(p.doc.Source.Timeline, s.BodyLine+e.Start)
			if !tb.Table {
				for k := e.Start; k < e.End; k++ {
					remove[k] = true
				}
			}
		}
		if tb.Table {
			for k := tb.Start; k < tb.End; k++ {
				remove[k] = true
			}
		}
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

// actionTypeOf maps an action type as written to Debrief's closed
// vocabulary. "other", which the SRE book's example uses for decisions
// such as a production freeze, is a process item: Debrief has no "other",
// and process is the type of items that change how the team works.
func actionTypeOf(w string) (debrief.ActionType, bool) {
	t, ok := actionTypeWords[strings.ToLower(strings.TrimSpace(w))]
	return t, ok
}

var actionTypeWords = map[string]debrief.ActionType{
	"prevent": debrief.ActionPrevent, "prevention": debrief.ActionPrevent, "preventive": debrief.ActionPrevent, "preventative": debrief.ActionPrevent,
	"repair": debrief.ActionPrevent, "fix": debrief.ActionPrevent,
	"detect": debrief.ActionDetect, "detection": debrief.ActionDetect, "monitoring": debrief.ActionDetect, "alerting": debrief.ActionDetect,
	"mitigate": debrief.ActionMitigate, "mitigation": debrief.ActionMitigate,
	"process": debrief.ActionProcess, "other": debrief.ActionProcess, "documentation": debrief.ActionProcess,
	"investigate": debrief.ActionInvestigate, "investigation": debrief.ActionInvestigate,
}

var actionStatusWords = map[string]debrief.ActionStatus{
	"open": debrief.ActionOpen, "todo": debrief.ActionOpen, "to do": debrief.ActionOpen, "not started": debrief.ActionOpen,
	"in progress": debrief.ActionInProgress, "in_progress": debrief.ActionInProgress, "started": debrief.ActionInProgress, "doing": debrief.ActionInProgress,
	"done": debrief.ActionDone, "completed": debrief.ActionDone, "complete": debrief.ActionDone, "fixed": debrief.ActionDone, "closed": debrief.ActionDone, "✅": debrief.ActionDone,
	"won't do": debrief.ActionWontDo, "wont_do": debrief.ActionWontDo, "wontfix": debrief.ActionWontDo, "won't fix": debrief.ActionWontDo,
}

// priorityWords maps priorities written as words to Debrief's.
var priorityWords = map[string]debrief.Priority{"critical": debrief.PriorityP1, "urgent": debrief.PriorityP1, "high": debrief.PriorityP1,
	"medium": debrief.PriorityP2, "normal": debrief.PriorityP2, "low": debrief.PriorityP3}

// actionItems turns the section's action-item tables and lists into
// action items. A list whose items carry nested text, or an item without
// a title or longer than a title may be, stays text with a warning.
func (p *plainParser) actionItems(s *mdread.Section, remove map[int]bool) {
	var extras []string
	for _, ab := range s.ActionItems() {
		var items []*debrief.ActionItem
		ok := true
		for i, a := range ab.Items {
			line := s.BodyLine + a.Start
			if a.Title == "" || len(a.Title) > debrief.MaxTitleLen {
				p.warn(line, "an action item without a title (or over %d characters); the %s was kept as text", debrief.MaxTitleLen, kindWord(ab.Table))
				ok = false
				break
			}
			it := &debrief.ActionItem{Title: a.Title, Owner: a.Owner, TrackerURL: httpURL(a.Link)}
			if a.Detail != "" {
				// Links nested under a done item ("✅ Add tests" over two
				// pull requests) show it shipped; other nested text stays
				// in the section under the item's title (see below).
				if urls, only := onlyURLs(a.Detail); only && a.Done && len(strings.Join(urls, " ")) <= debrief.MaxTextLen {
					it.Verification = strings.Join(urls, " ")
					if it.TrackerURL == "" {
						it.TrackerURL = urls[0]
					}
					ab.Items[i].Detail = ""
				}
			}
			if a.Type != "" {
				if ty, known := actionTypeOf(a.Type); known {
					it.Type = ty
					if string(ty) != a.Type {
						ab.Items[i].Extra = append(ab.Items[i].Extra, "Type: "+a.Type) // "other" read as process
					}
				} else {
					p.warn(line, "the action type %q is not prevent, detect, mitigate, process or investigate; the default was used", truncate(a.Type, 30))
				}
			}
			if st, known := actionStatusWords[a.Status]; known {
				it.Status = st
			}
			if a.Done {
				it.Status = debrief.ActionDone
			}
			if pr := debrief.Priority(strings.ToUpper(a.Priority)); pr.Valid() {
				it.Priority = pr
			} else if pr, known := priorityWords[strings.ToLower(a.Priority)]; known {
				it.Priority = pr
			}
			it.DueDate = a.Due
			items = append(items, it)
		}
		if !ok || len(items) == 0 {
			continue
		}
		for i, it := range items {
			p.doc.ActionItems = append(p.doc.ActionItems, it)
			p.doc.Source.ActionItems = append(p.doc.Source.ActionItems, s.BodyLine+ab.Items[i].Start)
		}
		for k := ab.Start; k < ab.End; k++ {
			remove[k] = true
		}
		// Cells no field holds (a "Bug 5554823" reference, a Notes column)
		// stay in the section, one line per item.
		for _, a := range ab.Items {
			if len(a.Extra) > 0 {
				extras = append(extras, "- "+a.Title+": "+strings.Join(a.Extra, "; "))
			}
			if a.Detail != "" {
				extras = append(extras, "- "+a.Title)
				extras = append(extras, strings.Split(a.Detail, "\n")...)
			}
		}
	}
	if len(extras) > 0 {
		s.Body = append(s.Body, "")
		s.Body = append(s.Body, extras...)
	}
}

func kindWord(table bool) string {
	if table {
		return "table"
	}
	return "list"
}

func httpURL(u string) string {
	if strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://") {
		return u
	}
	return ""
}

// ApplyMeta stores what a document says of itself in its front matter and
// field lines ("**Severity**: SEV-2"), as package mdread's Meta read it,
// in the postmortem's and incident's own fields (inc may be nil). Import
// and lint both use it, so a root cause or a severity that lint credits is
// one the imported postmortem has. The front matter entries read here are
// left out of the "Front matter" section; the field lines stay in their
// sections as written. A severity this installation does not know is
// dropped by Import with a warning.
func ApplyMeta(m *mdread.Meta, pm *debrief.Postmortem, inc *debrief.Incident) {
	if st := debrief.PostmortemStatus(m.Status); st.Valid() {
		pm.Status = st
		pm.PublishedAt = m.PublishedAt
	}
	pm.RootCause = m.RootCause
	if len(m.Factors) > 0 {
		pm.ContributingFactors = m.Factors
	}
	if inc == nil {
		return
	}
	inc.Severity = m.Severity
	for _, f := range []struct {
		dst *[]string
		src []string
	}{{&inc.Services, m.Services}, {&inc.Customers, m.Customers}, {&inc.Labels, m.Labels}} {
		if len(f.src) > 0 {
			*f.dst = f.src
		}
	}
	inc.Impact = m.Impact
	inc.Roles = debrief.Roles{Commander: m.Commander, Scribe: m.Scribe, Communications: m.Comms}
	if m.StartedAt != nil {
		inc.StartedAt = *m.StartedAt
	}
	inc.DetectedAt, inc.MitigatedAt, inc.ResolvedAt = m.DetectedAt, m.MitigatedAt, m.ResolvedAt
}

// onlyURLs returns the web addresses of text whose every non-blank line
// is one, bare or as a list item; only is false when any line says more.
func onlyURLs(text string) (urls []string, only bool) {
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		l = strings.TrimSpace(strings.TrimLeft(l, "-*+"))
		if l == "" {
			continue
		}
		if u := httpURL(l); u == "" || strings.ContainsAny(l, " \t") {
			return nil, false
		}
		urls = append(urls, l)
	}
	return urls, len(urls) > 0
}

// timeWithoutDay reports whether s starts with a time that would be read
// if the document said which day it was.
func timeWithoutDay(s string, loc *time.Location) bool {
	if loc == nil {
		loc = time.UTC
	}
	_, _, ok := mdread.ReadStamp(s, loc, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	return ok
}

// keepOrder leaves out, with a warning, a time the document gives that is
// before the one it must follow (started ≤ detected ≤ mitigated ≤
// resolved): the Service refuses such an incident, and a typo in a front
// matter time should not refuse the whole file.
func (p *plainParser) keepOrder(inc *debrief.Incident) {
	prev, prevName := inc.StartedAt, "start"
	for _, f := range []struct {
		name string
		t    **time.Time
	}{{"detection", &inc.DetectedAt}, {"mitigation", &inc.MitigatedAt}, {"resolution", &inc.ResolvedAt}} {
		if *f.t == nil {
			continue
		}
		if !prev.IsZero() && (*f.t).Before(prev) {
			p.warn(p.doc.Source.FrontMatter, "the %s time (%s) is before the %s (%s), so it was left out", f.name, (*f.t).UTC().Format("2006-01-02 15:04"), prevName, prev.UTC().Format("2006-01-02 15:04"))
			*f.t = nil
			continue
		}
		prev, prevName = **f.t, f.name
	}
}

// timesFromTimeline dates the incident's detection, mitigation and
// resolution, where the document gives none, from what its timeline's
// entries say (package mdread's Moment: "alert fired", "rolled back",
// "back to normal"): the first detection, the first mitigation after it,
// the last resolution. Analytics (time to detect, mitigate, resolve) then
// cover imported history. A warning names the times and the entries, so a
// wrong reading is easy to correct on the incident.
func (p *plainParser) timesFromTimeline(inc *debrief.Incident) {
	// What each entry names: its words, and a milestone the author marked.
	names := make([]map[mdread.Moment]bool, len(p.doc.Timeline))
	var detected, mitigated, resolved *debrief.TimelineEvent
	for i, e := range p.doc.Timeline {
		names[i] = mdread.MomentsOf(e.Text)
		switch {
		case e.Kind == debrief.KindResolution || e.Lifecycle == debrief.LifecycleResolved:
			names[i] = map[mdread.Moment]bool{mdread.MomentResolution: true}
		case e.Kind == debrief.KindMitigation || e.Lifecycle == debrief.LifecycleMitigated:
			names[i] = map[mdread.Moment]bool{mdread.MomentMitigation: true}
		}
		if names[i][mdread.MomentDetection] && detected == nil {
			detected = e
		}
	}
	for i, e := range p.doc.Timeline {
		// A "deleted" or "restarted" before the detection is the trigger,
		// not the mitigation; an entry that tells the detection ("a
		// customer reached out: they had removed the SDK") is not the
		// mitigation either.
		if names[i][mdread.MomentMitigation] && mitigated == nil && e != detected && (detected == nil || !e.At.Before(detected.At)) {
			mitigated = e
		}
		if names[i][mdread.MomentResolution] {
			resolved = e
		}
	}
	prev := inc.StartedAt
	var read []string
	for _, f := range []struct {
		l debrief.Lifecycle
		e *debrief.TimelineEvent
	}{{debrief.LifecycleDetected, detected}, {debrief.LifecycleMitigated, mitigated}, {debrief.LifecycleResolved, resolved}} {
		if t := inc.Timestamp(f.l); t != nil {
			prev = *t // the document gave it
			continue
		}
		if f.e == nil || f.e.At.Before(prev) {
			continue
		}
		inc.SetTimestamp(f.l, f.e.At)
		prev = f.e.At
		if f.e.Kind == debrief.KindNote && f.e.Lifecycle == "" {
			// Read from ordinary words, not a milestone the author marked
			// ("**OUTAGE MITIGATED**"): say so.
			read = append(read, sprintf("%s at %s (%q)", f.l, prev.UTC().Format("2006-01-02 15:04 UTC"), truncate(mdread.Plain(f.e.Text), 40)))
		}
	}
	if len(read) > 0 && len(p.doc.Source.Timeline) > 0 {
		p.warn(p.doc.Source.Timeline[0], "the incident's times were read from the timeline's words: %s; correct them on the incident if they are wrong", strings.Join(read, ", "))
	}
}
