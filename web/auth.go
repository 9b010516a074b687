package web

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Authentication: a request carries either an API token
// (Authorization: Bearer dbt_…) or the session cookie a sign-in set. Tokens
// act as their user with the role cut down to the token's scope.

// SessionCookie is the name of the session cookie.
const SessionCookie = "debrief_session"

// securityHeaders are sent on every response. The CSP allows no inline
// script, so an injected <script> cannot run even if escaping failed, and
// its frame-ancestors 'none' forbids framing to every current browser.
// X-Frame-Options says the same to older ones; it is sent on pages only
// (adapt, KindUI), where framing could be used for clickjacking: on API
// answers a ninth response header would turn net/http's header maps into
// full tables (about 1.2 KB and five allocations more per answer,
// docs/PERFORMANCE.md "Request path") to protect JSON nobody renders.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'",
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "no-referrer",
}

func withSecurityHeaders(next http.Handler) http.Handler {
	// A slice, not the map headerValues returns: ranging over a map on
	// every response costs more than assigning four headers.
	type header struct {
		name  string
		value []string
	}
	var fixed []header
	for k, v := range headerValues(securityHeaders) {
		fixed = append(fixed, header{k, v})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for _, f := range fixed {
			h[f.name] = f.value
		}
		next.ServeHTTP(w, r)
	})
}

// headerValues returns fixed headers ready to be assigned to a response's
// header map: names in canonical form and each value in a slice of its
// own, made once instead of by http.Header.Set on every response. The
// slices are shared by every response. That is safe because nothing
// writes into a header value: Set and Del replace the slice, and Add
// appends to a full slice (length 1, capacity 1), which copies it.
func headerValues(fixed map[string]string) http.Header {
	h := make(http.Header, len(fixed))
	for k, v := range fixed {
		h[http.CanonicalHeaderKey(k)] = []string{v}
	}
	return h
}

// Values of headers that many responses carry, shared as headerValues
// describes.
var (
	noStoreValue  = []string{"no-store"}
	jsonTypeValue = []string{"application/json"}
	nosniffValue  = []string{"nosniff"}
	denyValue     = []string{"DENY"}
)

// requestMeta is where a request came from, for the audit log. The remote
// address is the TCP peer, or the client a trusted proxy named
// (Config.TrustedProxies, proxy.go rewrites RemoteAddr).
func requestMeta(r *http.Request) debrief.RequestMeta {
	return debrief.RequestMeta{IP: clientIP(r), UserAgent: r.UserAgent()}
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// authenticateRequest names the actor of a request from its bearer token or
// session cookie.
func (s *Server) authenticateRequest(r *http.Request) (debrief.Actor, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return debrief.Actor{}, debrief.Errorf(debrief.EUnauthorized, "", "Send the API token as \"Authorization: Bearer <token>\".")
		}
		return s.svc.TokenActor(ctx, strings.TrimSpace(tok))
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return s.svc.SessionActor(ctx, c.Value)
	}
	return debrief.Actor{}, debrief.Errorf(debrief.EUnauthorized, "", "Sign in or send an API token.")
}

// checkCrossOrigin refuses state-changing browser requests from another
// origin (CSRF), judged by Sec-Fetch-Site and Origin; requests without
// those headers (the CLI, curl, scripts) are not from a browser and pass.
func (s *Server) checkCrossOrigin(r *http.Request) error {
	if err := s.cop.Check(r); err != nil {
		return debrief.Errorf(debrief.EForbidden, "", "Cross-origin requests that change data are refused; use Debrief from its own address.")
	}
	return nil
}

// loginLimiter counts failed sign-ins per account and per client address in
// a sliding window. It lives in the process: with several instances each
// keeps its own count, so the effective limit is the per-instance limit
// times the number of instances (still a hard bound on guessing rates).
type loginLimiter struct {
	mu      sync.Mutex
	window  time.Duration
	max     map[string]int // per key prefix
	fails   map[string][]time.Time
	now     func() time.Time
	cleaned time.Time
}

// Login limits: 5 failures per account and 20 per address in 15 minutes.
const (
	loginWindow     = 15 * time.Minute
	loginMaxAccount = 5
	loginMaxIP      = 20
)

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{window: loginWindow, max: map[string]int{"acct": loginMaxAccount, "ip": loginMaxIP},
		fails: map[string][]time.Time{}, now: now}
}

