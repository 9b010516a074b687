// Package diff finds the lines that differ between two texts, so a writer
// who meets someone else's save of the same section (a section conflict)
// can see what each side changed before merging. It adapts
// github.com/sergi/go-diff, diffing whole lines as single symbols.
package diff

import (
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Op says whether a line is in both texts, only the new one or only the old one.
type Op string

const (
	Equal  Op = "equal"
	Insert Op = "insert" // only in the new text
	Delete Op = "delete" // only in the old text
)

// Line is one line of a line diff, without its line ending.
type Line struct {
	Op   Op     `json:"op"`
	Text string `json:"text"`
}

// Lines returns the shortest list of line operations that turns old into
// new: reading the Equal and Delete lines in order gives old, the Equal
// and Insert lines give new. Lines end at "\n" ("\r\n" counts as "\n"); a
// final line without an ending is a line like the others. Where a line was
// changed, its Delete comes before its Insert.
func Lines(old, new string) []Line {
	old, new = normalize(old), normalize(new)
	dmp := diffmatchpatch.New()
	// No deadline: a result that depended on how busy the machine is would
	// show two writers different differences for the same texts.
	dmp.DiffTimeout = 0
	a, b, lines := dmp.DiffLinesToRunes(old, new)
	diffs := dmp.DiffCharsToLines(dmp.DiffMainRunes(a, b, false), lines)
	var out []Line
	for _, d := range diffs {
		op := Equal
		switch d.Type {
		case diffmatchpatch.DiffInsert:
			op = Insert
		case diffmatchpatch.DiffDelete:
			op = Delete
		}
		for _, l := range splitLines(d.Text) {
			out = append(out, Line{Op: op, Text: l})
		}
	}
	return out
}

// Changed reports whether any line differs.
func Changed(lines []Line) bool {
	for _, l := range lines {
		if l.Op != Equal {
			return true
		}
	}
	return false
}

// normalize makes every line end in "\n", so the last line compares equal
// whether or not the text ended with a line break, and Windows line endings
// do not mark every line as changed.
func normalize(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}

// splitLines splits text made of whole lines (each ending in "\n").
func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n")
}
