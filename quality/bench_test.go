package quality

import (
	"os"
	"strings"
	"testing"
)

// bigPostmortem repeats the sections of good.md, with their timeline and
// action items, until the document is about 50 KB.
func bigPostmortem(tb testing.TB) []byte {
	b, err := os.ReadFile("testdata/good.md")
	if err != nil {
		tb.Fatal(err)
	}
	head, body, _ := strings.Cut(string(b), "\n## Summary")
	var sb strings.Builder
	sb.WriteString(head)
	for i := 0; sb.Len() < 50<<10; i++ {
		sb.WriteString(strings.ReplaceAll("\n## Summary"+body, "\n## ", "\n## Part "+string(rune('A'+i%26))+" "))
	}
	return []byte(sb.String())
}

// BenchmarkLint50KB is `debrief lint FILE.md` without the process: parse a
// 50 KB Markdown postmortem and run every rule.
func BenchmarkLint50KB(b *testing.B) {
	src := bigPostmortem(b)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		in, _ := ParseMarkdown(src, "big.md")
		Check(in, nil)
	}
}

// BenchmarkCheckRecord is the API's lint of a stored postmortem, as an
// editor calls it while someone types.
func BenchmarkCheckRecord(b *testing.B) {
	in := goodRecord()
	b.ReportAllocs()
	for b.Loop() {
		Check(in, nil)
	}
}
