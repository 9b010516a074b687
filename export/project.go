package export

import (
	"strings"

	"github.com/debriefhq/debrief/debrief"
)

// metricsMarkdown writes a project's results against its goals as a
// Markdown table, one metric a row; "" when there are none.
func metricsMarkdown(metrics []debrief.Metric) string {
	if len(metrics) == 0 {
		return ""
	}
	num := func(v *float64, unit string) string {
		if v == nil {
			return "–"
		}
		return escapeMarkdown(debrief.FormatMetric(v, unit))
	}
	var b strings.Builder
	b.WriteString("| Metric | Baseline | Target | Result |\n|---|---|---|---|\n")
	for _, m := range metrics {
		cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
		b.WriteString("| " + cell(escapeMarkdown(m.Name)) + " | " + cell(num(m.Baseline, m.Unit)) + " | " + cell(num(m.Target, m.Unit)) + " | " + cell(num(m.Result, m.Unit)) + " |\n")
	}
	return b.String()
}
