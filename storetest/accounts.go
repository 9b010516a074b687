package storetest

import (
	"strconv"
	"testing"
	"time"

	"github.com/debriefhq/debrief/debrief"
	"github.com/debriefhq/debrief/password"
)

func init() {
	Register("AccountsUsers", testAccountsUsers)
	Register("AccountsSessions", testAccountsSessions)
	Register("AccountsTokens", testAccountsTokens)
	Register("AccountsAudit", testAccountsAudit)
	Register("AccountsPrivateIncidents", testAccountsPrivateIncidents)
	Register("AccountsSSOIdentities", testAccountsSSOIdentities)
	Register("AccountsRevokeUserTokens", testAccountsRevokeUserTokens)
	Register("AccountsSignedInFrom", testAccountsSignedInFrom)
}

func testAccountsSSOIdentities(t *testing.T, open Opener) {
	s := open(t)
	as := accounts(t, s)
	ctx := ctxOf(t)
	const iss = "https://idp.example.com"
	_, err := as.SSOIdentity(ctx, iss, "sub-1")
	wantCode(t, err, debrief.ENotFound, "SSOIdentity(unknown)")

	// A new account and its identity in one go.
	u := &debrief.User{Email: "ada@example.com", Name: "Ada", Role: debrief.RoleResponder, CreatedAt: base}
	id := &debrief.SSOIdentity{Issuer: iss, Subject: "sub-1", Email: u.Email, LinkedAt: at(time.Minute)}
	create := &debrief.AuditEntry{At: base, Actor: "oidc", Action: debrief.AuditUserCreate, TargetType: debrief.TargetUser}
	link := &debrief.AuditEntry{At: base, Actor: "oidc", Action: debrief.AuditSSOLink, TargetType: debrief.TargetUser}
	must(t, as.LinkSSOIdentity(ctx, u, id, create, link), "LinkSSOIdentity(new user)")
	if u.ID == 0 || id.ID == 0 || id.UserID != u.ID || create.TargetID != strconv.FormatInt(u.ID, 10) || link.ID == 0 {
		t.Fatalf("LinkSSOIdentity left user %d, identity %d of user %d, audit target %q id %d; want all set", u.ID, id.ID, id.UserID, create.TargetID, link.ID)
	}
	got, err := as.SSOIdentity(ctx, iss, "sub-1")
	must(t, err, "SSOIdentity")
	wantEqual(t, "SSOIdentity", id, got)
	gotUser, err := as.User(ctx, u.ID)
	must(t, err, "User")
	wantEqual(t, "User after LinkSSOIdentity", u, gotUser)

	// The same identity cannot be bound twice, and a failed link stores nothing.
	v := &debrief.User{Email: "eve@example.com", Role: debrief.RoleAdmin, CreatedAt: base}
	wantCode(t, as.LinkSSOIdentity(ctx, v, &debrief.SSOIdentity{Issuer: iss, Subject: "sub-1", LinkedAt: base}), debrief.EConflict, "LinkSSOIdentity(bound identity)")
	_, err = as.UserByEmail(ctx, "eve@example.com")
	wantCode(t, err, debrief.ENotFound, "UserByEmail after a failed link")
	wantCode(t, as.LinkSSOIdentity(ctx, &debrief.User{Email: "ada@example.com", Role: debrief.RoleViewer, CreatedAt: base},
		&debrief.SSOIdentity{Issuer: iss, Subject: "sub-9", LinkedAt: base}), debrief.EConflict, "LinkSSOIdentity(new user with a taken e-mail)")
	_, err = as.SSOIdentity(ctx, iss, "sub-9")
	wantCode(t, err, debrief.ENotFound, "SSOIdentity after a failed link")

	// An existing account: its fields are stored with the link (the
	// one-time permission is used up), and another issuer's identity is
	// another identity.
	b := &debrief.User{Email: "bob@example.com", Role: debrief.RoleViewer, CreatedAt: base, AllowSSOLink: true}
	must(t, as.CreateUser(ctx, b, nil), "CreateUser(bob)")
	gotUser, err = as.User(ctx, b.ID)
	must(t, err, "User(bob)")
	if !gotUser.AllowSSOLink {
		t.Errorf("User(bob).AllowSSOLink = false; want true as created")
	}
	b.AllowSSOLink, b.Role = false, debrief.RoleAdmin
	must(t, as.LinkSSOIdentity(ctx, b, &debrief.SSOIdentity{Issuer: "https://other.example.com", Subject: "sub-1", Email: b.Email, LinkedAt: base}), "LinkSSOIdentity(existing user)")
	gotUser, err = as.User(ctx, b.ID)
	must(t, err, "User(bob) after link")
	wantEqual(t, "User(bob) after link", b, gotUser)
	wantCode(t, as.LinkSSOIdentity(ctx, &debrief.User{ID: 999, Email: "x@example.com", Role: debrief.RoleViewer}, &debrief.SSOIdentity{Issuer: iss, Subject: "sub-2", LinkedAt: base}),
		debrief.ENotFound, "LinkSSOIdentity(user 999)")
	// The permission is used up: a second identity needs it again.
	wantCode(t, as.LinkSSOIdentity(ctx, b, &debrief.SSOIdentity{Issuer: iss, Subject: "sub-3", Email: b.Email, LinkedAt: at(time.Hour)}), debrief.EConflict, "LinkSSOIdentity(permission used up)")
	pw := &debrief.User{Email: "pw@example.com", Role: debrief.RoleViewer, PasswordHash: "$argon2id$x", AllowSSOLink: true, CreatedAt: base}
	must(t, as.CreateUser(ctx, pw, nil), "CreateUser(with a password)")
	wantCode(t, as.LinkSSOIdentity(ctx, pw, &debrief.SSOIdentity{Issuer: iss, Subject: "sub-pw", LinkedAt: base}), debrief.EConflict, "LinkSSOIdentity(account with a password)")
	b.AllowSSOLink = true
	must(t, as.UpdateUser(ctx, b, nil), "UpdateUser(allow again)")
	must(t, as.LinkSSOIdentity(ctx, b, &debrief.SSOIdentity{Issuer: iss, Subject: "sub-3", Email: b.Email, LinkedAt: at(time.Hour)}), "LinkSSOIdentity(second identity)")
	list, err := as.UserSSOIdentities(ctx, b.ID)
	must(t, err, "UserSSOIdentities")
	if len(list) != 2 || list[0].Issuer != "https://other.example.com" || list[1].Subject != "sub-3" {
		t.Errorf("UserSSOIdentities(bob) = %d identities; want 2, oldest first", len(list))
	}
	none, err := as.UserSSOIdentities(ctx, 999)
	must(t, err, "UserSSOIdentities(999)")
	if none == nil || len(none) != 0 {
		t.Errorf("UserSSOIdentities(999) = %v; want an empty list", none)
	}
}

