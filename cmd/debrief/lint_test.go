package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLintOffline checks Markdown files without a server, as a CI job would.
func TestLintOffline(t *testing.T) {
	good, poor := filepath.Join("testdata", "lint", "good.md"), filepath.Join("testdata", "lint", "poor.md")
	out, _, err := cli(t, "http://127.0.0.1:1", "", nil, "lint", good)
	if err != nil {
		t.Errorf("debrief lint good.md = %v, want success; printed:\n%s", err, out)
	}
	wantLines(t, "debrief lint good.md", out, "good.md: score ")

	out, _, err = cli(t, "http://127.0.0.1:1", "", nil, "lint", poor)
	if err == nil || !strings.Contains(err.Error(), "errors in "+poor) || !strings.Contains(err.Error(), "score ") {
		t.Errorf("debrief lint poor.md = %v, want an error naming the count of errors, the file and the score", err)
	}
	wantLines(t, "debrief lint poor.md", out, poor+":1: error [title.vague]", "fix: ", poor+":5:1: warning [blameless.person]", "score ")

	if _, _, err := cli(t, "", "", nil, "lint", "--fail-on", "never", poor); err != nil {
		t.Errorf("debrief lint --fail-on never poor.md = %v, want success", err)
	}
	// A warning alone fails only with --fail-on warning.
	data, _ := os.ReadFile(good)
	warned := filepath.Join(t.TempDir(), "warned.md")
	os.WriteFile(warned, []byte(strings.Replace(string(data), "## Trigger\n", "## Trigger\n\nThe change should have been reviewed.\n", 1)), 0o644)
	if _, _, err := cli(t, "", "", nil, "lint", warned); err != nil {
		t.Errorf("debrief lint (warnings only) = %v, want success", err)
	}
	if _, _, err := cli(t, "", "", nil, "lint", "--fail-on", "warning", warned); err == nil || !strings.Contains(err.Error(), "1 error or warning in") {
		t.Errorf("debrief lint --fail-on warning (one warning) = %v, want failure naming 1 error or warning", err)
	}

	// SARIF for code scanning, covering both files in one run.
	out, _, _ = cli(t, "", "", nil, "lint", "--format", "sarif", good, poor)
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil || log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Tool.Driver.Rules) == 0 {
		t.Fatalf("debrief lint --format sarif printed %q (%v), want a SARIF 2.1.0 log", out, err)
	}
	uris := map[string]bool{}
	for _, r := range log.Runs[0].Results {
		if len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.Region.StartLine < 1 {
			t.Errorf("SARIF result %s has location %+v, want one with startLine ≥ 1", r.RuleID, r.Locations)
			continue
		}
		uris[r.Locations[0].PhysicalLocation.ArtifactLocation.URI] = true
	}
	if !uris[poor] {
		t.Errorf("SARIF results name files %v, want %s among them", uris, poor)
	}

	// A config file turns rules off, changes severities and adds words.
	cfg := filepath.Join(t.TempDir(), "lint.yaml")
	os.WriteFile(cfg, []byte("rules:\n  title.vague: off\n  title.length: off\n  impact.numbers: warning\n  timeline.missing: off\n  root-cause.human-error: off\n  action-items.missing: off\n  sections.missing: off\n"), 0o644)
	out, _, err = cli(t, "", "", nil, "lint", "--config", cfg, "--format", "json", poor)
	if err != nil {
		t.Errorf("debrief lint --config (errors off) poor.md = %v, want success; printed:\n%s", err, out)
	}
	var rep struct {
		Errors   int `json:"errors"`
		Findings []struct {
			Rule string `json:"rule"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Errors != 0 {
		t.Errorf("debrief lint --config --format json = %q (%v), want JSON with no errors", out, err)
	}
	os.WriteFile(cfg, []byte("rules:\n  title.vauge: off\n"), 0o644)
	if _, _, err := cli(t, "", "", nil, "lint", "--config", cfg, good); err == nil || !strings.Contains(err.Error(), "title.vauge") {
		t.Errorf("debrief lint with a misspelt rule = %v, want an error naming it", err)
	}
	if _, _, err := cli(t, "", "", nil, "lint", "missing-file.md"); err == nil || !strings.Contains(err.Error(), "missing-file.md") {
		t.Errorf("debrief lint missing-file.md = %v, want an error naming the file", err)
	}
	out, _, err = cli(t, "", "# Outage\n", nil, "lint", "--fail-on", "never", "-")
	if err != nil || !strings.Contains(out, "-:1: error [title.vague]") {
		t.Errorf("debrief lint - (stdin) = %v, printed %q; want the title finding", err, out)
	}
	out = mustCLI(t, "", "lint", "--rules")
	wantLines(t, "debrief lint --rules", out, "title.vague", "blameless.person", "publish.shared")
}

// TestTemplatesAndLintOnServer applies a template file, starts a postmortem
// from it, changes the template, and checks the postmortem through the API.
func TestTemplatesAndLintOnServer(t *testing.T) {
	s := startServer(t, filepath.Join(t.TempDir(), "debrief.db"))
	file := filepath.Join("testdata", "lint", "security-template.yaml")
	out := mustCLI(t, s.URL, "template", "apply", file)
	wantLines(t, "template apply", out, "Created template security-incident (version 1)")
	out = mustCLI(t, s.URL, "template", "apply", file)
	wantLines(t, "template apply (again)", out, "security-incident is at version 1")

	out = mustCLI(t, s.URL, "template", "list")
	wantLines(t, "template list", out, "incident", "sre", "project", "security-incident")
	out = mustCLI(t, s.URL, "template", "show", "security-incident")
	wantLines(t, "template show", out, "Security incident", "severities SEV1, SEV2; incident types security", "3 days after resolution", "## Data exposure  (exposure, required, internal)")

	inc := struct{ Key string }{}
	mustJSON(t, s.URL, &inc, "incident", "new", "--title", "Customer emails visible to other accounts", "--severity", "SEV2", "--label", "security", "--started", "2026-03-05T10:00:00Z")
	out = mustCLI(t, s.URL, "template", "for", inc.Key)
	// The file's policy: SEV1 and SEV2 security incidents; required for SEV1 to SEV3.
	wantLines(t, "template for "+inc.Key, out, "security-incident", "Postmortem required", "yes")
	var pm struct {
		Key             string `json:"key"`
		Template        string `json:"template"`
		TemplateVersion int    `json:"template_version"`
	}
	mustJSON(t, s.URL, &pm, "postmortem", "new", "--incident", inc.Key, "--template", "security-incident")
	if pm.Template != "security-incident" || pm.TemplateVersion != 1 {
		t.Fatalf("postmortem new --template security-incident = %+v, want template security-incident v1", pm)
	}

	// A changed file becomes version 2; the postmortem keeps version 1.
	changed := filepath.Join(t.TempDir(), "security.yaml")
	data, _ := os.ReadFile(file)
	os.WriteFile(changed, []byte(strings.Replace(string(data), "due_days: 3", "due_days: 2", 1)), 0o644)
	out = mustCLI(t, s.URL, "template", "apply", changed)
	wantLines(t, "template apply (changed)", out, "security-incident is at version 2")
	out = mustCLI(t, s.URL, "template", "versions", "security-incident")
	wantLines(t, "template versions", out, "2", "1")
	// A page of one: version 2, and the cursor that continues with 1.
	out, errOut, err := cli(t, s.URL, "", nil, "template", "versions", "security-incident", "--limit", "1")
	if err != nil || strings.Contains(out, "\n1 ") || !strings.Contains(errOut, "More results: add --cursor 2") {
		t.Errorf("template versions --limit 1 = %v, printed %q and %q; want version 2 and the cursor 2", err, out, errOut)
	}
	out = mustCLI(t, s.URL, "template", "versions", "security-incident", "--limit", "1", "--cursor", "2")
	wantLines(t, "template versions --cursor 2", out, "1")
	out = mustCLI(t, s.URL, "template", "export", "security-incident", "--version", "1")
	wantLines(t, "template export --version 1", out, "key: security-incident", "due_days: 3")

	exported := filepath.Join(t.TempDir(), "exported.yaml")
	mustCLI(t, s.URL, "template", "export", "sre", "-o", exported)
	if _, _, err := cli(t, s.URL, "", nil, "template", "apply", exported); err == nil || !strings.Contains(err.Error(), "built-in") {
		t.Errorf("template apply of the exported built-in sre = %v, want an error saying it is built in", err)
	}

	out, _, err = cli(t, s.URL, "", nil, "lint", pm.Key)
	if err == nil || !strings.Contains(err.Error(), "errors in "+pm.Key) {
		t.Errorf("debrief lint %s (empty postmortem) = %v, want failure naming the errors", pm.Key, err)
	}
	wantLines(t, "debrief lint "+pm.Key, out, pm.Key+":", "[sections.empty]", "score ")

	// Rule settings travel to the server for a stored postmortem.
	cfg := filepath.Join(t.TempDir(), "lint.json")
	os.WriteFile(cfg, []byte(`{"rules": {"sections.empty": "off", "publish.shared": {"severity": "error"}}}`), 0o644)
	out, _, _ = cli(t, s.URL, "", nil, "lint", "--config", cfg, "--format", "json", "--fail-on", "never", pm.Key)
	var rep struct {
		Findings []struct {
			Rule     string `json:"rule"`
			Severity string `json:"severity"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("debrief lint --config --format json %s printed %q: %v", pm.Key, out, err)
	}
	shared := false
	for _, f := range rep.Findings {
		if f.Rule == "sections.empty" || f.Rule == "publish.shared" && f.Severity != "error" {
			t.Errorf("debrief lint --config %s has %s (%s), want sections.empty off and publish.shared an error", pm.Key, f.Rule, f.Severity)
		}
		shared = shared || f.Rule == "publish.shared"
	}
	if !shared {
		t.Errorf("debrief lint --config %s has no publish.shared finding for a draft", pm.Key)
	}

	mustCLI(t, s.URL, "template", "delete", "security-incident")
	out = mustCLI(t, s.URL, "template", "show", "security-incident", "--version", "1")
	wantLines(t, "template show of a deleted template's version", out, "Security incident")
	if _, _, err := cli(t, s.URL, "", nil, "template", "show", "security-incident"); err == nil {
		t.Errorf("template show of a deleted template = nil, want not found")
	}
	out = mustCLI(t, s.URL, "template", "variables")
	wantLines(t, "template variables", out, "{{incident.title}}", "{{incident.duration}}")
}
