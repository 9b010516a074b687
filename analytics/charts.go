package analytics

import (
	"fmt"
	"math"
	"strconv"

	"github.com/go-analyze/charts"
)

// Chart sizes in pixels; SVG scales, so these set proportions and font size.
const (
	chartWidth  = 720
	chartHeight = 400
)

// SVG renders t as a bar chart (one bar per row, one series per numeric
// column) with each bar's value written on it, so the chart can be read
// without hovering and checked against its table.
func (t *Table) SVG() ([]byte, error) {
	labels := make([]string, len(t.Rows))
	for i, row := range t.Rows {
		labels[i] = row[0]
	}
	if len(labels) == 0 {
		// The library needs at least one category; an empty chart says so.
		labels = []string{"no incidents"}
	}
	data := make([][]float64, len(t.series))
	for s := range t.series {
		data[s] = make([]float64, len(labels))
		for i := range t.values {
			data[s][i] = t.values[i][s]
		}
	}
	opt := charts.NewBarChartOptionWithData(data)
	opt.Title.Text = t.Title
	opt.CategoryAxis.Labels = labels
	names := make([]string, len(t.series))
	for s, col := range t.series {
		names[s] = t.Columns[col]
		opt.SeriesList[s].Label.Show = charts.Ptr(true)
		opt.SeriesList[s].Label.ValueFormatter = func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	}
	opt.Legend.SeriesNames = names
	// A bar's height is its value: the axis starts at 0 (from the smallest
	// value, a service with 1 incident beside one with 2 had an empty
	// bar), and counts and whole minutes are marked in whole numbers.
	whole, most := true, 0.0
	for _, series := range data {
		for _, v := range series {
			whole, most = whole && v == math.Trunc(v), max(most, v)
		}
	}
	for i := range opt.ValueAxis {
		a := &opt.ValueAxis[i]
		a.Min = charts.Ptr(0.0)
		if whole {
			step := wholeStep(most)
			top := step * (math.Floor(most/step) + 1) // room above the tallest bar for its value
			a.Max, a.LabelCount, a.PreferNiceIntervals = charts.Ptr(top), int(top/step)+1, charts.Ptr(false)
			a.ValueFormatter = func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
		}
	}
	opt.Legend.Offset = charts.OffsetRight
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: chartWidth, Height: chartHeight})
	if err := p.BarChart(opt); err != nil {
		return nil, fmt.Errorf("analytics: render chart %s: %w", t.Name, err)
	}
	return p.Bytes()
}

// wholeStep is the step between the value axis's marks for whole numbers
// up to most: 1, 2 or 5 times a power of ten, so that there are at most
// five steps.
func wholeStep(most float64) float64 {
	for p := 1.0; ; p *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if most/(m*p) <= 5 {
				return m * p
			}
		}
	}
}
