package export

import (
	"bytes"
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
