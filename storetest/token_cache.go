package storetest

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

func init() {
	Register("TokenCacheAcrossInstances", testTokenCacheAcrossInstances)
}

// testTokenCacheAcrossInstances runs two Services on one store, as two
// server instances on one database: each caches the tokens it verified,
// and a change made through the other (a role cut, a revoke, an account
// disabled) or the passing of an expiry time must take effect on the next
// request, never after a delay.
func testTokenCacheAcrossInstances(t *testing.T, open Opener) {
	s := open(t)
	if _, ok := s.(debrief.AuthGenerationStore); !ok {
		t.Fatalf("%T does not keep an authentication generation; the Service would read every token afresh", s)
	}
	ctx := debrief.WithActor(ctxOf(t), debrief.SystemActor)
	var now atomic.Int64
	now.Store(base.UnixMicro())
	clock := debrief.WithClock(func() time.Time { return time.UnixMicro(now.Load()) })
	one, two := debrief.NewService(s, clock), debrief.NewService(s, clock)

	ada, err := two.CreateUser(ctx, debrief.NewUser{Email: "ada@example.com", Name: "Ada", Role: debrief.RoleAdmin})
	must(t, err, "CreateUser(ada)")
	bob, err := two.CreateUser(ctx, debrief.NewUser{Email: "bob@example.com", Name: "Bob", Role: debrief.RoleResponder})
	must(t, err, "CreateUser(bob)")
	expires := at(time.Hour)
	adaTok, adaSecret, err := two.CreateToken(ctx, debrief.NewAPIToken{UserID: ada.ID, Name: "ci", Scope: debrief.ScopeAdmin, ExpiresAt: &expires})
	must(t, err, "CreateToken(ada)")
	_, bobSecret, err := two.CreateToken(ctx, debrief.NewAPIToken{UserID: bob.ID, Name: "laptop", Scope: debrief.ScopeWrite})
	must(t, err, "CreateToken(bob)")

	gens := s.(debrief.AuthGenerationStore)
	gen := func() int64 {
		g, err := gens.AuthGeneration(ctx)
		must(t, err, "AuthGeneration")
		return g
	}
	actor := func(secret, when string) debrief.Actor {
		t.Helper()
		a, err := one.TokenActor(ctxOf(t), secret)
		if err != nil {
			t.Fatalf("TokenActor %s = %v, want the actor", when, err)
		}
		return a
	}
	refused := func(secret, when string) {
		t.Helper()
		if a, err := one.TokenActor(ctxOf(t), secret); debrief.ErrorCode(err) != debrief.EUnauthorized {
			t.Errorf("TokenActor %s = %+v, %v; want EUnauthorized at once", when, a, err)
		}
	}

	// Verified once, then served from the first instance's cache; using a
	// token (its last-use time, written once a minute) moves nothing.
	before := gen()
	actor(bobSecret, "(first use)")
	if a := actor(bobSecret, "(cached)"); a.Role != debrief.RoleResponder || a.Email != "bob@example.com" {
		t.Fatalf("TokenActor(bob) = %+v, want bob as a responder", a)
	}
	if after := gen(); after != before {
		t.Errorf("the authentication generation moved from %d to %d when a token was used; every use would empty the caches", before, after)
	}

	// The other instance cuts Bob to a viewer.
	viewer := debrief.RoleViewer
	_, err = two.UpdateUser(ctx, bob.ID, debrief.UserPatch{Role: &viewer})
	must(t, err, "UpdateUser(bob, viewer)")
	if a := actor(bobSecret, "after the role cut"); a.Role != debrief.RoleViewer {
		t.Errorf("TokenActor(bob) after the other instance made him a viewer = role %s, want viewer at once", a.Role)
	}
	// ... then disables him.
	disabled := true
	_, err = two.UpdateUser(ctx, bob.ID, debrief.UserPatch{Disabled: &disabled})
	must(t, err, "UpdateUser(bob, disabled)")
	refused(bobSecret, "after the other instance disabled the account")

	// Ada's token: cached, then revoked through the other instance.
	actor(adaSecret, "(ada, first use)")
	actor(adaSecret, "(ada, cached)")
	_, err = two.RevokeToken(ctx, adaTok.ID)
	must(t, err, "RevokeToken(ada)")
	refused(adaSecret, "after the other instance revoked it")

	// An expiry needs no change at all: the cached token stops at its time.
	_, adaSecret2, err := two.CreateToken(ctx, debrief.NewAPIToken{UserID: ada.ID, Name: "ci-2", Scope: debrief.ScopeAdmin, ExpiresAt: &expires})
	must(t, err, "CreateToken(ada, second)")
	actor(adaSecret2, "(second token)")
	actor(adaSecret2, "(second token, cached)")
	now.Store(expires.UnixMicro())
	refused(adaSecret2, "at its expiry time")
}
