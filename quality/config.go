package quality

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/debriefhq/debrief/debrief"
	"gopkg.in/yaml.v3"
)

// Config turns rules off, changes their severity and adds words to the
// lists the rules use. The zero value of every field means "the default".
// A Config from ParseConfig or DefaultConfig is only read by Check, so one
// may serve concurrent checks.
//
// In YAML (JSON is read the same way):
//
//	rules:
//	  blameless.animated: off          # or: {severity: off}
//	  title.length: error
//	words:
//	  blame: [ "dropped the ball" ]
//	  names: [ "Alice", "Bob" ]
//	title_min_length: 30
type Config struct {
	Rules map[string]RuleConfig `yaml:"rules,omitempty" json:"rules,omitempty"`
	Words Words                 `yaml:"words,omitempty" json:"words,omitempty"`
	// TitleMinLength is the shortest title that is easy to find by search
	// (default 25 characters).
	TitleMinLength int `yaml:"title_min_length,omitempty" json:"title_min_length,omitempty"`
	// PreventiveSeverities are the incident severities that need at least
	// one preventive action item (default SEV1 and SEV2).
	PreventiveSeverities []string `yaml:"preventive_severities,omitempty" json:"preventive_severities,omitempty"`
	// DueDays is the publication deadline in days after resolution when the
	// template gives none (default 5; 0 keeps the default, -1 turns the
	// deadline off).
	DueDays int `yaml:"due_days,omitempty" json:"due_days,omitempty"`

	// built holds the merged word lists, made once by compile.
	built *lexicon
}

// RuleConfig changes one rule. In YAML it is a mapping or just a severity
// ("off", "error", "warning", "info").
type RuleConfig struct {
	Severity Severity `yaml:"severity,omitempty" json:"severity,omitempty"`
}

// UnmarshalYAML accepts both `rule: off` and `rule: {severity: off}`.
func (r *RuleConfig) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		r.Severity = Severity(strings.ToLower(strings.TrimSpace(n.Value)))
		if n.Tag == "!!bool" && (n.Value == "false" || n.Value == "off" || n.Value == "no") {
			r.Severity = SeverityOff
		}
		return nil
	}
	type plain RuleConfig
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*r = RuleConfig(p)
	r.Severity = Severity(strings.ToLower(strings.TrimSpace(string(r.Severity))))
	return nil
}

// Words are added to the built-in lists (they never replace them; use
// Allow to stop a built-in word from being flagged).
type Words struct {
	// VagueTitles are words that say nothing on their own in a title.
	VagueTitles []string `yaml:"vague_titles,omitempty" json:"vague_titles,omitempty"`
	// Blame are judgements of people: careless, stupid, …
	Blame []string `yaml:"blame,omitempty" json:"blame,omitempty"`
	// Counterfactual are hindsight phrases: should have, …
	Counterfactual []string `yaml:"counterfactual,omitempty" json:"counterfactual,omitempty"`
	// HumanError are phrases that stop the analysis at a person.
	HumanError []string `yaml:"human_error,omitempty" json:"human_error,omitempty"`
	// Animated is dramatic language: disaster, meltdown, …
	Animated []string `yaml:"animated,omitempty" json:"animated,omitempty"`
	// VagueVerbs start action items that cannot be finished: improve, look into, …
	VagueVerbs []string `yaml:"vague_verbs,omitempty" json:"vague_verbs,omitempty"`
	// ActionVerbs are verbs an action item may start with.
	ActionVerbs []string `yaml:"action_verbs,omitempty" json:"action_verbs,omitempty"`
	// FailureVerbs follow a person to make them the subject of a failure.
	FailureVerbs []string `yaml:"failure_verbs,omitempty" json:"failure_verbs,omitempty"`
	// Names are people's names to keep out of titles and failure sentences,
	// beyond the people the record names.
	Names []string `yaml:"names,omitempty" json:"names,omitempty"`
	// Allow lists words and phrases never to flag.
	Allow []string `yaml:"allow,omitempty" json:"allow,omitempty"`
}

// MaxConfigSize bounds a configuration file.
const MaxConfigSize = 1 << 20

const maxWordsPerList = 1000

// DefaultConfig returns the configuration used when none is given.
func DefaultConfig() *Config {
	c := &Config{}
	_ = c.compile()
	return c
}

