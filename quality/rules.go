package quality

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/debriefhq/debrief/templates"
)

// Rule describes one check.
type Rule struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"` // the default
	// Summary says what the rule wants, for `debrief lint --rules` and SARIF.
	Summary string `json:"summary"`
	// Hint is the general fix; findings may give a more specific one.
	Hint string `json:"hint"`
}

type ruleDef struct {
	Rule
	run func(*checker)
}

// Rules lists every rule with its default severity, in the order they run.
func Rules() []Rule {
	out := make([]Rule, len(rules))
	for i, r := range rules {
		out[i] = r.Rule
	}
	return out
}

func ruleByID(id string) *ruleDef {
	for i := range rules {
		if rules[i].ID == id {
			return &rules[i]
		}
	}
	return nil
}

var rules []ruleDef

func init() {
	rules = []ruleDef{
		{Rule{"title.vague", SeverityError, "The title says what broke and for whom, not just 'Outage' or 'Incident'.",
			"Name the affected service, the symptom and how long it lasted, e.g. 'Checkout API returned errors for 42 minutes'."}, checkTitleVague},
		{Rule{"title.length", SeverityWarning, "The title is long enough to find by search.",
			"Add the affected service, the symptom and the duration."}, checkTitleLength},
		{Rule{"title.ticket", SeverityError, "The title is more than an internal ticket number.",
			"Keep the ticket number if you like, but say what broke: 'INC-4521: Login failed for EU customers for 20 minutes'."}, checkTitleTicket},
		{Rule{"title.person", SeverityWarning, "The title names no person.",
			"Name the system and the symptom; people belong in the timeline and roles, not the title."}, checkTitlePerson},
		{Rule{"sections.missing", SeverityError, "Every required section of the template is present.",
			"Add the section with its heading, or pick the template that fits."}, checkSectionsMissing},
		{Rule{"sections.empty", SeverityError, "Every required section is written.",
			"Write the section; the guidance under its heading says what belongs in it."}, checkSectionsEmpty},
		{Rule{"sections.placeholder", SeverityError, "No section is left at the template's starting text or a placeholder such as TBD.",
			"Replace the starting text or placeholder with what happened."}, checkSectionsPlaceholder},
		{Rule{"impact.numbers", SeverityError, "The impact is given in numbers: duration, users, customers or requests affected, or revenue.",
			"Give the size: how long, how many users, customers or requests, what share of traffic, how much revenue, e.g. '12% of checkout requests failed for 42 minutes'."}, checkImpactNumbers},
		{Rule{"impact.duration", SeverityWarning, "The impact says how long it lasted.",
			"Say how long customers were affected, e.g. 'from 14:02 to 14:44 UTC (42 minutes)', or record start and resolution times on the incident."}, checkImpactDuration},
		{Rule{"timeline.missing", SeverityError, "There is a timeline.",
			"Add the significant moments with times and zone: start, detection, key decisions, mitigation and resolution."}, checkTimelineMissing},
		{Rule{"timeline.moments", SeverityWarning, "The timeline shows when the problem was detected, mitigated and resolved.",
			"Add (or tag) the events where the problem was detected, mitigated and resolved."}, checkTimelineMoments},
		{Rule{"timeline.order", SeverityWarning, "The timeline is in order: detection before mitigation before resolution, and entries by time.",
			"Check the times: events are listed oldest first, and detection comes before mitigation and resolution."}, checkTimelineOrder},
		{Rule{"root-cause.missing", SeverityError, "The root cause is written.",
			"Say why it happened, and keep asking why past the first answer."}, checkRootCauseMissing},
		{Rule{"root-cause.human-error", SeverityError, "The root cause goes beyond 'human error'.",
			"Ask why the action was possible and why it caused harm: which check, guard or signal was missing."}, checkRootCauseHumanError},
		{Rule{"root-cause.factors", SeverityWarning, "Contributing factors are tagged.",
			"Tag the contributing factors (e.g. config-change, missing-alert, capacity) so patterns show across postmortems."}, checkContributingFactors},
		{Rule{"blameless.person", SeverityWarning, "No person or personal pronoun is the subject of a failure.",
			"Make the system or the action the subject: 'the deploy ran without a canary' rather than 'Alice deployed without a canary'."}, checkBlamelessPerson},
		{Rule{"blameless.human-error", SeverityWarning, "The text does not stop at 'human error'.",
			"Name the condition that let one action cause harm."}, checkBlamelessHumanError},
		{Rule{"blameless.counterfactual", SeverityWarning, "No hindsight phrases such as 'should have'.",
			"Say what happened and what will help next time."}, checkBlamelessCounterfactual},
		{Rule{"blameless.judgement", SeverityWarning, "No judgements of people: careless, stupid, obviously.",
			"Describe the action and the conditions around it, not the person."}, checkBlamelessJudgement},
		{Rule{"blameless.animated", SeverityInfo, "No dramatic language: disaster, meltdown, nightmare.",
			"Describe what happened plainly, with numbers."}, checkBlamelessAnimated},
		{Rule{"action-items.missing", SeverityError, "There are action items.",
			"Add the changes that keep this from happening again, each with an owner and a due date."}, checkActionItemsMissing},
		{Rule{"action-items.owner", SeverityWarning, "Every action item has an owner.",
			"Give each action item one owner, a person or a team."}, checkActionItemsOwner},
		{Rule{"action-items.due-date", SeverityWarning, "Every open action item has a due date.",
			"Give each action item a due date, so it is followed up."}, checkActionItemsDue},
		{Rule{"action-items.specific", SeverityWarning, "Every action item starts with a specific verb (not improve, look into, make better).",
			"Start with a verb that says what will change and can be finished, e.g. 'Add an alert on checkout error rate above 2%'."}, checkActionItemsSpecific},
		{Rule{"action-items.preventive", SeverityError, "A SEV1 or SEV2 incident has at least one preventive action item.",
			"Add an action item of type prevent: a change that stops this cause from recurring."}, checkActionItemsPreventive},
		{Rule{"publish.on-time", SeverityWarning, "The postmortem is published within the template's due days after resolution.",
			"Publish it (status published) while memories are fresh; the template sets the deadline."}, checkPublishOnTime},
		{Rule{"publish.shared", SeverityInfo, "The postmortem is shared beyond its authors: published, or with a reviewer who is not an author.",
			"Ask someone outside the authors to review it, or publish it so the whole organisation can learn from it."}, checkPublishShared},
	}
}