// wait returns how long until the first of keys may try again; 0 means now.
func (l *loginLimiter) wait(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var longest time.Duration
	for _, k := range keys {
		kind, _, _ := strings.Cut(k, ":")
		recent := l.recent(k, now)
		if len(recent) >= l.max[kind] {
			if d := recent[len(recent)-l.max[kind]].Add(l.window).Sub(now); d > longest {
				longest = d
			}
		}
	}
	return longest
}

func (l *loginLimiter) recent(k string, now time.Time) []time.Time {
	ts := l.fails[k]
	i := 0
	for i < len(ts) && !ts[i].After(now.Add(-l.window)) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, k)
	} else {
		l.fails[k] = ts
	}
	return ts
}

func (l *loginLimiter) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range keys {
		ts := append(l.recent(k, now), now)
		if len(ts) > 64 {
			ts = ts[len(ts)-64:]
		}
		l.fails[k] = ts
	}
	if now.Sub(l.cleaned) > l.window {
		// Forget keys that have gone quiet, so the map cannot grow without bound.
		for k := range l.fails {
			l.recent(k, now)
		}
		l.cleaned = now
	}
}

func (l *loginLimiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type meJSON struct {
	User  *debrief.User `json:"user,omitempty"`
	Actor debrief.Actor `json:"actor"`
}

func (s *Server) setSessionCookie(w http.ResponseWriter, secret string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true,
		Secure: s.secureCookies, SameSite: http.SameSiteLaxMode, MaxAge: int(maxAge / time.Second)})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: s.secureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

func (s *Server) login(dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "no-store")
		var in loginRequest
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		u, secret, err := s.passwordSignIn(w, r, in.Email, "POST /api/v1/auth/login", func() (*debrief.User, string, error) {
			return s.svc.Login(r.Context(), in.Email, in.Password)
		})
		if err != nil {
			return err
		}
		s.setSessionCookie(w, secret, s.sessionTTL)
		writeJSON(w, http.StatusOK, meJSON{User: u, Actor: u.Actor("session")})
		return nil
	}
}

// passwordSignIn runs one password attempt for email under the sign-in
// limits, for both doors (the API and the sign-in page): a limited attempt
// is refused with ETooManyRequests before attempt runs, a wrong password
// counts against the account and the address, and a success clears the
// account's count only when it is not limited, so a success from a known
// address while strangers are locked out does not give them fresh tries.
func (s *Server) passwordSignIn(w http.ResponseWriter, r *http.Request, email, route string, attempt func() (*debrief.User, string, error)) (*debrief.User, string, error) {
	acct := "acct:" + strings.ToLower(strings.TrimSpace(email))
	ip := "ip:" + clientIP(r)
	if d := s.signInWait(r, email, acct, ip); d > 0 {
		return nil, "", s.tooManySignIns(w, r, email, route, d)
	}
	u, secret, err := attempt()
	if err != nil {
		if debrief.ErrorCode(err) == debrief.EUnauthorized {
			s.limiter.fail(acct, ip)
		}
		return nil, "", err
	}
	if s.limiter.wait(acct) == 0 {
		s.limiter.reset(acct)
	}
	return u, secret, nil
}

// signInWait is how long a password attempt for email from the request's
// address must wait. The per-address limit holds for everyone. The
// per-account limit holds only for addresses the account has not signed in
// from before (in the audit log, last knownAddressAge), so a stranger who
// fails five times locks out strangers, not the owner at their usual
// address; the per-address limit still bounds guessing from any one place.
func (s *Server) signInWait(r *http.Request, email, acct, ip string) time.Duration {
	d := s.limiter.wait(ip)
	if da := s.limiter.wait(acct); da > d && !s.svc.KnownAddress(r.Context(), email, clientIP(r), knownAddressAge) {
		d = da
	}
	return d
}

// knownAddressAge is how far back a successful sign-in makes an address
// known to an account.
const knownAddressAge = 90 * 24 * time.Hour

