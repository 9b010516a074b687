package export

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseMarkdown: ParseMarkdown never panics, and whatever it accepts
// exports to Markdown that reads back to the same export.
func FuzzParseMarkdown(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "plain", "*.md"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	if md, err := Markdown(sampleDocument()); err == nil {
		f.Add(md)
	}
	f.Add([]byte("---\ndebrief: 1\npostmortem: {}\n---\n# T\n"))
	f.Add([]byte("# T\n\n## Timeline\n\n| Time (UTC) | Event |\n|---|---|\n| 2023-02-14 10:29 | a \\| b |\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := ParseMarkdown(bytes.NewReader(data))
		if err != nil {
			return
		}
		md, err := Markdown(doc)
		if err != nil {
			t.Fatalf("Markdown(ParseMarkdown(data)) error: %v", err)
		}
		back, err := ParseMarkdown(bytes.NewReader(md))
		if err != nil {
			t.Fatalf("ParseMarkdown of Debrief's own export failed: %v\n%s", err, md)
		}
		md2, err := Markdown(back)
		if err != nil {
			t.Fatalf("second Markdown error: %v", err)
		}
		if !bytes.Equal(md, md2) {
			t.Fatalf("export → import → export changed the bytes:\n--- first\n%s\n--- second\n%s", md, md2)
		}
	})
}
