package debrief

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultSessionTTL is how long a browser session lasts without signing in again.
const DefaultSessionTTL = 7 * 24 * time.Hour

// tokenUseAuditInterval bounds token-use audit entries: the first use of a
// token in each minute is recorded (with its last-used time), later uses in
// the same minute are not, so a busy script does not flood the log.
const tokenUseAuditInterval = time.Minute

type authOptions struct {
	hasher     PasswordHasher
	sessionTTL time.Duration
	// dummyHash is checked when an unknown email signs in, so a wrong
	// address costs as long as a wrong password and does not reveal
	// which accounts exist.
	dummyOnce sync.Once
	dummyHash string
}

// WithPasswordHasher sets the password hasher (package password's argon2id).
func WithPasswordHasher(h PasswordHasher) Option { return func(s *Service) { s.auth.hasher = h } }

// WithSessionTTL sets how long sessions last.
func WithSessionTTL(d time.Duration) Option {
	return func(s *Service) {
		if d > 0 {
			s.auth.sessionTTL = d
		}
	}
}

func (s *Service) accountStore() (AccountStore, error) {
	st, ok := s.store.(AccountStore)
	if !ok {
		return nil, Errorf(EInternal, "", "This store does not keep accounts.")
	}
	return st, nil
}

func (s *Service) hasher() (PasswordHasher, error) {
	if s.auth.hasher == nil {
		return nil, Errorf(EInternal, "", "No password hasher is configured.")
	}
	return s.auth.hasher, nil
}

func (s *Service) sessionTTL() time.Duration {
	if s.auth.sessionTTL > 0 {
		return s.auth.sessionTTL
	}
	return DefaultSessionTTL
}

// audit builds an entry for the actor in ctx (or a) with the request's origin.
func (s *Service) audit(ctx context.Context, a Actor, action, targetType, targetID string, changes []Change) *AuditEntry {
	m := RequestMetaFrom(ctx)
	return &AuditEntry{At: s.Now(), Actor: a.Label(), ActorID: a.UserID, Action: action,
		TargetType: targetType, TargetID: targetID, Changes: changes, IP: m.IP, UserAgent: truncate(m.UserAgent, 256)}
}

// appendAudit appends an entry that is not tied to another write.
func (s *Service) appendAudit(ctx context.Context, e *AuditEntry) error {
	st, err := s.accountStore()
	if err != nil {
		return err
	}
	return st.AppendAudit(ctx, e)
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

func change(field string, old, new any) Change {
	ob, _ := json.Marshal(old)
	nb, _ := json.Marshal(new)
	return Change{Field: field, Old: ob, New: nb}
}

// NewUser is what CreateUser needs. An empty Password makes a user who signs
// in through single sign-on only.
type NewUser struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Password string `json:"password,omitempty"`
}

// CreateUser adds an account. Only admins may (the CLI acts as SystemActor
// on the database directly, to make the first admin).
func (s *Service) CreateUser(ctx context.Context, in NewUser) (*User, error) {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return nil, err
	}
	if err := CheckStrings(in); err != nil {
		return nil, err
	}
	st, err := s.accountStore()
	if err != nil {
		return nil, err
	}
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return nil, err
	}
	if !in.Role.Valid() {
		return nil, Errorf(EInvalid, "role", "Unknown role %q; use viewer, responder or admin.", in.Role)
	}
	name := strings.TrimSpace(in.Name)
	if len(name) > 200 {
		return nil, Errorf(EInvalid, "name", "The name must be at most 200 characters long.")
	}
	// An account made without a password is meant for single sign-on, so
	// the admin who makes it allows its first identity to link.
	u := &User{Email: email, Name: name, Role: in.Role, CreatedAt: s.Now(), AllowSSOLink: in.Password == ""}
	if in.Password != "" {
		if err := CheckPassword(in.Password); err != nil {
			return nil, err
		}
		h, err := s.hasher()
		if err != nil {
			return nil, err
		}
		if u.PasswordHash, err = h.Hash(in.Password); err != nil {
			return nil, err
		}
	}
	e := s.audit(ctx, a, AuditUserCreate, TargetUser, "", []Change{change("email", nil, email), change("role", nil, in.Role)})
	if err := st.CreateUser(ctx, u, e); err != nil {
		return nil, err
	}
	return u, nil
}

