// Package web is Debrief's HTTP server: the REST API under /api/v1, the
// webhooks of alert sources, the health and metrics endpoints, and HTML
// pages.
//
// Every route is listed once: in routes.go's table, or for accounts (sign-in,
// tokens, users, single sign-on) in authRoutes beside the code they need
// (auth.go, oidc.go); New serves both lists. Handlers are built by small
// functions that take their dependencies and return a HandlerFunc, which
// returns an error instead of writing one; a single adapter authenticates,
// checks the route's role and renders errors, so every door answers errors
// the same way.
package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/debriefhq/debrief/analytics"
	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/live"
	"github.com/debriefhq/debrief/review"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultMaxBodyBytes bounds a request body unless Config.MaxBodyBytes says otherwise.
const DefaultMaxBodyBytes = 1 << 20

// Config is what a Server needs. Service is required; everything else has a default.
type Config struct {
	Service *debrief.Service
	// Store answers readiness probes (Ping). It defaults to Service.Store().
	Store  debrief.Store
	Logger *slog.Logger
	// Version is reported by /healthz and the OpenAPI document.
	Version string
	// MaxBodyBytes bounds every request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Chromium is the browser that prints PDF exports; "" means
	// /usr/bin/chromium or chromium on PATH (export.FindChromium).
	Chromium string
	// Authenticate names the actor of a request, or returns an error (with
	// code EUnauthorized for missing or bad credentials). Nil means the
	// session cookie or API token of a Debrief account (auth.go), unless
	// Open is set.
	Authenticate func(r *http.Request) (debrief.Actor, error)
	// Open makes every request act as LocalActor without credentials: an
	// explicit opt-in for a single-user installation on localhost.
	Open bool
	// InsecureCookies leaves Secure off the session cookie, for plain HTTP
	// on localhost; browsers drop Secure cookies sent over plain HTTP.
	InsecureCookies bool
	// SessionTTL is how long a sign-in lasts; 0 means debrief.DefaultSessionTTL.
	SessionTTL time.Duration
	// OIDC enables single sign-on with an OpenID Connect provider.
	OIDC *OIDCConfig
	// CalendarAllowPrivate lets the server fetch participants' calendars
	// from loopback, private and link-local addresses (an admin's setting
	// for a calendar server inside their network); off, such URLs are
	// refused so the fetch cannot probe the internal network.
	CalendarAllowPrivate bool
	// Registry receives the HTTP metrics; nil means a new registry, served
	// at /metrics together with the Go runtime and process collectors.
	Registry prometheus.Registerer
	// MetricsToken, when set, lets a request with "Authorization: Bearer
	// <MetricsToken>" read /metrics from any address.
	MetricsToken string
	// MetricsAllow lists the client addresses that read /metrics without
	// the token; nil means loopback only (127.0.0.0/8 and ::1).
	MetricsAllow []netip.Prefix
	// PublicURL is the address people reach this server at
	// ("https://debrief.example.com"), used for absolute links in feeds and
	// public links. "" means the scheme and Host of each request.
	PublicURL string
	// TrustedProxies lists the reverse proxies whose X-Forwarded-For names
	// the client (proxy.go); nil trusts none, and the client is the TCP peer.
	TrustedProxies []netip.Prefix
	// Live fans out live updates to open pages (ui_live.go); it must be
	// the Publisher of Service (debrief.WithPublisher) for pages to hear of
	// changes. Nil means a hub of this process that hears only presence.
	Live *live.Hub
}

// LocalActor is who every request acts as when Config.Authenticate is nil.
var LocalActor = debrief.Actor{Email: "local", Role: debrief.RoleAdmin, Via: "open"}

// Server serves Debrief over HTTP. Build it with New; it is safe for
// concurrent use.
type Server struct {
	svc          *debrief.Service
	store        debrief.Store
	log          *slog.Logger
	version      string
	chromium     string
	maxBody      int64
	authenticate func(r *http.Request) (debrief.Actor, error)
	// Accounts (auth.go, oidc.go).
	secureCookies bool
	sessionTTL    time.Duration
	limiter       *loginLimiter
	cop           *http.CrossOriginProtection
	oidc          *oidcClient
	metrics       *metrics
	metricsToken  string
	metricsAllow  []netip.Prefix
	analytics     *analytics.Cache
	openAPI       []byte
	openAPIErr    error
	calendars     *review.Fetcher
	// linkLimiter and roomLimiter bound requests per address to the pages
	// reached by a token (ui_review_limit.go).
	linkLimiter, roomLimiter *tokenLimiter
	// postmortemAnswers keeps encoded postmortems (answer_cache.go).
	postmortemAnswers answerCache
	routes            []Route
	// ui holds the page templates and assets (ui.go); publicURL is
	// Config.PublicURL without a trailing slash.
	ui        *ui
	publicURL string
	mux       *http.ServeMux
	handler   http.Handler

	// live fans out live updates and presence (ui_live.go); liveBeat is
	// how often a stream renews presence and checks its viewer again.
	live     *live.Hub
	liveBeat time.Duration

	// bootID and requestSeq make request ids that are unique across restarts
	// without a random read per request.
	bootID     string
	requestSeq atomic.Uint64
}

