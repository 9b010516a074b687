package quality

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// FuzzParseMarkdown checks that any document parses and lints without a
// panic, and that every finding points at a line of the document.
func FuzzParseMarkdown(f *testing.F) {
	// Small seeds only: the fuzzer minimises every input that finds new
	// paths, and minimising the 24 KB real postmortems stalls it for
	// minutes. TestRealPostmortems covers those.
	files, _ := filepath.Glob("testdata/*.md")
	for _, file := range append(files, "testdata/real/dfds-PM2020-004-coredns-upgrade-issue.md") {
		b, err := os.ReadFile(file)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("---\nseverity: [\n---\n# T\n"))
	f.Add([]byte("---\ndebrief: 1\npostmortem: {title: T}\n---\n# T\n"))
	f.Add([]byte("**Summary**: x\n**Status**: complete\n| a |\n|---|\n| 25:99 | x |\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		in, err := ParseMarkdown(src, "f.md")
		if err != nil {
			if c := debrief.ErrorCode(err); c != debrief.EInvalid && c != debrief.ETooLarge {
				t.Fatalf("ParseMarkdown error %v has code %q, want invalid or too_large", err, c)
			}
			return
		}
		rep := Check(in, nil)
		lines := strings.Count(string(src), "\n") + 1
		for _, fd := range rep.Findings {
			if fd.Line < 1 || fd.Line > lines+1 {
				t.Fatalf("%s at line %d of a %d-line document", fd.Rule, fd.Line, lines)
			}
		}
		if rep.Score < 0 || rep.Score > 100 {
			t.Fatalf("score %d", rep.Score)
		}
	})
}

// FuzzParseConfig checks that any configuration either parses into one
// Check can use or is rejected with an error, never a panic.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("rules:\n  blameless.animated: off\nwords:\n  names: [Zed]\n"))
	f.Add([]byte(`{"rules":{"title.length":{"severity":"error"}},"title_min_length":40}`))
	f.Add([]byte("rules: &a [*a]\n"))
	f.Add([]byte("words: {allow: [\"\"], blame: [\"x y z\"]}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg, err := ParseConfig(src)
		if err != nil {
			if cfg != nil {
				t.Fatalf("ParseConfig returned a config with error %v", err)
			}
			return
		}
		Check(goodRecord(), cfg)
	})
}