// ---- title ----

// ticketRe matches ticket numbers: INC-4521, #465, 20231. Three-digit
// numbers are left out: in a title they are far more often an HTTP status
// ("ALB 502 errors") than a ticket.
var ticketRe = regexp.MustCompile(`(?i)^(?:[a-z][a-z0-9]*-\d+|#\d+|\d{4,})$`)

// httpStatusRe matches an HTTP error status, which names a symptom.
var httpStatusRe = regexp.MustCompile(`^[45]\d\d$`)

// symptomWords name what went wrong; with a word naming the system they
// say what broke ("ADFS outage"), though not for whom or how long.
var symptomWords = map[string]bool{"outage": true, "outages": true, "down": true, "downtime": true, "failure": true, "errors": true, "error": true,
	"degradation": true, "disruption": true, "unavailable": true, "crash": true, "crashes": true, "timeouts": true, "latency": true, "5xx": true}

// saysWhatBroke reports whether the title names a system and a symptom,
// even if it is short: "ALB 502 errors", "KIAM service disruption".
func (c *checker) saysWhatBroke() bool {
	symptom := false
	for _, t := range c.titleTokens() {
		if symptomWords[t.word] || httpStatusRe.MatchString(t.word) {
			symptom = true
		}
	}
	return symptom && len(c.meaningfulTitleWords()) >= 1
}

func (c *checker) titleTokens() []token { return tokenize(c.pm.Title) }

// meaningfulTitleWords are the title's words that are not vague, dates,
// numbers or ticket numbers.
func (c *checker) meaningfulTitleWords() []token {
	var out []token
	for _, t := range c.titleTokens() {
		if c.lex.vagueTitles[t.word] || ticketRe.MatchString(t.raw) || isNumberish(t.word) {
			continue
		}
		out = append(out, t)
	}
	return out
}

