// Package quality checks a postmortem the way a seasoned reviewer would:
// a clear, literal title; required sections written; impact in numbers; a
// timeline with detection, mitigation and resolution in order; a root cause
// beyond "human error"; blameless wording; specific action items with owners
// and due dates; published on time and shared.
//
// Every rule is deterministic and explainable: a finding names its rule, its
// severity, the section and line, and how to fix it. Stored postmortems and
// Markdown files go through the same rules, because both are first turned
// into an Input.
package quality

import (
	"sort"
	"sync"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Severity says how much a finding matters.
type Severity string

const (
	SeverityError   Severity = "error"   // the postmortem is not done until this is fixed
	SeverityWarning Severity = "warning" // a reviewer would ask for this
	SeverityInfo    Severity = "info"    // worth considering
	SeverityOff     Severity = "off"     // in configuration only: the rule does not run
)

func (s Severity) valid() bool {
	return s == SeverityError || s == SeverityWarning || s == SeverityInfo
}

// Input is everything the rules look at. Build it from the store (see
// FromRecord) or from Markdown (see ParseMarkdown).
type Input struct {
	Postmortem *debrief.Postmortem
	// Incident is nil for project postmortems and for Markdown that names
	// no incident details.
	Incident    *debrief.Incident
	Timeline    []*debrief.TimelineEvent
	ActionItems []*debrief.ActionItem
	// Template is the template version the postmortem was made from, with
	// its policy; nil means the built-in one named by Postmortem.Template,
	// or none when that is unknown.
	Template *debrief.CustomTemplate
	// Authors wrote the postmortem (the owner and creator count too);
	// Reviewers were asked to read it. Someone in Reviewers who is not an
	// author makes the postmortem "shared beyond the authors".
	Authors   []string
	Reviewers []string
	// Now is when the check runs, for deadlines; zero skips the checks that
	// need it.
	Now time.Time
	// KindsFromWords is set when the events' kinds were guessed from their
	// words (Markdown written elsewhere). Such guesses show which moments a
	// timeline names, but are too weak to call two moments out of order: a
	// first row saying "the account was deleted" is the trigger, not a
	// mitigation before the detection.
	KindsFromWords bool
	// StatusUnknown is set for a Markdown file that states no status: it
	// is not known to be unpublished (a file in a public repository is
	// published), so lateness is not judged.
	StatusUnknown bool
	// Source gives line numbers when the input came from a document; nil
	// means lines are counted in the Markdown layout of the record (title,
	// then each section as a heading and its body).
	Source *Source
}

// Source gives 1-based line numbers in the document an Input came from.
// It mirrors export.SourceMap so either parser can feed the rules.
type Source struct {
	// Name is the file name shown in output and SARIF (may be empty).
	Name  string
	Title int
	// Sections maps a section key to the line of its heading and
	// SectionBodies to the line its body starts on.
	Sections      map[string]int
	SectionBodies map[string]int
	// Timeline and ActionItems hold the line of each event and item, in
	// the order of Input.Timeline and Input.ActionItems.
	Timeline    []int
	ActionItems []int
	// FrontMatter is the line of the front matter's opening fence, 0 when
	// there is none.
	FrontMatter int
}

// Finding is one problem a rule found.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
	// Hint says how to fix it.
	Hint string `json:"hint"`
	// Suggestion is replacement text when the rule can offer one: a better
	// title, neutral wording.
	Suggestion string `json:"suggestion,omitempty"`
	// Section is the key of the section the finding is about ("" for the
	// title and record-level findings).
	Section string `json:"section,omitempty"`
	// Line is the 1-based line in the document (or in the record's
	// Markdown layout); SectionLine is the line within the section body, for
	// editors that edit one section at a time. Column is 1-based, in bytes,
	// when known.
	Line        int    `json:"line"`
	SectionLine int    `json:"section_line,omitempty"`
	Column      int    `json:"column,omitempty"`
	Excerpt     string `json:"excerpt,omitempty"`
}

// Report is the outcome of a check.
type Report struct {
	// Score is 100 minus the weight of the findings, at least 0.
	Score    int       `json:"score"`
	Errors   int       `json:"errors"`
	Warnings int       `json:"warnings"`
	Infos    int       `json:"infos"`
	Findings []Finding `json:"findings"`
}

// Weights of one finding and the most one rule can take off the score, so a
// single habit (the same blamey word ten times) cannot drown everything else.
var (
	weight    = map[Severity]int{SeverityError: 12, SeverityWarning: 4, SeverityInfo: 1}
	ruleLimit = map[Severity]int{SeverityError: 24, SeverityWarning: 12, SeverityInfo: 3}
)

// Check runs every enabled rule of cfg (nil means the defaults) on in.
// It never fails: missing parts of the input are findings, not errors.
func Check(in *Input, cfg *Config) *Report {
	if cfg == nil {
		cfg = defaultConfig()
	}
	c := newChecker(in, cfg)
	for i := range rules {
		r := &rules[i]
		rc := cfg.rule(r.ID)
		if rc.severity == SeverityOff {
			continue
		}
		c.rule, c.severity = r, rc.severity
		r.run(c)
	}
	return c.report()
}

func (c *checker) report() *Report {
	rep := &Report{Findings: c.findings}
	if rep.Findings == nil {
		rep.Findings = []Finding{}
	}
	sort.SliceStable(rep.Findings, func(i, j int) bool {
		a, b := rep.Findings[i], rep.Findings[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	lost := map[string]int{}
	total := 0
	for _, f := range rep.Findings {
		switch f.Severity {
		case SeverityError:
			rep.Errors++
		case SeverityWarning:
			rep.Warnings++
		default:
			rep.Infos++
		}
		w := weight[f.Severity]
		if lost[f.Rule]+w > ruleLimit[f.Severity] {
			w = max(0, ruleLimit[f.Severity]-lost[f.Rule])
		}
		lost[f.Rule] += w
		total += w
	}
	rep.Score = max(0, 100-total)
	return rep
}

// defaultConfig is built once: compiling the word lists costs more than
// checking a short postmortem, and a compiled Config is only read.
var defaultConfig = sync.OnceValue(DefaultConfig)
