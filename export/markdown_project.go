package export

import (
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// markerProject starts the part of a project postmortem that is not a
// section: the dates it was live, the results against its goals and the
// team's feedback. The part is written from the front matter's copy of
// the project and is only there to be read: ParseMarkdown takes the project
// from the front matter and skips this block, so the round trip stays
// exact and an edit to the table here is not mistaken for data.
const markerProject = "<!-- debrief:project -->"

// writeProject writes pm's project part after its sections; nothing when pm
// is not a project postmortem or records nothing of it yet.
func writeProject(b *strings.Builder, pm *debrief.Postmortem) {
	pr := pm.Project
	if pr == nil || (pr.LiveFrom == nil && pr.LiveUntil == nil && len(pr.Metrics) == 0 && len(pr.Feedback) == 0) {
		return
	}
	b.WriteString("\n" + markerProject + "\n")
	if pr.LiveFrom != nil || pr.LiveUntil != nil {
		b.WriteString("## Dates live\n\n")
		if pr.LiveFrom != nil {
			b.WriteString("- Live from " + fmtTime(*pr.LiveFrom, time.UTC) + "\n")
		}
		if pr.LiveUntil != nil {
			b.WriteString("- Live until " + fmtTime(*pr.LiveUntil, time.UTC) + "\n")
		} else {
			b.WriteString("- Still live\n")
		}
		b.WriteString("\n")
	}
	if t := metricsMarkdown(pr.Metrics); t != "" {
		b.WriteString("## Results against goals\n\n" + t + "\n")
	}
	if len(pr.Feedback) > 0 {
		b.WriteString("## Team feedback\n\n")
		for _, f := range pr.Feedback {
			// The public version has neither (Public): its entries are
			// unsigned, as in its HTML.
			who := f.Name
			if who == "" {
				who = f.Member
			}
			if who != "" {
				b.WriteString("**" + escapeMarkdown(headingDisplay(who)) + "**: ")
			}
			b.WriteString(feedbackText(f.Text) + "\n\n")
		}
	}
}

// feedbackText keeps a member's text as written, except what the Markdown
// cannot carry and read back: control characters and invalid UTF-8 become
// spaces, and a line that would read as a marker has its "<" written as an
// entity, so it shows the same. The exact text is in the front matter.
func feedbackText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || r == 0xfeff {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, " "))
	s = strings.TrimSpace(s)
	if !strings.Contains(s, markerPrefix) {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if isMarker(l) {
			lines[i] = strings.Replace(l, "<", "&lt;", 1)
		}
	}
	return strings.Join(lines, "\n")
}
