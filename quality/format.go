package quality

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// FromRecord builds the Input for a stored postmortem. tpl is the template
// version it was made from (nil for the built-in one its key names).
func FromRecord(pm *debrief.Postmortem, inc *debrief.Incident, timeline []*debrief.TimelineEvent, items []*debrief.ActionItem, tpl *debrief.CustomTemplate) *Input {
	return &Input{Postmortem: pm, Incident: inc, Timeline: timeline, ActionItems: items, Template: tpl}
}

// Formats are the output formats of WriteReport.
var Formats = []string{"text", "json", "sarif"}

// WriteReport writes rep in format ("text", "json" or "sarif"). name is the
// file or record the report is about, used in text lines and SARIF
// locations.
func WriteReport(w io.Writer, rep *Report, format, name string) error {
	switch format {
	case "", "text":
		return writeText(w, rep, name)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case "sarif":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(SARIF(rep, name))
	}
	return debrief.Errorf(debrief.EInvalid, "format", "Unknown format %q; use text, json or sarif.", limit(format, 30))
}

func writeText(w io.Writer, rep *Report, name string) error {
	var b strings.Builder
	if name == "" {
		name = "postmortem"
	}
	for _, f := range rep.Findings {
		loc := fmt.Sprintf("%s:%d", name, f.Line)
		if f.Column > 0 {
			loc += fmt.Sprintf(":%d", f.Column)
		}
		fmt.Fprintf(&b, "%s: %s [%s] %s", loc, f.Severity, f.Rule, f.Message)
		if f.Section != "" {
			fmt.Fprintf(&b, " (section %s)", f.Section)
		}
		b.WriteByte('\n')
		if f.Hint != "" {
			fmt.Fprintf(&b, "    fix: %s\n", f.Hint)
		}
		if f.Suggestion != "" && f.Suggestion != f.Hint {
			fmt.Fprintf(&b, "    suggestion: %s\n", f.Suggestion)
		}
	}
	fmt.Fprintf(&b, "%s: score %d/100, %s, %s, %s\n", name, rep.Score, plural(rep.Errors, "error"), plural(rep.Warnings, "warning"), plural(rep.Infos, "note"))
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// SARIF 2.1.0, the subset code scanning tools read: one run, the rules in
// the driver, one result per finding with a physical location.

// SarifLog is the top-level SARIF object.
type SarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []SarifRun `json:"runs"`
}

// SarifRun is one run of the linter.
type SarifRun struct {
	Tool       SarifTool      `json:"tool"`
	Results    []SarifResult  `json:"results"`
	Properties map[string]any `json:"properties,omitempty"`
}

// SarifTool names the linter and its rules.
type SarifTool struct {
	Driver SarifDriver `json:"driver"`
}

// SarifDriver is the tool component.
type SarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Rules          []SarifRule `json:"rules"`
}

// SarifRule describes one rule.
type SarifRule struct {
	ID                   string            `json:"id"`
	ShortDescription     SarifMessage      `json:"shortDescription"`
	Help                 SarifMessage      `json:"help"`
	DefaultConfiguration SarifRuleDefaults `json:"defaultConfiguration"`
}

// SarifRuleDefaults holds a rule's default level.
type SarifRuleDefaults struct {
	Level string `json:"level"`
}

// SarifMessage is a plain-text message.
type SarifMessage struct {
	Text string `json:"text"`
}

// SarifResult is one finding.
type SarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   SarifMessage    `json:"message"`
	Locations []SarifLocation `json:"locations"`
}

// SarifLocation points at a line of a file.
type SarifLocation struct {
	PhysicalLocation SarifPhysicalLocation `json:"physicalLocation"`
}

// SarifPhysicalLocation is a file and a region in it.
type SarifPhysicalLocation struct {
	ArtifactLocation SarifArtifact `json:"artifactLocation"`
	Region           SarifRegion   `json:"region"`
}

// SarifArtifact names the file.
type SarifArtifact struct {
	URI string `json:"uri"`
}

// SarifRegion is where in the file; lines and columns are 1-based.
type SarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

func sarifLevel(s Severity) string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	}
	return "note"
}

// SARIF converts rep to a SARIF 2.1.0 log about the file name.
func SARIF(rep *Report, name string) *SarifLog {
	if name == "" {
		name = "postmortem.md"
	}
	all := Rules()
	run := SarifRun{Tool: SarifTool{Driver: SarifDriver{Name: "debrief-lint", InformationURI: "https://github.com/debriefhq/debrief"}},
		Results:    []SarifResult{},
		Properties: map[string]any{"score": rep.Score}}
	index := map[string]int{}
	for i, r := range all {
		index[r.ID] = i
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, SarifRule{
			ID: r.ID, ShortDescription: SarifMessage{r.Summary}, Help: SarifMessage{r.Hint},
			DefaultConfiguration: SarifRuleDefaults{Level: sarifLevel(r.Severity)},
		})
	}
	for _, f := range rep.Findings {
		msg := f.Message
		if f.Hint != "" {
			msg += " Fix: " + f.Hint
		}
		if f.Suggestion != "" && f.Suggestion != f.Hint {
			msg += " Suggestion: " + f.Suggestion
		}
		run.Results = append(run.Results, SarifResult{
			RuleID: f.Rule, RuleIndex: index[f.Rule], Level: sarifLevel(f.Severity), Message: SarifMessage{msg},
			Locations: []SarifLocation{{PhysicalLocation: SarifPhysicalLocation{
				ArtifactLocation: SarifArtifact{URI: name},
				Region:           SarifRegion{StartLine: max(1, f.Line), StartColumn: f.Column},
			}}},
		})
	}
	return &SarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []SarifRun{run}}
}
