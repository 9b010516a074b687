package quality

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/mdread"
)

// ---- impact ----

var (
	durationRe = regexp.MustCompile(`(?i)\b\d+(?:[.,]\d+)?\s*(?:\+\s*)?(?:-\s*)?(?:ms|milliseconds?|secs?|seconds?|mins?|minutes?|hrs?|hours?|days?|weeks?|h|m)\b(?:\s+(?:and\s+)?\d+\s*(?:mins?|minutes?|secs?|seconds?|m|s)\b)?`)
	rangeRe    = regexp.MustCompile(`\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[A-Z]{2,4}\s*)?(?:-|–|—|to|until|till)\s*\d{1,2}:\d{2}\b`)
	affectedRe = regexp.MustCompile(`(?i)(?:~|about |around |approximately |over |more than |nearly |almost )?\b\d[\d,.]*\s*(?:%|percent|k|m|b|thousand|million|billion)?\s+(?:(?:of|of\s+(?:all|our|the))\s+)?(?:\w+\s+){0,2}?(?:users?|customers?|requests?|queries|query|teams?|accounts?|orders?|transactions?|calls?|sessions?|sites?|tenants?|organi[sz]ations?|orgs?|merchants?|people|members?|clients?|devices?|events?|messages?|jobs?|emails?|payments?|pages?|visitors?|shops?|stores?|projects?|repositories|builds?|deployments?|pods?|nodes?|services?|evaluations?|flags?|records?|rows?|files?|uploads?|downloads?|logins?|signups?|subscribers?|tickets?|apps?|applications?|websites?|domains?|traffic)\b`)
	percentRe  = regexp.MustCompile(`\d(?:[\d.,]*)\s*(?:%|percent)`)
	revenueRe  = regexp.MustCompile(`(?i)[$€£¥]\s?\d|\b\d[\d,.]*\s?(?:k|m)?\s?(?:usd|eur|gbp|dollars?|euros?|pounds)\b|\brevenue\b|\brefunds?\b|\bsla credits?\b`)
)

// impactText is where the impact is described: the incident's impact
// statement and the impact sections, or the summary when there is none.
func (c *checker) impactText() string {
	var b strings.Builder
	if c.in.Incident != nil {
		b.WriteString(c.in.Incident.Impact)
		b.WriteByte('\n')
	}
	secs := c.byRole(roleImpact)
	if len(secs) == 0 {
		// Without an impact section the impact is told in the summary, or
		// in the text before the first heading when a summary is kept
		// apart (in the front matter, as static-site postmortems do).
		secs = c.byRole(roleSummary)
		for _, s := range c.secs {
			if s.sec.Key == "introduction" {
				secs = append(secs, s)
			}
		}
	}
	for _, s := range secs {
		b.WriteString(bodyText(s))
		b.WriteByte('\n')
	}
	return b.String()
}

func (c *checker) impactSection() *secInfo {
	if s := c.byRole(roleImpact); len(s) > 0 {
		return s[0]
	}
	if s := c.byRole(roleSummary); len(s) > 0 {
		return s[0]
	}
	return nil
}

func checkImpactNumbers(c *checker) {
	if !c.isIncident() {
		return
	}
	text := c.impactText()
	if strings.TrimSpace(text) == "" && c.impactSection() == nil {
		c.addAt(nil, 0, 0, Finding{Message: "Nothing says what the impact was: there is no impact section and no impact statement."})
		return
	}
	if durationRe.MatchString(text) || rangeRe.MatchString(text) || affectedRe.MatchString(text) || percentRe.MatchString(text) || revenueRe.MatchString(text) {
		return
	}
	if inc := c.in.Incident; inc != nil && len(inc.Customers) > 0 && c.incidentDuration() > 0 {
		return
	}
	s := c.impactSection()
	line := 0
	if s != nil && strings.TrimSpace(s.sec.Body) != "" {
		line = 1
	}
	c.addAt(s, line, 0, Finding{Message: "The impact has no numbers: no duration, no count of users, customers or requests, no revenue."})
}

