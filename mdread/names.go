package mdread

import (
	"regexp"
	"strings"
)

// Role is what a section is for, whatever its heading says.
type Role string

const (
	RoleSummary      Role = "summary"
	RoleImpact       Role = "impact"
	RoleTimeline     Role = "timeline"
	RoleRootCause    Role = "root-cause"
	RoleContributing Role = "contributing-factors"
	RoleTrigger      Role = "trigger"
	RoleResolution   Role = "resolution"
	RoleDetection    Role = "detection"
	RoleLessons      Role = "lessons"
	RoleActionItems  Role = "action-items"
)

// roleWords lists, in the order they are tried, the words and phrases
// that give a heading its role. Order matters: "Timeline of the root
// cause" is a timeline, "Contributing factors" are not the root cause,
// "Root cause and resolution" is a root cause.
var roleWords = []struct {
	role  Role
	words []string
}{
	{RoleTimeline, []string{"timeline", "chronology", "sequence of events"}},
	{RoleImpact, []string{"impact", "blast radius", "who was affected", "customer effect"}},
	{RoleContributing, []string{"contributing", "factors", "contributors"}},
	{RoleRootCause, []string{"root", "cause", "causes", "causal", "why it happened", "why did it happen", "why it broke", "what caused it", "rca", "analysis"}},
	{RoleActionItems, []string{"action", "actions", "next steps", "remediation", "remediations", "follow up", "follow-up", "follow-ups", "followups", "corrective", "preventive", "preventative", "todo", "todos", "to do", "tasks"}},
	{RoleLessons, []string{"lessons", "learnings", "learned", "learnt", "went well", "went wrong", "got lucky", "takeaways", "retrospective", "what we learned"}},
	{RoleSummary, []string{"summary", "overview", "tldr", "tl;dr", "description", "what happened", "background", "synopsis", "abstract", "executive summary"}},
	{RoleTrigger, []string{"trigger", "triggers", "triggered"}},
	{RoleResolution, []string{"resolution", "resolving", "recovery", "mitigation", "mitigations", "diagnosis", "fix", "remedy", "how we fixed it"}},
	{RoleDetection, []string{"detection", "detected", "how we noticed", "how it was noticed", "discovery", "alerting"}},
}

// RoleOf says what a section with this heading is for, by the meaning of
// its words: "What happened", "Overview" and "Summary" are summaries;
// "Root causes", "Why did it happen" root causes. "" when the heading
// names none of the roles.
func RoleOf(heading string) Role {
	h := " " + strings.Join(words(heading), " ") + " "
	switch h {
	case "  ":
		return ""
	case " why ":
		return RoleRootCause
	}
	for _, r := range roleWords {
		for _, w := range r.words {
			if strings.Contains(h, " "+w+" ") {
				return r.role
			}
		}
	}
	return ""
}

// words splits s into lower-case words: letters, digits and the
// apostrophes, hyphens and semicolons inside them ("tl;dr", "follow-up").
func words(s string) []string {
	s = strings.ToLower(Plain(s))
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, strings.Trim(b.String(), "-';"))
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		case (r == '-' || r == '\'' || r == ';') && b.Len() > 0:
			b.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// knownKeys maps headings as written to the section keys Debrief's
