package export

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
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

// FuzzRedact: redacting any text never panics, and what it returns holds
// no email address or IPv4 address that the text had.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{"ask ana@example.com on db-1.internal (10.0.0.1)", "fe80::1%eth0 2001:db8::1/64 ::ffff:1.2.3.4",
		"Ana Pérez and @oncall", "std::fmt at 10:29:05", "ÅÄÖ åäö İstanbul ǅ", ""} {
		f.Add(s)
	}
	doc := sampleDocument()
	doc.Incident.Roles.Communications = "Ana Pérez"
	r := newRedactor(doc)
	f.Fuzz(func(t *testing.T, s string) {
		out := r.text(s)
		if emailRe.MatchString(out) && !emailRe.MatchString(s) {
			t.Fatalf("redact(%q) = %q made an email address", s, out)
		}
		for _, ip := range ipv4Re.FindAllString(s, -1) {
			if strings.Contains(out, ip) && !strings.Contains(RedactedIP, ip) {
				// The address may survive only as part of a longer token
				// that is not an address (e.g. a version 1.2.3.4.5).
				if ipv4Re.MatchString(out) && strings.Contains(s, ip+".") {
					continue
				}
				t.Fatalf("redact(%q) = %q still holds %s", s, out, ip)
			}
		}
	})
}
