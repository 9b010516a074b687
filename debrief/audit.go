package debrief

import (
	"context"
	"time"
)

// AuditEntry records one security-relevant event: a change to a record, a
// sign-in (or failed one), a token's use, a change to an account. The log is
// append-only: stores have no method to change or remove an entry.
type AuditEntry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	ActorID    int64     `json:"actor_id,omitempty"`
	Action     string    `json:"action"`
	TargetType string    `json:"target_type,omitempty"`
	TargetID   string    `json:"target_id,omitempty"`
	Changes    []Change  `json:"changes,omitempty"`
	IP         string    `json:"ip,omitempty"`
	UserAgent  string    `json:"user_agent,omitempty"`
}

// Audit actions written by the Service. Changes to incidents, postmortems,
// timelines and action items are audited as "<entity>.<revision action>"
// (incident.create, postmortem.update, …) by the store, in the transaction
// that appends their revision.
const (
	AuditLogin        = "auth.login"
	AuditLoginFailed  = "auth.login_failed"
	AuditLogout       = "auth.logout"
	AuditPassword     = "user.password"
	AuditUserCreate   = "user.create"
	AuditUserUpdate   = "user.update"
	AuditTokenCreate  = "token.create"
	AuditTokenRevoke  = "token.revoke"
	AuditTokenUse     = "token.use"
	AuditAccessDenied = "access.denied"
	AuditSSOLink      = "auth.sso_link"
	AuditSSORefused   = "auth.sso_refused"
	AuditTokensRevoke = "token.revoke_all"
	TargetUser        = "user"
	TargetToken       = "token"
	TargetSession     = "session"
)

// Audit actions for records without revisions of their own, written by the
// Service in the transaction of the change, whichever door (API, CLI) it
// came through.
const (
	AuditIntegrationCreate = "integration.create"
	AuditIntegrationUpdate = "integration.update"
	AuditIntegrationDelete = "integration.delete"
	AuditTemplateCreate    = "template.create"
	AuditTemplateUpdate    = "template.update"
	AuditTemplateDelete    = "template.delete"
	AuditPublicLinkCreate  = "public_link.create"
	AuditPublicLinkRevoke  = "public_link.revoke"
	AuditReindex           = "search.reindex"
	TargetIntegration      = "integration"
	TargetTemplate         = "template"
	TargetPublicLink       = "public_link"
	TargetSearchIndex      = "search_index"

	AuditChannelCreate = "notification_channel.create"
	AuditChannelDelete = "notification_channel.delete"
	// A person's own notification settings: the target is their
	// preferences, named by their email.
	AuditIncidentMute         = "notification.mute"
	AuditIncidentUnmute       = "notification.unmute"
	AuditOptedOutEvents       = "notification.opt_out_events"
	TargetNotificationChannel = "notification_channel"
	TargetNotificationPrefs   = "notification_preferences"
)

// AuditFilter selects audit entries; empty fields do not filter.
type AuditFilter struct {
	Actor      string
	Action     string
	TargetType string
	TargetID   string
	// Since and Until bound At: Since ≤ at < Until.
	Since, Until *time.Time
	Limit        int
	After        string
}