func isNumberish(w string) bool {
	for i := 0; i < len(w); i++ {
		if !(w[i] >= '0' && w[i] <= '9' || w[i] == '-' || w[i] == '\'' || w[i] == 's' && i == len(w)-1 || w[i] == 't' || w[i] == 'h' || w[i] == 'n' || w[i] == 'r' || w[i] == 'd') {
			return false
		}
	}
	return hasDigit(w)
}

func checkTitleVague(c *checker) {
	title := strings.TrimSpace(c.pm.Title)
	if title == "" {
		c.addAt(nil, 0, 0, Finding{Message: "The postmortem has no title.", Suggestion: c.suggestTitle()})
		return
	}
	if hasTicketOnly(c) {
		return // title.ticket says it better
	}
	if len(c.meaningfulTitleWords()) < 2 && !c.saysWhatBroke() {
		c.addAt(nil, 0, 0, Finding{
			Message:    fmt.Sprintf("The title %q does not say what broke or for whom.", limit(title, 80)),
			Suggestion: c.suggestTitle(), Excerpt: title,
		})
	}
}

func checkTitleLength(c *checker) {
	title := strings.TrimSpace(c.pm.Title)
	if title == "" {
		return
	}
	if n := len([]rune(title)); n < c.cfg.titleMinLength() {
		c.addAt(nil, 0, 0, Finding{
			Message:    fmt.Sprintf("The title is %d characters long; titles under %d are hard to find by search.", n, c.cfg.titleMinLength()),
			Suggestion: c.suggestTitle(), Excerpt: title,
		})
	}
}

func hasTicketOnly(c *checker) bool {
	hasTicket := false
	for _, t := range c.titleTokens() {
		if ticketRe.MatchString(t.raw) {
			hasTicket = true
		}
	}
	return hasTicket && len(c.meaningfulTitleWords()) < 2 && !c.saysWhatBroke()
}

func checkTitleTicket(c *checker) {
	if hasTicketOnly(c) {
		c.addAt(nil, 0, 0, Finding{
			Message:    fmt.Sprintf("The title %q is a ticket number; nobody can tell from it what broke.", limit(c.pm.Title, 80)),
			Suggestion: c.suggestTitle(), Excerpt: c.pm.Title,
		})
	}
}

func checkTitlePerson(c *checker) {
	for _, t := range c.titleTokens() {
		if c.people[strings.TrimSuffix(t.word, "'s")] || strings.HasPrefix(t.raw, "@") && len(t.raw) > 1 {
			c.addAt(nil, 0, t.start+1, Finding{
				Message:    fmt.Sprintf("The title names a person (%q).", t.raw),
				Suggestion: c.suggestTitle(), Excerpt: c.pm.Title,
			})
			return
		}
	}
}

