package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/storetest"
)

// FuzzAuthHeaders sends arbitrary Authorization headers and session cookie
// values: none may sign in, none may cause a server error.
func FuzzAuthHeaders(f *testing.F) {
	f.Add("Bearer "+debrief.NewTokenSecret(), debrief.NewSessionSecret())
	f.Add("Bearer", "dbs_")
	f.Add("bearer  dbt_AAAA", "%00")
	f.Add("Basic dXNlcjpwYXNz", "dbs_"+string(make([]byte, 43)))
	var handlers []http.Handler
	for _, st := range fuzzStores(f) {
		handlers = append(handlers, New(Config{Service: debrief.NewService(st, debrief.WithPasswordHasher(storetest.FastHasher))}).Handler())
	}
	f.Fuzz(func(t *testing.T, authz, cookie string) {
		req := httptest.NewRequest("GET", "/api/v1/auth/me", nil)
		if authz != "" {
			req.Header["Authorization"] = []string{authz}
		}
		if cookie != "" {
			req.Header["Cookie"] = []string{SessionCookie + "=" + cookie}
		}
		for i, h := range handlers {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req.Clone(req.Context()))
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("store %d: GET /api/v1/auth/me with Authorization %q and cookie %q = %d; want 401", i, authz, cookie, rec.Code)
			}
		}
	})
}
