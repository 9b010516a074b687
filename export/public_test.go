package export

import (
	"fmt"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"pgregory.net/rapid"
)

func TestRedactText(t *testing.T) {
	doc := sampleDocument()
	doc.Incident.Roles.Communications = "Ana Pérez"
	r := newRedactor(doc)
	tests := []struct{ in, want string }{
		{"ask Ana Pérez or ana@example.com", "ask [name] or [email]"},
		{"li said so; Li agreed", "[name] said so; [name] agreed"},
		{"ping @oncall-team about it", "ping [name] about it"},
		{"primary db-eu-3.internal (10.2.3.4) failed", "primary [host] ([ip address]) failed"},
		{"route 192.168.0.0/16 and ::1 and 2001:db8::8a2e:370:7334.", "route [ip address] and [ip address] and [ip address]."},
		{"fe80::1%eth0 then [2001:db8::1]:443", "[ip address] then [[ip address]]:443"},
		{"at 10:29:05 the std::fmt call in v1.2.3 failed", "at 10:29:05 the std::fmt call in v1.2.3 failed"},
		{"see https://grafana.corp.example.com/d/x", "see https://[host]/d/x"},
		{"payments.yaml and Node.js stay", "payments.yaml and Node.js stay"},
		{"Banana is not Ana", "Banana is not [name]"},
	}
	for _, tc := range tests {
		if got := r.text(tc.in); got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPublicSample(t *testing.T) {
	doc := sampleDocument()
	pub, rep := Public(doc)
	if len(rep.LeftOut) != 1 || rep.LeftOut[0] != "Internal notes" {
		t.Errorf("Public(sample) left out %v, want [Internal notes]", rep.LeftOut)
	}
	if pub.Postmortem.Section("internal-notes") != nil {
		t.Errorf("Public(sample) kept the internal section")
	}
	if doc.Postmortem.Section("internal-notes") == nil || doc.Incident.Roles.Commander == "" {
		t.Errorf("Public changed the document it was given")
	}
	out, err := HTML(pub, HTMLOptions{Public: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"ana@example.com", "li@example.com", "10.2.3.4", "db-eu-3", "deploy-bot", "PAY-311", "Internal notes", "INC-42", "PM-7"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("public HTML contains %q", bad)
		}
	}
	if !strings.Contains(string(out), "This is the public version") {
		t.Errorf("public HTML does not say it is the public version")
	}
}

// TestPublicNeverShowsInternal: for any record, no value of a section or
// field marked internal (internal sections, roles, members, owners,
// authors, actors, external IDs, tracker links, guidance) appears in any
// export of the public version, even when people are named in the text.
func TestPublicNeverShowsInternal(t *testing.T) {
	secret := rapid.Custom(func(t *rapid.T) string {
		return "Zq" + rapid.StringMatching(`[a-z]{6,10}`).Draw(t, "s")
	})
	rapid.Check(t, func(t *rapid.T) {
		doc := documentGen().Draw(t, "doc")
		pm := doc.Postmortem
		var internal, people []string
		mark := func(dst *string) {
			v := secret.Draw(t, "secret")
			*dst = v
			internal = append(internal, v)
		}
		markPerson := func(dst *string) {
			mark(dst)
			people = append(people, *dst)
		}
		for i := range pm.Sections {
			mark(&pm.Sections[i].Guidance)
			if pm.Sections[i].Internal {
				mark(&pm.Sections[i].Heading)
				mark(&pm.Sections[i].Body)
			}
		}
		markPerson(&pm.Owner)
		markPerson(&pm.CreatedBy)
		if pm.Project != nil {
			for i := range pm.Project.Feedback {
				markPerson(&pm.Project.Feedback[i].Member)
			}
		}
		if inc := doc.Incident; inc != nil {
			markPerson(&inc.Roles.Commander)
			markPerson(&inc.Roles.Scribe)
			markPerson(&inc.Roles.Communications)
			markPerson(&inc.CreatedBy)
			inc.Members = nil
			for i := 0; i < rapid.IntRange(0, 3).Draw(t, "members"); i++ {
				inc.Members = append(inc.Members, "")
				markPerson(&inc.Members[i])
			}
		}
		for _, e := range doc.Timeline {
			markPerson(&e.Actor)
			mark(&e.ExternalID)
		}
		for _, a := range doc.ActionItems {
			markPerson(&a.Owner)
			markPerson(&a.CreatedBy)
		}
		for _, a := range doc.ActionItems {
			v := secret.Draw(t, "tracker")
			a.TrackerURL = "https://tracker.example.com/" + v
			internal = append(internal, v)
		}
		// People are also named in public text, by name and by email.
		if len(people) > 0 {
			for i := range pm.Sections {
				if !pm.Sections[i].Internal {
					who := rapid.SampledFrom(people).Draw(t, "named")
					pm.Sections[i].Body += fmt.Sprintf("\n\nAsked %s and %s@example.com; see host %s.corp.internal", who, strings.ToLower(who), who)
				}
			}
			if len(doc.Timeline) > 0 {
				doc.Timeline[0].Text += " by " + rapid.SampledFrom(people).Draw(t, "eventNamed")
			}
		}
		pub, _ := Public(doc)
		md, err := Markdown(pub)
		if err != nil {
			t.Fatalf("Markdown(Public(doc)) error: %v", err)
		}
		h, err := HTML(pub, HTMLOptions{Public: true})
		if err != nil {
			t.Fatalf("HTML(Public(doc)) error: %v", err)
		}
		js, err := JSON(pub)
		if err != nil {
			t.Fatalf("JSON(Public(doc)) error: %v", err)
		}
		for _, out := range []struct {
			name string
			b    []byte
		}{{"markdown", md}, {"html", h}, {"json", js}} {
			lower := strings.ToLower(string(out.b))
			for _, v := range internal {
				if strings.Contains(lower, strings.ToLower(v)) {
					t.Fatalf("public %s contains the internal value %q", out.name, v)
				}
			}
		}
		for _, s := range pub.Postmortem.Sections {
			if s.Internal {
				t.Fatalf("Public kept internal section %q", s.Key)
			}
		}
	})
}

var _ = debrief.KindIncident
