package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/debriefhq/debrief/debrief"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics counts and times requests by method, route pattern and status.
// Labels use the route pattern, never the path, so the number of series is
// bounded by the route table.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// series keeps the counter and histogram of each method, route and
	// status seen (seriesKey to *series), so that a request finds both with
	// one lookup instead of hashing its three labels twice. It holds no
	// more than the vectors do.
	series   sync.Map
	gatherer prometheus.Gatherer
	// reg is where other collectors of the server (analytics) register.
	reg prometheus.Registerer
}

func newMetrics(reg prometheus.Registerer) *metrics {
	var gatherer prometheus.Gatherer = prometheus.DefaultGatherer
	if reg == nil {
		r := prometheus.NewRegistry()
		r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		reg, gatherer = r, r
	} else if g, ok := reg.(prometheus.Gatherer); ok {
		gatherer = g
	}
	m := &metrics{gatherer: gatherer, reg: reg}
	m.requests = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "debrief_http_requests_total",
		Help: "HTTP requests answered, by method, route pattern and status.",
	}, []string{"method", "route", "status"}))
	m.duration = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "debrief_http_request_duration_seconds",
		Help:    "Time to answer HTTP requests, by method, route pattern and status.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"method", "route", "status"}))
	return m
}

// register adds c to reg, or returns the collector already registered under
// the same name, so several servers can share one registry (tests, a
// process serving two listeners).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic("web: registering metrics: " + err.Error())
	}
	return c
}

// seriesKey names the series of one method, route pattern and status.
type seriesKey struct {
	method, route string
	status        int
}

// series are the metrics of one seriesKey.
type series struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other" // any token is a valid method; keep the label set bounded
	}
	key := seriesKey{method: method, route: route, status: status}
	v, ok := m.series.Load(key)
	if !ok {
		code := strconv.Itoa(status)
		v, _ = m.series.LoadOrStore(key, &series{
			requests: m.requests.WithLabelValues(method, route, code),
			duration: m.duration.WithLabelValues(method, route, code),
		})
	}
	se := v.(*series)
	se.requests.Inc()
	se.duration.Observe(d.Seconds())
}

// handler serves the metrics to an allowed address or a caller with the
// metrics token: they name routes, versions and load, which is more than
// the open internet needs to know.
func (m *metrics) handler(token string, allow []netip.Prefix) HandlerFunc {
	h := promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{})
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := metricsAllowed(r, token, allow); err != nil {
			return err
		}
		h.ServeHTTP(w, r)
		return nil
	}
}

func metricsAllowed(r *http.Request, token string, allow []netip.Prefix) error {
	if auth := r.Header.Get("Authorization"); token != "" && auth != "" {
		scheme, got, _ := strings.Cut(auth, " ")
		if strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1 {
			return nil
		}
		return debrief.Errorf(debrief.EUnauthorized, "", "The metrics token is not right.")
	}
	if ip, err := netip.ParseAddr(clientIP(r)); err == nil {
		ip = ip.Unmap()
		for _, p := range allow {
			if p.Contains(ip) {
				return nil
			}
		}
	}
	if token != "" {
		return debrief.Errorf(debrief.EUnauthorized, "", "Send the metrics token as \"Authorization: Bearer <token>\".")
	}
	return debrief.Errorf(debrief.EForbidden, "", "Metrics are served only to the addresses in --metrics-allow (loopback by default) or with --metrics-token.")
}