func testAccountsRevokeUserTokens(t *testing.T, open Opener) {
	s := open(t)
	as := accounts(t, s)
	ctx := ctxOf(t)
	u := &debrief.User{Email: "ada@example.com", Role: debrief.RoleAdmin, CreatedAt: base}
	other := &debrief.User{Email: "bob@example.com", Role: debrief.RoleAdmin, CreatedAt: base}
	must(t, as.CreateUser(ctx, u, nil), "CreateUser")
	must(t, as.CreateUser(ctx, other, nil), "CreateUser(bob)")
	var toks []*debrief.APIToken
	for i, owner := range []*debrief.User{u, u, u, other} {
		tok := &debrief.APIToken{UserID: owner.ID, Name: "t" + strconv.Itoa(i), Scope: debrief.ScopeRead, Hash: debrief.HashSecret("s" + strconv.Itoa(i)), CreatedAt: base}
		must(t, as.CreateToken(ctx, tok, nil), "CreateToken")
		toks = append(toks, tok)
	}
	must(t, as.RevokeToken(ctx, toks[0].ID, at(time.Minute), nil), "RevokeToken")
	e := &debrief.AuditEntry{At: at(time.Hour), Actor: "system", Action: debrief.AuditTokensRevoke, TargetType: debrief.TargetUser}
	n, err := as.RevokeUserTokens(ctx, u.ID, at(time.Hour), e)
	must(t, err, "RevokeUserTokens")
	if n != 2 || e.ID == 0 {
		t.Errorf("RevokeUserTokens = %d (audit id %d); want 2 live tokens revoked and the entry appended", n, e.ID)
	}
	for i, want := range []*time.Time{ptr(at(time.Minute)), ptr(at(time.Hour)), ptr(at(time.Hour)), nil} {
		got, err := as.Token(ctx, toks[i].ID)
		must(t, err, "Token")
		if (got.RevokedAt == nil) != (want == nil) || (want != nil && !got.RevokedAt.Equal(*want)) {
			t.Errorf("token %d revoked at %v; want %v", i, got.RevokedAt, want)
		}
	}
	again := &debrief.AuditEntry{At: at(2 * time.Hour), Actor: "system", Action: debrief.AuditTokensRevoke, TargetType: debrief.TargetUser}
	n, err = as.RevokeUserTokens(ctx, u.ID, at(2*time.Hour), again)
	if err != nil || n != 0 || again.ID != 0 {
		t.Errorf("RevokeUserTokens(again) = %d, %v, audit id %d; want 0, nil and no audit entry", n, err, again.ID)
	}
}

