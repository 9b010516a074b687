package sqlstore

import (
	"context"
	"database/sql"
	"math"
	"strconv"
	"time"

	"github.com/debriefhq/debrief/debrief"
)

// Accounts: users, sessions, API tokens and the audit log (migration 00002).
// audit_log has no UPDATE or DELETE here, and triggers refuse both.

const userColumns = `id, email, name, role, disabled, password_hash, created_at, last_login_at, allow_sso_link`

func scanUser(s rowScanner) (*debrief.User, error) {
	var u debrief.User
	if err := s.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Disabled, &u.PasswordHash, timeCol{&u.CreatedAt}, nullTimeCol{&u.LastLoginAt}, &u.AllowSSOLink); err != nil {
		return nil, err
	}
	return &u, nil
}

// appendAudit inserts e on q (a transaction or the write pool).
func (db *DB) appendAudit(ctx context.Context, q querier, e *debrief.AuditEntry) error {
	if e == nil {
		return nil
	}
	changes := "[]"
	if len(e.Changes) > 0 {
		var err error
		if changes, err = jsonArg(e.Changes); err != nil {
			return err
		}
	}
	return q.QueryRowContext(ctx, `INSERT INTO audit_log (at, actor, actor_id, action, target_type, target_id, changes, ip, user_agent)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		db.d.t(e.At), e.Actor, e.ActorID, e.Action, e.TargetType, e.TargetID, changes, e.IP, e.UserAgent).Scan(&e.ID)
}

// withTarget sets e's target to the id of the record just inserted, when
// the caller could not know it.
func withTarget(e *debrief.AuditEntry, id int64) *debrief.AuditEntry {
	if e != nil && e.TargetID == "" {
		e.TargetID = strconv.FormatInt(id, 10)
	}
	return e
}

// CreateUser inserts u; the audit entry gets the new user's id as target.
func (db *DB) CreateUser(ctx context.Context, u *debrief.User, audit *debrief.AuditEntry) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := insertUser(ctx, tx, db.d, u); err != nil {
			return err
		}
		if audit != nil && audit.TargetID == "" {
			audit.TargetID = strconv.FormatInt(u.ID, 10)
		}
		return db.appendAudit(ctx, tx, audit)
	})
	if classify(err) == dbErrUnique {
		return debrief.Errorf(debrief.EConflict, "email", "There is already a user %s.", u.Email)
	}
	return mapErr(err, "create user %s", u.Email)
}

func insertUser(ctx context.Context, tx *sql.Tx, d dialect, u *debrief.User) error {
	return tx.QueryRowContext(ctx, `INSERT INTO users (email, name, role, disabled, password_hash, created_at, last_login_at, allow_sso_link)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		u.Email, u.Name, string(u.Role), u.Disabled, u.PasswordHash, d.t(u.CreatedAt), d.tp(u.LastLoginAt), u.AllowSSOLink).Scan(&u.ID)
}

func updateUser(ctx context.Context, tx *sql.Tx, d dialect, u *debrief.User) error {
	res, err := tx.ExecContext(ctx, `UPDATE users SET name = $1, role = $2, disabled = $3, password_hash = $4, last_login_at = $5, allow_sso_link = $6 WHERE id = $7`,
		u.Name, string(u.Role), u.Disabled, u.PasswordHash, d.tp(u.LastLoginAt), u.AllowSSOLink, u.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("user", strconv.FormatInt(u.ID, 10))
	}
	return nil
}

// User returns a user by id.
func (db *DB) User(ctx context.Context, id int64) (*debrief.User, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	u, err := scanUser(db.keyRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if err == sql.ErrNoRows {
		return nil, notFound("user", strconv.FormatInt(id, 10))
	}
	return u, mapErr(err, "get user %d", id)
}

// UserByEmail returns a user by email.
func (db *DB) UserByEmail(ctx context.Context, email string) (*debrief.User, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email = $1`, email))
	if err == sql.ErrNoRows {
		return nil, notFound("user", email)
	}
	return u, mapErr(err, "get user %s", email)
}

// ListUsers returns every user by email.
func (db *DB) ListUsers(ctx context.Context) ([]*debrief.User, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	users, err := queryList(ctx, db.r, `SELECT `+userColumns+` FROM users ORDER BY email`, nil, scanUser)
	if users == nil {
		users = []*debrief.User{}
	}
	return users, mapErr(err, "list users")
}

// UpdateUser stores u's mutable fields.
func (db *DB) UpdateUser(ctx context.Context, u *debrief.User, audit *debrief.AuditEntry) error {
	return mapErr(db.inTx(ctx, func(tx *sql.Tx) error {
		if err := updateUser(ctx, tx, db.d, u); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, audit)
	}), "update user %d", u.ID)
}

const sessionColumns = `id, hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent`

// CreateSession inserts s.
func (db *DB) CreateSession(ctx context.Context, s *debrief.Session) error {
	if err := db.wg.enter(ctx); err != nil {
		return err
	}
	defer db.wg.leave()
	return mapErr(db.w.QueryRowContext(ctx, `INSERT INTO sessions (hash, user_id, created_at, expires_at, last_seen_at, ip, user_agent)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		s.Hash, s.UserID, db.d.t(s.CreatedAt), db.d.t(s.ExpiresAt), db.d.t(s.LastSeenAt), s.IP, s.UserAgent).Scan(&s.ID), "create session")
}