// suggestTitle builds a literal title from the affected service, the
// symptom and the duration, from what the record knows.
func (c *checker) suggestTitle() string {
	service := ""
	if inc := c.in.Incident; inc != nil && len(inc.Services) > 0 {
		service = inc.Services[0]
		if len(inc.Services) == 2 {
			service += " and " + inc.Services[1]
		} else if len(inc.Services) > 2 {
			service += " and " + fmt.Sprint(len(inc.Services)-1) + " other services"
		}
	}
	text := c.impactText()
	if service == "" {
		service = guessService(c.pm.Title + ". " + text)
	}
	if service == "" {
		service = "<service>"
	}
	symptom := guessSymptom(strings.ToLower(text + " " + c.pm.Title))
	who := ""
	if inc := c.in.Incident; inc != nil && len(inc.Customers) > 0 {
		who = strings.Join(inc.Customers[:min(2, len(inc.Customers))], " and ")
	} else if m := affectedRe.FindStringSubmatch(text); m != nil {
		who = strings.TrimSpace(m[0])
	}
	dur := ""
	if d := c.incidentDuration(); d > 0 {
		dur = templates.FormatDuration(d)
	} else if m := durationRe.FindString(text); m != "" {
		dur = strings.TrimSpace(m)
	}
	s := upperFirst(service) + " " + symptom
	if who != "" {
		s += " for " + who
	}
	if dur != "" {
		s += " for " + dur
	} else {
		s += " for <duration>"
	}
	return s
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

var symptoms = []struct {
	words  []string
	phrase string
}{
	{[]string{"data loss", "lost data", "deleted", "corrupt"}, "lost data"},
	{[]string{"504", "502", "500", "503", "5xx", "http error", "errors", "error rate", "failed", "failing", "exceptions"}, "returned errors"},
	{[]string{"timeout", "timed out", "timing out"}, "timed out"},
	{[]string{"latency", "slow", "p99", "degraded"}, "was slow"},
	{[]string{"429", "rate limit", "throttl"}, "rejected requests"},
	{[]string{"down", "outage", "unavailable", "unreachable", "offline"}, "was unavailable"},
	{[]string{"not shipped", "missing", "delayed", "backlog", "lag"}, "was delayed"},
}

func guessSymptom(lower string) string {
	for _, s := range symptoms {
		for _, w := range s.words {
			if strings.Contains(lower, w) {
				return s.phrase
			}
		}
	}
	return "<symptom>"
}

// guessService takes the words before "service", "API" or "cluster", e.g.
// "the Feature Flags service" → "Feature Flags".
var serviceRe = regexp.MustCompile(`\b((?:[A-Z][\w.+-]*\s){0,2}[A-Z][\w.+-]*)\s+(?:service|API|api|cluster|database|app|website|SDK|endpoint)\b`)

func guessService(text string) string {
	if m := serviceRe.FindStringSubmatch(text); m != nil {
		words := strings.Fields(m[1])
		for len(words) > 0 && (words[0] == "The" || words[0] == "Our" || words[0] == "A") {
			words = words[1:]
		}
		if len(words) > 0 {
			return strings.Join(words, " ") + " " + strings.Fields(m[0])[len(strings.Fields(m[0]))-1]
		}
	}
	return ""
}

func (c *checker) incidentDuration() time.Duration {
	inc := c.in.Incident
	if inc == nil || inc.StartedAt.IsZero() {
		return 0
	}
	end := inc.ResolvedAt
	if end == nil {
		end = inc.MitigatedAt
	}
	if end == nil || end.Before(inc.StartedAt) {
		return 0
	}
	return end.Sub(inc.StartedAt)
}

// ---- sections ----

// essentialRoles are checked when the template is unknown (Markdown from
// elsewhere): a postmortem without a summary is hard to read at all. The
// other essentials (timeline, root cause, action items) have their own rules.
var essentialRoles = []struct{ role, heading string }{{roleSummary, "Summary"}}

func checkSectionsMissing(c *checker) {
	if c.tpl != nil {
		for _, ts := range c.tpl.Sections {
			if !ts.Required || c.pm.Section(ts.Key) != nil {
				continue
			}
			if r := roleOf(ts.Key, ts.Heading); r != "" && len(c.byRole(r)) > 0 {
				continue // present under another key, e.g. "Root Causes" for root-cause
			}
			c.addAt(nil, 0, 0, Finding{Message: fmt.Sprintf("The required section %q is missing.", ts.Heading),
				Hint: "Add a section \"" + ts.Heading + "\": " + ts.Guidance, Section: ts.Key})
		}
		return
	}
	if !c.isIncident() {
		return
	}
	for _, e := range essentialRoles {
		if len(c.byRole(e.role)) == 0 && len(c.byRole(roleImpact)) == 0 {
			c.addAt(nil, 0, 0, Finding{Message: fmt.Sprintf("There is no %q section.", e.heading),
				Hint: "Start with a few sentences for someone who was not there: what happened, how long, who was affected."})
		}
	}
}

func (s *secInfo) required() bool { return s.sec.Required || s.tpl != nil && s.tpl.Required }

// bodyText returns the section's body without HTML comments (guidance
// some editors leave in the text) and surrounding space.
func bodyText(s *secInfo) string {
	if s.bodyDone {
		return s.body
	}
	s.body, s.bodyDone = joinProse(s.lines()), true
	return s.body
}

func joinProse(lines []proseLine) string {
	var b strings.Builder
	for _, l := range lines {
		if t := strings.TrimSpace(l.text); t != "" {
			b.WriteString(t)
			b.WriteByte('\n')
		}
	}
	return strings.TrimSpace(b.String())
}

func checkSectionsEmpty(c *checker) {
	for _, s := range c.secs {
		if !s.required() || bodyText(s) != "" {
			continue
		}
		// Sections filled from structured data count as written.
		switch s.role {
		case roleTimeline:
			if len(c.in.Timeline) > 0 {
				continue
			}
		case roleActionItems:
			if len(c.in.ActionItems) > 0 {
				continue
			}
		case roleRootCause:
			if strings.TrimSpace(c.pm.RootCause) != "" {
				continue
			}
		case roleContributing:
			if len(c.pm.ContributingFactors) > 0 {
				continue
			}
		case roleLessons:
			l := c.pm.Lessons
			if len(l.WentWell)+len(l.WentWrong)+len(l.GotLucky) > 0 {
				continue
			}
		}
		c.addAt(s, 0, 0, Finding{Message: fmt.Sprintf("The required section %q is empty.", s.sec.Heading), Hint: guidanceHint(s)})
	}
}

func guidanceHint(s *secInfo) string {
	g := s.sec.Guidance
	if g == "" && s.tpl != nil {
		g = s.tpl.Guidance
	}
	if g == "" {
		return ""
	}
	return "Write it: " + g
}

var placeholders = map[string]bool{
	"tbd": true, "todo": true, "tba": true, "n/a": true, "na": true, "...": true, "…": true, "-": true, "?": true, "wip": true,
	"to be done": true, "to be written": true, "to be determined": true, "fill in": true, "fill me in": true, "coming soon": true,
	"lorem ipsum": true, "placeholder": true, "xxx": true, "tk": true, "none yet": true,
}

var placeholderRe = regexp.MustCompile(`(?i)^(?:[-*]\s*)?(?:\[[^\]]*\]|<[^>]*>|\{[^}]*\}|_+|lorem ipsum.*)$`)

func isPlaceholder(text string) bool {
	t := strings.ToLower(strings.Trim(strings.TrimSpace(text), ".!:*_ "))
	if placeholders[t] || strings.HasPrefix(t, "todo:") || strings.HasPrefix(t, "tbd:") || strings.HasPrefix(t, "tbd ") || strings.HasPrefix(t, "todo ") && len(t) < 40 {
		return true
	}
	return placeholderRe.MatchString(strings.TrimSpace(text))
}

func checkSectionsPlaceholder(c *checker) {
	for _, s := range c.secs {
		body := strings.TrimSpace(s.sec.Body)
		if body == "" {
			continue
		}
		if s.tpl != nil && strings.TrimSpace(s.tpl.StartingText) != "" && s.tpl.IsStartingText(body) {
			c.addAt(s, 1, 0, Finding{Message: fmt.Sprintf("The section %q still holds the template's starting text.", s.sec.Heading),
				Hint: orDefault(guidanceHint(s), "Replace the starting text with what happened."), Excerpt: body})
			continue
		}
		if g := strings.TrimSpace(s.sec.Guidance); g != "" && body == g {
			c.addAt(s, 1, 0, Finding{Message: fmt.Sprintf("The section %q holds its guidance, not an answer.", s.sec.Heading),
				Hint: "Replace the guidance with what happened.", Excerpt: body})
			continue
		}
		text := bodyText(s)
		if text != "" && isPlaceholder(text) {
			c.addAt(s, 1, 0, Finding{Message: fmt.Sprintf("The section %q is a placeholder (%q).", s.sec.Heading, limit(text, 40)),
				Hint: orDefault(guidanceHint(s), "Replace the placeholder with what happened."), Excerpt: text})
			continue
		}
		// Placeholders left inside otherwise written text.
		for _, l := range s.lines() {
			for _, t := range l.toks {
				if t.raw == "TODO" || t.raw == "TBD" || t.raw == "FIXME" || t.raw == "XXX" {
					c.addAt(s, l.n, t.start+1, Finding{Message: fmt.Sprintf("The section %q still has a %s.", s.sec.Heading, t.raw),
						Hint: "Fill in what is missing before publishing.", Excerpt: strings.TrimSpace(l.text)})
					break
				}
			}
		}
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