func testAccountsSignedInFrom(t *testing.T, open Opener) {
	s := open(t)
	as := accounts(t, s)
	ctx := ctxOf(t)
	u := &debrief.User{Email: "ada@example.com", Role: debrief.RoleAdmin, CreatedAt: base}
	must(t, as.CreateUser(ctx, u, nil), "CreateUser")
	for _, e := range []*debrief.AuditEntry{
		{At: at(time.Hour), Actor: u.Email, ActorID: u.ID, Action: debrief.AuditLogin, IP: "192.0.2.1"},
		{At: at(time.Hour), Actor: u.Email, ActorID: u.ID, Action: debrief.AuditLoginFailed, IP: "192.0.2.2"},
		{At: at(time.Hour), Actor: "bob@example.com", ActorID: u.ID + 1, Action: debrief.AuditLogin, IP: "192.0.2.3"},
	} {
		must(t, as.AppendAudit(ctx, e), "AppendAudit")
	}
	for _, tc := range []struct {
		ip    string
		since time.Time
		want  bool
	}{{"192.0.2.1", base, true}, {"192.0.2.1", at(2 * time.Hour), false}, {"192.0.2.2", base, false}, {"192.0.2.3", base, false}} {
		got, err := as.SignedInFrom(ctx, u.ID, tc.ip, tc.since)
		if err != nil || got != tc.want {
			t.Errorf("SignedInFrom(%s, since %v) = %v, %v; want %v", tc.ip, tc.since, got, err, tc.want)
		}
	}
}

// FastHasher is argon2id with tiny costs, for tests only.
var FastHasher = password.Hasher{P: password.Params{Memory: 64, Time: 1, Threads: 1}}

func accounts(t *testing.T, s debrief.Store) debrief.AccountStore {
	t.Helper()
	as, ok := s.(debrief.AccountStore)
	if !ok {
		t.Fatalf("store %T does not implement debrief.AccountStore", s)
	}
	return as
}

