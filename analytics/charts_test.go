package analytics

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// TestChartsMatchTables renders every chart of the fixture report and
// checks that it is well-formed XML whose text holds each category and each
// value of its table.
func TestChartsMatchTables(t *testing.T) {
	r := buildFixture(t)
	for _, name := range TableNames {
		t.Run(name, func(t *testing.T) {
			tab, err := r.Table(name)
			if err != nil {
				t.Fatalf("Table(%q) = %v", name, err)
			}
			svg, err := tab.SVG()
			if err != nil {
				t.Fatalf("SVG() = %v", err)
			}
			texts := svgTexts(t, svg)
			for _, row := range tab.Rows {
				if !texts[row[0]] {
					t.Errorf("chart %s has no text %q (its table's category); texts: %v", name, row[0], keys(texts))
				}
				for _, col := range tab.series {
					if v := row[col]; v != "" && v != "0" && !texts[v] {
						t.Errorf("chart %s does not show the value %q of %s/%s; texts: %v", name, v, row[0], tab.Columns[col], keys(texts))
					}
				}
			}
			var buf bytes.Buffer
			if err := tab.WriteCSV(&buf); err != nil {
				t.Fatalf("WriteCSV = %v", err)
			}
			recs, err := csv.NewReader(&buf).ReadAll()
			if err != nil || len(recs) != len(tab.Rows)+1 || strings.Join(recs[0], ",") != strings.Join(tab.Columns, ",") {
				t.Errorf("CSV of %s = %v, %v; want a header and %d rows", name, recs, err, len(tab.Rows))
			}
		})
	}
}

func TestTableValues(t *testing.T) {
	r := buildFixture(t)
	tab, _ := r.Table("response_times")
	// From TestReportFixture: detect median 15, p90 30 minutes over 4
	// incidents, one missing.
	if got := strings.Join(tab.Rows[0], ","); got != "detect,15,30,4,1,0" {
		t.Errorf("response_times row 1 = %s, want detect,15,30,4,1,0", got)
	}
	if _, err := r.Table("nope"); debrief.ErrorCode(err) != debrief.ENotFound {
		t.Errorf("Table(nope) = %v, want ENotFound", err)
	}
}

func TestEmptyCharts(t *testing.T) {
	r := newBuilder(fixtureNow, debrief.DefaultSeverities).report()
	for _, name := range TableNames {
		tab, err := r.Table(name)
		if err != nil {
			t.Fatal(err)
		}
		svg, err := tab.SVG()
		if err != nil {
			t.Fatalf("SVG of an empty %s = %v, want a chart", name, err)
		}
		svgTexts(t, svg)
	}
}

// svgTexts parses svg as XML (failing t if it is not) and returns the set
// of its <text> contents.
func svgTexts(t *testing.T, svg []byte) map[string]bool {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	texts := map[string]bool{}
	inText, root := false, ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v\n%s", err, svg)
		}
		switch v := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = v.Name.Local
			}
			inText = v.Name.Local == "text"
		case xml.EndElement:
			inText = false
		case xml.CharData:
			if inText {
				texts[strings.TrimSpace(string(v))] = true
			}
		}
	}
	if root != "svg" {
		t.Fatalf("chart's root element is %q, want svg", root)
	}
	return texts
}

func keys(m map[string]bool) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestChartBarsStartAtZero: a bar's height is its value, so the value
// axis starts at 0 even when every value is above it (an axis from the
// smallest value drew a service with 1 incident as an empty bar beside
// one with 2), and counts are marked in whole numbers.
func TestChartBarsStartAtZero(t *testing.T) {
	tab := &Table{Name: "by_service", Title: "Incidents by service", Columns: []string{"service", "incidents"},
		Rows: [][]string{{"ledger", "2"}, {"search", "1"}}, series: []int{1}, values: [][]float64{{2}, {1}}}
	svg, err := tab.SVG()
	if err != nil {
		t.Fatal(err)
	}
	texts := svgTexts(t, svg)
	var marks []string
	for s := range texts {
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			marks = append(marks, s)
			if v != math.Trunc(v) {
				t.Errorf("the axis of a count is marked %q; want whole numbers", s)
			}
		}
	}
	if !texts["0"] {
		t.Errorf("the chart's numbers are %v; want the axis to start at 0", marks)
	}
}
