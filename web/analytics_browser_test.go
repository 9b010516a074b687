package web

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestChartsRenderInChromium opens a chart in headless Chromium, as a
// browser shows it in a page or as a download: it must be drawn (a
// non-empty box) and show the categories and values of its table.
func TestChartsRenderInChromium(t *testing.T) {
	chromium := os.Getenv("DEBRIEF_TEST_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("Chromium is needed for this test at %s (set DEBRIEF_TEST_CHROMIUM): %v", chromium, err)
	}
	e := newEnv(t, openSQLite(t), Config{})
	for _, body := range []string{
		`{"title": "Ledger writes timed out", "severity": "SEV1", "services": ["ledger"], "started_at": "2025-01-10T10:00:00Z"}`,
		`{"title": "Ledger reads were stale", "severity": "SEV2", "services": ["ledger"], "started_at": "2025-03-02T10:00:00Z"}`,
		`{"title": "Search lagged", "severity": "SEV2", "services": ["search"], "started_at": "2025-03-09T10:00:00Z"}`,
	} {
		e.must(201, "POST", "/api/v1/incidents", body, nil)
	}
	srv := httptest.NewServer(e.h)
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/api/v1/analytics/charts/by_month.svg")); err != nil {
		t.Fatalf("Chromium could not open the chart: %v", err)
	}
	type shown struct {
		Root  string   `json:"root"`
		W     float64  `json:"w"`
		H     float64  `json:"h"`
		Texts []string `json:"texts"`
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[shown](`({root: document.documentElement.tagName,
		w: document.documentElement.getBoundingClientRect().width, h: document.documentElement.getBoundingClientRect().height,
		texts: Array.from(document.querySelectorAll('text')).map(t => t.textContent.trim())})`))
	if err != nil {
		t.Fatalf("reading the rendered chart: %v", err)
	}
	root, width, height, texts := got.Root, got.W, got.H, got.Texts
	if root != "svg" || width < 100 || height < 100 {
		t.Fatalf("Chromium shows a %q document of %.0f×%.0f px, want an SVG chart drawn at full size", root, width, height)
	}
	// Months 2025-01 (1), 2025-02 (0) and 2025-03 (2).
	for _, want := range []string{"Incidents by month (UTC)", "2025-01", "2025-02", "2025-03", "1", "2"} {
		found := false
		for _, s := range texts {
			found = found || s == want
		}
		if !found {
			t.Errorf("the rendered chart has no text %q; it has %q", want, texts)
		}
	}
}