func testAccountsUsers(t *testing.T, open Opener) {
	s := open(t)
	as := accounts(t, s)
	ctx := ctxOf(t)
	u := &debrief.User{Email: "ada@example.com", Name: "Ada", Role: debrief.RoleResponder, PasswordHash: "$argon2id$x", CreatedAt: base}
	e := &debrief.AuditEntry{At: base, Actor: "system", Action: debrief.AuditUserCreate, TargetType: debrief.TargetUser}
	must(t, as.CreateUser(ctx, u, e), "CreateUser")
	if u.ID == 0 || e.TargetID == "" || e.ID == 0 {
		t.Fatalf("CreateUser left ID %d, audit target %q, audit id %d; want all set", u.ID, e.TargetID, e.ID)
	}
	got, err := as.UserByEmail(ctx, "ada@example.com")
	must(t, err, "UserByEmail")
	wantEqual(t, "UserByEmail", u, got)
	got, err = as.User(ctx, u.ID)
	must(t, err, "User")
	wantEqual(t, "User", u, got)
	wantCode(t, as.CreateUser(ctx, &debrief.User{Email: "ada@example.com", Role: debrief.RoleViewer, CreatedAt: base}, nil), debrief.EConflict, "CreateUser(duplicate email)")
	_, err = as.User(ctx, 999)
	wantCode(t, err, debrief.ENotFound, "User(999)")
	_, err = as.UserByEmail(ctx, "nobody@example.com")
	wantCode(t, err, debrief.ENotFound, "UserByEmail(unknown)")

	u.Role, u.Disabled, u.LastLoginAt = debrief.RoleAdmin, true, ptr(at(time.Hour))
	must(t, as.UpdateUser(ctx, u, nil), "UpdateUser")
	got, err = as.User(ctx, u.ID)
	must(t, err, "User after update")
	wantEqual(t, "User after update", u, got)
	wantCode(t, as.UpdateUser(ctx, &debrief.User{ID: 999, Role: debrief.RoleViewer}, nil), debrief.ENotFound, "UpdateUser(999)")

	must(t, as.CreateUser(ctx, &debrief.User{Email: "bob@example.com", Role: debrief.RoleViewer, CreatedAt: base}, nil), "CreateUser(bob)")
	list, err := as.ListUsers(ctx)
	must(t, err, "ListUsers")
	if len(list) != 2 || list[0].Email != "ada@example.com" || list[1].Email != "bob@example.com" {
		t.Fatalf("ListUsers = %d users, want ada then bob", len(list))
	}
}

func testAccountsSessions(t *testing.T, open Opener) {
	s := open(t)
	as := accounts(t, s)
	ctx := ctxOf(t)
	u := &debrief.User{Email: "ada@example.com", Role: debrief.RoleViewer, CreatedAt: base}
	must(t, as.CreateUser(ctx, u, nil), "CreateUser")
	mk := func(secret string, exp time.Time) *debrief.Session {
		ss := &debrief.Session{Hash: debrief.HashSecret(secret), UserID: u.ID, CreatedAt: base, ExpiresAt: exp, LastSeenAt: base, IP: "192.0.2.1", UserAgent: "test"}
		must(t, as.CreateSession(ctx, ss), "CreateSession")
		return ss
	}
	a := mk("a", at(time.Hour))
	mk("b", at(-time.Hour))
	got, err := as.SessionByHash(ctx, a.Hash)
	must(t, err, "SessionByHash")
	wantEqual(t, "SessionByHash", a, got)
	n, err := as.DeleteExpiredSessions(ctx, base)
	must(t, err, "DeleteExpiredSessions")
	if n != 1 {
		t.Errorf("DeleteExpiredSessions removed %d, want 1 (the expired one)", n)
	}
	_, err = as.SessionByHash(ctx, debrief.HashSecret("b"))
	wantCode(t, err, debrief.ENotFound, "SessionByHash(expired, cleaned)")
	must(t, as.DeleteSession(ctx, a.Hash), "DeleteSession")
	_, err = as.SessionByHash(ctx, a.Hash)
	wantCode(t, err, debrief.ENotFound, "SessionByHash(after logout)")
	must(t, as.DeleteSession(ctx, a.Hash), "DeleteSession(again)")
	mk("c", at(time.Hour))
	mk("d", at(time.Hour))
	must(t, as.DeleteUserSessions(ctx, u.ID), "DeleteUserSessions")
	for _, sec := range []string{"c", "d"} {
		_, err = as.SessionByHash(ctx, debrief.HashSecret(sec))
		wantCode(t, err, debrief.ENotFound, "SessionByHash after DeleteUserSessions")
	}
}