func checkImpactDuration(c *checker) {
	if !c.isIncident() || c.incidentDuration() > 0 {
		return
	}
	text := c.impactText()
	if strings.TrimSpace(text) == "" {
		return // impact.numbers reports the missing impact
	}
	// A title that gives the duration ("Webhooks delayed by up to 3 hours")
	// says how long too.
	if durationRe.MatchString(text) || rangeRe.MatchString(text) || durationRe.MatchString(c.pm.Title) {
		return
	}
	if !(affectedRe.MatchString(text) || percentRe.MatchString(text) || revenueRe.MatchString(text)) {
		return // impact.numbers already asks for numbers
	}
	s := c.impactSection()
	c.addAt(s, 1, 0, Finding{Message: "The impact does not say how long it lasted."})
}

// ---- timeline ----

// momentKind is what a timeline entry is: package mdread reads it from the
// entry's words, for import and lint alike; its value is its name.
type momentKind = mdread.Moment

const (
	momentNone       momentKind = ""
	momentDetection             = mdread.MomentDetection
	momentMitigation            = mdread.MomentMitigation
	momentResolution            = mdread.MomentResolution
)

func eventMoment(e *debrief.TimelineEvent) momentKind {
	switch {
	case e.Lifecycle == debrief.LifecycleResolved || e.Kind == debrief.KindResolution:
		return momentResolution
	case e.Lifecycle == debrief.LifecycleMitigated || e.Kind == debrief.KindMitigation:
		return momentMitigation
	case e.Lifecycle == debrief.LifecycleDetected || e.Lifecycle == debrief.LifecycleAcknowledged || e.Kind == debrief.KindDetection || e.Kind == debrief.KindAlert:
		return momentDetection
	}
	return momentNone
}

// momentsOfText returns every moment the words of a timeline line name.
func momentsOfText(text string) map[momentKind]bool {
	_, all := mdread.MomentsOfWords(" " + strings.Join(tokenWords(text), " ") + " ")
	return all
}

// momentOfText classifies a line of a timeline written as text.
func momentOfText(text string) momentKind {
	return momentOfTokens(tokenize(text))
}

func momentOfTokens(toks []token) momentKind {
	if len(toks) == 0 {
		return momentNone
	}
	var b strings.Builder
	b.WriteByte(' ')
	for _, t := range toks {
		b.WriteString(t.word)
		b.WriteByte(' ')
	}
	first, _ := mdread.MomentsOfWords(b.String())
	return first
}

func (c *checker) timelineSections() []*secInfo { return c.byRole(roleTimeline) }

func checkTimelineMissing(c *checker) {
	if !c.isIncident() || len(c.in.Timeline) > 0 {
		return
	}
	secs := c.timelineSections()
	for _, s := range secs {
		if bodyText(s) != "" {
			return
		}
	}
	var s *secInfo
	if len(secs) > 0 {
		s = secs[0]
	}
	c.addAt(s, 0, 0, Finding{Message: "There is no timeline."})
}

// moments returns which moments the timeline shows: from event kinds and
// lifecycle tags, the incident's timestamps, and the words of a timeline
// written as text.
func (c *checker) moments() map[momentKind]bool {
	found := map[momentKind]bool{}
	for _, e := range c.in.Timeline {
		if e == nil {
			continue
		}
		if m := eventMoment(e); m != momentNone {
			found[m] = true
		} else if m := momentOfText(e.Text); m != momentNone && e.Source == debrief.SourceManual {
			found[m] = true
		}
	}
	if inc := c.in.Incident; inc != nil {
		if inc.DetectedAt != nil || inc.AcknowledgedAt != nil {
			found[momentDetection] = true
		}
		if inc.MitigatedAt != nil {
			found[momentMitigation] = true
		}
		if inc.ResolvedAt != nil {
			found[momentResolution] = true
		}
	}
	for _, s := range c.timelineSections() {
		for _, l := range s.lines() {
			if m := momentOfTokens(l.toks); m != momentNone {
				found[m] = true
			}
		}
	}
	return found
}

