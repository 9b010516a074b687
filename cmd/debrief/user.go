package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/password"
	"github.com/debriefhq/debrief/sqlstore"
)

// Accounts, tokens and the audit log are managed on the database directly
// (--db / DEBRIEF_DB), not through a server, so the first admin can be made
// before anyone can sign in. The CLI acts as the system actor ("cli").

// cliActor is who commands that act on the database directly (accounts,
// integrations, reindex) are in the audit log.
var cliActor = debrief.Actor{Name: "cli", Role: debrief.RoleAdmin, Via: "cli"}

// openAccounts opens the database and a Service acting as the CLI.
func openAccounts(env *Env, db DBFlag, log LogFlags) (*debrief.Service, context.Context, func(), error) {
	st, err := sqlstore.Open(env.Ctx, db.DB, log.logger(env.Stderr))
	if err != nil {
		return nil, nil, nil, openError(db.DB, err)
	}
	svc := newService(st, debrief.WithPasswordHasher(password.New()))
	ctx := debrief.WithActor(env.Ctx, cliActor)
	ctx = debrief.WithRequestMeta(ctx, debrief.RequestMeta{UserAgent: "debrief-cli/" + version})
	return svc, ctx, func() { st.Close() }, nil
}

// UserCmd manages accounts.
type UserCmd struct {
	Add     UserAddCmd      `cmd:"" help:"Add an account; the password is read from stdin (a one-time one is printed when none is given)."`
	List    UserListCmd     `cmd:"" help:"List accounts."`
	Disable UserDisableCmd  `cmd:"" help:"Disable an account: it can no longer sign in and its sessions and tokens stop working."`
	Enable  UserEnableCmd   `cmd:"" help:"Enable a disabled account again."`
	SetRole UserSetRoleCmd  `cmd:"" name:"set-role" help:"Change an account's role (viewer, responder or admin)."`
	Passwd  UserPasswdCmd   `cmd:"" name:"password" help:"Set an account's password, read from stdin (a one-time one is printed when none is given)."`
	SSO     UserAllowSSOCmd `cmd:"" name:"allow-sso" help:"Allow the next new single sign-on identity with this e-mail to link to the account, once (accounts without a password only)."`
}

// UserAllowSSOCmd allows (or with --no, withdraws) one single sign-on link.
type UserAllowSSOCmd struct {
	Email    string `arg:""`
	No       bool   `help:"Withdraw the permission instead."`
	DBFlag   `embed:""`
	LogFlags `embed:""`
}

// Run sets the account's permission to link.
func (c *UserAllowSSOCmd) Run(env *Env) error {
	u, err := updateUserByEmail(env, c.DBFlag, c.LogFlags, c.Email, debrief.UserPatch{AllowSSOLink: ptrTo(!c.No)})
	if err != nil {
		return err
	}
	if u.AllowSSOLink {
		fmt.Fprintf(env.Stdout, "The next new single sign-on identity with the address %s may link to that account, once.\n", u.Email)
	} else {
		fmt.Fprintf(env.Stdout, "No new single sign-on identity may link to %s.\n", u.Email)
	}
	return nil
}

// UserAddCmd adds an account.
type UserAddCmd struct {
	Email    string `arg:"" help:"Email address, used to sign in."`
	Admin    bool   `help:"Make the user an admin (same as --role admin)."`
	Role     string `help:"Role: viewer, responder or admin." enum:"viewer,responder,admin" default:"viewer"`
	Name     string `help:"Display name."`
	SSO      bool   `name:"sso" help:"Make an account without a password that signs in only through single sign-on; its first identity with this e-mail links to it."`
	DBFlag   `embed:""`
	LogFlags `embed:""`
}

