package templates

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/google/go-cmp/cmp"
)

func TestParseAndMarshalRoundTrip(t *testing.T) {
	src, err := os.ReadFile("testdata/security.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := Parse(src, debrief.DefaultSeverities)
	if err != nil {
		t.Fatalf("Parse(security.yaml) = %v", err)
	}
	if tpl.Key != "security-incident" || len(tpl.Sections) != 4 || tpl.Policy.DueDays != 3 || !tpl.Sections[1].Internal ||
		!tpl.Policy.Requires("SEV3") || tpl.Policy.Applies("SEV2", []string{"security"}) == 0 {
		t.Errorf("Parse(security.yaml) = %+v, want the file's key, 4 sections, policy and internal flag", tpl)
	}
	out, err := Marshal(tpl)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out, debrief.DefaultSeverities)
	if err != nil {
		t.Fatalf("Parse(Marshal(t)) = %v\n%s", err, out)
	}
	if diff := cmp.Diff(tpl, back); diff != "" {
		t.Errorf("Parse(Marshal(t)) differs (-want +got):\n%s", diff)
	}
	// Built-in templates export and read back too (under a new key).
	for _, b := range debrief.BuiltInTemplates() {
		ct := debrief.BuiltInCustom(b.Key)
		out, err := Marshal(ct)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Parse(out, nil)
		if !debrief.IsCode(err, debrief.EInvalid) || !strings.Contains(debrief.ErrorMessage(err), "built-in") {
			t.Errorf("Parse(export of built-in %s) = %v, want EInvalid saying it is built in", b.Key, err)
		}
		out = []byte(strings.Replace(string(out), "key: "+b.Key, "key: my-"+b.Key, 1))
		if _, err := Parse(out, nil); err != nil {
			t.Errorf("Parse(export of built-in %s under a new key) = %v", b.Key, err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	base := "key: k\nname: N\nsections:\n  - key: s\n    heading: S\n"
	cases := []struct{ name, src, field, want string }{
		{"empty", "", "", "empty"},
		{"unknown field", base + "colour: red\n", "", "colour"},
		{"unknown section field", "key: k\nname: N\nsections:\n  - key: s\n    heading: S\n    requird: true\n", "", "requird"},
		{"bad key", strings.Replace(base, "key: k", "key: Bad Key", 1), "key", "lowercase"},
		{"no name", strings.Replace(base, "name: N", "name: ''", 1), "name", "name"},
		{"no sections", "key: k\nname: N\n", "sections", "at least one"},
		{"duplicate section", base + "  - key: s\n    heading: T\n", "sections[1].key", "twice"},
		{"no heading", "key: k\nname: N\nsections:\n  - key: s\n", "sections[0].heading", "heading"},
		{"unknown severity", base + "policy:\n  severities: [SEV9]\n", "policy.severities", "SEV9"},
		{"due days", base + "policy:\n  due_days: 999\n", "policy.due_days", "due_days"},
		{"unknown variable", "key: k\nname: N\nsections:\n  - key: s\n    heading: S\n    starting_text: '{{incident.titel}}'\n", "sections[0].starting_text", "incident.titel"},
		{"two documents", base + "---\n" + base, "", "more than one"},
		{"not yaml", "key: [\n", "", "not a valid"},
		{"project with severities", base + "kind: project\npolicy:\n  severities: [SEV1]\n", "policy", "project"},
	}
	for _, tc := range cases {
		_, err := Parse([]byte(tc.src), debrief.DefaultSeverities)
		if !debrief.IsCode(err, debrief.EInvalid) || debrief.ErrorField(err) != tc.field || !strings.Contains(debrief.ErrorMessage(err), tc.want) {
			t.Errorf("Parse(%s) = %v (field %q), want EInvalid on field %q mentioning %q", tc.name, err, debrief.ErrorField(err), tc.field, tc.want)
		}
	}
}

func TestRender(t *testing.T) {
	resolved := time.Date(2026, 3, 10, 14, 49, 0, 0, time.UTC)
	inc := &debrief.Incident{Key: "INC-7", Title: "Checkout API returned 503s", Severity: "SEV2", Status: debrief.StatusResolved,
		Services: []string{"checkout-api", "payments"}, StartedAt: time.Date(2026, 3, 10, 14, 2, 0, 0, time.UTC), ResolvedAt: &resolved,
		Roles: debrief.Roles{Commander: "priya@example.com"}}
	pm := &debrief.Postmortem{Key: "PM-3", Title: "T", Owner: "dana@example.com"}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	cases := []struct {
		body string
		inc  *debrief.Incident
		opts []RenderOption
		want string
	}{
		{"{{incident.title}} lasted {{ incident.duration }}.", inc, nil, "Checkout API returned 503s lasted 47 minutes."},
		{"{{incident.severity}} on {{incident.services}}", inc, nil, "SEV2 on checkout-api, payments"},
		{"Started {{incident.started_at}}", inc, nil, "Started 2026-03-10 14:02 UTC"},
		{"Started {{incident.started_at}}", inc, []RenderOption{WithLocation(berlin)}, "Started 2026-03-10 15:02 CET"},
		{"{{postmortem.key}} by {{postmortem.owner}}", inc, []RenderOption{WithPostmortem(pm)}, "PM-3 by dana@example.com"},
		{"{{postmortem.key}}", inc, nil, "{{postmortem.key}}"},
		{"{{incident.unknown}} stays", inc, nil, "{{incident.unknown}} stays"},
		{"{{incident.title}} of a project", nil, nil, "{{incident.title}} of a project"},
		{"unclosed {{incident.title", inc, nil, "unclosed {{incident.title"},
		{"no variables", inc, nil, "no variables"},
		{"{{incident.mitigated_at}}|", inc, nil, "|"},
	}
	for _, tc := range cases {
		if got := Render(tc.body, tc.inc, tc.opts...); got != tc.want {
			t.Errorf("Render(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
	// The record is read when rendering, so a renamed incident shows its new title.
	inc.Title = "Checkout API returned 503s to EU customers"
	if got := Render("{{incident.title}}", inc); got != inc.Title {
		t.Errorf("Render after rename = %q, want %q", got, inc.Title)
	}
	open := &debrief.Incident{StartedAt: time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC)}
	if got := Render("{{incident.duration}}", open); got != "ongoing" {
		t.Errorf("Render(duration of open incident) = %q, want ongoing", got)
	}
	if got := Render("{{incident.duration}}", open, WithNow(open.StartedAt.Add(90*time.Minute))); got != "1 hour 30 minutes so far" {
		t.Errorf("Render(duration, now) = %q", got)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Second: "less than a minute", time.Minute: "1 minute", 47 * time.Minute: "47 minutes",
		108 * time.Minute: "1 hour 48 minutes", 2 * time.Hour: "2 hours", 51 * time.Hour: "2 days 3 hours", -5 * time.Minute: "5 minutes",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("testdata/security.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("key: k\nname: N\nsections: [{key: s, heading: S, starting_text: '{{incident.title'}]\n"))
	f.Add([]byte("{\"key\":\"k\",\"name\":\"N\",\"sections\":[{\"key\":\"s\",\"heading\":\"S\"}]}"))
	f.Fuzz(func(t *testing.T, src []byte) {
		tpl, err := Parse(src, debrief.DefaultSeverities)
		if err != nil {
			if debrief.ErrorCode(err) == debrief.EInternal {
				t.Fatalf("Parse returned an error without a code: %v", err)
			}
			return
		}
		out, err := Marshal(tpl)
		if err != nil {
			t.Fatalf("Marshal(parsed) = %v", err)
		}
		back, err := Parse(out, debrief.DefaultSeverities)
		if err != nil {
			t.Fatalf("Parse(Marshal(parsed)) = %v\n%s", err, out)
		}
		if !tpl.SameContent(back) {
			t.Fatalf("round trip changed the template:\n%+v\n%+v", tpl, back)
		}
	})
}

func FuzzRender(f *testing.F) {
	f.Add("{{incident.title}} {{ incident.duration }} {{x}} {{")
	f.Fuzz(func(t *testing.T, body string) {
		inc := &debrief.Incident{Title: "T", StartedAt: time.Unix(0, 0)}
		got := Render(body, inc)
		if !strings.Contains(body, "{{") && got != body {
			t.Fatalf("Render changed a body without variables")
		}
	})
}
