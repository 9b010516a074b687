package web

import (
	"encoding/csv"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/debriefhq/debrief/analytics"
)

func init() {
	scenarioSteps = append(scenarioSteps, analyticsScenario)
	// The chart and table routes answer documents; the OpenAPI check reads
	// them as text.
	text := func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(body)
		return string(b), err
	}
	for _, ct := range []string{"image/svg+xml", "text/csv"} {
		openapi3filter.RegisterBodyDecoder(ct, text)
	}
}

// analyticsScenario declares incidents of a service no other step uses and
// reads their figures as JSON, CSV and SVG, filtered to that service.
func analyticsScenario(t *testing.T, e *testEnv) {
	t.Helper()
	e.must(201, "POST", "/api/v1/incidents", `{"title": "Ledger writes timed out", "severity": "SEV1", "services": ["ledger-analytics"], "labels": ["database"],
		"started_at": "2025-01-10T10:00:00Z", "detected_at": "2025-01-10T10:10:00Z", "status": "resolved", "mitigated_at": "2025-01-10T10:40:00Z", "resolved_at": "2025-01-10T11:00:00Z"}`, nil)
	e.must(201, "POST", "/api/v1/incidents", `{"title": "Ledger reads returned stale balances", "severity": "SEV2", "services": ["ledger-analytics"],
		"started_at": "2025-03-02T10:00:00Z", "detected_at": "2025-03-02T10:30:00Z"}`, nil)

	const filter = "service=ledger-analytics&from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"
	var rep analytics.Report
	e.must(200, "GET", "/api/v1/analytics?"+filter, "", nil).decode(t, &rep)
	// Detect: 10 and 30 minutes → median 20, p90 (rank ⌈1.8⌉ = 2) 30.
	d := rep.Response.Detect
	if rep.Incidents != 2 || d.Count != 2 || d.MedianSeconds == nil || *d.MedianSeconds != 1200 || *d.P90Seconds != 1800 {
		t.Errorf("GET /api/v1/analytics?%s = %d incidents, detect %+v; want 2 incidents, median 1200 s and p90 1800 s", filter, rep.Incidents, d)
	}
	if len(rep.ByMonth) != 3 || rep.ByMonth[1].Name != "2025-02" || rep.ByMonth[1].Count != 0 {
		t.Errorf("by_month = %v, want 2025-01, 2025-02 (0) and 2025-03", rep.ByMonth)
	}
	if rep.Response.Resolve.StillOpen != 1 || rep.Response.Resolve.Count != 1 {
		t.Errorf("time_to_resolve = %+v, want one resolved and one still open", rep.Response.Resolve)
	}

	x := e.must(200, "GET", "/api/v1/analytics/tables/by_severity.csv?"+filter, "", nil)
	if ct := x.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("CSV Content-Type = %q, want text/csv", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(string(x.body))).ReadAll()
	if err != nil || len(rows) < 3 || strings.Join(rows[1], ",") != "SEV1,1" || strings.Join(rows[2], ",") != "SEV2,1" {
		t.Errorf("by_severity.csv = %q (%v), want SEV1,1 and SEV2,1 after the header", x.body, err)
	}

	x = e.must(200, "GET", "/api/v1/analytics/charts/by_month.svg?"+filter, "", nil)
	if ct := x.header.Get("Content-Type"); ct != "image/svg+xml" {
		t.Errorf("chart Content-Type = %q, want image/svg+xml", ct)
	}
	var root struct{ XMLName xml.Name }
	if err := xml.Unmarshal(x.body, &root); err != nil || root.XMLName.Local != "svg" {
		t.Errorf("chart does not parse as SVG: %v (root %q)", err, root.XMLName.Local)
	}
	if !strings.Contains(string(x.body), ">2025-02<") {
		t.Errorf("chart by_month has no 2025-02 category")
	}

	for _, c := range []struct{ path, code, field string }{
		{"/api/v1/analytics?severity=SEV9", "invalid", "severity"},
		{"/api/v1/analytics?team=payments", "invalid", "team"},
		{"/api/v1/analytics?from=yesterday", "invalid", "from"},
		{"/api/v1/analytics/charts/nope.svg", "not_found", "name"},
		{"/api/v1/analytics/charts/by_month.png", "not_found", ""},
	} {
		x := e.do("GET", c.path, "", nil)
		if code, field := x.errorCode(); code != c.code || field != c.field {
			t.Errorf("GET %s = %d %s, want error %s on field %q", c.path, x.status, x.body, c.code, c.field)
		}
	}
}

// TestAnalyticsMetrics scrapes /metrics and finds the analytics figures.
func TestAnalyticsMetrics(t *testing.T) {
	// Test requests come from 192.0.2.1, not loopback: the scrape
	// authenticates with the metrics token, as a remote Prometheus would.
	e := newEnv(t, openSQLite(t), Config{MetricsToken: "scrape-t0ken"})
	e.must(201, "POST", "/api/v1/incidents", `{"title": "Ledger writes timed out", "severity": "SEV1", "services": ["ledger"], "started_at": "2025-01-10T10:00:00Z", "detected_at": "2025-01-10T10:10:00Z"}`, nil)
	x := e.must(200, "GET", "/metrics", "", map[string]string{"Authorization": "Bearer scrape-t0ken"})
	for _, want := range []string{`debrief_incidents_by_service{service="ledger"} 1`, `debrief_incident_response_seconds{measure="detect",quantile="0.5"} 600`, `debrief_analytics_scrape_error 0`, `debrief_postmortem_quality_scored{state="scored"} 0`} {
		if !strings.Contains(string(x.body), want) {
			t.Errorf("GET /metrics has no line %s", want)
		}
	}
}
