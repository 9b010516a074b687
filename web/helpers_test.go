package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/ingest"
	"github.com/debriefhq/debrief/live"
	"github.com/debriefhq/debrief/sqlstore"
	"github.com/debriefhq/debrief/storetest"
	"github.com/debriefhq/debrief/templates"
)

// testEnv is a Server on a real database, with the OpenAPI document loaded
// so every exchange can be checked against it.
type testEnv struct {
	t      *testing.T
	srv    *Server
	h      http.Handler
	svc    *debrief.Service
	store  debrief.Store
	logs   *bytes.Buffer
	router routers.Router

	mu sync.Mutex
	// covered records the API route patterns that answered 2xx to a
	// request the document validated.
	covered map[string]bool
}

// fixedClock starts at a fixed time and moves one second per call, so
// records get distinct, ordered, reproducible times.
func fixedClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

// inputChecks are the checks main gives every Service (cmd/debrief's
// newService).
var inputChecks = debrief.WithChecks(debrief.Checks{IntegrationConfig: ingest.CheckIntegrationConfig, Template: templates.Check})

// openSQLite opens a fresh SQLite store in a temporary directory.
func openSQLite(tb testing.TB) debrief.Store {
	tb.Helper()
	db, err := sqlstore.Open(context.Background(), filepath.Join(tb.TempDir(), "debrief.db"), nil)
	if err != nil {
		tb.Fatalf("sqlstore.Open(sqlite) = %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// openPostgres opens a fresh PostgreSQL database; a missing server fails.
func openPostgres(tb testing.TB) debrief.Store {
	tb.Helper()
	db, err := sqlstore.Open(context.Background(), storetest.PostgresDSN(tb), nil)
	if err != nil {
		tb.Fatalf("sqlstore.Open(postgres) = %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// openPostgresOrSkip is openPostgres for the browser tests, which skip
// PostgreSQL when DEBRIEF_TEST_POSTGRES is not set rather than fail.
func openPostgresOrSkip(tb testing.TB) debrief.Store {
	tb.Helper()
	if os.Getenv(storetest.PostgresEnv) == "" {
		tb.Skip("DEBRIEF_TEST_POSTGRES is not set")
	}
	return openPostgres(tb)
}

// engines are the two databases a test runs on, each opened fresh.
var engines = []struct {
	name string
	open func(testing.TB) debrief.Store
}{{"sqlite", openSQLite}, {"postgres", openPostgres}}

// bothEngines runs f as a subtest on each engine, named after it.
func bothEngines(t *testing.T, f func(t *testing.T, store debrief.Store)) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) { f(t, engine.open(t)) })
	}
}

func newEnv(t *testing.T, store debrief.Store, cfg Config) *testEnv {
	t.Helper()
	logs := &bytes.Buffer{}
	svc := debrief.NewService(store, debrief.WithClock(fixedClock()), inputChecks)
	cfg.Service = svc
	// These tests predate accounts: without an authenticator they run open.
	cfg.Open = cfg.Open || cfg.Authenticate == nil
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, nil))
	}
	srv := New(cfg)
	doc := loadOpenAPI(t)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("gorillamux.NewRouter(openapi.yaml) = %v", err)
	}
	return &testEnv{t: t, srv: srv, h: srv.Handler(), svc: svc, store: store, logs: logs, router: router, covered: map[string]bool{}}
}

// lockedWriter lets concurrent requests log into one buffer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// ctx returns a context acting as an admin, for seeding through the Service.
func (e *testEnv) ctx() context.Context {
	return debrief.WithActor(context.Background(), debrief.Actor{Email: "seed@example.com", Role: debrief.RoleAdmin, Via: "test"})
}

// exchange is one request and its recorded answer.
type exchange struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
}

// errorCode returns the error code and field of an error answer.
func (x exchange) errorCode() (code, field string) {
	var b errorBody
	_ = json.Unmarshal(x.body, &b)
	return b.Error.Code, b.Error.Field
}

func (x exchange) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(x.body, v); err != nil {
		t.Fatalf("%s %s: decoding answer %q: %v", x.method, x.path, truncate(string(x.body), 300), err)
	}
}

