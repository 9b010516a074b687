package debrief

import (
	"strings"
	"testing"
)

func TestParseToken(t *testing.T) {
	tok := NewTokenSecret()
	h, err := ParseToken(tok)
	if err != nil || h != HashSecret(tok) || len(h) != 64 {
		t.Fatalf("ParseToken(new token) = %q, %v; want its 64-hex SHA-256 and no error", h, err)
	}
	for _, bad := range []string{"", "dbt_", tok[:len(tok)-1], tok + "A", "dbs_" + tok[4:], strings.Replace(tok, tok[5:6], "+", 1),
		"dbt_" + strings.Repeat("A", 42) + "B"} { // last char has non-zero padding bits
		if _, err := ParseToken(bad); ErrorCode(err) != EUnauthorized {
			t.Errorf("ParseToken(%q) error = %v; want code %s", bad, err, EUnauthorized)
		}
	}
	if _, err := ParseSessionCookie(tok); err == nil {
		t.Errorf("ParseSessionCookie(an API token) succeeded; want EUnauthorized, tokens and sessions are not interchangeable")
	}
	if _, err := ParseSessionCookie(NewSessionSecret()); err != nil {
		t.Errorf("ParseSessionCookie(new session) = %v; want nil", err)
	}
}

func TestMinRoleAndScopes(t *testing.T) {
	for _, tc := range []struct {
		user  Role
		scope TokenScope
		want  Role
	}{{RoleAdmin, ScopeRead, RoleViewer}, {RoleViewer, ScopeAdmin, RoleViewer}, {RoleResponder, ScopeWrite, RoleResponder}, {RoleAdmin, ScopeAdmin, RoleAdmin}} {
		if got := MinRole(tc.user, tc.scope.Role()); got != tc.want {
			t.Errorf("MinRole(%s, scope %s) = %s; want %s", tc.user, tc.scope, got, tc.want)
		}
	}
	if TokenScope("root").Valid() {
		t.Errorf(`TokenScope("root").Valid() = true; want false`)
	}
}

func TestActorCanSee(t *testing.T) {
	priv := &Incident{Private: true, Members: []string{"Ada@example.com"}}
	for _, tc := range []struct {
		a    Actor
		want bool
	}{
		{Actor{Email: "ada@example.com", Role: RoleViewer}, true},
		{Actor{Email: "bob@example.com", Role: RoleResponder}, false},
		{Actor{Email: "", Role: RoleResponder}, false},
		{Actor{Email: "root@example.com", Role: RoleAdmin}, true},
	} {
		if got := tc.a.CanSee(priv); got != tc.want {
			t.Errorf("%+v.CanSee(private incident of Ada) = %v; want %v", tc.a, got, tc.want)
		}
	}
	if !(Actor{Role: RoleViewer}).CanSee(&Incident{}) {
		t.Errorf("a viewer cannot see a public incident; want true")
	}
}

func FuzzParseToken(f *testing.F) {
	f.Add(NewTokenSecret())
	f.Add("dbt_")
	f.Add("Bearer dbt_x")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseToken(s)
		if err == nil && (h != HashSecret(s) || !strings.HasPrefix(s, TokenPrefix)) {
			t.Fatalf("ParseToken(%q) accepted with hash %q", s, h)
		}
		if err != nil && ErrorCode(err) != EUnauthorized {
			t.Fatalf("ParseToken(%q) error %v; want EUnauthorized", s, err)
		}
	})
}

func FuzzParseSessionCookie(f *testing.F) {
	f.Add(NewSessionSecret())
	f.Add("dbs_")
	f.Add("dbs_%00")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseSessionCookie(s)
		if err == nil && h != HashSecret(s) {
			t.Fatalf("ParseSessionCookie(%q) hash %q; want HashSecret", s, h)
		}
		if err != nil && ErrorCode(err) != EUnauthorized {
			t.Fatalf("ParseSessionCookie(%q) error %v; want EUnauthorized", s, err)
		}
	})
}
