package export

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"
)

// recordOpts compares documents by their records only.
var recordOpts = cmp.Options{cmpopts.EquateEmpty(), cmpopts.IgnoreFields(Document{}, "Source", "Warnings")}

func TestMarkdownRoundTripSample(t *testing.T) {
	doc := sampleDocument()
	md, err := Markdown(doc)
	if err != nil {
		t.Fatalf("Markdown(sample) error: %v", err)
	}
	back, err := ParseMarkdown(bytes.NewReader(md))
	if err != nil {
		t.Fatalf("ParseMarkdown(Markdown(sample)) error: %v\n%s", err, md)
	}
	if diff := cmp.Diff(doc, back, recordOpts); diff != "" {
		t.Errorf("ParseMarkdown(Markdown(sample)) differs from sample (-want +got):\n%s\n%s", diff, md)
	}
	md2, err := Markdown(back)
	if err != nil {
		t.Fatalf("Markdown(imported) error: %v", err)
	}
	if !bytes.Equal(md, md2) {
		t.Errorf("export → import → export changed the bytes:\n%s", cmp.Diff(string(md), string(md2)))
	}
	if testing.Verbose() {
		t.Logf("\n%s", md)
	}
}

// TestMarkdownRoundTripProperty: for any record, export → import gives an
// equal record and export → import → export gives identical bytes.
func TestMarkdownRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		doc := documentGen().Draw(t, "doc")
		md, err := Markdown(doc)
		if err != nil {
			t.Fatalf("Markdown(doc) error: %v", err)
		}
		back, err := ParseMarkdown(bytes.NewReader(md))
		if err != nil {
			t.Fatalf("ParseMarkdown(Markdown(doc)) error: %v\n%s", err, md)
		}
		if diff := cmp.Diff(doc, back, recordOpts); diff != "" {
			t.Fatalf("ParseMarkdown(Markdown(doc)) differs (-want +got):\n%s\n%s", diff, md)
		}
		md2, err := Markdown(back)
		if err != nil {
			t.Fatalf("Markdown(imported) error: %v", err)
		}
		if !bytes.Equal(md, md2) {
			t.Fatalf("export → import → export changed the bytes:\n%s", cmp.Diff(string(md), string(md2)))
		}
	})
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestMarkdownGolden pins the Markdown layout: a change to it shows up as a
// diff here, because documents already exported must keep reading back.
func TestMarkdownGolden(t *testing.T) {
	md, err := Markdown(sampleDocument())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "golden", "sample.md")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, md, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s (run go test -update once): %v", path, err)
	}
	if diff := cmp.Diff(string(want), string(md)); diff != "" {
		t.Errorf("Markdown(sample) differs from %s (-want +got):\n%s", path, diff)
	}
	// The golden file reads back as the sample, with lines for lint.
	doc, err := ParseMarkdown(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sampleDocument(), doc, recordOpts); diff != "" {
		t.Errorf("ParseMarkdown(%s) differs from the sample (-want +got):\n%s", path, diff)
	}
	src := doc.Source
	lines := strings.Split(string(want), "\n")
	if src.FrontMatter != 1 || !strings.HasPrefix(lines[src.Title-1], "# Checkout API") || lines[src.Sections["root-cause"]-1] != "## Root cause analysis" ||
		!strings.HasPrefix(lines[src.SectionBodies["summary"]-1], "For 47 minutes") || !strings.Contains(lines[src.Timeline[1]-1], "CheckoutErrorRate") ||
		!strings.Contains(lines[src.ActionItems[0]-1], "AI-11") {
		t.Errorf("ParseMarkdown(%s) source lines %+v do not point at the title, headings, bodies, events and items", path, src)
	}
}

func TestPageMarkdownIsSafe(t *testing.T) {
	for _, tc := range []struct{ in, want, never string }{
		{"<script>alert(1)</script>hi", "hi", "<script"},
		{`<img src="x.png" onerror="alert(1)">`, `alt="Image without a description"`, "onerror"},
		{`![graph](x.png)`, `alt="graph"`, "Image without a description"},
		{"[a](javascript:alert(1))", "a", "javascript:"},
		{"[site](https://example.com)", `rel="nofollow noreferrer noopener"`, "onclick"},
		{`<a href="#" onclick="x()">c</a>`, "c", "onclick"},
		{`<p style="display:none">s</p>`, "s", "style="},
	} {
		got, err := PageMarkdown(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(got), tc.want) || strings.Contains(string(got), tc.never) {
			t.Errorf("PageMarkdown(%q) = %q; want %q in it and no %q", tc.in, got, tc.want, tc.never)
		}
	}
}
