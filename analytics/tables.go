package analytics

import (
	"encoding/csv"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// Table is one figure of a report as rows and columns: what a chart draws,
// and what its CSV export holds, so every chart can be read as numbers.
type Table struct {
	Name    string     `json:"name"`
	Title   string     `json:"title"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"rows"`
	// series are the numeric columns (by index into Columns) a chart draws,
	// with the first column as its categories.
	series []int
	// values holds the numbers of the series columns, row by row.
	values [][]float64
}

// TableNames lists the tables (and charts) of a report, in the order a
// page shows them.
var TableNames = []string{
	"by_severity", "by_service", "by_label", "by_month", "response_times",
	"action_items", "postmortems", "top_contributing_factors", "repeat_incidents_by_service",
	"quality_by_month",
}

// Table returns the table called name, or ENotFound.
func (r *Report) Table(name string) (*Table, error) {
	counts := func(title, what string, cs []Count) *Table {
		t := &Table{Name: name, Title: title, Columns: []string{what, "incidents"}, series: []int{1}}
		for _, c := range cs {
			t.Rows = append(t.Rows, []string{c.Name, strconv.Itoa(c.Count)})
			t.values = append(t.values, []float64{float64(c.Count)})
		}
		return t
	}
	switch name {
	case "by_severity":
		return counts("Incidents by severity", "severity", r.BySeverity), nil
	case "by_service":
		return counts("Incidents by service", "service", r.ByService), nil
	case "by_label":
		return counts("Incidents by label", "label", r.ByLabel), nil
	case "by_month":
		return counts("Incidents by month (UTC)", "month", r.ByMonth), nil
	case "top_contributing_factors":
		t := counts("Top contributing factors", "factor", r.Factors)
		t.Columns[1] = "postmortems"
		return t, nil
	case "repeat_incidents_by_service":
		t := counts("Repeat incidents by service", "service", r.Repeats)
		t.Columns[1] = "repeats"
		return t, nil
	case "response_times":
		t := &Table{Name: name, Title: "Response times (minutes)", Columns: []string{"measure", "median_minutes", "p90_minutes", "count", "missing", "still_open"}, series: []int{1, 2}}
		for _, m := range []struct {
			name string
			st   DurationStat
		}{{"detect", r.Response.Detect}, {"acknowledge", r.Response.Acknowledge}, {"mitigate", r.Response.Mitigate}, {"resolve", r.Response.Resolve}} {
			med, p90 := minutes(m.st.MedianSeconds), minutes(m.st.P90Seconds)
			t.Rows = append(t.Rows, []string{m.name, formatFloat(med), formatFloat(p90), strconv.Itoa(m.st.Count), strconv.Itoa(m.st.Missing), strconv.Itoa(m.st.StillOpen)})
			t.values = append(t.values, []float64{orZero(med), orZero(p90)})
		}
		return t, nil
	case "action_items":
		a := r.ActionItems
		t := &Table{Name: name, Title: "Action items", Columns: []string{"status", "items"}, series: []int{1}}
		for _, row := range []struct {
			name string
			n    int
		}{{"open", a.Open}, {"done", a.Done}, {"wont_do", a.WontDo}, {"overdue", a.Overdue}} {
			t.Rows = append(t.Rows, []string{row.name, strconv.Itoa(row.n)})
			t.values = append(t.values, []float64{float64(row.n)})
		}
		return t, nil
	case "postmortems":
		p := r.Postmortems
		t := &Table{Name: name, Title: "Postmortems of resolved incidents", Columns: []string{"state", "incidents"}, series: []int{1}}
		for _, row := range []struct {
			name string
			n    int
		}{{"published", p.Published}, {"in_review", p.InReview}, {"draft", p.Draft}, {"none", p.None}} {
			t.Rows = append(t.Rows, []string{row.name, strconv.Itoa(row.n)})
			t.values = append(t.values, []float64{float64(row.n)})
		}
		return t, nil
	case "quality_by_month":
		t := &Table{Name: name, Title: "Postmortem quality score by month created (UTC)", Columns: []string{"month", "median_score", "postmortems"}, series: []int{1, 2}}
		for _, m := range r.Quality.ByMonth {
			t.Rows = append(t.Rows, []string{m.Month, formatFloat(m.MedianScore), strconv.Itoa(m.Count)})
			t.values = append(t.values, []float64{orZero(m.MedianScore), float64(m.Count)})
		}
		return t, nil
	}
	return nil, debrief.Errorf(debrief.ENotFound, "name", "There is no analytics table or chart %q; use one of %s.", name, strings.Join(TableNames, ", "))
}

// WriteCSV writes t with a header row. Empty cells are figures that could
// not be computed (no incident had the timestamps).
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return err
	}
	if err := cw.WriteAll(t.Rows); err != nil {
		return err
	}
	return cw.Error()
}

func minutes(sec *float64) *float64 {
	if sec == nil {
		return nil
	}
	// Tenths of a minute: finer would be noise, and the chart writes
	// the same number as the table.
	v := math.Round(*sec/6) / 10
	return &v
}

func orZero(v *float64) float64 {
	if v == nil {
		return 0
	}
	return *v
}

func formatFloat(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}
