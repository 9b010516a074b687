package web

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/debriefhq/debrief/debrief"
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