func testAccountsTokens(t *testing.T, open Opener) {
	s := open(t)
	as := accounts(t, s)
	ctx := ctxOf(t)
	u := &debrief.User{Email: "ada@example.com", Role: debrief.RoleAdmin, CreatedAt: base}
	must(t, as.CreateUser(ctx, u, nil), "CreateUser")
	tok := &debrief.APIToken{UserID: u.ID, UserEmail: u.Email, Name: "ci", Scope: debrief.ScopeRead, Hash: debrief.HashSecret("x"), CreatedAt: base, ExpiresAt: ptr(at(24 * time.Hour))}
	e := &debrief.AuditEntry{At: base, Actor: u.Email, Action: debrief.AuditTokenCreate, TargetType: debrief.TargetToken}
	must(t, as.CreateToken(ctx, tok, e), "CreateToken")
	if e.TargetID == "" {
		t.Errorf("CreateToken left the audit target empty; want the token id")
	}
	got, err := as.TokenByHash(ctx, tok.Hash)
	must(t, err, "TokenByHash")
	wantEqual(t, "TokenByHash", tok, got)
	_, err = as.TokenByHash(ctx, debrief.HashSecret("y"))
	wantCode(t, err, debrief.ENotFound, "TokenByHash(unknown)")
	must(t, as.TouchToken(ctx, tok.ID, at(time.Minute), &debrief.AuditEntry{At: at(time.Minute), Actor: u.Email, Action: debrief.AuditTokenUse}), "TouchToken")
	must(t, as.RevokeToken(ctx, tok.ID, at(2*time.Minute), nil), "RevokeToken")
	wantCode(t, as.RevokeToken(ctx, tok.ID, at(3*time.Minute), nil), debrief.ENotFound, "RevokeToken(already revoked)")
	got, err = as.Token(ctx, tok.ID)
	must(t, err, "Token")
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(at(time.Minute)) || got.RevokedAt == nil || !got.RevokedAt.Equal(at(2*time.Minute)) {
		t.Errorf("Token after touch and revoke: last used %v, revoked %v; want %v and %v", got.LastUsedAt, got.RevokedAt, at(time.Minute), at(2*time.Minute))
	}
	tok2 := &debrief.APIToken{UserID: u.ID, Name: "cli", Scope: debrief.ScopeAdmin, Hash: debrief.HashSecret("z"), CreatedAt: base}
	must(t, as.CreateToken(ctx, tok2, nil), "CreateToken(2)")
	list, err := as.ListTokens(ctx, u.ID)
	must(t, err, "ListTokens")
	if len(list) != 2 || list[0].ID != tok2.ID {
		t.Errorf("ListTokens = %d tokens, first %v; want 2, newest first", len(list), list)
	}
	all, err := as.ListTokens(ctx, 0)
	must(t, err, "ListTokens(all)")
	if len(all) != 2 {
		t.Errorf("ListTokens(0) = %d tokens, want 2", len(all))
	}
	wantCode(t, as.CreateToken(ctx, &debrief.APIToken{UserID: u.ID, Name: "dup", Scope: debrief.ScopeRead, Hash: tok2.Hash, CreatedAt: base}, nil), debrief.EConflict, "CreateToken(duplicate hash)")
}