// Users lists every account (admins only).
func (s *Service) Users(ctx context.Context) ([]*User, error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return nil, err
	}
	st, err := s.accountStore()
	if err != nil {
		return nil, err
	}
	return st.ListUsers(ctx)
}

// UserByEmail returns one account (admins only).
func (s *Service) UserByEmail(ctx context.Context, email string) (*User, error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return nil, err
	}
	st, err := s.accountStore()
	if err != nil {
		return nil, err
	}
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	return st.UserByEmail(ctx, e)
}

// UserPatch changes an account's role, name, disabled flag or permission
// to link a single sign-on identity.
type UserPatch struct {
	Name     *string `json:"name,omitempty"`
	Role     *Role   `json:"role,omitempty"`
	Disabled *bool   `json:"disabled,omitempty"`
	// AllowSSOLink lets the next new single sign-on identity with the
	// account's e-mail link to it, once (only for accounts without a
	// password or another identity; SignInSSO checks that at sign-in).
	AllowSSOLink *bool `json:"allow_sso_link,omitempty"`
}

// UpdateUser applies p (admins only). Disabling an account ends its
// sessions; an admin cannot demote or disable themself, so there is always
// one admin left who can undo a mistake.
func (s *Service) UpdateUser(ctx context.Context, id int64, p UserPatch) (*User, error) {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return nil, err
	}
	if err := CheckStrings(p); err != nil {
		return nil, err
	}
	st, err := s.accountStore()
	if err != nil {
		return nil, err
	}
	cur, err := st.User(ctx, id)
	if err != nil {
		return nil, err
	}
	next := *cur
	var changes []Change
	if p.Name != nil && strings.TrimSpace(*p.Name) != cur.Name {
		next.Name = strings.TrimSpace(*p.Name)
		if len(next.Name) > 200 {
			return nil, Errorf(EInvalid, "name", "The name must be at most 200 characters long.")
		}
		changes = append(changes, change("name", cur.Name, next.Name))
	}
	if p.Role != nil && *p.Role != cur.Role {
		if !p.Role.Valid() {
			return nil, Errorf(EInvalid, "role", "Unknown role %q; use viewer, responder or admin.", *p.Role)
		}
		if a.UserID == id {
			return nil, Errorf(EUnprocessable, "role", "You cannot change your own role; ask another admin.")
		}
		next.Role = *p.Role
		changes = append(changes, change("role", cur.Role, next.Role))
	}
	if p.Disabled != nil && *p.Disabled != cur.Disabled {
		if a.UserID == id && *p.Disabled {
			return nil, Errorf(EUnprocessable, "disabled", "You cannot disable your own account; ask another admin.")
		}
		next.Disabled = *p.Disabled
		changes = append(changes, change("disabled", cur.Disabled, next.Disabled))
	}
	if p.AllowSSOLink != nil && *p.AllowSSOLink != cur.AllowSSOLink {
		if *p.AllowSSOLink && cur.PasswordHash != "" {
			return nil, Errorf(EUnprocessable, "allow_sso_link", "%s signs in with a password; single sign-on can be linked only to an account without one.", cur.Email)
		}
		next.AllowSSOLink = *p.AllowSSOLink
		changes = append(changes, change("allow_sso_link", cur.AllowSSOLink, next.AllowSSOLink))
	}
	if len(changes) == 0 {
		return cur, nil
	}
	if err := st.UpdateUser(ctx, &next, s.audit(ctx, a, AuditUserUpdate, TargetUser, idString(id), changes)); err != nil {
		return nil, err
	}
	if next.Disabled && !cur.Disabled {
		// Tokens live at disable time stay dead after re-enabling: whoever
		// held them when the account was disabled must not get back in.
		if _, err := st.RevokeUserTokens(ctx, id, s.Now(), s.audit(ctx, a, AuditTokensRevoke, TargetUser, idString(id),
			[]Change{change("reason", nil, "account disabled")})); err != nil {
			return nil, err
		}
	}
	if next.Disabled || next.Role != cur.Role {
		// Sessions carry no role of their own, but ending them makes a
		// demoted or disabled user's browser sign in again.
		if err := st.DeleteUserSessions(ctx, id); err != nil {
			return nil, err
		}
	}
	return &next, nil
}