// do sends a request through the full handler and checks the exchange
// against the OpenAPI document: the answer always, the request too when
// the server accepted it (2xx/3xx). An API path the document does not
// describe fails the test.
func (e *testEnv) do(method, path, body string, headers map[string]string) exchange {
	e.t.Helper()
	newReq := func() *http.Request {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		r := httptest.NewRequest(method, path, rd)
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		for k, v := range headers {
			if v == "" {
				r.Header.Del(k)
			} else {
				r.Header.Set(k, v)
			}
		}
		return r
	}
	rec := httptest.NewRecorder()
	req := newReq()
	e.h.ServeHTTP(rec, req)
	x := exchange{method: method, path: path, status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	e.checkOpenAPI(newReq(), x)
	return x
}

func (e *testEnv) checkOpenAPI(req *http.Request, x exchange) {
	e.t.Helper()
	if !strings.HasPrefix(req.URL.Path, "/api/v1/") && req.URL.Path != "/healthz" && req.URL.Path != "/readyz" {
		return
	}
	_, pattern := e.srv.mux.Handler(req)
	if pattern == "/api/v1/" || pattern == "" {
		return // no route: the fallback's 404/405 is checked by its own test
	}
	route, params, err := e.router.FindRoute(req)
	if err != nil {
		e.t.Errorf("%s %s (route %q) is not described in openapi.yaml: %v", x.method, x.path, pattern, err)
		return
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	ctx := context.Background()
	if x.status < 400 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			e.t.Errorf("%s %s answered %d, but openapi.yaml rejects the request: %v", x.method, x.path, x.status, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: x.status, Header: x.header, Options: opts}
	out.SetBodyBytes(x.body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		e.t.Errorf("%s %s answered %d %s, which openapi.yaml does not describe: %v", x.method, x.path, x.status, truncate(string(x.body), 400), err)
		return
	}
	if x.status < 300 {
		e.mu.Lock()
		e.covered[pattern] = true
		e.mu.Unlock()
	}
}

// must sends a request and fails the test unless it answers want.
func (e *testEnv) must(want int, method, path, body string, headers map[string]string) exchange {
	e.t.Helper()
	x := e.do(method, path, body, headers)
	if x.status != want {
		e.t.Fatalf("%s %s %s = %d %s, want %d", method, path, truncate(body, 200), x.status, truncate(string(x.body), 400), want)
	}
	return x
}

// snapshot reads everything a failed request could have changed, so a test
// can check that it changed nothing.
func (e *testEnv) snapshot(paths ...string) string {
	e.t.Helper()
	var b strings.Builder
	for _, p := range paths {
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		b.WriteString(p + " " + rec.Header().Get("ETag") + " ")
		b.Write(rec.Body.Bytes())
		b.WriteString("\n")
	}
	return b.String()
}

// httptestRequest builds a JSON request for the handler.
func httptestRequest(method, path, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

// liveServer is a server on port 0 with live updates wired as serve wires
// them: the Service publishes to the hub the pages' streams read.
type liveServer struct {
	svc *debrief.Service
	srv *Server
	hub *live.Hub
	ts  *httptest.Server
	// users are the accounts made at the start, by name; each signs in
	// as name@example.com with browserPassword.
	users map[string]*debrief.User
}

// newLiveServer starts a liveServer on store with an account for each
// name in roles. beat, when not zero, replaces the streams' heartbeat so
// that a test sees an ended session or link quickly.
func newLiveServer(t *testing.T, store debrief.Store, roles map[string]debrief.Role, beat time.Duration, opts ...debrief.Option) *liveServer {
	t.Helper()
	hub := live.New(nil)
	t.Cleanup(hub.Close)
	svc := debrief.NewService(store, append([]debrief.Option{debrief.WithPublisher(hub), debrief.WithPasswordHasher(storetest.FastHasher)}, opts...)...)
	srv := New(Config{Service: svc, Live: hub, InsecureCookies: true, Logger: slog.New(slog.DiscardHandler)})
	if beat != 0 {
		srv.liveBeat = beat
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	s := &liveServer{svc: svc, srv: srv, hub: hub, ts: ts, users: map[string]*debrief.User{}}
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	for name, role := range roles {
		u, err := svc.CreateUser(sys, debrief.NewUser{Email: name + "@example.com", Name: strings.ToUpper(name[:1]) + name[1:], Role: role, Password: browserPassword})
		if err != nil {
			t.Fatalf("CreateUser(%s): %v", name, err)
		}
		s.users[name] = u
	}
	return s
}