func checkTimelineMoments(c *checker) {
	if !c.isIncident() {
		return
	}
	secs := c.timelineSections()
	if len(c.in.Timeline) == 0 && (len(secs) == 0 || bodyText(secs[0]) == "") {
		return // timeline.missing
	}
	found := c.moments()
	var missing []string
	for _, m := range []momentKind{momentDetection, momentMitigation, momentResolution} {
		if !found[m] {
			missing = append(missing, string(m))
		}
	}
	if len(missing) == 0 {
		return
	}
	var s *secInfo
	if len(secs) > 0 {
		s = secs[0]
	}
	c.addAt(s, 0, 0, Finding{Message: "The timeline does not show the " + joinAnd(missing) + "."})
}

func joinAnd(list []string) string {
	switch len(list) {
	case 0:
		return ""
	case 1:
		return list[0]
	}
	return strings.Join(list[:len(list)-1], ", ") + " and " + list[len(list)-1]
}

func (c *checker) eventLine(i int) int {
	if c.in.Source != nil && i < len(c.in.Source.Timeline) && c.in.Source.Timeline[i] > 0 {
		return c.in.Source.Timeline[i]
	}
	if s := c.timelineSections(); len(s) > 0 {
		return s[0].headingLn
	}
	return c.titleLn
}

func checkTimelineOrder(c *checker) {
	if !c.isIncident() {
		return
	}
	var sec *secInfo
	if s := c.timelineSections(); len(s) > 0 {
		sec = s[0]
	}
	events := c.in.Timeline
	for i := 1; i < len(events); i++ {
		if events[i] == nil || events[i-1] == nil || events[i].At.IsZero() || events[i-1].At.IsZero() {
			continue
		}
		if events[i].At.Before(events[i-1].At) {
			f := Finding{Message: fmt.Sprintf("This entry (%s) is listed after a later one (%s).", events[i].At.UTC().Format("2006-01-02 15:04"), events[i-1].At.UTC().Format("2006-01-02 15:04")),
				Excerpt: events[i].Text, Line: c.eventLine(i)}
			if sec != nil {
				f.Section = sec.sec.Key
			}
			c.add(f)
			break
		}
	}
	if c.in.KindsFromWords {
		return
	}
	// An entry written as text can be two moments at once ("a customer
	// reached out: they had removed the SDK"); it counts as each, and is
	// never out of order with itself.
	first := map[momentKind]*debrief.TimelineEvent{}
	idx := map[momentKind]int{}
	kindsOf := map[*debrief.TimelineEvent]map[momentKind]bool{}
	for i, e := range events {
		if e == nil || e.At.IsZero() {
			continue
		}
		kinds := map[momentKind]bool{}
		if e.Source == debrief.SourceManual || eventMoment(e) == momentNone {
			kinds = momentsOfText(e.Text)
		}
		if m := eventMoment(e); m != momentNone {
			kinds[m] = true
		}
		kindsOf[e] = kinds
		for m := range kinds {
			if first[m] == nil {
				first[m], idx[m] = e, i
			}
		}
	}
	pairs := [][2]momentKind{{momentDetection, momentMitigation}, {momentMitigation, momentResolution}, {momentDetection, momentResolution}}
	for _, p := range pairs {
		a, b := first[p[0]], first[p[1]]
		if a != nil && b != nil && b.At.Before(a.At) && !kindsOf[b][p[0]] {
			f := Finding{Message: fmt.Sprintf("The first %s (%s) comes before the first %s (%s).", string(p[1]), b.At.UTC().Format("2006-01-02 15:04"), string(p[0]), a.At.UTC().Format("2006-01-02 15:04")),
				Excerpt: b.Text, Line: c.eventLine(idx[p[1]]),
				Hint: "Check the times and kinds of these events; if the problem was mitigated before anyone detected it, say how."}
			if sec != nil {
				f.Section = sec.sec.Key
			}
			c.add(f)
			return
		}
	}
}

// ---- root cause ----