// SetPassword sets a user's password: admins for anyone, others for
// themselves only through ChangePassword.
func (s *Service) SetPassword(ctx context.Context, id int64, password string) error {
	a, err := s.require(ctx, RoleAdmin)
	if err != nil {
		return err
	}
	return s.setPassword(ctx, a, id, password)
}

// ChangePassword changes the signed-in user's own password after checking
// the current one, and ends their sessions; with revokeTokens it also
// revokes their API tokens (audited), for a change made because something
// leaked.
func (s *Service) ChangePassword(ctx context.Context, current, next string, revokeTokens bool) error {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return err
	}
	if a.UserID == 0 {
		return Errorf(EUnprocessable, "", "Only signed-in users have a password to change.")
	}
	if a.Via == "token" {
		// A token that leaked must not become the account: the password is
		// changed from a signed-in session only (an admin-scope token can
		// still set a password through the admin route).
		return Errorf(EForbidden, "", "Change your password from a signed-in session; API tokens cannot change passwords.")
	}
	st, err := s.accountStore()
	if err != nil {
		return err
	}
	u, err := st.User(ctx, a.UserID)
	if err != nil {
		return err
	}
	h, err := s.hasher()
	if err != nil {
		return err
	}
	ok, err := h.Verify(u.PasswordHash, current)
	if u.PasswordHash == "" || err != nil || !ok {
		_ = st.AppendAudit(ctx, s.audit(ctx, a, AuditPassword, TargetUser, idString(u.ID), []Change{{Field: "result", New: json.RawMessage(`"wrong current password"`)}}))
		return Errorf(EInvalid, "current_password", "The current password is not right.")
	}
	if err := s.setPassword(ctx, a, a.UserID, next); err != nil {
		return err
	}
	if revokeTokens {
		_, err := st.RevokeUserTokens(ctx, a.UserID, s.Now(), s.audit(ctx, a, AuditTokensRevoke, TargetUser, idString(a.UserID),
			[]Change{change("reason", nil, "password change")}))
		return err
	}
	return nil
}

func (s *Service) setPassword(ctx context.Context, a Actor, id int64, password string) error {
	if err := CheckPassword(password); err != nil {
		return err
	}
	st, err := s.accountStore()
	if err != nil {
		return err
	}
	h, err := s.hasher()
	if err != nil {
		return err
	}
	u, err := st.User(ctx, id)
	if err != nil {
		return err
	}
	if u.PasswordHash, err = h.Hash(password); err != nil {
		return err
	}
	if err := st.UpdateUser(ctx, u, s.audit(ctx, a, AuditPassword, TargetUser, idString(id), nil)); err != nil {
		return err
	}
	return st.DeleteUserSessions(ctx, id)
}

