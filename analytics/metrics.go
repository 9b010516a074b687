package analytics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/debriefhq/debrief/debrief"
)

// Collector serves the report's figures as Prometheus metrics, so teams can
// graph them in Grafana next to their service metrics.
//
// It computes the report when scraped and keeps it for MetricsCacheTTL.
// Computing on scrape rather than refreshing gauges on a timer means no
// background goroutine, no work when nobody scrapes, and figures never
// older than the cache; the cache keeps several scrapers (an HA Prometheus
// pair, several instances behind one target) from each paying for a scan.
// Concurrent scrapes wait for one computation.
//
// /metrics is not authenticated, so the figures are those an anonymous
// viewer may see: private incidents are left out.
type Collector struct {
	svc *debrief.Service
	log *slog.Logger
	ttl time.Duration

	// mu guards report and at, and is held while computing so that
	// concurrent scrapes share one computation.
	mu     sync.Mutex
	report *Report
	at     time.Time
}

// MetricsCacheTTL is how long a scrape reuses the last report.
const MetricsCacheTTL = 30 * time.Second

// metricsViewer is who the metrics are computed for: a viewer who is a
// member of no private incident.
var metricsViewer = debrief.Actor{Name: "metrics", Role: debrief.RoleViewer, Via: "system"}

var (
	descIncidents       = prometheus.NewDesc("debrief_incidents", "Incidents (not private), by severity.", []string{"severity"}, nil)
	descIncidentsByServ = prometheus.NewDesc("debrief_incidents_by_service", "Incidents (not private) that touched each service.", []string{"service"}, nil)
	descResponse        = prometheus.NewDesc("debrief_incident_response_seconds", "Time to detect, acknowledge, mitigate and resolve, from the incidents' lifecycle timestamps: median (quantile 0.5) and nearest-rank p90.", []string{"measure", "quantile"}, nil)
	descResponseCount   = prometheus.NewDesc("debrief_incident_response_count", "Incidents that have both timestamps of each response time, the sample behind its quantiles.", []string{"measure"}, nil)
	descResponseMissing = prometheus.NewDesc("debrief_incident_response_missing", "Incidents left out of each response time because a lifecycle timestamp is missing.", []string{"measure"}, nil)
	descItems           = prometheus.NewDesc("debrief_action_items", "Action items of incidents, by status (open includes in progress).", []string{"status"}, nil)
	descItemsOverdue    = prometheus.NewDesc("debrief_action_items_overdue", "Open action items past their due date.", nil, nil)
	descItemsRate       = prometheus.NewDesc("debrief_action_item_completion_ratio", "Done action items / (all − won't do).", nil, nil)
	descPostmortems     = prometheus.NewDesc("debrief_postmortems_of_resolved_incidents", "Resolved incidents by the state of their postmortem (none when there is none).", []string{"state"}, nil)
	descPostmortemRate  = prometheus.NewDesc("debrief_postmortem_completion_ratio", "Resolved incidents with a published postmortem / resolved incidents.", nil, nil)
	descRepeats         = prometheus.NewDesc("debrief_repeat_incidents", "Incidents marked as repeating an earlier one, by service.", []string{"service"}, nil)
	descQuality         = prometheus.NewDesc("debrief_postmortem_quality_score", "The quality check's score (0-100) of the postmortems of incidents (not private), as stored when each was last saved: the median (quantile 0.5). Graph it over time for the trend.", []string{"quantile"}, nil)
	descQualityCount    = prometheus.NewDesc("debrief_postmortem_quality_scored", "Postmortems of incidents (not private) with a stored quality score (scored) and without one, not saved since scores were stored (unscored).", []string{"state"}, nil)
	descScrapeError     = prometheus.NewDesc("debrief_analytics_scrape_error", "1 when the last computation of these figures failed (see the log), else 0.", nil, nil)
)

// NewCollector returns a Collector over svc; log receives computation errors.
func NewCollector(svc *debrief.Service, log *slog.Logger) *Collector {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Collector{svc: svc, log: log, ttl: MetricsCacheTTL}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descIncidents, descIncidentsByServ, descResponse, descResponseCount, descResponseMissing,
		descItems, descItemsOverdue, descItemsRate, descPostmortems, descPostmortemRate, descRepeats, descQuality, descQualityCount, descScrapeError} {
		ch <- d
	}
}

// current returns the cached report, computing a new one when it is older
// than the TTL. A failed computation keeps serving nothing but the error
// gauge, so a broken database shows as a failed figure, not a zero.
func (c *Collector) current() (*Report, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.report != nil && now.Sub(c.at) < c.ttl {
		return c.report, nil
	}
	ctx, cancel := context.WithTimeout(debrief.WithActor(context.Background(), metricsViewer), 30*time.Second)
	defer cancel()
	r, err := Compute(ctx, c.svc, debrief.AnalyticsFilter{})
	if err != nil {
		c.report = nil
		return nil, err
	}
	c.report, c.at = r, now
	return r, nil
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	r, err := c.current()
	if err != nil {
		c.log.Error("computing analytics metrics", "err", err)
		ch <- prometheus.MustNewConstMetric(descScrapeError, prometheus.GaugeValue, 1)
		return
	}
	ch <- prometheus.MustNewConstMetric(descScrapeError, prometheus.GaugeValue, 0)
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, s := range r.BySeverity {
		gauge(descIncidents, float64(s.Count), s.Name)
	}
	for _, s := range r.ByService {
		gauge(descIncidentsByServ, float64(s.Count), s.Name)
	}
	for _, m := range []struct {
		name string
		st   DurationStat
	}{{"detect", r.Response.Detect}, {"acknowledge", r.Response.Acknowledge}, {"mitigate", r.Response.Mitigate}, {"resolve", r.Response.Resolve}} {
		gauge(descResponseCount, float64(m.st.Count), m.name)
		gauge(descResponseMissing, float64(m.st.Missing), m.name)
		// No sample, no quantile: a 0 would read as "instant".
		if m.st.MedianSeconds != nil {
			gauge(descResponse, *m.st.MedianSeconds, m.name, "0.5")
			gauge(descResponse, *m.st.P90Seconds, m.name, "0.9")
		}
	}
	a := r.ActionItems
	gauge(descItems, float64(a.Open), "open")
	gauge(descItems, float64(a.Done), "done")
	gauge(descItems, float64(a.WontDo), "wont_do")
	gauge(descItemsOverdue, float64(a.Overdue))
	if a.CompletionRate != nil {
		gauge(descItemsRate, *a.CompletionRate)
	}
	p := r.Postmortems
	gauge(descPostmortems, float64(p.Published), "published")
	gauge(descPostmortems, float64(p.InReview), "in_review")
	gauge(descPostmortems, float64(p.Draft), "draft")
	gauge(descPostmortems, float64(p.None), "none")
	if p.CompletionRate != nil {
		gauge(descPostmortemRate, *p.CompletionRate)
	}
	for _, s := range r.Repeats {
		gauge(descRepeats, float64(s.Count), s.Name)
	}
	gauge(descQualityCount, float64(r.Quality.Scored), "scored")
	gauge(descQualityCount, float64(r.Quality.Unscored), "unscored")
	// No score, no median: a 0 would read as the worst possible.
	if r.Quality.MedianScore != nil {
		gauge(descQuality, *r.Quality.MedianScore, "0.5")
	}
}