func testAccountsAudit(t *testing.T, open Opener) {
	s := open(t)
	as := accounts(t, s)
	ctx := ctxOf(t)
	for i := 0; i < 5; i++ {
		e := &debrief.AuditEntry{At: at(time.Duration(i) * time.Minute), Actor: "ada@example.com", Action: debrief.AuditLogin,
			TargetType: debrief.TargetUser, TargetID: "1", IP: "192.0.2.7", UserAgent: "curl/8",
			Changes: []debrief.Change{{Field: "via", New: []byte(`"password"`)}}}
		if i%2 == 1 {
			e.Action, e.Actor = debrief.AuditLoginFailed, "mallory@example.com"
		}
		must(t, as.AppendAudit(ctx, e), "AppendAudit")
	}
	p, err := as.ListAudit(ctx, debrief.AuditFilter{Limit: 2})
	must(t, err, "ListAudit(limit 2)")
	if len(p.Items) != 2 || p.NextCursor == "" || p.Items[0].ID < p.Items[1].ID {
		t.Fatalf("ListAudit(limit 2) = %d items, cursor %q; want 2 newest first and a cursor", len(p.Items), p.NextCursor)
	}
	if e := p.Items[0]; e.IP != "192.0.2.7" || e.UserAgent != "curl/8" || len(e.Changes) != 1 || !e.At.Equal(at(4*time.Minute)) {
		t.Errorf("ListAudit newest entry = %+v; want IP, user agent, one change and time kept", e)
	}
	p2, err := as.ListAudit(ctx, debrief.AuditFilter{Limit: 10, After: p.NextCursor})
	must(t, err, "ListAudit(page 2)")
	if len(p2.Items) != 3 {
		t.Errorf("ListAudit page 2 = %d items, want 3", len(p2.Items))
	}
	failed, err := as.ListAudit(ctx, debrief.AuditFilter{Action: debrief.AuditLoginFailed})
	must(t, err, "ListAudit(action)")
	if len(failed.Items) != 2 {
		t.Errorf("ListAudit(action=%s) = %d, want 2", debrief.AuditLoginFailed, len(failed.Items))
	}
	since := at(3 * time.Minute)
	recent, err := as.ListAudit(ctx, debrief.AuditFilter{Since: &since, Actor: "ada@example.com"})
	must(t, err, "ListAudit(since, actor)")
	if len(recent.Items) != 1 {
		t.Errorf("ListAudit(since +3m, actor ada) = %d, want 1", len(recent.Items))
	}

	// A change made through the Service is audited with its revision, in
	// the same transaction.
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return at(time.Hour) }))
	actx := debrief.WithActor(ctx, debrief.Actor{Email: "ada@example.com", Role: debrief.RoleAdmin})
	inc, err := svc.CreateIncident(actx, &debrief.Incident{Title: "Login page timed out"})
	must(t, err, "Service.CreateIncident")
	title := "Login page timed out for SSO users"
	_, err = svc.UpdateIncident(actx, inc.ID, debrief.IncidentPatch{Title: &title}, 1)
	must(t, err, "Service.UpdateIncident")
	ch, err := as.ListAudit(ctx, debrief.AuditFilter{TargetType: debrief.EntityIncident, TargetID: itoa64(inc.ID)})
	must(t, err, "ListAudit(incident)")
	if len(ch.Items) != 2 || ch.Items[0].Action != "incident.update" || ch.Items[1].Action != "incident.create" || ch.Items[0].Actor != "ada@example.com" {
		t.Fatalf("audit of the incident = %v; want incident.update then incident.create by ada", auditActions(ch.Items))
	}
	if len(ch.Items[0].Changes) != 1 || ch.Items[0].Changes[0].Field != "title" {
		t.Errorf("incident.update audit changes = %+v; want the title change", ch.Items[0].Changes)
	}
}

