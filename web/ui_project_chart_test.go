package web

import (
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// TestChartTitlesFit: a metric's long name is broken into lines that fit
// the chart instead of running off its edge, and its bars move down below
// them, inside the chart's height.
func TestChartTitlesFit(t *testing.T) {
	v := 2.0
	c := chartOf([]debrief.Metric{
		{Name: "Reorders with a substituted item returned to the store", Unit: "%", Result: &v},
		{Name: "Uptime", Result: &v},
	})
	long, short := c.Blocks[0], c.Blocks[1]
	if len(long.Lines) < 2 || len(short.Lines) != 1 {
		t.Fatalf("title lines = %d and %d; want the long name broken, the short one whole", len(long.Lines), len(short.Lines))
	}
	var words []string
	for i, l := range long.Lines {
		if n := len([]rune(l.Text)); n > chartTitleChars {
			t.Errorf("line %d %q has %d characters; want at most %d", i, l.Text, n, chartTitleChars)
		}
		if (i == 0) != (l.DY == 0) {
			t.Errorf("line %d moves down %d; want 0 for the first, a line for the others", i, l.DY)
		}
		words = append(words, l.Text)
	}
	if got := strings.Join(words, " "); got != long.Title {
		t.Errorf("the lines say %q; want the whole title %q", got, long.Title)
	}
	titleBottom := long.Y + (len(long.Lines)-1)*chartLineH
	if long.Bars[0].Y <= titleBottom {
		t.Errorf("the first bar is at %d, under the title's last line at %d; want it below", long.Bars[0].Y, titleBottom)
	}
	if short.Y <= long.Bars[2].Y || c.Height < short.Bars[2].Y+chartBarH {
		t.Errorf("blocks overlap or run out of the chart: second title at %d after bar at %d, height %d", short.Y, long.Bars[2].Y, c.Height)
	}
}
