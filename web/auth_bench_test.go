package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/sqlstore"
	"github.com/debriefhq/debrief/storetest"
)

// BenchmarkTokenAuth measures GET /api/v1/auth/me with an API token on
// SQLite: parsing, the hash lookup, the user lookup, and (once a minute)
// the last-used write.
func BenchmarkTokenAuth(b *testing.B) {
	svc := debrief.NewService(openSQLite(b), debrief.WithPasswordHasher(storetest.FastHasher))
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	u, err := svc.CreateUser(sys, debrief.NewUser{Email: "bench@example.com", Role: debrief.RoleAdmin})
	if err != nil {
		b.Fatal(err)
	}
	_, secret, err := svc.CreateToken(sys, debrief.NewAPIToken{UserID: u.ID, Name: "bench", Scope: debrief.ScopeRead})
	if err != nil {
		b.Fatal(err)
	}
	h := New(Config{Service: svc, Logger: slog.New(slog.DiscardHandler)}).Handler()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/api/v1/auth/me", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("GET /api/v1/auth/me = %d", rec.Code)
		}
	}
}

// BenchmarkReadPostmortemToken is the request path of docs/PERFORMANCE.md
// ("Request path"): one postmortem read again and again with an admin API
// token, at benchPostmortems postmortems, through the whole handler
// (security headers, request id, token check, route, answer, log line,
// metrics), with the request log in serve's text format written to
// /dev/null so that formatting it and its write count. Run with -cpu 1;
// cpu-µs/op is the process's CPU time per request.
func BenchmarkReadPostmortemToken(b *testing.B) {
	path, ids := benchDB(b)
	db, err := sqlstore.Open(context.Background(), path, nil)
	if err != nil {
		b.Fatalf("sqlstore.Open = %v", err)
	}
	b.Cleanup(func() { db.Close() })
	svc := debrief.NewService(db, debrief.WithPasswordHasher(storetest.FastHasher))
	sys := debrief.WithActor(context.Background(), debrief.SystemActor)
	// A new account each run: the database may be one kept across runs
	// (DEBRIEF_BENCH_DB).
	u, err := svc.CreateUser(sys, debrief.NewUser{Email: fmt.Sprintf("bench-%d@example.com", time.Now().UnixNano()), Role: debrief.RoleAdmin})
	if err != nil {
		b.Fatal(err)
	}
	_, secret, err := svc.CreateToken(sys, debrief.NewAPIToken{UserID: u.ID, Name: "bench", Scope: debrief.ScopeAdmin})
	if err != nil {
		b.Fatal(err)
	}
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { devNull.Close() })
	h := New(Config{Service: svc, Logger: slog.New(slog.NewTextHandler(devNull, nil))}).Handler()
	target := "/api/v1/postmortems/" + debrief.PostmortemKeyPrefix + strconv.FormatInt(ids[len(ids)/2], 10)
	auth := []string{"Bearer " + secret}
	serve := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header["Authorization"] = auth
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s = %d %s", target, rec.Code, truncate(rec.Body.String(), 200))
		}
		return rec
	}
	serve() // keeps the answer and the token
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		serve()
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/1e3/float64(b.N), "cpu-µs/op")
}
