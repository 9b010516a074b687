package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/debriefhq/debrief/debrief"
)

// TestBusyIs503 checks how the API answers a store that found no free
// connection in time: 503 with a JSON error that says the server is busy,
// a Retry-After, and no ERROR in the log (nothing is broken).
func TestBusyIs503(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	busy := &debrief.Error{Code: debrief.EUnavailable, Message: "The server is busy; try again in a moment.",
		Err: fmt.Errorf("sqlstore: no database connection came free within 5s")}
	rec := httptest.NewRecorder()
	e.srv.middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.srv.renderError(w, r, fmt.Errorf("search: %w", busy))
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/search?q=outage", nil))
	x := exchange{status: rec.Code, body: rec.Body.Bytes()}
	code, _ := x.errorCode()
	if rec.Code != http.StatusServiceUnavailable || code != debrief.EUnavailable || !strings.Contains(rec.Body.String(), "busy") {
		t.Errorf("a busy store answered %d %s, want 503 unavailable saying the server is busy", rec.Code, rec.Body)
	}
	if rec.Header().Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After")
	}
	if strings.Contains(e.logs.String(), `"level":"ERROR"`) {
		t.Errorf("a busy store is logged as an error:\n%s", e.logs)
	}
}

// TestClientGoneIsNotAnError sends a request whose client has gone before
// the store runs it: the store gives up at once (context canceled), and the
// server records 499, not a 500, with nothing logged as an error.
func TestClientGoneIsNotAnError(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	e.must(201, "POST", "/api/v1/incidents", `{"title":"Checkout outage: card payments failed","severity":"SEV2","services":["checkout"],"started_at":"2026-03-01T10:00:00Z"}`, nil)
	for _, path := range []string{"/api/v1/incidents/1", "/api/v1/incidents", "/api/v1/search?q=outage", "/api/v1/incidents/1/similar"} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil).WithContext(ctx))
		if rec.Code != statusClientClosedRequest {
			t.Errorf("GET %s after the client went away = %d %s, want %d", path, rec.Code, rec.Body, statusClientClosedRequest)
		}
	}
	logs := e.logs.String()
	if strings.Contains(logs, `"level":"ERROR"`) || strings.Contains(logs, "internal error") {
		t.Errorf("a client that went away is logged as an error:\n%s", logs)
	}
	if !strings.Contains(logs, `"status":499`) {
		t.Errorf("the request log does not record status 499:\n%s", logs)
	}
}