// built-in templates use, so an imported "Root Causes" fills the SRE
// template's "root-causes" section.
var knownKeys = map[string]string{
	"summary": "summary", "executive summary": "summary", "tl;dr": "summary", "tldr": "summary", "overview": "summary", "incident summary": "summary", "what happened": "summary",
	"impact": "impact", "customer impact": "impact", "user impact": "impact", "business impact": "impact",
	"timeline": "timeline", "incident timeline": "timeline", "timeline of events": "timeline", "detailed timeline": "timeline",
	"root cause": "root-cause", "root cause analysis": "root-cause", "cause": "root-cause", "rca": "root-cause", "why did it happen": "root-cause", "why": "root-cause",
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

// KeyOf is the section key for a heading: the built-in templates' key
// for the names they use, else a slug of the heading.
func KeyOf(heading string) string {
	if k, ok := knownKeys[normName(heading)]; ok {
		return k
	}
	return Slug(heading)
}

// Slug turns a heading into a key: lower-case letters and digits joined
// by "-", at most 60 characters.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range normName(s) {
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

// genericTitles name the kind of document rather than the incident.
var genericTitles = map[string]bool{"example postmortem": true, "postmortem": true, "post-mortem": true, "post mortem": true, "incident postmortem": true,
	"incident report": true, "postmortem report": true, "post-mortem report": true, "incident review": true, "incident post-mortem": true,
	"example post-mortem": true, "postmortem template": true, "retrospective": true, "incident retrospective": true, "rca": true, "root cause analysis report": true}

// IsSectionName reports whether a heading reads as the name of a section
// rather than a title: a name the templates use ("Summary", "Root
// causes"), or a short heading of at most three words with a role ("Why
// it broke"). "Node IPC incident response" is a title.
func IsSectionName(heading string) bool {
	if _, ok := knownKeys[normName(heading)]; ok {
		return true
	}
	return RoleOf(heading) != "" && len(words(heading)) <= 3
}

// IsGeneric reports whether a heading names the kind of document
// ("Postmortem", "Example Postmortem", "Incident report") rather than the
// incident.
func IsGeneric(heading string) bool { return genericTitles[normName(heading)] }

var (
	footnoteRe = regexp.MustCompile(`\^?\[\[?\d+\]?\]\([^)]*\)\^?`)
	mdLinkRe   = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
)

// emphasisMarks are removed by Plain; built once, as a Replacer is costly
// to build.
var emphasisMarks = strings.NewReplacer("**", "", "__", "", "`", "", "~~", "")

// Plain turns inline Markdown into plain text: footnote marks removed,
// links replaced by their text, emphasis and code marks dropped, spaces
// collapsed.
func Plain(s string) string {
	// A backslash before punctuation is CommonMark's escape: the mark is
	// text ("re\-resolve" is "re-resolve", "\*" a star, not emphasis).
	// Escaped marks are set aside as private-use runes until the end, so
	// the emphasis rules below leave them alone.
	escaped := strings.Contains(s, `\`)
	if escaped {
		s = hideEscapes(s)
	}
	if strings.Contains(s, "](") {
		s = footnoteRe.ReplaceAllString(s, "")
		s = mdLinkRe.ReplaceAllString(s, "$1")
	}
	s = emphasisMarks.Replace(s)
	s = strings.Join(strings.Fields(s), " ")
	// Single * and _ around words are emphasis; inside words (snake_case)
	// they are text.
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '*' || c == '_' {
			prevWord := i > 0 && isWordByte(s[i-1])
			nextWord := i+1 < len(s) && isWordByte(s[i+1])
			if !(prevWord && nextWord) {
				continue
			}
		}
		b.WriteByte(c)
	}
	out := strings.TrimSpace(b.String())
	if escaped {
		out = showEscapes(out)
	}
	return out
}

// escapeBase is where hideEscapes puts escaped ASCII punctuation: in the
// Unicode private use area, which no text of a postmortem uses.
const escapeBase = 0xE000

func hideEscapes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && isASCIIPunct(s[i+1]) {
			b.WriteRune(rune(escapeBase + int(s[i+1])))
			i++
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func showEscapes(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= escapeBase && r < escapeBase+128 {
			return r - escapeBase
		}
		return r
	}, s)
}

func isASCIIPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// normName is a heading in the form knownKeys and genericTitles use.
func normName(s string) string {
	s = strings.ToLower(Plain(s))
	s = strings.TrimRight(s, ":.?! ")
	s = strings.TrimSuffix(s, "(s)")
	return strings.TrimSpace(s)
}

// labelRe matches a labelled paragraph: "**Impact**: …", "**Impact:** …",
// "__Impact__: …" or, without emphasis, "Root cause: …".
var (
	boldLabelRe  = regexp.MustCompile(`^(?:\*\*|__)([^*_]{1,60}?)(?::(?:\*\*|__)|(?:\*\*|__)\s*:)\s*(.*)$`)
	plainLabelRe = regexp.MustCompile(`^([A-Z][A-Za-z()' -]{1,40}?):\s+(.*)$`)
)

// Label reads a labelled paragraph's first line: the label and the text
// after it. Without emphasis only a label that names a role counts, so a
// sentence like "Note: restart it" stays text.
func Label(line string) (label, rest string, ok bool) {
	t := strings.TrimSpace(line)
	if m := boldLabelRe.FindStringSubmatch(t); m != nil {
		return strings.TrimSpace(m[1]), strings.TrimSpace(footnoteAtStart(m[2])), true
	}
	if m := plainLabelRe.FindStringSubmatch(t); m != nil && len(words(m[1])) <= 4 && RoleOf(m[1]) != "" {
		return strings.TrimSpace(m[1]), strings.TrimSpace(m[2]), true
	}
	return "", "", false
}

// footnoteAtStart drops a footnote mark right after a label, as in the
// SRE book's "**Impact**:^[163](…)^ Estimated 1.21B queries lost".
func footnoteAtStart(s string) string {
	if loc := footnoteRe.FindStringIndex(s); loc != nil && loc[0] == 0 {
		return s[loc[1]:]
	}
	return s
}

// splitLabels turns labelled paragraphs with a role ("**Impact**: …") in
// the preamble and in sections of unknown role into sections of their own,
// the way the SRE book's example lays out its first page. A labelled
// section runs to the next such paragraph or the section's end.
func splitLabels(secs []*Section) []*Section {
	var out []*Section
	for _, s := range secs {
		if !s.Preamble && RoleOf(s.Heading) != "" {
			out = append(out, s)
			continue
		}
		var cuts []int // block indices that start a labelled section
		for k, b := range s.Blocks {
			if b.Kind != Paragraph || b.Start >= len(s.Body) {
				continue
			}
			if label, _, ok := Label(s.Body[b.Start]); ok && RoleOf(label) != "" {
				cuts = append(cuts, k)
			}
		}
		if len(cuts) == 0 {
			out = append(out, s)
			continue
		}
		head := &Section{Heading: s.Heading, Level: s.Level, Line: s.Line, Preamble: s.Preamble, Labelled: s.Labelled,
			Body: s.Body[:s.Blocks[cuts[0]].Start], BodyLine: s.BodyLine, Blocks: s.Blocks[:cuts[0]]}
		out = append(out, head)
		for n, k := range cuts {
			endBlock := len(s.Blocks)
			if n+1 < len(cuts) {
				endBlock = cuts[n+1]
			}
			start := s.Blocks[k].Start
			end := len(s.Body)
			if endBlock < len(s.Blocks) {
				end = s.Blocks[endBlock].Start
			}
			label, rest, _ := Label(s.Body[start])
			body := append([]string{rest}, s.Body[start+1:end]...)
			ls := &Section{Heading: Plain(label), Line: s.BodyLine + start, BodyLine: s.BodyLine + start, Labelled: true, Body: body}
			for _, b := range s.Blocks[k:endBlock] {
				b.Start -= start
				b.End -= start
				for i := range b.Items {
					b.Items[i].Start -= start
					b.Items[i].End -= start
				}
				ls.Blocks = append(ls.Blocks, b)
			}
			out = append(out, ls)
		}
	}
	return out
}
