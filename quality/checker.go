package quality

import (
	"strings"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/mdread"
	"github.com/debriefhq/debrief/templates"
)

// Section roles: what a section is for, found from its key or heading, so
// the rules work on any template and on Markdown written elsewhere.
const (
	roleSummary      = "summary"
	roleImpact       = "impact"
	roleTimeline     = "timeline"
	roleRootCause    = "root-cause"
	roleContributing = "contributing-factors"
	roleTrigger      = "trigger"
	roleActionItems  = "action-items"
	roleLessons      = "lessons"
	roleResolution   = "resolution"
	roleDetection    = "detection"
)

// roleOf returns the role of a section from its heading, else its key,
// by package mdread's meaning of the words, so lint and import agree on
// what each section is.
func roleOf(key, heading string) string {
	if r := mdread.RoleOf(heading); r != "" {
		return string(r)
	}
	return string(mdread.RoleOf(strings.ReplaceAll(key, "-", " ")))
}

// secInfo is one section with what the rules need to know about it.
type secInfo struct {
	sec *debrief.Section
	// text is the body with template variables rendered.
	text      string
	role      string
	tpl       *debrief.TemplateSection // the template's section, when known
	headingLn int                      // line of the heading in the document
	bodyLn    int                      // line the body starts on
	prose     []proseLine
	proseDone bool
	// body is the prose of the section on one string, made once.
	body     string
	bodyDone bool
}

func (s *secInfo) lines() []proseLine {
	if !s.proseDone {
		s.prose = proseLines(s.text)
		s.proseDone = true
	}
	return s.prose
}

type checker struct {
	in   *Input
	cfg  *Config
	lex  *lexicon
	pm   *debrief.Postmortem
	tpl  *debrief.CustomTemplate
	secs []*secInfo
	// people holds the lowercase words of names the record mentions
	// (owner, authors, roles, action item owners, event actors) and the
	// configured names.
	people  map[string]bool
	titleLn int

	rule     *ruleDef
	severity Severity
	findings []Finding
}

func newChecker(in *Input, cfg *Config) *checker {
	c := &checker{in: in, cfg: cfg, lex: cfg.lexicon(), pm: in.Postmortem}
	if c.pm == nil {
		c.pm = &debrief.Postmortem{}
	}
	c.tpl = in.Template
	if c.tpl == nil && c.pm.Template != "" {
		c.tpl = debrief.BuiltInCustom(c.pm.Template)
	}
	c.people = map[string]bool{}
	for n := range c.lex.names {
		c.people[n] = true
	}
	addName(c.people, c.pm.Owner)
	addName(c.people, c.pm.CreatedBy)
	for _, a := range in.Authors {
		addName(c.people, a)
	}
	for _, a := range in.Reviewers {
		addName(c.people, a)
	}
	if inc := in.Incident; inc != nil {
		addName(c.people, inc.Roles.Commander)
		addName(c.people, inc.Roles.Scribe)
		addName(c.people, inc.Roles.Communications)
	}
	for _, a := range in.ActionItems {
		if a != nil {
			addName(c.people, a.Owner)
		}
	}
	for _, e := range in.Timeline {
		if e != nil {
			addName(c.people, e.Actor)
		}
	}
	// Names that are also words the rules rely on would make every
	// sentence a finding; a person called "Will" is not worth that.
	for w := range c.people {
		if c.lex.actionVerbs[w] || c.lex.vagueTitles[w] || commonWords[w] {
			delete(c.people, w)
		}
	}
	c.layout()
	return c
}

// commonWords are English words that can also be names but appear in
// postmortems as words far more often.
var commonWords = map[string]bool{
	"will": true, "may": true, "mark": true, "bill": true, "grant": true, "sky": true, "rose": true, "max": true, "page": true,
	"dawn": true, "chase": true, "summer": true, "april": true, "june": true, "august": true, "rich": true, "miles": true,
	"art": true, "hope": true, "faith": true, "joy": true, "victor": true, "frank": true, "drew": true, "pat": true, "ray": true,
}

// layout finds each section's template definition and lines: from the
// source document when there is one, else as the record would be written
// out in Markdown (title, a blank line, then each "## Heading", a blank line
// and its body).
func (c *checker) layout() {
	src := c.in.Source
	line := 1
	c.titleLn = 1
	if src != nil {
		c.titleLn = src.Title
	}
	line = 3
	for i := range c.pm.Sections {
		s := &c.pm.Sections[i]
		si := &secInfo{sec: s, role: roleOf(s.Key, s.Heading), text: s.Body}
		if strings.Contains(s.Body, "{{") {
			// Rules read the text as readers see it, with variables such
			// as {{incident.duration}} filled in from the record; the
			// starting-text check compares the raw body.
			si.text = templates.Render(s.Body, c.in.Incident, templates.WithPostmortem(c.pm))
		}
		if c.tpl != nil {
			for k := range c.tpl.Sections {
				if c.tpl.Sections[k].Key == s.Key {
					si.tpl = &c.tpl.Sections[k]
					break
				}
			}
		}
		if src != nil {
			si.headingLn = src.Sections[s.Key]
			si.bodyLn = src.SectionBodies[s.Key]
			if si.bodyLn == 0 && si.headingLn > 0 {
				si.bodyLn = si.headingLn + 1
			}
		} else {
			si.headingLn = line
			si.bodyLn = line + 2
			line = si.bodyLn + strings.Count(strings.TrimRight(s.Body, "\n"), "\n") + 2
		}
		c.secs = append(c.secs, si)
	}
}

// docLine turns a line within a section body into a document line.
func (c *checker) docLine(s *secInfo, bodyLine int) int {
	if s == nil {
		return c.titleLn
	}
	if s.bodyLn <= 0 {
		return max(s.headingLn, 0)
	}
	return s.bodyLn + bodyLine - 1
}

func (c *checker) byRole(role string) []*secInfo {
	var out []*secInfo
	for _, s := range c.secs {
		if s.role == role {
			out = append(out, s)
		}
	}
	return out
}

// add records a finding of the running rule.
func (c *checker) add(f Finding) {
	f.Rule = c.rule.ID
	f.Severity = c.severity
	if f.Hint == "" {
		f.Hint = c.rule.Hint
	}
	if f.Line <= 0 {
		f.Line = 1
	}
	f.Excerpt = limit(f.Excerpt, 160)
	c.findings = append(c.findings, f)
}

// addAt records a finding about a section, at a line of its body.
func (c *checker) addAt(s *secInfo, bodyLine, col int, f Finding) {
	if s != nil {
		f.Section = s.sec.Key
		if bodyLine > 0 {
			f.SectionLine = bodyLine
			f.Line = c.docLine(s, bodyLine)
			f.Column = col
		} else {
			f.Line = s.headingLn
		}
	} else {
		f.Line = c.titleLn
	}
	c.add(f)
}

// isIncident reports whether incident rules apply (not a project postmortem).
func (c *checker) isIncident() bool { return c.pm.Kind != debrief.KindProject }

// severity of the incident, "" when unknown.
func (c *checker) incidentSeverity() string {
	if c.in.Incident != nil {
		return c.in.Incident.Severity
	}
	return ""
}
