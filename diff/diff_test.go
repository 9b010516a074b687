package diff

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

func TestLines(t *testing.T) {
	for _, tc := range []struct {
		name     string
		old, new string
		want     []Line
	}{
		{"both empty", "", "", nil},
		{"same text", "a\nb\n", "a\nb", []Line{{Equal, "a"}, {Equal, "b"}}},
		{"added to empty", "", "one\ntwo", []Line{{Insert, "one"}, {Insert, "two"}}},
		{"all removed", "one\ntwo\n", "", []Line{{Delete, "one"}, {Delete, "two"}}},
		{"one line changed", "Summary\nCheckout failed.\nFor 42 minutes.", "Summary\nCheckout failed for EU customers.\nFor 42 minutes.",
			[]Line{{Equal, "Summary"}, {Delete, "Checkout failed."}, {Insert, "Checkout failed for EU customers."}, {Equal, "For 42 minutes."}}},
		{"line inserted in the middle", "a\nc\n", "a\nb\nc\n", []Line{{Equal, "a"}, {Insert, "b"}, {Equal, "c"}}},
		{"windows line endings", "a\r\nb\r\n", "a\nb\n", []Line{{Equal, "a"}, {Equal, "b"}}},
		{"blank lines kept", "a\n\nb", "a\n\n\nb", []Line{{Equal, "a"}, {Equal, ""}, {Insert, ""}, {Equal, "b"}}},
		{"a line that is a prefix of another", "abc\n", "ab\n", []Line{{Delete, "abc"}, {Insert, "ab"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Lines(tc.old, tc.new)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Lines(%q, %q) differs (-want +got):\n%s", tc.old, tc.new, diff)
			}
			if Changed(got) != (normalize(tc.old) != normalize(tc.new)) {
				t.Errorf("Changed(Lines(%q, %q)) = %v, want %v", tc.old, tc.new, Changed(got), !Changed(got))
			}
		})
	}
}

// TestLinesRebuildBothTexts checks on random texts that the diff keeps
// every line of both sides: Equal and Delete lines give the old text,
// Equal and Insert lines the new one, and identical texts have no change.
func TestLinesRebuildBothTexts(t *testing.T) {
	line := rapid.SampledFrom([]string{"", "a", "b", "c", "The pool was too small.", "é ✓", "  indented"})
	text := rapid.Custom(func(t *rapid.T) string {
		return strings.Join(rapid.SliceOfN(line, 0, 12).Draw(t, "lines"), "\n")
	})
	rapid.Check(t, func(t *rapid.T) {
		old, new := text.Draw(t, "old"), text.Draw(t, "new")
		got := Lines(old, new)
		var o, n []string
		for _, l := range got {
			switch l.Op {
			case Equal:
				o, n = append(o, l.Text), append(n, l.Text)
			case Delete:
				o = append(o, l.Text)
			case Insert:
				n = append(n, l.Text)
			default:
				t.Fatalf("Lines gave op %q", l.Op)
			}
		}
		if want := linesOf(old); !cmp.Equal(o, want) {
			t.Fatalf("Lines(%q, %q): equal+delete lines = %q, want the old text's %q", old, new, o, want)
		}
		if want := linesOf(new); !cmp.Equal(n, want) {
			t.Fatalf("Lines(%q, %q): equal+insert lines = %q, want the new text's %q", old, new, n, want)
		}
		if old == new && Changed(got) {
			t.Fatalf("Lines(%q, same) marks a change: %v", old, got)
		}
	})
}

func linesOf(s string) []string {
	if s == "" {
		return nil
	}
	return splitLines(normalize(s))
}