// rootCauseText is the root cause as written: the record's field and the
// root-cause sections, else the contributing-factors sections, which many
// teams (dfds among them) write instead of a single root cause.
func (c *checker) rootCauseText() string {
	var b strings.Builder
	b.WriteString(c.pm.RootCause)
	for _, s := range c.byRole(roleRootCause) {
		b.WriteByte('\n')
		b.WriteString(bodyText(s))
	}
	if strings.TrimSpace(b.String()) == "" {
		for _, s := range c.byRole(roleContributing) {
			b.WriteByte('\n')
			b.WriteString(bodyText(s))
		}
	}
	if strings.TrimSpace(b.String()) == "" {
		// A postmortem without sections for it may still name its cause
		// in so many words ("The outage was caused by …").
		for _, s := range c.secs {
			for _, sentence := range causalSentenceRe.FindAllString(bodyText(s), -1) {
				b.WriteByte('\n')
				b.WriteString(sentence)
			}
			for _, m := range activeCauseRe.FindAllStringSubmatch(bodyText(s), -1) {
				if len(strings.Fields(m[1])) >= 3 {
					b.WriteByte('\n')
					b.WriteString(m[0])
				}
			}
		}
	}
	return strings.TrimSpace(b.String())
}

// causalSentenceRe finds sentences that state a cause explicitly.
var causalSentenceRe = regexp.MustCompile(`(?i)[^.!?\n]*\b(?:root cause|caused by|the cause was|was triggered by|were triggered by|the trigger was|resulted from|stemmed from|stemming from)\b[^.!?\n]*[.!?]?`)

// activeCauseRe finds "X caused Y" sentences; X must name something (three
// words or more: "Transaction ID wraparound in Postgres caused…"), not
// just "a bug" or "problems".
var activeCauseRe = regexp.MustCompile(`(?i)(?:^|[.!?\n]\s*)([^.!?\n]*?)\bcaused\b[^.!?\n]*[.!?]?`)

func (c *checker) rootCauseSection() *secInfo {
	if s := c.byRole(roleRootCause); len(s) > 0 {
		return s[0]
	}
	if s := c.byRole(roleContributing); len(s) > 0 && c.pm.RootCause == "" {
		return s[0]
	}
	return nil
}

func checkRootCauseMissing(c *checker) {
	if !c.isIncident() || c.rootCauseText() != "" {
		return
	}
	c.addAt(c.rootCauseSection(), 0, 0, Finding{Message: "The root cause is not written."})
}

func checkRootCauseHumanError(c *checker) {
	if !c.isIncident() {
		return
	}
	text := c.rootCauseText()
	toks := tokenize(text)
	hit := ""
	for i := range toks {
		if p := c.lex.humanError.match(toks, i); p != nil {
			hit = p.text
			break
		}
	}
	if hit == "" {
		return
	}
	// Beyond human error means the analysis goes on: count the words that
	// are not the phrase itself.
	if len(toks)-len(strings.Fields(hit)) >= 25 {
		return
	}
	s := c.rootCauseSection()
	c.addAt(s, 1, 0, Finding{Message: fmt.Sprintf("The root cause stops at %q.", hit), Excerpt: text,
		Suggestion: "Ask why the action was possible and why it caused harm, e.g. 'The deploy tool accepted a config that failed validation, and nothing stopped it reaching every region at once.'"})
}

func checkContributingFactors(c *checker) {
	if !c.isIncident() || len(c.pm.ContributingFactors) > 0 {
		return
	}
	for _, s := range c.byRole(roleContributing) {
		if bodyText(s) != "" {
			return
		}
	}
	c.addAt(c.rootCauseSection(), 0, 0, Finding{Message: "No contributing factors are tagged."})
}

// ---- blameless language ----

// proseUnit is a piece of text the blameless rules read: a section, or a
// record field shown without a section (root cause, lessons).
type proseUnit struct {
	sec   *secInfo
	field string
	lines []proseLine
}

func (c *checker) proseUnits() []proseUnit {
	var out []proseUnit
	for _, s := range c.secs {
		out = append(out, proseUnit{sec: s, lines: s.lines()})
	}
	if strings.TrimSpace(c.pm.RootCause) != "" {
		out = append(out, proseUnit{field: "root_cause", lines: proseLines(c.pm.RootCause)})
	}
	l := c.pm.Lessons
	for _, list := range [][]string{l.WentWell, l.WentWrong, l.GotLucky} {
		for _, item := range list {
			out = append(out, proseUnit{field: "lessons", lines: proseLines(item)})
		}
	}
	return out
}

