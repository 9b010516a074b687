package web

import (
	"html"
	"io"
	"net/url"
	"regexp"
	"testing"
)

// TestOIDCReturnsToNext signs in through the real provider from a page that
// asked for sign-in: the callback goes back to that page, and never to a
// place off this site whatever next says.
func TestOIDCReturnsToNext(t *testing.T) {
	e := newSSOEnv(t, false)

	// Subtests run one after another; each reports through its own t.
	on := func(t *testing.T) *ssoEnv { c := *e; c.t = t; return &c }

	t.Run("from the sign-in page", func(t *testing.T) {
		want := "/incidents/INC-7?starred=1#timeline"
		resp, err := e.app.Client().Get(e.app.URL + "/login?next=" + url.QueryEscape(want))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		m := regexp.MustCompile(`href="(/auth/oidc/login[^"]*)"`).FindSubmatch(b)
		if m == nil {
			t.Fatalf("GET /login?next=… has no single sign-on link:\n%s", b)
		}
		start := html.UnescapeString(string(m[1]))
		if u, _ := url.Parse(start); u == nil || u.Query().Get("next") != want {
			t.Fatalf("the single sign-on link is %q; want it to carry next=%q", start, want)
		}
		on(t).signInFrom("ada", start, want)
	})

	for _, tc := range []struct{ name, next, want string }{
		{"no next", "", "/"},
		{"a page", "/postmortems/PM-3", "/postmortems/PM-3"},
		{"another site", "https://evil.example/", "/"},
		{"scheme-relative", "//evil.example/x", "/"},
		{"backslash", "/\\evil.example", "/"},
		{"the sign-in page itself", "/login?next=/x", "/"},
		{"an API path", "/api/v1/auth/me", "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := "/auth/oidc/login"
			if tc.next != "" {
				start += "?next=" + url.QueryEscape(tc.next)
			}
			on(t).signInFrom("ada", start, tc.want)
		})
	}
}
