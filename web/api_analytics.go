package web

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/debriefhq/debrief/analytics"
	"github.com/debriefhq/debrief/debrief"
)

// analyticsFilter reads the filters every analytics route takes.
func analyticsFilter(r *http.Request) (debrief.AnalyticsFilter, error) {
	qs, err := parseQuery(r, "from", "to", "service", "severity", "team")
	if err != nil {
		return debrief.AnalyticsFilter{}, err
	}
	from, to, err := qs.timeRange()
	if err != nil {
		return debrief.AnalyticsFilter{}, err
	}
	team, err := qs.one("team")
	if err != nil {
		return debrief.AnalyticsFilter{}, err
	}
	return debrief.AnalyticsFilter{From: from, To: to, Services: qs.list("service"), Severities: qs.list("severity"), Team: team}, nil
}

// getAnalytics answers GET /api/v1/analytics with every figure for the
// filters, over the incidents the caller may see (from the cache while the
// record is unchanged, for at most analytics.CacheTTL).
func getAnalytics(cache *analytics.Cache) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := analyticsFilter(r)
		if err != nil {
			return err
		}
		rep, err := cache.Report(r.Context(), f)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, rep)
		return nil
	}
}

// analyticsTable computes the report and returns the table named by the
// {file} path value, which must end in ext (".csv" or ".svg").
func analyticsTable(cache *analytics.Cache, r *http.Request, ext string) (*analytics.Table, error) {
	file := r.PathValue("file")
	name, ok := strings.CutSuffix(file, ext)
	if !ok {
		return nil, debrief.Errorf(debrief.ENotFound, "", "There is no %s here; ask for one of the tables by name, e.g. by_month%s.", truncate(file, 60), ext)
	}
	f, err := analyticsFilter(r)
	if err != nil {
		return nil, err
	}
	rep, err := cache.Report(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return rep.Table(name)
}

// getAnalyticsCSV answers GET /api/v1/analytics/tables/{name}.csv: one
// figure as CSV, the numbers behind the chart of the same name.
func getAnalyticsCSV(cache *analytics.Cache) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := analyticsTable(cache, r, ".csv")
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := t.WriteCSV(&buf); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="debrief-`+t.Name+`.csv"`)
		_, err = w.Write(buf.Bytes())
		return err
	}
}

// getAnalyticsChart answers GET /api/v1/analytics/charts/{name}.svg: one
// figure drawn server-side, with its values written on the bars.
func getAnalyticsChart(cache *analytics.Cache) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		t, err := analyticsTable(cache, r, ".svg")
		if err != nil {
			return err
		}
		svg, err := t.SVG()
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "image/svg+xml")
		// The SVG is our own rendering, but it is served from our origin:
		// no script may run in it if someone opens it directly.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		_, err = w.Write(svg)
		return err
	}
}