// AccountStore persists users, sessions, API tokens and the audit log.
// Methods taking an *AuditEntry append it in the same transaction.
type AccountStore interface {
	// CreateUser inserts u and assigns its ID; EConflict if the email exists.
	CreateUser(ctx context.Context, u *User, audit *AuditEntry) error
	// User returns a user by ID, or ENotFound.
	User(ctx context.Context, id int64) (*User, error)
	// UserByEmail returns a user by (lowercase) email, or ENotFound.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// ListUsers returns every user, by email.
	ListUsers(ctx context.Context) ([]*User, error)
	// ListUsersAfter returns at most limit users whose email sorts after
	// after ("" for the first), by email: one page of the admin's list.
	ListUsersAfter(ctx context.Context, after string, limit int) ([]*User, error)
	// UpdateUser stores name, role, disabled, password hash and last login.
	UpdateUser(ctx context.Context, u *User, audit *AuditEntry) error

	// CreateSession inserts s and assigns its ID.
	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash returns an unexpired-or-not session, or ENotFound.
	SessionByHash(ctx context.Context, hash string) (*Session, error)
	// DeleteSession removes one session (logout); no error when absent.
	DeleteSession(ctx context.Context, hash string) error
	// DeleteUserSessions removes every session of a user (password change,
	// disabled account).
	DeleteUserSessions(ctx context.Context, userID int64) error
	// DeleteExpiredSessions removes sessions that expired before t.
	DeleteExpiredSessions(ctx context.Context, t time.Time) (int64, error)

	// CreateToken inserts t and assigns its ID.
	CreateToken(ctx context.Context, t *APIToken, audit *AuditEntry) error
	// TokenByHash returns a token (revoked or not), or ENotFound.
	TokenByHash(ctx context.Context, hash string) (*APIToken, error)
	// Token returns a token by ID, or ENotFound.
	Token(ctx context.Context, id int64) (*APIToken, error)
	// ListTokens returns a user's tokens (every token when userID is 0), newest first.
	ListTokens(ctx context.Context, userID int64) ([]*APIToken, error)
	// ListTokensAfter returns at most limit tokens of userID (every
	// user's when 0) with an ID below after (0 for the first page),
	// newest first: one page of a list of tokens.
	ListTokensAfter(ctx context.Context, userID, after int64, limit int) ([]*APIToken, error)
	// RevokeToken marks a token revoked at at.
	RevokeToken(ctx context.Context, id int64, at time.Time, audit *AuditEntry) error
	// TouchToken records that a token was used at at and, when audit is
	// not nil, appends it in the same transaction.
	TouchToken(ctx context.Context, id int64, at time.Time, audit *AuditEntry) error

	// RevokeUserTokens marks every live token of a user revoked at at and
	// returns how many it revoked; audit (if not nil) is appended with them
	// when there were any.
	RevokeUserTokens(ctx context.Context, userID int64, at time.Time, audit *AuditEntry) (int64, error)

	// SSOIdentity returns the identity bound to issuer and subject, or ENotFound.
	SSOIdentity(ctx context.Context, issuer, subject string) (*SSOIdentity, error)
	// UserSSOIdentities returns the identities bound to a user, oldest first.
	UserSSOIdentities(ctx context.Context, userID int64) ([]*SSOIdentity, error)
	// LinkSSOIdentity binds id to u in one transaction: it inserts u first
	// when u.ID is 0 (EConflict if the e-mail exists); for an existing u it
	// stores name, role, disabled and last login, and uses up the account's
	// permission to link, which the stored account must still have (with no
	// password), else EConflict, so two identities racing for one
	// permission cannot both link. Then it inserts id with UserID set
	// (EConflict if issuer and subject are bound already) and appends the
	// audit entries, filling an empty target with u's id.
	LinkSSOIdentity(ctx context.Context, u *User, id *SSOIdentity, audit ...*AuditEntry) error
	// SignedInFrom reports whether the audit log holds a successful sign-in
	// (auth.login) of the user from ip at or after since.
	SignedInFrom(ctx context.Context, userID int64, ip string, since time.Time) (bool, error)

	// AppendAudit appends one entry and assigns its ID.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// ListAudit returns entries matching f, newest first.
	ListAudit(ctx context.Context, f AuditFilter) (Page[*AuditEntry], error)
}

// RequestMeta is where a request came from, for audit entries.
type RequestMeta struct {
	IP        string
	UserAgent string
}

type requestMetaKey struct{}

// WithRequestMeta returns a context carrying m.
func WithRequestMeta(ctx context.Context, m RequestMeta) context.Context {
	// Headers are the sender's bytes; the audit log must be able to store them.
	m.IP, m.UserAgent = CleanLogText(m.IP), CleanLogText(m.UserAgent)
	return context.WithValue(ctx, requestMetaKey{}, m)
}

// RequestMetaFrom returns the request metadata in ctx, if any.
func RequestMetaFrom(ctx context.Context) RequestMeta {
	m, _ := ctx.Value(requestMetaKey{}).(RequestMeta)
	return m
}