func auditActions(es []*debrief.AuditEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Action
	}
	return out
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// testAccountsPrivateIncidents checks that the Service hides private
// incidents (and what hangs off them) from non-members: ENotFound on every
// read and write, and absent from lists.
func testAccountsPrivateIncidents(t *testing.T, open Opener) {
	s := open(t)
	svc := debrief.NewService(s, debrief.WithClock(func() time.Time { return base }))
	ctx := ctxOf(t)
	member := debrief.WithActor(ctx, debrief.Actor{Email: "ada@example.com", Role: debrief.RoleResponder})
	outsider := debrief.WithActor(ctx, debrief.Actor{Email: "bob@example.com", Role: debrief.RoleResponder})
	admin := debrief.WithActor(ctx, debrief.Actor{Email: "root@example.com", Role: debrief.RoleAdmin})

	pub, err := svc.CreateIncident(member, &debrief.Incident{Title: "Public outage"})
	must(t, err, "CreateIncident(public)")
	priv, err := svc.CreateIncident(member, &debrief.Incident{Title: "Credential leak", Private: true})
	must(t, err, "CreateIncident(private)")
	if len(priv.Members) != 1 || priv.Members[0] != "ada@example.com" {
		t.Fatalf("private incident members = %v; want its creator", priv.Members)
	}
	rotated := &debrief.TimelineEvent{At: base, Text: "Key rotated"}
	_, err = svc.AddTimelineEvents(member, priv.ID, []*debrief.TimelineEvent{rotated}, debrief.AddEventsOptions{})
	must(t, err, "AddTimelineEvents(member)")
	pm, err := svc.CreatePostmortem(member, debrief.NewPostmortem{IncidentID: &priv.ID})
	must(t, err, "CreatePostmortem(member)")
	item, err := svc.CreateActionItem(member, &debrief.ActionItem{Title: "Rotate keys monthly", IncidentID: &priv.ID})
	must(t, err, "CreateActionItem(member)")

	title := "x"
	calls := []struct {
		name string
		fn   func() error
	}{
		{"Incident", func() error { _, err := svc.Incident(outsider, priv.ID); return err }},
		{"UpdateIncident", func() error {
			_, err := svc.UpdateIncident(outsider, priv.ID, debrief.IncidentPatch{Title: &title}, priv.Version)
			return err
		}},
		{"ListTimeline", func() error { _, err := svc.ListTimeline(outsider, priv.ID, debrief.TimelineFilter{}); return err }},
		{"TimelinePage", func() error {
			_, err := svc.TimelinePage(outsider, priv.ID, debrief.TimelineFilter{}, "", 0)
			return err
		}},
		{"TimelineSummary", func() error { _, err := svc.TimelineSummary(outsider, priv.ID); return err }},
		{"TimelineEvent", func() error { _, err := svc.TimelineEvent(outsider, priv.ID, rotated.ID); return err }},
		{"AddTimelineEvents", func() error {
			_, err := svc.AddTimelineEvents(outsider, priv.ID, []*debrief.TimelineEvent{{At: base, Text: "probe"}}, debrief.AddEventsOptions{})
			return err
		}},
		{"Postmortem", func() error { _, err := svc.Postmortem(outsider, pm.ID); return err }},
		{"PostmortemStampByRef", func() error { _, _, err := svc.PostmortemStampByRef(outsider, pm.Key); return err }},
		{"UpdatePostmortem", func() error {
			_, err := svc.UpdatePostmortem(outsider, pm.ID, debrief.PostmortemPatch{Title: &title}, pm.Version)
			return err
		}},
		{"ActionItem", func() error { _, err := svc.ActionItem(outsider, item.ID); return err }},
		{"UpdateActionItem", func() error {
			_, err := svc.UpdateActionItem(outsider, item.ID, debrief.ActionItemPatch{Title: &title}, item.Version)
			return err
		}},
		{"DeleteActionItem", func() error { return svc.DeleteActionItem(outsider, item.ID, item.Version) }},
		{"ListRevisions", func() error {
			_, err := svc.ListRevisions(outsider, debrief.RevisionFilter{EntityType: debrief.EntityIncident, EntityID: priv.ID})
			return err
		}},
	}
	for _, c := range calls {
		wantCode(t, c.fn(), debrief.ENotFound, "non-member "+c.name+" on a private incident")
	}
	// Nothing changed.
	got, err := svc.Incident(member, priv.ID)
	must(t, err, "Incident(member)")
	if got.Version != priv.Version || got.Title != priv.Title {
		t.Errorf("after refused writes the private incident is at version %d titled %q; want unchanged", got.Version, got.Title)
	}
	if _, err := svc.Incident(admin, priv.ID); err != nil {
		t.Errorf("admin Incident(private) = %v; want it visible", err)
	}
	list, err := svc.ListIncidents(outsider, debrief.IncidentFilter{Limit: 1})
	must(t, err, "ListIncidents(outsider)")
	if len(list.Items) != 1 || list.Items[0].ID != pub.ID || list.NextCursor != "" {
		t.Errorf("ListIncidents(outsider, limit 1) = %d items, cursor %q; want only the public incident and no next page", len(list.Items), list.NextCursor)
	}
	l2, err := svc.ListIncidents(member, debrief.IncidentFilter{})
	must(t, err, "ListIncidents(member)")
	if len(l2.Items) != 2 {
		t.Errorf("ListIncidents(member) = %d items, want 2", len(l2.Items))
	}
	pms, err := svc.ListPostmortems(outsider, debrief.PostmortemFilter{})
	must(t, err, "ListPostmortems(outsider)")
	if len(pms.Items) != 0 {
		t.Errorf("ListPostmortems(outsider) = %d items, want 0 (the only one is on a private incident)", len(pms.Items))
	}
	items, err := svc.ListActionItems(outsider, debrief.ActionItemFilter{})
	must(t, err, "ListActionItems(outsider)")
	if len(items.Items) != 0 {
		t.Errorf("ListActionItems(outsider) = %d items, want 0", len(items.Items))
	}
	_, err = svc.CreateActionItem(outsider, &debrief.ActionItem{Title: "probe", IncidentID: &priv.ID})
	wantCode(t, err, debrief.EInvalid, "CreateActionItem(outsider, private incident)")
}