// Run adds the account.
func (c *UserAddCmd) Run(env *Env) error {
	svc, ctx, done, err := openAccounts(env, c.DBFlag, c.LogFlags)
	if err != nil {
		return err
	}
	defer done()
	role := debrief.Role(c.Role)
	if c.Admin {
		role = debrief.RoleAdmin
	}
	var pw string
	var generated bool
	if !c.SSO {
		if pw, generated, err = readPassword(env.Stdin); err != nil {
			return err
		}
	}
	u, err := svc.CreateUser(ctx, debrief.NewUser{Email: c.Email, Name: c.Name, Role: role, Password: pw})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Added %s (%s).\n", u.Email, u.Role)
	if c.SSO {
		fmt.Fprintf(env.Stdout, "It has no password: it signs in through single sign-on, and its first identity with this address links to it.\n")
	}
	if generated {
		fmt.Fprintf(env.Stdout, "One-time password (shown only now; change it after signing in):\n%s\n", pw)
	}
	return nil
}

// readPassword reads a password from stdin, unless stdin is a terminal or
// empty, in which case it makes a one-time one. Reading from a terminal
// would echo the password, so it is not done.
func readPassword(r io.Reader) (string, bool, error) {
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return debrief.NewOneTimePassword(), true, nil
		}
	}
	if r == nil {
		return debrief.NewOneTimePassword(), true, nil
	}
	line, err := bufio.NewReader(io.LimitReader(r, debrief.MaxPasswordLen+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", false, fmt.Errorf("could not read the password from stdin: %v", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return debrief.NewOneTimePassword(), true, nil
	}
	return pw, false, nil
}

// UserListCmd lists accounts.
type UserListCmd struct {
	JSON     bool `help:"Print JSON."`
	DBFlag   `embed:""`
	LogFlags `embed:""`
}