// Login checks an email and password and starts a session. It returns the
// user and the session secret for the cookie. Every failure answers the same
// EUnauthorized, whatever was wrong, and is audited.
func (s *Service) Login(ctx context.Context, email, password string) (*User, string, error) {
	st, err := s.accountStore()
	if err != nil {
		return nil, "", err
	}
	h, err := s.hasher()
	if err != nil {
		return nil, "", err
	}
	fail := func(reason string, u *User) (*User, string, error) {
		a := Actor{Email: strings.ToLower(truncate(strings.TrimSpace(email), 254))}
		target := ""
		if u != nil {
			a, target = u.Actor("password"), idString(u.ID)
		}
		_ = st.AppendAudit(ctx, s.audit(ctx, a, AuditLoginFailed, TargetUser, target,
			[]Change{{Field: "reason", New: mustJSON(reason)}}))
		return nil, "", Errorf(EUnauthorized, "", "The email or password is not right.")
	}
	addr, err := NormalizeEmail(email)
	if err != nil || len(password) > MaxPasswordLen {
		return fail("malformed", nil)
	}
	u, err := st.UserByEmail(ctx, addr)
	if ErrorCode(err) == ENotFound {
		s.auth.dummyOnce.Do(func() { s.auth.dummyHash, _ = h.Hash(NewOneTimePassword()) })
		_, _ = h.Verify(s.auth.dummyHash, password)
		return fail("unknown email", nil)
	}
	if err != nil {
		return nil, "", err
	}
	if u.PasswordHash == "" {
		// As long as a wrong password, so timing does not tell which
		// accounts sign in only through single sign-on.
		s.auth.dummyOnce.Do(func() { s.auth.dummyHash, _ = h.Hash(NewOneTimePassword()) })
		_, _ = h.Verify(s.auth.dummyHash, password)
		return fail("no password (single sign-on only)", u)
	}
	ok, err := h.Verify(u.PasswordHash, password)
	if err != nil || !ok {
		return fail("wrong password", u)
	}
	if u.Disabled {
		return fail("account disabled", u)
	}
	return s.startSession(ctx, u, "password")
}

// KnownAddress reports whether the account with email signed in
// successfully from ip within maxAge. The sign-in limits use it to tell the
// owner at a familiar address from a stranger; any error answers false, the
// stricter choice.
func (s *Service) KnownAddress(ctx context.Context, email, ip string, maxAge time.Duration) bool {
	st, err := s.accountStore()
	if err != nil || ip == "" {
		return false
	}
	addr, err := NormalizeEmail(email)
	if err != nil {
		return false
	}
	u, err := st.UserByEmail(ctx, addr)
	if err != nil {
		return false
	}
	ok, err := st.SignedInFrom(ctx, u.ID, ip, s.Now().Add(-maxAge))
	return err == nil && ok
}

// StartSession signs u in after single sign-on checked who they are.
func (s *Service) StartSession(ctx context.Context, u *User, via string) (*User, string, error) {
	if u.Disabled {
		st, err := s.accountStore()
		if err == nil {
			_ = st.AppendAudit(ctx, s.audit(ctx, u.Actor(via), AuditLoginFailed, TargetUser, idString(u.ID),
				[]Change{{Field: "reason", New: mustJSON("account disabled")}}))
		}
		return nil, "", Errorf(EForbidden, "", "This account is disabled; ask an admin.")
	}
	return s.startSession(ctx, u, via)
}

func (s *Service) startSession(ctx context.Context, u *User, via string) (*User, string, error) {
	st, err := s.accountStore()
	if err != nil {
		return nil, "", err
	}
	now := s.Now()
	secret := NewSessionSecret()
	m := RequestMetaFrom(ctx)
	sess := &Session{Hash: HashSecret(secret), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.sessionTTL()),
		IP: m.IP, UserAgent: truncate(m.UserAgent, 256), LastSeenAt: now}
	if err := st.CreateSession(ctx, sess); err != nil {
		return nil, "", err
	}
	// Expired sessions are swept at sign-in, so the table stays small
	// without a background job; an error here only delays the sweep.
	_, _ = st.DeleteExpiredSessions(ctx, now)
	u.LastLoginAt = &now
	if err := st.UpdateUser(ctx, u, s.audit(ctx, u.Actor(via), AuditLogin, TargetUser, idString(u.ID),
		[]Change{{Field: "via", New: mustJSON(via)}})); err != nil {
		return nil, "", err
	}
	return u, secret, nil
}

