package quality

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

func TestConfig(t *testing.T) {
	poor := func() *Input { return parseFile(t, "poor.md") }
	t.Run("turn off", func(t *testing.T) {
		cfg, err := ParseConfig([]byte("rules:\n  blameless.animated: off\n  title.length: {severity: off}\n"))
		if err != nil {
			t.Fatalf("ParseConfig = %v", err)
		}
		rep := Check(poor(), cfg)
		if n := len(findings(rep, "blameless.animated")) + len(findings(rep, "title.length")); n != 0 {
			t.Errorf("Check with the rules off has %d of their findings, want 0", n)
		}
	})
	t.Run("change severity", func(t *testing.T) {
		cfg, err := ParseConfig([]byte(`{"rules": {"action-items.owner": {"severity": "error"}}}`))
		if err != nil {
			t.Fatalf("ParseConfig(JSON) = %v", err)
		}
		fs := findings(Check(poor(), cfg), "action-items.owner")
		if len(fs) == 0 || fs[0].Severity != SeverityError {
			t.Errorf("action-items.owner findings = %+v, want severity error", fs)
		}
	})
	t.Run("add words", func(t *testing.T) {
		in := goodRecord()
		in.Postmortem.Section("detection").Body = "The team dropped the ball on alert tuning, a real kerfuffle. Zed mistyped the pool size."
		cfg, err := ParseConfig([]byte("words:\n  animated: [kerfuffle]\n  names: [Zed]\n  allow: [dropped the ball]\n"))
		if err != nil {
			t.Fatalf("ParseConfig = %v", err)
		}
		rep := Check(in, cfg)
		if len(findings(rep, "blameless.animated")) != 1 || len(findings(rep, "blameless.judgement")) != 0 || len(findings(rep, "blameless.person")) != 1 {
			t.Errorf("Check with added words = %s; want kerfuffle and Zed flagged, 'dropped the ball' allowed", describe(rep))
		}
		rep = Check(in, nil)
		if len(findings(rep, "blameless.animated")) != 0 || len(findings(rep, "blameless.judgement")) != 1 {
			t.Errorf("Check with defaults = %s; want only 'dropped the ball'", describe(rep))
		}
	})
	t.Run("vague verbs and title length", func(t *testing.T) {
		in := goodRecord()
		in.ActionItems[0].Title = "Harmonise the pool settings across profiles"
		cfg, err := ParseConfig([]byte("words:\n  vague_verbs: [harmonise]\ntitle_min_length: 100\n"))
		if err != nil {
			t.Fatalf("ParseConfig = %v", err)
		}
		rep := Check(in, cfg)
		if len(findings(rep, "action-items.specific")) != 1 || len(findings(rep, "title.length")) != 1 {
			t.Errorf("Check = %s; want harmonise flagged and the title too short", describe(rep))
		}
	})
	bad := []struct{ name, src, want string }{
		{"unknown rule", "rules:\n  title.vauge: off\n", "title.vauge"},
		{"unknown severity", "rules:\n  title.vague: fatal\n", "fatal"},
		{"unknown key", "rulez: {}\n", "rulez"},
		{"unknown word list", "words:\n  swear: [x]\n", "swear"},
		{"not yaml", "rules: [\n", "not valid"},
		{"negative length", "title_min_length: -3\n", "title_min_length"},
		{"wrong type", "title_min_length: long\n", "not valid"},
	}
	for _, tc := range bad {
		_, err := ParseConfig([]byte(tc.src))
		if !debrief.IsCode(err, debrief.EInvalid) || !strings.Contains(debrief.ErrorMessage(err), tc.want) {
			t.Errorf("ParseConfig(%s) = %v, want EInvalid naming %q", tc.name, err, tc.want)
		}
	}
	if _, err := ParseConfig(bytes.Repeat([]byte("#"), MaxConfigSize+1)); !debrief.IsCode(err, debrief.ETooLarge) {
		t.Errorf("ParseConfig(too large) = %v, want ETooLarge", err)
	}
	if cfg, err := ParseConfig(nil); err != nil || cfg == nil {
		t.Errorf("ParseConfig(empty) = %v, %v; want the defaults", cfg, err)
	}
}

func TestFormats(t *testing.T) {
	rep := Check(parseFile(t, "poor.md"), nil)
	var buf bytes.Buffer
	if err := WriteReport(&buf, rep, "text", "poor.md"); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, want := range []string{"poor.md:1: error [title.vague]", "    fix: ", "suggestion: ", "score "} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
	buf.Reset()
	if err := WriteReport(&buf, rep, "json", "poor.md"); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back.Score != rep.Score || len(back.Findings) != len(rep.Findings) {
		t.Errorf("JSON report did not round-trip: %v (score %d, %d findings)", err, back.Score, len(back.Findings))
	}
	buf.Reset()
	if err := WriteReport(&buf, rep, "sarif", "postmortems/poor.md"); err != nil {
		t.Fatal(err)
	}
	// Check the SARIF 2.1.0 shape code-scanning tools require, read as
	// plain JSON so the test does not trust our own types.
	var log map[string]any
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	if log["version"] != "2.1.0" || !strings.Contains(log["$schema"].(string), "sarif-2.1.0") {
		t.Errorf("SARIF version/schema = %v / %v", log["version"], log["$schema"])
	}
	runs := log["runs"].([]any)
	run := runs[0].(map[string]any)
	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	rules := driver["rules"].([]any)
	if driver["name"] == "" || len(rules) != len(Rules()) {
		t.Errorf("SARIF driver = %v with %d rules, want a name and %d rules", driver["name"], len(rules), len(Rules()))
	}
	ids := map[string]int{}
	for i, r := range rules {
		ids[r.(map[string]any)["id"].(string)] = i
	}
	results := run["results"].([]any)
	if len(results) != len(rep.Findings) {
		t.Fatalf("SARIF has %d results, want %d", len(results), len(rep.Findings))
	}
	for _, r := range results {
		res := r.(map[string]any)
		id := res["ruleId"].(string)
		if idx, ok := ids[id]; !ok || int(res["ruleIndex"].(float64)) != idx {
			t.Errorf("result ruleId %q / ruleIndex %v does not match the driver's rules", id, res["ruleIndex"])
		}
		switch res["level"] {
		case "error", "warning", "note":
		default:
			t.Errorf("result level = %v, want error, warning or note", res["level"])
		}
		if res["message"].(map[string]any)["text"] == "" {
			t.Errorf("result %s has no message text", id)
		}
		loc := res["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
		if loc["artifactLocation"].(map[string]any)["uri"] != "postmortems/poor.md" || loc["region"].(map[string]any)["startLine"].(float64) < 1 {
			t.Errorf("result %s location = %v, want the file and a startLine ≥ 1", id, loc)
		}
	}
	if err := WriteReport(&buf, rep, "xml", ""); !debrief.IsCode(err, debrief.EInvalid) {
		t.Errorf("WriteReport(xml) = %v, want EInvalid", err)
	}
}