// Run lists the accounts.
func (c *UserListCmd) Run(env *Env) error {
	svc, ctx, done, err := openAccounts(env, c.DBFlag, c.LogFlags)
	if err != nil {
		return err
	}
	defer done()
	users, err := svc.Users(ctx)
	if err != nil {
		return err
	}
	if c.JSON {
		return json.NewEncoder(env.Stdout).Encode(users)
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tROLE\tSTATE\tLAST LOGIN")
	for _, u := range users {
		state, last := "active", "never"
		if u.Disabled {
			state = "disabled"
		}
		if u.LastLoginAt != nil {
			last = u.LastLoginAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Role, state, last)
	}
	return tw.Flush()
}

// UserDisableCmd disables an account.
type UserDisableCmd struct {
	Email    string `arg:""`
	DBFlag   `embed:""`
	LogFlags `embed:""`
}

// Run disables the account.
func (c *UserDisableCmd) Run(env *Env) error {
	return patchUser(env, c.DBFlag, c.LogFlags, c.Email, debrief.UserPatch{Disabled: ptrTo(true)}, "Disabled")
}

// UserEnableCmd enables an account.
type UserEnableCmd struct {
	Email    string `arg:""`
	DBFlag   `embed:""`
	LogFlags `embed:""`
}

// Run enables the account.
func (c *UserEnableCmd) Run(env *Env) error {
	return patchUser(env, c.DBFlag, c.LogFlags, c.Email, debrief.UserPatch{Disabled: ptrTo(false)}, "Enabled")
}

// UserSetRoleCmd changes a role.
type UserSetRoleCmd struct {
	Email    string `arg:""`
	Role     string `arg:"" enum:"viewer,responder,admin" help:"viewer, responder or admin."`
	DBFlag   `embed:""`
	LogFlags `embed:""`
}

// Run changes the role.
func (c *UserSetRoleCmd) Run(env *Env) error {
	r := debrief.Role(c.Role)
	return patchUser(env, c.DBFlag, c.LogFlags, c.Email, debrief.UserPatch{Role: &r}, "Updated")
}

// updateUserByEmail applies p to the account with that address and returns
// it as stored.
func updateUserByEmail(env *Env, db DBFlag, log LogFlags, email string, p debrief.UserPatch) (*debrief.User, error) {
	svc, ctx, done, err := openAccounts(env, db, log)
	if err != nil {
		return nil, err
	}
	defer done()
	u, err := svc.UserByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	return svc.UpdateUser(ctx, u.ID, p)
}

func patchUser(env *Env, db DBFlag, log LogFlags, email string, p debrief.UserPatch, verb string) error {
	u, err := updateUserByEmail(env, db, log, email, p)
	if err != nil {
		return err
	}
	state := "active"
	if u.Disabled {
		state = "disabled"
	}
	fmt.Fprintf(env.Stdout, "%s %s: %s, %s.\n", verb, u.Email, u.Role, state)
	return nil
}

// UserPasswdCmd sets a password.
type UserPasswdCmd struct {
	Email    string `arg:""`
	DBFlag   `embed:""`
	LogFlags `embed:""`
}

// Run sets the password and ends the user's sessions.
func (c *UserPasswdCmd) Run(env *Env) error {
	svc, ctx, done, err := openAccounts(env, c.DBFlag, c.LogFlags)
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.UserByEmail(ctx, c.Email)
	if err != nil {
		return err
	}
	pw, generated, err := readPassword(env.Stdin)
	if err != nil {
		return err
	}
	if err := svc.SetPassword(ctx, u.ID, pw); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Set the password of %s; their sessions have ended.\n", u.Email)
	if generated {
		fmt.Fprintf(env.Stdout, "One-time password (shown only now):\n%s\n", pw)
	}
	return nil
}

func ptrTo[T any](v T) *T { return &v }

// TokenCmd manages API tokens.
type TokenCmd struct {
	Create TokenCreateCmd `cmd:"" help:"Create an API token; it is printed alone on the last line, once."`
	List   TokenListCmd   `cmd:"" help:"List API tokens (never their secrets)."`
	Revoke TokenRevokeCmd `cmd:"" help:"Revoke an API token by ID."`
}

// TokenCreateCmd creates a token.
type TokenCreateCmd struct {
	User     string `required:"" help:"Email of the user the token acts as."`
	Scope    string `required:"" enum:"read,write,admin" help:"read (viewer), write (responder) or admin; never more than the user's role."`
	Name     string `required:"" help:"What the token is for, e.g. ci-export."`
	Expires  string `help:"Lifetime, e.g. 30d, 12h; empty means no expiry." placeholder:"DURATION"`
	DBFlag   `embed:""`
	LogFlags `embed:""`
}

// Run creates the token.
func (c *TokenCreateCmd) Run(env *Env) error {
	var exp *time.Time
	if c.Expires != "" {
		d, err := parseLifetime(c.Expires)
		if err != nil {
			return err
		}
		t := time.Now().Add(d)
		exp = &t
	}
	svc, ctx, done, err := openAccounts(env, c.DBFlag, c.LogFlags)
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.UserByEmail(ctx, c.User)
	if err != nil {
		return err
	}
	t, secret, err := svc.CreateToken(ctx, debrief.NewAPIToken{UserID: u.ID, Name: c.Name, Scope: debrief.TokenScope(c.Scope), ExpiresAt: exp})
	if err != nil {
		return err
	}
	expiry := "never expires"
	if t.ExpiresAt != nil {
		expiry = "expires " + t.ExpiresAt.Format(time.RFC3339)
	}
	fmt.Fprintf(env.Stdout, "Created token %d %q for %s (scope %s, %s). It is shown only now:\n%s\n", t.ID, t.Name, u.Email, t.Scope, expiry, secret)
	return nil
}

// parseLifetime reads 30d, 12h, 90m (days are 24 hours).
func parseLifetime(s string) (time.Duration, error) {
	bad := fmt.Errorf("--expires %q is not a lifetime such as 30d, 12h or 90m", s)
	if strings.HasSuffix(s, "d") {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n <= 0 || n > 3650 {
			return 0, bad
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}

// TokenListCmd lists tokens.
type TokenListCmd struct {
	JSON     bool `help:"Print JSON."`
	DBFlag   `embed:""`
	LogFlags `embed:""`
}

// Run lists every token.
func (c *TokenListCmd) Run(env *Env) error {
	svc, ctx, done, err := openAccounts(env, c.DBFlag, c.LogFlags)
	if err != nil {
		return err
	}
	defer done()
	ts, err := svc.Tokens(ctx, true)
	if err != nil {
		return err
	}
	if c.JSON {
		return json.NewEncoder(env.Stdout).Encode(ts)
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tNAME\tSCOPE\tSTATE\tLAST USED")
	for _, t := range ts {
		state, last := "active", "never"
		switch {
		case t.RevokedAt != nil:
			state = "revoked"
		case t.ExpiresAt != nil && !time.Now().Before(*t.ExpiresAt):
			state = "expired"
		}
		if t.LastUsedAt != nil {
			last = t.LastUsedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.UserEmail, t.Name, t.Scope, state, last)
	}
	return tw.Flush()
}

// TokenRevokeCmd revokes a token.
type TokenRevokeCmd struct {
	ID       int64 `arg:""`
	DBFlag   `embed:""`
	LogFlags `embed:""`
}

// Run revokes the token.
func (c *TokenRevokeCmd) Run(env *Env) error {
	svc, ctx, done, err := openAccounts(env, c.DBFlag, c.LogFlags)
	if err != nil {
		return err
	}
	defer done()
	t, err := svc.RevokeToken(ctx, c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Revoked token %d %q of %s.\n", t.ID, t.Name, t.UserEmail)
	return nil
}

// AuditCmd prints the audit log.
type AuditCmd struct {
	Since    string `help:"Only entries at or after this time (RFC 3339, or a lifetime back from now such as 24h or 7d)."`
	Actor    string `help:"Only entries by this actor (email)."`
	Action   string `help:"Only this action, e.g. auth.login_failed, incident.update."`
	Limit    int    `help:"At most this many entries (0 means all)." default:"0"`
	JSON     bool   `help:"Print a JSON array."`
	JSONL    bool   `name:"jsonl" help:"Print JSON lines, one entry per line, for export."`
	DBFlag   `embed:""`
	LogFlags `embed:""`
}

// Run prints matching entries, newest first.
func (c *AuditCmd) Run(env *Env) error {
	f := debrief.AuditFilter{Actor: c.Actor, Action: c.Action, Limit: debrief.MaxPageSize}
	if c.Since != "" {
		t, err := time.Parse(time.RFC3339, c.Since)
		if err != nil {
			d, derr := parseLifetime(c.Since)
			if derr != nil {
				return fmt.Errorf("--since %q is neither a time such as 2026-01-02T15:04:05Z nor a lifetime such as 24h or 7d", c.Since)
			}
			t = time.Now().Add(-d)
		}
		f.Since = &t
	}
	svc, ctx, done, err := openAccounts(env, c.DBFlag, c.LogFlags)
	if err != nil {
		return err
	}
	defer done()
	var all []*debrief.AuditEntry
	enc := json.NewEncoder(env.Stdout)
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	if !c.JSON && !c.JSONL {
		fmt.Fprintln(tw, "TIME\tACTOR\tACTION\tTARGET\tIP")
	}
	n := 0
	for {
		p, err := svc.AuditLog(ctx, f)
		if err != nil {
			return err
		}
		for _, e := range p.Items {
			if c.Limit > 0 && n >= c.Limit {
				break
			}
			n++
			switch {
			case c.JSONL:
				if err := enc.Encode(e); err != nil {
					return err
				}
			case c.JSON:
				all = append(all, e)
			default:
				target := e.TargetType
				if e.TargetID != "" {
					target += " " + e.TargetID
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.At.Format(time.RFC3339), e.Actor, e.Action, target, e.IP)
			}
		}
		if p.NextCursor == "" || (c.Limit > 0 && n >= c.Limit) {
			break
		}
		f.After = p.NextCursor
	}
	if c.JSON {
		if all == nil {
			all = []*debrief.AuditEntry{}
		}
		return enc.Encode(all)
	}
	if !c.JSONL {
		return tw.Flush()
	}
	return nil
}