// New returns a Server for cfg. It panics only on a programming error in the
// route table (two routes with the same pattern), as http.ServeMux does.
func New(cfg Config) *Server {
	s := &Server{
		svc:          cfg.Service,
		store:        cfg.Store,
		log:          cfg.Logger,
		version:      cfg.Version,
		maxBody:      cfg.MaxBodyBytes,
		authenticate: cfg.Authenticate,
		chromium:     cfg.Chromium,
	}
	if s.store == nil && s.svc != nil {
		s.store = s.svc.Store()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.version == "" {
		s.version = "dev"
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	switch {
	case s.authenticate != nil:
	case cfg.Open:
		s.authenticate = func(*http.Request) (debrief.Actor, error) { return LocalActor, nil }
	default:
		s.authenticate = s.authenticateRequest
	}
	s.secureCookies = !cfg.InsecureCookies
	s.sessionTTL = cfg.SessionTTL
	if s.sessionTTL <= 0 {
		s.sessionTTL = debrief.DefaultSessionTTL
	}
	s.limiter = newLoginLimiter(time.Now)
	s.cop = http.NewCrossOriginProtection()
	if cfg.OIDC != nil {
		s.oidc = newOIDCClient(*cfg.OIDC)
	}
	s.calendars = &review.Fetcher{AllowPrivate: cfg.CalendarAllowPrivate, MaxBytes: MaxCalendarBytes}
	s.linkLimiter, s.roomLimiter = newTokenLimiter(linkRequestsPerMinute, time.Now), newTokenLimiter(roomRequestsPerMinute, time.Now)
	s.metrics = newMetrics(cfg.Registry)
	s.metricsToken, s.metricsAllow = cfg.MetricsToken, cfg.MetricsAllow
	if s.metricsAllow == nil {
		s.metricsAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	s.analytics = analytics.NewCache(s.svc)
	if s.svc != nil && s.svc.Store() != nil {
		// The analytics figures as metrics, computed when scraped.
		register(s.metrics.reg, analytics.NewCollector(s.svc, s.log))
	}
	s.openAPI, s.openAPIErr = openAPIJSON(s.version)
	var b [6]byte
	_, _ = rand.Read(b[:])
	s.bootID = hex.EncodeToString(b[:])

	ui, err := newUI()
	if err != nil {
		panic(err) // the embedded templates are part of the build
	}
	s.ui = ui
	s.publicURL = strings.TrimRight(cfg.PublicURL, "/")
	s.live = cfg.Live
	if s.live == nil {
		s.live = live.New(s.log)
	}
	s.liveBeat = live.Heartbeat
	s.mux = http.NewServeMux()
	s.routes = append(s.routeTable(), s.authRoutes(decoder{maxBody: s.maxBody})...)
	for _, rt := range s.routes {
		s.mux.Handle(rt.Pattern, s.adapt(rt))
	}
	// Unknown API paths and methods answer JSON like every other API error.
	s.mux.Handle("/api/v1/", s.adapt(Route{Pattern: "/api/v1/", Kind: KindAPI, Handler: s.apiFallback}))
	s.handler = withTrustedProxies(cfg.TrustedProxies, withSecurityHeaders(s.middleware(s.mux)))
	return s
}

// Handler returns the server's root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Routes returns a copy of the route table, so tests can walk every route
// (the OpenAPI check, the permission matrix).
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// requestInfo travels in the request context so the outer middleware learns
// what the inner adapter decided (route pattern) without reading headers.
type requestInfo struct {
	id    string
	route string
	kind  RouteKind
}

type requestInfoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	if ri, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{}
}

// requestInfoOf returns the requestInfo of the middleware's writer w when
// the request's context does not hold it yet (adapt puts it there), or nil
// when the context has it or w is not the middleware's.
func requestInfoOf(w http.ResponseWriter, r *http.Request) *requestInfo {
	if sw, ok := w.(*statusWriter); ok && sw.info != nil {
		if _, inContext := r.Context().Value(requestInfoKey{}).(*requestInfo); !inContext {
			return sw.info
		}
	}
	return nil
}

// RequestID returns the id of the request ctx belongs to, for logs.
func RequestID(ctx context.Context) string { return infoFrom(ctx).id }

// statusWriter remembers the status and size of a response for logs and
// metrics. info is the request's requestInfo, which adapt puts in the
// context (the middleware does not, so that a request is copied once).
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	info   *requestInfo
}

// requestState is what the middleware keeps of one request, in one
// allocation: the writer that watches the answer, the request's info, and
// the value of its X-Request-Id header.
type requestState struct {
	w       statusWriter
	info    requestInfo
	idValue [1]string
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// middleware wraps every request: request id, headers every response
// carries, panic recovery, logging and metrics.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := &requestState{}
		ri, sw := &st.info, &st.w
		ri.id = s.requestID(r)
		sw.ResponseWriter, sw.info = w, ri
		st.idValue[0] = ri.id
		h := w.Header()
		// A slice of the state, shared as headerValues describes.
		h["X-Request-Id"] = st.idValue[:]
		h["X-Content-Type-Options"] = nosniffValue
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("panic serving request", "request_id", ri.id, "method", r.Method, "route", ri.route,
					"panic", p, "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.renderError(sw, r, panicError{p})
				}
			}
			s.observe(r, ri, sw, time.Since(start))
		}()
		next.ServeHTTP(sw, r)
	})
}