// SessionByHash returns the session stored under hash.
func (db *DB) SessionByHash(ctx context.Context, hash string) (*debrief.Session, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	var s debrief.Session
	err := db.keyRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE hash = $1`, hash).Scan(
		&s.ID, &s.Hash, &s.UserID, timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt}, timeCol{&s.LastSeenAt}, &s.IP, &s.UserAgent)
	if err == sql.ErrNoRows {
		return nil, notFound("session", "")
	}
	if err != nil {
		return nil, mapErr(err, "get session")
	}
	return &s, nil
}

// DeleteSession removes the session stored under hash.
func (db *DB) DeleteSession(ctx context.Context, hash string) error {
	if err := db.wg.enter(ctx); err != nil {
		return err
	}
	defer db.wg.leave()
	_, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE hash = $1`, hash)
	return mapErr(err, "delete session")
}

// DeleteUserSessions removes every session of a user.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) error {
	if err := db.wg.enter(ctx); err != nil {
		return err
	}
	defer db.wg.leave()
	_, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return mapErr(err, "delete sessions of user %d", userID)
}

// DeleteExpiredSessions removes sessions that expired before t.
func (db *DB) DeleteExpiredSessions(ctx context.Context, t time.Time) (int64, error) {
	if err := db.wg.enter(ctx); err != nil {
		return 0, err
	}
	defer db.wg.leave()
	res, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1`, db.d.t(t))
	if err != nil {
		return 0, mapErr(err, "delete expired sessions")
	}
	n, _ := res.RowsAffected()
	return n, nil
}

const tokenColumns = `t.id, t.user_id, u.email, t.name, t.scope, t.hash, t.created_at, t.expires_at, t.last_used_at, t.revoked_at`
const tokenFrom = ` FROM api_tokens t JOIN users u ON u.id = t.user_id`

func scanToken(s rowScanner) (*debrief.APIToken, error) {
	var t debrief.APIToken
	if err := s.Scan(&t.ID, &t.UserID, &t.UserEmail, &t.Name, &t.Scope, &t.Hash, timeCol{&t.CreatedAt},
		nullTimeCol{&t.ExpiresAt}, nullTimeCol{&t.LastUsedAt}, nullTimeCol{&t.RevokedAt}); err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateToken inserts t; the audit entry gets the new token's id as target.
func (db *DB) CreateToken(ctx context.Context, t *debrief.APIToken, audit *debrief.AuditEntry) error {
	return mapErr(db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, scope, hash, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			t.UserID, t.Name, string(t.Scope), t.Hash, db.d.t(t.CreatedAt), db.d.tp(t.ExpiresAt)).Scan(&t.ID); err != nil {
			return err
		}
		if audit != nil && audit.TargetID == "" {
			audit.TargetID = strconv.FormatInt(t.ID, 10)
		}
		return db.appendAudit(ctx, tx, audit)
	}), "create token %q", t.Name)
}

// TokenByHash returns the token stored under hash.
func (db *DB) TokenByHash(ctx context.Context, hash string) (*debrief.APIToken, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	// Through the statement cache: every token-authenticated request
	// asks, and parsing the statement cost more than running it.
	t, err := scanToken(db.keyRow(ctx, `SELECT `+tokenColumns+tokenFrom+` WHERE t.hash = $1`, hash))
	if err == sql.ErrNoRows {
		return nil, notFound("token", "")
	}
	return t, mapErr(err, "get token")
}

// Token returns a token by id.
func (db *DB) Token(ctx context.Context, id int64) (*debrief.APIToken, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	t, err := scanToken(db.r.QueryRowContext(ctx, `SELECT `+tokenColumns+tokenFrom+` WHERE t.id = $1`, id))
	if err == sql.ErrNoRows {
		return nil, notFound("token", strconv.FormatInt(id, 10))
	}
	return t, mapErr(err, "get token %d", id)
}

// ListTokens returns a user's tokens, or all when userID is 0, newest first.
func (db *DB) ListTokens(ctx context.Context, userID int64) ([]*debrief.APIToken, error) {
	return db.ListTokensAfter(ctx, userID, 0, math.MaxInt32) // every one: a limit both engines take
}

// RevokeToken marks a token revoked.
func (db *DB) RevokeToken(ctx context.Context, id int64, at time.Time, audit *debrief.AuditEntry) error {
	return mapErr(db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, db.d.t(at), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("token", strconv.FormatInt(id, 10))
		}
		return db.appendAudit(ctx, tx, audit)
	}), "revoke token %d", id)
}

// RevokeUserTokens marks every live token of a user revoked.
func (db *DB) RevokeUserTokens(ctx context.Context, userID int64, at time.Time, audit *debrief.AuditEntry) (int64, error) {
	var n int64
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, db.d.t(at), userID)
		if err != nil {
			return err
		}
		if n, _ = res.RowsAffected(); n == 0 {
			return nil // nothing revoked, nothing to audit
		}
		return db.appendAudit(ctx, tx, audit)
	})
	return n, mapErr(err, "revoke tokens of user %d", userID)
}

const ssoColumns = `id, user_id, issuer, subject, email, linked_at`

func scanSSOIdentity(s rowScanner) (*debrief.SSOIdentity, error) {
	var id debrief.SSOIdentity
	if err := s.Scan(&id.ID, &id.UserID, &id.Issuer, &id.Subject, &id.Email, timeCol{&id.LinkedAt}); err != nil {
		return nil, err
	}
	return &id, nil
}

// SSOIdentity returns the identity bound to issuer and subject.
func (db *DB) SSOIdentity(ctx context.Context, issuer, subject string) (*debrief.SSOIdentity, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	id, err := scanSSOIdentity(db.r.QueryRowContext(ctx, `SELECT `+ssoColumns+` FROM sso_identities WHERE issuer = $1 AND subject = $2`, issuer, subject))
	if err == sql.ErrNoRows {
		return nil, notFound("single sign-on identity", subject)
	}
	return id, mapErr(err, "get single sign-on identity")
}

// UserSSOIdentities returns a user's identities, oldest first.
func (db *DB) UserSSOIdentities(ctx context.Context, userID int64) ([]*debrief.SSOIdentity, error) {
	if err := db.rg.enter(ctx); err != nil {
		return nil, err
	}
	defer db.rg.leave()
	list, err := queryList(ctx, db.r, `SELECT `+ssoColumns+` FROM sso_identities WHERE user_id = $1 ORDER BY id`, []any{userID}, scanSSOIdentity)
	if list == nil {
		list = []*debrief.SSOIdentity{}
	}
	return list, mapErr(err, "list single sign-on identities of user %d", userID)
}

// LinkSSOIdentity creates or updates u and binds id to it, in one transaction.
func (db *DB) LinkSSOIdentity(ctx context.Context, u *debrief.User, id *debrief.SSOIdentity, audit ...*debrief.AuditEntry) error {
	created := u.ID == 0
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if created {
			if err := insertUser(ctx, tx, db.d, u); err != nil {
				if classify(err) == dbErrUnique {
					return debrief.Errorf(debrief.EConflict, "email", "There is already a user %s.", u.Email)
				}
				return err
			}
		} else {
			// The permission is taken in the same statement that uses it,
			// so two identities racing for one permission cannot both link.
			res, err := tx.ExecContext(ctx, `UPDATE users SET name = $1, role = $2, disabled = $3, last_login_at = $4, allow_sso_link = $5
WHERE id = $6 AND allow_sso_link = $7 AND password_hash = ''`,
				u.Name, string(u.Role), u.Disabled, db.d.tp(u.LastLoginAt), false, u.ID, true)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				if _, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, u.ID)); err == sql.ErrNoRows {
					return notFound("user", strconv.FormatInt(u.ID, 10))
				}
				return debrief.Errorf(debrief.EConflict, "", "The account %s may not be linked to single sign-on (any more).", u.Email)
			}
			u.AllowSSOLink = false
		}
		id.UserID = u.ID
		if err := tx.QueryRowContext(ctx, `INSERT INTO sso_identities (user_id, issuer, subject, email, linked_at)
VALUES ($1, $2, $3, $4, $5) RETURNING id`, id.UserID, id.Issuer, id.Subject, id.Email, db.d.t(id.LinkedAt)).Scan(&id.ID); err != nil {
			if classify(err) == dbErrUnique {
				return debrief.Errorf(debrief.EConflict, "", "This single sign-on identity is linked to an account already.")
			}
			return err
		}
		for _, e := range audit {
			if e != nil && e.TargetID == "" {
				e.TargetID = strconv.FormatInt(u.ID, 10)
			}
			if err := db.appendAudit(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && created {
		u.ID = 0 // nothing was stored
	}
	return mapErr(err, "link single sign-on identity to %s", u.Email)
}

// SignedInFrom reports whether the user signed in from ip since since.
func (db *DB) SignedInFrom(ctx context.Context, userID int64, ip string, since time.Time) (bool, error) {
	if err := db.rg.enter(ctx); err != nil {
		return false, err
	}
	defer db.rg.leave()
	var one int
	err := db.r.QueryRowContext(ctx, `SELECT 1 FROM audit_log WHERE action = 'auth.login' AND actor_id = $1 AND ip = $2 AND at >= $3 LIMIT 1`,
		userID, ip, db.d.t(since)).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	return err == nil, mapErr(err, "find sign-ins of user %d", userID)
}

// TouchToken records a token's use.
func (db *DB) TouchToken(ctx context.Context, id int64, at time.Time, audit *debrief.AuditEntry) error {
	return mapErr(db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, db.d.t(at), id); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, audit)
	}), "touch token %d", id)
}

// AppendAudit appends one entry.
func (db *DB) AppendAudit(ctx context.Context, e *debrief.AuditEntry) error {
	if err := db.wg.enter(ctx); err != nil {
		return err
	}
	defer db.wg.leave()
	return mapErr(db.appendAudit(ctx, db.w, e), "append audit entry %s", e.Action)
}

const auditColumns = `id, at, actor, actor_id, action, target_type, target_id, changes, ip, user_agent`

func scanAudit(s rowScanner) (*debrief.AuditEntry, error) {
	var e debrief.AuditEntry
	if err := s.Scan(&e.ID, timeCol{&e.At}, &e.Actor, &e.ActorID, &e.Action, &e.TargetType, &e.TargetID, jsonCol{&e.Changes}, &e.IP, &e.UserAgent); err != nil {
		return nil, err
	}
	return &e, nil
}

// ListAudit returns audit entries matching f, newest first.
func (db *DB) ListAudit(ctx context.Context, f debrief.AuditFilter) (debrief.Page[*debrief.AuditEntry], error) {
	if err := db.rg.enter(ctx); err != nil {
		return debrief.Page[*debrief.AuditEntry]{}, err
	}
	defer db.rg.leave()
	var out debrief.Page[*debrief.AuditEntry]
	after, err := debrief.DecodeCursor(f.After)
	if err != nil {
		return out, err
	}
	limit := debrief.PageLimit(f.Limit)
	var w where
	if f.Actor != "" {
		w.add(`actor = ?`, f.Actor)
	}
	if f.Action != "" {
		w.add(`action = ?`, f.Action)
	}
	if f.TargetType != "" {
		w.add(`target_type = ?`, f.TargetType)
	}
	if f.TargetID != "" {
		w.add(`target_id = ?`, f.TargetID)
	}
	if f.Since != nil {
		w.add(`at >= ?`, db.d.t(*f.Since))
	}
	if f.Until != nil {
		w.add(`at < ?`, db.d.t(*f.Until))
	}
	if after > 0 {
		w.add(`id < ?`, after)
	}
	out.Items, err = queryList(ctx, db.r, `SELECT `+auditColumns+` FROM audit_log`+w.sql()+` ORDER BY id DESC LIMIT `+strconv.Itoa(limit+1), w.args, scanAudit)
	if err != nil {
		return out, mapErr(err, "list audit log")
	}
	if out.Items == nil {
		out.Items = []*debrief.AuditEntry{}
	}
	out.Items, out.NextCursor = pageOf(out.Items, limit, func(e *debrief.AuditEntry) int64 { return e.ID })
	return out, nil
}

var _ debrief.AccountStore = (*DB)(nil)
