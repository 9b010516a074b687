package export

import (
	"strings"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func projectDocument() *Document {
	f := func(v float64) *float64 { return &v }
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	return &Document{Postmortem: &debrief.Postmortem{Key: "PM-3", Kind: debrief.KindProject, Title: "One-click checkout", Owner: "ana@example.com",
		Status: debrief.PostmortemDraft, Template: "project", Sections: []debrief.Section{{Key: "why", Heading: "Why we launched it", Body: "Conversion was low."}},
		Project: &debrief.Project{LiveFrom: &at,
			Metrics:  []debrief.Metric{{Name: "Checkout conversion", Unit: "%", Baseline: f(2.1), Target: f(3), Result: f(3.4)}, {Name: "Tickets | week", Target: f(200)}},
			Feedback: []debrief.Feedback{{Member: "ben@example.com", Name: "Ben Okafor", Text: "We should have load tested the payment step.", UpdatedAt: &at, Version: 4}}},
		CreatedAt: at, UpdatedAt: at}}
}

// TestHTMLProjectMetrics: the HTML export (and so the PDF) shows a
// project's results against its goals as a table, and the feedback.
func TestHTMLProjectMetrics(t *testing.T) {
	out, err := HTML(projectDocument(), HTMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	html := string(out)
	for _, want := range []string{"Results against goals", "<td>Checkout conversion</td>", "<td>2.1%</td>", "<td>3.4%</td>", `<td>Tickets | week</td>`, "<td>–</td>", "load tested the payment step"} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML export does not hold %q", want)
		}
	}
}

// TestPublicLeavesOutFeedbackNames: the public version names nobody who
// gave feedback, neither by address nor by display name.
func TestPublicLeavesOutFeedbackNames(t *testing.T) {
	doc := projectDocument()
	doc.Postmortem.Project.Feedback[0].Text = "Ben Okafor thinks we should have load tested it."
	cp, _ := Public(doc)
	f := cp.Postmortem.Project.Feedback[0]
	if f.Member != "" || f.Name != "" || strings.Contains(f.Text, "Okafor") {
		t.Errorf("public feedback = %+v; want no member, no name, the name redacted from the text", f)
	}
	if doc.Postmortem.Project.Feedback[0].Name != "Ben Okafor" {
		t.Error("Public changed the document it was given")
	}
}