type panicError struct{ v any }

func (p panicError) Error() string { return "panic: " + debugString(p.v) }

func debugString(v any) string {
	switch v := v.(type) {
	case error:
		return v.Error()
	case string:
		return v
	}
	return "non-error panic value"
}

func (s *Server) observe(r *http.Request, ri *requestInfo, sw *statusWriter, d time.Duration) {
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	route := ri.route
	if route == "" || route == "/" {
		// Unmatched paths would give every scanner's URL its own series;
		// "/" is the UI's catch-all that answers them with the 404 page.
		route = "unmatched"
	}
	s.metrics.observe(r.Method, route, status, d)
	level := slog.LevelInfo
	switch {
	case status == http.StatusServiceUnavailable:
		// Busy or a storage hiccup: the client is told to retry, and
		// renderError has logged why.
		level = slog.LevelWarn
	case status >= 500:
		level = slog.LevelError
	}
	// Headers and bodies are never logged: they carry credentials and
	// whatever users wrote. The record is made here rather than by
	// Logger.LogAttrs, which asks the runtime for its caller on every line
	// for a source position that the request log does not show.
	ctx := r.Context()
	h := s.log.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	rec := slog.NewRecord(time.Now(), level, "request", 0)
	rec.AddAttrs(
		slog.String("method", r.Method),
		slog.String("route", route),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Int64("bytes", sw.bytes),
		slog.Duration("duration", d),
		slog.String("request_id", ri.id),
	)
	_ = h.Handle(ctx, rec)
}

// requestID keeps a caller's X-Request-Id when it is short and plain, so a
// proxy's id can be followed through the logs; otherwise it makes one.
func (s *Server) requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && plainID(id) {
		return id
	}
	var b [40]byte
	id := append(append(b[:0], s.bootID...), '-')
	return string(strconv.AppendUint(id, s.requestSeq.Add(1), 36))
}

func plainID(id string) bool {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// adapt turns a route into an http.Handler: it records the route for logs
// and metrics, authenticates, checks the route's role and renders the
// handler's error.
func (s *Server) adapt(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := authContext(r)
		ri := requestInfoOf(w, r)
		if ri != nil {
			ctx = context.WithValue(ctx, requestInfoKey{}, ri)
		} else {
			ri = infoFrom(ctx)
		}
		ri.route, ri.kind = rt.Pattern, rt.Kind
		if rt.ReadAhead != nil {
			ctx = rt.ReadAhead(ctx, r)
		}
		r = r.WithContext(ctx)
		if rt.Kind == KindUI {
			w.Header()["X-Frame-Options"] = denyValue
		}
		if rt.Kind != KindWebhook {
			if err := s.checkCrossOrigin(r); err != nil {
				s.svc.AuditDenied(r.Context(), debrief.Actor{}, rt.Pattern, "cross-origin request")
				s.renderError(w, r, err)
				return
			}
		}
		if rt.Role != "" {
			// What a signed-in caller reads is theirs: no shared cache or
			// browser history keeps it (handlers may say otherwise).
			w.Header()["Cache-Control"] = noStoreValue
			actor, err := s.authenticate(r)
			if err != nil {
				s.renderError(w, r, err)
				return
			}
			if !actor.Role.Includes(rt.Role) {
				s.svc.AuditDenied(r.Context(), actor, rt.Pattern, "role "+string(actor.Role)+" below "+string(rt.Role))
				s.renderError(w, r, debrief.Errorf(debrief.EForbidden, "", "Your role (%s) cannot do this; it needs the %s role.", actor.Role, rt.Role))
				return
			}
			if err := tokenScopeAllows(actor, r.Method, rt); err != nil {
				s.svc.AuditDenied(r.Context(), actor, rt.Pattern, "read-scope token")
				s.renderError(w, r, err)
				return
			}
			r = r.WithContext(debrief.WithActor(r.Context(), actor))
		}
		if err := rt.Handler(w, r); err != nil {
			s.renderError(w, r, err)
		}
	})
}

// apiFallback answers API paths no route matched: 405 when another method
// would match, 404 otherwise, in the API's error format.
func (s *Server) apiFallback(w http.ResponseWriter, r *http.Request) error {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/api/v1/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		if contains(allowed, http.MethodGet) {
			allowed = append(allowed, http.MethodHead)
		}
		w.Header().Set("Allow", joinComma(allowed))
		return debrief.Errorf(codeMethodNotAllowed, "", "%s is not allowed on %s; use %s.", r.Method, r.URL.Path, joinComma(allowed))
	}
	return debrief.Errorf(debrief.ENotFound, "", "There is no API endpoint %s; see /api/v1/openapi.json for the list.", r.URL.Path)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func joinComma(list []string) string {
	out := ""
	for i, v := range list {
		if i > 0 {
			out += ", "
		}
		out += v
	}
	return out
}