func (c *checker) addProse(u proseUnit, l proseLine, col int, f Finding) {
	if u.sec != nil {
		c.addAt(u.sec, l.n, col, f)
		return
	}
	f.Section = u.field
	f.Line = c.titleLn
	c.add(f)
}

// scanPhrases reports every phrase of set found in the prose.
func (c *checker) scanPhrases(set *phraseSet, message string) {
	for _, u := range c.proseUnits() {
		for _, l := range u.lines {
			toks := l.toks
			for i := 0; i < len(toks); i++ {
				if a := c.lex.allow.match(toks, i); a != nil {
					i += len(a.words) - 1
					continue
				}
				p := set.match(toks, i)
				if p == nil {
					continue
				}
				raw := l.text[toks[i].start:toks[i+len(p.words)-1].end]
				c.addProse(u, l, toks[i].start+1, Finding{
					Message: fmt.Sprintf(message, raw), Suggestion: p.suggestion, Excerpt: strings.TrimSpace(l.text),
				})
				i += len(p.words) - 1
			}
		}
	}
}

func checkBlamelessHumanError(c *checker) {
	c.scanPhrases(c.lex.humanError, "%q stops the analysis at a person.")
}

func checkBlamelessCounterfactual(c *checker) {
	c.scanPhrases(c.lex.counterfactual, "%q judges with hindsight.")
}

func checkBlamelessJudgement(c *checker) {
	c.scanPhrases(c.lex.blame, "%q judges a person.")
}

func checkBlamelessAnimated(c *checker) {
	c.scanPhrases(c.lex.animated, "%q is dramatic; plain words and numbers carry more.")
	// Several exclamation marks read as alarm.
	for _, u := range c.proseUnits() {
		for _, l := range u.lines {
			if i := strings.Index(l.text, "!!"); i >= 0 {
				c.addProse(u, l, i+1, Finding{Message: "Exclamation marks read as alarm.", Suggestion: "End the sentence with a full stop.", Excerpt: strings.TrimSpace(l.text)})
			}
		}
	}
}

// notSubjectBefore are words after which a name is an object, not a subject
// ("paged Alice", "by Bob").
var notSubjectBefore = map[string]bool{
	"by": true, "to": true, "with": true, "from": true, "for": true, "of": true, "asked": true, "told": true, "paged": true,
	"called": true, "pinged": true, "thanked": true, "helped": true, "and": false, "cc": true, "via": true, "at": true,
}

func checkBlamelessPerson(c *checker) {
	for _, u := range c.proseUnits() {
		for _, l := range u.lines {
			toks := l.toks
			for i := 0; i < len(toks); i++ {
				t := toks[i]
				if i > 0 && notSubjectBefore[toks[i-1].word] {
					continue
				}
				known := c.people[strings.TrimSuffix(t.word, "'s")] || pronounSubjects[t.word] || strings.HasPrefix(t.raw, "@") && len(t.raw) > 1
				capitalised := t.raw[0] >= 'A' && t.raw[0] <= 'Z'
				if !known && !capitalised {
					continue
				}
				// Look at the next three words of the same sentence for
				// a failure verb.
				for j := i + 1; j < len(toks) && j <= i+3; j++ {
					if toks[j].sentenceStart || strings.ContainsAny(l.text[toks[j-1].end:toks[j].start], ",;()") {
						break
					}
					w := toks[j].word
					// "he should have tested it" blames as much as "he failed to".
					counterfactual := (w == "should" || w == "shouldn't") && j+1 < len(toks) && toks[j+1].word == "have" || w == "should've"
					if known && (c.lex.failureVerbs[w] || counterfactual) || !known && humanOnlyVerbs[w] {
						if w == "failed" && j+1 < len(toks) && !(toks[j+1].word == "to") {
							break // "He failed over the database" is an action, not a failure.
						}
						subject := t.raw
						c.addProse(u, l, t.start+1, Finding{
							Message:    fmt.Sprintf("%q is the subject of a failure (%q).", subject, l.text[t.start:toks[j].end]),
							Suggestion: "Make the system or the action the subject: say what happened and what allowed it, e.g. 'The migration ran without a dry run because the runbook did not require one.'",
							Excerpt:    strings.TrimSpace(l.text),
						})
						i = j
						break
					}
				}
			}
		}
	}
}