// ParseConfig reads a configuration in YAML or JSON. Unknown keys, unknown
// rule ids and unknown severities are errors that name them, so a typo never
// silently turns a rule back on.
func ParseConfig(data []byte) (cfg *Config, err error) {
	if len(data) > MaxConfigSize {
		return nil, debrief.Errorf(debrief.ETooLarge, "config", "The configuration is %d bytes; at most %d are allowed.", len(data), MaxConfigSize)
	}
	c := &Config{}
	if len(bytes.TrimSpace(data)) > 0 {
		defer func() {
			// yaml.v3 has panicked on hostile input in the past; a bad
			// file must be an error, never a crash.
			if r := recover(); r != nil {
				cfg, err = nil, debrief.Errorf(debrief.EInvalid, "config", "The configuration is not valid YAML or JSON.")
			}
		}()
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
			msg := strings.TrimPrefix(err.Error(), "yaml: ")
			msg = strings.ReplaceAll(msg, "unmarshal errors:\n  ", "")
			msg = strings.ReplaceAll(msg, "in type quality.Config", "in the configuration")
			msg = strings.ReplaceAll(msg, "in type quality.Words", "in words")
			msg = strings.ReplaceAll(msg, "in type quality.plain", "in a rule")
			return nil, &debrief.Error{Code: debrief.EInvalid, Field: "config", Message: "The configuration is not valid: " + limit(msg, 300) + ".", Err: err}
		}
	}
	if err := c.compile(); err != nil {
		return nil, err
	}
	return c, nil
}

type ruleSetting struct{ severity Severity }

func (c *Config) rule(id string) ruleSetting {
	def := ruleByID(id)
	s := ruleSetting{severity: def.Severity}
	if rc, ok := c.Rules[id]; ok && rc.Severity != "" {
		s.severity = rc.Severity
	}
	return s
}

// compile checks the configuration and builds the word lists.
func (c *Config) compile() error {
	ids := make([]string, 0, len(c.Rules))
	for id := range c.Rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if ruleByID(id) == nil {
			return debrief.Errorf(debrief.EInvalid, "config", "Unknown rule %q in the configuration; `debrief lint --rules` lists them.", limit(id, 60))
		}
		if s := c.Rules[id].Severity; s != "" && s != SeverityOff && !s.valid() {
			return debrief.Errorf(debrief.EInvalid, "config", "Rule %s: unknown severity %q; use off, error, warning or info.", id, limit(string(s), 30))
		}
	}
	if c.TitleMinLength < 0 || c.TitleMinLength > debrief.MaxTitleLen {
		return debrief.Errorf(debrief.EInvalid, "config", "title_min_length must be between 0 and %d.", debrief.MaxTitleLen)
	}
	if c.DueDays < -1 || c.DueDays > debrief.MaxTemplateDueDays {
		return debrief.Errorf(debrief.EInvalid, "config", "due_days must be -1 (no deadline), 0 (the default) or up to %d.", debrief.MaxTemplateDueDays)
	}
	w := c.Words
	for name, list := range map[string][]string{
		"vague_titles": w.VagueTitles, "blame": w.Blame, "counterfactual": w.Counterfactual, "human_error": w.HumanError,
		"animated": w.Animated, "vague_verbs": w.VagueVerbs, "action_verbs": w.ActionVerbs, "failure_verbs": w.FailureVerbs,
		"names": w.Names, "allow": w.Allow,
	} {
		if len(list) > maxWordsPerList {
			return debrief.Errorf(debrief.EInvalid, "config", "words.%s has %d entries; at most %d are allowed.", name, len(list), maxWordsPerList)
		}
		for _, s := range list {
			if len(s) > 200 {
				return debrief.Errorf(debrief.EInvalid, "config", "words.%s: %q is too long (at most 200 characters).", name, limit(s, 40))
			}
		}
	}
	c.built = buildLexicon(c)
	return nil
}

func (c *Config) titleMinLength() int {
	if c.TitleMinLength > 0 {
		return c.TitleMinLength
	}
	return 25
}

func (c *Config) preventiveSeverities() []string {
	if len(c.PreventiveSeverities) > 0 {
		return c.PreventiveSeverities
	}
	return []string{"SEV1", "SEV2"}
}

func (c *Config) lexicon() *lexicon {
	if c.built == nil {
		_ = c.compile()
		if c.built == nil {
			c.built = buildLexicon(&Config{})
		}
	}
	return c.built
}

func limit(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// String describes the configuration for debugging.
func (c *Config) String() string {
	return fmt.Sprintf("quality.Config{%d rule settings}", len(c.Rules))
}