// SessionActor returns the actor of a session cookie value.
func (s *Service) SessionActor(ctx context.Context, cookie string) (Actor, error) {
	hash, err := ParseSessionCookie(cookie)
	if err != nil {
		return Actor{}, err
	}
	st, err := s.accountStore()
	if err != nil {
		return Actor{}, err
	}
	sess, err := st.SessionByHash(ctx, hash)
	if ErrorCode(err) == ENotFound {
		return Actor{}, Errorf(EUnauthorized, "", "Your session has ended; sign in again.")
	}
	if err != nil {
		return Actor{}, err
	}
	if !SameHash(sess.Hash, hash) || !s.Now().Before(sess.ExpiresAt) {
		return Actor{}, Errorf(EUnauthorized, "", "Your session has ended; sign in again.")
	}
	u, err := st.User(ctx, sess.UserID)
	if IsCode(err, EUnavailable) {
		return Actor{}, err // the database is away: not the session's fault
	}
	if err != nil || u.Disabled {
		return Actor{}, Errorf(EUnauthorized, "", "Your session has ended; sign in again.")
	}
	return u.Actor("session"), nil
}

// Logout ends the session whose cookie value is given.
func (s *Service) Logout(ctx context.Context, cookie string) error {
	hash, err := ParseSessionCookie(cookie)
	if err != nil {
		return nil // nothing to end
	}
	st, err := s.accountStore()
	if err != nil {
		return err
	}
	if err := st.DeleteSession(ctx, hash); err != nil {
		return err
	}
	if a, ok := ActorFrom(ctx); ok {
		_ = st.AppendAudit(ctx, s.audit(ctx, a, AuditLogout, TargetUser, idString(a.UserID), nil))
	}
	return nil
}

