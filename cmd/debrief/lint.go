package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/quality"
)

// LintCmd checks postmortems: Markdown files offline, stored ones through
// the server.
type LintCmd struct {
	ClientFlags `embed:""`
	Targets     []string `arg:"" optional:"" name:"FILE.md|ID" help:"Markdown files to check offline (- reads stdin), or stored postmortems by ID or key (PM-7)."`
	Format      string   `short:"f" enum:"text,json,sarif" default:"text" help:"Output: text, json or sarif (SARIF 2.1.0 for code scanning)."`
	Config      string   `short:"c" help:"Rule settings file (YAML or JSON): turn rules off, change their severity, add words." placeholder:"FILE"`
	FailOn      string   `enum:"error,warning,never" default:"error" help:"Exit non-zero when findings of this severity or worse are found: error, warning or never."`
	Rules       bool     `help:"List the rules with their default severity and exit."`
}

// lintTarget is one checked postmortem.
type lintTarget struct {
	name   string
	report *quality.Report
}

// Run checks each target and prints one report per target (one SARIF log
// for all of them).
func (c *LintCmd) Run(env *Env) error {
	if c.JSON {
		c.Format = "json"
	}
	if c.Rules {
		return c.printRules(env)
	}
	if len(c.Targets) == 0 {
		return &usageError{msg: `Say what to check: a Markdown file (debrief lint postmortem.md) or a stored postmortem (debrief lint PM-7). Run "debrief lint --help" to see the usage.`}
	}
	var cfg *quality.Config
	var rawConfig json.RawMessage
	if c.Config != "" {
		data, err := os.ReadFile(c.Config)
		if err != nil {
			return fmt.Errorf("cannot read the config file %s: %v", c.Config, fileErrorText(err))
		}
		if cfg, err = quality.ParseConfig(data); err != nil {
			return fmt.Errorf("%s: %s", c.Config, debrief.ErrorMessage(err))
		}
		// The server reads the same settings; send them as JSON.
		if rawConfig, err = json.Marshal(cfg); err != nil {
			return err
		}
	}
	var results []lintTarget
	for _, target := range c.Targets {
		rep, err := c.lintOne(env, target, cfg, rawConfig)
		if err != nil {
			return err
		}
		results = append(results, lintTarget{name: target, report: rep})
	}
	if err := c.write(env, results); err != nil {
		return err
	}
	return c.verdict(results)
}

// isLintFile reports whether target names a document rather than a stored
// postmortem: "-", an existing path, or anything that looks like one.
func isLintFile(target string) bool {
	if target == "-" {
		return true
	}
	if _, err := os.Stat(target); err == nil {
		return true
	}
	if _, err := debrief.ParseRef(target, debrief.PostmortemKeyPrefix); err == nil {
		return false
	}
	return true
}

func (c *LintCmd) lintOne(env *Env, target string, cfg *quality.Config, rawConfig json.RawMessage) (*quality.Report, error) {
	if isLintFile(target) {
		var data []byte
		var err error
		if target == "-" {
			data, err = io.ReadAll(io.LimitReader(env.Stdin, quality.MaxMarkdownSize+1))
		} else {
			data, err = os.ReadFile(target)
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %v", target, fileErrorText(err))
		}
		in, err := quality.ParseMarkdown(data, target)
		if err != nil {
			return nil, fmt.Errorf("%s: %s", target, debrief.ErrorMessage(err))
		}
		in.Now = time.Now()
		return quality.Check(in, cfg), nil
	}
	cl, err := c.client()
	if err != nil {
		return nil, err
	}
	var rep quality.Report
	if rawConfig != nil {
		id, _ := debrief.ParseRef(target, debrief.PostmortemKeyPrefix)
		_, err = cl.sendJSON(env.Ctx, http.MethodPost, "/api/v1/lint", map[string]any{"postmortem_id": id, "config": rawConfig}, 0, &rep)
	} else {
		_, err = cl.getJSON(env.Ctx, "/api/v1/postmortems/"+ref(target)+"/lint", nil, &rep)
	}
	if err != nil {
		return nil, err
	}
	return &rep, nil
}

func (c *LintCmd) write(env *Env, results []lintTarget) error {
	switch c.Format {
	case "sarif":
		// One log with one run, so a CI job uploads a single file.
		var log *quality.SarifLog
		for _, r := range results {
			l := quality.SARIF(r.report, r.name)
			if log == nil {
				log = l
				continue
			}
			log.Runs[0].Results = append(log.Runs[0].Results, l.Runs[0].Results...)
		}
		if len(results) > 1 {
			scores := map[string]int{}
			for _, r := range results {
				scores[r.name] = r.report.Score
			}
			log.Runs[0].Properties = map[string]any{"scores": scores}
		}
		return writeIndentedJSON(env.Stdout, log)
	case "json":
		if len(results) == 1 {
			return writeIndentedJSON(env.Stdout, results[0].report)
		}
		type named struct {
			Name string `json:"name"`
			*quality.Report
		}
		var out []named
		for _, r := range results {
			out = append(out, named{r.name, r.report})
		}
		return writeIndentedJSON(env.Stdout, out)
	default:
		for _, r := range results {
			if err := quality.WriteReport(env.Stdout, r.report, "text", r.name); err != nil {
				return err
			}
		}
		return nil
	}
}

func writeIndentedJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// verdict fails the command when findings at or above --fail-on were
// found, naming how many and where, so a CI job fails with a reason.
func (c *LintCmd) verdict(results []lintTarget) error {
	if c.FailOn == "never" {
		return nil
	}
	var failed []string
	for _, r := range results {
		n, what := r.report.Errors, "error"
		if c.FailOn == "warning" {
			n += r.report.Warnings
			what = "error or warning"
		}
		if n == 0 {
			continue
		}
		word := what
		if n != 1 {
			word = strings.Replace(what, "error", "errors", 1)
			word = strings.Replace(word, "warning", "warnings", 1)
		}
		failed = append(failed, fmt.Sprintf("%d %s in %s (score %d/100)", n, word, r.name, r.report.Score))
	}
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("lint found %s", strings.Join(failed, "; "))
}

func (c *LintCmd) printRules(env *Env) error {
	if c.Format == "json" {
		return writeIndentedJSON(env.Stdout, quality.Rules())
	}
	t := newTable(env.Stdout, "RULE", "SEVERITY", "CHECKS")
	for _, r := range quality.Rules() {
		t.row(r.ID, string(r.Severity), r.Summary)
	}
	return t.flush()
}

// fileErrorText drops the Go-style "open x:" prefix from file errors.
func fileErrorText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