// tooManySignIns answers a rate-limited password attempt and audits it.
func (s *Server) tooManySignIns(w http.ResponseWriter, r *http.Request, email, route string, d time.Duration) error {
	secs := int(d/time.Second) + 1
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	s.svc.AuditDenied(r.Context(), debrief.Actor{Email: strings.ToLower(truncate(email, 254))}, route, "rate limited")
	return debrief.Errorf(debrief.ETooManyRequests, "", "Too many failed sign-ins; try again in %d seconds.", secs)
}

func (s *Server) logout() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if c, err := r.Cookie(SessionCookie); err == nil {
			if err := s.svc.Logout(r.Context(), c.Value); err != nil {
				return err
			}
		}
		s.clearSessionCookie(w)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func (s *Server) me() HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, _ := debrief.ActorFrom(r.Context())
		writeJSON(w, http.StatusOK, meJSON{Actor: a})
		return nil
	}
}

type passwordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
	// RevokeTokens also revokes every API token of the account, for when
	// the password change is because something leaked.
	RevokeTokens bool `json:"revoke_tokens"`
}

// changePassword changes the caller's password; every session of theirs
// ends, this one too, so they sign in again with the new password.
func (s *Server) changePassword(dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in passwordChange
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		// A wrong current password is a guess like a wrong sign-in: it
		// counts toward the same limits, so a stolen session cannot try
		// passwords without bound.
		a, _ := debrief.ActorFrom(r.Context())
		acct, ip := "acct:"+a.Email, "ip:"+clientIP(r)
		if d := s.signInWait(r, a.Email, acct, ip); d > 0 {
			return s.tooManySignIns(w, r, a.Email, "POST /api/v1/auth/password", d)
		}
		if err := s.svc.ChangePassword(r.Context(), in.CurrentPassword, in.NewPassword, in.RevokeTokens); err != nil {
			if debrief.ErrorField(err) == "current_password" {
				s.limiter.fail(acct, ip)
			}
			return err
		}
		s.clearSessionCookie(w)
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

type tokenCreated struct {
	Token *debrief.APIToken `json:"token"`
	// Secret is the token itself, shown only in this answer.
	Secret string `json:"secret"`
}

func createToken(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in debrief.NewAPIToken
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		t, secret, err := svc.CreateToken(r.Context(), in)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusCreated, tokenCreated{Token: t, Secret: secret})
		return nil
	}
}

func listTokens(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseQuery(r, "all", "limit", "after")
		if err != nil {
			return err
		}
		all, err := q.bool("all")
		if err != nil {
			return err
		}
		limit, after, err := q.page()
		if err != nil {
			return err
		}
		page, err := svc.TokensPage(r.Context(), all, after, limit)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, page)
		return nil
	}
}

func revokeToken(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		t, err := svc.RevokeToken(r.Context(), id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, t)
		return nil
	}
}

func listUsers(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		// The cursor is the last email of a page.
		limit, after, err := pageChecked(r)
		if err != nil {
			return err
		}
		page, err := svc.UsersPage(r.Context(), after, limit)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, page)
		return nil
	}
}

type userCreated struct {
	User *debrief.User `json:"user"`
	// OneTimePassword is set when no password was given; shown only now.
	OneTimePassword string `json:"one_time_password,omitempty"`
}

func createUser(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var in debrief.NewUser
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		var otp string
		if in.Password == "" {
			otp = debrief.NewOneTimePassword()
			in.Password = otp
		}
		u, err := svc.CreateUser(r.Context(), in)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusCreated, userCreated{User: u, OneTimePassword: otp})
		return nil
	}
}

func updateUser(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var p debrief.UserPatch
		if err := dec.decode(r, &p); err != nil {
			return err
		}
		u, err := svc.UpdateUser(r.Context(), id, p)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, u)
		return nil
	}
}

func setUserPassword(svc *debrief.Service, dec decoder) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		var in struct {
			Password string `json:"password"`
		}
		if err := dec.decode(r, &in); err != nil {
			return err
		}
		if err := svc.SetPassword(r.Context(), id, in.Password); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// listAudit answers a page of the audit log, or with format=jsonl every