// ---- action items ----

func (c *checker) actionSection() *secInfo {
	if s := c.byRole(roleActionItems); len(s) > 0 {
		return s[0]
	}
	return nil
}

func (c *checker) itemFinding(i int, a *debrief.ActionItem, f Finding) {
	if c.in.Source != nil && i < len(c.in.Source.ActionItems) && c.in.Source.ActionItems[i] > 0 {
		f.Line = c.in.Source.ActionItems[i]
	} else if s := c.actionSection(); s != nil {
		f.Line = s.headingLn
	} else {
		f.Line = c.titleLn
	}
	if s := c.actionSection(); s != nil {
		f.Section = s.sec.Key
	}
	f.Excerpt = a.Title
	c.add(f)
}

func itemName(a *debrief.ActionItem) string {
	if a.Key != "" {
		return a.Key + " " + fmt.Sprintf("%q", limit(a.Title, 60))
	}
	return fmt.Sprintf("%q", limit(a.Title, 60))
}

func checkActionItemsMissing(c *checker) {
	if !c.isIncident() || len(c.in.ActionItems) > 0 {
		return
	}
	c.addAt(c.actionSection(), 0, 0, Finding{Message: "There are no action items."})
}

func checkActionItemsOwner(c *checker) {
	for i, a := range c.in.ActionItems {
		if a == nil || a.Status == debrief.ActionWontDo || strings.TrimSpace(a.Owner) != "" {
			continue
		}
		c.itemFinding(i, a, Finding{Message: "Action item " + itemName(a) + " has no owner."})
	}
}

func checkActionItemsDue(c *checker) {
	for i, a := range c.in.ActionItems {
		if a == nil || a.Status.Closed() || a.DueDate != nil {
			continue
		}
		c.itemFinding(i, a, Finding{Message: "Action item " + itemName(a) + " has no due date."})
	}
}

// verbPrefixes are the prefixes a verb takes with a hyphen ("re-resolve").
var verbPrefixes = map[string]bool{"re": true, "pre": true, "un": true, "de": true, "co": true, "auto": true}

func checkActionItemsSpecific(c *checker) {
	for i, a := range c.in.ActionItems {
		if a == nil {
			continue
		}
		toks := tokenize(a.Title)
		if len(toks) == 0 {
			continue
		}
		if v := c.vagueVerb(toks); v != "" {
			c.itemFinding(i, a, Finding{Message: fmt.Sprintf("Action item %s starts with %q, which cannot be finished or checked.", itemName(a), v)})
			continue
		}
		// "Circuit breakers: add a breaker to…" — a short label, then the action.
		if i := strings.Index(a.Title, ": "); i > 0 && i < 60 {
			if rest := tokenize(a.Title[i+2:]); len(rest) > 0 && c.lex.actionVerbs[rest[0].word] && c.vagueVerb(rest) == "" {
				continue
			}
		}
		first := toks[0].word
		if head, tail, ok := strings.Cut(first, "-"); ok && c.lex.actionVerbs[head] {
			first = head // "Load-test …" starts with its first part's verb
		} else if ok && verbPrefixes[head] && c.lex.actionVerbs[tail] {
			first = tail // "Re-resolve …", "Pre-warm …": the verb after the prefix
		}
		if c.lex.actionVerbs[first] {
			if len(toks) < 3 {
				c.itemFinding(i, a, Finding{Message: fmt.Sprintf("Action item %s is too short to say what will change.", itemName(a))})
			}
			continue
		}
		if stem := c.gerundStem(first); stem != "" {
			c.itemFinding(i, a, Finding{Message: fmt.Sprintf("Action item %s starts with %q; start with the verb itself.", itemName(a), toks[0].raw),
				Suggestion: upperFirst(stem) + a.Title[toks[0].end:]})
			continue
		}
		c.itemFinding(i, a, Finding{Message: fmt.Sprintf("Action item %s does not start with a verb.", itemName(a))})
	}
}

// vagueVerb returns the vague verb phrase the title starts with, if any.
func (c *checker) vagueVerb(toks []token) string {
	for _, v := range c.lex.vagueVerbs {
		if len(v) > len(toks) {
			continue
		}
		ok := true
		for k, w := range v {
			if toks[k].word != w {
				ok = false
				break
			}
		}
		if ok {
			return strings.Join(v, " ")
		}
	}
	return ""
}

