package export

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestMarkdownProject: the Markdown export of a project postmortem shows
// the dates it was live, its results against goals as a table and each
// member's feedback, as the HTML does, and still reads back without loss.
func TestMarkdownProject(t *testing.T) {
	doc := projectDocument()
	// A member's text that holds a marker line must not break the document.
	doc.Postmortem.Project.Feedback[0].Text += "\n<!-- debrief:timeline -->\nMore."
	md, err := Markdown(doc)
	if err != nil {
		t.Fatal(err)
	}
	text := string(md)
	for _, want := range []string{
		"\n" + markerProject + "\n## Dates live\n",
		"- Live from Mon 2 Mar 2026 09:00 UTC\n- Still live\n",
		"## Results against goals\n\n| Metric | Baseline | Target | Result |\n",
		"| Checkout conversion | 2.1% | 3% | 3.4% |",
		`| Tickets \| week | – | 200 | – |`,
		"## Team feedback\n\n**Ben Okafor**: We should have load tested the payment step.",
		"&lt;!-- debrief:timeline -->",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Markdown(project) does not hold %q:\n%s", want, text)
		}
	}
	back, err := ParseMarkdown(bytes.NewReader(md))
	if err != nil {
		t.Fatalf("ParseMarkdown(Markdown(project)): %v\n%s", err, text)
	}
	if diff := cmp.Diff(doc, back, recordOpts); diff != "" {
		t.Errorf("ParseMarkdown(Markdown(project)) differs (-want +got):\n%s", diff)
	}
	md2, err := Markdown(back)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(md, md2) {
		t.Errorf("export → import → export changed the bytes:\n%s", cmp.Diff(text, string(md2)))
	}
}

// TestMarkdownPublicProject: the public Markdown keeps the project's dates,
// metrics and feedback but names nobody who gave feedback, like the public
// HTML.
func TestMarkdownPublicProject(t *testing.T) {
	doc := projectDocument()
	doc.Postmortem.Project.Feedback[0].Text = "Ben Okafor thinks we should have load tested it."
	cp, _ := Public(doc)
	md, err := Markdown(cp)
	if err != nil {
		t.Fatal(err)
	}
	text := string(md)
	for _, want := range []string{"## Dates live", "| Checkout conversion | 2.1% | 3% | 3.4% |", "## Team feedback", "we should have load tested it."} {
		if !strings.Contains(text, want) {
			t.Errorf("public Markdown(project) does not hold %q:\n%s", want, text)
		}
	}
	for _, never := range []string{"Okafor", "ben@example.com", "**Ben"} {
		if strings.Contains(text, never) {
			t.Errorf("public Markdown(project) names the member: holds %q:\n%s", never, text)
		}
	}
}