// matching entry as JSON lines (for export).
func listAudit(svc *debrief.Service) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q, err := parseQuery(r, "actor", "action", "target_type", "target_id", "since", "until", "limit", "after", "format")
		if err != nil {
			return err
		}
		var f debrief.AuditFilter
		for name, dst := range map[string]*string{"actor": &f.Actor, "action": &f.Action, "target_type": &f.TargetType, "target_id": &f.TargetID} {
			if *dst, err = q.one(name); err != nil {
				return err
			}
		}
		if f.Since, err = q.time("since"); err != nil {
			return err
		}
		if f.Until, err = q.time("until"); err != nil {
			return err
		}
		if f.Limit, f.After, err = q.page(); err != nil {
			return err
		}
		format, err := q.one("format")
		if err != nil {
			return err
		}
		switch format {
		case "", "json":
			p, err := svc.AuditLog(r.Context(), f)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, p)
			return nil
		case "jsonl":
		default:
			return debrief.Errorf(debrief.EInvalid, "format", "Unknown format %q; use json or jsonl.", format)
		}
		f.Limit = debrief.MaxPageSize
		p, err := svc.AuditLog(r.Context(), f)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/jsonl")
		w.Header().Set("Content-Disposition", `attachment; filename="debrief-audit.jsonl"`)
		enc := json.NewEncoder(w)
		for {
			for _, e := range p.Items {
				if err := enc.Encode(e); err != nil {
					return nil // the client went away
				}
			}
			if p.NextCursor == "" {
				return nil
			}
			f.After = p.NextCursor
			if p, err = svc.AuditLog(r.Context(), f); err != nil {
				return nil // headers are sent; the truncated file shows it
			}
		}
	}
}

// authRoutes are the routes of this file, appended to the route table.
func (s *Server) authRoutes(dec decoder) []Route {
	svc := s.svc
	const (
		viewer = debrief.RoleViewer
		admin  = debrief.RoleAdmin
	)
	routes := []Route{
		{Pattern: "POST /api/v1/auth/login", Kind: KindAPI, Handler: s.login(dec)},
		{Pattern: "POST /api/v1/auth/logout", Kind: KindAPI, Role: viewer, Handler: s.logout()},
		{Pattern: "GET /api/v1/auth/me", Kind: KindAPI, Role: viewer, Handler: s.me()},
		{Pattern: "POST /api/v1/auth/password", Kind: KindAPI, Role: viewer, Handler: s.changePassword(dec)},
		{Pattern: "GET /api/v1/tokens", Kind: KindAPI, Role: viewer, Handler: listTokens(svc)},
		{Pattern: "POST /api/v1/tokens", Kind: KindAPI, Role: viewer, Handler: createToken(svc, dec)},
		{Pattern: "DELETE /api/v1/tokens/{id}", Kind: KindAPI, Role: viewer, Handler: revokeToken(svc)},
		{Pattern: "GET /api/v1/users", Kind: KindAPI, Role: admin, Handler: listUsers(svc)},
		{Pattern: "POST /api/v1/users", Kind: KindAPI, Role: admin, Handler: createUser(svc, dec)},
		{Pattern: "PATCH /api/v1/users/{id}", Kind: KindAPI, Role: admin, Handler: updateUser(svc, dec)},
		{Pattern: "POST /api/v1/users/{id}/password", Kind: KindAPI, Role: admin, Handler: setUserPassword(svc, dec)},
		{Pattern: "GET /api/v1/audit", Kind: KindAPI, Role: admin, Handler: listAudit(svc)},
	}
	return append(routes, s.oidcRoutes()...)
}

// readOnlyPosts are the non-GET routes that change nothing, so a read-scope
// token may call them.
var readOnlyPosts = map[string]bool{"POST /api/v1/lint": true, "POST /api/v1/auth/logout": true}

// tokenScopeAllows bounds every route by the caller's token scope: roles
// already stop a read token on responder and admin routes, and this stops it
// on the account routes every role may use (password, token revocation).
func tokenScopeAllows(a debrief.Actor, method string, rt Route) error {
	if !a.ReadOnly() || method == http.MethodGet || method == http.MethodHead || readOnlyPosts[rt.Pattern] {
		return nil
	}
	return debrief.Errorf(debrief.EForbidden, "", "A read-scope API token cannot change anything; use a write or admin token.")
}

// authContext adds the request's origin to ctx for audit entries.
func authContext(r *http.Request) context.Context {
	return debrief.WithRequestMeta(r.Context(), requestMeta(r))
}