// gerundStem turns "adding" into "add", "creating" into "create",
// "setting" into "set", when the result is a known action verb.
func (c *checker) gerundStem(w string) string {
	if !strings.HasSuffix(w, "ing") || len(w) < 5 {
		return ""
	}
	s := w[:len(w)-3]
	cands := []string{s, s + "e"}
	if n := len(s); n >= 2 && s[n-1] == s[n-2] {
		cands = append(cands, s[:n-1])
	}
	for _, v := range cands {
		if c.lex.actionVerbs[v] {
			return v
		}
	}
	return ""
}

func checkActionItemsPreventive(c *checker) {
	sev := c.incidentSeverity()
	if !c.isIncident() || sev == "" || len(c.in.ActionItems) == 0 {
		return
	}
	need := false
	for _, s := range c.cfg.preventiveSeverities() {
		if strings.EqualFold(s, sev) {
			need = true
		}
	}
	if !need {
		return
	}
	for _, a := range c.in.ActionItems {
		if a != nil && a.Type == debrief.ActionPrevent && a.Status != debrief.ActionWontDo {
			return
		}
	}
	c.addAt(c.actionSection(), 0, 0, Finding{Message: fmt.Sprintf("This %s incident has no preventive action item.", sev)})
}

// ---- publication ----

func (c *checker) dueDays() int {
	if c.cfg.DueDays < 0 {
		return 0
	}
	if c.tpl != nil {
		return c.tpl.Policy.DueDays
	}
	if c.cfg.DueDays > 0 {
		return c.cfg.DueDays
	}
	return debrief.DefaultTemplatePolicy.DueDays
}

func (c *checker) published() bool {
	return c.pm.Status == debrief.PostmortemPublished || c.pm.PublishedAt != nil
}

func (c *checker) recordLine() int {
	if c.in.Source != nil && c.in.Source.FrontMatter > 0 {
		return c.in.Source.FrontMatter
	}
	return c.titleLn
}

func checkPublishOnTime(c *checker) {
	if !c.isIncident() || c.in.Incident == nil || c.in.Incident.ResolvedAt == nil {
		return
	}
	days := c.dueDays()
	if days <= 0 {
		return
	}
	due := c.in.Incident.ResolvedAt.UTC().AddDate(0, 0, days)
	day := func(t time.Time) string { return t.UTC().Format("2006-01-02") }
	switch {
	case c.pm.PublishedAt != nil:
		if late := c.pm.PublishedAt.Sub(due); late > 0 {
			c.add(Finding{Line: c.recordLine(), Message: fmt.Sprintf("Published on %s, %s after the deadline of %s (%d days after resolution).", day(*c.pm.PublishedAt), daysText(late), day(due), days),
				Hint: "Publish within the template's deadline next time; the reasons it was late may be worth a line in the postmortem."})
		}
	case c.published():
		// Published, but the time is not known (Markdown with a status only).
	case c.in.StatusUnknown:
		// A file that says nothing of its status may well be published.
	case !c.in.Now.IsZero() && c.in.Now.After(due):
		c.add(Finding{Line: c.recordLine(), Message: fmt.Sprintf("Not published, and %s overdue: it was due on %s, %d days after resolution.", daysText(c.in.Now.Sub(due)), day(due), days)})
	}
}

func daysText(d time.Duration) string {
	n := int(d.Hours() / 24)
	if n < 1 {
		return "less than a day"
	}
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

func checkPublishShared(c *checker) {
	if c.published() {
		return
	}
	authors := map[string]bool{}
	for _, a := range append([]string{c.pm.Owner, c.pm.CreatedBy}, c.in.Authors...) {
		authors[strings.ToLower(strings.TrimSpace(a))] = true
	}
	for _, r := range c.in.Reviewers {
		if r = strings.ToLower(strings.TrimSpace(r)); r != "" && !authors[r] {
			return
		}
	}
	c.add(Finding{Line: c.recordLine(), Message: "The postmortem is not shared beyond its authors: it is not published and has no reviewer from outside."})
}