// NewAPIToken is what CreateToken needs.
type NewAPIToken struct {
	// UserID is whose token it is; 0 means the caller.
	UserID    int64      `json:"user_id,omitempty"`
	Name      string     `json:"name"`
	Scope     TokenScope `json:"scope"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// CreateToken makes an API token and returns it with its secret, which is
// not stored and cannot be shown again. Users make their own tokens; admins
// make tokens for anyone.
func (s *Service) CreateToken(ctx context.Context, in NewAPIToken) (*APIToken, string, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, "", err
	}
	if err := CheckStrings(in); err != nil {
		return nil, "", err
	}
	st, err := s.accountStore()
	if err != nil {
		return nil, "", err
	}
	uid := in.UserID
	if uid == 0 {
		uid = a.UserID
	}
	if uid == 0 {
		return nil, "", Errorf(EInvalid, "user_id", "Name the user the token belongs to.")
	}
	if uid != a.UserID && a.Role != RoleAdmin {
		return nil, "", Errorf(EForbidden, "user_id", "Only admins can create tokens for other users.")
	}
	if a.Via == "token" && a.Role != RoleAdmin {
		// A token cannot mint a token of wider scope than itself; the scope
		// check below bounds it, and only admin-scoped tokens mint at all.
		return nil, "", Errorf(EForbidden, "", "Create tokens from a signed-in session or with an admin token.")
	}
	u, err := st.User(ctx, uid)
	if ErrorCode(err) == ENotFound {
		return nil, "", Errorf(EInvalid, "user_id", "User %d does not exist.", uid)
	}
	if err != nil {
		return nil, "", err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 100 {
		return nil, "", Errorf(EInvalid, "name", "Give the token a name of 1 to 100 characters, such as \"ci-export\".")
	}
	if !in.Scope.Valid() {
		return nil, "", Errorf(EInvalid, "scope", "Unknown scope %q; use read, write or admin.", in.Scope)
	}
	now := s.Now()
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		return nil, "", Errorf(EInvalid, "expires_at", "The expiry must be in the future.")
	}
	secret := NewTokenSecret()
	t := &APIToken{UserID: u.ID, UserEmail: u.Email, Name: name, Scope: in.Scope, Hash: HashSecret(secret),
		CreatedAt: now, ExpiresAt: normTimePtr(in.ExpiresAt)}
	e := s.audit(ctx, a, AuditTokenCreate, TargetToken, "", []Change{change("user", nil, u.Email), change("name", nil, name), change("scope", nil, in.Scope)})
	if err := st.CreateToken(ctx, t, e); err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// Tokens lists the caller's tokens, or every token for an admin who asks
// for all.
func (s *Service) Tokens(ctx context.Context, all bool) ([]*APIToken, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	st, err := s.accountStore()
	if err != nil {
		return nil, err
	}
	if all {
		if a.Role != RoleAdmin {
			return nil, Errorf(EForbidden, "", "Only admins can list everyone's tokens.")
		}
		return st.ListTokens(ctx, 0)
	}
	if a.UserID == 0 {
		return []*APIToken{}, nil
	}
	return st.ListTokens(ctx, a.UserID)
}

// RevokeToken revokes a token: the owner's own, or anyone's for an admin.
// Someone else's token answers ENotFound to non-admins.
func (s *Service) RevokeToken(ctx context.Context, id int64) (*APIToken, error) {
	a, err := s.require(ctx, RoleViewer)
	if err != nil {
		return nil, err
	}
	st, err := s.accountStore()
	if err != nil {
		return nil, err
	}
	if a.ReadOnly() {
		return nil, Errorf(EForbidden, "", "A read-scope API token cannot revoke tokens; use a session or a write or admin token.")
	}
	t, err := st.Token(ctx, id)
	if err == nil && t.UserID != a.UserID && a.Role != RoleAdmin {
		err = Errorf(ENotFound, "", "There is no token %d.", id)
	}
	if err != nil {
		return nil, err
	}
	if t.RevokedAt != nil {
		return t, nil
	}
	now := s.Now()
	if err := st.RevokeToken(ctx, id, now, s.audit(ctx, a, AuditTokenRevoke, TargetToken, idString(id), nil)); err != nil {
		return nil, err
	}
	t.RevokedAt = &now
	return t, nil
}

// badToken is the answer to a token that names no valid token; made when
// needed, as most requests never need it.
func badToken() error {
	return Errorf(EUnauthorized, "", "The API token is not valid; create a new one.")
}

// TokenActor returns the actor of an API token: its user, with the role
// cut down to the token's scope.
func (s *Service) TokenActor(ctx context.Context, secret string) (Actor, error) {
	hash, err := ParseToken(secret)
	if err != nil {
		return Actor{}, err
	}
	st, err := s.accountStore()
	if err != nil {
		return Actor{}, err
	}
	// The generation is read before the token: a change committed after
	// this read moves it, so the cache never serves a token past a
	// change it has not seen.
	gen, cacheable, err := s.authGeneration(ctx, st)
	if err != nil {
		return Actor{}, err
	}
	t, u, cached := s.tokens.get(hash, gen)
	if !cacheable || !cached {
		t, err = st.TokenByHash(ctx, hash)
		if ErrorCode(err) == ENotFound {
			return Actor{}, badToken()
		}
		if err != nil {
			return Actor{}, err
		}
		if !SameHash(t.Hash, hash) {
			return Actor{}, badToken()
		}
		u, err = st.User(ctx, t.UserID)
		if IsCode(err, EUnavailable) {
			return Actor{}, err // the database is away: not the token's fault
		}
		if err != nil {
			return Actor{}, badToken()
		}
	}
	now := s.Now()
	a := u.Actor("token")
	a.Role = MinRole(u.Role, t.Scope.Role())
	a.Scope = t.Scope
	refuse := func(reason string, msg string) (Actor, error) {
		_ = st.AppendAudit(ctx, s.audit(ctx, a, AuditTokenUse, TargetToken, idString(t.ID),
			[]Change{{Field: "refused", New: mustJSON(reason)}}))
		return Actor{}, Errorf(EUnauthorized, "", "%s", msg)
	}
	switch {
	case t.RevokedAt != nil:
		return refuse("revoked", "This API token was revoked; create a new one.")
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return refuse("expired", "This API token has expired; create a new one.")
	case u.Disabled:
		return refuse("user disabled", "The account this API token belongs to is disabled.")
	}
	if cacheable && !cached {
		s.tokens.put(hash, gen, t, u)
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= tokenUseAuditInterval {
		m := RequestMetaFrom(ctx)
		e := s.audit(ctx, a, AuditTokenUse, TargetToken, idString(t.ID), nil)
		e.IP, e.UserAgent = m.IP, truncate(m.UserAgent, 256)
		if err := st.TouchToken(ctx, t.ID, now, e); err != nil {
			return Actor{}, err
		}
		s.tokens.touched(hash, now)
	}
	return a, nil
}

// AuditLog returns audit entries (admins only), newest first.
func (s *Service) AuditLog(ctx context.Context, f AuditFilter) (Page[*AuditEntry], error) {
	if _, err := s.require(ctx, RoleAdmin); err != nil {
		return Page[*AuditEntry]{}, err
	}
	st, err := s.accountStore()
	if err != nil {
		return Page[*AuditEntry]{}, err
	}
	if _, err := DecodeCursor(f.After); err != nil {
		return Page[*AuditEntry]{}, err
	}
	f.Limit = PageLimit(f.Limit)
	return st.ListAudit(ctx, f)
}

// AuditDenied records a refused request (a viewer writing, a probe of a
// private incident, a CSRF attempt) so admins can see who tried what.
func (s *Service) AuditDenied(ctx context.Context, a Actor, what, reason string) {
	st, err := s.accountStore()
	if err != nil {
		return
	}
	_ = st.AppendAudit(ctx, s.audit(ctx, a, AuditAccessDenied, "request", truncate(what, 200),
		[]Change{{Field: "reason", New: mustJSON(reason)}}))
}

// SSOClaims is what a single sign-on provider vouched for, after the web
// layer checked its signature, audience, nonce and, where the ID token left
// claims out, its userinfo answer.
type SSOClaims struct {
	Issuer  string
	Subject string
	// Email is the provider's address for the person; EmailVerified is true
	// only when the provider said so (or the server is configured to trust
	// a provider that never says).
	Email         string
	EmailVerified bool
	Name          string
	// Role is what the role claim maps to; "" when nothing maps and there
	// is no default role.
	Role Role
}

// SSORefusal names why SignInSSO refused an identity; it is the cause of the
// returned *Error, so a page can show its own sentence for each reason.
type SSORefusal string

func (r SSORefusal) Error() string { return string(r) }

// Reasons SignInSSO refuses a sign-in.
const (
	SSOEmailUnverified    SSORefusal = "email_unverified"
	SSONoRole             SSORefusal = "no_role"
	SSOAccountHasPassword SSORefusal = "account_has_password"
	SSOAccountLinked      SSORefusal = "account_linked_elsewhere"
	SSOLinkNotAllowed     SSORefusal = "link_not_allowed"
	ssoSystemActorName               = "oidc"
)

// SignInSSO returns the account of a single sign-on identity. An identity
// that is linked (by issuer and subject) names its account, and the role
// follows the provider's claim on every sign-in. A new identity creates a
// new account, or links to the existing account with its e-mail only when
// that account has no other way in (no password, no other identity) and an
// admin allowed linking; otherwise a new identity could take an account
// over by e-mail alone. Links, refusals and role changes are audited.
func (s *Service) SignInSSO(ctx context.Context, c SSOClaims) (*User, error) {
	return s.signInSSO(ctx, c, true)
}

func (s *Service) signInSSO(ctx context.Context, c SSOClaims, retry bool) (*User, error) {
	st, err := s.accountStore()
	if err != nil {
		return nil, err
	}
	if c.Issuer == "" || c.Subject == "" {
		return nil, Errorf(EInvalid, "", "The single sign-on identity has no issuer or subject.")
	}
	sys := Actor{Name: ssoSystemActorName, Role: RoleAdmin, Via: "oidc"}
	// Refusals name the provider as the actor: the claimed address is not
	// who acted, only what the provider said, so it goes in the changes.
	who := Actor{Name: ssoSystemActorName, Via: "oidc"}
	identity := []Change{change("issuer", nil, c.Issuer), change("subject", nil, c.Subject)}
	claimed := change("email", nil, strings.ToLower(truncate(c.Email, 254)))
	refuse := func(u *User, reason SSORefusal, format string, args ...any) (*User, error) {
		target := ""
		if u != nil {
			target = idString(u.ID)
		}
		_ = st.AppendAudit(ctx, s.audit(ctx, who, AuditSSORefused, TargetUser, target,
			append([]Change{{Field: "reason", New: mustJSON(string(reason))}, claimed}, identity...)))
		return nil, &Error{Code: EForbidden, Message: fmt.Sprintf(format, args...), Err: reason}
	}
	roleAudit := func(u *User) *AuditEntry {
		return s.audit(ctx, sys, AuditUserUpdate, TargetUser, idString(u.ID),
			[]Change{change("role", u.Role, c.Role), change("source", nil, "single sign-on claim")})
	}

	linked, err := st.SSOIdentity(ctx, c.Issuer, c.Subject)
	if err == nil {
		u, err := st.User(ctx, linked.UserID)
		if err != nil {
			return nil, err
		}
		if !c.Role.Valid() {
			return refuse(u, SSONoRole, "Your single sign-on account has no Debrief role; ask an admin.")
		}
		if u.Role != c.Role && !u.Disabled {
			e := roleAudit(u)
			u.Role = c.Role
			if err := st.UpdateUser(ctx, u, e); err != nil {
				return nil, err
			}
		}
		return u, nil
	}
	if ErrorCode(err) != ENotFound {
		return nil, err
	}

	// A new identity.
	if !c.EmailVerified {
		return refuse(nil, SSOEmailUnverified, "The single sign-on provider does not say that your e-mail address is verified.")
	}
	addr, err := NormalizeEmail(c.Email)
	if err != nil {
		return nil, err
	}
	if !c.Role.Valid() {
		return refuse(nil, SSONoRole, "Your single sign-on account has no Debrief role; ask an admin.")
	}
	link := &SSOIdentity{Issuer: c.Issuer, Subject: c.Subject, Email: addr, LinkedAt: s.Now()}
	u, err := st.UserByEmail(ctx, addr)
	switch {
	case ErrorCode(err) == ENotFound:
		u = &User{Email: addr, Name: truncate(strings.TrimSpace(c.Name), 200), Role: c.Role, CreatedAt: s.Now()}
		err = st.LinkSSOIdentity(ctx, u, link,
			s.audit(ctx, sys, AuditUserCreate, TargetUser, "", []Change{change("email", nil, addr), change("role", nil, c.Role)}),
			s.audit(ctx, sys, AuditSSOLink, TargetUser, "", identity))
	case err != nil:
		return nil, err
	default:
		if u.PasswordHash != "" {
			return refuse(u, SSOAccountHasPassword, "An account with the e-mail address %s exists and signs in with a password; sign in with it.", addr)
		}
		others, lerr := st.UserSSOIdentities(ctx, u.ID)
		if lerr != nil {
			return nil, lerr
		}
		for _, o := range others {
			if o.Issuer == c.Issuer && o.Subject == c.Subject && retry {
				// The same person's other sign-in linked it a moment ago.
				return s.signInSSO(ctx, c, false)
			}
		}
		if len(others) > 0 {
			return refuse(u, SSOAccountLinked, "The account %s is linked to another single sign-on identity; ask an admin.", addr)
		}
		if !u.AllowSSOLink {
			return refuse(u, SSOLinkNotAllowed, "An account with the e-mail address %s exists but may not be linked to single sign-on yet; ask an admin to allow it (debrief user allow-sso %s).", addr, addr)
		}
		audits := []*AuditEntry{s.audit(ctx, sys, AuditSSOLink, TargetUser, idString(u.ID),
			append(identity, change("allow_sso_link", true, false)))}
		if u.Role != c.Role && !u.Disabled {
			audits = append(audits, roleAudit(u))
			u.Role = c.Role
		}
		u.AllowSSOLink = false // the permission is for one link
		err = st.LinkSSOIdentity(ctx, u, link, audits...)
	}
	if ErrorCode(err) == EConflict && retry {
		// Another sign-in of the same person linked it a moment ago.
		return s.signInSSO(ctx, c, false)
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
